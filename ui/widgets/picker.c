/* The picker modal: a centered window with a text and a table; Enter or a click on a row
 * chooses it, Esc cancels, the table's own keys (movement, filter, sort) work inside. */
#include "widgets/picker.h"

#include <stdio.h>
#include <string.h>

#include "draw.h"

#define PICKER_WIDTH 86

typedef struct picker {
    ui_modal modal;
    const char *title;
    const char *intro;
    ui_table *table;
    ui_win win;
    ui_lines lines;
    bool chosen;
} picker;

static const ui_binding PICKER_KEYS[] = {
    {0, '\n', "Enter", "Choose", "choose the selected row", .edits = false},
    {3, '/', "/", "Filter", "filter the list", .edits = false},
    {0, UI_KEY_ESC, "Esc", "Cancel", "close without choosing", .edits = false},
};

static const ui_binding *picker_bindings(ui_modal *m, size_t *count)
{
    (void)m;
    *count = sizeof PICKER_KEYS / sizeof PICKER_KEYS[0];
    return PICKER_KEYS;
}

static int intro_rows(const picker *p)
{
    return p->lines.count ? (int)p->lines.count + 1 : 0;
}

static void picker_layout(ui_modal *m, ui_app *app)
{
    picker *p = m->ctx;
    int w = ui_screen_cols(app) - 4 < PICKER_WIDTH ? ui_screen_cols(app) - 4 : PICKER_WIDTH;
    ui_lines_free(&p->lines);
    if (p->intro)
        ui_wrap(p->intro, w - 4, &p->lines);
    int rows = (int)p->table->nrows < 4 ? 4 : (int)p->table->nrows;
    ui_win_center(app, &p->win, 2 + 1 + intro_rows(p) + rows + 2 + 1, w);
}

static void picker_hide(ui_modal *m, ui_app *app, bool hidden)
{
    (void)app;
    picker *p = m->ctx;
    ui_win_hide(&p->win, hidden);
}

static ui_rect table_rect(const picker *p)
{
    int h = getmaxy(p->win.win), w = getmaxx(p->win.win);
    int top = 2 + intro_rows(p);
    return (ui_rect){top, 2, h - top - 1, w - 4};
}

static void picker_draw(ui_modal *m, ui_app *app)
{
    picker *p = m->ctx;
    WINDOW *win = p->win.win;
    int w = getmaxx(win);
    ui_draw_frame(app, win, UI_EL_DIALOG, UI_EL_BORDER_FOCUS);
    char title[160];
    snprintf(title, sizeof title, " %s ", p->title);
    ui_draw_clip(app, win, 0, 2, w - 4, UI_EL_DIALOG_TITLE, title);
    ui_rect area = table_rect(p);
    for (size_t i = 0; i < p->lines.count && 2 + (int)i < area.y - 1; i++)
        ui_draw_text(app, win, 2 + (int)i, 2, w - 4, UI_EL_DIALOG, UI_ALIGN_LEFT,
                     p->lines.items[i]);
    ui_table_draw(p->table, app, win, area, true);
}

static int choose(picker *p)
{
    if (!ui_table_selected_key(p->table))
        return UI_HANDLED;
    p->chosen = true;
    p->modal.done = true;
    return UI_HANDLED;
}

static int picker_key(ui_modal *m, ui_app *app, int key)
{
    (void)app;
    picker *p = m->ctx;
    int r = ui_table_handle_key(p->table, key);
    if (r & UI_HANDLED)
        return r;
    if (key == UI_KEY_ESC) {
        m->done = true;
        return UI_HANDLED;
    }
    if (key == '\n' || key == '\r' || key == UI_FN(KEY_ENTER))
        return choose(p);
    return UI_HANDLED;
}

static int picker_mouse(ui_modal *m, ui_app *app, const MEVENT *ev)
{
    (void)app;
    picker *p = m->ctx;
    int y = ev->y, x = ev->x;
    if (!wmouse_trafo(p->win.win, &y, &x, FALSE))
        return UI_HANDLED;
    ui_rect area = table_rect(p);
    size_t before = p->table->sel;
    int r = ui_table_handle_mouse(p->table, y - area.y, x - area.x, ev->bstate);
    bool on_row = y > area.y && y < area.y + area.h - 1;
    if (on_row && (ev->bstate & BUTTON1_CLICKED) && p->table->sel == before)
        return choose(p); /* a click on the selected row chooses it */
    return r | UI_HANDLED;
}

bool ui_picker_run(ui_app *app, const char *title, const char *intro, ui_table *table, char *chosen,
                   size_t chosensz)
{
    picker p;
    memset(&p, 0, sizeof p);
    p.title = title;
    p.intro = intro;
    p.table = table;
    p.modal = (ui_modal){.layout = picker_layout,
                         .draw = picker_draw,
                         .handle_key = picker_key,
                         .handle_mouse = picker_mouse,
                         .hide = picker_hide,
                         .bindings = picker_bindings,
                         .ctx = &p};
    ui_run_modal(app, &p.modal);
    ui_lines_free(&p.lines);
    ui_win_destroy(&p.win);
    if (p.chosen)
        snprintf(chosen, chosensz, "%s", ui_table_selected_key(table));
    return p.chosen;
}
