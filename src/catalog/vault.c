/* The vault: loads or creates the master key (guarded sodium memory, wiped on free) and seals
 * and opens API keys with crypto_secretbox_easy, a fresh random nonce per secret. */
#include "catalog/vault.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/disk.h"

#define KEY_FILE_MAX 256
#define CHECK_PLAINTEXT "mmadmin vault check v1"

struct mm_vault {
    unsigned char *key; /* crypto_secretbox_KEYBYTES, sodium_malloc'ed, read-only */
    char source[4096];
};

mm_status vault_init(mm_error *err)
{
    if (sodium_init() < 0)
        return mm_error_set(err, MM_E_INTERNAL, "", "libsodium could not be initialized");
    return MM_OK;
}

/* Once a master key is in memory any API key may be decrypted: no core file, no ptrace or
 * /proc/PID/mem by other processes of the same user. */
static void harden_process(void)
{
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
}

static mm_status vault_new(const char *source, mm_vault **out, mm_error *err)
{
    harden_process();
    mm_vault *vault = calloc(1, sizeof *vault);
    if (vault)
        vault->key = sodium_malloc(crypto_secretbox_KEYBYTES);
    if (!vault || !vault->key) {
        free(vault);
        return mm_error_set(err, MM_E_INTERNAL, "", "out of memory for the master key");
    }
    snprintf(vault->source, sizeof vault->source, "%s", source);
    *out = vault;
    return MM_OK;
}

void vault_free(mm_vault *vault)
{
    if (!vault)
        return;
    sodium_free(vault->key); /* wipes the key */
    free(vault);
}

void vault_derive_subkey(const mm_vault *vault, const char context[8], uint64_t id,
                         unsigned char out[MM_VAULT_SUBKEY_BYTES])
{
    _Static_assert(crypto_kdf_KEYBYTES == crypto_secretbox_KEYBYTES, "one key for both");
    crypto_kdf_derive_from_key(out, MM_VAULT_SUBKEY_BYTES, id, context, vault->key);
}

const char *vault_source(const mm_vault *vault)
{
    return vault->source;
}

/* Decodes base64 text into a new vault; MM_E_SECRET naming the source if it is not 32 bytes. */
static mm_status vault_from_base64(const char *b64, size_t len, const char *source,
                                   const char *how_to_fix, mm_vault **out, mm_error *err)
{
    mm_vault *vault = NULL;
    mm_status st = vault_new(source, &vault, err);
    if (st != MM_OK)
        return st;
    size_t bin_len = 0;
    int rc = sodium_base642bin(vault->key, crypto_secretbox_KEYBYTES, b64, len, " \t\r\n", &bin_len,
                               NULL, sodium_base64_VARIANT_ORIGINAL);
    if (rc != 0 || bin_len != crypto_secretbox_KEYBYTES) {
        vault_free(vault);
        return mm_error_set(err, MM_E_SECRET, "master_key",
                            "the master key in %s is not valid: it must be the base64 of 32 "
                            "bytes (e.g. from `head -c32 /dev/urandom | base64`); %s",
                            source, how_to_fix);
    }
    sodium_mprotect_readonly(vault->key);
    *out = vault;
    return MM_OK;
}

/* ssh's rule for private keys: a regular file of ours, not a symlink, no group/other bits. */
static mm_status check_key_file(int fd, const char *key_path, mm_error *err)
{
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        return mm_error_set(err, MM_E_SECRET, "master_key",
                            "the key file %s is not a regular file; remove it and restore the "
                            "key file, or set MM_MASTER_KEY",
                            key_path);
    if (sb.st_mode & 077)
        return mm_error_set(err, MM_E_SECRET, "master_key",
                            "the key file %s can be read or written by others (mode %04o), so "
                            "it is refused; fix it with: chmod 600 %s",
                            key_path, (unsigned)(sb.st_mode & 07777), key_path);
    return MM_OK;
}

static mm_status open_key_file(const char *key_path, int *fd, mm_error *err)
{
    *fd = open(key_path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (*fd >= 0)
        return MM_OK;
    if (errno == ENOENT)
        return MM_OK; /* no key file */
    if (errno == ELOOP)
        return mm_error_set(err, MM_E_SECRET, "master_key",
                            "the key file %s is a symbolic link, so it is refused (a link can "
                            "be pointed elsewhere); replace it with the file itself: "
                            "cp --remove-destination \"$(readlink -f %s)\" %s",
                            key_path, key_path, key_path);
    return mm_error_set(err, MM_E_SECRET, "master_key",
                        "the key file %s cannot be read (%s); make it readable by you or set "
                        "MM_MASTER_KEY",
                        key_path, strerror(errno));
}

static mm_status vault_read_key_file(const char *key_path, mm_vault **out, bool *damaged,
                                     mm_error *err)
{
    int fd = -1;
    mm_status st = open_key_file(key_path, &fd, err);
    if (st != MM_OK || fd < 0)
        return st;
    st = check_key_file(fd, key_path, err);
    if (st != MM_OK) {
        close(fd);
        return st;
    }
    char text[KEY_FILE_MAX];
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    if (n < 0)
        n = 0;
    text[n] = '\0';
    st = vault_from_base64(text, (size_t)n, key_path,
                           "restore the right key file or set MM_MASTER_KEY", out, err);
    sodium_memzero(text, sizeof text);
    if (damaged)
        *damaged = st == MM_E_SECRET;
    return st;
}

mm_status vault_load(const char *key_path, mm_vault **out, bool *damaged, mm_error *err)
{
    *out = NULL;
    if (damaged)
        *damaged = false;
    mm_status st = vault_init(err);
    if (st != MM_OK)
        return st;
    const char *env = getenv(MM_MASTER_KEY_ENV);
    if (env && *env)
        return vault_from_base64(env, strlen(env), MM_MASTER_KEY_ENV, "fix or unset MM_MASTER_KEY",
                                 out, err);
    return vault_read_key_file(key_path, out, damaged, err);
}

static mm_status write_all(int fd, const char *text, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, text, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return MM_E_IO;
        }
        text += n;
        len -= (size_t)n;
    }
    return MM_OK;
}

/* The folder holding path, synced so a rename or link into it survives a crash. */
static void sync_parent_folder(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

static mm_status key_file_write_error(const char *key_path, int error, mm_error *err)
{
    if (error == ENOSPC || error == EDQUOT)
        return mm_disk_full_error(key_path, err);
    return mm_error_set(err, MM_E_IO, "master_key",
                        "the key file %s cannot be written (%s); make its folder writable or set "
                        "MM_MASTER_KEY — nothing was changed",
                        key_path, strerror(error));
}

/* Writes text to a new temporary file beside key_path (0600), syncs it, then puts it in place:
 * link (never over an existing file) or, when replacing, rename. */
static mm_status write_key_file(const char *key_path, const char *text, size_t len, bool replace,
                                mm_error *err)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", key_path);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return key_file_write_error(key_path, errno, err);
    int error = 0;
    if (fchmod(fd, 0600) != 0 || write_all(fd, text, len) != MM_OK || fsync(fd) != 0)
        error = errno;
    if (close(fd) != 0 && !error)
        error = errno;
    if (!error && (replace ? rename(tmp, key_path) : link(tmp, key_path)) != 0)
        error = errno;
    unlink(tmp); /* after link, or on failure; gone already after rename */
    if (error == EEXIST)
        return mm_error_set(err, MM_E_SECRET, "master_key",
                            "the key file %s appeared while this session created one; run the "
                            "command again",
                            key_path);
    if (error)
        return key_file_write_error(key_path, error, err);
    sync_parent_folder(key_path);
    return MM_OK;
}

mm_status vault_create_key_file(const char *key_path, bool replace, mm_vault **out, mm_error *err)
{
    *out = NULL;
    mm_status st = vault_init(err);
    if (st != MM_OK)
        return st;
    unsigned char key[crypto_secretbox_KEYBYTES];
    char text[sodium_base64_ENCODED_LEN(crypto_secretbox_KEYBYTES, sodium_base64_VARIANT_ORIGINAL) +
              1];
    crypto_secretbox_keygen(key);
    sodium_bin2base64(text, sizeof text - 1, key, sizeof key, sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(key, sizeof key);
    size_t len = strlen(text);
    text[len++] = '\n';
    text[len] = '\0';
    st = write_key_file(key_path, text, len, replace, err);
    if (st == MM_OK)
        st = vault_from_base64(text, len, key_path, "remove it and try again", out, err);
    sodium_memzero(text, sizeof text);
    return st;
}

mm_status vault_seal(const mm_vault *vault, const void *plain, size_t len, unsigned char **blob,
                     size_t *bloblen, mm_error *err)
{
    size_t total = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len;
    unsigned char *out = malloc(total);
    if (!out)
        return mm_error_set(err, MM_E_INTERNAL, "", "out of memory while encrypting a secret");
    randombytes_buf(out, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES, plain, len, out, vault->key);
    *blob = out;
    *bloblen = total;
    return MM_OK;
}

mm_status vault_open_secret(const mm_vault *vault, const unsigned char *blob, size_t bloblen,
                            char *out, size_t outsz, mm_error *err)
{
    const size_t overhead = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES;
    if (!blob || bloblen < overhead || bloblen - overhead >= outsz)
        return mm_error_set(err, MM_E_SECRET, "api_key",
                            "a stored secret is damaged (wrong size); set the API key again");
    size_t len = bloblen - overhead;
    if (crypto_secretbox_open_easy((unsigned char *)out, blob + crypto_secretbox_NONCEBYTES,
                                   bloblen - crypto_secretbox_NONCEBYTES, blob, vault->key) != 0) {
        sodium_memzero(out, outsz);
        return mm_error_set(err, MM_E_SECRET, "api_key",
                            "a stored secret does not decrypt with the master key from %s; "
                            "restore the right key or set the API key again",
                            vault->source);
    }
    out[len] = '\0';
    return MM_OK;
}

mm_status vault_seal_check(const mm_vault *vault, unsigned char **blob, size_t *bloblen,
                           mm_error *err)
{
    return vault_seal(vault, CHECK_PLAINTEXT, strlen(CHECK_PLAINTEXT), blob, bloblen, err);
}

bool vault_matches_check(const mm_vault *vault, const unsigned char *blob, size_t bloblen)
{
    char plain[64];
    if (vault_open_secret(vault, blob, bloblen, plain, sizeof plain, NULL) != MM_OK)
        return false;
    return strcmp(plain, CHECK_PLAINTEXT) == 0;
}
