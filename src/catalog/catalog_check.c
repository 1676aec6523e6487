/* The catalog under faults: a damaged file (SQLITE_CORRUPT / NOTADB seen, or the configuration
 * tables failing quick_check before this process's first write) refuses every later write, and
 * `mmadmin check` runs integrity_check and foreign_key_check over the whole file (PostgreSQL:
 * its own checks of what can go wrong there, pg_check_* below). */
#include "catalog/catalog_internal.h"
#include "catalog/db_engine_sqlite.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/text.h"

/* The append-only logs and the usage rollups (a day row per account and model for ever) grow
 * with traffic, not with the configuration: only `mmadmin check` reads all of them, so the
 * check before a `send`'s first write stays the size of the configuration. */
#define CONFIG_TABLES_SQL                                                                          \
    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name "   \
    "NOT IN ('usage_events', 'audit_log', 'usage_rollup_minute', 'usage_rollup_day') ORDER BY "    \
    "name"

/* What a traffic-only session (catalog_expect_traffic_writes) writes besides the events and
 * rollups: a handful of rows each, so its check stays the size of a request. */
#define TRAFFIC_TABLES_SQL                                                                         \
    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name IN ('meta', "                    \
    "'router_reservations', 'router_month_sums') ORDER BY name"

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
                        db_display(cat->db), cat->damage);
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

/* Once per process, before the first write: the tables it may write pass quick_check (every
 * configuration table, or a traffic-only session's few). */
static void check_before_first_write(mm_catalog *cat)
{
    cat->write_checked = true;
    sqlite3 *db = db_sqlite_handle(cat->db);
    if (!db) /* PostgreSQL checks its own pages */
        return;
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(db, cat->traffic_writes ? TRAFFIC_TABLES_SQL : CONFIG_TABLES_SQL,
                                -1, &stmt, NULL);
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

void catalog_expect_traffic_writes(mm_catalog *cat)
{
    cat->traffic_writes = true;
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

/* ---- PostgreSQL: the server keeps pages and enforced keys sound; what can still go wrong is
 * an id generator behind its table (rows copied or restored by hand: the next insert fails),
 * an index left invalid (a failed CREATE INDEX CONCURRENTLY), a constraint not validated or a
 * disabled trigger (foreign keys not enforced), and a usage partition missing this month. ---- */

/* The id-bearing tables; usage_events' id comes from its own sequence. */
static const char *const PG_ID_TABLES[] = {
    "accounts",  "models", "targets",          "workspaces",          "workspace_keys",
    "audit_log", "alerts", "alert_deliveries", "router_reservations", "usage_events"};

/* Appends one line per row of sql (column 0 as text). */
static mm_status pg_collect(mm_catalog *cat, const char *sql, mm_string_list *problems,
                            mm_error *err)
{
    db_stmt *stmt;
    mm_status st = cat_prepare(cat, sql, &stmt, err);
    db_step_result rc = DB_DONE;
    while (st == MM_OK && (rc = db_step(stmt)) == DB_ROW) {
        char line[512];
        mm_sanitize(line, sizeof line, db_column_text(stmt, 0), SIZE_MAX);
        if (!mm_string_list_append(problems, line))
            st = cat_out_of_memory(err);
    }
    if (st == MM_OK && rc == DB_ERROR)
        st = cat_db_error(cat, "checking the catalog", err);
    db_finalize(stmt);
    return st;
}

/* The serial sequence of table.id as a quoted relation name ("public.accounts_id_seq"), or "". */
static mm_status pg_sequence_of(mm_catalog *cat, const char *table, char *out, size_t outsz,
                                mm_error *err)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT pg_get_serial_sequence('%s', 'id')", table);
    db_stmt *stmt;
    mm_status st = cat_prepare(cat, sql, &stmt, err);
    out[0] = '\0';
    db_step_result rc = st == MM_OK ? db_step(stmt) : DB_DONE;
    if (rc == DB_ROW && !db_column_is_null(stmt, 0))
        mm_copy(out, outsz, db_column_text(stmt, 0));
    if (st == MM_OK && rc == DB_ERROR)
        st = cat_db_error(cat, "checking the catalog", err);
    db_finalize(stmt);
    return st;
}

/* Each id generator's next value (read from the sequence itself: pg_sequences shows NULL until
 * the first nextval, as after `catalog copy`'s setval(..., false)) past its table's largest id. */
static mm_status pg_check_ids(mm_catalog *cat, mm_string_list *problems, mm_error *err)
{
    mm_status st = MM_OK;
    for (size_t i = 0; i < sizeof PG_ID_TABLES / sizeof PG_ID_TABLES[0] && st == MM_OK; i++) {
        const char *table = PG_ID_TABLES[i];
        char sequence[200];
        st = pg_sequence_of(cat, table, sequence, sizeof sequence, err);
        if (st != MM_OK || !sequence[0])
            continue;
        char sql[1024];
        snprintf(sql, sizeof sql,
                 "SELECT 'table %s: its next id ' || s.next || ' is not past its largest id ' || "
                 "m.top || ' (inserts would fail; fix it with: SELECT setval(''%s'', (SELECT "
                 "max(id) FROM %s)))' FROM (SELECT max(id) AS top FROM %s) m, (SELECT CASE WHEN "
                 "is_called THEN last_value + 1 ELSE last_value END AS next FROM %s) s WHERE "
                 "m.top >= s.next",
                 table, sequence, table, table, sequence);
        st = pg_collect(cat, sql, problems, err);
    }
    return st;
}

static mm_status pg_check(mm_catalog *cat, mm_catalog_check *out, int64_t now_ms, mm_error *err)
{
    mm_status st = pg_check_ids(cat, &out->integrity, err);
    if (st == MM_OK)
        st = pg_collect(cat,
                        "SELECT 'index ' || c.relname || ' is invalid (rebuild it with REINDEX)' "
                        "FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN "
                        "pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = "
                        "current_schema() AND NOT (i.indisvalid AND i.indisready) ORDER BY 1",
                        &out->integrity, err);
    if (st == MM_OK) {
        char sql[512];
        snprintf(sql, sizeof sql,
                 "SELECT 'usage_events has no partition for this month (the next write makes "
                 "it)' WHERE NOT EXISTS (SELECT 1 FROM pg_inherits h JOIN pg_class c ON c.oid = "
                 "h.inhrelid WHERE h.inhparent = 'usage_events'::regclass AND "
                 "pg_get_expr(c.relpartbound, c.oid) LIKE '%%(''%lld'')%%')",
                 (long long)db_month_start_ms(now_ms));
        st = pg_collect(cat, sql, &out->integrity, err);
    }
    if (st == MM_OK)
        st = pg_collect(cat,
                        "SELECT 'constraint ' || conname || ' of ' || conrelid::regclass || ' is "
                        "not validated: rows may break it' FROM pg_constraint c JOIN pg_namespace "
                        "n ON n.oid = c.connamespace WHERE n.nspname = current_schema() AND NOT "
                        "c.convalidated ORDER BY 1",
                        &out->foreign_keys, err);
    if (st == MM_OK)
        st = pg_collect(cat,
                        "SELECT 'trigger ' || t.tgname || ' of ' || t.tgrelid::regclass || ' is "
                        "disabled: its foreign key is not enforced' FROM pg_trigger t JOIN "
                        "pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = "
                        "c.relnamespace WHERE n.nspname = current_schema() AND t.tgisinternal "
                        "AND t.tgenabled = 'D' ORDER BY 1",
                        &out->foreign_keys, err);
    return st;
}

mm_status catalog_check(mm_catalog *cat, mm_catalog_check *out, mm_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3 *db = db_sqlite_handle(cat->db);
    mm_status st = MM_OK;
    if (!db)
        st = pg_check(cat, out, mm_now_ms(), err);
    if (db)
        st = collect_problems(db, "PRAGMA integrity_check(100)", false, &out->integrity, err);
    if (st == MM_OK && db)
        st = collect_problems(db, "PRAGMA foreign_key_check", true, &out->foreign_keys, err);
    if (st != MM_OK) {
        mm_catalog_check_free(out);
        return st;
    }
    out->ok = out->integrity.count == 0 && out->foreign_keys.count == 0;
    out->remedy = db ? "restore it from a backup (the sqlite3 shell's .recover may save its rows)"
                     : "fix each problem as its line says (psql, as the database's owner) or "
                       "restore the database from a backup";
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
