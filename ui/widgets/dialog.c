/* The dialog modal: wrapped text with scrolling, up to two buttons, an optional one-field form;
 * keys, mouse and layout for every size. */
#include "widgets/dialog.h"

#include <stdio.h>
#include <string.h>

#include "draw.h"
#include "widgets/form.h"

typedef enum dialog_kind { DLG_MESSAGE, DLG_ERROR, DLG_CONFIRM, DLG_TEXT, DLG_PROMPT } dialog_kind;

typedef struct dialog {
    ui_modal modal;
    dialog_kind kind;
    ui_win win;
    const char *title;
    const char *text;
    ui_lines lines;
    int scroll, body_h;
    const char *buttons[2];
    int n_buttons;
    int focus;  /* button index, or -1 while the prompt's field has the focus */
    int result; /* chosen button, -1 = cancelled */
    int button_x[2], button_w[2], button_y;
    ui_form form;
    bool has_form;
} dialog;

static const ui_binding MESSAGE_KEYS[] = {
    {0, '\n', "Enter", "OK", "close", .edits = false},
    {0, 0, "Esc", "Close", "close", .edits = false},
    {0, 0, "↑↓", "Scroll", "scroll long text", .edits = false},
};
static const ui_binding CONFIRM_KEYS[] = {
    {0, 'y', "y", "Yes", "yes", .edits = false},
    {0, 'n', "n", "No", "no", .edits = false},
    {0, 0, "Tab", "Switch", "switch button", .edits = false},
    {0, '\n', "Enter", "Choose", "press the focused button", .edits = false},
    {0, 0, "Esc", "Cancel", "cancel (same as no)", .edits = false},
};
static const ui_binding PROMPT_KEYS[] = {
    {0, '\n', "Enter", "OK", "accept", .edits = false},
    {0, 0, "Esc", "Cancel", "cancel", .edits = false},
    {0, 0, "Tab", "Buttons", "move between the field and the buttons", .edits = false},
};

static const ui_binding *dialog_bindings(ui_modal *m, size_t *count)
{
    dialog *d = m->ctx;
    if (d->kind == DLG_CONFIRM) {
        *count = sizeof CONFIRM_KEYS / sizeof CONFIRM_KEYS[0];
        return CONFIRM_KEYS;
    }
    if (d->kind == DLG_PROMPT) {
        *count = sizeof PROMPT_KEYS / sizeof PROMPT_KEYS[0];
        return PROMPT_KEYS;
    }
    *count = sizeof MESSAGE_KEYS / sizeof MESSAGE_KEYS[0];
    return MESSAGE_KEYS;
}

static int wanted_width(const dialog *d, const ui_app *app)
{
    if (d->kind == DLG_TEXT)
        return ui_screen_cols(app) - 8;
    int longest = mm_text_width(d->title) + 8;
    const char *p = d->text;
    while (p && *p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char line[512];
        snprintf(line, sizeof line, "%.*s", (int)len, p);
        int w = mm_text_width(line) + 4;
        if (w > longest)
            longest = w;
        p = nl ? nl + 1 : NULL;
    }
    int min = d->kind == DLG_PROMPT ? 64 : 44;
    if (longest < min)
        longest = min;
    return longest > 76 ? 76 : longest;
}

static void dialog_layout(ui_modal *m, ui_app *app)
{
    dialog *d = m->ctx;
    int w = wanted_width(d, app);
    if (w > ui_screen_cols(app) - 4)
        w = ui_screen_cols(app) - 4;
    ui_lines_free(&d->lines);
    ui_wrap(d->text, w - 4, &d->lines);
    int form_h = d->has_form ? 2 : 0;
    int h = (int)d->lines.count + 4 + form_h + (d->n_buttons ? 2 : 0);
    if (d->kind == DLG_TEXT)
        h = ui_screen_rows(app) - 4;
    ui_win_center(app, &d->win, h, w);
    int wh = getmaxy(d->win.win);
    d->body_h = wh - 2 - form_h - (d->n_buttons ? 2 : 0) - 1;
    if (d->body_h < 1)
        d->body_h = 1;
    if (d->has_form) {
        int y, x;
        getbegyx(d->win.win, y, x);
        ui_form_place(&d->form, app, y + 2 + d->body_h, x + 2, w - 4, 2);
    }
}

static void dialog_hide(ui_modal *m, ui_app *app, bool hidden)
{
    (void)app;
    dialog *d = m->ctx;
    ui_win_hide(&d->win, hidden);
    if (d->has_form)
        ui_form_hide(&d->form, hidden);
}

static void draw_buttons(dialog *d, ui_app *app, WINDOW *win, int w)
{
    int total = 0;
    for (int i = 0; i < d->n_buttons; i++)
        total += mm_text_width(d->buttons[i]) + 4 + 2;
    int x = (w - total) / 2;
    d->button_y = getmaxy(win) - 2;
    for (int i = 0; i < d->n_buttons; i++) {
        char label[64];
        snprintf(label, sizeof label, "[ %s ]", d->buttons[i]);
        d->button_x[i] = x;
        d->button_w[i] = mm_text_width(label);
        ui_draw_clip(app, win, d->button_y, x, w - x - 1,
                     i == d->focus ? UI_EL_BUTTON_FOCUS : UI_EL_BUTTON, label);
        x += d->button_w[i] + 2;
    }
}

static void dialog_draw(ui_modal *m, ui_app *app)
{
    dialog *d = m->ctx;
    WINDOW *win = d->win.win;
    int w = getmaxx(win);
    ui_draw_frame(app, win, UI_EL_DIALOG, d->kind == DLG_ERROR ? UI_EL_ERROR : UI_EL_BORDER_FOCUS);
    char title[160];
    snprintf(title, sizeof title, " %s ", d->title);
    ui_draw_clip(app, win, 0, 2, w - 4, d->kind == DLG_ERROR ? UI_EL_ERROR : UI_EL_DIALOG_TITLE,
                 title);
    int max_scroll = (int)d->lines.count - d->body_h;
    if (d->scroll > max_scroll)
        d->scroll = max_scroll > 0 ? max_scroll : 0;
    for (int i = 0; i < d->body_h && (size_t)(d->scroll + i) < d->lines.count; i++)
        ui_draw_text(app, win, 2 + i, 2, w - 4, UI_EL_DIALOG, UI_ALIGN_LEFT,
                     d->lines.items[d->scroll + i]);
    if ((int)d->lines.count > d->body_h) {
        char more[64];
        snprintf(more, sizeof more, " %d-%d of %zu  %s%s ", d->scroll + 1,
                 d->scroll + d->body_h < (int)d->lines.count ? d->scroll + d->body_h
                                                             : (int)d->lines.count,
                 d->lines.count, ui_glyph(app, UI_G_UP), ui_glyph(app, UI_G_DOWN));
        ui_draw_clip(app, win, getmaxy(win) - 1, w - 2 - mm_text_width(more), w, UI_EL_DIALOG_TITLE,
                     more);
    }
    draw_buttons(d, app, win, w);
    m->wants_cursor = d->has_form && d->focus < 0;
    if (d->has_form)
        ui_form_draw(&d->form, app);
}

static void finish(dialog *d, int result)
{
    d->result = result;
    d->modal.done = true;
}

int ui_scroll_key(int key, int *scroll, int view_h, int n_lines)
{
    int page = view_h > 1 ? view_h - 1 : 1;
    switch (key) {
    case UI_FN(KEY_UP):
    case 'k':
        (*scroll)--;
        break;
    case UI_FN(KEY_DOWN):
    case 'j':
        (*scroll)++;
        break;
    case UI_FN(KEY_PPAGE):
        *scroll -= page;
        break;
    case UI_FN(KEY_NPAGE):
    case ' ':
        *scroll += page;
        break;
    case UI_FN(KEY_HOME):
    case 'g':
        *scroll = 0;
        break;
    case UI_FN(KEY_END):
    case 'G':
        *scroll = n_lines;
        break;
    default:
        return UI_IGNORED;
    }
    if (*scroll < 0)
        *scroll = 0;
    return UI_HANDLED | UI_REDRAW;
}

static int scroll_key(dialog *d, int key)
{
    return ui_scroll_key(key, &d->scroll, d->body_h, (int)d->lines.count);
}

static int prompt_key(dialog *d, ui_app *app, int key)
{
    if (d->focus < 0) {
        int r = ui_form_handle_key(&d->form, app, key);
        if (r & UI_HANDLED)
            return r;
        if (key == '\n') {
            finish(d, 0);
            return UI_HANDLED;
        }
        if (key == '\t') {
            d->focus = 0;
            return UI_HANDLED | UI_REDRAW;
        }
        return UI_IGNORED;
    }
    if (key == '\t') {
        d->focus = d->focus + 1 < d->n_buttons ? d->focus + 1 : -1;
        return UI_HANDLED | UI_REDRAW;
    }
    return UI_IGNORED;
}

static int dialog_key(ui_modal *m, ui_app *app, int key)
{
    dialog *d = m->ctx;
    if (key == UI_KEY_ESC) {
        finish(d, -1);
        return UI_HANDLED;
    }
    if (d->kind == DLG_PROMPT) {
        int r = prompt_key(d, app, key);
        if (r != UI_IGNORED)
            return r;
    }
    if (d->kind == DLG_CONFIRM) {
        if (key == 'y' || key == 'Y') {
            finish(d, 0);
            return UI_HANDLED;
        }
        if (key == 'n' || key == 'N') {
            finish(d, 1);
            return UI_HANDLED;
        }
    }
    if (d->n_buttons > 1 && (key == '\t' || key == UI_FN(KEY_LEFT) || key == UI_FN(KEY_RIGHT) ||
                             key == 'h' || key == 'l')) {
        d->focus = (d->focus + 1) % d->n_buttons;
        return UI_HANDLED | UI_REDRAW;
    }
    if (key == '\n') {
        finish(d, d->focus < 0 ? 0 : d->focus);
        return UI_HANDLED;
    }
    if (key == 'q' && d->kind != DLG_CONFIRM && d->kind != DLG_PROMPT) {
        finish(d, -1);
        return UI_HANDLED;
    }
    return scroll_key(d, key);
}

static int dialog_mouse(ui_modal *m, ui_app *app, const MEVENT *ev)
{
    (void)app;
    dialog *d = m->ctx;
    if (ev->bstate & BUTTON4_PRESSED)
        return scroll_key(d, UI_FN(KEY_UP));
    if (ev->bstate & BUTTON5_PRESSED)
        return scroll_key(d, UI_FN(KEY_DOWN));
    if (d->has_form && (ui_form_handle_mouse(&d->form, ev) & UI_HANDLED)) {
        d->focus = -1;
        return UI_HANDLED | UI_REDRAW;
    }
    int y = ev->y, x = ev->x;
    if (!wmouse_trafo(d->win.win, &y, &x, FALSE))
        return UI_HANDLED;
    if (y == d->button_y && (ev->bstate & UI_MOUSE_CLICK))
        for (int i = 0; i < d->n_buttons; i++)
            if (x >= d->button_x[i] && x < d->button_x[i] + d->button_w[i])
                finish(d, i);
    return UI_HANDLED;
}

static int run_dialog(ui_app *app, dialog *d)
{
    d->modal = (ui_modal){.layout = dialog_layout,
                          .draw = dialog_draw,
                          .handle_key = dialog_key,
                          .handle_mouse = dialog_mouse,
                          .hide = dialog_hide,
                          .bindings = dialog_bindings,
                          .ctx = d};
    d->result = -1;
    ui_run_modal(app, &d->modal);
    ui_lines_free(&d->lines);
    if (d->has_form)
        ui_form_unplace(&d->form);
    ui_win_destroy(&d->win);
    return d->result;
}

static void simple(ui_app *app, dialog_kind kind, const char *title, const char *text)
{
    dialog d = {.kind = kind, .title = title, .text = text, .n_buttons = 1, .buttons = {"OK"}};
    run_dialog(app, &d);
}

void ui_dialog_message(ui_app *app, const char *title, const char *text)
{
    simple(app, DLG_MESSAGE, title, text);
}

void ui_dialog_error(ui_app *app, const char *title, const char *text)
{
    simple(app, DLG_ERROR, title, text);
}

void ui_dialog_text(ui_app *app, const char *title, const char *text)
{
    simple(app, DLG_TEXT, title, text);
}

bool ui_dialog_confirm(ui_app *app, const char *title, const char *text, const char *yes_label,
                       const char *no_label, bool default_yes)
{
    dialog d = {.kind = DLG_CONFIRM,
                .title = title,
                .text = text,
                .n_buttons = 2,
                .buttons = {yes_label, no_label},
                .focus = default_yes ? 0 : 1};
    return run_dialog(app, &d) == 0;
}

bool ui_dialog_prompt(ui_app *app, const char *title, const char *text, const char *label,
                      char *buf, size_t bufsz)
{
    dialog d = {.kind = DLG_PROMPT,
                .title = title,
                .text = text,
                .n_buttons = 2,
                .buttons = {"OK", "Cancel"},
                .focus = -1,
                .has_form = true};
    ui_form_init(&d.form);
    ui_field_def def = {.name = "value", .label = label, .max_len = (int)bufsz - 1};
    ui_form_add(&d.form, &def, buf);
    int result = run_dialog(app, &d);
    bool ok = result == 0;
    if (ok)
        snprintf(buf, bufsz, "%s", ui_form_value(&d.form, "value"));
    ui_form_free(&d.form);
    return ok;
}
