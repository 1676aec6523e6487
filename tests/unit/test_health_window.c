/* Unit tests of the rolling windows: folding events, minute expiry, recent-window and hour
 * totals, per-minute series, unpriced events, the latest errors and month-to-date cost. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "health/window.h"
#include "util/clock.h"

#define T0 INT64_C(1767225600000) /* 2026-01-01 00:00:00 UTC */

static mm_usage_event event(const char *account, int64_t ts, const char *outcome, int64_t latency)
{
    mm_usage_event ev;
    memset(&ev, 0, sizeof ev);
    strcpy(ev.kind, "request");
    strcpy(ev.account, account);
    strcpy(ev.provider, "openai");
    strcpy(ev.outcome, outcome);
    ev.ts_ms = ts;
    ev.latency_ms = latency;
    ev.tokens_in = 10;
    ev.tokens_out = 5;
    ev.cost_micros = 100;
    ev.retry_after_ms = -1;
    return ev;
}

static void fold(mm_window_set *set, mm_usage_event ev)
{
    assert_true(mm_window_set_fold(set, &ev));
}

static mm_window_counts sum(const mm_window_set *set, const char *account, int64_t now, int minutes)
{
    mm_window_totals totals;
    assert_true(mm_window_sum(mm_window_set_find(set, account), now, minutes, &totals));
    mm_window_counts counts = totals.counts;
    mm_window_totals_free(&totals);
    return counts;
}

static void folds_counts_tokens_cost_and_errors(void **state)
{
    (void)state;
    mm_window_set set;
    mm_window_set_init(&set, T0);
    fold(&set, event("a", T0 + 1000, "ok", 100));
    fold(&set, event("a", T0 + 2000, "server", 900));
    fold(&set, event("a", T0 + 3000, "rate_limited", 5));
    mm_usage_event unpriced = event("a", T0 + 4000, "ok", 300);
    unpriced.cost_micros = -1;
    fold(&set, unpriced);
    mm_window_counts c = sum(&set, "a", T0 + 5000, 60);
    assert_int_equal(c.events, 4);
    assert_int_equal(c.errors, 2);
    assert_int_equal(c.rate_limited, 1);
    assert_int_equal(c.tokens_in, 40);
    assert_int_equal(c.tokens_out, 20);
    assert_int_equal(c.cost_micros, 300); /* the unpriced one adds nothing... */
    assert_int_equal(c.unpriced, 1);      /* ...and is counted */
    mm_window_totals totals;
    assert_true(mm_window_sum(mm_window_set_find(&set, "a"), T0 + 5000, 60, &totals));
    assert_int_equal(totals.latency.count, 2); /* successful events only */
    assert_true(mm_histogram_mean(&totals.latency) == 200.0);
    mm_window_totals_free(&totals);
    assert_null(mm_window_set_find(&set, "b"));
    mm_window_set_free(&set);
}

static void minutes_expire_after_an_hour(void **state)
{
    (void)state;
    mm_window_set set;
    mm_window_set_init(&set, T0);
    for (int m = 0; m < 90; m++)
        fold(&set, event("a", T0 + m * MM_MINUTE_MS + 500, m < 30 ? "server" : "ok", 50));
    int64_t now = T0 + 89 * MM_MINUTE_MS + 1000;
    mm_window_counts hour = sum(&set, "a", now, 60);
    assert_int_equal(hour.events, 60); /* minutes 30..89 */
    assert_int_equal(hour.errors, 0);
    assert_int_equal(sum(&set, "a", now, 5).events, 5);
    /* two hours later, with nothing new, everything has expired */
    assert_int_equal(sum(&set, "a", now + 120 * MM_MINUTE_MS, 60).events, 0);
    /* an event older than what a slot holds is ignored for the figures */
    fold(&set, event("a", T0 + 10 * MM_MINUTE_MS, "server", 50));
    assert_int_equal(sum(&set, "a", now, 60).errors, 0);
    mm_window_set_free(&set);
}

static void recent_window_counts_only_its_minutes(void **state)
{
    (void)state;
    mm_window_set set;
    mm_window_set_init(&set, T0);
    fold(&set, event("a", T0 + 0 * MM_MINUTE_MS, "server", 10));
    fold(&set, event("a", T0 + 10 * MM_MINUTE_MS, "ok", 10));
    fold(&set, event("a", T0 + 12 * MM_MINUTE_MS + 59999, "ok", 10));
    int64_t now = T0 + 12 * MM_MINUTE_MS + 59999;
    assert_int_equal(sum(&set, "a", now, 1).events, 1);
    assert_int_equal(sum(&set, "a", now, 3).events, 2);
    assert_int_equal(sum(&set, "a", now, 60).events, 3);
    assert_int_equal(sum(&set, "a", now, 60).errors, 1);
    mm_window_set_free(&set);
}

static void series_are_per_minute_oldest_first(void **state)
{
    (void)state;
    mm_window_set set;
    mm_window_set_init(&set, T0);
    int64_t now = T0 + 100 * MM_MINUTE_MS + 30000;
    fold(&set, event("a", now - 2 * MM_MINUTE_MS, "ok", 200));
    fold(&set, event("a", now - 2 * MM_MINUTE_MS, "ok", 400));
    fold(&set, event("a", now, "timeout", 10000));
    int32_t requests[60], errors[60], p95[60];
    mm_window_series(mm_window_set_find(&set, "a"), now, requests, errors, p95);
    assert_int_equal(requests[59], 1);
    assert_int_equal(errors[59], 1);
    assert_int_equal(p95[59], -1); /* no successful event this minute */
    assert_int_equal(requests[57], 2);
    assert_true(p95[57] >= 392 && p95[57] <= 408);
    assert_int_equal(requests[0], 0);
    mm_window_set_free(&set);
}

/* The minutes of an hour folded in no order of time (a slot made between others, the details of
 * minutes without a success left apart), then one ahead of the clock (it takes the ring place
 * of the hour's oldest) and one older than the window (ignored): each minute keeps its own
 * figures, as counted here from the events. */
static void minutes_in_any_order_keep_their_own_figures(void **state)
{
    (void)state;
    mm_window_set set;
    mm_window_set_init(&set, T0);
    int64_t now = T0 + 200 * MM_MINUTE_MS + 30000, first = now / MM_MINUTE_MS - 59;
    for (int i = 0; i < 60; i++) {
        int k = i * 37 % 60; /* every minute of the hour once, scattered */
        for (int e = 0; e <= k % 3; e++) {
            mm_usage_event ev = event("a", (first + k) * MM_MINUTE_MS + e, "ok", 100 + k);
            if (k % 4 == 0) { /* a failure without tokens or cost: a minute without detail */
                ev = event("a", (first + k) * MM_MINUTE_MS + e, "server", 100 + k);
                ev.tokens_in = ev.tokens_out = 0;
                ev.cost_micros = 0;
            }
            fold(&set, ev);
        }
    }
    fold(&set, event("a", now + MM_MINUTE_MS, "ok", 7));               /* ahead of the clock */
    fold(&set, event("a", (first - 6) * MM_MINUTE_MS, "server", 100)); /* older than the hour */
    const mm_account_window *win = mm_window_set_find(&set, "a");
    assert_int_equal(win->n_slots, 60);
    assert_null(mm_window_minute(win, first));     /* its place taken by the minute ahead */
    assert_null(mm_window_minute(win, first - 6)); /* ignored */
    assert_int_equal(mm_window_minute(win, first + 60)->events, 1);
    int64_t events = 1, errors = 0;
    for (int k = 1; k < 60; k++) {
        const mm_minute_slot *slot = mm_window_minute(win, first + k);
        assert_non_null(slot);
        int n = k % 3 + 1;
        assert_int_equal(slot->minute, first + k);
        assert_int_equal(slot->events, n);
        assert_int_equal(slot->errors, k % 4 == 0 ? n : 0);
        const mm_minute_detail *detail = mm_window_slot_detail(win, slot);
        if (k % 4 == 0)
            assert_null(detail);
        else {
            assert_int_equal(detail->tokens_in, 10 * n);
            assert_int_equal(detail->latency.count, n);
            assert_true(mm_histogram_mean(&detail->latency) == 100.0 + k);
        }
        events += n;
        errors += k % 4 == 0 ? n : 0;
    }
    mm_window_counts hour = sum(&set, "a", now + MM_MINUTE_MS, 60);
    assert_int_equal(hour.events, events);
    assert_int_equal(hour.errors, errors);
    mm_window_set_free(&set);
}

static void probes_track_failures_and_success(void **state)
{
    (void)state;
    mm_window_set set;
    mm_window_set_init(&set, T0);
    mm_usage_event probe = event("a", T0, "ok", 20);
    strcpy(probe.kind, "probe");
    fold(&set, probe);
    probe.ts_ms += 1000;
    strcpy(probe.outcome, "network");
    strcpy(probe.message, "connection refused\x1b[31m");
    fold(&set, probe);
    probe.ts_ms += 1000;
    fold(&set, probe);
    const mm_account_window *win = mm_window_set_find(&set, "a");
    assert_int_equal(win->consecutive_probe_failures, 2);
    assert_int_equal(win->failing_since_ms, T0 + 1000);
    assert_int_equal(win->last_success_ms, T0);
    assert_int_equal(win->n_errors, 2);
    assert_int_equal(mm_window_error(win, 0)->ts_ms, T0 + 2000);
    assert_null(strchr(mm_window_error(win, 0)->message, '\x1b'));
    mm_usage_event limited = event("a", T0 + 3000, "rate_limited", 5);
    limited.retry_after_ms = 20000;
    fold(&set, limited);
    assert_int_equal(win->cooldown_until_ms, T0 + 23000);
    assert_int_equal(win->consecutive_probe_failures, 2); /* requests do not count as probes */
    strcpy(probe.outcome, "ok");
    probe.ts_ms = T0 + 4000;
    fold(&set, probe);
    assert_int_equal(win->consecutive_probe_failures, 0);
    assert_int_equal(win->failing_since_ms, 0);
    mm_window_set_free(&set);
}

static void many_accounts_are_found_by_name(void **state)
{
    (void)state;
    mm_window_set set;
    mm_window_set_init(&set, T0);
    char name[32];
    for (int i = 0; i < 3000; i++) {
        snprintf(name, sizeof name, "acct-%d", i);
        fold(&set, event(name, T0 + i, "ok", i));
    }
    assert_int_equal(set.count, 3000);
    for (int i = 0; i < 3000; i += 7) {
        snprintf(name, sizeof name, "acct-%d", i);
        assert_non_null(mm_window_set_find(&set, name));
        assert_int_equal(sum(&set, name, T0 + 3000, 60).events, 1);
    }
    mm_window_set_free(&set);
}

static void month_cost_rolls_over(void **state)
{
    (void)state;
    int64_t feb = mm_next_month_start_ms(T0);
    mm_window_set set;
    mm_window_set_init(&set, feb - 1000);
    fold(&set, event("a", T0 - 5000, "ok", 1)); /* December: not this month */
    fold(&set, event("a", feb - 2000, "ok", 1));
    const mm_account_window *win = mm_window_set_find(&set, "a");
    assert_int_equal(win->month_cost_micros, 100);
    mm_window_set_roll_month(&set, feb + 10);
    assert_int_equal(win->month_cost_micros, 0);
    fold(&set, event("a", feb + 20, "ok", 1));
    assert_int_equal(win->month_cost_micros, 100);
    mm_window_set_free(&set);
}

/* The latest errors keep each text sanitized and once: a text as it came, a text equal to a
 * kept one once sanitized, and a clean text equal to a kept one all share that one. */
static void repeated_error_texts_are_kept_once_and_clean(void **state)
{
    (void)state;
    mm_window_set set;
    mm_window_set_init(&set, T0);
    const char *texts[] = {"  refused\t\x1b now ", "refused now", "refused \x1b now",
                           "refused\n now", "other"};
    for (size_t i = 0; i < 5; i++) {
        mm_usage_event ev = event("a", T0 + (int64_t)i, "network", 1);
        strcpy(ev.message, texts[i]);
        fold(&set, ev);
    }
    const mm_account_window *win = mm_window_set_find(&set, "a");
    assert_int_equal(win->n_errors, 5);
    assert_string_equal(mm_window_error(win, 0)->message, "other");
    const char *kept = mm_window_error(win, 4)->message; /* the oldest */
    assert_null(strchr(kept, '\x1b'));
    assert_null(strchr(kept, '\t'));
    assert_int_equal(kept[0] != ' ' && kept[strlen(kept) - 1] != ' ', true);
    for (size_t i = 1; i < 4; i++)
        assert_ptr_equal(mm_window_error(win, i)->message, kept);
    mm_window_set_free(&set);
}

/* The month's totals read from the day rollups hold every event up to month_upto_id: a tailed
 * event at or below it is counted in the hour but not a second time in the month. */
static void month_cost_skips_events_already_in_the_rollups(void **state)
{
    (void)state;
    mm_window_set set;
    mm_window_set_init(&set, T0 + 60000);
    mm_account_window *win = mm_window_set_get(&set, "a");
    win->month_cost_micros = 700; /* the day rollups' sum, events 1..7 */
    win->month_unpriced = 2;
    set.month_upto_id = 7;
    for (int64_t id = 6; id <= 9; id++) {
        mm_usage_event ev = event("a", T0 + 1000 * id, "ok", 1);
        ev.id = id;
        ev.cost_micros = id == 9 ? -1 : 100; /* 9: no price */
        fold(&set, ev);
    }
    assert_int_equal(win->month_cost_micros, 800); /* + event 8 */
    assert_int_equal(win->month_unpriced, 3);      /* + event 9 */
    assert_int_equal(sum(&set, "a", T0 + 60000, 60).events, 4);
    mm_window_set_free(&set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(folds_counts_tokens_cost_and_errors),
        cmocka_unit_test(minutes_expire_after_an_hour),
        cmocka_unit_test(recent_window_counts_only_its_minutes),
        cmocka_unit_test(series_are_per_minute_oldest_first),
        cmocka_unit_test(minutes_in_any_order_keep_their_own_figures),
        cmocka_unit_test(probes_track_failures_and_success),
        cmocka_unit_test(many_accounts_are_found_by_name),
        cmocka_unit_test(month_cost_rolls_over),
        cmocka_unit_test(month_cost_skips_events_already_in_the_rollups),
        cmocka_unit_test(repeated_error_texts_are_kept_once_and_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
