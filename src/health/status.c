/* The health status rule and its thresholds, kept in one place: defaults, catalog settings
 * "health.*", the rule itself and its description for the Help screen. */
#include "health/status.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

const char *mm_health_name(mm_health health)
{
    switch (health) {
    case MM_HEALTH_HEALTHY:
        return "healthy";
    case MM_HEALTH_DEGRADED:
        return "degraded";
    case MM_HEALTH_UNREACHABLE:
        return "unreachable";
    case MM_HEALTH_UNKNOWN:
    default:
        return "unknown";
    }
}

#define RECENT_WINDOW_MAX_MS (MM_WINDOW_MINUTES * MM_MINUTE_MS) /* the hour the windows keep */

static const mm_health_setting SETTINGS[MM_HSET_COUNT] = {
    [MM_HSET_PROBE_INTERVAL] = {MM_SETTING_PROBE_INTERVAL_MS, MM_HEALTH_UNIT_MS, 200, 86400000,
                                30000},
    [MM_HSET_PROBE_TIMEOUT] = {MM_SETTING_PROBE_TIMEOUT_MS, MM_HEALTH_UNIT_MS, 100, 600000, 10000},
    [MM_HSET_LEASE] = {MM_SETTING_LEASE_MS, MM_HEALTH_UNIT_MS, 500, 3600000, 15000},
    [MM_HSET_RECENT_WINDOW] = {MM_SETTING_RECENT_WINDOW_MS, MM_HEALTH_UNIT_MS, MM_MINUTE_MS,
                               RECENT_WINDOW_MAX_MS, 5 * MM_MINUTE_MS},
    [MM_HSET_DEGRADED_ERROR_RATE] = {MM_SETTING_DEGRADED_ERROR_RATE, MM_HEALTH_UNIT_RATE, 0, 1,
                                     0.10},
    [MM_HSET_DEGRADED_RATE_LIMIT_HITS] = {MM_SETTING_DEGRADED_RATE_LIMIT_HITS, MM_HEALTH_UNIT_COUNT,
                                          1, 1000000000, 5},
    [MM_HSET_DEGRADED_P95] = {MM_SETTING_DEGRADED_P95_MS, MM_HEALTH_UNIT_MS, 1, 3600000, 5000},
    [MM_HSET_UNREACHABLE_FAILED_PROBES] = {MM_SETTING_UNREACHABLE_FAILED_PROBES,
                                           MM_HEALTH_UNIT_COUNT, 1, 1000, 3},
    [MM_HSET_UNREACHABLE_NO_SUCCESS] = {MM_SETTING_UNREACHABLE_NO_SUCCESS_MS, MM_HEALTH_UNIT_MS,
                                        1000, 86400000, 3 * MM_MINUTE_MS},
    [MM_HSET_DEGRADED_MIN_REQUESTS] = {MM_SETTING_DEGRADED_MIN_REQUESTS, MM_HEALTH_UNIT_COUNT, 1,
                                       1000000, 5},
};

const mm_health_setting *health_setting(mm_health_setting_id id)
{
    return &SETTINGS[(unsigned)id < MM_HSET_COUNT ? id : 0];
}

static bool parse_number(const char *text, bool whole, double *value)
{
    char *end;
    errno = 0;
    if (whole) {
        long long parsed = strtoll(text, &end, 10);
        *value = (double)parsed;
    } else {
        *value = strtod(text, &end);
    }
    return !errno && end != text && !*end;
}

mm_status health_setting_parse(mm_health_setting_id id, const char *text, double *value,
                               mm_error *err)
{
    const mm_health_setting *s = health_setting(id);
    bool rate = s->unit == MM_HEALTH_UNIT_RATE;
    double parsed;
    if (parse_number(text, !rate, &parsed) && parsed >= s->min && parsed <= s->max) {
        *value = parsed;
        return MM_OK;
    }
    if (rate)
        return mm_error_set(err, MM_E_INVALID, s->key,
                            "setting %s is '%s', which is not a rate from %g to %g (0.1 = 10%%)",
                            s->key, text, s->min, s->max);
    return mm_error_set(err, MM_E_INVALID, s->key,
                        "setting %s is '%s', which is not a whole number from %.0f to %.0f", s->key,
                        text, s->min, s->max);
}

/* Judges a stored setting (text NULL: unset): its value, or the default with err set when it
 * is not valid; the catalog's read status st is passed through. */
static mm_status judge_setting(mm_health_setting_id id, mm_status st, const char *stored,
                               const mm_error *read_err, double *value,
                               mm_health_setting_source *source, mm_error *err)
{
    const mm_health_setting *s = health_setting(id);
    mm_health_setting_source from = MM_HEALTH_SETTING_DEFAULT;
    *value = s->default_value;
    char text[1024]; /* the longest value the catalog keeps: any of them is judged, not refused */
    mm_error local = {0};
    if (st == MM_OK && stored) {
        from = MM_HEALTH_SETTING_SET;
        mm_copy(text, sizeof text, stored);
        st = health_setting_parse(id, text, value, &local);
        if (st != MM_OK) {
            from = MM_HEALTH_SETTING_INVALID;
            *value = s->default_value;
            mm_error_set(err, st, s->key, "%s; set it to one (the default %g is used meanwhile)",
                         local.message, s->default_value);
        }
    } else if (st != MM_OK && st != MM_E_NOT_FOUND) {
        mm_error_set(err, st, s->key, "%s", read_err->message);
    } else {
        st = MM_OK;
    }
    if (source)
        *source = from;
    return st;
}

mm_status health_setting_read(mm_catalog *cat, mm_health_setting_id id, double *value,
                              mm_health_setting_source *source, mm_error *err)
{
    char text[1024];
    mm_error local = {0};
    mm_status st = catalog_setting_get(cat, health_setting(id)->key, text, sizeof text, &local);
    return judge_setting(id, st, st == MM_OK ? text : NULL, &local, value, source, err);
}

/* The value stored for key among settings (pairs key, value), or NULL when it is unset. */
static const char *listed_value(const mm_string_list *settings, const char *key)
{
    for (size_t i = 0; i + 1 < settings->count; i += 2)
        if (strcmp(settings->items[i], key) == 0)
            return settings->items[i + 1];
    return NULL;
}

void mm_health_thresholds_default(mm_health_thresholds *t)
{
    t->recent_window_ms = (int64_t)SETTINGS[MM_HSET_RECENT_WINDOW].default_value;
    t->degraded_error_rate = SETTINGS[MM_HSET_DEGRADED_ERROR_RATE].default_value;
    t->degraded_rate_limit_hits = (int64_t)SETTINGS[MM_HSET_DEGRADED_RATE_LIMIT_HITS].default_value;
    t->degraded_p95_ms = (int64_t)SETTINGS[MM_HSET_DEGRADED_P95].default_value;
    t->degraded_min_requests = (int64_t)SETTINGS[MM_HSET_DEGRADED_MIN_REQUESTS].default_value;
    t->unreachable_failed_probes = (int)SETTINGS[MM_HSET_UNREACHABLE_FAILED_PROBES].default_value;
    t->unreachable_no_success_ms = (int64_t)SETTINGS[MM_HSET_UNREACHABLE_NO_SUCCESS].default_value;
}

int health_recent_minutes(const mm_health_thresholds *t)
{
    int64_t minutes = (t->recent_window_ms + MM_MINUTE_MS - 1) / MM_MINUTE_MS;
    if (minutes < 1)
        return 1;
    return minutes > MM_WINDOW_MINUTES ? MM_WINDOW_MINUTES : (int)minutes;
}

mm_status health_thresholds_load(mm_catalog *cat, mm_health_thresholds *t, mm_error *err)
{
    static const mm_health_setting_id ids[] = {
        MM_HSET_RECENT_WINDOW,
        MM_HSET_DEGRADED_ERROR_RATE,
        MM_HSET_DEGRADED_RATE_LIMIT_HITS,
        MM_HSET_DEGRADED_P95,
        MM_HSET_UNREACHABLE_FAILED_PROBES,
        MM_HSET_UNREACHABLE_NO_SUCCESS,
        MM_HSET_DEGRADED_MIN_REQUESTS,
    };
    double values[sizeof ids / sizeof ids[0]];
    mm_string_list settings; /* every health setting in one query */
    mm_error read_err = {0};
    mm_status read = catalog_setting_list(cat, "health.", &settings, &read_err);
    mm_status first = MM_OK;
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        const char *stored =
            read == MM_OK ? listed_value(&settings, health_setting(ids[i])->key) : NULL;
        mm_status st = judge_setting(ids[i], read, stored, &read_err, &values[i], NULL, err);
        if (first == MM_OK)
            first = st;
    }
    if (read == MM_OK)
        mm_string_list_free(&settings);
    t->recent_window_ms = (int64_t)values[0];
    t->degraded_error_rate = values[1];
    t->degraded_rate_limit_hits = (int64_t)values[2];
    t->degraded_p95_ms = (int64_t)values[3];
    t->unreachable_failed_probes = (int)values[4];
    t->unreachable_no_success_ms = (int64_t)values[5];
    t->degraded_min_requests = (int64_t)values[6];
    return first;
}

static void format_duration(char *buf, size_t bufsz, int64_t ms)
{
    if (ms % MM_MINUTE_MS == 0)
        snprintf(buf, bufsz, "%lld min", (long long)(ms / MM_MINUTE_MS));
    else
        snprintf(buf, bufsz, "%lld s", (long long)((ms + 999) / 1000));
}

size_t health_thresholds_describe(const mm_health_thresholds *t, char lines[][MM_HEALTH_LINE_MAX],
                                  size_t max_lines)
{
    char recent[32], silence[32];
    snprintf(recent, sizeof recent, "%d min", health_recent_minutes(t));
    format_duration(silence, sizeof silence, t->unreachable_no_success_ms);
    char text[8][MM_HEALTH_LINE_MAX];
    snprintf(text[0], sizeof text[0],
             "unreachable: the last probe's key was refused, the last %d probes all failed, or "
             "nothing succeeded for %s while failing",
             t->unreachable_failed_probes, silence);
    snprintf(text[1], sizeof text[1],
             "degraded: over the last %s, error rate above %g%% or %lld+ rate-limit hits or "
             "p95 latency above %lld ms",
             recent, t->degraded_error_rate * 100.0, (long long)t->degraded_rate_limit_hits,
             (long long)t->degraded_p95_ms);
    snprintf(text[2], sizeof text[2],
             "  (error rate and rate-limit hits count only with %lld+ calls in that window)",
             (long long)t->degraded_min_requests);
    snprintf(text[3], sizeof text[3],
             "  request errors (400, 404, 422, content filter) are the caller's: never counted");
    snprintf(text[4], sizeof text[4], "healthy: events in the last hour and none of the above");
    snprintf(text[5], sizeof text[5], "unknown: no probe or request in the last hour");
    snprintf(text[6], sizeof text[6],
             "latency counts successful calls; p95 is within %g%%; the other figures (Err/h, RL) "
             "cover the last hour",
             MM_HIST_RELATIVE_ERROR * 100.0);
    snprintf(text[7], sizeof text[7],
             "change them with 'mmadmin health config' (catalog settings health.*); a running "
             "console picks changes up within seconds");
    size_t n = 0;
    for (; n < max_lines && n < 8; n++)
        mm_copy(lines[n], MM_HEALTH_LINE_MAX, text[n]);
    return n;
}

static void set_reason(char *reason, size_t reasonsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_reason(char *reason, size_t reasonsz, const char *fmt, ...)
{
    if (!reason || !reasonsz)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, reasonsz, fmt, ap);
    va_end(ap);
}

static bool is_unreachable(const mm_account_window *win, int64_t now_ms,
                           const mm_health_thresholds *t, char *reason, size_t reasonsz)
{
    /* a refused key fails every call until it changes: no need to wait for more probes (a
     * failed Test Connection shows at once) */
    if (win->key_refused) {
        set_reason(reason, reasonsz,
                   "the last probe's key was refused (auth): every call fails until the key "
                   "changes");
        return true;
    }
    if (win->consecutive_probe_failures >= t->unreachable_failed_probes) {
        set_reason(reason, reasonsz, "the last %d probes failed", win->consecutive_probe_failures);
        return true;
    }
    if (win->failing_since_ms && now_ms - win->failing_since_ms >= t->unreachable_no_success_ms) {
        char silence[32];
        format_duration(silence, sizeof silence, now_ms - win->failing_since_ms);
        set_reason(reason, reasonsz, "failing with no success for %s", silence);
        return true;
    }
    return false;
}

static bool is_degraded(const mm_window_totals *recent, int minutes, const mm_health_thresholds *t,
                        char *reason, size_t reasonsz)
{
    const mm_window_counts *c = &recent->counts;
    if (c->events == 0)
        return false;
    bool evidence = c->events >= t->degraded_min_requests; /* 1 failure of 1 says nothing */
    double error_rate = (double)c->errors / (double)c->events;
    if (evidence && error_rate > t->degraded_error_rate) {
        set_reason(reason, reasonsz, "error rate %.0f%% (%lld of %lld) in the last %d min",
                   error_rate * 100.0, (long long)c->errors, (long long)c->events, minutes);
        return true;
    }
    if (evidence && c->rate_limited >= t->degraded_rate_limit_hits) {
        set_reason(reason, reasonsz, "%lld rate-limit hits in the last %d min",
                   (long long)c->rate_limited, minutes);
        return true;
    }
    double p95 = mm_histogram_quantile(&recent->latency, 0.95);
    if (p95 > (double)t->degraded_p95_ms) {
        set_reason(reason, reasonsz, "p95 latency %.0f ms in the last %d min", p95, minutes);
        return true;
    }
    return false;
}

mm_health health_status_evaluate(const mm_account_window *win, int64_t now_ms,
                                 const mm_health_thresholds *t, char *reason, size_t reasonsz)
{
    set_reason(reason, reasonsz, "no probe or request in the last hour");
    if (!win)
        return MM_HEALTH_UNKNOWN;
    mm_window_totals hour;
    if (!mm_window_sum(win, now_ms, MM_WINDOW_MINUTES, &hour)) {
        mm_window_totals_free(&hour);
        set_reason(reason, reasonsz, "out of memory computing the status");
        return MM_HEALTH_UNKNOWN;
    }
    int64_t hour_events = hour.counts.events;
    mm_window_totals_free(&hour);
    if (hour_events == 0)
        return MM_HEALTH_UNKNOWN;
    if (is_unreachable(win, now_ms, t, reason, reasonsz))
        return MM_HEALTH_UNREACHABLE;
    int minutes = health_recent_minutes(t);
    mm_window_totals recent;
    bool computed = mm_window_sum(win, now_ms, minutes, &recent);
    bool degraded = computed && is_degraded(&recent, minutes, t, reason, reasonsz);
    int64_t calls = recent.counts.events;
    mm_window_totals_free(&recent);
    if (degraded)
        return MM_HEALTH_DEGRADED;
    if (calls < t->degraded_min_requests)
        set_reason(reason, reasonsz,
                   "within every threshold in the last %d min (%lld of the %lld calls needed to "
                   "judge the error rate)",
                   minutes, (long long)calls, (long long)t->degraded_min_requests);
    else
        set_reason(reason, reasonsz, "within every threshold in the last %d min (%lld calls)",
                   minutes, (long long)calls);
    return MM_HEALTH_HEALTHY;
}

#define NOT_PROBED "not probed: "
#define KEY_UNREADABLE "the stored API key cannot be decrypted"

void health_key_unreadable_reason(char *out, size_t outsz, const char *account)
{
    snprintf(out, outsz,
             KEY_UNREADABLE "; set it again: `mmadmin account edit %s --api-key-env VAR`", account);
}

void health_key_unreadable_test(char *out, size_t outsz, const char *account)
{
    char reason[MM_HEALTH_LINE_MAX];
    health_key_unreadable_reason(reason, sizeof reason, account);
    snprintf(out, outsz, NOT_PROBED "%s", reason);
}

bool health_test_says_key_unreadable(bool ok, const char *message)
{
    return !ok && message &&
           strncmp(message, NOT_PROBED KEY_UNREADABLE, strlen(NOT_PROBED KEY_UNREADABLE)) == 0;
}
