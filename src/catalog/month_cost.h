/* Month-to-date cost per account from the day rollups, reading only the two sums a health
 * figure shows (`mmadmin health --json` at 10,000 accounts, the Health page's month column). */
#ifndef MM_CATALOG_MONTH_COST_H
#define MM_CATALOG_MONTH_COST_H

#include <stdint.h>

#include "catalog/catalog.h"

/* Like catalog_usage_month_by_account (requests since month_start_ms, one indexed range of the
 * day rollups, accounts in name order) with only sums->cost_micros (USD micros, priced events)
 * and sums->unpriced (events without a price) filled; the other fields are 0. Includes the open
 * transaction's events. MM_E_DB when the catalog cannot be read. */
mm_status catalog_usage_month_cost_by_account(mm_catalog *cat, int64_t month_start_ms,
                                              mm_rollup_fn fn, void *ctx, mm_error *err);

#endif
