/* The page interface (views as data, like tig's view_ops and htop's Panel): each console page
 * is a table of functions the frame calls to load, draw and drive it. */
#ifndef MM_UI_PAGE_H
#define MM_UI_PAGE_H

#include <curses.h>
#include <stdbool.h>
#include <stddef.h>

#include "app.h"

typedef struct ui_page_ops {
    /* The page's keys as table rows: bar, help, and what each does (ui_binding.run; rows
     * with edits are refused by the frame in read-only mode and left out of the bar). */
    const ui_binding *(*bindings)(ui_page *page, size_t *count);
    /* (Re)reads the page's data from app->cat; called on first show and on UI_REFRESH. */
    void (*load)(ui_page *page, ui_app *app);
    /* Draws into win within area; focused = the pane (not the sidebar) has the keyboard. */
    void (*draw)(ui_page *page, ui_app *app, WINDOW *win, ui_rect area, bool focused);
    /* True while the page takes printable keys as text (its / filter): the bindings wait. */
    bool (*typing)(ui_page *page);
    /* Keys no binding row runs; returns a UI_* bitmask, UI_IGNORED lets the frame have it. */
    int (*handle_key)(ui_page *page, ui_app *app, int key);
    /* y, x relative to the area's origin; bstate from MEVENT. */
    int (*handle_mouse)(ui_page *page, ui_app *app, int y, int x, mmask_t bstate);
    /* Called on the UI thread after a background wake (jobs collected, snapshot published). */
    void (*on_wake)(ui_page *page, ui_app *app);
    /* Called on the UI thread once a frame showing the page is on the terminal (after its
     * doupdate): work that must not delay that frame starts here (the Health page's
     * unpriced-cap line). Optional. */
    void (*after_frame)(ui_page *page, ui_app *app);
    /* Work between keys, in a slice that ends at until_us (mm_monotonic_us): the tables read
     * their rows' texts so the first filter or sort key formats none. The frame calls it when no
     * key, wake or timer is waiting (a key waits at most a slice). Returns true while work is
     * left. Optional. */
    bool (*idle)(ui_page *page, ui_app *app, int64_t until_us);
    /* Milliseconds until the page wants to be drawn again (spinner, "3m ago"), or -1. */
    int (*timer_ms)(ui_page *page, ui_app *app);
    /* Optional extra text for the help screen (thresholds, legends), or NULL. */
    void (*help_extra)(ui_page *page, ui_app *app, char *out, size_t outsz);
    /* Frees the page and its state. */
    void (*destroy)(ui_page *page);
    /* The page shows what changes without an audit entry (a probe's last test, an alert
     * firing): it reads again on every other connection's commit. Without it, only a commit
     * that moved catalog_version (an audited change) makes it read again. */
    bool follows_unaudited;
} ui_page_ops;

struct ui_page {
    const ui_page_ops *ops;
    const char *id;          /* "accounts": for --start-page and tests */
    const char *title;       /* "Provider Accounts": sidebar and pane title */
    const char *short_title; /* "Accounts": the sidebar when the terminal is narrow */
    char subtitle[96];       /* shown after the title in the pane border: "3 accounts" */
    bool loaded;
    void *state;
};

/* A page factory: allocates a page wired to its ops. */
typedef ui_page *(*ui_page_factory)(ui_app *app, const char *id, const char *title);

/* One row of the sidebar: pages under construction keep factory NULL and a "coming" note. */
typedef struct ui_page_entry {
    const char *id;
    const char *title;
    const char *short_title;
    ui_page_factory create;
    const char *coming; /* what the page will do, shown until it is built */
} ui_page_entry;

/* The page registry (ui/pages/registry.c): the sidebar in order. */
const ui_page_entry *ui_page_registry(size_t *count);

/* Allocates a page with ops and state (state freed by the page's destroy). */
ui_page *ui_page_alloc(const ui_page_ops *ops, const char *id, const char *title, void *state);

/* Factories of the built pages. */
ui_page *ui_page_accounts_new(ui_app *app, const char *id, const char *title);
ui_page *ui_page_audit_new(ui_app *app, const char *id, const char *title);
ui_page *ui_page_models_new(ui_app *app, const char *id, const char *title);
ui_page *ui_page_entitlements_new(ui_app *app, const char *id, const char *title);
ui_page *ui_page_workspaces_new(ui_app *app, const char *id, const char *title);
ui_page *ui_page_health_new(ui_app *app, const char *id, const char *title);
ui_page *ui_page_prices_new(ui_app *app, const char *id, const char *title);
ui_page *ui_page_alerts_new(ui_app *app, const char *id, const char *title);
/* The Accounts page's table: its rows in the catalog's name order (tests read its cells and
 * count its whole reloads, ui_table.loads). */
struct ui_table;
struct ui_table *ui_page_accounts_table(ui_page *page);
/* ---- list pages: a table over one catalog list (Audit Log, Alerts; ui/pages/list_page.c). The
 * page's state is a struct whose first member is its ui_table. ---- */
typedef struct ui_list_page_table {
    const struct ui_column *cols;
    size_t ncols;
    const char *noun, *empty_text; /* as ui_table_init's */
    const int *keep;               /* ui_table_set_keep's, or NULL */
} ui_list_page_table;
/* Allocates a zeroed state of state_size bytes, initializes its table from spec and the page
 * around it (freed by ui_list_page_free); NULL when out of memory. */
ui_page *ui_list_page_new(const ui_page_ops *ops, const char *id, const char *title,
                          size_t state_size, const ui_list_page_table *spec);
/* The idle work (ui_page_ops.idle) of a page whose state begins with its table (the list pages,
 * Accounts, Models, Workspaces, Prices): the table's rows read (ui_table_idle). */
bool ui_list_page_idle(ui_page *page, ui_app *app, int64_t until_us);
/* The keys a list page answers before its own: the `/` filter's text while it is typed, `r`
 * reloads (UI_REFRESH). UI_IGNORED when the page's own keys come next. */
int ui_list_page_key(ui_page *page, int key);
/* The table's mouse (a page's handle_mouse). */
int ui_list_page_mouse(ui_page *page, ui_app *app, int y, int x, mmask_t bstate);
/* Frees the table, the state and the page (the page frees its list first). */
void ui_list_page_free(ui_page *page);
/* A page that says what it will do, without data. */
ui_page *ui_page_coming_new(ui_app *app, const ui_page_entry *entry);

#endif
