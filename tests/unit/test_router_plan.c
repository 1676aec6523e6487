/* Unit tests of the router's planning core on hand-built snapshots: every refusal, ordering and
 * skip rule, the what-if, the explain log, cool-downs from recent events and fall-through. */
#include "testutil.h"

#include <string.h>

#include "router/router.h"
#include "util/clock.h"

#define NOW 1780000000000LL /* 2026-05-28 */

/* Accounts a1, a2, a3; model "chat" -> a1 (p1), a2 (p2), a3 (p3); "solo" -> a1 only; "empty"
 * without targets; workspaces "team" (entitled to all three) and "other" (to none). */
static router_snapshot *build(void (*tweak)(router_snapshot *))
{
    router_snapshot *snap = NULL;
    mm_error err;
    assert_int_equal(router_snapshot_new(3, 3, 2, 3, &snap, &err), MM_OK);
    router_snapshot_add_account(snap, "a1", "openai");
    router_snapshot_add_account(snap, "a2", "anthropic");
    router_snapshot_add_account(snap, "a3", "mistral");
    router_model *chat = router_snapshot_add_model(snap, "chat", "chat");
    assert_true(router_model_add_target(snap, chat, "a2", "claude", 2));
    assert_true(router_model_add_target(snap, chat, "a1", "gpt-4o", 1));
    assert_true(router_model_add_target(snap, chat, "a3", "mistral-large", 3));
    router_model *solo = router_snapshot_add_model(snap, "solo", "chat");
    assert_true(router_model_add_target(snap, solo, "a1", "gpt-4o", 1));
    router_snapshot_add_model(snap, "empty", "chat");
    router_snapshot_add_workspace(snap, "team");
    router_snapshot_add_workspace(snap, "other");
    assert_non_null(router_snapshot_add_entitlement(snap, "team", "chat"));
    assert_non_null(router_snapshot_add_entitlement(snap, "team", "solo"));
    assert_non_null(router_snapshot_add_entitlement(snap, "team", "empty"));
    if (tweak)
        tweak(snap);
    assert_int_equal(router_snapshot_finish(snap, &err), MM_OK);
    return snap;
}

static router_account *account(router_snapshot *snap, const char *name)
{
    for (size_t i = 0; i < snap->n_accounts; i++)
        if (strcmp(snap->accounts[i].name, name) == 0)
            return &snap->accounts[i];
    fail();
    return NULL;
}

static mm_status plan(router_snapshot *snap, const char *ws, const char *model, router_plan *out)
{
    router_request req = {.workspace = ws, .model = model, .explain = true};
    return router_plan_request(snap, &req, NOW, out);
}

static bool explained(const router_plan *p, router_step step, const char *text)
{
    for (size_t i = 0; i < p->n_explain; i++)
        if (p->explain[i].step == step && strstr(p->explain[i].text, text))
            return true;
    return false;
}

static void assert_order(const router_plan *p, const char *first, const char *second,
                         const char *third)
{
    const char *want[] = {first, second, third};
    size_t n = third ? 3 : second ? 2 : first ? 1 : 0;
    assert_int_equal(p->n_attempts, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(p->attempts[i].account->name, want[i]);
}

static void orders_by_priority(void **state)
{
    (void)state;
    router_snapshot *snap = build(NULL);
    router_plan p;
    assert_int_equal(plan(snap, "team", "chat", &p), MM_OK);
    assert_int_equal(p.refusal, ROUTER_ADMITTED);
    assert_order(&p, "a1", "a2", "a3");
    assert_string_equal(p.attempts[0].target->model, "gpt-4o");
    assert_true(explained(&p, ROUTER_STEP_CHECK, "entitlement"));
    assert_true(explained(&p, ROUTER_STEP_INCLUDE, "include a1 (priority 1, gpt-4o)"));
    assert_true(explained(&p, ROUTER_STEP_INCLUDE, "treated as healthy"));
    router_snapshot_free(snap);
}

static void refuses_unknown_names(void **state)
{
    (void)state;
    router_snapshot *snap = build(NULL);
    router_plan p;
    assert_int_equal(plan(snap, "team", "nope", &p), MM_E_NOT_FOUND);
    assert_int_equal(p.refusal, ROUTER_UNKNOWN_MODEL);
    assert_int_equal(plan(snap, "nobody", "chat", &p), MM_E_NOT_FOUND);
    assert_int_equal(p.refusal, ROUTER_UNKNOWN_WORKSPACE);
    assert_int_equal(p.n_attempts, 0);
    router_snapshot_free(snap);
}

static void refuses_without_entitlement(void **state)
{
    (void)state;
    router_snapshot *snap = build(NULL);
    router_plan p;
    assert_int_equal(plan(snap, "other", "chat", &p), MM_E_REFUSED);
    assert_int_equal(p.refusal, ROUTER_NOT_ENTITLED);
    assert_non_null(strstr(p.message, "grant it on the Model Entitlements page"));
    assert_non_null(strstr(p.message, "mmadmin entitle chat other"));
    assert_int_equal(p.frees_at_ms, 0);
    assert_int_equal(p.n_attempts, 0);
    assert_true(explained(&p, ROUTER_STEP_REFUSE, "not entitled"));
    router_snapshot_free(snap);
}

static void workspace_rpm(router_snapshot *snap)
{
    snap->entitlements[0].rpm = 5;
    snap->entitlements[0].requests_window = 5;
    snap->entitlements[0].window_oldest_ms = NOW - 48000;
}

static void refuses_over_workspace_rpm_saying_when_it_frees(void **state)
{
    (void)state;
    router_snapshot *snap = build(workspace_rpm);
    router_plan p;
    assert_int_equal(plan(snap, "team", "chat", &p), MM_E_REFUSED);
    assert_int_equal(p.refusal, ROUTER_WORKSPACE_RPM);
    assert_int_equal(p.frees_at_ms, NOW + 12000);
    assert_non_null(strstr(p.message, "5 requests/min"));
    assert_non_null(strstr(p.message, "frees in 12 s"));
    /* another model of the same workspace has its own entitlement */
    assert_int_equal(plan(snap, "team", "solo", &p), MM_OK);
    router_snapshot_free(snap);
}

static void workspace_tokens(router_snapshot *snap)
{
    snap->entitlements[0].tpm = 1000;
    snap->entitlements[0].tokens_window = 900;
    snap->entitlements[0].window_oldest_ms = NOW - 1000;
    snap->entitlements[1].monthly_tokens = 5000;
    snap->entitlements[1].tokens_month = 5000;
}

static void refuses_over_workspace_tpm_and_monthly_cap(void **state)
{
    (void)state;
    router_snapshot *snap = build(workspace_tokens);
    router_plan p;
    router_request req = {.workspace = "team", .model = "chat", .tokens_estimate = 50};
    assert_int_equal(router_plan_request(snap, &req, NOW, &p), MM_OK);
    req.tokens_estimate = 200;
    assert_int_equal(router_plan_request(snap, &req, NOW, &p), MM_E_REFUSED);
    assert_int_equal(p.refusal, ROUTER_WORKSPACE_TPM);
    assert_int_equal(p.frees_at_ms, NOW + 59000);
    req.model = "solo";
    assert_int_equal(router_plan_request(snap, &req, NOW, &p), MM_E_REFUSED);
    assert_int_equal(p.refusal, ROUTER_WORKSPACE_MONTHLY_TOKENS);
    assert_int_equal(p.frees_at_ms, mm_next_month_start_ms(NOW));
    assert_non_null(strstr(p.message, "monthly cap of 5000 tokens"));
    router_snapshot_free(snap);
}

static void health_mix(router_snapshot *snap)
{
    account(snap, "a1")->health = MM_HEALTH_UNREACHABLE;
    account(snap, "a2")->health = MM_HEALTH_DEGRADED;
    account(snap, "a3")->health = MM_HEALTH_HEALTHY;
}

static void orders_healthy_then_degraded_then_unreachable(void **state)
{
    (void)state;
    router_snapshot *snap = build(health_mix);
    router_plan p;
    assert_int_equal(plan(snap, "team", "chat", &p), MM_OK);
    assert_order(&p, "a3", "a2", "a1");
    assert_int_equal(p.attempts[2].health, MM_HEALTH_UNREACHABLE);
    assert_true(explained(&p, ROUTER_STEP_REORDER, "reorder a1: unreachable"));
    assert_true(explained(&p, ROUTER_STEP_REORDER, "reorder a2: degraded"));
    router_snapshot_free(snap);
}

static void skip_reasons(router_snapshot *snap)
{
    router_account *a1 = account(snap, "a1");
    a1->enabled = false;
    strcpy(a1->disabled_reason, "key leaked, rotating");
    router_account *a2 = account(snap, "a2");
    a2->rpm = 60;
    a2->requests_window = 60;
    a2->window_oldest_ms = NOW - 48000;
}

static void skips_disabled_and_over_rpm_accounts(void **state)
{
    (void)state;
    router_snapshot *snap = build(skip_reasons);
    router_plan p;
    assert_int_equal(plan(snap, "team", "chat", &p), MM_OK);
    assert_order(&p, "a3", NULL, NULL);
    assert_true(
        explained(&p, ROUTER_STEP_SKIP, "skip a1: account disabled (key leaked, rotating)"));
    assert_true(
        explained(&p, ROUTER_STEP_SKIP,
                  "skip a2: account over its RPM (60/60 in the last minute; frees in 12 s)"));
    router_snapshot_free(snap);
}

static void tpm_and_spend(router_snapshot *snap)
{
    router_account *a1 = account(snap, "a1");
    a1->tpm = 10000;
    a1->tokens_window = 9990;
    a1->window_oldest_ms = NOW - 30000;
    router_account *a2 = account(snap, "a2");
    a2->monthly_cap_micros = 10 * 1000000LL;
    a2->cost_month_micros = 10 * 1000000LL + 1;
}

static void skips_accounts_over_tpm_and_spending_cap(void **state)
{
    (void)state;
    router_snapshot *snap = build(tpm_and_spend);
    router_plan p;
    router_request req = {
        .workspace = "team", .model = "chat", .tokens_estimate = 100, .explain = true};
    assert_int_equal(router_plan_request(snap, &req, NOW, &p), MM_OK);
    assert_order(&p, "a3", NULL, NULL);
    assert_true(explained(&p, ROUTER_STEP_SKIP, "skip a1: account over its TPM"));
    assert_true(explained(&p, ROUTER_STEP_SKIP,
                          "skip a2: account over its monthly spending cap "
                          "($10.00 of $10.00 this month"));
    req.tokens_estimate = 5; /* fits a1's remaining 10 tokens */
    assert_int_equal(router_plan_request(snap, &req, NOW, &p), MM_OK);
    assert_order(&p, "a1", "a3", NULL);
    router_snapshot_free(snap);
}

static void cooling(router_snapshot *snap)
{
    router_account *a1 = account(snap, "a1");
    a1->cooling_until_ms = NOW + 7000;
    strcpy(a1->cooling_reason, "a 429 (retry-after 7 s)");
}

static void skips_cooling_account_but_never_the_only_target(void **state)
{
    (void)state;
    router_snapshot *snap = build(cooling);
    router_plan p;
    assert_int_equal(plan(snap, "team", "chat", &p), MM_OK);
    assert_order(&p, "a2", "a3", NULL);
    assert_true(
        explained(&p, ROUTER_STEP_SKIP,
                  "skip a1: account cooling down after a 429 (retry-after 7 s) (frees in 7 s)"));
    assert_int_equal(plan(snap, "team", "solo", &p), MM_OK);
    assert_order(&p, "a1", NULL, NULL);
    assert_true(p.attempts[0].cooling);
    assert_true(explained(&p, ROUTER_STEP_INCLUDE, "it is the only target of 'solo'"));
    /* once the cool-down is over the account is back in its place */
    router_request req = {.workspace = "team", .model = "chat"};
    assert_int_equal(router_plan_request(snap, &req, NOW + 7000, &p), MM_OK);
    assert_order(&p, "a1", "a2", "a3");
    router_snapshot_free(snap);
}

static void all_cooling(router_snapshot *snap)
{
    account(snap, "a1")->cooling_until_ms = NOW + 30000;
    account(snap, "a2")->cooling_until_ms = NOW + 9000;
    account(snap, "a3")->cooling_until_ms = NOW + 20000;
}

static void refuses_when_every_target_cools_saying_when_the_first_frees(void **state)
{
    (void)state;
    router_snapshot *snap = build(all_cooling);
    router_plan p;
    assert_int_equal(plan(snap, "team", "chat", &p), MM_E_REFUSED);
    assert_int_equal(p.refusal, ROUTER_NO_USABLE_TARGET);
    assert_int_equal(p.frees_at_ms, NOW + 9000);
    assert_non_null(strstr(p.message, "every target of 'chat' is cooling down"));
    assert_non_null(strstr(p.message, "a2, frees in 9 s"));
    router_snapshot_free(snap);
}

static void all_disabled(router_snapshot *snap)
{
    for (size_t i = 0; i < snap->n_accounts; i++)
        snap->accounts[i].enabled = false;
}

static void refuses_when_every_account_is_disabled_or_no_target(void **state)
{
    (void)state;
    router_snapshot *snap = build(all_disabled);
    router_plan p;
    assert_int_equal(plan(snap, "team", "chat", &p), MM_E_REFUSED);
    assert_int_equal(p.refusal, ROUTER_NO_USABLE_TARGET);
    assert_int_equal(p.frees_at_ms, 0);
    assert_non_null(strstr(p.message, "disabled"));
    assert_int_equal(plan(snap, "team", "empty", &p), MM_E_REFUSED);
    assert_int_equal(p.refusal, ROUTER_NO_TARGETS);
    router_snapshot_free(snap);
}

static void what_if_moves_down_accounts_last(void **state)
{
    (void)state;
    router_snapshot *snap = build(NULL);
    router_plan p;
    const char *down[] = {"a1"};
    router_request req = {
        .workspace = "team", .model = "chat", .down = down, .n_down = 1, .explain = true};
    assert_int_equal(router_plan_request(snap, &req, NOW, &p), MM_OK);
    assert_order(&p, "a2", "a3", "a1");
    assert_true(p.attempts[2].down);
    assert_false(p.attempts[0].down);
    assert_true(explained(&p, ROUTER_STEP_REORDER, "reorder a1: down (what-if)"));
    router_snapshot_free(snap);
}

static void explain_is_optional(void **state)
{
    (void)state;
    router_snapshot *snap = build(skip_reasons);
    router_plan p;
    router_request req = {.workspace = "team", .model = "chat"};
    assert_int_equal(router_plan_request(snap, &req, NOW, &p), MM_OK);
    assert_int_equal(p.n_explain, 0);
    assert_int_equal(p.n_attempts, 1);
    router_snapshot_free(snap);
}

static router_recent_event ev(mm_error_class cls, int http, int64_t ago_ms, int64_t retry_after)
{
    router_recent_event e = {cls, http, NOW - ago_ms, retry_after};
    return e;
}

static void cools_after_429_for_its_retry_after_or_the_default(void **state)
{
    (void)state;
    router_config cfg;
    router_config_default(&cfg);
    char why[ROUTER_COOLING_REASON_MAX];
    router_recent_event one[] = {ev(MM_CLASS_RATE_LIMITED, 429, 2000, 7000)};
    assert_int_equal(router_cooling_until(&cfg, one, 1, NOW, why, sizeof why), NOW + 5000);
    assert_string_equal(why, "a 429 (retry-after 7 s)");
    one[0].retry_after_ms = -1;
    assert_int_equal(router_cooling_until(&cfg, one, 1, NOW, why, sizeof why),
                     NOW - 2000 + cfg.rate_limit_default_ms);
    one[0].retry_after_ms = 100LL * 3600000; /* an absurd header is capped at an hour */
    assert_int_equal(router_cooling_until(&cfg, one, 1, NOW, why, sizeof why),
                     NOW - 2000 + ROUTER_RETRY_AFTER_CAP_MS);
    one[0].retry_after_ms = 1000; /* over already */
    assert_int_equal(router_cooling_until(&cfg, one, 1, NOW, why, sizeof why), 0);
    assert_string_equal(why, "");
}

static void cools_after_n_consecutive_counting_failures(void **state)
{
    (void)state;
    router_config cfg;
    router_config_default(&cfg); /* 3 failures, 30 s */
    char why[ROUTER_COOLING_REASON_MAX];
    router_recent_event evs[] = {ev(MM_CLASS_TIMEOUT, 0, 1000, -1),
                                 ev(MM_CLASS_SERVER, 500, 2000, -1),
                                 ev(MM_CLASS_AUTH, 401, 3000, -1), ev(MM_CLASS_OK, 200, 4000, -1)};
    assert_int_equal(router_cooling_until(&cfg, evs, 4, NOW, why, sizeof why), NOW + 29000);
    assert_string_equal(why, "3 consecutive failures (last: timeout)");
    /* two failures after a success do not cool */
    evs[2] = ev(MM_CLASS_OK, 200, 3000, -1);
    assert_int_equal(router_cooling_until(&cfg, evs, 4, NOW, why, sizeof why), 0);
    /* a request error answers: it ends the streak and never counts */
    router_recent_event bad[] = {ev(MM_CLASS_BAD_REQUEST, 400, 1000, -1),
                                 ev(MM_CLASS_BAD_REQUEST, 400, 2000, -1),
                                 ev(MM_CLASS_BAD_REQUEST, 422, 3000, -1)};
    assert_int_equal(router_cooling_until(&cfg, bad, 3, NOW, why, sizeof why), 0);
    /* 408 counts, whatever class the adapter gave it */
    for (size_t i = 0; i < 3; i++)
        bad[i].http_status = 408;
    assert_int_equal(router_cooling_until(&cfg, bad, 3, NOW, why, sizeof why), NOW + 29000);
    /* the cool-down ends M seconds after the last failure */
    assert_int_equal(router_cooling_until(&cfg, bad, 3, NOW + 29000, why, sizeof why), 0);
}

static void falls_through_on_account_problems_only(void **state)
{
    (void)state;
    const mm_error_class through[] = {
        MM_CLASS_AUTH,   MM_CLASS_QUOTA,   MM_CLASS_RATE_LIMITED, MM_CLASS_OVERLOADED,
        MM_CLASS_SERVER, MM_CLASS_TIMEOUT, MM_CLASS_NETWORK,      MM_CLASS_BAD_RESPONSE};
    for (size_t i = 0; i < sizeof through / sizeof through[0]; i++)
        assert_true(router_class_falls_through(through[i], 500));
    assert_false(router_class_falls_through(MM_CLASS_BAD_REQUEST, 400));
    assert_false(router_class_falls_through(MM_CLASS_BAD_REQUEST, 404));
    assert_false(router_class_falls_through(MM_CLASS_BAD_REQUEST, 422));
    assert_true(router_class_falls_through(MM_CLASS_BAD_REQUEST, 408));
    assert_false(router_class_counts_for_cooldown(MM_CLASS_OK, 200));
    assert_false(router_class_counts_for_cooldown(MM_CLASS_BAD_REQUEST, 400));
}

static void config_is_validated(void **state)
{
    (void)state;
    router_config cfg;
    mm_error err;
    router_config_default(&cfg);
    assert_int_equal(router_config_validate(&cfg, &err), MM_OK);
    cfg.cooldown_failures = 0;
    assert_int_equal(router_config_validate(&cfg, &err), MM_E_INVALID);
    assert_string_equal(err.field, "failures");
}

static void snapshot_refuses_duplicates(void **state)
{
    (void)state;
    router_snapshot *snap = NULL;
    mm_error err;
    assert_int_equal(router_snapshot_new(2, 1, 1, 1, &snap, &err), MM_OK);
    router_snapshot_add_account(snap, "a1", "openai");
    router_snapshot_add_account(snap, "a1", "openai");
    assert_int_equal(router_snapshot_finish(snap, &err), MM_E_INVALID);
    assert_non_null(strstr(err.message, "two accounts named 'a1'"));
    router_snapshot_free(snap);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(orders_by_priority),
        cmocka_unit_test(refuses_unknown_names),
        cmocka_unit_test(refuses_without_entitlement),
        cmocka_unit_test(refuses_over_workspace_rpm_saying_when_it_frees),
        cmocka_unit_test(refuses_over_workspace_tpm_and_monthly_cap),
        cmocka_unit_test(orders_healthy_then_degraded_then_unreachable),
        cmocka_unit_test(skips_disabled_and_over_rpm_accounts),
        cmocka_unit_test(skips_accounts_over_tpm_and_spending_cap),
        cmocka_unit_test(skips_cooling_account_but_never_the_only_target),
        cmocka_unit_test(refuses_when_every_target_cools_saying_when_the_first_frees),
        cmocka_unit_test(refuses_when_every_account_is_disabled_or_no_target),
        cmocka_unit_test(what_if_moves_down_accounts_last),
        cmocka_unit_test(explain_is_optional),
        cmocka_unit_test(cools_after_429_for_its_retry_after_or_the_default),
        cmocka_unit_test(cools_after_n_consecutive_counting_failures),
        cmocka_unit_test(falls_through_on_account_problems_only),
        cmocka_unit_test(config_is_validated),
        cmocka_unit_test(snapshot_refuses_duplicates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
