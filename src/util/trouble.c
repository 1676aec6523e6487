/* The once-per-trouble rule of a repeating failure (serve's catalog troubles, the monitor's
 * problems): said when it starts, again only if its words change or once a minute, once over. */
#include "util/trouble.h"

#include <stdio.h>
#include <string.h>

#include "util/clock.h"
#include "util/text.h"

#define TROUBLE_REPEAT_MS 60000

void mm_trouble_log(mm_trouble *t, mm_trouble_sink log, void *ctx, const char *what,
                    const char *message)
{
    int64_t now = mm_monotonic_ms();
    if (!t->since_ms)
        t->since_ms = now;
    t->repeats++;
    bool same = t->last[0] && strncmp(t->last, message, sizeof t->last - 1) == 0;
    if (same && now - t->logged_ms < TROUBLE_REPEAT_MS)
        return;
    char line[1024];
    if (same)
        snprintf(line, sizeof line, "%s (still, %u attempts in the last minute): %s", what,
                 t->repeats, message);
    else
        snprintf(line, sizeof line, "%s: %s", what, message);
    if (log)
        log(ctx, line);
    mm_copy(t->last, sizeof t->last, message); /* a prefix is enough to tell the same trouble */
    t->logged_ms = now;
    t->repeats = 0;
}

bool mm_trouble_over(mm_trouble *t, double *lasted_s)
{
    if (!t->since_ms)
        return false;
    *lasted_s = (double)(mm_monotonic_ms() - t->since_ms) / 1000.0;
    memset(t, 0, sizeof *t);
    return true;
}
