/* Unit tests of change sets (`mmadmin apply`): every write inside one transaction, one audit
 * entry opening to its parts, a failure anywhere rolling all of it back, the version guard,
 * and no empty change set kept. */
#include "test_catalog_util.h"

static const char *const KEY = "sk-test-0123456789abcdef";

static void a_change_set_is_one_entry_with_its_parts(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err = {0};
    assert_int_equal(catalog_change_set_begin(fx->cat, "catalog.yaml", 0, &err), MM_OK);
    add_account(fx->cat, "a", "openai", KEY);
    add_model(fx->cat, "chat");
    add_target(fx->cat, "chat", "a", "gpt-4o-mini", 0);
    size_t parts = 0;
    assert_int_equal(catalog_change_set_end(fx->cat, MM_OK, &parts, &err), MM_OK);
    assert_int_equal(parts, 3);
    mm_audit_list sets, all, inside;
    assert_int_equal(catalog_audit_list_sets(fx->cat, 0, &sets, &err), MM_OK);
    assert_int_equal(sets.count, 1);
    assert_string_equal(sets.items[0].entity_kind, "change set");
    assert_string_equal(sets.items[0].entity_name, "catalog.yaml");
    assert_int_equal(sets.items[0].parts, 3);
    assert_int_equal(sets.items[0].change_set, sets.items[0].id);
    assert_int_equal(catalog_audit_list(fx->cat, 0, &all, &err), MM_OK);
    assert_int_equal(all.count, 4);
    assert_int_equal(catalog_audit_change_set(fx->cat, sets.items[0].id, &inside, &err), MM_OK);
    assert_int_equal(inside.count, 3);
    assert_string_equal(inside.items[0].entity_kind, "account"); /* in the order written */
    assert_string_equal(inside.items[2].entity_kind, "target");
    assert_int_equal(catalog_version(fx->cat), all.items[0].id);
    mm_audit_list_free(&sets);
    mm_audit_list_free(&all);
    mm_audit_list_free(&inside);
    /* a change made outside any change set stays its own entry */
    add_workspace(fx->cat, "team");
    assert_int_equal(catalog_audit_list_sets(fx->cat, 0, &sets, &err), MM_OK);
    assert_int_equal(sets.count, 2);
    assert_int_equal(sets.items[0].change_set, 0);
    mm_audit_list_free(&sets);
}

static void a_failure_rolls_the_whole_set_back(void **state)
{
    catalog_fixture *fx = *state;
    add_account(fx->cat, "kept", "openai", KEY);
    snapshot before = snapshot_take(fx->path);
    mm_error err = {0};
    assert_int_equal(catalog_change_set_begin(fx->cat, "f.yaml", -1, &err), MM_OK);
    add_account(fx->cat, "a", "openai", KEY);
    add_model(fx->cat, "chat");
    /* a refused write inside the set: its savepoint is undone, the set goes on */
    assert_int_equal(catalog_target_add(fx->cat, "chat", "ghost", "m", 0, &err), MM_E_NOT_FOUND);
    size_t parts = 9;
    assert_int_equal(catalog_change_set_end(fx->cat, err.status, &parts, &err), MM_E_NOT_FOUND);
    assert_int_equal(parts, 0);
    snapshot_assert_same(fx->path, &before);
    mm_account acc;
    assert_int_equal(catalog_account_get(fx->cat, "a", &acc, &err), MM_E_NOT_FOUND);
    /* the catalog works normally afterwards */
    add_account(fx->cat, "b", "openai", KEY);
}

static void the_version_guard_refuses_a_moved_catalog(void **state)
{
    catalog_fixture *fx = *state;
    add_account(fx->cat, "a", "openai", KEY);
    int64_t seen = catalog_version(fx->cat);
    add_model(fx->cat, "chat"); /* another session's change after the plan */
    snapshot before = snapshot_take(fx->path);
    mm_error err = {0};
    assert_int_equal(catalog_change_set_begin(fx->cat, "f.yaml", seen, &err), MM_E_CONFLICT);
    assert_non_null(strstr(err.message, "changed since the plan"));
    snapshot_assert_same(fx->path, &before);
    assert_int_equal(catalog_change_set_begin(fx->cat, "f.yaml", catalog_version(fx->cat), &err),
                     MM_OK);
    assert_int_equal(catalog_change_set_end(fx->cat, MM_OK, NULL, &err), MM_OK);
}

static void nothing_written_keeps_no_change_set(void **state)
{
    catalog_fixture *fx = *state;
    add_account(fx->cat, "a", "openai", KEY);
    int64_t version = catalog_version(fx->cat);
    mm_error err = {0};
    size_t parts = 5;
    assert_int_equal(catalog_change_set_begin(fx->cat, "same.yaml", version, &err), MM_OK);
    assert_int_equal(catalog_change_set_end(fx->cat, MM_OK, &parts, &err), MM_OK);
    assert_int_equal(parts, 0);
    assert_int_equal(catalog_version(fx->cat), version);
}

#define FIXTURE_TEST(fn)                                                                           \
    cmocka_unit_test_setup_teardown(fn, catalog_fixture_setup, catalog_fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        FIXTURE_TEST(a_change_set_is_one_entry_with_its_parts),
        FIXTURE_TEST(a_failure_rolls_the_whole_set_back),
        FIXTURE_TEST(the_version_guard_refuses_a_moved_catalog),
        FIXTURE_TEST(nothing_written_keeps_no_change_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
