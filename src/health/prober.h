/* One probe round over many accounts: the list-models call (first page) of every enabled
 * account through libcurl's multi interface, at most a window of probes in flight (the rest
 * wait as small records), bounded connections, each probe with its own timeout; finished
 * probes come out as probe records. */
#ifndef MM_HEALTH_PROBER_H
#define MM_HEALTH_PROBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "catalog/probe.h"
#include "error.h"

#define MM_PROBER_DEFAULT_CONNECTIONS 32

typedef struct mm_prober mm_prober;

typedef struct mm_prober_stats {
    size_t started, finished, failed; /* this round: accounts due, probes finished, failed */
    size_t skipped; /* of the finished: not sent, the key unreadable (no event; not failed) */
    size_t waiting; /* due accounts not sent yet (queued) */
    int in_flight, peak_in_flight; /* probes with a transfer running; most this round */
    int open_connections, peak_connections;
    int64_t round_started_ms; /* monotonic */
} mm_prober_stats;

/* max_connections: most connections open at once (<= 0: MM_PROBER_DEFAULT_CONNECTIONS);
 * window: most probes in flight at once (<= 0: the connections), the memory a round holds
 * (one reused libcurl handle and response a probe in flight, ~150 bytes an account waiting). */
mm_status prober_create(int max_connections, int window, mm_prober **out, mm_error *err);
/* Aborts what is in flight (nothing recorded) and frees. */
void prober_destroy(mm_prober *prober);
/* Starts probing every enabled account of `accounts` (the list may be freed on return: what a
 * probe needs is copied). cat must stay open until the round ends or is aborted: each
 * account's key is decrypted from it when its probe is sent, and wiped as soon as the request
 * is built. An account that cannot be probed (unknown provider, endpoint) finishes as a failed
 * probe saying why; one whose key cannot be read is skipped: no probe event, and when the key
 * cannot be decrypted (a damaged secret) it comes out of prober_take_skipped. */
mm_status prober_start_round(mm_prober *prober, mm_catalog *cat, const mm_account_list *accounts,
                             long timeout_ms, mm_error *err);
/* The same over every account of cat, streamed (no full account list in memory). */
mm_status prober_start_round_all(mm_prober *prober, mm_catalog *cat, long timeout_ms,
                                 mm_error *err);
bool prober_busy(const mm_prober *prober);
/* Waits up to timeout_ms for network activity or for extra_fd (-1: none) to become readable,
 * then drives the transfers and sends waiting probes into free places of the window. Returns
 * at once while finished probes wait to be collected. *extra_ready tells whether extra_fd is
 * readable. */
void prober_wait(mm_prober *prober, int extra_fd, int timeout_ms, bool *extra_ready);
/* Moves the probes finished since the last call into *records (grown as needed; count in
 * *n_records, appended) for catalog_probe_record: "probe" usage events, no discovered list
 * (only the first page is read). At most about a window of them wait between calls. false
 * only when out of memory. */
bool prober_collect(mm_prober *prober, mm_probe_record **records, size_t *n_records,
                    size_t *capacity);
/* An account skipped because its stored key cannot be decrypted, and what to do about it (for
 * its last test; the message names no key). */
typedef struct mm_probe_skip {
    char account[MM_NAME_MAX];
    char message[MM_MESSAGE_MAX];
} mm_probe_skip;
/* The accounts skipped since the last call: *items (malloc'ed, the caller frees; NULL when
 * none) and their count. */
size_t prober_take_skipped(mm_prober *prober, mm_probe_skip **items);
/* Drops every probe in flight or waiting without recording them. */
void prober_abort(mm_prober *prober);
mm_prober_stats prober_stats(const mm_prober *prober);

#endif
