/* Unit tests of the last hour's windows built from the minute rollups (health/hour_load.c): the
 * same windows as folding every raw event of the hour — counts, tokens, cost, errors, rate
 * limits, per-minute p95 within the sketch's 2 %, TTFT, the status rule's state and the latest
 * errors in order — at the hour's edge and across minute boundaries, on either backend. */
#include "test_catalog_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "health/hour_load.h"
#include "health/window.h"

#define T0 INT64_C(1767225600000) /* 2026-01-01 00:00:00 UTC */
#define MINUTE INT64_C(60000)
#define NOW (T0 + 10 * 86400000 + 12 * 3600000 + 37 * MINUTE + 12345)
#define SINCE ((NOW / MINUTE - 59) * MINUTE)

typedef struct fixture {
    char *dir;
    mm_catalog *cat;
    uint32_t seed;
} fixture;

static int setup(void **state)
{
    testutil_set_master_key();
    char now[32];
    snprintf(now, sizeof now, "%lld", (long long)NOW);
    setenv("MM_FAKE_NOW_MS", now, 1); /* minute rollups are written for the recent hours only */
    fixture *f = calloc(1, sizeof *f);
    f->dir = testutil_tempdir();
    f->seed = 12345;
    char path[1024];
    testutil_catalog_address(f->dir, path, sizeof path);
    mm_catalog_options opts = {.path = path, .create = true};
    mm_error err = {0};
    if (catalog_open(&opts, &f->cat, &err) != MM_OK)
        fail_msg("catalog_open: %s", err.message);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    catalog_close(f->cat);
    testutil_rmtree(f->dir);
    free(f);
    unsetenv("MM_FAKE_NOW_MS");
    return 0;
}

static uint32_t next_random(fixture *f)
{
    f->seed = f->seed * 1103515245u + 12345u;
    return (f->seed >> 8) & 0xffffff;
}

static mm_usage_event event(const char *account, const char *kind, int64_t ts, const char *outcome)
{
    mm_usage_event ev;
    memset(&ev, 0, sizeof ev);
    snprintf(ev.kind, sizeof ev.kind, "%s", kind);
    snprintf(ev.account, sizeof ev.account, "%s", account);
    strcpy(ev.provider, "openai-compatible");
    snprintf(ev.outcome, sizeof ev.outcome, "%s", outcome);
    ev.ts_ms = ts;
    ev.latency_ms = -1;
    ev.cost_micros = 0;
    ev.retry_after_ms = -1;
    ev.ttft_ms = -1;
    if (strcmp(kind, "request") == 0) {
        strcpy(ev.workspace, "w");
        strcpy(ev.model, "m");
    }
    if (strcmp(outcome, "ok") != 0)
        snprintf(ev.message, sizeof ev.message, "%s at %lld", outcome, (long long)ts);
    return ev;
}

static void insert(fixture *f, mm_usage_event *evs, size_t count)
{
    mm_error err = {0};
    if (catalog_usage_insert_batch(f->cat, evs, count, &err) != MM_OK)
        fail_msg("usage insert: %s", err.message);
}

/* Probes every 30 s from `from` to `to` (ms), all refused: the prober's rounds at a dead
 * endpoint. */
static void dead_probes(fixture *f, const char *account, int64_t from, int64_t to)
{
    mm_usage_event evs[256];
    size_t n = 0;
    for (int64_t ts = from; ts < to && n < 256; ts += 30000) {
        evs[n] = event(account, "probe", ts, "network");
        evs[n].latency_ms = 3;
        n++;
    }
    insert(f, evs, n);
}

/* A busy account: requests and probes of every outcome, tokens, prices, streamed answers and
 * rate limits with and without a retry-after, some at the same ms, some stored out of order. */
static void busy_account(fixture *f, const char *account, int64_t from, int64_t to, int every_ms)
{
    static const char *const outcomes[] = {
        "ok",          "ok",           "ok",      "ok",   "ok",      "rate_limited",
        "bad_request", "server_error", "timeout", "auth", "network", "bad_response"};
    mm_usage_event evs[512];
    size_t n = 0;
    for (int64_t ts = from; ts < to && n < 512; ts += every_ms) {
        uint32_t r = next_random(f);
        const char *outcome = outcomes[r % 12];
        bool probe = (r >> 4) % 5 == 0;
        int64_t at = (r >> 7) % 7 == 0 ? ts - ts % MINUTE : ts; /* on the minute's edge */
        mm_usage_event ev = event(account, probe ? "probe" : "request", at, outcome);
        ev.http_status = strcmp(outcome, "bad_request") == 0 ? ((r >> 9) % 2 ? 400 : 408)
                         : strcmp(outcome, "ok") == 0        ? 200
                                                             : 500;
        ev.latency_ms = 20 + (r >> 10) % 4000;
        if (!probe) {
            ev.tokens_in = (r >> 3) % 900;
            ev.tokens_out = (r >> 5) % 300;
            ev.tokens_cache_read = ev.tokens_in / 3;
            ev.tokens_cache_write = ev.tokens_in / 7;
            ev.usage_estimated = (r >> 11) % 9 == 0;
            ev.cost_micros = (r >> 12) % 6 == 0 ? -1 : (int64_t)((r >> 2) % 5000);
            ev.streamed = (r >> 13) % 3 == 0;
            ev.ttft_ms = ev.streamed ? (int64_t)((r >> 14) % 900) : -1;
        }
        if (strcmp(outcome, "rate_limited") == 0)
            ev.retry_after_ms = (r >> 15) % 2 ? 30000 + (int64_t)((r >> 16) % 3) * 3600000 : -1;
        evs[n++] = ev;
        if ((r >> 17) % 11 == 0 && n < 512) { /* a second event at the same ms */
            evs[n] = ev;
            snprintf(evs[n].outcome, sizeof evs[n].outcome, "%s", probe ? "auth" : "ok");
            evs[n].http_status = probe ? 401 : 200;
            n++;
        }
    }
    if (n > 3) { /* stored out of order: ids do not follow time */
        mm_usage_event t = evs[n - 1];
        evs[n - 1] = evs[n / 2];
        evs[n / 2] = t;
    }
    insert(f, evs, n);
}

typedef struct raw_fold {
    mm_window_set *set;
    int64_t max_id;
} raw_fold;

static void fold_raw(const mm_usage_event *ev, void *ctx)
{
    raw_fold *fold = ctx;
    if (ev->id <= fold->max_id)
        assert_true(mm_window_set_fold(fold->set, ev));
}

/* The reference: every raw event of the hour folded, as the windows were loaded before. */
static void load_from_raw(fixture *f, int64_t now, mm_window_set *set)
{
    mm_window_set_init(set, now);
    set->fold_month = false;
    raw_fold fold = {.set = set, .max_id = newest_event_id(f->cat)};
    mm_error err = {0};
    int64_t since = (now / MINUTE - 59) * MINUTE;
    assert_int_equal(catalog_usage_since_time(f->cat, NULL, since, fold_raw, &fold, &err), MM_OK);
}

static void assert_p95_close(int32_t got, int32_t want)
{
    if (want < 0) {
        assert_int_equal(got, want);
        return;
    }
    assert_true(fabs((double)got - want) <= MM_HIST_RELATIVE_ERROR * want + 1.0);
}

static void assert_same_window(const mm_account_window *got, const mm_account_window *want,
                               int64_t now)
{
    assert_string_equal(got->account, want->account);
    assert_int_equal(got->consecutive_probe_failures, want->consecutive_probe_failures);
    assert_int_equal(got->key_refused, want->key_refused);
    assert_int_equal(got->last_event_ms, want->last_event_ms);
    assert_int_equal(got->last_success_ms, want->last_success_ms);
    assert_int_equal(got->last_probe_ms, want->last_probe_ms);
    assert_int_equal(got->failing_since_ms, want->failing_since_ms);
    assert_int_equal(got->cooldown_until_ms, want->cooldown_until_ms);
    assert_int_equal(got->n_errors, want->n_errors);
    for (size_t i = 0; i < want->n_errors; i++) {
        const mm_recent_error *a = mm_window_error(got, i), *b = mm_window_error(want, i);
        assert_int_equal(a->ts_ms, b->ts_ms);
        assert_string_equal(a->kind, b->kind);
        assert_string_equal(a->outcome, b->outcome);
        assert_int_equal(a->http_status, b->http_status);
        assert_string_equal(a->message, b->message);
    }
    for (int64_t minute = now / MINUTE - 59; minute <= now / MINUTE; minute++) {
        const mm_minute_slot *a = mm_window_minute(got, minute),
                             *b = mm_window_minute(want, minute);
        mm_window_counts ca, cb;
        mm_minute_counts(got, a, &ca);
        mm_minute_counts(want, b, &cb);
        assert_memory_equal(&ca, &cb, sizeof ca);
        const mm_minute_detail *da = a ? mm_window_slot_detail(got, a) : NULL,
                               *db = b ? mm_window_slot_detail(want, b) : NULL;
        assert_int_equal(da ? da->latency.count : 0, db ? db->latency.count : 0);
        assert_int_equal(da ? da->latency.sum : 0, db ? db->latency.sum : 0);
        assert_int_equal(da && da->ttft ? da->ttft->count : 0,
                         db && db->ttft ? db->ttft->count : 0);
        assert_int_equal(da && da->ttft ? da->ttft->sum : 0, db && db->ttft ? db->ttft->sum : 0);
    }
    int32_t req[2][60], errs[2][60], p95[2][60];
    mm_window_series(got, now, req[0], errs[0], p95[0]);
    mm_window_series(want, now, req[1], errs[1], p95[1]);
    assert_memory_equal(req[0], req[1], sizeof req[0]);
    assert_memory_equal(errs[0], errs[1], sizeof errs[0]);
    for (int i = 0; i < 60; i++)
        assert_p95_close(p95[0][i], p95[1][i]);
    mm_window_totals a, b;
    assert_true(mm_window_sum(got, now, 60, &a));
    assert_true(mm_window_sum(want, now, 60, &b));
    assert_memory_equal(&a.counts, &b.counts, sizeof a.counts);
    assert_p95_close((int32_t)mm_histogram_quantile(&a.ttft, 0.95),
                     (int32_t)mm_histogram_quantile(&b.ttft, 0.95));
    mm_window_totals_free(&a);
    mm_window_totals_free(&b);
}

/* Loads the hour at now both ways and compares every window. */
static void assert_rollups_match_raw(fixture *f, int64_t now)
{
    mm_window_set from_rollups, from_raw;
    int64_t max_id = 0;
    mm_error err = {0};
    assert_int_equal(health_hour_load(f->cat, now, &from_rollups, &max_id, &err), MM_OK);
    assert_int_equal(max_id, newest_event_id(f->cat));
    load_from_raw(f, now, &from_raw);
    assert_int_equal(from_rollups.count, from_raw.count);
    for (size_t i = 0; i < from_raw.count; i++) {
        const mm_account_window *want = from_raw.items[i];
        const mm_account_window *got = mm_window_set_find(&from_rollups, want->account);
        assert_non_null(got);
        assert_same_window(got, want, now);
    }
    mm_window_set_free(&from_rollups);
    mm_window_set_free(&from_raw);
}

static void fill_catalog(fixture *f)
{
    /* dead for the whole hour and more: failures in a row counted past the minutes read */
    dead_probes(f, "dead", NOW - 80 * MINUTE, NOW + 1);
    /* dead since the hour's second half began, after one success */
    dead_probes(f, "fell", NOW - 30 * MINUTE, NOW);
    mm_usage_event ok = event("fell", "probe", NOW - 30 * MINUTE - 1, "ok");
    ok.latency_ms = 120;
    insert(f, &ok, 1);
    /* events exactly at the hour's first ms and just before it */
    mm_usage_event edge[3] = {event("edge", "request", SINCE - 1, "ok"),
                              event("edge", "request", SINCE, "server_error"),
                              event("edge", "request", SINCE + MINUTE - 1, "ok")};
    edge[0].latency_ms = edge[2].latency_ms = 50;
    insert(f, edge, 3);
    busy_account(f, "busy", NOW - 75 * MINUTE, NOW, 9000);
    busy_account(f, "sparse", NOW - 65 * MINUTE, NOW, 170000); /* ~90 events an account */
    /* a rate limit with a long retry-after, then ones without */
    mm_usage_event rl[3] = {event("limited", "request", NOW - 50 * MINUTE, "rate_limited"),
                            event("limited", "request", NOW - 20 * MINUTE, "rate_limited"),
                            event("limited", "request", NOW - 10 * MINUTE, "rate_limited")};
    rl[0].retry_after_ms = 7200000;
    rl[0].http_status = rl[1].http_status = rl[2].http_status = 429;
    insert(f, rl, 3);
    /* a refused key, then a success, then a refused key again */
    mm_usage_event key[3] = {event("key", "probe", NOW - 40 * MINUTE, "auth"),
                             event("key", "request", NOW - 39 * MINUTE, "ok"),
                             event("key", "probe", NOW - 2 * MINUTE, "auth")};
    key[1].latency_ms = 33;
    insert(f, key, 3);
}

static void rollups_give_the_windows_of_the_raw_events(void **state)
{
    fixture *f = *state;
    fill_catalog(f);
    assert_rollups_match_raw(f, NOW);
}

/* A streamed success stored first and thousands of older events after it (the hour's first id far
 * below the rest of the hour): its time to first token comes with its minute rollup's sketch
 * whatever the ids; the windows are the same as the raw events' fold. */
static void an_hour_far_apart_in_ids_gives_the_same_windows(void **state)
{
    fixture *f = *state;
    mm_usage_event ahead = event("ahead", "request", NOW - 5 * MINUTE, "ok");
    ahead.latency_ms = 80;
    ahead.streamed = true;
    ahead.ttft_ms = 40;
    insert(f, &ahead, 1);
    for (int k = 0; k < 40; k++) /* 4,800 refused probes, 44 h to 4 h before now */
        dead_probes(f, "old", NOW - (44 - k) * 60 * MINUTE, NOW - (43 - k) * 60 * MINUTE);
    fill_catalog(f);
    assert_rollups_match_raw(f, NOW);
    mm_window_set set;
    int64_t max_id = 0;
    mm_error err = {0};
    assert_int_equal(health_hour_load(f->cat, NOW, &set, &max_id, &err), MM_OK);
    const mm_account_window *win = mm_window_set_find(&set, "ahead");
    assert_non_null(win);
    const mm_minute_slot *slot = mm_window_minute(win, (NOW - 5 * MINUTE) / MINUTE);
    assert_non_null(slot);
    const mm_minute_detail *detail = mm_window_slot_detail(win, slot);
    assert_true(detail && detail->ttft); /* its time to first token, 40 ms */
    assert_int_equal(detail->ttft->count, 1);
    assert_int_equal(detail->ttft->sum, 40);
    mm_window_set_free(&set);
}

/* Many accounts' planned minutes read at once (on PostgreSQL one statement for all of them, the
 * ranges as arrays): each account's state as from its raw events, whatever its name holds. */
static void every_accounts_state_read_at_once(void **state)
{
    fixture *f = *state;
    fill_catalog(f);
    for (int a = 0; a < 40; a++) {
        char name[32];
        snprintf(name, sizeof name, a % 10 ? "dead-%02d" : "we\"ird, {%02d}\\", a);
        dead_probes(f, name, NOW - (20 + a) * MINUTE, NOW - a * 1000);
        if (a % 3 == 0) { /* a success in the hour: the minutes read reach back to it */
            mm_usage_event ok = event(name, "probe", NOW - (10 + a / 3) * MINUTE + 7, "ok");
            ok.latency_ms = 40 + a;
            insert(f, &ok, 1);
        }
    }
    assert_rollups_match_raw(f, NOW);
    assert_rollups_match_raw(f, NOW + 5 * MINUTE);
}

static void the_hours_edge_moves_with_now(void **state)
{
    fixture *f = *state;
    fill_catalog(f);
    /* now's minute's last ms, the next minute's first (the hour's first minute moves on by
     * one), and later: the hour's edge cuts through the stored minutes */
    assert_rollups_match_raw(f, (NOW / MINUTE + 1) * MINUTE - 1);
    assert_rollups_match_raw(f, (NOW / MINUTE + 1) * MINUTE);
    assert_rollups_match_raw(f, NOW + 7 * MINUTE);
    assert_rollups_match_raw(f, NOW + 29 * MINUTE + 30001);
    assert_rollups_match_raw(f, NOW + 58 * MINUTE);
}

/* A probe round or two: few events an account, folded from the raw events alike. */
static void few_events_an_account_give_the_same_windows(void **state)
{
    fixture *f = *state;
    for (int a = 0; a < 20; a++) {
        char name[16];
        snprintf(name, sizeof name, "acct-%02d", a);
        mm_usage_event evs[2] = {event(name, "probe", NOW - 45000 + a, "network"),
                                 event(name, "probe", NOW - 15000 + a, a % 3 ? "network" : "ok")};
        evs[1].latency_ms = 40 + a;
        insert(f, evs, 2);
    }
    assert_rollups_match_raw(f, NOW);
}

/* An hour of refused probes (two a minute) keeps 20 bytes a minute: no detail (no tokens, cost
 * or success), and its five latest errors. */
static void an_hour_of_refused_probes_stays_small(void **state)
{
    fixture *f = *state;
    fill_catalog(f);
    mm_window_set set;
    int64_t max_id;
    mm_error err = {0};
    assert_int_equal(health_hour_load(f->cat, NOW, &set, &max_id, &err), MM_OK);
    const mm_account_window *dead = mm_window_set_find(&set, "dead");
    assert_int_equal(dead->n_slots, 60);
    for (int i = 0; i < dead->n_slots; i++)
        assert_null(mm_window_slot_detail(dead, &dead->slots[i]));
    assert_null(dead->details);
    size_t errors = 0; /* each entry, and each message text once (the entries share it) */
    for (size_t i = 0; i < dead->n_errors; i++) {
        errors += sizeof(mm_recent_error);
        bool repeated = false;
        for (size_t j = 0; j < i; j++)
            repeated |= mm_window_error(dead, j)->message == mm_window_error(dead, i)->message;
        errors += repeated ? 0 : strlen(mm_window_error(dead, i)->message) + 1;
    }
    assert_int_equal(mm_window_bytes(dead), sizeof *dead + 60 * sizeof(mm_minute_slot) + errors);
    assert_true(mm_window_bytes(dead) <= 3 * 1024);
    mm_window_set_free(&set);
}

static void listed_accounts_are_loaded_alone(void **state)
{
    fixture *f = *state;
    fill_catalog(f);
    mm_account_list accounts = {0};
    mm_account items[2];
    mm_account_init(&items[0]);
    mm_account_init(&items[1]);
    strcpy(items[0].name, "busy");
    strcpy(items[1].name, "fell");
    accounts.items = items;
    accounts.count = 2;
    mm_window_set listed, raw;
    int64_t max_id;
    mm_error err = {0};
    assert_int_equal(health_hour_load_accounts(f->cat, NOW, &accounts, &listed, &max_id, &err),
                     MM_OK);
    load_from_raw(f, NOW, &raw);
    assert_int_equal(listed.count, 2);
    for (size_t i = 0; i < 2; i++)
        assert_same_window(mm_window_set_find(&listed, items[i].name),
                           mm_window_set_find(&raw, items[i].name), NOW);
    assert_null(mm_window_set_find(&listed, "dead"));
    mm_window_set_free(&listed);
    mm_window_set_free(&raw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(rollups_give_the_windows_of_the_raw_events, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(the_hours_edge_moves_with_now, setup, teardown),
        cmocka_unit_test_setup_teardown(every_accounts_state_read_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(few_events_an_account_give_the_same_windows, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(an_hour_of_refused_probes_stays_small, setup, teardown),
        cmocka_unit_test_setup_teardown(listed_accounts_are_loaded_alone, setup, teardown),
        cmocka_unit_test_setup_teardown(an_hour_far_apart_in_ids_gives_the_same_windows, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
