/* Unit tests of logical models, their fallback chains (add at a priority, move, remove, with
 * the others shifting), workspaces and entitlements, including the cascading deletes and the
 * row-version conflicts between two sessions. */
#include "test_catalog_util.h"

static const char *const KEY = "sk-test-0123456789abcdef";

static void chain_fixture(mm_catalog *cat)
{
    add_account(cat, "a", "openai", KEY);
    add_account(cat, "b", "anthropic", KEY);
    add_model(cat, "fast-chat");
    add_target(cat, "fast-chat", "a", "one", 0);
    add_target(cat, "fast-chat", "a", "two", 0);
    add_target(cat, "fast-chat", "b", "three", 0);
}

static void targets_append_and_insert_shifting(void **state)
{
    catalog_fixture *fx = *state;
    chain_fixture(fx->cat);
    char chain[512];
    chain_string(fx->cat, "fast-chat", chain, sizeof chain);
    assert_string_equal(chain, "a/one,a/two,b/three");
    add_target(fx->cat, "fast-chat", "b", "first", 1);
    chain_string(fx->cat, "fast-chat", chain, sizeof chain);
    assert_string_equal(chain, "b/first,a/one,a/two,b/three");
    add_target(fx->cat, "fast-chat", "b", "middle", 3);
    chain_string(fx->cat, "fast-chat", chain, sizeof chain);
    assert_string_equal(chain, "b/first,a/one,b/middle,a/two,b/three");
    add_target(fx->cat, "fast-chat", "a", "last", 6);
    chain_string(fx->cat, "fast-chat", chain, sizeof chain);
    assert_string_equal(chain, "b/first,a/one,b/middle,a/two,b/three,a/last");
}

static void targets_move_both_ways(void **state)
{
    catalog_fixture *fx = *state;
    chain_fixture(fx->cat);
    add_target(fx->cat, "fast-chat", "b", "four", 0);
    mm_error err = {0};
    char chain[512];
    assert_int_equal(catalog_target_move(fx->cat, "fast-chat", 1, 3, &err), MM_OK);
    chain_string(fx->cat, "fast-chat", chain, sizeof chain);
    assert_string_equal(chain, "a/two,b/three,a/one,b/four");
    assert_int_equal(catalog_target_move(fx->cat, "fast-chat", 4, 1, &err), MM_OK);
    chain_string(fx->cat, "fast-chat", chain, sizeof chain);
    assert_string_equal(chain, "b/four,a/two,b/three,a/one");
    assert_int_equal(catalog_target_move(fx->cat, "fast-chat", 2, 2, &err), MM_OK);
    chain_string(fx->cat, "fast-chat", chain, sizeof chain);
    assert_string_equal(chain, "b/four,a/two,b/three,a/one");
    snapshot before = snapshot_take(fx->path);
    assert_int_equal(catalog_target_move(fx->cat, "fast-chat", 1, 5, &err), MM_E_NOT_FOUND);
    assert_string_equal(err.field, "priority");
    assert_non_null(strstr(err.message, "priorities 1 to 4"));
    assert_int_equal(catalog_target_move(fx->cat, "fast-chat", 0, 1, &err), MM_E_NOT_FOUND);
    assert_int_equal(catalog_target_move(fx->cat, "slow-chat", 1, 2, &err), MM_E_NOT_FOUND);
    snapshot_assert_same(fx->path, &before);
}

static void targets_remove_closes_the_gap(void **state)
{
    catalog_fixture *fx = *state;
    chain_fixture(fx->cat);
    mm_error err = {0};
    char chain[512];
    assert_int_equal(catalog_target_remove(fx->cat, "fast-chat", 2, &err), MM_OK);
    chain_string(fx->cat, "fast-chat", chain, sizeof chain);
    assert_string_equal(chain, "a/one,b/three");
    assert_int_equal(catalog_target_remove(fx->cat, "fast-chat", 1, &err), MM_OK);
    chain_string(fx->cat, "fast-chat", chain, sizeof chain);
    assert_string_equal(chain, "b/three");
    snapshot before = snapshot_take(fx->path);
    assert_int_equal(catalog_target_remove(fx->cat, "fast-chat", 2, &err), MM_E_NOT_FOUND);
    assert_non_null(strstr(err.message, "no target at priority 2"));
    snapshot_assert_same(fx->path, &before);
    assert_int_equal(catalog_target_remove(fx->cat, "fast-chat", 1, &err), MM_OK);
    assert_int_equal(catalog_target_remove(fx->cat, "fast-chat", 1, &err), MM_E_NOT_FOUND);
    assert_non_null(strstr(err.message, "no targets yet"));
}

static void target_changes_are_audited_with_the_chain(void **state)
{
    catalog_fixture *fx = *state;
    chain_fixture(fx->cat);
    mm_error err = {0};
    assert_int_equal(catalog_target_move(fx->cat, "fast-chat", 3, 1, &err), MM_OK);
    mm_audit_list audit;
    assert_int_equal(catalog_audit_list(fx->cat, 1, &audit, &err), MM_OK);
    assert_string_equal(audit.items[0].action, "move");
    assert_string_equal(audit.items[0].entity_kind, "target");
    assert_string_equal(audit.items[0].entity_name, "fast-chat");
    assert_non_null(
        strstr(audit.items[0].before_json, "{\"priority\":1,\"account\":\"a\",\"model\":\"one\"}"));
    assert_non_null(strstr(audit.items[0].after_json,
                           "{\"priority\":1,\"account\":\"b\",\"model\":\"three\"}"));
    mm_audit_list_free(&audit);
}

static void model_update_and_conflict(void **state)
{
    catalog_fixture *fx = *state;
    add_model(fx->cat, "fast-chat");
    mm_catalog *other = fixture_open(fx->path);
    mm_error err = {0};
    mm_model mine, theirs;
    assert_int_equal(catalog_model_get(fx->cat, "fast-chat", &mine, &err), MM_OK);
    assert_int_equal(catalog_model_get(other, "fast-chat", &theirs, &err), MM_OK);
    mm_copy(theirs.description, sizeof theirs.description, "theirs");
    assert_int_equal(catalog_model_update(other, &theirs, &err), MM_OK);
    assert_int_equal(theirs.version, 2);
    mm_copy(mine.description, sizeof mine.description, "mine");
    snapshot before = snapshot_take(fx->path);
    assert_int_equal(catalog_model_update(fx->cat, &mine, &err), MM_E_CONFLICT);
    assert_non_null(strstr(err.message, "model 'fast-chat' was changed by another session"));
    snapshot_assert_same(fx->path, &before);
    mm_model now;
    assert_int_equal(catalog_model_get(fx->cat, "fast-chat", &now, &err), MM_OK);
    assert_string_equal(now.description, "theirs");
    mm_copy(now.name, sizeof now.name, "quick-chat");
    mm_copy(now.type, sizeof now.type, "embedding");
    assert_int_equal(catalog_model_update(fx->cat, &now, &err), MM_OK);
    assert_int_equal(catalog_model_get(fx->cat, "quick-chat", &now, &err), MM_OK);
    assert_string_equal(now.type, "embedding");
    assert_int_equal(now.version, 3);
    catalog_close(other);
}

static void model_list_sorted_with_chains(void **state)
{
    catalog_fixture *fx = *state;
    chain_fixture(fx->cat);
    add_model(fx->cat, "alpha");
    add_workspace(fx->cat, "team-a");
    mm_entitlement ent = {0};
    mm_copy(ent.model, sizeof ent.model, "fast-chat");
    mm_copy(ent.workspace, sizeof ent.workspace, "team-a");
    mm_error err = {0};
    assert_int_equal(catalog_entitle(fx->cat, &ent, &err), MM_OK);
    mm_model_list list;
    assert_int_equal(catalog_model_list(fx->cat, &list, &err), MM_OK);
    assert_int_equal(list.count, 2);
    assert_string_equal(list.items[0].name, "alpha");
    assert_int_equal(list.items[0].n_targets, 0);
    assert_int_equal(list.items[0].n_entitled, 0);
    assert_string_equal(list.items[1].name, "fast-chat");
    assert_int_equal(list.items[1].n_targets, 3);
    assert_int_equal(list.items[1].n_entitled, 1);
    assert_string_equal(list.items[1].targets[2].model, "three");
    assert_string_equal(list.items[1].targets[2].account, "b");
    mm_model_list_free(&list);
}

static void entitlements_grant_update_revoke(void **state)
{
    catalog_fixture *fx = *state;
    add_model(fx->cat, "fast-chat");
    add_model(fx->cat, "code-gen");
    add_workspace(fx->cat, "team-b");
    add_workspace(fx->cat, "team-a");
    mm_error err = {0};
    mm_entitlement ent = {0};
    mm_copy(ent.model, sizeof ent.model, "fast-chat");
    mm_copy(ent.workspace, sizeof ent.workspace, "team-a");
    ent.rpm = 60;
    assert_int_equal(catalog_entitle(fx->cat, &ent, &err), MM_OK);
    mm_copy(ent.workspace, sizeof ent.workspace, "team-b");
    assert_int_equal(catalog_entitle(fx->cat, &ent, &err), MM_OK);
    mm_copy(ent.model, sizeof ent.model, "code-gen");
    ent.rpm = 0;
    ent.monthly_tokens = 1000000;
    assert_int_equal(catalog_entitle(fx->cat, &ent, &err), MM_OK);

    mm_entitlement got;
    assert_int_equal(catalog_entitlement_get(fx->cat, "fast-chat", "team-a", &got, &err), MM_OK);
    assert_int_equal(got.rpm, 60);
    assert_int_equal(got.tpm, MM_LIMIT_UNSET);
    assert_int_equal(got.monthly_tokens, MM_LIMIT_UNSET);
    assert_int_equal(got.version, 1);
    /* changing limits updates the row and bumps its version */
    got.tpm = 5000;
    assert_int_equal(catalog_entitle(fx->cat, &got, &err), MM_OK);
    assert_int_equal(catalog_entitlement_get(fx->cat, "fast-chat", "team-a", &got, &err), MM_OK);
    assert_int_equal(got.tpm, 5000);
    assert_int_equal(got.version, 2);
    /* a stale version is a conflict */
    mm_entitlement stale = got;
    stale.version = 1;
    stale.rpm = 1;
    assert_int_equal(catalog_entitle(fx->cat, &stale, &err), MM_E_CONFLICT);

    mm_entitlement_list list;
    assert_int_equal(catalog_entitlement_list(fx->cat, NULL, NULL, &list, &err), MM_OK);
    assert_int_equal(list.count, 3);
    assert_string_equal(list.items[0].model, "code-gen");
    assert_string_equal(list.items[1].model, "fast-chat");
    assert_string_equal(list.items[1].workspace, "team-a");
    assert_string_equal(list.items[2].workspace, "team-b");
    mm_entitlement_list_free(&list);
    assert_int_equal(catalog_entitlement_list(fx->cat, NULL, "team-b", &list, &err), MM_OK);
    assert_int_equal(list.count, 2);
    mm_entitlement_list_free(&list);
    assert_int_equal(catalog_entitlement_list(fx->cat, "fast-chat", "team-b", &list, &err), MM_OK);
    assert_int_equal(list.count, 1);
    mm_entitlement_list_free(&list);
    assert_int_equal(catalog_entitlement_list(fx->cat, "nope", NULL, &list, &err), MM_E_NOT_FOUND);

    assert_int_equal(catalog_revoke(fx->cat, "fast-chat", "team-b", &err), MM_OK);
    assert_int_equal(catalog_entitlement_get(fx->cat, "fast-chat", "team-b", &got, &err),
                     MM_E_NOT_FOUND);
    assert_non_null(strstr(err.message, "not entitled"));
    assert_int_equal(catalog_revoke(fx->cat, "fast-chat", "team-b", &err), MM_E_NOT_FOUND);

    mm_audit_list audit;
    assert_int_equal(catalog_audit_list(fx->cat, 2, &audit, &err), MM_OK);
    assert_string_equal(audit.items[0].action, "revoke");
    assert_string_equal(audit.items[0].entity_name, "fast-chat/team-b");
    assert_string_equal(audit.items[1].action, "entitle");
    assert_non_null(strstr(audit.items[1].before_json, "\"tpm\":null"));
    assert_non_null(strstr(audit.items[1].after_json, "\"tpm\":5000"));
    mm_audit_list_free(&audit);
}

static void deleting_a_model_removes_targets_and_entitlements(void **state)
{
    catalog_fixture *fx = *state;
    chain_fixture(fx->cat);
    add_workspace(fx->cat, "team-a");
    add_workspace(fx->cat, "team-b");
    mm_error err = {0};
    mm_entitlement ent = {0};
    mm_copy(ent.model, sizeof ent.model, "fast-chat");
    mm_copy(ent.workspace, sizeof ent.workspace, "team-a");
    assert_int_equal(catalog_entitle(fx->cat, &ent, &err), MM_OK);
    mm_copy(ent.workspace, sizeof ent.workspace, "team-b");
    assert_int_equal(catalog_entitle(fx->cat, &ent, &err), MM_OK);
    size_t targets = 0, ents = 0;
    assert_int_equal(catalog_model_delete(fx->cat, "fast-chat", &targets, &ents, &err), MM_OK);
    assert_int_equal(targets, 3);
    assert_int_equal(ents, 2);
    mm_entitlement_list list;
    assert_int_equal(catalog_entitlement_list(fx->cat, NULL, NULL, &list, &err), MM_OK);
    assert_int_equal(list.count, 0);
    mm_entitlement_list_free(&list);
    /* the accounts are free again */
    assert_int_equal(catalog_account_delete(fx->cat, "a", &err), MM_OK);
    mm_audit_list audit;
    assert_int_equal(catalog_audit_list(fx->cat, 2, &audit, &err), MM_OK);
    assert_string_equal(audit.items[1].action, "delete");
    assert_string_equal(audit.items[1].entity_kind, "model");
    assert_non_null(strstr(audit.items[1].before_json, "\"entitled_workspaces\":[\"team-a\","
                                                       "\"team-b\"]"));
    assert_non_null(strstr(audit.items[1].before_json, "\"model\":\"three\""));
    mm_audit_list_free(&audit);
    assert_int_equal(catalog_model_delete(fx->cat, "fast-chat", NULL, NULL, &err), MM_E_NOT_FOUND);
}

static void deleting_a_workspace_removes_its_entitlements(void **state)
{
    catalog_fixture *fx = *state;
    add_model(fx->cat, "m1");
    add_model(fx->cat, "m2");
    add_workspace(fx->cat, "team-a");
    add_workspace(fx->cat, "team-b");
    mm_error err = {0};
    const char *pairs[][2] = {{"m1", "team-a"}, {"m2", "team-a"}, {"m1", "team-b"}};
    for (size_t i = 0; i < 3; i++) {
        mm_entitlement ent = {0};
        mm_copy(ent.model, sizeof ent.model, pairs[i][0]);
        mm_copy(ent.workspace, sizeof ent.workspace, pairs[i][1]);
        assert_int_equal(catalog_entitle(fx->cat, &ent, &err), MM_OK);
    }
    mm_workspace ws;
    assert_int_equal(catalog_workspace_get(fx->cat, "team-a", &ws, &err), MM_OK);
    assert_int_equal(ws.n_entitlements, 2);
    size_t removed = 0;
    assert_int_equal(catalog_workspace_delete(fx->cat, "team-a", &removed, &err), MM_OK);
    assert_int_equal(removed, 2);
    mm_entitlement_list list;
    assert_int_equal(catalog_entitlement_list(fx->cat, NULL, NULL, &list, &err), MM_OK);
    assert_int_equal(list.count, 1);
    assert_string_equal(list.items[0].workspace, "team-b");
    mm_entitlement_list_free(&list);
    assert_int_equal(catalog_workspace_delete(fx->cat, "team-a", NULL, &err), MM_E_NOT_FOUND);
}

static void workspace_update_list_and_conflict(void **state)
{
    catalog_fixture *fx = *state;
    add_workspace(fx->cat, "team-b");
    add_workspace(fx->cat, "team-a");
    mm_error err = {0};
    mm_workspace ws, stale;
    assert_int_equal(catalog_workspace_get(fx->cat, "team-b", &ws, &err), MM_OK);
    stale = ws;
    mm_copy(ws.description, sizeof ws.description, "B team");
    mm_copy(ws.name, sizeof ws.name, "team-c");
    assert_int_equal(catalog_workspace_update(fx->cat, &ws, &err), MM_OK);
    assert_int_equal(ws.version, 2);
    mm_copy(stale.description, sizeof stale.description, "late");
    assert_int_equal(catalog_workspace_update(fx->cat, &stale, &err), MM_E_CONFLICT);
    assert_non_null(strstr(err.message, "changed by another session since you opened it"));
    mm_workspace_list list;
    assert_int_equal(catalog_workspace_list(fx->cat, &list, &err), MM_OK);
    assert_int_equal(list.count, 2);
    assert_string_equal(list.items[0].name, "team-a");
    assert_string_equal(list.items[1].name, "team-c");
    assert_string_equal(list.items[1].description, "B team");
    mm_workspace_list_free(&list);
}

/* send's plan reads a model with its chain and the chain's accounts in one statement: the same
 * targets as catalog_model_get, each account once (in the order of its first target) with the
 * fields routing and connecting read as catalog_account_get reads them; a model without targets
 * has none, an unknown one is not found. */
static void chain_read_gives_targets_and_each_account_once(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err = {0};
    chain_fixture(fx->cat);
    add_target(fx->cat, "fast-chat", "b", "first", 1); /* chain b/first, a/one, a/two, b/three */
    add_account(fx->cat, "c", "openai", KEY);          /* in no chain */
    add_model(fx->cat, "empty-chat");
    mm_account b;
    assert_int_equal(catalog_account_get(fx->cat, "b", &b, &err), MM_OK);
    b.rpm = 7; /* limits and a disabled account come through */
    b.monthly_cap_cents = 1234;
    assert_int_equal(catalog_account_update(fx->cat, &b, NULL, &err), MM_OK);
    assert_int_equal(catalog_account_set_enabled(fx->cat, "b", false, "paused", &err), MM_OK);
    mm_model want, got;
    bool found = false;
    mm_account_list accounts = {0};
    assert_int_equal(catalog_model_get(fx->cat, "fast-chat", &want, &err), MM_OK);
    assert_int_equal(catalog_model_chain_read(fx->cat, "fast-chat", &got, &found, &accounts, &err),
                     MM_OK);
    assert_true(found);
    assert_int_equal(got.id, want.id);
    assert_string_equal(got.name, "fast-chat");
    assert_string_equal(got.type, want.type);
    assert_int_equal(got.version, want.version);
    assert_int_equal(got.n_targets, 4);
    for (size_t i = 0; i < got.n_targets; i++) {
        assert_int_equal(got.targets[i].id, want.targets[i].id);
        assert_int_equal(got.targets[i].priority, (int)i + 1);
        assert_string_equal(got.targets[i].account, want.targets[i].account);
        assert_string_equal(got.targets[i].model, want.targets[i].model);
    }
    assert_int_equal(accounts.count, 2);
    const char *order[] = {"b", "a"};
    for (size_t i = 0; i < accounts.count; i++) {
        mm_account one;
        assert_int_equal(catalog_account_get(fx->cat, order[i], &one, &err), MM_OK);
        assert_string_equal(accounts.items[i].name, order[i]);
        assert_int_equal(accounts.items[i].id, one.id);
        assert_string_equal(accounts.items[i].provider, one.provider);
        assert_string_equal(accounts.items[i].endpoint, one.endpoint);
        assert_true(accounts.items[i].has_key);
        assert_int_equal(accounts.items[i].rpm, one.rpm);
        assert_int_equal(accounts.items[i].monthly_cap_cents, one.monthly_cap_cents);
        assert_int_equal(accounts.items[i].enabled, one.enabled);
        assert_string_equal(accounts.items[i].disabled_reason, one.disabled_reason);
        assert_int_equal(accounts.items[i].version, one.version);
        assert_string_equal(accounts.items[i].key_hint, ""); /* the lean row: not read */
    }
    mm_account_list_free(&accounts);
    assert_int_equal(catalog_model_chain_read(fx->cat, "empty-chat", &got, &found, &accounts, &err),
                     MM_OK);
    assert_true(found);
    assert_string_equal(got.name, "empty-chat");
    assert_int_equal(got.n_targets, 0);
    assert_int_equal(accounts.count, 0);
    assert_int_equal(catalog_model_chain_read(fx->cat, "slow-chat", &got, &found, &accounts, &err),
                     MM_OK);
    assert_false(found);
    assert_int_equal(accounts.count, 0);
}

#define FIXTURE_TEST(fn)                                                                           \
    cmocka_unit_test_setup_teardown(fn, catalog_fixture_setup, catalog_fixture_teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        FIXTURE_TEST(targets_append_and_insert_shifting),
        FIXTURE_TEST(targets_move_both_ways),
        FIXTURE_TEST(targets_remove_closes_the_gap),
        FIXTURE_TEST(target_changes_are_audited_with_the_chain),
        FIXTURE_TEST(model_update_and_conflict),
        FIXTURE_TEST(model_list_sorted_with_chains),
        FIXTURE_TEST(chain_read_gives_targets_and_each_account_once),
        FIXTURE_TEST(entitlements_grant_update_revoke),
        FIXTURE_TEST(deleting_a_model_removes_targets_and_entitlements),
        FIXTURE_TEST(deleting_a_workspace_removes_its_entitlements),
        FIXTURE_TEST(workspace_update_list_and_conflict),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
