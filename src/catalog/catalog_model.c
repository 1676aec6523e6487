/* Logical models: their rules, create / update (version-checked) / delete with their targets
 * and entitlements in one transaction, and reading them with their chains. */
#include "catalog/catalog_internal.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/text.h"

static const char *const MODEL_TYPES[] = {"chat", "embedding", "image", "audio"};

#define MODEL_SELECT                                                                               \
    "SELECT m.id, m.name, m.type, m.description, m.version, m.created_ms, m.updated_ms, "          \
    "(SELECT count(*) FROM entitlements e WHERE e.model_id = m.id) FROM models m "

void mm_model_init(mm_model *model)
{
    memset(model, 0, sizeof *model);
    mm_copy(model->type, sizeof model->type, "chat");
}

mm_status catalog_model_validate(const mm_model *model, mm_error *err)
{
    mm_status st = catalog_validate_name("model", model->name, err);
    if (st == MM_OK && !val_terminated(model->name, sizeof model->name))
        st = catalog_validate_name("model", "", err);
    if (st != MM_OK)
        return st;
    bool known = false;
    for (size_t i = 0; i < sizeof MODEL_TYPES / sizeof MODEL_TYPES[0]; i++)
        if (val_terminated(model->type, sizeof model->type) &&
            strcmp(model->type, MODEL_TYPES[i]) == 0)
            known = true;
    if (!known)
        return mm_error_set(err, MM_E_INVALID, "type",
                            "the model type must be one of chat, embedding, image, audio");
    return val_text("description", "description", model->description, sizeof model->description,
                    true, err);
}

static void read_model_row(db_stmt *stmt, void *item)
{
    mm_model *model = item;
    mm_model_init(model);
    model->id = db_column_int64(stmt, 0);
    cat_column_copy(stmt, 1, model->name, sizeof model->name);
    cat_column_copy(stmt, 2, model->type, sizeof model->type);
    cat_column_copy(stmt, 3, model->description, sizeof model->description);
    model->version = db_column_int64(stmt, 4);
    model->created_ms = db_column_int64(stmt, 5);
    model->updated_ms = db_column_int64(stmt, 6);
    model->n_entitled = (size_t)db_column_int64(stmt, 7);
}

static mm_status read_targets(mm_catalog *cat, void *item, mm_error *err)
{
    mm_model *model = item;
    return cat_read_targets(cat, model->id, model->targets, &model->n_targets, err);
}

/* Models are read with their targets. */
static const cat_entity MODELS = {
    .kind = "model",
    .label = "logical model",
    .a_label = "a logical model",
    .by_name_sql = MODEL_SELECT "WHERE m.name = ?1",
    .by_id_sql = MODEL_SELECT "WHERE m.id = ?1",
    .id_sql = "SELECT id FROM models WHERE name = ?1",
    .read_row = read_model_row,
    .complete = read_targets,
    .name_offset = offsetof(mm_model, name),
    .version_offset = offsetof(mm_model, version),
};

static mm_status insert_row(mm_catalog *cat, mm_model *model, mm_error *err)
{
    mm_status st = cat_entity_name_free(cat, &MODELS, model->name, 0, err);
    db_stmt *stmt;
    if (st == MM_OK)
        st = cat_prepare(cat,
                         "INSERT INTO models(name, type, description, version, created_ms, "
                         "updated_ms) VALUES (?1, ?2, ?3, 1, ?4, ?4) RETURNING id",
                         &stmt, err);
    if (st != MM_OK)
        return st;
    cat_bind_text(stmt, 1, model->name);
    cat_bind_text(stmt, 2, model->type);
    cat_bind_text(stmt, 3, model->description);
    db_bind_int64(stmt, 4, model->created_ms);
    st = cat_step_insert(cat, stmt, "adding the model", &model->id, err);
    if (st == MM_OK)
        st = cat_audit(cat, "create", "model", model->name, NULL, cat_model_json(model), err);
    return st;
}

mm_status catalog_model_insert(mm_catalog *cat, mm_model *model, mm_error *err)
{
    mm_status st = catalog_model_validate(model, err);
    if (st == MM_OK)
        st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    mm_model next = *model;
    next.n_targets = 0; /* targets are added with catalog_target_add */
    next.n_entitled = 0;
    next.version = 1;
    next.created_ms = next.updated_ms = mm_now_ms();
    st = cat_end(cat, insert_row(cat, &next, err), err);
    if (st == MM_OK)
        *model = next;
    return st;
}

static mm_status update_row(mm_catalog *cat, mm_model *next, mm_error *err)
{
    mm_model current;
    mm_status st =
        cat_entity_check_current(cat, &MODELS, next->id, next->name, next->version, &current, err);
    if (st == MM_OK)
        st = cat_entity_name_free(cat, &MODELS, next->name, next->id, err);
    db_stmt *stmt;
    if (st == MM_OK)
        st = cat_prepare(cat,
                         "UPDATE models SET name = ?1, type = ?2, description = ?3, "
                         "updated_ms = ?4, version = version + 1 WHERE id = ?5 AND version = ?6",
                         &stmt, err);
    if (st != MM_OK)
        return st;
    cat_bind_text(stmt, 1, next->name);
    cat_bind_text(stmt, 2, next->type);
    cat_bind_text(stmt, 3, next->description);
    db_bind_int64(stmt, 4, next->updated_ms);
    db_bind_int64(stmt, 5, next->id);
    db_bind_int64(stmt, 6, next->version);
    st = cat_step_done(cat, stmt, "updating the model", err);
    if (st == MM_OK) {
        next->version++;
        next->created_ms = current.created_ms;
        next->n_targets = current.n_targets;
        memcpy(next->targets, current.targets, sizeof next->targets);
        next->n_entitled = current.n_entitled;
        st = cat_audit(cat, "update", "model", next->name, cat_model_json(&current),
                       cat_model_json(next), err);
    }
    return st;
}

mm_status catalog_model_update(mm_catalog *cat, mm_model *model, mm_error *err)
{
    mm_status st = catalog_model_validate(model, err);
    if (st == MM_OK)
        st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    mm_model next = *model;
    next.updated_ms = mm_now_ms();
    st = cat_end(cat, update_row(cat, &next, err), err);
    if (st == MM_OK)
        *model = next;
    return st;
}

/* The workspaces entitled to a model, for the audit picture of a deleted model. */
static mm_status entitled_workspaces(mm_catalog *cat, int64_t model_id, json_t *array,
                                     mm_error *err)
{
    return cat_names_json(cat,
                          "SELECT w.name FROM entitlements e JOIN workspaces w ON "
                          "w.id = e.workspace_id WHERE e.model_id = ?1 ORDER BY w.name",
                          model_id, array, "reading entitlements", err);
}

static mm_status delete_row(mm_catalog *cat, const char *name, size_t *targets_removed,
                            size_t *entitlements_removed, mm_error *err)
{
    mm_model model;
    mm_status st = cat_entity_get(cat, &MODELS, name, &model, err);
    if (st != MM_OK)
        return st;
    json_t *before = cat_model_json(&model);
    json_t *workspaces = json_array();
    json_object_set_new(before, "entitled_workspaces", workspaces);
    st = entitled_workspaces(cat, model.id, workspaces, err);
    if (st == MM_OK) /* cascades */
        st = cat_exec_int(cat, "DELETE FROM models WHERE id = ?1", model.id, "removing the model",
                          err);
    if (st != MM_OK) {
        json_decref(before);
        return st;
    }
    if (targets_removed)
        *targets_removed = model.n_targets;
    if (entitlements_removed)
        *entitlements_removed = model.n_entitled;
    return cat_audit(cat, "delete", "model", model.name, before, NULL, err);
}

mm_status catalog_model_delete(mm_catalog *cat, const char *name, size_t *targets_removed,
                               size_t *entitlements_removed, mm_error *err)
{
    mm_status st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    return cat_end(cat, delete_row(cat, name, targets_removed, entitlements_removed, err), err);
}

mm_status catalog_model_get(mm_catalog *cat, const char *name, mm_model *out, mm_error *err)
{
    return cat_entity_get(cat, &MODELS, name, out, err);
}

mm_status catalog_model_list(mm_catalog *cat, mm_model_list *out, mm_error *err)
{
    mm_status st = cat_collect_rows(cat, MODEL_SELECT "ORDER BY m.name", NULL, NULL, read_model_row,
                                    sizeof *out->items, (void **)&out->items, &out->count,
                                    "listing models", err);
    if (st == MM_OK)
        st = cat_read_all_targets(cat, out->items, out->count, err);
    if (st != MM_OK)
        mm_model_list_free(out);
    return st;
}

mm_status cat_model_each(mm_catalog *cat, cat_item_fn fn, void *ctx, mm_error *err)
{
    return cat_each_row(cat, MODEL_SELECT "ORDER BY m.name", read_model_row, sizeof(mm_model), fn,
                        ctx, "listing models", err);
}

/* Each target's row: its account's lean columns (cat_read_account_lean's), the model's, the
 * target's; a model without targets gives one row whose target and account are NULL. Only what
 * send reads: SQLite's prepare costs about as much a result column as a statement does. */
#define CHAIN_SQL                                                                                  \
    "SELECT " CAT_ACCOUNT_LEAN_COLUMNS ", m.id, m.name, m.type, m.version, t.id, t.priority, "     \
    "t.provider_model FROM models m LEFT JOIN targets t ON t.model_id = m.id "                     \
    "LEFT JOIN accounts a ON a.id = t.account_id WHERE m.name = ?1 ORDER BY t.priority"
#define CHAIN_MODEL CAT_ACCOUNT_NLEAN
#define CHAIN_TARGET (CHAIN_MODEL + 4)

/* Adds the current row's account to accounts unless a target before it named it. */
static mm_status add_chain_account(db_stmt *stmt, const mm_model *model, mm_account_list *accounts,
                                   mm_error *err)
{
    const mm_target *added = &model->targets[model->n_targets - 1];
    for (size_t i = 0; i + 1 < model->n_targets; i++)
        if (strcmp(model->targets[i].account, added->account) == 0)
            return MM_OK;
    mm_account *grown = realloc(accounts->items, (accounts->count + 1) * sizeof *grown);
    if (!grown)
        return cat_out_of_memory(err);
    accounts->items = grown;
    cat_read_account_lean(stmt, &grown[accounts->count++]);
    return MM_OK;
}

mm_status catalog_model_chain_read(mm_catalog *cat, const char *name, mm_model *out, bool *found,
                                   mm_account_list *accounts, mm_error *err)
{
    *found = false;
    mm_model_init(out);
    db_stmt *stmt;
    mm_status st = cat_prepare(cat, CHAIN_SQL, &stmt, err);
    if (st != MM_OK)
        return st;
    cat_bind_text(stmt, 1, name ? name : "");
    int rc = DB_DONE;
    while (st == MM_OK && (rc = db_step(stmt)) == DB_ROW) {
        if (!*found) {
            out->id = db_column_int64(stmt, CHAIN_MODEL);
            cat_column_copy(stmt, CHAIN_MODEL + 1, out->name, sizeof out->name);
            cat_column_copy(stmt, CHAIN_MODEL + 2, out->type, sizeof out->type);
            out->version = db_column_int64(stmt, CHAIN_MODEL + 3);
        }
        *found = true;
        if (db_column_is_null(stmt, CHAIN_TARGET) || out->n_targets == MM_MAX_TARGETS)
            continue;
        mm_target *t = &out->targets[out->n_targets++];
        memset(t, 0, sizeof *t);
        t->id = db_column_int64(stmt, CHAIN_TARGET);
        t->priority = (int)db_column_int64(stmt, CHAIN_TARGET + 1);
        cat_column_copy(stmt, 1, t->account, sizeof t->account);
        cat_column_copy(stmt, CHAIN_TARGET + 2, t->model, sizeof t->model);
        st = add_chain_account(stmt, out, accounts, err);
    }
    if (st == MM_OK && rc != DB_DONE)
        st = cat_db_error(cat, "reading the model's chain", err);
    db_finalize(stmt);
    return st;
}

void mm_model_list_free(mm_model_list *list)
{
    if (list)
        cat_free_rows((void **)&list->items, &list->count);
}
