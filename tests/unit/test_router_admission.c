/* Unit tests of router admission on a real catalog: what each counter counts (attempts for an
 * account, what was served for a workspace, requests in flight for both), the cached month
 * sums staying equal to a full count, atomic admit/record, cool-downs and the snapshot loader. */
#include "test_catalog_util.h"
#include "test_rollup_recount.h"

#include "catalog/admission.h"
#include "router/pricing.h"
#include "router/router.h"
#include "util/clock.h"
#include "util/money.h"

#include <sys/wait.h>
#include <unistd.h>

#define NOW 1780000000000LL

static void event(mm_usage_event *ev, const char *account, const char *workspace,
                  const char *outcome, int http, int64_t ts, int64_t tokens, int64_t cost)
{
    memset(ev, 0, sizeof *ev);
    ev->ts_ms = ts;
    mm_copy(ev->kind, sizeof ev->kind, "request");
    mm_copy(ev->account, sizeof ev->account, account);
    mm_copy(ev->provider, sizeof ev->provider, "openai");
    mm_copy(ev->workspace, sizeof ev->workspace, workspace);
    mm_copy(ev->model, sizeof ev->model, "chat");
    mm_copy(ev->provider_model, sizeof ev->provider_model, "gpt-4o-mini");
    mm_copy(ev->outcome, sizeof ev->outcome, outcome);
    ev->http_status = http;
    ev->tokens_in = tokens;
    ev->cost_micros = cost;
    ev->retry_after_ms = -1;
}

static void insert(mm_catalog *cat, mm_usage_event *ev)
{
    mm_error err;
    assert_int_equal(catalog_usage_insert(cat, ev, &err), MM_OK);
}

static void counts_attempts_for_accounts_and_served_requests_for_workspaces(void **state)
{
    catalog_fixture *fx = *state;
    mm_usage_event ev;
    event(&ev, "a1", "team", "server", 500, NOW - 1000, 0, 0); /* fell through */
    insert(fx->cat, &ev);
    event(&ev, "a2", "team", "ok", 200, NOW - 900, 30, 500);
    insert(fx->cat, &ev);
    event(&ev, "a2", "team", "bad_request", 400, NOW - 800, 0, 0); /* returned to the caller */
    insert(fx->cat, &ev);
    event(&ev, "a2", "team", "ok", 200, NOW - 120000, 10, 100); /* older than a minute */
    insert(fx->cat, &ev);
    mm_usage_counters c;
    mm_error err;
    assert_int_equal(catalog_workspace_counters(fx->cat, "team", "chat", NOW, true, &c, &err),
                     MM_OK);
    assert_int_equal(c.requests_window, 2);
    assert_int_equal(c.tokens_window, 30);
    assert_int_equal(c.window_oldest_ms, NOW - 900);
    assert_int_equal(c.tokens_month, 40);
    assert_int_equal(catalog_account_counters(fx->cat, "a1", NOW, true, &c, &err), MM_OK);
    assert_int_equal(c.requests_window, 1);
    assert_int_equal(catalog_account_counters(fx->cat, "a2", NOW, true, &c, &err), MM_OK);
    assert_int_equal(c.requests_window, 2);
    assert_int_equal(c.cost_month_micros, 600);
    /* without the month, nothing is summed beyond the minute */
    assert_int_equal(catalog_account_counters(fx->cat, "a2", NOW, false, &c, &err), MM_OK);
    assert_int_equal(c.cost_month_micros, 0);
}

static mm_admission_request admission(const char *account, int64_t now, int64_t ws_rpm)
{
    mm_admission_request req = {.workspace = "team",
                                .model = "chat",
                                .account = account,
                                .workspace_rpm = ws_rpm,
                                .workspace_monthly_tokens = 1000000,
                                .account_monthly_cap_micros = 1000000000,
                                .tokens_estimate = 5,
                                .now_ms = now,
                                .hold_ms = 60000};
    return req;
}

static void admits_atomically_and_counts_requests_in_flight(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err;
    mm_admission adm;
    int64_t first = 0, second = 0, third = 0;
    mm_admission_request req = admission("a1", NOW, 2);
    assert_int_equal(catalog_admit(fx->cat, &req, &first, &adm, &err), MM_OK);
    assert_int_equal(adm.verdict, MM_ADMITTED);
    assert_true(first > 0);
    assert_int_equal(catalog_admit(fx->cat, &req, &second, &adm, &err), MM_OK);
    assert_int_equal(adm.verdict, MM_ADMITTED);
    /* two in flight: the workspace's RPM of 2 is reached */
    assert_int_equal(catalog_admit(fx->cat, &req, &third, &adm, &err), MM_OK);
    assert_int_equal(adm.verdict, MM_ADMIT_WORKSPACE_RPM);
    assert_int_equal(third, 0);
    assert_int_equal(adm.frees_at_ms, NOW + MM_ADMISSION_WINDOW_MS);
    /* the first falls through: its reservation moves to a2, still counted once */
    mm_usage_event ev;
    event(&ev, "a1", "team", "timeout", 0, NOW, 0, 0);
    assert_int_equal(catalog_admission_record(fx->cat, first, &ev, false, &err), MM_OK);
    mm_usage_counters c;
    assert_int_equal(catalog_workspace_counters(fx->cat, "team", "chat", NOW, false, &c, &err),
                     MM_OK);
    assert_int_equal(c.requests_window, 2);
    req = admission("a2", NOW, 2);
    assert_int_equal(catalog_admit(fx->cat, &req, &first, &adm, &err), MM_OK);
    assert_int_equal(adm.verdict, MM_ADMITTED);
    assert_int_equal(catalog_account_counters(fx->cat, "a2", NOW, false, &c, &err), MM_OK);
    assert_int_equal(c.requests_window, 1);
    event(&ev, "a2", "team", "ok", 200, NOW, 12, 34);
    assert_int_equal(catalog_admission_record(fx->cat, first, &ev, true, &err), MM_OK);
    assert_int_equal(catalog_admission_release(fx->cat, second, &err), MM_OK);
    assert_int_equal(catalog_workspace_counters(fx->cat, "team", "chat", NOW, true, &c, &err),
                     MM_OK);
    assert_int_equal(c.requests_window, 1); /* the served one; the timeout does not count */
    assert_int_equal(c.tokens_month, 12);
    assert_int_equal(catalog_account_counters(fx->cat, "a1", NOW, false, &c, &err), MM_OK);
    assert_int_equal(c.requests_window, 1); /* the timeout reached a1 */
}

/* The statements a record prepares, admitted now in a fresh connection to the catalog, with
 * (prepare_ahead: catalog_admission_prepare_record, what send does while libcurl loads) or
 * without its reused statements prepared before; the event served and recorded for real. */
static int64_t record_statements(const char *path, bool prepare_ahead, int64_t now)
{
    mm_catalog *cat = fixture_open(path);
    mm_error err;
    if (prepare_ahead)
        assert_int_equal(catalog_admission_prepare_record(cat, &err), MM_OK);
    mm_admission adm;
    int64_t reservation = 0, before = 0, after = 0, transactions = 0;
    mm_admission_request req = admission("a1", now, 100);
    assert_int_equal(catalog_admit(cat, &req, &reservation, &adm, &err), MM_OK);
    assert_int_equal(adm.verdict, MM_ADMITTED);
    mm_usage_event ev;
    event(&ev, "a1", "team", "ok", 200, now, 10, 20);
    ev.latency_ms = prepare_ahead ? 120 : 80;
    catalog_sql_counts(cat, &before, &transactions);
    assert_int_equal(catalog_admission_record(cat, reservation, &ev, true, &err), MM_OK);
    catalog_sql_counts(cat, &after, &transactions);
    catalog_close(cat);
    return after - before;
}

/* A record whose reused statements were prepared ahead (the usage insert, the minute and day
 * rollups' upserts, the rollups' position's write) prepares none of them again, and writes what a
 * record without them does: both events, the rollups equal to a recount of them. Nothing is
 * prepared ahead on PostgreSQL. */
static void a_record_prepared_ahead_prepares_its_statements_once(void **state)
{
    catalog_fixture *fx = *state;
    int64_t now = mm_now_ms();
    int64_t cold = record_statements(fx->path, false, now);
    int64_t ahead = record_statements(fx->path, true, now);
    assert_int_equal(cold - ahead, fx->postgres ? 0 : 4);
    const mm_rollup_query queries[] = {
        {.account = "a1", .kind = "request", .from_ms = 0, .to_ms = INT64_MAX},
        {.account = "a1", .per_minute = true, .from_ms = now - 60000, .to_ms = now + 60000},
        {.workspace = "team", .model = "chat", .kind = "request", .from_ms = 0, .to_ms = INT64_MAX},
    };
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++)
        assert_rollup_equals_recount(fx->cat, &queries[i]);
    mm_usage_rollup day;
    mm_error err;
    assert_int_equal(catalog_usage_rollup_sum(fx->cat, &queries[0], &day, NULL, &err), MM_OK);
    assert_int_equal(day.events, 2);
    assert_int_equal(day.tokens_in, 20);
    assert_int_equal(day.cost_micros, 40);
    mm_usage_counters c; /* the two served events, no reservation left behind */
    assert_int_equal(catalog_workspace_counters(fx->cat, "team", "chat", now, true, &c, &err),
                     MM_OK);
    assert_int_equal(c.requests_window, 2);
    assert_int_equal(c.tokens_month, 20);
}

/* A reservation holds its estimated cost against the account's spending cap (judged as the
 * cap is: refused once spent plus reserved reaches it) until the real cost replaces it. */
static void reserves_estimated_cost_until_settled(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err;
    mm_admission adm;
    mm_admission_request req = admission("a1", NOW, MM_LIMIT_UNSET);
    req.account_monthly_cap_micros = 1000;
    req.cost_estimate_micros = 600;
    int64_t first = 0, second = 0, third = 0;
    assert_int_equal(catalog_admit(fx->cat, &req, &first, &adm, &err), MM_OK);
    assert_int_equal(adm.verdict, MM_ADMITTED);
    mm_usage_counters c;
    assert_int_equal(catalog_account_counters(fx->cat, "a1", NOW, true, &c, &err), MM_OK);
    assert_int_equal(c.cost_month_micros, 600);
    assert_int_equal(catalog_admit(fx->cat, &req, &second, &adm, &err), MM_OK);
    assert_int_equal(adm.verdict, MM_ADMITTED); /* 600 < 1000: the cap is not reached yet */
    assert_int_equal(catalog_admit(fx->cat, &req, &third, &adm, &err), MM_OK);
    assert_int_equal(adm.verdict, MM_ADMIT_ACCOUNT_SPEND_CAP); /* 1200 in flight */
    assert_int_equal(adm.counters.cost_month_micros, 1200);
    /* the first settles at its real cost, 100: 700 now, so the third passes */
    mm_usage_event ev;
    event(&ev, "a1", "team", "ok", 200, NOW, 10, 100);
    assert_int_equal(catalog_admission_record(fx->cat, first, &ev, true, &err), MM_OK);
    assert_int_equal(catalog_account_counters(fx->cat, "a1", NOW, true, &c, &err), MM_OK);
    assert_int_equal(c.cost_month_micros, 700);
    assert_int_equal(catalog_admit(fx->cat, &req, &third, &adm, &err), MM_OK);
    assert_int_equal(adm.verdict, MM_ADMITTED);
    /* a failed call releases its reservation, cost and all */
    assert_int_equal(catalog_admission_release(fx->cat, second, &err), MM_OK);
    assert_int_equal(catalog_admission_release(fx->cat, third, &err), MM_OK);
    assert_int_equal(catalog_account_counters(fx->cat, "a1", NOW, true, &c, &err), MM_OK);
    assert_int_equal(c.cost_month_micros, 100);
}

/* A reservation names the process holding it: while it runs it is not "ended"; a process that
 * admitted and died (a killed send) leaves one that is, still counted until it expires. */
static void tells_reservations_of_processes_that_ended(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err;
    mm_admission adm;
    mm_admission_request req = admission("a1", NOW, 5);
    int64_t mine = 0, count = -1, until = -1;
    assert_int_equal(catalog_admit(fx->cat, &req, &mine, &adm, &err), MM_OK);
    assert_int_equal(
        catalog_reservations_ended(fx->cat, "a1", NULL, NULL, NOW, &count, &until, &err), MM_OK);
    assert_int_equal(count, 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        mm_catalog *cat = fixture_open(fx->path);
        int64_t theirs = 0;
        mm_admission_request r = admission("a1", NOW, 5);
        r.hold_ms = 90000;
        _exit(catalog_admit(cat, &r, &theirs, &adm, &err) == MM_OK && theirs > 0 ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(
        catalog_reservations_ended(fx->cat, "a1", NULL, NULL, NOW, &count, &until, &err), MM_OK);
    assert_int_equal(count, 1);
    assert_int_equal(until, NOW + 90000);
    assert_int_equal(
        catalog_reservations_ended(fx->cat, NULL, "team", "chat", NOW, &count, &until, &err),
        MM_OK);
    assert_int_equal(count, 1);
    mm_usage_counters c; /* still counted: the request may have reached the provider */
    assert_int_equal(catalog_account_counters(fx->cat, "a1", NOW, false, &c, &err), MM_OK);
    assert_int_equal(c.requests_window, 2);
    assert_int_equal(
        catalog_reservations_ended(fx->cat, "a1", NULL, NULL, NOW + 90000, &count, &until, &err),
        MM_OK);
    assert_int_equal(count, 0); /* expired */
}

static void cached_month_sums_equal_a_full_count(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err;
    mm_usage_event ev;
    for (int i = 0; i < 20; i++) {
        event(&ev, i % 2 ? "a1" : "a2", "team", "ok", 200, NOW - 100000 - i, 10, 7);
        insert(fx->cat, &ev);
    }
    mm_admission adm;
    int64_t reservation = 0;
    mm_admission_request req = admission("a1", NOW, MM_LIMIT_UNSET);
    assert_int_equal(catalog_admit(fx->cat, &req, &reservation, &adm, &err), MM_OK); /* caches */
    assert_int_equal(catalog_admission_release(fx->cat, reservation, &err), MM_OK);
    for (int i = 0; i < 5; i++) {
        event(&ev, "a1", "team", "ok", 200, NOW - 50 - i, 100, 1000); /* after the cache */
        insert(fx->cat, &ev);
    }
    event(&ev, "a1", "team", "ok", 200, mm_month_start_ms(NOW) - 1, 999, 999); /* last month */
    insert(fx->cat, &ev);
    mm_usage_counters c;
    assert_int_equal(catalog_workspace_counters(fx->cat, "team", "chat", NOW, true, &c, &err),
                     MM_OK);
    assert_int_equal(c.tokens_month, 20 * 10 + 5 * 100);
    assert_int_equal(catalog_account_counters(fx->cat, "a1", NOW, true, &c, &err), MM_OK);
    assert_int_equal(c.cost_month_micros, 10 * 7 + 5 * 1000);
    /* a spending cap judged on those sums */
    req = admission("a1", NOW, MM_LIMIT_UNSET);
    req.account_monthly_cap_micros = 5070;
    reservation = 0;
    assert_int_equal(catalog_admit(fx->cat, &req, &reservation, &adm, &err), MM_OK);
    assert_int_equal(adm.verdict, MM_ADMIT_ACCOUNT_SPEND_CAP);
    assert_int_equal(adm.frees_at_ms, mm_next_month_start_ms(NOW));
    /* the next month starts from zero */
    int64_t next = mm_next_month_start_ms(NOW) + 1000;
    assert_int_equal(catalog_account_counters(fx->cat, "a1", next, true, &c, &err), MM_OK);
    assert_int_equal(c.cost_month_micros, 0);
}

static void recent_outcomes_are_newest_first(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err;
    mm_usage_event ev;
    event(&ev, "a1", "team", "ok", 200, NOW - 3000, 1, 0);
    insert(fx->cat, &ev);
    event(&ev, "a1", "team", "rate_limited", 429, NOW - 2000, 0, 0);
    ev.retry_after_ms = 9000;
    insert(fx->cat, &ev);
    event(&ev, "a1", "team", "server", 500, NOW - 1000, 0, 0);
    insert(fx->cat, &ev);
    mm_recent_outcome out[8];
    size_t n = 0;
    assert_int_equal(catalog_recent_outcomes(fx->cat, "a1", out, 2, &n, &err), MM_OK);
    assert_int_equal(n, 2);
    assert_string_equal(out[0].outcome, "server");
    assert_string_equal(out[1].outcome, "rate_limited");
    assert_int_equal(out[1].retry_after_ms, 9000);
}

static void loads_a_snapshot_with_counters_and_cooldowns(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err;
    mm_account acc;
    mm_account_init(&acc);
    mm_copy(acc.name, sizeof acc.name, "a1");
    mm_copy(acc.provider, sizeof acc.provider, "openai");
    acc.rpm = 1;
    assert_int_equal(catalog_account_insert(fx->cat, &acc, "sk-test-key-0000001", &err), MM_OK);
    mm_account_init(&acc);
    mm_copy(acc.name, sizeof acc.name, "a2");
    mm_copy(acc.provider, sizeof acc.provider, "openai");
    assert_int_equal(catalog_account_insert(fx->cat, &acc, "sk-test-key-0000002", &err), MM_OK);
    mm_model model;
    mm_model_init(&model);
    mm_copy(model.name, sizeof model.name, "chat");
    mm_copy(model.type, sizeof model.type, "chat");
    assert_int_equal(catalog_model_insert(fx->cat, &model, &err), MM_OK);
    assert_int_equal(catalog_target_add(fx->cat, "chat", "a1", "gpt-4o-mini", 0, &err), MM_OK);
    assert_int_equal(catalog_target_add(fx->cat, "chat", "a2", "gpt-4o", 0, &err), MM_OK);
    mm_workspace ws = {0};
    mm_copy(ws.name, sizeof ws.name, "team");
    assert_int_equal(catalog_workspace_insert(fx->cat, &ws, &err), MM_OK);
    mm_entitlement ent = {0};
    mm_copy(ent.model, sizeof ent.model, "chat");
    mm_copy(ent.workspace, sizeof ent.workspace, "team");
    assert_int_equal(catalog_entitle(fx->cat, &ent, &err), MM_OK);
    /* a1 served one request this minute (its RPM is 1); a2 failed three times */
    mm_usage_event ev;
    event(&ev, "a1", "team", "ok", 200, NOW - 5000, 10, 0);
    insert(fx->cat, &ev);
    for (int i = 0; i < 3; i++) {
        event(&ev, "a2", "team", "overloaded", 529, NOW - 3000 + i, 0, 0);
        insert(fx->cat, &ev);
    }
    router_snapshot *snap = NULL;
    router_load_options opts = {.model = "chat"};
    assert_int_equal(router_snapshot_load(fx->cat, NOW, &opts, &snap, &err), MM_OK);
    long a1 = router_find_account(snap, "a1"), a2 = router_find_account(snap, "a2");
    assert_true(a1 >= 0 && a2 >= 0);
    assert_int_equal(snap->accounts[a1].requests_window, 1);
    assert_int_equal(snap->accounts[a2].cooling_until_ms, NOW - 3000 + 2 + 30000);
    assert_string_equal(snap->accounts[a2].cooling_reason,
                        "3 consecutive failures (last: overloaded)");
    router_plan plan;
    router_request req = {.workspace = "team", .model = "chat", .explain = true};
    assert_int_equal(router_plan_request(snap, &req, NOW, &plan), MM_E_REFUSED);
    assert_int_equal(plan.refusal, ROUTER_NO_USABLE_TARGET);
    assert_int_equal(plan.frees_at_ms,
                     NOW - 3000 + 2 + 30000); /* a2 cools for less than a1 waits */
    router_snapshot_free(snap);
}

static void prices_cost_micro_dollars_and_no_price_is_not_zero(void **state)
{
    (void)state;
    mm_price price = {.input_per_mtok = 2.5, .output_per_mtok = 10};
    assert_int_equal(pricing_cost_micros(&price, 1000, 500), 2500 + 5000);
    assert_int_equal(pricing_cost_micros(NULL, 1000, 500), -1);
    mm_price embed = {.input_per_mtok = 0.02, .output_per_mtok = -1};
    assert_int_equal(pricing_cost_micros(&embed, 1000000, 0), 20000);
    assert_int_equal(pricing_cost_micros(&embed, 10, 5), -1);
    char text[32];
    money_format_cost(-1, text, sizeof text);
    assert_string_equal(text, "no price");
    money_format_cost(14, text, sizeof text);
    assert_string_equal(text, "$0.000014");
}

static void parses_litellm_and_refuses_bad_files_whole(void **state)
{
    (void)state;
    const char *litellm =
        "{\"sample_spec\": {\"input_cost_per_token\": \"0.0\", \"litellm_provider\": \"x\"},"
        " \"gemini/gemini-2.0-flash\": {\"input_cost_per_token\": 1e-07,"
        "   \"output_cost_per_token\": 4e-07, \"litellm_provider\": \"gemini\", \"mode\": "
        "\"chat\"},"
        " \"free\": {\"input_cost_per_token\": 0, \"output_cost_per_token\": 0,"
        "   \"litellm_provider\": \"openai\"},"
        " \"bedrock/x\": {\"input_cost_per_token\": 1e-06, \"litellm_provider\": \"bedrock\"}}";
    pricing_file file;
    mm_error err;
    assert_int_equal(pricing_parse_text(litellm, strlen(litellm), "t.json", &file, &err), MM_OK);
    assert_int_equal(file.format, PRICING_FORMAT_LITELLM);
    assert_int_equal(file.prices.count, 2);
    assert_string_equal(file.prices.items[0].model, "gemini-2.0-flash");
    assert_true(file.prices.items[0].input_per_mtok > 0.0999 &&
                file.prices.items[0].input_per_mtok < 0.1001);
    assert_true(file.prices.items[1].input_per_mtok == 0.0);
    assert_int_equal(file.skipped_provider, 1);
    pricing_file_free(&file);
    const char *bad = "{\"date\": \"x\", \"prices\": [{\"provider\": \"openai\", \"model\": \"m\","
                      " \"input\": -2}]}";
    assert_int_equal(pricing_parse_text(bad, strlen(bad), "bad.json", &file, &err), MM_E_INVALID);
    assert_non_null(strstr(err.message, "prices[0]: the input price"));
    assert_non_null(strstr(err.message, "nothing was imported"));
    assert_int_equal(file.prices.count, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            counts_attempts_for_accounts_and_served_requests_for_workspaces, catalog_fixture_setup,
            catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(admits_atomically_and_counts_requests_in_flight,
                                        catalog_fixture_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(a_record_prepared_ahead_prepares_its_statements_once,
                                        catalog_fixture_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(reserves_estimated_cost_until_settled,
                                        catalog_fixture_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(tells_reservations_of_processes_that_ended,
                                        catalog_fixture_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(cached_month_sums_equal_a_full_count, catalog_fixture_setup,
                                        catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(recent_outcomes_are_newest_first, catalog_fixture_setup,
                                        catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(loads_a_snapshot_with_counters_and_cooldowns,
                                        catalog_fixture_setup, catalog_fixture_teardown),
        cmocka_unit_test(prices_cost_micro_dollars_and_no_price_is_not_zero),
        cmocka_unit_test(parses_litellm_and_refuses_bad_files_whole),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
