/* The Provider Health page: shows the snapshots of the console's health monitor (owned by the
 * frame, ui/app_monitor.c) as a live table
 * (status, latency, errors, tokens, cost, a sparkline of the last hour) with probe-now, refresh,
 * the sparkline toggle and the per-account detail. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "app_monitor.h"
#include "health/monitor.h"
#include "page.h"
#include "pages/prices.h"
#include "pages/health_detail.h"
#include "pages/health_format.h"
#include "providers/provider.h"
#include "util/money.h"
#include "util/text.h"
#include "widgets/sparkline.h"
#include "widgets/table.h"

#define SPARK_INITIAL_WIDTH 30
#define NO_ACCOUNTS "No provider accounts yet: add one on the Provider Accounts page (1)."
#define SPARK_MAX_WIDTH MM_WINDOW_MINUTES

typedef struct health_page {
    ui_table table;
    unsigned long shown_serial; /* the app's health_serial the rows were built from */
    bool spark_errors;          /* the sparkline shows errors instead of p95 latency */
    int spark_width;            /* the width the sparklines were built for */
    char cap_blind[256];        /* capped accounts' models without a price, "" when none */
    int64_t cap_version;        /* the catalog_version cap_blind was read at (-1: not yet) */
    bool cap_reading;           /* the cap warning is being read on a worker thread */
    bool cap_started;           /* it was read (or is being read) at least once */
    bool cap_wanted;            /* read it (when its version moved) once the frame is out */
    mm_health_snapshot *shown;  /* the snapshot the rows show (a reference), or NULL */
    ui_app *app;                /* for formatting a row when the table first needs it */
} health_page;

enum {
    COL_ACCOUNT,
    COL_PROVIDER,
    COL_STATUS,
    COL_AVG,
    COL_P95,
    COL_ERRORS,
    COL_RL,
    COL_TOK_IN,
    COL_TOK_OUT,
    COL_COST_HOUR,
    COL_COST_MONTH,
    COL_SPARK,
    N_COLS
};

#define BASE_COLUMNS                                                                               \
    [COL_ACCOUNT] = {"Account", 8, 24, UI_ALIGN_LEFT, false, false},                               \
    [COL_PROVIDER] = {"Provider", 6, 14, UI_ALIGN_LEFT, false, false},                             \
    [COL_STATUS] = {"Status", 9, 36, UI_ALIGN_LEFT, false, true}, [COL_AVG] = {"Avg",              \
                                                                               5,                  \
                                                                               9,                  \
                                                                               UI_ALIGN_RIGHT,     \
                                                                               false,              \
                                                                               false},             \
    [COL_P95] = {"p95", 5, 9, UI_ALIGN_RIGHT, false, false}, [COL_ERRORS] = {"Err/h",              \
                                                                             5,                    \
                                                                             7,                    \
                                                                             UI_ALIGN_RIGHT,       \
                                                                             false,                \
                                                                             false},               \
    [COL_RL] = {"RL", 2, 6, UI_ALIGN_RIGHT, false, false},                                         \
    [COL_TOK_IN] = {"Tok in", 6, 10, UI_ALIGN_RIGHT, false, false},                                \
    [COL_TOK_OUT] = {"Tok out", 7, 10, UI_ALIGN_RIGHT, false, false},                              \
    [COL_COST_HOUR] = {"$ hour", 6, 10, UI_ALIGN_RIGHT, false, false},                             \
    [COL_COST_MONTH] = {"$ month", 7, 10, UI_ALIGN_RIGHT, false, false}

static const ui_column COLUMNS_LATENCY[N_COLS] = {
    BASE_COLUMNS, [COL_SPARK] = {"p95 1h", 10, SPARK_MAX_WIDTH, UI_ALIGN_RIGHT, true, false}};
static const ui_column COLUMNS_ERRORS[N_COLS] = {
    BASE_COLUMNS, [COL_SPARK] = {"errors 1h", 10, SPARK_MAX_WIDTH, UI_ALIGN_RIGHT, true, false}};

/* When the pane is narrow, columns go lowest first: the provider first (the account name
 * usually says it, and the detail shows it), so that at 120x40 every figure stays. */
static const int KEEP[N_COLS] = {
    [COL_ACCOUNT] = 12, [COL_STATUS] = 11,    [COL_P95] = 10,   [COL_ERRORS] = 9,
    [COL_SPARK] = 8,    [COL_COST_MONTH] = 7, [COL_AVG] = 6,    [COL_COST_HOUR] = 5,
    [COL_RL] = 4,       [COL_TOK_OUT] = 3,    [COL_TOK_IN] = 2, [COL_PROVIDER] = 1,
};

static const ui_binding BINDINGS[] = {
    {3, '/', "/", "Filter", "filter rows (type text; Enter keeps, Esc clears)", .edits = false},
    {4, '\n', "Enter", "Detail",
     "the selected account's detail: charts of the last hour, spend "
     "against the cap, cool-down, fallbacks, last errors",
     .edits = false},
    {5, 'p', "p", "Probe", "probe every enabled account now (when this console is the prober)",
     .edits = false},
    {6, 's', "s", "Sort", "sort by the next column", .edits = false},
    {7, 'l', "l", "Spark", "switch the sparkline between p95 latency and errors per minute",
     .edits = false},
    {8, 'r', "r", "Refresh", "re-read accounts and settings and recompute now", .edits = false},
};

static const ui_binding *health_bindings(ui_page *page, size_t *count)
{
    (void)page;
    *count = sizeof BINDINGS / sizeof BINDINGS[0];
    return BINDINGS;
}

/* Whether the app's snapshot moved on since the rows were built (and note that it has). */
static bool snapshot_is_new(health_page *st, const ui_app *app)
{
    if (st->shown_serial == app->health_serial)
        return false;
    st->shown_serial = app->health_serial;
    return true;
}

/* ---- rows ---- */

static void format_sparkline(const ui_app *app, const health_page *st, const mm_health_figures *f,
                             char *out, size_t outsz)
{
    double series[MM_WINDOW_MINUTES];
    for (int m = 0; m < MM_WINDOW_MINUTES; m++) {
        if (!st->spark_errors)
            series[m] = f->series_p95_ms[m];
        else if (f->series_requests[m] == 0)
            series[m] = -1; /* no requests that minute: nothing to say */
        else
            series[m] = (double)f->series_errors[m] / f->series_requests[m];
    }
    ui_sparkline_format(app, series, MM_WINDOW_MINUTES, st->spark_width, UI_SERIES_MAX,
                        st->spark_errors ? 1.0 : 0.0, out, outsz);
}

static bool any_errors(const mm_health_figures *f)
{
    return f->errors > 0;
}

/* Formats f's cells into row position of the table (ui_table_set_row). */
static void put_row(ui_app *app, health_page *st, const mm_health_figures *f, size_t position)
{
    const mm_provider_info *p = provider_find(f->provider);
    char status[48], avg[24], p95[24], errors[24], rl[24], tin[24], tout[24], hour[32], month[32],
        spark[3 * SPARK_MAX_WIDTH + 1];
    ui_element status_el;
    health_format_status(app, f, status, sizeof status, &status_el);
    health_format_ms(f->latency_avg_ms, avg, sizeof avg);
    health_format_ms(f->latency_p95_ms, p95, sizeof p95);
    health_format_rate(f->error_rate, f->requests, errors, sizeof errors);
    snprintf(rl, sizeof rl, "%lld", (long long)f->rate_limit_hits);
    snprintf(tin, sizeof tin, "%lld", (long long)f->tokens_in);
    snprintf(tout, sizeof tout, "%lld", (long long)f->tokens_out);
    money_format_spend(f->cost_micros_hour, f->unpriced, MONEY_CELL, hour, sizeof hour);
    /* the month's cost follows the first figures (the monitor's month_later) */
    bool month_pending = st->shown && st->shown->month_pending;
    if (month_pending)
        mm_copy(month, sizeof month, ui_glyph(app, UI_G_ELLIPSIS));
    else
        money_format_spend(f->cost_micros_month, f->month_unpriced, MONEY_CELL, month,
                           sizeof month);
    format_sparkline(app, st, f, spark, sizeof spark);
    const char *cells[N_COLS] = {f->account, p ? p->display_name : f->provider,
                                 status,     avg,
                                 p95,        errors,
                                 rl,         tin,
                                 tout,       hour,
                                 month,      spark};
    ui_element els[N_COLS] = {0};
    els[COL_STATUS] = status_el;
    els[COL_ERRORS] = any_errors(f) ? UI_EL_WARN : UI_EL_NORMAL;
    els[COL_RL] = f->rate_limit_hits ? UI_EL_WARN : UI_EL_DIM;
    els[COL_COST_HOUR] = f->cost_micros_hour == 0 && f->unpriced > 0 ? UI_EL_DIM : UI_EL_NORMAL;
    bool month_unpriced_only = f->cost_micros_month == 0 && f->month_unpriced > 0;
    els[COL_COST_MONTH] =
        month_pending ? UI_EL_DIM
        : money_cap_reached(f->cost_micros_month, money_cents_to_micros(f->monthly_cap_cents))
            ? UI_EL_BAD
            : (month_unpriced_only ? UI_EL_DIM : UI_EL_NORMAL);
    els[COL_SPARK] = st->spark_errors ? (any_errors(f) ? UI_EL_BAD : UI_EL_DIM) : UI_EL_OK;
    ui_table_set_row(&st->table, position, cells, els);
}

/* The table's formatter: a row's cells from the snapshot the rows show, when the table first
 * needs them (the rows on screen; every row only once a filter or a sort is on). */
static void format_row(void *ctx, ui_table *t, size_t row)
{
    (void)t;
    health_page *st = ctx;
    if (st->shown && row < st->shown->report.count)
        put_row(st->app, st, &st->shown->report.accounts[row], row);
}

static void set_subtitle(ui_page *page, const mm_health_report *r)
{
    size_t degraded = 0, unreachable = 0;
    for (size_t i = 0; i < r->count; i++) {
        degraded += r->accounts[i].enabled && r->accounts[i].status == MM_HEALTH_DEGRADED;
        unreachable += r->accounts[i].enabled && r->accounts[i].status == MM_HEALTH_UNREACHABLE;
    }
    int n = snprintf(page->subtitle, sizeof page->subtitle, "%zu %s", r->count,
                     r->count == 1 ? "account" : "accounts");
    if (degraded && n > 0 && (size_t)n < sizeof page->subtitle)
        n += snprintf(page->subtitle + n, sizeof page->subtitle - (size_t)n, ", %zu degraded",
                      degraded);
    if (unreachable && n > 0 && (size_t)n < sizeof page->subtitle)
        snprintf(page->subtitle + n, sizeof page->subtitle - (size_t)n, ", %zu unreachable",
                 unreachable);
}

/* Keeps a reference to the app's snapshot as the one the rows show. */
static void hold_snapshot(health_page *st, ui_app *app)
{
    health_snapshot_release(st->shown);
    st->shown = app->health ? health_snapshot_retain(app->health) : NULL;
}

static void fill_rows(ui_page *page, ui_app *app)
{
    health_page *st = page->state;
    st->table.cols = st->spark_errors ? COLUMNS_ERRORS : COLUMNS_LATENCY;
    hold_snapshot(st, app); /* what the lazy rows are formatted from */
    ui_table_begin(&st->table);
    if (app->health) {
        const mm_health_report *r = &app->health->report;
        for (size_t i = 0; i < r->count; i++)
            ui_table_add_lazy(&st->table, r->accounts[i].account);
        set_subtitle(page, r);
    } else {
        snprintf(page->subtitle, sizeof page->subtitle, "loading");
    }
    st->table.empty_text = app->health ? NO_ACCOUNTS : "Reading the accounts' figures.";
    ui_table_end(&st->table);
}

/* The same accounts in the same order as the rows shown: only changed figures are redrawn. */
static bool same_accounts(const mm_health_report *a, const mm_health_report *b)
{
    if (a->count != b->count)
        return false;
    for (size_t i = 0; i < a->count; i++) /* a name shared by both snapshots: one pointer */
        if (a->accounts[i].account != b->accounts[i].account &&
            strcmp(a->accounts[i].account, b->accounts[i].account) != 0)
            return false;
    return true;
}

/* A new snapshot: the rows formatted so far (those shown, or read by a filter or a sort) whose
 * figures changed are formatted again; the other rows are formatted from the new snapshot when
 * first needed, so they are not compared (O(rows formatted) compared and formatted; a new or
 * removed account rebuilds the list). */
static void update_rows(ui_page *page, ui_app *app)
{
    health_page *st = page->state;
    /* the month's cost arriving changes every row's month cell, not only changed figures */
    if (!st->shown || !app->health || !same_accounts(&st->shown->report, &app->health->report) ||
        st->shown->month_pending != app->health->month_pending) {
        fill_rows(page, app);
        return;
    }
    mm_health_snapshot *was = health_snapshot_retain(st->shown);
    hold_snapshot(st, app);
    const mm_health_report *now = &app->health->report;
    for (size_t i = 0; i < now->count && i < st->table.nrows; i++)
        if (st->table.rows[i].cells &&
            !health_figures_same(&was->report.accounts[i], &now->accounts[i]))
            ui_table_refresh_row(&st->table, i);
    health_snapshot_release(was);
    ui_table_update_end(&st->table);
    set_subtitle(page, now);
}

static void cap_warning_read(ui_app *app, const char *text, void *owner)
{
    ui_page *page = owner;
    health_page *st = page->state;
    st->cap_reading = false;
    mm_copy(st->cap_blind, sizeof st->cap_blind, text);
    app->redraw_needed = true;
}

/* The unpriced-cap line, read on a worker thread once the first figures are shown (it reads
 * every account and model: at 10,000 of each it would compete with the monitor's first
 * snapshot for the CPU), and again only when an audited change (a price, a cap, a target)
 * moved the catalog's version. */
static void read_cap_warning(ui_page *page, ui_app *app)
{
    health_page *st = page->state;
    int64_t version = catalog_version(app->cat);
    if (st->cap_reading || (version >= 0 && version == st->cap_version))
        return;
    st->cap_reading = ui_prices_cap_warning_start(app, page, cap_warning_read);
    if (st->cap_reading)
        st->cap_version = version;
    st->cap_started = st->cap_started || st->cap_reading;
}

/* On every visit: the figures we have now, and the monitor re-reads accounts and settings (an
 * account added on another page shows within a moment). */
static void health_load(ui_page *page, ui_app *app)
{
    health_page *st = page->state;
    ui_monitor_refresh(app);
    if (snapshot_is_new(st, app) || !st->shown)
        update_rows(page, app);
    st->cap_wanted = st->shown != NULL;
}

static void health_on_wake(ui_page *page, ui_app *app)
{
    health_page *st = page->state;
    ui_page *shown = ui_current_page(app);
    if (shown && shown != page)
        return; /* another page is shown: health_load takes the snapshot of then (10,000 rows) */
    if (snapshot_is_new(st, app))
        update_rows(page, app);
    st->cap_wanted |= st->shown && !st->cap_started;
}

/* The frame with the figures is on the terminal: the cap line next (never before it). */
static void health_after_frame(ui_page *page, ui_app *app)
{
    health_page *st = page->state;
    if (st->cap_wanted && st->shown) {
        st->cap_wanted = false;
        read_cap_warning(page, app);
    }
}

/* ---- drawing ---- */

/* What the process is doing about probes (and which sparkline shows). */
static void prober_line(const health_page *st, const ui_app *app, const mm_health_snapshot *s,
                        char *out, size_t outsz)
{
    const char *spark = st->spark_errors ? "sparkline: errors/requests per minute (l: p95)"
                                         : "sparkline: p95 latency per minute (l: errors)";
    if (s->is_prober && s->last_round_ms) {
        snprintf(out, outsz, "Probing every %.3g s: last round %zu probes, %zu failed, %.2f s.  %s",
                 (double)s->probe_interval_ms / 1000.0, s->last_round_probes,
                 s->last_round_failures, (double)s->last_round_duration_ms / 1000.0, spark);
    } else if (s->is_prober) {
        snprintf(out, outsz, "Probing every %.3g s.  %s", (double)s->probe_interval_ms / 1000.0,
                 spark);
    } else {
        snprintf(out, outsz, "%s  %s",
                 app->read_only ? "Read-only: watching, not probing."
                 : s->prober[0] ? "Another process probes; this console watches."
                                : "Nobody probes yet.",
                 spark);
    }
}

/* The line under the table: a problem, or the windows the columns cover (the status judges the
 * recent window, Err/h and the rest the hour) and the prober's state. */
static void status_line(const health_page *st, const ui_app *app, char *out, size_t outsz,
                        ui_element *el)
{
    const mm_health_snapshot *s = app->health;
    *el = UI_EL_DIM;
    if (app->monitor_problem[0] || (s && s->problem[0])) {
        snprintf(out, outsz, "%s %s", ui_glyph(app, UI_G_WARN),
                 app->monitor_problem[0] ? app->monitor_problem : s->problem);
        *el = UI_EL_ERROR;
    } else if (!s) {
        snprintf(out, outsz, "Loading the last hour of usage events%s",
                 ui_glyph(app, UI_G_ELLIPSIS));
    } else {
        char prober[256];
        prober_line(st, app, s, prober, sizeof prober);
        snprintf(out, outsz, "Status: last %d min, other columns: last hour.  %s",
                 health_recent_minutes(&s->report.thresholds), prober);
    }
}

static void health_draw(ui_page *page, ui_app *app, WINDOW *win, ui_rect area, bool focused)
{
    health_page *st = page->state;
    ui_rect table_area = area;
    if (area.h > 6) { /* the footer wraps (two lines at most) rather than being cut */
        char line[MM_MESSAGE_MAX + 384];
        ui_element el;
        status_line(st, app, line, sizeof line, &el);
        ui_lines lines = {0};
        ui_wrap(line, area.w, &lines);
        int n = lines.count > 1 && area.h > 10 ? 2 : 1;
        for (int i = 0; i < n && i < (int)lines.count; i++)
            ui_draw_text(app, win, area.y + area.h - n + i, area.x, area.w, el, UI_ALIGN_LEFT,
                         lines.items[i]);
        ui_lines_free(&lines);
        table_area.h -= n;
    }
    if (st->cap_blind[0] && area.h > 8) {
        char line[sizeof st->cap_blind + 128];
        snprintf(line, sizeof line,
                 "%s Monthly caps count nothing for %s: no price (Prices page, 7).",
                 ui_glyph(app, UI_G_WARN), st->cap_blind);
        ui_draw_text(app, win, area.y + table_area.h - 1, area.x, area.w, UI_EL_WARN, UI_ALIGN_LEFT,
                     line);
        table_area.h -= 1;
    }
    ui_table_draw(&st->table, app, win, table_area, focused);
    /* The sparklines fill their column exactly: rebuild them for the width it got. */
    int width = st->table.widths[COL_SPARK];
    if (width > 0 && width != st->spark_width) {
        st->spark_width = width > SPARK_MAX_WIDTH ? SPARK_MAX_WIDTH : width;
        ui_table_forget_cells(&st->table); /* the rows shown are formatted again */
        ui_table_draw(&st->table, app, win, table_area, focused);
    }
}

/* ---- keys ---- */

static int probe_now(ui_app *app)
{
    if (!app->monitor) {
        ui_set_message(app, UI_EL_ERROR, "%s", app->monitor_problem);
    } else if (app->read_only) {
        ui_set_message(app, UI_EL_WARN,
                       "%s Read-only: this console does not probe (another console or "
                       "`mmadmin monitor` can).",
                       ui_glyph(app, UI_G_WARN));
    } else if (!app->health || !app->health->is_prober) {
        char state[96];
        ui_prober_state(app, state, sizeof state);
        ui_set_message(app, UI_EL_WARN,
                       "This console is not the prober (%s); the prober probes on its own "
                       "schedule.",
                       state);
    } else {
        health_monitor_probe_now(app->monitor);
        ui_set_message(app, UI_EL_DIM, "Probing every enabled account now%s",
                       ui_glyph(app, UI_G_ELLIPSIS));
    }
    return UI_HANDLED;
}

static int open_detail(health_page *st, ui_app *app)
{
    const char *key = ui_table_selected_key(&st->table);
    if (!key) {
        ui_set_message(app, UI_EL_DIM, "No account selected.");
        return UI_HANDLED;
    }
    char account[MM_NAME_MAX];
    mm_copy(account, sizeof account, key);
    health_detail_run(app, &app->health, account);
    return UI_HANDLED;
}

static int health_key(ui_page *page, ui_app *app, int key)
{
    health_page *st = page->state;
    if (ui_table_filter_editing(&st->table)) {
        int r = ui_table_handle_key(&st->table, key);
        if (r != UI_IGNORED)
            return r;
    }
    switch (key) {
    case '\n':
        return open_detail(st, app);
    case 'p':
        return probe_now(app);
    case 'l':
        st->spark_errors = !st->spark_errors;
        fill_rows(page, app);
        return UI_HANDLED | UI_REDRAW;
    case 'r': /* the reload (UI_REFRESH) asks the monitor to re-read and recompute */
        ui_set_message(app, UI_EL_DIM, "Recomputing from the catalog%s",
                       ui_glyph(app, UI_G_ELLIPSIS));
        return UI_HANDLED | UI_REFRESH;
    default:
        return ui_table_handle_key(&st->table, key);
    }
}

static int health_mouse(ui_page *page, ui_app *app, int y, int x, mmask_t bstate)
{
    (void)app;
    health_page *st = page->state;
    return ui_table_handle_mouse(&st->table, y, x, bstate);
}

static void health_help(ui_page *page, ui_app *app, char *out, size_t outsz)
{
    (void)page;
    mm_health_thresholds t;
    if (app->health)
        t = app->health->report.thresholds;
    else
        mm_health_thresholds_default(&t);
    char lines[12][MM_HEALTH_LINE_MAX];
    size_t n = health_thresholds_describe(&t, lines, 12);
    int used = snprintf(out, outsz,
                        "Status: %s healthy, %s degraded, %s unreachable, ? unknown, %s "
                        "disabled. The rule, from the catalog's settings:\n",
                        app->utf8 ? "●" : "+", app->utf8 ? "▲" : "!", app->utf8 ? "✖" : "x",
                        app->utf8 ? "○" : "-");
    for (size_t i = 0; i < n && used > 0 && (size_t)used < outsz; i++)
        used += snprintf(out + used, outsz - (size_t)used, "  %s\n", lines[i]);
    if (used > 0 && (size_t)used < outsz)
        snprintf(out + used, outsz - (size_t)used,
                 "Cost is the price table times tokens: \"no price\" when a model has none, a "
                 "\"+\" when part of it has none. The sparkline (l) shows p95 or the error rate "
                 "per minute of the last hour, the newest at the right.");
}

static void health_destroy(ui_page *page)
{
    health_page *st = page->state;
    ui_table_free(&st->table);
    health_snapshot_release(st->shown);
    free(st);
    free(page);
}

static const ui_page_ops HEALTH_OPS = {
    .bindings = health_bindings,
    .load = health_load,
    .draw = health_draw,
    .handle_key = health_key,
    .handle_mouse = health_mouse,
    .on_wake = health_on_wake,
    .after_frame = health_after_frame,
    .help_extra = health_help,
    .destroy = health_destroy,
    /* the figures come from the monitor's snapshots (on_wake, when one was published) and the
     * monitor follows the accounts and settings itself: another process's commit (every probe
     * round's events) reloads nothing here; an audited change (an account added) still does */
    .follows_unaudited = false,
};

ui_page *ui_page_health_new(ui_app *app, const char *id, const char *title)
{
    health_page *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    st->app = app;
    st->spark_width = SPARK_INITIAL_WIDTH;
    st->cap_version = -1;
    ui_table_init(&st->table, COLUMNS_LATENCY, N_COLS, "account|accounts", NO_ACCOUNTS);
    ui_table_set_keep(&st->table, KEEP);
    ui_table_set_format(&st->table, format_row, st);
    ui_page *page = ui_page_alloc(&HEALTH_OPS, id, title, st);
    if (!page) {
        ui_table_free(&st->table);
        free(st);
        return NULL;
    }
    return page;
}
