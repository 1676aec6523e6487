/* The Cohere descriptor and adapter: Bearer key, paginated /v1/models (page_token), v2 chat
 * and embed, {"message"} error bodies (498 = invalid token), billed_units usage. */
#include "providers/tool_shape.h"

#include <string.h>
#include <strings.h>

static const mm_credential_field FIELDS[] = {
    {"api_key", "API key", true, true, "your Cohere API key",
     "Create one at dashboard.cohere.com under API keys."},
    ADAPTER_FIELD_BASE_URL("https://api.cohere.com", "api.cohere.com"),
    ADAPTER_FIELD_CA_BUNDLE,
};

static mm_status cohere_build_list(const mm_connection *conn, const char *page_token,
                                   mm_http_request *out, mm_error *err)
{
    mm_status st = adapter_bearer_request(conn, "GET", "/v1/models?page_size=1000", NULL, out, err);
    if (st != MM_OK)
        return st;
    return adapter_append_page_token(out, "page_token", page_token, err);
}

static bool cohere_parse_list(const char *body, size_t len, mm_string_list *ids, char **next_page,
                              const char **why)
{
    return adapter_list_page(body, len, "models", "name", "next_page_token", ids, next_page, why);
}

/* Cohere v2 takes the roles system/user/assistant/tool, tool_calls and image parts as OpenAI
 * does; its tool_choice differs (tool_shape.c). */
static mm_status cohere_build_chat(const mm_connection *conn, const char *model,
                                   const mm_chat *chat, int max_tokens, mm_http_request *out,
                                   mm_error *err)
{
    json_t *messages = adapter_chat_messages(chat);
    json_t *root = messages
                       ? json_pack("{s:s, s:o}", "model", model ? model : "", "messages", messages)
                       : NULL;
    if (root && max_tokens > 0)
        json_object_set_new(root, "max_tokens", json_integer(max_tokens));
    mm_status st = root ? tool_shape_set_tools(root, chat, TOOL_COHERE, err) : MM_OK;
    if (st != MM_OK) {
        json_decref(root);
        return st;
    }
    char *body = adapter_dump_owned(root);
    if (!body)
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    return adapter_bearer_request(conn, "POST", "/v2/chat", body, out, err);
}

/* billed_units is what Cohere charges; tokens also counts the tokens Cohere adds itself
 * (system preamble, templates), which are not billed. So billed_units first, tokens only when
 * it is absent; from usage (v2) or meta (v1, embed). Cohere reports no cache or reasoning
 * kinds. */
static void read_usage(const json_t *root, mm_call_result *res, bool output_expected)
{
    json_t *usage = adapter_json_object(root, "usage");
    if (!usage)
        usage = adapter_json_object(root, "meta");
    json_t *units = adapter_json_object(usage, "billed_units");
    if (!units)
        units = adapter_json_object(usage, "tokens");
    int64_t in = 0, out = 0;
    bool have_in = adapter_read_count(units, "input_tokens", &in);
    bool have_out = adapter_read_count(units, "output_tokens", &out) || !output_expected;
    adapter_set_usage(res, have_in, in, have_out, out);
}

static bool cohere_parse_chat(const char *body, size_t len, mm_call_result *res, const char **why)
{
    json_t *root = adapter_json_load(body, len);
    json_t *message = adapter_json_object(root, "message");
    json_t *content = json_object_get(message, "content");
    json_t *calls = adapter_json_array(message, "tool_calls");
    if (!message || !(json_is_array(content) || !content || json_is_null(content))) {
        *why = root ? "it has no message.content" : "the body is not JSON";
        json_decref(root);
        return false;
    }
    const char *finish = adapter_json_string(root, "finish_reason");
    if (finish && strcmp(finish, "ERROR_TOXIC") == 0)
        res->blocked = "finish_reason ERROR_TOXIC";
    bool ok =
        adapter_set_answer(res, adapter_join_text(content), tool_shape_openai_calls(calls), why);
    read_usage(root, res, true);
    json_decref(root);
    return ok;
}

/* v2 events: message-start, content-start, content-delta (delta.message.content.text),
 * content-end, tool-call-start / -delta / -end (delta.message.tool_calls), message-end
 * (delta.finish_reason, delta.usage). */
static void cohere_read_event(const char *type, const json_t *event, mm_stream_delta *delta,
                              mm_call_result *res)
{
    json_t *inner = adapter_json_object(event, "delta");
    delta->tool_calls = tool_shape_cohere_piece(type, event);
    if (strcmp(type, "content-delta") == 0) {
        json_t *content = adapter_json_object(adapter_json_object(inner, "message"), "content");
        delta->text = adapter_strdup(adapter_json_string(content, "text"));
    } else if (strcmp(type, "message-end") == 0) {
        const char *finish = adapter_json_string(inner, "finish_reason");
        if (finish) {
            mm_copy(res->finish_reason, sizeof res->finish_reason, adapter_finish_reason(finish));
            if (strcmp(finish, "ERROR_TOXIC") == 0)
                res->blocked = "finish_reason ERROR_TOXIC";
        }
        read_usage(inner, res, true);
        delta->done = true;
    }
}

static bool cohere_parse_stream(const char *event, const char *data, size_t len,
                                mm_stream_delta *delta, mm_call_result *res, const char **why)
{
    return adapter_parse_named_event(event, data, len, delta, res, why, cohere_read_event);
}

static mm_status cohere_build_embed(const mm_connection *conn, const char *model, const char *text,
                                    mm_http_request *out, mm_error *err)
{
    json_t *root =
        json_pack("{s:s, s:[s], s:s, s:[s]}", "model", model ? model : "", "texts",
                  text ? text : "", "input_type", "search_document", "embedding_types", "float");
    char *body = adapter_dump_owned(root);
    if (!body)
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    return adapter_bearer_request(conn, "POST", "/v2/embed", body, out, err);
}

static bool cohere_parse_embed(const char *body, size_t len, mm_call_result *res, const char **why)
{
    json_t *root = adapter_json_load(body, len);
    json_t *embeddings = json_object_get(root, "embeddings");
    /* v2: {"embeddings":{"float":[[...]]}}; v1: {"embeddings":[[...]]} */
    json_t *list = json_is_object(embeddings) ? adapter_json_array(embeddings, "float")
                                              : (json_is_array(embeddings) ? embeddings : NULL);
    bool ok = list != NULL;
    if (!ok)
        *why = root ? "it has no embeddings.float list" : "the body is not JSON";
    else
        ok = adapter_embedding_output(json_array_get(list, 0), res, why);
    if (ok)
        read_usage(root, res, false);
    json_decref(root);
    return ok;
}

static void cohere_parse_error(long status, const char *body, size_t len, mm_error_body *out)
{
    json_t *root = adapter_json_load(body, len);
    const char *message = adapter_json_string(root, "message");
    if (message) {
        out->recognized = true;
        adapter_set_error_message(out, message);
        if (status == 498)
            out->cls = MM_CLASS_AUTH; /* Cohere's "invalid token" */
        else if (status == 429 &&
                 (strcasestr(message, "/ month") || strcasestr(message, "per month")))
            out->cls = MM_CLASS_QUOTA; /* a trial key's monthly allowance, not a burst limit */
        out->retry_after_ms = adapter_retry_after_from_text(message);
    }
    json_decref(root);
}

static const mm_provider_ops OPS = {
    .build_list = cohere_build_list,
    .parse_list = cohere_parse_list,
    .build_chat = cohere_build_chat,
    .parse_chat = cohere_parse_chat,
    .make_streaming = adapter_make_streaming,
    .parse_stream_event = cohere_parse_stream,
    .build_embed = cohere_build_embed,
    .parse_embed = cohere_parse_embed,
    .parse_error = cohere_parse_error,
    .read_ratelimit = NULL, /* Cohere documents no rate-limit headers */
};

const mm_provider_info mm_provider_cohere = {
    ADAPTER_HOSTED_PROVIDER("cohere", "Cohere", "https://api.cohere.com", FIELDS),
    .supports_embeddings = true,
    .target_hint = "Targets name a Cohere model, e.g. command-r-plus or embed-english-v3.0.",
    .ops = &OPS,
};
