/* Sparklines: fitting a series to a column width, the level of each value, and the glyph sets
 * (Unicode blocks or ASCII) for one-line charts in table cells. */
#include "widgets/sparkline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const BLOCKS[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
static const char *const ASCII_LEVELS[] = {"_", ".", "-", "=", "#"};
#define N_BLOCKS (int)(sizeof BLOCKS / sizeof BLOCKS[0])
#define N_ASCII (int)(sizeof ASCII_LEVELS / sizeof ASCII_LEVELS[0])

void ui_series_fit(const double *values, size_t n, int width, ui_series_merge merge, double *out)
{
    if (width <= 0)
        return;
    size_t w = (size_t)width;
    if (w >= n) {
        for (size_t i = 0; i < w - n; i++)
            out[i] = -1.0;
        for (size_t i = 0; i < n; i++)
            out[w - n + i] = values[i];
        return;
    }
    for (size_t col = 0; col < w; col++) {
        size_t first = col * n / w, last = (col + 1) * n / w; /* [first, last) */
        double acc = -1.0;
        for (size_t i = first; i < last; i++) {
            if (values[i] < 0)
                continue;
            if (acc < 0)
                acc = values[i];
            else if (merge == UI_SERIES_SUM)
                acc += values[i];
            else if (values[i] > acc)
                acc = values[i];
        }
        out[col] = acc;
    }
}

bool ui_sparkline_unicode(const ui_app *app)
{
    const char *term = getenv("TERM");
    return ui_screen_utf8(app) && !(term && strcmp(term, "linux") == 0);
}

int ui_series_level(double value, double max, int levels)
{
    if (value <= 0 || max <= 0 || levels < 2)
        return 0;
    /* glyph i stands (i + 1) / levels of the height: the nearest, but never the zero glyph */
    int level = (int)lround(value / max * (double)levels) - 1;
    if (level < 1)
        level = 1;
    return level > levels - 1 ? levels - 1 : level;
}

void ui_sparkline_format(const ui_app *app, const double *values, size_t n, int width,
                         ui_series_merge merge, double scale_max, char *out, size_t outsz)
{
    if (outsz == 0)
        return;
    out[0] = '\0';
    if (width <= 0)
        return;
    double *fitted = malloc((size_t)width * sizeof *fitted);
    if (!fitted)
        return;
    ui_series_fit(values, n, width, merge, fitted);
    double max = scale_max;
    if (max <= 0)
        for (int i = 0; i < width; i++)
            if (fitted[i] > max)
                max = fitted[i];
    bool unicode = ui_sparkline_unicode(app);
    size_t used = 0;
    for (int i = 0; i < width; i++) {
        const char *glyph = " ";
        if (fitted[i] >= 0)
            glyph = unicode ? BLOCKS[ui_series_level(fitted[i], max, N_BLOCKS)]
                            : ASCII_LEVELS[ui_series_level(fitted[i], max, N_ASCII)];
        size_t len = strlen(glyph);
        if (used + len + 1 > outsz)
            break;
        memcpy(out + used, glyph, len);
        used += len;
    }
    out[used] = '\0';
    free(fitted);
}
