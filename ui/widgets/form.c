/* Forms on the ncurses form library: one panel window holding labels, fields, help lines and
 * inline errors; values synced from the field buffers and kept across re-placement. */
#include "form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "util/text.h"

#define LABEL_MAX_WIDTH 22

void ui_form_init(ui_form *f)
{
    memset(f, 0, sizeof *f);
}

void ui_form_add(ui_form *f, const ui_field_def *def, const char *value)
{
    if (f->n >= UI_FORM_MAX_FIELDS)
        return;
    f->defs[f->n] = *def;
    f->help[f->n] = def->help ? strdup(def->help) : NULL;
    f->defs[f->n].help = f->help[f->n];
    f->values[f->n] = strdup(value ? value : "");
    f->errors[f->n][0] = '\0';
    f->n++;
}

static void wipe_free(char *s)
{
    if (!s)
        return;
    volatile char *p = s;
    while (*p)
        *p++ = '\0';
    free(s);
}

static void release_form(ui_form *f)
{
    if (f->form) {
        unpost_form(f->form);
        free_form(f->form);
        f->form = NULL;
    }
    for (size_t i = 0; i < f->n; i++) {
        if (f->fields[i]) {
            /* the field buffer may hold a key: blank it before the library frees it */
            if (f->defs[i].secret)
                set_field_buffer(f->fields[i], 0, "");
            free_field(f->fields[i]);
            f->fields[i] = NULL;
        }
    }
}

/* Copies the field buffers into values[]. */
static void sync_values(ui_form *f)
{
    if (!f->form)
        return;
    form_driver(f->form, REQ_VALIDATION);
    for (size_t i = 0; i < f->n; i++) {
        const char *buf = field_buffer(f->fields[i], 0);
        if (!buf)
            continue;
        size_t len = strlen(buf);
        while (len > 0 && buf[len - 1] == ' ')
            len--;
        char *copy = malloc(len + 1);
        if (!copy)
            continue;
        memcpy(copy, buf, len);
        copy[len] = '\0';
        wipe_free(f->values[i]);
        f->values[i] = copy;
    }
    FIELD *cur = current_field(f->form);
    if (cur)
        f->current = field_index(cur);
}

void ui_form_free(ui_form *f)
{
    release_form(f);
    ui_win_destroy(&f->win);
    for (size_t i = 0; i < f->n; i++) {
        wipe_free(f->values[i]);
        free(f->help[i]);
    }
    memset(f, 0, sizeof *f);
}

int ui_form_height(const ui_form *f, bool compact)
{
    return (int)f->n * (compact ? 2 : 3) - (compact ? 0 : 1);
}

static int label_width(const ui_form *f)
{
    int w = 0;
    for (size_t i = 0; i < f->n; i++) {
        int lw = mm_text_width(f->defs[i].label);
        if (lw > w)
            w = lw;
    }
    return w > LABEL_MAX_WIDTH ? LABEL_MAX_WIDTH : w;
}

void ui_form_place(ui_form *f, ui_app *app, int y, int x, int w, int h)
{
    sync_values(f);
    release_form(f);
    f->rows_per_field = h >= ui_form_height(f, false) ? 3 : 2;
    f->label_w = label_width(f);
    ui_win_place(&f->win, h, w, y, x);
    WINDOW *win = f->win.win;
    wbkgdset(win, (chtype)' ' | ui_theme_attr(ui_screen_theme(app), UI_EL_DIALOG) |
                      (chtype)COLOR_PAIR(ui_theme_pair(ui_screen_theme(app), UI_EL_DIALOG)));
    werase(win);
    int field_x = f->label_w + 2;
    int field_w = w - field_x - 1;
    if (field_w < 4)
        field_w = 4;
    attr_t look = ui_theme_attr(ui_screen_theme(app), UI_EL_FIELD) |
                  (attr_t)COLOR_PAIR(ui_theme_pair(ui_screen_theme(app), UI_EL_FIELD));
    for (size_t i = 0; i < f->n; i++) {
        FIELD *field = new_field(1, field_w, (int)i * f->rows_per_field, field_x, 0, 0);
        if (!field)
            continue;
        field_opts_off(field, O_AUTOSKIP | O_STATIC | O_BLANK);
        if (f->defs[i].secret)
            field_opts_off(field, O_PUBLIC);
        set_max_field(field, f->defs[i].max_len > 0 ? f->defs[i].max_len : 256);
        set_field_back(field, look);
        set_field_fore(field, look);
        set_field_buffer(field, 0, f->values[i]);
        f->fields[i] = field;
    }
    f->fields[f->n] = NULL;
    f->form = new_form(f->fields);
    if (!f->form)
        return;
    set_form_win(f->form, win);
    set_form_sub(f->form, win);
    post_form(f->form);
    if (f->current >= 0 && (size_t)f->current < f->n)
        set_current_field(f->form, f->fields[f->current]);
    form_driver(f->form, REQ_END_LINE);
    if (f->hidden && f->win.panel)
        hide_panel(f->win.panel);
}

void ui_form_unplace(ui_form *f)
{
    sync_values(f);
    release_form(f);
    ui_win_destroy(&f->win);
}

void ui_form_hide(ui_form *f, bool hidden)
{
    f->hidden = hidden;
    if (!f->win.panel)
        return;
    if (hidden)
        hide_panel(f->win.panel);
    else
        show_panel(f->win.panel);
}

/* Characters (not bytes) in a UTF-8 value. */
static size_t char_count(const char *text)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)text; p && *p; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

static int field_limit(const ui_form *f, size_t i)
{
    return f->defs[i].max_len > 0 ? f->defs[i].max_len : 256;
}

/* "12/63": what the current field holds and its limit, drawn while typing. */
static void limit_text(const ui_form *f, size_t i, char *out, size_t outsz)
{
    snprintf(out, outsz, "%zu/%d", char_count(f->values[i]), field_limit(f, i));
}

void ui_form_draw(ui_form *f, ui_app *app)
{
    if (!f->form || f->hidden)
        return;
    WINDOW *win = f->win.win;
    int w = getmaxx(win);
    int field_x = f->label_w + 2;
    for (size_t i = 0; i < f->n; i++) {
        int row = (int)i * f->rows_per_field;
        ui_element el = (int)i == f->current ? UI_EL_DIALOG_TITLE : UI_EL_DIALOG;
        ui_draw_text(app, win, row, 0, f->label_w + 1, el, UI_ALIGN_LEFT, f->defs[i].label);
        char line[MM_MESSAGE_MAX + 64];
        ui_element help_el = UI_EL_DIM;
        if (f->errors[i][0]) {
            snprintf(line, sizeof line, "%s %s", ui_glyph(app, UI_G_CROSS), f->errors[i]);
            help_el = UI_EL_ERROR;
        } else if (f->defs[i].secret && f->values[i] && f->values[i][0]) {
            snprintf(line, sizeof line, "hidden: %zu characters typed", strlen(f->values[i]));
        } else {
            snprintf(line, sizeof line, "%s", f->defs[i].help ? f->defs[i].help : "");
        }
        /* the current field says its limit at the right of its help line */
        char limit[32] = "";
        if ((int)i == f->current)
            limit_text(f, i, limit, sizeof limit);
        int limit_w = limit[0] ? (int)strlen(limit) + 1 : 0;
        if (limit_w && w - field_x - limit_w >= 10)
            ui_draw_text(app, win, row + 1, w - limit_w, limit_w,
                         f->errors[i][0] ? UI_EL_ERROR : UI_EL_DIM, UI_ALIGN_RIGHT, limit);
        else
            limit_w = 0;
        /* roomy spacing leaves a second line for a long message; the rest is clipped */
        int room = f->rows_per_field >= 3 ? 2 : 1;
        ui_lines lines;
        ui_wrap(line, w - field_x - limit_w, &lines);
        for (int l = 0; l < room; l++) {
            char rest[sizeof line] = "";
            for (size_t k = (size_t)l; k < lines.count && (k == (size_t)l || l == room - 1); k++)
                snprintf(rest + strlen(rest), sizeof rest - strlen(rest), "%s%s",
                         k > (size_t)l ? " " : "", lines.items[k]);
            ui_draw_text(app, win, row + 1 + l, field_x, w - field_x - (l ? 0 : limit_w), help_el,
                         UI_ALIGN_LEFT, rest);
        }
        ui_lines_free(&lines);
    }
    pos_form_cursor(f->form);
}

static bool is_backspace(int key)
{
    return key == UI_FN(KEY_BACKSPACE) || key == 127 || key == 8;
}

/* Edits inside the current field; returns true if key was one. */
static bool edit_key(ui_form *f, int key)
{
    int req = 0;
    if (is_backspace(key))
        req = REQ_DEL_PREV;
    else if (key == UI_FN(KEY_DC))
        req = REQ_DEL_CHAR;
    else if (key == UI_FN(KEY_LEFT))
        req = REQ_PREV_CHAR;
    else if (key == UI_FN(KEY_RIGHT))
        req = REQ_NEXT_CHAR;
    else if (key == UI_FN(KEY_HOME))
        req = REQ_BEG_LINE;
    else if (key == UI_FN(KEY_END) || key == UI_CTRL('e'))
        req = REQ_END_LINE;
    else if (key == UI_CTRL('u'))
        req = REQ_CLR_FIELD;
    else if (key == UI_CTRL('k'))
        req = REQ_CLR_EOL;
    if (req) {
        form_driver(f->form, req);
    } else if (!UI_IS_FN(key) && key >= 32 && key != 127) {
        sync_values(f);
        int limit = field_limit(f, (size_t)f->current);
        if (char_count(f->values[f->current]) >= (size_t)limit) {
            /* refused, and said: the form library would drop the character silently */
            snprintf(f->errors[f->current], sizeof f->errors[f->current],
                     "%s is full: at most %d characters", f->defs[f->current].label, limit);
            return true;
        }
        form_driver_w(f->form, OK, (wchar_t)key);
    } else {
        return false;
    }
    if (req != REQ_PREV_CHAR && req != REQ_NEXT_CHAR && req != REQ_BEG_LINE &&
        req != REQ_END_LINE) {
        f->touched = true;
        f->errors[f->current][0] = '\0';
    }
    sync_values(f);
    return true;
}

bool ui_form_on_last_field(const ui_form *f)
{
    return f->n == 0 || (size_t)f->current + 1 >= f->n;
}

static void form_move_field(ui_form *f, int request)
{
    form_driver(f->form, request);
    form_driver(f->form, REQ_END_LINE);
    sync_values(f);
}

int ui_form_handle_key(ui_form *f, ui_app *app, int key)
{
    (void)app;
    if (!f->form)
        return UI_IGNORED;
    bool first = f->current == 0, last = ui_form_on_last_field(f);
    switch (key) {
    case UI_KEY_PASTE:
        return ui_form_paste(f, app, ui_paste_text(app));
    case '\t':
    case UI_FN(KEY_DOWN):
    case '\n':
        if (last)
            return UI_IGNORED;
        form_move_field(f, REQ_NEXT_FIELD);
        return UI_HANDLED | UI_REDRAW;
    case UI_FN(KEY_BTAB):
    case UI_FN(KEY_UP):
        if (first)
            return UI_IGNORED;
        form_move_field(f, REQ_PREV_FIELD);
        return UI_HANDLED | UI_REDRAW;
    default:
        return edit_key(f, key) ? UI_HANDLED | UI_REDRAW : UI_IGNORED;
    }
}

int ui_form_handle_mouse(ui_form *f, const MEVENT *ev)
{
    if (!f->form || !f->win.win || f->rows_per_field == 0)
        return UI_IGNORED;
    int y = ev->y, x = ev->x;
    if (!wmouse_trafo(f->win.win, &y, &x, FALSE))
        return UI_IGNORED;
    size_t index = (size_t)(y / f->rows_per_field);
    if (index < f->n && (ev->bstate & UI_MOUSE_CLICK)) {
        set_current_field(f->form, f->fields[index]);
        form_driver(f->form, REQ_END_LINE);
        sync_values(f);
    }
    return UI_HANDLED | UI_REDRAW;
}

static int field_index_of(const ui_form *f, const char *name)
{
    for (size_t i = 0; i < f->n; i++)
        if (name && strcmp(f->defs[i].name, name) == 0)
            return (int)i;
    return -1;
}

const char *ui_form_value(ui_form *f, const char *name)
{
    sync_values(f);
    int i = field_index_of(f, name);
    return i >= 0 && f->values[i] ? f->values[i] : "";
}

void ui_form_set_value(ui_form *f, const char *name, const char *value)
{
    int i = field_index_of(f, name);
    if (i < 0)
        return;
    sync_values(f);
    wipe_free(f->values[i]);
    f->values[i] = strdup(value ? value : "");
    if (f->fields[i])
        set_field_buffer(f->fields[i], 0, f->values[i]);
}

bool ui_form_set_error(ui_form *f, const char *name, const char *message)
{
    int i = field_index_of(f, name);
    if (i < 0)
        return false;
    snprintf(f->errors[i], sizeof f->errors[i], "%s", message);
    return true;
}

void ui_form_clear_errors(ui_form *f)
{
    for (size_t i = 0; i < f->n; i++)
        f->errors[i][0] = '\0';
}

bool ui_form_has_errors(const ui_form *f)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->errors[i][0])
            return true;
    return false;
}

void ui_form_focus(ui_form *f, const char *name)
{
    int i = field_index_of(f, name);
    if (i < 0)
        return;
    f->current = i;
    if (f->form) {
        set_current_field(f->form, f->fields[i]);
        form_driver(f->form, REQ_END_LINE);
    }
}

bool ui_form_copy_value(ui_form *f, const char *name, char *out, size_t outsz)
{
    if (mm_copy(out, outsz, ui_form_value(f, name)))
        return true;
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->defs[i].name, name) == 0) {
            char text[MM_MESSAGE_MAX];
            snprintf(text, sizeof text, "%s is too long: at most %zu characters", f->defs[i].label,
                     outsz - 1);
            ui_form_set_error(f, name, text);
            ui_form_focus(f, name);
        }
    return false;
}
