/* A failure that repeats (a catalog down, retried every second) said once per trouble: when it
 * starts, again only when its words change or once a minute, and once when it is over. */
#ifndef MM_UTIL_TROUBLE_H
#define MM_UTIL_TROUBLE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct mm_trouble {
    char last[256];    /* the last failure said in the log, "": none since the trouble began */
    int64_t since_ms;  /* monotonic ms of its first failure, 0: no trouble */
    int64_t logged_ms; /* when it was last said */
    unsigned repeats;  /* failures since that line */
} mm_trouble;

/* A log line's sink (serve's and the monitor's cfg.log); NULL: nothing is said. */
typedef void (*mm_trouble_sink)(void *ctx, const char *line);

/* Notes a failure of t: says "what: message" through log when the trouble starts, again only
 * when message changes or once a minute (then with the attempts since), so an outage is a few
 * lines, not one per retry. */
void mm_trouble_log(mm_trouble *t, mm_trouble_sink log, void *ctx, const char *what,
                    const char *message);
/* true when t was in trouble (how long, in s, in *lasted_s): the caller says it is over; t is
 * reset. */
bool mm_trouble_over(mm_trouble *t, double *lasted_s);

#endif
