/* Admission leases: a reservation row holding a slice of one scope's limits for one process
 * (taken, renewed, returned), and the group commit that records usage against those rows. */
#include <string.h>

#include "catalog/admission.h"
#include "catalog/catalog_internal.h"
#include "util/process.h"

/* 1/MM_LEASE_FRACTION of what is left of limit; *ok false when that is under
 * MM_LEASE_MIN_SHARE times need (or nothing). An unset limit leases nothing and is always ok. */
static int64_t slice_of(int64_t limit, int64_t used, int64_t need, bool *ok)
{
    if (limit == MM_LIMIT_UNSET)
        return 0;
    int64_t left = limit - used;
    int64_t slice = left > 0 ? left / MM_LEASE_FRACTION : 0;
    if (slice < 1 || slice < (need > 0 ? need : 1) * MM_LEASE_MIN_SHARE)
        *ok = false;
    return slice;
}

/* The smaller of two token slices, either possibly unset (0 with an unset limit). */
static int64_t tighter(int64_t a_limit, int64_t a, int64_t b_limit, int64_t b)
{
    if (a_limit == MM_LIMIT_UNSET)
        return b;
    if (b_limit == MM_LIMIT_UNSET)
        return a;
    return a < b ? a : b;
}

static mm_status slice_for(mm_catalog *cat, const mm_limit_scope *s, const mm_lease_amounts *need,
                           int64_t now_ms, mm_lease_amounts *slice, bool *ok, mm_error *err)
{
    mm_usage_counters c;
    bool account = s->workspace == NULL;
    mm_status st = account
                       ? catalog_account_counters(cat, s->account, now_ms,
                                                  s->monthly_cap_micros != MM_LIMIT_UNSET, &c, err)
                       : catalog_workspace_counters(cat, s->workspace, s->model, now_ms,
                                                    s->monthly_tokens != MM_LIMIT_UNSET, &c, err);
    if (st != MM_OK)
        return st;
    *ok = true;
    slice->requests = slice_of(s->rpm, c.requests_window, 1, ok);
    int64_t per_minute = slice_of(s->tpm, c.tokens_window, need->tokens, ok);
    int64_t monthly = account ? 0 : slice_of(s->monthly_tokens, c.tokens_month, need->tokens, ok);
    slice->tokens =
        tighter(s->tpm, per_minute, account ? MM_LIMIT_UNSET : s->monthly_tokens, monthly);
    slice->cost_micros =
        account ? slice_of(s->monthly_cap_micros, c.cost_month_micros, need->cost_micros, ok) : 0;
    return MM_OK;
}

/* Writes the row: an UPDATE of *id, or an INSERT (setting *id) when there is none or it was
 * dropped meanwhile (expired). */
static mm_status write_row(mm_catalog *cat, const mm_limit_scope *s, const mm_lease_amounts *a,
                           int64_t now_ms, int64_t expires_ms, int64_t *id, mm_error *err)
{
    db_stmt *stmt;
    if (*id > 0) {
        mm_status st = catalog_lease_set(cat, *id, a, expires_ms, err);
        if (st == MM_OK)
            st = cat_prepare(cat, "SELECT 1 FROM router_reservations WHERE id = ?1", &stmt, err);
        if (st != MM_OK)
            return st;
        db_bind_int64(stmt, 1, *id);
        bool found = db_step(stmt) == DB_ROW;
        db_finalize(stmt);
        if (found)
            return MM_OK;
    }
    mm_status st;
    st = cat_prepare(cat,
                     "INSERT INTO router_reservations (ts_ms, expires_ms, workspace, model, "
                     "account, requests, tokens, cost_micros, holder_pid, holder_start, "
                     "holder_boot) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
                     "RETURNING id",
                     &stmt, err);
    if (st != MM_OK)
        return st;
    mm_process_identity self;
    mm_process_self(&self);
    bool account = s->workspace == NULL;
    db_bind_int64(stmt, 1, now_ms);
    db_bind_int64(stmt, 2, expires_ms);
    cat_bind_text(stmt, 3, account ? "" : s->workspace);
    cat_bind_text(stmt, 4, account ? "" : s->model);
    cat_bind_text(stmt, 5, account ? s->account : "");
    db_bind_int64(stmt, 6, a->requests);
    db_bind_int64(stmt, 7, a->tokens);
    db_bind_int64(stmt, 8, a->cost_micros);
    db_bind_int64(stmt, 9, self.pid);
    db_bind_int64(stmt, 10, self.start_ticks);
    cat_bind_text(stmt, 11, self.boot_id);
    return cat_step_insert(cat, stmt, "taking a lease on a limit", id, err);
}

static mm_status take_locked(mm_catalog *cat, const mm_limit_scope *s, const mm_lease_amounts *keep,
                             const mm_lease_amounts *need, int64_t now_ms, int64_t hold_ms,
                             int64_t *id, mm_lease_amounts *row, bool *granted, mm_error *err)
{
    mm_status st = cat_exec_int(cat, "DELETE FROM router_reservations WHERE expires_ms <= ?1",
                                now_ms, "dropping expired reservations", err);
    *row = *keep;
    if (st == MM_OK && *id > 0)
        st = catalog_lease_set(cat, *id, keep, now_ms + hold_ms, err);
    mm_lease_amounts slice = {0};
    if (st == MM_OK)
        st = slice_for(cat, s, need, now_ms, &slice, granted, err);
    if (st != MM_OK || !*granted)
        return st;
    row->requests += slice.requests;
    row->tokens += slice.tokens;
    row->cost_micros += slice.cost_micros;
    return write_row(cat, s, row, now_ms, now_ms + hold_ms, id, err);
}

mm_status catalog_lease_take(mm_catalog *cat, const mm_limit_scope *scope,
                             const mm_lease_amounts *keep, const mm_lease_amounts *need,
                             int64_t now_ms, int64_t hold_ms, int64_t *id, mm_lease_amounts *row,
                             bool *granted, mm_error *err)
{
    *granted = false;
    mm_status st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    st = take_locked(cat, scope, keep, need, now_ms, hold_ms, id, row, granted, err);
    if (st != MM_OK)
        *granted = false;
    return cat_end(cat, st, err);
}

mm_status catalog_lease_set(mm_catalog *cat, int64_t id, const mm_lease_amounts *amounts,
                            int64_t expires_ms, mm_error *err)
{
    if (expires_ms == 0)
        return cat_exec_int(cat, "DELETE FROM router_reservations WHERE id = ?1", id,
                            "returning a lease", err);
    db_stmt *stmt;
    mm_status st = cat_prepare(cat,
                               "UPDATE router_reservations SET requests = ?2, tokens = ?3, "
                               "cost_micros = ?4, expires_ms = ?5 WHERE id = ?1",
                               &stmt, err);
    if (st != MM_OK)
        return st;
    db_bind_int64(stmt, 1, id);
    db_bind_int64(stmt, 2, amounts->requests);
    db_bind_int64(stmt, 3, amounts->tokens);
    db_bind_int64(stmt, 4, amounts->cost_micros);
    db_bind_int64(stmt, 5, expires_ms);
    return cat_step_done(cat, stmt, "renewing a lease", err);
}

/* Lowers lease row id by used (each column at least 0). */
static mm_status use_lease(mm_catalog *cat, int64_t id, const mm_lease_amounts *used, mm_error *err)
{
    if (id <= 0)
        return MM_OK;
    db_stmt *stmt;
    mm_status st = cat_prepare(
        cat,
        "UPDATE router_reservations SET "
        "requests = CASE WHEN requests > ?2 THEN requests - ?2 ELSE 0 END, "
        "tokens = CASE WHEN tokens > ?3 THEN tokens - ?3 ELSE 0 END, "
        "cost_micros = CASE WHEN cost_micros > ?4 THEN cost_micros - ?4 ELSE 0 END WHERE id = ?1",
        &stmt, err);
    if (st != MM_OK)
        return st;
    db_bind_int64(stmt, 1, id);
    db_bind_int64(stmt, 2, used->requests);
    db_bind_int64(stmt, 3, used->tokens);
    db_bind_int64(stmt, 4, used->cost_micros);
    return cat_step_done(cat, stmt, "using a lease", err);
}

typedef struct flush_ctx {
    cat_batch events; /* the records' events */
    mm_admission_record *records;
    int64_t *transaction; /* set to the transaction's id on PostgreSQL */
} flush_ctx;

/* The events in one insert, then each record's leases and reservation. */
static mm_status flush_locked(mm_catalog *cat, void *ctx, mm_error *err)
{
    const flush_ctx *f = ctx;
    mm_admission_record *records = f->records;
    mm_status st = cat_write_transaction(cat, f->transaction, err);
    if (st == MM_OK)
        st = cat_usage_insert_rows(cat, f->events.first, f->events.stride, f->events.count, err);
    for (size_t i = 0; i < f->events.count && st == MM_OK; i++) {
        mm_admission_record *r = &records[i];
        const mm_usage_event *ev = &r->event;
        int64_t tokens = ev->tokens_in + ev->tokens_out;
        bool served = cat_usage_is_served(ev->outcome, ev->http_status);
        r->account_used = (mm_lease_amounts){1, tokens, ev->cost_micros > 0 ? ev->cost_micros : 0};
        r->workspace_used = served ? (mm_lease_amounts){1, tokens, 0} : (mm_lease_amounts){0};
        if (!r->account_lease)
            r->account_used = (mm_lease_amounts){0};
        if (!r->workspace_lease)
            r->workspace_used = (mm_lease_amounts){0};
        st = use_lease(cat, r->workspace_lease, &r->workspace_used, err);
        if (st == MM_OK)
            st = use_lease(cat, r->account_lease, &r->account_used, err);
        if (st == MM_OK && r->reservation > 0)
            st = cat_exec_int(cat, "DELETE FROM router_reservations WHERE id = ?1", r->reservation,
                              "ending a reservation", err);
    }
    return st;
}

mm_status catalog_admission_flush(mm_catalog *cat, mm_admission_record *records, size_t count,
                                  int64_t *transaction, mm_error *err)
{
    *transaction = 0;
    flush_ctx f = {.events = {.first = count ? &records[0].event : NULL,
                              .stride = sizeof *records,
                              .count = count},
                   .records = records,
                   .transaction = transaction};
    return cat_write_batch(cat, &f.events, flush_locked, &f, err);
}
