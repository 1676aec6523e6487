/* The alert rules: names, severities, the "alerts.*" settings table, delivery channels per
 * rule and the conditions that hold in a health report (alert_rules.h). */
#include "alerts/alert_rules.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

static const struct {
    const char *name, *severity, *summary;
} RULES[MM_ALERT_RULE_COUNT] = {
    [MM_ALERT_PROVIDER_UNREACHABLE] = {"provider_unreachable", "critical",
                                       "an account's status is unreachable"},
    [MM_ALERT_PROVIDER_DEGRADED] = {"provider_degraded", "warning",
                                    "an account has been degraded for a while"},
    [MM_ALERT_SPEND_NEAR_CAP] = {"spend_near_cap", "warning",
                                 "an account's spend this month nears its monthly cap"},
    [MM_ALERT_SPEND_CAP_REACHED] = {"spend_cap_reached", "critical",
                                    "an account's spend this month reached its monthly cap"},
    [MM_ALERT_WORKSPACE_NEAR_TOKEN_CAP] = {"workspace_near_token_cap", "warning",
                                           "a workspace nears its monthly tokens of a model"},
    [MM_ALERT_MODEL_ALL_COOLING] = {"model_all_targets_cooling", "critical",
                                    "every target of a model is cooling down after rate limits"},
};

const char *alert_rule_name(mm_alert_rule rule)
{
    return (unsigned)rule < MM_ALERT_RULE_COUNT ? RULES[rule].name : "unknown";
}

const char *alert_rule_severity(mm_alert_rule rule)
{
    return (unsigned)rule < MM_ALERT_RULE_COUNT ? RULES[rule].severity : "warning";
}

const char *alert_rule_summary(mm_alert_rule rule)
{
    return (unsigned)rule < MM_ALERT_RULE_COUNT ? RULES[rule].summary : "";
}

mm_alert_rule alert_rule_parse(const char *name)
{
    for (int r = 0; r < MM_ALERT_RULE_COUNT; r++)
        if (name && !strcmp(name, RULES[r].name))
            return (mm_alert_rule)r;
    return MM_ALERT_RULE_COUNT;
}

int alert_severity_rank(const char *severity)
{
    if (severity && !strcmp(severity, "critical"))
        return 2;
    return severity && !strcmp(severity, "warning") ? 1 : 0;
}

/* ---- thresholds ---- */

#define DAY_MS 86400000.0

static const mm_alert_setting SETTINGS[MM_ASET_COUNT] = {
    [MM_ASET_UNREACHABLE_FOR] = {"alerts.unreachable_for_ms", false, 0, DAY_MS, 0},
    [MM_ASET_DEGRADED_FOR] = {"alerts.degraded_for_ms", false, 0, DAY_MS, 600000},
    [MM_ASET_RESOLVE_AFTER] = {"alerts.resolve_after_ms", false, 0, DAY_MS, 120000},
    [MM_ASET_SPEND_WARN_RATIO] = {"alerts.spend_warn_ratio", true, 0.01, 1, 0.8},
    [MM_ASET_WORKSPACE_TOKENS_RATIO] = {"alerts.workspace_tokens_ratio", true, 0.01, 1, 0.8},
};

const mm_alert_setting *alert_setting(mm_alert_setting_id id)
{
    return &SETTINGS[(unsigned)id < MM_ASET_COUNT ? id : 0];
}

mm_status alert_setting_parse(mm_alert_setting_id id, const char *text, double *value,
                              mm_error *err)
{
    const mm_alert_setting *s = alert_setting(id);
    char *end;
    errno = 0;
    double parsed = s->ratio ? strtod(text, &end) : (double)strtoll(text, &end, 10);
    if (errno || end == text || *end || !(parsed >= s->min && parsed <= s->max))
        return mm_error_set(err, MM_E_INVALID, s->key,
                            s->ratio ? "%s '%s' is not a fraction from %g to %g (0.8 = 80%%)"
                                     : "%s '%s' is not a whole number of ms from %g to %g",
                            s->key, text, s->min, s->max);
    *value = parsed;
    return MM_OK;
}

void alert_thresholds_default(mm_alert_thresholds *t)
{
    t->unreachable_for_ms = (int64_t)SETTINGS[MM_ASET_UNREACHABLE_FOR].default_value;
    t->degraded_for_ms = (int64_t)SETTINGS[MM_ASET_DEGRADED_FOR].default_value;
    t->resolve_after_ms = (int64_t)SETTINGS[MM_ASET_RESOLVE_AFTER].default_value;
    t->spend_warn_ratio = SETTINGS[MM_ASET_SPEND_WARN_RATIO].default_value;
    t->workspace_tokens_ratio = SETTINGS[MM_ASET_WORKSPACE_TOKENS_RATIO].default_value;
}

mm_status alert_thresholds_load(mm_catalog *cat, mm_alert_thresholds *t, mm_error *err)
{
    double values[MM_ASET_COUNT];
    mm_status first = MM_OK;
    for (int id = 0; id < MM_ASET_COUNT; id++) {
        values[id] = SETTINGS[id].default_value;
        char text[1024];
        mm_error local = {0};
        mm_status st = catalog_setting_get(cat, SETTINGS[id].key, text, sizeof text, &local);
        if (st == MM_OK)
            st = alert_setting_parse((mm_alert_setting_id)id, text, &values[id], &local);
        if (st == MM_E_NOT_FOUND)
            st = MM_OK;
        if (st != MM_OK && first == MM_OK) {
            first = st;
            mm_error_set(err, st, SETTINGS[id].key, "%s (the default %g is used)", local.message,
                         SETTINGS[id].default_value);
        }
    }
    t->unreachable_for_ms = (int64_t)values[MM_ASET_UNREACHABLE_FOR];
    t->degraded_for_ms = (int64_t)values[MM_ASET_DEGRADED_FOR];
    t->resolve_after_ms = (int64_t)values[MM_ASET_RESOLVE_AFTER];
    t->spend_warn_ratio = values[MM_ASET_SPEND_WARN_RATIO];
    t->workspace_tokens_ratio = values[MM_ASET_WORKSPACE_TOKENS_RATIO];
    return first;
}

int64_t alert_rule_for_ms(mm_alert_rule rule, const mm_alert_thresholds *t)
{
    if (rule == MM_ALERT_PROVIDER_UNREACHABLE)
        return t->unreachable_for_ms;
    return rule == MM_ALERT_PROVIDER_DEGRADED ? t->degraded_for_ms : 0;
}

size_t alert_rules_describe(const mm_alert_thresholds *t, char lines[][MM_ALERT_LINE_MAX],
                            size_t max_lines)
{
    size_t n = 0;
#define LINE(...)                                                                                  \
    do {                                                                                           \
        if (n < max_lines)                                                                         \
            snprintf(lines[n++], MM_ALERT_LINE_MAX, __VA_ARGS__);                                  \
    } while (0)
    LINE("provider_unreachable (critical): the account is unreachable for %g s",
         (double)t->unreachable_for_ms / 1000.0);
    LINE("provider_degraded (warning): the account is degraded for %g s",
         (double)t->degraded_for_ms / 1000.0);
    LINE("spend_near_cap (warning): spend this month >= %g%% of the account's monthly cap",
         t->spend_warn_ratio * 100.0);
    LINE("spend_cap_reached (critical): spend this month >= the account's monthly cap");
    LINE("workspace_near_token_cap (warning): a workspace's tokens of a model this month >= %g%% "
         "of its cap",
         t->workspace_tokens_ratio * 100.0);
    LINE("model_all_targets_cooling (critical): every target of a model is cooling down");
    LINE("an alert fires once per incident and resolves once its condition has been false for "
         "%g s",
         (double)t->resolve_after_ms / 1000.0);
#undef LINE
    return n;
}

/* ---- channels ---- */

static mm_status channel_setting(mm_catalog *cat, const char *rule, const char *channel, char *out,
                                 size_t outsz, mm_error *err)
{
    char key[96];
    snprintf(key, sizeof key, "alerts.%s.%s", rule, channel);
    mm_error local = {0};
    mm_status st = catalog_setting_get(cat, key, out, outsz, &local);
    if (st == MM_E_NOT_FOUND) {
        snprintf(key, sizeof key, "alerts.%s", channel);
        st = catalog_setting_get(cat, key, out, outsz, &local);
    }
    if (st == MM_E_NOT_FOUND || (st == MM_OK && !strcmp(out, "none"))) {
        out[0] = '\0';
        return MM_OK;
    }
    if (st != MM_OK)
        mm_error_set(err, st, key, "%s", local.message);
    return st;
}

mm_status alert_channels_load(mm_catalog *cat, mm_alert_rule rule, mm_alert_channels *out,
                              mm_error *err)
{
    memset(out, 0, sizeof *out);
    mm_status st = channel_setting(cat, alert_rule_name(rule), "webhook", out->webhook,
                                   sizeof out->webhook, err);
    if (st == MM_OK)
        st = channel_setting(cat, alert_rule_name(rule), "command", out->command,
                             sizeof out->command, err);
    return st;
}

mm_status alert_webhook_validate(const char *url, mm_error *err)
{
    bool scheme = url && (!strncmp(url, "http://", 7) || !strncmp(url, "https://", 8));
    bool clean = url && !strpbrk(url, " \t\r\n") && strlen(url) < MM_ALERT_CHANNEL_MAX;
    const char *host = scheme ? strstr(url, "://") + 3 : NULL;
    if (!scheme || !clean || !host || !*host || *host == '/')
        return mm_error_set(err, MM_E_INVALID, "webhook",
                            "the webhook '%s' is not an http:// or https:// URL with a host "
                            "(e.g. https://hooks.example.com/mmadmin)",
                            url ? url : "");
    return MM_OK;
}

void alert_webhook_redact(const char *url, char *out, size_t outsz)
{
    const char *sep = strstr(url, "://");
    if (!sep) {
        snprintf(out, outsz, "(not a URL)");
        return;
    }
    const char *host = sep + 3;
    size_t host_len = strcspn(host, "/?#");
    const char *at = memchr(host, '@', host_len); /* userinfo: user:password@ */
    if (at) {
        host_len -= (size_t)(at + 1 - host);
        host = at + 1;
    }
    bool more = host[host_len] != '\0';
    snprintf(out, outsz, "%.*s%.*s%s", (int)(sep + 3 - url), url, (int)host_len, host,
             more ? "/..." : "");
}

/* ---- conditions ---- */

static bool add(mm_alert_conditions *out, mm_alert_rule rule, const char *subject, double value,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static bool add(mm_alert_conditions *out, mm_alert_rule rule, const char *subject, double value,
                const char *fmt, ...)
{
    if (out->count == out->capacity) {
        size_t cap = out->capacity ? out->capacity * 2 : 16;
        mm_alert_condition *grown = realloc(out->items, cap * sizeof *grown);
        if (!grown)
            return false;
        out->items = grown;
        out->capacity = cap;
    }
    mm_alert_condition *c = &out->items[out->count++];
    memset(c, 0, sizeof *c);
    c->rule = rule;
    c->value = value;
    mm_copy(c->subject, sizeof c->subject, subject);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->why, sizeof c->why, fmt, ap);
    va_end(ap);
    return true;
}

static bool account_conditions(const mm_health_figures *f, const mm_alert_thresholds *t,
                               mm_alert_conditions *out)
{
    bool ok = true;
    if (f->enabled && f->status == MM_HEALTH_UNREACHABLE)
        ok = add(out, MM_ALERT_PROVIDER_UNREACHABLE, f->account, 1, "%s (%s) is unreachable: %s",
                 f->account, f->provider, f->status_reason);
    if (ok && f->enabled && f->status == MM_HEALTH_DEGRADED)
        ok = add(out, MM_ALERT_PROVIDER_DEGRADED, f->account, 1, "%s (%s) is degraded: %s",
                 f->account, f->provider, f->status_reason);
    if (!ok || f->monthly_cap_cents == MM_LIMIT_UNSET || f->monthly_cap_cents <= 0)
        return ok;
    double cap_usd = (double)f->monthly_cap_cents / 100.0;
    double spend_usd = (double)f->cost_micros_month / 1e6;
    double ratio = spend_usd / cap_usd;
    if (ratio >= 1)
        return add(out, MM_ALERT_SPEND_CAP_REACHED, f->account, ratio,
                   "%s spent USD %.2f of its USD %.2f monthly cap (%.0f%%): the router no longer "
                   "sends to it this month",
                   f->account, spend_usd, cap_usd, ratio * 100.0);
    if (ratio >= t->spend_warn_ratio)
        return add(out, MM_ALERT_SPEND_NEAR_CAP, f->account, ratio,
                   "%s spent USD %.2f of its USD %.2f monthly cap (%.0f%%)", f->account, spend_usd,
                   cap_usd, ratio * 100.0);
    return true;
}

/* The model-all-cooling rule: every one of the model's n_targets (> 0) is cooling down. */
static bool all_cooling(mm_alert_conditions *out, const char *model, size_t n_targets,
                        size_t cooling)
{
    if (n_targets == 0 || cooling != n_targets)
        return true;
    return add(out, MM_ALERT_MODEL_ALL_COOLING, model, (double)cooling,
               "every target of %s (%zu) is cooling down after rate limits", model, cooling);
}

bool alert_conditions_collect(const mm_health_report *report,
                              const metrics_workspace_months *months, const mm_model_list *models,
                              const mm_alert_thresholds *t, mm_alert_conditions *out)
{
    out->count = 0;
    for (size_t i = 0; report && i < report->count; i++)
        if (!account_conditions(&report->accounts[i], t, out))
            return false;
    for (size_t i = 0; months && i < months->count; i++) {
        const metrics_workspace_month *m = &months->items[i];
        if (m->monthly_tokens_cap == MM_LIMIT_UNSET || m->monthly_tokens_cap <= 0)
            continue;
        double ratio = (double)m->tokens_month / (double)m->monthly_tokens_cap;
        char subject[MM_ALERT_SUBJECT_MAX];
        snprintf(subject, sizeof subject, "%s/%s", m->workspace, m->model);
        if (ratio >= t->workspace_tokens_ratio &&
            !add(out, MM_ALERT_WORKSPACE_NEAR_TOKEN_CAP, subject, ratio,
                 "workspace %s used %lld of its %lld monthly tokens of %s (%.0f%%)", m->workspace,
                 (long long)m->tokens_month, (long long)m->monthly_tokens_cap, m->model,
                 ratio * 100.0))
            return false;
    }
    for (size_t i = 0; models && report && i < models->count; i++) {
        const mm_model *m = &models->items[i];
        if (!all_cooling(out, m->name, m->n_targets, metrics_model_targets_cooling(m, report)))
            return false;
    }
    return true;
}

bool alert_conditions_collect_rows(const mm_health_report *report,
                                   const metrics_workspace_months *months,
                                   const mm_model_rows *models, const mm_alert_thresholds *t,
                                   mm_alert_conditions *out)
{
    if (!alert_conditions_collect(report, months, NULL, t, out))
        return false;
    for (size_t i = 0; models && report && i < models->count; i++) {
        const mm_model_row *m = &models->items[i];
        size_t cooling = 0;
        for (size_t k = 0; k < m->n_targets; k++) {
            const mm_health_figures *f =
                health_report_find(report, models->targets[m->first_target + k].account);
            if (f && f->cooldown_until_ms > report->now_ms)
                cooling++;
        }
        if (!all_cooling(out, m->name, m->n_targets, cooling))
            return false;
    }
    return true;
}

void alert_conditions_free(mm_alert_conditions *c)
{
    free(c->items);
    memset(c, 0, sizeof *c);
}
