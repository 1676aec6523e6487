/* One scrape: counters tailed from the catalog, the monitor's snapshot (or a loaded report),
 * workspace months and the gateway's copy, rendered in the exposition format (scrape.h). */
#include "metrics/scrape.h"

#include <string.h>

#include "util/clock.h"

mm_status metrics_scrape_init(mm_metrics_scrape *s, const char *catalog_path, mm_monitor *monitor,
                              mm_error *err)
{
    memset(s, 0, sizeof *s);
    mm_catalog_options opts = {.path = catalog_path, .read_only = true};
    mm_status st = catalog_open(&opts, &s->cat, err);
    if (st != MM_OK)
        return st;
    s->monitor = monitor;
    st = metrics_counters_init(&s->counters, s->cat, mm_now_ms(), err);
    if (st != MM_OK)
        metrics_scrape_free(s);
    return st;
}

void metrics_scrape_free(mm_metrics_scrape *s)
{
    metrics_counters_free(&s->counters);
    catalog_close(s->cat);
    memset(s, 0, sizeof *s);
}

mm_status metrics_scrape_render(void *ctx, mm_promtext *out, mm_error *err)
{
    mm_metrics_scrape *s = ctx;
    mm_status st = metrics_counters_update(&s->counters, s->cat, err);
    if (st != MM_OK)
        return st;
    mm_health_snapshot *snap = s->monitor ? health_monitor_snapshot(s->monitor) : NULL;
    mm_health_report loaded = {0};
    const mm_health_report *report = snap ? &snap->report : NULL;
    int64_t now = snap ? snap->report.now_ms : mm_now_ms();
    if (!s->monitor && (st = health_report_load(s->cat, now, NULL, &loaded, err)) == MM_OK)
        report = &loaded;
    metrics_workspace_months months = {0};
    if (st == MM_OK)
        st = metrics_workspace_months_load(s->cat, now, &months, err);
    mm_model_list models = {0};
    if (st == MM_OK)
        st = catalog_model_list(s->cat, &models, err);
    struct metrics_gateway_stats gateway = {0};
    if (st == MM_OK && s->gateway_copy)
        s->gateway_copy(s->gateway_ctx, &gateway);
    metrics_input in = {.report = report,
                        .monitor = snap,
                        .counters = &s->counters,
                        .months = &months,
                        .models = &models,
                        .gateway = s->gateway_copy ? &gateway : NULL};
    if (st == MM_OK && !metrics_render(&in, out))
        st = mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory rendering the metrics");
    metrics_gateway_stats_free(&gateway);
    mm_model_list_free(&models);
    metrics_workspace_months_free(&months);
    if (!s->monitor)
        health_report_free(&loaded);
    if (snap)
        health_snapshot_release(snap);
    return st;
}
