/* Unit tests of the health monitor's memory: an idle account's window and figures stay within
 * stated bytes, so does an account after one failed probe (the prober's first round), TTFT
 * sketches and minute slots exist only where events came, consecutive reports share what did
 * not change, and the sparse windows give the figures a recount from the raw events gives. */
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health/report.h"
#include "util/histogram.h"

#define T0 INT64_C(1767225600000) /* 2026-01-01 00:00:00 UTC */
#define NOW (T0 + 2 * 3600000)    /* two hours in: the hour ending now is [NOW - 59 min, NOW] */
/* The stated budgets: an account without events in the hour holds at most this much in the
 * monitor's windows and in one snapshot's figures (two snapshots may be alive at once). */
#define IDLE_WINDOW_BYTES 256
#define IDLE_FIGURES_BYTES 448
/* One account's fixed figures: the name, provider and reasons are pointers into the detail
 * block consecutive reports share (552 B when they were arrays in the figures). */
#define FIGURES_STRUCT_BYTES 320
/* ...and an account whose only event in the hour is one failed probe (every account after the
 * prober's first round against endpoints that refuse), its error message 120 bytes. */
#define FAILED_PROBE_WINDOW_BYTES 1024
#define FAILED_PROBE_FIGURES_BYTES 1536
/* ...and with five latest errors of short messages (it was 3.6 KB with 512-byte messages) */
#define FIVE_ERRORS_WINDOW_BYTES 1280
/* ...and an hour of refused probes, two a minute (the prober at a dead endpoint: every account
 * of the probe-hour bench): 60 minute slots of 20 bytes and five latest errors holding their
 * one message text once (2,965 B with 32-byte slots and a copy of the text an error), and its
 * figures in one report, the accounts with the same hour sharing one series (1,973 B when each
 * had its own series and copies of the text) */
#define REFUSED_HOUR_WINDOW_BYTES 1792
#define REFUSED_HOUR_FIGURES_BYTES 896

static mm_usage_event event(const char *account, int64_t ts, const char *outcome, int64_t latency)
{
    mm_usage_event ev;
    memset(&ev, 0, sizeof ev);
    strcpy(ev.kind, "request");
    strcpy(ev.account, account);
    strcpy(ev.provider, "openai");
    strcpy(ev.outcome, outcome);
    ev.http_status = strcmp(outcome, "ok") == 0 ? 200 : 500;
    ev.ts_ms = ts;
    ev.latency_ms = latency;
    ev.ttft_ms = -1;
    ev.tokens_in = 10;
    ev.tokens_out = 5;
    ev.cost_micros = 100;
    ev.retry_after_ms = -1;
    return ev;
}

static mm_account_list idle_accounts(size_t n)
{
    mm_account_list list = {calloc(n, sizeof(mm_account)), n};
    for (size_t i = 0; i < n; i++) {
        mm_account_init(&list.items[i]);
        snprintf(list.items[i].name, sizeof list.items[i].name, "acct-%05zu", i);
        strcpy(list.items[i].provider, "openai");
    }
    return list;
}

static void idle_accounts_cost_a_stated_number_of_bytes(void **state)
{
    (void)state;
    mm_window_set set;
    mm_window_set_init(&set, NOW);
    mm_account_list accounts = idle_accounts(1000);
    for (size_t i = 0; i < accounts.count; i++) /* a cost this month, no event in the hour */
        mm_window_set_get(&set, accounts.items[i].name)->month_cost_micros = 1000;
    for (size_t i = 0; i < set.count; i++)
        assert_true(mm_window_bytes(set.items[i]) <= IDLE_WINDOW_BYTES);
    mm_health_thresholds t;
    mm_health_thresholds_default(&t);
    mm_health_report r;
    mm_error err = {0};
    assert_int_equal(health_report_build(&set, &accounts, NOW, &t, &r, &err), MM_OK);
    size_t per_account = health_report_bytes(&r) / r.count;
    fprintf(stderr, "idle account: window %zu B, figures %zu B (struct %zu B)\n",
            mm_window_bytes(set.items[0]), per_account, sizeof(mm_health_figures));
    assert_true(sizeof(mm_health_figures) <= FIGURES_STRUCT_BYTES);
    assert_true(per_account <= IDLE_FIGURES_BYTES);
    assert_string_equal(r.accounts[7].account, "acct-00007");
    assert_string_equal(r.accounts[7].provider, "openai");
    assert_string_equal(r.accounts[7].status_reason, "no probe or request in the last hour");
    /* the idle series read as before: no requests, no p95 */
    assert_int_equal(r.accounts[7].series_requests[59], 0);
    assert_int_equal(r.accounts[7].series_p95_ms[0], -1);
    assert_string_equal(r.accounts[7].disabled_reason, "");
    assert_int_equal(r.accounts[7].cost_micros_month, 1000);
    /* one event makes an account's figures bigger than the budget (the counter counts) */
    mm_usage_event ev = event("acct-00007", NOW, "server", 900);
    assert_true(mm_window_set_fold(&set, &ev));
    assert_true(mm_window_bytes(mm_window_set_find(&set, "acct-00007")) > IDLE_WINDOW_BYTES);
    mm_health_report busy;
    assert_int_equal(health_report_build(&set, &accounts, NOW, &t, &busy, &err), MM_OK);
    assert_true(health_report_bytes(&busy) > health_report_bytes(&r));
    assert_false(health_figures_same(&r.accounts[7], &busy.accounts[7]));
    assert_true(health_figures_same(&r.accounts[8], &busy.accounts[8]));
    assert_int_equal(busy.accounts[7].series_errors[59], 1);
    assert_int_equal(busy.accounts[7].n_errors, 1);
    health_report_free(&busy);
    health_report_free(&r);
    mm_window_set_free(&set);
    free(accounts.items);
}

static mm_usage_event failed_probe(const char *account, int64_t ts)
{
    mm_usage_event ev = event(account, ts, "network", -1);
    strcpy(ev.kind, "probe");
    ev.http_status = 0;
    ev.cost_micros = 0;
    memset(ev.message, 'x', 120); /* "Could not connect to the server (...)" */
    return ev;
}

static mm_health_account_list health_list_of(const mm_account_list *accounts)
{
    mm_health_account_list list = {calloc(accounts->count, sizeof(mm_health_account)),
                                   accounts->count, accounts->count};
    for (size_t i = 0; i < accounts->count; i++) {
        strcpy(list.items[i].name, accounts->items[i].name);
        strcpy(list.items[i].provider, accounts->items[i].provider);
        list.items[i].enabled = true;
        list.items[i].monthly_cap_cents = MM_LIMIT_UNSET;
    }
    return list;
}

static void a_failed_probe_costs_a_stated_number_of_bytes(void **state)
{
    (void)state;
    mm_window_set set;
    mm_window_set_init(&set, NOW);
    mm_account_list accounts = idle_accounts(100);
    for (size_t i = 0; i < accounts.count; i++) {
        mm_usage_event ev = failed_probe(accounts.items[i].name, NOW - 1000);
        assert_true(mm_window_set_fold(&set, &ev));
    }
    mm_health_thresholds t;
    mm_health_thresholds_default(&t);
    mm_health_report r;
    mm_error err = {0};
    assert_int_equal(health_report_build(&set, &accounts, NOW, &t, &r, &err), MM_OK);
    size_t window = mm_window_bytes(set.items[0]), figures = health_report_bytes(&r) / r.count;
    fprintf(stderr, "failed probe: window %zu B, figures %zu B\n", window, figures);
    assert_true(window <= FAILED_PROBE_WINDOW_BYTES);
    assert_true(figures <= FAILED_PROBE_FIGURES_BYTES);
    assert_int_equal(r.accounts[3].n_errors, 1);
    assert_int_equal(strlen(r.accounts[3].last_errors[0].message), 120);
    /* five more: the latest errors keep five, each message to its size */
    for (int i = 1; i <= 5; i++) {
        mm_usage_event ev = failed_probe("acct-00003", NOW - 1000 + i);
        snprintf(ev.message, sizeof ev.message, "failure %d", i);
        assert_true(mm_window_set_fold(&set, &ev));
    }
    const mm_account_window *win = mm_window_set_find(&set, "acct-00003");
    assert_int_equal(win->n_errors, MM_WINDOW_LAST_ERRORS);
    assert_string_equal(mm_window_error(win, 0)->message, "failure 5");
    assert_string_equal(mm_window_error(win, 4)->message, "failure 1");
    assert_true(mm_window_bytes(win) <= FIVE_ERRORS_WINDOW_BYTES);
    health_report_free(&r);
    mm_window_set_free(&set);
    free(accounts.items);
}

static void an_hour_of_refused_probes_costs_a_stated_number_of_bytes(void **state)
{
    (void)state;
    mm_window_set set;
    mm_window_set_init(&set, NOW);
    mm_account_list accounts = idle_accounts(100);
    for (size_t i = 0; i < accounts.count; i++)
        for (int64_t ts = NOW - 59 * 60000; ts <= NOW + 30000; ts += 30000) {
            mm_usage_event ev = failed_probe(accounts.items[i].name, ts);
            ev.tokens_in = ev.tokens_out = 0; /* refused: nothing sent, nothing counted */
            assert_true(mm_window_set_fold(&set, &ev));
        }
    mm_health_thresholds t;
    mm_health_thresholds_default(&t);
    mm_health_report r;
    mm_error err = {0};
    assert_int_equal(health_report_build(&set, &accounts, NOW, &t, &r, &err), MM_OK);
    const mm_account_window *win = set.items[7];
    size_t window = mm_window_bytes(win), figures = health_report_bytes(&r) / r.count;
    fprintf(stderr, "an hour of refused probes: window %zu B, figures %zu B\n", window, figures);
    assert_int_equal(win->n_slots, 60);
    assert_int_equal(win->n_errors, MM_WINDOW_LAST_ERRORS);
    for (size_t i = 1; i < win->n_errors; i++) /* one text for the five */
        assert_ptr_equal(mm_window_error(win, i)->message, mm_window_error(win, 0)->message);
    assert_true(window <= REFUSED_HOUR_WINDOW_BYTES);
    assert_true(figures <= REFUSED_HOUR_FIGURES_BYTES);
    for (size_t i = 0; i < r.count; i++) { /* one series for the 100 accounts */
        assert_ptr_equal(r.accounts[i].series_requests, r.accounts[0].series_requests);
        assert_ptr_equal(r.accounts[i].last_errors[4].message,
                         r.accounts[i].last_errors[0].message);
    }
    assert_int_equal(r.accounts[0].series_requests[59], 2);
    assert_int_equal(r.accounts[0].series_errors[0], 2);
    /* an account whose last error differs keeps both texts; the others' series stay shared */
    mm_usage_event other = failed_probe("acct-00003", NOW + 1);
    other.tokens_in = other.tokens_out = 0;
    snprintf(other.message, sizeof other.message, "HTTP 503");
    assert_true(mm_window_set_fold(&set, &other));
    mm_health_report next;
    assert_int_equal(health_report_build(&set, &accounts, NOW, &t, &next, &err), MM_OK);
    assert_string_equal(next.accounts[3].last_errors[0].message, "HTTP 503");
    assert_int_equal(strlen(next.accounts[3].last_errors[1].message), 120);
    assert_int_equal(next.accounts[3].series_requests[59], 3);
    assert_ptr_equal(next.accounts[4].series_requests, next.accounts[0].series_requests);
    assert_true(next.accounts[3].series_requests != next.accounts[0].series_requests);
    health_report_free(&r); /* the series block stays for the other report */
    assert_int_equal(next.accounts[99].series_errors[59], 2);
    health_report_free(&next);
    mm_window_set_free(&set);
    free(accounts.items);
}

static void consecutive_reports_share_what_did_not_change(void **state)
{
    (void)state;
    mm_window_set set;
    mm_window_set_init(&set, NOW);
    mm_account_list accounts = idle_accounts(10);
    mm_health_account_list list = health_list_of(&accounts);
    for (size_t i = 0; i < accounts.count; i++) {
        mm_usage_event ev = failed_probe(accounts.items[i].name, NOW);
        assert_true(mm_window_set_fold(&set, &ev));
    }
    mm_health_thresholds t;
    mm_health_thresholds_default(&t);
    mm_error err = {0};
    mm_health_report first, second, third;
    assert_int_equal(health_report_build_next(&set, &list, NOW, &t, NULL, &first, &err), MM_OK);
    mm_usage_event ev = event("acct-00004", NOW, "ok", 300); /* one account changes */
    assert_true(mm_window_set_fold(&set, &ev));
    assert_int_equal(health_report_build_next(&set, &list, NOW, &t, &first, &second, &err), MM_OK);
    for (size_t i = 0; i < second.count; i++) {
        bool changed = i == 4;
        assert_true((second.accounts[i].series_requests == first.accounts[i].series_requests) ==
                    !changed);
        assert_true((second.accounts[i].last_errors == first.accounts[i].last_errors) == !changed);
        assert_true((second.accounts[i].status_reason == first.accounts[i].status_reason) ==
                    !changed); /* the names and reasons too: one copy across the reports */
        assert_true((second.accounts[i].account == first.accounts[i].account) == !changed);
        assert_true(health_figures_same(&first.accounts[i], &second.accounts[i]) == !changed);
    }
    assert_int_equal(second.accounts[4].series_requests[59], 2);
    /* the older report goes first: the newer one's shared details stay (ASan would see) */
    health_report_free(&first);
    assert_int_equal(second.accounts[3].series_errors[59], 1);
    assert_int_equal(strlen(second.accounts[3].last_errors[0].message), 120);
    assert_int_equal(health_report_build_next(&set, &list, NOW, &t, &second, &third, &err), MM_OK);
    char reason[MM_HEALTH_LINE_MAX];
    snprintf(reason, sizeof reason, "%s", second.accounts[3].status_reason);
    assert_true(reason[0] != '\0');
    health_report_free(&second);
    assert_string_equal(third.accounts[3].account, "acct-00003");
    assert_string_equal(third.accounts[3].status_reason, reason);
    assert_int_equal(third.accounts[4].series_requests[59], 2);
    assert_int_equal(third.accounts[9].series_errors[59], 1);
    health_report_free(&third);
    mm_window_set_free(&set);
    free(list.items);
    free(accounts.items);
}

static void ttft_sketches_only_in_minutes_with_streamed_events(void **state)
{
    (void)state;
    mm_window_set set;
    mm_window_set_init(&set, NOW);
    for (int m = 0; m < 5; m++) {
        mm_usage_event ev = event("a", NOW - m * 60000, "ok", 100 + m);
        ev.streamed = m == 2;
        ev.ttft_ms = m == 2 ? 40 : -1;
        assert_true(mm_window_set_fold(&set, &ev));
    }
    const mm_account_window *win = mm_window_set_find(&set, "a");
    int64_t now_minute = NOW / 60000;
    size_t slots = 0, sketches = 0;
    for (int i = 0; i < win->n_slots; i++) {
        const mm_minute_slot *slot = &win->slots[i];
        const mm_minute_detail *detail = mm_window_slot_detail(win, slot);
        slots++;
        sketches += detail && detail->ttft;
        if (detail && detail->ttft)
            assert_int_equal(slot->minute, now_minute - 2);
    }
    assert_int_equal(slots, 5);    /* only the minutes that saw events */
    assert_int_equal(sketches, 1); /* only the minute that saw a streamed success */
    mm_window_totals hour;
    assert_true(mm_window_sum(win, NOW, 60, &hour));
    assert_int_equal(hour.ttft.count, 1);
    assert_int_equal(hour.latency.count, 5);
    mm_window_totals_free(&hour);
    mm_window_set_free(&set);
}

/* The exact nearest-rank quantile of n values (sorted here). */
static int compare_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static double exact_quantile(int64_t *values, size_t n, double q)
{
    if (n == 0)
        return -1;
    qsort(values, n, sizeof *values, compare_i64);
    size_t rank = (size_t)ceil(q * (double)n);
    return (double)values[rank ? rank - 1 : 0];
}

static int compare_ts(const void *a, const void *b)
{
    int64_t x = ((const mm_usage_event *)a)->ts_ms, y = ((const mm_usage_event *)b)->ts_ms;
    return (x > y) - (x < y);
}

#define N_EVENTS 5000
#define N_ACCOUNTS 7

static void sparse_windows_match_a_recount_of_the_raw_events(void **state)
{
    (void)state;
    static mm_usage_event raw[N_EVENTS];
    srand(15);
    mm_window_set set;
    mm_window_set_init(&set, NOW);
    for (int i = 0; i < N_EVENTS; i++) {
        char account[16];
        snprintf(account, sizeof account, "acct-%d", rand() % N_ACCOUNTS);
        /* 90 minutes back: the older ones fall outside the hour; some minutes stay empty */
        int64_t ts = NOW - (int64_t)(rand() % (90 * 60)) * 1000;
        raw[i] = event(account, ts, rand() % 10 ? "ok" : "server", 1 + rand() % 5000);
        raw[i].tokens_in = rand() % 1000;
        raw[i].cost_micros = rand() % 7 ? rand() % 10000 : -1;
        raw[i].streamed = rand() % 3 == 0;
        raw[i].ttft_ms = raw[i].streamed ? rand() % 800 : -1;
    }
    /* in time order, as the monitor folds a catalog's events */
    qsort(raw, N_EVENTS, sizeof *raw, compare_ts);
    for (int i = 0; i < N_EVENTS; i++)
        assert_true(mm_window_set_fold(&set, &raw[i]));
    int64_t first_minute = NOW / 60000 - 59;
    static int64_t values[N_EVENTS];
    for (int a = 0; a < N_ACCOUNTS; a++) {
        char account[16];
        snprintf(account, sizeof account, "acct-%d", a);
        const mm_account_window *win = mm_window_set_find(&set, account);
        int32_t requests[60], errors[60], p95[60];
        mm_window_series(win, NOW, requests, errors, p95);
        int64_t tokens = 0, cost = 0, unpriced = 0, hour_events = 0;
        size_t n_ttft = 0;
        for (int m = 0; m < 60; m++) {
            int32_t want_requests = 0, want_errors = 0;
            size_t n = 0;
            for (int i = 0; i < N_EVENTS; i++) {
                const mm_usage_event *ev = &raw[i];
                if (strcmp(ev->account, account) != 0 || ev->ts_ms / 60000 != first_minute + m)
                    continue;
                want_requests++;
                want_errors += strcmp(ev->outcome, "ok") != 0;
                tokens += ev->tokens_in;
                cost += ev->cost_micros >= 0 ? ev->cost_micros : 0;
                unpriced += ev->cost_micros < 0;
                n_ttft += strcmp(ev->outcome, "ok") == 0 && ev->streamed;
                if (strcmp(ev->outcome, "ok") == 0)
                    values[n++] = ev->latency_ms;
            }
            hour_events += want_requests;
            assert_int_equal(requests[m], want_requests);
            assert_int_equal(errors[m], want_errors);
            double want_p95 = exact_quantile(values, n, 0.95);
            if (want_p95 < 0)
                assert_int_equal(p95[m], -1);
            else /* within the stated relative error (and the rounding to whole ms) */
                assert_true(fabs(p95[m] - want_p95) <= MM_HIST_RELATIVE_ERROR * want_p95 + 0.5);
        }
        mm_window_totals hour;
        assert_true(mm_window_sum(win, NOW, 60, &hour));
        assert_int_equal(hour.counts.events, hour_events);
        assert_int_equal(hour.counts.tokens_in, tokens);
        assert_int_equal(hour.counts.cost_micros, cost);
        assert_int_equal(hour.counts.unpriced, unpriced);
        assert_int_equal(hour.ttft.count, n_ttft);
        mm_window_totals_free(&hour);
    }
    mm_window_set_free(&set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(idle_accounts_cost_a_stated_number_of_bytes),
        cmocka_unit_test(a_failed_probe_costs_a_stated_number_of_bytes),
        cmocka_unit_test(an_hour_of_refused_probes_costs_a_stated_number_of_bytes),
        cmocka_unit_test(consecutive_reports_share_what_did_not_change),
        cmocka_unit_test(ttft_sketches_only_in_minutes_with_streamed_events),
        cmocka_unit_test(sparse_windows_match_a_recount_of_the_raw_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
