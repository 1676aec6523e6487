/* Provider accounts: their rules, create / update (version-checked) / delete (refused while
 * targets use them), enable / disable and encrypted keys (test results: catalog_probe.c). */
#include "catalog/catalog_internal.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "providers/provider.h"
#include "util/clock.h"
#include "util/text.h"

#define ACCOUNT_SELECT                                                                             \
    "SELECT " CAT_ACCOUNT_COLUMNS                                                                  \
    " FROM accounts a LEFT JOIN account_status s ON s.account_id = a.id "

void mm_account_init(mm_account *acc)
{
    memset(acc, 0, sizeof *acc);
    acc->enabled = true;
}

static const char *field_placeholder(const mm_provider_info *info, const char *field,
                                     const char *fallback)
{
    for (size_t i = 0; i < info->n_fields; i++)
        if (strcmp(info->fields[i].name, field) == 0 && mm_present(info->fields[i].placeholder))
            return info->fields[i].placeholder;
    return fallback;
}

static mm_status validate_provider(const mm_account *acc, const mm_provider_info **out,
                                   mm_error *err)
{
    const mm_provider_info *info = NULL;
    if (val_terminated(acc->provider, sizeof acc->provider))
        info = provider_find(acc->provider);
    if (!info)
        return mm_error_set(
            err, MM_E_INVALID, "provider", "unknown provider '%.31s'; choose one of: %s",
            val_terminated(acc->provider, sizeof acc->provider) ? acc->provider : "?",
            provider_id_list());
    *out = info;
    return MM_OK;
}

static mm_status validate_connection(const mm_account *acc, const mm_provider_info *info,
                                     mm_error *err)
{
    if (!val_terminated(acc->endpoint, sizeof acc->endpoint))
        return val_endpoint(acc->endpoint, err);
    if (acc->endpoint[0] == '\0' && info->requires_endpoint)
        return mm_error_set(err, MM_E_INVALID, "endpoint",
                            "%s needs an endpoint (the base URL of the service), e.g. %s",
                            info->display_name,
                            field_placeholder(info, "endpoint", "https://llm.example.com/v1"));
    if (acc->endpoint[0] != '\0') {
        mm_status st = val_endpoint(acc->endpoint, err);
        if (st != MM_OK)
            return st;
    }
    if (!val_terminated(acc->api_version, sizeof acc->api_version))
        return val_api_version(acc->api_version, err);
    if (acc->api_version[0] == '\0' && info->requires_api_version)
        return mm_error_set(err, MM_E_INVALID, "api_version",
                            "%s needs an API version (YYYY-MM-DD or YYYY-MM-DD-preview), e.g. %s",
                            info->display_name,
                            info->default_api_version ? info->default_api_version : "2024-10-21");
    if (acc->api_version[0] != '\0') {
        mm_status st = val_api_version(acc->api_version, err);
        if (st != MM_OK)
            return st;
    }
    if (!val_terminated(acc->ca_bundle, sizeof acc->ca_bundle) || acc->ca_bundle[0] != '\0')
        return val_ca_bundle(acc->ca_bundle, err);
    return MM_OK;
}

static mm_status validate_limits(const mm_account *acc, mm_error *err)
{
    mm_status st = val_limit("rpm", "requests-per-minute limit", acc->rpm, MM_RPM_MAX, err);
    if (st == MM_OK)
        st = val_limit("tpm", "tokens-per-minute limit", acc->tpm, MM_TPM_MAX, err);
    if (st == MM_OK && acc->monthly_cap_cents != MM_LIMIT_UNSET &&
        (acc->monthly_cap_cents < 1 || acc->monthly_cap_cents > MM_MONTHLY_CAP_CENTS_MAX))
        st = mm_error_set(err, MM_E_INVALID, "monthly_cap",
                          "the monthly spending cap must be from 0.01 to 100000000.00 USD; leave "
                          "it unset for no cap");
    return st;
}

mm_status catalog_account_validate(const mm_account *acc, const char *api_key, mm_error *err)
{
    const mm_provider_info *info = NULL;
    mm_status st = catalog_validate_name("account", acc->name, err);
    if (st == MM_OK && !val_terminated(acc->name, sizeof acc->name))
        st = catalog_validate_name("account", "", err);
    if (st == MM_OK)
        st = validate_provider(acc, &info, err);
    if (st == MM_OK)
        st = validate_connection(acc, info, err);
    if (st == MM_OK)
        st = validate_limits(acc, err);
    if (st == MM_OK)
        st = val_text("disabled_reason", "reason", acc->disabled_reason,
                      sizeof acc->disabled_reason, true, err);
    if (st == MM_OK && mm_present(api_key))
        st = val_api_key(api_key, err);
    return st;
}

/* A provider that needs a key refuses an account without one. */
static mm_status require_key(const mm_account *acc, bool has_key, mm_error *err)
{
    const mm_provider_info *info = provider_find(acc->provider);
    if (info && info->requires_key && !has_key)
        return mm_error_set(err, MM_E_INVALID, "api_key",
                            "%s needs an API key; give it from standard input or from an "
                            "environment variable (never on the command line)",
                            info->display_name);
    return MM_OK;
}

void cat_read_account_lean(db_stmt *stmt, mm_account *acc)
{
    mm_account_init(acc);
    acc->id = db_column_int64(stmt, 0);
    cat_column_copy(stmt, 1, acc->name, sizeof acc->name);
    cat_column_copy(stmt, 2, acc->provider, sizeof acc->provider);
    cat_column_copy(stmt, 3, acc->endpoint, sizeof acc->endpoint);
    cat_column_copy(stmt, 4, acc->api_version, sizeof acc->api_version);
    cat_column_copy(stmt, 5, acc->ca_bundle, sizeof acc->ca_bundle);
    acc->has_key = (int)db_column_int64(stmt, 6) != 0;
    acc->rpm = cat_column_limit(stmt, 7);
    acc->tpm = cat_column_limit(stmt, 8);
    acc->monthly_cap_cents = cat_column_limit(stmt, 9);
    acc->enabled = (int)db_column_int64(stmt, 10) != 0;
    cat_column_copy(stmt, 11, acc->disabled_reason, sizeof acc->disabled_reason);
    acc->version = db_column_int64(stmt, 12);
}

void cat_read_account_row(db_stmt *stmt, void *item)
{
    mm_account *acc = item;
    cat_read_account_lean(stmt, acc);
    cat_column_copy(stmt, 13, acc->key_hint, sizeof acc->key_hint);
    acc->created_ms = db_column_int64(stmt, 14);
    acc->updated_ms = db_column_int64(stmt, 15);
    acc->last_test_ms = db_column_int64(stmt, 16);
    acc->last_test_ok = (int)db_column_int64(stmt, 17) != 0;
    cat_column_copy(stmt, 18, acc->last_test_class, sizeof acc->last_test_class);
    cat_column_copy(stmt, 19, acc->last_test_message, sizeof acc->last_test_message);
    acc->last_test_latency_ms = db_column_int64(stmt, 20);
}

static const cat_entity ACCOUNTS = {
    .kind = "account",
    .label = "account",
    .a_label = "an account",
    .by_name_sql = ACCOUNT_SELECT "WHERE a.name = ?1",
    .by_id_sql = ACCOUNT_SELECT "WHERE a.id = ?1",
    .id_sql = "SELECT id FROM accounts WHERE name = ?1",
    .read_row = cat_read_account_row,
    .name_offset = offsetof(mm_account, name),
    .version_offset = offsetof(mm_account, version),
};

/* MM_E_EXISTS when another account (id != self_id) has this name. */
static mm_status check_name_free(mm_catalog *cat, const char *name, int64_t self_id, mm_error *err)
{
    mm_account other;
    bool found = false;
    mm_status st = cat_entity_read(cat, &ACCOUNTS, name, 0, &other, &found, err);
    if (st == MM_OK && found && other.id != self_id)
        return mm_error_set(err, MM_E_EXISTS, "name",
                            "an account named '%s' already exists (provider %s); choose another "
                            "name or edit that account",
                            other.name, other.provider);
    return st;
}

/* Encrypts key into a blob and fills the hint (inside the write transaction). */
static mm_status seal_key(mm_catalog *cat, const char *key, unsigned char **blob, size_t *len,
                          mm_account *acc, mm_error *err)
{
    const mm_vault *vault = NULL;
    mm_status st = cat_vault_for_write(cat, &vault, err);
    if (st == MM_OK)
        st = vault_seal(vault, key, strlen(key), blob, len, err);
    if (st == MM_OK) {
        catalog_key_hint(key, acc->key_hint, sizeof acc->key_hint);
        acc->has_key = true;
    }
    return st;
}

static void bind_account_fields(db_stmt *stmt, const mm_account *acc)
{
    cat_bind_text(stmt, 1, acc->name);
    cat_bind_text(stmt, 2, acc->provider);
    cat_bind_text(stmt, 3, acc->endpoint);
    cat_bind_text(stmt, 4, acc->api_version);
    cat_bind_text(stmt, 5, acc->ca_bundle);
    cat_bind_text(stmt, 6, acc->key_hint);
    cat_bind_limit(stmt, 7, acc->rpm);
    cat_bind_limit(stmt, 8, acc->tpm);
    cat_bind_limit(stmt, 9, acc->monthly_cap_cents);
    db_bind_int64(stmt, 10, acc->enabled ? 1 : 0);
    cat_bind_text(stmt, 11, acc->enabled ? "" : acc->disabled_reason);
    db_bind_int64(stmt, 12, acc->updated_ms);
}

static void bind_blob_or_null(db_stmt *stmt, int index, const unsigned char *blob, size_t len)
{
    if (blob)
        db_bind_blob(stmt, index, blob, len);
    else
        db_bind_null(stmt, index);
}

static mm_status insert_row(mm_catalog *cat, mm_account *acc, const char *api_key, mm_error *err)
{
    mm_status st = check_name_free(cat, acc->name, 0, err);
    unsigned char *blob = NULL;
    size_t blob_len = 0;
    acc->has_key = false;
    acc->key_hint[0] = '\0';
    if (st == MM_OK && mm_present(api_key))
        st = seal_key(cat, api_key, &blob, &blob_len, acc, err);
    db_stmt *stmt = NULL;
    if (st == MM_OK)
        st = cat_prepare(
            cat,
            "INSERT INTO accounts(name, provider, endpoint, api_version, ca_bundle, "
            "key_hint, rpm, tpm, monthly_cap_cents, enabled, disabled_reason, "
            "updated_ms, created_ms, key_cipher, version) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13, 1) RETURNING id",
            &stmt, err);
    if (st == MM_OK) {
        bind_account_fields(stmt, acc);
        bind_blob_or_null(stmt, 13, blob, blob_len);
        st = cat_step_insert(cat, stmt, "adding the account", &acc->id, err);
    }
    free(blob);
    if (st == MM_OK)
        st = cat_audit(cat, "create", "account", acc->name, NULL, cat_account_json(acc), err);
    return st;
}

mm_status catalog_account_insert(mm_catalog *cat, mm_account *acc, const char *api_key,
                                 mm_error *err)
{
    mm_status st = catalog_account_validate(acc, api_key, err);
    if (st == MM_OK)
        st = require_key(acc, mm_present(api_key), err);
    if (st == MM_OK)
        st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    mm_account next = *acc;
    if (!next.enabled && next.disabled_reason[0] == '\0')
        mm_copy(next.disabled_reason, sizeof next.disabled_reason, "disabled when created");
    if (next.enabled)
        next.disabled_reason[0] = '\0';
    next.version = 1;
    next.created_ms = next.updated_ms = mm_now_ms();
    st = cat_end(cat, insert_row(cat, &next, api_key, err), err);
    if (st == MM_OK)
        *acc = next;
    return st;
}

/* True when what a connection test checks changed: the key, the provider, the endpoint, the
 * API version or the CA bundle. */
static bool credentials_changed(const mm_account *current, const mm_account *next,
                                const char *new_key)
{
    return mm_present(new_key) || strcmp(current->provider, next->provider) != 0 ||
           strcmp(current->endpoint, next->endpoint) != 0 ||
           strcmp(current->api_version, next->api_version) != 0 ||
           strcmp(current->ca_bundle, next->ca_bundle) != 0;
}

/* Forgets the last test result (the account shows "untested" until it is tested again). */
static mm_status clear_test_result(mm_catalog *cat, mm_account *acc, mm_error *err)
{
    acc->last_test_ms = 0;
    acc->last_test_ok = false;
    acc->last_test_class[0] = '\0';
    acc->last_test_message[0] = '\0';
    acc->last_test_latency_ms = 0;
    return cat_exec_int(cat, "DELETE FROM account_status WHERE account_id = ?1", acc->id,
                        "clearing the last test result", err);
}

static mm_status update_row(mm_catalog *cat, mm_account *next, const char *new_key, mm_error *err)
{
    mm_account current;
    mm_status st = cat_entity_check_current(cat, &ACCOUNTS, next->id, next->name, next->version,
                                            &current, err);
    if (st != MM_OK)
        return st;
    st = check_name_free(cat, next->name, next->id, err);
    unsigned char *blob = NULL;
    size_t blob_len = 0;
    next->has_key = current.has_key;
    mm_copy(next->key_hint, sizeof next->key_hint, current.key_hint);
    if (st == MM_OK && mm_present(new_key))
        st = seal_key(cat, new_key, &blob, &blob_len, next, err);
    if (st == MM_OK)
        st = require_key(next, next->has_key, err);
    db_stmt *stmt = NULL;
    if (st == MM_OK)
        st = cat_prepare(cat,
                         "UPDATE accounts SET name = ?1, provider = ?2, endpoint = ?3, "
                         "api_version = ?4, ca_bundle = ?5, key_hint = ?6, rpm = ?7, tpm = ?8, "
                         "monthly_cap_cents = ?9, enabled = ?10, disabled_reason = ?11, "
                         "updated_ms = ?12, key_cipher = coalesce(?13, key_cipher), "
                         "version = version + 1 WHERE id = ?14 AND version = ?15",
                         &stmt, err);
    if (st == MM_OK) {
        bind_account_fields(stmt, next);
        bind_blob_or_null(stmt, 13, blob, blob_len);
        db_bind_int64(stmt, 14, next->id);
        db_bind_int64(stmt, 15, next->version);
        st = cat_step_done(cat, stmt, "updating the account", err);
    }
    free(blob);
    if (st == MM_OK && credentials_changed(&current, next, new_key))
        st = clear_test_result(cat, next, err);
    if (st == MM_OK) {
        next->version++;
        next->created_ms = current.created_ms;
        st = cat_audit(cat, "update", "account", next->name, cat_account_json(&current),
                       cat_account_json(next), err);
    }
    return st;
}

mm_status catalog_account_update(mm_catalog *cat, mm_account *acc, const char *new_key,
                                 mm_error *err)
{
    mm_status st = catalog_account_validate(acc, new_key, err);
    if (st == MM_OK)
        st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    mm_account next = *acc;
    if (next.enabled)
        next.disabled_reason[0] = '\0';
    next.updated_ms = mm_now_ms();
    st = cat_end(cat, update_row(cat, &next, new_key, err), err);
    if (st == MM_OK)
        *acc = next;
    return st;
}

/* MM_E_IN_USE listing "fast-chat (priority 1), code-gen (priority 2)" when targets use it. */
static mm_status check_not_used(mm_catalog *cat, const mm_account *acc, mm_error *err)
{
    db_stmt *stmt;
    mm_status st = cat_prepare(cat,
                               "SELECT m.name, t.priority FROM targets t JOIN models m ON "
                               "m.id = t.model_id WHERE t.account_id = ?1 "
                               "ORDER BY m.name, t.priority",
                               &stmt, err);
    if (st != MM_OK)
        return st;
    db_bind_int64(stmt, 1, acc->id);
    char users[400] = "";
    size_t used = 0, n = 0;
    bool cut = false;
    int rc;
    while ((rc = db_step(stmt)) == DB_ROW) {
        char item[MM_NAME_MAX + 32];
        int len = snprintf(item, sizeof item, "%s%s (priority %d)", n ? ", " : "",
                           db_column_text(stmt, 0), (int)db_column_int64(stmt, 1));
        if (!cut && used + (size_t)len + 8 < sizeof users) {
            memcpy(users + used, item, (size_t)len + 1);
            used += (size_t)len;
        } else if (!cut) {
            memcpy(users + used, ", \u2026", sizeof ", \u2026");
            cut = true;
        }
        n++;
    }
    if (rc != DB_DONE)
        st = cat_db_error(cat, "checking which targets use the account", err);
    db_finalize(stmt);
    if (st == MM_OK && n > 0)
        return mm_error_set(err, MM_E_IN_USE, "", "account '%s' is used by %s; remove %s first",
                            acc->name, users, n == 1 ? "that target" : "those targets");
    return st;
}

static mm_status delete_row(mm_catalog *cat, const char *name, mm_error *err)
{
    mm_account acc;
    mm_status st = cat_entity_get(cat, &ACCOUNTS, name, &acc, err);
    if (st == MM_OK)
        st = check_not_used(cat, &acc, err);
    if (st == MM_OK)
        st = cat_exec_int(cat, "DELETE FROM accounts WHERE id = ?1", acc.id, "removing the account",
                          err);
    if (st == MM_OK)
        st = cat_audit(cat, "delete", "account", acc.name, cat_account_json(&acc), NULL, err);
    return st;
}

mm_status catalog_account_delete(mm_catalog *cat, const char *name, mm_error *err)
{
    mm_status st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    return cat_end(cat, delete_row(cat, name, err), err);
}

mm_status catalog_account_get(mm_catalog *cat, const char *name, mm_account *out, mm_error *err)
{
    return cat_entity_get(cat, &ACCOUNTS, name, out, err);
}

mm_status catalog_account_list(mm_catalog *cat, mm_account_list *out, mm_error *err)
{
    return cat_collect_rows(cat, ACCOUNT_SELECT "ORDER BY a.name", NULL, NULL, cat_read_account_row,
                            sizeof *out->items, (void **)&out->items, &out->count,
                            "listing accounts", err);
}

/* Steps stmt (prepared, bound), giving each account row to fn; finalizes stmt. */
static mm_status each_account_row(mm_catalog *cat, db_stmt *stmt, mm_account_fn fn, void *ctx,
                                  mm_error *err)
{
    mm_status st = MM_OK;
    mm_account *row = malloc(sizeof *row);
    db_step_result rc = DB_DONE;
    while (row && (rc = db_step(stmt)) == DB_ROW) {
        cat_read_account_row(stmt, row);
        fn(row, ctx);
    }
    if (!row)
        st = cat_out_of_memory(err);
    else if (rc != DB_DONE)
        st = cat_db_error(cat, "listing accounts", err);
    free(row);
    db_finalize(stmt);
    return st;
}

mm_status catalog_account_each(mm_catalog *cat, mm_account_fn fn, void *ctx, mm_error *err)
{
    db_stmt *stmt;
    mm_status st = cat_prepare(cat, ACCOUNT_SELECT "ORDER BY a.name", &stmt, err);
    return st == MM_OK ? each_account_row(cat, stmt, fn, ctx, err) : st;
}

mm_status catalog_account_each_tested_since(mm_catalog *cat, int64_t since_ms,
                                            const char *after_name, size_t limit, mm_account_fn fn,
                                            void *ctx, mm_error *err)
{
    db_stmt *stmt;
    mm_status st = cat_prepare(
        cat, ACCOUNT_SELECT "WHERE s.tested_ms >= ?1 AND a.name > ?2 ORDER BY a.name LIMIT ?3",
        &stmt, err);
    if (st != MM_OK)
        return st;
    db_bind_int64(stmt, 1, since_ms);
    cat_bind_text(stmt, 2, after_name ? after_name : "");
    db_bind_int64(stmt, 3, limit && limit < INT64_MAX ? (int64_t)limit : INT64_MAX);
    return each_account_row(cat, stmt, fn, ctx, err);
}

void mm_account_list_free(mm_account_list *list)
{
    if (list)
        cat_free_rows((void **)&list->items, &list->count);
}

static mm_status set_enabled_row(mm_catalog *cat, const char *name, bool enabled,
                                 const char *reason, mm_error *err)
{
    mm_account before;
    mm_status st = cat_entity_get(cat, &ACCOUNTS, name, &before, err);
    if (st != MM_OK)
        return st;
    mm_account after = before;
    after.enabled = enabled;
    mm_copy(after.disabled_reason, sizeof after.disabled_reason, enabled ? "" : reason);
    db_stmt *stmt;
    st = cat_prepare(cat,
                     "UPDATE accounts SET enabled = ?1, disabled_reason = ?2, updated_ms = ?3, "
                     "version = version + 1 WHERE id = ?4",
                     &stmt, err);
    if (st == MM_OK) {
        db_bind_int64(stmt, 1, enabled ? 1 : 0);
        cat_bind_text(stmt, 2, after.disabled_reason);
        db_bind_int64(stmt, 3, mm_now_ms());
        db_bind_int64(stmt, 4, before.id);
        st = cat_step_done(cat, stmt, "enabling or disabling the account", err);
    }
    if (st == MM_OK)
        st = cat_audit(cat, enabled ? "enable" : "disable", "account", before.name,
                       cat_account_json(&before), cat_account_json(&after), err);
    return st;
}

mm_status catalog_account_set_enabled(mm_catalog *cat, const char *name, bool enabled,
                                      const char *reason, mm_error *err)
{
    const char *why = mm_present(reason) ? reason : (enabled ? "" : "disabled by an admin");
    mm_status st = val_text("reason", "reason", why, MM_REASON_MAX, true, err);
    if (st == MM_OK)
        st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    return cat_end(cat, set_enabled_row(cat, name, enabled, why, err), err);
}

/* A malloc'ed copy of column col's blob, or *copy = NULL when the column is NULL. */
static mm_status copy_blob_column(db_stmt *stmt, int col, unsigned char **copy, size_t *len,
                                  mm_error *err)
{
    *copy = NULL;
    *len = 0;
    if (db_column_is_null(stmt, col))
        return MM_OK;
    size_t n = 0;
    const void *stored = db_column_blob(stmt, col, &n);
    *copy = malloc(n ? n : 1);
    if (!*copy)
        return cat_out_of_memory(err);
    if (n)
        memcpy(*copy, stored, n);
    *len = n;
    return MM_OK;
}

/* Copies the account's sealed key (malloc'ed) or *blob = NULL when it has none, and in the same
 * statement the vault's check value (*check NULL when none is stored). */
static mm_status read_key_blob(mm_catalog *cat, const char *name, unsigned char **blob, size_t *len,
                               unsigned char **check, size_t *check_len, mm_error *err)
{
    *blob = *check = NULL;
    *len = *check_len = 0;
    db_stmt *stmt;
    mm_status st =
        cat_prepare(cat, "SELECT key_cipher, " CAT_VAULT_CHECK_SQL " FROM accounts WHERE name = ?1",
                    &stmt, err);
    if (st != MM_OK)
        return st;
    cat_bind_text(stmt, 1, name ? name : "");
    int rc = db_step(stmt);
    if (rc == DB_ROW)
        st = copy_blob_column(stmt, 0, blob, len, err);
    else if (rc == DB_DONE)
        st = cat_account_missing(name, err);
    else
        st = cat_db_error(cat, "reading the account's API key", err);
    if (st == MM_OK && *blob)
        st = copy_blob_column(stmt, 1, check, check_len, err);
    db_finalize(stmt);
    return st;
}

mm_status catalog_account_secret(mm_catalog *cat, const char *name, char *out, size_t outsz,
                                 mm_error *err)
{
    if (outsz == 0)
        return mm_error_set(err, MM_E_INTERNAL, "", "no room for the API key");
    out[0] = '\0';
    unsigned char *blob = NULL, *check = NULL;
    size_t len = 0, check_len = 0;
    mm_status st = read_key_blob(cat, name, &blob, &len, &check, &check_len, err);
    const mm_vault *vault = NULL;
    if (st == MM_OK && blob) /* no key: "" */
        st = cat_vault_for_read_checked(cat, check, check_len, &vault, err);
    if (st == MM_OK && blob && vault_open_secret(vault, blob, len, out, outsz, NULL) != MM_OK)
        st = mm_error_set(err, MM_E_SECRET, "api_key",
                          "the API key of account '%s' cannot be decrypted although the master "
                          "key matches this catalog; set the key again by editing the account",
                          name);
    free(blob);
    free(check);
    return st;
}
