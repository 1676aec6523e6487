/* The OpenAI wire shape, written once: request bodies and Bearer builders, list/chat/embedding
 * parsers (incl. Together's bare-array list), error bodies (incl. Azure's string codes, vLLM's
 * top-level errors, Mistral's {"message"}), x-ratelimit-* headers, and the shared ops table. */
#include "providers/openai_shape.h"
#include "providers/tool_shape.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

json_t *openai_shape_chat_root(const char *model, const mm_chat *chat, int max_tokens)
{
    json_t *root = json_object();
    json_t *messages = adapter_chat_messages(chat);
    bool ok = root && messages && json_object_set_new(root, "messages", messages) == 0;
    if (!root || !ok) {
        json_decref(root);
        return NULL;
    }
    if (model && json_object_set_new(root, "model", json_string(model)) != 0)
        ok = false;
    if (max_tokens > 0 && json_object_set_new(root, "max_tokens", json_integer(max_tokens)) != 0)
        ok = false;
    mm_error err = {0};
    if (tool_shape_set_tools(root, chat, TOOL_OPENAI, &err) != MM_OK)
        ok = false;
    if (!ok) {
        json_decref(root);
        return NULL;
    }
    return root;
}

char *openai_shape_chat_body(const char *model, const mm_chat *chat, int max_tokens)
{
    return adapter_dump_owned(openai_shape_chat_root(model, chat, max_tokens));
}

char *openai_shape_embed_body(const char *model, const char *text)
{
    json_t *root = json_pack("{s:s}", "input", text ? text : "");
    bool ok = root != NULL;
    if (ok && model && json_object_set_new(root, "model", json_string(model)) != 0)
        ok = false;
    char *body = ok ? adapter_dump(root) : NULL;
    json_decref(root);
    return body;
}

mm_status openai_shape_build_list(const mm_connection *conn, const char *page_token,
                                  mm_http_request *out, mm_error *err)
{
    mm_status st = adapter_bearer_request(conn, "GET", "/models", NULL, out, err);
    if (st != MM_OK)
        return st;
    return adapter_append_page_token(out, "after", page_token, err);
}

mm_status openai_shape_build_chat(const mm_connection *conn, const char *model, const mm_chat *chat,
                                  int max_tokens, mm_http_request *out, mm_error *err)
{
    char *body = openai_shape_chat_body(model, chat, max_tokens);
    if (!body)
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    return adapter_bearer_request(conn, "POST", "/chat/completions", body, out, err);
}

mm_status openai_shape_build_embed(const mm_connection *conn, const char *model, const char *text,
                                   mm_http_request *out, mm_error *err)
{
    char *body = openai_shape_embed_body(model, text);
    if (!body)
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    return adapter_bearer_request(conn, "POST", "/embeddings", body, out, err);
}

bool openai_shape_parse_list(const char *body, size_t len, mm_string_list *ids, char **next_page,
                             const char **why)
{
    *next_page = NULL;
    json_t *root = adapter_json_load(body, len);
    if (!root) {
        *why = "the body is not JSON";
        return false;
    }
    json_t *data = json_is_array(root) ? root : adapter_json_array(root, "data");
    bool ok = data != NULL;
    if (!ok)
        *why = "it has no \"data\" list of models";
    else
        ok = adapter_read_model_list(data, "id", NULL, ids, NULL, why);
    const char *last = adapter_json_string(root, "last_id");
    if (ok && json_is_true(json_object_get(root, "has_more")) && mm_present(last))
        *next_page = strdup(last);
    json_decref(root);
    return ok;
}

/* The answer text of message.content: a string, null, or (Mistral's reasoning models, newer
 * OpenAI-compatible servers) an array of chunks whose text parts are the answer. Heap; NULL on
 * out-of-memory. */
static char *content_text(const json_t *content)
{
    if (json_is_string(content))
        return strdup(json_string_value(content));
    if (json_is_array(content))
        return adapter_join_text(content);
    return strdup("");
}

/* message.tool_calls, or the legacy function_call as one call. */
static json_t *answer_calls(const json_t *message)
{
    json_t *legacy = adapter_json_object(message, "function_call");
    if (!legacy)
        return tool_shape_openai_calls(adapter_json_array(message, "tool_calls"));
    json_t *wrapped = json_pack("[{s:s, s:O}]", "type", "function", "function", legacy);
    json_t *calls = tool_shape_openai_calls(wrapped);
    json_decref(wrapped);
    return calls;
}

/* usage.prompt_tokens / completion_tokens, with prompt_tokens_details.cached_tokens (inside
 * prompt_tokens, billed at the cached price) and completion_tokens_details.reasoning_tokens
 * (inside completion_tokens: never added again). */
static void read_chat_usage(const json_t *root, mm_call_result *res)
{
    json_t *usage = adapter_json_object(root, "usage");
    int64_t in = 0, out = 0;
    bool have_in = adapter_read_count(usage, "prompt_tokens", &in);
    bool have_out = adapter_read_count(usage, "completion_tokens", &out);
    adapter_set_usage(res, have_in, in, have_out, out);
    adapter_set_token_kinds(
        res,
        adapter_optional_count(adapter_json_object(usage, "prompt_tokens_details"),
                               "cached_tokens"),
        0,
        adapter_optional_count(adapter_json_object(usage, "completion_tokens_details"),
                               "reasoning_tokens"));
}

bool openai_shape_parse_chat(const char *body, size_t len, mm_call_result *res, const char **why)
{
    json_t *root = adapter_json_load(body, len);
    json_t *choice = json_array_get(adapter_json_array(root, "choices"), 0);
    json_t *message = adapter_json_object(choice, "message");
    json_t *content = json_object_get(message, "content");
    bool ok = message && (!content || json_is_string(content) || json_is_null(content) ||
                          json_is_array(content));
    if (!ok) {
        *why = root ? "it has no choices[0].message.content" : "the body is not JSON";
        json_decref(root);
        return false;
    }
    const char *finish = adapter_json_string(choice, "finish_reason");
    if (finish && strcmp(finish, "content_filter") == 0)
        res->blocked = "finish_reason content_filter";
    ok = adapter_set_answer(res, content_text(content), answer_calls(message), why);
    read_chat_usage(root, res);
    json_decref(root);
    return ok;
}

bool openai_shape_parse_embed(const char *body, size_t len, mm_call_result *res, const char **why)
{
    json_t *root = adapter_json_load(body, len);
    json_t *data = adapter_json_array(root, "data");
    json_t *first = json_array_get(data, 0);
    bool ok = json_is_object(first);
    if (!ok)
        *why = root ? "it has no data[0].embedding" : "the body is not JSON";
    else
        ok = adapter_embedding_output(json_object_get(first, "embedding"), res, why);
    if (ok) {
        json_t *usage = adapter_json_object(root, "usage");
        int64_t in = 0;
        bool have_in = adapter_read_count(usage, "prompt_tokens", &in);
        adapter_set_usage(res, have_in, in, true, 0);
    }
    json_decref(root);
    return ok;
}

/* A code may be a string (Azure, OpenAI) or a number (vLLM); writes it into buf or "". */
static void read_code(const json_t *obj, char *buf, size_t bufsz)
{
    json_t *code = json_object_get(obj, "code");
    buf[0] = '\0';
    if (json_is_string(code))
        mm_copy(buf, bufsz, json_string_value(code));
    else if (json_is_integer(code))
        snprintf(buf, bufsz, "%lld", (long long)json_integer_value(code));
}

/* FastAPI-style {"detail": "..."} or {"detail": [{"msg": "..."}]}. */
static const char *detail_message(const json_t *root)
{
    json_t *detail = json_object_get(root, "detail");
    if (json_is_string(detail))
        return json_string_value(detail);
    return adapter_json_string(json_array_get(detail, 0), "msg");
}

static mm_error_class class_from_code(long status, const char *code, const char *type,
                                      const char *message)
{
    if (strcasecmp(code, "insufficient_quota") == 0 ||
        strcasecmp(type, "insufficient_quota") == 0 || strcasecmp(code, "InsufficientQuota") == 0)
        return MM_CLASS_QUOTA;
    if (strcasecmp(code, "invalid_api_key") == 0)
        return MM_CLASS_AUTH;
    if (status == 503 && (strcasestr(message, "overload") || strcasestr(code, "overload") ||
                          strcasestr(type, "overload")))
        return MM_CLASS_OVERLOADED;
    return MM_CLASS_COUNT;
}

void openai_shape_parse_error(long status, const char *body, size_t len, mm_error_body *out)
{
    json_t *root = adapter_json_load(body, len);
    if (!json_is_object(root)) {
        json_decref(root);
        return;
    }
    json_t *error = adapter_json_object(root, "error");
    json_t *holder = error ? error : root; /* vLLM / Mistral put the fields at the top level */
    const char *message = adapter_json_string(holder, "message");
    if (!message && !error)
        message = detail_message(root);
    if (!message && !error)
        message = adapter_json_string(root, "error"); /* {"error": "text"} */
    const char *type = adapter_json_string(holder, "type");
    char code[64];
    read_code(holder, code, sizeof code);
    out->recognized = error || message;
    if (out->recognized) {
        adapter_set_error_message(out, message ? message : (code[0] ? code : type));
        out->cls = class_from_code(status, code, type ? type : "", out->message);
        out->retry_after_ms = adapter_retry_after_from_text(out->message);
    }
    json_decref(root);
}

void openai_shape_read_ratelimit(const mm_http_response *resp, int64_t now_ms, mm_ratelimit *rl)
{
    (void)now_ms;
    rl->limit_requests = adapter_header_int(resp, "x-ratelimit-limit-requests");
    rl->remaining_requests = adapter_header_int(resp, "x-ratelimit-remaining-requests");
    rl->reset_requests_ms =
        adapter_parse_duration_ms(mm_http_header(resp, "x-ratelimit-reset-requests"));
    rl->limit_tokens = adapter_header_int(resp, "x-ratelimit-limit-tokens");
    rl->remaining_tokens = adapter_header_int(resp, "x-ratelimit-remaining-tokens");
    rl->reset_tokens_ms =
        adapter_parse_duration_ms(mm_http_header(resp, "x-ratelimit-reset-tokens"));
}

bool openai_shape_make_streaming(mm_http_request *req)
{
    json_t *fields = json_pack("{s:b, s:{s:b}}", "stream", 1, "stream_options", "include_usage", 1);
    bool ok = fields && adapter_body_merge(req, fields);
    json_decref(fields);
    return ok;
}

/* The text of a chunk's delta.content: a string, or (Mistral's reasoning models) an array of
 * chunks whose text parts are the answer; NULL when the chunk carries none. */
static char *delta_text(const json_t *content)
{
    if (json_is_string(content) && json_string_length(content) > 0)
        return strdup(json_string_value(content));
    return json_is_array(content) ? adapter_join_text(content) : NULL;
}

bool openai_shape_parse_stream(const char *event, const char *data, size_t len,
                               mm_stream_delta *delta, mm_call_result *res, const char **why)
{
    (void)event;
    if (len == 6 && memcmp(data, "[DONE]", 6) == 0) {
        delta->done = true;
        return true;
    }
    json_t *root = adapter_json_load(data, len);
    if (!json_is_object(root)) {
        json_decref(root);
        *why = "a data line is not a JSON chunk";
        return false;
    }
    if (json_object_get(root, "error")) { /* an error after the stream started */
        delta->failed = true;
        openai_shape_parse_error(200, data, len, &delta->error);
        json_decref(root);
        return true;
    }
    json_t *choice = json_array_get(adapter_json_array(root, "choices"), 0);
    json_t *inner = adapter_json_object(choice, "delta");
    delta->text = delta_text(json_object_get(inner, "content"));
    json_t *calls = adapter_json_array(inner, "tool_calls");
    delta->tool_calls = calls ? json_incref(calls) : NULL;
    const char *finish = adapter_json_string(choice, "finish_reason");
    if (finish) {
        mm_copy(res->finish_reason, sizeof res->finish_reason, adapter_finish_reason(finish));
        if (strcmp(finish, "content_filter") == 0)
            res->blocked = "finish_reason content_filter";
    }
    if (adapter_json_object(root, "usage")) /* the last chunk (include_usage; Mistral's own) */
        read_chat_usage(root, res);
    json_decref(root);
    return true;
}

const mm_provider_ops openai_shape_ops = {
    .build_list = openai_shape_build_list,
    .parse_list = openai_shape_parse_list,
    .build_chat = openai_shape_build_chat,
    .parse_chat = openai_shape_parse_chat,
    .build_embed = openai_shape_build_embed,
    .parse_embed = openai_shape_parse_embed,
    .make_streaming = openai_shape_make_streaming,
    .parse_stream_event = openai_shape_parse_stream,
    .build_media = openai_media_build,
    .parse_image = openai_media_parse_image,
    .parse_transcription = openai_media_parse_transcription,
    .parse_error = openai_shape_parse_error,
    .read_ratelimit = openai_shape_read_ratelimit,
};
