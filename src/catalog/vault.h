/* The vault: the master key (MM_MASTER_KEY or a 0600 key file beside the catalog), held in
 * guarded memory, and sealing / opening secrets with libsodium secretbox (nonce || ciphertext). */
#ifndef MM_VAULT_H
#define MM_VAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define MM_MASTER_KEY_ENV "MM_MASTER_KEY"

typedef struct mm_vault mm_vault;

/* Initializes libsodium (idempotent, safe to call often). */
mm_status vault_init(mm_error *err);
/* Loads the master key from $MM_MASTER_KEY (base64 of 32 bytes), else from key_path if that
 * file exists. *out is NULL (and MM_OK returned) when neither is there. A malformed key is
 * MM_E_SECRET; *damaged (may be NULL) is then true when it is the key file's content (empty or
 * partial, as a crash while creating it leaves it). The key file is opened with O_NOFOLLOW and
 * refused (MM_E_SECRET, with the fix) when it is a symlink, not a regular file, or has any
 * group/other permission bit (like ssh with private keys). */
mm_status vault_load(const char *key_path, mm_vault **out, bool *damaged, mm_error *err);
/* Writes a new random key in base64 to a temporary 0600 file beside key_path, fsyncs it and
 * links it into place (key_path must not exist), or renames it over key_path when replace;
 * then loads it. A full disk is MM_E_IO saying so; nothing is left behind on failure. */
mm_status vault_create_key_file(const char *key_path, bool replace, mm_vault **out, mm_error *err);
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
/* Derives a 32-byte subkey of the master key for one purpose (crypto_kdf_derive_from_key with
 * an 8-character context such as "mmwskey1"); the master key itself never leaves the vault. */
#define MM_VAULT_SUBKEY_BYTES 32
void vault_derive_subkey(const mm_vault *vault, const char context[8], uint64_t id,
                         unsigned char out[MM_VAULT_SUBKEY_BYTES]);
/* Seals the fixed check value stored in the catalog's meta table. */
mm_status vault_seal_check(const mm_vault *vault, unsigned char **blob, size_t *bloblen,
                           mm_error *err);
/* True when blob is the check value sealed with this vault's key. */
bool vault_matches_check(const mm_vault *vault, const unsigned char *blob, size_t bloblen);

#endif
