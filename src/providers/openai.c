/* The OpenAI descriptor: credential fields, default base URL and the OpenAI-shape operations
 * (shared with Azure, Mistral and OpenAI-compatible servers in openai_shape.c). */
#include "providers/openai_shape.h"

static const mm_credential_field FIELDS[] = {
    {"api_key", "API key", true, true, "sk-...", "Create one at platform.openai.com/api-keys."},
    ADAPTER_FIELD_BASE_URL("https://api.openai.com/v1", "api.openai.com"),
    ADAPTER_FIELD_CA_BUNDLE,
};

const mm_provider_info mm_provider_openai = {
    ADAPTER_HOSTED_PROVIDER("openai", "OpenAI", "https://api.openai.com/v1", FIELDS),
    .supports_embeddings = true,
    .supports_images = true,
    .supports_audio = true,
    .target_hint = "Targets name an OpenAI model id, e.g. gpt-4o-mini or text-embedding-3-small.",
    .ops = &openai_shape_ops,
};
