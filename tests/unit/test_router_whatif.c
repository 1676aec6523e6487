/* Unit tests of the router's what-ifs (router/whatif.h), which the console's Health detail and
 * `mmadmin route --down` share: which models fall back away from an account now, with the
 * router's reason, and where their traffic goes with accounts taken down. */
#include "test_catalog_util.h"

#include "health/chain_health.h"
#include "router/whatif.h"
#include "util/clock.h"

/* The outlook with the statuses of report, as the Health detail asks for it. */
static mm_status outlook_of(mm_catalog *cat, const mm_health_report *r, const char *account,
                            router_account_outlook *out, mm_error *err)
{
    mm_health_map map;
    mm_status st = health_map_from_report(r, &map, err);
    if (st != MM_OK)
        return st;
    st = router_account_what_if_load(cat, &map, account, NULL, 0, mm_now_ms(), out, err);
    mm_health_map_free(&map);
    return st;
}

static void report_with(mm_health_report *r, mm_health primary, mm_health backup)
{
    memset(r, 0, sizeof *r);
    r->count = 2;
    r->accounts = calloc(2, sizeof *r->accounts);
    r->accounts[0].account = "primary";
    r->accounts[0].status = primary;
    r->accounts[1].account = "backup";
    r->accounts[1].status = backup;
}

static void setup_chains(mm_catalog *cat)
{
    add_account(cat, "primary", "openai", "sk-primary-0123456789");
    add_account(cat, "backup", "anthropic", "sk-ant-backup-0123456789");
    add_model(cat, "fast-chat");
    add_target(cat, "fast-chat", "primary", "gpt-4o-mini", 1);
    add_target(cat, "fast-chat", "backup", "claude-3-5-haiku-20241022", 2);
    add_model(cat, "solo");
    add_target(cat, "solo", "primary", "gpt-4o", 1);
    add_model(cat, "elsewhere");
    add_target(cat, "elsewhere", "backup", "claude-sonnet-4-20250514", 1);
}

static void healthy_account_keeps_its_traffic(void **state)
{
    catalog_fixture *fx = *state;
    setup_chains(fx->cat);
    mm_health_report r;
    report_with(&r, MM_HEALTH_HEALTHY, MM_HEALTH_HEALTHY);
    router_account_outlook info;
    mm_error err = {0};
    assert_int_equal(outlook_of(fx->cat, &r, "primary", &info, &err), MM_OK);
    assert_int_equal(info.n_models, 2);
    assert_int_equal(info.n_fallbacks, 0);
    assert_false(info.cooling);
    assert_int_equal(outlook_of(fx->cat, &r, "backup", &info, &err), MM_OK);
    assert_int_equal(info.n_models, 2);
    assert_int_equal(info.n_fallbacks, 0); /* second in fast-chat: that is the plan, no shift */
    health_report_free(&r);
}

static void degraded_account_sends_its_models_elsewhere(void **state)
{
    catalog_fixture *fx = *state;
    setup_chains(fx->cat);
    mm_health_report r;
    report_with(&r, MM_HEALTH_DEGRADED, MM_HEALTH_HEALTHY);
    router_account_outlook info;
    mm_error err = {0};
    assert_int_equal(outlook_of(fx->cat, &r, "primary", &info, &err), MM_OK);
    assert_int_equal(info.n_models, 2);
    assert_int_equal(info.n_fallbacks, 1); /* solo has no other target: still primary first */
    assert_string_equal(info.fallbacks[0].model, "fast-chat");
    assert_int_equal(info.fallbacks[0].priority, 1);
    assert_string_equal(info.fallbacks[0].served_by, "backup");
    assert_non_null(strstr(info.fallbacks[0].why, "degraded"));
    health_report_free(&r);
}

static void disabled_account_lists_every_model_with_why(void **state)
{
    catalog_fixture *fx = *state;
    setup_chains(fx->cat);
    mm_error err = {0};
    assert_int_equal(catalog_account_set_enabled(fx->cat, "primary", false, "key rotation", &err),
                     MM_OK);
    mm_health_report r;
    report_with(&r, MM_HEALTH_HEALTHY, MM_HEALTH_HEALTHY);
    router_account_outlook info;
    assert_int_equal(outlook_of(fx->cat, &r, "primary", &info, &err), MM_OK);
    assert_int_equal(info.n_fallbacks, 2);
    for (size_t i = 0; i < 2; i++) {
        const router_fallback *fb = &info.fallbacks[i];
        if (strcmp(fb->model, "fast-chat") == 0) {
            assert_string_equal(fb->served_by, "backup");
            assert_non_null(strstr(fb->why, "key rotation"));
        } else {
            assert_string_equal(fb->model, "solo");
            assert_string_equal(fb->served_by, ""); /* nothing left to serve it */
            assert_non_null(strstr(fb->why, "solo"));
        }
    }
    assert_int_equal(outlook_of(fx->cat, &r, "nobody", &info, &err), MM_E_NOT_FOUND);
    health_report_free(&r);
}

static void down_account_shows_the_blast_radius(void **state)
{
    catalog_fixture *fx = *state;
    setup_chains(fx->cat);
    mm_health_report r;
    report_with(&r, MM_HEALTH_HEALTHY, MM_HEALTH_HEALTHY);
    mm_health_map map;
    mm_error err = {0};
    assert_int_equal(health_map_from_report(&r, &map, &err), MM_OK);
    const char *down[] = {"primary"};
    router_account_outlook info;
    assert_int_equal(
        router_account_what_if_load(fx->cat, &map, "primary", down, 1, mm_now_ms(), &info, &err),
        MM_OK);
    assert_int_equal(info.n_models, 2);
    assert_int_equal(info.n_fallbacks, 1); /* solo: primary is still tried, and is down */
    assert_string_equal(info.fallbacks[0].model, "fast-chat");
    assert_string_equal(info.fallbacks[0].served_by, "backup");
    assert_string_equal(info.fallbacks[0].first_live, "backup");
    /* every target down: the priority order stands, nothing moves away from primary */
    const char *both[] = {"primary", "backup"};
    assert_int_equal(
        router_account_what_if_load(fx->cat, &map, "primary", both, 2, mm_now_ms(), &info, &err),
        MM_OK);
    assert_int_equal(info.n_models, 2);
    assert_int_equal(info.n_fallbacks, 0);
    mm_health_map_free(&map);
    health_report_free(&r);
}

static void first_live_skips_down_and_unreachable(void **state)
{
    (void)state;
    router_account accounts[3] = {{.name = "a"}, {.name = "b"}, {.name = "c"}};
    router_target targets[3] = {{.priority = 1}, {.priority = 2}, {.priority = 3}};
    router_plan *plan = calloc(1, sizeof *plan);
    assert_non_null(plan);
    plan->refusal = ROUTER_ADMITTED;
    plan->n_attempts = 3;
    for (int i = 0; i < 3; i++)
        plan->attempts[i] = (router_attempt){
            .account = &accounts[i], .target = &targets[i], .health = MM_HEALTH_HEALTHY};
    plan->attempts[0].down = true;
    plan->attempts[1].health = MM_HEALTH_UNREACHABLE;
    assert_ptr_equal(router_plan_first_live(plan), &plan->attempts[2]);
    plan->attempts[2].health = MM_HEALTH_UNREACHABLE;
    assert_null(router_plan_first_live(plan));
    plan->attempts[2].health = MM_HEALTH_DEGRADED;
    plan->refusal = ROUTER_NO_USABLE_TARGET;
    assert_null(router_plan_first_live(plan));
    free(plan);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(healthy_account_keeps_its_traffic, catalog_fixture_setup,
                                        catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(degraded_account_sends_its_models_elsewhere,
                                        catalog_fixture_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(disabled_account_lists_every_model_with_why,
                                        catalog_fixture_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(down_account_shows_the_blast_radius, catalog_fixture_setup,
                                        catalog_fixture_teardown),
        cmocka_unit_test(first_live_skips_down_and_unreachable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
