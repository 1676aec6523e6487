/* Streamed chat: the provider's streaming request, the shared SSE splitter fed by libcurl, the
 * dialect's event parser, and each piece sanitized and redacted before the caller sees it. */
#include "providers/provider_ops.h"
#include "providers/tool_shape.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "net/sse.h"
#include "util/redact.h"
#include "util/text.h"

#define STREAM_TEXT_MAX (16u * 1024u * 1024u) /* a longer answer is cut (bad_response) */

typedef struct stream_state {
    const mm_connection *conn;
    mm_call_result *res;
    const mm_stream_sink *sink;
    mm_sse_parser sse;
    mm_stream_end end;
    char *text;    /* the whole answer so far (sanitized) */
    json_t *calls; /* the tool calls so far (tool_shape_merge): also handed over whole at the end */
    size_t text_len, text_cap;
    bool stop_asked; /* the sink said stop */
} stream_state;

static bool keep_text(stream_state *s, const char *piece, size_t len)
{
    if (s->text_len + len + 1 > s->text_cap) {
        if (s->text_len + len + 1 > STREAM_TEXT_MAX)
            return false;
        size_t cap = s->text_cap ? s->text_cap : 1024;
        while (cap < s->text_len + len + 1)
            cap *= 2;
        char *grown = realloc(s->text, cap);
        if (!grown)
            return false;
        s->text = grown;
        s->text_cap = cap;
    }
    memcpy(s->text + s->text_len, piece, len);
    s->text_len += len;
    s->text[s->text_len] = '\0';
    return true;
}

/* mm_sanitize's policy for one piece of a longer text: it trims the ends, which would glue
 * the pieces' words together, so whitespace at either end comes back as one space. */
static char *sanitize_piece(const char *raw)
{
    size_t n = strlen(raw);
    char *inner = mm_sanitize_copy(raw, n);
    if (!inner || n == 0)
        return inner;
    bool lead = isspace((unsigned char)raw[0]);
    bool trail = isspace((unsigned char)raw[n - 1]) && inner[0];
    if (!lead && !trail)
        return inner;
    char *out = malloc(strlen(inner) + 3);
    if (out)
        snprintf(out, strlen(inner) + 3, "%s%s%s", lead ? " " : "", inner, trail ? " " : "");
    free(inner);
    return out;
}

/* The boundary for streamed text: terminal-safe (format characters escaped) and the account's
 * key redacted, as provider.c does for a whole answer. A key split across two pieces is not
 * caught by the piece's redaction; the whole answer (res->output) is redacted again at the end. */
static bool relay_piece(stream_state *s, const char *raw)
{
    char *clean = sanitize_piece(raw);
    const char *key = s->conn->api_key;
    if (clean && key && strlen(key) >= 4) {
        char *redacted = mm_redact_copy(clean, strlen(clean), key, NULL);
        sodium_memzero(clean, strlen(clean));
        free(clean);
        clean = redacted;
    }
    if (!clean)
        return false;
    size_t n = strlen(clean);
    bool ok = keep_text(s, clean, n);
    if (ok && n > 0) {
        s->res->streamed_bytes += n;
        if (!s->sink->on_text(s->sink->ctx, clean, n))
            s->stop_asked = true;
    }
    free(clean);
    if (!ok)
        s->end.bad_why = "the answer is over 16 MiB";
    return ok && !s->stop_asked;
}

/* Merges an event's tool-call pieces and hands what they add, in OpenAI's delta shape, to
 * the sink (when it takes them), counting their ids, names and arguments as streamed bytes
 * (a delta handed over always counts: the router's fallback rule reads them). */
static bool relay_tool_calls(stream_state *s, const json_t *pieces)
{
    json_t *deltas = s->sink->on_tool_calls ? json_array() : NULL;
    if (!tool_shape_merge(s->calls, pieces, deltas)) {
        json_decref(deltas);
        s->end.bad_why = "more than 128 tool calls";
        return false;
    }
    size_t i, bytes = 0;
    json_t *delta;
    json_array_foreach(deltas, i, delta)
    {
        const json_t *fn = json_object_get(delta, "function");
        bytes += json_string_length(json_object_get(delta, "id")) + /* never 0: one went out */
                 json_string_length(json_object_get(fn, "name")) +
                 json_string_length(json_object_get(fn, "arguments"));
    }
    char *text = json_array_size(deltas) > 0 ? json_dumps(deltas, JSON_COMPACT) : NULL;
    json_decref(deltas);
    if (text) {
        s->res->streamed_bytes += bytes;
        if (!s->sink->on_tool_calls(s->sink->ctx, text, strlen(text)))
            s->stop_asked = true;
    }
    free(text);
    return !s->stop_asked;
}

static bool on_event(void *ctx, const char *name, const char *data, size_t len)
{
    stream_state *s = ctx;
    mm_stream_delta delta = {.error = {.cls = MM_CLASS_COUNT, .retry_after_ms = -1}};
    const char *why = "unknown shape";
    if (!s->conn->provider->ops->parse_stream_event(name, data, len, &delta, s->res, &why)) {
        free(delta.text);
        s->end.bad_why = why;
        return false;
    }
    bool keep = true;
    if (delta.text)
        keep = relay_piece(s, delta.text);
    free(delta.text);
    if (keep && delta.tool_calls)
        keep = relay_tool_calls(s, delta.tool_calls);
    json_decref(delta.tool_calls);
    if (delta.done)
        s->end.done = true;
    if (delta.failed) {
        s->end.failed = true;
        s->end.error = delta.error;
        return false;
    }
    return keep;
}

static bool on_chunk(void *ctx, const char *bytes, size_t len)
{
    stream_state *s = ctx;
    if (mm_sse_feed(&s->sse, bytes, len))
        return true;
    if (s->sse.too_long && !s->end.bad_why)
        s->end.bad_why = "an event is over 1 MiB";
    return false;
}

/* The stream's tool calls as the answer's (OpenAI's shape), its finish reason then
 * "tool_calls" (Gemini ends such a stream with STOP). */
static void take_calls(stream_state *s)
{
    s->res->tool_calls = tool_shape_finish(s->calls);
    json_decref(s->calls);
    s->calls = NULL;
    if (s->res->tool_calls && strcmp(s->res->finish_reason, "length") != 0)
        mm_copy(s->res->finish_reason, sizeof s->res->finish_reason, "tool_calls");
}

/* A provider without a streaming API: the whole answer as one piece, then its tool calls
 * each whole (when the sink takes them). */
static mm_status chat_in_one_piece(const mm_connection *conn, const char *model,
                                   const mm_chat *chat, int max_tokens, const mm_stream_sink *sink,
                                   mm_call_result *res, mm_error *err)
{
    mm_status st = provider_chat_messages(conn, model, chat, max_tokens, res, err);
    if (st == MM_OK && res->output && res->output[0]) {
        res->streamed_bytes = strlen(res->output);
        res->stopped = !sink->on_text(sink->ctx, res->output, res->streamed_bytes);
        if (!res->finish_reason[0])
            mm_copy(res->finish_reason, sizeof res->finish_reason, "stop");
    }
    json_t *calls = st == MM_OK && !res->stopped && res->tool_calls && sink->on_tool_calls
                        ? json_loads(res->tool_calls, 0, NULL)
                        : NULL;
    stream_state s = {.conn = conn, .res = res, .sink = sink, .calls = json_array()};
    if (calls && s.calls)
        relay_tool_calls(&s, calls);
    res->stopped = res->stopped || s.stop_asked;
    json_decref(s.calls);
    json_decref(calls);
    return st;
}

mm_status provider_chat_stream(const mm_connection *conn, const char *model, const char *prompt,
                               int max_tokens, mm_text_fn on_text, void *ctx, mm_call_result *res,
                               mm_error *err)
{
    mm_chat_message one = {.role = "user", .content = prompt ? prompt : ""};
    mm_chat chat = {.messages = &one, .n = 1};
    mm_stream_sink sink = {.on_text = on_text, .ctx = ctx};
    return provider_chat_stream_messages(conn, model, &chat, max_tokens, &sink, res, err);
}

mm_status provider_chat_stream_messages(const mm_connection *conn, const char *model,
                                        const mm_chat *chat, int max_tokens,
                                        const mm_stream_sink *sink, mm_call_result *res,
                                        mm_error *err)
{
    mm_error local;
    err = err ? err : &local;
    if (conn && conn->provider && conn->provider->ops &&
        (!conn->provider->ops->make_streaming || !conn->provider->ops->parse_stream_event))
        return chat_in_one_piece(conn, model, chat, max_tokens, sink, res, err);
    mm_call_result_init(res);
    res->first_byte_ms = -1;
    mm_http_request req;
    mm_status st = provider_build_chat_messages_request(conn, model, chat, max_tokens, &req, err);
    if (st == MM_OK && !conn->provider->ops->make_streaming(&req)) {
        mm_http_request_free(&req);
        st = mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    }
    if (st != MM_OK) {
        res->ok = false;
        res->cls = MM_CLASS_BAD_REQUEST;
        mm_copy(res->message, sizeof res->message, err->message);
        return st;
    }
    stream_state s = {.conn = conn, .res = res, .sink = sink};
    if (!(s.calls = json_array())) {
        mm_http_request_free(&req);
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    }
    mm_sse_init(&s.sse, on_event, &s);
    mm_http_response resp;
    st = net_perform_stream(&req, &resp, on_chunk, &s, err);
    mm_http_request_free(&req);
    mm_sse_free(&s.sse);
    take_calls(&s);
    if (st != MM_OK) {
        free(s.text);
        res->ok = false;
        res->cls = MM_CLASS_NETWORK;
        mm_copy(res->message, sizeof res->message, err->message);
        return MM_E_INTERNAL;
    }
    res->stopped = s.stop_asked;
    resp.stopped = s.stop_asked;
    res->output = s.text ? s.text : strdup("");
    provider_parse_stream_end(conn, &resp, &s.end, res);
    mm_http_response_free(&resp);
    if (res->ok)
        return MM_OK;
    return mm_error_set(err, MM_E_PROVIDER, NULL, "%s", res->message);
}
