/* The account edit form: the provider's credential fields (the key shows only its hint; left
 * empty it keeps the key) and the limits in one dialog, saved with the row-version check. */
#include "wizards/account_wizard.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "util/text.h"
#include "widgets/form.h"
#include "widgets/form_dialog.h"
#include "wizards/account_fields.h"

#define EDIT_BUTTONS 2
#define FORM_Y 3
#define NOTE_LINES 3 /* a refusal that concerns no field (a conflict) is wrapped, not cut */

typedef struct editor {
    ui_modal modal;
    ui_app *app;
    ui_win win;
    ui_form form;
    const mm_provider_info *provider;
    mm_account acc;
    char key[MM_API_KEY_MAX];
    char note[1024];
    int button_focus;
    int button_x[EDIT_BUTTONS], button_w[EDIT_BUTTONS], button_y;
    bool saved, cancelled;
} editor;

/* Appends text to out, cut at outsz. */
static void append_text(char *out, size_t outsz, const char *text)
{
    size_t used = strlen(out), n = strlen(text);
    if (used + 1 >= outsz)
        return;
    if (n > outsz - used - 1)
        n = outsz - used - 1;
    memcpy(out + used, text, n);
    out[used + n] = '\0';
}

static void add_change(char *out, size_t outsz, const char *what, const char *before,
                       const char *after, const char *arrow)
{
    if (!strcmp(before, after))
        return;
    const char *parts[] = {out[0] ? "; " : "",
                           what,
                           " ",
                           before[0] ? before : "(default)",
                           " ",
                           arrow,
                           " ",
                           after[0] ? after : "(default)"};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        append_text(out, outsz, parts[i]);
}

/* "monthly cap $500 → $300; base URL a → b": the fields another session changed. */
static void account_changes(const ui_app *app, const mm_account *was, const mm_account *now,
                            char *out, size_t outsz)
{
    const char *arrow = ui_glyph(app, UI_G_ARROW);
    out[0] = '\0';
    add_change(out, outsz, "name", was->name, now->name, arrow);
    add_change(out, outsz, "base URL", was->endpoint, now->endpoint, arrow);
    add_change(out, outsz, "API version", was->api_version, now->api_version, arrow);
    add_change(out, outsz, "CA bundle", was->ca_bundle, now->ca_bundle, arrow);
    add_change(out, outsz, "key", was->key_hint, now->key_hint, arrow);
    char a[32], b[32];
    account_format_limit(app, was->rpm, a, sizeof a);
    account_format_limit(app, now->rpm, b, sizeof b);
    add_change(out, outsz, "requests/min", a, b, arrow);
    account_format_limit(app, was->tpm, a, sizeof a);
    account_format_limit(app, now->tpm, b, sizeof b);
    add_change(out, outsz, "tokens/min", a, b, arrow);
    account_format_cap(app, was->monthly_cap_cents, a, sizeof a);
    account_format_cap(app, now->monthly_cap_cents, b, sizeof b);
    add_change(out, outsz, "monthly cap", a, b, arrow);
    add_change(out, outsz, "enabled", was->enabled ? "yes" : "no", now->enabled ? "yes" : "no",
               arrow);
    if (!out[0])
        snprintf(out, outsz, "its test result or status only");
}

/* The row moved on since the form opened: say what changed, keep what was typed, and take the
 * new version so that Save again applies the typed values over theirs. */
static void describe_conflict(editor *ed)
{
    mm_account_list list = {0};
    mm_error err;
    mm_error_clear(&err);
    const mm_account *now = NULL;
    if (catalog_account_list(ed->app->cat, &list, &err) == MM_OK)
        for (size_t i = 0; i < list.count && !now; i++)
            if (list.items[i].id == ed->acc.id)
                now = &list.items[i];
    if (!now) {
        snprintf(ed->note, sizeof ed->note,
                 "Not saved: another session removed this account since you opened it. Esc "
                 "closes the form.");
    } else {
        char changes[640];
        account_changes(ed->app, &ed->acc, now, changes, sizeof changes);
        ui_form_conflict_note(ed->note, sizeof ed->note, "account", changes);
        ed->acc = *now;
    }
    mm_account_list_free(&list);
}

static void editor_save(editor *ed)
{
    ui_form_clear_errors(&ed->form);
    ed->note[0] = '\0';
    mm_account acc = ed->acc;
    if (!ui_form_check_all(&ed->form))
        return; /* every bad field says so; the first has the focus */
    if (!account_form_read(&ed->form, &acc, ed->key, sizeof ed->key) ||
        !account_form_validate(&ed->form, &acc, ed->key, ed->note, sizeof ed->note)) {
        ui_form_focus_first_error(&ed->form);
        return;
    }
    mm_error err;
    mm_error_clear(&err);
    if (catalog_account_update(ed->app->cat, &acc, ed->key[0] ? ed->key : NULL, &err) != MM_OK) {
        if (err.status == MM_E_CONFLICT)
            describe_conflict(ed);
        else if (!ui_form_set_error(&ed->form, err.field, err.message))
            snprintf(ed->note, sizeof ed->note, "Not saved: %s", err.message);
        else
            ui_form_focus(&ed->form, err.field);
        return;
    }
    ed->acc = acc;
    ed->saved = true;
    ed->modal.done = true;
}

static void editor_layout(ui_modal *m, ui_app *app)
{
    editor *ed = m->ctx;
    int want = ui_form_height(&ed->form, UI_FORM_ROOMY) + FORM_Y + 3 + NOTE_LINES;
    ui_win_center(app, &ed->win, want, 96);
    int y, x, h, w;
    getbegyx(ed->win.win, y, x);
    getmaxyx(ed->win.win, h, w);
    ui_form_place(&ed->form, app, y + FORM_Y, x + 2, w - 4, h - FORM_Y - 2 - NOTE_LINES);
    if (app->too_small)
        ui_form_hide(&ed->form, true);
}

static void editor_hide(ui_modal *m, ui_app *app, bool hidden)
{
    (void)app;
    editor *ed = m->ctx;
    ui_win_hide(&ed->win, hidden);
    ui_form_hide(&ed->form, hidden);
}

static void editor_draw(ui_modal *m, ui_app *app)
{
    editor *ed = m->ctx;
    WINDOW *win = ed->win.win;
    int h, w;
    getmaxyx(win, h, w);
    ui_draw_frame(app, win, UI_EL_DIALOG, UI_EL_BORDER_FOCUS);
    char title[160];
    snprintf(title, sizeof title, " Edit account %s (%s) ", ed->acc.name,
             ed->provider ? ed->provider->display_name : ed->acc.provider);
    ui_draw_clip(app, win, 0, 2, w - 4, UI_EL_DIALOG_TITLE, title);
    ui_draw_clip(app, win, 1, 2, w - 4, UI_EL_DIM,
                 ed->provider && ed->provider->target_hint ? ed->provider->target_hint : "");
    if (ed->note[0]) {
        ui_lines lines;
        ui_wrap(ed->note, w - 4, &lines);
        for (size_t i = 0; i < lines.count && i < NOTE_LINES; i++)
            ui_draw_text(app, win, h - 2 - NOTE_LINES + (int)i, 2, w - 4, UI_EL_ERROR,
                         UI_ALIGN_LEFT, lines.items[i]);
        ui_lines_free(&lines);
    }
    const char *labels[EDIT_BUTTONS] = {"Save", "Cancel"};
    int x = w - 2;
    for (int i = EDIT_BUTTONS - 1; i >= 0; i--) {
        char label[32];
        snprintf(label, sizeof label, "[ %s ]", labels[i]);
        ed->button_w[i] = mm_text_width(label);
        x -= ed->button_w[i] + 1;
        ed->button_x[i] = x;
        ui_draw_clip(app, win, h - 2, x, ed->button_w[i],
                     i == ed->button_focus ? UI_EL_BUTTON_FOCUS : UI_EL_BUTTON, label);
    }
    ed->button_y = h - 2;
    m->wants_cursor = ed->button_focus < 0;
    ui_form_draw(&ed->form, app);
}

/* Esc or Cancel: asks "Discard changes?" when a value was changed. */
static void editor_cancel(editor *ed)
{
    ui_form *forms[1] = {&ed->form};
    if (!ui_form_may_discard(ed->app, forms, 1, NULL))
        return;
    ed->cancelled = true;
    ed->modal.done = true;
}

static int editor_key(ui_modal *m, ui_app *app, int key)
{
    editor *ed = m->ctx;
    app->redraw_needed = true;
    if (key == UI_KEY_ESC) {
        editor_cancel(ed);
        return UI_HANDLED;
    }
    if (key == UI_FN(KEY_F(2))) {
        editor_save(ed);
        return UI_HANDLED;
    }
    if (ed->button_focus >= 0) {
        if (key == '\n')
            ed->button_focus == 0 ? editor_save(ed) : editor_cancel(ed);
        else if (key == '\t' || key == UI_FN(KEY_RIGHT))
            ed->button_focus = ed->button_focus + 1 < EDIT_BUTTONS ? ed->button_focus + 1 : -1;
        else if (key == UI_FN(KEY_BTAB) || key == UI_FN(KEY_LEFT) || key == UI_FN(KEY_UP))
            ed->button_focus--;
        return UI_HANDLED;
    }
    int r = ui_form_handle_key(&ed->form, app, key);
    if (r & UI_HANDLED)
        return r;
    if (key == '\n')
        editor_save(ed);
    else if (key == '\t' || key == UI_FN(KEY_DOWN))
        ed->button_focus = 0;
    return UI_HANDLED;
}

static int editor_mouse(ui_modal *m, ui_app *app, const MEVENT *ev)
{
    editor *ed = m->ctx;
    app->redraw_needed = true;
    if (ui_form_handle_mouse(&ed->form, ev) & UI_HANDLED) {
        ed->button_focus = -1;
        return UI_HANDLED;
    }
    int y = ev->y, x = ev->x;
    if (wmouse_trafo(ed->win.win, &y, &x, FALSE) && y == ed->button_y &&
        (ev->bstate & UI_MOUSE_CLICK))
        for (int i = 0; i < EDIT_BUTTONS; i++)
            if (x >= ed->button_x[i] && x < ed->button_x[i] + ed->button_w[i])
                i == 0 ? editor_save(ed) : editor_cancel(ed);
    return UI_HANDLED;
}

static const ui_binding EDIT_KEYS[] = {
    {0, UI_FN(KEY_F(2)), "F2", "Save", "save the changes", .edits = false},
    {0, '\n', "Enter", "Next/Save", "next field; on the last field, save", .edits = false},
    {0, '\t', "Tab", "Next field", "next field, then the buttons", .edits = false},
    {0, 0, "Ctrl-U", "Clear", "clear the field", .edits = false},
    {0, UI_KEY_ESC, "Esc", "Cancel", "close without saving (asks first when you changed a value)",
     .edits = false},
};

static const ui_binding *editor_bindings(ui_modal *m, size_t *count)
{
    (void)m;
    *count = sizeof EDIT_KEYS / sizeof EDIT_KEYS[0];
    return EDIT_KEYS;
}

bool ui_account_edit(ui_app *app, const char *name, char *saved_name, size_t saved_namesz)
{
    editor *ed = calloc(1, sizeof *ed);
    if (!ed)
        return false;
    mm_error err;
    mm_error_clear(&err);
    if (catalog_account_get(app->cat, name, &ed->acc, &err) != MM_OK) {
        ui_set_message(app, UI_EL_ERROR, "%s", err.message);
        free(ed);
        return false;
    }
    ed->app = app;
    ed->button_focus = -1;
    ed->provider = provider_find(ed->acc.provider);
    ui_form_init(&ed->form);
    if (ed->provider)
        account_form_add_credentials(&ed->form, ed->provider, &ed->acc);
    account_form_add_limits(&ed->form, &ed->acc);
    ed->modal = (ui_modal){.layout = editor_layout,
                           .draw = editor_draw,
                           .handle_key = editor_key,
                           .handle_mouse = editor_mouse,
                           .hide = editor_hide,
                           .bindings = editor_bindings,
                           .ctx = ed};
    ui_run_modal(app, &ed->modal);
    bool saved = ed->saved;
    if (saved)
        mm_copy(saved_name, saved_namesz, ed->acc.name);
    ui_form_free(&ed->form);
    ui_win_destroy(&ed->win);
    sodium_memzero(ed->key, sizeof ed->key);
    free(ed);
    return saved;
}
