/* Usage events (append-only): the one insert path (validated, message sanitized, one reused
 * statement) for single events, batches, admission and probes; streaming them by id or time,
 * and the indexed totals behind the router's limits. */
#include "catalog/catalog_internal.h"

#include <stdint.h>
#include <string.h>

#include "catalog/db_engine_sqlite.h"
#include "util/text.h"

#define USAGE_COLUMNS                                                                              \
    "id, ts_ms, kind, account, provider, workspace, model, provider_model, outcome, "              \
    "http_status, latency_ms, tokens_in, tokens_out, cost_micros, retry_after_ms, message, "       \
    "tokens_cache_read, tokens_cache_write, usage_estimated"

/* Ties in time come in index order: ORDER BY ts_ms alone keeps the (account, ts_ms, ...) index
 * usable without a sort. */
const char CAT_SQL_USAGE_SINCE_TIME_ACCOUNT[] =
    "SELECT " USAGE_COLUMNS " FROM usage_events WHERE account = ?2 AND ts_ms >= ?1 "
    "ORDER BY ts_ms";
const char CAT_SQL_USAGE_SINCE_TIME_ALL[] =
    "SELECT " USAGE_COLUMNS " FROM usage_events WHERE ts_ms >= ?1 ORDER BY ts_ms, id";
#define TOTALS_SELECT                                                                              \
    "SELECT count(*), coalesce(sum(tokens_in + tokens_out), 0), "                                  \
    "coalesce(sum(CASE WHEN cost_micros > 0 THEN cost_micros ELSE 0 END), 0), "                    \
    "coalesce(min(ts_ms), 0), coalesce(sum(CASE WHEN cost_micros < 0 THEN 1 ELSE 0 END), 0) "      \
    "FROM usage_events "
const char CAT_SQL_USAGE_TOTALS_ACCOUNT[] =
    TOTALS_SELECT "WHERE account = ?1 AND ts_ms >= ?2 AND kind = 'request' "
                  "AND (CAST(?3 AS TEXT) IS NULL OR model = ?3)";
const char CAT_SQL_USAGE_TOTALS_WORKSPACE[] =
    TOTALS_SELECT "WHERE workspace = ?1 AND ts_ms >= ?2 AND kind = 'request' "
                  "AND (CAST(?3 AS TEXT) IS NULL OR model = ?3)";

static mm_status validate_event(const mm_usage_event *ev, mm_error *err)
{
    bool terminated = val_terminated(ev->kind, sizeof ev->kind) &&
                      val_terminated(ev->account, sizeof ev->account) &&
                      val_terminated(ev->provider, sizeof ev->provider) &&
                      val_terminated(ev->workspace, sizeof ev->workspace) &&
                      val_terminated(ev->model, sizeof ev->model) &&
                      val_terminated(ev->provider_model, sizeof ev->provider_model) &&
                      val_terminated(ev->outcome, sizeof ev->outcome) &&
                      val_terminated(ev->message, sizeof ev->message);
    if (!terminated)
        return mm_error_set(err, MM_E_INVALID, "", "a usage event has an unterminated field");
    if (strcmp(ev->kind, "probe") != 0 && strcmp(ev->kind, "request") != 0)
        return mm_error_set(err, MM_E_INVALID, "kind",
                            "a usage event's kind must be 'probe' or 'request', not '%s'",
                            ev->kind);
    return MM_OK;
}

void catalog_usage_bind_kinds(db_stmt *stmt, int first, const mm_usage_event *ev)
{
    db_bind_int64(stmt, first, ev->tokens_cache_read);
    db_bind_int64(stmt, first + 1, ev->tokens_cache_write);
    db_bind_int64(stmt, first + 2, ev->usage_estimated ? 1 : 0);
}

#define USAGE_INSERT                                                                               \
    "INSERT INTO usage_events(ts_ms, kind, account, provider, workspace, model, "                  \
    "provider_model, outcome, http_status, latency_ms, tokens_in, tokens_out, cost_micros, "       \
    "retry_after_ms, message, tokens_cache_read, tokens_cache_write, usage_estimated) VALUES "     \
    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"

/* SQLite takes the id from the connection: RETURNING would make every insert a statement with
 * a statement journal (a temporary file written with each page the insert touches), which cost
 * ingest more than half its speed. PostgreSQL returns it. */
static mm_status prepare_insert(mm_catalog *cat, mm_error *err)
{
    if (cat->usage_insert)
        return MM_OK;
    return cat_prepare(
        cat, db_kind_of(cat->db) == DB_SQLITE ? USAGE_INSERT : USAGE_INSERT " RETURNING id",
        &cat->usage_insert, err);
}

/* Steps the bound insert to its end; ev->id is the new row's. */
static db_step_result step_insert(mm_catalog *cat, mm_usage_event *ev)
{
    db_step_result rc = db_step(cat->usage_insert);
    if (rc == DB_ROW) {
        ev->id = db_column_int64(cat->usage_insert, 0);
        rc = db_step(cat->usage_insert);
    } else if (rc == DB_DONE && db_kind_of(cat->db) == DB_SQLITE) {
        ev->id = sqlite3_last_insert_rowid(db_sqlite_handle(cat->db));
    }
    return rc;
}

static void bind_static(db_stmt *stmt, int index, const char *text)
{
    db_bind_text(stmt, index, text);
}

mm_status cat_usage_insert(mm_catalog *cat, mm_usage_event *ev, mm_error *err)
{
    mm_status st = validate_event(ev, err);
    if (st == MM_OK)
        st = prepare_insert(cat, err);
    if (st == MM_OK && cat_rollup_is_empty(cat) && db_in_transaction(cat->db))
        st = cat_rollup_catch_up(cat, err);
    if (st == MM_OK)
        st = db_ensure_month_partition(cat->db, "usage_events", ev->ts_ms, err);
    if (st != MM_OK)
        return st;
    db_stmt *stmt = cat->usage_insert;
    char message[MM_MESSAGE_MAX];
    mm_sanitize(message, sizeof message, ev->message, SIZE_MAX);
    db_bind_int64(stmt, 1, ev->ts_ms);
    bind_static(stmt, 2, ev->kind);
    bind_static(stmt, 3, ev->account);
    bind_static(stmt, 4, ev->provider);
    bind_static(stmt, 5, ev->workspace);
    bind_static(stmt, 6, ev->model);
    bind_static(stmt, 7, ev->provider_model);
    bind_static(stmt, 8, ev->outcome);
    db_bind_int64(stmt, 9, ev->http_status);
    db_bind_int64(stmt, 10, ev->latency_ms);
    db_bind_int64(stmt, 11, ev->tokens_in);
    db_bind_int64(stmt, 12, ev->tokens_out);
    db_bind_int64(stmt, 13, ev->cost_micros);
    db_bind_int64(stmt, 14, ev->retry_after_ms);
    bind_static(stmt, 15, message);
    catalog_usage_bind_kinds(stmt, 16, ev);
    db_step_result rc = step_insert(cat, ev);
    if (rc != DB_DONE) {
        st = cat_db_error(cat, "recording usage", err);
        db_reset(stmt);
        return st;
    }
    db_reset(stmt);
    st = cat_rollup_fold(cat, ev, err);
    if (st == MM_OK && !db_in_transaction(cat->db))
        st = cat_rollup_flush(cat, err); /* no transaction to ride with: write them now */
    return st;
}

static mm_status insert_all(mm_catalog *cat, mm_usage_event *evs, size_t count, mm_error *err)
{
    mm_status st = MM_OK;
    for (size_t i = 0; i < count && st == MM_OK; i++)
        st = cat_usage_insert(cat, &evs[i], err);
    return st;
}

mm_status catalog_usage_insert_batch(mm_catalog *cat, mm_usage_event *evs, size_t count,
                                     mm_error *err)
{
    if (count == 0)
        return MM_OK;
    mm_status st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    st = cat_end(cat, insert_all(cat, evs, count, err), err);
    if (st != MM_OK)
        for (size_t i = 0; i < count; i++)
            evs[i].id = 0; /* rolled back: none was stored */
    return st;
}

mm_status catalog_usage_insert(mm_catalog *cat, mm_usage_event *ev, mm_error *err)
{
    return catalog_usage_insert_batch(cat, ev, 1, err);
}

static void read_event(db_stmt *stmt, mm_usage_event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->id = db_column_int64(stmt, 0);
    ev->ts_ms = db_column_int64(stmt, 1);
    cat_column_copy(stmt, 2, ev->kind, sizeof ev->kind);
    cat_column_copy(stmt, 3, ev->account, sizeof ev->account);
    cat_column_copy(stmt, 4, ev->provider, sizeof ev->provider);
    cat_column_copy(stmt, 5, ev->workspace, sizeof ev->workspace);
    cat_column_copy(stmt, 6, ev->model, sizeof ev->model);
    cat_column_copy(stmt, 7, ev->provider_model, sizeof ev->provider_model);
    cat_column_copy(stmt, 8, ev->outcome, sizeof ev->outcome);
    ev->http_status = (int)db_column_int64(stmt, 9);
    ev->latency_ms = db_column_int64(stmt, 10);
    ev->tokens_in = db_column_int64(stmt, 11);
    ev->tokens_out = db_column_int64(stmt, 12);
    ev->cost_micros = db_column_int64(stmt, 13);
    ev->retry_after_ms = db_column_int64(stmt, 14);
    cat_column_copy(stmt, 15, ev->message, sizeof ev->message);
    ev->tokens_cache_read = db_column_int64(stmt, 16);
    ev->tokens_cache_write = db_column_int64(stmt, 17);
    ev->usage_estimated = (int)db_column_int64(stmt, 18) != 0;
}

/* Steps a prepared query to the end, handing each event to fn; finalizes it. */
static mm_status stream_events(mm_catalog *cat, db_stmt *stmt, mm_usage_fn fn, void *ctx,
                               size_t *count, mm_error *err)
{
    mm_usage_event ev;
    size_t n = 0;
    int rc;
    while ((rc = db_step(stmt)) == DB_ROW) {
        read_event(stmt, &ev);
        if (fn)
            fn(&ev, ctx);
        n++;
    }
    mm_status st = rc == DB_DONE ? MM_OK : cat_db_error(cat, "reading usage events", err);
    db_finalize(stmt);
    if (count)
        *count = n;
    return st;
}

mm_status catalog_usage_since_id(mm_catalog *cat, int64_t after_id, size_t limit, mm_usage_fn fn,
                                 void *ctx, size_t *count, mm_error *err)
{
    db_stmt *stmt;
    mm_status st = cat_prepare(cat,
                               "SELECT " USAGE_COLUMNS " FROM usage_events WHERE id > ?1 "
                               "ORDER BY id LIMIT ?2",
                               &stmt, err);
    if (st != MM_OK)
        return st;
    db_bind_int64(stmt, 1, after_id);
    db_bind_int64(stmt, 2, limit ? (int64_t)limit : INT64_MAX); /* not -1: PostgreSQL */
    return stream_events(cat, stmt, fn, ctx, count, err);
}

mm_status catalog_usage_since_time(mm_catalog *cat, const char *account, int64_t since_ms,
                                   mm_usage_fn fn, void *ctx, mm_error *err)
{
    db_stmt *stmt;
    mm_status st = cat_prepare(
        cat, account ? CAT_SQL_USAGE_SINCE_TIME_ACCOUNT : CAT_SQL_USAGE_SINCE_TIME_ALL, &stmt, err);
    if (st != MM_OK)
        return st;
    db_bind_int64(stmt, 1, since_ms);
    if (account)
        cat_bind_text(stmt, 2, account);
    return stream_events(cat, stmt, fn, ctx, NULL, err);
}

mm_status catalog_usage_totals(mm_catalog *cat, const char *account, const char *workspace,
                               const char *model, int64_t since_ms, mm_usage_totals *out,
                               mm_error *err)
{
    memset(out, 0, sizeof *out);
    if ((account == NULL) == (workspace == NULL))
        return mm_error_set(err, MM_E_INTERNAL, "",
                            "usage totals need exactly one of an account or a workspace");
    db_stmt *stmt;
    mm_status st = cat_prepare(
        cat, account ? CAT_SQL_USAGE_TOTALS_ACCOUNT : CAT_SQL_USAGE_TOTALS_WORKSPACE, &stmt, err);
    if (st != MM_OK)
        return st;
    cat_bind_text(stmt, 1, account ? account : workspace);
    db_bind_int64(stmt, 2, since_ms);
    if (model)
        cat_bind_text(stmt, 3, model);
    if (db_step(stmt) == DB_ROW) {
        out->requests = db_column_int64(stmt, 0);
        out->tokens = db_column_int64(stmt, 1);
        out->cost_micros = db_column_int64(stmt, 2);
        out->first_ts_ms = db_column_int64(stmt, 3);
        out->unpriced = db_column_int64(stmt, 4);
    } else {
        st = cat_db_error(cat, "summing usage", err);
    }
    db_finalize(stmt);
    return st;
}

int64_t catalog_usage_max_id(mm_catalog *cat)
{
    int64_t id = 0;
    cat_query_int(cat, "SELECT coalesce(max(id), 0) FROM usage_events", NULL, &id, NULL);
    return id;
}

int64_t catalog_usage_count(mm_catalog *cat)
{
    int64_t count = 0;
    cat_query_int(cat, "SELECT count(*) FROM usage_events", NULL, &count, NULL);
    return count;
}
