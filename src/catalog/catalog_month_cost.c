/* Month-to-date cost per account from the day rollups: the two sums (priced cost, unpriced
 * events) the health figures show, so reading 10,000 accounts' month sums no more than that. */
#include "catalog/month_cost.h"

#include "catalog/catalog_internal.h"
#include "util/text.h"

#define MONTH_COSTS(scope)                                                                         \
    "SELECT name, sum(cost_micros) AS cost, sum(unpriced) AS unpriced "                            \
    "FROM usage_rollup_day WHERE start_ms >= ?1 AND " scope " = 'account' "                        \
    "AND kind = 'request' GROUP BY name "                                                          \
    "HAVING sum(cost_micros) <> 0 OR sum(unpriced) <> 0 ORDER BY name"
/* SQLite: the unary + keeps the planner off the (scope, name, ...) index, whose walk in name
 * order visits every day row an account ever had (O(history)) and looks each one up in the
 * table; the primary key's range (start_ms first, migration 12) reads this month's rows alone
 * and sorts them by name: half the CPU at 10,000 accounts even on the first month. */
const char CAT_SQL_MONTH_COSTS_SQLITE[] = MONTH_COSTS("+scope");
#define MONTH_COSTS_PG MONTH_COSTS("scope")

static void bind_month(db_stmt *stmt, const void *month_start_ms)
{
    db_bind_int64(stmt, 1, *(const int64_t *)month_start_ms);
}

static void read_month_cost(db_stmt *stmt, void *item)
{
    mm_month_cost *cost = item;
    mm_copy(cost->account, sizeof cost->account, db_column_text(stmt, 0));
    cost->cost_micros = db_column_int64(stmt, 1);
    cost->unpriced = db_column_int64(stmt, 2);
}

mm_status catalog_usage_month_costs(mm_catalog *cat, int64_t month_start_ms, mm_month_cost **items,
                                    size_t *count, mm_error *err)
{
    *items = NULL;
    *count = 0;
    /* the open transaction's events count too */
    mm_status st = db_in_transaction(cat->db) ? cat_rollup_flush(cat, err) : MM_OK;
    if (st == MM_OK)
        st = cat_collect_rows(
            cat, db_kind_of(cat->db) == DB_POSTGRES ? MONTH_COSTS_PG : CAT_SQL_MONTH_COSTS_SQLITE,
            bind_month, &month_start_ms, read_month_cost, sizeof **items, (void **)items, count,
            "reading the month's usage rollups", err);
    return st;
}
