/* Alerts in the catalog (schema 6): one row per incident of a rule for a subject (fired once,
 * resolved once, acknowledged), at most one open per rule and subject across every process,
 * and the record of each delivery attempt (webhook or command, its target redacted). */
#ifndef MM_CATALOG_ALERTS_H
#define MM_CATALOG_ALERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"

#define MM_ALERT_RULE_MAX 40
#define MM_ALERT_SUBJECT_MAX (2 * MM_NAME_MAX + 2) /* "account", "workspace/model" or "model" */
#define MM_ALERT_WHY_MAX 256
#define MM_ALERT_WHO_MAX 64
#define MM_ALERT_TARGET_MAX 256

typedef struct mm_alert {
    int64_t id;
    char rule[MM_ALERT_RULE_MAX];       /* "provider_unreachable", ... (alerts/alert_rules.h) */
    char subject[MM_ALERT_SUBJECT_MAX]; /* what it is about */
    char severity[16];                  /* "warning" or "critical" */
    char why[MM_ALERT_WHY_MAX];         /* the condition in words, when it fired */
    double value;                       /* the figure that crossed (a ratio, seconds, ...) */
    int64_t started_ms;                 /* the condition first held (the incident began) */
    int64_t fired_ms;
    int64_t resolved_ms; /* 0 while open */
    char resolved_why[MM_ALERT_WHY_MAX];
    int64_t acked_ms; /* 0 until acknowledged */
    char acked_by[MM_ALERT_WHO_MAX];
} mm_alert;

typedef struct mm_alert_list {
    mm_alert *items;
    size_t count;
} mm_alert_list;

/* Opens an incident (sets alert->id). MM_E_EXISTS when one is already open for the rule and
 * subject (another process fired it): nothing is written. */
mm_status catalog_alert_fire(mm_catalog *cat, mm_alert *alert, mm_error *err);
/* Resolves the open alert id at ts_ms with why. MM_E_NOT_FOUND when it is not open. */
mm_status catalog_alert_resolve(mm_catalog *cat, int64_t id, int64_t ts_ms, const char *why,
                                mm_error *err);
/* Acknowledges alert id (open or not) by who at ts_ms; audited. MM_E_NOT_FOUND when unknown;
 * acknowledging twice keeps the first. */
mm_status catalog_alert_ack(mm_catalog *cat, int64_t id, const char *who, int64_t ts_ms,
                            mm_error *err);
/* Open alerts (newest first), then, unless open_only, the most recent resolved ones (at most
 * limit in all). */
mm_status catalog_alert_list(mm_catalog *cat, bool open_only, size_t limit, mm_alert_list *out,
                             mm_error *err);
mm_status catalog_alert_get(mm_catalog *cat, int64_t id, mm_alert *out, mm_error *err);
void mm_alert_list_free(mm_alert_list *list);

typedef struct mm_alert_delivery {
    int64_t id;
    int64_t alert_id;
    char event[16];                   /* "firing" or "resolved" */
    char channel[16];                 /* "webhook" or "command" */
    char target[MM_ALERT_TARGET_MAX]; /* redacted: scheme://host/... or the command's name */
    int attempt;                      /* 1, 2, ... */
    int64_t ts_ms;
    bool ok;
    char detail[MM_MESSAGE_MAX]; /* "HTTP 200", "exit 0", the error */
} mm_alert_delivery;

typedef struct mm_alert_delivery_list {
    mm_alert_delivery *items;
    size_t count;
} mm_alert_delivery_list;

mm_status catalog_alert_delivery_insert(mm_catalog *cat, mm_alert_delivery *d, mm_error *err);
/* Deliveries of alert_id (0: of every alert), newest first, at most limit. */
mm_status catalog_alert_delivery_list(mm_catalog *cat, int64_t alert_id, size_t limit,
                                      mm_alert_delivery_list *out, mm_error *err);
void mm_alert_delivery_list_free(mm_alert_delivery_list *list);

#endif
