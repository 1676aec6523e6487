/* The audit log: one append-only row per change (actor, time, action, entity, before/after
 * JSON with secrets already redacted by the entity pictures), change sets (one row for a whole
 * applied file, its parts pointing at it), and listing it newest first. */
#include "catalog/catalog_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"

static char *dump_json(json_t *value)
{
    return value ? json_dumps(value, JSON_COMPACT) : NULL;
}

static void bind_optional_text(db_stmt *stmt, int index, const char *text)
{
    if (text)
        db_bind_text(stmt, index, text);
    else
        db_bind_null(stmt, index);
}

mm_status cat_audit(mm_catalog *cat, const char *action, const char *entity_kind,
                    const char *entity_name, json_t *before, json_t *after, mm_error *err)
{
    char *before_text = dump_json(before);
    char *after_text = dump_json(after);
    json_decref(before);
    json_decref(after);
    db_stmt *stmt;
    mm_status st = cat_prepare(cat,
                               "INSERT INTO audit_log(ts_ms, actor, action, entity_kind, "
                               "entity_name, before_json, after_json, change_set) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, nullif(?8, 0)) RETURNING id",
                               &stmt, err);
    if (st == MM_OK) {
        db_bind_int64(stmt, 1, mm_now_ms());
        cat_bind_text(stmt, 2, catalog_actor(cat));
        cat_bind_text(stmt, 3, action);
        cat_bind_text(stmt, 4, entity_kind);
        cat_bind_text(stmt, 5, entity_name);
        bind_optional_text(stmt, 6, before_text);
        bind_optional_text(stmt, 7, after_text);
        db_bind_int64(stmt, 8, cat->change_set);
        st = cat_step_insert(cat, stmt, "writing the audit log", &cat->last_audit_id, err);
    }
    if (st == MM_OK) /* every configuration change is audited: consoles and gateways wake */
        st = db_notify_change(cat->db, err);
    if (st == MM_OK && cat->change_set)
        cat->change_parts++;
    free(before_text);
    free(after_text);
    return st;
}

static char *column_strdup(db_stmt *stmt, int index)
{
    return db_column_is_null(stmt, index) ? NULL : strdup(db_column_text(stmt, index));
}

static mm_status read_entry(db_stmt *stmt, mm_audit_entry *entry, mm_error *err)
{
    memset(entry, 0, sizeof *entry);
    entry->id = db_column_int64(stmt, 0);
    entry->ts_ms = db_column_int64(stmt, 1);
    cat_column_copy(stmt, 2, entry->actor, sizeof entry->actor);
    cat_column_copy(stmt, 3, entry->action, sizeof entry->action);
    cat_column_copy(stmt, 4, entry->entity_kind, sizeof entry->entity_kind);
    cat_column_copy(stmt, 5, entry->entity_name, sizeof entry->entity_name);
    entry->change_set = db_column_int64(stmt, 8);
    entry->parts = (size_t)db_column_int64(stmt, 9);
    bool had_before = !db_column_is_null(stmt, 6);
    bool had_after = !db_column_is_null(stmt, 7);
    entry->before_json = column_strdup(stmt, 6);
    entry->after_json = column_strdup(stmt, 7);
    if ((had_before && !entry->before_json) || (had_after && !entry->after_json))
        return mm_error_set(err, MM_E_INTERNAL, "", "out of memory reading the audit log");
    return MM_OK;
}

#define AUDIT_COLUMNS                                                                              \
    "SELECT id, ts_ms, actor, action, entity_kind, entity_name, before_json, after_json, "         \
    "coalesce(change_set, 0), CASE WHEN change_set = id THEN (SELECT count(*) FROM audit_log p "   \
    "WHERE p.change_set = a.id AND p.id <> a.id) ELSE 0 END FROM audit_log a "

static void bind_limit_and_id(db_stmt *stmt, const void *ctx)
{
    const int64_t *values = ctx; /* limit (-1: all), change set id */
    db_bind_int64(stmt, 1, values[0]);
    db_bind_int64(stmt, 2, values[1]);
}

static mm_status list_entries(mm_catalog *cat, const char *sql, int64_t limit, int64_t set_id,
                              mm_audit_list *out, mm_error *err)
{
    memset(out, 0, sizeof *out);
    db_stmt *stmt;
    mm_status st = cat_prepare(cat, sql, &stmt, err);
    if (st != MM_OK)
        return st;
    const int64_t values[2] = {limit ? limit : INT64_MAX, set_id}; /* PostgreSQL refuses LIMIT -1 */
    bind_limit_and_id(stmt, values);
    size_t capacity = 0;
    int rc = DB_DONE;
    while (st == MM_OK && (rc = db_step(stmt)) == DB_ROW) {
        if (out->count == capacity) {
            size_t cap = capacity ? capacity * 2 : 32;
            mm_audit_entry *items = realloc(out->items, cap * sizeof *items);
            if (!items) {
                st = mm_error_set(err, MM_E_INTERNAL, "", "out of memory reading the audit log");
                break;
            }
            out->items = items;
            capacity = cap;
        }
        st = read_entry(stmt, &out->items[out->count], err);
        out->count++;
    }
    if (st == MM_OK && rc != DB_DONE)
        st = cat_db_error(cat, "reading the audit log", err);
    db_finalize(stmt);
    if (st != MM_OK)
        mm_audit_list_free(out);
    return st;
}

mm_status catalog_audit_list(mm_catalog *cat, size_t limit, mm_audit_list *out, mm_error *err)
{
    return list_entries(cat, AUDIT_COLUMNS "WHERE ?2 = 0 ORDER BY id DESC LIMIT ?1", (int64_t)limit,
                        0, out, err);
}

mm_status catalog_audit_list_sets(mm_catalog *cat, size_t limit, mm_audit_list *out, mm_error *err)
{
    return list_entries(cat,
                        AUDIT_COLUMNS "WHERE ?2 = 0 AND (change_set IS NULL OR change_set = id) "
                                      "ORDER BY id DESC LIMIT ?1",
                        (int64_t)limit, 0, out, err);
}

mm_status catalog_audit_change_set(mm_catalog *cat, int64_t change_set, mm_audit_list *out,
                                   mm_error *err)
{
    mm_status st = list_entries(cat,
                                AUDIT_COLUMNS "WHERE change_set = ?2 AND id <> ?2 "
                                              "ORDER BY id LIMIT ?1",
                                0, change_set, out, err);
    if (st == MM_OK && out->count == 0)
        st = mm_error_set(err, MM_E_NOT_FOUND, "change_set",
                          "there is no change set %lld in the audit log; see `mmadmin audit`",
                          (long long)change_set);
    return st;
}

int64_t catalog_version(mm_catalog *cat)
{
    int64_t version = 0;
    mm_error ignored;
    if (cat_query_int(cat, "SELECT coalesce(max(id), 0) FROM audit_log", NULL, &version,
                      &ignored) != MM_OK)
        return -1;
    return version;
}

mm_status catalog_change_set_begin(mm_catalog *cat, const char *label, int64_t expect_version,
                                   mm_error *err)
{
    if (cat->change_set)
        return mm_error_set(err, MM_E_INTERNAL, "", "a change set is already open");
    mm_status st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    int64_t now_version = catalog_version(cat);
    if (expect_version >= 0 && now_version != expect_version)
        return cat_end(cat,
                       mm_error_set(err, MM_E_CONFLICT, "expect_version",
                                    "the catalog changed since the plan (version %lld, the "
                                    "plan saw %lld); nothing was changed — run `mmadmin plan` "
                                    "again and review it",
                                    (long long)now_version, (long long)expect_version),
                       err);
    st = cat_audit(cat, "apply", "change set", label, NULL, NULL, err);
    if (st == MM_OK) {
        cat->change_set = cat->last_audit_id;
        cat->change_parts = 0;
        st = cat_exec_int(cat, "UPDATE audit_log SET change_set = id WHERE id = ?1",
                          cat->change_set, "writing the audit log", err);
    }
    if (st != MM_OK) {
        cat->change_set = 0;
        return cat_end(cat, st, err);
    }
    return MM_OK;
}

mm_status catalog_change_set_end(mm_catalog *cat, mm_status status, size_t *parts, mm_error *err)
{
    if (!cat->change_set)
        return status;
    size_t written = cat->change_parts;
    int64_t id = cat->change_set;
    cat->change_set = 0;
    if (parts)
        *parts = status == MM_OK ? written : 0;
    if (status == MM_OK && written == 0) { /* nothing changed: no empty change set in the log */
        cat_end(cat, MM_E_INTERNAL, err);  /* a failed status only rolls back, err untouched */
        return MM_OK;
    }
    if (status == MM_OK) {
        json_t *after = json_pack("{s:I}", "parts", (json_int_t)written);
        char *text = after ? json_dumps(after, JSON_COMPACT) : NULL;
        json_decref(after);
        db_stmt *stmt;
        status = cat_prepare(cat, "UPDATE audit_log SET after_json = ?1 WHERE id = ?2", &stmt, err);
        if (status == MM_OK) {
            bind_optional_text(stmt, 1, text);
            db_bind_int64(stmt, 2, id);
            status = cat_step_done(cat, stmt, "writing the audit log", err);
        }
        free(text);
    }
    return cat_end(cat, status, err);
}

void mm_audit_list_free(mm_audit_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->count; i++) {
        free(list->items[i].before_json);
        free(list->items[i].after_json);
    }
    free(list->items);
    list->items = NULL;
    list->count = 0;
}
