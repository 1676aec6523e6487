/* Health figures per account from the rolling windows, and loading those windows from the
 * catalog: the last hour in one indexed, streamed query plus month-to-date cost from the
 * day rollups. */
#include "health/report.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/month_cost.h"
#include "health/hour_load.h"
#include "health/status.h"
#include "util/hash_index.h"
#include "util/text.h"

mm_status health_windows_load_month(mm_catalog *cat, mm_window_set *set, mm_id_gaps *missing,
                                    mm_error *err)
{
    mm_month_cost *costs = NULL;
    size_t count = 0;
    int64_t upto_id = 0;
    bool began = false;
    mm_status st = missing ? catalog_read_begin(cat, &began, err) : MM_OK;
    if (st == MM_OK)
        st = catalog_usage_month_costs(cat, set->month_start_ms, &costs, &count, &upto_id, err);
    if (st == MM_OK && missing) /* in flight in the sums' picture: not in them */
        st = catalog_usage_missing_below(cat, upto_id, missing, err);
    if (missing)
        st = catalog_read_end(cat, began, st, err);
    if (st == MM_OK) {
        set->month_upto_id = upto_id;
        set->fold_month = true;
    }
    for (size_t i = 0; st == MM_OK && i < count; i++) {
        mm_account_window *win = mm_window_set_get(set, costs[i].account);
        if (!win)
            st = mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory loading health");
        else {
            win->month_cost_micros = costs[i].cost_micros;
            win->month_unpriced = costs[i].unpriced;
        }
    }
    free(costs);
    return st;
}

/* The catalog's provider on the account's window, when it has one without. */
static void fill_window_provider(mm_window_set *set, const char *account, const char *provider)
{
    mm_account_window *win = (mm_account_window *)mm_window_set_find(set, account);
    if (win && !win->provider[0])
        mm_copy(win->provider, sizeof win->provider, provider);
}

/* The last hour into windows (the accounts with traffic) from the minute rollups; the month's
 * totals are left to the caller (set->fold_month stays false). */
static mm_status load_hour(mm_catalog *cat, int64_t now_ms, mm_window_set *set, int64_t *max_id,
                           mm_error *err)
{
    return health_hour_load(cat, now_ms, set, max_id, err);
}

mm_status health_windows_load(mm_catalog *cat, const mm_account_list *accounts, int64_t now_ms,
                              mm_window_set *set, int64_t *max_id, mm_error *err)
{
    mm_status st = load_hour(cat, now_ms, set, max_id, err);
    if (st == MM_OK)
        st = health_windows_load_month(cat, set, NULL, err);
    for (size_t i = 0; st == MM_OK && i < accounts->count; i++)
        fill_window_provider(set, accounts->items[i].name, accounts->items[i].provider);
    set->fold_month = true;
    return st;
}

mm_status health_windows_load_hour_for(mm_catalog *cat, const mm_health_account_list *accounts,
                                       int64_t now_ms, mm_window_set *set, int64_t *max_id,
                                       mm_error *err)
{
    mm_status st = load_hour(cat, now_ms, set, max_id, err);
    for (size_t i = 0; st == MM_OK && i < accounts->count; i++)
        fill_window_provider(set, accounts->items[i].name, accounts->items[i].provider);
    return st;
}

/* The tail after a load made in the caller's read transaction: after the newest event the load
 * read, its gaps the events in flight then (catalog_usage_tail_start); after a failed load,
 * after what the load reports, without gaps. */
static mm_status tail_after_load(mm_catalog *cat, mm_usage_tail *tail, mm_status loaded,
                                 int64_t max_id, mm_error *err)
{
    if (loaded == MM_OK)
        return catalog_usage_tail_start(cat, tail, max_id, err);
    catalog_usage_tail_free(tail);
    tail->last_id = max_id;
    return loaded;
}

mm_status health_windows_load_hour_tail(mm_catalog *cat, const mm_health_account_list *accounts,
                                        int64_t now_ms, mm_window_set *set, mm_usage_tail *tail,
                                        mm_error *err)
{
    bool began;
    int64_t max_id = 0;
    mm_status st = catalog_read_begin(cat, &began, err);
    if (st == MM_OK) {
        st = health_windows_load_hour_for(cat, accounts, now_ms, set, &max_id, err);
        st = tail_after_load(cat, tail, st, max_id, err);
    }
    return catalog_read_end(cat, began, st, err);
}

mm_status health_windows_load_tail(mm_catalog *cat, const mm_account_list *accounts, int64_t now_ms,
                                   mm_window_set *set, mm_usage_tail *tail, mm_error *err)
{
    bool began;
    int64_t max_id = 0;
    mm_status st = catalog_read_begin(cat, &began, err);
    if (st == MM_OK) {
        st = health_windows_load(cat, accounts, now_ms, set, &max_id, err);
        st = tail_after_load(cat, tail, st, max_id, err);
    }
    return catalog_read_end(cat, began, st, err);
}

bool health_windows_fold_tailed(mm_window_set *set, mm_id_gaps *month_missing,
                                const mm_usage_event *ev)
{
    int64_t upto = set->month_upto_id;
    /* in flight when the month was read (its id below the newest the sums hold, committed
     * after): the month adds it as it adds the events after upto */
    if (ev->id > 0 && ev->id <= upto && month_missing && mm_id_gaps_take(month_missing, ev->id))
        set->month_upto_id = ev->id - 1;
    bool ok = mm_window_set_fold(set, ev);
    set->month_upto_id = upto;
    return ok;
}

/* The month's cost per account from the rollups, sorted by name (no window for an account
 * without recent traffic: `health --json` at 10,000 accounts). */
typedef struct month_costs {
    mm_month_cost *items;
    size_t count;
} month_costs;

static int compare_month_cost(const void *a, const void *b)
{
    return strcmp(((const mm_month_cost *)a)->account, ((const mm_month_cost *)b)->account);
}

static const mm_month_cost *find_month_cost(const month_costs *costs, const char *account)
{
    mm_month_cost key;
    mm_copy(key.account, sizeof key.account, account);
    return costs->count ? bsearch(&key, costs->items, costs->count, sizeof key, compare_month_cost)
                        : NULL;
}

static void fill_from_window(mm_health_figures *f, const mm_account_window *win, int64_t now_ms,
                             const mm_health_thresholds *t)
{
    mm_window_totals hour, recent;
    bool ok = mm_window_sum(win, now_ms, MM_WINDOW_MINUTES, &hour);
    ok = mm_window_sum(win, now_ms, health_recent_minutes(t), &recent) && ok;
    if (ok) {
        const mm_window_counts *c = &hour.counts;
        f->requests = c->events;
        f->errors = c->errors;
        f->request_errors = c->request_errors;
        f->rate_limit_hits = c->rate_limited;
        f->tokens_in = c->tokens_in;
        f->tokens_out = c->tokens_out;
        f->tokens_cache_read = c->tokens_cache_read;
        f->tokens_cache_write = c->tokens_cache_write;
        f->usage_estimated = c->usage_estimated;
        f->unpriced = c->unpriced;
        f->cost_micros_hour = c->cost_micros;
        f->error_rate = c->events ? (double)c->errors / (double)c->events : 0.0;
        f->latency_avg_ms = mm_histogram_mean(&hour.latency);
        f->latency_p95_ms = mm_histogram_quantile(&hour.latency, 0.95);
        f->ttft_avg_ms = mm_histogram_mean(&hour.ttft);
        f->ttft_p95_ms = mm_histogram_quantile(&hour.ttft, 0.95);
        f->recent_requests = recent.counts.events;
        f->recent_rate_limit_hits = recent.counts.rate_limited;
        f->recent_error_rate = recent.counts.events
                                   ? (double)recent.counts.errors / (double)recent.counts.events
                                   : 0.0;
        f->recent_p95_ms = mm_histogram_quantile(&recent.latency, 0.95);
    }
    mm_window_totals_free(&hour);
    mm_window_totals_free(&recent);
    f->cost_micros_month = win->month_cost_micros;
    f->month_unpriced = win->month_unpriced;
    f->cooldown_until_ms = win->cooldown_until_ms > now_ms ? win->cooldown_until_ms : 0;
    f->last_event_ms = win->last_event_ms;
    f->last_success_ms = win->last_success_ms;
    f->last_probe_ms = win->last_probe_ms;
    f->consecutive_probe_failures = win->consecutive_probe_failures;
}

/* What the figures read of an account, from either list. */
typedef struct account_view {
    const char *name, *provider, *disabled_reason;
    bool enabled;
    int64_t monthly_cap_cents;
} account_view;

static account_view view_of_account(const mm_account *acc)
{
    return (account_view){acc->name, acc->provider, acc->disabled_reason, acc->enabled,
                          acc->monthly_cap_cents};
}

static account_view view_of_health_account(const mm_health_account *acc)
{
    return (account_view){acc->name, acc->provider,
                          acc->disabled_reason ? acc->disabled_reason : "", acc->enabled,
                          acc->monthly_cap_cents};
}

/* The series of an account without events in the hour (shared by every such account). */
#define MINUS_ONE_10 -1, -1, -1, -1, -1, -1, -1, -1, -1, -1
static const int32_t NO_COUNTS[MM_WINDOW_MINUTES];
static const int32_t NO_P95[MM_WINDOW_MINUTES] = {MINUS_ONE_10, MINUS_ONE_10, MINUS_ONE_10,
                                                  MINUS_ONE_10, MINUS_ONE_10, MINUS_ONE_10};

/* The head of a figures' detail block (owned_): consecutive reports share a block when the
 * account's detail did not change, and snapshots are released on other threads, so its count
 * is atomic. The series, latest errors, name, provider and reasons follow it. */
typedef union detail_head {
    atomic_int refs;
    max_align_t align_;
} detail_head;

/* An account's per-minute series (requests, errors, p95), in a block of its own shared by
 * every figures that have the same series, in a report and across consecutive reports (the
 * prober's hour at dead endpoints is the same at each of 10,000 accounts): found from
 * series_requests, which points at values. */
typedef struct series_block {
    detail_head head;
    int32_t values[3 * MM_WINDOW_MINUTES];
} series_block;

/* The distinct series of the report being built (NULL when one figures is made alone). */
typedef struct series_dedup {
    series_block **blocks;
    size_t count, capacity;
    mm_hash_index index; /* hash of the values -> position in blocks */
} series_dedup;

static series_block *series_block_of(const int32_t *series_requests)
{
    return (series_block *)((char *)series_requests - offsetof(series_block, values));
}

static void series_release(const int32_t *series_requests)
{
    if (series_requests == NO_COUNTS)
        return;
    series_block *block = series_block_of(series_requests);
    if (atomic_fetch_sub(&block->head.refs, 1) == 1)
        free(block);
}

static uint32_t series_hash(const int32_t *values)
{
    uint32_t hash = 0x9747b28cu;
    for (int i = 0; i < 3 * MM_WINDOW_MINUTES; i++)
        hash = mm_hash_pair(hash, (uint32_t)values[i]);
    return hash;
}

static bool series_matches(const void *data, size_t position, const void *key)
{
    const series_dedup *dedup = data;
    return memcmp(dedup->blocks[position]->values, key, sizeof dedup->blocks[0]->values) == 0;
}

/* A reference to the block holding values: previous's (the account's series in the last
 * report), one this report made already, or a new one; NULL when out of memory. */
static series_block *series_share(series_dedup *dedup, const int32_t *values,
                                  const int32_t *previous)
{
    size_t bytes = sizeof((series_block *)0)->values;
    series_block *block = NULL;
    uint32_t hash = 0;
    if (previous && previous != NO_COUNTS && memcmp(previous, values, bytes) == 0) {
        block = series_block_of(previous);
    } else if (dedup) {
        hash = series_hash(values);
        long at = mm_hash_index_find(&dedup->index, hash, values, series_matches, dedup);
        block = at >= 0 ? dedup->blocks[at] : NULL;
    }
    if (block) {
        atomic_fetch_add(&block->head.refs, 1);
        return block;
    }
    if (!(block = malloc(sizeof *block)))
        return NULL;
    atomic_init(&block->head.refs, 1);
    memcpy(block->values, values, bytes);
    if (!dedup)
        return block;
    if (dedup->count == dedup->capacity) { /* a lookup miss is kept for later accounts */
        size_t capacity = dedup->capacity ? dedup->capacity * 2 : 64;
        series_block **grown = realloc(dedup->blocks, capacity * sizeof *grown);
        if (!grown)
            return block; /* not shared later: still correct */
        dedup->blocks = grown;
        dedup->capacity = capacity;
    }
    if (!hash)
        hash = series_hash(values);
    if (mm_hash_index_add(&dedup->index, hash, dedup->count))
        dedup->blocks[dedup->count++] = block;
    return block;
}

static void series_dedup_free(series_dedup *dedup)
{
    free(dedup->blocks);
    mm_hash_index_free(&dedup->index);
}

/* Copies text to *at, returning the copy and moving *at past it. */
static const char *put_text(char **at, const char *text, size_t bytes)
{
    char *copy = memcpy(*at, text, bytes);
    *at += bytes;
    return copy;
}

/* The name, provider, status reason and disabled reason at text (sized by the caller). */
static void put_texts(mm_health_figures *f, const account_view *acc, const char *status_reason,
                      char *text)
{
    f->account = put_text(&text, acc->name, strlen(acc->name) + 1);
    f->provider = put_text(&text, acc->provider, strlen(acc->provider) + 1);
    f->status_reason = put_text(&text, status_reason, strlen(status_reason) + 1);
    if (acc->disabled_reason[0])
        f->disabled_reason =
            put_text(&text, acc->disabled_reason, strlen(acc->disabled_reason) + 1);
}

/* The latest error of win at i whose message an earlier one (of i) has already, or -1. */
static long same_message_before(const mm_account_window *win, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (strcmp(mm_window_error(win, j)->message, mm_window_error(win, i)->message) == 0)
            return (long)j;
    return -1;
}

/* The per-minute series (the shared constants when the hour has no requests, else a series
 * block shared with every account showing the same: series_share), the latest errors (each
 * message text once: refused probes repeat theirs), the name, provider and reasons: one block
 * sized to what the account has. false only when out of memory. */
static bool fill_detail(mm_health_figures *f, const account_view *acc, const mm_account_window *win,
                        int64_t now_ms, const char *status_reason, series_dedup *dedup,
                        const int32_t *previous_series)
{
    int32_t values[3 * MM_WINDOW_MINUTES];
    int32_t *requests = values, *errors = values + MM_WINDOW_MINUTES;
    int32_t *p95 = values + 2 * MM_WINDOW_MINUTES;
    bool series = false;
    if (win) {
        mm_window_series(win, now_ms, requests, errors, p95);
        for (int m = 0; m < MM_WINDOW_MINUTES && !series; m++)
            series = requests[m] != 0;
    }
    size_t n_errors = win ? win->n_errors : 0;
    size_t errors_bytes = n_errors * sizeof(mm_recent_error);
    for (size_t i = 0; i < n_errors; i++)
        if (same_message_before(win, i) < 0)
            errors_bytes += strlen(mm_window_error(win, i)->message) + 1;
    size_t text_bytes = strlen(acc->name) + strlen(acc->provider) + strlen(status_reason) + 3;
    text_bytes += acc->disabled_reason[0] ? strlen(acc->disabled_reason) + 1 : 0;
    f->series_requests = f->series_errors = NO_COUNTS;
    f->series_p95_ms = NO_P95;
    f->disabled_reason = "";
    detail_head *head = malloc(sizeof *head + errors_bytes + text_bytes);
    series_block *shared = series && head ? series_share(dedup, values, previous_series) : NULL;
    if (!head || (series && !shared)) {
        free(head);
        return false;
    }
    atomic_init(&head->refs, 1);
    f->owned_ = head;
    if (shared) {
        f->series_requests = shared->values;
        f->series_errors = shared->values + MM_WINDOW_MINUTES;
        f->series_p95_ms = shared->values + 2 * MM_WINDOW_MINUTES;
    }
    mm_recent_error *last = (mm_recent_error *)(head + 1);
    char *text = (char *)(last + n_errors); /* the messages after the entries */
    for (size_t i = 0; i < n_errors; i++) {
        last[i] = *mm_window_error(win, i);
        long same = same_message_before(win, i);
        if (same >= 0) {
            last[i].message = last[same].message;
            continue;
        }
        size_t len = strlen(last[i].message) + 1;
        last[i].message = memcpy(text, last[i].message, len);
        text += len;
    }
    f->n_errors = n_errors;
    f->last_errors = n_errors ? last : NULL;
    put_texts(f, acc, status_reason, text);
    return true;
}

static void figures_free(mm_health_figures *f)
{
    detail_head *head = f->owned_;
    if (head && atomic_fetch_sub(&head->refs, 1) == 1)
        free(head);
    if (head)
        series_release(f->series_requests);
    f->owned_ = NULL;
}

/* false only when out of memory. */
static bool fill_figures(mm_health_figures *f, const account_view *acc,
                         const mm_account_window *win, int64_t now_ms,
                         const mm_health_thresholds *t, series_dedup *dedup,
                         const int32_t *previous_series)
{
    char status_reason[MM_HEALTH_LINE_MAX];
    f->enabled = acc->enabled;
    f->monthly_cap_cents = acc->monthly_cap_cents;
    f->latency_avg_ms = f->latency_p95_ms = f->recent_p95_ms = -1.0;
    f->ttft_avg_ms = f->ttft_p95_ms = -1.0;
    f->status = health_status_evaluate(win, now_ms, t, status_reason, sizeof status_reason);
    if (win)
        fill_from_window(f, win, now_ms, t);
    return fill_detail(f, acc, win, now_ms, status_reason, dedup, previous_series);
}

/* The latest errors of two figures with as many (n_errors compared by the caller). */
static bool same_errors(const mm_health_figures *a, const mm_health_figures *b)
{
    for (size_t i = 0; i < a->n_errors; i++) {
        const mm_recent_error *x = &a->last_errors[i], *y = &b->last_errors[i];
        if (x->ts_ms != y->ts_ms || x->http_status != y->http_status ||
            strcmp(x->kind, y->kind) != 0 || strcmp(x->outcome, y->outcome) != 0 ||
            strcmp(x->message, y->message) != 0)
            return false;
    }
    return true;
}

/* Whether two figures' details (series, latest errors, name, provider, reasons) are the same. */
static bool same_detail(const mm_health_figures *a, const mm_health_figures *b)
{
    size_t series = MM_WINDOW_MINUTES * sizeof(int32_t);
    if (a->owned_ && a->owned_ == b->owned_ && a->series_requests == b->series_requests)
        return true; /* one block shared (share_detail): the same by construction */
    if (a->series_requests == b->series_requests) /* one series block, or none */
        series = 0;
    return a->n_errors == b->n_errors && strcmp(a->account, b->account) == 0 &&
           strcmp(a->provider, b->provider) == 0 &&
           strcmp(a->status_reason, b->status_reason) == 0 &&
           memcmp(a->series_requests, b->series_requests, series) == 0 &&
           memcmp(a->series_errors, b->series_errors, series) == 0 &&
           memcmp(a->series_p95_ms, b->series_p95_ms, series) == 0 && same_errors(a, b) &&
           strcmp(a->disabled_reason, b->disabled_reason) == 0;
}

/* One more figures pointing into f's detail block and series block. */
static void retain_detail(const mm_health_figures *f)
{
    if (!f->owned_)
        return;
    atomic_fetch_add(&((detail_head *)f->owned_)->refs, 1);
    if (f->series_requests != NO_COUNTS)
        atomic_fetch_add(&series_block_of(f->series_requests)->head.refs, 1);
}

/* f takes previous's detail block in place of its own when they say the same. */
static void share_detail(mm_health_figures *f, const mm_health_figures *previous)
{
    if (!f->owned_ || !previous->owned_ || !same_detail(f, previous))
        return;
    figures_free(f);
    retain_detail(previous);
    f->owned_ = previous->owned_;
    f->series_requests = previous->series_requests;
    f->series_errors = previous->series_errors;
    f->series_p95_ms = previous->series_p95_ms;
    f->last_errors = previous->last_errors;
    f->account = previous->account;
    f->provider = previous->provider;
    f->status_reason = previous->status_reason;
    f->disabled_reason = previous->disabled_reason;
}

bool health_figures_same(const mm_health_figures *a, const mm_health_figures *b)
{
    mm_health_figures x, y; /* the figures without their pointers */
    memcpy(&x, a, sizeof x);
    memcpy(&y, b, sizeof y);
    x.series_requests = x.series_errors = x.series_p95_ms = NULL;
    y.series_requests = y.series_errors = y.series_p95_ms = NULL;
    x.last_errors = y.last_errors = NULL;
    x.disabled_reason = y.disabled_reason = NULL;
    x.account = y.account = x.provider = y.provider = x.status_reason = y.status_reason = NULL;
    x.owned_ = y.owned_ = NULL;
    return memcmp(&x, &y, sizeof x) == 0 && same_detail(a, b);
}

static int compare_pointers(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (const void *const *)a, y = (uintptr_t) * (const void *const *)b;
    return (x > y) - (x < y);
}

/* Bytes of the distinct series blocks report's figures point to (each counted once). */
static size_t series_bytes(const mm_health_report *report)
{
    const void **blocks = malloc((report->count + 1) * sizeof *blocks);
    size_t n = 0, distinct = 0;
    for (size_t i = 0; blocks && i < report->count; i++)
        if (report->accounts[i].owned_ && report->accounts[i].series_requests != NO_COUNTS)
            blocks[n++] = report->accounts[i].series_requests;
    if (!blocks) /* out of memory: as if none were shared */
        return report->count * sizeof(series_block);
    qsort(blocks, n, sizeof *blocks, compare_pointers);
    for (size_t i = 0; i < n; i++)
        distinct += i == 0 || blocks[i] != blocks[i - 1];
    free(blocks);
    return distinct * sizeof(series_block);
}

size_t health_report_bytes(const mm_health_report *report)
{
    size_t bytes = report->count * sizeof *report->accounts + series_bytes(report);
    for (size_t i = 0; i < report->count; i++) {
        const mm_health_figures *f = &report->accounts[i];
        if (!f->owned_)
            continue;
        bytes += sizeof(detail_head); /* shared blocks counted in each report holding them */
        bytes += f->n_errors * sizeof *f->last_errors;
        for (size_t e = 0; e < f->n_errors; e++) {
            bool repeated = false; /* a message text is kept once in its block */
            for (size_t before = 0; before < e && !repeated; before++)
                repeated = f->last_errors[before].message == f->last_errors[e].message;
            bytes += repeated ? 0 : strlen(f->last_errors[e].message) + 1;
        }
        bytes += f->disabled_reason[0] ? strlen(f->disabled_reason) + 1 : 0;
        bytes += strlen(f->account) + strlen(f->provider) + strlen(f->status_reason) + 3;
    }
    return bytes;
}

static account_view view_at_account(const void *list, size_t i)
{
    return view_of_account(&((const mm_account_list *)list)->items[i]);
}

static account_view view_at_health_account(const void *list, size_t i)
{
    return view_of_health_account(&((const mm_health_account_list *)list)->items[i]);
}

/* The report over count accounts, the i-th given by view_at(list, i), sharing detail blocks
 * with previous (NULL: none) where they say the same. */
static mm_status report_build(const mm_window_set *set, size_t count,
                              account_view (*view_at)(const void *, size_t), const void *list,
                              int64_t now_ms, const mm_health_thresholds *t,
                              const mm_health_report *previous, mm_health_report *out,
                              mm_error *err)
{
    memset(out, 0, sizeof *out);
    out->now_ms = now_ms;
    out->thresholds = *t;
    if (!count)
        return MM_OK;
    out->accounts = calloc(count, sizeof *out->accounts);
    if (!out->accounts)
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory building health figures");
    series_dedup dedup = {0};
    mm_status st = MM_OK;
    for (size_t i = 0; i < count && st == MM_OK; i++) {
        account_view acc = view_at(list, i);
        out->count = i + 1; /* freed by health_report_free however far it got */
        /* the same list: the same place */
        const mm_health_figures *before =
            previous && i < previous->count ? &previous->accounts[i] : NULL;
        if (!fill_figures(&out->accounts[i], &acc, mm_window_set_find(set, acc.name), now_ms, t,
                          &dedup, before ? before->series_requests : NULL)) {
            health_report_free(out);
            st = mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory building health figures");
        } else if (before) {
            share_detail(&out->accounts[i], before);
        }
    }
    series_dedup_free(&dedup);
    return st;
}

mm_status health_report_with_month(const mm_health_report *previous, const mm_window_set *set,
                                   mm_health_report *out, mm_error *err)
{
    *out = *previous;
    out->accounts = NULL;
    if (!previous->count)
        return MM_OK;
    out->accounts = malloc(previous->count * sizeof *out->accounts);
    if (!out->accounts) {
        out->count = 0;
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory building health figures");
    }
    memcpy(out->accounts, previous->accounts, previous->count * sizeof *out->accounts);
    for (size_t i = 0; i < out->count; i++) {
        mm_health_figures *f = &out->accounts[i];
        retain_detail(f);
        const mm_account_window *win = mm_window_set_find(set, f->account);
        f->cost_micros_month = win ? win->month_cost_micros : 0;
        f->month_unpriced = win ? win->month_unpriced : 0;
    }
    return MM_OK;
}

mm_status health_report_build(const mm_window_set *set, const mm_account_list *accounts,
                              int64_t now_ms, const mm_health_thresholds *t, mm_health_report *out,
                              mm_error *err)
{
    return report_build(set, accounts->count, view_at_account, accounts, now_ms, t, NULL, out, err);
}

mm_status health_report_build_for(const mm_window_set *set, const mm_health_account_list *accounts,
                                  int64_t now_ms, const mm_health_thresholds *t,
                                  mm_health_report *out, mm_error *err)
{
    return health_report_build_next(set, accounts, now_ms, t, NULL, out, err);
}

mm_status health_report_build_next(const mm_window_set *set, const mm_health_account_list *accounts,
                                   int64_t now_ms, const mm_health_thresholds *t,
                                   const mm_health_report *previous, mm_health_report *out,
                                   mm_error *err)
{
    return report_build(set, accounts->count, view_at_health_account, accounts, now_ms, t, previous,
                        out, err);
}

/* t, or the catalog's thresholds read into *loaded (a bad setting keeps its default) */
static const mm_health_thresholds *
thresholds_or_catalog(mm_catalog *cat, const mm_health_thresholds *t, mm_health_thresholds *loaded)
{
    if (t)
        return t;
    health_thresholds_load(cat, loaded, NULL);
    return loaded;
}

/* What every account's figures or status come from: the thresholds, the accounts and their
 * windows. */
typedef struct health_inputs {
    mm_health_thresholds t;
    mm_account_list accounts;
    mm_window_set set;
} health_inputs;

/* Computes out (a report or a map) from the inputs. */
typedef mm_status (*health_inputs_use)(const health_inputs *in, int64_t now_ms, void *out,
                                       mm_error *err);

/* Loads the inputs (t NULL: the catalog's thresholds, a bad setting keeping its default), gives
 * them to use, frees them. */
static mm_status with_health_inputs(mm_catalog *cat, int64_t now_ms, const mm_health_thresholds *t,
                                    health_inputs_use use, void *out, mm_error *err)
{
    health_inputs in = {0};
    in.t = *thresholds_or_catalog(cat, t, &in.t);
    int64_t max_id;
    mm_status st = catalog_account_list(cat, &in.accounts, err);
    if (st == MM_OK)
        st = health_windows_load(cat, &in.accounts, now_ms, &in.set, &max_id, err);
    if (st == MM_OK)
        st = use(&in, now_ms, out, err);
    mm_window_set_free(&in.set);
    mm_account_list_free(&in.accounts);
    return st;
}

static mm_status report_from_inputs(const health_inputs *in, int64_t now_ms, void *report,
                                    mm_error *err)
{
    return health_report_build(&in->set, &in->accounts, now_ms, &in->t, report, err);
}

mm_status health_report_load(mm_catalog *cat, int64_t now_ms, const mm_health_thresholds *t,
                             mm_health_report *out, mm_error *err)
{
    memset(out, 0, sizeof *out);
    return with_health_inputs(cat, now_ms, t, report_from_inputs, out, err);
}

typedef struct each_context {
    const mm_window_set *set;
    int64_t now_ms;
    const mm_health_thresholds *t;
    health_figures_fn fn;
    void *ctx;
    const month_costs *month;
    mm_health_figures *figures;
    mm_account held; /* the previous account: given to fn once the next tells it is not last */
    bool has_pending, failed;
} each_context;

static void emit_pending(each_context *each, bool last)
{
    if (!each->has_pending || each->failed)
        return;
    memset(each->figures, 0, sizeof *each->figures);
    account_view acc = view_of_account(&each->held);
    if (!fill_figures(each->figures, &acc, mm_window_set_find(each->set, each->held.name),
                      each->now_ms, each->t, NULL, NULL)) {
        each->failed = true;
        return;
    }
    const mm_month_cost *month = find_month_cost(each->month, each->held.name);
    each->figures->cost_micros_month = month ? month->cost_micros : 0;
    each->figures->month_unpriced = month ? month->unpriced : 0;
    each->failed = !each->fn(each->figures, last, each->ctx);
    figures_free(each->figures);
    each->has_pending = false;
}

static void each_account(const mm_account *acc, void *ctx)
{
    each_context *each = ctx;
    emit_pending(each, false);
    each->held = *acc;
    each->has_pending = true;
}

mm_status health_report_each(mm_catalog *cat, int64_t now_ms, const mm_health_thresholds *t,
                             health_figures_fn fn, void *ctx, mm_error *err)
{
    mm_window_set set;
    int64_t max_id;
    month_costs month = {0};
    mm_status st = load_hour(cat, now_ms, &set, &max_id, err);
    if (st == MM_OK)
        st = catalog_usage_month_costs(cat, set.month_start_ms, &month.items, &month.count, NULL,
                                       err);
    each_context *each = st == MM_OK ? calloc(1, sizeof *each) : NULL;
    mm_health_figures *figures = each ? malloc(sizeof *figures) : NULL;
    if (st == MM_OK && !figures)
        st = mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory building health figures");
    if (st == MM_OK) {
        *each = (each_context){.set = &set,
                               .month = &month,
                               .now_ms = now_ms,
                               .t = t,
                               .fn = fn,
                               .ctx = ctx,
                               .figures = figures};
        st = catalog_account_each(cat, each_account, each, err);
    }
    if (st == MM_OK)
        emit_pending(each, true);
    if (st == MM_OK && each->failed)
        st = mm_error_set(err, MM_E_IO, NULL, "could not write the health figures");
    free(figures);
    free(each);
    free(month.items);
    mm_window_set_free(&set);
    return st;
}

void health_report_free(mm_health_report *report)
{
    for (size_t i = 0; i < report->count; i++)
        figures_free(&report->accounts[i]);
    free(report->accounts);
    memset(report, 0, sizeof *report);
}

const mm_health_figures *health_report_find(const mm_health_report *report, const char *account)
{
    /* in the catalog's list order (ORDER BY name: strcmp's): a binary search first */
    size_t lo = 0, hi = report->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(report->accounts[mid].account, account);
        if (cmp == 0)
            return &report->accounts[mid];
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = 0; i < report->count; i++) /* a report in another order */
        if (strcmp(report->accounts[i].account, account) == 0)
            return &report->accounts[i];
    return NULL;
}

/* Each account's status from windows already loaded. */
static mm_status health_map_fill(const mm_account_list *accounts, const mm_window_set *set,
                                 int64_t now_ms, const mm_health_thresholds *t, mm_health_map *out,
                                 mm_error *err)
{
    if (!accounts->count)
        return MM_OK;
    out->accounts = calloc(accounts->count, sizeof *out->accounts);
    out->statuses = calloc(accounts->count, sizeof *out->statuses);
    out->disabled = calloc(accounts->count, sizeof *out->disabled);
    if (!out->accounts || !out->statuses || !out->disabled)
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory computing health");
    for (size_t i = 0; i < accounts->count; i++) {
        const mm_account_window *win = mm_window_set_find(set, accounts->items[i].name);
        mm_copy(out->accounts[i], MM_NAME_MAX, accounts->items[i].name);
        out->statuses[i] = health_status_evaluate(win, now_ms, t, NULL, 0);
        out->disabled[i] = !accounts->items[i].enabled;
        out->count++;
    }
    mm_health_map_seal(out);
    return MM_OK;
}

static mm_status map_from_inputs(const health_inputs *in, int64_t now_ms, void *map, mm_error *err)
{
    return health_map_fill(&in->accounts, &in->set, now_ms, &in->t, map, err);
}

mm_status health_status_from_catalog(mm_catalog *cat, int64_t now_ms, const mm_health_thresholds *t,
                                     mm_health_map *out, mm_error *err)
{
    memset(out, 0, sizeof *out);
    mm_status st = with_health_inputs(cat, now_ms, t, map_from_inputs, out, err);
    if (st != MM_OK)
        mm_health_map_free(out);
    return st;
}

mm_status health_status_from_windows(const mm_window_set *set, const mm_account_list *accounts,
                                     int64_t now_ms, const mm_health_thresholds *t,
                                     mm_health_map *out, mm_error *err)
{
    memset(out, 0, sizeof *out);
    mm_status st = health_map_fill(accounts, set, now_ms, t, out, err);
    if (st != MM_OK)
        mm_health_map_free(out);
    return st;
}

mm_status health_status_for_accounts(mm_catalog *cat, int64_t now_ms, const mm_health_thresholds *t,
                                     const mm_account_list *accounts, mm_health_map *out,
                                     mm_error *err)
{
    memset(out, 0, sizeof *out);
    mm_health_thresholds loaded;
    t = thresholds_or_catalog(cat, t, &loaded);
    mm_window_set set;
    int64_t max_id;
    /* the listed accounts' hour (a status never reads the month) */
    mm_status st = health_hour_load_accounts(cat, now_ms, accounts, &set, &max_id, err);
    if (st == MM_OK)
        st = health_map_fill(accounts, &set, now_ms, t, out, err);
    mm_window_set_free(&set);
    if (st != MM_OK)
        mm_health_map_free(out);
    return st;
}

void mm_health_map_seal(mm_health_map *map)
{
    map->sorted = true;
    for (size_t i = 1; i < map->count && map->sorted; i++)
        map->sorted = strcmp(map->accounts[i - 1], map->accounts[i]) < 0;
}

/* The account's entry, or -1. */
static long map_find(const mm_health_map *map, const char *account)
{
    if (!map)
        return -1;
    if (!map->sorted) {
        for (size_t i = 0; i < map->count; i++)
            if (strcmp(map->accounts[i], account) == 0)
                return (long)i;
        return -1;
    }
    size_t lo = 0, hi = map->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(map->accounts[mid], account);
        if (cmp == 0)
            return (long)mid;
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

mm_health mm_health_map_get(const mm_health_map *map, const char *account)
{
    long i = map_find(map, account);
    return i < 0 ? MM_HEALTH_UNKNOWN : map->statuses[i];
}

bool mm_health_map_disabled(const mm_health_map *map, const char *account)
{
    long i = map_find(map, account);
    return i >= 0 && map->disabled && map->disabled[i];
}

static bool map_disabled_at(const mm_health_map *map, size_t i)
{
    return map->disabled && map->disabled[i];
}

bool mm_health_map_equal(const mm_health_map *a, const mm_health_map *b)
{
    if (a->count != b->count)
        return false;
    for (size_t i = 0; i < a->count; i++)
        if (a->statuses[i] != b->statuses[i] || map_disabled_at(a, i) != map_disabled_at(b, i) ||
            strcmp(a->accounts[i], b->accounts[i]) != 0)
            return false;
    return true;
}

void mm_health_map_free(mm_health_map *map)
{
    free(map->accounts);
    free(map->statuses);
    free(map->disabled);
    memset(map, 0, sizeof *map);
}
