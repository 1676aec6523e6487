/* Formatting of health figures for the page's cells and the detail view. */
#include "pages/health_format.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "error.h"

typedef struct status_look {
    const char *utf8, *ascii;
    ui_element element;
} status_look;

static const status_look LOOKS[] = {
    [MM_HEALTH_UNKNOWN] = {"?", "?", UI_EL_DIM},
    [MM_HEALTH_HEALTHY] = {"●", "+", UI_EL_OK},
    [MM_HEALTH_DEGRADED] = {"▲", "!", UI_EL_WARN},
    [MM_HEALTH_UNREACHABLE] = {"✖", "x", UI_EL_BAD},
};

void health_format_status(const ui_app *app, const mm_health_figures *f, char *out, size_t outsz,
                          ui_element *element)
{
    if (!f->enabled) {
        snprintf(out, outsz, "%s disabled", app->utf8 ? "○" : "-");
        *element = UI_EL_DIM;
        return;
    }
    unsigned s = (unsigned)f->status <= MM_HEALTH_UNREACHABLE ? (unsigned)f->status : 0;
    const char *symbol = app->utf8 ? LOOKS[s].utf8 : LOOKS[s].ascii;
    bool failing = f->status == MM_HEALTH_DEGRADED || f->status == MM_HEALTH_UNREACHABLE;
    if (failing && f->n_errors > 0) { /* the row says why: "✖ unreachable (auth: key refused)" */
        const char *cls = f->last_errors[0].outcome;
        snprintf(out, outsz, "%s %s (%s: %s)", symbol, mm_health_name(f->status), cls,
                 mm_error_class_short(mm_error_class_parse(cls)));
    } else {
        snprintf(out, outsz, "%s %s", symbol, mm_health_name(f->status));
    }
    *element = LOOKS[s].element;
}

void health_format_ms(double ms, char *out, size_t outsz)
{
    if (ms < 0)
        snprintf(out, outsz, "-");
    else
        snprintf(out, outsz, "%.0f ms", ms);
}

void health_format_rate(double rate, int64_t requests, char *out, size_t outsz)
{
    if (requests <= 0)
        snprintf(out, outsz, "-");
    else
        snprintf(out, outsz, "%.1f%%", rate * 100.0);
}

void health_format_date(int64_t ms, char *out, size_t outsz)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(out, outsz, "%Y-%m-%d", &tm);
}

void health_format_countdown(int64_t now_ms, int64_t at_ms, char *out, size_t outsz)
{
    int64_t secs = (at_ms - now_ms + 999) / 1000;
    if (secs <= 0)
        snprintf(out, outsz, "now");
    else if (secs < 60)
        snprintf(out, outsz, "in %" PRId64 " s", secs);
    else if (secs < 3600)
        snprintf(out, outsz, "in %" PRId64 " min %02" PRId64 " s", secs / 60, secs % 60);
    else if (secs < 48 * 3600)
        snprintf(out, outsz, "in %" PRId64 " h %02" PRId64 " min", secs / 3600, secs % 3600 / 60);
    else
        snprintf(out, outsz, "in %" PRId64 " days %" PRId64 " h", secs / 86400,
                 secs % 86400 / 3600);
}
