/* The exporter's counters: every usage event recorded in the catalog after the exporter started,
 * tailed by id (catalog/usage_tail.h: an id PostgreSQL commits out of order is counted once too)
 * and summed per account and per workspace x model, monotonic as Prometheus counters must be
 * (they restart from 0 when the process restarts, which rate() expects). */
#ifndef MM_METRICS_COUNTERS_H
#define MM_METRICS_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "catalog/usage_tail.h"
#include "error.h"
#include "util/hash_index.h"

/* Upper bounds (seconds) of the latency histogram buckets; +Inf is implied. */
#define MM_METRICS_LATENCY_BUCKETS 12
extern const double mm_metrics_latency_bounds_s[MM_METRICS_LATENCY_BUCKETS];
/* The bucket of a duration (seconds): the first bound it does not pass, MM_METRICS_LATENCY_
 * BUCKETS when it passes them all. */
size_t mm_metrics_latency_bucket(double seconds);

typedef struct mm_metrics_account_counters {
    char account[MM_NAME_MAX];
    char provider[MM_PROVIDER_ID_MAX];
    int64_t probes, requests;             /* events by kind */
    int64_t failures[MM_CLASS_COUNT + 1]; /* by mm_error_class; [MM_CLASS_COUNT]: unknown outcome */
    int64_t tokens_in, tokens_out;        /* tokens_in includes the cache parts */
    int64_t tokens_cache_read, tokens_cache_write;
    int64_t cost_micros; /* USD micros of priced events */
    int64_t unpriced;    /* events without a price */
    /* successful events' latency: per bucket (not cumulative), [BUCKETS] = above the last bound */
    uint64_t latency_buckets[MM_METRICS_LATENCY_BUCKETS + 1];
    uint64_t latency_count;
    int64_t latency_sum_ms;
} mm_metrics_account_counters;

/* What a workspace was served of a model: attempts that succeeded or whose request error went
 * back to it (the rule of catalog admission: failures the router fell through are the
 * account's, not the workspace's). */
typedef struct mm_metrics_usage_counters {
    char workspace[MM_NAME_MAX];
    char model[MM_NAME_MAX];
    int64_t requests;
    int64_t tokens_in, tokens_out;
    int64_t cost_micros;
} mm_metrics_usage_counters;

typedef struct mm_metrics_counters {
    mm_metrics_account_counters *accounts; /* in order of first event */
    size_t n_accounts, cap_accounts;
    mm_hash_index account_index;
    mm_metrics_usage_counters *usage; /* in order of first event */
    size_t n_usage, cap_usage;
    mm_hash_index usage_index;
    mm_usage_tail tail; /* the events read so far: the newest, and the ids missing below it */
    int64_t started_ms; /* wall clock of init: the counters count from then */
} mm_metrics_counters;

/* Starts counting after the catalog's newest event (nothing before the exporter started), and
 * the events in flight then, which commit later below it (PostgreSQL). MM_E_DB when the catalog
 * cannot be read (c is then empty, to be freed). */
mm_status metrics_counters_init(mm_metrics_counters *c, mm_catalog *cat, int64_t now_ms,
                                mm_error *err);
/* Adds every event recorded since the last update (in batches), each once, also one whose id
 * committed after a higher one was read (catalog_usage_tail_read). MM_E_DB when the catalog cannot
 * be read (the counters keep what they had); MM_E_INTERNAL when out of memory. */
mm_status metrics_counters_update(mm_metrics_counters *c, mm_catalog *cat, mm_error *err);
/* Adds one event (exposed for tests). false only when out of memory. */
bool metrics_counters_add(mm_metrics_counters *c, const mm_usage_event *ev);
void metrics_counters_free(mm_metrics_counters *c);

#endif
