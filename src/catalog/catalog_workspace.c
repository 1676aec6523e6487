/* Workspaces (the teams that consume models): rules, create / update (version-checked) and
 * delete with their entitlements in one transaction. */
#include "catalog/catalog_internal.h"

#include <stddef.h>
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

static void read_workspace_row(db_stmt *stmt, void *item)
{
    mm_workspace *ws = item;
    memset(ws, 0, sizeof *ws);
    ws->id = db_column_int64(stmt, 0);
    cat_column_copy(stmt, 1, ws->name, sizeof ws->name);
    cat_column_copy(stmt, 2, ws->description, sizeof ws->description);
    ws->version = db_column_int64(stmt, 3);
    ws->created_ms = db_column_int64(stmt, 4);
    ws->updated_ms = db_column_int64(stmt, 5);
    ws->n_entitlements = (size_t)db_column_int64(stmt, 6);
}

static const cat_entity WORKSPACES = {
    .kind = "workspace",
    .label = "workspace",
    .a_label = "a workspace",
    .by_name_sql = WORKSPACE_SELECT "WHERE w.name = ?1",
    .by_id_sql = WORKSPACE_SELECT "WHERE w.id = ?1",
    .id_sql = "SELECT id FROM workspaces WHERE name = ?1",
    .read_row = read_workspace_row,
    .name_offset = offsetof(mm_workspace, name),
    .version_offset = offsetof(mm_workspace, version),
};

static mm_status insert_row(mm_catalog *cat, mm_workspace *ws, mm_error *err)
{
    mm_status st = cat_entity_name_free(cat, &WORKSPACES, ws->name, 0, err);
    db_stmt *stmt;
    if (st == MM_OK)
        st = cat_prepare(cat,
                         "INSERT INTO workspaces(name, description, version, created_ms, "
                         "updated_ms) VALUES (?1, ?2, 1, ?3, ?3) RETURNING id",
                         &stmt, err);
    if (st != MM_OK)
        return st;
    cat_bind_text(stmt, 1, ws->name);
    cat_bind_text(stmt, 2, ws->description);
    db_bind_int64(stmt, 3, ws->created_ms);
    st = cat_step_insert(cat, stmt, "adding the workspace", &ws->id, err);
    if (st == MM_OK)
        st = cat_audit(cat, "create", "workspace", ws->name, NULL, cat_workspace_json(ws), err);
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
    mm_status st = cat_entity_check_current(cat, &WORKSPACES, next->id, next->name, next->version,
                                            &current, err);
    if (st == MM_OK)
        st = cat_entity_name_free(cat, &WORKSPACES, next->name, next->id, err);
    db_stmt *stmt;
    if (st == MM_OK)
        st = cat_prepare(cat,
                         "UPDATE workspaces SET name = ?1, description = ?2, updated_ms = ?3, "
                         "version = version + 1 WHERE id = ?4 AND version = ?5",
                         &stmt, err);
    if (st != MM_OK)
        return st;
    cat_bind_text(stmt, 1, next->name);
    cat_bind_text(stmt, 2, next->description);
    db_bind_int64(stmt, 3, next->updated_ms);
    db_bind_int64(stmt, 4, next->id);
    db_bind_int64(stmt, 5, next->version);
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
    return cat_names_json(cat,
                          "SELECT m.name FROM entitlements e JOIN models m ON "
                          "m.id = e.model_id WHERE e.workspace_id = ?1 ORDER BY m.name",
                          workspace_id, array, "reading entitlements", err);
}

static mm_status delete_row(mm_catalog *cat, const char *name, size_t *entitlements_removed,
                            mm_error *err)
{
    mm_workspace ws;
    mm_status st = cat_entity_get(cat, &WORKSPACES, name, &ws, err);
    if (st != MM_OK)
        return st;
    json_t *before = cat_workspace_json(&ws);
    json_t *models = json_array();
    json_object_set_new(before, "entitled_models", models);
    st = entitled_models(cat, ws.id, models, err);
    if (st == MM_OK) /* cascades */
        st = cat_exec_int(cat, "DELETE FROM workspaces WHERE id = ?1", ws.id,
                          "removing the workspace", err);
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
    return cat_entity_get(cat, &WORKSPACES, name, out, err);
}

mm_status catalog_workspace_list(mm_catalog *cat, mm_workspace_list *out, mm_error *err)
{
    return cat_collect_rows(cat, WORKSPACE_SELECT "ORDER BY w.name", NULL, NULL, read_workspace_row,
                            sizeof *out->items, (void **)&out->items, &out->count,
                            "listing workspaces", err);
}

mm_status cat_workspace_each(mm_catalog *cat, cat_item_fn fn, void *ctx, mm_error *err)
{
    return cat_each_row(cat, WORKSPACE_SELECT "ORDER BY w.name", read_workspace_row,
                        sizeof(mm_workspace), fn, ctx, "listing workspaces", err);
}

void mm_workspace_list_free(mm_workspace_list *list)
{
    if (list)
        cat_free_rows((void **)&list->items, &list->count);
}
