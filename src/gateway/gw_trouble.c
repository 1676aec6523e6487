/* The gateway's once-per-trouble log of a failing catalog (the refresher, the usage writer, the
 * leases): said when it starts, again only if its words change or once a minute, once when over. */
#include <stdio.h>
#include <string.h>

#include "gateway/gw_internal.h"
#include "util/clock.h"
#include "util/text.h"

#define TROUBLE_REPEAT_MS 60000

void gw_trouble_log(gateway *gw, gw_trouble *t, const char *what, const char *message)
{
    int64_t now = mm_monotonic_ms();
    if (!t->since_ms)
        t->since_ms = now;
    t->repeats++;
    bool same = t->last[0] && strncmp(t->last, message, sizeof t->last - 1) == 0;
    if (same && now - t->logged_ms < TROUBLE_REPEAT_MS)
        return;
    if (same)
        gw_log(gw, "%s (still, %u attempts in the last minute): %s", what, t->repeats, message);
    else
        gw_log(gw, "%s: %s", what, message);
    mm_copy(t->last, sizeof t->last, message); /* a prefix is enough to tell the same trouble */
    t->logged_ms = now;
    t->repeats = 0;
}

bool gw_trouble_over(gw_trouble *t, double *lasted_s)
{
    if (!t->since_ms)
        return false;
    *lasted_s = (double)(mm_monotonic_ms() - t->since_ms) / 1000.0;
    memset(t, 0, sizeof *t);
    return true;
}
