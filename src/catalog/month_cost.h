/* Month-to-date cost per account from the day rollups, reading only the two sums a health
 * figure shows (`mmadmin health --json` at 10,000 accounts, the Health page's month column). */
#ifndef MM_CATALOG_MONTH_COST_H
#define MM_CATALOG_MONTH_COST_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"

typedef struct mm_month_cost {
    char account[MM_NAME_MAX];
    int64_t cost_micros; /* USD micros of the priced requests... */
    int64_t unpriced;    /* ...and the requests without a price */
} mm_month_cost;

/* Every account with a cost or an unpriced request since month_start_ms (requests; one
 * range of the day rollups in key order, summed per account in memory, the open transaction's
 * events included), in a malloc'ed
 * array sorted by name in byte order (strcmp's); free(*items). upto_id (NULL: not read) gets
 * the newest usage event's id in the same read transaction: the sums hold every event up to it
 * (a reader tailing events after it adds only those above). MM_E_DB when the catalog cannot be
 * read, MM_E_INTERNAL out of memory (then *items is NULL). */
mm_status catalog_usage_month_costs(mm_catalog *cat, int64_t month_start_ms, mm_month_cost **items,
                                    size_t *count, int64_t *upto_id, mm_error *err);

#endif
