/* The stand-in for a page not built yet: says what it will do, shows no data. */
#include "draw.h"
#include "page.h"

#include <stdio.h>
#include <stdlib.h>

static void coming_draw(ui_page *page, ui_app *app, WINDOW *win, ui_rect area, bool focused)
{
    (void)focused;
    const char *note = page->state;
    char text[512];
    snprintf(text, sizeof text, "coming: %s", note);
    ui_lines lines;
    ui_wrap(text, area.w - 4, &lines);
    for (size_t i = 0; i < lines.count && (int)i + 2 < area.h; i++)
        ui_draw_clip(app, win, area.y + 1 + (int)i, area.x + 2, area.w - 4, UI_EL_NORMAL,
                     lines.items[i]);
    ui_draw_clip(app, win, area.y + 2 + (int)lines.count, area.x + 2, area.w - 4, UI_EL_DIM,
                 "This page is not built yet: nothing to show or edit here.");
    ui_lines_free(&lines);
}

static void coming_destroy(ui_page *page)
{
    free(page);
}

static const ui_page_ops COMING_OPS = {
    .draw = coming_draw,
    .destroy = coming_destroy,
};

ui_page *ui_page_coming_new(ui_app *app, const ui_page_entry *entry)
{
    (void)app;
    return ui_page_alloc(&COMING_OPS, entry->id, entry->title, (void *)entry->coming);
}
