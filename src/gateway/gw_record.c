/* The gateway's admission and recording hooks for the router: limits admitted in memory against
 * leased slices (gw_lease.c), the exact catalog path when no slice is left, and usage events
 * group-committed with their leases' use by a writer thread (one transaction every 50 ms); a
 * write the catalog refuses is kept and written again (bounded: GW_KEPT_MAX). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway/gw_internal.h"
#include "util/clock.h"

#define LEASED_RESERVATION (-1) /* no catalog reservation: admitted in memory (gw_lease.c) */
#define FLUSH_MS 50
#define LEASE_HOLD_MARGIN_MS 30000 /* as the router holds an exact reservation */
#define QUEUE_MAX 65536            /* events held before writers wait for a flush */
#define TRIM_MS 1000               /* free heap pages go back to the system at most this often */
/* queue arrays up to this many events (~0.6 MB) are kept for the next flush */
#define KEEP_MAX 512
#define STOP_RETRIES 20   /* at stop, kept events are tried again this many times, */
#define STOP_RETRY_MS 100 /* this far apart (2 s in all) */

static bool workspace_limited(const mm_admission_request *r)
{
    return r->workspace_rpm != MM_LIMIT_UNSET || r->workspace_tpm != MM_LIMIT_UNSET ||
           r->workspace_monthly_tokens != MM_LIMIT_UNSET;
}

static bool account_limited(const mm_admission_request *r)
{
    return r->account_rpm != MM_LIMIT_UNSET || r->account_tpm != MM_LIMIT_UNSET ||
           r->account_monthly_cap_micros != MM_LIMIT_UNSET;
}

/* The first attempt's workspace side: by its lease (or no limit); false when no slice is left
 * (the exact path decides). */
static bool admit_workspace(gw_call *call, mm_catalog *cat, const mm_admission_request *req)
{
    if (!workspace_limited(req))
        return true;
    mm_limit_scope scope = {req->workspace,     req->model,         NULL,
                            req->workspace_rpm, req->workspace_tpm, req->workspace_monthly_tokens,
                            MM_LIMIT_UNSET};
    mm_lease_amounts need = {1, req->tokens_estimate > 0 ? req->tokens_estimate : 0, 0};
    gw_admission *a = &call->admission;
    a->workspace = gw_lease_admit(call->gw, cat, &scope, &need, req->now_ms);
    a->workspace_admitted = need;
    return a->workspace != NULL;
}

/* An attempt's account side: by its lease, else an exact account-only reservation. */
static mm_status admit_account(gw_call *call, mm_catalog *cat, const mm_admission_request *req,
                               mm_admission *out, mm_error *err)
{
    if (!account_limited(req))
        return MM_OK;
    mm_limit_scope scope = {NULL,
                            NULL,
                            req->account,
                            req->account_rpm,
                            req->account_tpm,
                            MM_LIMIT_UNSET,
                            req->account_monthly_cap_micros};
    mm_lease_amounts need = {1, req->tokens_estimate > 0 ? req->tokens_estimate : 0,
                             req->cost_estimate_micros > 0 ? req->cost_estimate_micros : 0};
    gw_admission *a = &call->admission;
    a->account = gw_lease_admit(call->gw, cat, &scope, &need, req->now_ms);
    a->account_admitted = need;
    if (a->account)
        return MM_OK;
    mm_admission_request exact = *req;
    exact.account_only = true;
    int64_t id = 0;
    mm_status st = catalog_admit(cat, &exact, &id, out, err);
    a->account_reservation = st == MM_OK && out->verdict == MM_ADMITTED ? id : 0;
    return st;
}

/* A request whose workspace limits are leased (or none) is admitted in memory, each attempt's
 * account by its lease or an exact reservation; one whose workspace has no slice left to lease
 * takes the exact catalog path for all its attempts (*reservation > 0). */
static mm_status hook_admit(void *ctx, mm_catalog *cat, const mm_admission_request *req,
                            int64_t *reservation, mm_admission *out, mm_error *err)
{
    gw_call *call = ctx;
    memset(out, 0, sizeof *out);
    out->verdict = MM_ADMITTED;
    if (*reservation > 0)
        return catalog_admit(cat, req, reservation, out, err);
    if (*reservation == 0) {
        if (!admit_workspace(call, cat, req))
            return catalog_admit(cat, req, reservation, out, err);
        *reservation = LEASED_RESERVATION;
    }
    return admit_account(call, cat, req, out, err);
}

/* Grows the two parallel arrays (events, their lease settlements) to hold need entries,
 * doubling from 256; false when memory ran out (the arrays stay valid at the old capacity). */
static bool grow_pair(mm_admission_record **items, gw_settlement **settlements, size_t *capacity,
                      size_t need)
{
    if (need <= *capacity)
        return true;
    size_t cap = *capacity ? *capacity : 256;
    while (cap < need)
        cap *= 2;
    mm_admission_record *i2 = realloc(*items, cap * sizeof *i2);
    if (i2)
        *items = i2;
    gw_settlement *s2 = realloc(*settlements, cap * sizeof *s2);
    if (s2)
        *settlements = s2;
    if (!i2 || !s2)
        return false;
    *capacity = cap;
    return true;
}

static mm_status grow(gw_recorder *rec)
{
    return grow_pair(&rec->items, &rec->settlements, &rec->capacity, rec->capacity + 1)
               ? MM_OK
               : MM_E_INTERNAL;
}

static mm_status enqueue(gw_recorder *rec, const mm_admission_record *item,
                         const gw_settlement *settle, mm_error *err)
{
    pthread_mutex_lock(&rec->lock);
    while (rec->count >= QUEUE_MAX && !rec->stopping)
        pthread_cond_wait(&rec->drained, &rec->lock);
    if (rec->count == rec->capacity && grow(rec) != MM_OK) {
        pthread_mutex_unlock(&rec->lock);
        return mm_error_set(err, MM_E_INTERNAL, "", "out of memory for usage events");
    }
    rec->settlements[rec->count] = *settle;
    rec->items[rec->count++] = *item;
    pthread_mutex_unlock(&rec->lock);
    return MM_OK;
}

/* Queues the attempt's event with the leases it used: the account's (every attempt), the
 * workspace's (the request's last attempt); the flush writes both in one transaction. On the
 * exact path (reservation > 0) the request's last event ends its reservation in that flush; a
 * fallback's is moved by the next attempt's admission (or released). So a catalog that fails
 * after the admission loses no event: it is kept like any other (GW_KEPT_MAX), and the
 * reservation is ended by its event or expires by itself (hold_ms). */
static mm_status hook_record(void *ctx, mm_catalog *cat, int64_t reservation, mm_usage_event *ev,
                             bool final, mm_error *err)
{
    (void)cat;
    gw_call *call = ctx;
    gw_settlement settle = {0};
    mm_admission_record item = {.event = *ev};
    if (reservation != LEASED_RESERVATION) {
        item.reservation = final ? reservation : 0;
        return enqueue(&call->gw->recorder, &item, &settle, err);
    }
    gw_admission *a = &call->admission;
    item.reservation = a->account_reservation;
    settle.account = a->account;
    settle.account_admitted = a->account_admitted;
    a->account = NULL;
    a->account_reservation = 0;
    if (final) {
        settle.workspace = a->workspace;
        settle.workspace_admitted = a->workspace_admitted;
        a->workspace = NULL;
    }
    return enqueue(&call->gw->recorder, &item, &settle, err);
}

static mm_status hook_release(void *ctx, mm_catalog *cat, int64_t reservation, mm_error *err)
{
    gw_call *call = ctx;
    if (reservation != LEASED_RESERVATION)
        return catalog_admission_release(cat, reservation, err);
    gw_admission *a = &call->admission;
    gw_leases *leases = &call->gw->recorder.leases;
    if (a->workspace)
        gw_lease_undo(leases, a->workspace, &a->workspace_admitted);
    if (a->account)
        gw_lease_undo(leases, a->account, &a->account_admitted);
    mm_status st = MM_OK;
    if (a->account_reservation)
        st = catalog_admission_release(cat, a->account_reservation, err);
    memset(a, 0, sizeof *a);
    return st;
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
    memset(&call->admission, 0, sizeof call->admission);
    call->hooks =
        (router_send_hooks){hook_admit, hook_record, hook_release, hook_connect, hook_cost, call};
    return &call->hooks;
}

/* The writer's trouble with the catalog, said once per trouble (mm_trouble.c). */
static void trouble_log(gateway *gw, size_t kept, const char *message)
{
    char what[128];
    snprintf(what, sizeof what,
             "cannot write usage events (%zu kept, written again once the catalog answers)", kept);
    gw_trouble_log(gw, &gw->recorder.trouble, what, message);
}

static void trouble_over(gateway *gw, size_t written)
{
    double lasted_s;
    if (mm_trouble_over(&gw->recorder.trouble, &lasted_s))
        gw_log(gw, "the catalog takes usage events again; %zu kept events written (after %.1f s)",
               written, lasted_s);
}

/* Settles count events' leases in memory: what was admitted leaves pending, what was used (as the
 * flush set it) leaves the row. */
static void settle_leases(gw_recorder *rec, const mm_admission_record *batch,
                          const gw_settlement *settle, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (settle[i].workspace)
            gw_lease_settle(&rec->leases, settle[i].workspace, &settle[i].workspace_admitted,
                            &batch[i].workspace_used);
        if (settle[i].account)
            gw_lease_settle(&rec->leases, settle[i].account, &settle[i].account_admitted,
                            &batch[i].account_used);
    }
}

/* Gives up count events for good: their leases settle as spent (the rows keep that use until
 * renewed), their exact reservations stay in the catalog until they expire. */
static void give_up(gateway *gw, mm_admission_record *batch, const gw_settlement *settle,
                    size_t count, const char *why)
{
    if (!count)
        return;
    gw_log(gw, "lost %zu usage events (%s)", count, why);
    for (size_t i = 0; i < count; i++) {
        batch[i].workspace_used = settle[i].workspace_admitted;
        batch[i].account_used = settle[i].account_admitted;
    }
    settle_leases(&gw->recorder, batch, settle, count);
}

/* Appends count events after the kept ones; false when memory ran out. */
static bool keep(gw_recorder *rec, const mm_admission_record *items, const gw_settlement *settle,
                 size_t count)
{
    if (!count)
        return true;
    size_t need = rec->kept_count + count;
    if (!grow_pair(&rec->kept_items, &rec->kept_settlements, &rec->kept_capacity, need))
        return false;
    memcpy(rec->kept_items + rec->kept_count, items, count * sizeof *items);
    memcpy(rec->kept_settlements + rec->kept_count, settle, count * sizeof *settle);
    rec->kept_count = need;
    return true;
}

/* Drops the oldest kept events beyond GW_KEPT_MAX, so a long outage does not grow memory. */
static void keep_bounded(gateway *gw)
{
    gw_recorder *rec = &gw->recorder;
    if (rec->kept_count <= GW_KEPT_MAX)
        return;
    size_t drop = rec->kept_count - GW_KEPT_MAX;
    char why[96];
    snprintf(why, sizeof why, "the oldest beyond %d kept while the catalog fails", GW_KEPT_MAX);
    give_up(gw, rec->kept_items, rec->kept_settlements, drop, why);
    rec->kept_unsure = rec->kept_unsure > drop ? rec->kept_unsure - drop : 0;
    memmove(rec->kept_items, rec->kept_items + drop, GW_KEPT_MAX * sizeof *rec->kept_items);
    memmove(rec->kept_settlements, rec->kept_settlements + drop,
            GW_KEPT_MAX * sizeof *rec->kept_settlements);
    rec->kept_count = GW_KEPT_MAX;
}

/* A write that failed: the batch joins the kept events (unless it is among them already) and
 * the trouble is said. transaction (PostgreSQL): the failed write's, which may have committed
 * without its answer reaching us; it held every kept event. Returns 0 (none written). */
static size_t write_failed(gateway *gw, mm_admission_record *batch, gw_settlement *settle,
                           size_t count, int64_t transaction, const mm_error *err)
{
    gw_recorder *rec = &gw->recorder;
    if (count && !keep(rec, batch, settle, count)) {
        give_up(gw, batch, settle, count, "out of memory to keep them");
        return 0;
    }
    if (transaction) {
        rec->kept_transaction = transaction;
        rec->kept_unsure = rec->kept_count;
    }
    keep_bounded(gw);
    trouble_log(gw, rec->kept_count, err->message);
    return 0;
}

/* When the kept events' last write may have committed unanswered (a connection dropped after
 * its COMMIT was sent), asks the catalog whether it did: if so, those events were written (and
 * their leases' use): they are settled and leave the kept ones (*made of them), never written
 * twice. false while that cannot be told (the catalog still fails, the server still commits). */
static bool resolve_unsure(gateway *gw, size_t *made, mm_error *err)
{
    gw_recorder *rec = &gw->recorder;
    *made = 0;
    if (!rec->kept_transaction)
        return true;
    mm_write_outcome outcome;
    if (catalog_write_outcome(rec->cat, rec->kept_transaction, &outcome, err) != MM_OK)
        return false;
    if (outcome == MM_WRITE_RUNNING) {
        mm_error_set(err, MM_E_DB, "", "the catalog's server is still committing a write");
        return false;
    }
    rec->kept_transaction = 0;
    if (outcome != MM_WRITE_DONE)
        return true;
    size_t n = rec->kept_unsure;
    settle_leases(rec, rec->kept_items, rec->kept_settlements, n);
    memmove(rec->kept_items, rec->kept_items + n, (rec->kept_count - n) * sizeof *rec->kept_items);
    memmove(rec->kept_settlements, rec->kept_settlements + n,
            (rec->kept_count - n) * sizeof *rec->kept_settlements);
    rec->kept_count -= n;
    *made = n;
    gw_log(gw,
           "%zu kept usage events were written by a commit whose answer was lost; "
           "not written again",
           n);
    return true;
}

/* Writes the kept events (oldest first), if any, and then the batch, in one transaction (on
 * either engine a failed write is rolled back whole: nothing written, event ids cleared; a
 * COMMIT whose answer was lost is asked about first: resolve_unsure), so a retry never writes
 * an event twice. The batch is kept when the write fails. Returns how many events were written. */
static size_t write_batch(gateway *gw, mm_admission_record *batch, gw_settlement *settle,
                          size_t count)
{
    gw_recorder *rec = &gw->recorder;
    bool from_kept = rec->kept_count > 0;
    if (from_kept && !keep(rec, batch, settle, count)) {
        give_up(gw, batch, settle, count, "out of memory to keep them");
        count = 0;
    }
    mm_error err;
    size_t made = 0;
    if (from_kept && !resolve_unsure(gw, &made, &err))
        return write_failed(gw, NULL, NULL, 0, 0, &err);
    if (from_kept) {
        batch = rec->kept_items;
        settle = rec->kept_settlements;
        count = rec->kept_count;
    }
    for (size_t i = 0; i < count; i++) { /* a lease's row may have changed while kept */
        batch[i].workspace_lease =
            settle[i].workspace ? gw_lease_id(&rec->leases, settle[i].workspace) : 0;
        batch[i].account_lease =
            settle[i].account ? gw_lease_id(&rec->leases, settle[i].account) : 0;
    }
    int64_t transaction = 0;
    if (count && catalog_admission_flush(rec->cat, batch, count, &transaction, &err) != MM_OK)
        return write_failed(gw, from_kept ? NULL : batch, settle, from_kept ? 0 : count,
                            transaction, &err);
    settle_leases(rec, batch, settle, count);
    if (from_kept) {
        rec->kept_count = 0;
        trouble_over(gw, count + made);
        if (rec->kept_capacity > KEEP_MAX) { /* an outage's backlog goes back to the system */
            free(rec->kept_items);
            free(rec->kept_settlements);
            rec->kept_items = NULL;
            rec->kept_settlements = NULL;
            rec->kept_capacity = 0;
        }
    }
    return count + made;
}

/* Takes the queued events and writes them (after any kept) with their leases' use in one
 * transaction, then settles the leases in memory. Returns how many it wrote. */
static size_t flush(gateway *gw)
{
    gw_recorder *rec = &gw->recorder;
    pthread_mutex_lock(&rec->lock);
    mm_admission_record *batch = rec->items;
    gw_settlement *settle = rec->settlements;
    size_t count = rec->count, capacity = rec->capacity;
    rec->items = rec->spare_items;
    rec->settlements = rec->spare_settlements;
    rec->capacity = rec->spare_capacity;
    rec->count = 0;
    pthread_cond_broadcast(&rec->drained);
    pthread_mutex_unlock(&rec->lock);
    size_t written = write_batch(gw, batch, settle, count);
    if (capacity > KEEP_MAX) { /* a backlog's arrays go back to the system */
        free(batch);
        free(settle);
        batch = NULL;
        settle = NULL;
        capacity = 0;
    }
    rec->spare_items = batch; /* the writer's alone until the next flush swaps them in */
    rec->spare_settlements = settle;
    rec->spare_capacity = capacity;
    gw_leases_maintain(gw, rec->cat, mm_now_ms());
    return written;
}

static void *writer_main(void *arg)
{
    gateway *gw = arg;
    size_t since_trim = 0;
    int64_t trimmed_ms = mm_monotonic_ms();
    for (;;) {
        struct timespec pause = {0, FLUSH_MS * 1000000L};
        nanosleep(&pause, NULL);
        bool stopping = atomic_load(&gw->recorder.stopping);
        since_trim += flush(gw);
        if (stopping)
            return NULL;
        if (since_trim > 0 && mm_monotonic_ms() - trimmed_ms >= TRIM_MS) {
            gw_memory_release();
            since_trim = 0;
            trimmed_ms = mm_monotonic_ms();
        }
    }
}

mm_status gw_recorder_start(gateway *gw, mm_error *err)
{
    gw_recorder *rec = &gw->recorder;
    mm_catalog_options opts = {.path = gw->opts.catalog_path,
                               .read_only = false,
                               .create = false,
                               .cache_kib = GW_CATALOG_CACHE_KIB};
    mm_status st = catalog_open(&opts, &rec->cat, err);
    if (st != MM_OK)
        return st;
    pthread_mutex_init(&rec->lock, NULL);
    pthread_cond_init(&rec->drained, NULL);
    long timeout = gw->opts.attempt_timeout_ms > 0 ? gw->opts.attempt_timeout_ms : 30000;
    gw_leases_init(&rec->leases, timeout + LEASE_HOLD_MARGIN_MS);
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
    for (int i = 0; i < STOP_RETRIES && rec->kept_count; i++) { /* the catalog may be coming back */
        struct timespec pause = {0, STOP_RETRY_MS * 1000000L};
        nanosleep(&pause, NULL);
        flush(gw);
    }
    give_up(gw, rec->kept_items, rec->kept_settlements, rec->kept_count,
            "the catalog could not be written before serve stopped");
    gw_leases_free(gw, rec->cat);
    free(rec->items);
    free(rec->settlements);
    free(rec->spare_items);
    free(rec->spare_settlements);
    free(rec->kept_items);
    free(rec->kept_settlements);
    catalog_close(rec->cat);
    pthread_mutex_destroy(&rec->lock);
    pthread_cond_destroy(&rec->drained);
}
