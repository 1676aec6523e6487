/* The health of a model's fallback chain, from its accounts' health statuses: the one rule the
 * Models page (from the monitor's snapshot) and any other reader use. */
#ifndef MM_HEALTH_CHAIN_HEALTH_H
#define MM_HEALTH_CHAIN_HEALTH_H

#include <stddef.h>

#include "catalog/catalog.h"
#include "catalog/chain_rules.h"
#include "health/health.h"
#include "health/report.h"

typedef enum mm_chain_health {
    MM_CHAIN_EMPTY = 0, /* no targets: empty_text ("–") */
    MM_CHAIN_UNKNOWN,   /* no figures yet for any of its accounts: "unknown" */
    MM_CHAIN_HEALTHY,   /* every account enabled and healthy (or not yet measured): "healthy" */
    MM_CHAIN_DEGRADED,  /* some account degraded, unreachable or disabled: "2/3 healthy" */
    MM_CHAIN_DOWN       /* every account unreachable or disabled: "down" */
} mm_chain_health;

/* Classifies model's chain with map (account -> status and disabled; an account not in it is
 * unknown, a disabled one is never healthy) and
 * writes its word into out (empty_text for an empty chain). */
mm_chain_health health_chain_of(const mm_model *model, const mm_health_map *map,
                                const char *empty_text, char *out, size_t outsz);

/* The chain's warnings (mm_chain_warnings) and, with map, the one about usable accounts:
 * when fewer than two of the chain's accounts are enabled and not unreachable, a sentence
 * naming the ones lost ("b is disabled, c is unreachable"). Returns how many (at most max). */
size_t health_chain_warnings(const mm_model *model, const mm_health_map *map,
                             char out[][MM_CHAIN_WARNING_MAX], size_t max);

/* The account -> status map of a health report (the monitor's snapshot), allocated; free with
 * mm_health_map_free. MM_E_INTERNAL when out of memory. */
mm_status health_map_from_report(const mm_health_report *report, mm_health_map *map, mm_error *err);

#endif
