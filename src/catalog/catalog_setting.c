/* Settings: a small key/value table for router and health thresholds; changes are audited. In a
 * read transaction (catalog_read_begin) the whole table is read once and every lookup served
 * from that copy: a send's plan needs the router's, health's and the prices' settings. */
#include "catalog/catalog_internal.h"

#include <string.h>

#include "util/text.h"

#define SETTING_VALUE_MAX 1024

/* Every setting, sorted by key, as key/value pairs: one statement. */
static mm_status read_settings(mm_catalog *cat, const char *prefix, mm_string_list *out,
                               mm_error *err)
{
    memset(out, 0, sizeof *out);
    db_stmt *stmt;
    mm_status st = cat_prepare(cat,
                               prefix[0] ? "SELECT key, value FROM settings WHERE substr(key, 1, "
                                           "length(?1)) = ?1 ORDER BY key"
                                         : "SELECT key, value FROM settings ORDER BY key",
                               &stmt, err);
    if (st != MM_OK)
        return st;
    if (prefix[0])
        cat_bind_text(stmt, 1, prefix);
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

void cat_settings_forget(mm_catalog *cat)
{
    mm_string_list_free(&cat->settings);
    cat->settings_read = false;
}

/* The read transaction's copy of every setting (read at its first lookup), or NULL outside one
 * (each lookup then reads the table itself). */
static const mm_string_list *settings_copy(mm_catalog *cat, mm_error *err, mm_status *st)
{
    *st = MM_OK;
    if (!cat->read_open)
        return NULL;
    if (!cat->settings_read) {
        *st = read_settings(cat, "", &cat->settings, err);
        cat->settings_read = *st == MM_OK;
    }
    return cat->settings_read ? &cat->settings : NULL;
}

static mm_status copy_value(const char *key, const char *value, char *out, size_t outsz,
                            mm_error *err)
{
    if (!mm_copy(out, outsz, value ? value : ""))
        return mm_error_set(err, MM_E_INTERNAL, key, "the setting %s is too long to read", key);
    return MM_OK;
}

static mm_status get_from(const mm_string_list *settings, const char *key, char *out, size_t outsz,
                          mm_error *err)
{
    for (size_t i = 0; i + 1 < settings->count; i += 2)
        if (strcmp(settings->items[i], key) == 0)
            return copy_value(key, settings->items[i + 1], out, outsz, err);
    return mm_error_set(err, MM_E_NOT_FOUND, key, "the setting %s is not set", key);
}

mm_status catalog_setting_get(mm_catalog *cat, const char *key, char *out, size_t outsz,
                              mm_error *err)
{
    if (outsz > 0)
        out[0] = '\0';
    mm_status st;
    const mm_string_list *copy = settings_copy(cat, err, &st);
    if (st != MM_OK)
        return st;
    if (copy)
        return get_from(copy, key, out, outsz, err);
    db_stmt *stmt;
    st = cat_prepare(cat, "SELECT value FROM settings WHERE key = ?1", &stmt, err);
    if (st != MM_OK)
        return st;
    cat_bind_text(stmt, 1, key);
    int rc = db_step(stmt);
    if (rc == DB_ROW)
        st = copy_value(key, db_column_text(stmt, 0), out, outsz, err);
    else if (rc == DB_DONE)
        st = mm_error_set(err, MM_E_NOT_FOUND, key, "the setting %s is not set", key);
    else
        st = cat_db_error(cat, "reading a setting", err);
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
    cat_settings_forget(cat);
    return cat_end(cat, set_row(cat, key, value, err), err);
}

mm_status catalog_setting_list(mm_catalog *cat, const char *prefix, mm_string_list *out,
                               mm_error *err)
{
    memset(out, 0, sizeof *out);
    prefix = prefix ? prefix : "";
    mm_status st;
    const mm_string_list *copy = settings_copy(cat, err, &st);
    if (st != MM_OK || !copy)
        return st != MM_OK ? st : read_settings(cat, prefix, out, err);
    size_t len = strlen(prefix);
    for (size_t i = 0; st == MM_OK && i + 1 < copy->count; i += 2) {
        if (strncmp(copy->items[i], prefix, len) != 0)
            continue;
        if (!mm_string_list_append(out, copy->items[i]) ||
            !mm_string_list_append(out, copy->items[i + 1]))
            st = cat_out_of_memory(err);
    }
    if (st != MM_OK)
        mm_string_list_free(out);
    return st;
}
