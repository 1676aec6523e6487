/* The console's entry point, callable from main without curses headers: opens the catalog and
 * runs the page loop until the user quits or the session hangs up. */
#ifndef MM_UI_H
#define MM_UI_H

#include <stdbool.h>

typedef struct mm_ui_options {
    const char *db_path;    /* NULL: resolved like the CLI (--db, $MM_DB, XDG) */
    bool read_only;         /* --read-only */
    const char *start_page; /* NULL, or "accounts", "models", "entitlements", "health", ... */
} mm_ui_options;

/* True when id names a console page; list gets "accounts, models, ..." for messages. */
bool ui_page_id_known(const char *id, char *list, unsigned long listsz);

/* Returns the process exit code. */
int ui_main(const mm_ui_options *opts);

#endif
