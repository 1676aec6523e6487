/* What-ifs over the router's snapshot, the one place both the console's Health detail and
 * `mmadmin route --down` ask "where does the traffic go": for one account, which logical models
 * now (or with some accounts down) send their traffic to another target first, and why. */
#ifndef MM_ROUTER_WHATIF_H
#define MM_ROUTER_WHATIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "router/router.h"

#define ROUTER_WHATIF_MAX_MODELS 32 /* fallbacks listed; the rest are counted in n_more */

typedef struct router_fallback {
    char model[MM_NAME_MAX];
    int priority;                      /* the account's place in the model's chain */
    char served_by[MM_NAME_MAX];       /* the account tried first instead ("" when refused) */
    char first_live[MM_NAME_MAX];      /* the first tried that is neither down nor unreachable */
    char why[ROUTER_EXPLAIN_TEXT_MAX]; /* the router's words for passing this account over */
} router_fallback;

typedef struct router_account_outlook {
    bool cooling; /* the router's cool-down of the account (from its latest request events) */
    int64_t cooling_until_ms;
    char cooling_reason[ROUTER_COOLING_REASON_MAX];
    size_t n_models;    /* models whose chain has the account */
    size_t n_fallbacks; /* of which traffic goes first to another target */
    size_t n_more;      /* fallbacks beyond ROUTER_WHATIF_MAX_MODELS, not listed */
    router_fallback fallbacks[ROUTER_WHATIF_MAX_MODELS];
} router_account_outlook;

/* For every logical model whose chain has `account`: the plan the router makes at now_ms with
 * the accounts named in down (n_down <= ROUTER_MAX_DOWN) taken as unreachable, in a what-if
 * where one workspace is entitled to each model without limits, so only the accounts' own state
 * decides. MM_E_NOT_FOUND when the snapshot has no such account; MM_E_INTERNAL out of memory. */
mm_status router_account_what_if(const router_snapshot *snap, const char *account,
                                 const char *const *down, size_t n_down, int64_t now_ms,
                                 router_account_outlook *out, mm_error *err);

/* The same from the catalog: router_snapshot_load at now_ms with health (NULL: computed from
 * the catalog's usage events; the console passes its monitor's statuses so both agree). */
mm_status router_account_what_if_load(mm_catalog *cat, const mm_health_map *health,
                                      const char *account, const char *const *down, size_t n_down,
                                      int64_t now_ms, router_account_outlook *out, mm_error *err);

/* The attempt that takes a plan's traffic first: the first neither named down nor unreachable;
 * NULL when there is none (refused, or every target down). */
const router_attempt *router_plan_first_live(const router_plan *plan);

#endif
