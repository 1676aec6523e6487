/* Unit tests of the vault: the key file created 0600 on the first secret (and not before), the
 * MM_MASTER_KEY alternative, wrong / missing / malformed keys refused with nothing changed, keys
 * never in the catalog's bytes, sealing with fresh nonces, and key hints. */
#include "test_catalog_util.h"

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/vault.h"

static const char *const OTHER_KEY = "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICA="; /* 32 spaces */

/* SQLite: the key file beside the catalog; PostgreSQL: $MM_KEY_FILE (never beside a server). */
static void key_file_path(const catalog_fixture *fx, char *out, size_t outsz)
{
    if (fx->postgres)
        snprintf(out, outsz, "%s/master.key", fx->dir);
    else
        snprintf(out, outsz, "%s.key", fx->path);
}

/* A fixture that uses the key file instead of MM_MASTER_KEY. */
static int key_file_setup(void **state)
{
    catalog_fixture_setup(state);
    unsetenv("MM_MASTER_KEY");
    catalog_fixture *fx = *state;
    if (fx->postgres) {
        char key_path[1100];
        key_file_path(fx, key_path, sizeof key_path);
        setenv("MM_KEY_FILE", key_path, 1);
        catalog_close(fx->cat);
        fx->cat = fixture_open(fx->path);
    }
    return 0;
}

static int key_file_teardown(void **state)
{
    unsetenv("MM_KEY_FILE");
    return catalog_fixture_teardown(state);
}

static void key_file_created_only_with_first_secret(void **state)
{
    catalog_fixture *fx = *state;
    char key_path[1100];
    key_file_path(fx, key_path, sizeof key_path);
    mm_error err = {0};
    mm_account_list list;
    assert_int_equal(catalog_account_list(fx->cat, &list, &err), MM_OK);
    mm_account_list_free(&list);
    add_account(fx->cat, "local", "openai-compatible", NULL); /* no key, no key file */
    assert_int_equal(access(key_path, F_OK), -1);
    assert_int_equal(catalog_vault_check(fx->cat, &err), MM_OK);

    add_account(fx->cat, "prod", "openai", "sk-first-secret-000-abcd");
    struct stat sb;
    assert_int_equal(stat(key_path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    size_t len = 0;
    char *text = testutil_read_file(key_path, &len);
    unsigned char raw[64];
    size_t raw_len = 0;
    assert_int_equal(sodium_base642bin(raw, sizeof raw, text, len, "\n", &raw_len, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(raw_len, 32);
    free(text);

    /* a new session reads the key file and decrypts */
    catalog_close(fx->cat);
    fx->cat = fixture_open(fx->path);
    char secret[MM_API_KEY_MAX];
    assert_int_equal(catalog_account_secret(fx->cat, "prod", secret, sizeof secret, &err), MM_OK);
    assert_string_equal(secret, "sk-first-secret-000-abcd");
    add_account(fx->cat, "second", "gemini", "AIza-second-secret-wxyz");
    assert_int_equal(catalog_account_secret(fx->cat, "second", secret, sizeof secret, &err), MM_OK);
    assert_string_equal(secret, "AIza-second-secret-wxyz");
    assert_int_equal(catalog_account_secret(fx->cat, "local", secret, sizeof secret, &err), MM_OK);
    assert_string_equal(secret, "");
    sodium_memzero(secret, sizeof secret);
}

static void env_key_needs_no_key_file(void **state)
{
    catalog_fixture *fx = *state;
    char key_path[1100];
    key_file_path(fx, key_path, sizeof key_path);
    add_account(fx->cat, "prod", "openai", "sk-env-secret-0000-abcd");
    assert_int_equal(access(key_path, F_OK), -1);
    mm_error err = {0};
    char secret[MM_API_KEY_MAX];
    assert_int_equal(catalog_account_secret(fx->cat, "prod", secret, sizeof secret, &err), MM_OK);
    assert_string_equal(secret, "sk-env-secret-0000-abcd");
    assert_int_equal(catalog_vault_check(fx->cat, &err), MM_OK);
}

static void wrong_master_key_is_refused_and_nothing_changes(void **state)
{
    catalog_fixture *fx = *state;
    add_account(fx->cat, "prod", "openai", "sk-env-secret-0000-abcd");
    catalog_close(fx->cat);
    setenv("MM_MASTER_KEY", OTHER_KEY, 1);
    fx->cat = fixture_open(fx->path); /* opening needs no key */
    mm_error err = {0};
    char expected[2048];
    if (fx->postgres) /* no key file beside a shared catalog */
        snprintf(expected, sizeof expected,
                 "the master key (MM_MASTER_KEY or MM_KEY_FILE) does not match the catalog %s; "
                 "give the key the other hosts use \xe2\x80\x94 nothing was changed",
                 fx->path);
    else
        snprintf(expected, sizeof expected,
                 "the master key does not match this catalog (MM_MASTER_KEY or %s.key); restore "
                 "the right key \xe2\x80\x94 nothing was changed",
                 fx->path);
    assert_int_equal(catalog_vault_check(fx->cat, &err), MM_E_SECRET);
    assert_string_equal(err.message, expected);
    char secret[MM_API_KEY_MAX];
    assert_int_equal(catalog_account_secret(fx->cat, "prod", secret, sizeof secret, &err),
                     MM_E_SECRET);
    assert_string_equal(err.message, expected);
    assert_string_equal(secret, "");
    snapshot before = snapshot_take(fx->path);
    mm_account acc;
    mm_account_init(&acc);
    mm_copy(acc.name, sizeof acc.name, "another");
    mm_copy(acc.provider, sizeof acc.provider, "openai");
    assert_int_equal(catalog_account_insert(fx->cat, &acc, "sk-new-secret-000-wxyz", &err),
                     MM_E_SECRET);
    assert_string_equal(err.message, expected);
    mm_account prod;
    assert_int_equal(catalog_account_get(fx->cat, "prod", &prod, &err), MM_OK);
    prod.rpm = 10;
    assert_int_equal(catalog_account_update(fx->cat, &prod, "sk-rotated-000-wxyz", &err),
                     MM_E_SECRET);
    snapshot_assert_same(fx->path, &before);
    /* everything that needs no secret still works */
    assert_int_equal(catalog_account_update(fx->cat, &prod, NULL, &err), MM_OK);
    add_model(fx->cat, "fast-chat");
}

static void missing_key_is_refused_naming_both_ways(void **state)
{
    catalog_fixture *fx = *state;
    char key_path[1100];
    key_file_path(fx, key_path, sizeof key_path);
    add_account(fx->cat, "prod", "openai", "sk-file-secret-000-abcd");
    assert_int_equal(access(key_path, F_OK), 0);
    catalog_close(fx->cat);
    unlink(key_path);
    fx->cat = fixture_open(fx->path);
    mm_error err = {0};
    char secret[MM_API_KEY_MAX];
    assert_int_equal(catalog_account_secret(fx->cat, "prod", secret, sizeof secret, &err),
                     MM_E_SECRET);
    assert_non_null(strstr(err.message, "MM_MASTER_KEY"));
    assert_non_null(strstr(err.message, key_path)); /* MM_KEY_FILE's file on PostgreSQL */
    assert_non_null(strstr(err.message, "nothing was changed"));
    snapshot before = snapshot_take(fx->path);
    mm_account acc;
    mm_account_init(&acc);
    mm_copy(acc.name, sizeof acc.name, "another");
    mm_copy(acc.provider, sizeof acc.provider, "openai");
    assert_int_equal(catalog_account_insert(fx->cat, &acc, "sk-new-secret-000-wxyz", &err),
                     MM_E_SECRET);
    assert_int_equal(access(key_path, F_OK), -1); /* no new key replaced the lost one */
    snapshot_assert_same(fx->path, &before);
    assert_int_equal(catalog_vault_check(fx->cat, &err), MM_E_SECRET);
    mm_account_list list; /* reading without secrets needs no key */
    assert_int_equal(catalog_account_list(fx->cat, &list, &err), MM_OK);
    assert_int_equal(list.count, 1);
    mm_account_list_free(&list);
}

static void malformed_master_key_is_refused(void **state)
{
    catalog_fixture *fx = *state;
    const char *bad[] = {"not base64!", "AQID", "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAh"};
    for (size_t i = 0; i < 3; i++) {
        setenv("MM_MASTER_KEY", bad[i], 1);
        snapshot before = snapshot_take(fx->path);
        mm_account acc;
        mm_account_init(&acc);
        mm_copy(acc.name, sizeof acc.name, "prod");
        mm_copy(acc.provider, sizeof acc.provider, "openai");
        mm_error err = {0};
        assert_int_equal(catalog_account_insert(fx->cat, &acc, "sk-secret-0000-abcd", &err),
                         MM_E_SECRET);
        assert_non_null(strstr(err.message, "base64 of 32 bytes"));
        snapshot_assert_same(fx->path, &before);
    }
}

static void keys_never_reach_the_file(void **state)
{
    catalog_fixture *fx = *state;
    const char *keys[] = {"sk-proj-UNIQUEKEYNUMBERONE-1111", "sk-ant-UNIQUEKEYNUMBERTWO-2222",
                          "UNIQUEKEYNUMBERTHREE-3333"};
    add_account(fx->cat, "one", "openai", keys[0]);
    add_account(fx->cat, "two", "anthropic", keys[1]);
    mm_account acc;
    mm_error err = {0};
    assert_int_equal(catalog_account_get(fx->cat, "one", &acc, &err), MM_OK);
    assert_int_equal(catalog_account_update(fx->cat, &acc, keys[2], &err), MM_OK);
    assert_int_equal(catalog_account_delete(fx->cat, "two", &err), MM_OK);
    char wal[1100];
    snprintf(wal, sizeof wal, "%s-wal", fx->path);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < 3; i++) {
            assert_false(catalog_contains(fx->path, keys[i], strlen(keys[i])));
            assert_false(catalog_contains(fx->path, "UNIQUEKEY", 9));
            if (fx->postgres)
                continue;
            assert_false(file_contains(fx->path, keys[i], strlen(keys[i])));
            assert_false(file_contains(wal, keys[i], strlen(keys[i])));
            assert_false(file_contains(fx->path, "UNIQUEKEY", 9));
            assert_false(file_contains(wal, "UNIQUEKEY", 9));
        }
        catalog_close(fx->cat); /* checkpoint into the main file, then look again */
        fx->cat = fixture_open(fx->path);
    }
}

static void seal_uses_fresh_nonces_and_detects_tampering(void **state)
{
    (void)state;
    testutil_set_master_key();
    mm_vault *vault = NULL;
    mm_error err = {0};
    assert_int_equal(vault_load("/nonexistent/key", &vault, NULL, &err), MM_OK);
    assert_non_null(vault);
    assert_string_equal(vault_source(vault), "MM_MASTER_KEY");
    unsigned char *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    assert_int_equal(vault_seal(vault, "same", 4, &a, &alen, &err), MM_OK);
    assert_int_equal(vault_seal(vault, "same", 4, &b, &blen, &err), MM_OK);
    assert_int_equal(alen, blen);
    assert_memory_not_equal(a, b, alen);
    char out[64];
    assert_int_equal(vault_open_secret(vault, a, alen, out, sizeof out, &err), MM_OK);
    assert_string_equal(out, "same");
    a[alen - 1] ^= 1;
    assert_int_equal(vault_open_secret(vault, a, alen, out, sizeof out, &err), MM_E_SECRET);
    assert_int_equal(vault_open_secret(vault, b, 3, out, sizeof out, &err), MM_E_SECRET);
    free(a);
    free(b);
    vault_free(vault);
    unsetenv("MM_MASTER_KEY");
    assert_int_equal(vault_load("/nonexistent/key", &vault, NULL, &err), MM_OK);
    assert_null(vault);
}

static void key_hints_show_only_the_ends(void **state)
{
    (void)state;
    char hint[MM_HINT_MAX];
    catalog_key_hint("sk-proj-abcdefghijklmnop-wxyz", hint, sizeof hint);
    assert_string_equal(hint, "sk-\xe2\x80\xa6wxyz");
    catalog_key_hint("abcdefghijkl", hint, sizeof hint); /* 12: the long form */
    assert_string_equal(hint, "abc\xe2\x80\xa6ijkl");
    catalog_key_hint("short-key1", hint, sizeof hint);
    assert_string_equal(hint, "\xe2\x80\xa6y1");
    catalog_key_hint("", hint, sizeof hint);
    assert_string_equal(hint, "");
}

#define FIXTURE_TEST(fn)                                                                           \
    cmocka_unit_test_setup_teardown(fn, catalog_fixture_setup, catalog_fixture_teardown)
#define KEY_FILE_TEST(fn) cmocka_unit_test_setup_teardown(fn, key_file_setup, key_file_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        KEY_FILE_TEST(key_file_created_only_with_first_secret),
        FIXTURE_TEST(env_key_needs_no_key_file),
        FIXTURE_TEST(wrong_master_key_is_refused_and_nothing_changes),
        KEY_FILE_TEST(missing_key_is_refused_naming_both_ways),
        FIXTURE_TEST(malformed_master_key_is_refused),
        FIXTURE_TEST(keys_never_reach_the_file),
        cmocka_unit_test(seal_uses_fresh_nonces_and_detects_tampering),
        cmocka_unit_test(key_hints_show_only_the_ends),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
