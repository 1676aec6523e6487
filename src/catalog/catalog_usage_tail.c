/* The usage tail: events read by id as they commit, with the ids skipped on the way (PostgreSQL
 * commits sequence ids out of order) remembered and read again until they come or age out. */
#include "catalog/usage_tail.h"

#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_internal.h"
#include "util/clock.h"

/* SQLite has one writer at a time and takes an event's id (the newest + 1) inside its write
 * transaction: no id commits below one already visible. */
static bool ids_commit_in_order(mm_catalog *cat)
{
    return db_kind_of(cat->db) == DB_SQLITE;
}

/* The first position whose id is not below id. */
static size_t gaps_seek(const mm_id_gaps *gaps, int64_t id)
{
    size_t lo = 0, hi = gaps->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (gaps->items[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

bool mm_id_gaps_take(mm_id_gaps *gaps, int64_t id)
{
    size_t at = gaps_seek(gaps, id);
    if (at == gaps->count || gaps->items[at].id != id)
        return false;
    memmove(&gaps->items[at], &gaps->items[at + 1], (gaps->count - at - 1) * sizeof *gaps->items);
    gaps->count--;
    return true;
}

void mm_id_gaps_free(mm_id_gaps *gaps)
{
    free(gaps->items);
    memset(gaps, 0, sizeof *gaps);
}

/* Drops the first n (the oldest ids). */
static void gaps_drop_first(mm_id_gaps *gaps, size_t n)
{
    memmove(gaps->items, gaps->items + n, (gaps->count - n) * sizeof *gaps->items);
    gaps->count -= n;
}

/* Adds the ids lo..hi, all above every id held, keeping the newest MM_ID_GAPS_MAX; false when
 * out of memory (then they are not remembered). */
static bool gaps_add(mm_id_gaps *gaps, int64_t lo, int64_t hi, int64_t now_ms)
{
    if (hi < lo)
        return true;
    if (hi - lo >= MM_ID_GAPS_MAX)
        lo = hi - MM_ID_GAPS_MAX + 1;
    size_t n = (size_t)(hi - lo + 1);
    if (gaps->count + n > MM_ID_GAPS_MAX)
        gaps_drop_first(gaps, gaps->count + n - MM_ID_GAPS_MAX);
    if (!gaps->items) { /* the bound's room at once: 16 KiB, only once an id is missing */
        gaps->items = malloc(MM_ID_GAPS_MAX * sizeof *gaps->items);
        if (!gaps->items)
            return false;
        gaps->capacity = MM_ID_GAPS_MAX;
    }
    for (int64_t id = lo; id <= hi; id++)
        gaps->items[gaps->count++] = (mm_id_gap){.id = id, .since_ms = now_ms};
    return true;
}

/* Drops the gaps found missing before now - MM_ID_GAP_AGE_MS: ids are added in ascending order
 * with the time they were found, so those are the first ones. */
static void gaps_expire(mm_id_gaps *gaps, int64_t now_ms)
{
    size_t old = 0;
    while (old < gaps->count && gaps->items[old].since_ms < now_ms - MM_ID_GAP_AGE_MS)
        old++;
    gaps_drop_first(gaps, old);
}

mm_status catalog_usage_missing_below(mm_catalog *cat, int64_t upto_id, mm_id_gaps *out,
                                      mm_error *err)
{
    out->count = 0;
    if (ids_commit_in_order(cat) || upto_id <= 0)
        return MM_OK;
    db_stmt *stmt;
    mm_status st = cat_prepare(
        cat, "SELECT id FROM usage_events WHERE id > ?1 AND id <= ?2 ORDER BY id", &stmt, err);
    if (st != MM_OK)
        return st;
    db_bind_int64(stmt, 1, upto_id > MM_ID_GAP_SPAN ? upto_id - MM_ID_GAP_SPAN : 0);
    db_bind_int64(stmt, 2, upto_id);
    int64_t now = mm_now_ms(), previous = -1;
    int rc;
    /* below the oldest event of the span: pruned or long gone, not in flight */
    while ((rc = db_step(stmt)) == DB_ROW) {
        int64_t id = db_column_int64(stmt, 0);
        if (previous >= 0)
            gaps_add(out, previous + 1, id - 1, now);
        previous = id;
    }
    if (rc != DB_DONE)
        st = cat_db_error(cat, "reading the newest usage event ids", err);
    db_finalize(stmt);
    return st;
}

mm_status catalog_usage_tail_start(mm_catalog *cat, mm_usage_tail *tail, int64_t upto_id,
                                   mm_error *err)
{
    catalog_usage_tail_free(tail);
    tail->last_id = upto_id;
    return catalog_usage_missing_below(cat, upto_id, &tail->gaps, err);
}

typedef struct tail_pass {
    mm_usage_tail *tail;
    bool in_order;
    int64_t now_ms;
    mm_usage_fn fn;
    void *ctx;
} tail_pass;

static void pass_gap(const mm_usage_event *ev, void *ctx)
{
    tail_pass *pass = ctx;
    if (mm_id_gaps_take(&pass->tail->gaps, ev->id))
        pass->fn(ev, pass->ctx);
}

static void pass_new(const mm_usage_event *ev, void *ctx)
{
    tail_pass *pass = ctx;
    mm_usage_tail *tail = pass->tail;
    if (!pass->in_order && tail->last_id > 0)
        gaps_add(&tail->gaps, tail->last_id + 1, ev->id - 1, pass->now_ms);
    if (ev->id > tail->last_id)
        tail->last_id = ev->id;
    pass->fn(ev, pass->ctx);
}

/* The gaps' events that committed since they were found missing, MM_USAGE_IDS_MAX ids a read. */
static mm_status read_gaps(mm_catalog *cat, tail_pass *pass, mm_error *err)
{
    mm_id_gaps *gaps = &pass->tail->gaps;
    gaps_expire(gaps, pass->now_ms);
    size_t at = 0;
    while (at < gaps->count) {
        int64_t ids[MM_USAGE_IDS_MAX];
        size_t n = gaps->count - at < MM_USAGE_IDS_MAX ? gaps->count - at : MM_USAGE_IDS_MAX;
        for (size_t i = 0; i < n; i++)
            ids[i] = gaps->items[at + i].id;
        size_t found = 0;
        mm_status st = catalog_usage_by_ids(cat, ids, n, pass_gap, pass, &found, err);
        if (st != MM_OK)
            return st;
        at += n - found; /* the found ones were taken out of these n */
    }
    return MM_OK;
}

mm_status catalog_usage_tail_read(mm_catalog *cat, mm_usage_tail *tail, size_t limit,
                                  mm_usage_fn fn, void *ctx, size_t *count, mm_error *err)
{
    if (count)
        *count = 0;
    tail_pass pass = {.tail = tail,
                      .in_order = ids_commit_in_order(cat),
                      .now_ms = mm_now_ms(),
                      .fn = fn,
                      .ctx = ctx};
    mm_status st = tail->gaps.count ? read_gaps(cat, &pass, err) : MM_OK;
    if (st == MM_OK)
        st = catalog_usage_since_id(cat, tail->last_id, limit, pass_new, &pass, count, err);
    return st;
}

void catalog_usage_tail_free(mm_usage_tail *tail)
{
    mm_id_gaps_free(&tail->gaps);
    tail->last_id = 0;
}
