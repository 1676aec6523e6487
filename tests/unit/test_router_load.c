/* Unit tests of the snapshot for one request (`send`, `route`): only the model's chain, the
 * workspace asked for and its entitlement, and figures equal to the full snapshot's. */
#include "test_catalog_util.h"

#include "router/router.h"

#define NOW 1780000000000LL

static void put_account(mm_catalog *cat, const char *name)
{
    mm_error err;
    mm_account acc;
    mm_account_init(&acc);
    mm_copy(acc.name, sizeof acc.name, name);
    mm_copy(acc.provider, sizeof acc.provider, "openai");
    assert_int_equal(catalog_account_insert(cat, &acc, "sk-test-key-0000001", &err), MM_OK);
}

static void put_model(mm_catalog *cat, const char *name, const char *first, const char *second)
{
    mm_error err;
    mm_model model;
    mm_model_init(&model);
    mm_copy(model.name, sizeof model.name, name);
    assert_int_equal(catalog_model_insert(cat, &model, &err), MM_OK);
    assert_int_equal(catalog_target_add(cat, name, first, "gpt-4o-mini", 0, &err), MM_OK);
    if (second)
        assert_int_equal(catalog_target_add(cat, name, second, "gpt-4o", 0, &err), MM_OK);
}

static void add_entitled_workspace(mm_catalog *cat, const char *workspace, const char *model)
{
    mm_error err;
    mm_workspace ws = {0};
    mm_copy(ws.name, sizeof ws.name, workspace);
    assert_int_equal(catalog_workspace_insert(cat, &ws, &err), MM_OK);
    mm_entitlement ent = {0};
    mm_copy(ent.model, sizeof ent.model, model);
    mm_copy(ent.workspace, sizeof ent.workspace, workspace);
    ent.rpm = ent.tpm = ent.monthly_tokens = MM_LIMIT_UNSET;
    ent.rpm = 100;
    assert_int_equal(catalog_entitle(cat, &ent, &err), MM_OK);
}

static void add_event(mm_catalog *cat, const char *account, const char *outcome, int http,
                      int64_t ts)
{
    mm_usage_event ev;
    memset(&ev, 0, sizeof ev);
    ev.ts_ms = ts;
    mm_copy(ev.kind, sizeof ev.kind, "request");
    mm_copy(ev.account, sizeof ev.account, account);
    mm_copy(ev.provider, sizeof ev.provider, "openai");
    mm_copy(ev.workspace, sizeof ev.workspace, "team");
    mm_copy(ev.model, sizeof ev.model, "chat");
    mm_copy(ev.provider_model, sizeof ev.provider_model, "gpt-4o-mini");
    mm_copy(ev.outcome, sizeof ev.outcome, outcome);
    ev.http_status = http;
    ev.latency_ms = 120;
    ev.tokens_in = 10;
    ev.retry_after_ms = -1;
    mm_error err;
    assert_int_equal(catalog_usage_insert(cat, &ev, &err), MM_OK);
}

/* Four accounts, two models, two workspaces; a1 served, a2 rate-limited (degraded, cooling). */
static void build_catalog(mm_catalog *cat)
{
    put_account(cat, "a1");
    put_account(cat, "a2");
    put_account(cat, "a3");
    put_account(cat, "a4");
    put_model(cat, "chat", "a1", "a2");
    put_model(cat, "other", "a3", "a4");
    add_entitled_workspace(cat, "team", "chat");
    add_entitled_workspace(cat, "lab", "other");
    add_event(cat, "a1", "ok", 200, NOW - 5000);
    for (int i = 0; i < 6; i++)
        add_event(cat, "a2", "rate_limited", 429, NOW - 60000 + i * 1000);
    add_event(cat, "a3", "ok", 200, NOW - 4000);
}

static router_snapshot *load(mm_catalog *cat, const char *model, const char *workspace)
{
    router_load_options opts = {.model = model, .workspace = workspace};
    router_snapshot *snap = NULL;
    mm_error err = {0};
    assert_int_equal(router_snapshot_load(cat, NOW, &opts, &snap, &err), MM_OK);
    return snap;
}

static void loads_only_the_chain_the_request_needs(void **state)
{
    catalog_fixture *fx = *state;
    build_catalog(fx->cat);
    router_snapshot *one = load(fx->cat, "chat", "team");
    router_snapshot *all = load(fx->cat, NULL, NULL);
    assert_int_equal(one->n_models, 1);
    assert_int_equal(one->n_accounts, 2);
    assert_int_equal(one->n_workspaces, 1);
    assert_int_equal(one->n_entitlements, 1);
    assert_true(router_find_account(one, "a3") < 0);
    assert_int_equal(all->n_accounts, 4);
    for (size_t i = 0; i < one->n_accounts; i++) {
        const router_account *a = &one->accounts[i];
        const router_account *b = &all->accounts[router_find_account(all, a->name)];
        assert_int_equal(a->health, b->health);
        assert_int_equal(a->requests_window, b->requests_window);
        assert_int_equal(a->cooling_until_ms, b->cooling_until_ms);
    }
    assert_int_equal(one->accounts[router_find_account(one, "a2")].health, MM_HEALTH_DEGRADED);
    assert_int_equal(one->accounts[router_find_account(one, "a1")].health, MM_HEALTH_HEALTHY);
    router_request req = {.workspace = "team", .model = "chat"};
    router_plan p1, p2;
    assert_int_equal(router_plan_request(one, &req, NOW, &p1), MM_OK);
    assert_int_equal(router_plan_request(all, &req, NOW, &p2), MM_OK);
    assert_int_equal(p1.n_attempts, p2.n_attempts);
    for (size_t i = 0; i < p1.n_attempts; i++)
        assert_string_equal(p1.attempts[i].account->name, p2.attempts[i].account->name);
    assert_int_equal(p1.entitlement->rpm, 100);
    router_snapshot_free(one);
    router_snapshot_free(all);
}

static void refuses_as_the_full_snapshot_does(void **state)
{
    catalog_fixture *fx = *state;
    build_catalog(fx->cat);
    static const struct {
        const char *model, *workspace;
        router_refusal refusal;
    } cases[] = {
        {"nope", "team", ROUTER_UNKNOWN_MODEL},
        {"chat", "nobody", ROUTER_UNKNOWN_WORKSPACE},
        {"chat", "lab", ROUTER_NOT_ENTITLED},
    };
    router_snapshot *all = load(fx->cat, NULL, NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        router_snapshot *one = load(fx->cat, cases[i].model, cases[i].workspace);
        router_request req = {.workspace = cases[i].workspace, .model = cases[i].model};
        router_plan p1, p2;
        router_plan_request(one, &req, NOW, &p1);
        router_plan_request(all, &req, NOW, &p2);
        assert_int_equal(p1.refusal, cases[i].refusal);
        assert_int_equal(p2.refusal, cases[i].refusal);
        assert_string_equal(p1.message, p2.message);
        router_snapshot_free(one);
    }
    router_snapshot_free(all);
}

static void health_map_lookups_agree_sealed_or_not(void **state)
{
    (void)state;
    char names[5][MM_NAME_MAX] = {"a1", "a2", "b", "c10", "c9"};
    mm_health statuses[5] = {MM_HEALTH_HEALTHY, MM_HEALTH_DEGRADED, MM_HEALTH_UNREACHABLE,
                             MM_HEALTH_UNKNOWN, MM_HEALTH_HEALTHY};
    bool disabled[5] = {false, true, false, false, true};
    mm_health_map map = {.accounts = names, .statuses = statuses, .disabled = disabled, .count = 5};
    mm_health_map sealed = map;
    mm_health_map_seal(&sealed);
    assert_true(sealed.sorted);
    const char *asked[] = {"a1", "a2", "b", "c10", "c9", "zz", "", "a"};
    for (size_t i = 0; i < sizeof asked / sizeof asked[0]; i++) {
        assert_int_equal(mm_health_map_get(&sealed, asked[i]), mm_health_map_get(&map, asked[i]));
        assert_int_equal(mm_health_map_disabled(&sealed, asked[i]),
                         mm_health_map_disabled(&map, asked[i]));
    }
    mm_copy(names[0], MM_NAME_MAX, "zz"); /* out of order: the lookups stay linear */
    mm_health_map unsorted = map;
    mm_health_map_seal(&unsorted);
    assert_false(unsorted.sorted);
    assert_int_equal(mm_health_map_get(&unsorted, "zz"), MM_HEALTH_HEALTHY);
}

/* The cool-down reads the newest events in two steps (a few, then the rest of a streak): a 429
 * with a long Retry-After behind four newer failures still decides it, as the full read does. */
static void cools_down_from_a_streak_longer_than_the_first_read(void **state)
{
    catalog_fixture *fx = *state;
    put_account(fx->cat, "a1");
    put_account(fx->cat, "a2");
    put_model(fx->cat, "chat", "a1", "a2");
    add_entitled_workspace(fx->cat, "team", "chat");
    add_event(fx->cat, "a1", "ok", 200, NOW - 9000);
    mm_usage_event ev;
    memset(&ev, 0, sizeof ev);
    mm_copy(ev.kind, sizeof ev.kind, "request");
    mm_copy(ev.account, sizeof ev.account, "a1");
    mm_copy(ev.provider, sizeof ev.provider, "openai");
    mm_copy(ev.workspace, sizeof ev.workspace, "team");
    mm_copy(ev.model, sizeof ev.model, "chat");
    mm_copy(ev.provider_model, sizeof ev.provider_model, "gpt-4o-mini");
    mm_copy(ev.outcome, sizeof ev.outcome, "rate_limited");
    ev.ts_ms = NOW - 5000;
    ev.http_status = 429;
    ev.retry_after_ms = 120000;
    mm_error err;
    assert_int_equal(catalog_usage_insert(fx->cat, &ev, &err), MM_OK);
    for (int i = 4; i >= 1; i--)
        add_event(fx->cat, "a1", "server", 500, NOW - i * 1000);
    router_snapshot *snap = load(fx->cat, "chat", "team");
    const router_account *a1 = &snap->accounts[router_find_account(snap, "a1")];
    assert_int_equal(a1->cooling_until_ms, NOW - 5000 + 120000);
    assert_string_equal(a1->cooling_reason, "a 429 (retry-after 120 s)");
    const router_account *a2 = &snap->accounts[router_find_account(snap, "a2")];
    assert_int_equal(a2->cooling_until_ms, 0);
    router_snapshot_free(snap);
}

/* send's load (counters_for_limits_only) reads no counters of a scope without a limit, the
 * same counters as the full load for one with a limit, and hands over the chain's rows. */
static void reads_counters_only_where_a_limit_judges_them(void **state)
{
    catalog_fixture *fx = *state;
    build_catalog(fx->cat); /* team's entitlement to chat has an RPM limit; a1, a2 have none */
    mm_account_list rows = {0};
    router_load_options opts = {
        .model = "chat", .workspace = "team", .accounts = &rows, .counters_for_limits_only = true};
    router_snapshot *lean = NULL;
    mm_error err = {0};
    assert_int_equal(router_snapshot_load(fx->cat, NOW, &opts, &lean, &err), MM_OK);
    router_snapshot *full = load(fx->cat, "chat", "team");
    const router_account *a2 = &lean->accounts[router_find_account(lean, "a2")];
    assert_int_equal(a2->requests_window, 0);
    assert_int_equal(full->accounts[router_find_account(full, "a2")].requests_window, 5);
    assert_int_equal(lean->entitlements[0].requests_window, full->entitlements[0].requests_window);
    assert_int_equal(full->entitlements[0].requests_window, 2); /* the two served: 429s are not */
    assert_int_equal(rows.count, 2);
    assert_string_equal(rows.items[0].name, "a1");
    assert_string_equal(rows.items[1].name, "a2");
    mm_account_list_free(&rows);
    router_snapshot_free(lean);
    router_snapshot_free(full);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(loads_only_the_chain_the_request_needs,
                                        catalog_fixture_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(refuses_as_the_full_snapshot_does, catalog_fixture_setup,
                                        catalog_fixture_teardown),
        cmocka_unit_test(health_map_lookups_agree_sealed_or_not),
        cmocka_unit_test_setup_teardown(cools_down_from_a_streak_longer_than_the_first_read,
                                        catalog_fixture_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(reads_counters_only_where_a_limit_judges_them,
                                        catalog_fixture_setup, catalog_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
