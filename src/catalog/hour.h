/* The last hour of usage as the health windows read it: the per-account minute rollups (with
 * their latency and time-to-first-token sketches), and the few raw events a window's state needs
 * (the accounts' rows in ranges of minutes, read for all accounts at once; an account's newest
 * rate-limit cooldown). */
#ifndef MM_CATALOG_HOUR_H
#define MM_CATALOG_HOUR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"

/* One minute rollup row of an account (scope "account"): valid during the callback. */
typedef struct mm_hour_rollup {
    const char *account;
    const char *kind; /* "probe" or "request" */
    int64_t start_ms; /* the minute's first ms */
    mm_usage_rollup
        sums; /* events .. unpriced (the served sums zero: the windows do not read them) */
    const void *latency; /* the stored sketch (util/histogram's encoding) of its successes */
    size_t latency_size;
    const void *ttft; /* the sketch of its successful streamed events' time to first token, the
                         same encoding; NULL (size 0) when none */
    size_t ttft_size;
} mm_hour_rollup;
/* false stops the read (the caller's error, e.g. out of memory). */
typedef bool (*mm_hour_rollup_fn)(const mm_hour_rollup *row, void *ctx);

/* The reader's reused statements; open and close around one load. */
typedef struct mm_hour_reader mm_hour_reader;

/* Opens a reader and reads the positions the rollups and the raw events stand at: *max_id the
 * newest event id, *rollups_upto the newest event id the rollups include (events above it were
 * written around mmadmin and are not in them yet). Call inside catalog_read_begin for one
 * picture. MM_E_DB when the catalog cannot be read, MM_E_INTERNAL out of memory. */
mm_status catalog_hour_open(mm_catalog *cat, mm_hour_reader **out, int64_t *max_id,
                            int64_t *rollups_upto, mm_error *err);
void catalog_hour_close(mm_hour_reader *reader);
/* Every account minute rollup starting at or after since_ms (one range of the primary key, in
 * no particular order). fn returning false stops with MM_E_INTERNAL ("out of memory"). */
mm_status catalog_hour_rollups(mm_hour_reader *reader, int64_t since_ms, mm_hour_rollup_fn fn,
                               void *ctx, mm_error *err);
/* The same for one account (the by-name index). */
mm_status catalog_hour_account_rollups(mm_hour_reader *reader, const char *account,
                                       int64_t since_ms, mm_hour_rollup_fn fn, void *ctx,
                                       mm_error *err);
/* The account's events with from_ms <= ts_ms < to_ms and id <= max_id, ascending by (ts_ms, id),
 * with the columns the windows' state reads: id, ts_ms, kind, account, provider, outcome,
 * http_status, retry_after_ms, message (the rest zero, latency and TTFT -1). */
mm_status catalog_hour_events(mm_hour_reader *reader, const char *account, int64_t from_ms,
                              int64_t to_ms, int64_t max_id, mm_usage_fn fn, void *ctx,
                              mm_error *err);
/* One account's range of time for catalog_hour_events_in. */
typedef struct mm_hour_range {
    const char *account;
    int64_t from_ms, to_ms; /* from_ms <= ts_ms < to_ms */
} mm_hour_range;
/* catalog_hour_events of every range, each range's events ascending by (ts_ms, id) and the
 * ranges in their order (an account's ranges given oldest first come out in its time order):
 * on PostgreSQL one statement for all of them (the ranges as arrays, unnest WITH ORDINALITY
 * joined to the events: one round trip however many accounts the hour has), on SQLite one
 * indexed read a range (in process, no round trip). */
mm_status catalog_hour_events_in(mm_hour_reader *reader, const mm_hour_range *ranges, size_t count,
                                 int64_t max_id, mm_usage_fn fn, void *ctx, mm_error *err);
/* The account's newest rate-limited event since since_ms with a retry-after (id <= max_id):
 * *until_ms = its ts_ms + retry_after_ms, 0 when there is none. */
mm_status catalog_hour_cooldown(mm_hour_reader *reader, const char *account, int64_t since_ms,
                                int64_t max_id, int64_t *until_ms, mm_error *err);

#endif
