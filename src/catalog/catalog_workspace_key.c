/* Workspace API keys in the catalog: creation (random, shown once, stored as a keyed hash),
 * listing, revocation (audited), the live-key table for servers and batched last-use times. */
#include "catalog/workspace_key.h"

#include <sodium.h>
#include <string.h>

#include "catalog/catalog_internal.h"
#include "util/clock.h"

#define KEY_RANDOM_BYTES 32
#define SUBKEY_CONTEXT "mmwskey1"
#define SUBKEY_ID 1

#define KEY_SELECT                                                                                 \
    "SELECT k.id, w.name, k.hint, k.created_ms, k.last_used_ms, k.expires_ms, k.revoked_ms, "      \
    "k.key_hash FROM workspace_keys k JOIN workspaces w ON w.id = k.workspace_id "

mm_status catalog_workspace_key_secret(mm_catalog *cat,
                                       unsigned char out[MM_WORKSPACE_KEY_SECRET_BYTES],
                                       mm_error *err)
{
    const mm_vault *vault = NULL;
    mm_status st = cat_vault_for_read(cat, &vault, err);
    if (st == MM_OK)
        vault_derive_subkey(vault, SUBKEY_CONTEXT, SUBKEY_ID, out);
    return st;
}

void workspace_key_hash(const unsigned char secret[MM_WORKSPACE_KEY_SECRET_BYTES], const char *key,
                        unsigned char out[MM_WORKSPACE_KEY_HASH_BYTES])
{
    crypto_generichash(out, MM_WORKSPACE_KEY_HASH_BYTES, (const unsigned char *)key, strlen(key),
                       secret, MM_WORKSPACE_KEY_SECRET_BYTES);
}

static void new_key_text(char *out, size_t outsz)
{
    unsigned char raw[KEY_RANDOM_BYTES];
    randombytes_buf(raw, sizeof raw);
    size_t prefix = strlen(MM_WORKSPACE_KEY_PREFIX);
    memcpy(out, MM_WORKSPACE_KEY_PREFIX, prefix);
    sodium_bin2base64(out + prefix, outsz - prefix, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

static json_t *key_json(const mm_workspace_key *key)
{
    json_t *obj = json_object();
    json_object_set_new(obj, "id", json_integer(key->id));
    json_object_set_new(obj, "workspace", json_string(key->workspace));
    json_object_set_new(obj, "hint", json_string(key->hint));
    json_object_set_new(obj, "expires_ms", json_integer(key->expires_ms));
    json_object_set_new(obj, "revoked_ms", json_integer(key->revoked_ms));
    return obj;
}

static mm_status insert_key(mm_catalog *cat, int64_t workspace_id, const unsigned char *hash,
                            mm_workspace_key *key, mm_error *err)
{
    db_stmt *stmt;
    mm_status st = cat_prepare(cat,
                               "INSERT INTO workspace_keys(workspace_id, key_hash, hint, "
                               "created_ms, expires_ms) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
                               &stmt, err);
    if (st != MM_OK)
        return st;
    db_bind_int64(stmt, 1, workspace_id);
    db_bind_blob(stmt, 2, hash, MM_WORKSPACE_KEY_HASH_BYTES);
    cat_bind_text(stmt, 3, key->hint);
    db_bind_int64(stmt, 4, key->created_ms);
    db_bind_int64(stmt, 5, key->expires_ms);
    st = cat_step_insert(cat, stmt, "adding the workspace key", &key->id, err);
    if (st == MM_OK) {
        char name[160];
        snprintf(name, sizeof name, "%s key %lld", key->workspace, (long long)key->id);
        st = cat_audit(cat, "create", "workspace_key", name, NULL, key_json(key), err);
    }
    return st;
}

static mm_status add_locked(mm_catalog *cat, mm_workspace_key *key, const char *key_text,
                            mm_error *err)
{
    int64_t workspace_id = 0;
    const mm_vault *vault = NULL;
    mm_status st = cat_workspace_id(cat, key->workspace, &workspace_id, err);
    if (st == MM_OK)
        st = cat_vault_for_write(cat, &vault, err);
    if (st != MM_OK)
        return st;
    unsigned char secret[MM_WORKSPACE_KEY_SECRET_BYTES], hash[MM_WORKSPACE_KEY_HASH_BYTES];
    vault_derive_subkey(vault, SUBKEY_CONTEXT, SUBKEY_ID, secret);
    workspace_key_hash(secret, key_text, hash);
    sodium_memzero(secret, sizeof secret);
    return insert_key(cat, workspace_id, hash, key, err);
}

mm_status catalog_workspace_key_add(mm_catalog *cat, const char *workspace, int64_t expires_ms,
                                    char *key_out, size_t keysz, mm_workspace_key *out,
                                    mm_error *err)
{
    if (keysz < MM_WORKSPACE_KEY_MAX)
        return mm_error_set(err, MM_E_INTERNAL, "", "the key buffer is too small");
    mm_workspace_key key;
    memset(&key, 0, sizeof key);
    mm_status st = catalog_validate_name("workspace", workspace, err);
    if (st != MM_OK)
        return st;
    snprintf(key.workspace, sizeof key.workspace, "%s", workspace);
    key.created_ms = mm_now_ms();
    if (expires_ms != 0 && expires_ms <= key.created_ms)
        return mm_error_set(err, MM_E_INVALID, "expires", "the expiry must be in the future");
    key.expires_ms = expires_ms;
    new_key_text(key_out, keysz);
    catalog_key_hint(key_out, key.hint, sizeof key.hint);
    st = cat_begin(cat, err);
    if (st == MM_OK)
        st = cat_end(cat, add_locked(cat, &key, key_out, err), err);
    if (st != MM_OK)
        sodium_memzero(key_out, keysz);
    else if (out)
        *out = key;
    return st;
}

static void read_key_row(db_stmt *stmt, void *item)
{
    mm_workspace_key *key = item;
    memset(key, 0, sizeof *key);
    key->id = db_column_int64(stmt, 0);
    cat_column_copy(stmt, 1, key->workspace, sizeof key->workspace);
    cat_column_copy(stmt, 2, key->hint, sizeof key->hint);
    key->created_ms = db_column_int64(stmt, 3);
    key->last_used_ms = db_column_int64(stmt, 4);
    key->expires_ms = db_column_int64(stmt, 5);
    key->revoked_ms = db_column_int64(stmt, 6);
}

static void bind_workspace(db_stmt *stmt, const void *ctx)
{
    cat_bind_text(stmt, 1, ctx);
}

mm_status catalog_workspace_key_list(mm_catalog *cat, const char *workspace,
                                     mm_workspace_key_list *out, mm_error *err)
{
    if (workspace) {
        int64_t id = 0;
        mm_status st = cat_workspace_id(cat, workspace, &id, err);
        if (st != MM_OK)
            return st;
    }
    return cat_collect_rows(
        cat, workspace ? KEY_SELECT "WHERE w.name = ?1 ORDER BY k.id" : KEY_SELECT "ORDER BY k.id",
        workspace ? bind_workspace : NULL, workspace, read_key_row, sizeof(mm_workspace_key),
        (void **)&out->items, &out->count, "listing workspace keys", err);
}

void mm_workspace_key_list_free(mm_workspace_key_list *list)
{
    if (list)
        cat_free_rows((void **)&list->items, &list->count);
}

static void bind_id(db_stmt *stmt, const void *ctx)
{
    db_bind_int64(stmt, 1, *(const int64_t *)ctx);
}

static mm_status revoke_locked(mm_catalog *cat, int64_t id, mm_error *err)
{
    mm_workspace_key key;
    bool found = false;
    mm_status st = cat_read_row(cat, KEY_SELECT "WHERE k.id = ?1", bind_id, &id, read_key_row, &key,
                                &found, "reading a workspace key", err);
    if (st != MM_OK)
        return st;
    if (!found)
        return mm_error_set(err, MM_E_NOT_FOUND, "key",
                            "there is no workspace key %lld; see 'mmadmin workspace key list'",
                            (long long)id);
    if (key.revoked_ms != 0)
        return mm_error_set(err, MM_E_INVALID, "key", "workspace key %lld is already revoked",
                            (long long)id);
    json_t *before = key_json(&key);
    key.revoked_ms = mm_now_ms();
    db_stmt *stmt;
    st = cat_prepare(cat, "UPDATE workspace_keys SET revoked_ms = ?2 WHERE id = ?1", &stmt, err);
    if (st == MM_OK) {
        db_bind_int64(stmt, 1, id);
        db_bind_int64(stmt, 2, key.revoked_ms);
        st = cat_step_done(cat, stmt, "revoking the workspace key", err);
    }
    if (st != MM_OK) {
        json_decref(before);
        return st;
    }
    char name[160];
    snprintf(name, sizeof name, "%s key %lld", key.workspace, (long long)id);
    return cat_audit(cat, "revoke", "workspace_key", name, before, key_json(&key), err);
}

mm_status catalog_workspace_key_revoke(mm_catalog *cat, int64_t id, mm_error *err)
{
    mm_status st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    return cat_end(cat, revoke_locked(cat, id, err), err);
}

mm_status catalog_workspace_key_live(mm_catalog *cat, int64_t now_ms, mm_workspace_key_fn fn,
                                     void *ctx, mm_error *err)
{
    db_stmt *stmt;
    mm_status st = cat_prepare(
        cat, KEY_SELECT "WHERE k.revoked_ms = 0 AND (k.expires_ms = 0 OR k.expires_ms > ?1)", &stmt,
        err);
    if (st != MM_OK)
        return st;
    db_bind_int64(stmt, 1, now_ms);
    int rc;
    while ((rc = db_step(stmt)) == DB_ROW) {
        mm_workspace_key key;
        read_key_row(stmt, &key);
        size_t hash_len = 0;
        const void *hash = db_column_blob(stmt, 7, &hash_len);
        if (hash_len == MM_WORKSPACE_KEY_HASH_BYTES)
            fn(&key, hash, ctx);
    }
    if (rc != DB_DONE)
        st = cat_db_error(cat, "reading the workspace keys", err);
    db_finalize(stmt);
    return st;
}

static mm_status touch_locked(mm_catalog *cat, const int64_t *ids, const int64_t *used_ms,
                              size_t count, mm_error *err)
{
    db_stmt *stmt;
    mm_status st =
        cat_prepare(cat,
                    "UPDATE workspace_keys SET last_used_ms = CASE WHEN last_used_ms > ?2 "
                    "THEN last_used_ms ELSE ?2 END "
                    "WHERE id = ?1",
                    &stmt, err);
    for (size_t i = 0; st == MM_OK && i < count; i++) {
        db_bind_int64(stmt, 1, ids[i]);
        db_bind_int64(stmt, 2, used_ms[i]);
        if (db_step(stmt) != DB_DONE)
            st = cat_db_error(cat, "recording when workspace keys were used", err);
        db_reset(stmt);
    }
    if (stmt)
        db_finalize(stmt);
    return st;
}

mm_status catalog_workspace_key_touch(mm_catalog *cat, const int64_t *ids, const int64_t *used_ms,
                                      size_t count, mm_error *err)
{
    if (count == 0)
        return MM_OK;
    mm_status st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    return cat_end(cat, touch_locked(cat, ids, used_ms, count, err), err);
}
