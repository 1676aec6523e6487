/* Unit tests of provider accounts: create / read / update / delete, the row-version conflict
 * between two sessions, refusing to remove an account targets use, enable / disable, test
 * results, discovered models, and audit entries with actor and redacted before/after. */
#include "test_catalog_util.h"
#include "util/strlist.h"

#include <sodium.h>

static const char *const KEY = "sk-proj-SECRETSECRET-wxyz";

static void insert_and_get_round_trip(void **state)
{
    catalog_fixture *fx = *state;
    mm_account acc;
    mm_account_init(&acc);
    mm_copy(acc.name, sizeof acc.name, "prod-openai");
    mm_copy(acc.provider, sizeof acc.provider, "openai");
    acc.rpm = 500;
    acc.monthly_cap_cents = 25000;
    mm_error err = {0};
    assert_int_equal(catalog_account_insert(fx->cat, &acc, KEY, &err), MM_OK);
    assert_true(acc.id > 0);
    assert_int_equal(acc.version, 1);
    assert_true(acc.has_key);
    assert_string_equal(acc.key_hint, "sk-\xe2\x80\xa6wxyz");
    mm_account got;
    assert_int_equal(catalog_account_get(fx->cat, "prod-openai", &got, &err), MM_OK);
    assert_int_equal(got.id, acc.id);
    assert_string_equal(got.provider, "openai");
    assert_int_equal(got.rpm, 500);
    assert_int_equal(got.tpm, MM_LIMIT_UNSET);
    assert_int_equal(got.monthly_cap_cents, 25000);
    assert_true(got.enabled);
    assert_true(got.has_key);
    assert_string_equal(got.key_hint, "sk-\xe2\x80\xa6wxyz");
    assert_int_equal(got.last_test_ms, 0);
    char secret[MM_API_KEY_MAX];
    assert_int_equal(catalog_account_secret(fx->cat, "prod-openai", secret, sizeof secret, &err),
                     MM_OK);
    assert_string_equal(secret, KEY);
    sodium_memzero(secret, sizeof secret);
    assert_int_equal(catalog_account_get(fx->cat, "nope", &got, &err), MM_E_NOT_FOUND);
    assert_non_null(strstr(err.message, "'nope'"));
}

static void list_is_sorted_by_name_and_free_accepts_zeroed(void **state)
{
    catalog_fixture *fx = *state;
    add_account(fx->cat, "zeta", "mistral", KEY);
    add_account(fx->cat, "alpha", "anthropic", KEY);
    add_account(fx->cat, "mid", "gemini", KEY);
    mm_account_list list;
    mm_error err = {0};
    assert_int_equal(catalog_account_list(fx->cat, &list, &err), MM_OK);
    assert_int_equal(list.count, 3);
    assert_string_equal(list.items[0].name, "alpha");
    assert_string_equal(list.items[1].name, "mid");
    assert_string_equal(list.items[2].name, "zeta");
    mm_account_list_free(&list);
    mm_account_list_free(&list);
    mm_account_list zero = {0};
    mm_account_list_free(&zero);
    mm_account_list_free(NULL);
    mm_model_list models = {0};
    mm_model_list_free(&models);
    mm_workspace_list workspaces = {0};
    mm_workspace_list_free(&workspaces);
    mm_entitlement_list ents = {0};
    mm_entitlement_list_free(&ents);
    mm_price_list prices = {0};
    mm_price_list_free(&prices);
    mm_audit_list audit = {0};
    mm_audit_list_free(&audit);
}

static void update_bumps_version_and_keeps_key(void **state)
{
    catalog_fixture *fx = *state;
    add_account(fx->cat, "acc", "openai", KEY);
    mm_account acc;
    mm_error err = {0};
    assert_int_equal(catalog_account_get(fx->cat, "acc", &acc, &err), MM_OK);
    acc.tpm = 90000;
    mm_copy(acc.name, sizeof acc.name, "acc-renamed");
    assert_int_equal(catalog_account_update(fx->cat, &acc, NULL, &err), MM_OK);
    assert_int_equal(acc.version, 2);
    assert_string_equal(acc.key_hint, "sk-\xe2\x80\xa6wxyz");
    mm_account got;
    assert_int_equal(catalog_account_get(fx->cat, "acc-renamed", &got, &err), MM_OK);
    assert_int_equal(got.tpm, 90000);
    assert_int_equal(got.version, 2);
    char secret[MM_API_KEY_MAX];
    assert_int_equal(catalog_account_secret(fx->cat, "acc-renamed", secret, sizeof secret, &err),
                     MM_OK);
    assert_string_equal(secret, KEY);
    /* a new key replaces the old one */
    assert_int_equal(catalog_account_update(fx->cat, &acc, "sk-new-key-000000-abcd", &err), MM_OK);
    assert_int_equal(acc.version, 3);
    assert_string_equal(acc.key_hint, "sk-\xe2\x80\xa6"
                                      "abcd");
    assert_int_equal(catalog_account_secret(fx->cat, "acc-renamed", secret, sizeof secret, &err),
                     MM_OK);
    assert_string_equal(secret, "sk-new-key-000000-abcd");
    sodium_memzero(secret, sizeof secret);
}

static void concurrent_update_is_refused(void **state)
{
    catalog_fixture *fx = *state;
    add_account(fx->cat, "shared", "openai", KEY);
    mm_catalog *other = fixture_open(fx->path);
    mm_error err = {0};
    mm_account mine, theirs;
    assert_int_equal(catalog_account_get(fx->cat, "shared", &mine, &err), MM_OK);
    assert_int_equal(catalog_account_get(other, "shared", &theirs, &err), MM_OK);
    theirs.rpm = 100;
    assert_int_equal(catalog_account_update(other, &theirs, NULL, &err), MM_OK);
    mine.rpm = 200;
    snapshot before = snapshot_take(fx->path);
    assert_int_equal(catalog_account_update(fx->cat, &mine, NULL, &err), MM_E_CONFLICT);
    assert_non_null(strstr(err.message, "changed by another session since you opened it"));
    assert_non_null(strstr(err.message, "'shared'"));
    assert_int_equal(mine.version, 1); /* the caller's copy is untouched */
    snapshot_assert_same(fx->path, &before);
    mm_account now;
    assert_int_equal(catalog_account_get(fx->cat, "shared", &now, &err), MM_OK);
    assert_int_equal(now.rpm, 100);
    /* reopened, the change applies */
    now.rpm = 200;
    assert_int_equal(catalog_account_update(fx->cat, &now, NULL, &err), MM_OK);
    /* an account deleted meanwhile is reported as such */
    assert_int_equal(catalog_account_delete(other, "shared", &err), MM_OK);
    assert_int_equal(catalog_account_update(fx->cat, &now, NULL, &err), MM_E_NOT_FOUND);
    assert_non_null(strstr(err.message, "removed by another session"));
    catalog_close(other);
}

static void account_in_use_cannot_be_removed(void **state)
{
    catalog_fixture *fx = *state;
    add_account(fx->cat, "prod-openai", "openai", KEY);
    add_account(fx->cat, "backup", "anthropic", KEY);
    add_model(fx->cat, "fast-chat");
    add_model(fx->cat, "code-gen");
    add_target(fx->cat, "fast-chat", "prod-openai", "gpt-4o-mini", 0);
    add_target(fx->cat, "code-gen", "backup", "claude-sonnet", 0);
    add_target(fx->cat, "code-gen", "prod-openai", "gpt-4o", 0);
    mm_error err = {0};
    snapshot before = snapshot_take(fx->path);
    assert_int_equal(catalog_account_delete(fx->cat, "prod-openai", &err), MM_E_IN_USE);
    assert_string_equal(err.message, "account 'prod-openai' is used by code-gen (priority 2), "
                                     "fast-chat (priority 1); remove those targets first");
    snapshot_assert_same(fx->path, &before);
    assert_int_equal(catalog_target_remove(fx->cat, "fast-chat", 1, &err), MM_OK);
    assert_int_equal(catalog_account_delete(fx->cat, "prod-openai", &err), MM_E_IN_USE);
    assert_string_equal(err.message, "account 'prod-openai' is used by code-gen (priority 2); "
                                     "remove that target first");
    assert_int_equal(catalog_target_remove(fx->cat, "code-gen", 2, &err), MM_OK);
    assert_int_equal(catalog_account_delete(fx->cat, "prod-openai", &err), MM_OK);
    mm_account got;
    assert_int_equal(catalog_account_get(fx->cat, "prod-openai", &got, &err), MM_E_NOT_FOUND);
    assert_int_equal(catalog_account_delete(fx->cat, "prod-openai", &err), MM_E_NOT_FOUND);
}

static void rename_keeps_targets(void **state)
{
    catalog_fixture *fx = *state;
    add_account(fx->cat, "old", "openai", KEY);
    add_model(fx->cat, "fast-chat");
    add_target(fx->cat, "fast-chat", "old", "gpt-4o-mini", 0);
    mm_account acc;
    mm_error err = {0};
    assert_int_equal(catalog_account_get(fx->cat, "old", &acc, &err), MM_OK);
    mm_copy(acc.name, sizeof acc.name, "new");
    assert_int_equal(catalog_account_update(fx->cat, &acc, NULL, &err), MM_OK);
    char chain[256];
    chain_string(fx->cat, "fast-chat", chain, sizeof chain);
    assert_string_equal(chain, "new/gpt-4o-mini");
}

static void enable_disable_with_reason(void **state)
{
    catalog_fixture *fx = *state;
    add_account(fx->cat, "acc", "openai", KEY);
    mm_error err = {0};
    assert_int_equal(catalog_account_set_enabled(fx->cat, "acc", false, "over budget", &err),
                     MM_OK);
    mm_account acc;
    assert_int_equal(catalog_account_get(fx->cat, "acc", &acc, &err), MM_OK);
    assert_false(acc.enabled);
    assert_string_equal(acc.disabled_reason, "over budget");
    assert_int_equal(acc.version, 2);
    assert_int_equal(catalog_account_set_enabled(fx->cat, "acc", true, NULL, &err), MM_OK);
    assert_int_equal(catalog_account_get(fx->cat, "acc", &acc, &err), MM_OK);
    assert_true(acc.enabled);
    assert_string_equal(acc.disabled_reason, "");
    mm_audit_list audit;
    assert_int_equal(catalog_audit_list(fx->cat, 2, &audit, &err), MM_OK);
    assert_int_equal(audit.count, 2);
    assert_string_equal(audit.items[0].action, "enable");
    assert_string_equal(audit.items[1].action, "disable");
    assert_non_null(strstr(audit.items[1].after_json, "over budget"));
    mm_audit_list_free(&audit);
}

static void test_results_are_kept_unversioned_and_unaudited(void **state)
{
    catalog_fixture *fx = *state;
    add_account(fx->cat, "acc", "openai", KEY);
    setenv("MM_FAKE_NOW_MS", "1700000000000", 1);
    mm_error err = {0};
    mm_audit_list before_audit;
    assert_int_equal(catalog_audit_list(fx->cat, 0, &before_audit, &err), MM_OK);
    assert_int_equal(catalog_account_set_test_result(fx->cat, "acc", false, "auth",
                                                     "bad key\x1b[2J here", 321, &err),
                     MM_OK);
    mm_account acc;
    assert_int_equal(catalog_account_get(fx->cat, "acc", &acc, &err), MM_OK);
    assert_int_equal(acc.last_test_ms, 1700000000000LL);
    assert_false(acc.last_test_ok);
    assert_string_equal(acc.last_test_class, "auth");
    assert_null(strchr(acc.last_test_message, '\x1b'));
    assert_int_equal(acc.last_test_latency_ms, 321);
    assert_int_equal(acc.version, 1);
    assert_int_equal(catalog_account_set_test_result(fx->cat, "acc", true, "ok", "", 50, &err),
                     MM_OK);
    assert_int_equal(catalog_account_get(fx->cat, "acc", &acc, &err), MM_OK);
    assert_true(acc.last_test_ok);
    mm_audit_list after_audit;
    assert_int_equal(catalog_audit_list(fx->cat, 0, &after_audit, &err), MM_OK);
    assert_int_equal(after_audit.count, before_audit.count);
    mm_audit_list_free(&before_audit);
    mm_audit_list_free(&after_audit);
    assert_int_equal(catalog_account_set_test_result(fx->cat, "nope", true, "ok", "", 1, &err),
                     MM_E_NOT_FOUND);
}

static void collect_name(const mm_account *acc, void *ctx)
{
    mm_string_list_append(ctx, acc->name);
}

/* catalog_account_each_tested_since: the accounts tested at or after a time, in name order,
 * with their last test; an account never tested is not among them; a page at a time (after a
 * name, at most a limit). */
static void tests_since_a_time_are_read_alone(void **state)
{
    catalog_fixture *fx = *state;
    add_account(fx->cat, "zed", "openai", KEY);
    add_account(fx->cat, "bee", "openai", KEY);
    add_account(fx->cat, "never", "openai", KEY);
    add_account(fx->cat, "old", "openai", KEY);
    mm_error err = {0};
    setenv("MM_FAKE_NOW_MS", "1700000000000", 1);
    assert_int_equal(catalog_account_set_test_result(fx->cat, "old", true, "ok", "", 5, &err),
                     MM_OK);
    setenv("MM_FAKE_NOW_MS", "1700000060000", 1);
    assert_int_equal(catalog_account_set_test_result(fx->cat, "zed", false, "auth", "no", 7, &err),
                     MM_OK);
    assert_int_equal(catalog_account_set_test_result(fx->cat, "bee", true, "ok", "", 9, &err),
                     MM_OK);
    unsetenv("MM_FAKE_NOW_MS");
    mm_string_list names = {0};
    assert_int_equal(catalog_account_each_tested_since(fx->cat, 1700000060000LL, "", 0,
                                                       collect_name, &names, &err),
                     MM_OK);
    assert_int_equal(names.count, 2);
    assert_string_equal(names.items[0], "bee");
    assert_string_equal(names.items[1], "zed");
    mm_string_list_free(&names);
    assert_int_equal(
        catalog_account_each_tested_since(fx->cat, 1, NULL, 0, collect_name, &names, &err), MM_OK);
    assert_int_equal(names.count, 3); /* "never" has no test */
    assert_string_equal(names.items[1], "old");
    mm_string_list_free(&names);
    assert_int_equal(
        catalog_account_each_tested_since(fx->cat, 1, "", 2, collect_name, &names, &err), MM_OK);
    assert_int_equal(names.count, 2); /* a page of 2: bee, old */
    assert_int_equal(catalog_account_each_tested_since(fx->cat, 1, names.items[1], 2, collect_name,
                                                       &names, &err),
                     MM_OK);
    assert_int_equal(names.count, 3); /* the next page: zed alone */
    assert_string_equal(names.items[0], "bee");
    assert_string_equal(names.items[1], "old");
    assert_string_equal(names.items[2], "zed");
    mm_string_list_free(&names);
    assert_int_equal(catalog_account_each_tested_since(fx->cat, 1700000060001LL, "", 0,
                                                       collect_name, &names, &err),
                     MM_OK);
    assert_int_equal(names.count, 0);
    mm_string_list_free(&names);
}

static void changed_credentials_clear_the_last_test(void **state)
{
    catalog_fixture *fx = *state;
    add_account(fx->cat, "acc", "openai", KEY);
    mm_error err = {0};
    mm_account acc;
    assert_int_equal(catalog_account_set_test_result(fx->cat, "acc", true, "ok", "", 50, &err),
                     MM_OK);
    /* a limit change keeps the result */
    assert_int_equal(catalog_account_get(fx->cat, "acc", &acc, &err), MM_OK);
    acc.rpm = 77;
    assert_int_equal(catalog_account_update(fx->cat, &acc, NULL, &err), MM_OK);
    assert_int_equal(catalog_account_get(fx->cat, "acc", &acc, &err), MM_OK);
    assert_true(acc.last_test_ms > 0 && acc.last_test_ok);
    /* a new key clears it, in the catalog and in the caller's copy */
    assert_int_equal(catalog_account_update(fx->cat, &acc, "sk-replaced-0123456789", &err), MM_OK);
    assert_int_equal(acc.last_test_ms, 0);
    assert_int_equal(catalog_account_get(fx->cat, "acc", &acc, &err), MM_OK);
    assert_int_equal(acc.last_test_ms, 0);
    assert_false(acc.last_test_ok);
    /* so does a new endpoint, or a new API version */
    const char *fields[] = {"endpoint", "api_version"};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(catalog_account_set_test_result(fx->cat, "acc", true, "ok", "", 50, &err),
                         MM_OK);
        assert_int_equal(catalog_account_get(fx->cat, "acc", &acc, &err), MM_OK);
        if (i == 0)
            strcpy(acc.endpoint, "https://example.test/v1");
        else
            strcpy(acc.api_version, "2024-10-21");
        assert_int_equal(catalog_account_update(fx->cat, &acc, NULL, &err), MM_OK);
        assert_int_equal(catalog_account_get(fx->cat, "acc", &acc, &err), MM_OK);
        if (acc.last_test_ms != 0)
            fail_msg("changing %s kept the last test", fields[i]);
    }
}

static void discovered_models_are_replaced_and_sorted(void **state)
{
    catalog_fixture *fx = *state;
    add_account(fx->cat, "acc", "openai", KEY);
    mm_error err = {0};
    const char *first[] = {"gpt-4o", "gpt-4o-mini", "bad\x1b]0;title\x07name"};
    assert_int_equal(catalog_account_set_discovered(fx->cat, "acc", first, 3, &err), MM_OK);
    const char *second[] = {"o3", "gpt-4.1", "gpt-4.1"};
    assert_int_equal(catalog_account_set_discovered(fx->cat, "acc", second, 3, &err), MM_OK);
    mm_string_list list;
    assert_int_equal(catalog_account_discovered(fx->cat, "acc", &list, &err), MM_OK);
    assert_int_equal(list.count, 2);
    assert_string_equal(list.items[0], "gpt-4.1");
    assert_string_equal(list.items[1], "o3");
    mm_string_list_free(&list);
    assert_int_equal(catalog_account_set_discovered(fx->cat, "acc", first, 3, &err), MM_OK);
    assert_int_equal(catalog_account_discovered(fx->cat, "acc", &list, &err), MM_OK);
    for (size_t i = 0; i < list.count; i++)
        assert_null(strchr(list.items[i], '\x1b'));
    mm_string_list_free(&list);
    /* they go with the account */
    assert_int_equal(catalog_account_delete(fx->cat, "acc", &err), MM_OK);
    assert_int_equal(catalog_account_discovered(fx->cat, "acc", &list, &err), MM_E_NOT_FOUND);
}

static void audit_has_actor_and_redacted_pictures(void **state)
{
    catalog_fixture *fx = *state;
    setenv("MM_FAKE_NOW_MS", "1750000000000", 1);
    catalog_set_actor(fx->cat, "alice");
    add_account(fx->cat, "acc", "openai", KEY);
    mm_account acc;
    mm_error err = {0};
    assert_int_equal(catalog_account_get(fx->cat, "acc", &acc, &err), MM_OK);
    acc.rpm = 42;
    assert_int_equal(catalog_account_update(fx->cat, &acc, "sk-another-secret-9999", &err), MM_OK);
    assert_int_equal(catalog_account_delete(fx->cat, "acc", &err), MM_OK);
    mm_audit_list audit;
    assert_int_equal(catalog_audit_list(fx->cat, 0, &audit, &err), MM_OK);
    assert_int_equal(audit.count, 3);
    const char *actions[] = {"delete", "update", "create"};
    for (size_t i = 0; i < 3; i++) {
        mm_audit_entry *e = &audit.items[i];
        assert_string_equal(e->action, actions[i]);
        assert_string_equal(e->actor, "alice");
        assert_string_equal(e->entity_kind, "account");
        assert_string_equal(e->entity_name, "acc");
        assert_int_equal(e->ts_ms, 1750000000000LL);
        const char *texts[] = {e->before_json, e->after_json};
        for (size_t j = 0; j < 2; j++) {
            if (!texts[j])
                continue;
            assert_null(strstr(texts[j], "SECRETSECRET"));
            assert_null(strstr(texts[j], "another-secret"));
            assert_null(strstr(texts[j], "cipher"));
            assert_non_null(strstr(texts[j], "\"key_hint\":\"sk-"));
        }
    }
    assert_true(audit.items[0].id > audit.items[1].id);
    assert_null(audit.items[0].after_json);
    assert_null(audit.items[2].before_json);
    assert_non_null(strstr(audit.items[1].before_json, "\"rpm\":null"));
    assert_non_null(strstr(audit.items[1].after_json, "\"rpm\":42"));
    mm_audit_list_free(&audit);
    assert_int_equal(catalog_audit_list(fx->cat, 1, &audit, &err), MM_OK);
    assert_int_equal(audit.count, 1);
    assert_string_equal(audit.items[0].action, "delete");
    mm_audit_list_free(&audit);
}

#define FIXTURE_TEST(fn)                                                                           \
    cmocka_unit_test_setup_teardown(fn, catalog_fixture_setup, catalog_fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        FIXTURE_TEST(insert_and_get_round_trip),
        FIXTURE_TEST(list_is_sorted_by_name_and_free_accepts_zeroed),
        FIXTURE_TEST(update_bumps_version_and_keeps_key),
        FIXTURE_TEST(concurrent_update_is_refused),
        FIXTURE_TEST(account_in_use_cannot_be_removed),
        FIXTURE_TEST(rename_keeps_targets),
        FIXTURE_TEST(enable_disable_with_reason),
        FIXTURE_TEST(test_results_are_kept_unversioned_and_unaudited),
        FIXTURE_TEST(tests_since_a_time_are_read_alone),
        FIXTURE_TEST(changed_credentials_clear_the_last_test),
        FIXTURE_TEST(discovered_models_are_replaced_and_sorted),
        FIXTURE_TEST(audit_has_actor_and_redacted_pictures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
