/* The router's settings (cool-down thresholds kept as catalog settings), which failures fall
 * through to the next target, and the cool-down derived from an account's latest events. */
#include "router/router.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

void router_config_default(router_config *cfg)
{
    cfg->cooldown_failures = 3;
    cfg->cooldown_ms = 30000;
    cfg->rate_limit_default_ms = 10000;
}

mm_status router_config_validate(const router_config *cfg, mm_error *err)
{
    if (cfg->cooldown_failures < 1 || cfg->cooldown_failures > ROUTER_FAILURES_MAX)
        return mm_error_set(err, MM_E_INVALID, "failures",
                            "the number of failures that cools an account must be 1 to %d "
                            "(got %d)",
                            ROUTER_FAILURES_MAX, cfg->cooldown_failures);
    if (cfg->cooldown_ms < 1000 || cfg->cooldown_ms > ROUTER_SECONDS_MAX * 1000LL)
        return mm_error_set(err, MM_E_INVALID, "cooldown_seconds",
                            "the cool-down must be 1 to %d seconds", ROUTER_SECONDS_MAX);
    if (cfg->rate_limit_default_ms < 1000 ||
        cfg->rate_limit_default_ms > ROUTER_SECONDS_MAX * 1000LL)
        return mm_error_set(err, MM_E_INVALID, "rate_limit_default_seconds",
                            "the default rate-limit cool-down must be 1 to %d seconds",
                            ROUTER_SECONDS_MAX);
    return MM_OK;
}

/* The value of key among the settings read (pairs key, value), or NULL when it is unset. */
static const char *setting_value(const mm_string_list *settings, const char *key)
{
    for (size_t i = 0; i + 1 < settings->count; i += 2)
        if (strcmp(settings->items[i], key) == 0)
            return settings->items[i + 1];
    return NULL;
}

static mm_status load_number(const mm_string_list *settings, const char *key, int64_t max,
                             int64_t *value, mm_error *err)
{
    const char *stored = setting_value(settings, key);
    if (!stored)
        return MM_OK;
    char text[64];
    mm_copy(text, sizeof text, stored);
    char *end = NULL;
    errno = 0;
    long long n = strtoll(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || n < 1 || n > max)
        return mm_error_set(err, MM_E_INVALID, key,
                            "catalog setting %s is '%s', not a whole number from 1 to %" PRId64
                            "; fix it with `mmadmin router config`",
                            key, text, max);
    *value = n;
    return MM_OK;
}

mm_status router_config_load(mm_catalog *cat, router_config *cfg, mm_error *err)
{
    router_config_default(cfg);
    int64_t failures = cfg->cooldown_failures;
    int64_t cooldown_s = cfg->cooldown_ms / 1000;
    int64_t rate_s = cfg->rate_limit_default_ms / 1000;
    mm_string_list settings; /* the router's settings in one query */
    mm_error local;
    mm_status st = catalog_setting_list(cat, ROUTER_SETTING_PREFIX, &settings, &local);
    if (st != MM_OK) {
        if (err)
            *err = local;
        return st;
    }
    st = load_number(&settings, ROUTER_SETTING_FAILURES, ROUTER_FAILURES_MAX, &failures, err);
    if (st == MM_OK)
        st = load_number(&settings, ROUTER_SETTING_COOLDOWN, ROUTER_SECONDS_MAX, &cooldown_s, err);
    if (st == MM_OK)
        st = load_number(&settings, ROUTER_SETTING_RATE_LIMIT_DEFAULT, ROUTER_SECONDS_MAX, &rate_s,
                         err);
    mm_string_list_free(&settings);
    if (st != MM_OK)
        return st;
    cfg->cooldown_failures = (int)failures;
    cfg->cooldown_ms = cooldown_s * 1000;
    cfg->rate_limit_default_ms = rate_s * 1000;
    return MM_OK;
}

static mm_status save_number(mm_catalog *cat, const char *key, int64_t value, mm_error *err)
{
    char text[32];
    snprintf(text, sizeof text, "%" PRId64, value);
    return catalog_setting_set(cat, key, text, err);
}

mm_status router_config_save(mm_catalog *cat, const router_config *cfg, mm_error *err)
{
    mm_status st = router_config_validate(cfg, err);
    if (st == MM_OK)
        st = save_number(cat, ROUTER_SETTING_FAILURES, cfg->cooldown_failures, err);
    if (st == MM_OK)
        st = save_number(cat, ROUTER_SETTING_COOLDOWN, cfg->cooldown_ms / 1000, err);
    if (st == MM_OK)
        st = save_number(cat, ROUTER_SETTING_RATE_LIMIT_DEFAULT, cfg->rate_limit_default_ms / 1000,
                         err);
    return st;
}

bool router_class_falls_through(mm_error_class cls, int http_status)
{
    if ((unsigned)cls >= MM_CLASS_COUNT || cls == MM_CLASS_OK)
        return false;
    return !mm_error_class_is_request_outcome(cls, http_status); /* goes back to the caller */
}

bool router_class_counts_for_cooldown(mm_error_class cls, int http_status)
{
    return cls != MM_CLASS_OK && router_class_falls_through(cls, http_status);
}

static int64_t rate_limit_wait(const router_config *cfg, const router_recent_event *ev)
{
    if (ev->retry_after_ms < 0)
        return cfg->rate_limit_default_ms;
    return ev->retry_after_ms < ROUTER_RETRY_AFTER_CAP_MS ? ev->retry_after_ms
                                                          : ROUTER_RETRY_AFTER_CAP_MS;
}

int64_t router_cooling_until(const router_config *cfg, const router_recent_event *newest_first,
                             size_t count, int64_t now_ms, char *reason, size_t reasonsz)
{
    int64_t until = 0;
    size_t streak = 0;
    if (reason && reasonsz)
        reason[0] = '\0';
    for (size_t i = 0; i < count; i++) {
        const router_recent_event *ev = &newest_first[i];
        if (!router_class_counts_for_cooldown(ev->cls, ev->http_status))
            break; /* a success or an answered request error ends the streak */
        streak++;
        if (ev->cls == MM_CLASS_RATE_LIMITED) {
            int64_t wait = rate_limit_wait(cfg, ev);
            if (ev->ts_ms + wait > until) {
                until = ev->ts_ms + wait;
                if (reason && reasonsz) {
                    if (ev->retry_after_ms >= 0)
                        snprintf(reason, reasonsz, "a 429 (retry-after %" PRId64 " s)",
                                 (ev->retry_after_ms + 999) / 1000);
                    else
                        snprintf(reason, reasonsz, "a 429 without retry-after (%" PRId64 " s)",
                                 cfg->rate_limit_default_ms / 1000);
                }
            }
        }
    }
    if (streak >= (size_t)cfg->cooldown_failures && count > 0) {
        int64_t at = newest_first[0].ts_ms + cfg->cooldown_ms;
        if (at > until) {
            until = at;
            if (reason && reasonsz)
                snprintf(reason, reasonsz, "%zu consecutive failures (last: %s)", streak,
                         mm_error_class_name(newest_first[0].cls));
        }
    }
    if (until <= now_ms) {
        if (reason && reasonsz)
            reason[0] = '\0';
        return 0;
    }
    return until;
}
