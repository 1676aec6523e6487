/* The health of a fallback chain from its accounts' statuses, and the status map of a report
 * (so a reader of the monitor's snapshot classifies chains like everyone else). */
#include "health/chain_health.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

mm_chain_health health_chain_of(const mm_model *model, const mm_health_map *map,
                                const char *empty_text, char *out, size_t outsz)
{
    size_t n = model->n_targets, measured = 0, usable = 0, unreachable = 0;
    if (n == 0) {
        snprintf(out, outsz, "%s", empty_text);
        return MM_CHAIN_EMPTY;
    }
    for (size_t i = 0; i < n; i++) {
        mm_health h = mm_health_map_get(map, model->targets[i].account);
        measured += h != MM_HEALTH_UNKNOWN;
        usable += h == MM_HEALTH_HEALTHY || h == MM_HEALTH_UNKNOWN;
        unreachable += h == MM_HEALTH_UNREACHABLE;
    }
    if (unreachable == n) {
        snprintf(out, outsz, "down");
        return MM_CHAIN_DOWN;
    }
    if (measured == 0) {
        snprintf(out, outsz, "unknown");
        return MM_CHAIN_UNKNOWN;
    }
    if (usable == n) {
        snprintf(out, outsz, "healthy");
        return MM_CHAIN_HEALTHY;
    }
    snprintf(out, outsz, "%zu/%zu healthy", usable, n);
    return MM_CHAIN_DEGRADED;
}

mm_status health_map_from_report(const mm_health_report *report, mm_health_map *map, mm_error *err)
{
    memset(map, 0, sizeof *map);
    size_t n = report->count ? report->count : 1;
    map->accounts = calloc(n, sizeof *map->accounts);
    map->statuses = calloc(n, sizeof *map->statuses);
    if (!map->accounts || !map->statuses) {
        mm_health_map_free(map);
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory reading health");
    }
    for (size_t i = 0; i < report->count; i++) {
        mm_copy(map->accounts[i], sizeof map->accounts[i], report->accounts[i].account);
        map->statuses[i] = report->accounts[i].status;
    }
    map->count = report->count;
    return MM_OK;
}
