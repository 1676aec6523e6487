/* What the router does about one account right now, for the health detail: its cool-down (the
 * router's own rule over the latest request events) and the logical models whose traffic
 * falls back away from it (planned with the router's own planner). */
#ifndef MM_UI_HEALTH_ROUTE_H
#define MM_UI_HEALTH_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "health/report.h"
#include "router/router.h"

#define HEALTH_ROUTE_MAX_MODELS 32

typedef struct health_fallback {
    char model[MM_NAME_MAX];
    int priority;                      /* this account's place in the model's chain */
    char served_by[MM_NAME_MAX];       /* the account tried first instead ("" when refused) */
    char why[ROUTER_EXPLAIN_TEXT_MAX]; /* the router's words for passing this account over */
} health_fallback;

typedef struct health_route_info {
    bool cooling;
    int64_t cooling_until_ms;
    char cooling_reason[ROUTER_COOLING_REASON_MAX];
    size_t n_models;    /* models whose chain has this account */
    size_t n_fallbacks; /* of which traffic now goes elsewhere first */
    size_t n_more;      /* fallbacks beyond HEALTH_ROUTE_MAX_MODELS, not listed */
    health_fallback fallbacks[HEALTH_ROUTE_MAX_MODELS];
} health_route_info;

/* Loads the router's view of the catalog at now_ms with the health statuses of report (so the
 * detail agrees with the page) and fills out for account. */
mm_status health_route_load(mm_catalog *cat, const mm_health_report *report, const char *account,
                            int64_t now_ms, health_route_info *out, mm_error *err);

#endif
