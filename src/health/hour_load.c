/* Building the last hour's windows from the minute rollups: counts and sketches as stored, and the
 * state of each account from the raw events of only the minutes that decide it. */
#include "health/hour_load.h"

#include <stdlib.h>
#include <string.h>

#include "catalog/hour.h"
#include "util/clock.h"
#include "util/grow.h"

/* At most this many events an account with events in the hour (Σ / accounts), the hour is
 * folded from its raw events: cheaper than reading each account's state rows apart (measured
 * at 10,000 accounts: 3 probe rounds, 30,000 events, 265 ms of CPU for health --json folded,
 * 327 ms read by account; a full hour, 1.2M events, the rollups are 2x faster). */
#define RAW_EVENTS_AN_ACCOUNT 6

/* An account's probes a minute while loading (keyed by minute % 60, as the window's ring). */
typedef struct probe_minutes {
    int32_t minute[MM_WINDOW_MINUTES]; /* 0: none */
    int32_t events[MM_WINDOW_MINUTES];
    int64_t newest;         /* the newest minute with a probe, 0 when none */
    int64_t newest_reached; /* the newest minute with a probe that reached the provider, or 0 */
    int64_t ok;             /* successful probes in the hour */
} probe_minutes;

typedef struct hour_load {
    mm_window_set *set;
    mm_hour_reader *reader;
    int64_t now_ms, since_ms, max_id, rollups_upto;
    probe_minutes *probes; /* by window position, all zero for an account without probes: one
                              block for the load, freed with it */
    size_t n_probes;
    bool out_of_memory;
} hour_load;

/* The account's probe minutes; NULL when out of memory. */
static probe_minutes *probes_of(hour_load *load, const char *account)
{
    size_t at;
    if (!mm_window_set_get_at(load->set, account, &at))
        return NULL;
    if (at >= load->n_probes) {
        size_t n = load->set->capacity;
        probe_minutes *grown = realloc(load->probes, n * sizeof *grown);
        if (!grown)
            return NULL;
        memset(grown + load->n_probes, 0, (n - load->n_probes) * sizeof *grown);
        load->probes = grown;
        load->n_probes = n;
    }
    return &load->probes[at];
}

/* Adds probes of a minute: events, how many reached the provider, how many succeeded. */
static bool add_probes(hour_load *load, const char *account, int64_t minute, int64_t events,
                       int64_t reached, int64_t ok)
{
    probe_minutes *p = probes_of(load, account);
    if (!p)
        return false;
    int at = (int)(minute % MM_WINDOW_MINUTES);
    if (p->minute[at] != minute) {
        p->minute[at] = (int32_t)minute;
        p->events[at] = 0;
    }
    p->events[at] += (int32_t)events;
    if (events > 0 && minute > p->newest)
        p->newest = minute;
    if (reached > 0 && minute > p->newest_reached)
        p->newest_reached = minute;
    p->ok += ok;
    return true;
}

static int64_t probes_at(const probe_minutes *p, int64_t minute)
{
    int at = (int)(minute % MM_WINDOW_MINUTES);
    return p && p->minute[at] == minute ? p->events[at] : 0;
}

static mm_window_counts counts_of(const mm_usage_rollup *s)
{
    return (mm_window_counts){.events = s->events,
                              .errors = s->errors,
                              .request_errors = s->request_errors,
                              .rate_limited = s->rate_limited,
                              .tokens_in = s->tokens_in,
                              .tokens_out = s->tokens_out,
                              .tokens_cache_read = s->tokens_cache_read,
                              .tokens_cache_write = s->tokens_cache_write,
                              .usage_estimated = s->usage_estimated,
                              .cost_micros = s->cost_micros,
                              .unpriced = s->unpriced};
}

/* Events that reached the provider (a 429 is an answer) and successes, of some counts. */
static int64_t reached_of(const mm_window_counts *c)
{
    return c->events - c->errors + c->rate_limited;
}

static int64_t ok_of(const mm_window_counts *c)
{
    return c->events - c->errors - c->request_errors;
}

static bool add_rollup(const mm_hour_rollup *row, void *ctx)
{
    hour_load *load = ctx;
    mm_account_window *win = mm_window_set_get(load->set, row->account);
    mm_window_counts counts = counts_of(&row->sums);
    int64_t minute = row->start_ms / MM_MINUTE_MS;
    /* the sketches hold the minute's successes: none, nothing to decode */
    mm_minute_sketches sketches = {.latency = row->latency,
                                   .latency_size = ok_of(&counts) > 0 ? row->latency_size : 0,
                                   .ttft = row->ttft,
                                   .ttft_size = row->ttft_size};
    if (!win || !mm_window_add_minute(win, minute, &counts, &sketches))
        return false;
    return strcmp(row->kind, "probe") != 0 || add_probes(load, row->account, minute, counts.events,
                                                         reached_of(&counts), ok_of(&counts));
}

/* An event the rollups do not hold yet (written around mmadmin): counted as a rollup would. */
static void add_unrolled(const mm_usage_event *ev, void *ctx)
{
    hour_load *load = ctx;
    if (ev->id > load->max_id || ev->ts_ms < load->since_ms || load->out_of_memory)
        return;
    bool ok = mm_window_set_count(load->set, ev);
    if (ok && strcmp(ev->kind, "probe") == 0) {
        bool success = strcmp(ev->outcome, "ok") == 0;
        mm_error_class cls = mm_error_class_parse(ev->outcome);
        bool fault = !success && !mm_error_class_is_request_outcome(cls, ev->http_status);
        bool reached = !fault || strcmp(ev->outcome, "rate_limited") == 0;
        ok = add_probes(load, ev->account, ev->ts_ms / MM_MINUTE_MS, 1, reached, success);
    }
    if (!ok)
        load->out_of_memory = true;
}

static void track_event(const mm_usage_event *ev, void *ctx)
{
    hour_load *load = ctx;
    if (!load->out_of_memory && !mm_window_set_track(load->set, ev))
        load->out_of_memory = true;
}

/* An account's minutes with events, newest first, and whether each one's raw events decide
 * part of the state. */
typedef struct planned_minute {
    int64_t minute;
    mm_window_counts counts;
} planned_minute;

typedef struct minute_plan {
    planned_minute slot[MM_WINDOW_MINUTES];
    bool needed[MM_WINDOW_MINUTES];
    int count;
} minute_plan;

static int newer_first(const void *a, const void *b)
{
    int64_t x = ((const planned_minute *)a)->minute, y = ((const planned_minute *)b)->minute;
    return (x < y) - (x > y);
}

static int index_of(const minute_plan *plan, int64_t minute)
{
    for (int i = 0; i < plan->count; i++)
        if (plan->slot[i].minute == minute)
            return i;
    return -1;
}

/* The minutes whose raw events decide the state: the newest (last event), the newest with a
 * probe (last probe, key refused) and with a success (last success, key refused), the newest
 * that reached the provider and the next one after it (failing since; the oldest when none
 * reached), the newest with a probe that reached it (probe failures in a row: the probes
 * after it are all failures, counted from the rollups), and the newest with failures until
 * they hold MM_WINDOW_LAST_ERRORS of them (the latest errors). */
static void plan_minutes(minute_plan *plan, const mm_account_window *win, int64_t since_minute,
                         const probe_minutes *probes)
{
    plan->count = 0;
    /* the hour's slots by minute: one at most a minute (the window's ring), so newest first is
     * a walk down the hour; with a minute after it (an event stamped ahead of this clock) they
     * are sorted */
    const mm_minute_slot *at[MM_WINDOW_MINUTES] = {0};
    int in_hour = 0, used = 0;
    for (int i = 0; i < win->n_slots; i++) {
        const mm_minute_slot *slot = &win->slots[i];
        if (slot->minute < since_minute || slot->events <= 0)
            continue;
        used++;
        if (slot->minute - since_minute < MM_WINDOW_MINUTES) {
            at[slot->minute - since_minute] = slot;
            in_hour++;
        }
    }
    for (int m = MM_WINDOW_MINUTES - 1; in_hour == used && m >= 0; m--)
        if (at[m]) {
            plan->slot[plan->count].minute = at[m]->minute;
            mm_minute_counts(win, at[m], &plan->slot[plan->count++].counts);
        }
    for (int i = 0; in_hour < used && i < win->n_slots; i++) {
        const mm_minute_slot *slot = &win->slots[i];
        if (slot->minute < since_minute || slot->events <= 0)
            continue;
        plan->slot[plan->count].minute = slot->minute;
        mm_minute_counts(win, slot, &plan->slot[plan->count++].counts);
    }
    if (in_hour < used)
        qsort(plan->slot, (size_t)plan->count, sizeof plan->slot[0], newer_first);
    memset(plan->needed, 0, sizeof plan->needed);
    if (!plan->count)
        return;
    plan->needed[0] = true;
    int reached = -1, ok = -1;
    for (int i = 0; i < plan->count; i++) {
        if (reached < 0 && reached_of(&plan->slot[i].counts) > 0)
            reached = i;
        if (ok < 0 && ok_of(&plan->slot[i].counts) > 0)
            ok = i;
    }
    if (ok >= 0)
        plan->needed[ok] = true;
    if (reached >= 0)
        plan->needed[reached] = true;
    plan->needed[reached < 0 ? plan->count - 1 : reached > 0 ? reached - 1 : 0] = true;
    if (probes && probes->newest > 0 && index_of(plan, probes->newest) >= 0)
        plan->needed[index_of(plan, probes->newest)] = true;
    if (probes && probes->newest_reached > 0 && index_of(plan, probes->newest_reached) >= 0)
        plan->needed[index_of(plan, probes->newest_reached)] = true;
    int64_t failures = 0;
    for (int i = 0; i < plan->count && failures < MM_WINDOW_LAST_ERRORS; i++) {
        int64_t nonok = plan->slot[i].counts.events - ok_of(&plan->slot[i].counts);
        if (nonok > 0) {
            plan->needed[i] = true;
            failures += nonok;
        }
    }
}

/* Probes after the newest one that reached the provider, in minutes not read raw: failures the
 * fold of the read minutes did not count. */
static int64_t unread_probe_failures(const minute_plan *plan, const probe_minutes *probes)
{
    int64_t failures = 0;
    for (int i = 0; probes && i < plan->count; i++) {
        if (plan->slot[i].minute <= probes->newest_reached)
            break;
        if (!plan->needed[i])
            failures += probes_at(probes, plan->slot[i].minute);
    }
    return failures;
}

/* The ranges of an account's planned minutes (runs of adjacent planned minutes as one range),
 * oldest first, appended to ranges; false when out of memory. */
typedef struct range_list {
    mm_hour_range *items;
    size_t count, capacity;
} range_list;

static bool add_range(range_list *ranges, const char *account, int64_t from_ms, int64_t to_ms)
{
    if (!mm_grow((void **)&ranges->items, &ranges->capacity, ranges->count, sizeof *ranges->items))
        return false;
    ranges->items[ranges->count++] = (mm_hour_range){account, from_ms, to_ms};
    return true;
}

static bool plan_ranges(const hour_load *load, const mm_account_window *win,
                        const probe_minutes *probes, range_list *ranges)
{
    minute_plan plan;
    plan_minutes(&plan, win, load->since_ms / MM_MINUTE_MS, probes);
    for (int i = plan.count - 1; i >= 0; i--) {
        if (!plan.needed[i])
            continue;
        int newest = i;
        while (newest > 0 && plan.needed[newest - 1])
            newest--;
        if (!add_range(ranges, win->account, plan.slot[i].minute * MM_MINUTE_MS,
                       (plan.slot[newest].minute + 1) * MM_MINUTE_MS))
            return false;
        i = newest;
    }
    return true;
}

/* What the rollups tell about the account's state beyond its planned minutes' raw events
 * (folded already): the probe failures in the minutes not read and the cooldown. */
static mm_status finish_state(hour_load *load, mm_account_window *win, const probe_minutes *probes,
                              mm_error *err)
{
    minute_plan plan;
    plan_minutes(&plan, win, load->since_ms / MM_MINUTE_MS, probes);
    win->consecutive_probe_failures += (int)unread_probe_failures(&plan, probes);
    int64_t rate_limited = 0;
    for (int i = 0; i < plan.count; i++)
        rate_limited += plan.slot[i].counts.rate_limited;
    if (rate_limited > 0)
        return catalog_hour_cooldown(load->reader, win->account, load->since_ms, load->max_id,
                                     &win->cooldown_until_ms, err);
    return MM_OK;
}

/* The state of the first `count` windows (those with events in the hour): the raw events of
 * every account's planned minutes in one read (catalog_hour_events_in: one statement on
 * PostgreSQL), then what the rollups tell about the rest, an account at a time. */
static mm_status load_states(hour_load *load, size_t count, mm_error *err)
{
    range_list ranges = {0};
    mm_status st = MM_OK;
    for (size_t i = 0; st == MM_OK && i < count; i++)
        if (!plan_ranges(load, load->set->items[i], i < load->n_probes ? &load->probes[i] : NULL,
                         &ranges))
            st = mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory loading the last hour");
    if (st == MM_OK)
        st = catalog_hour_events_in(load->reader, ranges.items, ranges.count, load->max_id,
                                    track_event, load, err);
    free(ranges.items);
    for (size_t i = 0; st == MM_OK && !load->out_of_memory && i < count; i++)
        st = finish_state(load, load->set->items[i], i < load->n_probes ? &load->probes[i] : NULL,
                          err);
    return st;
}

typedef struct raw_fold {
    mm_window_set *set;
    int64_t max_id;
    bool out_of_memory;
} raw_fold;

static void fold_raw(const mm_usage_event *ev, void *ctx)
{
    raw_fold *fold = ctx;
    if (ev->id <= fold->max_id && !fold->out_of_memory && !mm_window_set_fold(fold->set, ev))
        fold->out_of_memory = true;
}

/* An hour older than the minute rollups keep (a report asked for a past time), or one with few
 * events an account: every raw event of it folded. */
static mm_status load_raw(mm_catalog *cat, const mm_account_list *accounts, hour_load *load,
                          mm_error *err)
{
    raw_fold fold = {.set = load->set, .max_id = load->max_id};
    mm_status st = MM_OK;
    if (!accounts)
        st = catalog_usage_since_time(cat, NULL, load->since_ms, fold_raw, &fold, err);
    for (size_t i = 0; accounts && st == MM_OK && i < accounts->count; i++)
        st = catalog_usage_since_time(cat, accounts->items[i].name, load->since_ms, fold_raw, &fold,
                                      err);
    if (st == MM_OK && fold.out_of_memory)
        st = mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory loading the last hour");
    return st;
}

static mm_status load_hour_in(hour_load *load, mm_catalog *cat, const mm_account_list *accounts,
                              mm_error *err)
{
    mm_status st = MM_OK;
    /* no size check before: a small hour has few rows (each holds an event or more), so reading
     * them costs little, and a big one is read once, not once in part to size it */
    if (!accounts)
        st = catalog_hour_rollups(load->reader, load->since_ms, add_rollup, load, err);
    for (size_t i = 0; accounts && st == MM_OK && i < accounts->count; i++)
        st = catalog_hour_account_rollups(load->reader, accounts->items[i].name, load->since_ms,
                                          add_rollup, load, err);
    if (st == MM_OK && load->max_id > load->rollups_upto)
        st = catalog_usage_since_id(cat, load->rollups_upto, 0, add_unrolled, load, NULL, err);
    /* few events an account with events (a probe round or two; the listed accounts, or an
     * hour of a few busy accounts among many): one indexed read of each account would cost
     * more than folding the hour's raw events, which are then few */
    int64_t events = 0;
    for (size_t i = 0; i < load->set->count; i++)
        for (int m = 0; m < load->set->items[i]->n_slots; m++)
            events += load->set->items[i]->slots[m].events;
    if (st == MM_OK && events <= RAW_EVENTS_AN_ACCOUNT * (int64_t)load->set->count) {
        mm_window_set_free(load->set);
        mm_window_set_init(load->set, load->now_ms);
        load->set->fold_month = false;
        return load_raw(cat, accounts, load, err);
    }
    /* the windows made so far are those with events in the hour: the state of each */
    if (st == MM_OK)
        st = load_states(load, load->set->count, err);
    if (st == MM_OK && load->out_of_memory)
        st = mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory loading the last hour");
    return st;
}

/* The hour of every account (accounts NULL) or of those listed. */
static mm_status load_windows(mm_catalog *cat, int64_t now_ms, const mm_account_list *accounts,
                              mm_window_set *set, int64_t *max_id, mm_error *err)
{
    mm_window_set_init(set, now_ms);
    set->fold_month = false; /* the month's totals come from the day rollups */
    *max_id = 0;
    hour_load load = {.set = set,
                      .now_ms = now_ms,
                      .since_ms = (now_ms / MM_MINUTE_MS - (MM_WINDOW_MINUTES - 1)) * MM_MINUTE_MS};
    bool began;
    mm_status st = catalog_read_begin(cat, &began, err);
    if (st == MM_OK)
        st = catalog_hour_open(cat, &load.reader, &load.max_id, &load.rollups_upto, err);
    /* minute rollups are written and kept for the recent hours only */
    bool recent = load.since_ms >= mm_now_ms() - MM_ROLLUP_MINUTE_KEEP_MS + MM_MINUTE_MS * 60;
    if (st == MM_OK)
        st = recent ? load_hour_in(&load, cat, accounts, err) : load_raw(cat, accounts, &load, err);
    catalog_hour_close(load.reader);
    free(load.probes);
    st = catalog_read_end(cat, began, st, err);
    *max_id = load.max_id;
    return st;
}

mm_status health_hour_load(mm_catalog *cat, int64_t now_ms, mm_window_set *set, int64_t *max_id,
                           mm_error *err)
{
    return load_windows(cat, now_ms, NULL, set, max_id, err);
}

mm_status health_hour_load_accounts(mm_catalog *cat, int64_t now_ms,
                                    const mm_account_list *accounts, mm_window_set *set,
                                    int64_t *max_id, mm_error *err)
{
    return load_windows(cat, now_ms, accounts, set, max_id, err);
}
