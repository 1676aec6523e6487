/* Month-to-date cost per account from the day rollups: the two sums (priced cost, unpriced
 * events) the health figures show, so reading 10,000 accounts' month sums no more than that. */
#include "catalog/month_cost.h"

#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_internal.h"
#include "util/grow.h"
#include "util/hash_index.h"
#include "util/text.h"

/* The month's day rollups of requests, in primary-key order: start_ms leads the key, so the
 * scan reads this month's rows and no other, each once. The scope is kept to the accounts' rows
 * below, not in SQL: a term on scope would let SQLite take the by-name index, which looks every
 * row up in the table again (and `scope || ''`, which kept it off, made a string a row). The
 * sums are made below, not by GROUP BY, which sorted every row by name: at 10,000 accounts x 30
 * days that sort was most of the console's first Health frame. */
const char CAT_SQL_MONTH_ROWS[] = "SELECT scope, name, cost_micros, unpriced FROM usage_rollup_day "
                                  "WHERE start_ms >= ?1 AND kind = 'request'";

/* The sums so far, one entry an account, found by name through a hash index. */
typedef struct month_sums {
    mm_month_cost *items;
    size_t count, capacity;
    mm_hash_index index;
} month_sums;

static bool same_account(const void *data, size_t position, const void *key)
{
    return strcmp(((const mm_month_cost *)data)[position].account, key) == 0;
}

/* The account's entry, added at zero when new; NULL when out of memory. */
static mm_month_cost *sum_of(month_sums *sums, const char *account)
{
    uint32_t hash = mm_hash_string(account);
    long at = mm_hash_index_find(&sums->index, hash, account, same_account, sums->items);
    if (at >= 0)
        return &sums->items[at];
    if (!mm_grow((void **)&sums->items, &sums->capacity, sums->count, sizeof *sums->items) ||
        !mm_hash_index_add(&sums->index, hash, sums->count))
        return NULL;
    mm_month_cost *cost = &sums->items[sums->count++];
    memset(cost, 0, sizeof *cost);
    mm_copy(cost->account, sizeof cost->account, account);
    return cost;
}

static mm_status add_month_rows(mm_catalog *cat, int64_t month_start_ms, month_sums *sums,
                                mm_error *err)
{
    db_stmt *stmt;
    mm_status st = cat_prepare(cat, CAT_SQL_MONTH_ROWS, &stmt, err);
    if (st != MM_OK)
        return st;
    db_bind_int64(stmt, 1, month_start_ms);
    int rc = DB_DONE;
    while (st == MM_OK && (rc = db_step(stmt)) == DB_ROW) {
        if (strcmp(db_column_text(stmt, 0), "account") != 0)
            continue; /* a workspace's row */
        mm_month_cost *cost = sum_of(sums, db_column_text(stmt, 1));
        if (!cost) {
            st = cat_out_of_memory(err);
            break;
        }
        cost->cost_micros += db_column_int64(stmt, 2);
        cost->unpriced += db_column_int64(stmt, 3);
    }
    if (st == MM_OK && rc != DB_DONE)
        st = cat_db_error(cat, "reading the month's usage rollups", err);
    db_finalize(stmt);
    return st;
}

static int compare_account(const void *a, const void *b)
{
    return strcmp(((const mm_month_cost *)a)->account, ((const mm_month_cost *)b)->account);
}

/* Keeps the accounts with a cost or an unpriced request, sorted by name. */
static void keep_spenders_sorted(month_sums *sums)
{
    size_t kept = 0;
    for (size_t i = 0; i < sums->count; i++)
        if (sums->items[i].cost_micros != 0 || sums->items[i].unpriced != 0)
            sums->items[kept++] = sums->items[i];
    sums->count = kept;
    if (kept > 1)
        qsort(sums->items, kept, sizeof *sums->items, compare_account);
}

mm_status catalog_usage_month_costs(mm_catalog *cat, int64_t month_start_ms, mm_month_cost **items,
                                    size_t *count, mm_error *err)
{
    *items = NULL;
    *count = 0;
    month_sums sums = {0};
    /* the open transaction's events count too */
    mm_status st = db_in_transaction(cat->db) ? cat_rollup_flush(cat, err) : MM_OK;
    if (st == MM_OK)
        st = add_month_rows(cat, month_start_ms, &sums, err);
    mm_hash_index_free(&sums.index);
    if (st != MM_OK) {
        free(sums.items);
        return st;
    }
    keep_spenders_sorted(&sums);
    *items = sums.items;
    *count = sums.count;
    return MM_OK;
}
