/* Settings: a small key/value table for router and health thresholds; changes are audited. */
#include "catalog/catalog_internal.h"

#include <string.h>

#include "util/text.h"

#define SETTING_VALUE_MAX 1024

mm_status catalog_setting_get(mm_catalog *cat, const char *key, char *out, size_t outsz,
                              mm_error *err)
{
    if (outsz > 0)
        out[0] = '\0';
    db_stmt *stmt;
    mm_status st = cat_prepare(cat, "SELECT value FROM settings WHERE key = ?1", &stmt, err);
    if (st != MM_OK)
        return st;
    cat_bind_text(stmt, 1, key);
    int rc = db_step(stmt);
    if (rc == DB_ROW) {
        const char *value = db_column_text(stmt, 0);
        if (!mm_copy(out, outsz, value ? value : ""))
            st = mm_error_set(err, MM_E_INTERNAL, key, "the setting %s is too long to read", key);
    } else if (rc == DB_DONE) {
        st = mm_error_set(err, MM_E_NOT_FOUND, key, "the setting %s is not set", key);
    } else {
        st = cat_db_error(cat, "reading a setting", err);
    }
    db_finalize(stmt);
    return st;
}

static mm_status set_row(mm_catalog *cat, const char *key, const char *value, mm_error *err)
{
    char before[SETTING_VALUE_MAX];
    mm_error ignored;
    bool existed = catalog_setting_get(cat, key, before, sizeof before, &ignored) == MM_OK;
    if (existed && strcmp(before, value) == 0)
        return MM_OK;
    db_stmt *stmt;
    mm_status st = cat_prepare(cat,
                               "INSERT INTO settings(key, value) VALUES (?1, ?2) "
                               "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                               &stmt, err);
    if (st != MM_OK)
        return st;
    cat_bind_text(stmt, 1, key);
    cat_bind_text(stmt, 2, value);
    st = cat_step_done(cat, stmt, "saving a setting", err);
    if (st == MM_OK)
        st = cat_audit(cat, "set", "setting", key,
                       existed ? json_pack("{s:s}", "value", before) : NULL,
                       json_pack("{s:s}", "value", value), err);
    return st;
}

mm_status catalog_setting_set(mm_catalog *cat, const char *key, const char *value, mm_error *err)
{
    mm_status st = val_text("key", "setting name", key ? key : "", MM_NAME_MAX, false, err);
    if (st == MM_OK)
        st = val_text("value", "setting value", value ? value : "", SETTING_VALUE_MAX, true, err);
    if (st == MM_OK)
        st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    return cat_end(cat, set_row(cat, key, value, err), err);
}

mm_status catalog_setting_list(mm_catalog *cat, const char *prefix, mm_string_list *out,
                               mm_error *err)
{
    memset(out, 0, sizeof *out);
    db_stmt *stmt;
    mm_status st = cat_prepare(cat,
                               "SELECT key, value FROM settings WHERE substr(key, 1, length(?1)) "
                               "= ?1 ORDER BY key",
                               &stmt, err);
    if (st != MM_OK)
        return st;
    cat_bind_text(stmt, 1, prefix ? prefix : "");
    int rc = DB_DONE;
    while (st == MM_OK && (rc = db_step(stmt)) == DB_ROW) {
        const char *key = db_column_text(stmt, 0);
        const char *value = db_column_text(stmt, 1);
        if (!mm_string_list_append(out, key ? key : "") ||
            !mm_string_list_append(out, value ? value : ""))
            st = cat_out_of_memory(err);
    }
    if (st == MM_OK && rc != DB_DONE)
        st = cat_db_error(cat, "reading the settings", err);
    db_finalize(stmt);
    if (st != MM_OK)
        mm_string_list_free(out);
    return st;
}
