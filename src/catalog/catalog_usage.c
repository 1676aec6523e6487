/* Usage events (append-only): the one insert path (validated, message sanitized, many rows a
 * statement where the engine can) for single events, batches, admission and probes; streaming them
 * by id or time, and the indexed totals behind the router's limits. */
#include "catalog/catalog_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

#define USAGE_COLUMNS                                                                              \
    "id, ts_ms, kind, account, provider, workspace, model, provider_model, outcome, "              \
    "http_status, latency_ms, tokens_in, tokens_out, cost_micros, retry_after_ms, message, "       \
    "tokens_cache_read, tokens_cache_write, usage_estimated, ttft_ms"

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

static int64_t bounded(int64_t value, int64_t bound)
{
    return value > bound ? bound : value < -bound ? -bound : value;
}

/* Brings the summed figures within MM_USAGE_TOKENS_MAX and MM_USAGE_COST_MAX (catalog.h): the one
 * place they are bounded, before the event is stored or added to a rollup. */
static void bound_figures(mm_usage_event *ev)
{
    int64_t *tokens[] = {&ev->tokens_in, &ev->tokens_out, &ev->tokens_cache_read,
                         &ev->tokens_cache_write};
    for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++) {
        int64_t cut = bounded(*tokens[i], MM_USAGE_TOKENS_MAX);
        ev->usage_estimated |= cut != *tokens[i];
        *tokens[i] = cut;
    }
    if (ev->cost_micros > MM_USAGE_COST_MAX)
        ev->cost_micros = MM_USAGE_COST_MAX;
}

void catalog_usage_bind_kinds(db_stmt *stmt, int first, const mm_usage_event *ev)
{
    db_bind_int64(stmt, first, ev->tokens_cache_read);
    db_bind_int64(stmt, first + 1, ev->tokens_cache_write);
    db_bind_int64(stmt, first + 2, ev->usage_estimated ? 1 : 0);
    if (ev->streamed && ev->ttft_ms >= 0)
        db_bind_int64(stmt, first + 3, ev->ttft_ms);
    else
        db_bind_null(stmt, first + 3);
}

#define USAGE_INSERT_HEAD                                                                          \
    "INSERT INTO usage_events(ts_ms, kind, account, provider, workspace, model, "                  \
    "provider_model, outcome, http_status, latency_ms, tokens_in, tokens_out, cost_micros, "       \
    "retry_after_ms, message, tokens_cache_read, tokens_cache_write, usage_estimated, ttft_ms)"
#define USAGE_INSERT_COLUMNS 19
/* The columns' SQL types (PostgreSQL sends each column as one array: db_insert_rows). */
static const char *const USAGE_INSERT_TYPES[USAGE_INSERT_COLUMNS] = {
    "bigint", "text",    "text",   "text",    "text",   "text",   "text",
    "text",   "integer", "bigint", "bigint",  "bigint", "bigint", "bigint",
    "text",   "bigint",  "bigint", "integer", "bigint"};

/* The events being inserted: count of them, stride bytes apart from first (an array of events,
 * or the events inside an array of admission records). */
typedef struct usage_rows {
    mm_usage_event *first;
    size_t stride, count;
    char message[MM_MESSAGE_MAX]; /* the row being bound's, sanitized */
} usage_rows;

static mm_usage_event *event_at(const usage_rows *rows, size_t i)
{
    return (mm_usage_event *)((char *)rows->first + i * rows->stride);
}

/* The event's fields stay put until the insert has run: bound without a copy. */
static void bind_event(db_stmt *stmt, int first, size_t row, void *ctx)
{
    usage_rows *rows = ctx;
    const mm_usage_event *ev = event_at(rows, row);
    mm_sanitize(rows->message, sizeof rows->message, ev->message, SIZE_MAX);
    const char *const texts[] = {ev->kind,  ev->account,        ev->provider, ev->workspace,
                                 ev->model, ev->provider_model, ev->outcome};
    const int64_t numbers[] = {ev->http_status, ev->latency_ms,  ev->tokens_in,
                               ev->tokens_out,  ev->cost_micros, ev->retry_after_ms};
    db_bind_int64(stmt, first, ev->ts_ms);
    for (int i = 0; i < 7; i++) /* columns 2-8 */
        db_bind_text_static(stmt, first + 1 + i, texts[i]);
    for (int i = 0; i < 6; i++) /* columns 9-14 */
        db_bind_int64(stmt, first + 8 + i, numbers[i]);
    db_bind_text(stmt, first + 14, rows->message); /* the buffer is reused by the next row */
    catalog_usage_bind_kinds(stmt, first + 15, ev);
}

/* Checks every event and makes their month partitions before the first row is sent. At the
 * transaction's first insert the rollups catch up with events written around them (SQLite: now;
 * PostgreSQL: *check_later, checked in the flush's round trip: cat_rollup_check_below). */
static mm_status prepare_rows(mm_catalog *cat, const usage_rows *rows, bool *check_later,
                              mm_error *err)
{
    mm_status st = MM_OK;
    for (size_t i = 0; i < rows->count && st == MM_OK; i++) {
        st = validate_event(event_at(rows, i), err);
        bound_figures(event_at(rows, i));
    }
    bool first = cat_rollup_is_empty(cat) && db_in_transaction(cat->db);
    *check_later = first && db_kind_of(cat->db) == DB_POSTGRES;
    if (st == MM_OK && first && !*check_later)
        st = cat_rollup_catch_up(cat, err);
    int64_t month_from = 1, month_to = 0; /* the month last made sure of: none yet */
    for (size_t i = 0; i < rows->count && st == MM_OK; i++) {
        int64_t ts = event_at(rows, i)->ts_ms;
        if (ts >= month_from && ts < month_to)
            continue; /* a batch's events are mostly of one month: once, not once an event */
        st = db_ensure_month_partition(cat->db, "usage_events", ts, err);
        month_from = db_month_start_ms(ts);
        month_to = db_next_month_start_ms(month_from);
    }
    return st;
}

mm_status cat_usage_insert_rows(mm_catalog *cat, mm_usage_event *first, size_t stride, size_t count,
                                mm_error *err)
{
    usage_rows rows = {.first = first, .stride = stride, .count = count};
    bool check_later = false;
    mm_status st = count ? prepare_rows(cat, &rows, &check_later, err) : MM_OK;
    if (st != MM_OK || count == 0)
        return st;
    int64_t one_id, *ids = count == 1 ? &one_id : malloc(count * sizeof *ids);
    if (!ids)
        return cat_out_of_memory(err);
    if (db_insert_rows(cat->db, USAGE_INSERT_HEAD, USAGE_INSERT_TYPES, USAGE_INSERT_COLUMNS, NULL,
                       count, bind_event, &rows, ids, &cat->usage_insert) != MM_OK)
        st = cat_db_error(cat, "recording usage", err);
    int64_t first_id = INT64_MAX;
    for (size_t i = 0; i < count && st == MM_OK; i++) {
        mm_usage_event *ev = event_at(&rows, i);
        ev->id = ids[i];
        first_id = ids[i] < first_id ? ids[i] : first_id;
        st = cat_rollup_fold(cat, ev, err);
    }
    if (st == MM_OK && check_later)
        cat_rollup_check_below(cat, first_id);
    if (ids != &one_id)
        free(ids);
    if (st == MM_OK && !db_in_transaction(cat->db))
        st = cat_rollup_flush(cat, err); /* no transaction to ride with: write them now */
    return st;
}

mm_status cat_usage_prepare_insert(mm_catalog *cat, mm_error *err)
{
    if (db_insert_rows_prepare(cat->db, USAGE_INSERT_HEAD, USAGE_INSERT_TYPES, USAGE_INSERT_COLUMNS,
                               NULL, true, &cat->usage_insert) != MM_OK)
        return cat_db_error(cat, "preparing the usage insert", err);
    return MM_OK;
}

mm_status cat_usage_insert(mm_catalog *cat, mm_usage_event *ev, mm_error *err)
{
    return cat_usage_insert_rows(cat, ev, sizeof *ev, 1, err);
}

static mm_status insert_all(mm_catalog *cat, void *ctx, mm_error *err)
{
    const cat_batch *batch = ctx;
    return cat_usage_insert_rows(cat, batch->first, batch->stride, batch->count, err);
}

mm_status catalog_usage_insert_batch(mm_catalog *cat, mm_usage_event *evs, size_t count,
                                     mm_error *err)
{
    cat_batch batch = {.first = evs, .stride = sizeof *evs, .count = count};
    return cat_write_batch(cat, &batch, insert_all, &batch, err);
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
    ev->streamed = !db_column_is_null(stmt, 19);
    ev->ttft_ms = ev->streamed ? db_column_int64(stmt, 19) : -1;
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
    /* no limit: no LIMIT clause (PostgreSQL refuses SQLite's LIMIT -1) */
    mm_status st = cat_prepare(
        cat,
        limit ? "SELECT " USAGE_COLUMNS " FROM usage_events WHERE id > ?1 ORDER BY id LIMIT ?2"
              : "SELECT " USAGE_COLUMNS " FROM usage_events WHERE id > ?1 ORDER BY id",
        &stmt, err);
    if (st != MM_OK)
        return st;
    db_bind_int64(stmt, 1, after_id);
    if (limit)
        db_bind_int64(stmt, 2, (int64_t)limit);
    return stream_events(cat, stmt, fn, ctx, count, err);
}

mm_status catalog_usage_by_ids(mm_catalog *cat, const int64_t *ids, size_t n, mm_usage_fn fn,
                               void *ctx, size_t *count, mm_error *err)
{
    if (n > MM_USAGE_IDS_MAX)
        return mm_error_set(err, MM_E_INTERNAL, "", "at most %d usage events by id a read",
                            MM_USAGE_IDS_MAX);
    db_stmt *stmt;
    mm_status st =
        cat_prepare(cat,
                    "SELECT " USAGE_COLUMNS " FROM usage_events WHERE id IN (?1, ?2, ?3, "
                    "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) ORDER BY id",
                    &stmt, err);
    if (st != MM_OK)
        return st;
    for (size_t i = 0; i < MM_USAGE_IDS_MAX; i++)
        db_bind_int64(stmt, (int)i + 1, i < n ? ids[i] : 0); /* 0: never an event's id */
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

mm_status catalog_usage_max_id(mm_catalog *cat, int64_t *out, mm_error *err)
{
    *out = 0;
    return cat_query_int(cat, "SELECT coalesce(max(id), 0) FROM usage_events", NULL, out, err);
}

int64_t catalog_usage_count(mm_catalog *cat)
{
    int64_t count = 0;
    cat_query_int(cat, "SELECT count(*) FROM usage_events", NULL, &count, NULL);
    return count;
}
