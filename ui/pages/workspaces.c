/* The Workspaces page: the teams that consume models, with the models each may use; create,
 * rename and describe in a form, delete naming the entitlements that go, jump to its access. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "catalog/rows.h"
#include "page.h"
#include "pages/entitlements.h"
#include "util/text.h"
#include "widgets/dialog.h"
#include "widgets/form.h"
#include "widgets/form_dialog.h"
#include "widgets/table.h"

enum { COL_NAME, COL_COUNT, COL_MODELS, COL_DESCRIPTION, N_COLS };

static const ui_column COLUMNS[N_COLS] = {
    [COL_NAME] = {"Name", 8, 24, UI_ALIGN_LEFT, false, false},
    [COL_COUNT] = {"Models", 6, 6, UI_ALIGN_RIGHT, false, false},
    [COL_MODELS] = {"May use", 7, 60, UI_ALIGN_LEFT, true, false},
    [COL_DESCRIPTION] = {"Description", 11, 30, UI_ALIGN_LEFT, false, false},
};
static const int KEEP[N_COLS] = {9, 3, 5, 1};

/* The workspaces as read, with their entitlements in (workspace, model) order: the rows are
 * formatted from it when the table first needs them. */
typedef struct ws_data {
    mm_workspace_rows list;
    mm_entitlement_list ents;
    size_t *order; /* positions in ents by (workspace, model) */
    size_t *first; /* per workspace: where its run of entitlements starts in order */
    size_t *count; /* per workspace: how many models it may use */
} ws_data;

typedef struct ws_page {
    ui_table table;
    char load_error[MM_MESSAGE_MAX + 64];
    ws_data now;    /* what the rows show */
    ws_data before; /* the previous read, while the rows are synced with now */
} ws_page;

typedef struct ws_form_ctx {
    mm_workspace ws;
    bool editing;
} ws_form_ctx;

static int by_workspace(const void *a, const void *b, void *ctx)
{
    const mm_entitlement *ents = ctx, *x = &ents[*(const size_t *)a],
                         *y = &ents[*(const size_t *)b];
    int cmp = strcmp(x->workspace, y->workspace);
    return cmp ? cmp : strcmp(x->model, y->model);
}

/* Positions in ents by (workspace, model), so that each workspace's models are one run; NULL
 * when out of memory. */
static size_t *index_by_workspace(const mm_entitlement_list *ents)
{
    size_t *order = malloc((ents->count ? ents->count : 1) * sizeof *order);
    for (size_t i = 0; order && i < ents->count; i++)
        order[i] = i;
    if (order)
        qsort_r(order, ents->count, sizeof *order, by_workspace, ents->items);
    return order;
}

/* Each workspace's run of entitlements in order (the workspaces come in the same name order,
 * so one pass serves them all); false when out of memory. */
static bool index_runs(ws_data *d)
{
    size_t n = d->list.count ? d->list.count : 1;
    d->order = index_by_workspace(&d->ents);
    d->first = calloc(n, sizeof *d->first);
    d->count = calloc(n, sizeof *d->count);
    if (!d->order || !d->first || !d->count)
        return false;
    size_t at = 0;
    for (size_t i = 0; i < d->list.count; i++) {
        const char *ws = d->list.items[i].name;
        while (at < d->ents.count && strcmp(d->ents.items[d->order[at]].workspace, ws) < 0)
            at++;
        d->first[i] = at;
        while (at < d->ents.count && !strcmp(d->ents.items[d->order[at]].workspace, ws))
            at++;
        d->count[i] = at - d->first[i];
    }
    return true;
}

static void free_data(ws_data *d)
{
    mm_workspace_rows_free(&d->list);
    mm_entitlement_list_free(&d->ents);
    free(d->order);
    free(d->first);
    free(d->count);
    memset(d, 0, sizeof *d);
}

/* The k-th model workspace i may use. */
static const char *model_of(const ws_data *d, size_t i, size_t k)
{
    return d->ents.items[d->order[d->first[i] + k]].model;
}

/* "fast-chat, embed-docs": the models workspace i may use. */
static void entitled_models(const ws_data *d, size_t i, char *out, size_t outsz)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t k = 0; k < d->count[i] && used < outsz; k++) {
        int w = snprintf(out + used, outsz - used, "%s%s", k ? ", " : "", model_of(d, i, k));
        used += w > 0 ? (size_t)w : 0;
    }
}

/* Formats workspace row (the table's lazy row: its first draw, a filter or a sort). */
static void format_workspace(void *ctx, ui_table *t, size_t row)
{
    const ws_data *d = &((ws_page *)ctx)->now;
    const mm_workspace_row *w = &d->list.items[row];
    char models[1024], count[32], description[MM_DESCRIPTION_MAX];
    size_t n = d->count[row];
    entitled_models(d, row, models, sizeof models);
    snprintf(count, sizeof count, "%zu", n);
    if (n == 0)
        snprintf(models, sizeof models, "nothing yet (w grants models)");
    mm_sanitize(description, sizeof description, w->description, strlen(w->description));
    const char *cells[N_COLS] = {w->name, count, models, description};
    ui_element els[N_COLS] = {UI_EL_NORMAL, UI_EL_NORMAL, n ? UI_EL_NORMAL : UI_EL_DIM, UI_EL_DIM};
    ui_table_set_row(t, row, cells, els);
}

static const char *workspace_key(void *ctx, size_t item)
{
    return ((ws_page *)ctx)->now.list.items[item].name;
}

/* Row (of the previous read) and item (of this one) are the same workspace at the same version
 * with the same models. */
static bool workspace_same(void *ctx, size_t row, size_t item)
{
    const ws_page *st = ctx;
    const ws_data *a = &st->before, *b = &st->now;
    const mm_workspace_row *x = &a->list.items[row], *y = &b->list.items[item];
    if (x->id != y->id || x->version != y->version || a->count[row] != b->count[item])
        return false;
    for (size_t k = 0; k < a->count[row]; k++)
        if (strcmp(model_of(a, row, k), model_of(b, item, k)) != 0)
            return false;
    return true;
}

/* Reads the workspaces and their entitlements again; only the rows that changed are formatted
 * again (ui_table_sync). */
static void ws_load(ui_page *page, ui_app *app)
{
    ws_page *st = page->state;
    mm_error err;
    mm_error_clear(&err);
    st->load_error[0] = '\0';
    free_data(&st->before);
    st->before = st->now;
    memset(&st->now, 0, sizeof st->now);
    if (catalog_workspace_rows(app->cat, &st->now.list, &err) != MM_OK ||
        catalog_entitlement_list(app->cat, NULL, NULL, &st->now.ents, &err) != MM_OK)
        snprintf(st->load_error, sizeof st->load_error, "Could not read the workspaces: %s",
                 err.message);
    if (!index_runs(&st->now)) {
        free_data(&st->now);
        snprintf(st->load_error, sizeof st->load_error, "Could not read the workspaces: %s",
                 "out of memory");
    }
    ui_table_sync(&st->table, st->now.list.count, workspace_key, workspace_same, st);
    free_data(&st->before);
    snprintf(page->subtitle, sizeof page->subtitle, "%zu workspace%s", st->now.list.count,
             st->now.list.count == 1 ? "" : "s");
}

static void ws_draw(ui_page *page, ui_app *app, WINDOW *win, ui_rect area, bool focused)
{
    ws_page *st = page->state;
    ui_rect table_area = area;
    if (st->load_error[0] && area.h > 6) {
        table_area.h -= 1;
        ui_draw_text(app, win, area.y + area.h - 1, area.x, area.w, UI_EL_ERROR, UI_ALIGN_LEFT,
                     st->load_error);
    }
    ui_table_draw(&st->table, app, win, table_area, focused);
}

/* ---- the form ---- */

/* The workspace moved on since the form opened: say what changed, keep what was typed, and take
 * the new version so that Save again applies the typed values over theirs. */
static void describe_ws_conflict(ui_app *app, ws_form_ctx *wc, char *other, size_t othersz)
{
    mm_workspace_list list = {0};
    mm_error err;
    mm_error_clear(&err);
    const mm_workspace *now = NULL;
    if (catalog_workspace_list(app->cat, &list, &err) == MM_OK)
        for (size_t i = 0; i < list.count && !now; i++)
            if (list.items[i].id == wc->ws.id)
                now = &list.items[i];
    if (!now) {
        snprintf(other, othersz,
                 "Not saved: another session removed this workspace since you opened it. Esc "
                 "closes the form.");
    } else {
        char changes[3 * MM_DESCRIPTION_MAX] = "";
        ui_form_change_append(app, changes, sizeof changes, "name", wc->ws.name, now->name);
        ui_form_change_append(app, changes, sizeof changes, "description", wc->ws.description,
                              now->description);
        ui_form_conflict_note(other, othersz, "workspace", changes);
        wc->ws = *now;
    }
    mm_workspace_list_free(&list);
}

static bool submit_ws(ui_app *app, ui_form *f, void *ctx, char *other, size_t othersz)
{
    ws_form_ctx *wc = ctx;
    mm_workspace next = wc->ws;
    mm_error err;
    mm_error_clear(&err);
    mm_status st = MM_OK;
    if (!ui_form_copy_value(f, "name", next.name, sizeof next.name) ||
        !ui_form_copy_value(f, "description", next.description, sizeof next.description))
        return false; /* the field says its limit */
    st = catalog_workspace_validate(&next, &err);
    if (st == MM_OK)
        st = wc->editing ? catalog_workspace_update(app->cat, &next, &err)
                         : catalog_workspace_insert(app->cat, &next, &err);
    if (st == MM_OK) {
        wc->ws = next;
        return true;
    }
    if (st == MM_E_CONFLICT)
        describe_ws_conflict(app, wc, other, othersz);
    else if (!ui_form_set_error(f, err.field, err.message))
        snprintf(other, othersz, "Not saved: %s", err.message);
    return false;
}

/* The name field's check when the admin leaves it: the catalog's rule for a workspace name. */
static bool check_ws_name(const ui_field_def *def, const char *value, char *msg, size_t msgsz)
{
    (void)def;
    mm_error err;
    mm_error_clear(&err);
    if (catalog_validate_name("workspace", value, &err) == MM_OK)
        return true;
    snprintf(msg, msgsz, "%s", err.message);
    return false;
}

static bool run_form(ui_app *app, ws_form_ctx *wc)
{
    static const ui_field_def name = {
        .name = "name",
        .label = "Name",
        .help = "the team's name: lowercase letters, digits, '.', '_' or '-'",
        .max_len = MM_NAME_MAX - 1,
        .check = check_ws_name};
    static const ui_field_def description = {.name = "description",
                                             .label = "Description",
                                             .help = "who they are or what they build (optional)",
                                             .max_len = MM_DESCRIPTION_MAX - 1};
    ui_form form;
    ui_form_init(&form);
    ui_form_add(&form, &name, wc->ws.name);
    ui_form_add(&form, &description, wc->ws.description);
    char title[MM_NAME_MAX + 32];
    snprintf(title, sizeof title, wc->editing ? "Edit workspace %s" : "New workspace", wc->ws.name);
    ui_form_dialog_spec spec = {
        .title = title,
        .intro = wc->editing ? "Renaming keeps its entitlements and limits."
                             : "A workspace is a team that consumes models. It starts with no "
                               "entitlements: it may use no model until you grant one.",
        .save_label = wc->editing ? "Save" : "Create",
        .submit = submit_ws,
        .ctx = wc};
    bool saved = ui_form_dialog_run(app, &form, &spec);
    ui_form_free(&form);
    return saved;
}

/* ---- actions ---- */

static int new_ws(ui_page *page, ui_app *app)
{
    ws_page *st = page->state;
    ws_form_ctx wc;
    memset(&wc, 0, sizeof wc);
    if (!run_form(app, &wc))
        return UI_HANDLED;
    ws_load(page, app);
    ui_table_select_key(&st->table, wc.ws.name);
    ui_set_message(app, UI_EL_OK,
                   "%s Created workspace %s: it may use no model yet. w grants it models.",
                   ui_glyph(app, UI_G_CHECK), wc.ws.name);
    return UI_HANDLED;
}

/* The selected workspace's name into name, or false after saying there is none. */
static bool selected_or_say(ws_page *st, ui_app *app, char *name, size_t namesz)
{
    const char *sel = ui_table_selected_key(&st->table);
    if (!sel) {
        ui_set_message(app, UI_EL_DIM, "No workspace selected. Press a to create one.");
        return false;
    }
    mm_copy(name, namesz, sel);
    return true;
}

static int edit_ws(ui_page *page, ui_app *app)
{
    ws_page *st = page->state;
    char name[MM_NAME_MAX];
    if (!selected_or_say(st, app, name, sizeof name))
        return UI_HANDLED;
    ws_form_ctx wc = {.editing = true};
    mm_error err;
    mm_error_clear(&err);
    if (catalog_workspace_get(app->cat, name, &wc.ws, &err) != MM_OK) {
        ui_dialog_error(app, "Cannot edit the workspace", err.message);
        return UI_REFRESH;
    }
    if (!run_form(app, &wc))
        return UI_REFRESH; /* show what another session may have changed meanwhile */
    ws_load(page, app);
    ui_table_select_key(&st->table, wc.ws.name);
    ui_set_message(app, UI_EL_OK, "%s Workspace %s saved.", ui_glyph(app, UI_G_CHECK), wc.ws.name);
    return UI_HANDLED;
}

static int delete_ws(ui_page *page, ui_app *app)
{
    char name[MM_NAME_MAX];
    if (!selected_or_say(page->state, app, name, sizeof name))
        return UI_HANDLED;
    mm_entitlement_list ents = {0};
    mm_error err;
    mm_error_clear(&err);
    if (catalog_entitlement_list(app->cat, NULL, name, &ents, &err) != MM_OK) {
        ui_dialog_error(app, "Cannot delete", err.message);
        return UI_REFRESH;
    }
    char models[1024], text[1400];
    size_t n = ents.count, used = 0; /* one workspace's, by model */
    models[0] = '\0';
    for (size_t k = 0; k < n && used < sizeof models; k++) {
        int w = snprintf(models + used, sizeof models - used, "%s%s", k ? ", " : "",
                         ents.items[k].model);
        used += w > 0 ? (size_t)w : 0;
    }
    mm_entitlement_list_free(&ents);
    if (n)
        snprintf(text, sizeof text,
                 "Delete workspace %s? Its %zu entitlement%s go%s with it: it loses access to "
                 "%s.",
                 name, n, n == 1 ? "" : "s", n == 1 ? "es" : "", models);
    else
        snprintf(text, sizeof text, "Delete workspace %s? It has no entitlements.", name);
    if (!ui_dialog_confirm(app, "Delete workspace?", text, "Delete", "Keep", false)) {
        ui_set_message(app, UI_EL_DIM, "Kept %s.", name);
        return UI_HANDLED;
    }
    size_t removed = 0;
    if (catalog_workspace_delete(app->cat, name, &removed, &err) != MM_OK) {
        ui_dialog_error(app, "Not deleted", err.message);
        return UI_REFRESH;
    }
    ui_set_message(app, UI_EL_OK, "%s Workspace %s deleted with %zu entitlement%s.",
                   ui_glyph(app, UI_G_CHECK), name, removed, removed == 1 ? "" : "s");
    return UI_REFRESH;
}

static int ws_access(ui_page *page, ui_app *app)
{
    char name[MM_NAME_MAX];
    if (!selected_or_say(page->state, app, name, sizeof name))
        return UI_HANDLED;
    if (!ui_entitlements_show_workspace(app, name))
        ui_set_message(app, UI_EL_WARN, "The Model Entitlements page is not available.");
    return UI_HANDLED;
}

static int ws_key(ui_page *page, ui_app *app, int key)
{
    (void)app;
    ws_page *st = page->state;
    return ui_table_handle_key(&st->table, key);
}

static bool ws_typing(ui_page *page)
{
    ws_page *st = page->state;
    return ui_table_filter_editing(&st->table);
}

/* The keys as table rows: what each does, and which edit the catalog. */
static const ui_binding BINDINGS[] = {
    {2, 'a', "a", "New", "new workspace (it may use no model until you grant one)", .edits = true,
     .action = "creating a workspace", .run = new_ws},
    {3, '/', "/", "Filter", "filter rows (type text; Enter keeps, Esc clears)", .edits = false},
    {4, '\n', "Enter", "Edit", "rename or describe the selected workspace (also e)", .edits = true,
     .alt_key = 'e', .action = "editing a workspace", .run = edit_ws},
    {6, 's', "s", "Sort", "sort by the next column", .edits = false},
    {7, 'w', "w", "Access", "the models the selected workspace may use (Model Entitlements)",
     .run = ws_access},
    {9, 'd', "d", "Delete",
     "delete the selected workspace (asks first, naming the models it "
     "loses)",
     .edits = true, .action = "deleting a workspace", .run = delete_ws},
};

static const ui_binding *ws_bindings(ui_page *page, size_t *count)
{
    (void)page;
    *count = sizeof BINDINGS / sizeof BINDINGS[0];
    return BINDINGS;
}

static int ws_mouse(ui_page *page, ui_app *app, int y, int x, mmask_t bstate)
{
    (void)app;
    ws_page *st = page->state;
    return ui_table_handle_mouse(&st->table, y, x, bstate);
}

static void ws_destroy(ui_page *page)
{
    ws_page *st = page->state;
    ui_table_free(&st->table);
    free_data(&st->now);
    free(st);
    free(page);
}

static const ui_page_ops WS_OPS = {
    .bindings = ws_bindings,
    .load = ws_load,
    .draw = ws_draw,
    .typing = ws_typing,
    .handle_key = ws_key,
    .handle_mouse = ws_mouse,
    .idle = ui_list_page_idle, /* the table is the state's first member */
    .destroy = ws_destroy,
};

ui_page *ui_page_workspaces_new(ui_app *app, const char *id, const char *title)
{
    (void)app;
    ws_page *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    ui_table_init(&st->table, COLUMNS, N_COLS, "workspace|workspaces",
                  "No workspaces yet. Press a to create one (e.g. search-team).");
    ui_table_set_keep(&st->table, KEEP);
    ui_table_set_format(&st->table, format_workspace, st);
    ui_page *page = ui_page_alloc(&WS_OPS, id, title, st);
    if (!page) {
        ui_table_free(&st->table);
        free(st);
    }
    return page;
}
