/* The console's one application context (catalog connection, windows, pages, modal stack, wake
 * pipe, background jobs) as pages and wizards see it; widgets see only ui/modal.h. */
#ifndef MM_UI_APP_H
#define MM_UI_APP_H

#include <stdbool.h>
#include <stddef.h>

#include "alert_bar.h"
#include "catalog/catalog.h"
#include "health/monitor.h"
#include "modal.h"
#include "theme.h"
#include "trace.h"
#include "ui.h"

#define UI_MIN_COLS 80
#define UI_MIN_ROWS 24
#define UI_MAX_MODALS 8
#define UI_SIDEBAR_WIDE 24       /* sidebar width from UI_SIDEBAR_WIDE_FROM columns: full titles */
#define UI_SIDEBAR_NARROW 18     /* below: short page titles ("Entitlements") */
#define UI_SIDEBAR_WIDE_FROM 140 /* full titles from 140 columns; below, the pane has the room */

/* The one app context. Pages read its fields; widgets hold it opaque (modal.h); nothing else
 * is global. */
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
    mm_monitor *monitor;         /* NULL when it could not start */
    mm_health_snapshot *health;  /* its latest snapshot (our reference), or NULL */
    unsigned long health_serial; /* moves on each time `health` is replaced */
    /* the snapshot `health` replaced, released when no key waits (ui_monitor_release_parked):
     * freeing 10,000 accounts' figures takes milliseconds */
    mm_health_snapshot *health_parked;
    bool alerts_due;                      /* the alert engine starts in a turn no key waits for */
    char monitor_problem[MM_MESSAGE_MAX]; /* why it did not start, or "" */
    bool no_keys; /* writable, but its master key does not open the accounts' keys: no probing */
    struct mm_alert_engine *alert_engine; /* evaluates alerts while this console probes */
    bool alerts_tried; /* ui_monitor_first_frame was called: once, after the first frame with
                          figures */

    int bar_hits[16][3]; /* x0, x1, key of each drawn bottom-bar item */
    size_t n_bar_hits;
    bool redraw_needed;
    bool keys_pending; /* typed-ahead keys left queued when a modal closed mid-burst */
    bool idle_left;    /* the page on screen may have work between keys (ui_page_ops.idle) */
    /* following other processes' writes: the catalog's data_version last seen (checked on
     * each turn, at least once a second) */
    int64_t data_version;
    ui_catalog_reach catalog_reach; /* whether that read answered (the header says: alert_bar.h) */
    ui_alert_slot alert_slot;       /* the header's alert slot as last read (alert_bar.h) */
    bool alert_slot_stale;          /* read it again before the next header: the catalog moved, its
                                       reach changed, or a worker woke the loop (never on a key) */
    int64_t audit_version; /* catalog_version (the newest audit id) at the last data_version */
    /* monotonic ms before which another connection's commit does not reload the page on
     * screen again (a probe round commits often: at most one such reload a UI_FOLLOW_GAP_MS) */
    int64_t follow_after_ms;
    /* a bracketed paste being read (between ESC[200~ and ESC[201~) */
    bool pasting;
    size_t paste_len;
    bool paste_overflow;
    char paste[UI_PASTE_MAX];
    bool quit;
    ui_trace trace; /* MM_TRACE_SLOW: the loop's slow turns (ui/trace.c; off when not set) */
};

/* ---- services for pages (widgets, dialogs and jobs use modal.h) ---- */
/* The current page, and a page by index. */
ui_page *ui_current_page(ui_app *app);
void ui_switch_page(ui_app *app, size_t index);

#endif
