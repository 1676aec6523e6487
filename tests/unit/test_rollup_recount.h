/* The recount behind the rollup tests (test_catalog_rollup.c, test_usage_batch_rollup.c): the
 * raw events of one rollup selection summed by the tests' own reading of the rules. */
#ifndef MM_TEST_ROLLUP_RECOUNT_H
#define MM_TEST_ROLLUP_RECOUNT_H

#include "testutil.h"

#include <string.h>

#include "catalog/catalog.h"
#include "util/histogram.h"

/* The recount: the raw events of one selection, summed by the test's own reading of the rules. */
typedef struct recount {
    const mm_rollup_query *q;
    mm_usage_rollup sums;
    mm_histogram latency;
} recount;

static inline void add_recounted(const mm_usage_event *ev, void *ctx)
{
    recount *r = ctx;
    const mm_rollup_query *q = r->q;
    int64_t grain = q->per_minute ? 60000 : 86400000LL;
    int64_t start = ev->ts_ms - ev->ts_ms % grain;
    if (start < q->from_ms || start >= q->to_ms || (q->kind && strcmp(q->kind, ev->kind) != 0))
        return;
    if (q->account && strcmp(q->account, ev->account) != 0)
        return;
    if (q->workspace && (strcmp(q->workspace, ev->workspace) != 0 ||
                         strcmp(q->model, ev->model) != 0 || strcmp(ev->kind, "request") != 0))
        return;
    bool ok = strcmp(ev->outcome, "ok") == 0;
    bool request_error = !ok && mm_error_class_is_request_outcome(mm_error_class_parse(ev->outcome),
                                                                  ev->http_status);
    bool served = ok || (strcmp(ev->outcome, "bad_request") == 0 && ev->http_status != 408);
    int64_t cost = ev->cost_micros > 0 ? ev->cost_micros : 0;
    mm_usage_rollup *s = &r->sums;
    s->events++;
    s->errors += !ok && !request_error;
    s->request_errors += request_error;
    s->rate_limited += strcmp(ev->outcome, "rate_limited") == 0;
    s->tokens_in += ev->tokens_in;
    s->tokens_out += ev->tokens_out;
    s->tokens_cache_read += ev->tokens_cache_read;
    s->tokens_cache_write += ev->tokens_cache_write;
    s->usage_estimated += ev->usage_estimated;
    s->cost_micros += cost;
    s->unpriced += ev->cost_micros < 0;
    s->served += served;
    s->served_tokens += served ? ev->tokens_in + ev->tokens_out : 0;
    s->served_cost_micros += served ? cost : 0;
    if (ok)
        mm_histogram_add(&r->latency, ev->latency_ms);
}

static inline void assert_rollup_equals_recount(mm_catalog *cat, const mm_rollup_query *q)
{
    mm_error err;
    recount r = {.q = q};
    mm_histogram_init(&r.latency);
    assert_int_equal(catalog_usage_since_id(cat, 0, 0, add_recounted, &r, NULL, &err), MM_OK);
    mm_usage_rollup got;
    mm_histogram latency;
    mm_histogram_init(&latency);
    assert_int_equal(catalog_usage_rollup_sum(cat, q, &got, &latency, &err), MM_OK);
    if (memcmp(&got, &r.sums, sizeof got) != 0)
        print_message("query %s/%s/%s kind %s from %lld minute %d: %lld events, recount %lld\n",
                      q->account ? q->account : "", q->workspace ? q->workspace : "",
                      q->model ? q->model : "", q->kind ? q->kind : "*", (long long)q->from_ms,
                      q->per_minute, (long long)got.events, (long long)r.sums.events);
    assert_memory_equal(&got, &r.sums, sizeof got);
    assert_int_equal(latency.count, r.latency.count);
    assert_int_equal(latency.sum, r.latency.sum);
    for (double quantile = 0.5; quantile < 1.0; quantile += 0.2)
        assert_true(mm_histogram_quantile(&latency, quantile) ==
                    mm_histogram_quantile(&r.latency, quantile));
    mm_histogram_free(&latency);
    mm_histogram_free(&r.latency);
}

#endif
