/* Unit tests of the list pages at 10,000 rows (issue 15): Accounts, Models, Entitlements,
 * Workspaces, Audit Log and Prices format only the rows shown on open and on a key (a filter or
 * a sort too), and a catalog change formats again only the changed row. */
#include "test_catalog_util.h"
#include "util/clock.h"

#include "health/monitor.h"
#include "page.h"
#include "pages/entitlements.h"
#include "pages/models_page.h"
#include "widgets/table.h"

enum { N = 10000, SHOWN = 38 };
static const ui_rect PANE = {0, 0, 40, 120}; /* 38 rows shown under the header */

static void exec_sql(const catalog_fixture *fx, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : "?");
    sqlite3_close(db);
}

/* 10,000 accounts, models (3 targets each), workspaces, entitlements, audit entries and prices,
 * as tests/bench/bench_scale.sh builds them. */
static int lazy_setup(void **state)
{
    catalog_fixture_setup(state);
    catalog_fixture *fx = *state;
    if (fx->postgres)
        return 0;
    exec_sql(fx, "BEGIN;"
                 "CREATE TEMP TABLE n(value INTEGER PRIMARY KEY);"
                 "WITH RECURSIVE s(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM s WHERE v < 10000)"
                 " INSERT INTO n SELECT v FROM s;"
                 "INSERT INTO accounts(name, provider, endpoint, created_ms, updated_ms)"
                 " SELECT printf('acct-%05d', value), 'openai-compatible',"
                 " 'http://127.0.0.1:9/v1', 1, 1 FROM n;"
                 "INSERT INTO models(name, type, created_ms, updated_ms)"
                 " SELECT printf('model-%05d', value), 'chat', 1, 1 FROM n;"
                 "INSERT INTO targets(model_id, account_id, provider_model, priority)"
                 " SELECT m.id, 1 + (m.id * 7 + p.value) % 10000, 'gpt-4o-mini', p.value"
                 " FROM models m, (SELECT value FROM n WHERE value <= 3) p;"
                 "INSERT INTO workspaces(name, created_ms, updated_ms)"
                 " SELECT printf('team-%05d', value), 1, 1 FROM n;"
                 "INSERT INTO entitlements(model_id, workspace_id, created_ms, updated_ms)"
                 " SELECT value, value, 1, 1 FROM n;"
                 "INSERT INTO audit_log(ts_ms, actor, action, entity_kind, entity_name,"
                 " after_json) SELECT 100000 - value, 'bench', 'create', 'workspace',"
                 " printf('team-%05d', value), '{}' FROM n;"
                 "INSERT INTO prices(provider, model, input_per_mtok, output_per_mtok, source,"
                 " updated_ms) SELECT 'openai-compatible', printf('bench-%05d', value), 0.15,"
                 " 0.6, 'bench', 1 FROM n;"
                 "COMMIT;");
    return 0;
}

typedef struct page_run {
    ui_app app;
    ui_page *page;
} page_run;

static void open_page(page_run *run, catalog_fixture *fx, ui_page_factory create, const char *id)
{
    memset(&run->app, 0, sizeof run->app);
    run->app.cat = fx->cat;
    run->app.utf8 = true;
    run->page = create(&run->app, id, id);
    assert_non_null(run->page);
    run->page->ops->load(run->page, &run->app);
}

/* Formats the rows a draw shows; the table's format count after. */
static unsigned long draw(ui_table *t)
{
    ui_table_layout(t, PANE);
    return t->formats;
}

static unsigned long press(page_run *run, ui_table *t, int key)
{
    run->page->ops->handle_key(run->page, &run->app, key);
    return draw(t);
}

/* How many rows have their cells. */
static size_t formatted(const ui_table *t)
{
    size_t n = 0;
    for (size_t i = 0; i < t->nrows; i++)
        n += t->rows[i].cells != NULL;
    return n;
}

/* Movement, filter and sort on table t of n rows: every key formats only the rows it brings
 * into view; a filter and a sort read the other rows keeping only their texts (probes), which
 * serve the next filter and sort (no row read again). */
static void check_keys(page_run *run, ui_table *t, size_t n)
{
    unsigned long base = draw(t);
    unsigned long f = press(run, t, UI_FN(KEY_DOWN));
    assert_true(f <= base + 1); /* at most the row it scrolls into view */
    assert_true(press(run, t, UI_FN(KEY_NPAGE)) <= f + SHOWN);
    f = press(run, t, UI_FN(KEY_END));
    assert_true(f <= base + 1 + 2 * SHOWN);
    unsigned long home = press(run, t, UI_FN(KEY_HOME));
    assert_true(home <= f + SHOWN); /* shown before, or not yet after a sort */
    f = home;
    size_t shown = formatted(t);
    static const int keys[] = {
        '/', '7', '7', '\n', UI_KEY_ESC, 's', 's', 'S', UI_FN(KEY_DOWN), UI_FN(KEY_END)};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        unsigned long next = press(run, t, keys[k]);
        assert_true(next <= f + SHOWN); /* at most a screen of rows new in view */
        f = next;
    }
    assert_true(formatted(t) <= shown + 6 * SHOWN); /* the filter, Esc, 3 sorts, End */
    if (n > shown + 6 * SHOWN)
        assert_true(formatted(t) < n);
    for (size_t i = 0; i < n; i++) /* the filter read every row, and kept its texts */
        assert_true(ui_table_row_read(t, i));
    /* a filter and sorts again: the texts read serve them, no row is read (formatted) again */
    unsigned long probes = t->probes;
    static const int again[] = {'/', '7', '\n', UI_KEY_ESC, 's', 'S', 's'};
    for (size_t k = 0; k < sizeof again / sizeof again[0]; k++) {
        unsigned long next = press(run, t, again[k]);
        assert_true(next <= f + SHOWN);
        f = next;
    }
    assert_int_equal(t->probes, probes);
}

/* A sort first (no filter before it) formats only the rows it shows, too. */
static void check_sort(page_run *run, ui_table *t, size_t n)
{
    unsigned long base = draw(t);
    size_t shown = formatted(t);
    unsigned long f = press(run, t, 's');
    assert_true(f - base <= SHOWN);
    if (n > shown + SHOWN)
        assert_true(formatted(t) < n);
    unsigned long next = press(run, t, 's');
    assert_true(next <= f + SHOWN);
    assert_true(press(run, t, UI_FN(KEY_NPAGE)) <= next + SHOWN);
}

/* A catalog change to one shown row: loading again formats that row alone, the rows keep their
 * order and the selection (a whole reload only when added counts it). */
static void check_change(page_run *run, ui_table *t, void (*change)(catalog_fixture *),
                         catalog_fixture *fx, unsigned long added)
{
    unsigned long f = draw(t), loads = t->loads;
    char selected[128];
    mm_copy(selected, sizeof selected, ui_table_selected_key(t));
    change(fx);
    run->page->ops->load(run->page, &run->app);
    assert_int_equal(draw(t), f + 1);
    assert_int_equal(t->loads, loads + added);
    assert_string_equal(ui_table_selected_key(t), selected);
}

static void close_page(page_run *run)
{
    run->page->ops->destroy(run->page);
}

/* ---- the pages ---- */

static void test_account_row_2(catalog_fixture *fx)
{
    mm_error err = {0};
    assert_int_equal(catalog_account_set_test_result(fx->cat, "acct-00002", false, "auth",
                                                     "401 from the provider", 12, &err),
                     MM_OK);
}

static void accounts_stay_lazy(void **state)
{
    catalog_fixture *fx = *state;
    if (fx->postgres)
        skip(); /* the rows are written with SQLite's own client */
    page_run run;
    open_page(&run, fx, ui_page_accounts_new, "accounts");
    ui_table *t = ui_page_accounts_table(run.page);
    assert_int_equal(t->nrows, N);
    assert_int_equal(t->formats, 0); /* nothing formatted before it is drawn */
    check_change(&run, t, test_account_row_2, fx, 0);
    check_keys(&run, t, N);
    close_page(&run);
}

/* The Last test cell of the account, once shown (selected). */
static const char *last_test_of(ui_table *t, const char *account)
{
    ui_table_select_key(t, account);
    draw(t);
    assert_string_equal(ui_table_selected_key(t), account);
    return t->rows[t->view[t->sel]].cells[9].text;
}

/* The Accounts page open and drawn, then a probe round's failures (message: an SQL expression)
 * recorded for every account and the page loaded again (a commit followed); its table. */
static ui_table *accounts_after_a_round(page_run *run, catalog_fixture *fx, const char *message)
{
    open_page(run, fx, ui_page_accounts_new, "accounts");
    ui_table *t = ui_page_accounts_table(run->page);
    draw(t);
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO account_status(account_id, tested_ms, ok, class, message, latency_ms)"
             " SELECT id, 1700000000000, 0, 'network', %s, 1 FROM accounts",
             message);
    exec_sql(fx, sql);
    run->page->ops->load(run->page, &run->app);
    return t;
}

/* Now (wall clock, ms) in SQLite's SQL. */
#define SQL_NOW_MS "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"

/* A probe round's results for every account: the load takes the first page of them (the rows
 * shown among them), the others follow between keys (the page's idle slices), a page a slice
 * at least. */
static void accounts_follow_a_round_a_page_at_a_time(void **state)
{
    catalog_fixture *fx = *state;
    if (fx->postgres)
        skip();
    page_run run;
    ui_table *t = accounts_after_a_round(&run, fx, "'refused'");
    assert_non_null(strstr(last_test_of(t, "acct-00002"), "network"));
    assert_string_equal(last_test_of(t, "acct-00200"), "untested"); /* not read yet */
    assert_string_equal(last_test_of(t, "acct-09000"), "untested");
    run.page->ops->idle(run.page, &run.app, 0); /* a slice already over: one page */
    assert_non_null(strstr(last_test_of(t, "acct-00200"), "network"));
    assert_string_equal(last_test_of(t, "acct-09000"), "untested");
    while (run.page->ops->idle(run.page, &run.app, 0))
        ;
    assert_non_null(strstr(last_test_of(t, "acct-09000"), "network"));
    assert_non_null(strstr(last_test_of(t, "acct-10000"), "network"));
    close_page(&run);
}

/* Two probe rounds at a dead endpoint (every account the same class and a long message): the
 * page's list keeps one copy of them, not 10,000, so the second round is followed a page at a
 * time too, not read whole (a whole read shows every account's new test at once). Fails when
 * each account's test adds its own copy to the list's pool. */
static void accounts_follow_rounds_of_one_message(void **state)
{
    catalog_fixture *fx = *state;
    if (fx->postgres)
        skip();
    page_run run;
    ui_table *t = accounts_after_a_round(&run, fx, "replace(hex(zeroblob(240)), '0', 'x')");
    while (run.page->ops->idle(run.page, &run.app, 0))
        ;
    char first[64];
    mm_copy(first, sizeof first, last_test_of(t, "acct-09000"));
    assert_non_null(strstr(first, "network"));
    exec_sql(fx, "UPDATE account_status SET tested_ms = " SQL_NOW_MS);
    run.page->ops->load(run.page, &run.app);
    assert_string_not_equal(last_test_of(t, "acct-00002"), first); /* the first page */
    assert_string_equal(last_test_of(t, "acct-09000"), first);     /* followed later */
    while (run.page->ops->idle(run.page, &run.app, 0))
        ;
    assert_string_not_equal(last_test_of(t, "acct-09000"), first);
    close_page(&run);
}

/* Commits land while a round is followed (its first page read, then a newer test's): the follow
 * starts again from the first account, and still reads the round's tests of the accounts after
 * that page (they stayed "untested" when the new follow took only the tests of the minute
 * before the newest read). */
static void accounts_follow_again_keeps_the_round_not_read_yet(void **state)
{
    catalog_fixture *fx = *state;
    if (fx->postgres)
        skip();
    page_run run;
    ui_table *t = accounts_after_a_round(&run, fx, "'refused'"); /* its first page */
    exec_sql(fx, "UPDATE account_status SET tested_ms = " SQL_NOW_MS ", class = 'auth'"
                 " WHERE account_id = (SELECT id FROM accounts WHERE name = 'acct-00001')");
    run.page->ops->load(run.page, &run.app); /* its first page: acct-00001's new test */
    run.page->ops->load(run.page, &run.app); /* another commit */
    while (run.page->ops->idle(run.page, &run.app, 0))
        ;
    assert_non_null(strstr(last_test_of(t, "acct-00001"), "auth"));
    assert_non_null(strstr(last_test_of(t, "acct-09000"), "network"));
    close_page(&run);
}

/* Records a failed test of account at `ago` ms before now (SQL), as the prober does. */
static void tested_ago(catalog_fixture *fx, const char *account, const char *ago)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT OR REPLACE INTO account_status(account_id, tested_ms, ok, class, message,"
             " latency_ms) SELECT id, " SQL_NOW_MS " - %s, 0, 'network', 'refused', 1"
             " FROM accounts WHERE name = '%s'",
             ago, account);
    exec_sql(fx, sql);
}

/* The Last test column sorts by the test's time, not by its "5m ago" text (as text, "40m ago"
 * sorts after "5m ago" and "3h ago" before both): oldest first, newest first descending, the
 * untested after them. A test recorded later (a probe's result followed between keys) moves its
 * row to its place at once. */
static void accounts_sort_last_test_by_its_time(void **state)
{
    catalog_fixture *fx = *state;
    if (fx->postgres)
        skip();
    tested_ago(fx, "acct-00001", "300000");   /* "5m ago" */
    tested_ago(fx, "acct-00002", "2400000");  /* "40m ago" */
    tested_ago(fx, "acct-00003", "10800000"); /* "3h ago" */
    page_run run;
    open_page(&run, fx, ui_page_accounts_new, "accounts");
    ui_table *t = ui_page_accounts_table(run.page);
    draw(t);
    while (t->sort_col != 9) /* Last test */
        press(&run, t, 's');
    assert_false(t->sort_desc);
    size_t n = t->nview;
    assert_int_equal(n, N);
    assert_string_equal(t->rows[t->view[n - 3]].key, "acct-00003");
    assert_string_equal(t->rows[t->view[n - 2]].key, "acct-00002");
    assert_string_equal(t->rows[t->view[n - 1]].key, "acct-00001");
    press(&run, t, 'S'); /* descending: the newest first */
    assert_string_equal(t->rows[t->view[0]].key, "acct-00001");
    assert_string_equal(t->rows[t->view[1]].key, "acct-00002");
    assert_string_equal(t->rows[t->view[2]].key, "acct-00003");
    tested_ago(fx, "acct-05000", "1000");    /* "just now": the newest */
    tested_ago(fx, "acct-00003", "2000");    /* tested again: "just now", a second older */
    run.page->ops->load(run.page, &run.app); /* the commit followed */
    while (run.page->ops->idle(run.page, &run.app, mm_monotonic_us() + 2000))
        ;
    draw(t);
    assert_string_equal(t->rows[t->view[0]].key, "acct-05000");
    assert_string_equal(t->rows[t->view[1]].key, "acct-00003");
    assert_string_equal(t->rows[t->view[2]].key, "acct-00001");
    assert_string_equal(t->rows[t->view[3]].key, "acct-00002");
    close_page(&run);
}

static void describe_model_2(catalog_fixture *fx)
{
    exec_sql(fx, "UPDATE models SET description = 'changed', version = version + 1"
                 " WHERE name = 'model-00002'");
}

static void models_stay_lazy(void **state)
{
    catalog_fixture *fx = *state;
    if (fx->postgres)
        skip();
    page_run run;
    open_page(&run, fx, ui_page_models_new, "models");
    ui_table *t = &((models_page *)run.page->state)->table;
    assert_int_equal(t->nrows, N);
    assert_int_equal(t->formats, 0);
    check_change(&run, t, describe_model_2, fx, 0);
    check_keys(&run, t, N);
    close_page(&run);
}

static char account_names[N][16];

/* A monitor's snapshot of the 10,000 accounts, each healthy but the one named down (NULL:
 * none), published to the app as the monitor's are, then the page's wake. */
static void publish_statuses(page_run *run, const char *down)
{
    mm_health_snapshot *snap = calloc(1, sizeof *snap);
    assert_non_null(snap);
    snap->report.accounts = calloc(N, sizeof *snap->report.accounts);
    assert_non_null(snap->report.accounts);
    snap->report.count = N;
    for (size_t i = 0; i < N; i++) {
        mm_health_figures *f = &snap->report.accounts[i];
        snprintf(account_names[i], sizeof account_names[i], "acct-%05zu", i + 1);
        f->account = account_names[i];
        f->provider = "openai-compatible";
        f->enabled = true;
        f->status =
            down && !strcmp(down, account_names[i]) ? MM_HEALTH_UNREACHABLE : MM_HEALTH_HEALTHY;
    }
    atomic_init(&snap->refs_, 1);
    health_snapshot_release(run->app.health);
    run->app.health = snap;
    run->app.health_serial++;
    if (strcmp(run->page->id, "models") == 0) {
        models_page *mp = run->page->state;
        mp->health_ms -= 60000; /* past the page's throttle (one refresh every 5 s) */
    }
    run->page->ops->on_wake(run->page, &run->app);
}

/* Accounts sorted by Status while a probe round lands: a row read by the sort but not shown
 * takes its new test (its texts go, its place stays), then a snapshot marks it unreachable: it
 * moves to the top between keys (it stayed among the healthy ones). */
static void accounts_sorted_by_status_follow_a_round_then_a_snapshot(void **state)
{
    catalog_fixture *fx = *state;
    if (fx->postgres)
        skip();
    page_run run;
    open_page(&run, fx, ui_page_accounts_new, "accounts");
    ui_table *t = ui_page_accounts_table(run.page);
    draw(t);
    publish_statuses(&run, NULL);
    while (t->sort_col != 8) /* Status */
        press(&run, t, 's');
    exec_sql(fx, "INSERT INTO account_status(account_id, tested_ms, ok, class, message,"
                 " latency_ms) SELECT id, 1700000000000, 0, 'network', 'refused', 1"
                 " FROM accounts WHERE name <= 'acct-00128'");
    run.page->ops->load(run.page, &run.app); /* one page: every account it reads */
    draw(t);
    publish_statuses(&run, "acct-00100");
    while (run.page->ops->idle(run.page, &run.app, mm_monotonic_us() + 2000))
        ; /* the rows not shown follow the snapshot between keys */
    draw(t);
    assert_string_equal(t->rows[t->view[0]].key, "acct-00100");
    assert_string_equal(t->rows[t->view[1]].key, "acct-00001");
    health_snapshot_release(run.app.health);
    close_page(&run);
}

/* The Models page open as the page shown (pages: the app's list of one; it follows the
 * snapshots), every account healthy, drawn; its table. */
static ui_table *models_shown(page_run *run, catalog_fixture *fx, ui_page *pages[1])
{
    open_page(run, fx, ui_page_models_new, "models");
    pages[0] = run->page;
    run->app.pages = pages;
    run->app.n_pages = 1;
    run->page->loaded = true;
    ui_table *t = &((models_page *)run->page->state)->table;
    publish_statuses(run, NULL);
    draw(t);
    return t;
}

/* A snapshot moves the Status of a row read by a sort but not shown: the wake leaves the row as
 * it is (its texts kept, no row read for a key after it), and between keys the row is read
 * again and moves to the top of the sort by Status. */
static void accounts_follow_a_snapshot_between_keys(void **state)
{
    catalog_fixture *fx = *state;
    if (fx->postgres)
        skip();
    page_run run;
    open_page(&run, fx, ui_page_accounts_new, "accounts");
    ui_table *t = ui_page_accounts_table(run.page);
    draw(t);
    publish_statuses(&run, NULL);
    while (t->sort_col != 8) /* Status: every row's texts read */
        press(&run, t, 's');
    size_t row = 8999; /* acct-09000, far below the rows shown */
    assert_string_equal(t->rows[row].key, "acct-09000");
    assert_non_null(t->rows[row].texts_read);
    unsigned long probes = t->probes;
    publish_statuses(&run, "acct-09000");
    assert_non_null(t->rows[row].texts_read); /* not in the wake */
    press(&run, t, UI_FN(KEY_DOWN));
    assert_int_equal(t->probes, probes);
    while (run.page->ops->idle(run.page, &run.app, mm_monotonic_us() + 2000))
        ;
    assert_int_equal(t->probes, probes + 1); /* read again between keys, and moved */
    draw(t);
    assert_string_equal(t->rows[t->view[0]].key, "acct-09000");
    health_snapshot_release(run.app.health);
    close_page(&run);
}

/* A health snapshot with the same statuses as the last (mm_health_map_equal) keeps the texts
 * the rows read: the next sort reads no row again. */
static void models_keep_their_texts_across_an_equal_snapshot(void **state)
{
    catalog_fixture *fx = *state;
    if (fx->postgres)
        skip();
    page_run run;
    ui_page *pages[1];
    ui_table *t = models_shown(&run, fx, pages);
    press(&run, t, 's'); /* every row's texts read */
    for (size_t i = 0; i < N; i++)
        assert_true(ui_table_row_read(t, i));
    unsigned long probes = t->probes;
    publish_statuses(&run, NULL);
    press(&run, t, 's');
    assert_int_equal(t->probes, probes); /* the texts kept */
    health_snapshot_release(run.app.health);
    close_page(&run);
}

/* The models whose chain has account `acct-<account>` (the fixture's targets: account
 * 1 + (id * 7 + p) % 10000 for p = 1..3), as keys "model-%05d", in id order. */
static size_t models_on_account(int account, char out[][16], size_t max)
{
    size_t n = 0;
    for (int id = 1; id <= N && n < max; id++)
        for (int p = 1; p <= 3; p++)
            if (1 + (id * 7 + p) % 10000 == account) {
                snprintf(out[n++], sizeof out[0], "model-%05d", id);
                break;
            }
    return n;
}

/* A snapshot whose statuses moved: the wake formats the rows shown again and reads no other
 * row (a key after it reads none either); the rows read before are read again between keys, in
 * slices, and then stand where the sort by Health places them (the models on the account now
 * down first: "2/3 healthy" before "healthy"). */
static void models_follow_a_moved_snapshot_between_keys(void **state)
{
    catalog_fixture *fx = *state;
    if (fx->postgres)
        skip();
    page_run run;
    ui_page *pages[1];
    ui_table *t = models_shown(&run, fx, pages);
    while (t->sort_col != 2) /* Health: every row's texts read */
        press(&run, t, 's');
    while (run.page->ops->idle(run.page, &run.app, mm_monotonic_us() + 2000))
        ;
    unsigned long probes = t->probes;
    publish_statuses(&run, "acct-00002");
    press(&run, t, UI_FN(KEY_DOWN));
    press(&run, t, UI_FN(KEY_UP));
    assert_int_equal(t->probes, probes); /* neither the wake nor a key read the rows */
    size_t slices = 0;
    while (run.page->ops->idle(run.page, &run.app, mm_monotonic_us() + 2000))
        slices++;
    assert_true(t->probes >= probes + N - SHOWN); /* between keys: every row read again */
    char down[8][16];
    size_t n = models_on_account(2, down, 8);
    assert_true(n > 0);
    draw(t);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(t->rows[t->view[i]].key, down[i]);
    assert_string_not_equal(t->rows[t->view[n]].key, down[0]);
    (void)slices;
    health_snapshot_release(run.app.health);
    close_page(&run);
}

static void describe_workspace_2(catalog_fixture *fx)
{
    exec_sql(fx, "UPDATE workspaces SET description = 'changed', version = version + 1"
                 " WHERE name = 'team-00002'");
}

/* The Workspaces, Audit Log and Prices pages' state begins with their table. */
static void workspaces_stay_lazy(void **state)
{
    catalog_fixture *fx = *state;
    if (fx->postgres)
        skip();
    page_run run;
    open_page(&run, fx, ui_page_workspaces_new, "workspaces");
    ui_table *t = run.page->state;
    assert_int_equal(t->nrows, N);
    assert_int_equal(t->formats, 0);
    check_change(&run, t, describe_workspace_2, fx, 0);
    check_sort(&run, t, N);
    check_keys(&run, t, N);
    close_page(&run);
}

static void add_audit_entry(catalog_fixture *fx)
{
    exec_sql(fx, "INSERT INTO audit_log(ts_ms, actor, action, entity_kind, entity_name,"
                 " after_json) VALUES (200000, 'bench', 'create', 'workspace', 'new', '{}')");
}

static void audit_stays_lazy(void **state)
{
    catalog_fixture *fx = *state;
    if (fx->postgres)
        skip();
    page_run run;
    open_page(&run, fx, ui_page_audit_new, "audit");
    ui_table *t = run.page->state;
    size_t n = t->nrows; /* the newest 1,000 entries */
    assert_true(n >= 1000);
    assert_int_equal(t->formats, 0);
    /* a new entry: the list moves down a row; only the new row is formatted */
    check_change(&run, t, add_audit_entry, fx, 1);
    assert_string_equal(t->rows[t->view[0]].cells[3].text, "workspace new");
    check_sort(&run, t, n);
    check_keys(&run, t, n);
    close_page(&run);
}

static char changed_price[160];

static void change_price(catalog_fixture *fx)
{
    char sql[400], provider[64];
    const char *slash = strchr(changed_price, '/');
    snprintf(provider, sizeof provider, "%.*s", (int)(slash - changed_price), changed_price);
    snprintf(sql, sizeof sql,
             "UPDATE prices SET input_per_mtok = 123 WHERE provider = '%s' AND model = '%s'",
             provider, slash + 1);
    exec_sql(fx, sql);
}

static void prices_stay_lazy(void **state)
{
    catalog_fixture *fx = *state;
    if (fx->postgres)
        skip();
    page_run run;
    open_page(&run, fx, ui_page_prices_new, "prices");
    ui_table *t = run.page->state;
    assert_true(t->nrows >= N);
    assert_int_equal(t->formats, 0);
    draw(t);
    mm_copy(changed_price, sizeof changed_price, t->rows[t->view[3]].key);
    assert_non_null(strchr(changed_price, '/'));
    check_change(&run, t, change_price, fx, 0);
    assert_non_null(strstr(t->rows[t->view[3]].cells[2].text, "123"));
    check_sort(&run, t, t->nrows);
    check_keys(&run, t, t->nrows);
    close_page(&run);
}

static void grant_model_1_to_team_3(catalog_fixture *fx)
{
    mm_entitlement grant;
    memset(&grant, 0, sizeof grant);
    mm_copy(grant.model, sizeof grant.model, "model-00001");
    mm_copy(grant.workspace, sizeof grant.workspace, "team-00003");
    mm_error err = {0};
    assert_int_equal(catalog_entitle(fx->cat, &grant, &err), MM_OK);
}

static void entitlements_stay_lazy(void **state)
{
    catalog_fixture *fx = *state;
    if (fx->postgres)
        skip();
    page_run run;
    open_page(&run, fx, ui_page_entitlements_new, "entitlements");
    ui_table *left = ui_entitlements_table(run.page, false),
             *right = ui_entitlements_table(run.page, true);
    assert_int_equal(left->nrows, N);
    assert_int_equal(right->nrows, N);
    assert_int_equal(left->formats + right->formats, 0);
    assert_int_equal(draw(left), SHOWN);
    unsigned long f = draw(right);
    assert_int_equal(f, SHOWN);
    /* a grant: model-00001's count on the left and team-00003's mark on the right, alone */
    check_change(&run, right, grant_model_1_to_team_3, fx, 0);
    assert_int_equal(draw(left), SHOWN + 1);
    assert_string_equal(right->rows[2].cells[0].text, "[x]");
    /* the next model: the rows of the two models' entitlements shown, formatted again */
    f = press(&run, right, UI_FN(KEY_DOWN));
    assert_true(f <= SHOWN + 1 + 4);
    assert_string_equal(right->rows[2].cells[0].text, "[ ]");
    assert_string_equal(right->rows[1].cells[0].text, "[x]");
    run.page->ops->handle_key(run.page, &run.app, UI_FN(KEY_RIGHT)); /* the keys go right */
    check_keys(&run, right, N);
    close_page(&run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(accounts_stay_lazy, lazy_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(accounts_follow_a_round_a_page_at_a_time, lazy_setup,
                                        catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(accounts_follow_rounds_of_one_message, lazy_setup,
                                        catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(accounts_sorted_by_status_follow_a_round_then_a_snapshot,
                                        lazy_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(accounts_follow_again_keeps_the_round_not_read_yet,
                                        lazy_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(accounts_sort_last_test_by_its_time, lazy_setup,
                                        catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(accounts_follow_a_snapshot_between_keys, lazy_setup,
                                        catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(models_stay_lazy, lazy_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(models_follow_a_moved_snapshot_between_keys, lazy_setup,
                                        catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(models_keep_their_texts_across_an_equal_snapshot,
                                        lazy_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(workspaces_stay_lazy, lazy_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(audit_stays_lazy, lazy_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(prices_stay_lazy, lazy_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(entitlements_stay_lazy, lazy_setup,
                                        catalog_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
