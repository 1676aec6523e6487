/* Benchmark: usage events written per second into a catalog, batched in transactions of 1,000
 * (catalog_usage_insert_batch, rollups included) beside a raw insert of the same events into the
 * same table and indexes (SQLite; with --postgres ADDRESS, PostgreSQL: multi-row INSERT and
 * COPY on the same server), and router admissions (count + reserve + record). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "catalog/admission.h"
#include "catalog/catalog.h"
#include "catalog/db_engine.h"
#include "util/clock.h"
#include "util/text.h"

#define TOTAL_EVENTS 500000
#define BATCH 1000
#define ADMISSIONS 2000
/* Events are recent, as a gateway writes them: one every EVENT_STEP_MS up to the bench's start
 * (500,000 events over the last 83 minutes), so each writes its minute rollups as well as its
 * day rollups (minute rollups cover the last MM_ROLLUP_MINUTE_KEEP_MS only). */
#define EVENT_STEP_MS 10

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fill_event(mm_usage_event *ev, long i, int64_t now)
{
    memset(ev, 0, sizeof *ev);
    ev->ts_ms = now - (TOTAL_EVENTS - i) * EVENT_STEP_MS;
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
    ev->streamed = i % 20 && i % 7 == 1; /* one success in seven, as bench_scale's */
    ev->ttft_ms = ev->streamed ? 20 + i % 80 : -1;
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
    "usage_estimated INTEGER NOT NULL DEFAULT 0, ttft_ms INTEGER);"
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
    if (ev->streamed)
        sqlite3_bind_int64(st, 19, ev->ttft_ms);
    else
        sqlite3_bind_null(st, 19);
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
                           "tokens_cache_write, usage_estimated, ttft_ms) VALUES (?1, ?2, ?3, ?4, "
                           "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
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

static int bench_inserts(mm_catalog *cat, int64_t now, long total, double *rate)
{
    mm_usage_event *batch = calloc(BATCH, sizeof *batch);
    if (!batch)
        return 1;
    mm_error err;
    double start = seconds_now();
    for (long done = 0; done < total; done += BATCH) {
        for (long i = 0; i < BATCH; i++)
            fill_event(&batch[i], done + i, now);
        if (catalog_usage_insert_batch(cat, batch, BATCH, &err) != MM_OK) {
            fprintf(stderr, "insert: %s\n", err.message);
            free(batch);
            return 1;
        }
    }
    double elapsed = seconds_now() - start;
    *rate = (double)total / elapsed;
    printf("catalog_usage_insert_batch: %.0f events/s (%ld events of the last %ld minutes in "
           "batches of %d, indexed by account, workspace and time, minute and day rollups "
           "updated)\n",
           *rate, total, (long)(TOTAL_EVENTS * EVENT_STEP_MS / 60000), BATCH);
    free(batch);
    return 0;
}

/* One router attempt's bookkeeping: the atomic admit (count + reserve) and the record (event +
 * end of the reservation), each its own BEGIN IMMEDIATE transaction. */
static int bench_admissions(mm_catalog *cat, int64_t now, bool capped, long count, double *rate)
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
    if (rate)
        *rate = (double)count / elapsed;
    printf("router admission (admit + record: 2 transactions, over the events above; "
           "%s): %.0f attempts/s\n",
           capped ? "with monthly caps: cached month-to-date sums topped up, estimated tokens "
                    "and cost reserved"
                  : "no monthly caps",
           (double)count / elapsed);
    return 0;
}

/* ---- PostgreSQL (--postgres ADDRESS: tests/bench/bench_usage_pg.sh starts a server) ---- */

#define PG_EVENTS 100000
#define PG_ROUNDS 10 /* of PG_EVENTS / PG_ROUNDS events each: catalog, INSERT, COPY in turn */
#define PG_ROWS 200  /* rows a multi-row INSERT */
#define TC " TEXT COLLATE \"C\" NOT NULL"

/* The catalog's usage_events (catalog_schema_pg.c, migrations 1, 3 and 11) in a schema of its
 * own (the connection's search_path): partitioned by month, the same primary key and indexes,
 * ids from a sequence. */
static const char PG_RAW_TABLE[] =
    "CREATE SEQUENCE ids AS BIGINT;"
    "CREATE TABLE usage_events (id BIGINT NOT NULL DEFAULT "
    "nextval('ids'), ts_ms BIGINT NOT NULL, kind" TC ", account" TC ", provider" TC ", workspace" TC
    ", model" TC ", provider_model" TC ", outcome" TC
    ", http_status INTEGER NOT NULL, latency_ms BIGINT NOT NULL, tokens_in BIGINT NOT NULL, "
    "tokens_out BIGINT NOT NULL, cost_micros BIGINT NOT NULL, retry_after_ms BIGINT NOT NULL, "
    "message" TC ", tokens_cache_read BIGINT NOT NULL DEFAULT 0, tokens_cache_write BIGINT NOT "
    "NULL DEFAULT 0, usage_estimated INTEGER NOT NULL DEFAULT 0, ttft_ms BIGINT, "
    "PRIMARY KEY (id, ts_ms)) PARTITION BY RANGE (ts_ms);"
    "CREATE INDEX ON usage_events(account, ts_ms, kind, model, tokens_in, tokens_out, "
    "cost_micros);"
    "CREATE INDEX ON usage_events(workspace, ts_ms, kind, model, tokens_in, "
    "tokens_out, cost_micros);"
    "CREATE INDEX ON usage_events(ts_ms);";
#define PG_RAW_COLUMNS                                                                             \
    "ts_ms, kind, account, provider, workspace, model, provider_model, outcome, http_status, "     \
    "latency_ms, tokens_in, tokens_out, cost_micros, retry_after_ms, message, "                    \
    "tokens_cache_read, tokens_cache_write, usage_estimated, ttft_ms"
#define PG_RAW_VALUES 19 /* the columns above: the same rows as the catalog's */

static bool pg_ok(PGconn *pg, PGresult *res, const char *what)
{
    ExecStatusType s = PQresultStatus(res);
    bool ok = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_COPY_IN;
    if (!ok)
        fprintf(stderr, "%s: %s", what, PQerrorMessage(pg));
    PQclear(res);
    return ok;
}

/* The raw table in schema (made afresh, the connection's search_path) and a partition for each
 * month of the events (the catalog makes them too). */
static bool pg_raw_schema(PGconn *pg, const char *schema, int64_t now)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s; SET search_path = %s", schema,
             schema, schema);
    if (!pg_ok(pg, PQexec(pg, sql), "raw schema") ||
        !pg_ok(pg, PQexec(pg, PG_RAW_TABLE), "raw table"))
        return false;
    for (int64_t m = mm_month_start_ms(now - (int64_t)TOTAL_EVENTS * EVENT_STEP_MS); m <= now;
         m = db_next_month_start_ms(m)) {
        snprintf(sql, sizeof sql,
                 "CREATE TABLE p%lld PARTITION OF usage_events FOR VALUES FROM (%lld) TO (%lld)",
                 (long long)m, (long long)m, (long long)db_next_month_start_ms(m));
        if (!pg_ok(pg, PQexec(pg, sql), "raw partition"))
            return false;
    }
    return true;
}

/* Event i's PG_RAW_VALUES values as text, into values[] (pointers into buf; ttft_ms NULL when
 * the event was not streamed). */
static void pg_values(long i, int64_t now, char buf[][48], const char **values)
{
    mm_usage_event ev;
    fill_event(&ev, i, now);
    snprintf(buf[0], 48, "%lld", (long long)ev.ts_ms);
    const char *texts[] = {ev.kind,  ev.account,        ev.provider, ev.workspace,
                           ev.model, ev.provider_model, ev.outcome};
    for (int t = 0; t < 7; t++)
        mm_copy(buf[1 + t], 48, texts[t]);
    const long long numbers[] = {ev.http_status, ev.latency_ms,  ev.tokens_in,
                                 ev.tokens_out,  ev.cost_micros, ev.retry_after_ms};
    for (int n = 0; n < 6; n++)
        snprintf(buf[8 + n], 48, "%lld", numbers[n]);
    mm_copy(buf[14], 48, ev.message);
    snprintf(buf[15], 48, "%lld", (long long)ev.tokens_cache_read);
    snprintf(buf[16], 48, "%lld", (long long)ev.tokens_cache_write);
    snprintf(buf[17], 48, "%d", ev.usage_estimated ? 1 : 0);
    snprintf(buf[18], 48, "%lld", (long long)ev.ttft_ms);
    for (int c = 0; c < PG_RAW_VALUES; c++)
        values[c] = buf[c];
    values[18] = ev.streamed ? buf[18] : NULL;
}

/* The multi-row INSERT of PG_ROWS rows, prepared once (text parameters). */
static bool pg_raw_prepare(PGconn *pg)
{
    char *sql = malloc(PG_ROWS * PG_RAW_VALUES * 8 + 512);
    if (!sql)
        return false;
    size_t used = (size_t)sprintf(sql, "INSERT INTO usage_events(" PG_RAW_COLUMNS ") VALUES ");
    for (int r = 0, p = 1; r < PG_ROWS; r++) {
        used += (size_t)sprintf(sql + used, r ? ", (" : "(");
        for (int c = 0; c < PG_RAW_VALUES; c++, p++)
            used += (size_t)sprintf(sql + used, c ? ", $%d" : "$%d", p);
        used += (size_t)sprintf(sql + used, ")");
    }
    bool ok = pg_ok(pg, PQprepare(pg, "raw_insert", sql, PG_ROWS * PG_RAW_VALUES, NULL), "prepare");
    free(sql);
    return ok;
}

/* Events from .. from + count through the prepared INSERT, BATCH rows a transaction. */
static bool pg_raw_insert(PGconn *pg, int64_t now, long from, long count)
{
    static char buf[PG_ROWS * PG_RAW_VALUES][48];
    static const char *values[PG_ROWS * PG_RAW_VALUES];
    bool ok = true;
    for (long done = from; ok && done < from + count; done += BATCH) {
        ok = pg_ok(pg, PQexec(pg, "BEGIN"), "begin");
        for (long r = 0; ok && r < BATCH; r += PG_ROWS) {
            for (int k = 0; k < PG_ROWS; k++)
                pg_values(done + r + k, now, (char(*)[48])buf[k * PG_RAW_VALUES],
                          values + k * PG_RAW_VALUES);
            ok = pg_ok(
                pg,
                PQexecPrepared(pg, "raw_insert", PG_ROWS * PG_RAW_VALUES, values, NULL, NULL, 0),
                "insert");
        }
        ok = ok && pg_ok(pg, PQexec(pg, "COMMIT"), "commit");
    }
    return ok;
}

/* Events from .. from + count by COPY ... FROM STDIN (text format), BATCH rows a transaction. */
static bool pg_raw_copy(PGconn *pg, int64_t now, long from, long count)
{
    bool ok = true;
    char buf[PG_RAW_VALUES][48], line[1024];
    const char *values[PG_RAW_VALUES];
    for (long done = from; ok && done < from + count; done += BATCH) {
        ok = pg_ok(pg, PQexec(pg, "BEGIN"), "begin") &&
             pg_ok(pg, PQexec(pg, "COPY usage_events(" PG_RAW_COLUMNS ") FROM STDIN"), "copy");
        for (long i = 0; ok && i < BATCH; i++) {
            pg_values(done + i, now, buf, values);
            size_t n = 0;
            for (int c = 0; c < PG_RAW_VALUES; c++) /* \N: COPY's NULL */
                n += (size_t)snprintf(line + n, sizeof line - n, c ? "\t%s" : "%s",
                                      values[c] ? values[c] : "\\N");
            line[n++] = '\n';
            ok = PQputCopyData(pg, line, (int)n) == 1;
        }
        ok = ok && PQputCopyEnd(pg, NULL) == 1 && pg_ok(pg, PQgetResult(pg), "copy end");
        ok = ok && pg_ok(pg, PQexec(pg, "COMMIT"), "commit");
    }
    return ok;
}

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* A connection for a raw load, its table made afresh in schema; NULL on failure. */
static PGconn *pg_raw_open(const char *address, const char *schema, int64_t now)
{
    PGconn *pg = PQconnectdb(address);
    PQsetNoticeProcessor(pg, quiet, NULL);
    if (PQstatus(pg) == CONNECTION_OK && pg_raw_schema(pg, schema, now) && pg_raw_prepare(pg))
        return pg;
    fprintf(stderr, "raw PostgreSQL: %s", PQerrorMessage(pg));
    PQfinish(pg);
    return NULL;
}

static void pg_raw_close(PGconn *pg, const char *schema)
{
    char sql[96];
    snprintf(sql, sizeof sql, "DROP SCHEMA %s CASCADE", schema);
    if (pg)
        pg_ok(pg, PQexec(pg, sql), "drop");
    PQfinish(pg);
}

static mm_catalog *open_catalog(const char *address)
{
    mm_catalog_options opts = {.path = address, .read_only = false, .create = true};
    mm_catalog *cat = NULL;
    mm_error err;
    if (catalog_open(&opts, &cat, &err) != MM_OK)
        fprintf(stderr, "open %s: %s\n", address, err.message);
    return cat;
}

/* Events from .. from + count through the catalog, BATCH a call. */
static bool catalog_chunk(mm_catalog *cat, mm_usage_event *batch, int64_t now, long from,
                          long count)
{
    mm_error err;
    for (long done = from; done < from + count; done += BATCH) {
        for (long i = 0; i < BATCH; i++)
            fill_event(&batch[i], done + i, now);
        if (catalog_usage_insert_batch(cat, batch, BATCH, &err) != MM_OK) {
            fprintf(stderr, "insert: %s\n", err.message);
            return false;
        }
    }
    return true;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *values, int n)
{
    qsort(values, (size_t)n, sizeof *values, compare_doubles);
    return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

enum { LOAD_CATALOG, LOAD_INSERT, LOAD_COPY, LOADS };

/* CPU seconds of this process so far. */
static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds (user + system) of a server process on this machine so far, or 0 when it cannot
 * be read (a remote server). */
static double server_cpu(int pid)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = pid > 0 ? fopen(path, "r") : NULL;
    char *fields = f && fgets(line, sizeof line, f) ? strrchr(line, ')') : NULL;
    if (f)
        fclose(f);
    unsigned long long user = 0, system = 0;
    if (!fields || sscanf(fields, ") %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &user,
                          &system) != 2)
        return 0;
    return (double)(user + system) / (double)sysconf(_SC_CLK_TCK);
}

/* The server process of the catalog's connection (its application name is mmadmin). */
static int catalog_backend(PGconn *pg)
{
    PGresult *res = PQexec(pg, "SELECT pid FROM pg_stat_activity WHERE application_name = "
                               "'mmadmin' AND datname = current_database() LIMIT 1");
    int pid = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1
                  ? atoi(PQgetvalue(res, 0, 0))
                  : 0;
    PQclear(res);
    return pid;
}

/* The three loads of the same events in PG_ROUNDS rounds, their order turning each round (a
 * shared machine's load drifts: each round's ratios compare loads seconds apart). seconds[load]
 * gets each load's total, ratio[load] the median of the rounds' catalog / load rates. */
static bool pg_rounds(mm_catalog *cat, PGconn *insert, PGconn *copy, int64_t now,
                      double seconds[LOADS], double ratio[LOADS], double cpu[LOADS][2])
{
    const int backend[LOADS] = {catalog_backend(insert), PQbackendPID(insert), PQbackendPID(copy)};
    memset(cpu, 0, sizeof(double[LOADS][2]));
    mm_usage_event *batch = calloc(BATCH, sizeof *batch);
    double took[LOADS][PG_ROUNDS];
    const long per_round = PG_EVENTS / PG_ROUNDS;
    bool ok = batch != NULL;
    for (int round = 0; ok && round < PG_ROUNDS; round++)
        for (int k = 0; ok && k < LOADS; k++) {
            int load = (round + k) % LOADS;
            long from = round * per_round;
            double start = seconds_now(), client = cpu_now();
            double server = server_cpu(backend[load]);
            ok = load == LOAD_CATALOG  ? catalog_chunk(cat, batch, now, from, per_round)
                 : load == LOAD_INSERT ? pg_raw_insert(insert, now, from, per_round)
                                       : pg_raw_copy(copy, now, from, per_round);
            took[load][round] = seconds_now() - start;
            cpu[load][0] += cpu_now() - client;
            cpu[load][1] += server_cpu(backend[load]) - server;
        }
    free(batch);
    for (int load = 0; ok && load < LOADS; load++) {
        double rounds[PG_ROUNDS];
        seconds[load] = 0;
        for (int round = 0; round < PG_ROUNDS; round++) {
            seconds[load] += took[load][round];
            rounds[round] = took[load][round] / took[LOAD_CATALOG][round];
        }
        ratio[load] = median(rounds, PG_ROUNDS);
    }
    return ok;
}

static int bench_postgres(const char *address, int64_t now)
{
    mm_catalog *cat = open_catalog(address);
    if (!cat)
        return 1;
    PGconn *insert = pg_raw_open(address, "raw_insert", now);
    PGconn *copy = insert ? pg_raw_open(address, "raw_copy", now) : NULL;
    double seconds[LOADS], ratio[LOADS], cpu[LOADS][2];
    int rc = copy && pg_rounds(cat, insert, copy, now, seconds, ratio, cpu) ? 0 : 1;
    pg_raw_close(insert, "raw_insert");
    pg_raw_close(copy, "raw_copy");
    if (rc == 0) {
        printf("catalog_usage_insert_batch: %.0f events/s (%d events of the last %ld minutes in "
               "batches of %d, indexed by account, workspace and time, minute and day rollups "
               "updated)\n",
               PG_EVENTS / seconds[LOAD_CATALOG], PG_EVENTS,
               (long)(TOTAL_EVENTS * EVENT_STEP_MS / 60000), BATCH);
        printf("TARGET PostgreSQL ingest (batched, same indexes, same server): %.0f events/s | "
               "raw multi-row INSERT %.0f events/s, ratio %.2fx (target >= 0.80x) | raw COPY "
               "%.0f events/s, ratio %.2fx (medians of %d alternating rounds of %d events; "
               "totals %.2fx, %.2fx)\n",
               PG_EVENTS / seconds[LOAD_CATALOG], PG_EVENTS / seconds[LOAD_INSERT],
               ratio[LOAD_INSERT], PG_EVENTS / seconds[LOAD_COPY], ratio[LOAD_COPY], PG_ROUNDS,
               PG_EVENTS / PG_ROUNDS, seconds[LOAD_INSERT] / seconds[LOAD_CATALOG],
               seconds[LOAD_COPY] / seconds[LOAD_CATALOG]);
        double total[LOADS];
        for (int load = 0; load < LOADS; load++)
            total[load] = cpu[load][0] + cpu[load][1];
        printf("CPU ms a batch of %d (client + server process, the server's read from /proc "
               "when it is local): catalog %.1f + %.1f | INSERT %.1f + %.1f | COPY %.1f + %.1f "
               "| ratio of the sums: INSERT %.2fx, COPY %.2fx\n",
               BATCH, cpu[LOAD_CATALOG][0] * 1e3 * BATCH / PG_EVENTS,
               cpu[LOAD_CATALOG][1] * 1e3 * BATCH / PG_EVENTS,
               cpu[LOAD_INSERT][0] * 1e3 * BATCH / PG_EVENTS,
               cpu[LOAD_INSERT][1] * 1e3 * BATCH / PG_EVENTS,
               cpu[LOAD_COPY][0] * 1e3 * BATCH / PG_EVENTS,
               cpu[LOAD_COPY][1] * 1e3 * BATCH / PG_EVENTS,
               total[LOAD_CATALOG] > 0 ? total[LOAD_INSERT] / total[LOAD_CATALOG] : 0.0,
               total[LOAD_CATALOG] > 0 ? total[LOAD_COPY] / total[LOAD_CATALOG] : 0.0);
    }
    /* admission + record per request, PostgreSQL beside SQLite in the same run */
    char dir[] = "/tmp/mmbench.XXXXXX", path[64];
    mm_catalog *lite = NULL;
    if (rc == 0 && mkdtemp(dir)) {
        snprintf(path, sizeof path, "%s/catalog.db", dir);
        lite = open_catalog(path);
    }
    double pg_rate = 0, lite_rate = 0;
    if (rc == 0 && lite) {
        mm_usage_event *batch = calloc(BATCH, sizeof *batch);
        for (long done = 0; batch && done < PG_EVENTS; done += BATCH) {
            for (long i = 0; i < BATCH; i++)
                fill_event(&batch[i], done + i, now);
            catalog_usage_insert_batch(lite, batch, BATCH, NULL);
        }
        free(batch);
        printf("PostgreSQL:\n");
        rc = bench_admissions(cat, now, true, ADMISSIONS / 4, &pg_rate);
        printf("SQLite (a catalog file with the same events):\n");
        if (rc == 0)
            rc = bench_admissions(lite, now, true, ADMISSIONS / 4, &lite_rate);
        printf("admission + record per request (monthly caps): PostgreSQL %.2f ms | SQLite %.2f "
               "ms | ratio %.2fx\n",
               pg_rate > 0 ? 1000 / pg_rate : 0.0, lite_rate > 0 ? 1000 / lite_rate : 0.0,
               pg_rate > 0 && lite_rate > 0 ? lite_rate / pg_rate : 0.0);
    }
    catalog_close(lite);
    if (lite) {
        remove_db(path);
        rmdir(dir);
    }
    catalog_close(cat);
    return rc || !lite;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--postgres") == 0)
        return bench_postgres(argv[2], mm_now_ms());
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
    int64_t now = mm_now_ms(); /* the events end now: minute rollups are written */
    char raw_path[80];
    snprintf(raw_path, sizeof raw_path, "%s/raw.db", dir);
    double raw = raw_inserts(raw_path, now), ours = 0;
    remove_db(raw_path);
    int rc = bench_inserts(cat, now, TOTAL_EVENTS, &ours);
    double raw_again = raw_inserts(raw_path, now); /* after ours too: the disk's drift evens out */
    remove_db(raw_path);
    double reference = (raw + raw_again) / 2;
    printf("TARGET ingest (batched, same indexes): %.0f events/s | raw SQLite batched insert "
           "%.0f events/s (mean of before and after) | ratio %.2fx (target >= 0.80x)\n",
           ours, reference, reference > 0 ? ours / reference : 0.0);
    if (rc == 0)
        rc = bench_admissions(cat, now, false, ADMISSIONS, NULL);
    if (rc == 0)
        rc = bench_admissions(cat, now + ADMISSIONS, true, ADMISSIONS / 20, NULL);
    catalog_close(cat);
    remove_db(path);
    rmdir(dir);
    return rc;
}
