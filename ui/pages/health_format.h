/* How the Provider Health page and its detail show figures: status word with symbol and look,
 * latencies, rates, counts, dates (money: util/money.h, MONEY_DETAIL and MONEY_CELL). */
#ifndef MM_UI_HEALTH_FORMAT_H
#define MM_UI_HEALTH_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "health/report.h"
#include "theme.h"

/* "● healthy", "▲ degraded", "✖ unreachable", "? unknown", "○ disabled" (ASCII: "+ healthy",
 * "! degraded", "x unreachable", "? unknown", "- disabled") and the element that colours it;
 * a failing account adds its last error's class and why: "✖ unreachable (auth: key refused)". */
void health_format_status(const ui_app *app, const mm_health_figures *f, char *out, size_t outsz,
                          ui_element *element);
/* "123 ms"; "-" when there is no figure (negative). */
void health_format_ms(double ms, char *out, size_t outsz);
/* "12.5%" of errors / requests; "-" without requests. */
void health_format_rate(double rate, int64_t requests, char *out, size_t outsz);
/* "2026-12-01" (UTC) of a time in ms. */
void health_format_date(int64_t ms, char *out, size_t outsz);
/* "in 42 s", "in 3 min 05 s", "in 2 h 10 min" for a time ahead. */
void health_format_countdown(int64_t now_ms, int64_t at_ms, char *out, size_t outsz);

#endif
