/* The OpenAI descriptor: credential fields, default base URL and the OpenAI-shape operations
 * (shared with Azure, Mistral and OpenAI-compatible servers in openai_shape.c). */
#include "providers/openai_shape.h"

static const mm_credential_field FIELDS[] = {
    {"api_key", "API key", true, true, "sk-...", "Create one at platform.openai.com/api-keys."},
    {"endpoint", "Base URL", false, false, "https://api.openai.com/v1",
     "Leave empty for api.openai.com; set it for a proxy or a private endpoint."},
    {"ca_bundle", "CA bundle file", false, false, "/etc/ssl/private-ca.pem",
     "Only for a private endpoint whose certificate the system does not trust."},
};

const mm_provider_info mm_provider_openai = {
    .id = "openai",
    .display_name = "OpenAI",
    .default_base_url = "https://api.openai.com/v1",
    .default_api_version = NULL,
    .fields = FIELDS,
    .n_fields = sizeof FIELDS / sizeof FIELDS[0],
    .requires_endpoint = false,
    .requires_api_version = false,
    .requires_key = true,
    .supports_chat = true,
    .supports_embeddings = true,
    .supports_images = true,
    .supports_audio = true,
    .target_hint = "Targets name an OpenAI model id, e.g. gpt-4o-mini or text-embedding-3-small.",
    .ops = &openai_shape_ops,
};
