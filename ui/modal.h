/* What widgets, dialogs, help and jobs need from the console loop, without its app context:
 * keys and handler results, windows, key bindings, the modal layer and the loop's services. */
#ifndef MM_UI_MODAL_H
#define MM_UI_MODAL_H

#include <curses.h>
#include <panel.h>
#include <stdbool.h>
#include <stddef.h>

#include "theme.h"

/* Keys: a wide character as itself, a curses function key (KEY_UP, KEY_F(2), KEY_MOUSE...)
 * as UI_FN(code), so the two ranges never collide. */
#define UI_FN(code) (0x01000000 | (code))
#define UI_IS_FN(key) (((key)&0x01000000) != 0)
#define UI_KEY_ESC 27
/* The mouse states that act: a click acts once, on the press (or on a terminal's CLICKED);
 * the frame drops releases before anything sees them. */
/* A bracketed paste (ESC[200~ ... ESC[201~) arrives as this one key; ui_paste_text has the
 * text (line breaks included, as pasted). */
#define UI_KEY_PASTE UI_FN(KEY_MAX + 1)
#define UI_PASTE_MAX 4096
#define UI_MOUSE_CLICK (BUTTON1_CLICKED | BUTTON1_PRESSED)
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

/* The app context (ui/app.h) and a page (ui/page.h): opaque here. */
typedef struct ui_app ui_app;
typedef struct ui_page ui_page;
typedef struct ui_job ui_job;

/* The part of a window a widget or page draws in. */
typedef struct ui_rect {
    int y, x, h, w;
} ui_rect;

/* A window with its panel; created, moved and resized by ui_win_place. A pop-up placed by
 * ui_win_center also has a backdrop: a blank band under it that clears the page text beside
 * it on its rows, so no word of the page shows cut in its margins. */
typedef struct ui_win {
    WINDOW *win;
    PANEL *panel;
    WINDOW *backdrop;
    PANEL *backdrop_panel;
} ui_win;

/* What a page's key does: returns a UI_* bitmask like ui_page_ops.handle_key. */
typedef int (*ui_key_fn)(ui_page *page, ui_app *app);

/* One key of a bottom bar and of the help screen; a page's rows also say what the key does.
 * fkey 0 = no F-key; key 0 = no key of its own (a help line such as "Up/Down"). */
typedef struct ui_binding {
    int fkey;                /* 1..12 for F1..F12, or 0 */
    int key;                 /* the key the F-key stands for (a letter, '/', '\n'), or 0 */
    const char *key_name;    /* how help names the key: "a", "Enter", "/" */
    const char *label;       /* short bar label: "Add" (NULL: help only) */
    const char *description; /* one line for the help screen */
    bool edits;              /* changes the catalog: hidden and refused in read-only mode */
    int alt_key;             /* a second key doing the same ('t' for Enter, Shift-Up), or 0 */
    const char *action;      /* edits: the refusal's words, "adding an account" */
    ui_key_fn run;           /* pages: what the key does (NULL: the page's handle_key) */
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

/* ---- the screen as widgets see it (owned by the app) ---- */
const ui_theme *ui_screen_theme(const ui_app *app);
bool ui_screen_utf8(const ui_app *app);        /* locale is UTF-8: Unicode glyphs */
bool ui_screen_ascii_lines(const ui_app *app); /* ASCII borders instead of line drawing */
int ui_screen_rows(const ui_app *app);
int ui_screen_cols(const ui_app *app);
/* The loop's list of background jobs (kept by jobs.c, collected by the loop after a wake). */
ui_job **ui_job_list(ui_app *app);

/* ---- services of the loop ---- */
/* The write end of the wake pipe: a background thread writes one byte to wake the UI loop. */
int ui_wake_fd(const ui_app *app);
/* Wakes the loop (callable from any thread; async-signal-safe). */
void ui_wake(const ui_app *app);
/* Shows a one-line message above the bottom bar until the next key. */
void ui_set_message(ui_app *app, ui_element element, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ui_clear_message(ui_app *app);
/* The text of the UI_KEY_PASTE being handled (UTF-8, at most UI_PASTE_MAX - 1 bytes). */
const char *ui_paste_text(const ui_app *app);
/* Creates or moves/resizes w (keeping its place in the panel stack). */
void ui_win_place(ui_win *w, int height, int width, int y, int x);
void ui_win_destroy(ui_win *w);
/* Centered placement of a pop-up of the wanted size, clipped to the screen, with its
 * backdrop: on the pop-up's rows, the sidebar's and the page's text beside it is cleared up to
 * their frames (every pop-up — dialog, form, picker, wizard, detail — clears its rectangle). */
void ui_win_center(ui_app *app, ui_win *w, int want_h, int want_w);
/* Hides or shows a window and its backdrop (a modal's hide callback; too small a screen). */
void ui_win_hide(ui_win *w, bool hidden);
/* Runs m as a modal layer until it sets done (or the app quits). Returns false if the app is
 * quitting (the caller should unwind without further dialogs). */
bool ui_run_modal(ui_app *app, ui_modal *m);
/* Marks the whole screen for drawing at the next loop turn. */
void ui_request_redraw(ui_app *app);

#endif
