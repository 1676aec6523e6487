/* Time sources: wall-clock milliseconds since the epoch (stored in the catalog) and a
 * monotonic clock for measuring latency and timeouts. */
#ifndef MM_UTIL_CLOCK_H
#define MM_UTIL_CLOCK_H

#include <stdint.h>

int64_t mm_now_ms(void);       /* wall clock, ms since 1970-01-01 UTC; honours MM_FAKE_NOW_MS */
int64_t mm_monotonic_ms(void); /* monotonic, for durations */
int64_t mm_monotonic_us(void); /* the same in microseconds */
/* Formats ms since epoch as "2026-11-24 18:05:09" in UTC into buf. */
void mm_format_time(char *buf, unsigned long bufsz, int64_t ms);
/* Start of the UTC calendar month containing ms, and of the next month. */
int64_t mm_month_start_ms(int64_t ms);
int64_t mm_next_month_start_ms(int64_t ms);

#endif
