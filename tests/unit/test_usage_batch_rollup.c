/* Unit tests of batched usage ingest on either engine (SQLite; PostgreSQL when MM_DB is a
 * postgresql:// address): many events of one rollup key in one batch, several keys and months,
 * ids in row order, and the rollups equal to a recount of the raw events, also after an
 * admission flush and a refused batch (nothing stored, nothing summed). */
#include "testutil.h"
#include "test_rollup_recount.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/admission.h"
#include "catalog/catalog.h"
#include "catalog/db_engine.h"
#include "util/histogram.h"
#include "util/text.h"

#define DAY 86400000LL
#define MINUTE 60000LL
/* 2026-01-31 23:58 UTC: a batch spans January, February and (with + 29 days) March */
#define BASE 1769903880000LL
#define BATCH 1037 /* more than one PostgreSQL statement's rows, and a remainder */

typedef struct fixture {
    char *dir;
    char address[1024];
    mm_catalog *cat;
} fixture;

static int setup(void **state)
{
    testutil_set_master_key();
    fixture *fx = calloc(1, sizeof *fx);
    const char *env = getenv("MM_DB");
    if (env && db_address_is_postgres(env)) {
        snprintf(fx->address, sizeof fx->address, "%s", env);
        db_conn *db = NULL;
        mm_error err;
        db_open_options opts = {.create = true};
        if (db_open(fx->address, &opts, &db, &err) != MM_OK ||
            db_exec(db, "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public", "cleaning",
                    &err) != MM_OK)
            fail_msg("%s", err.message);
        db_close(db);
    } else {
        fx->dir = testutil_tempdir();
        snprintf(fx->address, sizeof fx->address, "%s/catalog.db", fx->dir);
    }
    /* the last event is 29 days after BASE: minute rollups for the last 48 h of them */
    setenv("MM_FAKE_NOW_MS", "1772409600000", 1);
    mm_catalog_options opts = {.path = fx->address, .create = true};
    mm_error err;
    if (catalog_open(&opts, &fx->cat, &err) != MM_OK)
        fail_msg("catalog_open: %s", err.message);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    catalog_close(fx->cat);
    if (fx->dir)
        testutil_rmtree(fx->dir);
    free(fx);
    unsetenv("MM_FAKE_NOW_MS");
    return 0;
}

/* Event i of a batch: runs of 100 events share an account and a minute (one rollup key), over
 * three accounts, two workspaces x two models, and a time that crosses two month boundaries. */
static mm_usage_event event(int i, int64_t base)
{
    mm_usage_event ev;
    memset(&ev, 0, sizeof ev);
    int run = i / 100;
    ev.ts_ms = base + run * 7 * MINUTE + i % 100 * 500 + (i % 3 == 0 ? 29 * DAY : 0);
    mm_copy(ev.kind, sizeof ev.kind, i % 9 == 0 ? "probe" : "request");
    snprintf(ev.account, sizeof ev.account, "acct-%d", run % 3);
    mm_copy(ev.provider, sizeof ev.provider, "openai");
    snprintf(ev.workspace, sizeof ev.workspace, "team-%d", i % 2);
    snprintf(ev.model, sizeof ev.model, "model-%d", i / 2 % 2);
    mm_copy(ev.outcome, sizeof ev.outcome, i % 7 == 0 ? "rate_limited" : "ok");
    ev.http_status = i % 7 == 0 ? 429 : 200;
    ev.latency_ms = 50 + i % 700;
    ev.tokens_in = i % 300;
    ev.tokens_out = i % 101;
    ev.cost_micros = i % 13 == 0 ? -1 : i % 977;
    ev.retry_after_ms = -1;
    snprintf(ev.message, sizeof ev.message, "event %d", i);
    return ev;
}

/* Every account's days and minutes, every workspace x model's days, of the batches' span. */
static void assert_all_exact(mm_catalog *cat)
{
    char name[16], model[16];
    for (int64_t day = BASE - BASE % DAY; day < BASE + 31 * DAY; day += DAY)
        for (int a = 0; a < 3; a++) {
            snprintf(name, sizeof name, "acct-%d", a);
            mm_rollup_query q = {.account = name, .from_ms = day, .to_ms = day + DAY};
            assert_rollup_equals_recount(cat, &q);
            q.kind = "probe";
            assert_rollup_equals_recount(cat, &q);
        }
    for (int a = 0; a < 3; a++) { /* the minutes of the recent part, one by one */
        snprintf(name, sizeof name, "acct-%d", a);
        for (int64_t m = BASE + 29 * DAY; m < BASE + 29 * DAY + 80 * MINUTE; m += MINUTE) {
            mm_rollup_query q = {.account = name,
                                 .per_minute = true,
                                 .from_ms = m - m % MINUTE,
                                 .to_ms = m - m % MINUTE + MINUTE};
            assert_rollup_equals_recount(cat, &q);
        }
    }
    for (int w = 0; w < 2; w++)
        for (int m = 0; m < 2; m++) {
            snprintf(name, sizeof name, "team-%d", w);
            snprintf(model, sizeof model, "model-%d", m);
            mm_rollup_query q = {.workspace = name,
                                 .model = model,
                                 .kind = "request",
                                 .from_ms = 0,
                                 .to_ms = INT64_MAX};
            assert_rollup_equals_recount(cat, &q);
        }
}

typedef struct by_id {
    const mm_usage_event *batch;
    size_t count, seen;
} by_id;

/* Each stored event is the batch's event that got its id (ids follow the rows' order). */
static void check_stored(const mm_usage_event *ev, void *ctx)
{
    by_id *b = ctx;
    for (size_t i = 0; i < b->count; i++)
        if (b->batch[i].id == ev->id) {
            assert_int_equal(ev->ts_ms, b->batch[i].ts_ms);
            assert_string_equal(ev->account, b->batch[i].account);
            assert_string_equal(ev->message, b->batch[i].message);
            assert_int_equal(ev->tokens_in, b->batch[i].tokens_in);
            b->seen++;
            return;
        }
}

static void a_batch_of_many_events_per_key_is_summed_exactly(void **state)
{
    fixture *fx = *state;
    mm_error err;
    static mm_usage_event batch[BATCH];
    for (int round = 0; round < 2; round++) { /* the second adds to the stored rows */
        for (int i = 0; i < BATCH; i++)
            batch[i] = event(i, BASE + round * 30000);
        assert_int_equal(catalog_usage_insert_batch(fx->cat, batch, BATCH, &err), MM_OK);
        for (int i = 1; i < BATCH; i++)
            assert_true(batch[i].id > batch[i - 1].id);
        by_id b = {.batch = batch, .count = BATCH};
        assert_int_equal(
            catalog_usage_since_id(fx->cat, batch[0].id - 1, 0, check_stored, &b, NULL, &err),
            MM_OK);
        assert_int_equal(b.seen, BATCH);
    }
    assert_int_equal(catalog_usage_count(fx->cat), 2 * BATCH);
    assert_all_exact(fx->cat);
}

static void an_admission_flush_is_summed_like_a_batch(void **state)
{
    fixture *fx = *state;
    mm_error err;
    int64_t tx;
    static mm_admission_record records[300];
    memset(records, 0, sizeof records);
    for (int i = 0; i < 300; i++)
        records[i].event = event(i * 3, BASE);
    assert_int_equal(catalog_admission_flush(fx->cat, records, 300, &tx, &err), MM_OK);
    for (int i = 1; i < 300; i++)
        assert_true(records[i].event.id > records[i - 1].event.id);
    assert_int_equal(catalog_usage_count(fx->cat), 300);
    assert_all_exact(fx->cat);
}

static void a_refused_batch_stores_and_sums_nothing(void **state)
{
    fixture *fx = *state;
    mm_error err;
    static mm_usage_event batch[BATCH];
    for (int i = 0; i < BATCH; i++)
        batch[i] = event(i, BASE);
    assert_int_equal(catalog_usage_insert_batch(fx->cat, batch, 10, &err), MM_OK);
    mm_copy(batch[BATCH - 1].kind, sizeof batch[BATCH - 1].kind, "bogus");
    assert_int_equal(catalog_usage_insert_batch(fx->cat, batch + 10, BATCH - 10, &err),
                     MM_E_INVALID);
    assert_int_equal(batch[10].id, 0);
    assert_int_equal(catalog_usage_count(fx->cat), 10);
    assert_all_exact(fx->cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_batch_of_many_events_per_key_is_summed_exactly, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(an_admission_flush_is_summed_like_a_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(a_refused_batch_stores_and_sums_nothing, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
