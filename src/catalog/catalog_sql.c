/* The statement, row and transaction helpers every catalog module uses (database errors as
 * mm_error, binding limits, reading rows, entity ids by name, optimistic-version checks). */
#include "catalog/catalog_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/disk.h"
#include "util/text.h"

mm_status cat_db_error(mm_catalog *cat, const char *doing, mm_error *err)
{
    cat_note_db_error(cat);
    switch (db_last_fault(cat->db)) {
    case DB_FAULT_FULL:
    case DB_FAULT_DAMAGED:
    case DB_FAULT_BUSY:
    case DB_FAULT_READONLY:
    case DB_FAULT_NOT_A_DB:
    case DB_FAULT_CONNECTION:
        return db_error(cat->db, doing, err);
    default: /* a constraint the rules should have caught: the engine's own words */
        return mm_error_set(err, MM_E_DB, "", "%s failed while %s: %s",
                            db_kind_of(cat->db) == DB_SQLITE ? "SQLite" : "PostgreSQL", doing,
                            db_last_message(cat->db));
    }
}

mm_status cat_exec(mm_catalog *cat, const char *sql, mm_error *err)
{
    if (db_exec(cat->db, sql, "updating the catalog", err) != MM_OK)
        return cat_db_error(cat, "updating the catalog", err);
    return MM_OK;
}

mm_status cat_prepare(mm_catalog *cat, const char *sql, db_stmt **stmt, mm_error *err)
{
    if (db_prepare(cat->db, sql, stmt, err) != MM_OK) {
        *stmt = NULL;
        return cat_db_error(cat, "preparing a query", err);
    }
    return MM_OK;
}

mm_status cat_step_done(mm_catalog *cat, db_stmt *stmt, const char *doing, mm_error *err)
{
    mm_status st = MM_OK;
    if (db_step(stmt) != DB_DONE)
        st = cat_db_error(cat, doing, err);
    db_finalize(stmt);
    return st;
}

static void bind_text_param(db_stmt *stmt, const void *param)
{
    cat_bind_text(stmt, 1, param);
}

static void read_int_column(db_stmt *stmt, void *out)
{
    *(int64_t *)out = db_column_int64(stmt, 0);
}

mm_status cat_query_int(mm_catalog *cat, const char *sql, const char *param, int64_t *out,
                        mm_error *err)
{
    bool found = false;
    *out = 0;
    return cat_read_row(cat, sql, param ? bind_text_param : NULL, param, read_int_column, out,
                        &found, "reading the catalog", err);
}

/* cat_begin in a given write mode. */
static mm_status begin_as(mm_catalog *cat, db_tx_mode mode, mm_error *err)
{
    if (cat->read_only_asked)
        return mm_error_set(err, MM_E_READONLY, "",
                            "the catalog %s is open read-only (--read-only); nothing was changed "
                            "— drop --read-only to change it",
                            db_display(cat->db));
    if (cat->read_only || db_is_read_only(cat->db))
        return mm_error_set(err, MM_E_READONLY, "",
                            "the catalog %s is open read-only (you cannot write to it); nothing "
                            "was changed — ask its owner, or open a catalog you can write",
                            db_display(cat->db));
    mm_status st = cat_guard_write(cat, err);
    if (st != MM_OK)
        return st;
    if (cat->change_set) { /* inside a change set: one savepoint per write, one transaction */
        if (db_exec(cat->db, "SAVEPOINT cat_write", "starting a change", err) != MM_OK)
            return cat_db_error(cat, "starting a change", err);
        return MM_OK;
    }
    if (db_begin(cat->db, mode, err) != MM_OK)
        return cat_db_error(cat, "starting a change", err);
    return MM_OK;
}

mm_status cat_begin(mm_catalog *cat, mm_error *err)
{
    return begin_as(cat, DB_TX_WRITE, err);
}

mm_status cat_end(mm_catalog *cat, mm_status status, mm_error *err)
{
    if (cat->change_set) {
        mm_error ignored = {0};
        if (status != MM_OK)
            db_exec(cat->db, "ROLLBACK TO cat_write", "undoing a change", &ignored);
        if (db_exec(cat->db, "RELEASE cat_write", "saving the change", &ignored) != MM_OK &&
            status == MM_OK)
            status = cat_db_error(cat, "saving the change", err);
        return status;
    }
    if (status == MM_OK)
        status = cat_rollup_flush(cat, err); /* the rollups commit with their events */
    else
        cat_rollup_discard(cat);
    if (status != MM_OK)
        return db_end(cat->db, status, err);
    mm_error ignored = {0};
    if (db_end(cat->db, MM_OK, &ignored) != MM_OK)
        return cat_db_error(cat, "saving the change", err); /* db_end rolled back */
    return MM_OK;
}

mm_status cat_write_batch(mm_catalog *cat, const cat_batch *batch,
                          mm_status (*body)(mm_catalog *cat, void *ctx, mm_error *err), void *ctx,
                          mm_error *err)
{
    if (batch->count == 0)
        return MM_OK;
    /* PostgreSQL: the BEGIN goes with the first statement (a large batch's COPY) */
    mm_status st = begin_as(cat, DB_TX_WRITE_LATER, err);
    if (st != MM_OK)
        return st;
    st = cat_end(cat, body(cat, ctx, err), err);
    if (st != MM_OK)
        for (size_t i = 0; i < batch->count; i++)
            ((mm_usage_event *)((char *)batch->first + i * batch->stride))->id = 0;
    return st;
}

void cat_bind_text(db_stmt *stmt, int index, const char *text)
{
    db_bind_text(stmt, index, text);
}

void cat_bind_limit(db_stmt *stmt, int index, int64_t value)
{
    db_bind_limit(stmt, index, value);
}

int64_t cat_column_limit(db_stmt *stmt, int index)
{
    return db_column_limit(stmt, index);
}

void cat_column_copy(db_stmt *stmt, int index, char *dst, size_t dstsz)
{
    db_column_copy(stmt, index, dst, dstsz);
}

mm_status cat_out_of_memory(mm_error *err)
{
    return mm_error_set(err, MM_E_INTERNAL, "", "out of memory while reading the catalog");
}

/* ---- lookups ---- */

static mm_status missing_named(const char *kind, const char *name, mm_error *err)
{
    return mm_error_set(err, MM_E_NOT_FOUND, kind,
                        "there is no %s named '%.64s'; check the "
                        "name (list them to see which exist)",
                        kind, name ? name : "");
}

static mm_status id_by_name(mm_catalog *cat, const char *sql, const char *kind, const char *name,
                            int64_t *id, mm_error *err)
{
    mm_status st = cat_query_int(cat, sql, name ? name : "", id, err);
    if (st == MM_OK && *id == 0)
        return missing_named(kind, name, err);
    return st;
}

mm_status cat_account_missing(const char *name, mm_error *err)
{
    return missing_named("account", name, err);
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

void cat_bind_key(db_stmt *stmt, const void *key)
{
    const cat_key *k = key;
    if (k->name)
        cat_bind_text(stmt, 1, k->name);
    else
        db_bind_int64(stmt, 1, k->id);
}

mm_status cat_read_row(mm_catalog *cat, const char *sql, cat_binder bind, const void *ctx,
                       cat_row_reader read_row, void *out, bool *found, const char *doing,
                       mm_error *err)
{
    db_stmt *stmt;
    mm_status st = cat_prepare(cat, sql, &stmt, err);
    if (st != MM_OK)
        return st;
    if (bind)
        bind(stmt, ctx);
    int rc = db_step(stmt);
    *found = rc == DB_ROW;
    if (rc == DB_ROW)
        read_row(stmt, out);
    else if (rc != DB_DONE)
        st = cat_db_error(cat, doing, err);
    db_finalize(stmt);
    return st;
}

mm_status cat_collect_rows(mm_catalog *cat, const char *sql, cat_binder bind, const void *ctx,
                           cat_row_reader read_row, size_t item_size, void **items, size_t *count,
                           const char *doing, mm_error *err)
{
    *items = NULL;
    *count = 0;
    db_stmt *stmt;
    mm_status st = cat_prepare(cat, sql, &stmt, err);
    if (st != MM_OK)
        return st;
    if (bind)
        bind(stmt, ctx);
    size_t capacity = 0;
    int rc;
    while ((rc = db_step(stmt)) == DB_ROW) {
        if (!mm_grow(items, &capacity, *count, item_size)) {
            st = cat_out_of_memory(err);
            break;
        }
        read_row(stmt, (char *)*items + (*count)++ * item_size);
    }
    if (st == MM_OK && rc != DB_DONE)
        st = cat_db_error(cat, doing, err);
    db_finalize(stmt);
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
    db_stmt *stmt;
    mm_status st = cat_prepare(cat, sql, &stmt, err);
    if (st != MM_OK)
        return st;
    db_bind_int64(stmt, 1, value);
    return cat_step_done(cat, stmt, doing, err);
}

mm_status cat_names_json(mm_catalog *cat, const char *sql, int64_t id, json_t *array,
                         const char *doing, mm_error *err)
{
    db_stmt *stmt;
    mm_status st = cat_prepare(cat, sql, &stmt, err);
    if (st != MM_OK)
        return st;
    db_bind_int64(stmt, 1, id);
    int rc;
    while ((rc = db_step(stmt)) == DB_ROW)
        json_array_append_new(array, json_string(db_column_text(stmt, 0)));
    if (rc != DB_DONE)
        st = cat_db_error(cat, doing, err);
    db_finalize(stmt);
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
