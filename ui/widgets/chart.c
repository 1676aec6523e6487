/* Drawing the bar chart (series fitted to the width, eighth-block tops, scale label, time axis)
 * and the horizontal gauge. */
#include "widgets/chart.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "draw.h"

static const char *const EIGHTHS[] = {" ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};

static void format_top(char *out, size_t outsz, double max, const char *unit)
{
    if (max >= 100 || max == floor(max))
        snprintf(out, outsz, "max %.0f%s", max, unit ? unit : "");
    else
        snprintf(out, outsz, "max %.2g%s", max, unit ? unit : "");
}

/* One column: `eighths` of a cell-height unit filled, from the bottom (row 0 = the top row). */
static const char *cell_glyph(bool unicode, int row_from_bottom, int eighths)
{
    int full = eighths / 8, part = eighths % 8;
    if (row_from_bottom < full)
        return unicode ? EIGHTHS[8] : "#";
    if (row_from_bottom == full && part > 0)
        return unicode ? EIGHTHS[part] : (part >= 4 ? "#" : ".");
    return " ";
}

static void draw_bars(const ui_app *app, WINDOW *win, ui_rect plot, const double *fitted,
                      double max, ui_element bar)
{
    bool unicode = ui_sparkline_unicode(app);
    int units = plot.h * 8;
    for (int col = 0; col < plot.w; col++) {
        int eighths = 0;
        if (fitted[col] > 0 && max > 0) {
            eighths = (int)lround(fitted[col] / max * units);
            if (eighths < 1)
                eighths = 1; /* anything above zero shows */
        }
        for (int r = 0; r < plot.h; r++) {
            int from_bottom = plot.h - 1 - r;
            const char *glyph = cell_glyph(unicode, from_bottom, eighths);
            ui_element el = bar;
            if (fitted[col] == 0 && from_bottom == 0) { /* a zero minute: a dim baseline */
                glyph = unicode ? "▁" : "_";
                el = UI_EL_DIM;
            }
            ui_draw_text(app, win, plot.y + r, plot.x + col, 1, el, UI_ALIGN_LEFT, glyph);
        }
    }
}

void ui_chart_draw(const ui_app *app, WINDOW *win, ui_rect area, const ui_chart *chart)
{
    if (area.h < 3 || area.w < 8)
        return;
    double *fitted = malloc((size_t)area.w * sizeof *fitted);
    if (!fitted)
        return;
    ui_series_fit(chart->values, chart->n, area.w, chart->merge, fitted);
    double max = 0;
    for (int i = 0; i < area.w; i++)
        if (fitted[i] > max)
            max = fitted[i];
    char top[48];
    format_top(top, sizeof top, max, chart->unit);
    ui_draw_text(app, win, area.y, area.x, area.w, UI_EL_TITLE, UI_ALIGN_LEFT, chart->title);
    int top_w = mm_text_width(top);
    if (mm_text_width(chart->title) + top_w + 1 <= area.w)
        ui_draw_text(app, win, area.y, area.x + area.w - top_w, top_w, UI_EL_DIM, UI_ALIGN_RIGHT,
                     top);
    draw_bars(app, win, (ui_rect){area.y + 1, area.x, area.h - 2, area.w}, fitted, max, chart->bar);
    int axis = area.y + area.h - 1;
    ui_draw_text(app, win, axis, area.x, area.w, UI_EL_DIM, UI_ALIGN_LEFT,
                 chart->oldest ? chart->oldest : "");
    if (chart->newest)
        ui_draw_text(app, win, axis, area.x + area.w / 2, area.w - area.w / 2, UI_EL_DIM,
                     UI_ALIGN_RIGHT, chart->newest);
    free(fitted);
}

void ui_gauge_draw(const ui_app *app, WINDOW *win, int y, int x, int width, double fraction,
                   ui_element fill, ui_element rest)
{
    if (width <= 0)
        return;
    if (fraction < 0 || isnan(fraction))
        fraction = 0;
    if (fraction > 1)
        fraction = 1;
    int filled = (int)lround(fraction * width);
    bool unicode = ui_sparkline_unicode(app);
    for (int i = 0; i < width; i++)
        ui_draw_text(app, win, y, x + i, 1, i < filled ? fill : rest, UI_ALIGN_LEFT,
                     i < filled ? (unicode ? "█" : "#") : (unicode ? "░" : "."));
}
