/* The Model Entitlements page: a list of logical models on the left, every workspace on the
 * right marked [x] (may use it) or [ ] (no access) with its limits; Space grants or revokes,
 * Enter edits the limits. `v` swaps to the reverse view: workspaces left, models right. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "catalog/rows.h"
#include "page.h"
#include "pages/entitlements.h"
#include "util/text.h"
#include "widgets/dialog.h"
#include "widgets/table.h"
#include "wizards/account_fields.h"

typedef enum ent_view { VIEW_BY_MODEL = 0, VIEW_BY_WORKSPACE } ent_view;

/* The models, workspaces and entitlements as read: the rows are formatted from them when the
 * tables first need them. */
typedef struct ent_data {
    mm_model_rows models;         /* lean: names, types and counts, without chains */
    mm_workspace_rows workspaces; /* lean: names, descriptions and counts */
    mm_entitlement_list ents;     /* sorted by (model, workspace) */
    size_t *ents_by_workspace;    /* positions in ents sorted by (workspace, model) */
} ent_data;

typedef struct ent_page {
    ent_view view;
    ui_table left, right;
    bool right_focus;
    char shown_left[MM_NAME_MAX];  /* the left row the right rows are formatted for */
    char before_left[MM_NAME_MAX]; /* the one they were formatted for before a sync */
    char want_left[MM_NAME_MAX];   /* a row to select at the next load (a jump from a page) */
    ent_data now;                  /* what the rows show */
    ent_data before;               /* the previous read, while the rows are synced with now */
    ui_app *app;                   /* for formatting a row when a table first needs it */
    char load_error[MM_MESSAGE_MAX + 64];
} ent_page;

static const ui_column MODEL_LEFT[] = {
    {"Model", 6, 24, UI_ALIGN_LEFT, true, false},
    {"Access", 6, 8, UI_ALIGN_RIGHT, false, false},
};
static const ui_column WORKSPACE_LEFT[] = {
    {"Workspace", 9, 24, UI_ALIGN_LEFT, true, false},
    {"Models", 6, 8, UI_ALIGN_RIGHT, false, false},
};
enum { R_MARK, R_NAME, R_RPM, R_TPM, R_MONTH, R_INFO, N_RIGHT };
static const ui_column WORKSPACE_RIGHT[N_RIGHT] = {
    {"Use", 3, 3, UI_ALIGN_LEFT, false, false},
    {"Workspace", 9, 24, UI_ALIGN_LEFT, false, false},
    {"RPM", 3, 11, UI_ALIGN_RIGHT, false, false},
    {"TPM", 3, 14, UI_ALIGN_RIGHT, false, false},
    {"Tokens/mo", 5, 18, UI_ALIGN_RIGHT, false, false},
    {"Description", 11, 60, UI_ALIGN_LEFT, true, false},
};
static const ui_column MODEL_RIGHT[N_RIGHT] = {
    {"Use", 3, 3, UI_ALIGN_LEFT, false, false},
    {"Model", 5, 24, UI_ALIGN_LEFT, false, false},
    {"RPM", 3, 11, UI_ALIGN_RIGHT, false, false},
    {"TPM", 3, 14, UI_ALIGN_RIGHT, false, false},
    {"Tokens/mo", 5, 18, UI_ALIGN_RIGHT, false, false},
    {"Type", 4, 60, UI_ALIGN_LEFT, true, false},
};

/* Narrow panes lose the description first, then the monthly cap, TPM and RPM. */
static const int RIGHT_KEEP[N_RIGHT] = {9, 9, 4, 3, 2, 1};

/* ---- data ---- */

static int compare_ents(const void *a, const void *b)
{
    const mm_entitlement *x = a, *y = b;
    int cmp = strcmp(x->model, y->model);
    return cmp ? cmp : strcmp(x->workspace, y->workspace);
}

/* Binary search in d's entitlements, sorted by (model, workspace) at load. */
static const mm_entitlement *find_ent(const ent_data *d, const char *model, const char *ws)
{
    mm_entitlement probe;
    mm_copy(probe.model, sizeof probe.model, model);
    mm_copy(probe.workspace, sizeof probe.workspace, ws);
    if (!d->ents.count)
        return NULL;
    return bsearch(&probe, d->ents.items, d->ents.count, sizeof *d->ents.items, compare_ents);
}

static int compare_by_workspace(const void *a, const void *b, void *ctx)
{
    const mm_entitlement *ents = ctx, *x = &ents[*(const size_t *)a],
                         *y = &ents[*(const size_t *)b];
    int cmp = strcmp(x->workspace, y->workspace);
    return cmp ? cmp : strcmp(x->model, y->model);
}

static void index_by_workspace(ent_data *d)
{
    free(d->ents_by_workspace);
    d->ents_by_workspace = malloc((d->ents.count ? d->ents.count : 1) * sizeof(size_t));
    for (size_t i = 0; d->ents_by_workspace && i < d->ents.count; i++)
        d->ents_by_workspace[i] = i;
    if (d->ents_by_workspace)
        qsort_r(d->ents_by_workspace, d->ents.count, sizeof(size_t), compare_by_workspace,
                d->ents.items);
}

/* The i-th entitlement in the order of the left list's names (by model, or by workspace). */
static const mm_entitlement *ent_at(const ent_page *st, size_t i)
{
    const ent_data *d = &st->now;
    return st->view == VIEW_BY_MODEL ? &d->ents.items[i] : &d->ents.items[d->ents_by_workspace[i]];
}

/* The left row's name in an entitlement, and the right row's. */
static const char *left_name(const ent_page *st, const mm_entitlement *e)
{
    return st->view == VIEW_BY_MODEL ? e->model : e->workspace;
}

static const char *right_name(const ent_page *st, const mm_entitlement *e)
{
    return st->view == VIEW_BY_MODEL ? e->workspace : e->model;
}

/* The first entitlement (in ent_at order) of the left row name. */
static size_t first_ent_of(const ent_page *st, const char *name)
{
    size_t lo = 0, hi = st->now.ents.count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(left_name(st, ent_at(st, mid)), name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void format_left(void *ctx, ui_table *t, size_t row);
static void format_right(void *ctx, ui_table *t, size_t row);

static void init_tables(ent_page *st)
{
    ui_table_free(&st->left);
    ui_table_free(&st->right);
    if (st->view == VIEW_BY_MODEL) {
        ui_table_init(&st->left, MODEL_LEFT, 2, "model|models",
                      "No logical models yet: create one on the Models page (2).");
        ui_table_init(&st->right, WORKSPACE_RIGHT, N_RIGHT, "workspace|workspaces",
                      "No workspaces yet: create them on the Workspaces page (5).");
        ui_table_set_keep(&st->right, RIGHT_KEEP);
    } else {
        ui_table_init(&st->left, WORKSPACE_LEFT, 2, "workspace|workspaces",
                      "No workspaces yet: create them on the Workspaces page (5).");
        ui_table_init(&st->right, MODEL_RIGHT, N_RIGHT, "model|models",
                      "No logical models yet: create one on the Models page (2).");
        ui_table_set_keep(&st->right, RIGHT_KEEP);
    }
    ui_table_set_format(&st->left, format_left, st);
    ui_table_set_format(&st->right, format_right, st);
    st->shown_left[0] = '\0';
}

/* ---- the left rows: a model (or workspace) and how many it is entitled with ---- */

/* The left list's item i of d: its name and count. */
static const char *left_item(const ent_page *st, const ent_data *d, size_t i, size_t *count)
{
    if (st->view == VIEW_BY_MODEL) {
        *count = d->models.items[i].n_entitled;
        return d->models.items[i].name;
    }
    *count = d->workspaces.items[i].n_entitlements;
    return d->workspaces.items[i].name;
}

static size_t left_count(const ent_page *st, const ent_data *d)
{
    return st->view == VIEW_BY_MODEL ? d->models.count : d->workspaces.count;
}

static void format_left(void *ctx, ui_table *t, size_t row)
{
    ent_page *st = ctx;
    size_t c;
    const char *name = left_item(st, &st->now, row, &c);
    char count[32];
    snprintf(count, sizeof count, "%zu", c);
    const char *cells[] = {name, count};
    ui_element els[] = {UI_EL_NORMAL, c ? UI_EL_NORMAL : UI_EL_DIM};
    ui_table_set_row(t, row, cells, els);
}

static const char *left_key(void *ctx, size_t item)
{
    size_t count;
    return left_item(ctx, &((ent_page *)ctx)->now, item, &count);
}

static bool left_same(void *ctx, size_t row, size_t item)
{
    ent_page *st = ctx;
    size_t a, b;
    left_item(st, &st->before, row, &a);
    left_item(st, &st->now, item, &b);
    return a == b;
}

static void sync_left(ent_page *st)
{
    if (st->want_left[0]) { /* select this row instead of the current one */
        free(st->left.pending_key);
        st->left.pending_key = strdup(st->want_left);
        st->want_left[0] = '\0';
    }
    ui_table_sync(&st->left, left_count(st, &st->now), left_key, left_same, st);
}

/* ---- the right rows: every workspace (or model), marked when the left row may use it ---- */

/* The right list's item i of d: its name and its description (or type). */
static const char *right_item(const ent_page *st, const ent_data *d, size_t i, const char **info)
{
    if (st->view == VIEW_BY_MODEL) {
        *info = d->workspaces.items[i].description;
        return d->workspaces.items[i].name;
    }
    *info = d->models.items[i].type;
    return d->models.items[i].name;
}

static size_t right_count(const ent_page *st, const ent_data *d)
{
    return st->view == VIEW_BY_MODEL ? d->workspaces.count : d->models.count;
}

/* The entitlement of left row left and right row name in d (NULL: no access). */
static const mm_entitlement *pair_ent(const ent_page *st, const ent_data *d, const char *left,
                                      const char *name)
{
    if (!left[0])
        return NULL;
    return st->view == VIEW_BY_MODEL ? find_ent(d, left, name) : find_ent(d, name, left);
}

/* The right row's cells: name, its description or type, the entitlement of the left row shown
 * (none: no access). */
static void format_right(void *ctx, ui_table *t, size_t row)
{
    ent_page *st = ctx;
    const char *info;
    const char *name = right_item(st, &st->now, row, &info);
    const mm_entitlement *e = pair_ent(st, &st->now, st->shown_left, name);
    char rpm[32] = "", tpm[32] = "", month[32] = "", clean[MM_DESCRIPTION_MAX];
    if (e) {
        account_format_limit(st->app, e->rpm, rpm, sizeof rpm);
        account_format_limit(st->app, e->tpm, tpm, sizeof tpm);
        account_format_limit(st->app, e->monthly_tokens, month, sizeof month);
    }
    mm_sanitize(clean, sizeof clean, info, strlen(info));
    const char *cells[N_RIGHT] = {e ? "[x]" : "[ ]", name, rpm, tpm, month, clean};
    ui_element el = e ? UI_EL_OK : UI_EL_DIM;
    ui_element els[N_RIGHT] = {
        el, e ? UI_EL_NORMAL : UI_EL_DIM, UI_EL_NORMAL, UI_EL_NORMAL, UI_EL_NORMAL, UI_EL_DIM};
    ui_table_set_row(t, row, cells, els);
}

static const char *right_key(void *ctx, size_t item)
{
    const char *info;
    return right_item(ctx, &((ent_page *)ctx)->now, item, &info);
}

static bool same_limits(const mm_entitlement *a, const mm_entitlement *b)
{
    if (!a || !b)
        return a == b;
    return a->rpm == b->rpm && a->tpm == b->tpm && a->monthly_tokens == b->monthly_tokens;
}

/* Row (for before_left in the previous read) and item (for shown_left in this one) show the
 * same: the same description (or type) and the same entitlement. */
static bool right_same(void *ctx, size_t row, size_t item)
{
    ent_page *st = ctx;
    const char *was_info, *info;
    const char *was = right_item(st, &st->before, row, &was_info);
    const char *name = right_item(st, &st->now, item, &info);
    return !strcmp(was_info, info) && same_limits(pair_ent(st, &st->before, st->before_left, was),
                                                  pair_ent(st, &st->now, st->shown_left, name));
}

/* The right rows for the left selection: only the rows that show something else are formatted
 * again (the rows not formatted yet wait for their first draw). */
static void sync_right(ent_page *st)
{
    const char *sel = ui_table_selected_key(&st->left);
    mm_copy(st->before_left, sizeof st->before_left, st->shown_left);
    mm_copy(st->shown_left, sizeof st->shown_left, sel ? sel : "");
    ui_table_sync(&st->right, right_count(st, &st->now), right_key, right_same, st);
}

static int name_in_workspaces(const void *name, const void *item)
{
    return strcmp(name, ((const mm_workspace_row *)item)->name);
}

static int name_in_models(const void *name, const void *item)
{
    return strcmp(name, ((const mm_model_row *)item)->name);
}

/* The right row of name: its position in the list the rows were added from (read ORDER BY
 * name: SQLite's BINARY order is strcmp's), or -1 when the rows are not that list. */
static long right_row_of(ent_page *st, const char *name)
{
    bool by_model = st->view == VIEW_BY_MODEL;
    size_t n = right_count(st, &st->now);
    if (st->right.nrows != n || !n)
        return -1;
    const void *base = by_model ? (const void *)st->now.workspaces.items : st->now.models.items;
    size_t size = by_model ? sizeof *st->now.workspaces.items : sizeof *st->now.models.items;
    const char *found =
        bsearch(name, base, n, size, by_model ? name_in_workspaces : name_in_models);
    if (!found)
        return -1;
    long row = (long)((size_t)(found - (const char *)base) / size);
    return strcmp(st->right.rows[row].key, name) == 0 ? row : -1;
}

/* The right rows of left row name's entitlements formatted again (those formatted so far).
 * false when a row is not where expected. */
static bool redo_rows_of(ent_page *st, const char *name)
{
    for (size_t i = first_ent_of(st, name); i < st->now.ents.count; i++) {
        const mm_entitlement *e = ent_at(st, i);
        if (strcmp(left_name(st, e), name) != 0)
            break;
        long row = right_row_of(st, right_name(st, e));
        if (row < 0)
            return false;
        ui_table_refresh_row(&st->right, (size_t)row);
    }
    return true;
}

/* The left selection moved: only the rows of the two selections' entitlements change (the
 * old ones lose their mark, the new ones gain theirs), not the whole right list. */
static void follow_left(ent_page *st)
{
    const char *sel = ui_table_selected_key(&st->left);
    char old[MM_NAME_MAX];
    mm_copy(old, sizeof old, st->shown_left);
    mm_copy(st->shown_left, sizeof st->shown_left, sel ? sel : "");
    if (!sel || !old[0] || !st->now.ents_by_workspace || !redo_rows_of(st, old) ||
        !redo_rows_of(st, sel)) {
        ui_table_forget_cells(&st->right); /* formatted again when shown */
        return;
    }
    ui_table_update_end(&st->right);
}

static void free_data(ent_data *d)
{
    mm_model_rows_free(&d->models);
    mm_workspace_rows_free(&d->workspaces);
    mm_entitlement_list_free(&d->ents);
    free(d->ents_by_workspace);
    memset(d, 0, sizeof *d);
}

static void set_subtitle(ui_page *page, const ent_page *st)
{
    snprintf(page->subtitle, sizeof page->subtitle, "%s, %zu entitlement%s",
             st->view == VIEW_BY_MODEL ? "by model" : "by workspace", st->now.ents.count,
             st->now.ents.count == 1 ? "" : "s");
}

/* Reads the three lists again; only the rows that changed are formatted again. */
static void ent_load(ui_page *page, ui_app *app)
{
    ent_page *st = page->state;
    st->app = app;
    free_data(&st->before);
    st->before = st->now;
    memset(&st->now, 0, sizeof st->now);
    mm_error err;
    mm_error_clear(&err);
    st->load_error[0] = '\0';
    if (catalog_model_rows(app->cat, false, &st->now.models, &err) != MM_OK ||
        catalog_workspace_rows(app->cat, &st->now.workspaces, &err) != MM_OK ||
        catalog_entitlement_list(app->cat, NULL, NULL, &st->now.ents, &err) != MM_OK)
        snprintf(st->load_error, sizeof st->load_error, "Could not read the entitlements: %s",
                 err.message);
    if (st->now.ents.count)
        qsort(st->now.ents.items, st->now.ents.count, sizeof *st->now.ents.items, compare_ents);
    index_by_workspace(&st->now);
    sync_left(st);
    sync_right(st);
    free_data(&st->before);
    set_subtitle(page, st);
}

/* ---- drawing ---- */

static void draw_note(ent_page *st, ui_app *app, WINDOW *win, ui_rect area)
{
    char line[512];
    const char *sel = st->shown_left[0] ? st->shown_left : NULL;
    bool roomy = area.w >= 90;
    if (!sel)
        snprintf(line, sizeof line, "%s",
                 st->view == VIEW_BY_MODEL ? "Choose a model on the left."
                                           : "Choose a workspace on the left.");
    else if (st->view == VIEW_BY_MODEL)
        snprintf(line, sizeof line,
                 roomy ? "Workspaces marked [x] may use %s; those marked [ ] have no access to "
                         "it. Space grants or revokes, Enter sets limits."
                       : "[x] may use %s; [ ] have no access to it. Space grants or revokes, "
                         "Enter sets limits.",
                 sel);
    else
        snprintf(line, sizeof line,
                 roomy ? "%s may use the models marked [x] and has no access to those marked "
                         "[ ]. Space grants or revokes, Enter sets limits."
                       : "%s may use the models marked [x]; no access to [ ]. Space grants or "
                         "revokes, Enter sets limits.",
                 sel);
    ui_lines lines;
    ui_wrap(line, area.w, &lines);
    for (int i = 0; i < 2; i++)
        ui_draw_text(app, win, area.y + i, area.x, area.w, UI_EL_TITLE, UI_ALIGN_LEFT,
                     (size_t)i < lines.count ? lines.items[i] : "");
    ui_lines_free(&lines);
}

static int left_width(ui_rect area)
{
    int w = area.w * 3 / 10;
    return w < 16 ? 16 : w > 30 ? 30 : w;
}

static void ent_draw(ui_page *page, ui_app *app, WINDOW *win, ui_rect area, bool focused)
{
    ent_page *st = page->state;
    if (area.h < 6 || area.w < 40)
        return;
    draw_note(st, app, win, area);
    int top = area.y + 2, h = area.h - 2;
    if (st->load_error[0]) {
        ui_draw_text(app, win, area.y + area.h - 1, area.x, area.w, UI_EL_ERROR, UI_ALIGN_LEFT,
                     st->load_error);
        h--;
    }
    int lw = left_width(area);
    ui_table_draw(&st->left, app, win, (ui_rect){top, area.x, h, lw}, focused && !st->right_focus);
    const char *bar = app->ascii_lines ? "|" : "\xe2\x94\x82";
    for (int y = top; y < top + h; y++)
        ui_draw_clip(app, win, y, area.x + lw, 1, UI_EL_BORDER, bar);
    ui_table_draw(&st->right, app, win, (ui_rect){top, area.x + lw + 2, h, area.w - lw - 2},
                  focused && st->right_focus);
}

/* ---- actions ---- */

/* The (model, workspace) pair of the right table's selected row. */
static bool selected_pair(ent_page *st, char *model, char *ws)
{
    const char *right = ui_table_selected_key(&st->right);
    if (!st->shown_left[0] || !right)
        return false;
    mm_copy(model, MM_NAME_MAX, st->view == VIEW_BY_MODEL ? st->shown_left : right);
    mm_copy(ws, MM_NAME_MAX, st->view == VIEW_BY_MODEL ? right : st->shown_left);
    return true;
}

static bool has_limits(const mm_entitlement *e)
{
    return e->rpm != MM_LIMIT_UNSET || e->tpm != MM_LIMIT_UNSET ||
           e->monthly_tokens != MM_LIMIT_UNSET;
}

static int revoke(ui_app *app, const mm_entitlement *e)
{
    char model[MM_NAME_MAX], ws[MM_NAME_MAX];
    mm_copy(model, sizeof model, e->model);
    mm_copy(ws, sizeof ws, e->workspace);
    if (has_limits(e)) {
        char text[512];
        snprintf(text, sizeof text,
                 "Revoke %s's access to %s? Its limits go with it (granting again starts "
                 "without limits).",
                 ws, model);
        if (!ui_dialog_confirm(app, "Revoke access?", text, "Revoke", "Keep", false))
            return UI_HANDLED;
    }
    mm_error err;
    mm_error_clear(&err);
    if (catalog_revoke(app->cat, model, ws, &err) != MM_OK) {
        ui_dialog_error(app, "Not revoked", err.message);
        return UI_REFRESH;
    }
    ui_set_message(app, UI_EL_OK, "%s %s can no longer use %s.", ui_glyph(app, UI_G_CHECK), ws,
                   model);
    return UI_REFRESH;
}

static int toggle(ent_page *st, ui_app *app)
{
    char model[MM_NAME_MAX], ws[MM_NAME_MAX];
    if (!selected_pair(st, model, ws))
        return UI_HANDLED;
    const mm_entitlement *e = find_ent(&st->now, model, ws);
    if (e)
        return revoke(app, e);
    mm_entitlement grant;
    memset(&grant, 0, sizeof grant);
    mm_copy(grant.model, sizeof grant.model, model);
    mm_copy(grant.workspace, sizeof grant.workspace, ws);
    mm_error err;
    mm_error_clear(&err);
    if (catalog_entitle(app->cat, &grant, &err) != MM_OK) {
        ui_dialog_error(app, "Not granted", err.message);
        return UI_REFRESH;
    }
    ui_set_message(app, UI_EL_OK, "%s %s may now use %s, with no limits (Enter sets them).",
                   ui_glyph(app, UI_G_CHECK), ws, model);
    return UI_REFRESH;
}

static int edit_limits(ent_page *st, ui_app *app)
{
    char model[MM_NAME_MAX], ws[MM_NAME_MAX];
    if (!selected_pair(st, model, ws))
        return UI_HANDLED;
    bool granting = find_ent(&st->now, model, ws) == NULL;
    if (!ui_entitlement_limits_edit(app, model, ws, granting))
        return UI_HANDLED;
    ui_set_message(app, UI_EL_OK, "%s %s %s on %s.", ui_glyph(app, UI_G_CHECK),
                   granting ? "Granted" : "Saved the limits of", ws, model);
    return UI_REFRESH;
}

static void swap_view(ent_page *st, ui_app *app)
{
    const char *from = st->right_focus ? ui_table_selected_key(&st->right) : NULL;
    char keep_left[MM_NAME_MAX] = "", keep_right[MM_NAME_MAX] = "";
    if (from)
        mm_copy(keep_left, sizeof keep_left, from);
    mm_copy(keep_right, sizeof keep_right, st->shown_left);
    st->view = st->view == VIEW_BY_MODEL ? VIEW_BY_WORKSPACE : VIEW_BY_MODEL;
    init_tables(st);
    mm_copy(st->want_left, sizeof st->want_left, keep_left);
    sync_left(st);
    sync_right(st);
    if (keep_right[0])
        ui_table_select_key(&st->right, keep_right);
    ui_set_message(app, UI_EL_DIM, "%s",
                   st->view == VIEW_BY_MODEL
                       ? "By model: choose a model, see which workspaces may use it."
                       : "By workspace: choose a workspace, see every model it may use.");
}

static int focus_key(ent_page *st, int key)
{
    bool to_right = key == UI_FN(KEY_RIGHT) || key == 'l';
    bool to_left = key == UI_FN(KEY_LEFT) || key == 'h' || key == UI_KEY_ESC;
    if (!st->right_focus && (to_right || key == '\n' || key == ' ')) {
        st->right_focus = true;
        return UI_HANDLED | UI_REDRAW;
    }
    if (st->right_focus && to_left) {
        st->right_focus = false;
        return UI_HANDLED | UI_REDRAW;
    }
    return UI_IGNORED;
}

static int ent_key(ui_page *page, ui_app *app, int key)
{
    (void)app;
    ent_page *st = page->state;
    ui_table *focused = st->right_focus ? &st->right : &st->left;
    int r = UI_IGNORED;
    if (ui_table_filter_editing(focused))
        r = ui_table_handle_key(focused, key);
    if (r == UI_IGNORED && !(key == UI_KEY_ESC && focused->filter[0]))
        r = focus_key(st, key);
    if (r == UI_IGNORED)
        r = ui_table_handle_key(focused, key);
    const char *sel = ui_table_selected_key(&st->left);
    if (strcmp(sel ? sel : "", st->shown_left) != 0)
        follow_left(st);
    return r;
}

static bool ent_typing(ui_page *page)
{
    ent_page *st = page->state;
    return ui_table_filter_editing(st->right_focus ? &st->right : &st->left);
}

/* Space and Enter on the left list move to the marks; on the marks they act. */
static int toggle_key(ui_page *page, ui_app *app)
{
    ent_page *st = page->state;
    return st->right_focus ? toggle(st, app) : focus_key(st, ' ');
}

static int limits_key(ui_page *page, ui_app *app)
{
    ent_page *st = page->state;
    return st->right_focus ? edit_limits(st, app) : focus_key(st, '\n');
}

static int swap_key(ui_page *page, ui_app *app)
{
    ent_page *st = page->state;
    swap_view(st, app);
    set_subtitle(page, st);
    return UI_HANDLED | UI_REDRAW;
}

/* The keys as table rows: what each does, and which edit the catalog. */
static const ui_binding BINDINGS[] = {
    {0, ' ', "Space", "Grant/Revoke", "grant or revoke access for the selected row (saved at once)",
     .edits = true, .action = "changing access", .run = toggle_key},
    {4, '\n', "Enter", "Limits",
     "edit the selected entitlement's limits (on a row without access: "
     "grant it with limits)",
     .edits = true, .action = "editing limits", .run = limits_key},
    {0, 0, "Right/l, Left/h", NULL, "move between the list on the left and the marks",
     .edits = false},
    {5, 'v', "v", "Swap view",
     "swap the view: by model (workspaces right) / by workspace "
     "(models right)",
     .run = swap_key},
    {3, '/', "/", "Filter", "filter the focused list", .edits = false},
    {6, 's', "s", "Sort", "sort the focused list by the next column", .edits = false},
};

static const ui_binding *ent_bindings(ui_page *page, size_t *count)
{
    (void)page;
    *count = sizeof BINDINGS / sizeof BINDINGS[0];
    return BINDINGS;
}

static int ent_mouse(ui_page *page, ui_app *app, int y, int x, mmask_t bstate)
{
    (void)app;
    ent_page *st = page->state;
    int lw = left_width((ui_rect){0, 0, 0, getmaxx(app->main.win) - 2});
    int r;
    if (x < lw) {
        st->right_focus = false;
        r = ui_table_handle_mouse(&st->left, y - 2, x, bstate);
    } else {
        st->right_focus = true;
        r = ui_table_handle_mouse(&st->right, y - 2, x - lw - 2, bstate);
    }
    const char *sel = ui_table_selected_key(&st->left);
    if (strcmp(sel ? sel : "", st->shown_left) != 0)
        follow_left(st);
    return r | UI_HANDLED | UI_REDRAW;
}

static void ent_help(ui_page *page, ui_app *app, char *out, size_t outsz)
{
    (void)page;
    (void)app;
    snprintf(out, outsz,
             "No entitlement means no access: a workspace may use a logical model only when it "
             "is marked [x] for it. Each grant, revoke or limit change is saved at once, as one "
             "transaction with an audit entry. Limits (requests/min, tokens/min, tokens per "
             "calendar month) are optional; the router refuses requests over them.");
}

static void ent_destroy(ui_page *page)
{
    ent_page *st = page->state;
    ui_table_free(&st->left);
    ui_table_free(&st->right);
    free_data(&st->now);
    free(st);
    free(page);
}

/* Between keys: the two tables' rows read for the first filter or sort, the left first. */
static bool ent_idle(ui_page *page, ui_app *app, int64_t until_us)
{
    (void)app;
    ent_page *st = page->state;
    return ui_table_idle(&st->left, until_us) || ui_table_idle(&st->right, until_us);
}

static const ui_page_ops ENT_OPS = {
    .bindings = ent_bindings,
    .load = ent_load,
    .draw = ent_draw,
    .typing = ent_typing,
    .handle_key = ent_key,
    .handle_mouse = ent_mouse,
    .idle = ent_idle,
    .help_extra = ent_help,
    .destroy = ent_destroy,
};

ui_page *ui_page_entitlements_new(ui_app *app, const char *id, const char *title)
{
    (void)app;
    ent_page *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    init_tables(st);
    ui_page *page = ui_page_alloc(&ENT_OPS, id, title, st);
    if (!page) {
        ui_table_free(&st->left);
        ui_table_free(&st->right);
        free(st);
    }
    return page;
}

struct ui_table *ui_entitlements_table(ui_page *page, bool right)
{
    ent_page *st = page->state;
    return right ? &st->right : &st->left;
}

/* ---- jumps from other pages ---- */

static bool show(ui_app *app, ent_view view, const char *name)
{
    for (size_t i = 0; i < app->n_pages; i++) {
        ui_page *page = app->pages[i];
        if (page->ops != &ENT_OPS)
            continue;
        ent_page *st = page->state;
        if (st->view != view) {
            st->view = view;
            init_tables(st);
        }
        mm_copy(st->want_left, sizeof st->want_left, name);
        st->right_focus = true;
        ui_switch_page(app, i);
        app->focus_sidebar = false;
        return true;
    }
    return false;
}

bool ui_entitlements_show_model(ui_app *app, const char *model)
{
    return show(app, VIEW_BY_MODEL, model);
}

bool ui_entitlements_show_workspace(ui_app *app, const char *workspace)
{
    return show(app, VIEW_BY_WORKSPACE, workspace);
}
