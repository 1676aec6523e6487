/* The Mistral descriptor: credential fields, default base URL and operations (OpenAI-shaped
 * bodies from openai_shape.c with tool call ids in Mistral's form, its rate-limit headers). */
#include "providers/openai_shape.h"
#include "providers/tool_shape.h"

static const mm_credential_field FIELDS[] = {
    {"api_key", "API key", true, true, "your Mistral API key",
     "Create one at console.mistral.ai under API keys."},
    ADAPTER_FIELD_BASE_URL("https://api.mistral.ai/v1", "api.mistral.ai"),
    ADAPTER_FIELD_CA_BUNDLE,
};

/* Sets *field to the header's whole value when present. */
static void read_header(const mm_http_response *resp, const char *name, int64_t *field)
{
    int64_t value = adapter_header_int(resp, name);
    if (value >= 0)
        *field = value;
}

/* Mistral's limits per minute over any OpenAI-style headers, from both families it has sent:
 * the older x-ratelimitbysize-{limit,remaining}-minute (tokens) with (x-)ratelimitbysize-reset
 * (seconds), seen in clients; and the current x-ratelimit-{limit,remaining}-req-minute
 * (requests) and x-ratelimit-{limit,remaining}-tokens-minute (tokens), from a recorded answer of
 * mid-2026 (PROVIDERS.md), which win when both are present. */
static void mistral_read_ratelimit(const mm_http_response *resp, int64_t now_ms, mm_ratelimit *rl)
{
    openai_shape_read_ratelimit(resp, now_ms, rl);
    read_header(resp, "x-ratelimitbysize-limit-minute", &rl->limit_tokens);
    read_header(resp, "x-ratelimitbysize-remaining-minute", &rl->remaining_tokens);
    int64_t reset_s = adapter_header_int(resp, "x-ratelimitbysize-reset");
    if (reset_s < 0)
        reset_s = adapter_header_int(resp, "ratelimitbysize-reset");
    if (reset_s >= 0)
        rl->reset_tokens_ms = reset_s * 1000;
    read_header(resp, "x-ratelimit-limit-req-minute", &rl->limit_requests);
    read_header(resp, "x-ratelimit-remaining-req-minute", &rl->remaining_requests);
    read_header(resp, "x-ratelimit-limit-tokens-minute", &rl->limit_tokens);
    read_header(resp, "x-ratelimit-remaining-tokens-minute", &rl->remaining_tokens);
}

/* OpenAI's chat body with every tool call id in Mistral's form (tool_shape_mistral_ids). */
static mm_status mistral_build_chat(const mm_connection *conn, const char *model,
                                    const mm_chat *chat, int max_tokens, mm_http_request *out,
                                    mm_error *err)
{
    json_t *root = openai_shape_chat_root(model, chat, max_tokens);
    if (!root || !tool_shape_mistral_ids(json_object_get(root, "messages"))) {
        json_decref(root);
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    }
    char *body = adapter_dump_owned(root);
    if (!body)
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    return adapter_bearer_request(conn, "POST", "/chat/completions", body, out, err);
}

static const mm_provider_ops OPS = {
    .build_list = openai_shape_build_list,
    .parse_list = openai_shape_parse_list,
    .build_chat = mistral_build_chat,
    .parse_chat = openai_shape_parse_chat,
    .build_embed = openai_shape_build_embed,
    .parse_embed = openai_shape_parse_embed,
    .make_streaming = adapter_make_streaming, /* usage comes unasked */
    .parse_stream_event = openai_shape_parse_stream,
    .parse_error = openai_shape_parse_error,
    .read_ratelimit = mistral_read_ratelimit,
};

const mm_provider_info mm_provider_mistral = {
    ADAPTER_HOSTED_PROVIDER("mistral", "Mistral", "https://api.mistral.ai/v1", FIELDS),
    .supports_embeddings = true,
    .target_hint = "Targets name a Mistral model id, e.g. mistral-large-latest or mistral-embed.",
    .ops = &OPS,
};
