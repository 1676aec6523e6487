/* The console's one application context (catalog connection, windows, pages, modal stack, wake
 * pipe, background jobs) and the loop services pages, dialogs and wizards call. */
#ifndef MM_UI_APP_H
#define MM_UI_APP_H

#include <curses.h>
#include <panel.h>
#include <stdbool.h>
#include <stddef.h>

#include "catalog/catalog.h"
#include "health/monitor.h"
#include "theme.h"
#include "ui.h"

/* Keys: a wide character as itself, a curses function key (KEY_UP, KEY_F(2), KEY_MOUSE...)
 * as UI_FN(code), so the two ranges never collide. */
#define UI_FN(code) (0x01000000 | (code))
#define UI_IS_FN(key) (((key)&0x01000000) != 0)
#define UI_KEY_ESC 27
#define UI_KEY_TAB '\t'
#define UI_KEY_ENTER '\n'
#define UI_CTRL(c) ((c)&0x1f)

/* What a handler did, as a bitmask (htop's HandlerResult). */
enum {
    UI_IGNORED = 0,
    UI_HANDLED = 1 << 0, /* the key was used */
    UI_REFRESH = 1 << 1, /* reload the page's data from the catalog */
    UI_REDRAW = 1 << 2,  /* draw again */
    UI_QUIT = 1 << 3,    /* leave the console */
    UI_CLOSE = 1 << 4    /* close the modal that returned it */
};

#define UI_MIN_COLS 80
#define UI_MIN_ROWS 24
#define UI_MAX_MODALS 8
#define UI_SIDEBAR_WIDE 24   /* sidebar width from 140 columns */
#define UI_SIDEBAR_NARROW 18 /* below: short page titles */

typedef struct ui_page ui_page;
typedef struct ui_app ui_app;
typedef struct ui_job ui_job;

/* A window with its panel; created, moved and resized by ui_win_place. */
typedef struct ui_win {
    WINDOW *win;
    PANEL *panel;
} ui_win;

/* One entry of a bottom bar or help screen. fkey 0 = no F-key; letter 0 = no letter. */
typedef struct ui_binding {
    int fkey;                /* 1..12 for F1..F12, or 0 */
    int key;                 /* the key the F-key stands for (a letter, '/', '\n'), or 0 */
    const char *key_name;    /* how help names the key: "a", "Enter", "/" */
    const char *label;       /* short bar label: "Add" (NULL: help only) */
    const char *description; /* one line for the help screen */
    bool edits;              /* changes the catalog: refused in read-only mode */
} ui_binding;

/* A modal layer (dialog, form, wizard) run by ui_run_modal: a nested run of the same loop. */
typedef struct ui_modal ui_modal;
struct ui_modal {
    void (*layout)(ui_modal *m, ui_app *app); /* (re)place windows for the current size */
    void (*draw)(ui_modal *m, ui_app *app);   /* draw into its windows (no refresh) */
    int (*handle_key)(ui_modal *m, ui_app *app, int key);
    int (*handle_mouse)(ui_modal *m, ui_app *app, const MEVENT *ev);
    void (*hide)(ui_modal *m, ui_app *app, bool hidden);       /* too small: hide/show panels */
    const ui_binding *(*bindings)(ui_modal *m, size_t *count); /* bottom bar while open */
    int (*timer_ms)(ui_modal *m); /* -1: no timer (e.g. a spinner runs: 100) */
    bool wants_cursor;            /* show the text cursor (forms) */
    bool done;
    void *ctx;
};

/* The one app context. Pages and widgets receive it; nothing else is global. */
struct ui_app {
    mm_catalog *cat;
    bool read_only;
    bool utf8;        /* locale is UTF-8: Unicode glyphs and line drawing */
    bool ascii_lines; /* NCURSES_NO_UTF8_ACS or non-UTF-8 locale: ASCII borders */
    ui_theme theme;
    int rows, cols;
    bool too_small;

    ui_win header, sidebar, main, message, bar;
    int sidebar_w;
    ui_page **pages;
    size_t n_pages, current;
    bool focus_sidebar;

    ui_modal *modals[UI_MAX_MODALS];
    size_t n_modals;

    int wake_read, wake_write; /* self-pipe: background work writes one byte */
    ui_job *jobs;              /* running or finished background jobs */

    char message_text[MM_MESSAGE_MAX + 64];
    ui_element message_element;

    /* the console's one health monitor (app_monitor.c), started with the frame */
    mm_monitor *monitor;                  /* NULL when it could not start */
    mm_health_snapshot *health;           /* its latest snapshot (our reference), or NULL */
    unsigned long health_serial;          /* moves on each time `health` is replaced */
    char monitor_problem[MM_MESSAGE_MAX]; /* why it did not start, or "" */

    int bar_hits[16][3]; /* x0, x1, key of each drawn bottom-bar item */
    size_t n_bar_hits;
    bool redraw_needed;
    bool keys_pending; /* typed-ahead keys left queued when a modal closed mid-burst */
    bool quit;
};

/* ---- services for pages, dialogs and wizards ---- */
/* The write end of the wake pipe: a background thread writes one byte to wake the UI loop. */
int ui_wake_fd(const ui_app *app);
/* Wakes the loop (callable from any thread; async-signal-safe). */
void ui_wake(const ui_app *app);
/* Shows a one-line message above the bottom bar until the next key. */
void ui_set_message(ui_app *app, ui_element element, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ui_clear_message(ui_app *app);
/* In read-only mode shows why an edit key does nothing and returns true. */
bool ui_refuse_if_read_only(ui_app *app, const char *what);
/* Creates or moves/resizes w (keeping its place in the panel stack). */
void ui_win_place(ui_win *w, int height, int width, int y, int x);
void ui_win_destroy(ui_win *w);
/* Centered placement of a dialog of the wanted size, clipped to the screen. */
void ui_win_center(ui_app *app, ui_win *w, int want_h, int want_w);
/* Runs m as a modal layer until it sets done (or the app quits). Returns false if the app is
 * quitting (the caller should unwind without further dialogs). */
bool ui_run_modal(ui_app *app, ui_modal *m);
/* Marks the whole screen for drawing at the next loop turn. */
void ui_request_redraw(ui_app *app);
/* The current page, and a page by index. */
ui_page *ui_current_page(ui_app *app);
void ui_switch_page(ui_app *app, size_t index);

#endif
