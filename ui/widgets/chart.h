/* Small charts drawn into a window: a vertical bar chart of a per-minute series (with its top
 * value and a time axis) and a horizontal gauge (spend against a cap). UTF-8 eighth blocks, or
 * ASCII '#' on terminals without them. */
#ifndef MM_UI_CHART_H
#define MM_UI_CHART_H

#include <stddef.h>

#include "modal.h"
#include "theme.h"
#include "widgets/sparkline.h"

typedef struct ui_chart {
    const char *title;    /* "Requests / min" */
    const double *values; /* oldest first; negative = no data */
    size_t n;
    ui_series_merge merge;
    ui_element bar;     /* the bars' look */
    const char *unit;   /* appended to the top value: " ms", or "" */
    const char *oldest; /* axis label at the left: "-60m" */
    const char *newest; /* axis label at the right: "now" */
} ui_chart;

/* Draws the chart in area: row 0 the title and the top of the scale, rows 1..h-2 the bars (the
 * newest at the right), the last row the axis labels. Needs h >= 3 and w >= 8. */
void ui_chart_draw(const ui_app *app, WINDOW *win, ui_rect area, const ui_chart *chart);

/* A gauge of fraction (clipped to 0..1) in width columns: the filled part in fill, the rest in
 * rest (█ and ░, or # and .). */
void ui_gauge_draw(const ui_app *app, WINDOW *win, int y, int x, int width, double fraction,
                   ui_element fill, ui_element rest);

#endif
