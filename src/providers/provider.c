/* The provider calls every caller uses: the request/parse split (for the monitor's libcurl
 * multi loop) and the easy-path list-models (paginated), chat and embed, with one classifier
 * turning transport failures, error statuses and odd bodies into the shared vocabulary. */
#include "providers/provider_ops.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "providers/adapter.h"
#include "util/clock.h"
#include "util/redact.h"

#define PROVIDER_TEXT_MAX 300 /* the provider's own words kept in a message */

void mm_call_result_init(mm_call_result *res)
{
    memset(res, 0, sizeof *res);
    res->cls = MM_CLASS_OK;
    res->retry_after_ms = -1;
    res->ratelimit = (mm_ratelimit){-1, -1, -1, -1, -1, -1};
}

void mm_call_result_free(mm_call_result *res)
{
    if (!res)
        return;
    mm_string_list_free(&res->models);
    free(res->output);
    res->output = NULL;
    free(res->tool_calls);
    res->tool_calls = NULL;
    free(res->embedding);
    res->embedding = NULL;
    res->embedding_dims = 0;
    mm_string_list_free(&res->images_b64);
    mm_string_list_free(&res->image_urls);
    free(res->media);
    res->media = NULL;
    res->media_len = 0;
}

/* Model ids as util/text.h's policy shows provider text: format characters escaped. */
static void escape_model_ids(mm_call_result *res)
{
    for (size_t i = 0; i < res->models.count; i++) {
        char *id = res->models.items[i];
        if (!mm_find_format_char(id, NULL, NULL))
            continue;
        char *clean = mm_sanitize_copy(id, strlen(id));
        if (!clean)
            continue;
        free(id);
        res->models.items[i] = clean;
    }
}

/* The one boundary where provider text enters: the account's own key (whole, or any run of 8+
 * of its characters) is redacted from the message, request id, answer and model ids before
 * anything stores, logs, draws or prints them. Idempotent. */
static void redact_provider_text(const mm_connection *conn, mm_call_result *res)
{
    escape_model_ids(res);
    const char *key = conn ? conn->api_key : NULL;
    if (!key || strlen(key) < 4)
        return;
    mm_redact(res->message, sizeof res->message, key);
    mm_redact(res->request_id, sizeof res->request_id, key);
    for (size_t i = 0; i < res->models.count; i++) {
        bool changed = false;
        char *clean =
            mm_redact_copy(res->models.items[i], strlen(res->models.items[i]), key, &changed);
        if (clean && changed) {
            sodium_memzero(res->models.items[i], strlen(res->models.items[i]));
            free(res->models.items[i]);
            res->models.items[i] = clean;
        } else {
            free(clean);
        }
    }
    if (res->output) {
        size_t n = strlen(res->output);
        char *clean = mm_redact_copy(res->output, n, key, NULL);
        sodium_memzero(res->output, n);
        free(res->output);
        res->output = clean; /* NULL on out-of-memory: no answer rather than the key */
    }
}

static void set_message(mm_call_result *res, const mm_connection *conn, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_message(mm_call_result *res, const mm_connection *conn, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(res->message, sizeof res->message, fmt, ap);
    va_end(ap);
    redact_provider_text(conn, res);
}

static const char *request_id_of(const mm_http_response *resp)
{
    static const char *const NAMES[] = {"x-request-id", "request-id", "apim-request-id",
                                        "x-goog-request-id", "x-trace-id"};
    for (size_t i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++) {
        const char *v = mm_http_header(resp, NAMES[i]);
        if (v)
            return v;
    }
    return NULL;
}

/* Fills what every response gives: status, latency, request id, rate-limit headers. */
static void begin_result(const mm_connection *conn, const mm_http_response *resp,
                         mm_call_result *res)
{
    res->ok = false;
    res->http_status = (int)resp->status;
    res->latency_ms = resp->latency_ms;
    res->retry_after_ms = -1;
    res->ratelimit = (mm_ratelimit){-1, -1, -1, -1, -1, -1};
    const char *rid = request_id_of(resp);
    if (rid)
        mm_sanitize(res->request_id, sizeof res->request_id, rid, strlen(rid));
    const mm_provider_ops *ops = conn->provider->ops;
    if (ops->read_ratelimit)
        ops->read_ratelimit(resp, mm_now_ms(), &res->ratelimit);
}

static bool response_succeeded(const mm_http_response *resp)
{
    return resp->transport_class == MM_CLASS_OK && resp->status >= 200 && resp->status < 300;
}

/* A 503 whose message says the service is out of capacity (OpenAI "currently overloaded",
 * Azure "temporarily unable to process your request") is load, not a fault. */
static bool says_overloaded(const char *message)
{
    return strcasestr(message, "overload") || strcasestr(message, "temporarily unable") ||
           strcasestr(message, "capacity");
}

static mm_error_class class_from_status(long status, const char *message)
{
    if (status == 401 || status == 403 || status == 498)
        return MM_CLASS_AUTH;
    if (status == 402)
        return MM_CLASS_QUOTA;
    if (status == 408)
        return MM_CLASS_TIMEOUT;
    if (status == 429)
        return MM_CLASS_RATE_LIMITED;
    if (status == 529 || (status == 503 && says_overloaded(message)))
        return MM_CLASS_OVERLOADED;
    if (status >= 500)
        return MM_CLASS_SERVER;
    if (status >= 400)
        return MM_CLASS_BAD_REQUEST;
    return MM_CLASS_BAD_RESPONSE; /* 1xx/3xx: redirects are not followed */
}

static bool body_is_blank(const mm_http_response *resp)
{
    for (size_t i = 0; i < resp->body_len; i++)
        if (!isspace((unsigned char)resp->body[i]))
            return false;
    return true;
}

/* "an HTML page (title "502 Bad Gateway")" or "plain text ("...")" into buf. */
static void describe_foreign_body(const mm_http_response *resp, char *buf, size_t bufsz)
{
    const char *body = resp->body;
    const char *title = strcasestr(body, "<title>");
    bool html = title || strcasestr(body, "<html") || strcasestr(body, "<!doctype");
    char snippet[96] = "";
    if (title) {
        title += strlen("<title>");
        const char *end = strcasestr(title, "</title>");
        size_t n = end ? (size_t)(end - title) : strlen(title);
        mm_sanitize(snippet, sizeof snippet, title, n);
    } else if (!html) {
        mm_sanitize(snippet, sizeof snippet, body, resp->body_len < 200 ? resp->body_len : 200);
    }
    if (html && snippet[0])
        snprintf(buf, bufsz, "an HTML page (title \"%s\")", snippet);
    else if (html)
        snprintf(buf, bufsz, "an HTML page");
    else
        snprintf(buf, bufsz, "plain text (\"%s\")", snippet);
}

static void set_foreign_body(const mm_connection *conn, const mm_http_response *resp,
                             mm_call_result *res)
{
    char what[160];
    describe_foreign_body(resp, what, sizeof what);
    res->cls = MM_CLASS_BAD_RESPONSE;
    set_message(res, conn,
                "bad_response: the server answered HTTP %ld with %s, not %s's JSON: is a proxy "
                "in the way? check the endpoint. %s",
                resp->status, what, conn->provider->display_name,
                mm_error_class_hint(MM_CLASS_BAD_RESPONSE));
}

static void set_retry_after(const mm_http_response *resp, const mm_error_body *eb,
                            mm_call_result *res)
{
    int64_t header = adapter_retry_after_from_headers(resp, mm_now_ms());
    res->retry_after_ms = header >= 0 ? header : eb->retry_after_ms;
}

/* Sanitizes the provider's words into dst; a text too long is cut at a word with "…". */
static void shorten_provider_text(char *dst, size_t dstsz, const char *text)
{
    char whole[MM_ERROR_TEXT_MAX];
    mm_sanitize(whole, sizeof whole, text, strlen(text));
    size_t n = strlen(whole);
    if (n < dstsz) {
        memcpy(dst, whole, n + 1);
        return;
    }
    size_t cut = dstsz - 4; /* room for "…" (3 bytes) and the NUL */
    while (cut > 0 && whole[cut] != ' ')
        cut--;
    if (cut == 0) /* one huge word: cut on a character boundary */
        for (cut = dstsz - 4; cut > 0 && ((unsigned char)whole[cut] & 0xC0) == 0x80;)
            cut--;
    memcpy(dst, whole, cut);
    memcpy(dst + cut, "\xe2\x80\xa6", 4);
}

static void classify_error_status(const mm_connection *conn, const mm_http_response *resp,
                                  bool listing, mm_call_result *res)
{
    const mm_provider_info *p = conn->provider;
    mm_error_body eb = {.recognized = false, .cls = MM_CLASS_COUNT, .retry_after_ms = -1};
    p->ops->parse_error(resp->status, resp->body, resp->body_len, &eb);
    if (!eb.recognized && !body_is_blank(resp)) {
        json_t *json = adapter_json_load(resp->body, resp->body_len);
        json_decref(json);
        if (!json) {
            set_foreign_body(conn, resp, res);
            return;
        }
    }
    char said[PROVIDER_TEXT_MAX];
    shorten_provider_text(said, sizeof said, eb.message);
    res->cls = eb.cls != MM_CLASS_COUNT ? eb.cls : class_from_status(resp->status, said);
    set_retry_after(resp, &eb, res);
    char retry[64] = "";
    if (res->retry_after_ms >= 0)
        snprintf(retry, sizeof retry, " Retry after %.1f s.", (double)res->retry_after_ms / 1000);
    const char *name = mm_error_class_name(res->cls);
    const char *hint =
        listing ? mm_error_class_list_hint(res->cls, resp->status) : mm_error_class_hint(res->cls);
    if (said[0])
        set_message(res, conn, "%s: %s (HTTP %ld).%s %s", name, said, resp->status, retry, hint);
    else
        set_message(res, conn, "%s: %s answered HTTP %ld without an error message.%s %s", name,
                    p->display_name, resp->status, retry, hint);
}

/* A failed call: transport or HTTP error; listing says it was list-models (for the hint). */
static void classify_failure(const mm_connection *conn, const mm_http_response *resp, bool listing,
                             mm_call_result *res)
{
    res->ok = false;
    if (resp->transport_class != MM_CLASS_OK) {
        res->cls = resp->transport_class;
        set_message(res, conn, "%s: %s. %s", mm_error_class_name(res->cls), resp->transport_message,
                    mm_error_class_hint(res->cls));
        return;
    }
    classify_error_status(conn, resp, listing, res);
}

void provider_classify_failure(const mm_connection *conn, const mm_http_response *resp,
                               mm_call_result *res)
{
    classify_failure(conn, resp, false, res);
}

/* A 2xx whose body is not the documented shape. */
static void set_bad_success_body(const mm_connection *conn, const mm_http_response *resp,
                                 mm_call_result *res, const char *why)
{
    json_t *json = adapter_json_load(resp->body, resp->body_len);
    json_decref(json);
    if (!json && !body_is_blank(resp)) {
        set_foreign_body(conn, resp, res);
        return;
    }
    res->cls = MM_CLASS_BAD_RESPONSE;
    set_message(res, conn,
                "bad_response: the server answered HTTP %ld but the body is not %s's documented "
                "JSON (%s). %s",
                resp->status, conn->provider->display_name,
                body_is_blank(resp) ? "it is empty" : why, mm_error_class_hint(res->cls));
}

static void set_ok(mm_call_result *res)
{
    res->ok = true;
    res->cls = MM_CLASS_OK;
    res->message[0] = '\0';
}

static void truncate_list(mm_string_list *list, size_t count)
{
    while (list->count > count)
        free(list->items[--list->count]);
}

void provider_parse_list_response(const mm_connection *conn, const mm_http_response *resp,
                                  mm_call_result *res, char **next_page)
{
    *next_page = NULL;
    begin_result(conn, resp, res);
    if (!response_succeeded(resp)) {
        classify_failure(conn, resp, true, res);
        return;
    }
    size_t before = res->models.count;
    const char *why = "unknown shape";
    if (!conn->provider->ops->parse_list(resp->body, resp->body_len, &res->models, next_page,
                                         &why)) {
        truncate_list(&res->models, before);
        free(*next_page);
        *next_page = NULL;
        set_bad_success_body(conn, resp, res, why);
        return;
    }
    set_ok(res);
    redact_provider_text(conn, res);
}

/* Sanitizes the raw answer text in place (terminal-safe, bounded by its own length). */
static bool sanitize_output(mm_call_result *res)
{
    if (!res->output)
        return true;
    size_t n = strlen(res->output);
    char *clean = mm_sanitize_copy(res->output, n); /* format characters escaped */
    if (!clean)
        return false;
    sodium_memzero(res->output, n);
    free(res->output);
    res->output = clean;
    return true;
}

static void forget_usage(mm_call_result *res)
{
    res->usage_known = false;
    res->tokens_in = res->tokens_out = 0;
    res->tokens_cache_read = res->tokens_cache_write = res->tokens_reasoning = 0;
    res->images = res->audio_ms = 0;
}

/* A 200 whose answer the provider withheld for its content: a request outcome, returned with
 * the provider's reason (class bad_request: not retried elsewhere, not a health fault). */
static void set_blocked(const mm_connection *conn, mm_call_result *res)
{
    res->cls = MM_CLASS_BAD_REQUEST;
    set_message(res, conn,
                "content_filter: %s withheld the answer for its content (%s); rephrase the "
                "request — another target would not change this",
                conn->provider->display_name, res->blocked);
}

void provider_parse_answer(const mm_connection *conn, const mm_http_response *resp,
                           mm_call_result *res, provider_success_parser parse)
{
    begin_result(conn, resp, res);
    forget_usage(res);
    res->blocked = NULL;
    if (!response_succeeded(resp)) {
        provider_classify_failure(conn, resp, res);
        return;
    }
    const char *why = "unknown shape";
    if (!parse(resp->body, resp->body_len, res, &why) || !sanitize_output(res)) {
        mm_call_result_free(res);
        forget_usage(res);
        res->blocked = NULL;
        set_bad_success_body(conn, resp, res, why);
        return;
    }
    if (res->blocked) {
        set_blocked(conn, res);
        return;
    }
    set_ok(res);
    redact_provider_text(conn, res);
}

void provider_parse_chat_response(const mm_connection *conn, const mm_http_response *resp,
                                  mm_call_result *res)
{
    provider_parse_answer(conn, resp, res, conn->provider->ops->parse_chat);
}

/* An error event after the stream began: its class (server when the event does not say). */
static void set_stream_error(const mm_connection *conn, const mm_stream_end *end,
                             mm_call_result *res)
{
    char said[PROVIDER_TEXT_MAX];
    shorten_provider_text(said, sizeof said, end->error.message);
    res->cls = end->error.cls != MM_CLASS_COUNT ? end->error.cls : MM_CLASS_SERVER;
    set_message(res, conn, "%s: %s sent an error in the stream after %zu bytes of answer: %s. %s",
                mm_error_class_name(res->cls), conn->provider->display_name, res->streamed_bytes,
                said[0] ? said : "(no message)", mm_error_class_hint(res->cls));
}

static void set_stream_bad(const mm_connection *conn, const char *why, mm_call_result *res)
{
    res->cls = MM_CLASS_BAD_RESPONSE;
    set_message(res, conn, "bad_response: %s's stream is not its documented shape (%s). %s",
                conn->provider->display_name, why, mm_error_class_hint(res->cls));
}

void provider_parse_stream_end(const mm_connection *conn, const mm_http_response *resp,
                               const mm_stream_end *end, mm_call_result *res)
{
    begin_result(conn, resp, res);
    res->first_byte_ms = resp->first_byte_ms;
    if (!resp->stopped && !response_succeeded(resp)) {
        provider_classify_failure(conn, resp, res);
        return;
    }
    if (end->failed)
        set_stream_error(conn, end, res);
    else if (end->bad_why)
        set_stream_bad(conn, end->bad_why, res);
    else if (resp->stopped)
        res->cls = MM_CLASS_OK; /* the caller's client went away: served as far as it went */
    else if (!end->done)
        set_stream_bad(conn, "the stream ended before its end marker", res);
    else if (res->blocked && res->streamed_bytes == 0)
        set_blocked(conn, res);
    else if (res->streamed_bytes == 0 && !res->tool_calls)
        set_stream_bad(conn, "the answer is empty", res);
    if (res->cls != MM_CLASS_OK)
        return;
    set_ok(res);
    redact_provider_text(conn, res);
}

void provider_parse_embed_response(const mm_connection *conn, const mm_http_response *resp,
                                   mm_call_result *res)
{
    if (!conn->provider->ops->parse_embed) {
        begin_result(conn, resp, res);
        res->cls = MM_CLASS_BAD_REQUEST;
        set_message(res, conn, "bad_request: %s has no embeddings endpoint. %s",
                    conn->provider->display_name, mm_error_class_hint(res->cls));
        return;
    }
    provider_parse_answer(conn, resp, res, conn->provider->ops->parse_embed);
}

static mm_status check_connection(const mm_connection *conn, mm_error *err)
{
    if (!conn || !conn->provider || !conn->provider->ops)
        return mm_error_set(err, MM_E_INVALID, "provider", "Unknown provider: choose one of %s.",
                            provider_id_list());
    return MM_OK;
}

static mm_status check_text(const char *text, const char *field, mm_error *err)
{
    json_t *probe = json_string(text ? text : "");
    json_decref(probe);
    return probe ? MM_OK
                 : mm_error_set(err, MM_E_INVALID, field,
                                "The %s is not valid UTF-8 text: re-type it.", field);
}

mm_status provider_build_list_request(const mm_connection *conn, const char *page_token,
                                      mm_http_request *out, mm_error *err)
{
    memset(out, 0, sizeof *out);
    mm_status st = check_connection(conn, err);
    return st != MM_OK ? st : conn->provider->ops->build_list(conn, page_token, out, err);
}

static bool known_role(const char *role)
{
    return role && (!strcmp(role, "system") || !strcmp(role, "user") ||
                    !strcmp(role, "assistant") || !strcmp(role, "tool"));
}

static mm_status check_chat(const mm_chat *chat, mm_error *err)
{
    if (!chat || chat->n == 0)
        return mm_error_set(err, MM_E_INVALID, "messages", "The conversation has no message.");
    for (size_t i = 0; i < chat->n; i++) {
        if (!known_role(chat->messages[i].role))
            return mm_error_set(err, MM_E_INVALID, "role",
                                "Message %zu has role \"%s\": use system, user, assistant or tool.",
                                i, chat->messages[i].role ? chat->messages[i].role : "");
        if (!strcmp(chat->messages[i].role, "tool") && !mm_present(chat->messages[i].tool_call_id))
            return mm_error_set(err, MM_E_INVALID, "tool_call_id",
                                "Message %zu has role \"tool\" without a tool_call_id: name the "
                                "tool call it answers.",
                                i);
        mm_status st = check_text(chat->messages[i].content, "prompt", err);
        if (st != MM_OK)
            return st;
    }
    return MM_OK;
}

mm_status provider_build_chat_messages_request(const mm_connection *conn, const char *model,
                                               const mm_chat *chat, int max_tokens,
                                               mm_http_request *out, mm_error *err)
{
    memset(out, 0, sizeof *out);
    mm_status st = check_connection(conn, err);
    if (st == MM_OK)
        st = check_chat(chat, err);
    if (st == MM_OK)
        st = check_text(model, "model", err);
    return st != MM_OK ? st
                       : conn->provider->ops->build_chat(conn, model, chat, max_tokens, out, err);
}

mm_status provider_build_chat_request(const mm_connection *conn, const char *model,
                                      const char *prompt, int max_tokens, mm_http_request *out,
                                      mm_error *err)
{
    mm_chat_message one = {.role = "user", .content = prompt ? prompt : ""};
    mm_chat chat = {.messages = &one, .n = 1};
    return provider_build_chat_messages_request(conn, model, &chat, max_tokens, out, err);
}

/* The strings of a chat a copy holds: per message role, content, parts, tool_calls,
 * tool_call_id; then tools and tool_choice. */
#define DUP_PER_MESSAGE 5

static size_t dup_size(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

/* Copies s (NULL stays NULL) to *at, advancing it. */
static const char *dup_into(char **at, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    memcpy(*at, s, n);
    *at += n;
    return *at - n;
}

mm_chat *mm_chat_dup(const mm_chat *chat)
{
    size_t size = sizeof(mm_chat) + chat->n * sizeof(mm_chat_message) + dup_size(chat->tools) +
                  dup_size(chat->tool_choice);
    for (size_t i = 0; i < chat->n; i++) {
        const mm_chat_message *m = &chat->messages[i];
        const char *fields[DUP_PER_MESSAGE] = {m->role, m->content, m->parts, m->tool_calls,
                                               m->tool_call_id};
        for (int k = 0; k < DUP_PER_MESSAGE; k++)
            size += dup_size(fields[k]);
    }
    mm_chat *copy = malloc(size);
    if (!copy)
        return NULL;
    mm_chat_message *msgs = (mm_chat_message *)(copy + 1);
    char *at = (char *)(msgs + chat->n);
    for (size_t i = 0; i < chat->n; i++) {
        const mm_chat_message *m = &chat->messages[i];
        msgs[i].role = dup_into(&at, m->role); /* one at a time: at moves */
        msgs[i].content = dup_into(&at, m->content);
        msgs[i].parts = dup_into(&at, m->parts);
        msgs[i].tool_calls = dup_into(&at, m->tool_calls);
        msgs[i].tool_call_id = dup_into(&at, m->tool_call_id);
    }
    *copy = (mm_chat){msgs, chat->n, NULL, NULL};
    copy->tools = dup_into(&at, chat->tools);
    copy->tool_choice = dup_into(&at, chat->tool_choice);
    return copy;
}

mm_status provider_build_embed_request(const mm_connection *conn, const char *model,
                                       const char *text, mm_http_request *out, mm_error *err)
{
    memset(out, 0, sizeof *out);
    mm_status st = check_connection(conn, err);
    if (st != MM_OK)
        return st;
    if (!conn->provider->supports_embeddings || !conn->provider->ops->build_embed)
        return mm_error_set(err, MM_E_INVALID, "model",
                            "%s has no embeddings endpoint: use another provider's account for "
                            "embedding models.",
                            conn->provider->display_name);
    st = check_text(text, "text", err);
    if (st == MM_OK)
        st = check_text(model, "model", err);
    return st != MM_OK ? st : conn->provider->ops->build_embed(conn, model, text, out, err);
}

/* A request that could not even be built (bad endpoint, no embeddings): say so in res too. */
static mm_status refuse_request(mm_call_result *res, mm_status st, const mm_error *err)
{
    res->ok = false;
    res->cls = MM_CLASS_BAD_REQUEST;
    mm_copy(res->message, sizeof res->message, err->message);
    return st;
}

static mm_status finish_call(const mm_call_result *res, mm_error *err)
{
    if (res->ok)
        return MM_OK;
    return mm_error_set(err, MM_E_PROVIDER, NULL, "%s", res->message);
}

/* Runs one request on the easy path; false (res filled) when it could not start. */
static bool perform(const mm_http_request *req, mm_http_response *resp, mm_call_result *res,
                    mm_error *err)
{
    if (net_perform(req, resp, err) == MM_OK)
        return true;
    res->ok = false;
    res->cls = MM_CLASS_NETWORK;
    mm_copy(res->message, sizeof res->message, err->message);
    return false;
}

/* Fetches one list page into res; returns false when the listing must stop (failure). */
static bool list_one_page(const mm_connection *conn, const char *token, mm_call_result *res,
                          char **next, mm_status *st, mm_error *err)
{
    mm_http_request req;
    *st = provider_build_list_request(conn, token, &req, err);
    if (*st != MM_OK) {
        refuse_request(res, *st, err);
        return false;
    }
    mm_http_response resp;
    int64_t latency_so_far = res->latency_ms;
    bool ran = perform(&req, &resp, res, err);
    mm_http_request_free(&req);
    if (!ran) {
        *st = MM_E_INTERNAL;
        return false;
    }
    provider_parse_list_response(conn, &resp, res, next);
    res->latency_ms += latency_so_far;
    mm_http_response_free(&resp);
    *st = res->ok ? MM_OK : MM_E_PROVIDER;
    return res->ok;
}

mm_status provider_list_models(const mm_connection *conn, mm_call_result *res, mm_error *err)
{
    mm_error local;
    err = err ? err : &local;
    mm_call_result_init(res);
    char *token = NULL;
    mm_status st = MM_OK;
    for (int page = 0; page < MM_LIST_PAGE_CAP; page++) {
        char *next = NULL;
        bool ok = list_one_page(conn, token, res, &next, &st, err);
        bool repeated = next && token && strcmp(next, token) == 0; /* a looping server */
        free(token);
        token = next;
        if (!ok || !token || repeated)
            break;
    }
    free(token);
    if (!res->ok)
        mm_string_list_free(&res->models); /* a partial list would mislead */
    if (st == MM_E_PROVIDER || st == MM_OK)
        return finish_call(res, err);
    return st;
}

static mm_status
run_answer_call(const mm_connection *conn, mm_http_request *req, mm_call_result *res, mm_error *err,
                void (*parse)(const mm_connection *, const mm_http_response *, mm_call_result *))
{
    mm_http_response resp;
    bool ran = perform(req, &resp, res, err);
    mm_http_request_free(req);
    if (!ran)
        return MM_E_INTERNAL;
    parse(conn, &resp, res);
    mm_http_response_free(&resp);
    return finish_call(res, err);
}

mm_status provider_chat_messages(const mm_connection *conn, const char *model, const mm_chat *chat,
                                 int max_tokens, mm_call_result *res, mm_error *err)
{
    mm_error local;
    err = err ? err : &local;
    mm_call_result_init(res);
    mm_http_request req;
    mm_status st = provider_build_chat_messages_request(conn, model, chat, max_tokens, &req, err);
    if (st != MM_OK)
        return refuse_request(res, st, err);
    return run_answer_call(conn, &req, res, err, provider_parse_chat_response);
}

mm_status provider_chat(const mm_connection *conn, const char *model, const char *prompt,
                        int max_tokens, mm_call_result *res, mm_error *err)
{
    mm_chat_message one = {.role = "user", .content = prompt ? prompt : ""};
    mm_chat chat = {.messages = &one, .n = 1};
    return provider_chat_messages(conn, model, &chat, max_tokens, res, err);
}

mm_status provider_embed(const mm_connection *conn, const char *model, const char *text,
                         mm_call_result *res, mm_error *err)
{
    mm_error local;
    err = err ? err : &local;
    mm_call_result_init(res);
    mm_http_request req;
    mm_status st = provider_build_embed_request(conn, model, text, &req, err);
    if (st != MM_OK)
        return refuse_request(res, st, err);
    return run_answer_call(conn, &req, res, err, provider_parse_embed_response);
}
