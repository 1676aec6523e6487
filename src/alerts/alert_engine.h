/* The alert engine: a thread beside the health monitor that, while this process holds the
 * prober lease (one evaluator per catalog), evaluates the alert rules on the latest snapshot every
 * interval, records fired and resolved alerts in the catalog and hands their events to the delivery
 * queue, so a slow webhook never holds up probing or evaluation. */
#ifndef MM_ALERTS_ALERT_ENGINE_H
#define MM_ALERTS_ALERT_ENGINE_H

#include <stdint.h>

#include "alerts/alert_delivery.h"
#include "error.h"
#include "health/monitor.h"

typedef struct mm_alert_engine_config {
    const char *catalog_path; /* the engine opens its own connection (copied) */
    mm_monitor *monitor;      /* the snapshots it evaluates (not owned) */
    int64_t interval_ms;      /* between evaluations; 0: 1000 */
    /* One line per alert fired or resolved, on the engine's thread (NULL: silent). */
    void (*log)(void *ctx, const char *line);
    void *log_ctx;
    mm_alert_delivery_config delivery; /* its catalog_path is set from the above */
} mm_alert_engine_config;

typedef struct mm_alert_engine mm_alert_engine;

mm_status alert_engine_start(const mm_alert_engine_config *cfg, mm_alert_engine **out,
                             mm_error *err);
/* Stops the engine and its delivery queue promptly; NULL is ignored. */
void alert_engine_stop(mm_alert_engine *engine);

#endif
