/* The statement, row and transaction helpers every catalog module uses (SQLite errors as
 * mm_error, binding limits, reading rows, entity ids by name, optimistic-version checks). */
#include "catalog/catalog_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/disk.h"
#include "util/text.h"

mm_status cat_db_error(mm_catalog *cat, const char *doing, mm_error *err)
{
    int code = sqlite3_extended_errcode(cat->db);
    int primary = code & 0xFF;
    cat_note_db_error(cat, code);
    int sys_errno = sqlite3_system_errno(cat->db);
    if (primary == SQLITE_FULL ||
        (primary == SQLITE_IOERR && (sys_errno == ENOSPC || sys_errno == EDQUOT)))
        return mm_disk_full_error(cat->path, err);
    if (primary == SQLITE_CORRUPT)
        return mm_error_set(err, MM_E_DB, "db",
                            "the catalog %s is damaged (%s) while %s; nothing was changed — run "
                            "`mmadmin check` and restore it from a backup",
                            cat->path, sqlite3_errmsg(cat->db), doing);
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
        return mm_error_set(err, MM_E_DB, "",
                            "the catalog is busy (another session is writing) while %s; try "
                            "again in a moment",
                            doing);
    if (primary == SQLITE_READONLY)
        return mm_error_set(err, MM_E_READONLY, "",
                            "the catalog %s cannot be written while %s; check the file's and "
                            "its folder's permissions",
                            cat->path, doing);
    if (primary == SQLITE_NOTADB)
        return mm_error_set(err, MM_E_SCHEMA, "db",
                            "%s is not an mmadmin catalog (not an SQLite database); check --db "
                            "or MM_DB",
                            cat->path);
    return mm_error_set(err, MM_E_DB, "", "SQLite failed while %s: %s", doing,
                        sqlite3_errmsg(cat->db));
}

mm_status cat_exec(mm_catalog *cat, const char *sql, mm_error *err)
{
    if (sqlite3_exec(cat->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return cat_db_error(cat, "updating the catalog", err);
    return MM_OK;
}

mm_status cat_prepare(mm_catalog *cat, const char *sql, sqlite3_stmt **stmt, mm_error *err)
{
    if (sqlite3_prepare_v2(cat->db, sql, -1, stmt, NULL) != SQLITE_OK) {
        *stmt = NULL;
        return cat_db_error(cat, "preparing a query", err);
    }
    return MM_OK;
}

mm_status cat_step_done(mm_catalog *cat, sqlite3_stmt *stmt, const char *doing, mm_error *err)
{
    mm_status st = MM_OK;
    if (sqlite3_step(stmt) != SQLITE_DONE)
        st = cat_db_error(cat, doing, err);
    sqlite3_finalize(stmt);
    return st;
}

static void bind_text_param(sqlite3_stmt *stmt, const void *param)
{
    cat_bind_text(stmt, 1, param);
}

static void read_int_column(sqlite3_stmt *stmt, void *out)
{
    *(int64_t *)out = sqlite3_column_int64(stmt, 0);
}

mm_status cat_query_int(mm_catalog *cat, const char *sql, const char *param, int64_t *out,
                        mm_error *err)
{
    bool found = false;
    *out = 0;
    return cat_read_row(cat, sql, param ? bind_text_param : NULL, param, read_int_column, out,
                        &found, "reading the catalog", err);
}

mm_status cat_begin(mm_catalog *cat, mm_error *err)
{
    if (cat->read_only)
        return mm_error_set(err, MM_E_READONLY, "",
                            "the catalog %s is open read-only (you cannot write to it); nothing "
                            "was changed — ask its owner, or open a catalog you can write",
                            cat->path);
    mm_status st = cat_guard_write(cat, err);
    if (st != MM_OK)
        return st;
    if (cat->change_set) { /* inside a change set: one savepoint per write, one transaction */
        if (sqlite3_exec(cat->db, "SAVEPOINT cat_write", NULL, NULL, NULL) != SQLITE_OK)
            return cat_db_error(cat, "starting a change", err);
        return MM_OK;
    }
    if (sqlite3_exec(cat->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return cat_db_error(cat, "starting a change", err);
    return MM_OK;
}

mm_status cat_end(mm_catalog *cat, mm_status status, mm_error *err)
{
    if (cat->change_set) {
        if (status != MM_OK)
            sqlite3_exec(cat->db, "ROLLBACK TO cat_write", NULL, NULL, NULL);
        if (sqlite3_exec(cat->db, "RELEASE cat_write", NULL, NULL, NULL) != SQLITE_OK &&
            status == MM_OK)
            status = cat_db_error(cat, "saving the change", err);
        return status;
    }
    if (status == MM_OK)
        status = cat_rollup_flush(cat, err); /* the rollups commit with their events */
    else
        cat_rollup_discard(cat);
    if (status == MM_OK && sqlite3_exec(cat->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
        return MM_OK;
    if (status == MM_OK)
        status = cat_db_error(cat, "saving the change", err);
    if (!sqlite3_get_autocommit(cat->db))
        sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
    return status;
}

void cat_bind_text(sqlite3_stmt *stmt, int index, const char *text)
{
    sqlite3_bind_text(stmt, index, text ? text : "", -1, SQLITE_TRANSIENT);
}

void cat_bind_limit(sqlite3_stmt *stmt, int index, int64_t value)
{
    if (value == MM_LIMIT_UNSET)
        sqlite3_bind_null(stmt, index);
    else
        sqlite3_bind_int64(stmt, index, value);
}

int64_t cat_column_limit(sqlite3_stmt *stmt, int index)
{
    if (sqlite3_column_type(stmt, index) == SQLITE_NULL)
        return MM_LIMIT_UNSET;
    return sqlite3_column_int64(stmt, index);
}

void cat_column_copy(sqlite3_stmt *stmt, int index, char *dst, size_t dstsz)
{
    const unsigned char *text = sqlite3_column_text(stmt, index);
    mm_copy(dst, dstsz, text ? (const char *)text : "");
}

bool cat_grow(void **items, size_t *capacity, size_t count, size_t elem_size)
{
    if (count < *capacity)
        return true;
    size_t cap = *capacity ? *capacity * 2 : 16;
    void *grown = realloc(*items, cap * elem_size);
    if (!grown)
        return false;
    *items = grown;
    *capacity = cap;
    return true;
}

mm_status cat_out_of_memory(mm_error *err)
{
    return mm_error_set(err, MM_E_INTERNAL, "", "out of memory while reading the catalog");
}

/* ---- lookups ---- */

static mm_status id_by_name(mm_catalog *cat, const char *sql, const char *kind, const char *name,
                            int64_t *id, mm_error *err)
{
    mm_status st = cat_query_int(cat, sql, name ? name : "", id, err);
    if (st == MM_OK && *id == 0)
        return mm_error_set(err, MM_E_NOT_FOUND, kind,
                            "there is no %s named '%.64s'; check the "
                            "name (list them to see which exist)",
                            kind, name ? name : "");
    return st;
}

mm_status cat_account_id(mm_catalog *cat, const char *name, int64_t *id, mm_error *err)
{
    return id_by_name(cat, "SELECT id FROM accounts WHERE name = ?1", "account", name, id, err);
}

mm_status cat_model_id(mm_catalog *cat, const char *name, int64_t *id, mm_error *err)
{
    return id_by_name(cat, "SELECT id FROM models WHERE name = ?1", "model", name, id, err);
}

mm_status cat_workspace_id(mm_catalog *cat, const char *name, int64_t *id, mm_error *err)
{
    return id_by_name(cat, "SELECT id FROM workspaces WHERE name = ?1", "workspace", name, id, err);
}

/* ---- reading rows ---- */

void cat_bind_key(sqlite3_stmt *stmt, const void *key)
{
    const cat_key *k = key;
    if (k->name)
        cat_bind_text(stmt, 1, k->name);
    else
        sqlite3_bind_int64(stmt, 1, k->id);
}

mm_status cat_read_row(mm_catalog *cat, const char *sql, cat_binder bind, const void *ctx,
                       cat_row_reader read_row, void *out, bool *found, const char *doing,
                       mm_error *err)
{
    sqlite3_stmt *stmt;
    mm_status st = cat_prepare(cat, sql, &stmt, err);
    if (st != MM_OK)
        return st;
    if (bind)
        bind(stmt, ctx);
    int rc = sqlite3_step(stmt);
    *found = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW)
        read_row(stmt, out);
    else if (rc != SQLITE_DONE)
        st = cat_db_error(cat, doing, err);
    sqlite3_finalize(stmt);
    return st;
}

mm_status cat_collect_rows(mm_catalog *cat, const char *sql, cat_binder bind, const void *ctx,
                           cat_row_reader read_row, size_t item_size, void **items, size_t *count,
                           const char *doing, mm_error *err)
{
    *items = NULL;
    *count = 0;
    sqlite3_stmt *stmt;
    mm_status st = cat_prepare(cat, sql, &stmt, err);
    if (st != MM_OK)
        return st;
    if (bind)
        bind(stmt, ctx);
    size_t capacity = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (!cat_grow(items, &capacity, *count, item_size)) {
            st = cat_out_of_memory(err);
            break;
        }
        read_row(stmt, (char *)*items + (*count)++ * item_size);
    }
    if (st == MM_OK && rc != SQLITE_DONE)
        st = cat_db_error(cat, doing, err);
    sqlite3_finalize(stmt);
    if (st != MM_OK)
        cat_free_rows(items, count);
    return st;
}

void cat_free_rows(void **items, size_t *count)
{
    free(*items);
    *items = NULL;
    *count = 0;
}

mm_status cat_exec_int(mm_catalog *cat, const char *sql, int64_t value, const char *doing,
                       mm_error *err)
{
    sqlite3_stmt *stmt;
    mm_status st = cat_prepare(cat, sql, &stmt, err);
    if (st != MM_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, value);
    return cat_step_done(cat, stmt, doing, err);
}

mm_status cat_names_json(mm_catalog *cat, const char *sql, int64_t id, json_t *array,
                         const char *doing, mm_error *err)
{
    sqlite3_stmt *stmt;
    mm_status st = cat_prepare(cat, sql, &stmt, err);
    if (st != MM_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, id);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        json_array_append_new(array, json_string((const char *)sqlite3_column_text(stmt, 0)));
    if (rc != SQLITE_DONE)
        st = cat_db_error(cat, doing, err);
    sqlite3_finalize(stmt);
    return st;
}

/* ---- optimistic versions and unique names ---- */

mm_status cat_check_unchanged(const char *kind, bool found, const char *name,
                              int64_t expected_version, const char *current_name,
                              int64_t current_version, mm_error *err)
{
    if (!found)
        return mm_error_set(err, MM_E_NOT_FOUND, "",
                            "%s '%s' was removed by another session since you opened it; "
                            "nothing was changed",
                            kind, name);
    if (current_version != expected_version)
        return mm_error_set(err, MM_E_CONFLICT, "",
                            "%s '%s' was changed by another session since you opened it; "
                            "reopen it and apply your change again",
                            kind, current_name);
    return MM_OK;
}

mm_status cat_check_name_free(mm_catalog *cat, const char *sql, const char *name, int64_t self_id,
                              const char *a_kind, const char *kind, mm_error *err)
{
    int64_t id = 0;
    mm_status st = cat_query_int(cat, sql, name, &id, err);
    if (st == MM_OK && id != 0 && id != self_id)
        return mm_error_set(err, MM_E_EXISTS, "name",
                            "%s named '%s' already exists; choose another name or edit that %s",
                            a_kind, name, kind);
    return st;
}
