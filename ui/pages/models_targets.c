/* The targets editor of the Models page: a model's fallback chain as a numbered list with each
 * account's provider and state, the chain's warnings, and the keys to add, remove and reorder
 * targets and to edit the model. */
#include <stdio.h>
#include <string.h>

#include "draw.h"
#include "pages/prices.h"
#include "health/chain_health.h"
#include "pages/models_page.h"
#include "providers/provider.h"
#include "util/text.h"
#include "widgets/dialog.h"
#include "wizards/model_form.h"
#include "wizards/target_add.h"

void models_targets_open(models_page *mp, ui_app *app, const char *model)
{
    mp->chain_open = true;
    mp->chain_sel = 0;
    mm_copy(mp->chain.name, sizeof mp->chain.name, model);
    models_targets_load(mp, app);
}

void models_targets_close(models_page *mp)
{
    mp->chain_open = false;
    mm_account_rows_free(&mp->accounts);
}

void models_targets_load(models_page *mp, ui_app *app)
{
    char name[MM_NAME_MAX];
    mm_copy(name, sizeof name, mp->chain.name);
    mm_error err;
    mm_error_clear(&err);
    mp->chain_missing = catalog_model_get(app->cat, name, &mp->chain, &err) != MM_OK;
    if (mp->chain_missing) {
        mm_model_init(&mp->chain);
        mm_copy(mp->chain.name, sizeof mp->chain.name, name);
    }
    mm_account_rows_free(&mp->accounts);
    if (catalog_account_rows(app->cat, &mp->accounts, &err) != MM_OK)
        mm_account_rows_free(&mp->accounts);
    mp->n_warnings = mp->chain_missing ? 0
                                       : health_chain_warnings(&mp->chain, &mp->health,
                                                               mp->warnings, MM_CHAIN_MAX_WARNINGS);
    if (mp->chain_sel >= mp->chain.n_targets)
        mp->chain_sel = mp->chain.n_targets ? mp->chain.n_targets - 1 : 0;
}

/* ---- drawing ---- */

/* "OpenAI" or "OpenAI, disabled: reason" for the account of a target. */
static ui_element account_note(const models_page *mp, const char *account, char *out, size_t outsz)
{
    const mm_account_row *a = mm_account_rows_find(&mp->accounts, account);
    if (!a) {
        snprintf(out, outsz, "account missing");
        return UI_EL_BAD;
    }
    const mm_provider_info *p = provider_find(a->provider);
    const char *provider = p ? p->display_name : a->provider;
    if (a->enabled) {
        mm_health h = mm_health_map_get(&mp->health, account);
        snprintf(out, outsz, "%s, %s", provider, mm_health_name(h));
        return h == MM_HEALTH_UNREACHABLE ? UI_EL_BAD
               : h == MM_HEALTH_DEGRADED  ? UI_EL_WARN
               : h == MM_HEALTH_HEALTHY   ? UI_EL_OK
                                          : UI_EL_DIM;
    }
    snprintf(out, outsz, "%s, disabled%s%s: skipped", provider, a->disabled_reason[0] ? ": " : "",
             a->disabled_reason);
    return UI_EL_WARN;
}

static void draw_target(models_page *mp, ui_app *app, WINDOW *win, int y, ui_rect area, size_t i,
                        bool focused)
{
    const mm_target *t = &mp->chain.targets[i];
    bool selected = i == mp->chain_sel;
    ui_element el = !selected ? UI_EL_NORMAL
                    : focused ? UI_EL_ROW_SELECTED
                              : UI_EL_ROW_SELECTED_UNFOCUSED;
    char text[MM_PROVIDER_MODEL_MAX + MM_NAME_MAX + 16], note[MM_REASON_MAX + 64];
    char model[MM_PROVIDER_MODEL_MAX];
    mm_sanitize(model, sizeof model, t->model, strlen(t->model));
    snprintf(text, sizeof text, "%s %2d. %s @ %s", selected ? ">" : " ", t->priority, model,
             t->account);
    ui_element note_el = account_note(mp, t->account, note, sizeof note);
    int note_w = mm_text_width(note) + 2;
    int text_w = area.w - note_w;
    if (text_w < area.w / 2) {
        text_w = area.w / 2;
        note_w = area.w - text_w;
    }
    ui_draw_text(app, win, y, area.x, text_w, el, UI_ALIGN_LEFT, text);
    ui_draw_text(app, win, y, area.x + text_w, note_w, selected ? el : note_el, UI_ALIGN_RIGHT,
                 note);
}

/* Wraps the warnings; returns the lines (caller frees) with a glyph on the first of each. */
static void wrap_warnings(models_page *mp, ui_app *app, int width, ui_lines *out)
{
    out->items = NULL;
    out->count = 0;
    char all[MM_CHAIN_MAX_WARNINGS * (MM_CHAIN_WARNING_MAX + 8)] = "";
    size_t used = 0;
    for (size_t i = 0; i < mp->n_warnings && used < sizeof all; i++)
        used += (size_t)snprintf(all + used, sizeof all - used, "%s%s %s", i ? "\n" : "",
                                 ui_glyph(app, UI_G_WARN), mp->warnings[i]);
    ui_wrap(all, width, out);
}

static void draw_header(models_page *mp, ui_app *app, WINDOW *win, ui_rect area)
{
    char line[MM_NAME_MAX + MM_DESCRIPTION_MAX + 96];
    snprintf(line, sizeof line, "Fallback chain of %s (%s)", mp->chain.name, mp->chain.type);
    ui_draw_text(app, win, area.y, area.x, area.w, UI_EL_TITLE, UI_ALIGN_LEFT, line);
    char description[MM_DESCRIPTION_MAX];
    mm_sanitize(description, sizeof description, mp->chain.description,
                strlen(mp->chain.description));
    snprintf(line, sizeof line, "tried in order, 1 first; %zu workspace%s may use it%s%s",
             mp->chain.n_entitled, mp->chain.n_entitled == 1 ? "" : "s", description[0] ? "; " : "",
             description);
    ui_draw_text(app, win, area.y + 1, area.x, area.w, UI_EL_DIM, UI_ALIGN_LEFT, line);
}

static void draw_list(models_page *mp, ui_app *app, WINDOW *win, ui_rect list, bool focused)
{
    if (mp->chain.n_targets == 0) {
        ui_draw_text(app, win, list.y, list.x, list.w, UI_EL_DIM, UI_ALIGN_LEFT,
                     "  (no targets yet: press a to add the first one)");
        return;
    }
    size_t top = 0;
    if (list.h > 0 && mp->chain_sel >= (size_t)list.h)
        top = mp->chain_sel - (size_t)list.h + 1;
    for (int row = 0; row < list.h && top + (size_t)row < mp->chain.n_targets; row++)
        draw_target(mp, app, win, list.y + row, list, top + (size_t)row, focused);
}

void models_targets_draw(models_page *mp, ui_app *app, WINDOW *win, ui_rect area, bool focused)
{
    if (area.h < 6 || area.w < 20)
        return;
    if (mp->chain_missing) {
        ui_draw_text(app, win, area.y, area.x, area.w, UI_EL_ERROR, UI_ALIGN_LEFT,
                     "This model no longer exists (deleted in another session). Esc goes back.");
        return;
    }
    draw_header(mp, app, win, area);
    ui_lines warnings;
    wrap_warnings(mp, app, area.w, &warnings);
    int hint_y = area.y + area.h - 1;
    int list_h = (int)mp->chain.n_targets > 1 ? (int)mp->chain.n_targets : 1;
    int room = area.h - 3 - 2; /* header, gap, hint line, gap before the warnings */
    int warn_h = mp->n_warnings ? (int)warnings.count : 0;
    if (warn_h > room - list_h)
        warn_h = room - list_h > 2 ? room - list_h : (room > 4 ? 2 : 0);
    if (list_h > room - warn_h)
        list_h = room - warn_h;
    draw_list(mp, app, win, (ui_rect){area.y + 3, area.x, list_h, area.w}, focused);
    int wy = area.y + 3 + list_h + 1;
    if (mp->n_warnings == 0 && mp->chain.n_targets && wy < hint_y) {
        char ok[128];
        snprintf(ok, sizeof ok, "%s No warnings.", ui_glyph(app, UI_G_CHECK));
        ui_draw_text(app, win, wy, area.x, area.w, UI_EL_OK, UI_ALIGN_LEFT, ok);
    }
    for (int i = 0; i < warn_h && wy + i < hint_y; i++)
        ui_draw_text(app, win, wy + i, area.x, area.w, UI_EL_WARN, UI_ALIGN_LEFT,
                     warnings.items[i]);
    ui_lines_free(&warnings);
    ui_draw_text(app, win, hint_y, area.x, area.w, UI_EL_DIM, UI_ALIGN_LEFT,
                 "a add  d remove  K/J move up/down  e edit  Esc back");
}

/* ---- actions ---- */

static int add_target(models_page *mp, ui_app *app)
{
    if (!ui_target_add(app, &mp->chain))
        return UI_HANDLED;
    models_targets_load(mp, app);
    mp->chain_sel = mp->chain.n_targets ? mp->chain.n_targets - 1 : 0;
    const mm_target *t = &mp->chain.targets[mp->chain_sel];
    char saved[MM_MESSAGE_MAX];
    snprintf(saved, sizeof saved, "%s Added %s @ %s as target %d of %s.", ui_glyph(app, UI_G_CHECK),
             t->model, t->account, t->priority, mp->chain.name);
    ui_set_message(app, UI_EL_OK, "%s", saved);
    mm_account acc;
    mm_error err;
    mm_error_clear(&err);
    if (catalog_account_get(app->cat, t->account, &acc, &err) == MM_OK)
        ui_prices_warn_after_save(app, &acc, saved);
    return UI_REFRESH;
}

static int remove_target(models_page *mp, ui_app *app)
{
    mm_target t = mp->chain.targets[mp->chain_sel];
    char text[640];
    snprintf(text, sizeof text, "Remove target %d (%s @ %s) from %s? %s", t.priority, t.model,
             t.account, mp->chain.name,
             mp->chain.n_targets == 1
                 ? "It is the only one: the chain will be empty and every request for the model "
                   "will fail."
                 : "The targets after it move up.");
    if (!ui_dialog_confirm(app, "Remove target?", text, "Remove", "Keep", false)) {
        ui_set_message(app, UI_EL_DIM, "Kept target %d.", t.priority);
        return UI_HANDLED;
    }
    mm_error err;
    mm_error_clear(&err);
    if (catalog_target_remove(app->cat, mp->chain.name, t.priority, &err) != MM_OK) {
        ui_dialog_error(app, "Target not removed", err.message);
        return UI_REFRESH;
    }
    ui_set_message(app, UI_EL_OK, "%s Removed %s @ %s from %s.", ui_glyph(app, UI_G_CHECK), t.model,
                   t.account, mp->chain.name);
    return UI_REFRESH;
}

static int move_target(models_page *mp, ui_app *app, int delta)
{
    const mm_target *t = &mp->chain.targets[mp->chain_sel];
    int to = t->priority + delta;
    if (to < 1 || to > (int)mp->chain.n_targets) {
        ui_set_message(app, UI_EL_DIM, "Target %d is already %s.", t->priority,
                       delta < 0 ? "first" : "last");
        return UI_HANDLED;
    }
    mm_error err;
    mm_error_clear(&err);
    if (catalog_target_move(app->cat, mp->chain.name, t->priority, to, &err) != MM_OK) {
        ui_dialog_error(app, "Target not moved", err.message);
        return UI_REFRESH;
    }
    ui_set_message(app, UI_EL_OK, "%s Moved %s @ %s to priority %d.", ui_glyph(app, UI_G_CHECK),
                   t->model, t->account, to);
    mp->chain_sel = (size_t)(to - 1);
    return UI_REFRESH;
}

static int edit_model(models_page *mp, ui_app *app)
{
    char saved[MM_NAME_MAX];
    if (!ui_model_edit(app, mp->chain.name, saved, sizeof saved))
        return UI_REFRESH; /* show what another session may have changed meanwhile */
    mm_copy(mp->chain.name, sizeof mp->chain.name, saved);
    ui_set_message(app, UI_EL_OK, "%s Model %s saved.", ui_glyph(app, UI_G_CHECK), saved);
    return UI_REFRESH;
}

static int select_key(models_page *mp, int key)
{
    size_t n = mp->chain.n_targets;
    switch (key) {
    case UI_FN(KEY_UP):
    case 'k':
        if (mp->chain_sel > 0)
            mp->chain_sel--;
        return UI_HANDLED | UI_REDRAW;
    case UI_FN(KEY_DOWN):
    case 'j':
        if (mp->chain_sel + 1 < n)
            mp->chain_sel++;
        return UI_HANDLED | UI_REDRAW;
    case UI_FN(KEY_HOME):
    case 'g':
        mp->chain_sel = 0;
        return UI_HANDLED | UI_REDRAW;
    case UI_FN(KEY_END):
    case 'G':
        mp->chain_sel = n ? n - 1 : 0;
        return UI_HANDLED | UI_REDRAW;
    default:
        return UI_IGNORED;
    }
}

int models_targets_key(models_page *mp, ui_app *app, int key)
{
    (void)app;
    if (key == UI_KEY_ESC || key == UI_FN(KEY_BACKSPACE) || key == 127) {
        models_targets_close(mp);
        return UI_HANDLED;
    }
    return mp->chain_missing ? UI_IGNORED : select_key(mp, key);
}

/* ---- the keys as table rows (a key of a model gone away does nothing) ---- */

static int add_key(ui_page *page, ui_app *app)
{
    models_page *mp = page->state;
    return mp->chain_missing ? UI_IGNORED : add_target(mp, app);
}

static int edit_key(ui_page *page, ui_app *app)
{
    models_page *mp = page->state;
    return mp->chain_missing ? UI_IGNORED : edit_model(mp, app);
}

static int access_key(ui_page *page, ui_app *app)
{
    models_page *mp = page->state;
    return mp->chain_missing ? UI_IGNORED : models_open_entitlements(app, mp->chain.name);
}

/* The chain has a selected target, or it says it is empty. */
static bool has_target(models_page *mp, ui_app *app)
{
    if (mp->chain.n_targets == 0)
        ui_set_message(app, UI_EL_DIM, "The chain is empty. Press a to add a target.");
    return mp->chain.n_targets > 0;
}

static int remove_key(ui_page *page, ui_app *app)
{
    models_page *mp = page->state;
    if (mp->chain_missing)
        return UI_IGNORED;
    return has_target(mp, app) ? remove_target(mp, app) : UI_HANDLED;
}

static int up_key(ui_page *page, ui_app *app)
{
    models_page *mp = page->state;
    if (mp->chain_missing)
        return UI_IGNORED;
    return has_target(mp, app) ? move_target(mp, app, -1) : UI_HANDLED;
}

static int down_key(ui_page *page, ui_app *app)
{
    models_page *mp = page->state;
    if (mp->chain_missing)
        return UI_IGNORED;
    return has_target(mp, app) ? move_target(mp, app, 1) : UI_HANDLED;
}

static const ui_binding TARGET_BINDINGS[] = {
    {2, 'a', "a", "Add", "add a target at the end of the chain (pick an account, then its model)",
     .edits = true, .action = "adding a target", .run = add_key},
    {0, 0, "Up/Down, j/k", NULL, "select a target", .edits = false},
    {5, 'K', "K", "Up", "move the selected target up: tried earlier (also Shift-Up)", .edits = true,
     .alt_key = UI_FN(KEY_SR), .action = "reordering the chain", .run = up_key},
    {6, 'J', "J", "Down", "move the selected target down: tried later (also Shift-Down)",
     .edits = true, .alt_key = UI_FN(KEY_SF), .action = "reordering the chain", .run = down_key},
    {7, 'e', "e", "Edit", "edit the model's name, type and description", .edits = true,
     .action = "editing a model", .run = edit_key},
    {8, 'w', "w", "Access", "the workspaces that may use this model (Model Entitlements)",
     .run = access_key},
    {9, 'd', "d", "Remove", "remove the selected target (asks first; the ones after move up)",
     .edits = true, .alt_key = UI_FN(KEY_DC), .action = "removing a target", .run = remove_key},
    {0, UI_KEY_ESC, "Esc", "Back", "back to the table of models", .edits = false},
};

const ui_binding *models_targets_bindings(size_t *count)
{
    *count = sizeof TARGET_BINDINGS / sizeof TARGET_BINDINGS[0];
    return TARGET_BINDINGS;
}

int models_targets_mouse(models_page *mp, ui_app *app, int y, int x, mmask_t bstate)
{
    (void)app;
    (void)x;
    if (bstate & BUTTON4_PRESSED)
        return select_key(mp, UI_FN(KEY_UP));
    if (bstate & BUTTON5_PRESSED)
        return select_key(mp, UI_FN(KEY_DOWN));
    /* the list starts on the area's fourth row */
    if ((bstate & UI_MOUSE_CLICK) && y >= 3 && (size_t)(y - 3) < mp->chain.n_targets)
        mp->chain_sel = (size_t)(y - 3);
    return UI_HANDLED | UI_REDRAW;
}
