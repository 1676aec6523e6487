/* Reading usage events by id as they commit, none skipped when ids commit out of order: on
 * PostgreSQL an event's id comes from a sequence at its insert, so a transaction can commit an id
 * below one a reader already passed. The ids found missing below the newest read are remembered
 * (bounded in count and age) and read again until they come. */
#ifndef MM_CATALOG_USAGE_TAIL_H
#define MM_CATALOG_USAGE_TAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"

#define MM_ID_GAPS_MAX 1024             /* ids remembered at most: the newest are kept */
#define MM_ID_GAP_AGE_MS INT64_C(60000) /* missing longer: given up (a rolled-back insert) */
#define MM_ID_GAP_SPAN INT64_C(10000)   /* ids below the newest searched for missing ones */

/* Ids missing from what was read, ascending, each with when it was found missing (wall ms). */
typedef struct mm_id_gap {
    int64_t id, since_ms;
} mm_id_gap;
typedef struct mm_id_gaps {
    mm_id_gap *items;
    size_t count, capacity;
} mm_id_gaps;

/* Whether id is among the gaps; it is taken out when it is. */
bool mm_id_gaps_take(mm_id_gaps *gaps, int64_t id);
void mm_id_gaps_free(mm_id_gaps *gaps);

/* The ids at most upto_id (the newest MM_ID_GAP_SPAN of them, above the oldest event there) that
 * have no event in the caller's current read transaction, into *out (emptied first): read in the
 * picture upto_id was read in (catalog_read_begin), they are the events in flight then, which
 * may commit later. None on SQLite, where events commit in id order. MM_E_DB. */
mm_status catalog_usage_missing_below(mm_catalog *cat, int64_t upto_id, mm_id_gaps *out,
                                      mm_error *err);

/* A reader of the events after last_id, and of the gaps below it. */
typedef struct mm_usage_tail {
    int64_t last_id; /* the newest event read (or the load's newest, to start from) */
    mm_id_gaps gaps; /* ids below last_id not read yet */
} mm_usage_tail;

/* Starts tail after upto_id, the newest event a load read, its gaps those of that load's picture
 * (catalog_usage_missing_below: call it in the same read transaction). Frees what tail held. */
mm_status catalog_usage_tail_start(mm_catalog *cat, mm_usage_tail *tail, int64_t upto_id,
                                   mm_error *err);
/* Streams to fn the gaps' events that committed since (out of id order), then the events after
 * last_id in id order, at most limit of those (0: all); *count (NULL: not wanted) gets how many
 * of those there were (limit of them: call again). Ids skipped on the way become gaps; gaps older
 * than MM_ID_GAP_AGE_MS are dropped. Each event comes once. MM_E_DB (nothing lost: the same read
 * is made again next time). */
mm_status catalog_usage_tail_read(mm_catalog *cat, mm_usage_tail *tail, size_t limit,
                                  mm_usage_fn fn, void *ctx, size_t *count, mm_error *err);
void catalog_usage_tail_free(mm_usage_tail *tail);

#endif
