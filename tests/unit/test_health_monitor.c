/* Unit tests of the monitor against a real catalog (no network): the start-up load is one
 * indexed query, snapshots reach readers with a wake byte and stay valid under concurrent
 * readers, a new event's status change is published, changed settings are picked up while
 * running, the prober lease passes on, and a console's monitor probes, and reads the month's
 * cost, only once its first figures are drawn. */
#include "testutil.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "catalog/db_engine.h"
#include "health/monitor.h"
#include "util/clock.h"

typedef struct fixture {
    char *dir;
    char path[1024];
    mm_catalog *cat;
    int wake[2];
} fixture;

static int setup(void **state)
{
    testutil_set_master_key();
    fixture *f = calloc(1, sizeof *f);
    f->dir = testutil_tempdir();
    testutil_catalog_address(f->dir, f->path, sizeof f->path);
    mm_catalog_options opts = {.path = f->path, .create = true};
    mm_error err = {0};
    if (catalog_open(&opts, &f->cat, &err) != MM_OK)
        fail_msg("catalog_open: %s", err.message);
    assert_int_equal(pipe(f->wake), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    catalog_close(f->cat);
    close(f->wake[0]);
    close(f->wake[1]);
    testutil_rmtree(f->dir);
    free(f);
    return 0;
}

static void add_account(fixture *f, const char *name, bool enabled)
{
    mm_account acc;
    mm_account_init(&acc);
    strcpy(acc.name, name);
    strcpy(acc.provider, "openai-compatible");
    strcpy(acc.endpoint, "http://127.0.0.1:9/v1");
    acc.enabled = enabled;
    mm_error err = {0};
    if (catalog_account_insert(f->cat, &acc, NULL, &err) != MM_OK)
        fail_msg("account insert: %s", err.message);
}

static void add_event(fixture *f, const char *account, int64_t ts, const char *outcome,
                      int64_t latency)
{
    mm_usage_event ev;
    memset(&ev, 0, sizeof ev);
    strcpy(ev.kind, "request");
    strcpy(ev.account, account);
    strcpy(ev.provider, "openai-compatible");
    strcpy(ev.outcome, outcome);
    ev.ts_ms = ts;
    ev.latency_ms = latency;
    ev.tokens_in = 100;
    ev.tokens_out = 10;
    ev.cost_micros = 250;
    ev.retry_after_ms = -1;
    mm_error err = {0};
    if (catalog_usage_insert(f->cat, &ev, &err) != MM_OK)
        fail_msg("usage insert: %s", err.message);
}

/* Waits for a wake byte; the bound only keeps a broken monitor from hanging the suite. */
static bool wait_wake(fixture *f)
{
    struct pollfd pfd = {.fd = f->wake[0], .events = POLLIN};
    if (poll(&pfd, 1, 20000) != 1)
        return false;
    char buf[64];
    return read(f->wake[0], buf, sizeof buf) > 0;
}

static mm_monitor *start(fixture *f, bool probe, int64_t lease_ms)
{
    mm_monitor_config cfg = {.catalog_path = f->path,
                             .wake_fd = f->wake[1],
                             .probe = probe,
                             .lease_ms = lease_ms,
                             .interval_ms = 3600000};
    mm_monitor *mon = NULL;
    mm_error err = {0};
    if (health_monitor_start(&cfg, &mon, &err) != MM_OK)
        fail_msg("monitor start: %s", err.message);
    return mon;
}

/* Waits until pred(snapshot) holds, each wake byte bringing a new snapshot. */
static bool wait_for(fixture *f, mm_monitor *mon, bool (*pred)(const mm_health_snapshot *, void *),
                     void *arg)
{
    for (int i = 0; i < 200; i++) {
        mm_health_snapshot *snap = health_monitor_snapshot(mon);
        bool done = snap && pred(snap, arg);
        health_snapshot_release(snap);
        if (done)
            return true;
        if (!wait_wake(f))
            return false;
    }
    return false;
}

/* ---- the start-up query uses an index ---- */

typedef struct trace_capture {
    char sql[1024];
} trace_capture;

static trace_capture *captured(void)
{
    static trace_capture capture; /* test-only: the trace hook has no context argument */
    return &capture;
}

static int on_trace(unsigned type, void *ctx, void *p, void *x)
{
    (void)ctx;
    (void)x;
    if (type != SQLITE_TRACE_STMT)
        return 0;
    const char *sql = sqlite3_sql((sqlite3_stmt *)p);
    if (sql && strstr(sql, "FROM usage_events") && strstr(sql, "ts_ms >=") &&
        !strstr(sql, "EXPLAIN"))
        snprintf(captured()->sql, sizeof captured()->sql, "%s", sql);
    return 0;
}

static int install_trace(sqlite3 *db, const char **errmsg, const void *api)
{
    (void)errmsg;
    (void)api;
    sqlite3_trace_v2(db, SQLITE_TRACE_STMT, on_trace, NULL);
    return SQLITE_OK;
}

static void count_event(const mm_usage_event *ev, void *ctx)
{
    (void)ev;
    (*(int *)ctx)++;
}

static void startup_load_uses_the_time_index(void **state)
{
    SQLITE_ONLY("SQLite's statement trace and query plan");
    fixture *f = *state;
    catalog_close(f->cat);
    sqlite3_auto_extension((void (*)(void))install_trace);
    mm_catalog_options opts = {.path = f->path};
    mm_error err = {0};
    assert_int_equal(catalog_open(&opts, &f->cat, &err), MM_OK);
    int64_t now = mm_now_ms();
    for (int i = 0; i < 200; i++)
        add_event(f, i % 2 ? "a" : "b", now - 7200000 + i * 36000, "ok", 100);
    int n = 0;
    assert_int_equal(catalog_usage_since_time(f->cat, NULL, now - 3600000, count_event, &n, &err),
                     MM_OK);
    sqlite3_reset_auto_extension();
    assert_int_equal(n, 100);
    assert_non_null(strstr(captured()->sql, "usage_events"));
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    char explain[1200];
    snprintf(explain, sizeof explain, "EXPLAIN QUERY PLAN %s", captured()->sql);
    sqlite3_stmt *stmt;
    assert_int_equal(sqlite3_prepare_v2(db, explain, -1, &stmt, NULL), SQLITE_OK);
    char plan[2048] = "";
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        strncat(plan, (const char *)sqlite3_column_text(stmt, 3), sizeof plan - strlen(plan) - 2);
        strcat(plan, "\n");
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    if (!strstr(plan, "SEARCH usage_events USING") || strstr(plan, "TEMP B-TREE"))
        fail_msg("the last-hour query does not use an index:\n%s", plan);
}

/* ---- snapshots ---- */

static bool has_requests(const mm_health_snapshot *snap, void *arg)
{
    const mm_health_figures *fig = health_report_find(&snap->report, "a");
    return fig && fig->requests == *(int64_t *)arg;
}

static bool is_status(const mm_health_snapshot *snap, void *arg)
{
    const mm_health_figures *fig = health_report_find(&snap->report, "a");
    return fig && fig->status == *(mm_health *)arg;
}

static void snapshot_shows_loaded_and_tailed_events(void **state)
{
    fixture *f = *state;
    add_account(f, "a", true);
    add_account(f, "b", false);
    int64_t now = mm_now_ms();
    for (int i = 0; i < 20; i++)
        add_event(f, "a", now - 1000 - i, "ok", 100 + i);
    add_event(f, "a", now - 7200000, "server", 100); /* two hours ago: not counted */
    mm_monitor *mon = start(f, false, 0);
    int64_t expected = 20;
    assert_true(wait_for(f, mon, has_requests, &expected));
    mm_health_snapshot *snap = health_monitor_snapshot(mon);
    const mm_health_figures *a = health_report_find(&snap->report, "a");
    assert_int_equal(a->status, MM_HEALTH_HEALTHY);
    assert_int_equal(a->errors, 0);
    assert_int_equal(a->tokens_in, 2000);
    assert_int_equal(a->cost_micros_hour, 5000);
    assert_int_equal(a->cost_micros_month >= 5000, true);
    const mm_health_figures *b = health_report_find(&snap->report, "b");
    assert_false(b->enabled);
    assert_int_equal(b->status, MM_HEALTH_UNKNOWN);
    assert_false(snap->is_prober);
    health_snapshot_release(snap);
    /* another process's failures arrive through the tail and flip the status */
    for (int i = 0; i < 10; i++)
        add_event(f, "a", mm_now_ms(), "server", 100);
    mm_health degraded = MM_HEALTH_DEGRADED;
    assert_true(wait_for(f, mon, is_status, &degraded));
    health_monitor_stop(mon);
}

static bool p95_threshold_is(const mm_health_snapshot *snap, void *arg)
{
    return snap->report.thresholds.degraded_p95_ms == *(int64_t *)arg;
}

static void a_running_monitor_picks_up_changed_settings(void **state)
{
    fixture *f = *state;
    add_account(f, "a", true);
    int64_t now = mm_now_ms();
    for (int i = 0; i < 10; i++)
        add_event(f, "a", now - 1000 - i, "ok", 300);
    mm_monitor *mon = start(f, false, 0);
    mm_health healthy = MM_HEALTH_HEALTHY, degraded = MM_HEALTH_DEGRADED;
    assert_true(wait_for(f, mon, is_status, &healthy));
    /* another process (`mmadmin health config`) lowers the p95 threshold under 300 ms: the
     * monitor re-reads its settings on its accounts tick, without a refresh request */
    mm_error err = {0};
    assert_int_equal(catalog_setting_set(f->cat, MM_SETTING_DEGRADED_P95_MS, "200", &err), MM_OK);
    int64_t p95 = 200;
    assert_true(wait_for(f, mon, p95_threshold_is, &p95));
    assert_true(wait_for(f, mon, is_status, &degraded));
    health_monitor_stop(mon);
}

typedef struct reader_args {
    mm_monitor *mon;
    atomic_bool *stop;
    long reads;
} reader_args;

static void *reader(void *arg)
{
    reader_args *r = arg;
    while (!atomic_load(r->stop)) {
        mm_health_snapshot *snap = health_monitor_snapshot(r->mon);
        if (snap) {
            int64_t sum = 0;
            for (size_t i = 0; i < snap->report.count; i++)
                sum += snap->report.accounts[i].requests +
                       snap->report.accounts[i].series_requests[59];
            if (sum >= 0)
                r->reads++;
        }
        health_snapshot_release(snap);
    }
    return NULL;
}

static void concurrent_readers_never_see_a_freed_snapshot(void **state)
{
    fixture *f = *state;
    add_account(f, "a", true);
    mm_monitor *mon = start(f, false, 0);
    atomic_bool stop = false;
    pthread_t threads[4];
    reader_args args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (reader_args){.mon = mon, .stop = &stop};
        pthread_create(&threads[i], NULL, reader, &args[i]);
    }
    for (int64_t n = 1; n <= 6; n++) { /* each new event publishes a new snapshot */
        add_event(f, "a", mm_now_ms(), "ok", 10 * n);
        assert_true(wait_for(f, mon, has_requests, &n));
    }
    atomic_store(&stop, true);
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        assert_true(args[i].reads > 0);
    }
    mm_health_snapshot *held = health_monitor_snapshot(mon);
    health_monitor_stop(mon); /* a held snapshot outlives its monitor */
    assert_int_equal(health_report_find(&held->report, "a")->requests, 6);
    health_snapshot_release(held);
}

/* ---- the prober lease ---- */

static bool is_prober(const mm_health_snapshot *snap, void *arg)
{
    (void)arg;
    return snap->is_prober;
}

static void the_lease_passes_to_the_other_monitor(void **state)
{
    fixture *f = *state;
    int other_wake[2];
    assert_int_equal(pipe(other_wake), 0);
    mm_monitor *first = start(f, true, 600);
    assert_true(wait_for(f, first, is_prober, NULL));
    mm_monitor_config cfg = {.catalog_path = f->path,
                             .wake_fd = other_wake[1],
                             .probe = true,
                             .lease_ms = 600,
                             .interval_ms = 3600000};
    mm_monitor *second = NULL;
    mm_error err = {0};
    assert_int_equal(health_monitor_start(&cfg, &second, &err), MM_OK);
    fixture view = *f;
    view.wake[0] = other_wake[0];
    /* the second sees who probes, and is not it */
    mm_health_snapshot *snap = NULL;
    for (int i = 0; i < 50; i++) {
        assert_true(wait_wake(&view));
        snap = health_monitor_snapshot(second);
        if (snap && snap->prober[0])
            break;
        health_snapshot_release(snap);
        snap = NULL;
    }
    assert_non_null(snap);
    assert_false(snap->is_prober);
    health_snapshot_release(snap);
    health_monitor_stop(first); /* releases the lease */
    assert_true(wait_for(&view, second, is_prober, NULL));
    char holder[MM_LEASE_HOLDER_MAX];
    int64_t expires;
    assert_int_equal(
        catalog_lease_holder(f->cat, MM_PROBER_LEASE, holder, sizeof holder, &expires, &err),
        MM_OK);
    snap = health_monitor_snapshot(second);
    assert_string_equal(holder, snap->prober);
    health_snapshot_release(snap);
    health_monitor_stop(second);
    close(other_wake[0]);
    close(other_wake[1]);
}

/* A console's monitor (frame_wait_ms) publishes its figures but neither makes its prober nor
 * takes the lease until the console says it drew them: nobody holds the lease meanwhile. */
static void a_console_monitor_probes_once_its_figures_are_drawn(void **state)
{
    fixture *f = *state;
    add_account(f, "a", true);
    mm_monitor_config cfg = {.catalog_path = f->path,
                             .wake_fd = f->wake[1],
                             .probe = true,
                             .lease_ms = 600,
                             .interval_ms = 3600000,
                             .frame_wait_ms = 600000};
    mm_monitor *mon = NULL;
    mm_error err = {0};
    assert_int_equal(health_monitor_start(&cfg, &mon, &err), MM_OK);
    assert_true(wait_wake(f)); /* the first figures */
    mm_health_snapshot *snap = health_monitor_snapshot(mon);
    assert_non_null(snap);
    assert_non_null(health_report_find(&snap->report, "a"));
    health_snapshot_release(snap);
    usleep(400 * 1000); /* a monitor that did not wait holds the lease well within this */
    char holder[MM_LEASE_HOLDER_MAX] = "";
    int64_t expires = 0;
    assert_int_equal(
        catalog_lease_holder(f->cat, MM_PROBER_LEASE, holder, sizeof holder, &expires, &err),
        MM_OK);
    assert_string_equal(holder, "");
    health_monitor_refresh(mon); /* asked meanwhile: kept for after the wait */
    health_monitor_frame_shown(mon);
    assert_true(wait_for(f, mon, is_prober, NULL));
    health_monitor_frame_shown(mon); /* once only: nothing more */
    health_monitor_stop(mon);
}

/* A console's monitor (month_later, waiting for the first frame) once its first figures are
 * out. */
static mm_monitor *start_month_later(fixture *f)
{
    mm_monitor_config cfg = {.catalog_path = f->path,
                             .wake_fd = f->wake[1],
                             .interval_ms = 3600000,
                             .frame_wait_ms = 600000,
                             .month_later = true};
    mm_monitor *mon = NULL;
    mm_error err = {0};
    assert_int_equal(health_monitor_start(&cfg, &mon, &err), MM_OK);
    assert_true(wait_wake(f)); /* the first figures */
    return mon;
}

static bool month_read(const mm_health_snapshot *snap, void *arg)
{
    (void)arg;
    return !snap->month_pending;
}

/* A console's monitor (month_later) publishes its first figures without the month-to-date cost
 * (pending, the month's figures 0, the hour's there), reads the month once they are drawn, and
 * an event tailed after that adds to the month once. */
static void a_console_monitor_reads_the_month_after_its_first_figures(void **state)
{
    fixture *f = *state;
    add_account(f, "a", true);
    int64_t now = mm_now_ms(), earlier = now - 2 * 3600000; /* before the hour */
    for (int i = 0; i < 3; i++)
        add_event(f, "a", now - 1000 - i, "ok", 100);
    for (int i = 0; i < 4; i++)
        add_event(f, "a", earlier - i, "ok", 100);
    /* 250 micros each: the hour's 3, and the earlier 4 when still in this month */
    int64_t month = 250 * (3 + (earlier - 3 >= mm_month_start_ms(now) ? 4 : 0));
    mm_monitor *mon = start_month_later(f);
    mm_health_snapshot *snap = health_monitor_snapshot(mon);
    assert_true(snap->month_pending);
    const mm_health_figures *a = health_report_find(&snap->report, "a");
    assert_int_equal(a->requests, 3);
    assert_int_equal(a->cost_micros_hour, 750);
    assert_int_equal(a->cost_micros_month, 0);
    assert_int_equal(a->month_unpriced, 0);
    health_snapshot_release(snap);
    health_monitor_frame_shown(mon);
    assert_true(wait_for(f, mon, month_read, NULL));
    snap = health_monitor_snapshot(mon);
    a = health_report_find(&snap->report, "a");
    assert_int_equal(a->requests, 3);
    assert_int_equal(a->cost_micros_month, month);
    health_snapshot_release(snap);
    add_event(f, "a", mm_now_ms(), "ok", 100);
    int64_t four = 4;
    assert_true(wait_for(f, mon, has_requests, &four));
    snap = health_monitor_snapshot(mon);
    assert_int_equal(health_report_find(&snap->report, "a")->cost_micros_month, month + 250);
    health_snapshot_release(snap);
    health_monitor_stop(mon);
}

static bool has_problem(const mm_health_snapshot *snap, void *arg)
{
    (void)arg;
    return snap->problem[0] != '\0';
}

static void exec_sql(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg);
    sqlite3_close(db);
}

/* The month's read failing (the day rollups unreadable) keeps the month pending beside the
 * problem, and the month is read again once it can be: it is never shown as read and 0. */
static void a_month_that_cannot_be_read_stays_pending_until_it_is(void **state)
{
    fixture *f = *state;
    if (testutil_on_postgres())
        skip(); /* the failure is made with SQLite's ALTER TABLE on the file */
    add_account(f, "a", true);
    add_event(f, "a", mm_now_ms() - 1000, "ok", 100);
    mm_monitor *mon = start_month_later(f);
    exec_sql(f->path, "ALTER TABLE usage_rollup_day RENAME TO usage_rollup_day_away");
    health_monitor_frame_shown(mon);
    assert_true(wait_for(f, mon, has_problem, NULL));
    mm_health_snapshot *snap = health_monitor_snapshot(mon);
    assert_true(snap->month_pending);
    health_snapshot_release(snap);
    exec_sql(f->path, "ALTER TABLE usage_rollup_day_away RENAME TO usage_rollup_day");
    assert_true(wait_for(f, mon, month_read, NULL));
    snap = health_monitor_snapshot(mon);
    assert_string_equal(snap->problem, "");
    assert_int_equal(health_report_find(&snap->report, "a")->cost_micros_month, 250);
    health_snapshot_release(snap);
    health_monitor_stop(mon);
}

/* Runs sql on the catalog through a connection of its own (either backend). */
static void exec_catalog(fixture *f, const char *sql)
{
    db_conn *db = NULL;
    mm_error err = {0};
    db_open_options opts = {0};
    if (db_open(f->path, &opts, &db, &err) != MM_OK || db_exec(db, sql, "test", &err) != MM_OK)
        fail_msg("%s: %s", sql, err.message);
    db_close(db);
}

static bool month_and_two_requests(const mm_health_snapshot *snap, void *arg)
{
    int64_t two = 2;
    return month_read(snap, arg) && has_requests(snap, &two);
}

/* A headless monitor (`mmadmin monitor`, `serve --monitor`) whose month cannot be read at start
 * keeps it pending beside the problem (never shown as read, nor summed from 0 by the events
 * tailed after it), then reads it once it can: every event counted once, whether the read comes
 * before or after the next event. */
static void a_headless_monitor_whose_month_fails_at_start_keeps_it_pending(void **state)
{
    fixture *f = *state;
    add_account(f, "a", true);
    add_event(f, "a", mm_now_ms() - 1000, "ok", 100);
    exec_catalog(f, "ALTER TABLE usage_rollup_day RENAME TO usage_rollup_day_away");
    mm_monitor *mon = start(f, false, 0);
    assert_true(wait_for(f, mon, has_problem, NULL));
    mm_health_snapshot *snap = health_monitor_snapshot(mon);
    assert_true(snap->month_pending);
    assert_int_equal(health_report_find(&snap->report, "a")->requests, 1);
    assert_int_equal(health_report_find(&snap->report, "a")->cost_micros_month, 0);
    health_snapshot_release(snap);
    exec_catalog(f, "ALTER TABLE usage_rollup_day_away RENAME TO usage_rollup_day");
    add_event(f, "a", mm_now_ms(), "ok", 100);
    assert_true(wait_for(f, mon, month_and_two_requests, NULL));
    snap = health_monitor_snapshot(mon);
    assert_string_equal(snap->problem, "");
    assert_int_equal(health_report_find(&snap->report, "a")->cost_micros_month, 2 * 250);
    health_snapshot_release(snap);
    health_monitor_stop(mon);
}

static bool round_done(const mm_health_snapshot *snap, void *arg)
{
    (void)arg;
    return snap->last_round_ms != 0;
}

static void count_probe(const mm_usage_event *ev, void *ctx)
{
    if (strcmp(ev->kind, "probe") == 0)
        (*(int *)ctx)++;
}

static int probes_of(fixture *f, const char *account)
{
    int count = 0;
    mm_error err = {0};
    assert_int_equal(catalog_usage_since_time(f->cat, account, 0, count_probe, &count, &err),
                     MM_OK);
    return count;
}

/* One account's stored key damaged (the master key right): the prober skips it without a probe
 * event (the provider was never asked, so no failure of its is recorded), probes the others,
 * and the account's last test says why and what to run. */
static void a_key_that_cannot_be_decrypted_is_skipped_and_said(void **state)
{
    fixture *f = *state;
    const char *names[] = {"a", "b"};
    for (int i = 0; i < 2; i++) {
        mm_account acc;
        mm_account_init(&acc);
        strcpy(acc.name, names[i]);
        strcpy(acc.provider, "openai-compatible");
        strcpy(acc.endpoint, "http://127.0.0.1:9/v1"); /* refused: a quick network failure */
        mm_error err = {0};
        if (catalog_account_insert(f->cat, &acc, "sk-test-0001", &err) != MM_OK)
            fail_msg("account insert: %s", err.message);
    }
    exec_catalog(f, testutil_on_postgres()
                        ? "UPDATE accounts SET key_cipher = '\\x00112233445566778899aabbccddeeff"
                          "00112233445566778899aabbccddeeff00112233'::bytea WHERE name = 'b'"
                        : "UPDATE accounts SET key_cipher = X'00112233445566778899aabbccddeeff"
                          "00112233445566778899aabbccddeeff00112233' WHERE name = 'b'");
    mm_monitor *mon = start(f, true, 0);
    assert_true(wait_for(f, mon, round_done, NULL));
    health_monitor_stop(mon); /* the round's results are written before it ends */
    assert_int_equal(probes_of(f, "a"), 1);
    assert_int_equal(probes_of(f, "b"), 0);
    mm_account b;
    mm_error err = {0};
    assert_int_equal(catalog_account_get(f->cat, "b", &b, &err), MM_OK);
    assert_true(b.last_test_ms != 0);
    assert_false(b.last_test_ok);
    assert_non_null(strstr(b.last_test_message, "the API key cannot be decrypted"));
    assert_non_null(strstr(b.last_test_message, "`mmadmin account edit b --api-key-env VAR`"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(startup_load_uses_the_time_index, setup, teardown),
        cmocka_unit_test_setup_teardown(snapshot_shows_loaded_and_tailed_events, setup, teardown),
        cmocka_unit_test_setup_teardown(a_running_monitor_picks_up_changed_settings, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(concurrent_readers_never_see_a_freed_snapshot, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(the_lease_passes_to_the_other_monitor, setup, teardown),
        cmocka_unit_test_setup_teardown(a_console_monitor_probes_once_its_figures_are_drawn, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_console_monitor_reads_the_month_after_its_first_figures,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(a_month_that_cannot_be_read_stays_pending_until_it_is,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            a_headless_monitor_whose_month_fails_at_start_keeps_it_pending, setup, teardown),
        cmocka_unit_test_setup_teardown(a_key_that_cannot_be_decrypted_is_skipped_and_said, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
