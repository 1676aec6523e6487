/* The OpenAI-compatible descriptor (vLLM, Ollama, LM Studio, Together, Groq, ...): the admin
 * gives the base URL; the key is optional; OpenAI-shape operations from openai_shape.c. */
#include "providers/openai_shape.h"

static const mm_credential_field FIELDS[] = {
    {"endpoint", "Base URL", true, false, "http://localhost:8000/v1",
     "The server's OpenAI-compatible base URL, including /v1 (Groq: "
     "https://api.groq.com/openai/v1)."},
    {"api_key", "API key", false, true, "(optional)",
     "Leave empty for servers without keys (a local vLLM or Ollama)."},
    ADAPTER_FIELD_CA_BUNDLE,
};

const mm_provider_info mm_provider_openai_compatible = {
    .id = "openai-compatible",
    .display_name = "OpenAI-compatible",
    .default_base_url = NULL,
    .default_api_version = NULL,
    .fields = FIELDS,
    .n_fields = sizeof FIELDS / sizeof FIELDS[0],
    .requires_endpoint = true,
    .requires_api_version = false,
    .requires_key = false,
    .supports_chat = true,
    .supports_embeddings = true,
    .target_hint = "Targets name a model id as the server lists it (e.g. "
                   "meta-llama/Llama-3.1-8B-Instruct).",
    .ops = &openai_shape_ops,
};
