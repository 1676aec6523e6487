/* The named, versioned entities (accounts, models, workspaces) read and checked one way: a row by
 * name or id, "there is no X named ...", the version check before an update, a name taken. */
#include "catalog/catalog_internal.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

mm_status cat_entity_read(mm_catalog *cat, const cat_entity *e, const char *name, int64_t id,
                          void *out, bool *found, mm_error *err)
{
    char doing[64];
    snprintf(doing, sizeof doing, "reading %s", e->a_label);
    cat_key key = {name, id};
    mm_status st = cat_read_row(cat, name ? e->by_name_sql : e->by_id_sql, cat_bind_key, &key,
                                e->read_row, out, found, doing, err);
    if (st == MM_OK && *found && e->complete)
        st = e->complete(cat, out, err);
    return st;
}

mm_status cat_entity_get(mm_catalog *cat, const cat_entity *e, const char *name, void *out,
                         mm_error *err)
{
    bool found = false;
    mm_status st = cat_entity_read(cat, e, name ? name : "", 0, out, &found, err);
    if (st == MM_OK && !found)
        return mm_error_set(err, MM_E_NOT_FOUND, e->kind,
                            "there is no %s named '%.64s'; check the name (list %ss to see which "
                            "exist)",
                            e->label, name ? name : "", e->kind);
    return st;
}

mm_status cat_entity_check_current(mm_catalog *cat, const cat_entity *e, int64_t id,
                                   const char *name, int64_t version, void *current, mm_error *err)
{
    bool found = false;
    mm_status st = cat_entity_read(cat, e, NULL, id, current, &found, err);
    if (st != MM_OK)
        return st;
    const char *current_name = (const char *)current + e->name_offset;
    int64_t current_version;
    memcpy(&current_version, (const char *)current + e->version_offset, sizeof current_version);
    return cat_check_unchanged(e->kind, found, name, version, current_name, current_version, err);
}

mm_status cat_entity_name_free(mm_catalog *cat, const cat_entity *e, const char *name,
                               int64_t self_id, mm_error *err)
{
    return cat_check_name_free(cat, e->id_sql, name, self_id, e->a_label, e->kind, err);
}

mm_status cat_step_insert(mm_catalog *cat, db_stmt *stmt, const char *doing, int64_t *id,
                          mm_error *err)
{
    mm_status st = MM_OK;
    *id = 0;
    db_step_result rc = db_step(stmt);
    if (rc == DB_ROW) {
        *id = db_column_int64(stmt, 0);
        rc = db_step(stmt);
    }
    if (rc != DB_DONE)
        st = cat_db_error(cat, doing, err);
    db_finalize(stmt);
    return st;
}

mm_status cat_step_changes(mm_catalog *cat, db_stmt *stmt, const char *doing, int64_t *changes,
                           mm_error *err)
{
    mm_status st = MM_OK;
    *changes = 0;
    if (db_step(stmt) == DB_DONE)
        *changes = db_changes(stmt);
    else
        st = cat_db_error(cat, doing, err);
    db_finalize(stmt);
    return st;
}
