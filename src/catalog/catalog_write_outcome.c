/* Writes whose COMMIT may have been made without its answer (PostgreSQL): the transaction id a
 * write notes, and asking the server afterwards whether that transaction was made. */
#include "catalog/write_outcome.h"

#include "catalog/catalog_internal.h"

mm_status cat_write_transaction(mm_catalog *cat, int64_t *transaction, mm_error *err)
{
    *transaction = 0;
    if (db_kind_of(cat->db) != DB_POSTGRES)
        return MM_OK; /* SQLite: a failed COMMIT is never made */
    return cat_query_int(cat, "SELECT txid_current()", NULL, transaction, err);
}

mm_status catalog_write_outcome(mm_catalog *cat, int64_t transaction, mm_write_outcome *out,
                                mm_error *err)
{
    *out = MM_WRITE_NOT_DONE;
    if (transaction <= 0 || db_kind_of(cat->db) != DB_POSTGRES)
        return MM_OK; /* SQLite: a failed COMMIT is never made */
    db_stmt *stmt;
    /* too old to know (NULL: beyond the server's commit log) counts as not done */
    mm_status st = cat_prepare(cat,
                               "SELECT CASE txid_status(CAST(?1 AS BIGINT)) WHEN 'committed' "
                               "THEN 1 WHEN 'in progress' THEN 2 ELSE 0 END",
                               &stmt, err);
    if (st != MM_OK)
        return st;
    db_bind_int64(stmt, 1, transaction);
    if (db_step(stmt) == DB_ROW)
        *out = (mm_write_outcome)db_column_int64(stmt, 0);
    else
        st = cat_db_error(cat, "asking whether a write was made", err);
    db_finalize(stmt);
    return st;
}
