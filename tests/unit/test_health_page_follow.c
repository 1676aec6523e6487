/* Unit tests of how the Health and Alerts pages follow changes (issue 15): a probe's commit by
 * another connection reloads neither, a new health snapshot formats again only the Health rows
 * shown whose figures changed (all of them when the month's cost comes after the first
 * figures), and the Alerts table is rebuilt only when the alerts changed. */
#include "test_catalog_util.h"

#include <stdatomic.h>

#include "catalog/alerts.h"
#include "health/monitor.h"
#include "page.h"
#include "widgets/table.h"

#define T0 INT64_C(1767225600000) /* 2026-01-01 00:00:00 UTC */
#define NOW (T0 + 2 * 3600000)
enum { N = 2000 };
static const ui_rect PANE = {0, 0, 40, 120}; /* 38 rows shown under the header */

static mm_usage_event refused_probe(const char *account, int64_t ts)
{
    mm_usage_event ev;
    memset(&ev, 0, sizeof ev);
    strcpy(ev.kind, "probe");
    strcpy(ev.account, account);
    strcpy(ev.provider, "openai-compatible");
    strcpy(ev.outcome, "network");
    snprintf(ev.message, sizeof ev.message, "Failed to connect to 127.0.0.1 port 9");
    ev.ts_ms = ts;
    ev.latency_ms = ev.ttft_ms = ev.retry_after_ms = -1;
    return ev;
}

/* N accounts, each with a refused probe a minute for the hour (the prober at dead endpoints). */
typedef struct health_world {
    mm_window_set set;
    mm_health_account_list accounts;
    mm_health_thresholds t;
} health_world;

static void world_init(health_world *w)
{
    mm_window_set_init(&w->set, NOW);
    w->accounts = (mm_health_account_list){calloc(N, sizeof(mm_health_account)), N, N};
    for (size_t i = 0; i < N; i++) {
        mm_health_account *a = &w->accounts.items[i];
        snprintf(a->name, sizeof a->name, "acct-%05zu", i);
        strcpy(a->provider, "openai-compatible");
        a->enabled = true;
        a->monthly_cap_cents = MM_LIMIT_UNSET;
        for (int m = 59; m >= 0; m--) {
            mm_usage_event ev = refused_probe(a->name, NOW - m * 60000);
            assert_true(mm_window_set_fold(&w->set, &ev));
        }
    }
    mm_health_thresholds_default(&w->t);
}

/* A snapshot of the windows now, built after previous (NULL: none), as the monitor publishes. */
static mm_health_snapshot *publish(health_world *w, const mm_health_snapshot *previous)
{
    mm_health_snapshot *snap = calloc(1, sizeof *snap);
    mm_error err = {0};
    assert_int_equal(health_report_build_next(&w->set, &w->accounts, NOW, &w->t,
                                              previous ? &previous->report : NULL, &snap->report,
                                              &err),
                     MM_OK);
    atomic_init(&snap->refs_, 1);
    return snap;
}

/* The app takes a newer snapshot (ui_monitor_take) and wakes the page. */
static void take(ui_app *app, ui_page *page, mm_health_snapshot *snap)
{
    health_snapshot_release(app->health);
    app->health = snap;
    app->health_serial++;
    page->ops->on_wake(page, app);
}

/* The Health page over w's first snapshot (month_pending as given), loaded and laid out. */
static ui_page *open_page(catalog_fixture *fx, health_world *w, ui_app *app, bool month_pending)
{
    world_init(w);
    memset(app, 0, sizeof *app);
    app->cat = fx->cat;
    app->utf8 = true;
    app->health = publish(w, NULL);
    app->health->month_pending = month_pending;
    app->health_serial = 1;
    ui_page *page = ui_page_health_new(app, "health", "Health");
    assert_non_null(page);
    page->ops->load(page, app);
    ui_table_layout(page->state, PANE); /* the page's table is its state's first member */
    return page;
}

static void close_page(ui_page *page, ui_app *app, health_world *w)
{
    page->ops->destroy(page);
    health_snapshot_release(app->health);
    mm_window_set_free(&w->set);
    free(w->accounts.items);
}

static void a_probe_commit_reloads_nothing_and_a_snapshot_only_the_rows_shown(void **state)
{
    health_world w;
    ui_app app;
    ui_page *page = open_page(*state, &w, &app, false);
    ui_table *t = page->state;
    unsigned long loads = t->loads, formats = t->formats;
    assert_true(formats <= 40);
    /* the app marks for re-reading after another connection's commit that added no audit
     * entry (a probe round's events) only the pages that follow such commits */
    assert_false(page->ops->follows_unaudited);
    /* a wake without a new snapshot (a job done) does nothing */
    page->ops->on_wake(page, &app);
    ui_table_layout(t, PANE);
    assert_int_equal(t->loads, loads);
    assert_int_equal(t->formats, formats);
    /* the same figures again (a snapshot that says the same): nothing formatted */
    take(&app, page, publish(&w, app.health));
    ui_table_layout(t, PANE);
    assert_int_equal(t->formats, formats);
    /* one account shown and one far below change: the shown one alone is formatted again,
     * none is compared beyond the rows formatted, and the list is not reloaded */
    mm_usage_event shown = refused_probe("acct-00002", NOW + 1), below = shown;
    strcpy(shown.outcome, "ok");
    strcpy(below.account, "acct-01500");
    strcpy(below.outcome, "ok");
    assert_true(mm_window_set_fold(&w.set, &shown));
    assert_true(mm_window_set_fold(&w.set, &below));
    take(&app, page, publish(&w, app.health));
    ui_table_layout(t, PANE);
    assert_int_equal(t->loads, loads);
    assert_int_equal(t->formats, formats + 1);
    size_t formatted = 0;
    for (size_t i = 0; i < t->nrows; i++)
        formatted += t->rows[i].cells != NULL;
    assert_true(formatted <= 40);
    close_page(page, &app, &w);
}

/* A snapshot while another page is shown formats nothing (10,000 rows compared in a wake a key
 * could wait behind); shown again, the page takes the snapshot of then: the changed row shown
 * is formatted again. */
static void a_snapshot_while_another_page_is_shown_waits_for_the_page(void **state)
{
    health_world w;
    ui_app app;
    ui_page *page = open_page(*state, &w, &app, false);
    ui_table *t = page->state;
    ui_page other = {0};
    ui_page *pages[] = {&other, page};
    app.pages = pages;
    app.n_pages = 2;
    app.current = 0; /* another page on screen */
    unsigned long formats = t->formats;
    mm_usage_event shown = refused_probe("acct-00002", NOW + 1);
    strcpy(shown.outcome, "ok");
    assert_true(mm_window_set_fold(&w.set, &shown));
    take(&app, page, publish(&w, app.health));
    ui_table_layout(t, PANE);
    assert_int_equal(t->formats, formats);
    app.current = 1; /* shown again (ui_switch_page loads it) */
    page->ops->load(page, &app);
    ui_table_layout(t, PANE);
    assert_int_equal(t->formats, formats + 1);
    close_page(page, &app, &w);
}

/* The month's cost arriving after the first figures (the monitor's month_later): the month
 * cells read "…" (dim) while it is pending, then the cost in every row shown, even where the
 * other figures did not change. */
static void the_month_column_is_pending_until_the_month_comes(void **state)
{
    health_world w;
    ui_app app;
    ui_page *page = open_page(*state, &w, &app, true);
    ui_table *t = page->state;
    enum { MONTH = 10 }; /* the "$ month" column */
    assert_string_equal(t->cols[MONTH].title, "$ month");
    assert_non_null(t->rows[0].cells);
    assert_string_equal(t->rows[0].cells[MONTH].text, "…");
    assert_int_equal(t->rows[0].cells[MONTH].element, UI_EL_DIM);
    mm_account_window *win = mm_window_set_get(&w.set, "acct-00001");
    win->month_cost_micros = 12340000;         /* $12.34 */
    take(&app, page, publish(&w, app.health)); /* month_pending false */
    ui_table_layout(t, PANE);
    assert_string_equal(t->rows[0].cells[MONTH].text, "$0.00");
    assert_string_equal(t->rows[1].cells[MONTH].text, "$12.34");
    close_page(page, &app, &w);
}

static void fire(mm_catalog *cat, const char *subject)
{
    mm_alert a = {.started_ms = 100, .fired_ms = 200, .value = 1};
    snprintf(a.rule, sizeof a.rule, "provider_unreachable");
    snprintf(a.subject, sizeof a.subject, "%s", subject);
    snprintf(a.severity, sizeof a.severity, "critical");
    mm_error err = {0};
    assert_int_equal(catalog_alert_fire(cat, &a, &err), MM_OK);
}

static void alerts_rebuild_only_when_the_alerts_changed(void **state)
{
    catalog_fixture *fx = *state;
    fire(fx->cat, "oa");
    ui_app app;
    memset(&app, 0, sizeof app);
    app.cat = fx->cat;
    app.utf8 = true;
    ui_page *page = ui_page_alerts_new(&app, "alerts", "Alerts");
    assert_non_null(page);
    ui_table *t = page->state;
    page->ops->load(page, &app);
    assert_int_equal(t->nrows, 1);
    unsigned long loads = t->loads;
    /* a commit that left the alerts as they were (a probe's event): read, not rebuilt */
    assert_true(page->ops->follows_unaudited); /* alerts fire without an audit entry */
    page->ops->load(page, &app);
    assert_int_equal(t->loads, loads);
    /* a new snapshot while another page is on screen: nothing read (switching reads it) */
    fire(fx->cat, "ob");
    app.health_serial++;
    page->ops->on_wake(page, &app);
    assert_int_equal(t->loads, loads);
    assert_int_equal(t->nrows, 1);
    /* an alert fired: rebuilt */
    page->ops->load(page, &app);
    assert_int_equal(t->loads, loads + 1);
    assert_int_equal(t->nrows, 2);
    page->ops->destroy(page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            a_probe_commit_reloads_nothing_and_a_snapshot_only_the_rows_shown,
            catalog_fixture_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(a_snapshot_while_another_page_is_shown_waits_for_the_page,
                                        catalog_fixture_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(the_month_column_is_pending_until_the_month_comes,
                                        catalog_fixture_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(alerts_rebuild_only_when_the_alerts_changed,
                                        catalog_fixture_setup, catalog_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
