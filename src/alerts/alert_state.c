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

/* What the tracks and the holding conditions are found by. */
typedef struct rule_subject {
    mm_alert_rule rule;
    const char *subject;
} rule_subject;

static uint32_t rule_subject_hash(mm_alert_rule rule, const char *subject)
{
    return mm_hash_pair((uint32_t)rule, mm_hash_string(subject));
}

static bool track_matches(const void *data, size_t position, const void *key)
{
    const mm_alert_track *track = &((const mm_alert_track *)data)[position];
    const rule_subject *k = key;
    return track->rule == k->rule && !strcmp(track->subject, k->subject);
}

static bool condition_matches(const void *data, size_t position, const void *key)
{
    const mm_alert_condition *c = &((const mm_alert_condition *)data)[position];
    const rule_subject *k = key;
    return c->rule == k->rule && !strcmp(c->subject, k->subject);
}

static mm_alert_track *find(mm_alert_tracker *tracker, mm_alert_rule rule, const char *subject)
{
    rule_subject key = {rule, subject};
    long at = mm_hash_index_find(&tracker->index, rule_subject_hash(rule, subject), &key,
                                 track_matches, tracker->tracks);
    return at < 0 ? NULL : &tracker->tracks[at];
}

static mm_alert_track *add_track(mm_alert_tracker *tracker, mm_alert_rule rule, const char *subject)
{
    if (!grow((void **)&tracker->tracks, &tracker->capacity, tracker->count,
              sizeof *tracker->tracks) ||
        !mm_hash_index_add(&tracker->index, rule_subject_hash(rule, subject), tracker->count))
        return NULL;
    mm_alert_track *track = &tracker->tracks[tracker->count++];
    memset(track, 0, sizeof *track);
    track->rule = rule;
    mm_copy(track->subject, sizeof track->subject, subject);
    return track;
}

/* The index again after tracks were dropped (positions moved); false when out of memory. */
static bool reindex(mm_alert_tracker *tracker)
{
    mm_hash_index_free(&tracker->index);
    for (size_t i = 0; i < tracker->count; i++)
        if (!mm_hash_index_add(
                &tracker->index,
                rule_subject_hash(tracker->tracks[i].rule, tracker->tracks[i].subject), i))
            return false;
    return true;
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

static bool is_holding(const mm_alert_conditions *holding, const mm_hash_index *index,
                       const mm_alert_track *track)
{
    rule_subject key = {track->rule, track->subject};
    return holding && mm_hash_index_find(index, rule_subject_hash(track->rule, track->subject),
                                         &key, condition_matches, holding->items) >= 0;
}

/* The holding conditions by (rule, subject); false when out of memory. */
static bool index_holding(const mm_alert_conditions *holding, mm_hash_index *index)
{
    for (size_t i = 0; holding && i < holding->count; i++)
        if (!mm_hash_index_add(
                index, rule_subject_hash(holding->items[i].rule, holding->items[i].subject), i))
            return false;
    return true;
}

bool alert_tracker_step(mm_alert_tracker *tracker, int64_t now_ms,
                        const mm_alert_conditions *holding, const mm_alert_thresholds *t,
                        mm_alert_actions *actions)
{
    actions->count = 0;
    for (size_t i = 0; holding && i < holding->count; i++)
        if (!holds(tracker, &holding->items[i], now_ms, t, actions))
            return false;
    mm_hash_index holding_index = {0};
    if (!index_holding(holding, &holding_index)) {
        mm_hash_index_free(&holding_index);
        return false;
    }
    size_t kept = 0;
    bool ok = true;
    for (size_t i = 0; i < tracker->count; i++) { /* after a failure the rest are kept */
        mm_alert_track *track = &tracker->tracks[i];
        bool keep = true;
        if (ok && !is_holding(holding, &holding_index, track)) {
            if (track->open_id == 0) {
                keep = false; /* pending, never fired: forgotten */
            } else {
                if (track->false_since_ms == 0)
                    track->false_since_ms = now_ms;
                if (now_ms - track->false_since_ms >= t->resolve_after_ms) {
                    ok = act(actions, MM_ALERT_RESOLVE, track);
                    keep = !ok;
                }
            }
        }
        if (keep)
            tracker->tracks[kept++] = *track;
    }
    mm_hash_index_free(&holding_index);
    bool dropped = kept != tracker->count;
    tracker->count = kept;
    return (!dropped || reindex(tracker)) && ok;
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
    mm_hash_index_free(&tracker->index);
    memset(tracker, 0, sizeof *tracker);
}

void alert_actions_free(mm_alert_actions *actions)
{
    free(actions->items);
    memset(actions, 0, sizeof *actions);
}
