/* A diagnostic of the console's main loop: with MM_TRACE_SLOW=path, every loop turn that took
 * longer than MM_TRACE_SLOW_MS (default 5 ms) is appended to path with what ran in it. */
#ifndef MM_UI_TRACE_H
#define MM_UI_TRACE_H

#include <stdbool.h>
#include <stdint.h>

/* Opens the trace when MM_TRACE_SLOW names a file (appended to; a file that cannot be opened
 * leaves the trace off, silently: it is a diagnostic). */
void ui_trace_open(void);
void ui_trace_close(void);
/* True while tracing: the loop's marks cost one branch otherwise. */
extern bool ui_trace_on;
/* A turn starts (its clock from now). */
void ui_trace_turn(void);
/* Adds "what[:detail]=<ms since the last mark>" to the turn's line (detail: a page id, or NULL)
 * and restarts the mark's clock; what NULL restarts it alone (the time before a step). */
void ui_trace_mark(const char *what, const char *detail);
/* Ends the turn: its line is written when the turn took over the threshold. */
void ui_trace_end(void);

#endif
