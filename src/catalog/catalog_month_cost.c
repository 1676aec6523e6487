/* Month-to-date cost per account from the day rollups: the two sums (priced cost, unpriced
 * events) the health figures show, so reading 10,000 accounts' month sums no more than that. */
#include "catalog/month_cost.h"

#include "catalog/catalog_internal.h"

mm_status catalog_usage_month_cost_by_account(mm_catalog *cat, int64_t month_start_ms,
                                              mm_rollup_fn fn, void *ctx, mm_error *err)
{
    /* the open transaction's events count too */
    mm_status st = db_in_transaction(cat->db) ? cat_rollup_flush(cat, err) : MM_OK;
    db_stmt *stmt;
    if (st == MM_OK)
        st = cat_prepare(cat,
                         "SELECT name, coalesce(sum(cost_micros), 0), coalesce(sum(unpriced), 0) "
                         "FROM usage_rollup_day WHERE start_ms >= ?1 AND scope = 'account' AND "
                         "kind = 'request' GROUP BY name",
                         &stmt, err);
    if (st != MM_OK)
        return st;
    db_bind_int64(stmt, 1, month_start_ms);
    int rc;
    while ((rc = db_step(stmt)) == DB_ROW) {
        mm_usage_rollup sums = {.cost_micros = db_column_int64(stmt, 1),
                                .unpriced = db_column_int64(stmt, 2)};
        fn(db_column_text(stmt, 0), &sums, ctx);
    }
    if (rc != DB_DONE)
        st = cat_db_error(cat, "reading the month's usage rollups", err);
    db_finalize(stmt);
    return st;
}
