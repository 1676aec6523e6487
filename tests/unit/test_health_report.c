/* Unit tests of the health figures loaded from a real catalog: month-to-date cost and the
 * month's unpriced events (older than the hour, from the catalog's totals; newer, folded),
 * kept apart from the hour's, windows tailed by event id agreeing with a fresh read, the
 * settings table the loaders and the CLI share, and the monitor's account list. */
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog/db_engine.h"
#include "health/report.h"
#include "util/clock.h"

#define T0 INT64_C(1767225600000) /* 2026-01-01 00:00:00 UTC */
#define DAY_MS INT64_C(86400000)
#define NOW (T0 + 10 * DAY_MS + 12 * 3600000)

typedef struct fixture {
    char *dir;
    mm_catalog *cat;
} fixture;

static int setup(void **state)
{
    testutil_set_master_key();
    fixture *f = calloc(1, sizeof *f);
    f->dir = testutil_tempdir();
    char path[1024];
    testutil_catalog_address(f->dir, path, sizeof path);
    mm_catalog_options opts = {.path = path, .create = true};
    mm_error err = {0};
    if (catalog_open(&opts, &f->cat, &err) != MM_OK)
        fail_msg("catalog_open: %s", err.message);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    catalog_close(f->cat);
    testutil_rmtree(f->dir);
    free(f);
    return 0;
}

static void add_account(fixture *f, const char *name)
{
    mm_account acc;
    mm_account_init(&acc);
    strcpy(acc.name, name);
    strcpy(acc.provider, "openai-compatible");
    strcpy(acc.endpoint, "http://127.0.0.1:9/v1");
    mm_error err = {0};
    if (catalog_account_insert(f->cat, &acc, NULL, &err) != MM_OK)
        fail_msg("account insert: %s", err.message);
}

static mm_usage_event request(int64_t ts, int64_t cost_micros)
{
    mm_usage_event ev;
    memset(&ev, 0, sizeof ev);
    strcpy(ev.kind, "request");
    strcpy(ev.account, "a");
    strcpy(ev.provider, "openai-compatible");
    strcpy(ev.outcome, "ok");
    ev.ts_ms = ts;
    ev.latency_ms = 100;
    ev.tokens_in = 10;
    ev.cost_micros = cost_micros;
    ev.retry_after_ms = -1;
    return ev;
}

static void add_request(fixture *f, int64_t ts, int64_t cost_micros)
{
    mm_usage_event ev = request(ts, cost_micros);
    mm_error err = {0};
    if (catalog_usage_insert(f->cat, &ev, &err) != MM_OK)
        fail_msg("usage insert: %s", err.message);
}

static void add_month_of_requests(fixture *f)
{
    add_account(f, "a");
    add_account(f, "b");
    add_request(f, T0 - 5000, -1);         /* December: not this month */
    add_request(f, T0 + DAY_MS, 700);      /* this month, before the hour */
    add_request(f, T0 + 2 * DAY_MS, -1);   /* this month, no price */
    add_request(f, NOW - 60000, -1);       /* the hour, no price */
    add_request(f, NOW - 30000, 300);      /* the hour, priced */
    add_request(f, NOW - 7 * 3600000, -1); /* today, before the hour, no price */
}

static void month_counts_its_unpriced_events_apart_from_the_hour(void **state)
{
    fixture *f = *state;
    add_month_of_requests(f);
    mm_health_report r;
    mm_error err = {0};
    assert_int_equal(health_report_load(f->cat, NOW, NULL, &r, &err), MM_OK);
    const mm_health_figures *a = health_report_find(&r, "a");
    assert_non_null(a);
    assert_int_equal(a->cost_micros_hour, 300);
    assert_int_equal(a->unpriced, 1);
    assert_int_equal(a->cost_micros_month, 1000);
    assert_int_equal(a->month_unpriced, 3);
    const mm_health_figures *b = health_report_find(&r, "b");
    assert_int_equal(b->cost_micros_month, 0);
    assert_int_equal(b->month_unpriced, 0);
    health_report_free(&r);
}

static void folded_events_add_to_the_month_until_it_rolls(void **state)
{
    fixture *f = *state;
    add_month_of_requests(f);
    mm_account_list accounts = {0};
    mm_error err = {0};
    assert_int_equal(catalog_account_list(f->cat, &accounts, &err), MM_OK);
    mm_window_set set;
    int64_t max_id;
    assert_int_equal(health_windows_load(f->cat, &accounts, NOW, &set, &max_id, &err), MM_OK);
    mm_usage_event later = request(NOW + 1000, -1), priced = request(NOW + 2000, 50);
    assert_true(mm_window_set_fold(&set, &later));
    assert_true(mm_window_set_fold(&set, &priced));
    mm_health_thresholds t;
    mm_health_thresholds_default(&t);
    mm_health_report r;
    assert_int_equal(health_report_build(&set, &accounts, NOW + 3000, &t, &r, &err), MM_OK);
    const mm_health_figures *a = health_report_find(&r, "a");
    assert_int_equal(a->month_unpriced, 4);
    assert_int_equal(a->cost_micros_month, 1050);
    assert_int_equal(a->unpriced, 2);
    health_report_free(&r);
    /* a new month starts from nothing */
    int64_t february = mm_next_month_start_ms(NOW);
    mm_window_set_roll_month(&set, february);
    assert_int_equal(health_report_build(&set, &accounts, february, &t, &r, &err), MM_OK);
    a = health_report_find(&r, "a");
    assert_int_equal(a->month_unpriced, 0);
    assert_int_equal(a->cost_micros_month, 0);
    health_report_free(&r);
    mm_window_set_free(&set);
    mm_account_list_free(&accounts);
}

static void fold_tailed(const mm_usage_event *ev, void *ctx)
{
    int64_t *last_id = (int64_t *)((void **)ctx)[1];
    if (ev->id > *last_id)
        *last_id = ev->id;
    assert_true(mm_window_set_fold(((void **)ctx)[0], ev));
}

/* serve's routing view: windows loaded once, then tailed by event id, give the statuses a
 * fresh read of the hour gives (here: a healthy account turning degraded after the load). */
static void tailed_windows_give_the_statuses_of_a_fresh_read(void **state)
{
    fixture *f = *state;
    add_account(f, "a");
    add_account(f, "b");
    for (int i = 0; i < 20; i++)
        add_request(f, NOW - 120000 + i * 1000, 10);
    mm_account_list accounts = {0};
    mm_error err = {0};
    assert_int_equal(catalog_account_list(f->cat, &accounts, &err), MM_OK);
    mm_window_set set;
    int64_t last_id;
    assert_int_equal(health_windows_load(f->cat, &accounts, NOW, &set, &last_id, &err), MM_OK);
    mm_health_thresholds t;
    mm_health_thresholds_default(&t);
    mm_health_map before;
    assert_int_equal(health_status_from_windows(&set, &accounts, NOW, &t, &before, &err), MM_OK);
    assert_int_equal(mm_health_map_get(&before, "a"), MM_HEALTH_HEALTHY);
    for (int i = 0; i < 40; i++) { /* after the load: mostly server errors */
        mm_usage_event ev = request(NOW + 1000 + i * 100, 10);
        strcpy(ev.outcome, "server");
        ev.http_status = 500;
        assert_int_equal(catalog_usage_insert(f->cat, &ev, &err), MM_OK);
    }
    void *ctx[2] = {&set, &last_id};
    size_t count = 0;
    assert_int_equal(catalog_usage_since_id(f->cat, last_id, 1000, fold_tailed, ctx, &count, &err),
                     MM_OK);
    assert_int_equal(count, 40);
    int64_t later = NOW + 6000;
    mm_health_map tailed, fresh;
    assert_int_equal(health_status_from_windows(&set, &accounts, later, &t, &tailed, &err), MM_OK);
    assert_int_equal(health_status_from_catalog(f->cat, later, &t, &fresh, &err), MM_OK);
    assert_int_not_equal(mm_health_map_get(&tailed, "a"), MM_HEALTH_HEALTHY);
    assert_int_equal(tailed.count, fresh.count);
    for (size_t i = 0; i < fresh.count; i++)
        assert_int_equal(mm_health_map_get(&tailed, fresh.accounts[i]), fresh.statuses[i]);
    mm_health_map_free(&before);
    mm_health_map_free(&tailed);
    mm_health_map_free(&fresh);
    mm_window_set_free(&set);
    mm_account_list_free(&accounts);
}

static void settings_are_read_and_checked_against_one_table(void **state)
{
    fixture *f = *state;
    mm_error err = {0};
    double value;
    mm_health_setting_source source;
    assert_int_equal(health_setting_read(f->cat, MM_HSET_PROBE_INTERVAL, &value, &source, &err),
                     MM_OK);
    assert_true(value == 30000 && source == MM_HEALTH_SETTING_DEFAULT);
    assert_int_equal(catalog_setting_set(f->cat, MM_SETTING_DEGRADED_P95_MS, "250", &err), MM_OK);
    assert_int_equal(health_setting_read(f->cat, MM_HSET_DEGRADED_P95, &value, &source, &err),
                     MM_OK);
    assert_true(value == 250 && source == MM_HEALTH_SETTING_SET);
    assert_int_equal(catalog_setting_set(f->cat, MM_SETTING_RECENT_WINDOW_MS, "59999", &err),
                     MM_OK);
    assert_int_equal(health_setting_read(f->cat, MM_HSET_RECENT_WINDOW, &value, &source, &err),
                     MM_E_INVALID);
    assert_true(value == 300000 && source == MM_HEALTH_SETTING_INVALID);
    assert_non_null(strstr(err.message, "health.recent_window_ms is '59999'"));
    assert_non_null(strstr(err.message, "from 60000 to 3600000"));
    /* the thresholds loader keeps the default of the bad one and applies the others */
    mm_health_thresholds t;
    assert_int_equal(health_thresholds_load(f->cat, &t, &err), MM_E_INVALID);
    assert_int_equal(t.recent_window_ms, 300000);
    assert_int_equal(t.degraded_p95_ms, 250);
    /* the parser the CLI checks with */
    assert_int_equal(health_setting_parse(MM_HSET_DEGRADED_ERROR_RATE, "1.01", &value, &err),
                     MM_E_INVALID);
    assert_int_equal(health_setting_parse(MM_HSET_DEGRADED_ERROR_RATE, "0", &value, &err), MM_OK);
    assert_int_equal(health_setting_parse(MM_HSET_LEASE, "499", &value, &err), MM_E_INVALID);
    assert_int_equal(health_setting_parse(MM_HSET_LEASE, "500", &value, &err), MM_OK);
    assert_int_equal(health_setting_parse(MM_HSET_UNREACHABLE_FAILED_PROBES, "2.5", &value, &err),
                     MM_E_INVALID);
}

/* A page showing chain health formats its rows again only when a status moved: equal maps are
 * the same accounts, in order, with the same statuses and disabled flags. */
static void health_maps_are_equal_only_with_the_same_statuses(void **state)
{
    (void)state;
    char accounts_a[2][MM_NAME_MAX] = {"alpha", "beta"},
         accounts_b[2][MM_NAME_MAX] = {"alpha", "beta"};
    mm_health statuses_a[2] = {MM_HEALTH_HEALTHY, MM_HEALTH_UNKNOWN};
    mm_health statuses_b[2] = {MM_HEALTH_HEALTHY, MM_HEALTH_UNKNOWN};
    bool disabled_b[2] = {false, false};
    mm_health_map a = {accounts_a, statuses_a, NULL, 2, true};
    mm_health_map b = {accounts_b, statuses_b, disabled_b, 2, true};
    assert_true(mm_health_map_equal(&a, &b)); /* no disabled array = none disabled */
    statuses_b[1] = MM_HEALTH_DEGRADED;
    assert_false(mm_health_map_equal(&a, &b));
    statuses_b[1] = MM_HEALTH_UNKNOWN;
    disabled_b[0] = true;
    assert_false(mm_health_map_equal(&a, &b));
    disabled_b[0] = false;
    strcpy(accounts_b[1], "gamma");
    assert_false(mm_health_map_equal(&a, &b));
    b.count = 1;
    assert_false(mm_health_map_equal(&a, &b));
    mm_health_map empty = {0};
    assert_true(mm_health_map_equal(&empty, &(mm_health_map){0}));
}

/* The monitor's account list: every account by name with what the figures read of it (the
 * provider, enabled, the reason it was disabled for, the monthly cap). */
static void the_account_list_holds_what_the_figures_read(void **state)
{
    fixture *f = *state;
    mm_account acc;
    mm_account_init(&acc);
    strcpy(acc.name, "b");
    strcpy(acc.provider, "anthropic");
    strcpy(acc.endpoint, "http://127.0.0.1:9/v1");
    acc.monthly_cap_cents = 500;
    mm_error err = {0};
    assert_int_equal(catalog_account_insert(f->cat, &acc, "sk-ant-test", &err), MM_OK);
    add_account(f, "a");
    assert_int_equal(catalog_account_set_enabled(f->cat, "a", false, "over budget", &err), MM_OK);
    mm_health_account_list list;
    assert_int_equal(health_accounts_load(f->cat, &list, &err), MM_OK);
    assert_int_equal(list.count, 2);
    assert_string_equal(list.items[0].name, "a");
    assert_string_equal(list.items[0].provider, "openai-compatible");
    assert_false(list.items[0].enabled);
    assert_string_equal(list.items[0].disabled_reason, "over budget");
    assert_int_equal(list.items[0].monthly_cap_cents, MM_LIMIT_UNSET);
    assert_string_equal(list.items[1].name, "b");
    assert_string_equal(list.items[1].provider, "anthropic");
    assert_true(list.items[1].enabled);
    assert_null(list.items[1].disabled_reason);
    assert_int_equal(list.items[1].monthly_cap_cents, 500);
    health_accounts_free(&list);
}

/* The month added to figures built before it was read (the monitor's second snapshot) gives
 * the figures a whole build gives, sharing every detail block with the first ones; either
 * report may be freed first. */
static void the_month_added_to_built_figures_is_a_whole_build(void **state)
{
    fixture *f = *state;
    add_month_of_requests(f);
    mm_health_account_list accounts = {0};
    mm_error err = {0};
    assert_int_equal(health_accounts_load(f->cat, &accounts, &err), MM_OK);
    mm_window_set set;
    int64_t max_id;
    assert_int_equal(health_windows_load_hour_for(f->cat, &accounts, NOW, &set, &max_id, &err),
                     MM_OK);
    mm_health_thresholds t;
    mm_health_thresholds_default(&t);
    mm_health_report before, added, whole;
    assert_int_equal(health_report_build_for(&set, &accounts, NOW, &t, &before, &err), MM_OK);
    assert_int_equal(health_report_find(&before, "a")->cost_micros_month, 0);
    assert_int_equal(health_windows_load_month(f->cat, &set, NULL, &err), MM_OK);
    assert_int_equal(health_report_with_month(&before, &set, &added, &err), MM_OK);
    health_report_free(&before);
    assert_int_equal(health_report_build_for(&set, &accounts, NOW, &t, &whole, &err), MM_OK);
    assert_int_equal(added.count, whole.count);
    assert_int_equal(added.now_ms, NOW);
    for (size_t i = 0; i < whole.count; i++)
        assert_true(health_figures_same(&added.accounts[i], &whole.accounts[i]));
    const mm_health_figures *a = health_report_find(&added, "a");
    assert_int_equal(a->cost_micros_month, 1000); /* as month_counts_its_unpriced_events... */
    assert_int_equal(a->month_unpriced, 3);
    assert_int_equal(a->cost_micros_hour, 300);
    health_report_free(&added);
    health_report_free(&whole);
    mm_window_set_free(&set);
    health_accounts_free(&accounts);
}

/* ---- ids committed out of order (PostgreSQL's sequence) ---- */

typedef struct late_writer {
    mm_catalog *cat; /* a connection of its own */
    mm_usage_event ev;
    mm_status status;
    mm_error err;
} late_writer;

static void *write_late(void *arg)
{
    late_writer *w = arg;
    w->status = catalog_usage_insert(w->cat, &w->ev, &w->err);
    return NULL;
}

static int64_t query_int(db_conn *db, const char *sql)
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

typedef struct folded {
    mm_window_set *set;
    mm_id_gaps *month_missing;
    int seen[8]; /* times each id was folded */
} folded;

static void fold_counted(const mm_usage_event *ev, void *ctx)
{
    folded *f = ctx;
    if (ev->id >= 0 && ev->id < 8)
        f->seen[ev->id]++;
    assert_true(health_windows_fold_tailed(f->set, f->month_missing, ev));
}

static int64_t requests_of(const mm_window_set *set, const char *account)
{
    const mm_account_window *win = mm_window_set_find(set, account);
    int64_t events = 0;
    for (int m = 0; win && m < win->n_slots; m++)
        events += win->slots[m].events;
    return events;
}

static int64_t month_of(const mm_window_set *set, const char *account)
{
    const mm_account_window *win = mm_window_set_find(set, account);
    return win ? win->month_cost_micros : 0;
}

/* Event 2 takes its id, then waits for a row lock before its commit (every write's rollups
 * update one meta row); event 3, written around the rollups, commits and is tailed, and the month
 * is read, meanwhile. Once 2 commits, the next tail brings it: counted
 * once in the hour and in the month (the monitor's windows), and in the windows of a tail started
 * while it was in flight (serve's routing view); never again after. */
static void an_id_committed_after_a_higher_one_is_tailed_once(void **state)
{
    POSTGRES_ONLY("SQLite commits ids in order: one writer at a time");
    fixture *f = *state;
    add_account(f, "a");
    add_account(f, "b");
    int64_t now = mm_now_ms();
    mm_usage_event first = request(now - 3000, 250);
    mm_error err = {0};
    assert_int_equal(catalog_usage_insert(f->cat, &first, &err), MM_OK);
    assert_int_equal(first.id, 1);
    mm_health_account_list accounts = {0};
    assert_int_equal(health_accounts_load(f->cat, &accounts, &err), MM_OK);
    mm_window_set set;
    mm_usage_tail tail = {0};
    mm_id_gaps month_missing = {0};
    assert_int_equal(health_windows_load_hour_tail(f->cat, &accounts, now, &set, &tail, &err),
                     MM_OK);
    assert_int_equal(tail.last_id, 1);

    /* the rollups' position row held: the late writer's event takes id 2, then waits */
    db_conn *lock = NULL;
    db_open_options opts = {0};
    assert_int_equal(db_open(catalog_path(f->cat), &opts, &lock, &err), MM_OK);
    assert_int_equal(db_exec(lock,
                             "BEGIN; UPDATE meta SET value = value WHERE key = 'rollups_upto_id'",
                             "locking", &err),
                     MM_OK);
    late_writer late = {.ev = request(now - 2000, 250)};
    mm_catalog_options copts = {.path = catalog_path(f->cat)};
    assert_int_equal(catalog_open(&copts, &late.cat, &err), MM_OK);
    pthread_t writer;
    assert_int_equal(pthread_create(&writer, NULL, write_late, &late), 0);
    db_conn *watch = NULL;
    assert_int_equal(db_open(catalog_path(f->cat), &opts, &watch, &err), MM_OK);
    for (int i = 0;
         i < 2000 && query_int(watch, "SELECT count(*) FROM pg_locks WHERE NOT granted") == 0; i++)
        usleep(5000); /* a bound on the wait, not a timing check */
    assert_true(query_int(watch, "SELECT last_value FROM usage_events_id_seq") == 2);

    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO usage_events(ts_ms, kind, account, provider, workspace, model, "
             "provider_model, outcome, http_status, latency_ms, tokens_in, tokens_out, "
             "cost_micros, retry_after_ms, message) VALUES (%lld, 'request', 'b', "
             "'openai-compatible', '', '', '', 'ok', 200, 100, 10, 0, 250, -1, '')",
             (long long)(now - 1000));
    assert_int_equal(db_exec(watch, sql, "writing around the rollups", &err), MM_OK);
    assert_int_equal(query_int(watch, "SELECT max(id) FROM usage_events"), 3);
    folded fold = {.set = &set, .month_missing = &month_missing};
    size_t count = 0;
    assert_int_equal(catalog_usage_tail_read(f->cat, &tail, 100, fold_counted, &fold, &count, &err),
                     MM_OK);
    assert_int_equal(count, 1);
    assert_int_equal(fold.seen[3], 1);
    assert_int_equal(tail.last_id, 3);
    assert_int_equal(tail.gaps.count, 1); /* 2: in flight */
    /* the month read now: its sums hold 1 (3 is in no rollup), not 2 */
    assert_int_equal(health_windows_load_month(f->cat, &set, &month_missing, &err), MM_OK);
    assert_int_equal(set.month_upto_id, 3);
    assert_int_equal(month_of(&set, "a"), 250);
    /* serve's view loads its windows now, 2 still in flight */
    mm_account_list all = {0};
    assert_int_equal(catalog_account_list(f->cat, &all, &err), MM_OK);
    mm_window_set served;
    mm_usage_tail served_tail = {0};
    assert_int_equal(health_windows_load_tail(f->cat, &all, now, &served, &served_tail, &err),
                     MM_OK);
    assert_int_equal(served_tail.last_id, 3);
    assert_int_equal(requests_of(&served, "a"), 1);

    assert_int_equal(db_exec(lock, "ROLLBACK", "unlocking", &err), MM_OK);
    pthread_join(writer, NULL);
    if (late.status != MM_OK)
        fail_msg("the late write: %s", late.err.message);
    assert_int_equal(late.ev.id, 2);
    for (int round = 0; round < 2; round++) { /* once, then never again */
        assert_int_equal(
            catalog_usage_tail_read(f->cat, &tail, 100, fold_counted, &fold, &count, &err), MM_OK);
        assert_int_equal(count, 0);
        assert_int_equal(fold.seen[2], 1);
        assert_int_equal(tail.gaps.count, 0);
        assert_int_equal(requests_of(&set, "a"), 2);
        assert_int_equal(month_of(&set, "a"), 500);
        assert_int_equal(requests_of(&set, "b"), 1);
        folded served_fold = {.set = &served};
        assert_int_equal(catalog_usage_tail_read(f->cat, &served_tail, 100, fold_counted,
                                                 &served_fold, &count, &err),
                         MM_OK);
        assert_int_equal(served_fold.seen[2], round == 0 ? 1 : 0);
        assert_int_equal(requests_of(&served, "a"), 2);
    }
    db_close(watch);
    db_close(lock);
    catalog_close(late.cat);
    catalog_usage_tail_free(&tail);
    catalog_usage_tail_free(&served_tail);
    mm_id_gaps_free(&month_missing);
    mm_window_set_free(&set);
    mm_window_set_free(&served);
    mm_account_list_free(&all);
    health_accounts_free(&accounts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(month_counts_its_unpriced_events_apart_from_the_hour, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(folded_events_add_to_the_month_until_it_rolls, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(tailed_windows_give_the_statuses_of_a_fresh_read, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(settings_are_read_and_checked_against_one_table, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(the_account_list_holds_what_the_figures_read, setup,
                                        teardown),
        cmocka_unit_test(health_maps_are_equal_only_with_the_same_statuses),
        cmocka_unit_test_setup_teardown(the_month_added_to_built_figures_is_a_whole_build, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(an_id_committed_after_a_higher_one_is_tailed_once, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
