/* The Models page: the table of logical models (type, chain health from the monitor's snapshot,
 * chain at a glance, entitled workspaces) and its actions: new model, edit, delete (naming what
 * goes with it), open the targets editor, jump to the model's entitlements. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "health/chain_health.h"
#include "page.h"
#include "pages/entitlements.h"
#include "pages/models_page.h"
#include "util/clock.h"
#include "util/text.h"
#include "widgets/dialog.h"
#include "wizards/model_form.h"

enum { COL_NAME, COL_TYPE, COL_HEALTH, COL_CHAIN, COL_ENTITLED, COL_DESCRIPTION, N_COLS };

static const ui_column COLUMNS[N_COLS] = {
    [COL_NAME] = {"Name", 8, 24, UI_ALIGN_LEFT, false, false},
    [COL_TYPE] = {"Type", 4, 9, UI_ALIGN_LEFT, false, false},
    [COL_HEALTH] = {"Health", 6, 11, UI_ALIGN_LEFT, false, false},
    [COL_CHAIN] = {"Fallback chain", 14, 90, UI_ALIGN_LEFT, true, false},
    [COL_ENTITLED] = {"Workspaces", 5, 10, UI_ALIGN_RIGHT, false, false},
    [COL_DESCRIPTION] = {"Description", 11, 30, UI_ALIGN_LEFT, false, false},
};
/* When the pane is narrow the description goes first, then the type; the chain (a whole
 * column) is cut only when the description, the type and the workspaces are gone. */
static const int KEEP[N_COLS] = {9, 3, 6, 8, 5, 1};

/* ---- rows ---- */

static void entitled_text(size_t n, char *out, size_t outsz, ui_element *el)
{
    if (n == 0) {
        snprintf(out, outsz, "none");
        *el = UI_EL_WARN;
    } else {
        snprintf(out, outsz, "%zu", n);
        *el = UI_EL_NORMAL;
    }
}

/* Formats model row of the list (the table's lazy row: its first draw, a filter or a sort). */
static void format_model(void *ctx, ui_table *t, size_t row)
{
    models_page *mp = ctx;
    ui_app *app = mp->app;
    mm_model *m = mp->expanded;
    if (!m)
        return;
    mm_model_row_expand(&mp->models, row, m);
    char chain[1024], entitled[32], health[32];
    mm_chain_glance(m, ui_glyph(app, UI_G_ARROW), ui_glyph(app, UI_G_ELLIPSIS),
                    MM_CHAIN_GLANCE_TARGETS, "(no targets)", chain, sizeof chain);
    ui_element els[N_COLS] = {0};
    static const ui_element HEALTH_LOOK[] = {
        [MM_CHAIN_EMPTY] = UI_EL_DIM,  [MM_CHAIN_UNKNOWN] = UI_EL_DIM,
        [MM_CHAIN_HEALTHY] = UI_EL_OK, [MM_CHAIN_DEGRADED] = UI_EL_WARN,
        [MM_CHAIN_DOWN] = UI_EL_BAD,
    };
    els[COL_HEALTH] = HEALTH_LOOK[health_chain_of(m, &mp->health, ui_glyph(app, UI_G_DASH), health,
                                                  sizeof health)];
    entitled_text(m->n_entitled, entitled, sizeof entitled, &els[COL_ENTITLED]);
    els[COL_CHAIN] = m->n_targets ? UI_EL_NORMAL : UI_EL_WARN;
    els[COL_DESCRIPTION] = UI_EL_DIM;
    char description[MM_DESCRIPTION_MAX];
    mm_sanitize(description, sizeof description, m->description, strlen(m->description));
    const char *cells[N_COLS] = {m->name, m->type, health, chain, entitled, description};
    ui_table_set_row(t, row, cells, els);
}

static const char *model_key(void *ctx, size_t item)
{
    return ((models_page *)ctx)->models.items[item].name;
}

/* Row (of the previous read) and item (of this one) are the same model at the same version
 * with the same chain and the same number of workspaces. */
static bool model_same(void *ctx, size_t row, size_t item)
{
    const models_page *mp = ctx;
    const mm_model_rows *a = &mp->before, *b = &mp->models;
    const mm_model_row *x = &a->items[row], *y = &b->items[item];
    if (x->id != y->id || x->version != y->version || x->n_entitled != y->n_entitled ||
        x->n_targets != y->n_targets)
        return false;
    for (size_t k = 0; k < x->n_targets; k++) {
        const mm_target_row *s = &a->targets[x->first_target + k],
                            *u = &b->targets[y->first_target + k];
        if (s->priority != u->priority || strcmp(s->account, u->account) ||
            strcmp(s->model, u->model))
            return false;
    }
    return true;
}

/* Chain health reads the statuses of the monitor's latest snapshot: nothing is computed here. */
static void read_health(models_page *mp, ui_app *app)
{
    mm_health_map_free(&mp->health);
    mp->health_ms = mm_monotonic_ms();
    mp->health_serial = app->health ? app->health_serial : 0;
    mm_error err;
    mm_error_clear(&err);
    if (app->monitor_problem[0])
        snprintf(mp->load_error, sizeof mp->load_error, "Chain health is unknown: %s",
                 app->monitor_problem);
    else if (app->health &&
             health_map_from_report(&app->health->report, &mp->health, &err) != MM_OK)
        snprintf(mp->load_error, sizeof mp->load_error, "Could not read health: %s", err.message);
}

static void set_subtitle(ui_page *page, const models_page *mp)
{
    const mm_model_rows *list = &mp->models;
    size_t empty = 0, unentitled = 0;
    for (size_t i = 0; i < list->count; i++) {
        empty += list->items[i].n_targets == 0;
        unentitled += list->items[i].n_entitled == 0;
    }
    snprintf(page->subtitle, sizeof page->subtitle, "%zu model%s", list->count,
             list->count == 1 ? "" : "s");
    if (empty)
        snprintf(page->subtitle + strlen(page->subtitle),
                 sizeof page->subtitle - strlen(page->subtitle), ", %zu with no targets", empty);
    if (unentitled)
        snprintf(page->subtitle + strlen(page->subtitle),
                 sizeof page->subtitle - strlen(page->subtitle), ", %zu used by no workspace",
                 unentitled);
    if (mp->chain_open)
        snprintf(page->subtitle, sizeof page->subtitle, "chain of %s", mp->chain.name);
}

static void models_load(ui_page *page, ui_app *app)
{
    models_page *mp = page->state;
    mm_error err;
    mm_error_clear(&err);
    mp->load_error[0] = '\0';
    mp->app = app;
    mm_model_rows_free(&mp->before);
    mp->before = mp->models;
    memset(&mp->models, 0, sizeof mp->models);
    if (catalog_model_rows(app->cat, true, &mp->models, &err) != MM_OK)
        snprintf(mp->load_error, sizeof mp->load_error, "Could not read the models: %s",
                 err.message);
    unsigned long health_serial = mp->health_serial;
    read_health(mp, app);
    if (mp->chain_open)
        models_targets_load(mp, app);
    ui_table_sync(&mp->table, mp->models.count, model_key, model_same, mp);
    mm_model_rows_free(&mp->before);
    if (mp->health_serial != health_serial) /* the chains' health moved: rows shown again */
        ui_table_refresh_formatted(&mp->table);
    set_subtitle(page, mp);
}

static void models_draw(ui_page *page, ui_app *app, WINDOW *win, ui_rect area, bool focused)
{
    models_page *mp = page->state;
    if (mp->chain_open) {
        models_targets_draw(mp, app, win, area, focused);
        return;
    }
    ui_rect table_area = area;
    if (mp->load_error[0] && area.h > 6) {
        table_area.h -= 1;
        ui_draw_text(app, win, area.y + area.h - 1, area.x, area.w, UI_EL_ERROR, UI_ALIGN_LEFT,
                     mp->load_error);
    }
    ui_table_draw(&mp->table, app, win, table_area, focused);
}

/* ---- actions ---- */

static int new_model(ui_page *page, ui_app *app)
{
    models_page *mp = page->state;
    char name[MM_NAME_MAX];
    if (!ui_model_create(app, name, sizeof name))
        return UI_HANDLED;
    models_load(page, app);
    ui_table_select_key(&mp->table, name);
    ui_set_message(app, UI_EL_OK,
                   "%s Created %s with no entitlements (no workspace may use it yet): w grants "
                   "access, Enter edits its chain.",
                   ui_glyph(app, UI_G_CHECK), name);
    return UI_HANDLED;
}

/* The selected model's name into name, or false after saying there is none. */
static bool selected_or_say(models_page *mp, ui_app *app, char *name, size_t namesz)
{
    const char *sel = ui_table_selected_key(&mp->table);
    if (!sel) {
        ui_set_message(app, UI_EL_DIM, "No model selected. Press a to create one.");
        return false;
    }
    mm_copy(name, namesz, sel);
    return true;
}

static int open_chain(ui_page *page, ui_app *app)
{
    models_page *mp = page->state;
    char name[MM_NAME_MAX];
    if (!selected_or_say(mp, app, name, sizeof name))
        return UI_HANDLED;
    models_targets_open(mp, app, name);
    return UI_HANDLED | UI_REFRESH;
}

static int edit_model(ui_page *page, ui_app *app)
{
    models_page *mp = page->state;
    char name[MM_NAME_MAX];
    if (!selected_or_say(mp, app, name, sizeof name))
        return UI_HANDLED;
    char saved[MM_NAME_MAX];
    if (!ui_model_edit(app, name, saved, sizeof saved))
        return UI_REFRESH; /* show what another session may have changed meanwhile */
    models_load(page, app);
    ui_table_select_key(&mp->table, saved);
    ui_set_message(app, UI_EL_OK, "%s Model %s saved.", ui_glyph(app, UI_G_CHECK), saved);
    return UI_HANDLED;
}

/* "team-a, team-b" (at most a few, then "and N more"). */
static void entitled_names(ui_app *app, const char *model, char *out, size_t outsz)
{
    mm_entitlement_list list = {0};
    mm_error err;
    out[0] = '\0';
    if (catalog_entitlement_list(app->cat, model, NULL, &list, &err) != MM_OK)
        return;
    size_t used = 0, shown = 0;
    for (size_t i = 0; i < list.count && used < outsz; i++) {
        if (shown == 8) {
            snprintf(out + used, outsz - used, " and %zu more", list.count - shown);
            break;
        }
        int n =
            snprintf(out + used, outsz - used, "%s%s", shown ? ", " : "", list.items[i].workspace);
        used += n > 0 ? (size_t)n : 0;
        shown++;
    }
    mm_entitlement_list_free(&list);
}

static int delete_model(ui_page *page, ui_app *app)
{
    char selected[MM_NAME_MAX];
    if (!selected_or_say(page->state, app, selected, sizeof selected))
        return UI_HANDLED;
    mm_model m;
    mm_error err;
    mm_error_clear(&err);
    if (catalog_model_get(app->cat, selected, &m, &err) != MM_OK) {
        ui_dialog_error(app, "Cannot delete", err.message);
        return UI_REFRESH;
    }
    char names[512], text[1024];
    entitled_names(app, m.name, names, sizeof names);
    int used = snprintf(text, sizeof text,
                        "Delete logical model %s?\n\nWith it go its %zu target%s and %zu "
                        "entitlement%s.",
                        m.name, m.n_targets, m.n_targets == 1 ? "" : "s", m.n_entitled,
                        m.n_entitled == 1 ? "" : "s");
    if (m.n_entitled && used > 0 && (size_t)used < sizeof text)
        snprintf(text + used, sizeof text - (size_t)used,
                 "\n\nThese workspaces lose access at once: %s.", names);
    if (!ui_dialog_confirm(app, "Delete model?", text, "Delete", "Keep", false)) {
        ui_set_message(app, UI_EL_DIM, "Kept %s.", m.name);
        return UI_HANDLED;
    }
    size_t targets = 0, entitlements = 0;
    if (catalog_model_delete(app->cat, m.name, &targets, &entitlements, &err) != MM_OK) {
        ui_dialog_error(app, "Not deleted", err.message);
        return UI_REFRESH;
    }
    ui_set_message(app, UI_EL_OK, "%s Model %s deleted with %zu target%s and %zu entitlement%s.",
                   ui_glyph(app, UI_G_CHECK), m.name, targets, targets == 1 ? "" : "s",
                   entitlements, entitlements == 1 ? "" : "s");
    return UI_REFRESH;
}

int models_open_entitlements(ui_app *app, const char *model)
{
    if (!ui_entitlements_show_model(app, model))
        ui_set_message(app, UI_EL_WARN, "The Model Entitlements page is not available.");
    return UI_HANDLED;
}

static int model_access(ui_page *page, ui_app *app)
{
    char name[MM_NAME_MAX];
    if (!selected_or_say(page->state, app, name, sizeof name))
        return UI_HANDLED;
    return models_open_entitlements(app, name);
}

/* The table's keys as rows (the targets editor has its own, models_targets.c). */
static const ui_binding BINDINGS[] = {
    {2, 'a', "a", "New", "new logical model (created with no targets and no entitlements)",
     .edits = true, .action = "creating a model", .run = new_model},
    {3, '/', "/", "Filter", "filter rows (type text; Enter keeps, Esc clears)", .edits = false},
    {4, '\n', "Enter", "Chain", "open the targets editor of the selected model (also t)",
     .alt_key = 't', .run = open_chain},
    {5, 'e', "e", "Edit", "edit the selected model's name, type and description", .edits = true,
     .action = "editing a model", .run = edit_model},
    {6, 's', "s", "Sort", "sort by the next column", .edits = false},
    {7, 'w', "w", "Access", "the workspaces that may use the selected model (Model Entitlements)",
     .run = model_access},
    {9, 'd', "d", "Delete",
     "delete the selected model with its targets and entitlements (asks "
     "first, with the counts)",
     .edits = true, .action = "deleting a model", .run = delete_model},
};

static bool models_typing(ui_page *page)
{
    models_page *mp = page->state;
    return !mp->chain_open && ui_table_filter_editing(&mp->table);
}

static const ui_binding *models_bindings(ui_page *page, size_t *count)
{
    models_page *mp = page->state;
    if (mp->chain_open)
        return models_targets_bindings(count);
    *count = sizeof BINDINGS / sizeof BINDINGS[0];
    return BINDINGS;
}

static int models_key(ui_page *page, ui_app *app, int key)
{
    models_page *mp = page->state;
    if (!mp->chain_open)
        return ui_table_handle_key(&mp->table, key);
    int r = models_targets_key(mp, app, key);
    if (!mp->chain_open) { /* closed: back to the table, fresh, on the same model */
        free(mp->table.pending_key);
        mp->table.pending_key = strdup(mp->chain.name);
        return r | UI_REFRESH;
    }
    return r;
}

static int models_mouse(ui_page *page, ui_app *app, int y, int x, mmask_t bstate)
{
    models_page *mp = page->state;
    if (mp->chain_open)
        return models_targets_mouse(mp, app, y, x, bstate);
    return ui_table_handle_mouse(&mp->table, y, x, bstate);
}

static void models_help(ui_page *page, ui_app *app, char *out, size_t outsz)
{
    (void)page;
    (void)app;
    snprintf(out, outsz,
             "A logical model is the name workspaces ask for; its fallback chain lists the "
             "provider targets tried in order (1 first) until one answers. Health: healthy when "
             "every target's account is healthy (or not measured yet), 'k/n healthy' when some "
             "are degraded or unreachable, down when all are unreachable (Provider Health has "
             "the figures). The Workspaces column counts the workspaces entitled to it: with "
             "none, no workspace can use it.");
}

static void models_destroy(ui_page *page)
{
    models_page *mp = page->state;
    ui_table_free(&mp->table);
    models_targets_close(mp);
    mm_health_map_free(&mp->health);
    mm_model_rows_free(&mp->models);
    free(mp->expanded);
    free(mp);
    free(page);
}

/* While the page is shown, the chain health follows the monitor's snapshots (each wake), at
 * most every MODELS_HEALTH_REFRESH_MS once it has one: the rows formatted so far are formatted
 * again from the models as loaded (the others when first needed), keeping the selection and the
 * open chain. */
#define MODELS_HEALTH_REFRESH_MS 5000

static void models_on_wake(ui_page *page, ui_app *app)
{
    models_page *mp = page->state;
    if (ui_current_page(app) != page || !page->loaded || app->n_modals > 0)
        return;
    if (!app->health || app->health_serial == mp->health_serial)
        return;
    if (mp->health_serial && mm_monotonic_ms() - mp->health_ms < MODELS_HEALTH_REFRESH_MS)
        return;
    char kept[sizeof mp->load_error];
    mm_copy(kept, sizeof kept, mp->load_error);
    mm_health_map before = mp->health;
    mp->health = (mm_health_map){0}; /* read_health frees the map it replaces */
    read_health(mp, app);
    if (!mp->load_error[0])
        mm_copy(mp->load_error, sizeof mp->load_error, kept);
    bool moved = !mm_health_map_equal(&before, &mp->health);
    mm_health_map_free(&before);
    if (moved) { /* the same statuses: every row's chain health is what it shows, kept */
        if (mp->chain_open)
            models_targets_load(mp, app); /* the usable-accounts warning follows the statuses */
        /* the rows shown now, the others between keys (models_idle): a key never waits for
         * 10,000 rows formatted again */
        ui_table_refresh_shown(&mp->table);
        mp->reread_from = 0;
    }
    set_subtitle(page, mp);
    ui_request_redraw(app);
}

/* Between keys: the rows read with an older health map read again (a piece a slice), then the
 * rows not read yet (ui_list_page_idle). */
static bool models_idle(ui_page *page, ui_app *app, int64_t until_us)
{
    models_page *mp = page->state;
    if (mp->reread_from < mp->table.nrows) {
        mp->reread_from = ui_table_reread(&mp->table, mp->reread_from, until_us);
        if (mp->reread_from >= mp->table.nrows)
            ui_request_redraw(app); /* a sort by health or a filter may have moved rows */
        return true;
    }
    return ui_list_page_idle(page, app, until_us);
}

static const ui_page_ops MODELS_OPS = {
    .bindings = models_bindings,
    .load = models_load,
    .draw = models_draw,
    .typing = models_typing,
    .handle_key = models_key,
    .handle_mouse = models_mouse,
    .on_wake = models_on_wake,
    .idle = models_idle,
    .help_extra = models_help,
    .destroy = models_destroy,
};

ui_page *ui_page_models_new(ui_app *app, const char *id, const char *title)
{
    (void)app;
    models_page *mp = calloc(1, sizeof *mp);
    if (!mp)
        return NULL;
    ui_table_init(&mp->table, COLUMNS, N_COLS, "model|models",
                  "No logical models yet. Press a to create one (e.g. fast-chat).");
    ui_table_set_keep(&mp->table, KEEP);
    ui_table_whole(&mp->table, COL_CHAIN, KEEP[COL_HEALTH]);
    ui_table_set_format(&mp->table, format_model, mp);
    mp->expanded = malloc(sizeof *mp->expanded);
    mp->reread_from = SIZE_MAX;
    ui_page *page = ui_page_alloc(&MODELS_OPS, id, title, mp);
    if (!page) {
        ui_table_free(&mp->table);
        free(mp->expanded);
        free(mp);
    }
    return page;
}
