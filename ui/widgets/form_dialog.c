/* The form dialog modal: layout of text, fields, refusal line and buttons for every size; keys
 * and mouse; calls the caller's submit on Save. */
#include "widgets/form_dialog.h"

#include <stdio.h>
#include <string.h>

#include "draw.h"

#define FORM_DIALOG_WIDTH 96

typedef struct form_dialog {
    ui_modal modal;
    const ui_form_dialog_spec *spec;
    ui_form *form;
    ui_win win;
    ui_lines intro;
    char other_error[MM_MESSAGE_MAX];
    ui_lines other_lines; /* other_error wrapped to the dialog's width */
    int button_y, button_x[2], button_w[2];
    bool saved;
} form_dialog;

static const ui_binding FORM_DIALOG_KEYS[] = {
    {0, '\t', "Tab", "Next", "next field (Shift-Tab or Up: previous)", .edits = false},
    {2, 0, "Enter", "Save", "next field; on the last field (or F2 anywhere): save", .edits = false},
    {0, UI_KEY_ESC, "Esc", "Cancel", "close without saving (asks first when you changed a value)",
     .edits = false},
};

static const ui_binding *form_dialog_bindings(ui_modal *m, size_t *count)
{
    (void)m;
    *count = sizeof FORM_DIALOG_KEYS / sizeof FORM_DIALOG_KEYS[0];
    return FORM_DIALOG_KEYS;
}

/* Rows the refusal takes: its wrapped lines and a blank line under them. */
static int error_rows(const form_dialog *d)
{
    return d->other_lines.count ? (int)d->other_lines.count + 1 : 0;
}

static void form_dialog_layout(ui_modal *m, ui_app *app)
{
    form_dialog *d = m->ctx;
    int w =
        ui_screen_cols(app) - 4 < FORM_DIALOG_WIDTH ? ui_screen_cols(app) - 4 : FORM_DIALOG_WIDTH;
    ui_lines_free(&d->intro);
    ui_wrap(d->spec->intro ? d->spec->intro : "", w - 4, &d->intro);
    ui_lines_free(&d->other_lines);
    if (d->other_error[0]) {
        char line[MM_MESSAGE_MAX + 16];
        snprintf(line, sizeof line, "%s %s", ui_glyph(app, UI_G_CROSS), d->other_error);
        ui_wrap(line, w - 4, &d->other_lines);
    }
    int intro_h = d->spec->intro ? (int)d->intro.count + 1 : 0;
    int fixed = 2 + 1 + intro_h + error_rows(d) + 3; /* border, gaps, buttons */
    int form_h = ui_form_height(d->form, UI_FORM_DENSE), rows = ui_screen_rows(app) - 2;
    if (fixed + ui_form_height(d->form, UI_FORM_ROOMY) <= rows)
        form_h = ui_form_height(d->form, UI_FORM_ROOMY);
    else if (fixed - intro_h + ui_form_height(d->form, UI_FORM_COMPACT) <= rows)
        form_h = ui_form_height(d->form, UI_FORM_COMPACT); /* the intro gives way first */
    int h = fixed + form_h;
    if (h > ui_screen_rows(app) - 2) { /* too little room: the intro gives way first */
        intro_h = 0;
        h = fixed - (d->spec->intro ? (int)d->intro.count + 1 : 0) + form_h;
    }
    ui_win_center(app, &d->win, h, w);
    int y, x;
    getbegyx(d->win.win, y, x);
    int avail = getmaxy(d->win.win) - (h - form_h);
    ui_form_place(d->form, app, y + 2 + intro_h, x + 2, getmaxx(d->win.win) - 4,
                  avail < 1 ? 1 : avail);
    d->button_y = getmaxy(d->win.win) - 2;
}

static void form_dialog_hide(ui_modal *m, ui_app *app, bool hidden)
{
    (void)app;
    form_dialog *d = m->ctx;
    ui_win_hide(&d->win, hidden);
    ui_form_hide(d->form, hidden);
}

static void draw_buttons(form_dialog *d, ui_app *app, WINDOW *win)
{
    const char *labels[2] = {d->spec->save_label ? d->spec->save_label : "Save", "Cancel"};
    int w = getmaxx(win);
    int x = w - 2;
    for (int i = 1; i >= 0; i--) {
        char text[64];
        snprintf(text, sizeof text, "[ %s ]", labels[i]);
        d->button_w[i] = mm_text_width(text);
        x -= d->button_w[i] + 1;
        d->button_x[i] = x;
        ui_draw_clip(app, win, d->button_y, x, w - x - 1,
                     i == 0 ? UI_EL_BUTTON_FOCUS : UI_EL_BUTTON, text);
    }
    ui_draw_clip(app, win, d->button_y, 2, x - 3, UI_EL_DIM, "Enter on the last field saves");
}

static void form_dialog_draw(ui_modal *m, ui_app *app)
{
    form_dialog *d = m->ctx;
    WINDOW *win = d->win.win;
    int h = getmaxy(win), w = getmaxx(win);
    ui_draw_frame(app, win, UI_EL_DIALOG, UI_EL_BORDER_FOCUS);
    char title[160];
    snprintf(title, sizeof title, " %s ", d->spec->title);
    ui_draw_clip(app, win, 0, 2, w - 4, UI_EL_DIALOG_TITLE, title);
    int form_top = d->form->win.win ? getbegy(d->form->win.win) - getbegy(win) : 2;
    for (size_t i = 0; i < d->intro.count && 2 + (int)i < form_top - 1; i++)
        ui_draw_text(app, win, 2 + (int)i, 2, w - 4, UI_EL_DIALOG, UI_ALIGN_LEFT,
                     d->intro.items[i]);
    int n = (int)d->other_lines.count;
    for (int i = 0; i < n; i++)
        if (h - 3 - n + i > 1)
            ui_draw_text(app, win, h - 3 - n + i, 2, w - 4, UI_EL_ERROR, UI_ALIGN_LEFT,
                         d->other_lines.items[i]);
    draw_buttons(d, app, win);
    ui_form_draw(d->form, app);
}

static int submit(form_dialog *d, ui_app *app)
{
    ui_form_clear_errors(d->form);
    d->other_error[0] = '\0';
    if (ui_form_check_all(d->form) &&
        d->spec->submit(app, d->form, d->spec->ctx, d->other_error, sizeof d->other_error)) {
        d->saved = true;
        d->modal.done = true;
        return UI_HANDLED;
    }
    ui_form_focus_first_error(d->form);
    form_dialog_layout(&d->modal, app); /* room for the refusal, or none */
    return UI_HANDLED | UI_REDRAW;
}

static int form_dialog_key(ui_modal *m, ui_app *app, int key)
{
    form_dialog *d = m->ctx;
    if (key == UI_KEY_ESC) {
        m->done = ui_form_may_discard(app, &d->form, 1, NULL);
        return UI_HANDLED | UI_REDRAW;
    }
    if (key == UI_FN(KEY_F(2)))
        return submit(d, app);
    if (d->spec->key_hook && (d->spec->key_hook(app, d->form, d->spec->ctx, key) & UI_HANDLED))
        return UI_HANDLED | UI_REDRAW;
    int r = ui_form_handle_key(d->form, app, key);
    if (r & UI_HANDLED)
        return r;
    if (key == '\n' || key == '\r' || key == UI_FN(KEY_ENTER))
        return submit(d, app);
    return UI_HANDLED; /* a dialog swallows the rest */
}

static int form_dialog_mouse(ui_modal *m, ui_app *app, const MEVENT *ev)
{
    form_dialog *d = m->ctx;
    if (ui_form_handle_mouse(d->form, ev) & UI_HANDLED)
        return UI_HANDLED | UI_REDRAW;
    int y = ev->y, x = ev->x;
    if (!wmouse_trafo(d->win.win, &y, &x, FALSE) || !(ev->bstate & UI_MOUSE_CLICK) ||
        y != d->button_y)
        return UI_HANDLED;
    if (x >= d->button_x[0] && x < d->button_x[0] + d->button_w[0])
        return submit(d, app);
    if (x >= d->button_x[1] && x < d->button_x[1] + d->button_w[1])
        m->done = ui_form_may_discard(app, &d->form, 1, NULL);
    return UI_HANDLED;
}

bool ui_form_dialog_run(ui_app *app, ui_form *f, const ui_form_dialog_spec *spec)
{
    form_dialog d;
    memset(&d, 0, sizeof d);
    d.spec = spec;
    d.form = f;
    d.modal = (ui_modal){.layout = form_dialog_layout,
                         .draw = form_dialog_draw,
                         .handle_key = form_dialog_key,
                         .handle_mouse = form_dialog_mouse,
                         .hide = form_dialog_hide,
                         .bindings = form_dialog_bindings,
                         .wants_cursor = true,
                         .ctx = &d};
    ui_run_modal(app, &d.modal);
    ui_form_unplace(f);
    ui_lines_free(&d.intro);
    ui_lines_free(&d.other_lines);
    ui_win_destroy(&d.win);
    return d.saved;
}

void ui_form_change_append(const ui_app *app, char *out, size_t outsz, const char *what,
                           const char *before, const char *after)
{
    if (!strcmp(before, after))
        return;
    size_t used = strlen(out);
    if (used < outsz)
        snprintf(out + used, outsz - used, "%s%s %s %s %s", used ? "; " : "", what,
                 before[0] ? before : "(none)", ui_glyph(app, UI_G_ARROW),
                 after[0] ? after : "(none)");
}

void ui_form_conflict_note(char *out, size_t outsz, const char *kind, const char *changes)
{
    snprintf(out, outsz,
             "Not saved: another session changed this %s since you opened it (%s). Your values "
             "are kept: Save again to apply them over that change, or Esc to keep theirs.",
             kind, changes[0] ? changes : "nothing you can edit here");
}
