/* The Alerts page: the alerts the monitor raised (firing first, then the latest resolved) with
 * when, why and who acknowledged; Enter for the detail and its deliveries, `a` acknowledges. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts/alert_rules.h"
#include "catalog/alerts.h"
#include "draw.h"
#include "page.h"
#include "util/clock.h"
#include "widgets/dialog.h"
#include "widgets/table.h"

#define ALERTS_LIMIT 200

typedef struct alerts_page {
    ui_table table;
    mm_alert_list list;
    bool shown;                /* the table shows list (false until the first read) */
    unsigned long seen_serial; /* the health snapshot the list was read at */
} alerts_page;

enum {
    COL_STATE,
    COL_SEVERITY,
    COL_RULE,
    COL_SUBJECT,
    COL_FIRED,
    COL_RESOLVED,
    COL_ACK,
    COL_WHY,
    N_COLS
};

static const ui_column COLUMNS[N_COLS] = {
    [COL_STATE] = {"State", 8, 8, UI_ALIGN_LEFT, false},
    [COL_SEVERITY] = {"Severity", 8, 8, UI_ALIGN_LEFT, false},
    [COL_RULE] = {"Rule", 12, 25, UI_ALIGN_LEFT, false},
    [COL_SUBJECT] = {"Subject", 7, 30, UI_ALIGN_LEFT, false},
    [COL_FIRED] = {"Fired (UTC)", 19, 19, UI_ALIGN_LEFT, false},
    [COL_RESOLVED] = {"Resolved", 8, 19, UI_ALIGN_LEFT, false},
    [COL_ACK] = {"Ack", 3, 12, UI_ALIGN_LEFT, false},
    [COL_WHY] = {"Why", 10, 200, UI_ALIGN_LEFT, true},
};

static const ui_binding BINDINGS[] = {
    {2, 'a', "a", "Ack", "acknowledge the alert (someone is on it)", .edits = true,
     .action = "acknowledging an alert"},
    {3, '/', "/", "Filter", "filter rows (type text; Enter keeps, Esc clears)", .edits = false},
    {4, '\n', "Enter", "Details", "the alert in full, with its deliveries", .edits = false},
    {5, 'r', "r", "Reload", "read the alerts again", .edits = false},
    {6, 's', "s", "Sort", "sort by the next column", .edits = false},
};

static const ui_binding *alerts_bindings(ui_page *page, size_t *count)
{
    (void)page;
    *count = sizeof BINDINGS / sizeof BINDINGS[0];
    return BINDINGS;
}

/* Whether two alerts show the same (every column and the detail's text). */
static bool same_alert(const mm_alert *a, const mm_alert *b)
{
    return a->id == b->id && a->fired_ms == b->fired_ms && a->resolved_ms == b->resolved_ms &&
           a->acked_ms == b->acked_ms && a->started_ms == b->started_ms && a->value == b->value &&
           !strcmp(a->rule, b->rule) && !strcmp(a->subject, b->subject) &&
           !strcmp(a->severity, b->severity) && !strcmp(a->why, b->why) &&
           !strcmp(a->resolved_why, b->resolved_why) && !strcmp(a->acked_by, b->acked_by);
}

static bool same_alerts(const mm_alert_list *a, const mm_alert_list *b)
{
    if (a->count != b->count)
        return false;
    for (size_t i = 0; i < a->count; i++)
        if (!same_alert(&a->items[i], &b->items[i]))
            return false;
    return true;
}

static void fill_table(ui_page *page, alerts_page *st);

/* Reads the alerts; the table is rebuilt only when they differ from the ones shown (another
 * process's commit, a probe's usage event, moves the catalog's data_version without touching
 * them). */
static void alerts_load(ui_page *page, ui_app *app)
{
    alerts_page *st = page->state;
    st->seen_serial = app->health_serial;
    mm_alert_list fresh = {0};
    mm_error err;
    mm_error_clear(&err);
    if (catalog_alert_list(app->cat, false, ALERTS_LIMIT, &fresh, &err) != MM_OK)
        ui_set_message(app, UI_EL_ERROR, "Could not read the alerts: %s", err.message);
    if (st->shown && same_alerts(&fresh, &st->list)) {
        mm_alert_list_free(&fresh);
        return;
    }
    mm_alert_list_free(&st->list);
    st->list = fresh;
    st->shown = true;
    fill_table(page, st);
}

/* The table from st->list (and the subtitle's counts). */
static void fill_table(ui_page *page, alerts_page *st)
{
    size_t firing = 0;
    for (size_t i = 0; i < st->list.count; i++)
        firing += st->list.items[i].resolved_ms == 0;
    snprintf(page->subtitle, sizeof page->subtitle, "%zu firing, %zu resolved", firing,
             st->list.count - firing);
    ui_table_begin(&st->table);
    for (size_t i = 0; i < st->list.count; i++) {
        const mm_alert *a = &st->list.items[i];
        char fired[32], resolved[32], key[32];
        mm_format_time(fired, sizeof fired, a->fired_ms);
        if (a->resolved_ms)
            mm_format_time(resolved, sizeof resolved, a->resolved_ms);
        else
            snprintf(resolved, sizeof resolved, "-");
        snprintf(key, sizeof key, "%lld", (long long)a->id);
        const char *cells[N_COLS] = {a->resolved_ms ? "resolved" : "firing",
                                     a->severity,
                                     a->rule,
                                     a->subject,
                                     fired,
                                     resolved,
                                     a->acked_ms ? a->acked_by : "-",
                                     a->why};
        ui_element els[N_COLS] = {0};
        bool critical = !strcmp(a->severity, "critical");
        els[COL_STATE] = a->resolved_ms ? UI_EL_OK : critical ? UI_EL_BAD : UI_EL_WARN;
        els[COL_SEVERITY] = critical ? UI_EL_BAD : UI_EL_WARN;
        els[COL_FIRED] = UI_EL_DIM;
        ui_table_add(&st->table, key, cells, els);
    }
    ui_table_end(&st->table);
}

static void alerts_draw(ui_page *page, ui_app *app, WINDOW *win, ui_rect area, bool focused)
{
    alerts_page *st = page->state;
    ui_table_draw(&st->table, app, win, area, focused);
}

static const mm_alert *selected(alerts_page *st)
{
    const char *id = ui_table_selected_key(&st->table);
    for (size_t i = 0; id && i < st->list.count; i++)
        if (st->list.items[i].id == atoll(id))
            return &st->list.items[i];
    return NULL;
}

static void append(char *out, size_t outsz, const char *text)
{
    size_t used = strlen(out);
    if (used < outsz)
        snprintf(out + used, outsz - used, "%s", text);
}

static void show_alert(ui_app *app, const mm_alert *a)
{
    char text[8192], when[32], line[1024];
    mm_format_time(when, sizeof when, a->fired_ms);
    snprintf(text, sizeof text, "%s (%s) about %s\n\nFired %s UTC: %s\n", a->rule, a->severity,
             a->subject, when, a->why);
    if (a->resolved_ms) {
        mm_format_time(when, sizeof when, a->resolved_ms);
        snprintf(line, sizeof line, "Resolved %s UTC: %s\n", when, a->resolved_why);
        append(text, sizeof text, line);
    }
    if (a->acked_ms) {
        mm_format_time(when, sizeof when, a->acked_ms);
        snprintf(line, sizeof line, "Acknowledged %s UTC by %s\n", when, a->acked_by);
        append(text, sizeof text, line);
    }
    mm_alert_delivery_list deliveries = {0};
    mm_error err;
    mm_error_clear(&err);
    append(text, sizeof text, "\nDeliveries:\n");
    if (catalog_alert_delivery_list(app->cat, a->id, 20, &deliveries, &err) == MM_OK) {
        for (size_t i = 0; i < deliveries.count; i++) {
            const mm_alert_delivery *d = &deliveries.items[i];
            mm_format_time(when, sizeof when, d->ts_ms);
            snprintf(line, sizeof line, "  %s %s %s to %s, attempt %d: %s (%s)\n", when, d->event,
                     d->channel, d->target, d->attempt, d->ok ? "ok" : "failed", d->detail);
            append(text, sizeof text, line);
        }
        if (deliveries.count == 0)
            append(text, sizeof text, "  none (set them with 'mmadmin alerts config')\n");
    }
    mm_alert_delivery_list_free(&deliveries);
    char title[64];
    snprintf(title, sizeof title, "Alert %lld", (long long)a->id);
    ui_dialog_text(app, title, text);
}

static int acknowledge(ui_app *app, const mm_alert *a)
{
    if (a->acked_ms) {
        ui_set_message(app, UI_EL_DIM, "Alert %lld was acknowledged by %s already.",
                       (long long)a->id, a->acked_by);
        return UI_HANDLED;
    }
    mm_error err;
    mm_error_clear(&err);
    if (catalog_alert_ack(app->cat, a->id, catalog_actor(app->cat), mm_now_ms(), &err) != MM_OK) {
        ui_dialog_error(app, "Not acknowledged", err.message);
        return UI_HANDLED;
    }
    ui_set_message(app, UI_EL_OK, "Alert %lld (%s %s) acknowledged.", (long long)a->id, a->rule,
                   a->subject);
    return UI_HANDLED | UI_REFRESH;
}

static int alerts_key(ui_page *page, ui_app *app, int key)
{
    alerts_page *st = page->state;
    int first = ui_list_page_key(page, key);
    if (first != UI_IGNORED)
        return first;
    const mm_alert *a = selected(st);
    if (key == '\n' && a) {
        show_alert(app, a);
        return UI_HANDLED;
    }
    if (key == 'a' && a)
        return acknowledge(app, a);
    return ui_table_handle_key(&st->table, key);
}

/* A new snapshot: the monitor may have fired or resolved one; read the list again when it is
 * on screen (another page reads it when shown: switching pages loads it). */
static void alerts_wake(ui_page *page, ui_app *app)
{
    alerts_page *st = page->state;
    if (page->loaded && ui_current_page(app) == page && st->seen_serial != app->health_serial) {
        const char *key = ui_table_selected_key(&st->table);
        char keep[32] = "";
        if (key)
            snprintf(keep, sizeof keep, "%s", key);
        alerts_load(page, app);
        if (keep[0])
            ui_table_select_key(&st->table, keep);
    }
}

/* The rules with the catalog's thresholds, for the help screen. */
static void alerts_help(ui_page *page, ui_app *app, char *out, size_t outsz)
{
    (void)page;
    mm_alert_thresholds t;
    mm_error err;
    mm_error_clear(&err);
    alert_thresholds_load(app->cat, &t, &err); /* a bad setting shows its default */
    char lines[12][MM_ALERT_LINE_MAX];
    size_t n = alert_rules_describe(&t, lines, 12);
    snprintf(out, outsz,
             "The monitor holding the prober lease evaluates these rules every "
             "second (change them with 'mmadmin alerts config'):");
    for (size_t i = 0; i < n; i++) {
        size_t used = strlen(out);
        if (used < outsz)
            snprintf(out + used, outsz - used, "\n  %s", lines[i]);
    }
}

static void alerts_destroy(ui_page *page)
{
    alerts_page *st = page->state;
    mm_alert_list_free(&st->list);
    ui_list_page_free(page);
}

static const ui_page_ops ALERTS_OPS = {
    .bindings = alerts_bindings,
    .load = alerts_load,
    .draw = alerts_draw,
    .handle_key = alerts_key,
    .handle_mouse = ui_list_page_mouse,
    .on_wake = alerts_wake,
    .help_extra = alerts_help,
    .destroy = alerts_destroy,
    .follows_unaudited = true,
};

ui_page *ui_page_alerts_new(ui_app *app, const char *id, const char *title)
{
    (void)app;
    static const ui_list_page_table TABLE = {
        COLUMNS, N_COLS, "alert|alerts",
        "No alerts: the monitor raises them here when a rule's condition holds.", NULL};
    return ui_list_page_new(&ALERTS_OPS, id, title, sizeof(alerts_page), &TABLE);
}
