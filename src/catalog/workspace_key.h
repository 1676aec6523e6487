/* Workspace API keys: the bearer keys pipelines send to `mmadmin serve`. A key is shown once;
 * the catalog keeps only its keyed BLAKE2b hash (keyed by a subkey of the master key). */
#ifndef MM_WORKSPACE_KEY_H
#define MM_WORKSPACE_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"

#define MM_WORKSPACE_KEY_PREFIX "mmk-"
#define MM_WORKSPACE_KEY_MAX 64          /* "mmk-" + 43 base64url characters + NUL fits */
#define MM_WORKSPACE_KEY_HASH_BYTES 32   /* crypto_generichash output */
#define MM_WORKSPACE_KEY_SECRET_BYTES 32 /* the hashing key (a master-key subkey) */

typedef struct mm_workspace_key {
    int64_t id;
    char workspace[MM_NAME_MAX];
    char hint[MM_HINT_MAX]; /* "mmk…wxyz" */
    int64_t created_ms;
    int64_t last_used_ms; /* 0: never used */
    int64_t expires_ms;   /* 0: never expires */
    int64_t revoked_ms;   /* 0: live */
} mm_workspace_key;

typedef struct mm_workspace_key_list {
    mm_workspace_key *items;
    size_t count;
} mm_workspace_key_list;

/* Creates a key for the workspace (expires_ms 0 = never; else a time in the future) and writes
 * it, NUL-terminated, to key_out (keysz >= MM_WORKSPACE_KEY_MAX): the only time it is seen.
 * Audited ("create", "workspace_key"). MM_E_NOT_FOUND for an unknown workspace, MM_E_SECRET when
 * the master key is wrong. */
mm_status catalog_workspace_key_add(mm_catalog *cat, const char *workspace, int64_t expires_ms,
                                    char *key_out, size_t keysz, mm_workspace_key *out,
                                    mm_error *err);
/* Keys of one workspace (NULL: all), by id; revoked ones included. */
mm_status catalog_workspace_key_list(mm_catalog *cat, const char *workspace,
                                     mm_workspace_key_list *out, mm_error *err);
void mm_workspace_key_list_free(mm_workspace_key_list *list);
/* Revokes key id (audited); MM_E_NOT_FOUND when there is none, MM_E_INVALID when already revoked.
 */
mm_status catalog_workspace_key_revoke(mm_catalog *cat, int64_t id, mm_error *err);

/* The hashing key (derived from the master key; MM_E_SECRET without it). */
mm_status catalog_workspace_key_secret(mm_catalog *cat,
                                       unsigned char out[MM_WORKSPACE_KEY_SECRET_BYTES],
                                       mm_error *err);
/* The stored hash of a presented key. */
void workspace_key_hash(const unsigned char secret[MM_WORKSPACE_KEY_SECRET_BYTES], const char *key,
                        unsigned char out[MM_WORKSPACE_KEY_HASH_BYTES]);

/* Every key live at now_ms (not revoked, not expired), with its hash, for a server's table. */
typedef void (*mm_workspace_key_fn)(const mm_workspace_key *key,
                                    const unsigned char hash[MM_WORKSPACE_KEY_HASH_BYTES],
                                    void *ctx);
mm_status catalog_workspace_key_live(mm_catalog *cat, int64_t now_ms, mm_workspace_key_fn fn,
                                     void *ctx, mm_error *err);
/* Records last use of many keys in one transaction (not audited: a use is not a change). */
mm_status catalog_workspace_key_touch(mm_catalog *cat, const int64_t *ids, const int64_t *used_ms,
                                      size_t count, mm_error *err);

#endif
