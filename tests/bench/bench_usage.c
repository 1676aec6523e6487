/* Benchmark: usage events written per second into a catalog file, batched in transactions of
 * 1,000 (catalog_usage_insert_batch, rollups included) beside raw SQLite inserting the same
 * events into the same table and indexes, and router admissions (count + reserve + record). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "catalog/admission.h"
#include "catalog/catalog.h"
#include "util/text.h"

#define TOTAL_EVENTS 500000
#define BATCH 1000
#define ADMISSIONS 2000

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fill_event(mm_usage_event *ev, long i, int64_t now)
{
    memset(ev, 0, sizeof *ev);
    ev->ts_ms = now - (TOTAL_EVENTS - i) * 4000; /* 500,000 events over the last 23 days */
    mm_copy(ev->kind, sizeof ev->kind, "request");
    snprintf(ev->account, sizeof ev->account, "account-%02ld", i % 50);
    mm_copy(ev->provider, sizeof ev->provider, "openai");
    snprintf(ev->workspace, sizeof ev->workspace, "workspace-%ld", i % 7);
    mm_copy(ev->model, sizeof ev->model, "fast-chat");
    mm_copy(ev->provider_model, sizeof ev->provider_model, "gpt-4o-mini");
    mm_copy(ev->outcome, sizeof ev->outcome, i % 20 ? "ok" : "rate_limited");
    ev->http_status = i % 20 ? 200 : 429;
    ev->latency_ms = 100 + i % 900;
    ev->tokens_in = 50 + i % 500;
    ev->tokens_out = 20 + i % 300;
    ev->cost_micros = ev->tokens_in * 15 / 100 + ev->tokens_out * 60 / 100;
    ev->retry_after_ms = i % 20 ? -1 : 7000;
}

/* The reference: the usage_events table and indexes of the catalog's schema (migrations 1 and
 * 3), one prepared INSERT, transactions of BATCH, WAL and synchronous=NORMAL as the catalog. */
static const char RAW_SCHEMA[] =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    "CREATE TABLE usage_events (id INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, kind TEXT NOT "
    "NULL, account TEXT NOT NULL, provider TEXT NOT NULL, workspace TEXT NOT NULL, model TEXT NOT "
    "NULL, provider_model TEXT NOT NULL, outcome TEXT NOT NULL, http_status INTEGER NOT NULL, "
    "latency_ms INTEGER NOT NULL, tokens_in INTEGER NOT NULL, tokens_out INTEGER NOT NULL, "
    "cost_micros INTEGER NOT NULL, retry_after_ms INTEGER NOT NULL, message TEXT NOT NULL, "
    "tokens_cache_read INTEGER NOT NULL DEFAULT 0, tokens_cache_write INTEGER NOT NULL DEFAULT 0, "
    "usage_estimated INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX usage_by_account_ts ON usage_events(account, ts_ms, kind, model, tokens_in, "
    "tokens_out, cost_micros);"
    "CREATE INDEX usage_by_workspace_ts ON usage_events(workspace, ts_ms, kind, model, "
    "tokens_in, tokens_out, cost_micros);"
    "CREATE INDEX usage_by_ts ON usage_events(ts_ms);";

static void bind_raw(sqlite3_stmt *st, const mm_usage_event *ev)
{
    sqlite3_bind_int64(st, 1, ev->ts_ms);
    sqlite3_bind_text(st, 2, ev->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, ev->account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, ev->provider, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, ev->workspace, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, ev->model, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, ev->provider_model, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, ev->outcome, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 9, ev->http_status);
    sqlite3_bind_int64(st, 10, ev->latency_ms);
    sqlite3_bind_int64(st, 11, ev->tokens_in);
    sqlite3_bind_int64(st, 12, ev->tokens_out);
    sqlite3_bind_int64(st, 13, ev->cost_micros);
    sqlite3_bind_int64(st, 14, ev->retry_after_ms);
    sqlite3_bind_text(st, 15, ev->message, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 16, ev->tokens_cache_read);
    sqlite3_bind_int64(st, 17, ev->tokens_cache_write);
    sqlite3_bind_int(st, 18, ev->usage_estimated);
}

/* Raw SQLite events per second, or 0 on failure. */
static double raw_inserts(const char *path, int64_t now)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    double rate = 0;
    if (sqlite3_open(path, &db) != SQLITE_OK ||
        sqlite3_exec(db, RAW_SCHEMA, 0, 0, 0) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "INSERT INTO usage_events(ts_ms, kind, account, provider, workspace, "
                           "model, provider_model, outcome, http_status, latency_ms, tokens_in, "
                           "tokens_out, cost_micros, retry_after_ms, message, tokens_cache_read, "
                           "tokens_cache_write, usage_estimated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                           "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
                           -1, &st, NULL) != SQLITE_OK)
        goto done;
    mm_usage_event ev;
    double start = seconds_now();
    for (long done = 0; done < TOTAL_EVENTS; done += BATCH) {
        sqlite3_exec(db, "BEGIN IMMEDIATE", 0, 0, 0);
        for (long i = 0; i < BATCH; i++) {
            fill_event(&ev, done + i, now);
            bind_raw(st, &ev);
            if (sqlite3_step(st) != SQLITE_DONE)
                goto done;
            sqlite3_reset(st);
        }
        sqlite3_exec(db, "COMMIT", 0, 0, 0);
    }
    rate = TOTAL_EVENTS / (seconds_now() - start);
done:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rate;
}

static void remove_db(const char *path)
{
    char sidecar[96];
    unlink(path);
    snprintf(sidecar, sizeof sidecar, "%s-wal", path);
    unlink(sidecar);
    snprintf(sidecar, sizeof sidecar, "%s-shm", path);
    unlink(sidecar);
}

static int bench_inserts(mm_catalog *cat, int64_t now, double *rate)
{
    mm_usage_event *batch = calloc(BATCH, sizeof *batch);
    if (!batch)
        return 1;
    mm_error err;
    double start = seconds_now();
    for (long done = 0; done < TOTAL_EVENTS; done += BATCH) {
        for (long i = 0; i < BATCH; i++)
            fill_event(&batch[i], done + i, now);
        if (catalog_usage_insert_batch(cat, batch, BATCH, &err) != MM_OK) {
            fprintf(stderr, "insert: %s\n", err.message);
            free(batch);
            return 1;
        }
    }
    double elapsed = seconds_now() - start;
    *rate = TOTAL_EVENTS / elapsed;
    printf("catalog_usage_insert_batch: %.0f events/s (%d events in batches of %d, WAL, "
           "indexed by account, workspace and time, rollups updated) [target > 100,000/s]\n",
           TOTAL_EVENTS / elapsed, TOTAL_EVENTS, BATCH);
    free(batch);
    return 0;
}

/* One router attempt's bookkeeping: the atomic admit (count + reserve) and the record (event +
 * end of the reservation), each its own BEGIN IMMEDIATE transaction. */
static int bench_admissions(mm_catalog *cat, int64_t now, bool capped, long count)
{
    mm_error err;
    double start = seconds_now();
    for (long i = 0; i < count; i++) {
        mm_admission_request req = {.workspace = "workspace-1",
                                    .model = "fast-chat",
                                    .account = "account-01",
                                    .workspace_rpm = 1000000,
                                    .account_rpm = 1000000,
                                    .workspace_monthly_tokens = capped ? 1000000000000 : 0,
                                    .account_monthly_cap_micros = capped ? 1000000000000 : 0,
                                    .tokens_estimate = 300,
                                    .cost_estimate_micros = capped ? 450 : -1,
                                    .now_ms = now + i,
                                    .hold_ms = 60000};
        int64_t reservation = 0;
        mm_admission adm;
        mm_usage_event ev;
        fill_event(&ev, i, now + TOTAL_EVENTS);
        mm_copy(ev.workspace, sizeof ev.workspace, "workspace-1");
        mm_copy(ev.account, sizeof ev.account, "account-01");
        if (catalog_admit(cat, &req, &reservation, &adm, &err) != MM_OK ||
            catalog_admission_record(cat, reservation, &ev, true, &err) != MM_OK) {
            fprintf(stderr, "admission: %s\n", err.message);
            return 1;
        }
    }
    double elapsed = seconds_now() - start;
    printf("router admission (admit + record: 2 transactions, over %d events of this month; "
           "%s): %.0f attempts/s\n",
           TOTAL_EVENTS,
           capped ? "with monthly caps: cached month-to-date sums topped up, estimated tokens "
                    "and cost reserved"
                  : "no monthly caps",
           (double)count / elapsed);
    return 0;
}

int main(void)
{
    char dir[] = "/tmp/mmbench.XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char path[64];
    snprintf(path, sizeof path, "%s/catalog.db", dir);
    mm_catalog_options opts = {.path = path, .read_only = false, .create = true};
    mm_catalog *cat = NULL;
    mm_error err;
    if (catalog_open(&opts, &cat, &err) != MM_OK) {
        fprintf(stderr, "open: %s\n", err.message);
        return 1;
    }
    int64_t now = 1780000000000LL;
    char raw_path[80];
    snprintf(raw_path, sizeof raw_path, "%s/raw.db", dir);
    double raw = raw_inserts(raw_path, now), ours = 0;
    remove_db(raw_path);
    int rc = bench_inserts(cat, now, &ours);
    double raw_again = raw_inserts(raw_path, now); /* after ours too: the disk's drift evens out */
    remove_db(raw_path);
    double reference = (raw + raw_again) / 2;
    printf("TARGET ingest (batched, same indexes): %.0f events/s | raw SQLite batched insert "
           "%.0f events/s (mean of before and after) | ratio %.2fx (target >= 0.80x)\n",
           ours, reference, reference > 0 ? ours / reference : 0.0);
    if (rc == 0)
        rc = bench_admissions(cat, now, false, ADMISSIONS);
    if (rc == 0)
        rc = bench_admissions(cat, now + ADMISSIONS, true, ADMISSIONS / 20);
    catalog_close(cat);
    remove_db(path);
    rmdir(dir);
    return rc;
}
