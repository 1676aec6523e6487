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

/* The console as a module (mmadmin-console.so, ui/module/console_module.c): main.c loads it only
 * when no command is given, so the CLI never maps ncurses. */
#define MM_CONSOLE_MODULE "mmadmin-console.so"
#define MM_CONSOLE_ENTRY "mm_console_main"

/* What the global options asked of the console (cli.c parses them). */
typedef struct mm_console_args {
    const char *db_path; /* --db, or NULL */
    bool read_only;      /* --read-only */
    const char *page;    /* --page, or NULL */
    bool demo;           /* --demo: a throw-away catalog fed by mmsim and a load generator */
} mm_console_args;

/* The module's entry (MM_CONSOLE_ENTRY): checks --page, then runs the demo or the console.
 * Returns the process exit code (2 for a bad --page or --demo with --db/--read-only). */
typedef int mm_console_main_fn(const mm_console_args *args);

#endif
