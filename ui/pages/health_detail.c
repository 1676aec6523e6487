/* The health detail modal, a full-screen sub-view on the page background: layout (status line,
 * three charts, a scrolled list of text lines), the text lines (spend, cap and projection,
 * cool-down, fallbacks, last errors) rebuilt from the app's snapshot at each draw, and the
 * router's what-if (router/whatif.h) refreshed when figures change. */
#include "pages/health_detail.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "health/chain_health.h"
#include "page.h"
#include "pages/health_format.h"
#include "widgets/dialog.h"
#include "util/clock.h"
#include "router/whatif.h"
#include "util/money.h"
#include "util/text.h"
#include "widgets/chart.h"

#define LINE_MAX 512
#define ROUTE_REFRESH_MS 1000
#define GAUGE_W 24

typedef struct detail_line {
    ui_element element;
    char text[LINE_MAX];
    bool gauge; /* draw a gauge of `fraction` before the text */
    double fraction;
    ui_element gauge_element;
} detail_line;

typedef struct health_detail {
    ui_modal modal;
    ui_win win;
    mm_health_snapshot *const *snapshot;
    char account[MM_NAME_MAX];
    /* the router's view, and what it was computed from */
    router_account_outlook route;
    char route_problem[MM_MESSAGE_MAX];
    bool route_loaded;
    int64_t route_event_id, route_figures_ms; /* the snapshot it was computed from */
    int64_t route_at_mono, route_cooling_until;
    /* the text lines under the charts */
    detail_line *lines;
    size_t n_lines, cap_lines;
    int scroll, body_h;
} health_detail;

static const ui_binding DETAIL_KEYS[] = {
    {0, UI_KEY_ESC, "Esc", "Close", "back to the table (also Enter or q)", .edits = false},
    {0, 0, "↑↓", "Scroll", "scroll the text under the charts (PgUp/PgDn, Home/End)",
     .edits = false},
};

static const mm_health_figures *current_figures(const health_detail *d, int64_t *now_ms)
{
    const mm_health_snapshot *snap = *d->snapshot;
    if (!snap)
        return NULL;
    *now_ms = snap->report.now_ms;
    return health_report_find(&snap->report, d->account);
}

/* ---- the text lines ---- */

static detail_line *add_line(health_detail *d, ui_element element, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static detail_line *add_line(health_detail *d, ui_element element, const char *fmt, ...)
{
    if (d->n_lines == d->cap_lines) {
        size_t cap = d->cap_lines ? d->cap_lines * 2 : 32;
        detail_line *grown = realloc(d->lines, cap * sizeof *grown);
        if (!grown)
            return NULL;
        d->lines = grown;
        d->cap_lines = cap;
    }
    detail_line *line = &d->lines[d->n_lines++];
    memset(line, 0, sizeof *line);
    line->element = element;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line->text, sizeof line->text, fmt, ap);
    va_end(ap);
    return line;
}

/* Adds text word-wrapped to width, continuation lines indented by `indent` spaces. */
static void add_wrapped(health_detail *d, ui_element element, int width, int indent,
                        const char *text)
{
    ui_lines wrapped = {0};
    ui_wrap(text, width - indent > 10 ? width - indent : 10, &wrapped);
    for (size_t i = 0; i < wrapped.count; i++)
        add_line(d, element, "%*s%s", i ? indent : 0, "", wrapped.items[i]);
    ui_lines_free(&wrapped);
}

/* Month to date against the cap, when it resets and where the month's burn rate ends. */
static void month_lines(health_detail *d, const mm_health_figures *f, int64_t now, int width)
{
    char spent[MONEY_TEXT_MAX], cap[MONEY_TEXT_MAX], text[LINE_MAX];
    money_format_spend(f->cost_micros_month, f->month_unpriced, MONEY_DETAIL, spent, sizeof spent);
    int64_t month_start = mm_month_start_ms(now), next_month = mm_next_month_start_ms(now);
    int64_t cap_micros = money_cents_to_micros(f->monthly_cap_cents); /* 0: no cap */
    if (f->monthly_cap_cents != MM_LIMIT_UNSET) {
        money_format_cents(f->monthly_cap_cents, MONEY_DOLLARS, cap, sizeof cap);
        double fraction = money_cap_share(f->cost_micros_month, cap_micros);
        detail_line *line = add_line(d, UI_EL_NORMAL, "%s of %s monthly cap (%.0f%%)", spent, cap,
                                     fraction * 100.0);
        if (line) {
            line->gauge = true;
            line->fraction = fraction;
            line->gauge_element = money_cap_reached(f->cost_micros_month, cap_micros) ? UI_EL_BAD
                                  : fraction >= 0.8                                   ? UI_EL_WARN
                                                                                      : UI_EL_OK;
        }
    } else {
        add_line(d, UI_EL_NORMAL, "Month to date %s (no monthly cap set)", spent);
    }
    char resets[16], countdown[48];
    health_format_date(next_month, resets, sizeof resets);
    health_format_countdown(now, next_month, countdown, sizeof countdown);
    double elapsed = (double)(now - month_start) / (double)(next_month - month_start);
    double projected = elapsed > 0 ? (double)f->cost_micros_month / elapsed : 0;
    char projection[MONEY_TEXT_MAX];
    money_format_spend((int64_t)projected, f->month_unpriced, MONEY_DETAIL, projection,
                       sizeof projection);
    /* a burn rate from under a day of spend says nothing about the month: the month is less
     * than a day old, or all of its spend came within the last hour */
    bool too_early = now - month_start < 24LL * 3600 * 1000 ||
                     (f->cost_micros_month > 0 && f->cost_micros_hour >= f->cost_micros_month);
    if (too_early)
        snprintf(text, sizeof text,
                 "Resets %s 00:00 UTC (%s). Too early to project the month's end: less than a "
                 "day of spend.",
                 resets, countdown);
    else
        snprintf(text, sizeof text,
                 "Resets %s 00:00 UTC (%s). At this month's burn rate it ends the month at %s.",
                 resets, countdown, projection);
    ui_element el = UI_EL_NORMAL;
    if (!too_early && f->monthly_cap_cents != MM_LIMIT_UNSET && f->cost_micros_month > 0 &&
        projected > (double)cap_micros) {
        int64_t reach = month_start + (int64_t)((double)(next_month - month_start) * elapsed *
                                                (double)cap_micros / (double)f->cost_micros_month);
        char when[16];
        health_format_date(reach, when, sizeof when);
        size_t used = strlen(text);
        snprintf(text + used, sizeof text - used, " Over the cap: it would reach it on %s.", when);
        el = UI_EL_WARN;
    }
    add_wrapped(d, el, width, 2, text);
}

static void spend_lines(health_detail *d, const mm_health_figures *f, int64_t now, int width)
{
    char hour[MONEY_TEXT_MAX], text[LINE_MAX];
    const mm_health_snapshot *snap = *d->snapshot;
    if (snap && snap->month_pending) /* the month follows the first figures */
        add_line(d, UI_EL_DIM, "%s", "Month to date: being read.");
    else
        month_lines(d, f, now, width);
    money_format_spend(f->cost_micros_hour, f->unpriced, MONEY_DETAIL, hour, sizeof hour);
    const char *est = f->usage_estimated > 0 ? "~" : ""; /* some counts are estimates */
    snprintf(text, sizeof text,
             "Last hour: %" PRId64 " requests, %" PRId64 " errors, %" PRId64
             " rate-limit hits, tokens %s%" PRId64 " in / %s%" PRId64 " out, %s%s.",
             f->requests, f->errors, f->rate_limit_hits, est, f->tokens_in, est, f->tokens_out,
             f->unpriced < f->requests ? est : "", hour);
    add_wrapped(d, UI_EL_NORMAL, width, 2, text);
    if (f->tokens_cache_read > 0 || f->tokens_cache_write > 0 || f->usage_estimated > 0) {
        snprintf(text, sizeof text,
                 "Of the input: %" PRId64 " cache reads, %" PRId64
                 " cache writes (billed at their own prices). %" PRId64
                 " answers carried no usable usage: their tokens are the estimate (~).",
                 f->tokens_cache_read, f->tokens_cache_write, f->usage_estimated);
        add_wrapped(d, UI_EL_DIM, width, 2, text);
    }
}

static void cooldown_lines(health_detail *d, const mm_health_figures *f, int64_t now, int width)
{
    char text[LINE_MAX], countdown[48], when[32];
    if (!f->enabled) {
        snprintf(text, sizeof text, "Disabled: %s. The router skips it until it is enabled.",
                 f->disabled_reason[0] ? f->disabled_reason : "no reason given");
        add_wrapped(d, UI_EL_BAD, width, 2, text);
        return;
    }
    if (d->route.cooling && d->route.cooling_until_ms > now) {
        health_format_countdown(now, d->route.cooling_until_ms, countdown, sizeof countdown);
        mm_format_time(when, sizeof when, d->route.cooling_until_ms);
        snprintf(text, sizeof text,
                 "Cooling down until %s UTC (%s) after %s: the router tries the other targets "
                 "first.",
                 when, countdown, d->route.cooling_reason);
        add_wrapped(d, UI_EL_WARN, width, 2, text);
        return;
    }
    if (f->cooldown_until_ms > now) {
        health_format_countdown(now, f->cooldown_until_ms, countdown, sizeof countdown);
        mm_format_time(when, sizeof when, f->cooldown_until_ms);
        snprintf(text, sizeof text, "Rate-limited: the provider asked to retry after %s UTC (%s).",
                 when, countdown);
        add_wrapped(d, UI_EL_WARN, width, 2, text);
        return;
    }
    if (d->route.n_fallbacks == 0 && !d->route_problem[0]) {
        add_line(d, UI_EL_DIM, "Cool-down: none (the router uses this account normally).");
        return;
    }
    /* no cool-down, yet models fall back away from it: say why, so the lines agree */
    if (f->status == MM_HEALTH_HEALTHY || f->status == MM_HEALTH_UNKNOWN)
        snprintf(text, sizeof text, "Cool-down: none.");
    else
        snprintf(text, sizeof text,
                 "Cool-down: none, but the account is %s (%s): the router tries the other "
                 "targets first.",
                 mm_health_name(f->status), f->status_reason[0] ? f->status_reason : "no reason");
    add_wrapped(d, UI_EL_WARN, width, 2, text);
}

static void fallback_lines(health_detail *d, int width)
{
    const router_account_outlook *r = &d->route;
    if (d->route_problem[0]) {
        add_wrapped(d, UI_EL_ERROR, width, 2, d->route_problem);
        return;
    }
    if (r->n_models == 0) {
        add_line(d, UI_EL_DIM, "Fallbacks: no logical model uses this account.");
        return;
    }
    if (r->n_fallbacks == 0) {
        add_line(d, UI_EL_OK, "Fallbacks: none. Its %zu %s %s this account as planned.",
                 r->n_models, r->n_models == 1 ? "model" : "models",
                 r->n_models == 1 ? "reaches" : "reach");
        return;
    }
    add_line(d, UI_EL_WARN,
             "Falling back away from this account now (%zu of %zu %s):", r->n_fallbacks,
             r->n_models, r->n_models == 1 ? "model" : "models");
    size_t shown = r->n_fallbacks - r->n_more;
    for (size_t i = 0; i < shown; i++) {
        const router_fallback *fb = &r->fallbacks[i];
        char text[LINE_MAX];
        if (fb->served_by[0])
            snprintf(text, sizeof text, "%s %s (priority %d here) goes to %s first: %s", "-",
                     fb->model, fb->priority, fb->served_by, fb->why);
        else
            snprintf(text, sizeof text, "%s %s (priority %d here): %s", "-", fb->model,
                     fb->priority, fb->why);
        add_wrapped(d, UI_EL_NORMAL, width, 4, text);
    }
    if (r->n_more)
        add_line(d, UI_EL_DIM, "  ... and %zu more", r->n_more);
}

static void error_lines(health_detail *d, const mm_health_figures *f, int width)
{
    if (f->n_errors == 0) {
        add_line(d, UI_EL_DIM, "Last errors: none recorded.");
        return;
    }
    add_line(d, UI_EL_TITLE, "Last errors (newest first):");
    for (size_t i = 0; i < f->n_errors && i < MM_WINDOW_LAST_ERRORS; i++) {
        const mm_recent_error *e = &f->last_errors[i];
        char when[32], status[16] = "", clean[MM_MESSAGE_MAX], text[MM_MESSAGE_MAX + 128];
        mm_format_time(when, sizeof when, e->ts_ms);
        if (e->http_status)
            snprintf(status, sizeof status, " HTTP %d", e->http_status);
        mm_sanitize(clean, sizeof clean, e->message, strlen(e->message));
        const char *said = mm_error_message_after_class(clean, e->outcome);
        snprintf(text, sizeof text, "%s %s %s%s: %s", when + 11, e->kind, e->outcome, status,
                 said[0] ? said : "(no message)");
        add_wrapped(d, UI_EL_BAD, width, 4, text);
    }
}

static void build_lines(health_detail *d, const mm_health_figures *f, int64_t now, int width)
{
    d->n_lines = 0;
    spend_lines(d, f, now, width);
    add_line(d, UI_EL_NORMAL, "%s", "");
    if (f->ttft_p95_ms >= 0) /* only with streamed traffic in the hour */
        add_line(d, UI_EL_NORMAL, "Streamed, last hour: TTFT avg %.0f ms, TTFT p95 %.0f ms",
                 f->ttft_avg_ms, f->ttft_p95_ms);
    cooldown_lines(d, f, now, width);
    fallback_lines(d, width);
    add_line(d, UI_EL_NORMAL, "%s", "");
    error_lines(d, f, width);
}

/* ---- the router's view ---- */

static void refresh_route(health_detail *d, ui_app *app, int64_t now)
{
    const mm_health_snapshot *snap = *d->snapshot;
    int64_t mono = mm_monotonic_ms();
    if (!snap)
        return;
    bool changed =
        snap->last_event_id != d->route_event_id || snap->report.now_ms != d->route_figures_ms;
    bool due = changed && mono - d->route_at_mono >= ROUTE_REFRESH_MS;
    bool expired = d->route_cooling_until && now >= d->route_cooling_until;
    if (d->route_loaded && !due && !expired)
        return;
    d->route_loaded = true;
    d->route_event_id = snap->last_event_id;
    d->route_figures_ms = snap->report.now_ms;
    d->route_at_mono = mono;
    mm_error err;
    mm_error_clear(&err);
    d->route_problem[0] = '\0';
    mm_health_map map;
    mm_status st = health_map_from_report(&snap->report, &map, &err);
    if (st == MM_OK) {
        /* the monitor's statuses, so the detail agrees with the page */
        st = router_account_what_if_load(app->cat, &map, d->account, NULL, 0, mm_now_ms(),
                                         &d->route, &err);
        mm_health_map_free(&map);
    }
    if (st != MM_OK)
        snprintf(d->route_problem, sizeof d->route_problem,
                 "Could not work out the router's plan: %.400s", err.message);
    d->route_cooling_until = d->route.cooling ? d->route.cooling_until_ms : 0;
}

/* ---- drawing ---- */

/* The charts take about two fifths of the height; the text below scrolls. */
static int chart_height(int inner_h)
{
    int h = inner_h * 2 / 5;
    return h < 5 ? 5 : h > 14 ? 14 : h;
}

static void draw_charts(health_detail *d, ui_app *app, WINDOW *win, ui_rect area,
                        const mm_health_figures *f)
{
    double requests[MM_WINDOW_MINUTES], errors[MM_WINDOW_MINUTES], p95[MM_WINDOW_MINUTES];
    for (int i = 0; i < MM_WINDOW_MINUTES; i++) {
        requests[i] = f->series_requests[i];
        errors[i] = f->series_errors[i];
        p95[i] = f->series_p95_ms[i];
    }
    ui_chart charts[3] = {
        {"Requests/min", requests, MM_WINDOW_MINUTES, UI_SERIES_SUM, UI_EL_OK, "", "-60m", "now"},
        {"Errors/min", errors, MM_WINDOW_MINUTES, UI_SERIES_SUM, UI_EL_BAD, "", "-60m", "now"},
        {"p95/min", p95, MM_WINDOW_MINUTES, UI_SERIES_MAX, UI_EL_WARN, " ms", "-60m", "now"},
    };
    int gap = 3, w = (area.w - 2 * gap) / 3;
    for (int i = 0; i < 3; i++)
        ui_chart_draw(app, win, (ui_rect){area.y, area.x + i * (w + gap), area.h, w}, &charts[i]);
    (void)d;
}

static void draw_lines(health_detail *d, ui_app *app, WINDOW *win, ui_rect area)
{
    d->body_h = area.h;
    int max_scroll = (int)d->n_lines - area.h;
    if (d->scroll > max_scroll)
        d->scroll = max_scroll > 0 ? max_scroll : 0;
    for (int i = 0; i < area.h && (size_t)(d->scroll + i) < d->n_lines; i++) {
        const detail_line *line = &d->lines[d->scroll + i];
        int x = area.x, w = area.w;
        if (line->gauge) {
            ui_gauge_draw(app, win, area.y + i, x, GAUGE_W, line->fraction, line->gauge_element,
                          UI_EL_DIM);
            x += GAUGE_W + 1;
            w -= GAUGE_W + 1;
        }
        ui_draw_text(app, win, area.y + i, x, w, line->element, UI_ALIGN_LEFT, line->text);
    }
    if ((int)d->n_lines > area.h) {
        char more[64];
        snprintf(more, sizeof more, " %d-%d of %zu  %s%s ", d->scroll + 1,
                 d->scroll + area.h < (int)d->n_lines ? d->scroll + area.h : (int)d->n_lines,
                 d->n_lines, ui_glyph(app, UI_G_UP), ui_glyph(app, UI_G_DOWN));
        int wx = getmaxx(win);
        ui_draw_clip(app, win, getmaxy(win) - 1, wx - 2 - mm_text_width(more), wx, UI_EL_TITLE,
                     more);
    }
}

static void draw_header(ui_app *app, WINDOW *win, int w, const mm_health_figures *f)
{
    char status[64], line[LINE_MAX];
    ui_element el;
    health_format_status(app, f, status, sizeof status, &el);
    int x = 2 + ui_draw_clip(app, win, 1, 2, w - 4, el, status);
    const char *why = f->enabled ? f->status_reason : f->disabled_reason;
    if (why[0]) {
        snprintf(line, sizeof line, ": %s", why);
        ui_draw_text(app, win, 1, x, w - 2 - x, UI_EL_NORMAL, UI_ALIGN_LEFT, line);
    }
}

static void detail_draw(ui_modal *m, ui_app *app)
{
    health_detail *d = m->ctx;
    WINDOW *win = d->win.win;
    int h, w;
    getmaxyx(win, h, w);
    ui_draw_frame(app, win, UI_EL_NORMAL, UI_EL_BORDER_FOCUS);
    const mm_provider_info *p = NULL;
    int64_t now = 0;
    const mm_health_figures *f = current_figures(d, &now);
    if (f)
        p = provider_find(f->provider);
    char title[160];
    snprintf(title, sizeof title, " Health of %s%s%s ", d->account, f ? " · " : "",
             f ? (p ? p->display_name : f->provider) : "");
    if (!app->utf8)
        snprintf(title, sizeof title, " Health of %s%s%s ", d->account, f ? " - " : "",
                 f ? (p ? p->display_name : f->provider) : "");
    ui_draw_clip(app, win, 0, 2, w - 4, UI_EL_TITLE, title);
    if (!f) {
        ui_draw_clip(app, win, 2, 2, w - 4, UI_EL_DIM,
                     *d->snapshot ? "This account is no longer in the catalog."
                                  : "Loading the last hour...");
        return;
    }
    int64_t wall = mm_now_ms(); /* countdowns tick between snapshots */
    if (wall < now)
        wall = now;
    refresh_route(d, app, wall);
    draw_header(app, win, w, f);
    int inner_h = h - 2, ch = chart_height(inner_h);
    draw_charts(d, app, win, (ui_rect){3, 2, ch, w - 4}, f);
    build_lines(d, f, wall, w - 4);
    draw_lines(d, app, win, (ui_rect){3 + ch + 1, 2, h - 1 - (3 + ch + 1), w - 4});
}

static void detail_layout(ui_modal *m, ui_app *app)
{
    health_detail *d = m->ctx;
    ui_win_center(app, &d->win, app->rows - 2, app->cols - 4);
}

static void detail_hide(ui_modal *m, ui_app *app, bool hidden)
{
    (void)app;
    health_detail *d = m->ctx;
    ui_win_hide(&d->win, hidden);
}

static int detail_scroll(health_detail *d, int key)
{
    return ui_scroll_key(key, &d->scroll, d->body_h, (int)d->n_lines);
}

static int detail_key(ui_modal *m, ui_app *app, int key)
{
    (void)app;
    health_detail *d = m->ctx;
    if (key == UI_KEY_ESC || key == '\n' || key == 'q') {
        m->done = true;
        return UI_HANDLED;
    }
    return detail_scroll(d, key);
}

static int detail_mouse(ui_modal *m, ui_app *app, const MEVENT *ev)
{
    (void)app;
    health_detail *d = m->ctx;
    if (ev->bstate & BUTTON4_PRESSED)
        return detail_scroll(d, UI_FN(KEY_UP));
    if (ev->bstate & BUTTON5_PRESSED)
        return detail_scroll(d, UI_FN(KEY_DOWN));
    return UI_HANDLED;
}

static const ui_binding *detail_bindings(ui_modal *m, size_t *count)
{
    (void)m;
    *count = sizeof DETAIL_KEYS / sizeof DETAIL_KEYS[0];
    return DETAIL_KEYS;
}

/* A countdown on screen ticks each second; otherwise the monitor's wakes are enough. */
static int detail_timer(ui_modal *m)
{
    health_detail *d = m->ctx;
    int64_t now = 0;
    const mm_health_figures *f = current_figures(d, &now);
    int64_t wall = mm_now_ms();
    bool ticking =
        f && f->enabled &&
        ((d->route.cooling && d->route.cooling_until_ms > wall) || f->cooldown_until_ms > wall);
    int timeout = ticking ? (int)(1000 - wall % 1000) : -1;
    /* figures changed within a second of the last plan: plan again when the second is up */
    const mm_health_snapshot *snap = *d->snapshot;
    if (snap && d->route_loaded &&
        (snap->last_event_id != d->route_event_id || snap->report.now_ms != d->route_figures_ms)) {
        int64_t wait = d->route_at_mono + ROUTE_REFRESH_MS - mm_monotonic_ms();
        int due = wait > 0 ? (int)wait : 0;
        if (timeout < 0 || due < timeout)
            timeout = due;
    }
    return timeout;
}

void health_detail_run(ui_app *app, mm_health_snapshot *const *snapshot, const char *account)
{
    health_detail *d = calloc(1, sizeof *d);
    if (!d)
        return;
    d->snapshot = snapshot;
    mm_copy(d->account, sizeof d->account, account);
    d->modal = (ui_modal){.layout = detail_layout,
                          .draw = detail_draw,
                          .handle_key = detail_key,
                          .handle_mouse = detail_mouse,
                          .hide = detail_hide,
                          .bindings = detail_bindings,
                          .timer_ms = detail_timer,
                          .ctx = d};
    ui_run_modal(app, &d->modal);
    ui_win_destroy(&d->win);
    free(d->lines);
    free(d);
}
