/* Ties the vault to a catalog: the key file beside it, the check value in the meta table that
 * detects a wrong master key, and the clear refusals when the key is missing or wrong. */
#include "catalog/catalog_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The key file: MM_KEY_FILE when set, else beside an SQLite catalog (<path>.key). A PostgreSQL
 * catalog has no "beside": every host gives the same key (MM_MASTER_KEY or MM_KEY_FILE), so
 * false when neither applies. */
static bool key_file_path(const mm_catalog *cat, char *out, size_t outsz)
{
    const char *env = getenv("MM_KEY_FILE");
    if (env && env[0]) {
        snprintf(out, outsz, "%s", env);
        return true;
    }
    if (db_kind_of(cat->db) == DB_POSTGRES)
        return false;
    snprintf(out, outsz, "%s.key", cat->path);
    return true;
}

/* No master key: key_path is the key file that should hold it (MM_KEY_FILE, or beside an SQLite
 * catalog), named the same way on both backends; NULL for a PostgreSQL catalog without one. */
static mm_status missing_key(const mm_catalog *cat, const char *key_path, mm_error *err)
{
    if (!key_path)
        return mm_error_set(err, MM_E_SECRET, "master_key",
                            "the catalog %s is shared (PostgreSQL), so its master key is not "
                            "kept beside it: set MM_MASTER_KEY (base64 of 32 bytes) or MM_KEY_FILE "
                            "(a key file) on this host, the same key on every host — nothing was "
                            "changed",
                            db_display(cat->db));
    return mm_error_set(err, MM_E_SECRET, "master_key",
                        "the catalog %s holds encrypted API keys but no master key is available; "
                        "set MM_MASTER_KEY (base64 of 32 bytes) or restore the key file %s — "
                        "nothing was changed",
                        db_display(cat->db), key_path);
}

static mm_status wrong_key(const mm_catalog *cat, mm_error *err)
{
    if (db_kind_of(cat->db) == DB_POSTGRES)
        return mm_error_set(err, MM_E_SECRET, "master_key",
                            "the master key (MM_MASTER_KEY or MM_KEY_FILE) does not match the "
                            "catalog %s; give the key the other hosts use — nothing was changed",
                            db_display(cat->db));
    return mm_error_set(err, MM_E_SECRET, "master_key",
                        "the master key does not match this catalog (MM_MASTER_KEY or %s.key); "
                        "restore the right key — nothing was changed",
                        cat->path);
}

/* The stored check value (malloc'ed copy), or *blob = NULL when none was stored yet. */
static mm_status read_check(mm_catalog *cat, unsigned char **blob, size_t *len, mm_error *err)
{
    *blob = NULL;
    *len = 0;
    db_stmt *stmt;
    mm_status st = cat_prepare(cat, "SELECT value FROM meta WHERE key = '" CAT_VAULT_CHECK_KEY "'",
                               &stmt, err);
    if (st != MM_OK)
        return st;
    int rc = db_step(stmt);
    if (rc == DB_ROW) {
        size_t n = 0;
        const void *stored = db_column_blob(stmt, 0, &n);
        *blob = malloc(n > 0 ? n : 1);
        if (*blob) {
            if (n)
                memcpy(*blob, stored, n);
            *len = n;
        } else {
            st = mm_error_set(err, MM_E_INTERNAL, "", "out of memory reading the catalog");
        }
    } else if (rc != DB_DONE) {
        st = cat_db_error(cat, "reading the vault check value", err);
    }
    db_finalize(stmt);
    return st;
}

static mm_status store_check(mm_catalog *cat, mm_error *err)
{
    unsigned char *blob = NULL;
    size_t len = 0;
    mm_status st = vault_seal_check(cat->vault, &blob, &len, err);
    if (st != MM_OK)
        return st;
    db_stmt *stmt;
    st = cat_prepare(cat, "INSERT INTO meta(key, value) VALUES ('" CAT_VAULT_CHECK_KEY "', ?1)",
                     &stmt, err);
    if (st == MM_OK) {
        db_bind_blob(stmt, 1, blob, len);
        st = cat_step_done(cat, stmt, "storing the vault check value", err);
    }
    free(blob);
    return st;
}

static mm_status catalog_has_secrets(mm_catalog *cat, bool *has, mm_error *err)
{
    int64_t count = 0;
    mm_status st = cat_query_int(cat, "SELECT count(*) FROM accounts WHERE key_cipher IS NOT NULL",
                                 NULL, &count, err);
    *has = count > 0;
    return st;
}

/* Loads (and caches) the master key; creates the key file when allowed and none exists, and
 * replaces an empty or partial one (a crash while creating it) when no secret needs it. */
static mm_status load_key(mm_catalog *cat, bool may_create, mm_error *err)
{
    if (cat->vault)
        return MM_OK;
    char path[MM_PATH_MAX + 8];
    if (!key_file_path(cat, path, sizeof path)) { /* PostgreSQL: MM_MASTER_KEY or nothing */
        mm_status st = vault_load("", &cat->vault, NULL, err);
        return st == MM_OK && !cat->vault ? missing_key(cat, NULL, err) : st;
    }
    bool damaged = false;
    mm_status st = vault_load(path, &cat->vault, &damaged, err);
    if (st == MM_E_SECRET && damaged && may_create) {
        st = vault_create_key_file(path, true, &cat->vault, err);
        if (st == MM_OK)
            snprintf(cat->note, sizeof cat->note,
                     "the key file %s was empty or incomplete (a session ended while creating "
                     "it) and no secret needed it, so it was replaced with a new key",
                     path);
        return st;
    }
    if (st != MM_OK || cat->vault)
        return st;
    if (!may_create)
        return missing_key(cat, path, err);
    return vault_create_key_file(path, false, &cat->vault, err);
}

/* The stored check value (malloc'ed, NULL when none) and, when there is none, whether any
 * account already has a secret. */
static mm_status read_state(mm_catalog *cat, unsigned char **check, size_t *check_len,
                            bool *has_secrets, mm_error *err)
{
    *has_secrets = false;
    mm_status st = read_check(cat, check, check_len, err);
    if (st == MM_OK && !*check)
        st = catalog_has_secrets(cat, has_secrets, err);
    return st;
}

/* Loads the key and checks it against the stored check value (check NULL: none stored, and
 * has_secrets tells whether an account has a secret); when writing and no check value exists
 * yet (first secret), stores one in the caller's transaction. */
static mm_status vault_verify(mm_catalog *cat, bool writing, const unsigned char *check,
                              size_t check_len, bool has_secrets, const mm_vault **out,
                              mm_error *err)
{
    mm_status st = load_key(cat, writing && !check && !has_secrets, err);
    if (st == MM_OK && check && !vault_matches_check(cat->vault, check, check_len)) {
        vault_free(cat->vault);
        cat->vault = NULL;
        st = wrong_key(cat, err);
    }
    if (st == MM_OK && !check && writing)
        st = store_check(cat, err);
    if (st == MM_OK)
        *out = cat->vault;
    return st;
}

static mm_status vault_ready(mm_catalog *cat, bool writing, const mm_vault **out, mm_error *err)
{
    unsigned char *check = NULL;
    size_t check_len = 0;
    bool has_secrets = false;
    mm_status st = read_state(cat, &check, &check_len, &has_secrets, err);
    if (st == MM_OK)
        st = vault_verify(cat, writing, check, check_len, has_secrets, out, err);
    free(check);
    return st;
}

mm_status cat_vault_for_read_checked(mm_catalog *cat, const unsigned char *check, size_t check_len,
                                     const mm_vault **vault, mm_error *err)
{
    return vault_verify(cat, false, check, check_len, false, vault, err); /* reading: no create */
}

mm_status cat_vault_for_write(mm_catalog *cat, const mm_vault **vault, mm_error *err)
{
    return vault_ready(cat, true, vault, err);
}

mm_status cat_vault_for_read(mm_catalog *cat, const mm_vault **vault, mm_error *err)
{
    return vault_ready(cat, false, vault, err);
}

mm_status catalog_vault_check(mm_catalog *cat, mm_error *err)
{
    unsigned char *check = NULL;
    size_t check_len = 0;
    bool has_secrets = false;
    mm_status st = read_state(cat, &check, &check_len, &has_secrets, err);
    bool had_check = check != NULL;
    free(check);
    if (st != MM_OK || (!had_check && !has_secrets))
        return st;
    const mm_vault *vault = NULL;
    return cat_vault_for_read(cat, &vault, err);
}

static mm_status different_key(const mm_catalog *to, const char *whose, mm_error *err)
{
    return mm_error_set(err, MM_E_SECRET, "master_key",
                        "%s %s is sealed with a different master key than the source's, so the "
                        "copied API keys could not be read there; give both the same key "
                        "(MM_MASTER_KEY or MM_KEY_FILE) — nothing was copied",
                        whose, db_display(to->db));
}

mm_status cat_vault_copy_check(mm_catalog *from, mm_catalog *to, char *note, size_t notesz,
                               mm_error *err)
{
    note[0] = '\0';
    unsigned char *source = NULL, *target = NULL;
    size_t source_len = 0, target_len = 0;
    bool has_secrets = false;
    mm_status st = read_state(from, &source, &source_len, &has_secrets, err);
    if (st == MM_OK && (source || has_secrets))
        st = catalog_vault_check(from, err); /* the source's key is here and right */
    if (st == MM_OK && source)
        st = read_check(to, &target, &target_len, err);
    if (st == MM_OK && target && !vault_matches_check(from->vault, target, target_len))
        st = different_key(to, "the destination's vault in", err);
    if (st == MM_OK && source) {
        mm_error missing = {0};
        if (load_key(to, false, &missing) != MM_OK)
            snprintf(note, notesz,
                     "the copied API keys need the source's master key wherever %s is used: set "
                     "MM_MASTER_KEY or MM_KEY_FILE%s",
                     db_display(to->db),
                     db_kind_of(to->db) == DB_SQLITE ? ", or copy the key file beside it (.key)"
                                                     : " on every host");
        else if (!vault_matches_check(to->vault, source, source_len))
            st = different_key(to, "this host's master key for", err);
    }
    free(source);
    free(target);
    return st;
}
