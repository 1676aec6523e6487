/* What the list pages (a table over one catalog list: Audit Log, Alerts) share: making the page
 * around its state (whose first member is its ui_table), the keys they answer first, the mouse,
 * the work between keys, and freeing it. */
#include <stdlib.h>

#include "page.h"
#include "widgets/table.h"

ui_page *ui_list_page_new(const ui_page_ops *ops, const char *id, const char *title,
                          size_t state_size, const ui_list_page_table *spec)
{
    ui_table *table = calloc(1, state_size > sizeof *table ? state_size : sizeof *table);
    if (!table)
        return NULL;
    ui_table_init(table, spec->cols, spec->ncols, spec->noun, spec->empty_text);
    if (spec->keep)
        ui_table_set_keep(table, spec->keep);
    ui_page *page = ui_page_alloc(ops, id, title, table);
    if (!page) {
        ui_table_free(table);
        free(table);
    }
    return page;
}

int ui_list_page_key(ui_page *page, int key)
{
    ui_table *table = page->state;
    if (ui_table_filter_editing(table)) {
        int r = ui_table_handle_key(table, key);
        if (r != UI_IGNORED)
            return r;
    }
    if (key == 'r')
        return UI_HANDLED | UI_REFRESH;
    return UI_IGNORED;
}

int ui_list_page_mouse(ui_page *page, ui_app *app, int y, int x, mmask_t bstate)
{
    (void)app;
    return ui_table_handle_mouse(page->state, y, x, bstate);
}

bool ui_list_page_idle(ui_page *page, ui_app *app, int64_t until_us)
{
    (void)app;
    return ui_table_idle(page->state, until_us);
}

void ui_list_page_free(ui_page *page)
{
    ui_table_free(page->state);
    free(page->state);
    free(page);
}
