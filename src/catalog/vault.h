/* The vault: the master key (MM_MASTER_KEY or a 0600 key file beside the catalog), held in
 * guarded memory, and sealing / opening secrets with libsodium secretbox (nonce || ciphertext). */
#ifndef MM_VAULT_H
#define MM_VAULT_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define MM_MASTER_KEY_ENV "MM_MASTER_KEY"

typedef struct mm_vault mm_vault;

/* Initializes libsodium (idempotent, safe to call often). */
mm_status vault_init(mm_error *err);
/* Loads the master key from $MM_MASTER_KEY (base64 of 32 bytes), else from key_path if that
 * file exists. *out is NULL (and MM_OK returned) when neither is there. A malformed key is
 * MM_E_SECRET. */
mm_status vault_load(const char *key_path, mm_vault **out, mm_error *err);
/* Creates key_path (0600, must not exist) holding a new random key in base64, and loads it. */
mm_status vault_create_key_file(const char *key_path, mm_vault **out, mm_error *err);
void vault_free(mm_vault *vault);
/* Where the key came from: "MM_MASTER_KEY" or the key file's path. */
const char *vault_source(const mm_vault *vault);

/* Encrypts len bytes with a fresh random nonce; *blob (malloc'ed, caller frees) holds
 * nonce || ciphertext. */
mm_status vault_seal(const mm_vault *vault, const void *plain, size_t len, unsigned char **blob,
                     size_t *bloblen, mm_error *err);
/* Decrypts a sealed blob into out as a NUL-terminated string (outsz must exceed the plaintext).
 * MM_E_SECRET when the blob does not open with this key. */
mm_status vault_open_secret(const mm_vault *vault, const unsigned char *blob, size_t bloblen,
                            char *out, size_t outsz, mm_error *err);
/* Seals the fixed check value stored in the catalog's meta table. */
mm_status vault_seal_check(const mm_vault *vault, unsigned char **blob, size_t *bloblen,
                           mm_error *err);
/* True when blob is the check value sealed with this vault's key. */
bool vault_matches_check(const mm_vault *vault, const unsigned char *blob, size_t bloblen);

#endif
