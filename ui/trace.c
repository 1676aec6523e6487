/* The main loop's slow-turn trace (MM_TRACE_SLOW): the marks of one turn, kept in a line and
 * written only when the turn was slow. */
#include "trace.h"

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"

void ui_trace_open(ui_trace *t)
{
    const char *path = getenv("MM_TRACE_SLOW");
    if (!path || !path[0])
        return;
    const char *ms = getenv("MM_TRACE_SLOW_MS");
    t->threshold_us = ms && ms[0] ? (int64_t)(atof(ms) * 1000.0) : 5000;
    t->out = fopen(path, "a");
    t->opened_us = mm_monotonic_us();
    if (t->out)
        fprintf(t->out, "open pid=%d\n", (int)getpid());
}

void ui_trace_close(ui_trace *t)
{
    if (t->out)
        fclose(t->out);
    t->out = NULL;
}

/* The main thread's CPU time, µs: beside the wall time, it tells work from waiting for a core. */
static int64_t thread_cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void ui_trace_turn(ui_trace *t)
{
    if (!t->out)
        return;
    t->turn_us = t->mark_us = mm_monotonic_us();
    t->turn_cpu_us = thread_cpu_us();
    t->len = 0;
}

void ui_trace_mark(ui_trace *t, const char *what, const char *detail)
{
    if (!t->out)
        return;
    int64_t now = mm_monotonic_us();
    if (what && t->len < sizeof t->line) {
        int n = snprintf(t->line + t->len, sizeof t->line - t->len, " %s%s%s=%.2f", what,
                         detail ? ":" : "", detail ? detail : "", (double)(now - t->mark_us) / 1e3);
        if (n > 0)
            t->len += (size_t)n;
    }
    t->mark_us = now;
}

void ui_trace_end(ui_trace *t)
{
    if (!t->out)
        return;
    int64_t now = mm_monotonic_us();
    if (now - t->turn_us < t->threshold_us)
        return;
    if (t->len >= sizeof t->line)
        t->len = sizeof t->line - 1;
    t->line[t->len] = '\0';
    fprintf(t->out, "at=%.1f turn=%.2f cpu=%.2f%s\n", (double)(t->turn_us - t->opened_us) / 1e3,
            (double)(now - t->turn_us) / 1e3, (double)(thread_cpu_us() - t->turn_cpu_us) / 1e3,
            t->line);
    fflush(t->out);
}
