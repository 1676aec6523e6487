/* The last hour's windows built from the per-account minute rollups and the few raw events a
 * window's state needs, equal to folding every raw event of the hour (the latency quantiles
 * within the sketch's MM_HIST_RELATIVE_ERROR, as they are). */
#ifndef MM_HEALTH_HOUR_LOAD_H
#define MM_HEALTH_HOUR_LOAD_H

#include <stdint.h>

#include "catalog/catalog.h"
#include "health/window.h"

/* Initializes set at now_ms and fills it with the hour ending at now's minute (events from the
 * minute 59 minutes before now's on, as the windows keep them): each account's minute counts
 * and latency sketches from the minute rollups (plus the events stored around mmadmin that the
 * rollups do not hold yet), and its state — probe failures in a row, failing since, last event,
 * success and probe, the key refused, the cooldown, the latest errors — from the raw events of
 * the few minutes that decide it (an indexed read of one account each), its TTFT sketches from
 * its streamed successes. *max_id gets the newest event id included (one read transaction): the
 * caller's tail folds the newer ones. An hour with few events an account (a probe round or two:
 * reading each account's state rows apart would cost more) is folded from its raw events, and
 * so is one older than the minute rollups are kept for
 * (MM_ROLLUP_MINUTE_KEEP_MS, less an hour: a report of a past time) is folded from its raw events.
 * The month's totals are left out (set->fold_month false).
 * MM_E_DB when the catalog cannot be read, MM_E_INTERNAL out of memory. */
mm_status health_hour_load(mm_catalog *cat, int64_t now_ms, mm_window_set *set, int64_t *max_id,
                           mm_error *err);

/* The same for the listed accounts only (their rollups through the by-name index: a `send`'s
 * plan reads its chain's few accounts whatever the size of the catalog). The events stored
 * around mmadmin may add windows of other accounts. */
mm_status health_hour_load_accounts(mm_catalog *cat, int64_t now_ms,
                                    const mm_account_list *accounts, mm_window_set *set,
                                    int64_t *max_id, mm_error *err);

#endif
