/* The Mistral descriptor: credential fields, default base URL and operations (OpenAI-shaped
 * bodies from openai_shape.c, Mistral's x-ratelimitbysize-* headers). */
#include "providers/openai_shape.h"

static const mm_credential_field FIELDS[] = {
    {"api_key", "API key", true, true, "your Mistral API key",
     "Create one at console.mistral.ai under API keys."},
    {"endpoint", "Base URL", false, false, "https://api.mistral.ai/v1",
     "Leave empty for api.mistral.ai; set it for a proxy or a private endpoint."},
    {"ca_bundle", "CA bundle file", false, false, "/etc/ssl/private-ca.pem",
     "Only for a private endpoint whose certificate the system does not trust."},
};

/* Mistral's token limits per minute (x-ratelimitbysize-*), over any OpenAI-style headers. */
static void mistral_read_ratelimit(const mm_http_response *resp, int64_t now_ms, mm_ratelimit *rl)
{
    openai_shape_read_ratelimit(resp, now_ms, rl);
    int64_t limit = adapter_header_int(resp, "x-ratelimitbysize-limit-minute");
    int64_t remaining = adapter_header_int(resp, "x-ratelimitbysize-remaining-minute");
    int64_t reset_s = adapter_header_int(resp, "x-ratelimitbysize-reset");
    if (reset_s < 0)
        reset_s = adapter_header_int(resp, "ratelimitbysize-reset");
    if (limit >= 0)
        rl->limit_tokens = limit;
    if (remaining >= 0)
        rl->remaining_tokens = remaining;
    if (reset_s >= 0)
        rl->reset_tokens_ms = reset_s * 1000;
}

static const mm_provider_ops OPS = {
    .build_list = openai_shape_build_list,
    .parse_list = openai_shape_parse_list,
    .build_chat = openai_shape_build_chat,
    .parse_chat = openai_shape_parse_chat,
    .build_embed = openai_shape_build_embed,
    .parse_embed = openai_shape_parse_embed,
    .parse_error = openai_shape_parse_error,
    .read_ratelimit = mistral_read_ratelimit,
};

const mm_provider_info mm_provider_mistral = {
    .id = "mistral",
    .display_name = "Mistral",
    .default_base_url = "https://api.mistral.ai/v1",
    .default_api_version = NULL,
    .fields = FIELDS,
    .n_fields = sizeof FIELDS / sizeof FIELDS[0],
    .requires_endpoint = false,
    .requires_api_version = false,
    .requires_key = true,
    .supports_chat = true,
    .supports_embeddings = true,
    .target_hint = "Targets name a Mistral model id, e.g. mistral-large-latest or mistral-embed.",
    .ops = &OPS,
};
