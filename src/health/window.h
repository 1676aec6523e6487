/* Rolling windows of usage per account: per-minute slots for the last hour (requests, errors,
 * rate-limit hits, tokens, cost, latency histogram), probe/success state for the status rule,
 * the latest errors, and month-to-date cost; a set of them keyed by account name. Sparse: an
 * idle account's window is this struct alone (month cost and state), a minute's slot exists
 * once the minute saw an event, and its TTFT sketch once it saw a streamed success. */
#ifndef MM_HEALTH_WINDOW_H
#define MM_HEALTH_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "health/histogram.h"
#include "util/hash_index.h"

#define MM_WINDOW_MINUTES 60
#define MM_WINDOW_LAST_ERRORS 5
#define MM_MINUTE_MS 60000

typedef struct mm_window_counts {
    int64_t events;         /* usage events of any kind (probes and requests) */
    int64_t errors;         /* faults of the account: outcome neither "ok" nor a request outcome */
    int64_t request_errors; /* answered request errors (bad_request: 400/404/422, content
                               filter): the caller's, never counted in errors */
    int64_t rate_limited;   /* outcome == "rate_limited" */
    int64_t tokens_in, tokens_out;
    int64_t tokens_cache_read, tokens_cache_write; /* parts of tokens_in */
    int64_t usage_estimated; /* events whose tokens are the admission estimate */
    int64_t cost_micros;     /* events without a price add nothing... */
    int64_t unpriced;        /* ...and are counted here */
} mm_window_counts;

/* A minute's figures beyond its counts of events: tokens, cost and the sketches, made at the
 * minute's first event that has any (a minute of refused probes has none). */
typedef struct mm_minute_detail {
    int64_t tokens_in, tokens_out, tokens_cache_read, tokens_cache_write;
    int64_t usage_estimated, cost_micros, unpriced;
    mm_histogram latency; /* successful events only */
    mm_histogram *ttft;   /* successful streamed events' time to first token; NULL until the
                             minute's first such event */
} mm_minute_detail;

/* One minute of an account's hour: 20 bytes (its detail, when it has one, apart: an hour of
 * refused probes is 60 of these and nothing else). */
typedef struct mm_minute_slot {
    int32_t minute; /* ts_ms / 60000 of the events counted here */
    int32_t events, errors, request_errors, rate_limited; /* as mm_window_counts */
} mm_minute_slot;

typedef struct mm_recent_error {
    int64_t ts_ms;
    char kind[8];
    char outcome[MM_CLASS_MAX];
    int http_status;
    /* sanitized again on the way in; "" when none; never NULL. A heap copy sized to the text,
     * held once by the entries with the same text (owned by the window, or by the figures'
     * block in a report) */
    const char *message;
} mm_recent_error;

typedef struct mm_account_window {
    char account[MM_NAME_MAX];
    char provider[MM_PROVIDER_ID_MAX];
    /* the minutes seen, at most one a ring position (minute % 60, as a ring keyed so: a newer
     * minute takes the place of the older one at its position), in the order of their ring
     * positions from ring_base (minutes that come in time order are appended); grown as minutes
     * come (NULL before the account's first event of the hour: an idle account costs only this
     * struct) */
    mm_minute_slot *slots;
    /* details[i] is slots[i]'s detail (NULL: no tokens, cost or sketch that minute); the array
     * itself NULL until a minute of the hour has one */
    mm_minute_detail **details;
    /* bit r set: a slot holds ring position (ring_base + r) % 60, the slot slots[the number of
     * lower bits set] (a minute's slot found without a scan) */
    uint64_t positions;
    uint8_t n_slots, slot_capacity;
    uint8_t ring_base; /* the ring position of the window's first slot */
    /* state the status rule reads (in the order events were folded) */
    bool key_refused; /* the latest probe was refused for its key (outcome "auth"); cleared by
                         any other probe result or a success */
    int consecutive_probe_failures;
    int64_t last_event_ms, last_success_ms, last_probe_ms;
    int64_t failing_since_ms;  /* first failure after the latest success; 0 while succeeding */
    int64_t cooldown_until_ms; /* latest rate-limit's ts + retry-after; 0 when none */
    /* month to date (UTC calendar month of the set's month_start_ms) */
    int64_t month_cost_micros;
    int64_t month_unpriced;
    /* newest first: errors[(next_error - 1 - i) % N] for i < n_errors; grown one entry an
     * error up to MM_WINDOW_LAST_ERRORS (NULL before the first) */
    mm_recent_error *errors;
    size_t n_errors, next_error;
} mm_account_window;

/* Sums of a range of minutes; owns its merged histogram (free with mm_window_totals_free). */
typedef struct mm_window_totals {
    mm_window_counts counts;
    mm_histogram latency;
    mm_histogram ttft; /* successful streamed events' time to first token */
} mm_window_totals;

typedef struct mm_window_set {
    mm_account_window **items; /* stable pointers, in order of first appearance */
    size_t count, capacity;
    mm_hash_index index;    /* account name -> position in items */
    int64_t month_start_ms; /* events at or after this add to month_cost_micros */
    bool fold_month;        /* false while loading the hour (the month total comes separately) */
    int64_t month_upto_id;  /* events with ids 1..this are in the month totals already (read
                               from the day rollups): a fold adds only the others; 0: none */
} mm_window_set;

void mm_window_set_init(mm_window_set *set, int64_t now_ms);
void mm_window_set_free(mm_window_set *set);
/* The account's window, created empty if missing (NULL only when out of memory). */
mm_account_window *mm_window_set_get(mm_window_set *set, const char *account);
/* The same, with its position in items. */
mm_account_window *mm_window_set_get_at(mm_window_set *set, const char *account, size_t *position);
/* The account's window or NULL. */
const mm_account_window *mm_window_set_find(const mm_window_set *set, const char *account);
/* Folds one event into its account's window in O(1): mm_window_set_track then
 * mm_window_set_count. false only when out of memory. */
bool mm_window_set_fold(mm_window_set *set, const mm_usage_event *ev);
/* The state part of a fold: the status rule's state, the latest errors, the month's cost (when
 * set->fold_month and the event's id is above set->month_upto_id) and the provider. false only
 * when out of memory. */
bool mm_window_set_track(mm_window_set *set, const mm_usage_event *ev);
/* The counting part: the event's minute slot (counts, latency and TTFT sketches). */
bool mm_window_set_count(mm_window_set *set, const mm_usage_event *ev);
/* A minute's sketches as the rollups store them (util/histogram's encoding; size 0: none). */
typedef struct mm_minute_sketches {
    const void *latency; /* its successes' latency */
    size_t latency_size;
    const void *ttft; /* its successful streamed events' time to first token */
    size_t ttft_size;
} mm_minute_sketches;
/* Adds a minute's sums from the rollups to its slot: counts and sketches. false when out of
 * memory or a sketch is malformed. */
bool mm_window_add_minute(mm_account_window *win, int64_t minute, const mm_window_counts *counts,
                          const mm_minute_sketches *sketches);
/* The slot of that minute (ts_ms / 60000), or NULL when the window has none. */
const mm_minute_slot *mm_window_minute(const mm_account_window *win, int64_t minute);
/* The detail of win's slot (one of win->slots), or NULL when it has none. */
const mm_minute_detail *mm_window_slot_detail(const mm_account_window *win,
                                              const mm_minute_slot *slot);
/* A slot's counts (zero where it has no detail); NULL slot: all zero. */
void mm_minute_counts(const mm_account_window *win, const mm_minute_slot *slot,
                      mm_window_counts *out);
/* Starts a new month (month cost back to 0) when now_ms has crossed into one. */
void mm_window_set_roll_month(mm_window_set *set, int64_t now_ms);

/* Bytes win holds on the heap, itself included (the struct, its slots, their sketches and the
 * latest errors with their messages; not the set's index): a window with no event in the hour
 * and no error is sizeof(mm_account_window). */
size_t mm_window_bytes(const mm_account_window *win);

/* Totals over the `minutes` minutes ending with now's minute (1..60). false when out of
 * memory. */
bool mm_window_sum(const mm_account_window *win, int64_t now_ms, int minutes,
                   mm_window_totals *out);
void mm_window_totals_free(mm_window_totals *totals);
/* Per-minute figures for the last hour, oldest first (index 59 = now's minute). p95 is -1 for
 * a minute without successful events. */
void mm_window_series(const mm_account_window *win, int64_t now_ms, int32_t requests[60],
                      int32_t errors[60], int32_t p95_ms[60]);
/* The i-th newest recent error (i < n_errors). */
const mm_recent_error *mm_window_error(const mm_account_window *win, size_t i);

#endif
