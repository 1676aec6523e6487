/* Router admission over SQLite: usage counters for limits, latest outcomes for cool-downs, and
 * the reservations table that makes "count, judge, reserve" one atomic step across processes. */
#include "catalog/admission.h"

#include <string.h>

#include "catalog/catalog_internal.h"
#include "util/clock.h"
#include "util/money.h"
#include "util/process.h"
#include "util/text.h"

/* What a workspace was served: successes, and request errors returned to it (408 excepted: the
 * router falls through on it). The rollups count the same (cat_usage_is_served). */
#define SERVED_SQL "(outcome = 'ok' OR (outcome = 'bad_request' AND http_status <> 408))"

/* Runs a query binding (text a, text b or none, int64 since, int64 now, int64 month start
 * when month_from > 0) whose one row is cols[0..n); fills them. */
static mm_status query_sums(mm_catalog *cat, const char *sql, const char *a, const char *b,
                            int64_t since, int64_t now, int64_t month_from, int64_t *cols, int n,
                            mm_error *err)
{
    db_stmt *stmt;
    mm_status st = cat_prepare(cat, sql, &stmt, err);
    if (st != MM_OK)
        return st;
    int i = 1;
    cat_bind_text(stmt, i++, a);
    if (b)
        cat_bind_text(stmt, i++, b);
    db_bind_int64(stmt, i++, since);
    db_bind_int64(stmt, i++, now);
    if (month_from > 0)
        db_bind_int64(stmt, i, month_from);
    int rc = db_step(stmt);
    if (rc == DB_ROW) {
        for (int col = 0; col < n; col++)
            cols[col] = db_column_int64(stmt, col);
    } else {
        st = cat_db_error(cat, "counting usage for the router", err);
    }
    db_finalize(stmt);
    return st;
}

/* Reservations (count, tokens, oldest, cost) count as used in every counter. */
static void add_reserved(mm_usage_counters *out, const int64_t reserved[4])
{
    out->requests_window += reserved[0];
    out->tokens_window += reserved[1];
    out->tokens_month += reserved[1];
    out->cost_month_micros += reserved[3];
    if (reserved[0] > 0 && (out->window_oldest_ms == 0 || reserved[2] < out->window_oldest_ms))
        out->window_oldest_ms = reserved[2];
}

/* The query behind one scope's window, reservations and (with_month) month-to-date sums, in one
 * statement (one round trip on PostgreSQL): it binds ?1 name, ?2 model (workspaces only), then
 * the window's start, now and the month's start, and returns the window's (count, tokens,
 * oldest), the live reservations' (count, tokens, oldest, cost), then the month's (tokens, cost)
 * from the day rollups. */
typedef struct counter_scope {
    const char *counters_sql, *month_sql;
    const char *name, *model; /* model NULL for an account */
} counter_scope;

#define RESERVED_SUMS                                                                              \
    "SELECT coalesce(sum(requests), 0) AS requests, coalesce(sum(tokens), 0) AS tokens, "          \
    "coalesce(min(ts_ms), 0) AS oldest, "
#define WINDOW_SUMS                                                                                \
    "SELECT count(*) AS requests, coalesce(sum(tokens_in + tokens_out), 0) AS tokens, "            \
    "coalesce(min(ts_ms), 0) AS oldest FROM usage_events "
#define BOTH_SUMS "SELECT w.requests, w.tokens, w.oldest, r.requests, r.tokens, r.oldest, r.cost"
#define ACCOUNT_FROM                                                                               \
    " FROM (" WINDOW_SUMS "WHERE account = ?1 AND kind = 'request' AND ts_ms > ?2) w, "            \
    "(" RESERVED_SUMS "coalesce(sum(cost_micros), 0) AS cost FROM router_reservations "            \
    "WHERE account = ?1 AND expires_ms > ?3) r"
#define ACCOUNT_MONTH                                                                              \
    ", (SELECT coalesce(sum(tokens_in + tokens_out), 0) AS tokens, "                               \
    "coalesce(sum(cost_micros), 0) AS cost FROM usage_rollup_day WHERE scope = 'account' AND "     \
    "name = ?1 AND model = '' AND start_ms >= ?4 AND kind = 'request') m"
static const char ACCOUNT_COUNTERS[] = BOTH_SUMS ACCOUNT_FROM;
static const char ACCOUNT_COUNTERS_MONTH[] =
    BOTH_SUMS ", m.tokens, m.cost" ACCOUNT_FROM ACCOUNT_MONTH;
/* a workspace's limits are in tokens: its reservations' cost is the accounts' */
#define WORKSPACE_FROM                                                                             \
    " FROM (" WINDOW_SUMS "WHERE workspace = ?1 AND model = ?2 AND kind = 'request' AND "          \
    "ts_ms > ?3 AND " SERVED_SQL ") w, "                                                           \
    "(" RESERVED_SUMS "0 AS cost FROM router_reservations WHERE workspace = ?1 AND "               \
    "model = ?2 AND expires_ms > ?4) r"
#define WORKSPACE_MONTH                                                                            \
    ", (SELECT coalesce(sum(served_tokens), 0) AS tokens, "                                        \
    "coalesce(sum(served_cost_micros), 0) AS cost FROM usage_rollup_day WHERE "                    \
    "scope = 'workspace' AND name = ?1 AND model = ?2 AND start_ms >= ?5 AND kind = 'request') m"
static const char WORKSPACE_COUNTERS[] = BOTH_SUMS WORKSPACE_FROM;
static const char WORKSPACE_COUNTERS_MONTH[] =
    BOTH_SUMS ", m.tokens, m.cost" WORKSPACE_FROM WORKSPACE_MONTH;

/* PostgreSQL: admission's first counters query also drops the expired reservations (a
 * data-modifying WITH, no round trip of its own; the sums skip expired rows either way). ?3 is
 * now for an account, ?4 for a workspace. */
#define DROP_EXPIRED "WITH dropped AS (DELETE FROM router_reservations WHERE expires_ms <= ?%d) "

static mm_status scope_counters(mm_catalog *cat, const counter_scope *s, int64_t now_ms,
                                bool with_month, bool drop_expired, mm_usage_counters *out,
                                mm_error *err)
{
    memset(out, 0, sizeof *out);
    int64_t sums[9] = {0};
    char sql[2048] = "";
    if (drop_expired)
        snprintf(sql, sizeof sql, DROP_EXPIRED, s->model ? 4 : 3);
    size_t used = strlen(sql);
    snprintf(sql + used, sizeof sql - used, "%s", with_month ? s->month_sql : s->counters_sql);
    /* events of the open transaction count too (the month's sums are the rollups') */
    mm_status st = with_month && !cat_rollup_is_empty(cat) ? cat_rollup_flush(cat, err) : MM_OK;
    if (st == MM_OK)
        st = query_sums(cat, sql, s->name, s->model, now_ms - MM_ADMISSION_WINDOW_MS, now_ms,
                        with_month ? mm_month_start_ms(now_ms) : 0, sums, with_month ? 9 : 7, err);
    out->requests_window = sums[0];
    out->tokens_window = sums[1];
    out->window_oldest_ms = sums[2];
    out->tokens_month = sums[7];
    out->cost_month_micros = sums[8];
    if (st == MM_OK)
        add_reserved(out, sums + 3);
    return st;
}

static mm_status account_counters(mm_catalog *cat, const char *account, int64_t now_ms,
                                  bool with_month, bool drop_expired, mm_usage_counters *out,
                                  mm_error *err)
{
    const counter_scope s = {ACCOUNT_COUNTERS, ACCOUNT_COUNTERS_MONTH, account, NULL};
    return scope_counters(cat, &s, now_ms, with_month, drop_expired, out, err);
}

static mm_status workspace_counters(mm_catalog *cat, const char *workspace, const char *model,
                                    int64_t now_ms, bool with_month, bool drop_expired,
                                    mm_usage_counters *out, mm_error *err)
{
    const counter_scope s = {WORKSPACE_COUNTERS, WORKSPACE_COUNTERS_MONTH, workspace, model};
    return scope_counters(cat, &s, now_ms, with_month, drop_expired, out, err);
}

mm_status catalog_account_counters(mm_catalog *cat, const char *account, int64_t now_ms,
                                   bool with_month, mm_usage_counters *out, mm_error *err)
{
    return account_counters(cat, account, now_ms, with_month, false, out, err);
}

mm_status catalog_workspace_counters(mm_catalog *cat, const char *workspace, const char *model,
                                     int64_t now_ms, bool with_month, mm_usage_counters *out,
                                     mm_error *err)
{
    return workspace_counters(cat, workspace, model, now_ms, with_month, false, out, err);
}

mm_status catalog_recent_outcomes(mm_catalog *cat, const char *account, mm_recent_outcome *out,
                                  size_t max, size_t *count, mm_error *err)
{
    *count = 0;
    db_stmt *stmt;
    mm_status st = cat_prepare(cat,
                               "SELECT outcome, http_status, ts_ms, retry_after_ms "
                               "FROM usage_events WHERE account = ?1 AND kind = 'request' "
                               "ORDER BY ts_ms DESC, id DESC LIMIT ?2",
                               &stmt, err);
    if (st != MM_OK)
        return st;
    cat_bind_text(stmt, 1, account);
    db_bind_int64(stmt, 2, (int64_t)max);
    int rc;
    while ((rc = db_step(stmt)) == DB_ROW && *count < max) {
        mm_recent_outcome *o = &out[(*count)++];
        cat_column_copy(stmt, 0, o->outcome, sizeof o->outcome);
        o->http_status = (int)db_column_int64(stmt, 1);
        o->ts_ms = db_column_int64(stmt, 2);
        o->retry_after_ms = db_column_int64(stmt, 3);
    }
    if (rc != DB_ROW && rc != DB_DONE)
        st = cat_db_error(cat, "reading an account's latest requests", err);
    db_finalize(stmt);
    return st;
}

static int64_t window_frees_at(const mm_usage_counters *c, int64_t now_ms)
{
    int64_t at = c->window_oldest_ms > 0 ? c->window_oldest_ms + MM_ADMISSION_WINDOW_MS : 0;
    return at > now_ms ? at : now_ms + 1000;
}

static bool over(int64_t limit, int64_t used, int64_t more)
{
    return limit != MM_LIMIT_UNSET && (used >= limit || used + more > limit);
}

/* A refused verdict keeps the counters that decided it and when it frees: the monthly verdict
 * on the first of next month, a per-minute one when its oldest counted request is a minute old. */
static void note_refusal(mm_admission *out, const mm_usage_counters *c,
                         mm_admission_verdict monthly_verdict, int64_t now_ms)
{
    if (out->verdict == MM_ADMITTED)
        return;
    out->counters = *c;
    out->frees_at_ms = out->verdict == monthly_verdict ? mm_next_month_start_ms(now_ms)
                                                       : window_frees_at(c, now_ms);
}

/* A scope none of whose limits is set admits whatever its counters say: they are not read,
 * unless the query has the expired reservations to drop (PostgreSQL's first, DROP_EXPIRED). */
static bool unlimited(int64_t a, int64_t b, int64_t c, bool drop_expired)
{
    return a == MM_LIMIT_UNSET && b == MM_LIMIT_UNSET && c == MM_LIMIT_UNSET && !drop_expired;
}

static mm_status judge_workspace(mm_catalog *cat, const mm_admission_request *req,
                                 bool drop_expired, mm_admission *out, mm_error *err)
{
    if (unlimited(req->workspace_rpm, req->workspace_tpm, req->workspace_monthly_tokens,
                  drop_expired))
        return MM_OK;
    mm_usage_counters c;
    mm_status st =
        workspace_counters(cat, req->workspace, req->model, req->now_ms,
                           req->workspace_monthly_tokens != MM_LIMIT_UNSET, drop_expired, &c, err);
    if (st != MM_OK)
        return st;
    int64_t est = req->tokens_estimate > 0 ? req->tokens_estimate : 0;
    if (over(req->workspace_rpm, c.requests_window, 1))
        out->verdict = MM_ADMIT_WORKSPACE_RPM;
    else if (over(req->workspace_tpm, c.tokens_window, est))
        out->verdict = MM_ADMIT_WORKSPACE_TPM;
    else if (over(req->workspace_monthly_tokens, c.tokens_month, est))
        out->verdict = MM_ADMIT_WORKSPACE_MONTHLY_TOKENS;
    note_refusal(out, &c, MM_ADMIT_WORKSPACE_MONTHLY_TOKENS, req->now_ms);
    return MM_OK;
}

static mm_status judge_account(mm_catalog *cat, const mm_admission_request *req, bool drop_expired,
                               mm_admission *out, mm_error *err)
{
    if (unlimited(req->account_rpm, req->account_tpm, req->account_monthly_cap_micros,
                  drop_expired))
        return MM_OK;
    mm_usage_counters c;
    mm_status st =
        account_counters(cat, req->account, req->now_ms,
                         req->account_monthly_cap_micros != MM_LIMIT_UNSET, drop_expired, &c, err);
    if (st != MM_OK)
        return st;
    int64_t est = req->tokens_estimate > 0 ? req->tokens_estimate : 0;
    if (over(req->account_rpm, c.requests_window, 1))
        out->verdict = MM_ADMIT_ACCOUNT_RPM;
    else if (over(req->account_tpm, c.tokens_window, est))
        out->verdict = MM_ADMIT_ACCOUNT_TPM;
    else if (money_cap_reached(c.cost_month_micros, req->account_monthly_cap_micros))
        out->verdict = MM_ADMIT_ACCOUNT_SPEND_CAP;
    note_refusal(out, &c, MM_ADMIT_ACCOUNT_SPEND_CAP, req->now_ms);
    return MM_OK;
}

/* A new reservation, or a request's reservation moved to the next attempt's account (with
 * that attempt's cost), held by this process. */
static mm_status reserve(mm_catalog *cat, const mm_admission_request *req, int64_t *reservation,
                         mm_error *err)
{
    db_stmt *stmt;
    bool fresh = *reservation == 0;
    mm_status st = cat_prepare(
        cat,
        fresh ? "INSERT INTO router_reservations (ts_ms, expires_ms, workspace, model, account, "
                "tokens, cost_micros, holder_pid, holder_start, holder_boot) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?8, ?9, ?10, ?11) RETURNING id"
              : "UPDATE router_reservations SET ts_ms = ?1, expires_ms = ?2, account = ?5, "
                "cost_micros = ?8, holder_pid = ?9, holder_start = ?10, holder_boot = ?11 "
                "WHERE id = ?7",
        &stmt, err);
    if (st != MM_OK)
        return st;
    mm_process_identity self;
    mm_process_self(&self);
    db_bind_int64(stmt, 1, req->now_ms);
    db_bind_int64(stmt, 2, req->now_ms + (req->hold_ms > 0 ? req->hold_ms : 60000));
    if (fresh) {
        cat_bind_text(stmt, 3, req->account_only ? "" : req->workspace);
        cat_bind_text(stmt, 4, req->account_only ? "" : req->model);
        db_bind_int64(stmt, 6, req->tokens_estimate > 0 ? req->tokens_estimate : 0);
    } else {
        db_bind_int64(stmt, 7, *reservation);
    }
    cat_bind_text(stmt, 5, req->account);
    db_bind_int64(stmt, 8, req->cost_estimate_micros > 0 ? req->cost_estimate_micros : 0);
    db_bind_int64(stmt, 9, self.pid);
    db_bind_int64(stmt, 10, self.start_ticks);
    cat_bind_text(stmt, 11, self.boot_id);
    if (fresh)
        return cat_step_insert(cat, stmt, "reserving a request", reservation, err);
    return cat_step_done(cat, stmt, "reserving a request", err);
}

static mm_status admit_locked(mm_catalog *cat, const mm_admission_request *req,
                              int64_t *reservation, mm_admission *out, mm_error *err)
{
    /* expired reservations go first: by their own statement on SQLite (no round trip), by the
     * first counters query on PostgreSQL (DROP_EXPIRED) */
    bool with_query = db_kind_of(cat->db) == DB_POSTGRES;
    mm_status st = with_query
                       ? MM_OK
                       : cat_exec_int(cat, "DELETE FROM router_reservations WHERE expires_ms <= ?1",
                                      req->now_ms, "dropping expired reservations", err);
    bool workspace_first = *reservation == 0 && !req->account_only;
    if (st == MM_OK && workspace_first)
        st = judge_workspace(cat, req, with_query, out, err);
    if (st == MM_OK && out->verdict == MM_ADMITTED)
        st = judge_account(cat, req, with_query && !workspace_first, out, err);
    if (st == MM_OK && out->verdict == MM_ADMITTED)
        st = reserve(cat, req, reservation, err);
    return st;
}

mm_status catalog_admit(mm_catalog *cat, const mm_admission_request *req, int64_t *reservation,
                        mm_admission *out, mm_error *err)
{
    memset(out, 0, sizeof *out);
    mm_status st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    return cat_end(cat, admit_locked(cat, req, reservation, out, err), err);
}

static mm_status count_ended(db_stmt *stmt, int64_t *count, int64_t *until_ms)
{
    int rc;
    while ((rc = db_step(stmt)) == DB_ROW) {
        mm_process_identity holder = {.pid = db_column_int64(stmt, 0),
                                      .start_ticks = db_column_int64(stmt, 1)};
        db_column_copy(stmt, 2, holder.boot_id, sizeof holder.boot_id);
        if (mm_process_state_of(&holder) != MM_PROCESS_ENDED)
            continue;
        (*count)++;
        int64_t expires = db_column_int64(stmt, 3);
        if (expires > *until_ms)
            *until_ms = expires;
    }
    return rc == DB_DONE ? MM_OK : MM_E_DB;
}

mm_status catalog_reservations_ended(mm_catalog *cat, const char *account, const char *workspace,
                                     const char *model, int64_t now_ms, int64_t *count,
                                     int64_t *until_ms, mm_error *err)
{
    *count = 0;
    *until_ms = 0;
    db_stmt *stmt;
    mm_status st = cat_prepare(cat,
                               account ? "SELECT holder_pid, holder_start, holder_boot, expires_ms "
                                         "FROM router_reservations WHERE account = ?1 "
                                         "AND expires_ms > ?3"
                                       : "SELECT holder_pid, holder_start, holder_boot, expires_ms "
                                         "FROM router_reservations WHERE workspace = ?1 "
                                         "AND model = ?2 AND expires_ms > ?3",
                               &stmt, err);
    if (st != MM_OK)
        return st;
    cat_bind_text(stmt, 1, account ? account : workspace);
    cat_bind_text(stmt, 2, model);
    db_bind_int64(stmt, 3, now_ms);
    st = count_ended(stmt, count, until_ms);
    if (st != MM_OK)
        st = cat_db_error(cat, "reading the router's reservations", err);
    db_finalize(stmt);
    return st;
}

static mm_status update_reservation(mm_catalog *cat, int64_t reservation, bool final, mm_error *err)
{
    if (reservation == 0)
        return MM_OK;
    return cat_exec_int(cat,
                        final ? "DELETE FROM router_reservations WHERE id = ?1"
                              : "UPDATE router_reservations SET account = '' WHERE id = ?1",
                        reservation, "ending a reservation", err);
}

mm_status catalog_admission_record(mm_catalog *cat, int64_t reservation, mm_usage_event *ev,
                                   bool final, mm_error *err)
{
    mm_status st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    st = cat_usage_insert(cat, ev, err);
    if (st == MM_OK)
        st = update_reservation(cat, reservation, final, err);
    return cat_end(cat, st, err);
}

mm_status catalog_admission_prepare_record(mm_catalog *cat, mm_error *err)
{
    if (db_kind_of(cat->db) == DB_POSTGRES)
        return MM_OK;
    mm_status st = cat_usage_prepare_insert(cat, err);
    return st == MM_OK ? cat_rollup_prepare(cat, err) : st;
}

mm_status catalog_admission_release(mm_catalog *cat, int64_t reservation, mm_error *err)
{
    if (reservation == 0)
        return MM_OK;
    mm_status st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    return cat_end(cat, update_reservation(cat, reservation, true, err), err);
}
