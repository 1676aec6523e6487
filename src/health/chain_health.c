/* The health of a fallback chain from its accounts' statuses, and the status map of a report
 * (so a reader of the monitor's snapshot classifies chains like everyone else). */
#include "health/chain_health.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

/* A target's account can take traffic now: enabled and not unreachable (unknown counts). */
static bool account_usable(const mm_health_map *map, const char *account)
{
    return !mm_health_map_disabled(map, account) &&
           mm_health_map_get(map, account) != MM_HEALTH_UNREACHABLE;
}

mm_chain_health health_chain_of(const mm_model *model, const mm_health_map *map,
                                const char *empty_text, char *out, size_t outsz)
{
    size_t n = model->n_targets, measured = 0, healthy = 0, unusable = 0;
    if (n == 0) {
        snprintf(out, outsz, "%s", empty_text);
        return MM_CHAIN_EMPTY;
    }
    for (size_t i = 0; i < n; i++) {
        const char *account = model->targets[i].account;
        mm_health h = mm_health_map_get(map, account);
        bool disabled = mm_health_map_disabled(map, account);
        measured += disabled || h != MM_HEALTH_UNKNOWN;
        healthy += !disabled && (h == MM_HEALTH_HEALTHY || h == MM_HEALTH_UNKNOWN);
        unusable += !account_usable(map, account);
    }
    if (unusable == n) {
        snprintf(out, outsz, "down");
        return MM_CHAIN_DOWN;
    }
    if (measured == 0) {
        snprintf(out, outsz, "unknown");
        return MM_CHAIN_UNKNOWN;
    }
    if (healthy == n) {
        snprintf(out, outsz, "healthy");
        return MM_CHAIN_HEALTHY;
    }
    snprintf(out, outsz, "%zu/%zu healthy", healthy, n);
    return MM_CHAIN_DEGRADED;
}

/* The distinct accounts of the chain: usable ones counted (the first named in first_usable),
 * the others listed in why as "a is disabled, b is unreachable". Returns the usable count. */
static size_t usable_accounts(const mm_model *model, const mm_health_map *map,
                              const char **first_usable, char *why, size_t whysz)
{
    size_t usable = 0, used = 0;
    why[0] = '\0';
    *first_usable = NULL;
    for (size_t i = 0; i < model->n_targets; i++) {
        const char *account = model->targets[i].account;
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(model->targets[j].account, account) == 0;
        if (seen)
            continue;
        if (account_usable(map, account)) {
            if (!usable++)
                *first_usable = account;
            continue;
        }
        int k = snprintf(why + used, whysz - used, "%s%s is %s", used ? ", " : "", account,
                         mm_health_map_disabled(map, account) ? "disabled" : "unreachable");
        if (k > 0 && (size_t)k < whysz - used)
            used += (size_t)k;
    }
    return usable;
}

size_t health_chain_warnings(const mm_model *model, const mm_health_map *map,
                             char out[][MM_CHAIN_WARNING_MAX], size_t max)
{
    size_t n = mm_chain_warnings(model, out, max);
    if (n >= max || model->n_targets == 0)
        return n;
    const char *first = NULL;
    char why[MM_CHAIN_WARNING_MAX / 2];
    size_t usable = usable_accounts(model, map, &first, why, sizeof why);
    if (!why[0] || usable >= 2)
        return n; /* nothing lost, or two accounts still usable */
    if (usable == 1)
        snprintf(out[n++], MM_CHAIN_WARNING_MAX,
                 "Only one usable account remains (%s; %s): if it fails or hits its limits, %s "
                 "has no fallback.",
                 first, why, model->name);
    else
        snprintf(out[n++], MM_CHAIN_WARNING_MAX,
                 "No usable account remains (%s): every request for %s fails.", why, model->name);
    return n;
}

mm_status health_map_from_report(const mm_health_report *report, mm_health_map *map, mm_error *err)
{
    memset(map, 0, sizeof *map);
    size_t n = report->count ? report->count : 1;
    map->accounts = calloc(n, sizeof *map->accounts);
    map->statuses = calloc(n, sizeof *map->statuses);
    map->disabled = calloc(n, sizeof *map->disabled);
    if (!map->accounts || !map->statuses || !map->disabled) {
        mm_health_map_free(map);
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory reading health");
    }
    for (size_t i = 0; i < report->count; i++) {
        mm_copy(map->accounts[i], sizeof map->accounts[i], report->accounts[i].account);
        map->statuses[i] = report->accounts[i].status;
        map->disabled[i] = !report->accounts[i].enabled;
    }
    map->count = report->count;
    mm_health_map_seal(map);
    return MM_OK;
}
