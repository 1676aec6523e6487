/* The Audit Log page: who changed what and when (newest first), a one-line summary of each
 * change, and Enter for the full before/after JSON in a scrollable dialog (for an applied
 * change set, its parts). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "page.h"
#include "util/clock.h"
#include "widgets/dialog.h"
#include "widgets/table.h"

#define AUDIT_LIMIT 1000

typedef struct audit_page {
    ui_table table;
    mm_audit_list list; /* the rows' entries, in the table's row order */
    ui_app *app;        /* for formatting a row when the table first needs it */
    char key[32];       /* entry_key's answer */
} audit_page;

enum { COL_TIME, COL_ACTOR, COL_ACTION, COL_ENTITY, COL_CHANGE, N_COLS };

static const ui_column COLUMNS[N_COLS] = {
    [COL_TIME] = {"Time (UTC)", 19, 19, UI_ALIGN_LEFT, false, false},
    [COL_ACTOR] = {"Actor", 5, 16, UI_ALIGN_LEFT, false, false},
    [COL_ACTION] = {"Action", 6, 12, UI_ALIGN_LEFT, false, false},
    [COL_ENTITY] = {"Entity", 8, 26, UI_ALIGN_LEFT, false, false},
    [COL_CHANGE] = {"Change", 10, 200, UI_ALIGN_LEFT, true, false},
};

/* When the pane is narrow, columns go lowest first: the actor, then the action (the change
 * usually says it), so that what changed (entity, change) stays at 80 columns. */
static const int KEEP[N_COLS] = {
    [COL_TIME] = 4, [COL_ACTOR] = 1, [COL_ACTION] = 2, [COL_ENTITY] = 5, [COL_CHANGE] = 3,
};

static const ui_binding BINDINGS[] = {
    {3, '/', "/", "Filter", "filter rows (type text; Enter keeps, Esc clears)", .edits = false},
    {4, '\n', "Enter", "Details", "show the entry's before and after in full", .edits = false},
    {5, 'r', "r", "Reload", "read the log again", .edits = false},
    {6, 's', "s", "Sort", "sort by the next column", .edits = false},
};

static const ui_binding *audit_bindings(ui_page *page, size_t *count)
{
    (void)page;
    *count = sizeof BINDINGS / sizeof BINDINGS[0];
    return BINDINGS;
}

/* A value as short text: strings bare, null as "none", others as compact JSON. */
static void value_text(json_t *v, char *out, size_t outsz)
{
    if (!v || json_is_null(v)) {
        snprintf(out, outsz, "none");
    } else if (json_is_string(v)) {
        snprintf(out, outsz, "%s", json_string_value(v));
    } else {
        char *dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        snprintf(out, outsz, "%s", dump ? dump : "?");
        free(dump);
    }
}

static void append(char *out, size_t outsz, const char *text)
{
    size_t used = strlen(out);
    if (used < outsz)
        snprintf(out + used, outsz - used, "%s", text);
}

/* "rpm: none → 500; enabled: true → false" for the fields that differ. */
static void summarize(const ui_app *app, const mm_audit_entry *e, char *out, size_t outsz)
{
    out[0] = '\0';
    if (e->parts) {
        snprintf(out, outsz, "%zu changes applied together (Enter lists them)", e->parts);
        return;
    }
    json_t *before = e->before_json ? json_loads(e->before_json, JSON_DECODE_ANY, NULL) : NULL;
    json_t *after = e->after_json ? json_loads(e->after_json, JSON_DECODE_ANY, NULL) : NULL;
    if (json_is_object(before) && json_is_object(after)) {
        const char *field;
        json_t *value;
        json_object_foreach(after, field, value)
        {
            json_t *old = json_object_get(before, field);
            if (old && json_equal(old, value))
                continue;
            if (!strcmp(field, "version") || !strcmp(field, "updated_ms") ||
                !strcmp(field, "updated"))
                continue;
            char a[96], b[96], item[256];
            value_text(old, a, sizeof a);
            value_text(value, b, sizeof b);
            snprintf(item, sizeof item, "%s%s: %s %s %s", out[0] ? "; " : "", field, a,
                     ui_glyph(app, UI_G_ARROW), b);
            append(out, outsz, item);
        }
        if (!out[0])
            snprintf(out, outsz, "no visible change");
    } else if (json_is_object(after)) {
        snprintf(out, outsz, "created");
        json_t *p = json_object_get(after, "provider");
        if (json_is_string(p)) {
            append(out, outsz, " (");
            append(out, outsz, json_string_value(p));
            append(out, outsz, ")");
        }
    } else if (json_is_object(before)) {
        snprintf(out, outsz, "removed");
    } else if (after || before) {
        value_text(after ? after : before, out, outsz);
    }
    json_decref(before);
    json_decref(after);
}

/* Formats entry row of the list (the table's lazy row `row`: its first draw, a filter or a
 * sort). */
static void format_entry(void *ctx, ui_table *t, size_t row)
{
    audit_page *st = ctx;
    const mm_audit_entry *e = &st->list.items[row];
    char when[32], entity[200], change[1024];
    mm_format_time(when, sizeof when, e->ts_ms);
    snprintf(entity, sizeof entity, "%s %s", e->entity_kind, e->entity_name);
    summarize(st->app, e, change, sizeof change);
    const char *cells[N_COLS] = {when, e->actor, e->action, entity, change};
    ui_element els[N_COLS] = {UI_EL_DIM, 0, 0, 0, 0};
    if (!strcmp(e->action, "delete") || !strcmp(e->action, "disable") ||
        !strcmp(e->action, "revoke"))
        els[COL_ACTION] = UI_EL_WARN;
    ui_table_set_row(t, row, cells, els);
}

static const char *entry_key(void *ctx, size_t item)
{
    audit_page *st = ctx;
    snprintf(st->key, sizeof st->key, "%lld", (long long)st->list.items[item].id);
    return st->key;
}

/* An entry never changes: the same id shows the same row. */
static bool entry_same(void *ctx, size_t row, size_t item)
{
    (void)ctx;
    (void)row;
    (void)item;
    return true;
}

static void audit_load(ui_page *page, ui_app *app)
{
    audit_page *st = page->state;
    st->app = app;
    mm_audit_list_free(&st->list);
    memset(&st->list, 0, sizeof st->list);
    mm_error err;
    mm_error_clear(&err);
    if (catalog_audit_list_sets(app->cat, AUDIT_LIMIT, &st->list, &err) != MM_OK)
        ui_set_message(app, UI_EL_ERROR, "Could not read the audit log: %s", err.message);
    snprintf(page->subtitle, sizeof page->subtitle, "%zu %s%s", st->list.count,
             st->list.count == 1 ? "entry" : "entries",
             st->list.count >= AUDIT_LIMIT ? " (newest)" : "");
    ui_table_sync(&st->table, st->list.count, entry_key, entry_same, st);
}

static void audit_draw(ui_page *page, ui_app *app, WINDOW *win, ui_rect area, bool focused)
{
    audit_page *st = page->state;
    ui_table_draw(&st->table, app, win, area, focused);
}

static char *pretty(const char *json_text)
{
    if (!json_text)
        return strdup("(nothing)");
    json_t *v = json_loads(json_text, JSON_DECODE_ANY, NULL);
    char *out = v ? json_dumps(v, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;
    json_decref(v);
    return out ? out : strdup(json_text);
}

static void show_entry(ui_app *app, const mm_audit_entry *e)
{
    char when[32];
    mm_format_time(when, sizeof when, e->ts_ms);
    char *before = pretty(e->before_json), *after = pretty(e->after_json);
    size_t size = strlen(before ? before : "") + strlen(after ? after : "") + 1024;
    char *text = malloc(size);
    if (text) {
        snprintf(text, size, "%s UTC by %s: %s %s %s\n\nBefore:\n%s\n\nAfter:\n%s", when, e->actor,
                 e->action, e->entity_kind, e->entity_name, before ? before : "",
                 after ? after : "");
        char title[200];
        snprintf(title, sizeof title, "Audit entry %lld", (long long)e->id);
        ui_dialog_text(app, title, text);
    }
    free(text);
    free(before);
    free(after);
}

/* A change set's parts, one line each, in the order they were written. */
static void show_change_set(ui_app *app, const mm_audit_entry *e)
{
    mm_audit_list parts = {0};
    mm_error err;
    mm_error_clear(&err);
    if (catalog_audit_change_set(app->cat, e->id, &parts, &err) != MM_OK) {
        ui_set_message(app, UI_EL_ERROR, "Could not read the change set: %s", err.message);
        return;
    }
    size_t size = 256 + parts.count * 1400;
    char *text = malloc(size);
    if (text) {
        snprintf(text, size, "%s applied by %s, %zu changes:\n", e->entity_name, e->actor,
                 parts.count);
        for (size_t i = 0; i < parts.count; i++) {
            char change[1024], line[1400];
            summarize(app, &parts.items[i], change, sizeof change);
            snprintf(line, sizeof line, "\n%s %s %s: %s", parts.items[i].action,
                     parts.items[i].entity_kind, parts.items[i].entity_name, change);
            append(text, size, line);
        }
        char title[200];
        snprintf(title, sizeof title, "Change set %lld", (long long)e->id);
        ui_dialog_text(app, title, text);
    }
    free(text);
    mm_audit_list_free(&parts);
}

static int audit_key(ui_page *page, ui_app *app, int key)
{
    audit_page *st = page->state;
    int first = ui_list_page_key(page, key);
    if (first != UI_IGNORED)
        return first;
    if (key == '\n') {
        const char *id = ui_table_selected_key(&st->table);
        for (size_t i = 0; id && i < st->list.count; i++)
            if (st->list.items[i].id == atoll(id)) {
                if (st->list.items[i].parts)
                    show_change_set(app, &st->list.items[i]);
                else
                    show_entry(app, &st->list.items[i]);
                break;
            }
        return UI_HANDLED;
    }
    return ui_table_handle_key(&st->table, key);
}

static void audit_destroy(ui_page *page)
{
    audit_page *st = page->state;
    mm_audit_list_free(&st->list);
    ui_list_page_free(page);
}

static const ui_page_ops AUDIT_OPS = {
    .bindings = audit_bindings,
    .load = audit_load,
    .draw = audit_draw,
    .handle_key = audit_key,
    .handle_mouse = ui_list_page_mouse,
    .idle = ui_list_page_idle,
    .destroy = audit_destroy,
};

ui_page *ui_page_audit_new(ui_app *app, const char *id, const char *title)
{
    (void)app;
    static const ui_list_page_table TABLE = {
        COLUMNS, N_COLS, "entry|entries",
        "The audit log is empty: changes made here or with the CLI appear here.", KEEP};
    ui_page *page = ui_list_page_new(&AUDIT_OPS, id, title, sizeof(audit_page), &TABLE);
    if (page)
        ui_table_set_format(page->state, format_entry, page->state);
    return page;
}
