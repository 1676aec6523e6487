/* The catalog under faults: a damaged file (SQLITE_CORRUPT / NOTADB seen, or the configuration
 * tables failing quick_check before this process's first write) refuses every later write, and
 * `mmadmin check` runs integrity_check and foreign_key_check over the whole file. */
#include "catalog/catalog_internal.h"
#include "catalog/db_engine_sqlite.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

/* The append-only logs and the usage rollups (a day row per account and model for ever) grow
 * with traffic, not with the configuration: only `mmadmin check` reads all of them, so the
 * check before a `send`'s first write stays the size of the configuration. */
#define CONFIG_TABLES_SQL                                                                          \
    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name "   \
    "NOT IN ('usage_events', 'audit_log', 'usage_rollup_minute', 'usage_rollup_day') ORDER BY "    \
    "name"

static bool cat_code_is_damage(int code)
{
    int primary = code & 0xFF;
    return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
}

static mm_status damaged_error(const mm_catalog *cat, mm_error *err)
{
    return mm_error_set(err, MM_E_DB, "db",
                        "the catalog %s is damaged (%s), so this session makes no change to it; "
                        "nothing was changed — run `mmadmin check` and restore it from a backup",
                        cat->path, cat->damage);
}

static void mark_damaged(mm_catalog *cat, const char *what)
{
    if (!cat->damage[0])
        mm_sanitize(cat->damage, sizeof cat->damage, what, strlen(what));
}

void cat_note_db_error(mm_catalog *cat)
{
    db_fault fault = db_last_fault(cat->db);
    if (fault == DB_FAULT_DAMAGED || fault == DB_FAULT_NOT_A_DB)
        mark_damaged(cat, db_last_message(cat->db));
}

/* quick_check of one table and its indexes; the first problem in *problem ("" when sound). */
static void quick_check_table(sqlite3 *db, const char *table, char *problem, size_t size)
{
    char sql[256];
    snprintf(sql, sizeof sql, "PRAGMA quick_check(\"%s\")", table);
    sqlite3_stmt *stmt = NULL;
    problem[0] = '\0';
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        const char *row = (const char *)sqlite3_column_text(stmt, 0);
        if (row && strcmp(row, "ok") != 0)
            snprintf(problem, size, "table %s: %s", table, row);
    } else if (cat_code_is_damage(rc) || cat_code_is_damage(sqlite3_extended_errcode(db))) {
        snprintf(problem, size, "table %s: %s", table, sqlite3_errmsg(db));
    }
    sqlite3_finalize(stmt);
}

/* Once per process, before the first write: the configuration tables pass quick_check. */
static void check_before_first_write(mm_catalog *cat)
{
    cat->write_checked = true;
    sqlite3 *db = db_sqlite_handle(cat->db);
    if (!db) /* PostgreSQL checks its own pages */
        return;
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, CONFIG_TABLES_SQL, -1, &stmt, NULL);
    char problem[256] = "";
    while (rc == SQLITE_OK && !problem[0] && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        char table[128];
        mm_copy(table, sizeof table, (const char *)sqlite3_column_text(stmt, 0));
        quick_check_table(db, table, problem, sizeof problem);
        rc = SQLITE_OK;
    }
    if (cat_code_is_damage(rc))
        mark_damaged(cat, sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    if (problem[0])
        mark_damaged(cat, problem);
}

mm_status cat_guard_write(mm_catalog *cat, mm_error *err)
{
    if (!cat->write_checked && !cat->damage[0])
        check_before_first_write(cat);
    return cat->damage[0] ? damaged_error(cat, err) : MM_OK;
}

bool catalog_is_damaged(const mm_catalog *cat)
{
    return cat->damage[0] != '\0';
}

/* Appends column 0 (integrity_check) or a described row (foreign_key_check) of sql. */
static mm_status collect_problems(sqlite3 *db, const char *sql, bool foreign_keys,
                                  mm_string_list *problems, mm_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        char line[512];
        if (foreign_keys)
            snprintf(line, sizeof line, "table %s row %lld refers to a missing row of %s",
                     (const char *)sqlite3_column_text(stmt, 0),
                     (long long)sqlite3_column_int64(stmt, 1),
                     (const char *)sqlite3_column_text(stmt, 2));
        else
            mm_sanitize(line, sizeof line, (const char *)sqlite3_column_text(stmt, 0), SIZE_MAX);
        if (foreign_keys || strcmp(line, "ok") != 0)
            if (!mm_string_list_append(problems, line)) {
                sqlite3_finalize(stmt);
                return cat_out_of_memory(err);
            }
        rc = SQLITE_OK;
    }
    if (rc != SQLITE_DONE) {
        char line[512];
        mm_sanitize(line, sizeof line, sqlite3_errmsg(db), SIZE_MAX);
        if (!mm_string_list_append(problems, line)) {
            sqlite3_finalize(stmt);
            return cat_out_of_memory(err);
        }
    }
    sqlite3_finalize(stmt);
    return MM_OK;
}

mm_status catalog_check(mm_catalog *cat, mm_catalog_check *out, mm_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3 *db = db_sqlite_handle(cat->db);
    mm_status st = MM_OK;
    if (db) /* PostgreSQL keeps its own pages and foreign keys sound */
        st = collect_problems(db, "PRAGMA integrity_check(100)", false, &out->integrity, err);
    if (st == MM_OK && db)
        st = collect_problems(db, "PRAGMA foreign_key_check", true, &out->foreign_keys, err);
    if (st != MM_OK) {
        mm_catalog_check_free(out);
        return st;
    }
    out->ok = out->integrity.count == 0 && out->foreign_keys.count == 0;
    if (!out->ok)
        mark_damaged(cat,
                     out->integrity.count ? out->integrity.items[0] : out->foreign_keys.items[0]);
    return MM_OK;
}

void mm_catalog_check_free(mm_catalog_check *check)
{
    mm_string_list_free(&check->integrity);
    mm_string_list_free(&check->foreign_keys);
}
