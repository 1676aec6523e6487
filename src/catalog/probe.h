/* Connection-test and probe results in the catalog: the one function that records a finished
 * Test Connection (console, CLI) or monitor probe, and the event it is recorded as. */
#ifndef MM_CATALOG_PROBE_H
#define MM_CATALOG_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "catalog/write_outcome.h"
#include "providers/provider.h"
#include "util/strlist.h"

/* One finished test or probe of an account. */
typedef struct mm_probe_record {
    mm_usage_event event; /* kind "probe" (catalog_probe_event); id set once recorded */
    /* the model ids a complete list-models call returned, remembered for the target picker
     * when the test succeeded; NULL keeps the stored list (the monitor reads one page only) */
    const mm_string_list *discovered;
} mm_probe_record;

/* Fills ev as the "probe" usage event of a list-models call on account (provider id): outcome
 * "ok" or the error class name, the provider's message on failure, HTTP status (0: none),
 * latency in ms, retry-after in ms (-1: none), no tokens, cost 0 (listing is free), at ts_ms
 * (wall clock, ms). */
void catalog_probe_event(mm_usage_event *ev, const char *account, const char *provider,
                         const mm_call_result *res, int64_t ts_ms);

/* Records count results in one transaction, each: its probe usage event (through the one usage
 * insert: MM_E_INVALID for a kind other than "probe" or an unterminated field), the account's
 * last test (ok when the outcome is "ok"; class, message, latency, tested at the event's time)
 * and, when ok, its discovered models. An account deleted meanwhile keeps its event (usage is
 * by name) and gets no status. On failure nothing is stored and every id is 0. */
mm_status catalog_probe_record(mm_catalog *cat, mm_probe_record *records, size_t count,
                               mm_error *err);

/* catalog_probe_record for a batch written again after a failure (the monitor's): a failed
 * write notes its transaction (PostgreSQL) in *retry, and before the next attempt (the same
 * records at the front, more may follow) the catalog is asked whether its COMMIT was made after
 * all (catalog_write_outcome): if so, those records are not written again. On success every
 * record is written once (retry->found of them by the earlier COMMIT; ids 0) and *retry is reset;
 * a batch dropped and refilled resets it too. MM_E_DB also while the server is still committing
 * the earlier write (try again later). */
mm_status catalog_probe_record_retry(mm_catalog *cat, mm_probe_record *records, size_t count,
                                     mm_write_retry *retry, mm_error *err);

#endif
