/* The OpenAI-compatible endpoints of `mmadmin serve`: the model picker (GET /v1/models), chat
 * completions (JSON, with tool calls; messages read in gw_messages.c; SSE in gw_stream.c) and
 * embeddings (images and audio: gw_media.c), each sent through the router on the shared view, with
 * router outcomes mapped to OpenAI's status codes and error shape. */
#include <inttypes.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/gw_internal.h"
#include "gateway/gw_messages.h"
#include "util/clock.h"

#define MAX_TOKENS_CAP 1000000
#define EMBED_INPUTS_MAX 256

/* ---- the model picker ---- */

void gw_openai_models(gw_call *call, gw_response *resp)
{
    const router_snapshot *snap = call->view->snapshot;
    long ws = router_find_workspace(snap, call->key->workspace);
    json_t *data = json_array();
    for (size_t i = 0; ws >= 0 && i < snap->n_entitlements; i++) {
        const router_entitlement *e = &snap->entitlements[i];
        if (e->workspace != (uint32_t)ws)
            continue;
        const router_model *m = &snap->models[e->model];
        json_array_append_new(data, json_pack("{s:s, s:s, s:i, s:s, s:s}", "id", m->name, "object",
                                              "model", "created", 0, "owned_by", "mmadmin", "type",
                                              m->type));
    }
    gw_response_json(resp, 200, json_pack("{s:s, s:o}", "object", "list", "data", data));
}

/* ---- outcomes -> HTTP ---- */

static json_t *attempts_json(const router_send_result *res)
{
    json_t *list = json_array();
    for (size_t i = 0; i < res->n_attempts; i++) {
        const router_attempt_result *a = &res->attempts[i];
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:i, s:I, s:s}", "account",
                                              a->account, "model", a->model, "class",
                                              a->skipped ? "skipped" : mm_error_class_name(a->cls),
                                              "http_status", a->http_status, "latency_ms",
                                              (json_int_t)a->latency_ms, "message", a->message));
    }
    return list;
}

static void retry_after(gw_response *resp, int64_t frees_at_ms)
{
    int64_t wait = frees_at_ms - mm_now_ms();
    if (wait < 1)
        wait = 1;
    char text[32];
    snprintf(text, sizeof text, "%" PRId64, (wait + 999) / 1000);
    gw_response_header(resp, "Retry-After", text);
    snprintf(text, sizeof text, "%" PRId64, wait);
    gw_response_header(resp, "retry-after-ms", text);
}

static void refusal_response(const router_send_result *res, gw_response *resp)
{
    const router_plan *plan = &res->plan;
    switch (plan->refusal) {
    case ROUTER_UNKNOWN_MODEL:
        gw_response_error(resp, 404, "invalid_request_error", "model_not_found", plan->message);
        return;
    case ROUTER_UNKNOWN_WORKSPACE:
    case ROUTER_NOT_ENTITLED:
        gw_response_error(resp, 403, "permission_error", "model_not_entitled", plan->message);
        return;
    case ROUTER_WORKSPACE_RPM:
    case ROUTER_WORKSPACE_TPM:
    case ROUTER_WORKSPACE_MONTHLY_TOKENS:
        if (plan->frees_at_ms > 0)
            retry_after(resp, plan->frees_at_ms);
        gw_response_error(resp, 429, "rate_limit_error", "rate_limit_exceeded", plan->message);
        return;
    default:
        if (plan->frees_at_ms > 0)
            retry_after(resp, plan->frees_at_ms);
        gw_response_error(resp, 503, "server_error", "no_usable_target", plan->message);
        return;
    }
}

static bool every_attempt_skipped(const router_send_result *res)
{
    for (size_t i = 0; i < res->n_attempts; i++) {
        if (!res->attempts[i].skipped)
            return false;
    }
    return true;
}

/* Answers a request that was not served. */
void gw_openai_failure(gateway *gw, const router_send_result *res, mm_status st,
                       const mm_error *err, gw_response *resp)
{
    if (res->plan.refusal != ROUTER_ADMITTED) {
        refusal_response(res, resp);
        return;
    }
    if (st == MM_E_INVALID) {
        const router_attempt_result *last =
            res->n_attempts ? &res->attempts[res->n_attempts - 1] : NULL;
        int status =
            last && last->http_status >= 400 && last->http_status < 500 ? last->http_status : 400;
        gw_response_error(resp, status, "invalid_request_error", NULL, err->message);
        return;
    }
    if (st == MM_E_PROVIDER) {
        int status = every_attempt_skipped(res) ? 503 : 502;
        json_t *error =
            json_pack("{s:s, s:s, s:s, s:o}", "message", err->message, "type", "server_error",
                      "code", "upstream_failed", "attempts", attempts_json(res));
        gw_response_json(resp, status, json_pack("{s:o}", "error", error));
        return;
    }
    if (st == MM_E_DB) { /* the catalog's server down or busy: another host, or a moment, may do */
        /* the detail names the catalog's host or socket: the operator's, not the client's */
        pthread_mutex_lock(&gw->unavailable_lock);
        gw_trouble_log(gw, &gw->unavailable, "answered 503 catalog_unavailable", err->message);
        pthread_mutex_unlock(&gw->unavailable_lock);
        gw_response_header(resp, "Retry-After", "1");
        gw_response_error(resp, 503, "server_error", "catalog_unavailable",
                          "the catalog is unavailable");
        return;
    }
    gw_response_error(resp, st == MM_E_REFUSED ? 503 : 500, "server_error", NULL, err->message);
}

void gw_served_headers(const router_attempt_result *a, size_t attempts, gw_response *resp)
{
    char count[24];
    snprintf(count, sizeof count, "%zu", attempts);
    gw_response_header(resp, "x-mmadmin-account", a->account);
    gw_response_header(resp, "x-mmadmin-provider", a->provider);
    gw_response_header(resp, "x-mmadmin-provider-model", a->model);
    gw_response_header(resp, "x-mmadmin-attempts", count);
}

/* ---- sending ---- */

bool gw_send_one(gw_call *call, router_send_request *req, router_send_result *res, mm_status *st,
                 mm_error *err, gw_response *resp)
{
    gateway *gw = call->gw;
    mm_catalog *cat = gw_pool_take(&gw->pool, gw->opts.request_timeout_ms, err);
    if (!cat) {
        gw_response_header(resp, "Retry-After", "1");
        gw_response_error(resp, 503, "server_error", "overloaded", err->message);
        return false;
    }
    req->workspace = call->key->workspace;
    req->snapshot = call->view->snapshot;
    req->timeout_ms = gw->opts.attempt_timeout_ms;
    req->stream_idle_timeout_ms = gw->opts.stream_idle_timeout_ms;
    req->hooks = gw_send_hooks(call);
    atomic_fetch_add(&gw->counters.upstream_in_flight, 1);
    *st = router_send(cat, req, res, err);
    atomic_fetch_sub(&gw->counters.upstream_in_flight, 1);
    gw_pool_give(&gw->pool, cat);
    atomic_fetch_add(&gw->counters.attempts_total, res->n_attempts);
    if (res->plan.refusal != ROUTER_ADMITTED)
        gw_metrics_refusal(gw, req->workspace, req->model, router_refusal_name(res->plan.refusal));
    if (res->served && res->served_index > 0)
        atomic_fetch_add(&gw->counters.fallbacks_total, 1);
    return true;
}

static json_t *parse_body(gw_call *call, gw_response *resp)
{
    json_error_t jerr;
    json_t *root = json_loadb(call->body, call->body_len, 0, &jerr);
    if (!json_is_object(root)) {
        char msg[300] = "the body is not a JSON object: send {\"model\": ..., ...}";
        if (!root) /* else valid JSON, but an array, a string, a number... */
            snprintf(msg, sizeof msg, "the body is not a JSON object (%s)", jerr.text);
        json_decref(root);
        gw_response_error(resp, 400, "invalid_request_error", "invalid_json", msg);
        return NULL;
    }
    bool given = json_object_get(root, "model") != NULL;
    if (!json_is_string(json_object_get(root, "model"))) {
        json_decref(root);
        gw_response_error(resp, 400, "invalid_request_error", "missing_model",
                          given ? "'model' must be a string: the name of a logical model (GET "
                                  "/v1/models)"
                                : "'model' is required: the name of a logical model (GET "
                                  "/v1/models)");
        return NULL;
    }
    return root;
}

void gw_random_id(const char *prefix, char *out, size_t outsz)
{
    unsigned char raw[12];
    char hex[25];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
    snprintf(out, outsz, "%s%s", prefix, hex);
}

/* ---- chat ---- */

/* The 400 for a conversation that is not one, naming the field. */
static void conversation_refused(const gw_conversation_fault *fault, gw_response *resp)
{
    gw_response_error_param(resp, 400, "invalid_request_error", "invalid_messages", fault->field,
                            fault->message);
}

static json_t *usage_json(const router_send_result *res)
{
    return json_pack("{s:I, s:I, s:I}", "prompt_tokens", (json_int_t)res->tokens_in,
                     "completion_tokens", (json_int_t)res->tokens_out, "total_tokens",
                     (json_int_t)(res->tokens_in + res->tokens_out));
}

/* The answer's message: its text, and its tool calls in OpenAI's shape whatever the dialect
 * (content null when there is only them, as OpenAI answers). */
static json_t *answer_message(const router_send_result *res)
{
    json_t *calls = res->tool_calls ? json_loads(res->tool_calls, 0, NULL) : NULL;
    bool text = res->output && res->output[0];
    json_t *message =
        json_pack("{s:s, s:o}", "role", "assistant", "content",
                  text || !calls ? json_string(res->output ? res->output : "") : json_null());
    if (message && calls)
        json_object_set(message, "tool_calls", calls);
    json_decref(calls);
    return message;
}

static void chat_answer(const router_send_result *res, const char *model, gw_response *resp)
{
    char id[48];
    gw_random_id("chatcmpl-", id, sizeof id);
    const char *finish = res->finish_reason[0] ? res->finish_reason : "stop";
    json_t *choice = json_pack("{s:i, s:o, s:s}", "index", 0, "message", answer_message(res),
                               "finish_reason", finish);
    gw_response_json(resp, 200,
                     json_pack("{s:s, s:s, s:I, s:s, s:[o], s:o}", "id", id, "object",
                               "chat.completion", "created", (json_int_t)(mm_now_ms() / 1000),
                               "model", model, "choices", choice, "usage", usage_json(res)));
}

static int max_tokens_of(const json_t *root)
{
    json_t *v = json_object_get(root, "max_completion_tokens");
    if (!json_is_integer(v))
        v = json_object_get(root, "max_tokens");
    return json_is_integer(v) ? (int)json_integer_value(v) : 0; /* in range: checked */
}

/* The request's options the gateway reads are what OpenAI's API reference says they are:
 * refused (400, naming the field) rather than ignored, so a pipeline learns of its mistake. */
static bool chat_options_valid(const json_t *root, gw_response *resp)
{
    static const char *const counts[] = {"max_completion_tokens", "max_tokens"};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        json_t *v = json_object_get(root, counts[i]);
        if (v && !json_is_null(v) &&
            (!json_is_integer(v) || json_integer_value(v) < 1 ||
             json_integer_value(v) > MAX_TOKENS_CAP)) {
            char message[160];
            snprintf(message, sizeof message, "'%s' must be a whole number from 1 to %d", counts[i],
                     MAX_TOKENS_CAP);
            gw_response_error(resp, 400, "invalid_request_error", "invalid_value", message);
            return false;
        }
    }
    const json_t *stream = json_object_get(root, "stream");
    if (stream && !json_is_boolean(stream) && !json_is_null(stream)) {
        gw_response_error(resp, 400, "invalid_request_error", "invalid_value",
                          "'stream' must be true or false");
        return false;
    }
    const json_t *options = json_object_get(root, "stream_options");
    if (options && !json_is_object(options) && !json_is_null(options)) {
        gw_response_error(resp, 400, "invalid_request_error", "invalid_value",
                          "'stream_options' must be an object, e.g. {\"include_usage\": true}");
        return false;
    }
    return true;
}

void gw_openai_chat(gw_call *call, gw_response *resp)
{
    json_t *root = parse_body(call, resp);
    if (!root)
        return;
    if (!chat_options_valid(root, resp)) {
        json_decref(root);
        return;
    }
    const char *model = json_string_value(json_object_get(root, "model"));
    gw_conversation conv;
    gw_conversation_fault fault;
    if (!gw_conversation_read(root, &conv, &fault)) {
        json_decref(root);
        conversation_refused(&fault, resp);
        return;
    }
    bool stream = json_is_true(json_object_get(root, "stream"));
    bool include_usage =
        json_is_true(json_object_get(json_object_get(root, "stream_options"), "include_usage"));
    router_send_request req = {.model = model,
                               .input = conv.joined,
                               .chat = &conv.chat,
                               .max_tokens = max_tokens_of(root)};
    if (stream) {
        gw_stream_chat(call, &req, include_usage, resp);
        gw_conversation_free(&conv);
        json_decref(root);
        return;
    }
    router_send_result *res = calloc(1, sizeof *res);
    mm_error err = {0};
    mm_status st = MM_E_INTERNAL;
    if (!res)
        gw_response_error(resp, 500, "server_error", NULL, "out of memory");
    else if (gw_send_one(call, &req, res, &st, &err, resp)) {
        if (st == MM_OK) {
            gw_served_headers(&res->attempts[res->served_index], res->n_attempts, resp);
            chat_answer(res, model, resp);
        } else {
            gw_openai_failure(call->gw, res, st, &err, resp);
        }
    }
    router_send_result_free(res);
    free(res);
    gw_conversation_free(&conv);
    json_decref(root);
}

/* ---- embeddings ---- */

/* float32 little-endian, base64: what the openai clients ask for by default. */
static json_t *embedding_base64(const double *values, size_t n)
{
    float *raw = malloc(n * sizeof *raw);
    size_t b64len = sodium_base64_ENCODED_LEN(n * sizeof *raw, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(b64len);
    json_t *out = NULL;
    if (raw && b64) {
        for (size_t i = 0; i < n; i++)
            raw[i] = (float)values[i];
        sodium_bin2base64(b64, b64len, (const unsigned char *)raw, n * sizeof *raw,
                          sodium_base64_VARIANT_ORIGINAL);
        out = json_string(b64);
    }
    free(raw);
    free(b64);
    return out;
}

static json_t *embedding_json(const router_send_result *res, bool base64)
{
    if (base64)
        return embedding_base64(res->embedding, res->embedding_dims);
    json_t *values = json_array();
    for (size_t i = 0; i < res->embedding_dims; i++)
        json_array_append_new(values, json_real(res->embedding[i]));
    return values;
}

/* The inputs as a list of strings (a string is a list of one); NULL when not text. */
static json_t *embed_inputs(json_t *root)
{
    json_t *input = json_object_get(root, "input");
    if (json_is_string(input))
        return json_pack("[O]", input);
    if (!json_is_array(input) || json_array_size(input) == 0 ||
        json_array_size(input) > EMBED_INPUTS_MAX)
        return NULL;
    size_t i;
    json_t *item;
    json_array_foreach(input, i, item)
    {
        if (!json_is_string(item) || json_string_length(item) == 0)
            return NULL;
    }
    return json_incref(input);
}

void gw_openai_embeddings(gw_call *call, gw_response *resp)
{
    json_t *root = parse_body(call, resp);
    if (!root)
        return;
    const char *model = json_string_value(json_object_get(root, "model"));
    json_t *inputs = embed_inputs(root);
    const char *format = json_string_value(json_object_get(root, "encoding_format"));
    bool base64 = format && strcmp(format, "base64") == 0;
    router_send_result *res = calloc(1, sizeof *res);
    if (!inputs || !res) {
        gw_response_error(resp, 400, "invalid_request_error", "invalid_input",
                          "'input' must be a non-empty string or a list of at most 256 of them");
        goto done;
    }
    json_t *data = json_array();
    int64_t tokens = 0;
    size_t i;
    json_t *text;
    json_array_foreach(inputs, i, text)
    {
        router_send_request req = {.model = model, .input = json_string_value(text)};
        mm_error err = {0};
        mm_status st = MM_E_INTERNAL;
        bool sent = gw_send_one(call, &req, res, &st, &err, resp);
        if (sent && st != MM_OK)
            gw_openai_failure(call->gw, res, st, &err, resp);
        if (!sent || st != MM_OK) {
            router_send_result_free(res);
            json_decref(data);
            goto done;
        }
        tokens += res->tokens_in;
        if (i + 1 == json_array_size(inputs))
            gw_served_headers(&res->attempts[res->served_index], res->n_attempts, resp);
        json_array_append_new(data,
                              json_pack("{s:s, s:I, s:o}", "object", "embedding", "index",
                                        (json_int_t)i, "embedding", embedding_json(res, base64)));
        router_send_result_free(res);
    }
    gw_response_json(resp, 200,
                     json_pack("{s:s, s:o, s:s, s:{s:I, s:I}}", "object", "list", "data", data,
                               "model", model, "usage", "prompt_tokens", (json_int_t)tokens,
                               "total_tokens", (json_int_t)tokens));
done:
    free(res);
    json_decref(inputs);
    json_decref(root);
}

/* ---- shared with gw_media.c ---- */

json_t *gw_parse_body(gw_call *call, gw_response *resp)
{
    return parse_body(call, resp);
}
