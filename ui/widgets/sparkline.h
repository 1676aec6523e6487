/* Sparklines: a series (per-minute figures, oldest first) fitted to a width and drawn as one
 * line of block glyphs (▁▂▃▄▅▆▇█) on UTF-8 terminals, ASCII (_.-=#) elsewhere and on TERM=linux. */
#ifndef MM_UI_SPARKLINE_H
#define MM_UI_SPARKLINE_H

#include <stdbool.h>
#include <stddef.h>

#include "modal.h"

/* How the values that share one column combine when a series is narrower than its data. */
typedef enum ui_series_merge {
    UI_SERIES_MAX, /* the largest (latency: the worst minute stays visible) */
    UI_SERIES_SUM  /* the total (counts) */
} ui_series_merge;

/* Fits n values (negative = no data) into width columns, the newest value in the last column:
 * wider than n keeps one value a column (the first width - n columns are -1), narrower merges
 * neighbours. out has width entries; a column whose values are all missing is -1. */
void ui_series_fit(const double *values, size_t n, int width, ui_series_merge merge, double *out);

/* True when block glyphs can be drawn: a UTF-8 locale and not the Linux console. */
bool ui_sparkline_unicode(const ui_app *app);

/* Formats values as a sparkline of exactly width columns into out (NUL-terminated; out needs
 * 3 * width + 1 bytes for glyphs). scale_max > 0 fixes the top of the scale (an error rate:
 * 1.0); otherwise the largest value is the top. A missing value is a space, zero the lowest
 * glyph, any positive value at least the second. */
void ui_sparkline_format(const ui_app *app, const double *values, size_t n, int width,
                         ui_series_merge merge, double scale_max, char *out, size_t outsz);

/* The level (0..levels-1) of value on a scale whose top is max, level i drawn (i + 1) / levels
 * high: 0 for zero, at least 1 for any positive value, levels - 1 for the top. */
int ui_series_level(double value, double max, int levels);

#endif
