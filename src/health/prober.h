/* One probe round over many accounts: the list-models call (first page) of every enabled
 * account, all concurrently through libcurl's multi interface with a bounded number of
 * connections, each with its own timeout; finished probes come out as probe records. */
#ifndef MM_HEALTH_PROBER_H
#define MM_HEALTH_PROBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "catalog/probe.h"
#include "error.h"

typedef struct mm_prober mm_prober;

typedef struct mm_prober_stats {
    size_t started, finished, failed; /* this round */
    int open_connections, peak_connections;
    int64_t round_started_ms; /* monotonic */
} mm_prober_stats;

mm_status prober_create(int max_connections, mm_prober **out, mm_error *err);
/* Aborts what is in flight (nothing recorded) and frees. */
void prober_destroy(mm_prober *prober);
/* Starts probing every enabled account of `accounts` (keys decrypted from cat one at a time
 * and wiped as soon as the request is built). An account that cannot be probed (unknown
 * provider, key not decryptable) finishes at once as a failed probe saying why. */
mm_status prober_start_round(mm_prober *prober, mm_catalog *cat, const mm_account_list *accounts,
                             long timeout_ms, mm_error *err);
bool prober_busy(const mm_prober *prober);
/* Waits up to timeout_ms for network activity or for extra_fd (-1: none) to become readable,
 * then drives the transfers. *extra_ready tells whether extra_fd is readable. */
void prober_wait(mm_prober *prober, int extra_fd, int timeout_ms, bool *extra_ready);
/* Moves the probes finished since the last call into *records (grown as needed; count in
 * *n_records, appended) for catalog_probe_record: "probe" usage events, no discovered list
 * (only the first page is read). false only when out of memory. */
bool prober_collect(mm_prober *prober, mm_probe_record **records, size_t *n_records,
                    size_t *capacity);
/* Drops every probe in flight without recording them. */
void prober_abort(mm_prober *prober);
mm_prober_stats prober_stats(const mm_prober *prober);

#endif
