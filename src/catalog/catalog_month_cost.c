/* Month-to-date cost per account from the day rollups: the two sums (priced cost, unpriced
 * events) the health figures show, so reading 10,000 accounts' month sums no more than that. */
#include "catalog/month_cost.h"

#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_internal.h"
#include "util/grow.h"
#include "util/text.h"

/* The month's day rollups of requests, in primary-key order: start_ms leads the key, so the
 * scan reads this month's rows and no other, each once, a day's rows by name (SQLite; on
 * PostgreSQL a day's rows come in any order). The scope is kept to the accounts' rows below, not
 * in SQL: a term on scope would let SQLite take the by-name index, which looks every row up in
 * the table again (and `scope || ''`, which kept it off, made a string a row). The sums are made
 * below, not by GROUP BY, which sorted every row by name: at 10,000 accounts x 30 days that sort
 * was most of the console's first Health frame. */
const char CAT_SQL_MONTH_ROWS[] = "SELECT start_ms, scope, name, cost_micros, unpriced "
                                  "FROM usage_rollup_day WHERE start_ms >= ?1 AND kind = 'request'";

/* The sums so far, sorted by name (strcmp's), and the accounts a day brought that they do not
 * hold yet, merged in when the day ends: a day's rows in name order find their accounts a few
 * entries after the previous row's, in memory read in order (no hash of 10,000 accounts looked
 * up at random 300,000 times). */
typedef struct month_sums {
    mm_month_cost *items;
    size_t count;
    mm_month_cost *pending; /* the day's new accounts, in the order they came */
    size_t n_pending, pending_capacity;
    size_t cursor; /* where the previous row's account is or would be in items */
    int64_t day;
    char previous[MM_NAME_MAX]; /* the previous row's account */
} month_sums;

static int compare_account(const void *a, const void *b)
{
    return strcmp(((const mm_month_cost *)a)->account, ((const mm_month_cost *)b)->account);
}

/* The first position from `from` on whose account is not before name in items (those before
 * `from` are): steps of 1, 2, 4... then a binary search in the last step. */
static size_t seek_from(const month_sums *sums, size_t from, const char *name)
{
    size_t lo = from, hi = from, step = 1;
    while (hi < sums->count && strcmp(sums->items[hi].account, name) < 0) {
        lo = hi + 1;
        hi += step;
        step *= 2;
    }
    if (hi > sums->count)
        hi = sums->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(sums->items[mid].account, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Sorts the pending accounts and sums an account there twice once; none of them is in items
 * (each was looked for there first, and items did not change since). */
static void sort_pending(month_sums *sums)
{
    qsort(sums->pending, sums->n_pending, sizeof *sums->pending, compare_account);
    size_t n = 0;
    for (size_t j = 0; j < sums->n_pending; j++) {
        mm_month_cost *next = &sums->pending[j];
        if (n > 0 && strcmp(sums->pending[n - 1].account, next->account) == 0) {
            sums->pending[n - 1].cost_micros += next->cost_micros;
            sums->pending[n - 1].unpriced += next->unpriced;
        } else {
            sums->pending[n++] = *next;
        }
    }
    sums->n_pending = n;
}

/* Merges the pending accounts into items in place, from the end (the items before the first
 * new name stay where they are); false when out of memory. */
static bool merge_pending(month_sums *sums)
{
    if (sums->n_pending == 0)
        return true;
    sort_pending(sums);
    size_t i = sums->count, j = sums->n_pending, n = sums->count + sums->n_pending;
    mm_month_cost *items = realloc(sums->items, n * sizeof *items);
    if (!items)
        return false;
    while (j > 0) {
        bool take_item = i > 0 && compare_account(&items[i - 1], &sums->pending[j - 1]) > 0;
        items[--n] = take_item ? items[--i] : sums->pending[--j];
    }
    sums->items = items;
    sums->count += sums->n_pending;
    sums->n_pending = 0;
    return true;
}

/* Adds one account's day row; false when out of memory. */
static bool add_row(month_sums *sums, int64_t day, const char *account, int64_t cost_micros,
                    int64_t unpriced)
{
    if (day != sums->day) { /* a new day: its rows start again from the first name */
        if (!merge_pending(sums))
            return false;
        sums->day = day;
        sums->cursor = 0;
    } else if (strcmp(account, sums->previous) < 0) {
        sums->cursor = 0; /* not in name order (PostgreSQL): a binary search of all */
    }
    mm_copy(sums->previous, sizeof sums->previous, account);
    sums->cursor = seek_from(sums, sums->cursor, account);
    mm_month_cost *sum =
        sums->cursor < sums->count && strcmp(sums->items[sums->cursor].account, account) == 0
            ? &sums->items[sums->cursor]
            : NULL;
    if (!sum) {
        if (!mm_grow((void **)&sums->pending, &sums->pending_capacity, sums->n_pending,
                     sizeof *sums->pending))
            return false;
        sum = &sums->pending[sums->n_pending++];
        memset(sum, 0, sizeof *sum);
        mm_copy(sum->account, sizeof sum->account, account);
    }
    sum->cost_micros += cost_micros;
    sum->unpriced += unpriced;
    return true;
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
        if (strcmp(db_column_text(stmt, 1), "account") != 0)
            continue; /* a workspace's row */
        if (!add_row(sums, db_column_int64(stmt, 0), db_column_text(stmt, 2),
                     db_column_int64(stmt, 3), db_column_int64(stmt, 4)))
            st = cat_out_of_memory(err);
    }
    if (st == MM_OK && rc != DB_DONE)
        st = cat_db_error(cat, "reading the month's usage rollups", err);
    db_finalize(stmt);
    if (st == MM_OK && !merge_pending(sums))
        st = cat_out_of_memory(err);
    return st;
}

/* Keeps the accounts with a cost or an unpriced request (in their order, by name). */
static void keep_spenders(month_sums *sums)
{
    size_t kept = 0;
    for (size_t i = 0; i < sums->count; i++)
        if (sums->items[i].cost_micros != 0 || sums->items[i].unpriced != 0)
            sums->items[kept++] = sums->items[i];
    sums->count = kept;
}

mm_status catalog_usage_month_costs(mm_catalog *cat, int64_t month_start_ms, mm_month_cost **items,
                                    size_t *count, int64_t *upto_id, mm_error *err)
{
    *items = NULL;
    *count = 0;
    month_sums sums = {.day = INT64_MIN};
    /* the open transaction's events count too */
    mm_status st = db_in_transaction(cat->db) ? cat_rollup_flush(cat, err) : MM_OK;
    bool began = false;
    if (st == MM_OK && upto_id) /* the newest event and the rows in one picture */
        st = catalog_read_begin(cat, &began, err);
    if (st == MM_OK && upto_id)
        st =
            cat_query_int(cat, "SELECT coalesce(max(id), 0) FROM usage_events", NULL, upto_id, err);
    if (st == MM_OK)
        st = add_month_rows(cat, month_start_ms, &sums, err);
    if (upto_id)
        st = catalog_read_end(cat, began, st, err);
    free(sums.pending);
    if (st != MM_OK) {
        free(sums.items);
        return st;
    }
    keep_spenders(&sums);
    *items = sums.items;
    *count = sums.count;
    return MM_OK;
}
