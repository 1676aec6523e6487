/* The gateway's admission and recording hooks for the router: requests that no limit applies to
 * skip the catalog's admit/record transactions and their usage events are written in batches
 * (one transaction per flush, every 50 ms); any limited attempt takes the exact catalog path. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway/gw_internal.h"

#define UNLIMITED_RESERVATION (-1) /* no catalog reservation: the request has no limit */
#define FLUSH_MS 50
#define QUEUE_MAX 65536 /* events held before writers wait for a flush */

static bool no_limit(const mm_admission_request *r)
{
    return r->workspace_rpm == MM_LIMIT_UNSET && r->workspace_tpm == MM_LIMIT_UNSET &&
           r->workspace_monthly_tokens == MM_LIMIT_UNSET && r->account_rpm == MM_LIMIT_UNSET &&
           r->account_tpm == MM_LIMIT_UNSET && r->account_monthly_cap_micros == MM_LIMIT_UNSET;
}

static mm_status hook_admit(void *ctx, mm_catalog *cat, const mm_admission_request *req,
                            int64_t *reservation, mm_admission *out, mm_error *err)
{
    (void)ctx;
    if (*reservation <= 0 && no_limit(req)) {
        memset(out, 0, sizeof *out);
        out->verdict = MM_ADMITTED;
        *reservation = UNLIMITED_RESERVATION;
        return MM_OK;
    }
    if (*reservation == UNLIMITED_RESERVATION)
        *reservation = 0; /* a limited fallback: a fresh, exact reservation */
    return catalog_admit(cat, req, reservation, out, err);
}

static mm_status enqueue(gw_recorder *rec, const mm_usage_event *ev, mm_error *err)
{
    pthread_mutex_lock(&rec->lock);
    while (rec->count >= QUEUE_MAX && !rec->stopping)
        pthread_cond_wait(&rec->drained, &rec->lock);
    if (rec->count == rec->capacity) {
        size_t cap = rec->capacity ? rec->capacity * 2 : 256;
        mm_usage_event *items = realloc(rec->items, cap * sizeof *items);
        if (!items) {
            pthread_mutex_unlock(&rec->lock);
            return mm_error_set(err, MM_E_INTERNAL, "", "out of memory for usage events");
        }
        rec->items = items;
        rec->capacity = cap;
    }
    rec->items[rec->count++] = *ev;
    pthread_mutex_unlock(&rec->lock);
    return MM_OK;
}

static mm_status hook_record(void *ctx, mm_catalog *cat, int64_t reservation, mm_usage_event *ev,
                             bool final, mm_error *err)
{
    gateway *gw = ((gw_call *)ctx)->gw;
    if (reservation == UNLIMITED_RESERVATION)
        return enqueue(&gw->recorder, ev, err);
    return catalog_admission_record(cat, reservation, ev, final, err);
}

static mm_status hook_release(void *ctx, mm_catalog *cat, int64_t reservation, mm_error *err)
{
    (void)ctx;
    if (reservation == UNLIMITED_RESERVATION)
        return MM_OK;
    return catalog_admission_release(cat, reservation, err);
}

static mm_status hook_connect(void *ctx, const char *account, mm_connection *conn, mm_error *err)
{
    return gw_view_connect(((gw_call *)ctx)->view, account, conn, err);
}

static mm_status hook_cost(void *ctx, mm_catalog *cat, const char *provider, const char *model,
                           const pricing_tokens *tokens, int64_t *cost, mm_error *err)
{
    (void)cat;
    (void)err;
    const mm_price *price = gw_view_price(((gw_call *)ctx)->view, provider, model);
    *cost = price ? pricing_cost_tokens(price, tokens) : -1;
    return MM_OK;
}

const router_send_hooks *gw_send_hooks(gw_call *call)
{
    call->hooks =
        (router_send_hooks){hook_admit, hook_record, hook_release, hook_connect, hook_cost, call};
    return &call->hooks;
}

/* Takes the queued events and writes them in one transaction. */
static void flush(gateway *gw)
{
    gw_recorder *rec = &gw->recorder;
    pthread_mutex_lock(&rec->lock);
    mm_usage_event *batch = rec->items;
    size_t count = rec->count;
    rec->items = NULL;
    rec->count = rec->capacity = 0;
    pthread_cond_broadcast(&rec->drained);
    pthread_mutex_unlock(&rec->lock);
    mm_error err;
    if (count && catalog_usage_insert_batch(rec->cat, batch, count, &err) != MM_OK)
        gw_log(gw, "lost %zu usage events: %s", count, err.message);
    free(batch);
}

static void *writer_main(void *arg)
{
    gateway *gw = arg;
    for (;;) {
        struct timespec pause = {0, FLUSH_MS * 1000000L};
        nanosleep(&pause, NULL);
        bool stopping = atomic_load(&gw->recorder.stopping);
        flush(gw);
        if (stopping)
            return NULL;
    }
}

mm_status gw_recorder_start(gateway *gw, mm_error *err)
{
    gw_recorder *rec = &gw->recorder;
    mm_catalog_options opts = {.path = gw->opts.catalog_path, .read_only = false, .create = false};
    mm_status st = catalog_open(&opts, &rec->cat, err);
    if (st != MM_OK)
        return st;
    pthread_mutex_init(&rec->lock, NULL);
    pthread_cond_init(&rec->drained, NULL);
    if (pthread_create(&rec->writer, NULL, writer_main, gw) != 0) {
        catalog_close(rec->cat);
        return mm_error_set(err, MM_E_INTERNAL, "", "cannot start the usage writer thread");
    }
    return MM_OK;
}

void gw_recorder_stop(gateway *gw)
{
    gw_recorder *rec = &gw->recorder;
    atomic_store(&rec->stopping, true);
    pthread_join(rec->writer, NULL);
    flush(gw);
    catalog_close(rec->cat);
    pthread_mutex_destroy(&rec->lock);
    pthread_cond_destroy(&rec->drained);
}
