/* Unit tests of admission leases on a real catalog: a lease takes 1/4 of what is left of each
 * limit and counts against it, none is granted when the slice would be small, keep returns the
 * unused part, the group commit moves each use from its lease to its event, and an account-only
 * reservation leaves the workspace's limits to the lease. */
#include "test_catalog_util.h"

#include "catalog/admission.h"

#define NOW 1780000000000LL
#define HOLD 60000

static const mm_limit_scope WORKSPACE = {"team", "chat",         NULL,          100,
                                         10000,  MM_LIMIT_UNSET, MM_LIMIT_UNSET};
static const mm_limit_scope ACCOUNT = {NULL,           NULL,           "a1",   MM_LIMIT_UNSET,
                                       MM_LIMIT_UNSET, MM_LIMIT_UNSET, 1000000};

static mm_usage_counters workspace_counters(mm_catalog *cat)
{
    mm_usage_counters c;
    mm_error err;
    assert_int_equal(catalog_workspace_counters(cat, "team", "chat", NOW, true, &c, &err), MM_OK);
    return c;
}

static void takes_a_quarter_of_what_is_left_and_counts_it(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err;
    mm_lease_amounts keep = {0}, need = {1, 10, 0}, row;
    int64_t mine = 0, theirs = 0;
    bool granted = false;
    assert_int_equal(catalog_lease_take(fx->cat, &WORKSPACE, &keep, &need, NOW, HOLD, &mine, &row,
                                        &granted, &err),
                     MM_OK);
    assert_true(granted);
    assert_true(mine > 0);
    assert_int_equal(row.requests, 25);
    assert_int_equal(row.tokens, 2500);
    mm_usage_counters c = workspace_counters(fx->cat);
    assert_int_equal(c.requests_window, 25);
    assert_int_equal(c.tokens_window, 2500);
    /* another holder: a quarter of the 75 requests left */
    assert_int_equal(catalog_lease_take(fx->cat, &WORKSPACE, &keep, &need, NOW, HOLD, &theirs, &row,
                                        &granted, &err),
                     MM_OK);
    assert_true(granted);
    assert_true(theirs != mine);
    assert_int_equal(row.requests, 18);
    assert_int_equal(workspace_counters(fx->cat).requests_window, 43);
    /* keep returns the unused part before the next slice: 3 in use, 100 - 3 - 18 left */
    keep = (mm_lease_amounts){3, 30, 0};
    assert_int_equal(catalog_lease_take(fx->cat, &WORKSPACE, &keep, &need, NOW, HOLD, &mine, &row,
                                        &granted, &err),
                     MM_OK);
    assert_true(granted);
    assert_int_equal(row.requests, 3 + 79 / 4);
    assert_int_equal(workspace_counters(fx->cat).requests_window, 3 + 79 / 4 + 18);
    /* returned whole */
    assert_int_equal(catalog_lease_set(fx->cat, mine, &keep, 0, &err), MM_OK);
    assert_int_equal(catalog_lease_set(fx->cat, theirs, &keep, 0, &err), MM_OK);
    assert_int_equal(workspace_counters(fx->cat).requests_window, 0);
}

static void grants_nothing_when_the_slice_would_be_small(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err;
    mm_limit_scope small = WORKSPACE;
    small.rpm = 5; /* a quarter is under 8 requests: the exact path */
    mm_lease_amounts keep = {0}, need = {1, 10, 0}, row;
    int64_t id = 0;
    bool granted = true;
    assert_int_equal(
        catalog_lease_take(fx->cat, &small, &keep, &need, NOW, HOLD, &id, &row, &granted, &err),
        MM_OK);
    assert_false(granted);
    assert_int_equal(id, 0);
    /* tokens too: 10000 tokens/min left, a quarter is under 8 requests of 400 */
    need.tokens = 400;
    assert_int_equal(
        catalog_lease_take(fx->cat, &WORKSPACE, &keep, &need, NOW, HOLD, &id, &row, &granted, &err),
        MM_OK);
    assert_false(granted);
    assert_int_equal(workspace_counters(fx->cat).requests_window, 0);
}

static void mm_event(mm_usage_event *ev, const char *outcome, int http, int64_t tokens,
                     int64_t cost)
{
    memset(ev, 0, sizeof *ev);
    ev->ts_ms = NOW;
    mm_copy(ev->kind, sizeof ev->kind, "request");
    mm_copy(ev->account, sizeof ev->account, "a1");
    mm_copy(ev->provider, sizeof ev->provider, "openai");
    mm_copy(ev->workspace, sizeof ev->workspace, "team");
    mm_copy(ev->model, sizeof ev->model, "chat");
    mm_copy(ev->provider_model, sizeof ev->provider_model, "gpt-4o-mini");
    mm_copy(ev->outcome, sizeof ev->outcome, outcome);
    ev->http_status = http;
    ev->tokens_in = tokens;
    ev->cost_micros = cost;
    ev->retry_after_ms = -1;
}

/* Each use moves from the lease row to its event in the same transaction: the counters hold. */
static void group_commit_moves_use_from_lease_to_event(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err;
    int64_t tx;
    mm_lease_amounts keep = {0}, need = {1, 10, 100}, row;
    int64_t ws = 0, acct = 0;
    bool granted = false;
    assert_int_equal(
        catalog_lease_take(fx->cat, &WORKSPACE, &keep, &need, NOW, HOLD, &ws, &row, &granted, &err),
        MM_OK);
    assert_true(granted);
    assert_int_equal(
        catalog_lease_take(fx->cat, &ACCOUNT, &keep, &need, NOW, HOLD, &acct, &row, &granted, &err),
        MM_OK);
    assert_true(granted);
    assert_int_equal(row.cost_micros, 250000);
    mm_usage_counters c;
    assert_int_equal(catalog_account_counters(fx->cat, "a1", NOW, true, &c, &err), MM_OK);
    assert_int_equal(c.cost_month_micros, 250000);
    assert_int_equal(c.requests_window, 0); /* the account has no RPM: nothing of it leased */
    mm_admission_record recs[2] = {{.workspace_lease = ws, .account_lease = acct},
                                   {.workspace_lease = ws, .account_lease = acct}};
    mm_event(&recs[0].event, "ok", 200, 12, 300);
    mm_event(&recs[1].event, "server", 500, 0, 0); /* not served: the workspace's lease stays */
    assert_int_equal(catalog_admission_flush(fx->cat, recs, 2, &tx, &err), MM_OK);
    assert_true(recs[0].event.id > 0);
    assert_int_equal(recs[0].workspace_used.requests, 1);
    assert_int_equal(recs[0].workspace_used.tokens, 12);
    assert_int_equal(recs[1].workspace_used.requests, 0);
    assert_int_equal(recs[0].account_used.cost_micros, 300);
    assert_int_equal(recs[1].account_used.requests, 1);
    c = workspace_counters(fx->cat);
    assert_int_equal(c.requests_window, 25); /* 24 leased + 1 served */
    assert_int_equal(c.tokens_window, 2500);
    assert_int_equal(catalog_account_counters(fx->cat, "a1", NOW, true, &c, &err), MM_OK);
    assert_int_equal(c.cost_month_micros, 250000);
    assert_int_equal(c.requests_window, 2);
}

/* An account-only reservation judges and holds the account alone. */
static void account_only_reservation_leaves_the_workspace_alone(void **state)
{
    catalog_fixture *fx = *state;
    mm_error err;
    int64_t tx;
    mm_admission_request req = {.workspace = "team",
                                .model = "chat",
                                .account = "a1",
                                .workspace_rpm = 0, /* would refuse: judged by the lease instead */
                                .workspace_tpm = MM_LIMIT_UNSET,
                                .workspace_monthly_tokens = MM_LIMIT_UNSET,
                                .account_rpm = 1,
                                .account_tpm = MM_LIMIT_UNSET,
                                .account_monthly_cap_micros = MM_LIMIT_UNSET,
                                .tokens_estimate = 5,
                                .now_ms = NOW,
                                .hold_ms = HOLD,
                                .account_only = true};
    mm_admission adm;
    int64_t id = 0, second = 0;
    assert_int_equal(catalog_admit(fx->cat, &req, &id, &adm, &err), MM_OK);
    assert_int_equal(adm.verdict, MM_ADMITTED);
    assert_true(id > 0);
    assert_int_equal(workspace_counters(fx->cat).requests_window, 0);
    assert_int_equal(catalog_admit(fx->cat, &req, &second, &adm, &err), MM_OK);
    assert_int_equal(adm.verdict, MM_ADMIT_ACCOUNT_RPM);
    mm_admission_record rec = {.reservation = id};
    mm_event(&rec.event, "ok", 200, 5, 0);
    assert_int_equal(catalog_admission_flush(fx->cat, &rec, 1, &tx, &err), MM_OK);
    mm_usage_counters c;
    assert_int_equal(catalog_account_counters(fx->cat, "a1", NOW, false, &c, &err), MM_OK);
    assert_int_equal(c.requests_window, 1); /* the event; the reservation ended with it */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(takes_a_quarter_of_what_is_left_and_counts_it,
                                        catalog_fixture_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(grants_nothing_when_the_slice_would_be_small,
                                        catalog_fixture_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(group_commit_moves_use_from_lease_to_event,
                                        catalog_fixture_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(account_only_reservation_leaves_the_workspace_alone,
                                        catalog_fixture_setup, catalog_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
