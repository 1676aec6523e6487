/* Workspaces (the teams that consume models): rules, create / update (version-checked) and
 * delete with their entitlements in one transaction. */
#include "catalog/catalog_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/clock.h"

#define WORKSPACE_SELECT                                                                           \
    "SELECT w.id, w.name, w.description, w.version, w.created_ms, w.updated_ms, "                  \
    "(SELECT count(*) FROM entitlements e WHERE e.workspace_id = w.id) FROM workspaces w "

mm_status catalog_workspace_validate(const mm_workspace *ws, mm_error *err)
{
    mm_status st = catalog_validate_name("workspace", ws->name, err);
    if (st == MM_OK && !val_terminated(ws->name, sizeof ws->name))
        st = catalog_validate_name("workspace", "", err);
    if (st == MM_OK)
        st = val_text("description", "description", ws->description, sizeof ws->description, true,
                      err);
    return st;
}

static void read_workspace_row(sqlite3_stmt *stmt, mm_workspace *ws)
{
    memset(ws, 0, sizeof *ws);
    ws->id = sqlite3_column_int64(stmt, 0);
    cat_column_copy(stmt, 1, ws->name, sizeof ws->name);
    cat_column_copy(stmt, 2, ws->description, sizeof ws->description);
    ws->version = sqlite3_column_int64(stmt, 3);
    ws->created_ms = sqlite3_column_int64(stmt, 4);
    ws->updated_ms = sqlite3_column_int64(stmt, 5);
    ws->n_entitlements = (size_t)sqlite3_column_int64(stmt, 6);
}

static mm_status read_workspace(mm_catalog *cat, const char *name, int64_t id, mm_workspace *out,
                                bool *found, mm_error *err)
{
    sqlite3_stmt *stmt;
    mm_status st = cat_prepare(
        cat, name ? WORKSPACE_SELECT "WHERE w.name = ?1" : WORKSPACE_SELECT "WHERE w.id = ?1",
        &stmt, err);
    if (st != MM_OK)
        return st;
    if (name)
        cat_bind_text(stmt, 1, name);
    else
        sqlite3_bind_int64(stmt, 1, id);
    int rc = sqlite3_step(stmt);
    *found = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW)
        read_workspace_row(stmt, out);
    else if (rc != SQLITE_DONE)
        st = cat_db_error(cat, "reading a workspace", err);
    sqlite3_finalize(stmt);
    return st;
}

static mm_status workspace_by_name(mm_catalog *cat, const char *name, mm_workspace *out,
                                   mm_error *err)
{
    bool found = false;
    mm_status st = read_workspace(cat, name ? name : "", 0, out, &found, err);
    if (st == MM_OK && !found)
        return mm_error_set(err, MM_E_NOT_FOUND, "workspace",
                            "there is no workspace named '%.64s'; check the name (list "
                            "workspaces to see which exist)",
                            name ? name : "");
    return st;
}

static mm_status check_name_free(mm_catalog *cat, const char *name, int64_t self_id, mm_error *err)
{
    int64_t id = 0;
    mm_status st = cat_query_int(cat, "SELECT id FROM workspaces WHERE name = ?1", name, &id, err);
    if (st == MM_OK && id != 0 && id != self_id)
        return mm_error_set(err, MM_E_EXISTS, "name",
                            "a workspace named '%s' already exists; choose another name or edit "
                            "that workspace",
                            name);
    return st;
}

static mm_status insert_row(mm_catalog *cat, mm_workspace *ws, mm_error *err)
{
    mm_status st = check_name_free(cat, ws->name, 0, err);
    sqlite3_stmt *stmt;
    if (st == MM_OK)
        st = cat_prepare(cat,
                         "INSERT INTO workspaces(name, description, version, created_ms, "
                         "updated_ms) VALUES (?1, ?2, 1, ?3, ?3)",
                         &stmt, err);
    if (st != MM_OK)
        return st;
    cat_bind_text(stmt, 1, ws->name);
    cat_bind_text(stmt, 2, ws->description);
    sqlite3_bind_int64(stmt, 3, ws->created_ms);
    st = cat_step_done(cat, stmt, "adding the workspace", err);
    if (st == MM_OK) {
        ws->id = sqlite3_last_insert_rowid(cat->db);
        st = cat_audit(cat, "create", "workspace", ws->name, NULL, cat_workspace_json(ws), err);
    }
    return st;
}

mm_status catalog_workspace_insert(mm_catalog *cat, mm_workspace *ws, mm_error *err)
{
    mm_status st = catalog_workspace_validate(ws, err);
    if (st == MM_OK)
        st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    mm_workspace next = *ws;
    next.version = 1;
    next.n_entitlements = 0;
    next.created_ms = next.updated_ms = mm_now_ms();
    st = cat_end(cat, insert_row(cat, &next, err), err);
    if (st == MM_OK)
        *ws = next;
    return st;
}

static mm_status update_row(mm_catalog *cat, mm_workspace *next, mm_error *err)
{
    mm_workspace current;
    bool found = false;
    mm_status st = read_workspace(cat, NULL, next->id, &current, &found, err);
    if (st != MM_OK)
        return st;
    if (!found)
        return mm_error_set(err, MM_E_NOT_FOUND, "",
                            "workspace '%s' was removed by another session since you opened it; "
                            "nothing was changed",
                            next->name);
    if (current.version != next->version)
        return mm_error_set(err, MM_E_CONFLICT, "",
                            "workspace '%s' was changed by another session since you opened it; "
                            "reopen it and apply your change again",
                            current.name);
    st = check_name_free(cat, next->name, next->id, err);
    sqlite3_stmt *stmt;
    if (st == MM_OK)
        st = cat_prepare(cat,
                         "UPDATE workspaces SET name = ?1, description = ?2, updated_ms = ?3, "
                         "version = version + 1 WHERE id = ?4 AND version = ?5",
                         &stmt, err);
    if (st != MM_OK)
        return st;
    cat_bind_text(stmt, 1, next->name);
    cat_bind_text(stmt, 2, next->description);
    sqlite3_bind_int64(stmt, 3, next->updated_ms);
    sqlite3_bind_int64(stmt, 4, next->id);
    sqlite3_bind_int64(stmt, 5, next->version);
    st = cat_step_done(cat, stmt, "updating the workspace", err);
    if (st == MM_OK) {
        next->version++;
        next->created_ms = current.created_ms;
        next->n_entitlements = current.n_entitlements;
        st = cat_audit(cat, "update", "workspace", next->name, cat_workspace_json(&current),
                       cat_workspace_json(next), err);
    }
    return st;
}

mm_status catalog_workspace_update(mm_catalog *cat, mm_workspace *ws, mm_error *err)
{
    mm_status st = catalog_workspace_validate(ws, err);
    if (st == MM_OK)
        st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    mm_workspace next = *ws;
    next.updated_ms = mm_now_ms();
    st = cat_end(cat, update_row(cat, &next, err), err);
    if (st == MM_OK)
        *ws = next;
    return st;
}

/* The models a workspace is entitled to, for the audit picture of a deleted workspace. */
static mm_status entitled_models(mm_catalog *cat, int64_t workspace_id, json_t *array,
                                 mm_error *err)
{
    sqlite3_stmt *stmt;
    mm_status st = cat_prepare(cat,
                               "SELECT m.name FROM entitlements e JOIN models m ON "
                               "m.id = e.model_id WHERE e.workspace_id = ?1 ORDER BY m.name",
                               &stmt, err);
    if (st != MM_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, workspace_id);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        json_array_append_new(array, json_string((const char *)sqlite3_column_text(stmt, 0)));
    if (rc != SQLITE_DONE)
        st = cat_db_error(cat, "reading entitlements", err);
    sqlite3_finalize(stmt);
    return st;
}

static mm_status delete_row(mm_catalog *cat, const char *name, size_t *entitlements_removed,
                            mm_error *err)
{
    mm_workspace ws;
    mm_status st = workspace_by_name(cat, name, &ws, err);
    if (st != MM_OK)
        return st;
    json_t *before = cat_workspace_json(&ws);
    json_t *models = json_array();
    json_object_set_new(before, "entitled_models", models);
    st = entitled_models(cat, ws.id, models, err);
    sqlite3_stmt *stmt;
    if (st == MM_OK)
        st = cat_prepare(cat, "DELETE FROM workspaces WHERE id = ?1", &stmt, err);
    if (st == MM_OK) {
        sqlite3_bind_int64(stmt, 1, ws.id);
        st = cat_step_done(cat, stmt, "removing the workspace", err); /* cascades */
    }
    if (st != MM_OK) {
        json_decref(before);
        return st;
    }
    if (entitlements_removed)
        *entitlements_removed = ws.n_entitlements;
    return cat_audit(cat, "delete", "workspace", ws.name, before, NULL, err);
}

mm_status catalog_workspace_delete(mm_catalog *cat, const char *name, size_t *entitlements_removed,
                                   mm_error *err)
{
    mm_status st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    return cat_end(cat, delete_row(cat, name, entitlements_removed, err), err);
}

mm_status catalog_workspace_get(mm_catalog *cat, const char *name, mm_workspace *out, mm_error *err)
{
    return workspace_by_name(cat, name, out, err);
}

mm_status catalog_workspace_list(mm_catalog *cat, mm_workspace_list *out, mm_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *stmt;
    mm_status st = cat_prepare(cat, WORKSPACE_SELECT "ORDER BY w.name", &stmt, err);
    if (st != MM_OK)
        return st;
    size_t capacity = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (!cat_grow((void **)&out->items, &capacity, out->count, sizeof *out->items)) {
            st = cat_out_of_memory(err);
            break;
        }
        read_workspace_row(stmt, &out->items[out->count++]);
    }
    if (st == MM_OK && rc != SQLITE_DONE)
        st = cat_db_error(cat, "listing workspaces", err);
    sqlite3_finalize(stmt);
    if (st != MM_OK)
        mm_workspace_list_free(out);
    return st;
}

void mm_workspace_list_free(mm_workspace_list *list)
{
    if (!list)
        return;
    free(list->items);
    list->items = NULL;
    list->count = 0;
}
