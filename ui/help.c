/* Builds the help text from the bindings tables (the frame's, the table widget's and the
 * current page's), so help can never disagree with the keys that work. */
#include "help.h"

#include <stdio.h>
#include <string.h>

#include "widgets/dialog.h"

static const ui_binding FRAME_KEYS[] = {
    {0, 0, "Tab", NULL, "move the keyboard between the sidebar and the page", .edits = false},
    {0, 0, "1-8", NULL, "jump to a page (the sidebar's numbers)", .edits = false},
    {0, 0, "h / Left", NULL, "to the sidebar", .edits = false},
    {1, '?', "? or F1", NULL, "this help", .edits = false},
    {0, 'r', "r", NULL,
     "read the page again now (pages also follow changes made elsewhere within a second)",
     .edits = false},
    {10, 'q', "q or F10", NULL, "quit (the terminal is restored)", .edits = false},
    {0, 0, "Esc", NULL, "close a dialog, clear the filter or the message", .edits = false},
    {0, 0, "mouse", NULL,
     "click a page, a row, a column title (sort) or a key below; the "
     "wheel scrolls",
     .edits = false},
};

static const ui_binding TABLE_KEYS[] = {
    {0, 0, "Up/Down, j/k", NULL, "move the selection", .edits = false},
    {0, 0, "PgUp/PgDn", NULL, "move a screen at a time", .edits = false},
    {0, 0, "Home/End, g/G", NULL, "first / last row", .edits = false},
    {3, '/', "/ or F3", NULL,
     "filter: type to keep rows containing the text in any column "
     "(case-insensitive); Enter keeps it, Esc clears it",
     .edits = false},
    {6, 's', "s or F6", NULL, "sort by the next column (the title shows the mark); S reverses",
     .edits = false},
};

static size_t append(char *buf, size_t size, size_t used, const char *fmt, const char *a,
                     const char *b)
{
    if (used >= size)
        return used;
    int n = snprintf(buf + used, size - used, fmt, a, b);
    return n > 0 ? used + (size_t)n : used;
}

/* Lists keys[] whose edits flag equals edits (every key when all); edit keys in read-only
 * mode carry the mark "(disabled: read-only)". */
static size_t append_keys(char *buf, size_t size, size_t used, const ui_binding *keys, size_t n,
                          bool all, bool edits, bool read_only)
{
    for (size_t i = 0; i < n; i++) {
        if (!all && keys[i].edits != edits)
            continue;
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

/* The page's keys; in read-only mode the edit keys come apart, under their own heading. */
static size_t append_page_keys(char *buf, size_t size, size_t used, const ui_help_page *page)
{
    if (!page->read_only)
        return append_keys(buf, size, used, page->keys, page->n_keys, true, false, false);
    used = append_keys(buf, size, used, page->keys, page->n_keys, false, false, true);
    size_t before = used;
    used = append(buf, size, used, "\n%s%s\n", "Not in read-only mode", "");
    size_t heading = used;
    used = append_keys(buf, size, used, page->keys, page->n_keys, false, true, true);
    if (used == heading && before < size) { /* no edit keys: no heading */
        buf[before] = '\0';
        used = before;
    }
    return used;
}

void ui_help_show(ui_app *app, const ui_help_page *page)
{
    char text[8192] = "";
    size_t used = 0;
    if (page->title)
        used = append(text, sizeof text, used, "%s%s\n", page->title, page->n_keys ? " keys" : "");
    used = append_page_keys(text, sizeof text, used, page);
    if (page->n_keys) {
        used = append(text, sizeof text, used, "\n%s%s\n", "Table keys", "");
        used = append_keys(text, sizeof text, used, TABLE_KEYS,
                           sizeof TABLE_KEYS / sizeof TABLE_KEYS[0], true, false, false);
    }
    if (page->extra && page->extra[0])
        used = append(text, sizeof text, used, "\n%s%s\n", page->extra, "");
    used = append(text, sizeof text, used, "\n%s%s\n", "Everywhere", "");
    used = append_keys(text, sizeof text, used, FRAME_KEYS,
                       sizeof FRAME_KEYS / sizeof FRAME_KEYS[0], true, false, false);
    used = append(text, sizeof text, used,
                  "\nIn forms: Tab/Down next field, Up previous, Enter next (on the last field: "
                  "continue), Ctrl-U clears a field, Esc cancels.%s%s\n",
                  "", "");
    if (page->read_only)
        append(text, sizeof text, used, "\nRead-only: %s%s\n",
               "editing keys are disabled and left out of the bar (--read-only, or the catalog "
               "file is not writable).",
               "");
    char title[96];
    snprintf(title, sizeof title, "Help: %s", page->title ? page->title : "mmadmin");
    ui_dialog_text(app, title, text);
}
