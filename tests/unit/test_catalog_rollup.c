/* Unit tests of the usage rollups: equal to a recount of the raw events after random ingest
 * (batches and single inserts), after plain-SQL writes and the migration's backfill, across
 * pruning and a month boundary (fixed clock); the minutes' TTFT sketches, also across migration
 * 13; figures beyond the bounds (sums fit int64); the month's cost per account; the retention
 * setting; the latency sketch. */
#include "test_catalog_util.h"
#include "test_rollup_recount.h"

#include <math.h>

#include "catalog/admission.h"
#include "catalog/catalog_internal.h"
#include "catalog/hour.h"
#include "catalog/month_cost.h"
#include "util/clock.h"

#define DAY 86400000LL
/* 2026-03-30 12:00 UTC: two days before a month boundary */
#define BASE 1774872000000LL
#define N_ACCOUNTS 4
#define N_EVENTS 3000

static const char *const OUTCOMES[] = {"ok",          "ok",      "ok",           "rate_limited",
                                       "bad_request", "timeout", "server_error", "auth"};
static const int STATUSES[] = {200, 200, 200, 429, 400, 0, 500, 401};

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static mm_usage_event random_event(uint64_t *seed)
{
    mm_usage_event ev;
    memset(&ev, 0, sizeof ev);
    uint64_t r = rng_next(seed);
    int o = (int)(r % 8);
    ev.ts_ms = BASE + (int64_t)(rng_next(seed) % (5 * DAY)); /* across the boundary */
    mm_copy(ev.kind, sizeof ev.kind, r % 5 ? "request" : "probe");
    snprintf(ev.account, sizeof ev.account, "acct-%d", (int)(r / 8 % N_ACCOUNTS));
    mm_copy(ev.provider, sizeof ev.provider, "openai");
    snprintf(ev.workspace, sizeof ev.workspace, "team-%d", (int)(r / 32 % 3));
    snprintf(ev.model, sizeof ev.model, "model-%d", (int)(r / 96 % 2));
    mm_copy(ev.outcome, sizeof ev.outcome, OUTCOMES[o]);
    ev.http_status = (r / 192) % 7 == 0 && o == 4 ? 408 : STATUSES[o];
    ev.latency_ms = (int64_t)(rng_next(seed) % 3000);
    ev.tokens_in = (int64_t)(r % 997);
    ev.tokens_out = (int64_t)(r % 331);
    ev.tokens_cache_read = ev.tokens_in / 3;
    ev.usage_estimated = r % 11 == 0;
    ev.cost_micros = r % 13 == 0 ? -1 : (int64_t)(r % 5000);
    ev.retry_after_ms = -1;
    /* a third streamed, of any outcome; one stream in nine failed before its first byte */
    ev.streamed = r / 7 % 3 == 0;
    ev.ttft_ms = ev.streamed && r / 7 % 9 ? ev.latency_ms / 2 : -1;
    return ev;
}

static void ingest(mm_catalog *cat, uint64_t seed, int events)
{
    setenv("MM_FAKE_NOW_MS", "1775304000000", 1); /* BASE + 5 days: minute rollups for all */
    mm_error err;
    mm_usage_event batch[64];
    for (int i = 0; i < events;) {
        int n = (int)(rng_next(&seed) % 64) + 1;
        if (n > events - i)
            n = events - i;
        for (int k = 0; k < n; k++)
            batch[k] = random_event(&seed);
        if (n == 1)
            assert_int_equal(catalog_usage_insert(cat, batch, &err), MM_OK);
        else
            assert_int_equal(catalog_usage_insert_batch(cat, batch, (size_t)n, &err), MM_OK);
        i += n;
    }
}

/* Every account x day x kind, every workspace x model x day, and (with_minutes) the minutes of
 * one hour. */
static void assert_all_rollups_exact(mm_catalog *cat, bool with_minutes)
{
    char account[16], workspace[16], model[16];
    const char *kinds[] = {"request", "probe", NULL};
    for (int a = 0; a < N_ACCOUNTS; a++)
        for (int d = -1; d < 6; d++)
            for (int k = 0; k < 3; k++) {
                snprintf(account, sizeof account, "acct-%d", a);
                int64_t day = BASE - BASE % DAY + d * DAY;
                mm_rollup_query q = {
                    .account = account, .kind = kinds[k], .from_ms = day, .to_ms = day + DAY};
                assert_rollup_equals_recount(cat, &q);
            }
    for (int w = 0; w < 3; w++)
        for (int m = 0; m < 2; m++) {
            snprintf(workspace, sizeof workspace, "team-%d", w);
            snprintf(model, sizeof model, "model-%d", m);
            mm_rollup_query q = {.workspace = workspace,
                                 .model = model,
                                 .kind = "request",
                                 .from_ms = 0,
                                 .to_ms = INT64_MAX};
            assert_rollup_equals_recount(cat, &q);
        }
    /* an hour within the 48 h before the fake now, and one before them (no minute rollups) */
    mm_rollup_query minutes = {.account = "acct-1",
                               .per_minute = true,
                               .from_ms = BASE + 4 * DAY,
                               .to_ms = BASE + 4 * DAY + 3600000};
    if (with_minutes)
        assert_rollup_equals_recount(cat, &minutes);
}

/* A minute row's TTFT sketch as stored and as recounted from the raw events. */
typedef struct ttft_minute {
    char account[16], kind[8];
    int64_t start_ms;
    unsigned char *stored; /* a copy; NULL for NULL */
    size_t stored_size;
    int64_t events, raw_events; /* the row's events; its minute's raw events of its kind */
    mm_histogram recount;
} ttft_minute;

typedef struct ttft_check {
    ttft_minute *rows;
    size_t count;
    int64_t from_ms, recounted;
    bool partial; /* rows may hold part of their minute's events (their TTFT: NULL) */
} ttft_check;

static bool keep_minute(const mm_hour_rollup *row, void *ctx)
{
    ttft_check *c = ctx;
    ttft_minute *m = &c->rows[c->count++];
    mm_copy(m->account, sizeof m->account, row->account);
    mm_copy(m->kind, sizeof m->kind, row->kind);
    m->start_ms = row->start_ms;
    assert_true(c->count <= N_ACCOUNTS * 2 * 2880);
    m->stored = row->ttft_size ? malloc(row->ttft_size) : NULL;
    if (m->stored)
        memcpy(m->stored, row->ttft, row->ttft_size);
    m->stored_size = row->ttft_size;
    m->events = row->sums.events;
    m->raw_events = 0;
    mm_histogram_init(&m->recount);
    return true;
}

/* The test's own reading of the rule: successful streamed events that had a first token. */
static void recount_ttft(const mm_usage_event *ev, void *ctx)
{
    ttft_check *c = ctx;
    if (ev->ts_ms < c->from_ms)
        return;
    bool counted = strcmp(ev->outcome, "ok") == 0 && ev->streamed && ev->ttft_ms >= 0;
    for (size_t i = 0; i < c->count; i++) {
        ttft_minute *m = &c->rows[i];
        if (m->start_ms == ev->ts_ms - ev->ts_ms % 60000 && strcmp(m->account, ev->account) == 0 &&
            strcmp(m->kind, ev->kind) == 0) {
            m->raw_events++;
            if (counted)
                mm_histogram_add(&m->recount, ev->ttft_ms);
            c->recounted += counted;
            return;
        }
    }
    if (counted)
        fail_msg("a streamed success at %lld has no minute rollup", (long long)ev->ts_ms);
}

/* Every minute rollup's TTFT sketch (read as the hour's reader reads it) byte for byte equal to
 * the encoded recount of its raw events (NULL when it has none), over the minutes kept before
 * the fake now; returns how many streamed successes they hold. Each row holds all its minute's
 * events, or with partial (after migration 13) fewer, and then no TTFT sketch. */
static int64_t assert_ttft_recount(mm_catalog *cat, bool partial)
{
    mm_error err;
    static ttft_minute rows[N_ACCOUNTS * 2 * 2880 + 1]; /* accounts x kinds x minutes */
    ttft_check c = {
        .rows = rows, .from_ms = 1775304000000LL - MM_ROLLUP_MINUTE_KEEP_MS, .partial = partial};
    mm_hour_reader *reader;
    int64_t max_id, upto;
    assert_int_equal(catalog_hour_open(cat, &reader, &max_id, &upto, &err), MM_OK);
    assert_int_equal(catalog_hour_rollups(reader, c.from_ms, keep_minute, &c, &err), MM_OK);
    catalog_hour_close(reader);
    assert_true(c.count > 0);
    assert_int_equal(catalog_usage_since_id(cat, 0, 0, recount_ttft, &c, NULL, &err), MM_OK);
    for (size_t i = 0; i < c.count; i++) {
        ttft_minute *m = &c.rows[i];
        size_t size = m->recount.count ? mm_histogram_encoded_size(&m->recount) : 0;
        unsigned char expected[16 + 6 * MM_HIST_BUCKETS];
        if (m->events != m->raw_events) {
            assert_true(c.partial && m->events < m->raw_events);
            c.recounted -= (int64_t)m->recount.count;
            mm_histogram_reset(&m->recount);
            size = 0;
        }
        if (size)
            mm_histogram_encode(&m->recount, expected);
        if (size != m->stored_size || (size && memcmp(expected, m->stored, size) != 0))
            fail_msg("%s %s minute %lld: TTFT sketch of %zu bytes, recount %zu bytes", m->account,
                     m->kind, (long long)m->start_ms, m->stored_size, size);
        free(m->stored);
        mm_histogram_free(&m->recount);
    }
    return c.recounted;
}

static int64_t assert_ttft_equals_recount(mm_catalog *cat)
{
    return assert_ttft_recount(cat, false);
}

static void rollups_equal_a_recount_after_random_ingest(void **state)
{
    catalog_fixture *fx = *state;
    ingest(fx->cat, 0x9e3779b97f4a7c15ULL, N_EVENTS);
    assert_all_rollups_exact(fx->cat, true);
    assert_true(assert_ttft_equals_recount(fx->cat) > 50);
}

/* Batches as a gateway sends them (hundreds of events: PostgreSQL takes them by COPY), each
 * adding to rows earlier batches stored (their sums and latency sketches merged). */
static void large_batches_equal_a_recount(void **state)
{
    catalog_fixture *fx = *state;
    setenv("MM_FAKE_NOW_MS", "1775304000000", 1);
    uint64_t seed = 0x5eed;
    mm_error err;
    static mm_usage_event batch[700];
    for (int round = 0; round < 4; round++) {
        size_t n = round % 2 ? 700 : 300;
        for (size_t k = 0; k < n; k++)
            batch[k] = random_event(&seed);
        assert_int_equal(catalog_usage_insert_batch(fx->cat, batch, n, &err), MM_OK);
        for (size_t k = 1; k < n; k++)
            assert_true(batch[k].id > batch[k - 1].id);
    }
    assert_int_equal(catalog_usage_count(fx->cat), 2000);
    assert_all_rollups_exact(fx->cat, true);
    assert_true(assert_ttft_equals_recount(fx->cat) > 50);
}

static void a_failed_batch_adds_nothing_to_the_rollups(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err;
    uint64_t seed = 42;
    mm_usage_event evs[3] = {random_event(&seed), random_event(&seed), random_event(&seed)};
    mm_copy(evs[2].kind, sizeof evs[2].kind, "bogus");
    assert_int_equal(catalog_usage_insert_batch(fx->cat, evs, 3, &err), MM_E_INVALID);
    mm_rollup_query q = {.account = evs[0].account, .from_ms = 0, .to_ms = INT64_MAX};
    mm_usage_rollup got;
    assert_int_equal(catalog_usage_rollup_sum(fx->cat, &q, &got, NULL, &err), MM_OK);
    assert_int_equal(got.events, 0);
}

#define N_HUGE 2048
#define HUGE_COUNT ((INT64_C(1) << 53) - 1) /* the largest count a provider's answer may carry */

static void check_bounded(const mm_usage_event *ev, void *ctx)
{
    assert_int_equal(ev->tokens_in, MM_USAGE_TOKENS_MAX);
    assert_int_equal(ev->tokens_out, MM_USAGE_TOKENS_MAX);
    assert_int_equal(ev->tokens_cache_write, -MM_USAGE_TOKENS_MAX);
    assert_int_equal(ev->cost_micros, MM_USAGE_COST_MAX);
    assert_true(ev->usage_estimated);
    (*(int *)ctx)++;
}

/* 2,048 events in one account-day, each with counts of 2^53 - 1 and the largest cost (their sums
 * were 2^64: wrong on SQLite, "bigint out of range" failing the batch on PostgreSQL): stored at
 * the bounds, marked estimated, and the day's sums exactly N_HUGE times the bounds. */
static void figures_beyond_the_bounds_are_stored_at_them_and_sums_fit(void **state)
{
    catalog_fixture *fx = *state;
    setenv("MM_FAKE_NOW_MS", "1775304000000", 1);
    mm_error err;
    static mm_usage_event batch[N_HUGE / 4];
    uint64_t seed = 7;
    for (int round = 0; round < 4; round++) {
        for (size_t k = 0; k < N_HUGE / 4; k++) {
            mm_usage_event ev = random_event(&seed);
            mm_copy(ev.kind, sizeof ev.kind, "request");
            mm_copy(ev.account, sizeof ev.account, "acct-0");
            mm_copy(ev.outcome, sizeof ev.outcome, "ok");
            ev.http_status = 200;
            ev.ts_ms = BASE + (int64_t)k;
            ev.tokens_in = ev.tokens_out = ev.tokens_cache_read = HUGE_COUNT;
            ev.tokens_cache_write = -HUGE_COUNT;
            ev.usage_estimated = false;
            ev.cost_micros = INT64_MAX;
            batch[k] = ev;
        }
        if (round == 0) { /* one alone, the rest of the round in a batch */
            assert_int_equal(catalog_usage_insert(fx->cat, batch, &err), MM_OK);
            assert_int_equal(catalog_usage_insert_batch(fx->cat, batch + 1, N_HUGE / 4 - 1, &err),
                             MM_OK);
        } else {
            assert_int_equal(catalog_usage_insert_batch(fx->cat, batch, N_HUGE / 4, &err), MM_OK);
        }
    }
    int seen = 0;
    size_t count = 0;
    assert_int_equal(catalog_usage_since_id(fx->cat, 0, 0, check_bounded, &seen, &count, &err),
                     MM_OK);
    assert_int_equal(seen, N_HUGE);
    int64_t day = BASE - BASE % DAY;
    mm_rollup_query q = {
        .account = "acct-0", .kind = "request", .from_ms = day, .to_ms = day + DAY};
    mm_usage_rollup got;
    assert_int_equal(catalog_usage_rollup_sum(fx->cat, &q, &got, NULL, &err), MM_OK);
    assert_int_equal(got.events, N_HUGE);
    assert_int_equal(got.tokens_in, N_HUGE * MM_USAGE_TOKENS_MAX);
    assert_int_equal(got.tokens_out, N_HUGE * MM_USAGE_TOKENS_MAX);
    assert_int_equal(got.tokens_cache_read, N_HUGE * MM_USAGE_TOKENS_MAX);
    assert_int_equal(got.tokens_cache_write, -N_HUGE * MM_USAGE_TOKENS_MAX);
    assert_int_equal(got.served_tokens, 2 * N_HUGE * MM_USAGE_TOKENS_MAX);
    assert_int_equal(got.cost_micros, N_HUGE * MM_USAGE_COST_MAX);
    assert_int_equal(got.usage_estimated, N_HUGE);
    assert_rollup_equals_recount(fx->cat, &q);
}

static void plain_sql_events_and_the_backfill_are_rolled_up(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err;
    ingest(fx->cat, 7, 500);
    /* written around mmadmin: caught up at the next open */
    assert_int_equal(cat_exec(fx->cat,
                              "INSERT INTO usage_events(ts_ms, kind, account, provider, "
                              "workspace, model, provider_model, outcome, http_status, "
                              "latency_ms, tokens_in, tokens_out, cost_micros, retry_after_ms, "
                              "message) SELECT ts_ms + 1, kind, account, provider, workspace, "
                              "model, provider_model, outcome, http_status, latency_ms, "
                              "tokens_in, tokens_out, cost_micros, retry_after_ms, message "
                              "FROM usage_events",
                              &err),
                     MM_OK);
    catalog_close(fx->cat);
    fx->cat = fixture_open(fx->path);
    assert_all_rollups_exact(fx->cat, true);
    if (fx->postgres)
        return; /* PostgreSQL's schema starts at 10: no migration 8 backfill to test */
    /* a catalog of schema 7 (without migration 9's column either): migration 8 backfills from
     * the events */
    assert_int_equal(cat_exec(fx->cat,
                              "ALTER TABLE router_reservations DROP COLUMN requests; "
                              "DROP TABLE usage_rollup_minute; DROP TABLE usage_rollup_day; "
                              "DELETE FROM meta WHERE key = 'rollups_upto_id'; "
                              "ALTER TABLE prices DROP COLUMN per_image; " /* migration 10's */
                              "ALTER TABLE prices DROP COLUMN per_second; "
                              "ALTER TABLE prices DROP COLUMN per_character; "
                              "ALTER TABLE usage_events DROP COLUMN ttft_ms; " /* 11's */
                              "PRAGMA user_version = 7",
                              &err),
                     MM_OK);
    catalog_close(fx->cat);
    fx->cat = fixture_open(fx->path);
    assert_all_rollups_exact(fx->cat, false); /* minutes: only the last 48 h are backfilled */
    ingest(fx->cat, 8, 300);                  /* and keeps adding on write */
    assert_all_rollups_exact(fx->cat, false);
}

/* Events written around mmadmin while it runs (no reopen) are folded in by the next batch's
 * transaction (PostgreSQL: found by the flush's stored-sketch read, their rows' sketches read
 * in turn), whether the batch shares their rollup rows or not. */
static void plain_sql_events_are_caught_up_by_the_next_batch(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err;
    ingest(fx->cat, 11, 400);
    assert_int_equal(cat_exec(fx->cat,
                              "INSERT INTO usage_events(ts_ms, kind, account, provider, "
                              "workspace, model, provider_model, outcome, http_status, "
                              "latency_ms, tokens_in, tokens_out, cost_micros, retry_after_ms, "
                              "message) SELECT ts_ms + 7, kind, account || 'x', provider, "
                              "workspace, model, provider_model, outcome, http_status, "
                              "latency_ms, tokens_in, tokens_out, cost_micros, retry_after_ms, "
                              "message FROM usage_events WHERE id % 3 = 0",
                              &err),
                     MM_OK);
    mm_usage_event batch[80];
    uint64_t seed = 12;
    for (int k = 0; k < 80; k++)
        batch[k] = random_event(&seed);
    assert_int_equal(catalog_usage_insert_batch(fx->cat, batch, 80, &err), MM_OK);
    assert_all_rollups_exact(fx->cat, true);
    for (int a = 0; a < N_ACCOUNTS; a++) { /* rows the batch has none of */
        char account[16];
        snprintf(account, sizeof account, "acct-%dx", a);
        mm_rollup_query q = {
            .account = account, .kind = "request", .from_ms = 0, .to_ms = INT64_MAX};
        assert_rollup_equals_recount(fx->cat, &q);
    }
    ingest(fx->cat, 13, 200); /* and the position moved on: nothing counted twice */
    assert_all_rollups_exact(fx->cat, true);
}

/* A catalog at schema 11 with rollups in migration 8's layout (keyed by name first) is moved to
 * migration 12's (keyed by time first); every figure stays exact and later writes add to it. */
#define OLD_ROLLUP_LAYOUT(t)                                                                       \
    "CREATE TABLE " t "_old AS SELECT * FROM " t "; DROP TABLE " t "; "                            \
    "CREATE TABLE " t " (scope TEXT NOT NULL, name TEXT NOT NULL, model TEXT NOT NULL, kind "      \
    "TEXT NOT NULL, start_ms INTEGER NOT NULL, events INTEGER NOT NULL, errors INTEGER NOT NULL, " \
    "request_errors INTEGER NOT NULL, rate_limited INTEGER NOT NULL, tokens_in INTEGER NOT NULL, " \
    "tokens_out INTEGER NOT NULL, tokens_cache_read INTEGER NOT NULL, tokens_cache_write "         \
    "INTEGER NOT NULL, usage_estimated INTEGER NOT NULL, cost_micros INTEGER NOT NULL, unpriced "  \
    "INTEGER NOT NULL, served INTEGER NOT NULL, served_tokens INTEGER NOT NULL, "                  \
    "served_cost_micros INTEGER NOT NULL, latency BLOB NOT NULL, PRIMARY KEY (scope, name, "       \
    "model, start_ms, kind)) WITHOUT ROWID; INSERT INTO " t " SELECT * FROM " t "_old; "           \
    "DROP TABLE " t "_old; "

static void migration_12_keeps_the_rollups(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err;
    ingest(fx->cat, 12, 1500);
    int64_t days = 0, minutes = 0, after = 0;
    assert_int_equal(
        cat_query_int(fx->cat, "SELECT count(*) FROM usage_rollup_day", NULL, &days, &err), MM_OK);
    assert_int_equal(
        cat_query_int(fx->cat, "SELECT count(*) FROM usage_rollup_minute", NULL, &minutes, &err),
        MM_OK);
    assert_true(days > 0 && minutes > 0);
    assert_int_equal(
        cat_exec(fx->cat,
                 fx->postgres
                     ? "ALTER TABLE usage_rollup_minute DROP COLUMN ttft; " /* 13's */
                       "ALTER TABLE usage_rollup_minute RESET (fillfactor); "
                       "ALTER TABLE usage_rollup_day RESET (fillfactor); "
                       "UPDATE mmadmin_schema SET version = 11"
                     : "ALTER TABLE usage_rollup_minute DROP COLUMN ttft; " OLD_ROLLUP_LAYOUT(
                           "usage_rollup_minute")
                           OLD_ROLLUP_LAYOUT(
                               "usage_rollup_day") "CREATE INDEX usage_rollup_minute_by_start ON "
                                                   "usage_rollup_minute(start_ms); "
                                                   "CREATE INDEX usage_rollup_day_by_start ON "
                                                   "usage_rollup_day(start_ms, scope); "
                                                   "PRAGMA user_version = 11",
                 &err),
        MM_OK);
    catalog_close(fx->cat);
    fx->cat = fixture_open(fx->path);
    assert_int_equal(
        cat_query_int(fx->cat, "SELECT count(*) FROM usage_rollup_day", NULL, &after, &err), MM_OK);
    assert_int_equal(after, days);
    assert_int_equal(
        cat_query_int(fx->cat, "SELECT count(*) FROM usage_rollup_minute", NULL, &after, &err),
        MM_OK);
    assert_int_equal(after, minutes);
    if (!fx->postgres) { /* the time-first key, and the index readers by name use */
        int64_t keyed = 0;
        assert_int_equal(
            cat_query_int(fx->cat,
                          "SELECT count(*) FROM sqlite_master WHERE (name = "
                          "'usage_rollup_day' AND sql LIKE '%PRIMARY KEY (start_ms,%') "
                          "OR name = 'usage_rollup_day_by_name'",
                          NULL, &keyed, &err),
            MM_OK);
        assert_int_equal(keyed, 2);
    }
    assert_all_rollups_exact(fx->cat, true);
    assert_ttft_equals_recount(fx->cat);
    ingest(fx->cat, 13, 700);
    assert_all_rollups_exact(fx->cat, true);
    assert_ttft_equals_recount(fx->cat);
}

/* Copies of the streamed events stamped from_ms <= ts_ms < to_ms, 1 ms later and 3 ms slower to
 * their first token, written around mmadmin (plain SQL: above the rollups' position). */
static void copy_streamed_events(mm_catalog *cat, int64_t from_ms, int64_t to_ms)
{
    mm_error err;
    char sql[1024];
    snprintf(sql, sizeof sql,
             "INSERT INTO usage_events(ts_ms, kind, account, provider, workspace, model, "
             "provider_model, outcome, http_status, latency_ms, tokens_in, tokens_out, "
             "cost_micros, retry_after_ms, message, ttft_ms) SELECT ts_ms + 1, kind, account, "
             "provider, workspace, model, provider_model, outcome, http_status, latency_ms, "
             "tokens_in, tokens_out, cost_micros, retry_after_ms, message, ttft_ms + 3 FROM "
             "usage_events WHERE ttft_ms IS NOT NULL AND ts_ms >= %lld AND ts_ms < %lld",
             (long long)from_ms, (long long)to_ms);
    assert_int_equal(cat_exec(cat, sql, &err), MM_OK);
}

/* The catalog made a schema-12 one: its minute rollups without migration 13's TTFT sketch. */
static void back_to_schema_12(catalog_fixture *fx)
{
    mm_error err;
    assert_int_equal(cat_exec(fx->cat,
                              fx->postgres ? "ALTER TABLE usage_rollup_minute DROP COLUMN ttft; "
                                             "UPDATE mmadmin_schema SET version = 12"
                                           : "ALTER TABLE usage_rollup_minute DROP COLUMN ttft; "
                                             "PRAGMA user_version = 12",
                              &err),
                     MM_OK);
}

/* A minute row holding only part of its minute's events (events written around mmadmin into a
 * minute older than the minute rollups' 48 h when caught up: in its day row, not its minute row)
 * gets no TTFT sketch at migration 13: which of the raw events it holds cannot be told. */
static void migration_13_leaves_a_partial_minute_without_a_sketch(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err;
    ingest(fx->cat, 23, 2500);
    int64_t edge = 1775304000000LL - MM_ROLLUP_MINUTE_KEEP_MS; /* the minute rollups' first */
    copy_streamed_events(fx->cat, edge, edge + 6 * 3600000);
    setenv("MM_FAKE_NOW_MS", "1775329200000", 1); /* 7 h later: those minutes are past 48 h */
    catalog_close(fx->cat);
    fx->cat = fixture_open(fx->path);
    mm_usage_event ev = random_event(&(uint64_t){24});
    ev.ts_ms = 1775320000000LL;
    assert_int_equal(catalog_usage_insert(fx->cat, &ev, &err), MM_OK); /* PostgreSQL's catch-up */
    back_to_schema_12(fx);
    catalog_close(fx->cat);
    fx->cat = fixture_open(fx->path);
    int64_t partial = 0;
    assert_int_equal(cat_query_int(fx->cat,
                                   "SELECT count(*) FROM usage_rollup_minute r WHERE ttft IS NULL "
                                   "AND events < (SELECT count(*) FROM usage_events e WHERE "
                                   "e.account = r.name AND e.kind = r.kind AND e.ts_ms >= "
                                   "r.start_ms AND e.ts_ms < r.start_ms + 60000)",
                                   NULL, &partial, &err),
                     MM_OK);
    assert_true(partial > 10);
    assert_true(assert_ttft_recount(fx->cat, true) > 50);
    assert_all_rollups_exact(fx->cat, false);
}

/* A catalog of schema 12 (minute rollups without TTFT sketches) gets them at migration 13 from
 * the raw events each minute row holds; events written around mmadmin after the rollups'
 * position are not in them but folded in by the next write, sketch included; later writes add
 * to them. */
static void migration_13_fills_the_ttft_sketches_from_the_raw_events(void **state)
{
    catalog_fixture *fx = *state;
    ingest(fx->cat, 21, 2500);
    int64_t before = assert_ttft_equals_recount(fx->cat);
    assert_true(before > 50);
    back_to_schema_12(fx);
    catalog_close(fx->cat);
    fx->cat = fixture_open(fx->path);
    assert_int_equal(assert_ttft_equals_recount(fx->cat), before);
    assert_all_rollups_exact(fx->cat, true);

    /* again, with streamed successes written around mmadmin (above the rollups' position) */
    back_to_schema_12(fx);
    copy_streamed_events(fx->cat, 0, INT64_MAX);
    catalog_close(fx->cat);
    fx->cat = fixture_open(fx->path);
    ingest(fx->cat, 22, 40); /* PostgreSQL catches up at a write */
    assert_true(assert_ttft_equals_recount(fx->cat) > 2 * before);
    assert_all_rollups_exact(fx->cat, true);
}

static void month_to_date_stays_exact_across_pruning_and_the_month_boundary(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err;
    ingest(fx->cat, 99, N_EVENTS);
    int64_t now = BASE + 4 * DAY + 3600000; /* 2026-04-03 13:00: the April side */
    assert_true(mm_month_start_ms(now) > BASE);
    mm_usage_counters before, after, march_before, march_after;
    assert_int_equal(catalog_account_counters(fx->cat, "acct-2", now, true, &before, &err), MM_OK);
    assert_int_equal(
        catalog_account_counters(fx->cat, "acct-2", BASE + DAY, true, &march_before, &err), MM_OK);
    mm_usage_counters ws_before, ws_after;
    assert_int_equal(
        catalog_workspace_counters(fx->cat, "team-1", "model-0", now, true, &ws_before, &err),
        MM_OK);
    /* the recount of April by hand */
    mm_rollup_query april = {.account = "acct-2",
                             .kind = "request",
                             .from_ms = mm_month_start_ms(now),
                             .to_ms = INT64_MAX};
    recount r = {.q = &april};
    mm_histogram_init(&r.latency);
    assert_int_equal(catalog_usage_since_id(fx->cat, 0, 0, add_recounted, &r, NULL, &err), MM_OK);
    mm_histogram_free(&r.latency);
    assert_int_equal(before.tokens_month, r.sums.tokens_in + r.sums.tokens_out);
    assert_int_equal(before.cost_month_micros, r.sums.cost_micros);

    int64_t count_before = catalog_usage_count(fx->cat);
    assert_int_equal(catalog_usage_set_retention_days(fx->cat, 2, &err), MM_OK);
    assert_int_equal(catalog_usage_retention_days(fx->cat), 2);
    mm_usage_prune_result pruned;
    int steps = 0;
    do { /* in small steps, as the monitor does */
        assert_int_equal(catalog_usage_prune(fx->cat, now, 200, 16, &pruned, &err), MM_OK);
        steps++;
    } while (pruned.more);
    assert_true(steps > 1);
    assert_true(catalog_usage_count(fx->cat) < count_before);
    int64_t oldest = 0;
    assert_int_equal(
        cat_query_int(fx->cat, "SELECT min(ts_ms) FROM usage_events", NULL, &oldest, &err), MM_OK);
    assert_true(oldest >= now - 2 * DAY);
    assert_int_equal(catalog_account_counters(fx->cat, "acct-2", now, true, &after, &err), MM_OK);
    assert_int_equal(after.tokens_month, before.tokens_month);
    assert_int_equal(after.cost_month_micros, before.cost_month_micros);
    assert_int_equal(
        catalog_account_counters(fx->cat, "acct-2", BASE + DAY, true, &march_after, &err), MM_OK);
    assert_int_equal(march_after.tokens_month, march_before.tokens_month);
    assert_int_equal(march_after.cost_month_micros, march_before.cost_month_micros);
    assert_int_equal(
        catalog_workspace_counters(fx->cat, "team-1", "model-0", now, true, &ws_after, &err),
        MM_OK);
    assert_int_equal(ws_after.tokens_month, ws_before.tokens_month);
    assert_int_equal(ws_after.cost_month_micros, ws_before.cost_month_micros);
}

/* The month's cost per account (the Health page's "$ month", summed from the day rollups in
 * one scan) equals a recount of the raw events: each account's priced cost and unpriced
 * requests since the month began, sorted by name, the accounts without either left out. */
static void month_costs_equal_a_recount_of_the_raw_events(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err;
    ingest(fx->cat, 7, N_EVENTS);
    int64_t months[] = {mm_month_start_ms(BASE), mm_month_start_ms(BASE + 4 * DAY)};
    for (size_t m = 0; m < 2; m++) {
        mm_month_cost *costs = NULL;
        size_t count = 0;
        assert_int_equal(catalog_usage_month_costs(fx->cat, months[m], &costs, &count, NULL, &err),
                         MM_OK);
        size_t expected = 0;
        for (int a = 0; a < N_ACCOUNTS; a++) {
            char account[16];
            snprintf(account, sizeof account, "acct-%d", a);
            mm_rollup_query q = {
                .account = account, .kind = "request", .from_ms = months[m], .to_ms = INT64_MAX};
            recount r = {.q = &q};
            mm_histogram_init(&r.latency);
            assert_int_equal(catalog_usage_since_id(fx->cat, 0, 0, add_recounted, &r, NULL, &err),
                             MM_OK);
            mm_histogram_free(&r.latency);
            if (r.sums.cost_micros == 0 && r.sums.unpriced == 0)
                continue;
            assert_true(expected < count);
            assert_string_equal(costs[expected].account, account); /* acct-0 < acct-1 < ... */
            assert_int_equal(costs[expected].cost_micros, r.sums.cost_micros);
            assert_int_equal(costs[expected].unpriced, r.sums.unpriced);
            expected++;
        }
        assert_true(expected > 0);
        assert_int_equal(count, expected);
        free(costs);
    }
}

#define N_SPREAD_ACCOUNTS 300
#define N_SPREAD_DAYS 5

/* One event a day on its own days for each of N_SPREAD_ACCOUNTS accounts whose names sort
 * otherwise than their numbers ("a1" < "a10" < "a100" < "a101" < ... < "a2"), so each day of
 * the month brings new accounts between the ones already summed; a priced or unpriced request
 * and, some days, a probe. expected[m] gets each account's sums from months[m] on. */
static void ingest_spread(mm_catalog *cat, const int64_t months[2],
                          mm_month_cost expected[2][N_SPREAD_ACCOUNTS])
{
    setenv("MM_FAKE_NOW_MS", "1775304000000", 1); /* BASE + 5 days */
    mm_error err;
    mm_usage_event batch[64];
    size_t n = 0;
    for (int d = 0; d < N_SPREAD_DAYS; d++) {
        for (int i = 0; i < N_SPREAD_ACCOUNTS; i++) {
            if ((i * 7 + d * 3) % 5 < 2 || (d == 0 && i % 2)) /* some days only; later firsts */
                continue;
            mm_usage_event *ev = &batch[n++];
            memset(ev, 0, sizeof *ev);
            ev->ts_ms = BASE + d * DAY - 11 * 3600000LL + i * 1000; /* Mar 30 01:00 on */
            mm_copy(ev->kind, sizeof ev->kind, (i + d) % 9 == 0 ? "probe" : "request");
            snprintf(ev->account, sizeof ev->account, "a%d", i);
            mm_copy(ev->provider, sizeof ev->provider, "openai");
            mm_copy(ev->workspace, sizeof ev->workspace, "team-1");
            mm_copy(ev->model, sizeof ev->model, "model-0");
            mm_copy(ev->outcome, sizeof ev->outcome, "ok");
            ev->http_status = 200;
            ev->latency_ms = 100;
            ev->cost_micros = (i + d) % 4 == 0 ? -1 : 1000 + i * 10 + d;
            ev->retry_after_ms = -1;
            for (int m = 0; m < 2; m++) {
                mm_month_cost *sum = &expected[m][i];
                snprintf(sum->account, sizeof sum->account, "a%d", i);
                if (ev->ts_ms >= months[m] && strcmp(ev->kind, "request") == 0) {
                    sum->cost_micros += ev->cost_micros < 0 ? 0 : ev->cost_micros;
                    sum->unpriced += ev->cost_micros < 0;
                }
            }
            if (n == sizeof batch / sizeof batch[0]) {
                assert_int_equal(catalog_usage_insert_batch(cat, batch, n, &err), MM_OK);
                n = 0;
            }
        }
    }
    if (n)
        assert_int_equal(catalog_usage_insert_batch(cat, batch, n, &err), MM_OK);
}

static int compare_month_cost(const void *a, const void *b)
{
    return strcmp(((const mm_month_cost *)a)->account, ((const mm_month_cost *)b)->account);
}

static void note_newest_id(const mm_usage_event *ev, void *ctx)
{
    int64_t *newest = ctx;
    *newest = ev->id > *newest ? ev->id : *newest;
}

/* catalog_usage_month_costs equals expected's accounts with a cost or an unpriced request,
 * sorted by name (strcmp's), and its newest event id is the catalog's newest event's. */
static void assert_month_costs(mm_catalog *cat, int64_t month_start_ms,
                               const mm_month_cost expected[N_SPREAD_ACCOUNTS])
{
    mm_month_cost want[N_SPREAD_ACCOUNTS];
    size_t n_want = 0;
    for (int i = 0; i < N_SPREAD_ACCOUNTS; i++)
        if (expected[i].cost_micros != 0 || expected[i].unpriced != 0)
            want[n_want++] = expected[i];
    qsort(want, n_want, sizeof want[0], compare_month_cost);
    mm_month_cost *costs = NULL;
    size_t count = 0;
    mm_error err;
    int64_t upto = -1, newest = 0;
    size_t events;
    assert_int_equal(catalog_usage_month_costs(cat, month_start_ms, &costs, &count, &upto, &err),
                     MM_OK);
    assert_int_equal(
        catalog_usage_since_id(cat, 0, INT32_MAX, note_newest_id, &newest, &events, &err), MM_OK);
    assert_int_equal(upto, newest);
    assert_true(n_want > N_SPREAD_ACCOUNTS / 2);
    assert_int_equal(count, n_want);
    for (size_t i = 0; i < n_want; i++) {
        assert_string_equal(costs[i].account, want[i].account);
        assert_int_equal(costs[i].cost_micros, want[i].cost_micros);
        assert_int_equal(costs[i].unpriced, want[i].unpriced);
    }
    free(costs);
}

/* The month's costs with accounts first seen on later days, between the names already summed,
 * equal the sums of the events written (only this month's requests), in March and in April
 * (across the month boundary), and stay the same once the raw events are pruned. */
static void month_costs_of_accounts_arriving_each_day_stay_exact_after_pruning(void **state)
{
    catalog_fixture *fx = *state;
    int64_t months[] = {mm_month_start_ms(BASE), mm_month_start_ms(BASE + 4 * DAY)};
    static mm_month_cost expected[2][N_SPREAD_ACCOUNTS];
    memset(expected, 0, sizeof expected);
    ingest_spread(fx->cat, months, expected);
    mm_error err;
    for (int m = 0; m < 2; m++)
        assert_month_costs(fx->cat, months[m], expected[m]);
    int64_t before = catalog_usage_count(fx->cat);
    assert_int_equal(catalog_usage_set_retention_days(fx->cat, 2, &err), MM_OK);
    mm_usage_prune_result pruned;
    do
        assert_int_equal(catalog_usage_prune(fx->cat, BASE + 5 * DAY, 500, 16, &pruned, &err),
                         MM_OK);
    while (pruned.more);
    assert_true(catalog_usage_count(fx->cat) < before / 2);
    for (int m = 0; m < 2; m++)
        assert_month_costs(fx->cat, months[m], expected[m]);
}

static void retention_setting_has_a_default_and_bounds(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err;
    assert_int_equal(catalog_usage_retention_days(fx->cat), MM_USAGE_RETENTION_DAYS_DEFAULT);
    assert_int_equal(catalog_usage_set_retention_days(fx->cat, 1, &err), MM_E_INVALID);
    assert_int_equal(catalog_usage_set_retention_days(fx->cat, 400, &err), MM_OK);
    assert_int_equal(catalog_usage_retention_days(fx->cat), 400);
    if (fx->postgres)
        return; /* auto_vacuum is SQLite's */
    int64_t mode = 0;
    assert_int_equal(cat_query_int(fx->cat, "PRAGMA auto_vacuum", NULL, &mode, &err), MM_OK);
    assert_int_equal(mode, 2); /* a new catalog is INCREMENTAL */
}

static void sketch_round_trip_keeps_the_stated_error(void **state)
{
    (void)state;
    mm_histogram h, back;
    mm_histogram_init(&h);
    mm_histogram_init(&back);
    int64_t values[1000];
    for (int i = 0; i < 1000; i++) {
        values[i] = 1 + (int64_t)i * i % 20000;
        assert_true(mm_histogram_add(&h, values[i]));
    }
    size_t size = mm_histogram_encoded_size(&h);
    unsigned char *buf = malloc(size);
    mm_histogram_encode(&h, buf);
    assert_true(size < 16 + 6 * MM_HIST_BUCKETS);
    assert_true(mm_histogram_merge_encoded(&back, buf, size));
    assert_false(mm_histogram_merge_encoded(&back, buf, size - 1)); /* malformed */
    for (int i = 0; i < 1000; i++) /* sort for the exact quantile */
        for (int j = i + 1; j < 1000; j++)
            if (values[j] < values[i]) {
                int64_t t = values[i];
                values[i] = values[j];
                values[j] = t;
            }
    double p95 = mm_histogram_quantile(&back, 0.95);
    assert_true(fabs(p95 - (double)values[949]) <= MM_HIST_RELATIVE_ERROR * (double)values[949]);
    assert_int_equal(back.count, 1000);
    free(buf);
    mm_histogram_free(&h);
    mm_histogram_free(&back);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(rollups_equal_a_recount_after_random_ingest,
                                        catalog_fixture_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(large_batches_equal_a_recount, catalog_fixture_setup,
                                        catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(a_failed_batch_adds_nothing_to_the_rollups,
                                        catalog_fixture_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(figures_beyond_the_bounds_are_stored_at_them_and_sums_fit,
                                        catalog_fixture_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(plain_sql_events_and_the_backfill_are_rolled_up,
                                        catalog_fixture_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(plain_sql_events_are_caught_up_by_the_next_batch,
                                        catalog_fixture_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(
            month_to_date_stays_exact_across_pruning_and_the_month_boundary, catalog_fixture_setup,
            catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(migration_12_keeps_the_rollups, catalog_fixture_setup,
                                        catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(migration_13_fills_the_ttft_sketches_from_the_raw_events,
                                        catalog_fixture_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(migration_13_leaves_a_partial_minute_without_a_sketch,
                                        catalog_fixture_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(month_costs_equal_a_recount_of_the_raw_events,
                                        catalog_fixture_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(
            month_costs_of_accounts_arriving_each_day_stay_exact_after_pruning,
            catalog_fixture_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(retention_setting_has_a_default_and_bounds,
                                        catalog_fixture_setup, catalog_fixture_teardown),
        cmocka_unit_test(sketch_round_trip_keeps_the_stated_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
