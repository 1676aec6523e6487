/* Every account's name, provider, enabled, reason, cap and failed last test, one row at a time
 * (the health monitor's account list at 10,000 accounts). */
#include "catalog/account_brief.h"

#include "catalog/catalog_internal.h"

mm_status catalog_account_brief_each(mm_catalog *cat, mm_account_brief_fn fn, void *ctx,
                                     mm_error *err)
{
    db_stmt *stmt;
    /* the status row found by its key, its message read only when the test failed: 10,000
     * accounts each with a failed test, 4.0 -> 4.4 ms (sqlite3, medians of 9) */
    mm_status st =
        cat_prepare(cat,
                    "SELECT a.name, a.provider, a.enabled, a.disabled_reason, a.monthly_cap_cents, "
                    "coalesce(CASE WHEN s.ok = 0 THEN s.message END, '') FROM accounts a "
                    "LEFT JOIN account_status s ON s.account_id = a.id ORDER BY a.name",
                    &stmt, err);
    if (st != MM_OK)
        return st;
    db_step_result rc;
    while ((rc = db_step(stmt)) == DB_ROW) {
        mm_account_brief acc = {.name = db_column_text(stmt, 0),
                                .provider = db_column_text(stmt, 1),
                                .enabled = db_column_int64(stmt, 2) != 0,
                                .disabled_reason = db_column_text(stmt, 3),
                                .monthly_cap_cents = cat_column_limit(stmt, 4),
                                .failed_test_message = db_column_text(stmt, 5)};
        fn(&acc, ctx);
    }
    if (rc != DB_DONE)
        st = cat_db_error(cat, "listing accounts", err);
    db_finalize(stmt);
    return st;
}
