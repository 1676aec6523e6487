/* The per-account rolling windows and the set that keys them by account name: folding an event
 * in O(1), minute expiry by ring key, range totals, per-minute series and month cost; slots,
 * TTFT sketches and the latest errors allocated only where events came. */
#include "health/window.h"

#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "util/clock.h"
#include "util/text.h"

void mm_window_set_init(mm_window_set *set, int64_t now_ms)
{
    memset(set, 0, sizeof *set);
    set->month_start_ms = mm_month_start_ms(now_ms);
    set->fold_month = true;
}

static void detail_free(mm_minute_detail *detail)
{
    if (!detail)
        return;
    mm_histogram_free(&detail->latency);
    if (detail->ttft)
        mm_histogram_free(detail->ttft);
    free(detail->ttft);
    free(detail);
}

/* Whether another of the latest errors than the one at position holds text (a message
 * repeated by consecutive errors is kept once). */
static bool message_shared(const mm_account_window *win, size_t position, const char *text)
{
    for (size_t i = 0; i < win->n_errors; i++)
        if (i != position && win->errors[i].message == text)
            return true;
    return false;
}

static void window_free(mm_account_window *win)
{
    for (int i = 0; win->details && i < win->n_slots; i++)
        detail_free(win->details[i]);
    free(win->details);
    free(win->slots);
    for (size_t i = 0; i < win->n_errors; i++)
        if (!message_shared(win, i, win->errors[i].message))
            free((char *)win->errors[i].message);
        else
            win->errors[i].message = NULL; /* freed with the last entry holding it */
    free(win->errors);
    free(win);
}

static size_t histogram_bytes(const mm_histogram *h)
{
    return h->dense ? MM_HIST_BUCKETS * sizeof *h->dense : 0;
}

size_t mm_window_bytes(const mm_account_window *win)
{
    size_t bytes = sizeof *win + win->n_errors * sizeof *win->errors;
    for (size_t i = 0; i < win->n_errors; i++) {
        bool counted = false; /* a message shared by entries counted at its first */
        for (size_t j = 0; j < i && !counted; j++)
            counted = win->errors[j].message == win->errors[i].message;
        bytes += counted ? 0 : strlen(win->errors[i].message) + 1;
    }
    bytes += win->slot_capacity * sizeof *win->slots;
    bytes += win->details ? win->slot_capacity * sizeof *win->details : 0;
    for (int i = 0; win->details && i < win->n_slots; i++) {
        const mm_minute_detail *detail = win->details[i];
        if (!detail)
            continue;
        bytes += sizeof *detail + histogram_bytes(&detail->latency);
        if (detail->ttft)
            bytes += sizeof *detail->ttft + histogram_bytes(detail->ttft);
    }
    return bytes;
}

void mm_window_set_free(mm_window_set *set)
{
    for (size_t i = 0; i < set->count; i++)
        window_free(set->items[i]);
    free(set->items);
    mm_hash_index_free(&set->index);
    memset(set, 0, sizeof *set);
}

static bool account_matches(const void *data, size_t position, const void *key)
{
    const mm_window_set *set = data;
    return strcmp(set->items[position]->account, key) == 0;
}

const mm_account_window *mm_window_set_find(const mm_window_set *set, const char *account)
{
    long at =
        mm_hash_index_find(&set->index, mm_hash_string(account), account, account_matches, set);
    return at >= 0 ? set->items[at] : NULL;
}

mm_account_window *mm_window_set_get(mm_window_set *set, const char *account)
{
    size_t position;
    return mm_window_set_get_at(set, account, &position);
}

mm_account_window *mm_window_set_get_at(mm_window_set *set, const char *account, size_t *position)
{
    long at =
        mm_hash_index_find(&set->index, mm_hash_string(account), account, account_matches, set);
    if (at >= 0) {
        *position = (size_t)at;
        return set->items[at];
    }
    *position = set->count;
    if (set->count == set->capacity) {
        size_t capacity = set->capacity ? set->capacity * 2 : 16;
        mm_account_window **items = realloc(set->items, capacity * sizeof *items);
        if (!items)
            return NULL;
        set->items = items;
        set->capacity = capacity;
    }
    mm_account_window *win = calloc(1, sizeof *win);
    if (!win)
        return NULL;
    mm_copy(win->account, sizeof win->account, account);
    if (!mm_hash_index_add(&set->index, mm_hash_string(win->account), set->count)) {
        window_free(win);
        return NULL;
    }
    set->items[set->count++] = win;
    return win;
}

void mm_window_set_roll_month(mm_window_set *set, int64_t now_ms)
{
    int64_t start = mm_month_start_ms(now_ms);
    if (start <= set->month_start_ms)
        return;
    set->month_start_ms = start;
    for (size_t i = 0; i < set->count; i++) {
        set->items[i]->month_cost_micros = 0;
        set->items[i]->month_unpriced = 0;
    }
}

/* The event's outcome for health: ok, the request's own error (answered; not a fault), or a
 * fault of the account. */
typedef enum event_verdict { EVENT_OK, EVENT_REQUEST_ERROR, EVENT_FAULT } event_verdict;

static event_verdict judge_event(const mm_usage_event *ev)
{
    if (strcmp(ev->outcome, "ok") == 0)
        return EVENT_OK;
    mm_error_class cls = mm_error_class_parse(ev->outcome);
    return mm_error_class_is_request_outcome(cls, ev->http_status) ? EVENT_REQUEST_ERROR
                                                                   : EVENT_FAULT;
}

static void count_event(mm_window_counts *c, const mm_usage_event *ev, event_verdict verdict)
{
    c->events++;
    if (verdict == EVENT_FAULT)
        c->errors++;
    else if (verdict == EVENT_REQUEST_ERROR)
        c->request_errors++;
    if (strcmp(ev->outcome, "rate_limited") == 0)
        c->rate_limited++;
    c->tokens_in += ev->tokens_in > 0 ? ev->tokens_in : 0;
    c->tokens_out += ev->tokens_out > 0 ? ev->tokens_out : 0;
    c->tokens_cache_read += ev->tokens_cache_read > 0 ? ev->tokens_cache_read : 0;
    c->tokens_cache_write += ev->tokens_cache_write > 0 ? ev->tokens_cache_write : 0;
    c->usage_estimated += ev->usage_estimated ? 1 : 0;
    if (ev->cost_micros >= 0)
        c->cost_micros += ev->cost_micros;
    else
        c->unpriced++;
}

/* Room for more slots (2, 8, 32, 60), and for their details when the window has any; false
 * when out of memory (the window unchanged). */
static bool grow_slots(mm_account_window *win)
{
    int capacity = win->slot_capacity ? win->slot_capacity * 4 : 2;
    capacity = capacity > MM_WINDOW_MINUTES ? MM_WINDOW_MINUTES : capacity;
    if (win->details) {
        mm_minute_detail **details = realloc(win->details, (size_t)capacity * sizeof *details);
        if (!details)
            return false;
        memset(details + win->slot_capacity, 0,
               (size_t)(capacity - win->slot_capacity) * sizeof *details);
        win->details = details;
    }
    mm_minute_slot *grown = realloc(win->slots, (size_t)capacity * sizeof *grown);
    if (!grown)
        return false; /* details grown alone: harmless, used up to slot_capacity */
    win->slots = grown;
    win->slot_capacity = (uint8_t)capacity;
    return true;
}

/* The bit of the minute's ring position in win->positions (counted from win->ring_base). */
static int ring_bit(const mm_account_window *win, int64_t minute)
{
    return (int)((minute % MM_WINDOW_MINUTES + MM_WINDOW_MINUTES - win->ring_base) %
                 MM_WINDOW_MINUTES);
}

/* The index in win->slots of the slot at that bit, or of the one to insert there (the number of
 * lower bits set). */
static int slot_rank(const mm_account_window *win, int bit)
{
    return __builtin_popcountll(win->positions & ((UINT64_C(1) << bit) - 1));
}

/* The slot for the minute (a new one at the first minute of its ring position, emptied if it
 * held an older minute); *slot NULL if the minute is older than the one its position already
 * holds (more than an hour behind). false only when out of memory. */
static bool slot_for(mm_account_window *win, int64_t minute, mm_minute_slot **out)
{
    *out = NULL;
    if (!win->n_slots)
        win->ring_base = (uint8_t)(minute % MM_WINDOW_MINUTES);
    int bit = ring_bit(win, minute), at = slot_rank(win, bit);
    mm_minute_slot *slot;
    if (win->positions & UINT64_C(1) << bit)
        slot = &win->slots[at];
    else {
        if (win->n_slots == win->slot_capacity && !grow_slots(win))
            return false;
        size_t after = (size_t)(win->n_slots - at); /* the slots of higher positions move up */
        slot = &win->slots[at];
        memmove(slot + 1, slot, after * sizeof *slot);
        if (win->details) {
            memmove(&win->details[at + 1], &win->details[at], after * sizeof *win->details);
            win->details[at] = NULL;
        }
        win->n_slots++;
        win->positions |= UINT64_C(1) << bit;
        memset(slot, 0, sizeof *slot);
        slot->minute = (int32_t)minute;
    }
    if (slot->minute > minute)
        return true;
    if (slot->minute < minute) {
        if (win->details) {
            detail_free(win->details[slot - win->slots]);
            win->details[slot - win->slots] = NULL;
        }
        memset(slot, 0, sizeof *slot);
        slot->minute = (int32_t)minute;
    }
    *out = slot;
    return true;
}

const mm_minute_detail *mm_window_slot_detail(const mm_account_window *win,
                                              const mm_minute_slot *slot)
{
    return win->details ? win->details[slot - win->slots] : NULL;
}

/* The slot's detail, made at its first use (and the window's details with it); NULL when out of
 * memory. */
static mm_minute_detail *detail_of(mm_account_window *win, mm_minute_slot *slot)
{
    if (!win->details && !(win->details = calloc(win->slot_capacity, sizeof *win->details)))
        return NULL;
    mm_minute_detail **detail = &win->details[slot - win->slots];
    if (!*detail && (*detail = calloc(1, sizeof **detail)))
        mm_histogram_init(&(*detail)->latency);
    return *detail;
}

/* Whether counts have anything beyond the number of events (the detail's part). */
static bool has_detail(const mm_window_counts *c)
{
    return c->tokens_in || c->tokens_out || c->tokens_cache_read || c->tokens_cache_write ||
           c->usage_estimated || c->cost_micros || c->unpriced;
}

static void add_counts(mm_window_counts *dst, const mm_window_counts *src);

/* Adds counts to the slot (the detail made when they have any of its part); false when out of
 * memory. */
static bool add_to_slot(mm_account_window *win, mm_minute_slot *slot, const mm_window_counts *c)
{
    slot->events += (int32_t)c->events;
    slot->errors += (int32_t)c->errors;
    slot->request_errors += (int32_t)c->request_errors;
    slot->rate_limited += (int32_t)c->rate_limited;
    if (!has_detail(c))
        return true;
    mm_minute_detail *d = detail_of(win, slot);
    if (!d)
        return false;
    d->tokens_in += c->tokens_in;
    d->tokens_out += c->tokens_out;
    d->tokens_cache_read += c->tokens_cache_read;
    d->tokens_cache_write += c->tokens_cache_write;
    d->usage_estimated += c->usage_estimated;
    d->cost_micros += c->cost_micros;
    d->unpriced += c->unpriced;
    return true;
}

void mm_minute_counts(const mm_account_window *win, const mm_minute_slot *slot,
                      mm_window_counts *out)
{
    memset(out, 0, sizeof *out);
    if (!slot)
        return;
    out->events = slot->events;
    out->errors = slot->errors;
    out->request_errors = slot->request_errors;
    out->rate_limited = slot->rate_limited;
    const mm_minute_detail *d = mm_window_slot_detail(win, slot);
    if (!d)
        return;
    out->tokens_in = d->tokens_in;
    out->tokens_out = d->tokens_out;
    out->tokens_cache_read = d->tokens_cache_read;
    out->tokens_cache_write = d->tokens_cache_write;
    out->usage_estimated = d->usage_estimated;
    out->cost_micros = d->cost_micros;
    out->unpriced = d->unpriced;
}

/* The slot's TTFT sketch, made at the minute's first streamed success; NULL when out of
 * memory. */
static mm_histogram *ttft_of(mm_account_window *win, mm_minute_slot *slot)
{
    mm_minute_detail *d = detail_of(win, slot);
    if (d && !d->ttft)
        d->ttft = calloc(1, sizeof *d->ttft);
    return d ? d->ttft : NULL;
}

/* Adds a streamed success's time to first token to the slot's sketch. */
static bool add_ttft(mm_account_window *win, mm_minute_slot *slot, int64_t ttft_ms)
{
    mm_histogram *ttft = ttft_of(win, slot);
    return ttft && mm_histogram_add(ttft, ttft_ms);
}

/* Adds a success's latency to the slot's sketch. */
static bool add_latency(mm_account_window *win, mm_minute_slot *slot, int64_t latency_ms)
{
    mm_minute_detail *d = detail_of(win, slot);
    return d && mm_histogram_add(&d->latency, latency_ms);
}

/* Keeps ev as the newest of the latest errors: a new entry until there are
 * MM_WINDOW_LAST_ERRORS, then in place of the oldest; the message copied to its size. */
static bool remember_error(mm_account_window *win, const mm_usage_event *ev)
{
    /* the text of an error kept already when the same (refused probes repeat theirs): a kept
     * text is sanitized, and sanitizing one again gives it back, so an event whose text equals
     * it as it came needs no sanitizing (an hour of refused probes is one pass, not one each) */
    char *message = NULL;
    for (size_t i = 0; i < win->n_errors && !message; i++)
        if (strncmp(win->errors[i].message, ev->message, sizeof ev->message) == 0)
            message = (char *)win->errors[i].message;
    char clean[MM_MESSAGE_MAX];
    if (!message)
        mm_sanitize(clean, sizeof clean, ev->message, strnlen(ev->message, sizeof ev->message));
    for (size_t i = 0; i < win->n_errors && !message; i++)
        if (strcmp(win->errors[i].message, clean) == 0)
            message = (char *)win->errors[i].message;
    bool copied = !message;
    if (copied && !(message = strdup(clean)))
        return false;
    if (win->n_errors < MM_WINDOW_LAST_ERRORS) {
        mm_recent_error *grown = realloc(win->errors, (win->n_errors + 1) * sizeof *grown);
        if (!grown) {
            if (copied)
                free(message);
            return false;
        }
        win->errors = grown;
        win->errors[win->n_errors++].message = NULL; /* next_error == the new entry */
    }
    mm_recent_error *e = &win->errors[win->next_error];
    if (e->message != message && !message_shared(win, win->next_error, e->message))
        free((char *)e->message);
    e->message = message;
    e->ts_ms = ev->ts_ms;
    mm_copy(e->kind, sizeof e->kind, ev->kind);
    mm_copy(e->outcome, sizeof e->outcome, ev->outcome);
    e->http_status = ev->http_status;
    win->next_error = (win->next_error + 1) % MM_WINDOW_LAST_ERRORS;
    return true;
}

/* false only when out of memory (the latest errors). */
static bool track_state(mm_account_window *win, const mm_usage_event *ev, event_verdict verdict)
{
    bool ok = verdict == EVENT_OK;
    bool probe = strcmp(ev->kind, "probe") == 0;
    bool rate_limited = strcmp(ev->outcome, "rate_limited") == 0;
    /* a 429 is an answer: the provider is reachable, only busy (the degraded rule counts
     * rate-limit hits), so it neither starts nor extends a run of unreachable failures; nor
     * does a request error (the provider answered; the request was wrong) */
    bool reached = verdict != EVENT_FAULT || rate_limited;
    if (ev->ts_ms > win->last_event_ms)
        win->last_event_ms = ev->ts_ms;
    if (probe) {
        win->consecutive_probe_failures = reached ? 0 : win->consecutive_probe_failures + 1;
        win->key_refused = strcmp(ev->outcome, "auth") == 0;
        if (ev->ts_ms > win->last_probe_ms)
            win->last_probe_ms = ev->ts_ms;
    }
    if (ok)
        win->key_refused = false; /* a call went through: the key works (again) */
    if (ok && ev->ts_ms > win->last_success_ms)
        win->last_success_ms = ev->ts_ms;
    if (reached)
        win->failing_since_ms = 0;
    else if (!win->failing_since_ms)
        win->failing_since_ms = ev->ts_ms;
    if (rate_limited && ev->retry_after_ms > 0)
        win->cooldown_until_ms = ev->ts_ms + ev->retry_after_ms;
    return ok || remember_error(win, ev);
}

/* The event's window, its provider set from the first event folded; NULL when out of memory. */
static mm_account_window *window_of(mm_window_set *set, const mm_usage_event *ev)
{
    mm_account_window *win = mm_window_set_get(set, ev->account);
    if (win && !win->provider[0])
        mm_copy(win->provider, sizeof win->provider, ev->provider);
    return win;
}

bool mm_window_set_track(mm_window_set *set, const mm_usage_event *ev)
{
    mm_account_window *win = window_of(set, ev);
    if (!win || !track_state(win, ev, judge_event(ev)))
        return false;
    /* an event without an id (not from the catalog) is in no rollup */
    bool in_totals = ev->id > 0 && ev->id <= set->month_upto_id;
    if (set->fold_month && ev->ts_ms >= set->month_start_ms && !in_totals) {
        if (ev->cost_micros >= 0)
            win->month_cost_micros += ev->cost_micros;
        else
            win->month_unpriced++;
    }
    return true;
}

bool mm_window_set_count(mm_window_set *set, const mm_usage_event *ev)
{
    mm_account_window *win = window_of(set, ev);
    if (!win)
        return false;
    if (ev->ts_ms < 0)
        return true;
    event_verdict verdict = judge_event(ev);
    bool ok = verdict == EVENT_OK;
    mm_minute_slot *slot;
    if (!slot_for(win, ev->ts_ms / MM_MINUTE_MS, &slot))
        return false;
    if (!slot)
        return true;
    mm_window_counts counts = {0};
    count_event(&counts, ev, verdict);
    if (!add_to_slot(win, slot, &counts))
        return false;
    if (catalog_usage_has_ttft(ev) && !add_ttft(win, slot, ev->ttft_ms))
        return false;
    return !(ok && ev->latency_ms >= 0) || add_latency(win, slot, ev->latency_ms);
}

bool mm_window_set_fold(mm_window_set *set, const mm_usage_event *ev)
{
    return mm_window_set_track(set, ev) && mm_window_set_count(set, ev);
}

bool mm_window_add_minute(mm_account_window *win, int64_t minute, const mm_window_counts *counts,
                          const mm_minute_sketches *sketches)
{
    mm_minute_slot *slot;
    if (minute < 0 || !slot_for(win, minute, &slot))
        return minute < 0;
    if (!slot)
        return true;
    if (!add_to_slot(win, slot, counts))
        return false;
    mm_histogram sketch;
    mm_histogram_init(&sketch);
    bool ok = !sketches->latency_size ||
              mm_histogram_merge_encoded(&sketch, sketches->latency, sketches->latency_size);
    if (ok && sketch.count > 0) { /* a minute without successes keeps no detail for it */
        mm_minute_detail *d = detail_of(win, slot);
        ok = d && mm_histogram_merge(&d->latency, &sketch);
    }
    if (ok && sketches->ttft_size) {
        mm_histogram_reset(&sketch);
        mm_histogram *ttft = NULL;
        ok = mm_histogram_merge_encoded(&sketch, sketches->ttft, sketches->ttft_size) &&
             (ttft = ttft_of(win, slot)) && mm_histogram_merge(ttft, &sketch);
    }
    mm_histogram_free(&sketch);
    return ok;
}

const mm_minute_slot *mm_window_minute(const mm_account_window *win, int64_t minute)
{
    int bit = minute < 0 ? 0 : ring_bit(win, minute);
    if (minute < 0 || !(win->positions & UINT64_C(1) << bit))
        return NULL;
    const mm_minute_slot *slot = &win->slots[slot_rank(win, bit)];
    return slot->minute == minute ? slot : NULL;
}

static void add_counts(mm_window_counts *dst, const mm_window_counts *src)
{
    dst->events += src->events;
    dst->errors += src->errors;
    dst->request_errors += src->request_errors;
    dst->rate_limited += src->rate_limited;
    dst->tokens_in += src->tokens_in;
    dst->tokens_out += src->tokens_out;
    dst->tokens_cache_read += src->tokens_cache_read;
    dst->tokens_cache_write += src->tokens_cache_write;
    dst->usage_estimated += src->usage_estimated;
    dst->cost_micros += src->cost_micros;
    dst->unpriced += src->unpriced;
}

bool mm_window_sum(const mm_account_window *win, int64_t now_ms, int minutes, mm_window_totals *out)
{
    memset(out, 0, sizeof *out);
    if (minutes < 1)
        minutes = 1;
    if (minutes > MM_WINDOW_MINUTES)
        minutes = MM_WINDOW_MINUTES;
    int64_t last = now_ms / MM_MINUTE_MS;
    int64_t first = last - minutes + 1;
    for (int i = 0; i < win->n_slots; i++) {
        const mm_minute_slot *slot = &win->slots[i];
        if (slot->minute < first || slot->minute > last || slot->events == 0)
            continue;
        mm_window_counts counts;
        mm_minute_counts(win, slot, &counts);
        add_counts(&out->counts, &counts);
        const mm_minute_detail *d = mm_window_slot_detail(win, slot);
        if (d && (!mm_histogram_merge(&out->latency, &d->latency) ||
                  (d->ttft && !mm_histogram_merge(&out->ttft, d->ttft))))
            return false;
    }
    return true;
}

void mm_window_totals_free(mm_window_totals *totals)
{
    mm_histogram_free(&totals->latency);
    mm_histogram_free(&totals->ttft);
}

void mm_window_series(const mm_account_window *win, int64_t now_ms, int32_t requests[60],
                      int32_t errors[60], int32_t p95_ms[60])
{
    int64_t first = now_ms / MM_MINUTE_MS - (MM_WINDOW_MINUTES - 1);
    for (int i = 0; i < MM_WINDOW_MINUTES; i++) {
        requests[i] = errors[i] = 0;
        p95_ms[i] = -1;
    }
    for (int i = 0; i < win->n_slots; i++) {
        const mm_minute_slot *slot = &win->slots[i];
        int64_t at = slot->minute - first;
        if (at < 0 || at >= MM_WINDOW_MINUTES)
            continue;
        requests[at] = slot->events;
        errors[at] = slot->errors;
        const mm_minute_detail *d = mm_window_slot_detail(win, slot);
        double p95 = d ? mm_histogram_quantile(&d->latency, 0.95) : -1.0;
        p95_ms[at] = p95 < 0 ? -1 : (int32_t)(p95 + 0.5);
    }
}

const mm_recent_error *mm_window_error(const mm_account_window *win, size_t i)
{
    size_t pos = (win->next_error + MM_WINDOW_LAST_ERRORS - 1 - i) % MM_WINDOW_LAST_ERRORS;
    return &win->errors[pos];
}
