/* Builds the help text from the bindings tables (the frame's, the table widget's and the
 * current page's), so help can never disagree with the keys that work. */
#include "help.h"

#include <stdio.h>
#include <string.h>

#include "page.h"
#include "widgets/dialog.h"

static const ui_binding FRAME_KEYS[] = {
    {0, 0, "Tab", NULL, "move the keyboard between the sidebar and the page", false},
    {0, 0, "1-6", NULL, "jump to a page (the sidebar's numbers)", false},
    {0, 0, "h / Left", NULL, "to the sidebar", false},
    {1, '?', "? or F1", NULL, "this help", false},
    {10, 'q', "q or F10", NULL, "quit (the terminal is restored)", false},
    {0, 0, "Esc", NULL, "close a dialog, clear the filter or the message", false},
    {0, 0, "mouse", NULL,
     "click a page, a row, a column title (sort) or a key below; the "
     "wheel scrolls",
     false},
};

static const ui_binding TABLE_KEYS[] = {
    {0, 0, "Up/Down, j/k", NULL, "move the selection", false},
    {0, 0, "PgUp/PgDn", NULL, "move a screen at a time", false},
    {0, 0, "Home/End, g/G", NULL, "first / last row", false},
    {3, '/', "/ or F3", NULL,
     "filter: type to keep rows containing the text in any column "
     "(case-insensitive); Enter keeps it, Esc clears it",
     false},
    {6, 's', "s or F6", NULL, "sort by the next column (the title shows the mark); S reverses",
     false},
};

static size_t append(char *buf, size_t size, size_t used, const char *fmt, const char *a,
                     const char *b)
{
    if (used >= size)
        return used;
    int n = snprintf(buf + used, size - used, fmt, a, b);
    return n > 0 ? used + (size_t)n : used;
}

static size_t append_keys(char *buf, size_t size, size_t used, const ui_binding *keys, size_t n,
                          bool read_only)
{
    for (size_t i = 0; i < n; i++) {
        char name[48];
        if (keys[i].fkey && keys[i].key_name && !strchr(keys[i].key_name, 'F'))
            snprintf(name, sizeof name, "%s or F%d", keys[i].key_name, keys[i].fkey);
        else
            snprintf(name, sizeof name, "%s", keys[i].key_name);
        used = append(buf, size, used, "  %-16s %s", name, keys[i].description);
        if (keys[i].edits && read_only)
            used = append(buf, size, used, "%s%s", " (disabled: read-only)", "");
        used = append(buf, size, used, "%s%s", "\n", "");
    }
    return used;
}

void ui_help_show(ui_app *app)
{
    char text[8192];
    size_t used = 0;
    ui_page *page = ui_current_page(app);
    size_t count = 0;
    const ui_binding *keys = page && page->ops->bindings ? page->ops->bindings(page, &count) : NULL;
    if (page)
        used = append(text, sizeof text, used, "%s%s\n", page->title, count ? " keys" : "");
    used = append_keys(text, sizeof text, used, keys, count, app->read_only);
    if (count) {
        used = append(text, sizeof text, used, "\n%s%s\n", "Table keys", "");
        used = append_keys(text, sizeof text, used, TABLE_KEYS,
                           sizeof TABLE_KEYS / sizeof TABLE_KEYS[0], false);
    }
    if (page && page->ops->help_extra) {
        char extra[2048] = "";
        page->ops->help_extra(page, app, extra, sizeof extra);
        used = append(text, sizeof text, used, "\n%s%s\n", extra, "");
    }
    used = append(text, sizeof text, used, "\n%s%s\n", "Everywhere", "");
    used = append_keys(text, sizeof text, used, FRAME_KEYS,
                       sizeof FRAME_KEYS / sizeof FRAME_KEYS[0], false);
    used = append(text, sizeof text, used,
                  "\nIn forms: Tab/Down next field, Up previous, Enter next (on the last field: "
                  "continue), Ctrl-U clears a field, Esc cancels.%s%s\n",
                  "", "");
    if (app->read_only)
        append(text, sizeof text, used, "\nRead-only: %s%s\n",
               "editing keys are disabled (--read-only, or the catalog file is not writable).", "");
    char title[96];
    snprintf(title, sizeof title, "Help: %s", page ? page->title : "mmadmin");
    ui_dialog_text(app, title, text);
}
