/* Streamed chat completions for `mmadmin serve`: the router runs on a worker thread and hands
 * each piece (answer text, tool-call deltas) to a bounded queue; libmicrohttpd's content reader
 * turns the queue into OpenAI chat.completion.chunk events. The first piece commits the
 * request to its target: until then the router may fall back and the client gets nothing, after
 * it a failure ends the stream with an error event. A client that goes away cuts the upstream
 * transfer (the router still records what was used). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway/gw_internal.h"
#include "net/httpd_lib.h"
#include "util/clock.h"

#define QUEUE_MAX                                                                                  \
    (256u * 1024u)        /* answer bytes waiting for a slow client before the worker waits */
#define READ_WAIT_MS 1000 /* the reader re-checks its stream at least this often */

struct gw_stream {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    atomic_int refs; /* the worker, the handler / MHD response */
    gw_call call;    /* the worker's own (its view referenced) */
    char *model, *input, *workspace;
    mm_chat *chat; /* the conversation (one block) */
    router_send_request req;
    bool include_usage;
    int64_t begun_us; /* monotonic, when the stream was asked for (time to first token) */
    /* guarded by lock; text and tool calls never wait in the queue together (queue order) */
    char *pending; /* answer text not yet sent */
    size_t pending_len, pending_cap;
    json_t *pending_tools; /* tool-call deltas not yet sent: one array per chunk */
    size_t pending_tools_bytes;
    bool sent_tools;               /* some tool-call delta was queued: not sent again whole */
    bool started;                  /* a piece came: the response is a stream */
    int64_t first_us;              /* when it came */
    router_attempt_result serving; /* the attempt that streams */
    size_t serving_attempts;
    bool finished; /* router_send returned: st, res, err below */
    bool client_gone;
    mm_status st;
    mm_error err;
    router_send_result res;
    /* the reader's own */
    char id[48];
    int64_t created;
    char *out; /* formatted events not yet copied to MHD */
    size_t out_len, out_pos;
    bool sent_role, ended;
};

static void stream_unref(gw_stream *s)
{
    if (atomic_fetch_sub(&s->refs, 1) != 1)
        return;
    router_send_result_free(&s->res);
    gw_view_release(s->call.view);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->changed);
    free(s->pending);
    json_decref(s->pending_tools);
    free(s->out);
    free(s->model);
    free(s->input);
    free(s->chat);
    free(s->workspace);
    free(s);
}

static void wait_ms(gw_stream *s, long ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&s->changed, &s->lock, &until);
}

/* Waits (lock held) until a piece of len bytes may queue: the other kind's pieces went out
 * first (text and tool calls keep their order) and a slow client has no more than QUEUE_MAX
 * waiting. False once the client is gone. */
static bool wait_turn(gw_stream *s, size_t len, bool tools)
{
    for (;;) {
        size_t own = tools ? s->pending_tools_bytes : s->pending_len;
        size_t other = tools ? s->pending_len : s->pending_tools_bytes;
        if (s->client_gone)
            return false;
        if (other == 0 && (own == 0 || own + len <= QUEUE_MAX))
            return true;
        wait_ms(s, READ_WAIT_MS);
    }
}

/* A piece is queued (lock held): the first one commits the stream to its serving attempt. */
static void piece_queued(gw_stream *s, const router_attempt_result *serving, size_t attempts)
{
    if (!s->started) {
        s->serving = *serving;
        s->serving_attempts = attempts;
        s->started = true;
        s->first_us = mm_monotonic_us();
    }
    pthread_cond_broadcast(&s->changed);
}

/* The router's on_text: queue the piece (waiting while a slow client has QUEUE_MAX queued);
 * false once the client is gone, which cuts the upstream transfer. */
static bool queue_piece(void *ctx, const router_attempt_result *serving, size_t attempts,
                        const char *text, size_t len)
{
    gw_stream *s = ctx;
    pthread_mutex_lock(&s->lock);
    bool ok = wait_turn(s, len, false);
    if (ok && s->pending_len + len + 1 > s->pending_cap) {
        size_t cap = s->pending_cap ? s->pending_cap : 4096;
        while (cap < s->pending_len + len + 1)
            cap *= 2;
        char *grown = realloc(s->pending, cap);
        ok = grown != NULL;
        if (ok) {
            s->pending = grown;
            s->pending_cap = cap;
        }
    }
    if (ok) {
        memcpy(s->pending + s->pending_len, text, len);
        s->pending_len += len;
        s->pending[s->pending_len] = '\0';
        piece_queued(s, serving, attempts);
    }
    pthread_mutex_unlock(&s->lock);
    return ok;
}

/* The router's on_tool_calls: queue the deltas (a JSON array text) as one chunk's tool_calls,
 * as queue_piece does text. */
static bool queue_tool_calls(void *ctx, const router_attempt_result *serving, size_t attempts,
                             const char *deltas, size_t len)
{
    gw_stream *s = ctx;
    json_t *parsed = json_loadb(deltas, len, 0, NULL);
    pthread_mutex_lock(&s->lock);
    bool ok = json_is_array(parsed) && wait_turn(s, len, true) &&
              json_array_append(s->pending_tools, parsed) == 0;
    if (ok) {
        s->pending_tools_bytes += len;
        s->sent_tools = true;
        piece_queued(s, serving, attempts);
    }
    pthread_mutex_unlock(&s->lock);
    json_decref(parsed);
    return ok;
}

static void *worker_main(void *arg)
{
    gw_stream *s = arg;
    router_send_result *res = calloc(1, sizeof *res);
    mm_error err = {0};
    mm_status st = MM_E_INTERNAL;
    gw_response refused = {0};
    bool sent = res && gw_send_one(&s->call, &s->req, res, &st, &err, &refused);
    if (res && !sent) /* no catalog connection came free: answered as a refusal */
        st = MM_E_REFUSED;
    free(refused.body);
    pthread_mutex_lock(&s->lock);
    s->finished = true;
    s->st = st;
    s->err = err;
    if (res)
        s->res = *res; /* moved: freed with the stream */
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
    free(res);
    stream_unref(s);
    return NULL;
}

static gw_stream *stream_new(gw_call *call, const router_send_request *req, bool include_usage)
{
    gw_stream *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->model = strdup(req->model);
    s->input = strdup(req->input);
    s->chat = req->chat ? mm_chat_dup(req->chat) : NULL;
    s->workspace = strdup(call->key->workspace);
    s->pending_tools = json_array();
    if (!s->model || !s->input || !s->workspace || (req->chat && !s->chat) || !s->pending_tools) {
        json_decref(s->pending_tools);
        free(s->model);
        free(s->input);
        free(s->chat);
        free(s->workspace);
        free(s);
        return NULL;
    }
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->changed, NULL);
    atomic_init(&s->refs, 2);
    s->call = *call;
    atomic_fetch_add(&call->view->refs, 1);
    s->req = (router_send_request){.model = s->model,
                                   .input = s->input,
                                   .chat = s->chat,
                                   .max_tokens = req->max_tokens,
                                   .on_text = queue_piece,
                                   .on_tool_calls = queue_tool_calls,
                                   .stream_ctx = s};
    s->include_usage = include_usage;
    gw_random_id("chatcmpl-", s->id, sizeof s->id);
    s->created = mm_now_ms() / 1000;
    s->begun_us = mm_monotonic_us();
    return s;
}

/* A served request whose answer came whole (no piece streamed): one piece of it all. */
static void answer_whole(gw_stream *s)
{
    const char *text = s->res.output ? s->res.output : "";
    free(s->pending);
    s->pending = strdup(text);
    s->pending_len = s->pending ? strlen(text) : 0;
    s->pending_cap = s->pending_len + (s->pending ? 1 : 0);
    s->serving = s->res.attempts[s->res.served_index];
    s->serving_attempts = s->res.n_attempts;
    s->started = true;
    s->first_us = mm_monotonic_us();
}

void gw_stream_chat(gw_call *call, const router_send_request *req, bool include_usage,
                    gw_response *resp)
{
    gw_stream *s = stream_new(call, req, include_usage);
    pthread_t worker;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (!s || pthread_create(&worker, &attr, worker_main, s) != 0) {
        pthread_attr_destroy(&attr);
        if (s) {
            atomic_store(&s->refs, 1);
            stream_unref(s);
        }
        gw_response_header(resp, "Retry-After", "1");
        gw_response_error(resp, 503, "server_error", "overloaded",
                          "the gateway could not start a stream (out of memory or threads)");
        return;
    }
    pthread_attr_destroy(&attr);
    pthread_mutex_lock(&s->lock);
    while (!s->started && !s->finished)
        wait_ms(s, READ_WAIT_MS);
    if (!s->started && s->st == MM_OK && s->res.served) /* answered whole (not a chat model) */
        answer_whole(s);
    bool started = s->started;
    pthread_mutex_unlock(&s->lock);
    if (!started) { /* over before the first byte: answered as JSON, with its status */
        if (s->st == MM_E_REFUSED && s->res.plan.refusal == ROUTER_ADMITTED &&
            s->res.n_attempts == 0) {
            gw_response_header(resp, "Retry-After", "1");
            gw_response_error(resp, 503, "server_error", "overloaded", s->err.message);
        } else {
            gw_openai_failure(s->call.gw, &s->res, s->st == MM_OK ? MM_E_PROVIDER : s->st, &s->err,
                              resp);
        }
        stream_unref(s);
        return;
    }
    gw_metrics_first_token(call->gw, s->first_us - s->begun_us);
    gw_served_headers(&s->serving, s->serving_attempts, resp);
    gw_response_header(resp, "Cache-Control", "no-cache");
    resp->status = 200;
    resp->content_type = "text/event-stream";
    resp->stream = s; /* the handler's reference passes to the MHD response */
}

/* ---- the events ---- */

static json_t *chunk(const gw_stream *s, json_t *delta, const char *finish)
{
    json_t *choices = json_array();
    if (delta)
        json_array_append_new(choices, json_pack("{s:i, s:o, s:o}", "index", 0, "delta", delta,
                                                 "finish_reason",
                                                 finish ? json_string(finish) : json_null()));
    return json_pack("{s:s, s:s, s:I, s:s, s:o}", "id", s->id, "object", "chat.completion.chunk",
                     "created", (json_int_t)s->created, "model", s->model, "choices", choices);
}

/* Appends "data: <event>\n\n" (NULL event: [DONE]) to the reader's output. */
static void emit(gw_stream *s, json_t *event)
{
    char *text = event ? json_dumps(event, JSON_COMPACT) : NULL;
    json_decref(event);
    const char *data = text ? text : "[DONE]";
    size_t n = strlen(data) + 8;
    char *grown = realloc(s->out, s->out_len + n + 1);
    if (grown) {
        s->out_len += (size_t)snprintf(grown + s->out_len, n + 1, "data: %s\n\n", data);
        s->out = grown;
    }
    free(text);
}

static json_t *usage_chunk(gw_stream *s)
{
    json_t *last = chunk(s, NULL, NULL);
    const router_send_result *r = &s->res;
    json_object_set_new(last, "usage",
                        json_pack("{s:I, s:I, s:I}", "prompt_tokens", (json_int_t)r->tokens_in,
                                  "completion_tokens", (json_int_t)r->tokens_out, "total_tokens",
                                  (json_int_t)(r->tokens_in + r->tokens_out)));
    return last;
}

/* The answer's tool calls, whole, as one delta (each with its index), when none streamed (a
 * provider answered whole and its calls did not reach the queue). */
static void emit_tool_calls(gw_stream *s)
{
    json_t *calls = s->res.tool_calls ? json_loads(s->res.tool_calls, 0, NULL) : NULL;
    size_t i;
    json_t *call;
    json_array_foreach(calls, i, call)
        json_object_set_new(call, "index", json_integer((json_int_t)i));
    if (json_array_size(calls) > 0)
        emit(s, chunk(s, json_pack("{s:O}", "tool_calls", calls), NULL));
    json_decref(calls);
}

/* The end: finish reason, usage (when asked) and [DONE]; or, when the stream broke after it
 * began, an error event the client raises (OpenAI's mid-stream error shape). */
static void emit_end(gw_stream *s)
{
    if (s->st != MM_OK) {
        json_t *error = json_pack("{s:s, s:s, s:s}", "message", s->err.message, "type",
                                  "server_error", "code", "upstream_failed");
        emit(s, json_pack("{s:o}", "error", error));
        return;
    }
    if (!s->sent_tools)
        emit_tool_calls(s);
    const char *finish = s->res.finish_reason[0] ? s->res.finish_reason : "stop";
    emit(s, chunk(s, json_object(), finish));
    if (s->include_usage)
        emit(s, usage_chunk(s));
    emit(s, NULL);
}

/* Formats what is ready into s->out (called with the lock held); false when nothing is. */
static bool fill_output(gw_stream *s)
{
    if (!s->sent_role) {
        emit(s, chunk(s, json_pack("{s:s, s:s}", "role", "assistant", "content", ""), NULL));
        s->sent_role = true;
    }
    if (s->pending_len > 0) {
        emit(s, chunk(s, json_pack("{s:s%}", "content", s->pending, s->pending_len), NULL));
        s->pending_len = 0;
        pthread_cond_broadcast(&s->changed); /* room for the worker */
    } else if (s->pending_tools_bytes > 0) { /* one chunk per upstream piece, as OpenAI sends */
        size_t i;
        json_t *deltas;
        json_array_foreach(s->pending_tools, i, deltas)
            emit(s, chunk(s, json_pack("{s:O}", "tool_calls", deltas), NULL));
        json_array_clear(s->pending_tools);
        s->pending_tools_bytes = 0;
        pthread_cond_broadcast(&s->changed);
    } else if (s->finished && !s->ended) {
        emit_end(s);
        s->ended = true;
    }
    return s->out_len > s->out_pos;
}

ssize_t gw_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    gw_stream *s = cls;
    pthread_mutex_lock(&s->lock);
    while (s->out_pos == s->out_len) {
        s->out_pos = s->out_len = 0;
        if (fill_output(s))
            break;
        if (s->ended) {
            pthread_mutex_unlock(&s->lock);
            return MHD_CONTENT_READER_END_OF_STREAM;
        }
        wait_ms(s, READ_WAIT_MS);
    }
    size_t n = s->out_len - s->out_pos < max ? s->out_len - s->out_pos : max;
    memcpy(buf, s->out + s->out_pos, n);
    s->out_pos += n;
    pthread_mutex_unlock(&s->lock);
    return (ssize_t)n;
}

void gw_stream_release(void *cls)
{
    gw_stream *s = cls;
    pthread_mutex_lock(&s->lock);
    s->client_gone = true;
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
    stream_unref(s);
}
