/* Wall and monotonic clocks, UTC formatting and calendar-month boundaries (monthly caps reset
 * on the first of the month, UTC). MM_FAKE_NOW_MS lets tests pin the wall clock. */
#include "util/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int64_t mm_now_ms(void)
{
    const char *fake = getenv("MM_FAKE_NOW_MS");
    if (fake && *fake)
        return strtoll(fake, NULL, 10);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t mm_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t mm_monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void mm_format_time(char *buf, unsigned long bufsz, int64_t ms)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(buf, bufsz, "%Y-%m-%d %H:%M:%S", &tm);
}

static int64_t month_start(int64_t ms, int month_offset)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    tm.tm_mday = 1;
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_mon += month_offset;
    tm.tm_isdst = 0;
    return (int64_t)timegm(&tm) * 1000;
}

int64_t mm_month_start_ms(int64_t ms)
{
    return month_start(ms, 0);
}

int64_t mm_next_month_start_ms(int64_t ms)
{
    return month_start(ms, 1);
}
