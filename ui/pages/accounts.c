/* The Provider Accounts page: the accounts table (limits, enabled state, last test), and its
 * actions: add (wizard), edit, test in the background, enable/disable with a reason, delete. */
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/rows.h"
#include "connection_check.h"
#include "draw.h"
#include "jobs.h"
#include "page.h"
#include "pages/health_format.h"
#include "pages/prices.h"
#include "router/pricing.h"
#include "util/clock.h"
#include "util/hash_index.h"
#include "util/text.h"
#include "widgets/dialog.h"
#include "widgets/spinner.h"
#include "widgets/table.h"
#include "wizards/account_fields.h"
#include "wizards/account_wizard.h"

typedef struct accounts_page {
    ui_table table;
    unsigned long shown_health; /* the app's health_serial the status column was built from */
    /* the rows from here are compared with that snapshot between keys (list.count or more:
     * none left); compared_health: the health_serial every row was compared with */
    size_t status_from;
    unsigned long compared_health;
    mm_account_rows list;   /* lean: what the rows and the detail lines show */
    mm_string_list testing; /* accounts with a test running */
    char pending_title[96]; /* a finished test's dialog, shown at the next wake */
    char pending_text[8192];
    bool pending_ok;
    pricing_unpriced *unpriced; /* targets' models without a price, per account */
    size_t n_unpriced;
    size_t *unpriced_by_account;  /* positions in unpriced by account, then chain order */
    int64_t unpriced_version;     /* the catalog_version unpriced was read at (-1: never) */
    signed char *shown_status;    /* per row: the status its Status cell shows (-1: none,
                                     -2: not formatted since the rows last moved) */
    mm_account_rows before;       /* the previous read, while the rows are synced with list */
    mm_hash_index report_index;   /* the health snapshot's accounts by name */
    unsigned long indexed_health; /* the health_serial report_index was built for */
    ui_app *app;                  /* for formatting a row when the table first needs it */
    int64_t aged_ms;        /* when the rows' "3m ago" were last marked to be formatted again */
    int64_t read_version;   /* the catalog_version before the last whole read (-1: none) */
    int64_t last_tested_ms; /* the latest last test read (wall clock, ms) */
    size_t read_bytes;      /* list's bytes at the last whole read (tests read since add) */
    bool tests_missed;      /* a test read since names an account the list does not hold */
    const char *pooled[2];  /* the last two texts a test added to the list's pool */
    size_t next_pooled;
    /* following the tests recorded since, a page of accounts at a time (the first at the load,
     * the others between keys: ui_page_ops.idle) */
    bool following;
    int64_t follow_since_ms;        /* the tests at or after this time (wall clock) */
    char follow_after[MM_NAME_MAX]; /* the last account read ("": none yet) */
    size_t follow_read;             /* accounts read in the page being read */
    bool follow_shown;              /* a row formatted (shown) changed in it */
} accounts_page;

/* A test's result may commit after a later one's (a probe round records its batch at its end):
 * following the tests reads again those of the last minute, not those since the latest seen. */
#define ACCOUNTS_TESTS_SLACK_MS 60000

/* The accounts read at a time while following the tests recorded since (a probe round of 10,000
 * accounts: a page takes ~1 ms, within an idle slice, so a key waits for one page at most, not
 * for all of them). */
#define ACCOUNTS_FOLLOW_PAGE 128

/* How often the Last test column's "3m ago" is formatted again (the rows shown). */
#define ACCOUNTS_AGE_MS 30000

enum {
    COL_NAME,
    COL_PROVIDER,
    COL_ENDPOINT,
    COL_KEY,
    COL_RPM,
    COL_TPM,
    COL_CAP,
    COL_ENABLED,
    COL_HEALTH,
    COL_TEST,
    N_COLS
};

/* "Azure" for "Azure OpenAI", "OpenAI-c…" for "OpenAI-compatible": the first word, at most
 * 9 columns (the endpoint and the detail say the rest). */
static void compact_provider(char *out, size_t outsz, const char *text)
{
    int len = (int)strcspn(text, " ");
    if (len > 9)
        snprintf(out, outsz, "%.8s…", text);
    else
        snprintf(out, outsz, "%.*s", len, text);
}

/* "…wxyz" for "sk-…wxyz": the provider column already tells the prefix. */
static void compact_key(char *out, size_t outsz, const char *text)
{
    const char *cut = strstr(text, "…");
    if (!cut)
        cut = strstr(text, "...");
    snprintf(out, outsz, "%s", cut ? cut : text);
}

/* "no" for "no: maintenance window" (the reason stays in the detail line below the table). */
static void compact_enabled(char *out, size_t outsz, const char *text)
{
    size_t len = strcspn(text, ":");
    snprintf(out, outsz, "%.*s", (int)len, text);
}

/* "✓ 216ms 2m" for "✓ ok 216ms 2m ago", "✖ auth now" for "✖ auth just now". */
static void compact_test(char *out, size_t outsz, const char *text)
{
    size_t used = 0;
    out[0] = '\0';
    while (*text && used + 1 < outsz) {
        size_t len = strcspn(text, " ");
        bool skip = (len == 2 && !strncmp(text, "ok", 2)) ||
                    (len == 3 && !strncmp(text, "ago", 3)) ||
                    (len == 4 && !strncmp(text, "just", 4));
        if (!skip) {
            int w = snprintf(out + used, outsz - used, "%s%.*s", used ? " " : "", (int)len, text);
            used += w > 0 ? (size_t)w : 0;
        }
        text += len;
        text += strspn(text, " ");
    }
}

static const ui_column COLUMNS[N_COLS] = {
    [COL_NAME] = {"Name", 12, 24, UI_ALIGN_LEFT, true, false},
    [COL_PROVIDER] = {"Provider", 6, 13, UI_ALIGN_LEFT, false, false},
    [COL_ENDPOINT] = {"Endpoint", 16, 40, UI_ALIGN_LEFT, true, false},
    [COL_KEY] = {"Key", 5, 10, UI_ALIGN_LEFT, false, false},
    [COL_RPM] = {"RPM", 3, 10, UI_ALIGN_RIGHT, false, false},
    [COL_TPM] = {"TPM", 3, 14, UI_ALIGN_RIGHT, false, false},
    [COL_CAP] = {"Cap/mo", 5, 13, UI_ALIGN_RIGHT, false, false},
    [COL_ENABLED] = {"Enabled", 7, 12, UI_ALIGN_LEFT, false, false},
    [COL_HEALTH] = {"Status", 9, 14, UI_ALIGN_LEFT, false, true},
    [COL_TEST] = {"Last test", 9, 30, UI_ALIGN_LEFT, false, false}, /* sorts by the time */
};

/* When the pane is narrow, columns go lowest first: the limits, then the key hint, so that
 * the state (health status first, enabled, last test) and where the account points stay. */
static const int KEEP[N_COLS] = {
    [COL_NAME] = 11, [COL_PROVIDER] = 6, [COL_ENDPOINT] = 5, [COL_KEY] = 3,     [COL_RPM] = 2,
    [COL_TPM] = 1,   [COL_CAP] = 4,      [COL_ENABLED] = 8,  [COL_HEALTH] = 10, [COL_TEST] = 9,
};

/* The list is read ORDER BY name (SQLite's BINARY order is strcmp's): a binary search. */
static const mm_account_row *find_account(accounts_page *st, const char *name)
{
    return mm_account_rows_find(&st->list, name);
}

static const mm_account_row *selected_account(accounts_page *st)
{
    return find_account(st, ui_table_selected_key(&st->table));
}

/* ---- rows ---- */

static void format_test(ui_app *app, accounts_page *st, const mm_account_row *a, char *out,
                        size_t outsz, ui_element *el)
{
    int64_t now = mm_now_ms();
    if (mm_string_list_contains(&st->testing, a->name)) {
        snprintf(out, outsz, "%s testing%s", ui_spinner_frame(app, mm_monotonic_ms()),
                 ui_glyph(app, UI_G_ELLIPSIS));
        *el = UI_EL_WARN;
        return;
    }
    if (a->last_test_ms == 0) {
        snprintf(out, outsz, "untested");
        *el = UI_EL_DIM;
        return;
    }
    char ago[32];
    ui_format_ago(ago, sizeof ago, a->last_test_ms, now);
    if (a->last_test_ok) {
        snprintf(out, outsz, "%s ok %lldms %s", ui_glyph(app, UI_G_CHECK),
                 (long long)a->last_test_latency_ms, ago);
        *el = UI_EL_OK;
    } else {
        snprintf(out, outsz, "%s %s %s", ui_glyph(app, UI_G_CROSS), a->last_test_class, ago);
        *el = UI_EL_BAD;
    }
}

/* The endpoint as the column shows it: without its scheme (plain http is refused except for
 * loopback hosts), so a narrow column still shows the host. */
static const char *endpoint_for_column(const char *url)
{
    static const char *const schemes[] = {"https://", "http://"};
    for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
        if (strncmp(url, schemes[i], strlen(schemes[i])) == 0)
            return url + strlen(schemes[i]);
    return url;
}

/* by_account: positions in the unpriced list sorted by account, then position (chain order). */
static int unpriced_order(const void *a, const void *b, void *ctx)
{
    const pricing_unpriced *list = ctx;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int c = strcmp(list[x].account, list[y].account);
    return c ? c : (x > y) - (x < y);
}

static void index_unpriced(accounts_page *st)
{
    free(st->unpriced_by_account);
    st->unpriced_by_account = malloc((st->n_unpriced ? st->n_unpriced : 1) * sizeof(size_t));
    if (!st->unpriced_by_account) {
        st->n_unpriced = 0;
        return;
    }
    for (size_t i = 0; i < st->n_unpriced; i++)
        st->unpriced_by_account[i] = i;
    qsort_r(st->unpriced_by_account, st->n_unpriced, sizeof(size_t), unpriced_order, st->unpriced);
}

static const char *unpriced_account(const accounts_page *st, size_t i)
{
    return st->unpriced[st->unpriced_by_account[i]].account;
}

/* The first position in by_account of the account's entries (n_unpriced when none). */
static size_t first_unpriced(const accounts_page *st, const char *account)
{
    size_t lo = 0, hi = st->n_unpriced;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(unpriced_account(st, mid), account) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* "gpt-x, gpt-y": the account's targets' models without a price (its cap counts $0 for them);
 * false when there are none. */
static bool unpriced_models(const accounts_page *st, const char *account, char *out, size_t outsz)
{
    size_t used = 0, i = first_unpriced(st, account);
    out[0] = '\0';
    for (; i < st->n_unpriced && !strcmp(unpriced_account(st, i), account); i++)
        if (used < outsz) {
            const char *model = st->unpriced[st->unpriced_by_account[i]].model;
            int w = snprintf(out + used, outsz - used, "%s%s", used ? ", " : "", model);
            used += w > 0 ? (size_t)w : 0;
        }
    return used > 0;
}

static bool report_account_matches(const void *data, size_t position, const void *key)
{
    return strcmp(((const mm_health_figures *)data)[position].account, key) == 0;
}

/* The snapshot's accounts by name, so that each row finds its own in O(1). */
static void index_report(ui_app *app, mm_hash_index *index)
{
    const mm_health_report *r = app->health ? &app->health->report : NULL;
    for (size_t i = 0; r && i < r->count; i++)
        if (!mm_hash_index_add(index, mm_hash_string(r->accounts[i].account), i))
            break;
}

/* The monitor's status of the account in the snapshot, or -1 when it has none (yet). */
static int status_of(ui_app *app, const mm_hash_index *index, const mm_account_row *a)
{
    const mm_health_report *r = app->health ? &app->health->report : NULL;
    long at = r ? mm_hash_index_find(index, mm_hash_string(a->name), a->name,
                                     report_account_matches, r->accounts)
                : -1;
    return at >= 0 ? (int)r->accounts[at].status : -1;
}

/* The health monitor's status of the account (the Provider Health page's word and look), or
 * "–" before the first snapshot. */
static void format_health(ui_app *app, int status, const mm_account_row *a, char *out, size_t outsz,
                          ui_element *el)
{
    if (status >= 0) {
        mm_health_figures brief; /* the word only: the reason is the Last test's and Health's */
        memset(&brief, 0, sizeof brief);
        brief.status = (mm_health)status;
        brief.enabled = a->enabled; /* the row is newer than the monitor's last snapshot */
        health_format_status(app, &brief, out, outsz, el);
        return;
    }
    snprintf(out, outsz, "%s", ui_glyph(app, UI_G_DASH));
    *el = UI_EL_DIM;
}

/* One row's cells, formatted into buffers the caller keeps while it uses cells. */
typedef struct account_row {
    char endpoint[MM_URL_MAX], rpm[32], tpm[32], cap[32], enabled[MM_REASON_MAX + 8], test[160],
        health[48];
    int status; /* the snapshot's status the Status cell shows (-1: none) */
    const char *cells[N_COLS];
    ui_element els[N_COLS];
} account_row;

static void format_row(ui_app *app, accounts_page *st, const mm_hash_index *report_index,
                       const mm_account_row *a, account_row *row)
{
    const mm_provider_info *p = provider_find(a->provider);
    const char *url = a->endpoint[0]             ? a->endpoint
                      : p && p->default_base_url ? p->default_base_url
                                                 : "";
    mm_copy(row->endpoint, sizeof row->endpoint, endpoint_for_column(url));
    account_format_limit(app, a->rpm, row->rpm, sizeof row->rpm);
    account_format_limit(app, a->tpm, row->tpm, sizeof row->tpm);
    account_format_cap(app, a->monthly_cap_cents, row->cap, sizeof row->cap);
    char models[256];
    bool cap_blind = a->monthly_cap_cents != MM_LIMIT_UNSET &&
                     unpriced_models(st, a->name, models, sizeof models);
    if (cap_blind) { /* the cap cannot see this spend: marked, said under the table */
        char marked[48];
        snprintf(marked, sizeof marked, "%s %s", ui_glyph(app, UI_G_WARN), row->cap);
        mm_copy(row->cap, sizeof row->cap, marked);
    }
    if (a->enabled)
        snprintf(row->enabled, sizeof row->enabled, "yes");
    else
        snprintf(row->enabled, sizeof row->enabled, "no: %s",
                 a->disabled_reason[0] ? a->disabled_reason : "(no reason given)");
    ui_element test_el, health_el;
    format_test(app, st, a, row->test, sizeof row->test, &test_el);
    row->status = status_of(app, report_index, a);
    format_health(app, row->status, a, row->health, sizeof row->health, &health_el);
    const char *cells[N_COLS] = {
        [COL_NAME] = a->name,           [COL_PROVIDER] = p ? p->display_name : a->provider,
        [COL_ENDPOINT] = row->endpoint, [COL_KEY] = a->has_key ? a->key_hint : "none",
        [COL_RPM] = row->rpm,           [COL_TPM] = row->tpm,
        [COL_CAP] = row->cap,           [COL_ENABLED] = row->enabled,
        [COL_HEALTH] = row->health,     [COL_TEST] = row->test};
    memcpy(row->cells, cells, sizeof cells);
    memset(row->els, 0, sizeof row->els);
    row->els[COL_HEALTH] = health_el;
    row->els[COL_ENDPOINT] = a->endpoint[0] ? UI_EL_NORMAL : UI_EL_DIM;
    row->els[COL_KEY] = a->has_key ? UI_EL_NORMAL : UI_EL_DIM;
    row->els[COL_ENABLED] = a->enabled ? UI_EL_OK : UI_EL_WARN;
    row->els[COL_TEST] = test_el;
    row->els[COL_CAP] = cap_blind ? UI_EL_WARN : UI_EL_NORMAL;
}

/* Whether the table's row at position already shows these cells. */
static bool row_shows(const ui_table *t, size_t position, const account_row *row)
{
    const ui_cell *cells = t->rows[position].cells;
    for (size_t c = 0; c < N_COLS; c++)
        if (cells[c].element != row->els[c] || strcmp(cells[c].text, row->cells[c]) != 0)
            return false;
    return true;
}

/* The snapshot's accounts by name, indexed again when a new snapshot came (health_serial). */
static const mm_hash_index *report_index(ui_app *app, accounts_page *st)
{
    if (st->indexed_health != app->health_serial || !st->report_index.slots) {
        mm_hash_index_free(&st->report_index);
        index_report(app, &st->report_index);
        st->indexed_health = app->health_serial;
    }
    return &st->report_index;
}

/* Room for the rows' shown statuses (all unknown); false when out of memory. */
static bool size_statuses(accounts_page *st)
{
    signed char *grown = realloc(st->shown_status, st->list.count ? st->list.count : 1);
    if (!grown)
        return false;
    st->shown_status = grown;
    memset(st->shown_status, -2, st->list.count ? st->list.count : 1);
    return true;
}

/* Formats account row of the list (the table's lazy row: its first draw, a filter or a sort);
 * a row that already shows these cells keeps them. */
static void format_account(void *ctx, ui_table *t, size_t position)
{
    accounts_page *st = ctx;
    account_row row;
    format_row(st->app, st, report_index(st->app, st), &st->list.items[position], &row);
    if (st->shown_status)
        st->shown_status[position] = (signed char)row.status;
    if (!t->rows[position].cells || !row_shows(t, position, &row))
        ui_table_set_row(t, position, row.cells, row.els);
}

static const char *account_key(void *ctx, size_t item)
{
    return ((accounts_page *)ctx)->list.items[item].name;
}

static bool same_text(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Row (of the previous read) and item (of this one) are the same account at the same version
 * with the same last test (a probe's result moves no version). */
static bool account_same(void *ctx, size_t row, size_t item)
{
    const accounts_page *st = ctx;
    const mm_account_row *x = &st->before.items[row], *y = &st->list.items[item];
    return x->id == y->id && x->version == y->version && x->enabled == y->enabled &&
           x->last_test_ms == y->last_test_ms && x->last_test_ok == y->last_test_ok &&
           x->last_test_latency_ms == y->last_test_latency_ms &&
           same_text(x->last_test_class, y->last_test_class) &&
           same_text(x->disabled_reason, y->disabled_reason);
}

/* Row i, formatted or read so far, shows another status than the snapshot's: formatted (read)
 * again now; true when it was. */
static bool follow_status(ui_app *app, accounts_page *st, const mm_hash_index *index, size_t i)
{
    return ui_table_row_read(&st->table, i) &&
           status_of(app, index, &st->list.items[i]) != st->shown_status[i] &&
           ui_table_reread_row(&st->table, i);
}

/* The rows from st->status_from compared with the snapshot until until_us (mm_monotonic_us). */
static void follow_statuses_some(ui_app *app, accounts_page *st, int64_t until_us)
{
    if (!st->shown_status || st->table.nrows != st->list.count) {
        st->status_from = SIZE_MAX;
        return;
    }
    const mm_hash_index *index = report_index(app, st);
    int64_t now = mm_monotonic_us();
    until_us = now + (until_us - now) / 2; /* the rows' moves take the rest of the slice */
    bool changed = false;
    size_t i = st->status_from;
    for (size_t done = 1; i < st->list.count; i++, done++) {
        changed |= follow_status(app, st, index, i);
        if (done % 64 == 0 && mm_monotonic_us() >= until_us) {
            i++;
            break;
        }
    }
    st->status_from = i;
    if (i >= st->list.count)
        st->compared_health = st->shown_health;
    if (changed) /* a sort or filter is applied again only when a row changed */
        ui_table_update_end(&st->table);
}

/* A new health snapshot: the rows shown whose status moved are formatted again now, the other
 * rows formatted or read so far between keys (follow_statuses_some from the page's idle: 10,000
 * rows compared and read again took up to 13 ms of CPU in a wake); the rows not read take the
 * new status when first drawn or read. */
static void follow_statuses(ui_app *app, accounts_page *st)
{
    st->shown_health = app->health_serial;
    st->status_from = SIZE_MAX;
    if (!st->shown_status || st->table.nrows != st->list.count)
        return;
    const mm_hash_index *index = report_index(app, st);
    size_t shown[256];
    size_t n = ui_table_shown_rows(&st->table, shown, sizeof shown / sizeof shown[0]);
    bool changed = false;
    for (size_t k = 0; k < n; k++)
        changed |= follow_status(app, st, index, shown[k]);
    if (changed)
        ui_table_update_end(&st->table);
    if (st->compared_health != app->health_serial) /* the others when the snapshot moved */
        st->status_from = 0;
}

/* The rows of the accounts being tested (their spinner turns). */
static void update_testing_rows(accounts_page *st)
{
    for (size_t k = 0; k < st->testing.count; k++) {
        const mm_account_row *a = find_account(st, st->testing.items[k]);
        if (a)
            ui_table_refresh_cells(&st->table, (size_t)(a - st->list.items), 1u << COL_TEST);
    }
    ui_table_update_end(&st->table);
}

/* The targets' models without a price, read again only when an audited change (a price, a
 * target, an account) moved the catalog's version: a probe's result does not. */
static bool read_unpriced(ui_app *app, accounts_page *st)
{
    int64_t version = catalog_version(app->cat);
    if (version >= 0 && version == st->unpriced_version)
        return false;
    st->unpriced_version = version;
    free(st->unpriced);
    st->unpriced = NULL;
    st->n_unpriced = 0;
    mm_price_list prices = {0};
    mm_error err;
    mm_error_clear(&err);
    if (catalog_price_list(app->cat, &prices, &err) != MM_OK ||
        pricing_find_unpriced(app->cat, &prices, true, &st->unpriced, &st->n_unpriced, &err) !=
            MM_OK)
        st->n_unpriced = 0;
    mm_price_list_free(&prices);
    index_unpriced(st);
    return true;
}

/* The string kept in the list's pool for s: the row's own when equal, else one of the last two
 * added when equal (a probe round at a dead endpoint gives every account the same class and
 * message: the pool does not grow by 10,000 copies, which made the next follow a whole read),
 * else a new copy; NULL when out of memory. */
static const char *keep_text(accounts_page *st, const char *kept, const char *s)
{
    if (same_text(kept, s))
        return kept;
    for (size_t i = 0; i < 2; i++)
        if (st->pooled[i] && same_text(st->pooled[i], s))
            return st->pooled[i];
    const char *added = mm_string_pool_add(&st->list.pool, s);
    if (added && *added) {
        st->pooled[st->next_pooled] = added;
        st->next_pooled ^= 1;
    }
    return added;
}

/* An account whose last test was read since: its row takes the new test, formatted again when
 * it was formatted (fn of catalog_account_each_tested_since). */
static void take_test(const mm_account *a, void *ctx)
{
    accounts_page *st = ctx;
    st->follow_read++;
    mm_copy(st->follow_after, sizeof st->follow_after, a->name);
    const mm_account_row *found = mm_account_rows_find(&st->list, a->name);
    if (!found || found->id != a->id) {
        st->tests_missed = true;
        return;
    }
    mm_account_row *r = &st->list.items[found - st->list.items];
    if (a->last_test_ms > st->last_tested_ms)
        st->last_tested_ms = a->last_test_ms;
    if (r->last_test_ms == a->last_test_ms && r->last_test_ok == a->last_test_ok &&
        r->last_test_latency_ms == a->last_test_latency_ms &&
        same_text(r->last_test_class, a->last_test_class) &&
        same_text(r->last_test_message, a->last_test_message))
        return;
    const char *class = keep_text(st, r->last_test_class, a->last_test_class);
    const char *message = keep_text(st, r->last_test_message, a->last_test_message);
    if (!class || !message) {
        st->tests_missed = true;
        return;
    }
    r->last_test_ms = a->last_test_ms;
    r->last_test_ok = a->last_test_ok;
    r->last_test_latency_ms = a->last_test_latency_ms;
    r->last_test_class = class;
    r->last_test_message = message;
    size_t position = (size_t)(r - st->list.items);
    st->follow_shown |= st->table.rows[position].cells != NULL;
    ui_table_refresh_cells(&st->table, position, 1u << COL_TEST);
}

/* The next page of the tests recorded since the follow began: their rows updated in place; the
 * last page ends the follow. false when a whole read is needed (an account not in the list). */
static bool follow_page(ui_app *app, accounts_page *st)
{
    st->tests_missed = false;
    st->follow_read = 0;
    st->follow_shown = false;
    mm_error err;
    mm_error_clear(&err);
    if (catalog_account_each_tested_since(app->cat, st->follow_since_ms, st->follow_after,
                                          ACCOUNTS_FOLLOW_PAGE, take_test, st, &err) != MM_OK ||
        st->tests_missed) {
        st->following = false;
        return false;
    }
    ui_table_update_end(&st->table);
    if (st->follow_read < ACCOUNTS_FOLLOW_PAGE) {
        st->following = false;
        follow_statuses(app, st);
    }
    return true;
}

/* Only unaudited rows moved since the last whole read (a probe's commit: no account, price or
 * target changed): the tests recorded since are read and their rows updated in place, not
 * every account read again; the first page now, the others between keys (accounts_idle).
 * false when a whole read is needed. */
static bool follow_tests(ui_app *app, accounts_page *st)
{
    int64_t version = catalog_version(app->cat);
    if (version < 0 || version != st->read_version || !st->list.count ||
        mm_account_rows_bytes(&st->list) > 2 * st->read_bytes + 65536)
        return false;
    /* from the first account again (a page read meanwhile may be older), and from the tests
     * of a follow not over yet too: its accounts after the last page read are not read yet */
    int64_t since = st->last_tested_ms - ACCOUNTS_TESTS_SLACK_MS;
    if (st->following && st->follow_since_ms < since)
        since = st->follow_since_ms;
    st->following = true;
    st->follow_since_ms = since;
    st->follow_after[0] = '\0';
    return follow_page(app, st);
}

/* Every account read again, the rows synced with the list. */
static void read_whole(ui_page *page, ui_app *app)
{
    accounts_page *st = page->state;
    st->following = false;
    st->read_version = catalog_version(app->cat);
    mm_account_rows_free(&st->before);
    st->before = st->list;
    memset(&st->list, 0, sizeof st->list);
    st->pooled[0] = st->pooled[1] = NULL; /* they were the list's */
    mm_error err;
    mm_error_clear(&err);
    if (catalog_account_rows(app->cat, &st->list, &err) != MM_OK)
        ui_set_message(app, UI_EL_ERROR, "Could not read the accounts: %s", err.message);
    bool unpriced_moved = read_unpriced(app, st);
    size_t disabled = 0;
    st->last_tested_ms = 0;
    st->read_bytes = mm_account_rows_bytes(&st->list);
    for (size_t i = 0; i < st->list.count; i++) {
        disabled += !st->list.items[i].enabled;
        if (st->list.items[i].last_test_ms > st->last_tested_ms)
            st->last_tested_ms = st->list.items[i].last_test_ms;
    }
    if (disabled)
        snprintf(page->subtitle, sizeof page->subtitle, "%zu of %zu disabled", disabled,
                 st->list.count);
    else
        snprintf(page->subtitle, sizeof page->subtitle, "%zu %s", st->list.count,
                 st->list.count == 1 ? "account" : "accounts");
    if ((!st->shown_status || st->list.count != st->before.count) && !size_statuses(st)) {
        free(st->shown_status);
        st->shown_status = NULL;
    }
    unsigned long loads = st->table.loads;
    ui_table_sync(&st->table, st->list.count, account_key, account_same, st);
    mm_account_rows_free(&st->before);
    if (st->table.loads != loads && st->shown_status) /* rows moved: statuses unknown */
        memset(st->shown_status, -2, st->list.count ? st->list.count : 1);
    if (unpriced_moved) /* the Cap/mo marks may have moved: the rows formatted so far again */
        ui_table_refresh_formatted(&st->table);
    follow_statuses(app, st);
}

static void accounts_load(ui_page *page, ui_app *app)
{
    accounts_page *st = page->state;
    st->app = app;
    if (!follow_tests(app, st))
        read_whole(page, app);
}

static void accounts_draw(ui_page *page, ui_app *app, WINDOW *win, ui_rect area, bool focused)
{
    accounts_page *st = page->state;
    if (st->testing.count)
        update_testing_rows(st); /* the spinner turns */
    int64_t now = mm_monotonic_ms();
    if (now - st->aged_ms >= ACCOUNTS_AGE_MS) { /* "3m ago" stays true on the rows shown */
        ui_table_mark_stale(&st->table);
        st->aged_ms = now;
    }
    const mm_account_row *sel = selected_account(st);
    /* The selected account's last error (or disable reason) in full under the table. */
    ui_rect table_area = area;
    bool failed = sel && sel->last_test_ms && !sel->last_test_ok && sel->last_test_message[0];
    bool disabled = sel && !sel->enabled;
    char models[256];
    bool cap_blind = sel && sel->monthly_cap_cents != MM_LIMIT_UNSET &&
                     unpriced_models(st, sel->name, models, sizeof models);
    int details = failed + disabled + cap_blind;
    if (details && area.h > 10) {
        table_area.h -= details + 1;
        int y = area.y + area.h - details;
        char line[MM_MESSAGE_MAX + MM_NAME_MAX + 32];
        if (disabled) {
            snprintf(line, sizeof line, "%s is disabled: %s", sel->name,
                     sel->disabled_reason[0] ? sel->disabled_reason : "(no reason given)");
            ui_draw_text(app, win, y++, area.x, area.w, UI_EL_WARN, UI_ALIGN_LEFT, line);
        }
        if (cap_blind) {
            char cap[32];
            account_format_cap(app, sel->monthly_cap_cents, cap, sizeof cap);
            snprintf(line, sizeof line,
                     "%s %s's %s monthly cap counts nothing for %s: no price (Prices page, 7).",
                     ui_glyph(app, UI_G_WARN), sel->name, cap, models);
            ui_draw_text(app, win, y++, area.x, area.w, UI_EL_WARN, UI_ALIGN_LEFT, line);
        }
        if (failed) {
            char clean[MM_MESSAGE_MAX];
            mm_sanitize(clean, sizeof clean, sel->last_test_message,
                        strlen(sel->last_test_message));
            snprintf(line, sizeof line, "%s last test: %s", sel->name, clean);
            ui_draw_text(app, win, y, area.x, area.w, UI_EL_BAD, UI_ALIGN_LEFT, line);
        }
    }
    ui_table_draw(&st->table, app, win, table_area, focused);
}

/* ---- testing ---- */

static void test_done(ui_app *app, const ui_connection_check *t, void *owner)
{
    ui_page *page = owner;
    accounts_page *st = page->state;
    mm_string_list remaining = {0};
    for (size_t i = 0; i < st->testing.count; i++)
        if (strcmp(st->testing.items[i], t->account) != 0)
            mm_string_list_append(&remaining, st->testing.items[i]);
    mm_string_list_free(&st->testing);
    st->testing = remaining;
    char note[MM_MESSAGE_MAX + 64] = "";
    if (!app->read_only) {
        mm_error err;
        mm_error_clear(&err);
        if (ui_connection_check_record(app, t, &err) != MM_OK)
            snprintf(note, sizeof note, "\n\n(The result could not be recorded: %s)", err.message);
    } else {
        snprintf(note, sizeof note, "\n\n(Read-only: the result is not recorded.)");
    }
    snprintf(st->pending_title, sizeof st->pending_title, "Test of %s: %s", t->account,
             t->result.ok ? "connected" : "failed");
    ui_connection_check_describe(app, t, st->pending_text, sizeof st->pending_text);
    size_t used = strlen(st->pending_text);
    snprintf(st->pending_text + used, sizeof st->pending_text - used, "%s", note);
    st->pending_ok = t->result.ok;
    /* "Testing x in the background…" is over: the result's dialog says how it ended */
    if (strncmp(app->message_text, "Testing ", 8) == 0)
        ui_clear_message(app);
    accounts_load(page, app);
}

static void accounts_on_wake(ui_page *page, ui_app *app)
{
    accounts_page *st = page->state;
    if (st->shown_health != app->health_serial)
        follow_statuses(app, st); /* a new snapshot: the changed Status cells follow */
    if (!st->pending_title[0])
        return;
    char title[96], text[8192];
    snprintf(title, sizeof title, "%s", st->pending_title);
    snprintf(text, sizeof text, "%s", st->pending_text);
    bool ok = st->pending_ok;
    st->pending_title[0] = '\0';
    if (app->n_modals > 0) { /* do not cover another dialog: say it on the message line */
        ui_set_message(app, ok ? UI_EL_OK : UI_EL_BAD, "%s", title);
        return;
    }
    if (ok)
        ui_dialog_message(app, title, text);
    else
        ui_dialog_error(app, title, text);
}

static void start_test(ui_page *page, ui_app *app, const mm_account_row *a)
{
    accounts_page *st = page->state;
    if (mm_string_list_contains(&st->testing, a->name)) {
        ui_set_message(app, UI_EL_DIM, "A test of %s is already running.", a->name);
        return;
    }
    char *key = sodium_malloc(MM_API_KEY_MAX);
    if (!key)
        return;
    mm_error err;
    mm_error_clear(&err);
    if (catalog_account_secret(app->cat, a->name, key, MM_API_KEY_MAX, &err) != MM_OK) {
        sodium_free(key);
        ui_dialog_error(app, "Cannot test", err.message);
        return;
    }
    mm_account *acc = malloc(sizeof *acc); /* the full row, copied by the check */
    if (acc)
        mm_account_row_expand(a, acc);
    if (acc && ui_connection_check_start(app, acc, key, test_done, page)) {
        mm_string_list_append(&st->testing, a->name);
        ui_set_message(app, UI_EL_DIM, "Testing %s in the background%s", a->name,
                       ui_glyph(app, UI_G_ELLIPSIS));
    }
    free(acc);
    sodium_free(key); /* zeroes it */
}

/* ---- actions ---- */

static int add_account(ui_page *page, ui_app *app)
{
    accounts_page *st = page->state;
    char name[MM_NAME_MAX];
    if (!ui_account_wizard(app, name, sizeof name))
        return UI_HANDLED;
    accounts_load(page, app);
    ui_table_select_key(&st->table, name);
    ui_set_message(app, UI_EL_OK,
                   "%s Account %s added. Next: use it as a target of a model "
                   "(Models page, 2).",
                   ui_glyph(app, UI_G_CHECK), name);
    return UI_HANDLED;
}

/* The selected account, or NULL after saying there is none. */
static const mm_account_row *selected_or_say(ui_page *page, ui_app *app)
{
    const mm_account_row *a = selected_account(page->state);
    if (!a)
        ui_set_message(app, UI_EL_DIM, "No account selected. Press a to add one.");
    return a;
}

static int edit_account(ui_page *page, ui_app *app)
{
    accounts_page *st = page->state;
    const mm_account_row *a = selected_or_say(page, app);
    if (!a)
        return UI_HANDLED;
    char name[MM_NAME_MAX];
    if (!ui_account_edit(app, a->name, name, sizeof name))
        return UI_HANDLED;
    accounts_load(page, app);
    ui_table_select_key(&st->table, name);
    char saved[MM_NAME_MAX + 32];
    snprintf(saved, sizeof saved, "%s Account %s saved.", ui_glyph(app, UI_G_CHECK), name);
    ui_set_message(app, UI_EL_OK, "%s", saved);
    const mm_account_row *now = find_account(st, name);
    mm_account *acc = now ? malloc(sizeof *acc) : NULL;
    if (acc) {
        mm_account_row_expand(now, acc);
        ui_prices_warn_after_save(app, acc, saved);
    }
    free(acc);
    return UI_HANDLED;
}

static int set_enabled(ui_page *page, ui_app *app, bool enable)
{
    const mm_account_row *a = selected_or_say(page, app);
    if (!a)
        return UI_HANDLED;
    if (a->enabled == enable) {
        ui_set_message(app, UI_EL_DIM, "%s is already %s.", a->name,
                       enable ? "enabled" : "disabled");
        return UI_HANDLED;
    }
    char name[MM_NAME_MAX];
    mm_copy(name, sizeof name, a->name);
    char reason[MM_REASON_MAX] = "";
    char text[256];
    snprintf(text, sizeof text,
             enable ? "Enable %s again? A note for the audit log (optional):"
                    : "Disable %s: the router stops sending it requests. Why? (shown on the "
                      "page and in the audit log)",
             name);
    if (!ui_dialog_prompt(app, enable ? "Enable account" : "Disable account", text, "Reason",
                          reason, sizeof reason))
        return UI_HANDLED;
    mm_error err;
    mm_error_clear(&err);
    if (catalog_account_set_enabled(app->cat, name, enable, reason, &err) != MM_OK) {
        ui_dialog_error(app, enable ? "Not enabled" : "Not disabled", err.message);
        return UI_REFRESH;
    }
    ui_set_message(app, UI_EL_OK, "%s %s %s.", ui_glyph(app, UI_G_CHECK), name,
                   enable ? "enabled" : "disabled");
    return UI_REFRESH;
}

static int enable_account(ui_page *page, ui_app *app)
{
    return set_enabled(page, app, true);
}

static int disable_account(ui_page *page, ui_app *app)
{
    return set_enabled(page, app, false);
}

static int test_account(ui_page *page, ui_app *app)
{
    const mm_account_row *a = selected_or_say(page, app);
    if (a)
        start_test(page, app, a);
    return UI_HANDLED;
}

/* "fast-chat (target 1), embed (target 2)": the targets that use account; false when none. */
static bool targets_using(ui_app *app, const char *account, char *out, size_t outsz)
{
    mm_model_rows models = {0};
    mm_error err;
    mm_error_clear(&err);
    size_t used = 0;
    out[0] = '\0';
    if (catalog_model_rows(app->cat, true, &models, &err) == MM_OK)
        for (size_t m = 0; m < models.count; m++)
            for (size_t k = 0; k < models.items[m].n_targets; k++) {
                const mm_target_row *t = &models.targets[models.items[m].first_target + k];
                if (!strcmp(t->account, account) && used < outsz) {
                    int w = snprintf(out + used, outsz - used, "%s%s (target %d)", used ? ", " : "",
                                     models.items[m].name, t->priority);
                    used += w > 0 ? (size_t)w : 0;
                }
            }
    mm_model_rows_free(&models);
    return used > 0;
}

static int delete_account(ui_page *page, ui_app *app)
{
    const mm_account_row *a = selected_or_say(page, app);
    if (!a)
        return UI_HANDLED;
    char name[MM_NAME_MAX];
    mm_copy(name, sizeof name, a->name);
    char users[512];
    if (targets_using(app, name, users, sizeof users)) {
        char why[700];
        snprintf(why, sizeof why,
                 "%s is in use by %s. Remove those targets first (Models page, 2), or disable "
                 "the account instead.",
                 name, users);
        ui_dialog_error(app, "Account in use", why);
        return UI_HANDLED;
    }
    const mm_provider_info *p = provider_find(a->provider);
    char text[512];
    snprintf(text, sizeof text,
             "Delete provider account %s (%s, key %s)? Its encrypted key goes with it. This "
             "cannot be undone.",
             name, p ? p->display_name : a->provider, a->has_key ? a->key_hint : "none");
    if (!ui_dialog_confirm(app, "Delete account?", text, "Delete", "Keep", false)) {
        ui_set_message(app, UI_EL_DIM, "Kept %s.", name);
        return UI_HANDLED;
    }
    mm_error err;
    mm_error_clear(&err);
    if (catalog_account_delete(app->cat, name, &err) != MM_OK) {
        ui_dialog_error(app, "Not deleted", err.message);
        return UI_REFRESH;
    }
    ui_set_message(app, UI_EL_OK, "%s Account %s deleted.", ui_glyph(app, UI_G_CHECK), name);
    return UI_REFRESH;
}

static int accounts_key(ui_page *page, ui_app *app, int key)
{
    (void)app;
    accounts_page *st = page->state;
    return ui_table_handle_key(&st->table, key);
}

static bool accounts_typing(ui_page *page)
{
    accounts_page *st = page->state;
    return ui_table_filter_editing(&st->table);
}

/* The keys as table rows: what each does, and which edit the catalog. */
static const ui_binding BINDINGS[] = {
    {2, 'a', "a", "Add", "add an account with the guided wizard", .edits = true,
     .action = "adding an account", .run = add_account},
    {3, '/', "/", "Filter", "filter rows (type text; Enter keeps, Esc clears)", .edits = false},
    {4, '\n', "Enter", "Edit",
     "edit the selected account (also e; the key field keeps the key when left empty)",
     .edits = true, .alt_key = 'e', .action = "editing", .run = edit_account},
    {5, 't', "t", "Test", "test the selected account's connection in the background",
     .run = test_account},
    {6, 's', "s", "Sort", "sort by the next column", .edits = false},
    {7, 'x', "x", "Enable", "enable the selected account", .edits = true, .action = "enabling",
     .run = enable_account},
    {8, 'o', "o", "Disable", "disable (turn off) the selected account, with a reason",
     .edits = true, .action = "disabling", .run = disable_account},
    {9, 'd', "d", "Delete", "delete the selected account (asks first)", .edits = true,
     .action = "deleting", .run = delete_account},
};

static const ui_binding *accounts_bindings(ui_page *page, size_t *count)
{
    (void)page;
    *count = sizeof BINDINGS / sizeof BINDINGS[0];
    return BINDINGS;
}

static int accounts_mouse(ui_page *page, ui_app *app, int y, int x, mmask_t bstate)
{
    (void)app;
    accounts_page *st = page->state;
    return ui_table_handle_mouse(&st->table, y, x, bstate);
}

static int accounts_timer(ui_page *page, ui_app *app)
{
    (void)app;
    accounts_page *st = page->state;
    if (st->testing.count)
        return UI_SPINNER_INTERVAL_MS;
    for (size_t i = 0; i < st->list.count; i++)
        if (st->list.items[i].last_test_ms)
            return ACCOUNTS_AGE_MS; /* "3m ago" stays true */
    return -1;
}

/* Between keys: the rest of the tests recorded since, a page at a time (at least one a slice,
 * another while one as long fits: a key waits for one page at most), then the rows' texts read
 * for the first filter or sort (ui_table_idle). */
static bool accounts_idle(ui_page *page, ui_app *app, int64_t until_us)
{
    accounts_page *st = page->state;
    if (st->status_from < st->list.count) {
        follow_statuses_some(app, st, until_us);
        if (st->status_from >= st->list.count)
            ui_request_redraw(app); /* a sort by status or a filter may have moved rows */
        return true;
    }
    if (!st->following)
        return ui_table_idle(&st->table, until_us);
    int64_t start = mm_monotonic_us(), page_us;
    do {
        if (!follow_page(app, st)) {
            read_whole(page, app); /* an account the list does not hold: every one again */
            ui_request_redraw(app);
            return true;
        }
        if (st->follow_shown)
            ui_request_redraw(app);
        int64_t now = mm_monotonic_us();
        page_us = now - start; /* another page only when one as long still fits */
        start = now;
    } while (st->following && start + page_us < until_us);
    return true; /* the rows' texts next */
}

static void accounts_destroy(ui_page *page)
{
    accounts_page *st = page->state;
    ui_table_free(&st->table);
    mm_account_rows_free(&st->list);
    mm_string_list_free(&st->testing);
    free(st->unpriced);
    free(st->unpriced_by_account);
    free(st->shown_status);
    mm_hash_index_free(&st->report_index);
    mm_account_rows_free(&st->before);
    free(st);
    free(page);
}

/* The Last test column sorts by the test's time (untested first, newest last; descending:
 * newest first), not by its "3m ago" text. */
static int64_t last_test_value(void *ctx, size_t row, size_t col)
{
    (void)col;
    const accounts_page *st = ctx;
    return row < st->list.count ? st->list.items[row].last_test_ms : 0;
}

static const ui_page_ops ACCOUNTS_OPS = {
    .bindings = accounts_bindings,
    .load = accounts_load,
    .draw = accounts_draw,
    .typing = accounts_typing,
    .handle_key = accounts_key,
    .handle_mouse = accounts_mouse,
    .on_wake = accounts_on_wake,
    .timer_ms = accounts_timer,
    .idle = accounts_idle,
    .destroy = accounts_destroy,
    .follows_unaudited = true,
};

ui_table *ui_page_accounts_table(ui_page *page)
{
    accounts_page *st = page->state;
    return &st->table;
}

ui_page *ui_page_accounts_new(ui_app *app, const char *id, const char *title)
{
    (void)app;
    accounts_page *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->status_from = SIZE_MAX;
    st->unpriced_version = -1;
    st->read_version = -1;
    ui_table_init(&st->table, COLUMNS, N_COLS, "account|accounts",
                  "No provider accounts yet. Press a to add one with the guided wizard.");
    ui_table_set_keep(&st->table, KEEP);
    ui_table_set_compact(&st->table, COL_PROVIDER, compact_provider);
    ui_table_set_compact(&st->table, COL_KEY, compact_key);
    ui_table_set_compact(&st->table, COL_ENABLED, compact_enabled);
    ui_table_set_compact(&st->table, COL_TEST, compact_test);
    ui_table_elide_middle(&st->table, COL_ENDPOINT);
    ui_table_set_format(&st->table, format_account, st);
    ui_table_set_sort_value(&st->table, COL_TEST, last_test_value);
    ui_page *page = ui_page_alloc(&ACCOUNTS_OPS, id, title, st);
    if (!page) {
        ui_table_free(&st->table);
        free(st);
    }
    return page;
}
