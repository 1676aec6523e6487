/* The alert rules mmadmin evaluates itself (the same as docs/prometheus-alerts.yml): their
 * names and severities, their thresholds (catalog settings "alerts.*", one table of ranges and
 * defaults), their delivery channels per rule, and the conditions that hold in a health report. */
#ifndef MM_ALERTS_ALERT_RULES_H
#define MM_ALERTS_ALERT_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/alerts.h"
#include "catalog/catalog.h"
#include "catalog/rows.h"
#include "health/report.h"
#include "metrics/exposition.h"

typedef enum mm_alert_rule {
    MM_ALERT_PROVIDER_UNREACHABLE = 0, /* an account's status is unreachable */
    MM_ALERT_PROVIDER_DEGRADED,        /* degraded for alerts.degraded_for_ms */
    MM_ALERT_SPEND_NEAR_CAP,           /* month spend >= alerts.spend_warn_ratio of the cap */
    MM_ALERT_SPEND_CAP_REACHED,        /* month spend >= the cap */
    MM_ALERT_WORKSPACE_NEAR_TOKEN_CAP, /* month tokens >= alerts.workspace_tokens_ratio of cap */
    MM_ALERT_MODEL_ALL_COOLING,        /* every target of a model is cooling down */
    MM_ALERT_RULE_COUNT
} mm_alert_rule;

const char *alert_rule_name(mm_alert_rule rule);     /* "provider_unreachable", ... */
const char *alert_rule_severity(mm_alert_rule rule); /* "warning" or "critical" */
const char *alert_rule_summary(mm_alert_rule rule);  /* one line, for help */
/* MM_ALERT_RULE_COUNT when name is no rule's. */
mm_alert_rule alert_rule_parse(const char *name);
/* The more severe of two severities' rank: critical 2, warning 1, other 0. */
int alert_severity_rank(const char *severity);

/* ---- thresholds: settings "alerts.*" ---- */
typedef enum mm_alert_setting_id {
    MM_ASET_UNREACHABLE_FOR = 0,    /* alerts.unreachable_for_ms, default 0 */
    MM_ASET_DEGRADED_FOR,           /* alerts.degraded_for_ms, default 600000 (10 min) */
    MM_ASET_RESOLVE_AFTER,          /* alerts.resolve_after_ms, default 120000: the hysteresis */
    MM_ASET_SPEND_WARN_RATIO,       /* alerts.spend_warn_ratio, default 0.8 */
    MM_ASET_WORKSPACE_TOKENS_RATIO, /* alerts.workspace_tokens_ratio, default 0.8 */
    MM_ASET_COUNT
} mm_alert_setting_id;

typedef struct mm_alert_setting {
    const char *key;
    bool ratio; /* a fraction (0.8 = 80 %); else whole milliseconds */
    double min, max, default_value;
} mm_alert_setting;

typedef struct mm_alert_thresholds {
    int64_t unreachable_for_ms, degraded_for_ms, resolve_after_ms;
    double spend_warn_ratio, workspace_tokens_ratio;
} mm_alert_thresholds;

const mm_alert_setting *alert_setting(mm_alert_setting_id id);
/* A value for setting id: whole ms within range, or a fraction within range. MM_E_INVALID
 * naming the key and the range otherwise. */
mm_status alert_setting_parse(mm_alert_setting_id id, const char *text, double *value,
                              mm_error *err);
void alert_thresholds_default(mm_alert_thresholds *t);
/* The catalog's settings; a bad one keeps its default and is reported in err (MM_E_INVALID),
 * the others still apply. */
mm_status alert_thresholds_load(mm_catalog *cat, mm_alert_thresholds *t, mm_error *err);
/* How long a condition must hold before it fires (ms). */
int64_t alert_rule_for_ms(mm_alert_rule rule, const mm_alert_thresholds *t);
/* The rules and thresholds in words, one line each (help and `mmadmin alerts config`). */
#define MM_ALERT_LINE_MAX 160
size_t alert_rules_describe(const mm_alert_thresholds *t, char lines[][MM_ALERT_LINE_MAX],
                            size_t max_lines);

/* ---- delivery channels: settings alerts.webhook / alerts.command for every rule, and
 * alerts.<rule>.webhook / alerts.<rule>.command for one rule ("none": not for this rule) ---- */
#define MM_ALERT_CHANNEL_MAX 1024
typedef struct mm_alert_channels {
    char webhook[MM_ALERT_CHANNEL_MAX]; /* "" = none */
    char command[MM_ALERT_CHANNEL_MAX]; /* "" = none */
} mm_alert_channels;
mm_status alert_channels_load(mm_catalog *cat, mm_alert_rule rule, mm_alert_channels *out,
                              mm_error *err);
/* Checks a webhook URL (http:// or https://, no spaces). MM_E_INVALID otherwise. */
mm_status alert_webhook_validate(const char *url, mm_error *err);
/* The URL with only its scheme and host (userinfo, path and query may hold secrets):
 * "https://hooks.example.com/...". */
void alert_webhook_redact(const char *url, char *out, size_t outsz);

/* ---- conditions ---- */
typedef struct mm_alert_condition {
    mm_alert_rule rule;
    char subject[MM_ALERT_SUBJECT_MAX];
    char why[MM_ALERT_WHY_MAX];
    double value;
} mm_alert_condition;

typedef struct mm_alert_conditions {
    mm_alert_condition *items;
    size_t count, capacity;
} mm_alert_conditions;

/* Every condition that holds now: from the report (status, spend vs cap), the workspace months
 * (tokens vs cap) and the models' targets (cool-downs). Any input may be NULL. false only when
 * out of memory. out is emptied first. */
bool alert_conditions_collect(const mm_health_report *report,
                              const metrics_workspace_months *months, const mm_model_list *models,
                              const mm_alert_thresholds *t, mm_alert_conditions *out);
/* The same conditions, the models' chains read from lean rows (catalog_model_rows with chains,
 * src/catalog/rows.h): what the alert engine keeps between rounds. */
bool alert_conditions_collect_rows(const mm_health_report *report,
                                   const metrics_workspace_months *months,
                                   const mm_model_rows *models, const mm_alert_thresholds *t,
                                   mm_alert_conditions *out);
void alert_conditions_free(mm_alert_conditions *c);

#endif
