/* The alert lifecycle with hysteresis, in memory and free of I/O: a condition pending until it
 * has held for its rule's time, fired once, kept open while it holds again within the resolve
 * time, resolved once after it has been false for alerts.resolve_after_ms. */
#ifndef MM_ALERTS_ALERT_STATE_H
#define MM_ALERTS_ALERT_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alerts/alert_rules.h"
#include "util/hash_index.h"

typedef struct mm_alert_track {
    mm_alert_rule rule;
    char subject[MM_ALERT_SUBJECT_MAX];
    char why[MM_ALERT_WHY_MAX];
    double value;
    int64_t true_since_ms;  /* the condition began to hold (the incident's start) */
    int64_t false_since_ms; /* 0 while it holds */
    int64_t open_id;        /* the catalog's alert id once fired; 0 while pending */
} mm_alert_track;

typedef enum mm_alert_action_kind { MM_ALERT_FIRE, MM_ALERT_RESOLVE } mm_alert_action_kind;

typedef struct mm_alert_action {
    mm_alert_action_kind kind;
    mm_alert_track track; /* a copy: for FIRE, what to record; for RESOLVE, open_id to close */
} mm_alert_action;

typedef struct mm_alert_tracker {
    mm_alert_track *tracks;
    size_t count, capacity;
    mm_hash_index index; /* (rule, subject) -> position in tracks: 10,000 subjects stay O(n) */
} mm_alert_tracker;

typedef struct mm_alert_actions {
    mm_alert_action *items;
    size_t count, capacity;
} mm_alert_actions;

/* Folds the conditions that hold at now_ms into the tracker and appends what to do to actions
 * (emptied first): FIRE for a condition that has held for alert_rule_for_ms and is not open,
 * RESOLVE for an open alert whose condition has been false for t->resolve_after_ms. A fired
 * track stays open until alert_tracker_opened gives its id. false only when out of memory. */
bool alert_tracker_step(mm_alert_tracker *tracker, int64_t now_ms,
                        const mm_alert_conditions *holding, const mm_alert_thresholds *t,
                        mm_alert_actions *actions);
/* Records the id a FIRE was given (or found open: another process fired it). */
void alert_tracker_opened(mm_alert_tracker *tracker, mm_alert_rule rule, const char *subject,
                          int64_t id);
/* Takes over an alert already open in the catalog (after a restart or a prober change), so it
 * is not fired again and resolves when its condition stays false. false when out of memory. */
bool alert_tracker_adopt(mm_alert_tracker *tracker, const mm_alert *open, int64_t now_ms);
void alert_tracker_free(mm_alert_tracker *tracker);
void alert_actions_free(mm_alert_actions *actions);

#endif
