/* The console's application loop: owns the one app context (catalog, windows, pages, modal
 * stack, wake pipe), draws the frame (header, sidebar, pane, message line, key bar) and routes
 * keys, mouse, resize, hang-up and background wake-ups. */
#include "app.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "alert_bar.h"
#include "app_monitor.h"
#include "util/clock.h"
#include "draw.h"
#include "help.h"
#include "jobs.h"
#include "page.h"

/* Signal flags: the accepted exception to "no global mutable state". */
static volatile sig_atomic_t g_got_winch;
static volatile sig_atomic_t g_got_term;

static void on_signal(int sig)
{
    if (sig == SIGWINCH)
        g_got_winch = 1;
    else
        g_got_term = 1;
}

static const int HANDLED_SIGNALS[] = {SIGWINCH, SIGTERM, SIGHUP, SIGINT};
#define N_HANDLED_SIGNALS (sizeof HANDLED_SIGNALS / sizeof HANDLED_SIGNALS[0])

/* Installs the handlers with the signals blocked except while waiting in ppoll(), so a signal
 * can never slip in between a check and the wait. */
static void install_signals(sigset_t *old_mask)
{
    sigset_t block;
    sigemptyset(&block);
    for (size_t i = 0; i < N_HANDLED_SIGNALS; i++)
        sigaddset(&block, HANDLED_SIGNALS[i]);
    sigprocmask(SIG_BLOCK, &block, old_mask);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < N_HANDLED_SIGNALS; i++)
        sigaction(HANDLED_SIGNALS[i], &sa, NULL);
}

static void restore_signals(const sigset_t *old_mask)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    for (size_t i = 0; i < N_HANDLED_SIGNALS; i++)
        sigaction(HANDLED_SIGNALS[i], &sa, NULL);
    sigprocmask(SIG_SETMASK, old_mask, NULL);
}

/* ---- services ---- */

int ui_wake_fd(const ui_app *app)
{
    return app->wake_write;
}

void ui_wake(const ui_app *app)
{
    char byte = 'w';
    ssize_t ignored = write(app->wake_write, &byte, 1);
    (void)ignored;
}

void ui_set_message(ui_app *app, ui_element element, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(app->message_text, sizeof app->message_text, fmt, ap);
    va_end(ap);
    app->message_element = element;
    app->redraw_needed = true;
}

void ui_clear_message(ui_app *app)
{
    if (app->message_text[0]) {
        app->message_text[0] = '\0';
        app->redraw_needed = true;
    }
}

const ui_theme *ui_screen_theme(const ui_app *app)
{
    return &app->theme;
}

bool ui_screen_utf8(const ui_app *app)
{
    return app->utf8;
}

bool ui_screen_ascii_lines(const ui_app *app)
{
    return app->ascii_lines;
}

int ui_screen_rows(const ui_app *app)
{
    return app->rows;
}

int ui_screen_cols(const ui_app *app)
{
    return app->cols;
}

ui_job **ui_job_list(ui_app *app)
{
    return &app->jobs;
}

void ui_request_redraw(ui_app *app)
{
    app->redraw_needed = true;
}

void ui_win_place(ui_win *w, int height, int width, int y, int x)
{
    if (height < 1)
        height = 1;
    if (width < 1)
        width = 1;
    WINDOW *fresh = newwin(height, width, y, x);
    if (!fresh)
        return;
    if (w->panel) {
        WINDOW *old = w->win;
        replace_panel(w->panel, fresh);
        delwin(old);
    } else {
        w->panel = new_panel(fresh);
    }
    w->win = fresh;
}

void ui_win_destroy(ui_win *w)
{
    if (w->panel)
        del_panel(w->panel);
    if (w->win)
        delwin(w->win);
    if (w->backdrop_panel)
        del_panel(w->backdrop_panel);
    if (w->backdrop)
        delwin(w->backdrop);
    *w = (ui_win){0};
}

void ui_win_hide(ui_win *w, bool hidden)
{
    PANEL *panels[] = {w->backdrop_panel, w->panel}; /* bottom first: show keeps the order */
    for (size_t i = 0; i < 2; i++) {
        if (!panels[i])
            continue;
        if (hidden)
            hide_panel(panels[i]);
        else
            show_panel(panels[i]);
    }
}

/* The band a pop-up at columns [x, right] clears: a side that ends inside the sidebar's or
 * the page's frame widens to that frame's inner edge (frames' own lines stay). */
static void backdrop_band(const ui_app *app, int x, int right, int *x0, int *x1)
{
    int side_in0 = 1, side_in1 = app->sidebar_w - 2;
    int main_in0 = app->sidebar_w + 1, main_in1 = app->cols - 2;
    *x0 = x >= side_in0 && x <= side_in1 ? side_in0 : x >= main_in0 && x <= main_in1 ? main_in0 : x;
    *x1 = right >= main_in0 && right <= main_in1   ? main_in1
          : right >= side_in0 && right <= side_in1 ? side_in1
                                                   : right;
}

/* Fills the backdrop blank with the background of the window each column is over. */
static void backdrop_fill(const ui_app *app, WINDOW *win, int x0)
{
    int h = getmaxy(win), w = getmaxx(win);
    for (int col = 0; col < w; col++) {
        ui_element el = x0 + col < app->sidebar_w ? UI_EL_SIDEBAR : UI_EL_NORMAL;
        chtype blank = (chtype)' ' | ui_theme_attr(&app->theme, el) |
                       (chtype)COLOR_PAIR(ui_theme_pair(&app->theme, el));
        for (int row = 0; row < h; row++)
            mvwaddch(win, row, col, blank);
    }
}

void ui_win_center(ui_app *app, ui_win *w, int want_h, int want_w)
{
    int h = want_h < app->rows - 2 ? want_h : app->rows - 2;
    int wd = want_w < app->cols - 4 ? want_w : app->cols - 4;
    int y = (app->rows - h) / 2, x = (app->cols - wd) / 2;
    int x0, x1;
    backdrop_band(app, x, x + wd - 1, &x0, &x1);
    /* Rows: the pop-up's, inside the frames (their top and bottom lines stay). */
    int in0 = getbegy(app->main.win) + 1, in1 = in0 + getmaxy(app->main.win) - 3;
    int y0 = y > in0 ? y : in0, y1 = y + h - 1 < in1 ? y + h - 1 : in1;
    if (y1 < y0)
        y1 = y0;
    ui_win backdrop = {.win = w->backdrop, .panel = w->backdrop_panel};
    ui_win_place(&backdrop, y1 - y0 + 1, x1 - x0 + 1, y0, x0); /* first: under the pop-up */
    w->backdrop = backdrop.win;
    w->backdrop_panel = backdrop.panel;
    if (w->backdrop)
        backdrop_fill(app, w->backdrop, x0);
    ui_win_place(w, h, wd, y, x);
}

ui_page *ui_current_page(ui_app *app)
{
    return app->n_pages ? app->pages[app->current] : NULL;
}

static void ensure_loaded(ui_app *app, ui_page *page)
{
    if (!page->loaded && page->ops->load) {
        ui_trace_mark(&app->trace, NULL, NULL);
        page->ops->load(page, app);
        ui_trace_mark(&app->trace, "load", page->id);
        /* a load frees the list it replaces: glibc keeps freed memory in its arenas unless
         * asked, so the console's RSS would stay at its largest list ever */
        malloc_trim(0);
        ui_trace_mark(&app->trace, "trim", NULL);
    }
    page->loaded = true;
}

void ui_switch_page(ui_app *app, size_t index)
{
    if (index >= app->n_pages)
        return;
    app->current = index;
    ui_page *page = app->pages[index];
    page->loaded = false; /* fresh data whenever a page is shown */
    ensure_loaded(app, page);
    app->redraw_needed = true;
}

/* ---- layout ---- */

static void set_panels_hidden(ui_app *app, bool hidden)
{
    ui_win *base[] = {&app->header, &app->sidebar, &app->main, &app->message, &app->bar};
    for (size_t i = 0; i < sizeof base / sizeof base[0]; i++) {
        if (!base[i]->panel)
            continue;
        if (hidden)
            hide_panel(base[i]->panel);
        else
            show_panel(base[i]->panel);
    }
    for (size_t i = 0; i < app->n_modals; i++)
        if (app->modals[i]->hide)
            app->modals[i]->hide(app->modals[i], app, hidden);
}

static void layout(ui_app *app)
{
    getmaxyx(stdscr, app->rows, app->cols);
    bool small = app->rows < UI_MIN_ROWS || app->cols < UI_MIN_COLS;
    int body = app->rows - 3;
    app->sidebar_w = app->cols >= UI_SIDEBAR_WIDE_FROM ? UI_SIDEBAR_WIDE : UI_SIDEBAR_NARROW;
    ui_win_place(&app->header, 1, app->cols, 0, 0);
    ui_win_place(&app->sidebar, body, app->sidebar_w, 1, 0);
    ui_win_place(&app->main, body, app->cols - app->sidebar_w, 1, app->sidebar_w);
    ui_win_place(&app->message, 1, app->cols, app->rows - 2, 0);
    ui_win_place(&app->bar, 1, app->cols, app->rows - 1, 0);
    if (!small)
        for (size_t i = 0; i < app->n_modals; i++)
            app->modals[i]->layout(app->modals[i], app);
    app->too_small = small;
    set_panels_hidden(app, small);
    app->redraw_needed = true;
}

static void handle_resize(ui_app *app)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
        resizeterm(ws.ws_row, ws.ws_col);
    /* Everything is placed again; the next doupdate sends only what differs. */
    layout(app);
}

/* ---- drawing the frame ---- */

/* The header's right side at this width: the alert slot and the flag always; the user, then the
 * prober's state, are left out while they would leave the catalog's path fewer columns than its
 * minimum (8; 16 beside an alert, whose slot then takes its compact form if it must). */
#define HEADER_PATH_MIN 8
#define HEADER_PATH_MIN_BESIDE_ALERT 16

typedef struct header_right {
    const char *slot, *flag, *user, *prober; /* NULL: not shown */
    int width;                               /* columns, with the gaps */
} header_right;

/* The columns from the slot's first to the screen's edge, the gaps and the margin included
 * (as the header has always been laid out: the screens tests compare keep it). */
static int header_right_width(const header_right *r)
{
    return 1 + (r->slot ? mm_text_width(r->slot) + 1 : 0) + (r->flag ? mm_text_width(r->flag) : 0) +
           (r->user ? mm_text_width(r->user) + 3 : 0) +
           (r->prober ? mm_text_width(r->prober) + 2 : 0);
}

static header_right fit_header_right(int room, const ui_alert_slot *slot, const char *flag,
                                     const char *user, const char *prober)
{
    header_right r = {slot->text[0] ? slot->text : NULL, *flag ? flag : NULL, user, prober, 0};
    int path_min = r.slot ? HEADER_PATH_MIN_BESIDE_ALERT : HEADER_PATH_MIN;
    if (header_right_width(&r) + path_min > room)
        r.user = NULL;
    if (header_right_width(&r) + path_min > room)
        r.prober = NULL;
    if (r.slot && header_right_width(&r) + path_min > room)
        r.slot = slot->compact;
    r.width = header_right_width(&r);
    return r;
}

static void draw_header(ui_app *app)
{
    WINDOW *win = app->header.win;
    wbkgdset(win, (chtype)' ' | ui_theme_attr(&app->theme, UI_EL_HEADER) |
                      (chtype)COLOR_PAIR(ui_theme_pair(&app->theme, UI_EL_HEADER)));
    werase(win);
    char prober[64];
    ui_prober_state(app, prober, sizeof prober);
    char user[96];
    snprintf(user, sizeof user, "user: %s", catalog_actor(app->cat));
    const char *flag = catalog_is_damaged(app->cat) ? " [DAMAGED: run mmadmin check] "
                       : app->read_only             ? " [READ-ONLY] "
                                                    : "";
    if (app->alert_slot_stale) {
        ui_alert_bar_text(&app->catalog_reach, app->cat, &app->alert_slot);
        app->alert_slot_stale = false;
    }
    const ui_alert_slot slot = app->alert_slot;
    int x = ui_draw_clip(app, win, 0, 0, app->cols, UI_EL_HEADER, " mmadmin  catalog: ");
    header_right right = fit_header_right(app->cols - x, &slot, flag, user, prober);
    char path[MM_URL_MAX];
    int room = app->cols - x - right.width - 1;
    ui_shorten_middle(app, path, sizeof path, catalog_display(app->cat), room > 8 ? room : 8);
    ui_draw_clip(app, win, 0, x, room > 0 ? room : 0, UI_EL_HEADER, path);
    x = app->cols - right.width;
    if (x < 0)
        return;
    if (right.slot)
        x += ui_draw_clip(app, win, 0, x, app->cols - x, slot.critical ? UI_EL_BAD : UI_EL_WARN,
                          right.slot) +
             1;
    if (right.flag)
        x += ui_draw_clip(app, win, 0, x, app->cols - x, UI_EL_HEADER_FLAG, right.flag) + 1;
    if (right.user)
        x += ui_draw_clip(app, win, 0, x, app->cols - x, UI_EL_HEADER, right.user) + 2;
    if (right.prober)
        ui_draw_clip(app, win, 0, x, app->cols - x, UI_EL_HEADER, right.prober);
}

static void draw_sidebar(ui_app *app)
{
    WINDOW *win = app->sidebar.win;
    int h = getmaxy(win);
    ui_draw_frame(app, win, UI_EL_SIDEBAR, app->focus_sidebar ? UI_EL_BORDER_FOCUS : UI_EL_BORDER);
    ui_draw_clip(app, win, 0, 2, app->sidebar_w - 4, UI_EL_TITLE, " Pages ");
    for (size_t i = 0; i < app->n_pages && (int)i + 2 < h - 1; i++) {
        char line[64];
        const ui_page *page = app->pages[i];
        bool wide = app->sidebar_w >= UI_SIDEBAR_WIDE || !page->short_title;
        snprintf(line, sizeof line, " %zu %s", i + 1, wide ? page->title : page->short_title);
        ui_element el = UI_EL_SIDEBAR;
        if (i == app->current)
            el = app->focus_sidebar ? UI_EL_SIDEBAR_SELECTED : UI_EL_SIDEBAR_CURRENT;
        ui_draw_text(app, win, 1 + (int)i, 1, app->sidebar_w - 2, el, UI_ALIGN_LEFT, line);
    }
    char pages[16];
    snprintf(pages, sizeof pages, "1-%zu  pages", app->n_pages);
    const char *hints[] = {"Tab  focus", pages, "?    keys", "q    quit"};
    int n = (int)(sizeof hints / sizeof hints[0]);
    if (h - 2 - n > (int)app->n_pages + 2)
        for (int i = 0; i < n; i++)
            ui_draw_clip(app, win, h - 1 - n + i, 2, app->sidebar_w - 3, UI_EL_DIM, hints[i]);
}

static void draw_main(ui_app *app)
{
    WINDOW *win = app->main.win;
    int h, w;
    getmaxyx(win, h, w);
    bool focused = !app->focus_sidebar && app->n_modals == 0;
    ui_draw_frame(app, win, UI_EL_NORMAL, focused ? UI_EL_BORDER_FOCUS : UI_EL_BORDER);
    ui_page *page = ui_current_page(app);
    if (!page)
        return;
    char title[160];
    snprintf(title, sizeof title, " %s%s%s ", page->title, page->subtitle[0] ? " · " : "",
             page->subtitle);
    if (!app->utf8)
        snprintf(title, sizeof title, " %s%s%s ", page->title, page->subtitle[0] ? " - " : "",
                 page->subtitle);
    ui_draw_clip(app, win, 0, 2, w - 4, UI_EL_TITLE, title);
    if (page->ops->draw)
        page->ops->draw(page, app, win, (ui_rect){1, 1, h - 2, w - 2}, !app->focus_sidebar);
}

static void draw_message(ui_app *app)
{
    WINDOW *win = app->message.win;
    wbkgdset(win, (chtype)' ');
    werase(win);
    if (app->message_text[0])
        ui_draw_clip(app, win, 0, 1, app->cols - 2, app->message_element, app->message_text);
    else if (app->n_modals == 0)
        ui_draw_clip(app, win, 0, 1, app->cols - 2, UI_EL_DIM,
                     app->focus_sidebar
                         ? "Sidebar: arrows or j/k choose a page, Enter or Tab goes to it."
                         : "Arrows or j/k move, Enter opens, / filters, s sorts, ? lists every "
                           "key.");
}

/* The bar's bindings: the top modal's, or the frame's plus the current page's. */
static const ui_binding FRAME_BINDINGS[] = {
    {1, '?', "?", "Help", "this help: every key of the current page", .edits = false},
    {10, 'q', "q", "Quit", "quit the console (Esc closes dialogs)", .edits = false},
};

static const ui_binding *page_bindings(ui_page *page, size_t *count)
{
    *count = 0;
    return page && page->ops->bindings ? page->ops->bindings(page, count) : NULL;
}

/* A binding is offered (bar, mouse) unless it edits and the console is read-only. */
static bool offered(const ui_app *app, const ui_binding *b)
{
    return !(b->edits && app->read_only);
}

/* The bindings of the current context; shown_only: those the bar offers (labelled, and no
 * edit key in read-only mode), else every one (F-keys of hidden edit keys still answer). */
static size_t collect_bindings(ui_app *app, const ui_binding **out, size_t cap, bool shown_only)
{
    size_t n = 0, count = 0;
    if (app->n_modals) {
        ui_modal *top = app->modals[app->n_modals - 1];
        const ui_binding *b = top->bindings ? top->bindings(top, &count) : NULL;
        for (size_t i = 0; i < count && n < cap; i++)
            if (!shown_only || offered(app, &b[i]))
                out[n++] = &b[i];
        return n;
    }
    out[n++] = &FRAME_BINDINGS[0];
    const ui_binding *b = page_bindings(ui_current_page(app), &count);
    for (size_t i = 0; i < count && n + 1 < cap; i++)
        if (!shown_only || (b[i].label && offered(app, &b[i])))
            out[n++] = &b[i];
    out[n++] = &FRAME_BINDINGS[1];
    return n;
}

/* The key cap of a binding: "F2 a" (long form) or "a" (short form). */
static void key_cap(const ui_app *app, const ui_binding *b, bool long_form, char *out, size_t outsz)
{
    const char *name = b->key_name;
    if (b->key == '\n')
        name = app->utf8 ? "↵" : "Ent";
    if (long_form && b->fkey)
        snprintf(out, outsz, "F%d %s", b->fkey, name);
    else
        snprintf(out, outsz, "%s", name);
}

static int bar_width(const ui_app *app, const ui_binding **items, size_t n, bool long_form)
{
    int total = 0;
    for (size_t i = 0; i < n; i++) {
        char cap[32];
        key_cap(app, items[i], long_form, cap, sizeof cap);
        total += mm_text_width(cap) + mm_text_width(items[i]->label) + 2;
    }
    return total;
}

static void draw_bar(ui_app *app)
{
    WINDOW *win = app->bar.win;
    wbkgdset(win, (chtype)' ' | ui_theme_attr(&app->theme, UI_EL_BAR_LABEL) |
                      (chtype)COLOR_PAIR(ui_theme_pair(&app->theme, UI_EL_BAR_LABEL)));
    werase(win);
    const ui_binding *items[24];
    size_t n = collect_bindings(app, items, 24, true);
    bool long_form = bar_width(app, items, n, true) <= app->cols;
    int x = 0;
    app->n_bar_hits = 0;
    for (size_t i = 0; i < n && x < app->cols; i++) {
        char cap[32];
        key_cap(app, items[i], long_form, cap, sizeof cap);
        int x0 = x;
        x += ui_draw_clip(app, win, 0, x, app->cols - x, UI_EL_BAR_KEY, cap);
        if (x >= app->cols)
            break;
        x += ui_draw_clip(app, win, 0, x, app->cols - x, UI_EL_BAR_LABEL, " ");
        x += ui_draw_clip(app, win, 0, x, app->cols - x, UI_EL_BAR_LABEL, items[i]->label);
        if (x < app->cols)
            x += ui_draw_clip(app, win, 0, x, app->cols - x, UI_EL_BAR_LABEL, " ");
        if (app->n_bar_hits < sizeof app->bar_hits / sizeof app->bar_hits[0]) {
            int key = items[i]->key ? items[i]->key : UI_FN(KEY_F(items[i]->fkey));
            app->bar_hits[app->n_bar_hits][0] = x0;
            app->bar_hits[app->n_bar_hits][1] = x;
            app->bar_hits[app->n_bar_hits][2] = key;
            app->n_bar_hits++;
        }
    }
}

static void draw_too_small(ui_app *app)
{
    werase(stdscr);
    const char *note = "terminal too small (needs 80x24)";
    char size[48];
    snprintf(size, sizeof size, "now %dx%d", app->cols, app->rows);
    int y = app->rows / 2;
    ui_draw_clip(app, stdscr, y > 0 ? y - 1 : 0, 0, app->cols, UI_EL_BAD, note);
    ui_draw_clip(app, stdscr, y, 0, app->cols, UI_EL_DIM, size);
    wnoutrefresh(stdscr);
}

static void render(ui_app *app)
{
    app->redraw_needed = false;
    if (app->too_small) {
        curs_set(0);
        draw_too_small(app);
        doupdate();
        return;
    }
    ui_trace_mark(&app->trace, NULL, NULL);
    draw_header(app);
    ui_trace_mark(&app->trace, "header", NULL);
    draw_sidebar(app);
    draw_main(app);
    ui_trace_mark(&app->trace, "draw", NULL);
    draw_message(app);
    draw_bar(app);
    bool cursor = false;
    for (size_t i = 0; i < app->n_modals; i++) {
        app->modals[i]->draw(app->modals[i], app);
        cursor = app->modals[i]->wants_cursor;
    }
    update_panels();
    curs_set(cursor ? 1 : 0);
    doupdate();
    ui_trace_mark(&app->trace, "doupdate", NULL);
    if (app->health && !app->alerts_tried) { /* once the first figures are out */
        app->alerts_tried = true;
        ui_monitor_first_frame(app);
    }
    ui_page *page = ui_current_page(app);
    if (page && page->ops->after_frame)
        page->ops->after_frame(page, app);
    ui_trace_mark(&app->trace, "after-frame", NULL);
    app->idle_left = true; /* what the frame shows may have work between keys */
}

/* ---- input ---- */

static int bar_key_at(const ui_app *app, int x)
{
    for (size_t i = 0; i < app->n_bar_hits; i++)
        if (x >= app->bar_hits[i][0] && x < app->bar_hits[i][1])
            return app->bar_hits[i][2];
    return 0;
}

static void dispatch_key(ui_app *app, int key);

/* Translates F-keys of the current context to the letter they stand for. */
static int translate_fkey(ui_app *app, int key)
{
    if (!UI_IS_FN(key))
        return key;
    const ui_binding *items[24];
    size_t n = collect_bindings(app, items, 24, false);
    for (size_t i = 0; i < n; i++)
        if (items[i]->fkey && key == UI_FN(KEY_F(items[i]->fkey)) && items[i]->key)
            return items[i]->key;
    return key;
}

static void frame_mouse(ui_app *app, const MEVENT *ev)
{
    if (ev->y == app->rows - 1) {
        int key = bar_key_at(app, ev->x);
        if (key && (ev->bstate & UI_MOUSE_CLICK))
            dispatch_key(app, key);
        return;
    }
    if (ev->x < app->sidebar_w && ev->y >= 2 && ev->y < 2 + (int)app->n_pages) {
        if (ev->bstate & UI_MOUSE_CLICK) {
            app->focus_sidebar = true;
            ui_switch_page(app, (size_t)(ev->y - 2));
        }
        return;
    }
    ui_page *page = ui_current_page(app);
    if (ev->x > app->sidebar_w && ev->y >= 2 && page && page->ops->handle_mouse) {
        app->focus_sidebar = false;
        int r =
            page->ops->handle_mouse(page, app, ev->y - 2, ev->x - app->sidebar_w - 1, ev->bstate);
        if (r & UI_REFRESH)
            page->loaded = false, ensure_loaded(app, page);
        app->redraw_needed = true;
    }
}

static void dispatch_mouse(ui_app *app)
{
    MEVENT ev;
    if (getmouse(&ev) != OK || app->too_small)
        return;
    /* a click is one action: it acts on the press; the release (which may land on what the
     * press opened) does nothing */
    if (!(ev.bstate & (UI_MOUSE_CLICK | BUTTON4_PRESSED | BUTTON5_PRESSED)))
        return;
    if (app->n_modals) {
        ui_modal *top = app->modals[app->n_modals - 1];
        if (top->handle_mouse) {
            int r = top->handle_mouse(top, app, &ev);
            if (r & UI_CLOSE)
                top->done = true;
        }
        app->redraw_needed = true;
        return;
    }
    frame_mouse(app, &ev);
}

static int sidebar_key(ui_app *app, int key)
{
    switch (key) {
    case UI_FN(KEY_UP):
    case 'k':
        if (app->current > 0)
            ui_switch_page(app, app->current - 1);
        return UI_HANDLED;
    case UI_FN(KEY_DOWN):
    case 'j':
        if (app->current + 1 < app->n_pages)
            ui_switch_page(app, app->current + 1);
        return UI_HANDLED;
    case '\n':
    case '\r':
    case UI_FN(KEY_ENTER):
    case UI_FN(KEY_RIGHT):
    case 'l':
        app->focus_sidebar = false;
        return UI_HANDLED;
    default:
        return UI_IGNORED;
    }
}

static void show_help(ui_app *app)
{
    ui_page *page = ui_current_page(app);
    char extra[2048] = "";
    if (page && page->ops->help_extra)
        page->ops->help_extra(page, app, extra, sizeof extra);
    ui_help_page help = {
        .title = page ? page->title : NULL, .extra = extra, .read_only = app->read_only};
    help.keys = page_bindings(page, &help.n_keys);
    ui_help_show(app, &help);
}

static int frame_key(ui_app *app, int key)
{
    if (key >= '1' && key <= '9' && (size_t)(key - '1') < app->n_pages) {
        ui_switch_page(app, (size_t)(key - '1'));
        app->focus_sidebar = false;
        return UI_HANDLED;
    }
    switch (key) {
    case '\t':
    case UI_FN(KEY_BTAB):
        app->focus_sidebar = !app->focus_sidebar;
        return UI_HANDLED;
    case '?':
    case UI_FN(KEY_F(1)):
        show_help(app);
        return UI_HANDLED;
    case 'r': /* pages with their own Reload row (Audit, Health) answer first */
        ui_set_message(app, UI_EL_DIM, "Read the page again from the catalog.");
        return UI_HANDLED | UI_REFRESH;
    case 'q':
    case UI_FN(KEY_F(10)):
        return UI_QUIT;
    case UI_FN(KEY_LEFT):
    case 'h':
        app->focus_sidebar = true;
        return UI_HANDLED;
    case UI_KEY_ESC:
        ui_clear_message(app);
        return UI_HANDLED;
    default:
        return UI_IGNORED;
    }
}

/* The page's binding for key (its own key or its second one), or NULL. */
static const ui_binding *page_binding_for(ui_page *page, int key)
{
    size_t count;
    const ui_binding *b = page_bindings(page, &count);
    for (size_t i = 0; i < count; i++)
        if (b[i].key && (key == b[i].key || key == b[i].alt_key))
            return &b[i];
    return NULL;
}

/* The one home of the read-only rule: an edit key answers why it does nothing. */
static int refuse_read_only(ui_app *app, const ui_binding *b)
{
    ui_set_message(app, UI_EL_WARN,
                   "%s Read-only: %s is disabled (started with --read-only, or the catalog file "
                   "is not writable).",
                   ui_glyph(app, UI_G_WARN), b->action ? b->action : b->description);
    return UI_HANDLED;
}

/* A key for the page: its binding row acts (edit rows refused in read-only mode), the rest
 * goes to the page's handle_key. While the page takes text (a filter), the text comes first. */
static int page_key(ui_app *app, ui_page *page, int key)
{
    bool typing = page->ops->typing && page->ops->typing(page);
    const ui_binding *b = typing ? NULL : page_binding_for(page, key);
    if (b && b->edits && app->read_only)
        return refuse_read_only(app, b);
    if (b && b->run)
        return b->run(page, app);
    return page->ops->handle_key ? page->ops->handle_key(page, app, key) : UI_IGNORED;
}

/* A paste with no dialog open: into the page's filter while one is typed, else refused. */
static void paste_into_page(ui_app *app, ui_page *page)
{
    bool typing = page && !app->focus_sidebar && page->ops->typing && page->ops->typing(page);
    if (!typing || !page->ops->handle_key) {
        ui_set_message(app, UI_EL_WARN, "Nothing here takes a paste: open a form or a filter.");
        return;
    }
    const char *p = app->paste;
    mbstate_t ps;
    memset(&ps, 0, sizeof ps);
    wchar_t wc;
    size_t n;
    while (*p && (n = mbrtowc(&wc, p, strlen(p), &ps)) != (size_t)-1 && n != (size_t)-2 && n) {
        if (wc >= 32 && wc != 127) /* a filter is one line */
            page->ops->handle_key(page, app, (int)wc);
        p += n;
    }
}

static void dispatch_key(ui_app *app, int key)
{
    app->redraw_needed = true;
    if (key == UI_FN(KEY_MOUSE)) {
        dispatch_mouse(app);
        return;
    }
    if (app->too_small) {
        if (key == 'q' && app->n_modals == 0)
            app->quit = true;
        return; /* keys typed blind into a layout that is not shown are ignored */
    }
    key = translate_fkey(app, key);
    if (app->n_modals) {
        ui_modal *top = app->modals[app->n_modals - 1];
        int r = top->handle_key(top, app, key);
        if (r & UI_CLOSE)
            top->done = true;
        if (r & UI_QUIT)
            app->quit = true;
        return;
    }
    ui_clear_message(app);
    ui_page *page = ui_current_page(app);
    if (key == UI_KEY_PASTE) {
        paste_into_page(app, page);
        return;
    }
    int r = UI_IGNORED;
    if (app->focus_sidebar)
        r = sidebar_key(app, key);
    if (!(r & UI_HANDLED) && !app->focus_sidebar && page)
        r = page_key(app, page, key);
    if (!(r & (UI_HANDLED | UI_QUIT)))
        r |= frame_key(app, key);
    if (r & UI_REFRESH && page) {
        page->loaded = false;
        ensure_loaded(app, page);
    }
    if (r & UI_QUIT)
        app->quit = true;
}

/* The terminal's bracketed-paste marks, as key codes of their own (define_key). */
#define PASTE_BEGIN (KEY_MAX + 2)
#define PASTE_END (KEY_MAX + 3)

const char *ui_paste_text(const ui_app *app)
{
    return app->paste;
}

/* Collects a paste's characters; true while the paste goes on (the key was part of it). */
static bool paste_collect(ui_app *app, int rc, wint_t wch)
{
    if (rc == KEY_CODE_YES && wch == PASTE_BEGIN) {
        app->pasting = true;
        app->paste_len = 0;
        app->paste_overflow = false;
        return true;
    }
    if (!app->pasting)
        return false;
    if (rc == KEY_CODE_YES && wch == PASTE_END) {
        app->pasting = false;
        app->paste[app->paste_len] = '\0';
        if (app->paste_overflow)
            ui_set_message(app, UI_EL_ERROR, "The paste was refused: over %d bytes.",
                           UI_PASTE_MAX - 1);
        else
            dispatch_key(app, UI_KEY_PASTE);
        return true;
    }
    if (rc == KEY_CODE_YES)
        return true; /* a key code inside a paste (ncurses matched a sequence): dropped */
    char mb[MB_LEN_MAX];
    mbstate_t ps;
    memset(&ps, 0, sizeof ps);
    size_t n = wcrtomb(mb, (wchar_t)wch, &ps);
    if (n == (size_t)-1 || app->paste_len + n >= sizeof app->paste)
        app->paste_overflow = true;
    else
        memcpy(app->paste + app->paste_len, mb, n), app->paste_len += n;
    return true;
}

static void read_keys(ui_app *app)
{
    for (int i = 0; i < 256 && !app->quit; i++) {
        wint_t wch;
        int rc = wget_wch(stdscr, &wch);
        if (rc == ERR)
            return;
        if (paste_collect(app, rc, wch))
            continue;
        if (rc == KEY_CODE_YES) {
            if (wch == KEY_RESIZE) { /* ncurses has resized already (resizeterm queues it) */
                layout(app);
                continue;
            }
            dispatch_key(app, wch == KEY_ENTER ? '\n' : UI_FN((int)wch));
        } else {
            dispatch_key(app, wch == '\r' ? '\n' : (int)wch);
        }
        if (app->n_modals && app->modals[app->n_modals - 1]->done) {
            /* the rest of a burst (keys typed ahead) belongs to what is under the closed
             * modal: leave it queued for the loop that runs there */
            app->keys_pending = true;
            return;
        }
    }
}

/* ---- the loop ---- */

/* The loop wakes at least this often to see whether another process changed the catalog. */
#define UI_LIVE_CHECK_MS 1000
/* Another connection's commits reload the page on screen at most this often: a probe round of
 * 10,000 accounts commits many times a second, and keys must not wait behind its reloads. */
#define UI_FOLLOW_GAP_MS 500
/* A slice of the page's work between keys (ui_page_ops.idle): a key typed meanwhile waits this
 * long at most. */
#define UI_IDLE_SLICE_US 2000

/* Milliseconds to wait; *asked = a page or dialog wants a redraw then (not only the check). */
static int next_timeout(ui_app *app, bool *asked)
{
    int timeout = UI_LIVE_CHECK_MS;
    *asked = false;
    ui_page *page = ui_current_page(app);
    int t = page && page->ops->timer_ms ? page->ops->timer_ms(page, app) : -1;
    if (page && !page->loaded) { /* a reload waits for the gap: wake when it is over */
        int64_t wait = app->follow_after_ms - mm_monotonic_ms();
        timeout = wait < 0 ? 0 : wait < timeout ? (int)wait : timeout;
    }
    for (size_t i = 0;; i++) {
        if (t >= 0 && t <= timeout)
            timeout = t, *asked = true;
        if (i >= app->n_modals)
            break;
        t = app->modals[i]->timer_ms ? app->modals[i]->timer_ms(app->modals[i]) : -1;
    }
    return timeout;
}

/* Another process (a second console, the CLI, the gateway) committed to the catalog: every page
 * reads again when shown (a page that shows only audited data only when the commit was an
 * audited change); the one on screen now, unless a dialog is open over it (then when
 * the dialog closes). Tables keep their selection, filter, sort and scroll across the reload. */
static void follow_catalog(ui_app *app)
{
    int64_t version = 0;
    mm_error err;
    mm_error_clear(&err);
    mm_status read = catalog_data_version(app->cat, &version, &err);
    ui_trace_mark(&app->trace, "data-version", NULL);
    bool reach_changed = ui_alert_bar_follow(app, read, &err); /* its server answers? */
    app->redraw_needed |= reach_changed;
    app->alert_slot_stale |= reach_changed;
    if (read == MM_OK && version != app->data_version) {
        app->data_version = version;
        app->alert_slot_stale = true;                /* the alerts firing may have changed */
        int64_t audited = catalog_version(app->cat); /* -1 on a read error: every page */
        bool audited_moved = audited < 0 || audited != app->audit_version;
        app->audit_version = audited;
        for (size_t i = 0; i < app->n_pages; i++)
            if (audited_moved || app->pages[i]->ops->follows_unaudited)
                app->pages[i]->loaded = false;
        ui_trace_mark(&app->trace, "commit-seen", audited_moved ? "audited" : "unaudited");
    }
    ui_page *page = ui_current_page(app);
    int64_t now = mm_monotonic_ms();
    if (page && !page->loaded && app->n_modals == 0 && !app->too_small &&
        now >= app->follow_after_ms) {
        ensure_loaded(app, page);
        app->follow_after_ms = mm_monotonic_ms() + UI_FOLLOW_GAP_MS;
        app->redraw_needed = true;
    }
}

static void drain_wake_pipe(ui_app *app)
{
    char buf[64];
    while (read(app->wake_read, buf, sizeof buf) > 0)
        ;
    ui_trace_mark(&app->trace, NULL, NULL);
    ui_jobs_collect(app);
    bool taken = ui_monitor_take(app);
    ui_trace_mark(&app->trace, "wake", taken ? "snapshot" : NULL);
    app->alert_slot_stale = true;
    for (size_t i = 0; i < app->n_pages; i++)
        if (app->pages[i]->ops->on_wake) {
            app->pages[i]->ops->on_wake(app->pages[i], app);
            ui_trace_mark(&app->trace, "on-wake", app->pages[i]->id);
        }
    app->redraw_needed = true;
}

/* One turn: draw if needed, wait for input / wake / signal / timer, handle what came. */
static void loop_turn(ui_app *app)
{
    if (app->redraw_needed)
        render(app);
    if (app->keys_pending) {
        app->keys_pending = false;
        read_keys(app);
        return;
    }
    bool timer_asked = false;
    int timeout = next_timeout(app, &timer_asked);
    ui_page *idle =
        app->idle_left && app->n_modals == 0 && timeout > 0 ? ui_current_page(app) : NULL;
    if ((idle && idle->ops->idle) || app->health_parked || app->alerts_due)
        timeout = 0; /* input first, then a slice of the page's work */
    struct timespec ts = {timeout / 1000, (long)(timeout % 1000) * 1000000L};
    /* the third: PostgreSQL's LISTEN connection, readable when another session commits (-1 on
     * SQLite, ignored by ppoll: data_version is read every turn) */
    struct pollfd fds[3] = {{STDIN_FILENO, POLLIN, 0},
                            {app->wake_read, POLLIN, 0},
                            {catalog_change_fd(app->cat), POLLIN, 0}};
    sigset_t unblocked;
    sigemptyset(&unblocked);
    ui_trace_end(&app->trace);
    int n = ppoll(fds, 3, &ts, &unblocked);
    ui_trace_turn(&app->trace);
    /* keys alone: their redraw first, another connection's reload after it */
    bool keys_first = n > 0 && fds[0].revents == POLLIN && !(fds[1].revents & POLLIN) &&
                      !g_got_term && !g_got_winch;
    if (keys_first) {
        read_keys(app);
        ui_trace_mark(&app->trace, "keys", NULL);
        if (app->redraw_needed && !app->quit)
            render(app);
    }
    follow_catalog(app);
    if (g_got_term) {
        app->quit = true;
        return;
    }
    if (g_got_winch) {
        g_got_winch = 0;
        handle_resize(app);
    }
    if (n < 0)
        return;
    if (n == 0 && ui_monitor_between_keys(app)) {
        ui_trace_mark(&app->trace, "monitor",
                      NULL); /* a snapshot freed, the alert engine started */
        return;
    }
    if (n == 0 && idle && idle->ops->idle) {
        app->idle_left = idle->ops->idle(idle, app, mm_monotonic_us() + UI_IDLE_SLICE_US);
        ui_trace_mark(&app->trace, "idle", idle->id);
        return;
    }
    if (n == 0) {
        if (timer_asked)
            app->redraw_needed = true; /* timer: spinner frame, relative times */
        return;
    }
    if (fds[1].revents & POLLIN)
        drain_wake_pipe(app);
    if (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
        app->quit = true; /* the terminal went away */
        return;
    }
    if ((fds[0].revents & POLLIN) && !keys_first) {
        read_keys(app);
        ui_trace_mark(&app->trace, "keys", NULL);
    }
}

bool ui_run_modal(ui_app *app, ui_modal *m)
{
    if (app->n_modals >= UI_MAX_MODALS || app->quit)
        return false;
    m->done = false;
    app->modals[app->n_modals++] = m;
    if (!app->too_small)
        m->layout(m, app);
    else if (m->hide)
        m->layout(m, app), m->hide(m, app, true);
    app->redraw_needed = true;
    while (!m->done && !app->quit)
        loop_turn(app);
    app->n_modals--;
    app->redraw_needed = true;
    return !app->quit;
}

/* ---- start and stop ---- */

static bool locale_is_utf8(void)
{
    const char *codeset = nl_langinfo(CODESET);
    return codeset && (strcmp(codeset, "UTF-8") == 0 || strcmp(codeset, "utf8") == 0);
}

static bool open_catalog(ui_app *app, const mm_ui_options *opts)
{
    mm_catalog_options copts = {
        .path = opts->db_path, .read_only = opts->read_only, .create = !opts->read_only};
    mm_error err;
    mm_error_clear(&err);
    if (catalog_open(&copts, &app->cat, &err) != MM_OK) {
        fprintf(stderr, "mmadmin: %s\n", err.message);
        return false;
    }
    app->read_only = opts->read_only || catalog_is_read_only(app->cat);
    return true;
}

static bool create_pages(ui_app *app, const char *start_page)
{
    size_t count;
    const ui_page_entry *entries = ui_page_registry(&count);
    app->pages = calloc(count, sizeof *app->pages);
    if (!app->pages)
        return false;
    for (size_t i = 0; i < count; i++) {
        ui_page *page = entries[i].create ? entries[i].create(app, entries[i].id, entries[i].title)
                                          : ui_page_coming_new(app, &entries[i]);
        if (!page)
            return false;
        page->short_title = entries[i].short_title;
        app->pages[app->n_pages++] = page;
        if (start_page && strcmp(start_page, entries[i].id) == 0)
            app->current = i;
    }
    return true;
}

static void destroy_pages(ui_app *app)
{
    for (size_t i = 0; i < app->n_pages; i++)
        app->pages[i]->ops->destroy(app->pages[i]);
    free(app->pages);
    app->pages = NULL;
    app->n_pages = 0;
}

static bool start_curses(ui_app *app)
{
    /* NCURSES_NO_UTF8_ACS asks for the terminal's own line drawing: we use ASCII borders. */
    const char *no_acs = getenv("NCURSES_NO_UTF8_ACS");
    app->utf8 = locale_is_utf8();
    app->ascii_lines = !app->utf8 || (no_acs && *no_acs && strcmp(no_acs, "0") != 0);
    if (!initscr())
        return false;
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_RELEASED | BUTTON4_PRESSED |
                  BUTTON5_PRESSED,
              NULL);
    mouseinterval(0);
    /* bracketed paste: a paste arrives marked, and is one value (never keys) */
    define_key("\033[200~", PASTE_BEGIN);
    define_key("\033[201~", PASTE_END);
    fputs("\033[?2004h", stdout);
    fflush(stdout);
    ui_theme_init(&app->theme);
    return true;
}

static int run(ui_app *app, const mm_ui_options *opts)
{
    ui_monitor_start(app);
    if (!create_pages(app, opts->start_page)) {
        fprintf(stderr, "mmadmin: out of memory\n");
        return 1;
    }
    if (!start_curses(app)) {
        fprintf(stderr, "mmadmin: cannot start the terminal (is TERM set?)\n");
        return 1;
    }
    layout(app);
    ui_trace_open(&app->trace);
    ui_trace_turn(&app->trace);
    follow_catalog(app);
    ensure_loaded(app, ui_current_page(app));
    while (!app->quit)
        loop_turn(app);
    ui_trace_close(&app->trace);
    ui_jobs_join_all(app);
    endwin();
    fputs("\033[?2004l", stdout);
    fflush(stdout);
    return 0;
}

int ui_main(const mm_ui_options *opts)
{
    setlocale(LC_ALL, "");
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "mmadmin: the console needs a terminal; for scripts use the "
                        "subcommands (mmadmin --help)\n");
        return 2;
    }
    ui_app app;
    memset(&app, 0, sizeof app);
    app.wake_read = app.wake_write = -1;
    app.alert_slot_stale = true;
    if (!open_catalog(&app, opts))
        return 1;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
        perror("mmadmin: pipe");
        catalog_close(app.cat);
        return 1;
    }
    app.wake_read = fds[0];
    app.wake_write = fds[1];
    sigset_t old_mask;
    install_signals(&old_mask);
    int rc = run(&app, opts);
    ui_win *wins[] = {&app.header, &app.sidebar, &app.main, &app.message, &app.bar};
    for (size_t i = 0; i < sizeof wins / sizeof wins[0]; i++)
        ui_win_destroy(wins[i]);
    destroy_pages(&app);
    ui_monitor_stop(&app);
    restore_signals(&old_mask);
    close(app.wake_read);
    close(app.wake_write);
    catalog_close(app.cat);
    if (g_got_term)
        return 0;
    return rc;
}
