/* The gateway's GET /metrics: counts refusals by (workspace, model, reason) and streams' time
 * to first token, copies its atomic counters into struct metrics_gateway_stats and renders the
 * exposition through src/metrics. */
#include <stdlib.h>
#include <string.h>

#include "gateway/gw_internal.h"
#include "metrics/promtext.h"

void gw_metrics_init(gateway *gw)
{
    pthread_mutex_init(&gw->metrics.refusals_lock, NULL);
    pthread_mutex_init(&gw->metrics.scrape_lock, NULL);
}

void gw_metrics_free(gateway *gw)
{
    if (gw->metrics.scrape_open)
        metrics_scrape_free(&gw->metrics.scrape);
    metrics_gateway_stats_free(&gw->metrics.refusals);
    pthread_mutex_destroy(&gw->metrics.refusals_lock);
    pthread_mutex_destroy(&gw->metrics.scrape_lock);
}

void gw_metrics_refusal(gateway *gw, const char *workspace, const char *model, const char *reason)
{
    pthread_mutex_lock(&gw->metrics.refusals_lock);
    if (!metrics_gateway_refusal(&gw->metrics.refusals, workspace, model, reason))
        gw_log(gw, "metrics: out of memory counting a refusal");
    pthread_mutex_unlock(&gw->metrics.refusals_lock);
}

void gw_metrics_first_token(gateway *gw, int64_t micros)
{
    micros = micros > 0 ? micros : 0;
    gw_counters *c = &gw->counters;
    atomic_fetch_add(&c->ttft_us_sum, (unsigned long long)micros);
    atomic_fetch_add(&c->ttft_buckets[mm_metrics_latency_bucket((double)micros / 1e6)], 1);
}

/* The scrape's gateway_copy: the counters read now, the refusal table copied under its lock. */
static void copy_stats(void *ctx, struct metrics_gateway_stats *copy)
{
    gateway *gw = ctx;
    const gw_counters *c = &gw->counters;
    copy->in_flight = atomic_load(&c->in_flight);
    for (size_t b = 0; b <= MM_METRICS_LATENCY_BUCKETS; b++) {
        copy->duration_buckets[b] = atomic_load(&c->duration_buckets[b]);
        copy->duration_count += copy->duration_buckets[b];
    }
    copy->duration_sum_seconds = (double)atomic_load(&c->duration_us_sum) / 1e6;
    for (size_t b = 0; b <= MM_METRICS_LATENCY_BUCKETS; b++) {
        copy->ttft_buckets[b] = atomic_load(&c->ttft_buckets[b]);
        copy->ttft_count += copy->ttft_buckets[b];
    }
    copy->ttft_sum_seconds = (double)atomic_load(&c->ttft_us_sum) / 1e6;
    pthread_mutex_lock(&gw->metrics.refusals_lock);
    const struct metrics_gateway_stats *from = &gw->metrics.refusals;
    size_t n = from->n_refusals;
    copy->refusals = n ? malloc(n * sizeof *copy->refusals) : NULL;
    if (copy->refusals) {
        memcpy(copy->refusals, from->refusals, n * sizeof *copy->refusals);
        copy->n_refusals = copy->cap_refusals = n;
    }
    pthread_mutex_unlock(&gw->metrics.refusals_lock);
}

static mm_status render_locked(gateway *gw, mm_promtext *text, mm_error *err)
{
    gw_metrics *m = &gw->metrics;
    if (!m->scrape_open) {
        mm_status st =
            metrics_scrape_init(&m->scrape, gw->opts.catalog_path, gw->opts.monitor, err);
        if (st != MM_OK)
            return st;
        m->scrape.gateway_copy = copy_stats;
        m->scrape.gateway_ctx = gw;
        m->scrape_open = true;
    }
    return metrics_scrape_render(&m->scrape, text, err);
}

void gw_metrics_serve(gateway *gw, gw_response *resp)
{
    mm_promtext text;
    mm_promtext_init(&text);
    mm_error err = {0};
    pthread_mutex_lock(&gw->metrics.scrape_lock);
    mm_status st = render_locked(gw, &text, &err);
    pthread_mutex_unlock(&gw->metrics.scrape_lock);
    if (st != MM_OK || text.failed || !text.data) {
        mm_promtext_free(&text);
        gw_response_error(resp, 500, "server_error", NULL,
                          err.message[0] ? err.message : "out of memory rendering the metrics");
        return;
    }
    resp->status = 200;
    resp->body = text.data; /* handed over: freed with the response */
    resp->body_len = text.len;
    resp->content_type = MM_PROMTEXT_CONTENT_TYPE;
}
