/* Unit tests of the Provider Accounts page's updates: a new health snapshot and a reload replace
 * only the rows that changed (ui_table_set_row), never the whole list, and keep the selection. */
#include "test_catalog_util.h"

#include "health/monitor.h"
#include "page.h"
#include "widgets/table.h"

enum { COL_HEALTH = 8, COL_TEST = 9 }; /* the page's Status and Last test columns */

static void insert_account(mm_catalog *cat, const char *name)
{
    mm_account acc;
    mm_account_init(&acc);
    mm_copy(acc.name, sizeof acc.name, name);
    mm_copy(acc.provider, sizeof acc.provider, "openai");
    mm_error err = {0};
    assert_int_equal(catalog_account_insert(cat, &acc, "sk-proj-SECRETSECRET-wxyz", &err), MM_OK);
}

/* A snapshot like the monitor's: the accounts in name order, each with its status. */
static mm_health_snapshot *snapshot_of(const char *const *names, const mm_health *statuses,
                                       size_t n)
{
    mm_health_snapshot *snap = calloc(1, sizeof *snap);
    snap->report.accounts = calloc(n, sizeof *snap->report.accounts);
    snap->report.count = n;
    for (size_t i = 0; i < n; i++) {
        mm_health_figures *f = &snap->report.accounts[i];
        f->account = names[i];
        f->provider = "openai";
        f->enabled = true;
        f->status = statuses[i];
    }
    atomic_init(&snap->refs_, 1);
    return snap;
}

static void publish(ui_app *app, ui_page *page, mm_health_snapshot *snap)
{
    health_snapshot_release(app->health);
    app->health = snap;
    app->health_serial++;
    page->ops->on_wake(page, app);
}

/* A cell as drawn: the table's rows are lazy (formatted when first shown), so the table is laid
 * out on a 120x40 pane first, as a draw does. */
static const char *cell(ui_table *t, size_t row, size_t col)
{
    ui_table_layout(t, (ui_rect){0, 0, 40, 120});
    return t->rows[row].cells[col].text;
}

static void snapshot_replaces_only_changed_status_cells(void **state)
{
    catalog_fixture *fx = *state;
    const char *const names[] = {"alpha", "bravo", "charlie"};
    for (size_t i = 0; i < 3; i++)
        insert_account(fx->cat, names[i]);
    ui_app app;
    memset(&app, 0, sizeof app);
    app.cat = fx->cat;
    app.utf8 = true;
    ui_page *page = ui_page_accounts_new(&app, "accounts", "Provider Accounts");
    page->ops->load(page, &app);
    ui_table *t = ui_page_accounts_table(page);
    unsigned long loads = t->loads;
    assert_int_equal(t->nrows, 3);
    ui_table_select_key(t, "bravo");

    const mm_health healthy[] = {MM_HEALTH_HEALTHY, MM_HEALTH_HEALTHY, MM_HEALTH_HEALTHY};
    publish(&app, page, snapshot_of(names, healthy, 3));
    assert_int_equal(t->loads, loads); /* the first figures: rows updated, not rebuilt */
    assert_non_null(strstr(cell(t, 1, COL_HEALTH), "healthy"));

    const char *alpha_status = cell(t, 0, COL_HEALTH), *alpha_test = cell(t, 0, COL_TEST);
    const mm_health bravo_down[] = {MM_HEALTH_HEALTHY, MM_HEALTH_UNREACHABLE, MM_HEALTH_HEALTHY};
    publish(&app, page, snapshot_of(names, bravo_down, 3));
    assert_int_equal(t->loads, loads);
    assert_non_null(strstr(cell(t, 1, COL_HEALTH), "unreachable"));
    assert_ptr_equal(cell(t, 0, COL_HEALTH), alpha_status); /* untouched rows keep their cells */
    assert_ptr_equal(cell(t, 0, COL_TEST), alpha_test);
    assert_string_equal(ui_table_selected_key(t), "bravo");

    /* a probe's result recorded by another connection: a reload replaces that row alone */
    mm_error err = {0};
    assert_int_equal(catalog_account_set_test_result(fx->cat, "charlie", false, "auth",
                                                     "401 from the provider", 12, &err),
                     MM_OK);
    page->ops->load(page, &app);
    assert_int_equal(t->loads, loads);
    assert_non_null(strstr(cell(t, 2, COL_TEST), "auth"));
    assert_ptr_equal(cell(t, 0, COL_HEALTH), alpha_status);
    assert_string_equal(ui_table_selected_key(t), "bravo");

    /* a new account changes the list itself: then (only then) it is built again */
    insert_account(fx->cat, "delta");
    page->ops->load(page, &app);
    assert_int_equal(t->loads, loads + 1);
    assert_int_equal(t->nrows, 4);
    assert_string_equal(ui_table_selected_key(t), "bravo");

    page->ops->destroy(page);
    health_snapshot_release(app.health);
}

/* A probe's commit (only the tests moved) updates the tested rows in place, a test recorded late
 * with an earlier time too; an audited change (a disable) reads the accounts again. */
static void probe_results_update_rows_in_place(void **state)
{
    catalog_fixture *fx = *state;
    const char *names[] = {"alpha", "bravo", "charlie"};
    for (size_t i = 0; i < 3; i++)
        insert_account(fx->cat, names[i]);
    ui_app app;
    memset(&app, 0, sizeof app);
    app.cat = fx->cat;
    app.utf8 = true;
    ui_page *page = ui_page_accounts_new(&app, "accounts", "Provider Accounts");
    ui_table *t = ui_page_accounts_table(page);
    mm_error err = {0};
    setenv("MM_FAKE_NOW_MS", "1700000060000", 1);
    assert_int_equal(catalog_account_set_test_result(fx->cat, "alpha", true, "ok", "", 5, &err),
                     MM_OK);
    page->ops->load(page, &app);
    ui_table_layout(t, (ui_rect){0, 0, 10, 120});
    unsigned long loads = t->loads;
    const char *bravo_test = cell(t, 1, COL_TEST);
    setenv("MM_FAKE_NOW_MS", "1700000090000", 1);
    assert_int_equal(
        catalog_account_set_test_result(fx->cat, "charlie", false, "auth", "401", 7, &err), MM_OK);
    page->ops->load(page, &app);
    assert_non_null(strstr(cell(t, 2, COL_TEST), "auth"));
    setenv("MM_FAKE_NOW_MS", "1700000070000", 1); /* recorded after charlie's, tested before */
    assert_int_equal(
        catalog_account_set_test_result(fx->cat, "alpha", false, "rate_limit", "429", 9, &err),
        MM_OK);
    page->ops->load(page, &app);
    assert_non_null(strstr(cell(t, 0, COL_TEST), "rate_limit"));
    assert_ptr_equal(cell(t, 1, COL_TEST), bravo_test); /* untouched rows keep their cells */
    assert_int_equal(t->loads, loads);
    assert_int_equal(catalog_account_set_enabled(fx->cat, "bravo", false, "paused", &err), MM_OK);
    page->ops->load(page, &app);
    assert_non_null(strstr(cell(t, 1, 7), "paused")); /* the Enabled column */
    unsetenv("MM_FAKE_NOW_MS");
    page->ops->destroy(page);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(snapshot_replaces_only_changed_status_cells,
                                        catalog_fixture_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(probe_results_update_rows_in_place, catalog_fixture_setup,
                                        catalog_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
