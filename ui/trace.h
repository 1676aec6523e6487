/* A diagnostic of the console's main loop: with MM_TRACE_SLOW=path, every loop turn that took
 * longer than MM_TRACE_SLOW_MS (default 5 ms) is appended to path with what ran in it. */
#ifndef MM_UI_TRACE_H
#define MM_UI_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The trace of one console (zeroed: off). Times in µs (mm_monotonic_us; cpu: the thread's). */
typedef struct ui_trace {
    FILE *out; /* NULL: off, and every call below returns at once */
    int64_t threshold_us, opened_us, turn_us, mark_us, turn_cpu_us;
    char line[1024]; /* the turn's marks so far */
    size_t len;
} ui_trace;

/* Opens the trace when MM_TRACE_SLOW names a file (appended to; a file that cannot be opened
 * leaves the trace off, silently: it is a diagnostic). */
void ui_trace_open(ui_trace *t);
void ui_trace_close(ui_trace *t);
/* A turn starts (its clock from now). */
void ui_trace_turn(ui_trace *t);
/* Adds "what[:detail]=<ms since the last mark>" to the turn's line (detail: a page id, or NULL)
 * and restarts the mark's clock; what NULL restarts it alone (the time before a step). */
void ui_trace_mark(ui_trace *t, const char *what, const char *detail);
/* Ends the turn: its line is written when the turn took over the threshold. */
void ui_trace_end(ui_trace *t);

#endif
