/* Every account's name, provider, enabled, reason and cap, one row at a time from the accounts
 * table alone (the health monitor's account list at 10,000 accounts). */
#include "catalog/account_brief.h"

#include "catalog/catalog_internal.h"

mm_status catalog_account_brief_each(mm_catalog *cat, mm_account_brief_fn fn, void *ctx,
                                     mm_error *err)
{
    db_stmt *stmt;
    mm_status st = cat_prepare(cat,
                               "SELECT name, provider, enabled, disabled_reason, monthly_cap_cents "
                               "FROM accounts ORDER BY name",
                               &stmt, err);
    if (st != MM_OK)
        return st;
    db_step_result rc;
    while ((rc = db_step(stmt)) == DB_ROW) {
        mm_account_brief acc = {.name = db_column_text(stmt, 0),
                                .provider = db_column_text(stmt, 1),
                                .enabled = db_column_int64(stmt, 2) != 0,
                                .disabled_reason = db_column_text(stmt, 3),
                                .monthly_cap_cents = cat_column_limit(stmt, 4)};
        fn(&acc, ctx);
    }
    if (rc != DB_DONE)
        st = cat_db_error(cat, "listing accounts", err);
    db_finalize(stmt);
    return st;
}
