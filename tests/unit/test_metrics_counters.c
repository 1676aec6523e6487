/* Unit tests of the exporter's counters on a real catalog: the events recorded after the start
 * counted once each, and on PostgreSQL an event whose id commits after a higher one was read
 * counted once, when it commits. */
#include "test_catalog_util.h"

#include "metrics/counters.h"
#include "test_late_writer.h"
#include "util/clock.h"

static mm_usage_event request(const char *account, int64_t ts_ms)
{
    mm_usage_event ev;
    memset(&ev, 0, sizeof ev);
    strcpy(ev.kind, "request");
    strcpy(ev.account, account);
    strcpy(ev.provider, "openai-compatible");
    strcpy(ev.outcome, "ok");
    ev.ts_ms = ts_ms;
    ev.latency_ms = 100;
    ev.tokens_in = 10;
    ev.cost_micros = 250;
    ev.retry_after_ms = -1;
    return ev;
}

static void insert(catalog_fixture *f, const char *account, int64_t ts_ms)
{
    mm_usage_event ev = request(account, ts_ms);
    mm_error err = {0};
    if (catalog_usage_insert(f->cat, &ev, &err) != MM_OK)
        fail_msg("insert: %s", err.message);
}

/* The requests counted for account (0 when it has no counters). */
static int64_t requests_of(const mm_metrics_counters *c, const char *account)
{
    for (size_t i = 0; i < c->n_accounts; i++)
        if (strcmp(c->accounts[i].account, account) == 0)
            return c->accounts[i].requests;
    return 0;
}

static void update(catalog_fixture *f, mm_metrics_counters *c)
{
    mm_error err = {0};
    if (metrics_counters_update(c, f->cat, &err) != MM_OK)
        fail_msg("update: %s", err.message);
}

/* An event before the start is not counted; the three after it are, once, however often the
 * counters are brought up to date. */
static void the_events_after_the_start_are_counted_once(void **state)
{
    catalog_fixture *f = *state;
    int64_t now = mm_now_ms();
    insert(f, "a", now - 5000);
    mm_metrics_counters c;
    mm_error err = {0};
    assert_int_equal(metrics_counters_init(&c, f->cat, now, &err), MM_OK);
    for (int i = 0; i < 3; i++)
        insert(f, "a", now - 4000 + i);
    for (int round = 0; round < 2; round++) {
        update(f, &c);
        assert_int_equal(requests_of(&c, "a"), 3);
        assert_int_equal(c.accounts[0].cost_micros, 750);
    }
    metrics_counters_free(&c);
}

/* The newest id that cannot be read fails the start: counting from 0 would take every past event
 * for a new one (the counters then said a year of requests was served since the start). */
static void a_start_that_cannot_read_the_newest_id_fails(void **state)
{
    catalog_fixture *f = *state;
    insert(f, "a", mm_now_ms() - 5000);
    db_conn *db = NULL;
    mm_error err = {0};
    db_open_options opts = {0};
    assert_int_equal(db_open(f->path, &opts, &db, &err), MM_OK);
    assert_int_equal(
        db_exec(db, "ALTER TABLE usage_events RENAME TO usage_events_away", "test", &err), MM_OK);
    mm_metrics_counters c;
    assert_int_not_equal(metrics_counters_init(&c, f->cat, mm_now_ms(), &err), MM_OK);
    assert_non_null(strstr(err.message, "usage_events"));
    metrics_counters_free(&c);
    assert_int_equal(
        db_exec(db, "ALTER TABLE usage_events_away RENAME TO usage_events", "test", &err), MM_OK);
    db_close(db);
}

/* Event 2 (account a) takes its id and waits before its commit; event 3 (account b) commits and
 * is counted meanwhile. Once 2 commits, the next update counts it, and no later one again. */
static void an_id_committed_after_a_higher_one_is_counted_once(void **state)
{
    POSTGRES_ONLY("SQLite commits ids in order: one writer at a time");
    catalog_fixture *f = *state;
    int64_t now = mm_now_ms();
    insert(f, "a", now - 5000); /* id 1: before the start */
    mm_metrics_counters c;
    mm_error err = {0};
    assert_int_equal(metrics_counters_init(&c, f->cat, now, &err), MM_OK);

    late_writer late;
    late_writer_start(&late, f->path, request("a", now - 4000));
    db_conn *watch = NULL;
    db_open_options opts = {0};
    assert_int_equal(db_open(f->path, &opts, &watch, &err), MM_OK);
    assert_int_equal(late_query_int(watch, "SELECT last_value FROM usage_events_id_seq"), 2);
    insert_around_rollups(watch, "b", now - 3000);
    assert_int_equal(late_query_int(watch, "SELECT max(id) FROM usage_events"), 3);
    update(f, &c);
    assert_int_equal(requests_of(&c, "b"), 1);
    assert_int_equal(requests_of(&c, "a"), 0);

    late_writer_commit(&late);
    assert_int_equal(late.ev.id, 2);
    for (int round = 0; round < 2; round++) { /* once, then never again */
        update(f, &c);
        assert_int_equal(requests_of(&c, "a"), 1);
        assert_int_equal(requests_of(&c, "b"), 1);
    }
    db_close(watch);
    metrics_counters_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(the_events_after_the_start_are_counted_once,
                                        catalog_fixture_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(a_start_that_cannot_read_the_newest_id_fails,
                                        catalog_fixture_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(an_id_committed_after_a_higher_one_is_counted_once,
                                        catalog_fixture_setup, catalog_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
