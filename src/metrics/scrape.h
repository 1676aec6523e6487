/* One scrape of a process's metrics: brings the exporter's counters up to date from the
 * catalog, takes the monitor's latest health snapshot (or loads the report when the process
 * runs no monitor), loads workspace months, and renders them (exposition.c). */
#ifndef MM_METRICS_SCRAPE_H
#define MM_METRICS_SCRAPE_H

#include "catalog/catalog.h"
#include "health/monitor.h"
#include "metrics/counters.h"
#include "metrics/exposition.h"

typedef struct mm_metrics_scrape {
    mm_catalog *cat;     /* the scraping thread's own connection (owned: opened here) */
    mm_monitor *monitor; /* NULL: the health report is loaded from the catalog per scrape */
    mm_metrics_counters counters;
    /* Called during a scrape to copy the gateway's figures (NULL: no gateway). */
    void (*gateway_copy)(void *ctx, struct metrics_gateway_stats *copy);
    void *gateway_ctx;
} mm_metrics_scrape;

/* Opens its own connection to catalog_path (read-only: a scrape never writes) and starts the
 * counters at the catalog's newest event (metrics_counters_init). Errors as catalog_open, or
 * MM_E_DB when the catalog cannot be read; nothing is left to free then. */
mm_status metrics_scrape_init(mm_metrics_scrape *s, const char *catalog_path, mm_monitor *monitor,
                              mm_error *err);
/* A metrics_render_fn (server.h): ctx is the mm_metrics_scrape. */
mm_status metrics_scrape_render(void *ctx, mm_promtext *out, mm_error *err);
void metrics_scrape_free(mm_metrics_scrape *s);

#endif
