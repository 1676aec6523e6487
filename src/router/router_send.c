/* Running a plan: per attempt, atomic admission against the shared limits, the provider call
 * with the account's decrypted key, a usage event with its cost, and the fall-through rules. */
#include "router/router.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/admission.h"
#include "router/pricing.h"
#include "util/clock.h"
#include "util/text.h"

#define DEFAULT_MAX_TOKENS 256
#define HOLD_MARGIN_MS 30000
/* What a chat API adds to the prompt's own tokens for one user message: OpenAI counts 3 a
 * message and 3 that prime the reply; 7 keeps the reservation an upper bound for the others. */
#define CHAT_OVERHEAD_TOKENS 7

typedef struct send_state {
    mm_catalog *cat;
    const router_send_request *req;
    router_send_result *res;
    bool embedding;
    int64_t tokens_estimate;
    int64_t reservation; /* 0 when none is held */
    /* the attempt being priced and its target's price, read once for its admission estimate
     * and its charge (the same price for both) */
    const router_attempt *priced;
    pricing_lookup price;
    const mm_account_list *accounts; /* the chain's rows as the plan's load read them */
} send_state;

/* The billed units a media request is expected to use: the images asked for, the characters
 * to read aloud; audio to transcribe is known from the answer (or its WAV header). */
static void estimated_media_units(const mm_media_request *media, pricing_tokens *t)
{
    if (media->kind == MM_MEDIA_IMAGE)
        t->images = media->n > 0 ? media->n : 1;
    if (media->kind == MM_MEDIA_SPEECH)
        t->characters = (int64_t)strlen(media->text ? media->text : "");
}

/* The request's tokens as estimated before sending: the prompt at ~4 bytes a token, and for
 * chat the message overhead (with_overhead) and max_tokens out; media requests their units. */
static pricing_tokens estimated_tokens(const router_send_request *req, bool embedding,
                                       bool with_overhead)
{
    const char *input = req->media ? req->media->text : req->input;
    pricing_tokens t = {(int64_t)(strlen(input ? input : "") + 3) / 4, 0, 0, 0, 0, 0, 0};
    if (req->media) {
        estimated_media_units(req->media, &t);
        return t;
    }
    if (!embedding) {
        t.in += with_overhead ? CHAT_OVERHEAD_TOKENS : 0;
        t.out = req->max_tokens > 0 ? req->max_tokens : DEFAULT_MAX_TOKENS;
    }
    return t;
}

/* The admission estimate reserved against the token limits: an upper bound where the request
 * says one (max_tokens), the message overhead included. */
static int64_t estimate_tokens(const router_send_request *req, bool embedding)
{
    pricing_tokens t = estimated_tokens(req, embedding, true);
    return t.in + t.out;
}

/* The tokens an attempt is charged: the provider's counts when its answer had usable usage,
 * else (a served answer without them) an estimate — never zero — of prompt bytes / 4 in and
 * max_tokens out. */
static pricing_tokens charged_tokens(const send_state *s, const mm_call_result *call,
                                     bool *estimated)
{
    pricing_tokens t = {0};
    bool units = call->images > 0 || call->audio_ms > 0 || call->characters > 0;
    *estimated = (call->ok || call->streamed_bytes > 0) && !call->usage_known && !units;
    t.images = call->images;
    t.audio_ms = call->audio_ms;
    t.characters = call->characters;
    if (call->usage_known)
        t = (pricing_tokens){call->tokens_in,
                             call->tokens_out,
                             call->tokens_cache_read,
                             call->tokens_cache_write,
                             t.images,
                             t.audio_ms,
                             t.characters};
    else if (*estimated)
        t = estimated_tokens(s->req, s->embedding, false);
    if (*estimated && s->req->on_text) /* streamed: what went out, not max_tokens */
        t.out = (int64_t)(call->streamed_bytes + 3) / 4;
    return t;
}

/* The attempt's cost of tokens (-1 when its target has no price): the hooks' rule, else the
 * target's price, read from the catalog at the attempt's first cost (again after a failed read). */
static mm_status attempt_cost(send_state *s, const router_attempt *a, const pricing_tokens *t,
                              int64_t *cost, mm_error *err)
{
    const router_send_hooks *h = s->req->hooks;
    if (h && h->cost)
        return h->cost(h->ctx, s->cat, a->account->provider, a->target->model, t, cost, err);
    bool known = s->price.state == MM_OK || s->price.state == MM_E_NOT_FOUND;
    if (s->priced != a || !known) { /* a failed read is tried again */
        pricing_lookup_read(s->cat, a->account->provider, a->target->model, &s->price);
        s->priced = a;
    }
    return pricing_lookup_cost(&s->price, t, cost, err);
}

/* The attempt's estimated cost (reserved against its account's spending cap): the admission
 * estimate at the target's price; -1 when it has none (prices are for costs only). */
static int64_t estimate_cost(send_state *s, const router_attempt *a)
{
    pricing_tokens t = estimated_tokens(s->req, s->embedding, true);
    int64_t cost = -1;
    mm_error ignored;
    return attempt_cost(s, a, &t, &cost, &ignored) == MM_OK ? cost : -1;
}

static long attempt_timeout(const router_send_request *req)
{
    return req->timeout_ms > 0 ? req->timeout_ms : 30000;
}

static const char *admission_words(mm_admission_verdict verdict)
{
    switch (verdict) {
    case MM_ADMIT_WORKSPACE_RPM:
        return "the workspace's requests/min";
    case MM_ADMIT_WORKSPACE_TPM:
        return "the workspace's tokens/min";
    case MM_ADMIT_WORKSPACE_MONTHLY_TOKENS:
        return "the workspace's monthly token cap";
    case MM_ADMIT_ACCOUNT_RPM:
        return "the account's requests/min";
    case MM_ADMIT_ACCOUNT_TPM:
        return "the account's tokens/min";
    case MM_ADMIT_ACCOUNT_SPEND_CAP:
        return "the account's monthly spending cap";
    default:
        return "a limit";
    }
}

static router_refusal workspace_refusal(mm_admission_verdict verdict)
{
    switch (verdict) {
    case MM_ADMIT_WORKSPACE_RPM:
        return ROUTER_WORKSPACE_RPM;
    case MM_ADMIT_WORKSPACE_TPM:
        return ROUTER_WORKSPACE_TPM;
    default:
        return ROUTER_WORKSPACE_MONTHLY_TOKENS;
    }
}

static mm_status admit(send_state *s, const router_attempt *a, mm_admission *adm, mm_error *err)
{
    const router_entitlement *ent = s->res->plan.entitlement;
    mm_admission_request ar = {
        .workspace = s->req->workspace,
        .model = s->req->model,
        .account = a->account->name,
        .workspace_rpm = ent->rpm,
        .workspace_tpm = ent->tpm,
        .workspace_monthly_tokens = ent->monthly_tokens,
        .account_rpm = a->account->rpm,
        .account_tpm = a->account->tpm,
        .account_monthly_cap_micros = a->account->monthly_cap_micros,
        .tokens_estimate = s->tokens_estimate,
        .cost_estimate_micros = estimate_cost(s, a),
        .now_ms = mm_now_ms(),
        .hold_ms = attempt_timeout(s->req) + HOLD_MARGIN_MS,
    };
    const router_send_hooks *h = s->req->hooks;
    if (h && h->admit)
        return h->admit(h->ctx, s->cat, &ar, &s->reservation, adm, err);
    return catalog_admit(s->cat, &ar, &s->reservation, adm, err);
}

static mm_status refuse_for_workspace(send_state *s, const mm_admission *adm, mm_error *err)
{
    router_plan *plan = &s->res->plan;
    char wait[64];
    int64_t now = mm_now_ms();
    router_format_wait(now, adm->frees_at_ms, wait, sizeof wait);
    plan->refusal = workspace_refusal(adm->verdict);
    plan->status = MM_E_REFUSED;
    plan->frees_at_ms = adm->frees_at_ms;
    char used[96];
    if (adm->verdict == MM_ADMIT_WORKSPACE_RPM)
        snprintf(used, sizeof used, "%" PRId64 " requests in the last minute",
                 adm->counters.requests_window);
    else if (adm->verdict == MM_ADMIT_WORKSPACE_TPM)
        snprintf(used, sizeof used, "%" PRId64 " tokens in the last minute",
                 adm->counters.tokens_window);
    else
        snprintf(used, sizeof used, "%" PRId64 " tokens this month", adm->counters.tokens_month);
    snprintf(plan->message, sizeof plan->message,
             "workspace '%s' reached %s for '%s' (%s, counting requests in flight); it frees %s",
             s->req->workspace, admission_words(adm->verdict), s->req->model, used, wait);
    return mm_error_set(err, MM_E_REFUSED, "", "%s", plan->message);
}

static void note_skipped(send_state *s, const router_attempt *a, const mm_admission *adm)
{
    router_attempt_result *r = &s->res->attempts[s->res->n_attempts++];
    memset(r, 0, sizeof *r);
    mm_copy(r->account, sizeof r->account, a->account->name);
    mm_copy(r->provider, sizeof r->provider, a->account->provider);
    mm_copy(r->model, sizeof r->model, a->target->model);
    r->priority = a->target->priority;
    r->skipped = true;
    r->falls_through = true;
    r->cls = MM_CLASS_RATE_LIMITED;
    r->retry_after_ms = -1;
    char wait[64];
    router_format_wait(mm_now_ms(), adm->frees_at_ms, wait, sizeof wait);
    snprintf(r->message, sizeof r->message, "not sent: %s was reached meanwhile (frees %s)",
             admission_words(adm->verdict), wait);
}

/* The account's row: as the plan's load read it (one picture with the plan), else read now. */
static mm_status account_row(send_state *s, const char *name, mm_account *row, mm_error *err)
{
    for (size_t i = 0; s->accounts && i < s->accounts->count; i++)
        if (strcmp(s->accounts->items[i].name, name) == 0) {
            *row = s->accounts->items[i];
            return MM_OK;
        }
    return catalog_account_get(s->cat, name, row, err);
}

/* The account's connection details and decrypted key (wiped by the caller). */
static mm_status connect_account(send_state *s, const router_attempt *a, mm_account *row, char *key,
                                 mm_connection *conn, mm_error *err)
{
    mm_status st = account_row(s, a->account->name, row, err);
    if (st == MM_OK)
        st = catalog_account_secret(s->cat, a->account->name, key, MM_API_KEY_MAX, err);
    if (st != MM_OK)
        return st;
    memset(conn, 0, sizeof *conn);
    conn->provider = provider_find(row->provider);
    if (!conn->provider)
        return mm_error_set(err, MM_E_INVALID, "provider", "account '%s' has unknown provider '%s'",
                            row->name, row->provider);
    conn->base_url = row->endpoint;
    conn->api_key = key;
    conn->api_version = row->api_version;
    conn->ca_bundle = row->ca_bundle[0] ? row->ca_bundle : NULL;
    conn->timeout_ms = s->req->timeout_ms;
    conn->stream_idle_timeout_ms = s->req->stream_idle_timeout_ms;
    return MM_OK;
}

static void fill_event(send_state *s, const router_attempt *a, const mm_call_result *call,
                       const pricing_tokens *tokens, bool estimated, int64_t started_ms,
                       int64_t cost, mm_usage_event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->ts_ms = started_ms;
    mm_copy(ev->kind, sizeof ev->kind, "request");
    mm_copy(ev->account, sizeof ev->account, a->account->name);
    mm_copy(ev->provider, sizeof ev->provider, a->account->provider);
    mm_copy(ev->workspace, sizeof ev->workspace, s->req->workspace);
    mm_copy(ev->model, sizeof ev->model, s->req->model);
    mm_copy(ev->provider_model, sizeof ev->provider_model, a->target->model);
    mm_copy(ev->outcome, sizeof ev->outcome,
            mm_error_class_name(call->ok ? MM_CLASS_OK : call->cls));
    ev->http_status = call->http_status;
    ev->latency_ms = call->latency_ms;
    ev->tokens_in = tokens->in;
    ev->tokens_out = tokens->out;
    ev->tokens_cache_read = tokens->cache_read;
    ev->tokens_cache_write = tokens->cache_write;
    ev->usage_estimated = estimated;
    ev->cost_micros = cost;
    ev->retry_after_ms = call->retry_after_ms;
    /* a streamed chat (serve's SSE, send --stream): the provider's first body byte, -1 none */
    ev->streamed = s->req->on_text && !s->embedding && !s->req->media;
    ev->ttft_ms = ev->streamed ? call->first_byte_ms : -1;
    if (!call->ok)
        mm_copy(ev->message, sizeof ev->message, call->message);
}

static void note_attempt(send_state *s, const router_attempt *a, const mm_call_result *call)
{
    router_attempt_result *r = &s->res->attempts[s->res->n_attempts++];
    memset(r, 0, sizeof *r);
    mm_copy(r->account, sizeof r->account, a->account->name);
    mm_copy(r->provider, sizeof r->provider, a->account->provider);
    mm_copy(r->model, sizeof r->model, a->target->model);
    r->priority = a->target->priority;
    r->cls = call->ok ? MM_CLASS_OK : call->cls;
    r->http_status = call->http_status;
    r->latency_ms = call->latency_ms;
    r->retry_after_ms = call->retry_after_ms;
    r->falls_through = !call->ok && router_class_falls_through(call->cls, call->http_status);
    mm_copy(r->message, sizeof r->message, call->ok ? "" : call->message);
}

/* The attempt a streamed piece comes from, handed to the request's on_text. */
typedef struct stream_relay {
    send_state *s;
    router_attempt_result serving;
} stream_relay;

static bool relay_text(void *ctx, const char *text, size_t len)
{
    stream_relay *r = ctx;
    const router_send_request *req = r->s->req;
    return req->on_text(req->stream_ctx, &r->serving, r->s->res->n_attempts + 1, text, len);
}

static bool relay_tool_calls(void *ctx, const char *deltas, size_t len)
{
    stream_relay *r = ctx;
    const router_send_request *req = r->s->req;
    return req->on_tool_calls(req->stream_ctx, &r->serving, r->s->res->n_attempts + 1, deltas, len);
}

static void call_provider(send_state *s, const router_attempt *a, const mm_connection *conn,
                          mm_call_result *call)
{
    int max_tokens = s->req->max_tokens > 0 ? s->req->max_tokens : DEFAULT_MAX_TOKENS;
    if (s->embedding) {
        provider_embed(conn, a->target->model, s->req->input, call, NULL);
        return;
    }
    mm_chat_message one = {.role = "user", .content = s->req->input ? s->req->input : ""};
    mm_chat single = {.messages = &one, .n = 1};
    const mm_chat *chat = s->req->chat ? s->req->chat : &single;
    if (!s->req->on_text) {
        provider_chat_messages(conn, a->target->model, chat, max_tokens, call, NULL);
        return;
    }
    stream_relay relay = {.s = s};
    mm_copy(relay.serving.account, sizeof relay.serving.account, a->account->name);
    mm_copy(relay.serving.provider, sizeof relay.serving.provider, a->account->provider);
    mm_copy(relay.serving.model, sizeof relay.serving.model, a->target->model);
    relay.serving.priority = a->target->priority;
    mm_stream_sink sink = {.on_text = relay_text,
                           .on_tool_calls = s->req->on_tool_calls ? relay_tool_calls : NULL,
                           .ctx = &relay};
    provider_chat_stream_messages(conn, a->target->model, chat, max_tokens, &sink, call, NULL);
}

static mm_status record_event(send_state *s, mm_usage_event *ev, bool final, mm_error *err)
{
    const router_send_hooks *h = s->req->hooks;
    if (h && h->record)
        return h->record(h->ctx, s->cat, s->reservation, ev, final, err);
    return catalog_admission_record(s->cat, s->reservation, ev, final, err);
}

/* Moves the served call's media answer and units into the result. */
static void take_media(router_send_result *res, mm_call_result *call)
{
    res->images_b64 = call->images_b64;
    res->image_urls = call->image_urls;
    memset(&call->images_b64, 0, sizeof call->images_b64);
    memset(&call->image_urls, 0, sizeof call->image_urls);
    res->media = call->media;
    res->media_len = call->media_len;
    call->media = NULL;
    call->media_len = 0;
    mm_copy(res->media_type, sizeof res->media_type, call->media_type);
    res->images = call->images;
    res->audio_ms = call->audio_ms;
    res->characters = call->characters;
}

/* Sends one admitted attempt and records it. *done when the request is over (served, or a
 * request error to return). */
static mm_status run_attempt(send_state *s, const router_attempt *a, bool last, bool *done,
                             mm_error *err)
{
    const router_send_hooks *h = s->req->hooks;
    mm_account row;
    mm_connection conn;
    char *key = NULL;
    mm_status st;
    if (h && h->connect) {
        st = h->connect(h->ctx, a->account->name, &conn, err);
        conn.timeout_ms = s->req->timeout_ms;
        conn.stream_idle_timeout_ms = s->req->stream_idle_timeout_ms;
    } else {
        key = sodium_malloc(MM_API_KEY_MAX);
        if (!key)
            return mm_error_set(err, MM_E_INTERNAL, "", "out of memory for the API key");
        st = connect_account(s, a, &row, key, &conn, err);
    }
    mm_call_result call;
    memset(&call, 0, sizeof call);
    int64_t started = mm_now_ms();
    if (st == MM_OK && s->req->media)
        provider_media(&conn, a->target->model, s->req->media, &call, NULL);
    else if (st == MM_OK)
        call_provider(s, a, &conn, &call);
    if (key) {
        sodium_memzero(key, MM_API_KEY_MAX);
        sodium_free(key);
    }
    if (st != MM_OK)
        return st;
    int64_t cost = -1;
    bool estimated = false;
    pricing_tokens tokens = charged_tokens(s, &call, &estimated);
    st = attempt_cost(s, a, &tokens, &cost, err);
    /* a stream falls through only before its first byte reached the caller */
    bool falls = !call.ok && router_class_falls_through(call.cls, call.http_status) &&
                 call.streamed_bytes == 0;
    *done = call.ok || !falls;
    if (call.streamed_bytes > 0)
        s->res->streamed = true;
    mm_usage_event ev;
    fill_event(s, a, &call, &tokens, estimated, started, cost, &ev);
    if (st == MM_OK)
        st = record_event(s, &ev, *done || last, err);
    if (st == MM_OK && (*done || last))
        s->reservation = 0;
    note_attempt(s, a, &call);
    if (call.ok) {
        router_send_result *res = s->res;
        res->served = true;
        res->served_index = (int)res->n_attempts - 1;
        res->tokens_in = tokens.in;
        res->tokens_out = tokens.out;
        res->tokens_cache_read = tokens.cache_read;
        res->tokens_cache_write = tokens.cache_write;
        res->tokens_reasoning = call.usage_known ? call.tokens_reasoning : 0;
        res->usage_estimated = estimated;
        res->cost_micros = cost;
        res->output = strdup(call.output ? call.output : "");
        res->tool_calls = call.tool_calls; /* moved to the result */
        call.tool_calls = NULL;
        res->embedding = call.embedding; /* moved to the result */
        res->embedding_dims = call.embedding_dims;
        call.embedding = NULL;
        res->stopped = call.stopped;
        mm_copy(res->finish_reason, sizeof res->finish_reason, call.finish_reason);
        res->first_byte_ms = call.first_byte_ms;
        take_media(res, &call);
    }
    mm_call_result_free(&call);
    return st;
}

static void list_attempts(const router_send_result *res, char *out, size_t outsz)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < res->n_attempts && used + 1 < outsz; i++) {
        const router_attempt_result *r = &res->attempts[i];
        int n = r->skipped
                    ? snprintf(out + used, outsz - used, "%s%s (%s): skipped", i ? "; " : "",
                               r->account, r->model)
                    : snprintf(out + used, outsz - used, "%s%s (%s): %s, HTTP %d, %" PRId64 " ms",
                               i ? "; " : "", r->account, r->model, mm_error_class_name(r->cls),
                               r->http_status, r->latency_ms);
        if (n < 0)
            break;
        used += (size_t)n < outsz - used ? (size_t)n : outsz - used - 1;
    }
}

static mm_status run_plan(send_state *s, mm_error *err)
{
    router_plan *plan = &s->res->plan;
    for (size_t i = 0; i < plan->n_attempts; i++) {
        const router_attempt *a = &plan->attempts[i];
        mm_admission adm;
        mm_status st = admit(s, a, &adm, err);
        if (st != MM_OK)
            return st;
        bool workspace_limit = adm.verdict >= MM_ADMIT_WORKSPACE_RPM &&
                               adm.verdict <= MM_ADMIT_WORKSPACE_MONTHLY_TOKENS;
        if (workspace_limit)
            return refuse_for_workspace(s, &adm, err);
        if (adm.verdict != MM_ADMITTED) {
            note_skipped(s, a, &adm);
            continue;
        }
        bool done = false;
        st = run_attempt(s, a, i + 1 == plan->n_attempts, &done, err);
        if (st != MM_OK || s->res->served)
            return st;
        if (done && s->res->streamed) {
            const router_attempt_result *r = &s->res->attempts[s->res->n_attempts - 1];
            return mm_error_set(err, MM_E_PROVIDER, "",
                                "the stream from %s (%s) broke after it began: %s; a stream "
                                "falls back only before its first byte",
                                r->account, r->model, r->message);
        }
        if (done) {
            const router_attempt_result *r = &s->res->attempts[s->res->n_attempts - 1];
            return mm_error_set(err, MM_E_INVALID, "",
                                "%s refused the request: %s; a request error is returned as "
                                "is, not retried on other targets",
                                r->account, r->message);
        }
    }
    char list[400];
    list_attempts(s->res, list, sizeof list);
    return mm_error_set(err, MM_E_PROVIDER, "", "every target of '%s' failed: %s", s->req->model,
                        list);
}

/* The request must fit the model's type: a chat or embedding model takes text, an image
 * model an image request, an audio model a transcription or speech request. */
static mm_status check_request_type(const router_model *model, const router_send_request *req,
                                    mm_error *err)
{
    const char *wanted = req->media ? provider_media_model_type(req->media->kind) : NULL;
    bool text_model = strcmp(model->type, "chat") == 0 || strcmp(model->type, "embedding") == 0;
    if (!req->media && text_model)
        return MM_OK;
    if (wanted && strcmp(model->type, wanted) == 0)
        return MM_OK;
    const char *asked = !req->media                                  ? "a text"
                        : req->media->kind == MM_MEDIA_IMAGE         ? "an image"
                        : req->media->kind == MM_MEDIA_TRANSCRIPTION ? "a transcription"
                                                                     : "a speech";
    const char *fits = strcmp(model->type, "image") == 0   ? "image requests"
                       : strcmp(model->type, "audio") == 0 ? "transcription and speech requests"
                                                           : "text (chat or embedding) requests";
    return mm_error_set(err, MM_E_INVALID, "model",
                        "model '%s' is %s %s model: it takes %s, not %s request", model->name,
                        strcmp(model->type, "chat") == 0 ? "a" : "an", model->type, fits, asked);
}

/* The plan's snapshot of the request's model and workspace, and the rows of its chain's
 * accounts, in one read transaction with the built-in prices' setting (loaded after it when
 * missing: prices are for costs only, so that never blocks a send). */
static mm_status load_plan(mm_catalog *cat, const router_send_request *req, int64_t now,
                           router_send_result *res, mm_account_list *accounts, mm_error *err)
{
    bool began = false, prices_needed = false;
    mm_status st = catalog_read_begin(cat, &began, err);
    if (st == MM_OK) {
        prices_needed = pricing_builtin_needed(cat);
        router_load_options opts = {.model = req->model,
                                    .workspace = req->workspace,
                                    .accounts = accounts,
                                    .counters_for_limits_only = true};
        st = router_snapshot_load(cat, now, &opts, &res->snapshot, err);
    }
    st = catalog_read_end(cat, began, st, err);
    mm_error ignored;
    if (st == MM_OK && prices_needed)
        pricing_ensure_builtin(cat, &ignored);
    return st;
}

static mm_status send_planned(mm_catalog *cat, const router_send_request *req,
                              router_send_result *res, mm_account_list *accounts, mm_error *err)
{
    mm_error ignored;
    int64_t now = mm_now_ms();
    mm_status st = MM_OK;
    const router_snapshot *snap = req->snapshot;
    if (!snap) {
        st = load_plan(cat, req, now, res, accounts, err);
        if (st != MM_OK)
            return st;
        snap = res->snapshot;
    }
    long mi = router_find_model(snap, req->model);
    const router_model *model = mi >= 0 ? &snap->models[mi] : NULL;
    bool embedding = model && strcmp(model->type, "embedding") == 0;
    if (model && (st = check_request_type(model, req, err)) != MM_OK)
        return st;
    send_state s = {.cat = cat,
                    .req = req,
                    .res = res,
                    .embedding = embedding,
                    .tokens_estimate = estimate_tokens(req, embedding),
                    .accounts = accounts};
    router_request preq = {
        .workspace = req->workspace, .model = req->model, .tokens_estimate = s.tokens_estimate};
    st = router_plan_request(snap, &preq, now, &res->plan);
    if (st != MM_OK)
        return mm_error_set(err, st, "", "%s", res->plan.message);
    st = run_plan(&s, err);
    if (s.reservation != 0 && req->hooks && req->hooks->release)
        req->hooks->release(req->hooks->ctx, cat, s.reservation, &ignored);
    else if (s.reservation != 0)
        catalog_admission_release(cat, s.reservation, &ignored);
    return st;
}

mm_status router_send(mm_catalog *cat, const router_send_request *req, router_send_result *res,
                      mm_error *err)
{
    memset(res, 0, sizeof *res);
    res->served_index = -1;
    res->first_byte_ms = -1;
    res->cost_micros = -1;
    mm_account_list accounts = {0};
    mm_status st = send_planned(cat, req, res, &accounts, err);
    mm_account_list_free(&accounts);
    return st;
}

void router_send_result_free(router_send_result *res)
{
    if (!res)
        return;
    free(res->output);
    res->output = NULL;
    free(res->tool_calls);
    res->tool_calls = NULL;
    free(res->embedding);
    res->embedding = NULL;
    mm_string_list_free(&res->images_b64);
    mm_string_list_free(&res->image_urls);
    free(res->media);
    res->media = NULL;
    res->media_len = 0;
    router_snapshot_free(res->snapshot);
    res->snapshot = NULL;
}
