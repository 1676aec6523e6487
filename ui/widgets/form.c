/* Forms: one panel window holding labels, fields (drawn from their code-point texts), help lines
 * and inline errors; values synced from the field texts and kept across re-placement. */
#include "form.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "util/text.h"
#include "widgets/dialog.h"

#define LABEL_MAX_WIDTH 22

void ui_form_init(ui_form *f)
{
    memset(f, 0, sizeof *f);
}

static int field_limit(const ui_form *f, size_t i)
{
    return f->defs[i].max_len > 0 ? f->defs[i].max_len : 256;
}

void ui_form_add(ui_form *f, const ui_field_def *def, const char *value)
{
    if (f->n >= UI_FORM_MAX_FIELDS)
        return;
    f->defs[f->n] = *def;
    f->help[f->n] = def->help ? strdup(def->help) : NULL;
    f->defs[f->n].help = f->help[f->n];
    f->values[f->n] = strdup(value ? value : "");
    f->initial[f->n] = strdup(value ? value : "");
    f->errors[f->n][0] = '\0';
    ui_field_text_init(&f->text[f->n], (size_t)field_limit(f, f->n));
    ui_field_text_set(&f->text[f->n], value);
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

/* Copies the field texts into values[], trailing blanks removed. */
static void sync_values(ui_form *f)
{
    for (size_t i = 0; i < f->n; i++) {
        char *copy = ui_field_text_utf8(&f->text[i]);
        if (!copy)
            continue;
        size_t len = strlen(copy);
        while (len > 0 && copy[len - 1] == ' ')
            copy[--len] = '\0';
        wipe_free(f->values[i]);
        f->values[i] = copy;
    }
}

void ui_form_free(ui_form *f)
{
    ui_win_destroy(&f->win);
    for (size_t i = 0; i < f->n; i++) {
        wipe_free(f->values[i]);
        wipe_free(f->initial[i]);
        free(f->help[i]);
        ui_field_text_free(&f->text[i]);
    }
    memset(f, 0, sizeof *f);
}

int ui_form_height(const ui_form *f, ui_form_spacing spacing)
{
    switch (spacing) {
    case UI_FORM_ROOMY:
        return (int)f->n * 3 - 1;
    case UI_FORM_COMPACT:
        return (int)f->n * 2;
    default:
        return (int)f->n + 2; /* dense: the current field's help on the two rows under them */
    }
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
    f->rows_per_field = h >= ui_form_height(f, UI_FORM_ROOMY)     ? 3
                        : h >= ui_form_height(f, UI_FORM_COMPACT) ? 2
                                                                  : 1;
    f->label_w = label_width(f);
    ui_win_place(&f->win, h, w, y, x);
    WINDOW *win = f->win.win;
    wbkgdset(win, (chtype)' ' | ui_theme_attr(ui_screen_theme(app), UI_EL_DIALOG) |
                      (chtype)COLOR_PAIR(ui_theme_pair(ui_screen_theme(app), UI_EL_DIALOG)));
    werase(win);
    f->field_x = f->label_w + 2;
    f->field_w = w - f->field_x - 1;
    if (f->field_w < 4)
        f->field_w = 4;
    f->placed = true;
    if (f->current >= 0 && (size_t)f->current < f->n)
        ui_field_text_end(&f->text[f->current]);
    if (f->hidden && f->win.panel)
        hide_panel(f->win.panel);
}

void ui_form_unplace(ui_form *f)
{
    sync_values(f);
    f->placed = false;
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

/* "12/63": what the current field holds (code points) and its limit, drawn while typing. */
static void limit_text(const ui_form *f, size_t i, char *out, size_t outsz)
{
    snprintf(out, outsz, "%zu/%d", f->text[i].len, field_limit(f, i));
}

/* Appends cp to a wide line as drawn: a format character as its escape "<U+202E>". */
static size_t draw_cp(uint32_t cp, wchar_t *line, size_t at)
{
    if (!mm_is_format_char(cp)) {
        line[at++] = (wchar_t)cp;
        return at;
    }
    char escape[MM_FORMAT_ESCAPE_MAX];
    mm_format_char_escape(cp, escape, sizeof escape);
    for (const char *p = escape; *p; p++)
        line[at++] = (wchar_t)*p;
    return at;
}

/* Draws field i's visible part (secret fields show nothing) and returns the cursor column. */
static int draw_field(ui_form *f, ui_app *app, size_t i, int row)
{
    WINDOW *win = f->win.win;
    ui_field_text *t = &f->text[i];
    attr_t look = ui_theme_attr(ui_screen_theme(app), UI_EL_FIELD);
    short pair = ui_theme_pair(ui_screen_theme(app), UI_EL_FIELD);
    wattr_set(win, look, pair, NULL);
    mvwhline(win, row, f->field_x, ' ', f->field_w);
    if (f->defs[i].secret) {
        wattr_set(win, A_NORMAL, 0, NULL);
        return 0;
    }
    ui_field_text_scroll_to_cursor(t, f->field_w);
    size_t room = (size_t)f->field_w * MM_FORMAT_ESCAPE_MAX + 1, n = 0;
    wchar_t *line = calloc(room, sizeof *line);
    int cols = 0;
    for (size_t k = t->scroll; line && k < t->len; k++) {
        int w = ui_field_text_cp_columns(t->cps[k]);
        if (cols + w > f->field_w)
            break;
        n = draw_cp(t->cps[k], line, n);
        cols += w;
    }
    if (line && n > 0)
        mvwaddnwstr(win, row, f->field_x, line, (int)n);
    free(line);
    wattr_set(win, A_NORMAL, 0, NULL);
    return ui_field_text_columns(t, t->scroll, t->cursor);
}

/* A word longer than this many bytes (an address, an id) is cut mid-word in a help line. */
#define LONG_WORD_BYTES 16

/* The help's wrapped lines from `from` on, joined into out for a line of width columns: when
 * they do not fit, cut after the last whole word that does, with an ellipsis (a long word left
 * out is cut mid-word instead). */
static void help_rest(const ui_app *app, const ui_lines *lines, size_t from, int width, char *out,
                      size_t outsz)
{
    out[0] = '\0';
    for (size_t k = from; k < lines->count; k++)
        snprintf(out + strlen(out), outsz - strlen(out), "%s%s", k > from ? " " : "",
                 lines->items[k]);
    if (mm_text_width(out) <= width || width < 2)
        return;
    ui_lines cut;
    ui_wrap(out, width - 1, &cut); /* a column for the ellipsis */
    /* the first word left out, when long (an address, an id), is cut where the line ends (the
     * draw's own ellipsis): its start says more than nothing */
    size_t kept = cut.count ? strlen(cut.items[0]) : 0;
    const char *next = out + kept + strspn(out + kept, " ");
    if (strcspn(next, " ") <= LONG_WORD_BYTES)
        snprintf(out, outsz, "%s%s", cut.count ? cut.items[0] : "", ui_glyph(app, UI_G_ELLIPSIS));
    ui_lines_free(&cut);
}

/* Field i's help line: its error, the length of a typed secret, or its help; *el how to draw it. */
static void help_line(const ui_form *f, const ui_app *app, size_t i, char *line, size_t size,
                      ui_element *el)
{
    *el = UI_EL_DIM;
    if (f->errors[i][0]) {
        snprintf(line, size, "%s %s", ui_glyph(app, UI_G_CROSS), f->errors[i]);
        *el = UI_EL_ERROR;
    } else if (f->defs[i].secret && f->values[i] && f->values[i][0]) {
        snprintf(line, size, "hidden: %zu characters typed", strlen(f->values[i]));
    } else {
        snprintf(line, size, "%s", f->defs[i].help ? f->defs[i].help : "");
    }
}

/* Field i's help on room rows from row on (the current field's limit at the right of the first);
 * the last row drawn says the rest, cut at a word. */
static void draw_help(ui_form *f, ui_app *app, WINDOW *win, size_t i, int row, int room)
{
    int w = getmaxx(win), field_x = f->field_x;
    char line[MM_MESSAGE_MAX + 64];
    ui_element help_el;
    help_line(f, app, i, line, sizeof line, &help_el);
    char limit[32] = "";
    if ((int)i == f->current)
        limit_text(f, i, limit, sizeof limit);
    int limit_w = limit[0] ? (int)strlen(limit) + 1 : 0;
    if (limit_w && w - field_x - limit_w >= 10)
        ui_draw_text(app, win, row, w - limit_w, limit_w, f->errors[i][0] ? UI_EL_ERROR : UI_EL_DIM,
                     UI_ALIGN_RIGHT, limit);
    else
        limit_w = 0;
    if (room > getmaxy(win) - row)
        room = getmaxy(win) - row;
    ui_lines lines;
    ui_wrap(line, w - field_x - limit_w, &lines);
    for (int l = 0; l < room; l++) {
        int width = w - field_x - (l ? 0 : limit_w);
        char rest[sizeof line] = "";
        if (l < room - 1)
            snprintf(rest, sizeof rest, "%s", (size_t)l < lines.count ? lines.items[l] : "");
        else
            help_rest(app, &lines, (size_t)l, width, rest, sizeof rest);
        ui_draw_text(app, win, row + l, field_x, width, help_el, UI_ALIGN_LEFT, rest);
    }
    ui_lines_free(&lines);
}

void ui_form_draw(ui_form *f, ui_app *app)
{
    if (!f->placed || !f->win.win || f->hidden)
        return;
    WINDOW *win = f->win.win;
    int cursor_col = 0;
    for (size_t i = 0; i < f->n; i++) {
        int row = (int)i * f->rows_per_field;
        int col = draw_field(f, app, i, row);
        if ((int)i == f->current)
            cursor_col = col;
        ui_element el = (int)i == f->current ? UI_EL_DIALOG_TITLE : UI_EL_DIALOG;
        ui_draw_text(app, win, row, 0, f->label_w + 1, el, UI_ALIGN_LEFT, f->defs[i].label);
        /* roomy spacing leaves a second line for a long message, and so does the last field when
         * the window has a row left under it; dense spacing (a row a field) says only the
         * current field's, under the last field */
        if (f->rows_per_field > 1)
            draw_help(f, app, win, i, row + 1, f->rows_per_field >= 3 || i + 1 == f->n ? 2 : 1);
    }
    if (f->rows_per_field == 1 && f->current >= 0 && (size_t)f->current < f->n)
        draw_help(f, app, win, (size_t)f->current, (int)f->n, 2);
    wmove(win, f->current * f->rows_per_field, f->field_x + cursor_col);
}

static bool is_backspace(int key)
{
    return key == UI_FN(KEY_BACKSPACE) || key == 127 || key == 8;
}

/* Cursor moves inside the current field; returns true if key was one. */
static bool move_key(ui_field_text *t, int key)
{
    if (key == UI_FN(KEY_LEFT))
        ui_field_text_left(t);
    else if (key == UI_FN(KEY_RIGHT))
        ui_field_text_right(t);
    else if (key == UI_FN(KEY_HOME))
        ui_field_text_home(t);
    else if (key == UI_FN(KEY_END) || key == UI_CTRL('e'))
        ui_field_text_end(t);
    else
        return false;
    return true;
}

/* Deletions inside the current field; returns true if key was one. */
static bool delete_key(ui_field_text *t, int key)
{
    if (is_backspace(key))
        ui_field_text_backspace(t);
    else if (key == UI_FN(KEY_DC))
        ui_field_text_delete(t);
    else if (key == UI_CTRL('u'))
        ui_field_text_clear(t);
    else if (key == UI_CTRL('k'))
        ui_field_text_kill_to_end(t);
    else
        return false;
    return true;
}

/* Edits inside the current field, by code point in typed order; returns true if key was one. */
static bool edit_key(ui_form *f, int key)
{
    ui_field_text *t = &f->text[f->current];
    if (move_key(t, key))
        return true;
    if (!delete_key(t, key)) {
        if (UI_IS_FN(key) || key < 32 || key == 127)
            return false;
        if (!ui_field_text_insert(t, (uint32_t)key)) {
            /* refused, and said: a field that drops the character silently misleads */
            snprintf(f->errors[f->current], sizeof f->errors[f->current],
                     "%s is full: at most %d characters", f->defs[f->current].label,
                     field_limit(f, (size_t)f->current));
            return true;
        }
    }
    f->touched = true;
    f->errors[f->current][0] = '\0';
    sync_values(f);
    return true;
}

bool ui_form_on_last_field(const ui_form *f)
{
    return f->n == 0 || (size_t)f->current + 1 >= f->n;
}

/* Runs field i's check: its message (which names the field) at the field. */
static bool check_field(ui_form *f, size_t i)
{
    if (!f->defs[i].check)
        return true;
    f->errors[i][0] = '\0';
    if (f->defs[i].check(&f->defs[i], f->values[i] ? f->values[i] : "", f->errors[i],
                         sizeof f->errors[i]))
        return true;
    if (!f->errors[i][0])
        snprintf(f->errors[i], sizeof f->errors[i], "%s: this value is refused", f->defs[i].label);
    return false;
}

/* Leaving the current field for field to (a key or a click): the left field is checked. */
static void form_leave_field(ui_form *f, int to)
{
    sync_values(f);
    if (to != f->current && f->current >= 0 && (size_t)f->current < f->n)
        check_field(f, (size_t)f->current);
    f->current = to;
}

static void form_move_field(ui_form *f, int step)
{
    form_leave_field(f, f->current + step);
    ui_field_text_end(&f->text[f->current]);
    sync_values(f);
}

int ui_form_handle_key(ui_form *f, ui_app *app, int key)
{
    (void)app;
    if (!f->placed || f->n == 0)
        return UI_IGNORED;
    bool first = f->current == 0, last = ui_form_on_last_field(f);
    switch (key) {
    case UI_KEY_PASTE:
        return ui_form_paste(f, app, ui_paste_text(app));
    case '\t':
    case UI_FN(KEY_DOWN):
    case '\n':
        if (last) { /* leaving for the buttons or the save: the field is checked */
            sync_values(f);
            check_field(f, (size_t)f->current);
            return UI_IGNORED;
        }
        form_move_field(f, 1);
        return UI_HANDLED | UI_REDRAW;
    case UI_FN(KEY_BTAB):
    case UI_FN(KEY_UP):
        if (first)
            return UI_IGNORED;
        form_move_field(f, -1);
        return UI_HANDLED | UI_REDRAW;
    default:
        return edit_key(f, key) ? UI_HANDLED | UI_REDRAW : UI_IGNORED;
    }
}

int ui_form_handle_mouse(ui_form *f, const MEVENT *ev)
{
    if (!f->placed || !f->win.win || f->rows_per_field == 0)
        return UI_IGNORED;
    int y = ev->y, x = ev->x;
    if (!wmouse_trafo(f->win.win, &y, &x, FALSE))
        return UI_IGNORED;
    size_t index = (size_t)(y / f->rows_per_field);
    if (index < f->n && (ev->bstate & UI_MOUSE_CLICK)) {
        form_leave_field(f, (int)index);
        ui_field_text_end(&f->text[index]);
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
    ui_field_text_set(&f->text[i], value);
    sync_values(f);
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
    ui_field_text_end(&f->text[i]);
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

bool ui_form_focus_first_error(ui_form *f)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->errors[i][0]) {
            f->current = (int)i;
            ui_field_text_end(&f->text[i]);
            return true;
        }
    return false;
}

bool ui_form_check_all(ui_form *f)
{
    sync_values(f);
    bool ok = true;
    for (size_t i = 0; i < f->n; i++)
        ok = check_field(f, i) && ok;
    if (!ok)
        ui_form_focus_first_error(f);
    return ok;
}

bool ui_form_changed(ui_form *f)
{
    sync_values(f);
    for (size_t i = 0; i < f->n; i++) {
        const char *was = f->initial[i] ? f->initial[i] : "";
        size_t len = strlen(was);
        while (len > 0 && was[len - 1] == ' ')
            len--;
        const char *now = f->values[i] ? f->values[i] : "";
        if (strlen(now) != len || strncmp(now, was, len) != 0)
            return true;
    }
    return false;
}

bool ui_form_may_discard(ui_app *app, ui_form *const *forms, size_t n, const char *title)
{
    bool changed = false;
    for (size_t i = 0; i < n && !changed; i++)
        changed = forms[i] && ui_form_changed(forms[i]);
    return !changed || ui_dialog_confirm(app, title ? title : "Discard changes?",
                                         "Nothing has been saved. Discard what you typed?",
                                         "Discard", "Keep editing", false);
}
