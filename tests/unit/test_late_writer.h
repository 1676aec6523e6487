/* A PostgreSQL writer whose event takes its id and then waits before its commit (what a
 * transaction committing an id below one a reader passed looks like), for the tail's tests
 * (test_health_report.c, test_metrics_counters.c). */
#ifndef MM_TEST_LATE_WRITER_H
#define MM_TEST_LATE_WRITER_H

#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "catalog/db_engine.h"

typedef struct late_writer {
    db_conn *lock;   /* holds the rollups' position row, which every write updates */
    mm_catalog *cat; /* the writer's connection of its own */
    pthread_t thread;
    mm_usage_event ev; /* its id set once written */
    mm_status status;
    mm_error err;
} late_writer;

/* One integer a query on db answers (fails the test otherwise). */
static inline int64_t late_query_int(db_conn *db, const char *sql)
{
    db_stmt *stmt = NULL;
    mm_error err = {0};
    if (db_prepare(db, sql, &stmt, &err) != MM_OK)
        fail_msg("%s: %s", sql, err.message);
    assert_int_equal(db_step(stmt), DB_ROW);
    int64_t value = db_column_int64(stmt, 0);
    db_finalize(stmt);
    return value;
}

static inline void *late_writer_run(void *arg)
{
    late_writer *w = arg;
    w->status = catalog_usage_insert(w->cat, &w->ev, &w->err);
    return NULL;
}

/* Starts writing ev to the catalog at path and returns once its insert waits for the lock (its
 * id taken from the sequence: the sequence's last value is that id). */
static inline void late_writer_start(late_writer *w, const char *path, mm_usage_event ev)
{
    mm_error err = {0};
    db_open_options opts = {0};
    *w = (late_writer){.ev = ev};
    if (db_open(path, &opts, &w->lock, &err) != MM_OK ||
        db_exec(w->lock, "BEGIN; UPDATE meta SET value = value WHERE key = 'rollups_upto_id'",
                "locking", &err) != MM_OK)
        fail_msg("holding the rollups' row: %s", err.message);
    mm_catalog_options copts = {.path = path};
    if (catalog_open(&copts, &w->cat, &err) != MM_OK)
        fail_msg("the late writer's catalog: %s", err.message);
    assert_int_equal(pthread_create(&w->thread, NULL, late_writer_run, w), 0);
    db_conn *watch = NULL;
    assert_int_equal(db_open(path, &opts, &watch, &err), MM_OK);
    for (int i = 0;
         i < 2000 && late_query_int(watch, "SELECT count(*) FROM pg_locks WHERE NOT granted") == 0;
         i++)
        usleep(5000); /* a bound on the wait, not a timing check */
    db_close(watch);
}

/* An event of account (a request, 250 micros, 10 tokens in) inserted on db with plain SQL: the
 * rollups are not updated, so it commits while a late writer waits. */
static inline void insert_around_rollups(db_conn *db, const char *account, int64_t ts_ms)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO usage_events(ts_ms, kind, account, provider, workspace, model, "
             "provider_model, outcome, http_status, latency_ms, tokens_in, tokens_out, "
             "cost_micros, retry_after_ms, message) VALUES (%lld, 'request', '%s', "
             "'openai-compatible', '', '', '', 'ok', 200, 100, 10, 0, 250, -1, '')",
             (long long)ts_ms, account);
    mm_error err = {0};
    if (db_exec(db, sql, "writing around the rollups", &err) != MM_OK)
        fail_msg("%s: %s", sql, err.message);
}

/* Lets the writer commit, waits for it (fails the test when its write failed) and closes it. */
static inline void late_writer_commit(late_writer *w)
{
    mm_error err = {0};
    assert_int_equal(db_exec(w->lock, "ROLLBACK", "unlocking", &err), MM_OK);
    pthread_join(w->thread, NULL);
    if (w->status != MM_OK)
        fail_msg("the late write: %s", w->err.message);
    db_close(w->lock);
    catalog_close(w->cat);
}

#endif
