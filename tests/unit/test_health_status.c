/* Unit tests of the status rule: unknown without data, each threshold (error rate, rate-limit
 * hits, p95, failed probes, no success for a while), recovery, the evidence a status needs,
 * request errors never counted, settings and the help text. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health/status.h"

#define T0 INT64_C(1767225600000) /* 2026-01-01 00:00:00 UTC */

static mm_usage_event event(const char *kind, int64_t ts, const char *outcome, int64_t latency)
{
    mm_usage_event ev;
    memset(&ev, 0, sizeof ev);
    strcpy(ev.kind, kind);
    strcpy(ev.account, "a");
    strcpy(ev.provider, "openai");
    strcpy(ev.outcome, outcome);
    ev.ts_ms = ts;
    ev.latency_ms = latency;
    ev.retry_after_ms = -1;
    return ev;
}

typedef struct fixture {
    mm_window_set set;
    mm_health_thresholds t;
    char reason[MM_HEALTH_LINE_MAX];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    mm_window_set_init(&f->set, T0);
    mm_health_thresholds_default(&f->t);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    mm_window_set_free(&f->set);
    free(f);
    return 0;
}

static void add(fixture *f, const char *kind, int64_t ts, const char *outcome, int64_t latency,
                int times)
{
    for (int i = 0; i < times; i++) {
        mm_usage_event ev = event(kind, ts, outcome, latency);
        assert_true(mm_window_set_fold(&f->set, &ev));
    }
}

static mm_health status(fixture *f, int64_t now)
{
    return health_status_evaluate(mm_window_set_find(&f->set, "a"), now, &f->t, f->reason,
                                  sizeof f->reason);
}

static void no_events_is_unknown(void **state)
{
    fixture *f = *state;
    assert_int_equal(status(f, T0), MM_HEALTH_UNKNOWN);
    add(f, "request", T0, "ok", 100, 1);
    assert_int_equal(status(f, T0 + 1000), MM_HEALTH_HEALTHY);
    assert_int_equal(status(f, T0 + 61 * 60000), MM_HEALTH_UNKNOWN); /* an hour later */
    assert_string_equal(mm_health_name(MM_HEALTH_UNREACHABLE), "unreachable");
}

static void error_rate_above_threshold_degrades(void **state)
{
    fixture *f = *state;
    add(f, "request", T0, "ok", 100, 9);
    add(f, "request", T0, "server", 100, 1); /* 10%: not above 10% */
    assert_int_equal(status(f, T0 + 1000), MM_HEALTH_HEALTHY);
    add(f, "request", T0, "server", 100, 1); /* 2 of 11 */
    assert_int_equal(status(f, T0 + 1000), MM_HEALTH_DEGRADED);
    assert_non_null(strstr(f->reason, "error rate"));
    /* once the errors leave the recent window (5 min), the account is healthy again */
    add(f, "request", T0 + 6 * 60000, "ok", 100, 1);
    assert_int_equal(status(f, T0 + 6 * 60000), MM_HEALTH_HEALTHY);
}

static void rate_limit_hits_at_threshold_degrade(void **state)
{
    fixture *f = *state;
    f->t.degraded_error_rate = 1.0; /* look at the hits alone */
    add(f, "request", T0, "ok", 100, 100);
    add(f, "request", T0, "rate_limited", 5, 4);
    assert_int_equal(status(f, T0), MM_HEALTH_HEALTHY);
    add(f, "request", T0, "rate_limited", 5, 1);
    assert_int_equal(status(f, T0), MM_HEALTH_DEGRADED);
    assert_non_null(strstr(f->reason, "rate-limit"));
}

static void slow_p95_degrades(void **state)
{
    fixture *f = *state;
    f->t.degraded_p95_ms = 1000;
    add(f, "request", T0, "ok", 200, 95);
    add(f, "request", T0, "ok", 4000, 5); /* p95 is the 95th value: 200 */
    assert_int_equal(status(f, T0), MM_HEALTH_HEALTHY);
    add(f, "request", T0, "ok", 4000, 1);
    assert_int_equal(status(f, T0), MM_HEALTH_DEGRADED);
    assert_non_null(strstr(f->reason, "p95"));
}

static void failed_probes_make_it_unreachable(void **state)
{
    fixture *f = *state;
    f->t.degraded_min_requests = 1; /* judge from the first call (the evidence rule is below) */
    add(f, "probe", T0, "ok", 50, 1);
    add(f, "probe", T0 + 1000, "network", 0, 2);
    assert_int_equal(status(f, T0 + 2000), MM_HEALTH_DEGRADED); /* 2 of 3 failed */
    add(f, "probe", T0 + 2000, "network", 0, 1);
    assert_int_equal(status(f, T0 + 2000), MM_HEALTH_UNREACHABLE);
    assert_non_null(strstr(f->reason, "3 probes"));
    add(f, "probe", T0 + 3000, "ok", 50, 1);
    assert_int_not_equal(status(f, T0 + 3000), MM_HEALTH_UNREACHABLE);
}

/* A refused key fails every call until it changes: one probe says so (a failed Test Connection
 * shows at once); any other probe result or a call that went through clears it. */
static void a_refused_key_makes_it_unreachable_at_once(void **state)
{
    fixture *f = *state;
    add(f, "probe", T0, "ok", 50, 5);
    assert_int_equal(status(f, T0), MM_HEALTH_HEALTHY);
    add(f, "probe", T0 + 1000, "auth", 30, 1);
    assert_int_equal(status(f, T0 + 1000), MM_HEALTH_UNREACHABLE);
    assert_non_null(strstr(f->reason, "key was refused"));
    add(f, "probe", T0 + 2000, "network", 0, 1); /* not about the key: the usual rules again */
    status(f, T0 + 2000);
    assert_null(strstr(f->reason, "key was refused"));
    add(f, "probe", T0 + 3000, "auth", 30, 1);
    assert_int_equal(status(f, T0 + 3000), MM_HEALTH_UNREACHABLE);
    assert_non_null(strstr(f->reason, "key was refused"));
    add(f, "request", T0 + 4000, "ok", 50, 1); /* a call went through: the key works again */
    status(f, T0 + 4000);
    assert_null(strstr(f->reason, "key was refused"));
}

static void rate_limited_probes_degrade_but_never_unreachable(void **state)
{
    fixture *f = *state;
    add(f, "probe", T0, "ok", 50, 1);
    add(f, "probe", T0 + 1000, "rate_limited", 5, 6); /* a 429 is an answer: it is reachable */
    assert_int_equal(status(f, T0 + 7000), MM_HEALTH_DEGRADED);
    assert_int_equal(status(f, T0 + 1000 + 4 * 60000), MM_HEALTH_DEGRADED);
    add(f, "probe", T0 + 8000, "network", 0, 3); /* then it stops answering */
    assert_int_equal(status(f, T0 + 9000), MM_HEALTH_UNREACHABLE);
}

static void no_success_for_a_while_makes_it_unreachable(void **state)
{
    fixture *f = *state;
    f->t.degraded_error_rate = 1.0;
    add(f, "request", T0, "ok", 50, 1);
    add(f, "request", T0 + 10000, "server", 50, 1);
    assert_int_equal(status(f, T0 + 10000 + 3 * 60000 - 1), MM_HEALTH_HEALTHY);
    assert_int_equal(status(f, T0 + 10000 + 3 * 60000), MM_HEALTH_UNREACHABLE);
    assert_non_null(strstr(f->reason, "no success"));
}

static mm_window_counts recent_counts(fixture *f, int64_t now)
{
    mm_window_totals totals;
    assert_true(mm_window_sum(mm_window_set_find(&f->set, "a"), now, 5, &totals));
    mm_window_counts counts = totals.counts;
    mm_window_totals_free(&totals);
    return counts;
}

/* issue 12: one failure out of one says nothing; the minimum sample is 5 calls by default */
static void a_status_needs_evidence(void **state)
{
    fixture *f = *state;
    assert_int_equal(f->t.degraded_min_requests, 5);
    add(f, "request", T0, "server", 100, 1);
    assert_int_equal(status(f, T0 + 1000), MM_HEALTH_HEALTHY);
    assert_non_null(strstr(f->reason, "1 of the 5 calls needed"));
    add(f, "request", T0, "server", 100, 3);
    assert_int_equal(status(f, T0 + 1000), MM_HEALTH_HEALTHY); /* 4 of 4 */
    add(f, "request", T0, "server", 100, 1);
    assert_int_equal(status(f, T0 + 1000), MM_HEALTH_DEGRADED); /* 5 of 5 */
    assert_non_null(strstr(f->reason, "error rate 100% (5 of 5) in the last 5 min"));
    /* the setting moves the bar */
    f->t.degraded_min_requests = 6;
    assert_int_equal(status(f, T0 + 1000), MM_HEALTH_HEALTHY);
}

static void rate_limit_hits_need_evidence_too(void **state)
{
    fixture *f = *state;
    f->t.degraded_error_rate = 1.0;
    f->t.degraded_rate_limit_hits = 1;
    f->t.degraded_min_requests = 3;
    add(f, "request", T0, "rate_limited", 5, 2);
    assert_int_equal(status(f, T0), MM_HEALTH_HEALTHY);
    add(f, "request", T0, "ok", 100, 1);
    assert_int_equal(status(f, T0), MM_HEALTH_DEGRADED);
    assert_non_null(strstr(f->reason, "2 rate-limit hits"));
}

static void add_status(fixture *f, const char *kind, int64_t ts, const char *outcome,
                       int http_status, int times)
{
    for (int i = 0; i < times; i++) {
        mm_usage_event ev = event(kind, ts, outcome, 100);
        ev.http_status = http_status;
        assert_true(mm_window_set_fold(&f->set, &ev));
    }
}

/* issue 12: 400/404/422 and content-filter blocks are the caller's; they are answers */
static void request_errors_never_count(void **state)
{
    fixture *f = *state;
    add_status(f, "request", T0, "bad_request", 400, 10);
    add_status(f, "request", T0, "bad_request", 404, 5);
    add_status(f, "request", T0, "bad_request", 422, 5);
    add_status(f, "probe", T0, "bad_request", 400, 5); /* answered: never unreachable */
    assert_int_equal(status(f, T0 + 1000), MM_HEALTH_HEALTHY);
    assert_int_equal(status(f, T0 + 4 * 60000), MM_HEALTH_HEALTHY); /* no "failing since" */
    mm_window_counts c = recent_counts(f, T0 + 1000);
    assert_int_equal(c.events, 25);
    assert_int_equal(c.errors, 0);
    assert_int_equal(c.request_errors, 25);
    const mm_account_window *win = mm_window_set_find(&f->set, "a");
    assert_int_equal(win->consecutive_probe_failures, 0);
    assert_int_equal(win->failing_since_ms, 0);
    assert_int_equal(win->n_errors, MM_WINDOW_LAST_ERRORS); /* still listed as last errors */
    /* a 408 is the provider timing out, not the request being wrong: it counts */
    add_status(f, "request", T0, "bad_request", 408, 5);
    assert_int_equal(recent_counts(f, T0 + 1000).errors, 5);
    assert_int_equal(status(f, T0 + 1000), MM_HEALTH_DEGRADED); /* 5 of 30 */
}

static void thresholds_are_described_for_help(void **state)
{
    fixture *f = *state;
    char lines[8][MM_HEALTH_LINE_MAX];
    size_t n = health_thresholds_describe(&f->t, lines, 8);
    assert_true(n >= 4);
    assert_non_null(strstr(lines[0], "last 3 probes"));
    assert_non_null(strstr(lines[0], "3 min"));
    assert_non_null(strstr(lines[1], "10%"));
    assert_non_null(strstr(lines[1], "5000 ms"));
    assert_non_null(strstr(lines[2], "only with 5+ calls"));
    assert_non_null(strstr(lines[3], "request errors"));
    assert_int_equal(health_thresholds_describe(&f->t, lines, 2), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(no_events_is_unknown, setup, teardown),
        cmocka_unit_test_setup_teardown(error_rate_above_threshold_degrades, setup, teardown),
        cmocka_unit_test_setup_teardown(rate_limit_hits_at_threshold_degrade, setup, teardown),
        cmocka_unit_test_setup_teardown(slow_p95_degrades, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_probes_make_it_unreachable, setup, teardown),
        cmocka_unit_test_setup_teardown(a_refused_key_makes_it_unreachable_at_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(rate_limited_probes_degrade_but_never_unreachable, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(no_success_for_a_while_makes_it_unreachable, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_status_needs_evidence, setup, teardown),
        cmocka_unit_test_setup_teardown(rate_limit_hits_need_evidence_too, setup, teardown),
        cmocka_unit_test_setup_teardown(request_errors_never_count, setup, teardown),
        cmocka_unit_test_setup_teardown(thresholds_are_described_for_help, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
