/* The last hour as the health windows read it: the account minute rollups in one range of their
 * key, and the few raw events a window's state needs: every account's in one statement on
 * PostgreSQL (catalog_hour_events_in), one account's through reused statements. */
#include "catalog/hour.h"

#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_internal.h"
#include "catalog/db_array.h"

/* The minute rollups of the accounts from a minute on, with the columns the windows read (not
 * the served sums): start_ms leads SQLite's primary key, so this reads the hour's rows and no
 * others (`+scope` keeps SQLite off the by-name index without making a string a row; PostgreSQL
 * has no unary + for text, and its start-time index serves the range). */
#define HOUR_COLUMNS                                                                               \
    "SELECT name, kind, start_ms, events, errors, request_errors, rate_limited, tokens_in, "       \
    "tokens_out, tokens_cache_read, tokens_cache_write, usage_estimated, cost_micros, unpriced, "  \
    "latency, ttft FROM usage_rollup_minute "
/* the sums read (events .. unpriced), the sketches */
enum { HOUR_SUMS = 11, HOUR_LATENCY = 14, HOUR_TTFT = 15 };
static const char HOUR_ROLLUPS_LITE[] = HOUR_COLUMNS "WHERE start_ms >= ?1 AND +scope = 'account'";
static const char HOUR_ROLLUPS_PG[] = HOUR_COLUMNS "WHERE start_ms >= ?1 AND scope = 'account'";
/* One account's: the by-name index. */
static const char HOUR_ACCOUNT_ROLLUPS[] =
    HOUR_COLUMNS "WHERE scope = 'account' AND name = ?2 AND model = '' AND start_ms >= ?1";
/* One account's events in a range of time: the (account, ts_ms, ...) index. */
static const char HOUR_EVENTS[] =
    "SELECT id, ts_ms, kind, account, provider, outcome, http_status, retry_after_ms, message "
    "FROM usage_events WHERE account = ?1 AND ts_ms >= ?2 AND ts_ms < ?3 AND id <= ?4 "
    "ORDER BY ts_ms, id";
/* Every range's events (PostgreSQL): ?1, ?2, ?3 the ranges' accounts, starts and ends as arrays,
 * in the order the caller gave them. */
static const char HOUR_EVENTS_IN[] =
    "SELECT e.id, e.ts_ms, e.kind, e.account, e.provider, e.outcome, e.http_status, "
    "e.retry_after_ms, e.message FROM unnest(?1::text[], ?2::bigint[], ?3::bigint[]) "
    "WITH ORDINALITY AS r(account, from_ms, to_ms, ord) JOIN usage_events e "
    "ON e.account = r.account AND e.ts_ms >= r.from_ms AND e.ts_ms < r.to_ms "
    "WHERE e.id <= ?4 ORDER BY r.ord, e.ts_ms, e.id";
static const char HOUR_COOLDOWN[] =
    "SELECT ts_ms + retry_after_ms FROM usage_events WHERE account = ?1 AND ts_ms >= ?2 "
    "AND id <= ?3 AND outcome = 'rate_limited' AND retry_after_ms > 0 "
    "ORDER BY ts_ms DESC, id DESC LIMIT 1";
enum { STMT_EVENTS, STMT_COOLDOWN, STMT_ACCOUNT_ROLLUPS, STMT_COUNT };
static const char *const STMT_SQL[STMT_COUNT] = {HOUR_EVENTS, HOUR_COOLDOWN, HOUR_ACCOUNT_ROLLUPS};

struct mm_hour_reader {
    mm_catalog *cat;
    db_stmt *stmt[STMT_COUNT]; /* prepared at first use, reset after each */
};

mm_status catalog_hour_open(mm_catalog *cat, mm_hour_reader **out, int64_t *max_id,
                            int64_t *rollups_upto, mm_error *err)
{
    *out = NULL;
    *max_id = *rollups_upto = 0;
    mm_hour_reader *reader = calloc(1, sizeof *reader);
    if (!reader)
        return cat_out_of_memory(err);
    reader->cat = cat;
    mm_status st = cat_rollup_read_positions(cat, rollups_upto, max_id, err);
    if (st != MM_OK) {
        free(reader);
        return st;
    }
    *out = reader;
    return MM_OK;
}

void catalog_hour_close(mm_hour_reader *reader)
{
    if (!reader)
        return;
    for (int i = 0; i < STMT_COUNT; i++)
        db_finalize(reader->stmt[i]);
    free(reader);
}

/* Steps a rollups' statement to its end, each row to fn (the names as the statement holds them:
 * no copy a row). */
static mm_status stream_rollups(mm_hour_reader *reader, db_stmt *stmt, mm_hour_rollup_fn fn,
                                void *ctx, mm_error *err)
{
    mm_status st = MM_OK;
    int rc;
    while (st == MM_OK && (rc = db_step(stmt)) == DB_ROW) {
        mm_hour_rollup row = {.account = db_column_text(stmt, 0),
                              .kind = db_column_text(stmt, 1),
                              .start_ms = db_column_int64(stmt, 2)};
        cat_rollup_read_sums(stmt, 3, HOUR_SUMS, &row.sums);
        row.latency = db_column_blob(stmt, HOUR_LATENCY, &row.latency_size);
        if (!db_column_is_null(stmt, HOUR_TTFT))
            row.ttft = db_column_blob(stmt, HOUR_TTFT, &row.ttft_size);
        if (!fn(&row, ctx))
            st = cat_out_of_memory(err);
    }
    if (st == MM_OK && rc != DB_DONE)
        st = cat_db_error(reader->cat, "reading the minute rollups", err);
    return st;
}

static bool on_postgres(const mm_hour_reader *reader)
{
    return db_kind_of(reader->cat->db) == DB_POSTGRES;
}

mm_status catalog_hour_rollups(mm_hour_reader *reader, int64_t since_ms, mm_hour_rollup_fn fn,
                               void *ctx, mm_error *err)
{
    db_stmt *stmt;
    mm_status st = cat_prepare(
        reader->cat, on_postgres(reader) ? HOUR_ROLLUPS_PG : HOUR_ROLLUPS_LITE, &stmt, err);
    if (st != MM_OK)
        return st;
    db_bind_int64(stmt, 1, since_ms);
    st = stream_rollups(reader, stmt, fn, ctx, err);
    db_finalize(stmt);
    return st;
}

/* The reader's statement `which`, prepared at its first use and reset for this one. */
static mm_status statement(mm_hour_reader *reader, int which, db_stmt **stmt, mm_error *err)
{
    if (reader->stmt[which]) {
        db_reset(reader->stmt[which]);
        *stmt = reader->stmt[which];
        return MM_OK;
    }
    mm_status st = cat_prepare(reader->cat, STMT_SQL[which], &reader->stmt[which], err);
    *stmt = reader->stmt[which];
    return st;
}

static void read_state_columns(db_stmt *stmt, mm_usage_event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->id = db_column_int64(stmt, 0);
    ev->ts_ms = db_column_int64(stmt, 1);
    db_column_copy(stmt, 2, ev->kind, sizeof ev->kind);
    db_column_copy(stmt, 3, ev->account, sizeof ev->account);
    db_column_copy(stmt, 4, ev->provider, sizeof ev->provider);
    db_column_copy(stmt, 5, ev->outcome, sizeof ev->outcome);
    ev->http_status = (int)db_column_int64(stmt, 6);
    ev->retry_after_ms = db_column_int64(stmt, 7);
    db_column_copy(stmt, 8, ev->message, sizeof ev->message);
    ev->latency_ms = ev->ttft_ms = -1;
}

/* Steps stmt to its end, each row read as the state's columns to fn. */
static mm_status stream_rows(mm_hour_reader *reader, db_stmt *stmt, mm_usage_fn fn, void *ctx,
                             mm_error *err)
{
    mm_usage_event ev;
    int rc;
    while ((rc = db_step(stmt)) == DB_ROW) {
        read_state_columns(stmt, &ev);
        fn(&ev, ctx);
    }
    mm_status st =
        rc == DB_DONE ? MM_OK : cat_db_error(reader->cat, "reading the hour's usage events", err);
    db_reset(stmt);
    return st;
}

mm_status catalog_hour_events(mm_hour_reader *reader, const char *account, int64_t from_ms,
                              int64_t to_ms, int64_t max_id, mm_usage_fn fn, void *ctx,
                              mm_error *err)
{
    db_stmt *stmt;
    mm_status st = statement(reader, STMT_EVENTS, &stmt, err);
    if (st != MM_OK)
        return st;
    db_bind_text(stmt, 1, account);
    db_bind_int64(stmt, 2, from_ms);
    db_bind_int64(stmt, 3, to_ms);
    db_bind_int64(stmt, 4, max_id);
    return stream_rows(reader, stmt, fn, ctx, err);
}

/* The ranges' columns as array literals (text[0..2], owned by columns); false when out of
 * memory. */
static bool range_arrays(const mm_hour_range *ranges, size_t count, db_array columns[3],
                         const char *text[3])
{
    for (int c = 0; c < 3; c++)
        db_array_init(&columns[c]);
    for (size_t i = 0; i < count; i++) {
        db_array_text(&columns[0], ranges[i].account);
        db_array_int64(&columns[1], ranges[i].from_ms);
        db_array_int64(&columns[2], ranges[i].to_ms);
    }
    bool ok = true;
    for (int c = 0; c < 3; c++)
        ok = (text[c] = db_array_text_of(&columns[c])) != NULL && ok;
    return ok;
}

mm_status catalog_hour_events_in(mm_hour_reader *reader, const mm_hour_range *ranges, size_t count,
                                 int64_t max_id, mm_usage_fn fn, void *ctx, mm_error *err)
{
    mm_status st = MM_OK;
    if (!on_postgres(reader)) {
        for (size_t i = 0; st == MM_OK && i < count; i++)
            st = catalog_hour_events(reader, ranges[i].account, ranges[i].from_ms, ranges[i].to_ms,
                                     max_id, fn, ctx, err);
        return st;
    }
    if (!count)
        return MM_OK;
    db_array columns[3];
    const char *text[3];
    db_stmt *stmt = NULL;
    if (!range_arrays(ranges, count, columns, text))
        st = cat_out_of_memory(err);
    if (st == MM_OK)
        st = cat_prepare(reader->cat, HOUR_EVENTS_IN, &stmt, err);
    if (st == MM_OK) {
        for (int c = 0; c < 3; c++)
            cat_bind_text(stmt, c + 1, text[c]);
        db_bind_int64(stmt, 4, max_id);
        st = stream_rows(reader, stmt, fn, ctx, err);
    }
    db_finalize(stmt);
    for (int c = 0; c < 3; c++)
        db_array_free(&columns[c]);
    return st;
}

mm_status catalog_hour_cooldown(mm_hour_reader *reader, const char *account, int64_t since_ms,
                                int64_t max_id, int64_t *until_ms, mm_error *err)
{
    *until_ms = 0;
    db_stmt *stmt;
    mm_status st = statement(reader, STMT_COOLDOWN, &stmt, err);
    if (st != MM_OK)
        return st;
    db_bind_text(stmt, 1, account);
    db_bind_int64(stmt, 2, since_ms);
    db_bind_int64(stmt, 3, max_id);
    int rc = db_step(stmt);
    if (rc == DB_ROW)
        *until_ms = db_column_int64(stmt, 0);
    else if (rc != DB_DONE)
        st = cat_db_error(reader->cat, "reading the hour's rate limits", err);
    db_reset(stmt);
    return st;
}

mm_status catalog_hour_account_rollups(mm_hour_reader *reader, const char *account,
                                       int64_t since_ms, mm_hour_rollup_fn fn, void *ctx,
                                       mm_error *err)
{
    db_stmt *stmt;
    mm_status st = statement(reader, STMT_ACCOUNT_ROLLUPS, &stmt, err);
    if (st != MM_OK)
        return st;
    db_bind_int64(stmt, 1, since_ms);
    db_bind_text(stmt, 2, account);
    st = stream_rollups(reader, stmt, fn, ctx, err);
    db_reset(stmt);
    return st;
}
