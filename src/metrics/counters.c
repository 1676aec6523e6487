/* The exporter's monotonic counters, per account and per workspace x model, fed by the catalog's
 * usage tail (counters.h). */
#include "metrics/counters.h"

#include <stdlib.h>
#include <string.h>

#include "util/text.h"

#define TAIL_BATCH 5000

const double mm_metrics_latency_bounds_s[MM_METRICS_LATENCY_BUCKETS] = {
    0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120};

size_t mm_metrics_latency_bucket(double seconds)
{
    size_t bucket = 0;
    while (bucket < MM_METRICS_LATENCY_BUCKETS && seconds > mm_metrics_latency_bounds_s[bucket])
        bucket++;
    return bucket;
}

mm_status metrics_counters_init(mm_metrics_counters *c, mm_catalog *cat, int64_t now_ms,
                                mm_error *err)
{
    memset(c, 0, sizeof *c);
    c->started_ms = now_ms;
    bool began;
    int64_t newest = 0;
    mm_status st = catalog_read_begin(cat, &began, err);
    if (st == MM_OK) /* the newest id and the ids in flight below it: one picture */
        st = catalog_usage_max_id(cat, &newest, err);
    if (st == MM_OK)
        st = catalog_usage_tail_start(cat, &c->tail, newest, err);
    return catalog_read_end(cat, began, st, err);
}

void metrics_counters_free(mm_metrics_counters *c)
{
    catalog_usage_tail_free(&c->tail);
    free(c->accounts);
    free(c->usage);
    mm_hash_index_free(&c->account_index);
    mm_hash_index_free(&c->usage_index);
    memset(c, 0, sizeof *c);
}

static bool account_matches(const void *data, size_t position, const void *key)
{
    const mm_metrics_account_counters *items = data;
    return strcmp(items[position].account, key) == 0;
}

static bool usage_matches(const void *data, size_t position, const void *key)
{
    const mm_metrics_usage_counters *items = data;
    const mm_usage_event *ev = key;
    return strcmp(items[position].workspace, ev->workspace) == 0 &&
           strcmp(items[position].model, ev->model) == 0;
}

static bool grow(void **items, size_t *cap, size_t count, size_t size)
{
    if (count < *cap)
        return true;
    size_t new_cap = *cap ? *cap * 2 : 16;
    void *grown = realloc(*items, new_cap * size);
    if (!grown)
        return false;
    *items = grown;
    *cap = new_cap;
    return true;
}

static mm_metrics_account_counters *account_of(mm_metrics_counters *c, const mm_usage_event *ev)
{
    uint32_t hash = mm_hash_string(ev->account);
    long at =
        mm_hash_index_find(&c->account_index, hash, ev->account, account_matches, c->accounts);
    if (at >= 0)
        return &c->accounts[at];
    if (!grow((void **)&c->accounts, &c->cap_accounts, c->n_accounts, sizeof *c->accounts) ||
        !mm_hash_index_add(&c->account_index, hash, c->n_accounts))
        return NULL;
    mm_metrics_account_counters *a = &c->accounts[c->n_accounts++];
    memset(a, 0, sizeof *a);
    mm_copy(a->account, sizeof a->account, ev->account);
    mm_copy(a->provider, sizeof a->provider, ev->provider);
    return a;
}

static mm_metrics_usage_counters *usage_of(mm_metrics_counters *c, const mm_usage_event *ev)
{
    uint32_t hash = mm_hash_pair(mm_hash_string(ev->workspace), mm_hash_string(ev->model));
    long at = mm_hash_index_find(&c->usage_index, hash, ev, usage_matches, c->usage);
    if (at >= 0)
        return &c->usage[at];
    if (!grow((void **)&c->usage, &c->cap_usage, c->n_usage, sizeof *c->usage) ||
        !mm_hash_index_add(&c->usage_index, hash, c->n_usage))
        return NULL;
    mm_metrics_usage_counters *u = &c->usage[c->n_usage++];
    memset(u, 0, sizeof *u);
    mm_copy(u->workspace, sizeof u->workspace, ev->workspace);
    mm_copy(u->model, sizeof u->model, ev->model);
    return u;
}

static void add_latency(mm_metrics_account_counters *a, int64_t latency_ms)
{
    size_t bucket = 0;
    while (bucket < MM_METRICS_LATENCY_BUCKETS &&
           (double)latency_ms > mm_metrics_latency_bounds_s[bucket] * 1000.0)
        bucket++;
    a->latency_buckets[bucket]++;
    a->latency_count++;
    a->latency_sum_ms += latency_ms > 0 ? latency_ms : 0;
}

static void add_to_account(mm_metrics_account_counters *a, const mm_usage_event *ev,
                           mm_error_class cls)
{
    if (strcmp(ev->kind, "probe") == 0)
        a->probes++;
    else
        a->requests++;
    if (cls != MM_CLASS_OK)
        a->failures[cls]++;
    a->tokens_in += ev->tokens_in;
    a->tokens_out += ev->tokens_out;
    a->tokens_cache_read += ev->tokens_cache_read;
    a->tokens_cache_write += ev->tokens_cache_write;
    if (ev->cost_micros >= 0)
        a->cost_micros += ev->cost_micros;
    else
        a->unpriced++;
    if (cls == MM_CLASS_OK)
        add_latency(a, ev->latency_ms);
}

bool metrics_counters_add(mm_metrics_counters *c, const mm_usage_event *ev)
{
    mm_error_class cls = mm_error_class_parse(ev->outcome); /* MM_CLASS_COUNT: unknown */
    mm_metrics_account_counters *a = account_of(c, ev);
    if (!a)
        return false;
    add_to_account(a, ev, cls);
    bool served = cls == MM_CLASS_OK || (cls != MM_CLASS_COUNT &&
                                         mm_error_class_is_request_outcome(cls, ev->http_status));
    if (strcmp(ev->kind, "request") != 0 || !mm_present(ev->workspace) || !served)
        return true;
    mm_metrics_usage_counters *u = usage_of(c, ev);
    if (!u)
        return false;
    u->requests++;
    u->tokens_in += ev->tokens_in;
    u->tokens_out += ev->tokens_out;
    if (ev->cost_micros > 0)
        u->cost_micros += ev->cost_micros;
    return true;
}

typedef struct tail_context {
    mm_metrics_counters *counters;
    bool out_of_memory;
} tail_context;

static void add_tailed(const mm_usage_event *ev, void *ctx)
{
    tail_context *tail = ctx;
    if (!metrics_counters_add(tail->counters, ev))
        tail->out_of_memory = true;
}

mm_status metrics_counters_update(mm_metrics_counters *c, mm_catalog *cat, mm_error *err)
{
    tail_context tail = {.counters = c};
    size_t count;
    do {
        count = 0;
        mm_status st =
            catalog_usage_tail_read(cat, &c->tail, TAIL_BATCH, add_tailed, &tail, &count, err);
        if (st != MM_OK)
            return st;
        if (tail.out_of_memory)
            return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory counting usage events");
    } while (count == TAIL_BATCH);
    return MM_OK;
}
