/* Health figures per account (the numbers the Health page, `mmadmin health` and the monitor's
 * snapshot show), computed from the rolling windows, and loading those windows from the
 * catalog with one indexed query. */
#ifndef MM_HEALTH_REPORT_H
#define MM_HEALTH_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "catalog/usage_tail.h"
#include "health/health.h"
#include "health/health_accounts.h"
#include "health/window.h"

/* The account's name, provider and reasons point into the figures' detail block (owned_),
 * which consecutive reports share while it says the same: a report holds no fixed-size text. */
typedef struct mm_health_figures {
    const char *account;
    const char *provider;
    const char *disabled_reason; /* "" when none; never NULL in a report */
    const char *status_reason;   /* why the status (at most MM_HEALTH_LINE_MAX - 1 bytes) */
    bool enabled;
    mm_health status;
    /* last hour (events of any kind: probes and requests) */
    int64_t requests, errors, rate_limit_hits, tokens_in, tokens_out;
    int64_t tokens_cache_read, tokens_cache_write; /* parts of tokens_in, billed apart */
    int64_t usage_estimated; /* the hour's events whose tokens are the admission estimate */
    int64_t request_errors;  /* the caller's errors (400/404/422, content filter): not in errors */
    int64_t unpriced;  /* the hour's events without a price (cost_micros_hour leaves them out) */
    double error_rate; /* errors / requests, 0 when no requests */
    double latency_avg_ms; /* successful events; -1 when none */
    double latency_p95_ms; /* nearest-rank p95 within MM_HIST_RELATIVE_ERROR; -1 when none */
    double ttft_avg_ms;    /* successful streamed requests' time to first token; -1 when none */
    double ttft_p95_ms;    /* their p95, as latency_p95_ms; -1 when none */
    int64_t cost_micros_hour;
    /* recent window (the one the degraded rule reads) */
    int64_t recent_requests, recent_rate_limit_hits;
    double recent_error_rate, recent_p95_ms;
    /* month to date (UTC) and the cap */
    int64_t cost_micros_month; /* priced events only... */
    int64_t month_unpriced;    /* ...and the month's events without a price */
    int64_t monthly_cap_cents; /* MM_LIMIT_UNSET when none */
    /* state */
    int64_t cooldown_until_ms; /* rate-limited until then (0 = none) */
    int64_t last_event_ms, last_success_ms, last_probe_ms;
    /* per minute, oldest first, index 59 = the current minute: MM_WINDOW_MINUTES values each
     * (an account without events in the hour shares constant arrays of 0 and -1; the others a
     * refcounted block with every account of the report, and of the next reports, whose series
     * are the same: an hour of the prober alone is the same at each account) */
    const int32_t *series_requests;
    const int32_t *series_errors;
    const int32_t *series_p95_ms;       /* -1 = no successful event that minute */
    size_t n_errors;                    /* newest first */
    const mm_recent_error *last_errors; /* n_errors of them */
    void *owned_; /* internal: the one block the pointers above point into, or NULL */
    int consecutive_probe_failures;
} mm_health_figures;

typedef struct mm_health_report {
    int64_t now_ms;
    mm_health_thresholds thresholds;
    mm_health_figures *accounts; /* one per catalog account, in the catalog's list order */
    size_t count;
} mm_health_report;

/* Fills set (initialized here) from the catalog: the last hour's events (one indexed query,
 * streamed into the windows) and each account's month-to-date cost. *max_id gets the newest
 * event id included, from which to tail. */
mm_status health_windows_load(mm_catalog *cat, const mm_account_list *accounts, int64_t now_ms,
                              mm_window_set *set, int64_t *max_id, mm_error *err);
/* Every account's status from windows the caller keeps (loaded with health_windows_load, then
 * tailed by event id as the monitor and serve's routing view do): the map
 * health_status_from_catalog gives, without reading the hour again. */
mm_status health_status_from_windows(const mm_window_set *set, const mm_account_list *accounts,
                                     int64_t now_ms, const mm_health_thresholds *t,
                                     mm_health_map *out, mm_error *err);
/* The last hour and the providers from the health account list, no month-to-date cost
 * (set->fold_month false: every window's month at 0) until health_windows_load_month. */
mm_status health_windows_load_hour_for(mm_catalog *cat, const mm_health_account_list *accounts,
                                       int64_t now_ms, mm_window_set *set, int64_t *max_id,
                                       mm_error *err);
/* Each account's month-to-date cost into set (windows made for accounts with a cost) from the
 * day rollups, with the newest event they hold (set->month_upto_id: a fold after this adds
 * only the events above it to the month, so an event tailed after the hour's load and already
 * in the rollups is not counted twice); set->fold_month on. missing (NULL: not read) gets the
 * ids below set->month_upto_id in flight at the read (PostgreSQL), not in the sums:
 * health_windows_fold_tailed adds them when they come. MM_E_DB, MM_E_INTERNAL (memory). */
mm_status health_windows_load_month(mm_catalog *cat, mm_window_set *set, mm_id_gaps *missing,
                                    mm_error *err);
/* health_windows_load_hour_for, and tail started in the same picture (catalog_usage_tail_start):
 * every event the hour does not hold comes through catalog_usage_tail_read once, also one
 * committed later below the newest the hour holds (PostgreSQL). */
mm_status health_windows_load_hour_tail(mm_catalog *cat, const mm_health_account_list *accounts,
                                        int64_t now_ms, mm_window_set *set, mm_usage_tail *tail,
                                        mm_error *err);
/* health_windows_load (hour and month) the same way. */
mm_status health_windows_load_tail(mm_catalog *cat, const mm_account_list *accounts, int64_t now_ms,
                                   mm_window_set *set, mm_usage_tail *tail, mm_error *err);
/* Folds a tailed event (mm_window_set_fold), adding to the month also an event among
 * month_missing (NULL: none), taken out of it. false only when out of memory. */
bool health_windows_fold_tailed(mm_window_set *set, mm_id_gaps *month_missing,
                                const mm_usage_event *ev);
/* The figures of every account in `accounts` at now_ms. */
mm_status health_report_build(const mm_window_set *set, const mm_account_list *accounts,
                              int64_t now_ms, const mm_health_thresholds *t, mm_health_report *out,
                              mm_error *err);
/* The same from the health account list (the monitor's). */
mm_status health_report_build_for(const mm_window_set *set, const mm_health_account_list *accounts,
                                  int64_t now_ms, const mm_health_thresholds *t,
                                  mm_health_report *out, mm_error *err);
/* The same, sharing with `previous` (the last report of the same list; NULL: none) the detail
 * (series, latest errors, reason) of every account whose detail did not change, so that
 * consecutive reports hold one copy of it: previous must stay valid while out is built; after
 * that either may be freed first, on any thread. */
mm_status health_report_build_next(const mm_window_set *set, const mm_health_account_list *accounts,
                                   int64_t now_ms, const mm_health_thresholds *t,
                                   const mm_health_report *previous, mm_health_report *out,
                                   mm_error *err);
/* previous with each account's month-to-date figures (cost_micros_month, month_unpriced) read
 * again from set, all else shared with it (detail blocks): when the month is all that changed
 * in set since previous was built from it (the monitor's month read after its first figures),
 * the report health_report_build_next would give at previous->now_ms, in O(accounts) copies.
 * previous must stay valid while out is built; then either may be freed first. MM_E_INTERNAL
 * (memory). */
mm_status health_report_with_month(const mm_health_report *previous, const mm_window_set *set,
                                   mm_health_report *out, mm_error *err);
/* Whether two accounts' figures are the same (every figure, series, error and reason). */
bool health_figures_same(const mm_health_figures *a, const mm_health_figures *b);
/* Bytes a report holds on the heap (its figures and the names, series, errors and reasons they
 * point to): about sizeof(mm_health_figures) plus the names and reason for an account without
 * events in the hour. */
size_t health_report_bytes(const mm_health_report *report);
/* Accounts, windows and figures from the catalog in one call (`mmadmin health`). t NULL: the
 * catalog's thresholds (a bad setting keeping its default). */
mm_status health_report_load(mm_catalog *cat, int64_t now_ms, const mm_health_thresholds *t,
                             mm_health_report *out, mm_error *err);
/* The same figures one account at a time, in the catalog's order: fn gets each (the struct is
 * reused: copy what you keep) and whether it is the last; fn returning false stops with
 * MM_E_IO. Holds one account's figures at a time (`health --json` at 10,000 accounts). */
typedef bool (*health_figures_fn)(const mm_health_figures *f, bool last, void *ctx);
mm_status health_report_each(mm_catalog *cat, int64_t now_ms, const mm_health_thresholds *t,
                             health_figures_fn fn, void *ctx, mm_error *err);
void health_report_free(mm_health_report *report);
/* The account's figures in report, or NULL. */
const mm_health_figures *health_report_find(const mm_health_report *report, const char *account);

#endif
