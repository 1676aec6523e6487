/* The main loop's slow-turn trace (MM_TRACE_SLOW): the marks of one turn, kept in a line and
 * written only when the turn was slow. */
#include "trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "util/clock.h"

bool ui_trace_on;
static FILE *g_out;
static int64_t g_threshold_us = 5000;
static int64_t g_opened_us, g_turn_us, g_mark_us, g_turn_cpu_us;
static char g_line[1024];
static size_t g_len;

void ui_trace_open(void)
{
    const char *path = getenv("MM_TRACE_SLOW");
    if (!path || !path[0])
        return;
    const char *ms = getenv("MM_TRACE_SLOW_MS");
    if (ms && ms[0])
        g_threshold_us = (int64_t)(atof(ms) * 1000.0);
    g_out = fopen(path, "a");
    ui_trace_on = g_out != NULL;
    g_opened_us = mm_monotonic_us();
    if (g_out)
        fprintf(g_out, "open pid=%d\n", (int)getpid());
}

void ui_trace_close(void)
{
    if (g_out)
        fclose(g_out);
    g_out = NULL;
    ui_trace_on = false;
}

/* The main thread's CPU time, µs: beside the wall time, it tells work from waiting for a core. */
static int64_t thread_cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void ui_trace_turn(void)
{
    if (!ui_trace_on)
        return;
    g_turn_us = g_mark_us = mm_monotonic_us();
    g_turn_cpu_us = thread_cpu_us();
    g_len = 0;
}

void ui_trace_mark(const char *what, const char *detail)
{
    if (!ui_trace_on)
        return;
    int64_t now = mm_monotonic_us();
    if (what && g_len < sizeof g_line) {
        int n = snprintf(g_line + g_len, sizeof g_line - g_len, " %s%s%s=%.2f", what,
                         detail ? ":" : "", detail ? detail : "", (double)(now - g_mark_us) / 1e3);
        if (n > 0)
            g_len += (size_t)n;
    }
    g_mark_us = now;
}

void ui_trace_end(void)
{
    if (!ui_trace_on)
        return;
    int64_t now = mm_monotonic_us();
    if (now - g_turn_us < g_threshold_us)
        return;
    if (g_len >= sizeof g_line)
        g_len = sizeof g_line - 1;
    g_line[g_len] = '\0';
    fprintf(g_out, "at=%.1f turn=%.2f cpu=%.2f%s\n", (double)(g_turn_us - g_opened_us) / 1e3,
            (double)(now - g_turn_us) / 1e3, (double)(thread_cpu_us() - g_turn_cpu_us) / 1e3,
            g_line);
    fflush(g_out);
}
