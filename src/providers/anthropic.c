/* The Anthropic descriptor and adapter: x-api-key + anthropic-version headers, paginated
 * /v1/models (after_id), /v1/messages (tools: tool_shape.c), typed error bodies,
 * anthropic-ratelimit-* headers. */
#include "providers/tool_shape.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define ANTHROPIC_VERSION "2023-06-01"
#define DEFAULT_MAX_TOKENS 256

static const mm_credential_field FIELDS[] = {
    {"api_key", "API key", true, true, "sk-ant-...",
     "Create one at console.anthropic.com under API keys."},
    ADAPTER_FIELD_BASE_URL("https://api.anthropic.com", "api.anthropic.com"),
    ADAPTER_FIELD_CA_BUNDLE,
};

static mm_status anthropic_request(const mm_connection *conn, const char *method, const char *path,
                                   char *body, mm_http_request *out, mm_error *err)
{
    mm_status st = adapter_key_request(conn, method, path, body, "x-api-key", out, err);
    if (st == MM_OK && !mm_http_add_header(out, "anthropic-version", ANTHROPIC_VERSION)) {
        mm_http_request_free(out);
        st = mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    }
    return st;
}

static mm_status anthropic_build_list(const mm_connection *conn, const char *page_token,
                                      mm_http_request *out, mm_error *err)
{
    mm_status st = anthropic_request(conn, "GET", "/v1/models?limit=1000", NULL, out, err);
    if (st != MM_OK)
        return st;
    return adapter_append_page_token(out, "after_id", page_token, err);
}

static bool anthropic_parse_list(const char *body, size_t len, mm_string_list *ids,
                                 char **next_page, const char **why)
{
    *next_page = NULL;
    json_t *root = adapter_json_load(body, len);
    json_t *data = adapter_json_array(root, "data");
    const char *last = NULL;
    bool ok = data != NULL;
    if (!ok)
        *why = root ? "it has no \"data\" list of models" : "the body is not JSON";
    else
        ok = adapter_read_model_list(data, "id", NULL, ids, &last, why);
    const char *last_id = adapter_json_string(root, "last_id");
    if (!mm_present(last_id))
        last_id = last;
    if (ok && json_is_true(json_object_get(root, "has_more")) && mm_present(last_id))
        *next_page = strdup(last_id);
    json_decref(root);
    return ok;
}

/* System messages go to the top-level "system"; the rest alternate user/assistant (tool
 * results in the user's turn); tools as tool_shape.c writes them. */
static mm_status anthropic_build_chat(const mm_connection *conn, const char *model,
                                      const mm_chat *chat, int max_tokens, mm_http_request *out,
                                      mm_error *err)
{
    json_t *system = NULL, *turns = NULL;
    mm_status st = adapter_chat_turns(chat, TOOL_ANTHROPIC, &turns, &system, err);
    if (st != MM_OK)
        return st;
    json_t *root = json_pack("{s:s, s:i, s:o}", "model", model ? model : "", "max_tokens",
                             max_tokens > 0 ? max_tokens : DEFAULT_MAX_TOKENS, "messages", turns);
    if (root && system)
        json_object_set(root, "system", system);
    json_decref(system);
    if (root && (st = tool_shape_set_tools(root, chat, TOOL_ANTHROPIC, err)) != MM_OK) {
        json_decref(root);
        return st;
    }
    char *body = adapter_dump_owned(root);
    if (!body)
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    return anthropic_request(conn, "POST", "/v1/messages", body, out, err);
}

/* usage.input_tokens excludes the cache: cache_read_input_tokens (billed at 0.1x input) and
 * cache_creation_input_tokens (1.25x for 5-minute writes) come on top, so tokens_in is their
 * sum and the cache figures are its parts. */
static void read_chat_usage(const json_t *root, mm_call_result *res)
{
    json_t *usage = adapter_json_object(root, "usage");
    int64_t in = 0, out = 0;
    bool have_in = adapter_read_count(usage, "input_tokens", &in);
    bool have_out = adapter_read_count(usage, "output_tokens", &out);
    int64_t cache_write = adapter_optional_count(usage, "cache_creation_input_tokens");
    int64_t cache_read = adapter_optional_count(usage, "cache_read_input_tokens");
    adapter_set_usage(res, have_in, in + cache_write + cache_read, have_out, out);
    adapter_set_token_kinds(res, cache_read, cache_write, 0);
}

static bool anthropic_parse_chat(const char *body, size_t len, mm_call_result *res,
                                 const char **why)
{
    json_t *root = adapter_json_load(body, len);
    json_t *content = adapter_json_array(root, "content");
    if (!content) {
        *why = root ? "it has no \"content\" list" : "the body is not JSON";
        json_decref(root);
        return false;
    }
    const char *stop = adapter_json_string(root, "stop_reason");
    if (stop && strcmp(stop, "refusal") == 0)
        res->blocked = "stop_reason refusal";
    bool ok = adapter_set_answer(res, adapter_join_text(content),
                                 tool_shape_anthropic_calls(content), why);
    read_chat_usage(root, res);
    json_decref(root);
    return ok;
}

/* {"type":"error","error":{"type","message","details"?}} into out. */
static void read_error(const json_t *root, mm_error_body *out);

/* message_start's usage (input and cache counts) is kept in res until message_delta brings the
 * cumulative output_tokens (and, on newer API versions, the input counts again). */
static void read_stream_usage(const json_t *usage, bool final, mm_call_result *res)
{
    int64_t in = 0, out = 0;
    /* message_delta may repeat the input counts (cumulative) or carry 0: keep message_start's */
    if (adapter_read_count(usage, "input_tokens", &in) && (!final || in > 0)) {
        res->tokens_cache_write = adapter_optional_count(usage, "cache_creation_input_tokens");
        res->tokens_cache_read = adapter_optional_count(usage, "cache_read_input_tokens");
        res->tokens_in = in + res->tokens_cache_write + res->tokens_cache_read;
    }
    if (!final || !adapter_read_count(usage, "output_tokens", &out))
        return;
    int64_t cache_read = res->tokens_cache_read, cache_write = res->tokens_cache_write;
    adapter_set_usage(res, res->tokens_in > 0, res->tokens_in, true, out);
    adapter_set_token_kinds(res, cache_read, cache_write, 0);
}

/* message_start (usage), content_block_delta (text_delta; input_json_delta and tool_use
 * blocks are tool-call pieces), message_delta (stop_reason, usage), message_stop, error. */
static void anthropic_read_event(const char *type, const json_t *event, mm_stream_delta *delta,
                                 mm_call_result *res)
{
    json_t *inner = adapter_json_object(event, "delta");
    delta->tool_calls = tool_shape_anthropic_piece(type, event);
    if (strcmp(type, "message_start") == 0) {
        read_stream_usage(adapter_json_object(adapter_json_object(event, "message"), "usage"),
                          false, res);
    } else if (strcmp(type, "content_block_delta") == 0) {
        const char *kind = adapter_json_string(inner, "type");
        if (kind && strcmp(kind, "text_delta") == 0)
            delta->text = adapter_strdup(adapter_json_string(inner, "text"));
    } else if (strcmp(type, "message_delta") == 0) {
        const char *stop = adapter_json_string(inner, "stop_reason");
        if (stop) {
            mm_copy(res->finish_reason, sizeof res->finish_reason, adapter_finish_reason(stop));
            if (strcmp(stop, "refusal") == 0)
                res->blocked = "stop_reason refusal";
        }
        read_stream_usage(adapter_json_object(event, "usage"), true, res);
    } else if (strcmp(type, "message_stop") == 0) {
        delta->done = true;
    } else if (strcmp(type, "error") == 0) {
        delta->failed = true;
        read_error(event, &delta->error);
    } /* ping, content_block_stop and newer events carry nothing to relay */
}

static bool anthropic_parse_stream(const char *event, const char *data, size_t len,
                                   mm_stream_delta *delta, mm_call_result *res, const char **why)
{
    return adapter_parse_named_event(event, data, len, delta, res, why, anthropic_read_event);
}

static mm_error_class class_from_type(const char *type, const char *detail_code,
                                      const char *message)
{
    static const struct {
        const char *type;
        mm_error_class cls;
    } TYPES[] = {
        {"authentication_error", MM_CLASS_AUTH},
        {"permission_error", MM_CLASS_AUTH},
        {"billing_error", MM_CLASS_QUOTA},
        {"rate_limit_error", MM_CLASS_RATE_LIMITED},
        {"overloaded_error", MM_CLASS_OVERLOADED},
        {"api_error", MM_CLASS_SERVER},
        {"invalid_request_error", MM_CLASS_BAD_REQUEST},
        {"not_found_error", MM_CLASS_BAD_REQUEST},
        {"request_too_large", MM_CLASS_BAD_REQUEST},
    };
    if (strcmp(detail_code, "enforced_spend_limit_reached") == 0 ||
        strcasestr(message, "credit balance is too low"))
        return MM_CLASS_QUOTA;
    for (size_t i = 0; i < sizeof TYPES / sizeof TYPES[0]; i++)
        if (strcmp(type, TYPES[i].type) == 0)
            return TYPES[i].cls;
    return MM_CLASS_COUNT;
}

static void anthropic_parse_error(long status, const char *body, size_t len, mm_error_body *out)
{
    (void)status;
    json_t *root = adapter_json_load(body, len);
    read_error(root, out);
    json_decref(root);
}

/* Reads one anthropic-ratelimit-<kind>-{limit,remaining,reset} triple. */
static void read_triple(const mm_http_response *resp, const char *kind, int64_t now_ms,
                        int64_t *limit, int64_t *remaining, int64_t *reset_ms)
{
    char name[80];
    snprintf(name, sizeof name, "anthropic-ratelimit-%s-limit", kind);
    *limit = adapter_header_int(resp, name);
    snprintf(name, sizeof name, "anthropic-ratelimit-%s-remaining", kind);
    *remaining = adapter_header_int(resp, name);
    snprintf(name, sizeof name, "anthropic-ratelimit-%s-reset", kind);
    int64_t at = adapter_parse_rfc3339_ms(mm_http_header(resp, name));
    *reset_ms = at < 0 ? -1 : (at > now_ms ? at - now_ms : 0);
}

static void anthropic_read_ratelimit(const mm_http_response *resp, int64_t now_ms, mm_ratelimit *rl)
{
    read_triple(resp, "requests", now_ms, &rl->limit_requests, &rl->remaining_requests,
                &rl->reset_requests_ms);
    read_triple(resp, "tokens", now_ms, &rl->limit_tokens, &rl->remaining_tokens,
                &rl->reset_tokens_ms);
    if (rl->limit_tokens < 0) /* newer accounts report input and output tokens separately */
        read_triple(resp, "input-tokens", now_ms, &rl->limit_tokens, &rl->remaining_tokens,
                    &rl->reset_tokens_ms);
}

static void read_error(const json_t *root, mm_error_body *out)
{
    json_t *error = adapter_json_object(root, "error");
    if (!error)
        return;
    const char *type = adapter_json_string(error, "type");
    const char *code = adapter_json_string(adapter_json_object(error, "details"), "error_code");
    out->recognized = true;
    adapter_set_error_message(out, adapter_json_string(error, "message"));
    if (!out->message[0])
        adapter_set_error_message(out, type);
    out->cls = class_from_type(type ? type : "", code ? code : "", out->message);
}

static const mm_provider_ops OPS = {
    .build_list = anthropic_build_list,
    .parse_list = anthropic_parse_list,
    .build_chat = anthropic_build_chat,
    .parse_chat = anthropic_parse_chat,
    .make_streaming = adapter_make_streaming,
    .parse_stream_event = anthropic_parse_stream,
    .build_embed = NULL, /* Anthropic has no embeddings endpoint */
    .parse_embed = NULL,
    .parse_error = anthropic_parse_error,
    .read_ratelimit = anthropic_read_ratelimit,
};

const mm_provider_info mm_provider_anthropic = {
    ADAPTER_HOSTED_PROVIDER("anthropic", "Anthropic", "https://api.anthropic.com", FIELDS),
    .supports_embeddings = false,
    .target_hint = "Targets name an Anthropic model id, e.g. claude-sonnet-4-20250514. "
                   "Anthropic has no embedding models.",
    .ops = &OPS,
};
