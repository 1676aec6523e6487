/* Retention of raw usage events: the setting, pruning in bounded steps (the rollups stay, so
 * month-to-date figures stay exact) and giving the freed pages back with incremental_vacuum
 * (SQLite; PostgreSQL's autovacuum does it there). */
#include "catalog/catalog_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_MS 86400000LL

static mm_status out_of_range(const char *days, mm_error *err)
{
    return mm_error_set(err, MM_E_INVALID, "retention-days",
                        "the retention must be %d to %d days, not '%s'",
                        MM_USAGE_RETENTION_DAYS_MIN, MM_USAGE_RETENTION_DAYS_MAX, days);
}

mm_status catalog_usage_retention_parse(const char *text, int64_t *days, mm_error *err)
{
    char *end = NULL;
    errno = 0;
    long long value = strtoll(text, &end, 10);
    if (end == text || *end || errno || value < MM_USAGE_RETENTION_DAYS_MIN ||
        value > MM_USAGE_RETENTION_DAYS_MAX)
        return out_of_range(text, err);
    *days = value;
    return MM_OK;
}

int64_t catalog_usage_retention_days(mm_catalog *cat)
{
    char text[32];
    int64_t days;
    mm_error ignored;
    if (catalog_setting_get(cat, MM_USAGE_RETENTION_SETTING, text, sizeof text, &ignored) !=
            MM_OK ||
        catalog_usage_retention_parse(text, &days, &ignored) != MM_OK)
        return MM_USAGE_RETENTION_DAYS_DEFAULT;
    return days;
}

mm_status catalog_usage_set_retention_days(mm_catalog *cat, int64_t days, mm_error *err)
{
    char text[32];
    snprintf(text, sizeof text, "%" PRId64, days);
    if (days < MM_USAGE_RETENTION_DAYS_MIN || days > MM_USAGE_RETENTION_DAYS_MAX)
        return out_of_range(text, err);
    return catalog_setting_set(cat, MM_USAGE_RETENTION_SETTING, text, err);
}

/* Deletes up to limit rows of table whose time column is before cutoff, oldest first. */
static mm_status delete_before(mm_catalog *cat, const char *sql, int64_t cutoff, int64_t limit,
                               int64_t *deleted, mm_error *err)
{
    db_stmt *stmt;
    mm_status st = cat_prepare(cat, sql, &stmt, err);
    if (st != MM_OK)
        return st;
    db_bind_int64(stmt, 1, cutoff);
    db_bind_int64(stmt, 2, limit);
    return cat_step_changes(cat, stmt, "pruning old usage", deleted, err);
}

static mm_status prune_rows(mm_catalog *cat, int64_t now_ms, int64_t max_rows,
                            mm_usage_prune_result *out, mm_error *err)
{
    int64_t cutoff = now_ms - catalog_usage_retention_days(cat) * DAY_MS;
    mm_status st = delete_before(cat,
                                 "DELETE FROM usage_events WHERE id IN (SELECT id FROM "
                                 "usage_events WHERE ts_ms < ?1 ORDER BY ts_ms LIMIT ?2) "
                                 /* the newest stays, so ids never repeat */
                                 "AND id < (SELECT max(id) FROM usage_events)",
                                 cutoff, max_rows, &out->events_deleted, err);
    if (st == MM_OK)
        st = delete_before(cat,
                           "DELETE FROM usage_rollup_minute WHERE start_ms IN (SELECT DISTINCT "
                           "start_ms FROM usage_rollup_minute WHERE start_ms < ?1 "
                           "ORDER BY start_ms LIMIT ?2)",
                           now_ms - MM_ROLLUP_MINUTE_KEEP_MS, max_rows, &out->minutes_deleted, err);
    out->more = out->events_deleted >= max_rows || out->minutes_deleted >= max_rows;
    return st;
}

static mm_status vacuum_pages(mm_catalog *cat, int64_t pages, int64_t *freed, mm_error *err)
{
    int64_t before = 0, after = 0;
    mm_status st = cat_query_int(cat, "PRAGMA freelist_count", NULL, &before, err);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA incremental_vacuum(%" PRId64 ")", pages > 0 ? pages : 0);
    if (st == MM_OK)
        st = cat_exec(cat, sql, err);
    if (st == MM_OK)
        st = cat_query_int(cat, "PRAGMA freelist_count", NULL, &after, err);
    *freed = before - after;
    return st;
}

mm_status catalog_usage_prune(mm_catalog *cat, int64_t now_ms, int64_t max_rows,
                              int64_t vacuum_pages_max, mm_usage_prune_result *out, mm_error *err)
{
    memset(out, 0, sizeof *out);
    if (max_rows <= 0)
        max_rows = INT64_MAX;
    mm_status st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    st = cat_end(cat, prune_rows(cat, now_ms, max_rows, out, err), err);
    if (db_kind_of(cat->db) != DB_SQLITE) /* PostgreSQL's autovacuum reuses the space */
        return st;
    if (st == MM_OK && (out->events_deleted || out->minutes_deleted))
        st = vacuum_pages(cat, vacuum_pages_max, &out->pages_freed, err);
    return st;
}

mm_status catalog_usage_enable_auto_vacuum(mm_catalog *cat, bool *converted, mm_error *err)
{
    *converted = false;
    if (db_kind_of(cat->db) != DB_SQLITE)
        return MM_OK; /* a PostgreSQL catalog has no auto_vacuum mode to convert */
    int64_t mode = 0;
    mm_status st = cat_query_int(cat, "PRAGMA auto_vacuum", NULL, &mode, err);
    if (st != MM_OK || mode == 2) /* 2 = incremental */
        return st;
    if (cat->read_only)
        return mm_error_set(err, MM_E_READONLY, "", "the catalog %s is open read-only",
                            db_display(cat->db));
    st = cat_exec(cat, "PRAGMA auto_vacuum = INCREMENTAL; VACUUM", err);
    *converted = st == MM_OK;
    return st;
}
