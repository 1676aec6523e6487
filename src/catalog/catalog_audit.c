/* The audit log: one append-only row per change (actor, time, action, entity, before/after
 * JSON with secrets already redacted by the entity pictures), and listing it newest first. */
#include "catalog/catalog_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/clock.h"

static char *dump_json(json_t *value)
{
    return value ? json_dumps(value, JSON_COMPACT) : NULL;
}

static void bind_optional_text(sqlite3_stmt *stmt, int index, const char *text)
{
    if (text)
        sqlite3_bind_text(stmt, index, text, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(stmt, index);
}

mm_status cat_audit(mm_catalog *cat, const char *action, const char *entity_kind,
                    const char *entity_name, json_t *before, json_t *after, mm_error *err)
{
    char *before_text = dump_json(before);
    char *after_text = dump_json(after);
    json_decref(before);
    json_decref(after);
    sqlite3_stmt *stmt;
    mm_status st = cat_prepare(cat,
                               "INSERT INTO audit_log(ts_ms, actor, action, entity_kind, "
                               "entity_name, before_json, after_json) "
                               "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                               &stmt, err);
    if (st == MM_OK) {
        sqlite3_bind_int64(stmt, 1, mm_now_ms());
        cat_bind_text(stmt, 2, cat->actor);
        cat_bind_text(stmt, 3, action);
        cat_bind_text(stmt, 4, entity_kind);
        cat_bind_text(stmt, 5, entity_name);
        bind_optional_text(stmt, 6, before_text);
        bind_optional_text(stmt, 7, after_text);
        st = cat_step_done(cat, stmt, "writing the audit log", err);
    }
    free(before_text);
    free(after_text);
    return st;
}

static char *column_strdup(sqlite3_stmt *stmt, int index)
{
    const unsigned char *text = sqlite3_column_text(stmt, index);
    return text ? strdup((const char *)text) : NULL;
}

static mm_status read_entry(sqlite3_stmt *stmt, mm_audit_entry *entry, mm_error *err)
{
    memset(entry, 0, sizeof *entry);
    entry->id = sqlite3_column_int64(stmt, 0);
    entry->ts_ms = sqlite3_column_int64(stmt, 1);
    cat_column_copy(stmt, 2, entry->actor, sizeof entry->actor);
    cat_column_copy(stmt, 3, entry->action, sizeof entry->action);
    cat_column_copy(stmt, 4, entry->entity_kind, sizeof entry->entity_kind);
    cat_column_copy(stmt, 5, entry->entity_name, sizeof entry->entity_name);
    bool had_before = sqlite3_column_type(stmt, 6) != SQLITE_NULL;
    bool had_after = sqlite3_column_type(stmt, 7) != SQLITE_NULL;
    entry->before_json = column_strdup(stmt, 6);
    entry->after_json = column_strdup(stmt, 7);
    if ((had_before && !entry->before_json) || (had_after && !entry->after_json))
        return mm_error_set(err, MM_E_INTERNAL, "", "out of memory reading the audit log");
    return MM_OK;
}

mm_status catalog_audit_list(mm_catalog *cat, size_t limit, mm_audit_list *out, mm_error *err)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *stmt;
    mm_status st = cat_prepare(cat,
                               "SELECT id, ts_ms, actor, action, entity_kind, entity_name, "
                               "before_json, after_json FROM audit_log ORDER BY id DESC LIMIT ?1",
                               &stmt, err);
    if (st != MM_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, limit ? (int64_t)limit : -1);
    size_t capacity = 0;
    int rc = SQLITE_DONE;
    while (st == MM_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
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
    if (st == MM_OK && rc != SQLITE_DONE)
        st = cat_db_error(cat, "reading the audit log", err);
    sqlite3_finalize(stmt);
    if (st != MM_OK)
        mm_audit_list_free(out);
    return st;
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

int64_t catalog_audit_top(mm_catalog *cat)
{
    int64_t top = -1;
    mm_error ignored;
    if (cat_query_int(cat, "SELECT coalesce(max(id), 0) FROM audit_log", NULL, &top, &ignored) !=
        MM_OK)
        return -1;
    return top;
}
