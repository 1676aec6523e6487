/* Entitlements: which workspace may use which logical model, with optional per-workspace RPM,
 * TPM and monthly token caps; granting (or changing limits), revoking and listing. */
#include "catalog/catalog_internal.h"

#include <stdio.h>
#include <string.h>

#include "util/clock.h"

#define ENTITLEMENT_SELECT                                                                         \
    "SELECT m.name, w.name, e.rpm, e.tpm, e.monthly_tokens, e.version, e.created_ms, "             \
    "e.updated_ms FROM entitlements e JOIN models m ON m.id = e.model_id "                         \
    "JOIN workspaces w ON w.id = e.workspace_id "

mm_status catalog_entitlement_validate(const mm_entitlement *ent, mm_error *err)
{
    mm_status st = val_limit("rpm", "requests-per-minute limit", ent->rpm, MM_RPM_MAX, err);
    if (st == MM_OK)
        st = val_limit("tpm", "tokens-per-minute limit", ent->tpm, MM_TPM_MAX, err);
    if (st == MM_OK)
        st = val_limit("monthly_tokens", "monthly token cap", ent->monthly_tokens,
                       MM_MONTHLY_TOKENS_MAX, err);
    if (st == MM_OK && !val_terminated(ent->model, sizeof ent->model))
        st = catalog_validate_name("model", "", err);
    if (st == MM_OK && !val_terminated(ent->workspace, sizeof ent->workspace))
        st = catalog_validate_name("workspace", "", err);
    return st;
}

static void read_entitlement_row(db_stmt *stmt, void *item)
{
    mm_entitlement *ent = item;
    memset(ent, 0, sizeof *ent);
    cat_column_copy(stmt, 0, ent->model, sizeof ent->model);
    cat_column_copy(stmt, 1, ent->workspace, sizeof ent->workspace);
    ent->rpm = cat_column_limit(stmt, 2);
    ent->tpm = cat_column_limit(stmt, 3);
    ent->monthly_tokens = cat_column_limit(stmt, 4);
    ent->version = db_column_int64(stmt, 5);
    ent->created_ms = db_column_int64(stmt, 6);
    ent->updated_ms = db_column_int64(stmt, 7);
}

/* ?1 model id, ?2 workspace id (ctx: two int64_t). */
static void bind_id_pair(db_stmt *stmt, const void *ctx)
{
    const int64_t *ids = ctx;
    db_bind_int64(stmt, 1, ids[0]);
    db_bind_int64(stmt, 2, ids[1]);
}

/* ?1 model name, ?2 workspace name (ctx: two names). */
static void bind_names(db_stmt *stmt, const void *ctx)
{
    const char *const *names = ctx;
    cat_bind_text(stmt, 1, names[0]);
    cat_bind_text(stmt, 2, names[1]);
}

static mm_status read_entitlement(mm_catalog *cat, int64_t model_id, int64_t workspace_id,
                                  mm_entitlement *out, bool *found, mm_error *err)
{
    const int64_t ids[2] = {model_id, workspace_id};
    return cat_read_row(cat, ENTITLEMENT_SELECT "WHERE e.model_id = ?1 AND e.workspace_id = ?2",
                        bind_id_pair, ids, read_entitlement_row, out, found,
                        "reading an entitlement", err);
}

/* The ids of model and workspace (MM_E_NOT_FOUND naming the one missing) and the current
 * entitlement between them, if any. */
static mm_status read_pair(mm_catalog *cat, const char *model, const char *workspace,
                           int64_t ids[2], mm_entitlement *current, bool *found, mm_error *err)
{
    *found = false;
    mm_status st = cat_model_id(cat, model, &ids[0], err);
    if (st == MM_OK)
        st = cat_workspace_id(cat, workspace, &ids[1], err);
    if (st == MM_OK)
        st = read_entitlement(cat, ids[0], ids[1], current, found, err);
    return st;
}

static mm_status write_limits(mm_catalog *cat, const char *sql, int64_t model_id,
                              int64_t workspace_id, const mm_entitlement *ent, mm_error *err)
{
    db_stmt *stmt;
    mm_status st = cat_prepare(cat, sql, &stmt, err);
    if (st != MM_OK)
        return st;
    db_bind_int64(stmt, 1, model_id);
    db_bind_int64(stmt, 2, workspace_id);
    cat_bind_limit(stmt, 3, ent->rpm);
    cat_bind_limit(stmt, 4, ent->tpm);
    cat_bind_limit(stmt, 5, ent->monthly_tokens);
    db_bind_int64(stmt, 6, mm_now_ms());
    return cat_step_done(cat, stmt, "saving the entitlement", err);
}

/* The audit log names an entitlement "model/workspace". */
static void entity_name(char *out, size_t outsz, const char *model, const char *workspace)
{
    snprintf(out, outsz, "%s/%s", model, workspace);
}

static mm_status entitle_row(mm_catalog *cat, const mm_entitlement *ent, mm_error *err)
{
    char entity[2 * MM_NAME_MAX];
    entity_name(entity, sizeof entity, ent->model, ent->workspace);
    int64_t ids[2] = {0, 0};
    mm_entitlement current;
    bool found = false;
    mm_status st = read_pair(cat, ent->model, ent->workspace, ids, &current, &found, err);
    if (st != MM_OK)
        return st;
    int64_t model_id = ids[0], workspace_id = ids[1];
    if (!found) {
        st = write_limits(cat,
                          "INSERT INTO entitlements(model_id, workspace_id, rpm, tpm, "
                          "monthly_tokens, version, created_ms, updated_ms) "
                          "VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?6)",
                          model_id, workspace_id, ent, err);
        if (st == MM_OK)
            st = cat_audit(cat, "entitle", "entitlement", entity, NULL, cat_entitlement_json(ent),
                           err);
        return st;
    }
    if (ent->version != 0 && ent->version != current.version)
        return mm_error_set(err, MM_E_CONFLICT, "",
                            "the entitlement of workspace '%s' to '%s' was changed by another "
                            "session since you opened it; reopen it and apply your change again",
                            ent->workspace, ent->model);
    if (current.rpm == ent->rpm && current.tpm == ent->tpm &&
        current.monthly_tokens == ent->monthly_tokens)
        return MM_OK; /* nothing changes: nothing to record */
    st = write_limits(cat,
                      "UPDATE entitlements SET rpm = ?3, tpm = ?4, monthly_tokens = ?5, "
                      "updated_ms = ?6, version = version + 1 "
                      "WHERE model_id = ?1 AND workspace_id = ?2",
                      model_id, workspace_id, ent, err);
    if (st == MM_OK)
        st = cat_audit(cat, "entitle", "entitlement", entity, cat_entitlement_json(&current),
                       cat_entitlement_json(ent), err);
    return st;
}

mm_status catalog_entitle(mm_catalog *cat, const mm_entitlement *ent, mm_error *err)
{
    mm_status st = catalog_entitlement_validate(ent, err);
    if (st == MM_OK)
        st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    return cat_end(cat, entitle_row(cat, ent, err), err);
}

static mm_status revoke_row(mm_catalog *cat, const char *model, const char *workspace,
                            mm_error *err)
{
    char entity[2 * MM_NAME_MAX];
    entity_name(entity, sizeof entity, model ? model : "", workspace ? workspace : "");
    int64_t ids[2] = {0, 0};
    mm_entitlement current;
    bool found = false;
    mm_status st = read_pair(cat, model, workspace, ids, &current, &found, err);
    if (st != MM_OK)
        return st;
    if (!found)
        return mm_error_set(err, MM_E_NOT_FOUND, "",
                            "workspace '%s' is not entitled to '%s'; there is nothing to revoke",
                            workspace, model);
    db_stmt *stmt;
    st = cat_prepare(cat, "DELETE FROM entitlements WHERE model_id = ?1 AND workspace_id = ?2",
                     &stmt, err);
    if (st != MM_OK)
        return st;
    bind_id_pair(stmt, ids);
    st = cat_step_done(cat, stmt, "revoking the entitlement", err);
    if (st == MM_OK)
        st = cat_audit(cat, "revoke", "entitlement", entity, cat_entitlement_json(&current), NULL,
                       err);
    return st;
}

mm_status catalog_revoke(mm_catalog *cat, const char *model, const char *workspace, mm_error *err)
{
    mm_status st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    return cat_end(cat, revoke_row(cat, model, workspace, err), err);
}

mm_status catalog_entitlement_get(mm_catalog *cat, const char *model, const char *workspace,
                                  mm_entitlement *out, mm_error *err)
{
    const char *names[2] = {model, workspace};
    bool found = false; /* by names in one query; when missing, which one it is, by ids */
    mm_status st =
        cat_read_row(cat, ENTITLEMENT_SELECT "WHERE m.name = ?1 AND w.name = ?2", bind_names, names,
                     read_entitlement_row, out, &found, "reading an entitlement", err);
    if (st != MM_OK || found)
        return st;
    int64_t model_id = 0, workspace_id = 0;
    st = cat_model_id(cat, model, &model_id, err);
    if (st == MM_OK)
        st = cat_workspace_id(cat, workspace, &workspace_id, err);
    if (st == MM_OK)
        st = read_entitlement(cat, model_id, workspace_id, out, &found, err);
    if (st == MM_OK && !found)
        return mm_error_set(err, MM_E_NOT_FOUND, "",
                            "workspace '%s' is not entitled to '%s'; entitle it first", workspace,
                            model);
    return st;
}

/* ?1 model name, ?2 workspace name; each left NULL (any) when not given (ctx: two names). */
static void bind_optional_names(db_stmt *stmt, const void *ctx)
{
    const char *const *names = ctx;
    for (int i = 0; i < 2; i++)
        if (names[i])
            cat_bind_text(stmt, i + 1, names[i]);
}

mm_status catalog_entitlement_list(mm_catalog *cat, const char *model, const char *workspace,
                                   mm_entitlement_list *out, mm_error *err)
{
    memset(out, 0, sizeof *out);
    int64_t id = 0;
    mm_status st = MM_OK;
    if (model)
        st = cat_model_id(cat, model, &id, err);
    if (st == MM_OK && workspace)
        st = cat_workspace_id(cat, workspace, &id, err);
    if (st != MM_OK)
        return st;
    const char *names[2] = {model, workspace};
    return cat_collect_rows(cat,
                            ENTITLEMENT_SELECT
                            "WHERE (CAST(?1 AS TEXT) IS NULL OR m.name = ?1) AND "
                            "(CAST(?2 AS TEXT) IS NULL OR w.name = ?2) ORDER BY m.name, w.name",
                            bind_optional_names, names, read_entitlement_row, sizeof *out->items,
                            (void **)&out->items, &out->count, "listing entitlements", err);
}

void mm_entitlement_list_free(mm_entitlement_list *list)
{
    if (list)
        cat_free_rows((void **)&list->items, &list->count);
}
