/* The alert lifecycle (alert_state.h): pending, fired once, resolved once after the resolve
 * time, tracked per rule and subject in memory. */
#include "alerts/alert_state.h"

#include <stdlib.h>
#include <string.h>

#include "util/text.h"

static bool grow(void **items, size_t *capacity, size_t count, size_t size)
{
    if (count < *capacity)
        return true;
    size_t cap = *capacity ? *capacity * 2 : 16;
    void *grown = realloc(*items, cap * size);
    if (!grown)
        return false;
    *items = grown;
    *capacity = cap;
    return true;
}

static mm_alert_track *find(mm_alert_tracker *tracker, mm_alert_rule rule, const char *subject)
{
    for (size_t i = 0; i < tracker->count; i++)
        if (tracker->tracks[i].rule == rule && !strcmp(tracker->tracks[i].subject, subject))
            return &tracker->tracks[i];
    return NULL;
}

static mm_alert_track *add_track(mm_alert_tracker *tracker, mm_alert_rule rule, const char *subject)
{
    if (!grow((void **)&tracker->tracks, &tracker->capacity, tracker->count,
              sizeof *tracker->tracks))
        return NULL;
    mm_alert_track *track = &tracker->tracks[tracker->count++];
    memset(track, 0, sizeof *track);
    track->rule = rule;
    mm_copy(track->subject, sizeof track->subject, subject);
    return track;
}

static bool act(mm_alert_actions *actions, mm_alert_action_kind kind, const mm_alert_track *track)
{
    if (!grow((void **)&actions->items, &actions->capacity, actions->count, sizeof *actions->items))
        return false;
    actions->items[actions->count++] = (mm_alert_action){kind, *track};
    return true;
}

/* A condition that holds: start or continue its track; fire once it held long enough. */
static bool holds(mm_alert_tracker *tracker, const mm_alert_condition *c, int64_t now_ms,
                  const mm_alert_thresholds *t, mm_alert_actions *actions)
{
    mm_alert_track *track = find(tracker, c->rule, c->subject);
    if (!track) {
        if (!(track = add_track(tracker, c->rule, c->subject)))
            return false;
        track->true_since_ms = now_ms;
    }
    track->false_since_ms = 0;
    mm_copy(track->why, sizeof track->why, c->why);
    track->value = c->value;
    if (track->open_id == 0 && now_ms - track->true_since_ms >= alert_rule_for_ms(c->rule, t)) {
        track->open_id = -1; /* fired: waiting for its id (alert_tracker_opened) */
        return act(actions, MM_ALERT_FIRE, track);
    }
    return true;
}

static bool is_holding(const mm_alert_conditions *holding, const mm_alert_track *track)
{
    for (size_t i = 0; holding && i < holding->count; i++)
        if (holding->items[i].rule == track->rule &&
            !strcmp(holding->items[i].subject, track->subject))
            return true;
    return false;
}

bool alert_tracker_step(mm_alert_tracker *tracker, int64_t now_ms,
                        const mm_alert_conditions *holding, const mm_alert_thresholds *t,
                        mm_alert_actions *actions)
{
    actions->count = 0;
    for (size_t i = 0; holding && i < holding->count; i++)
        if (!holds(tracker, &holding->items[i], now_ms, t, actions))
            return false;
    size_t kept = 0;
    for (size_t i = 0; i < tracker->count; i++) {
        mm_alert_track *track = &tracker->tracks[i];
        bool keep = true;
        if (!is_holding(holding, track)) {
            if (track->open_id == 0) {
                keep = false; /* pending, never fired: forgotten */
            } else {
                if (track->false_since_ms == 0)
                    track->false_since_ms = now_ms;
                if (now_ms - track->false_since_ms >= t->resolve_after_ms) {
                    if (!act(actions, MM_ALERT_RESOLVE, track))
                        return false;
                    keep = false;
                }
            }
        }
        if (keep)
            tracker->tracks[kept++] = *track;
    }
    tracker->count = kept;
    return true;
}

void alert_tracker_opened(mm_alert_tracker *tracker, mm_alert_rule rule, const char *subject,
                          int64_t id)
{
    mm_alert_track *track = find(tracker, rule, subject);
    if (track)
        track->open_id = id;
}

bool alert_tracker_adopt(mm_alert_tracker *tracker, const mm_alert *open, int64_t now_ms)
{
    mm_alert_rule rule = alert_rule_parse(open->rule);
    if (rule == MM_ALERT_RULE_COUNT || find(tracker, rule, open->subject))
        return true;
    mm_alert_track *track = add_track(tracker, rule, open->subject);
    if (!track)
        return false;
    track->true_since_ms = open->started_ms ? open->started_ms : now_ms;
    track->open_id = open->id;
    track->value = open->value;
    mm_copy(track->why, sizeof track->why, open->why);
    return true;
}

void alert_tracker_free(mm_alert_tracker *tracker)
{
    free(tracker->tracks);
    memset(tracker, 0, sizeof *tracker);
}

void alert_actions_free(mm_alert_actions *actions)
{
    free(actions->items);
    memset(actions, 0, sizeof *actions);
}
