/* Health status of provider accounts: the one set of rules (thresholds kept in one place) that
 * the monitor, the Provider Health page, `mmadmin health` and the router all use. */
#ifndef MM_HEALTH_H
#define MM_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"

typedef enum mm_health {
    MM_HEALTH_UNKNOWN = 0, /* no event in the window yet (treated as healthy by the router) */
    MM_HEALTH_HEALTHY,
    MM_HEALTH_DEGRADED,
    MM_HEALTH_UNREACHABLE
} mm_health;

const char *mm_health_name(mm_health health); /* "unknown", "healthy", "degraded", ... */

typedef struct mm_health_thresholds {
    int64_t recent_window_ms;          /* window for degraded checks (default 5 min) */
    double degraded_error_rate;        /* error rate above this is degraded (default 0.10) */
    int64_t degraded_rate_limit_hits;  /* rate-limit hits at or above this (default 5) */
    int64_t degraded_p95_ms;           /* p95 latency above this (default 5000) */
    int64_t degraded_min_requests;     /* calls (probes and requests) the recent window needs
                                          before its error rate or rate-limit hits can make an
                                          account degraded: the evidence (default 5) */
    int unreachable_failed_probes;     /* this many latest probes all failed (default 3) */
    int64_t unreachable_no_success_ms; /* no success for this long while failing (default 3 min) */
} mm_health_thresholds;

/* The defaults, overridden by catalog settings "health.*" when present. A setting that is not a
 * valid value is reported in err (MM_E_INVALID, naming the key and the accepted range) and its
 * default is kept; the other settings still apply. */
void mm_health_thresholds_default(mm_health_thresholds *t);
mm_status health_thresholds_load(mm_catalog *cat, mm_health_thresholds *t, mm_error *err);

/* Status of every account, computed from the catalog's recent usage events with the same rules
 * the monitor uses (for processes that run no monitor, such as `route` and `send`).
 * names/statuses are parallel arrays of n entries, allocated; free with mm_health_map_free.
 * t NULL: the catalog's thresholds (health_thresholds_load, a bad setting keeping its default). */
typedef struct mm_health_map {
    char (*accounts)[MM_NAME_MAX];
    mm_health *statuses;
    bool *disabled; /* parallel too: the account is disabled (NULL: none is) */
    size_t count;
    bool sorted; /* accounts in ascending byte order: lookups binary search (mm_health_map_seal) */
} mm_health_map;

mm_status health_status_from_catalog(mm_catalog *cat, int64_t now_ms, const mm_health_thresholds *t,
                                     mm_health_map *out, mm_error *err);
/* The same for the given accounts only (their last hour read by the account index, one query
 * each): what `send` and `route` need for one model's chain. Entries in `accounts` order. */
mm_status health_status_for_accounts(mm_catalog *cat, int64_t now_ms, const mm_health_thresholds *t,
                                     const mm_account_list *accounts, mm_health_map *out,
                                     mm_error *err);
/* Marks the map sorted when its accounts are in ascending byte order (as the catalog lists
 * them), so that the lookups below take O(log n) instead of O(n). Builders call it. */
void mm_health_map_seal(mm_health_map *map);
mm_health mm_health_map_get(const mm_health_map *map, const char *account);
/* True when the map knows the account to be disabled (the router skips it: never usable). */
bool mm_health_map_disabled(const mm_health_map *map, const char *account);
/* True when a and b hold the same accounts in the same order with the same statuses and
 * disabled flags (a page whose rows show chain health need not format them again). */
bool mm_health_map_equal(const mm_health_map *a, const mm_health_map *b);
void mm_health_map_free(mm_health_map *map);

/* Settings keys of the thresholds (values: integers in ms / counts, the rate as 0..1). */
#define MM_SETTING_RECENT_WINDOW_MS "health.recent_window_ms"
#define MM_SETTING_DEGRADED_ERROR_RATE "health.degraded_error_rate"
#define MM_SETTING_DEGRADED_RATE_LIMIT_HITS "health.degraded_rate_limit_hits"
#define MM_SETTING_DEGRADED_P95_MS "health.degraded_p95_ms"
#define MM_SETTING_DEGRADED_MIN_REQUESTS "health.degraded_min_requests"
#define MM_SETTING_UNREACHABLE_FAILED_PROBES "health.unreachable_failed_probes"
#define MM_SETTING_UNREACHABLE_NO_SUCCESS_MS "health.unreachable_no_success_ms"
/* Settings keys of the monitor's timing (integers, ms). */
#define MM_SETTING_PROBE_INTERVAL_MS "health.probe_interval_ms" /* default 30000 */
#define MM_SETTING_PROBE_TIMEOUT_MS "health.probe_timeout_ms"   /* default 10000 */
#define MM_SETTING_LEASE_MS "health.lease_ms"                   /* default 15000 */

/* ---- every "health.*" setting in one table: key, unit, accepted range and default (the
 * loaders, the monitor and `mmadmin health config` all check against it) ---- */
typedef enum mm_health_setting_id {
    MM_HSET_PROBE_INTERVAL = 0, /* health.probe_interval_ms (monitor.h) */
    MM_HSET_PROBE_TIMEOUT,      /* health.probe_timeout_ms */
    MM_HSET_LEASE,              /* health.lease_ms */
    MM_HSET_RECENT_WINDOW,
    MM_HSET_DEGRADED_ERROR_RATE,
    MM_HSET_DEGRADED_RATE_LIMIT_HITS,
    MM_HSET_DEGRADED_P95,
    MM_HSET_UNREACHABLE_FAILED_PROBES,
    MM_HSET_UNREACHABLE_NO_SUCCESS,
    MM_HSET_DEGRADED_MIN_REQUESTS,
    MM_HSET_COUNT
} mm_health_setting_id;

typedef enum mm_health_unit {
    MM_HEALTH_UNIT_MS,    /* a whole number of milliseconds */
    MM_HEALTH_UNIT_COUNT, /* a whole number of events */
    MM_HEALTH_UNIT_RATE   /* a fraction from 0 to 1 (0.1 = 10 %) */
} mm_health_unit;

typedef struct mm_health_setting {
    const char *key; /* "health.probe_interval_ms" */
    mm_health_unit unit;
    double min, max; /* accepted values, inclusive */
    double default_value;
} mm_health_setting;

/* Where a setting's value came from. */
typedef enum mm_health_setting_source {
    MM_HEALTH_SETTING_DEFAULT, /* not set in the catalog */
    MM_HEALTH_SETTING_SET,     /* set to a valid value */
    MM_HEALTH_SETTING_INVALID  /* set to something not valid: the default is used */
} mm_health_setting_source;

/* The setting's description (id < MM_HSET_COUNT). */
const mm_health_setting *health_setting(mm_health_setting_id id);
/* Parses text as a value of setting id: a whole number within range (a decimal from 0 to 1 for
 * a rate). MM_E_INVALID naming the key and what is accepted otherwise. */
mm_status health_setting_parse(mm_health_setting_id id, const char *text, double *value,
                               mm_error *err);
/* The setting's value in the catalog: *value gets it when set and valid, else the default.
 * MM_E_INVALID (message naming the key, the range and the default used) when set but not
 * valid; another status when the catalog could not be read. source may be NULL. */
mm_status health_setting_read(mm_catalog *cat, mm_health_setting_id id, double *value,
                              mm_health_setting_source *source, mm_error *err);

/* The recent window in whole minutes (1..60): the current, partial minute and the ones before. */
int health_recent_minutes(const mm_health_thresholds *t);

/* The rules in words, one line each, for the Help screen and `mmadmin health --help`. Writes at
 * most max_lines lines of MM_HEALTH_LINE_MAX bytes; returns the number written. */
#define MM_HEALTH_LINE_MAX 160
size_t health_thresholds_describe(const mm_health_thresholds *t, char lines[][MM_HEALTH_LINE_MAX],
                                  size_t max_lines);

#endif
