/* The gateway's leases on limits: per workspace model and per account, the slice of its limits
 * this process holds in the catalog, admitted against in memory, renewed while in use and
 * returned when idle or at exit (catalog/admission.h, src/catalog/README.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/gw_internal.h"

#define LEASE_IDLE_MS 1000    /* a lease unused this long returns what it does not use */
#define LEASE_EXACT_MS 250    /* after a refused slice, the exact path for this long */
#define LEASE_MAINTAIN_MS 200 /* how often rows are renewed / returned */

void gw_leases_init(gw_leases *leases, int64_t hold_ms)
{
    memset(leases, 0, sizeof *leases);
    pthread_mutex_init(&leases->lock, NULL);
    leases->hold_ms = hold_ms;
}

static bool same_scope(const gw_lease *l, const mm_limit_scope *s)
{
    if (!s->workspace)
        return l->account[0] && strcmp(l->account, s->account) == 0;
    return !l->account[0] && strcmp(l->workspace, s->workspace) == 0 &&
           strcmp(l->model, s->model) == 0;
}

static bool same_limits(const mm_limit_scope *a, const mm_limit_scope *b)
{
    return a->rpm == b->rpm && a->tpm == b->tpm && a->monthly_tokens == b->monthly_tokens &&
           a->monthly_cap_micros == b->monthly_cap_micros;
}

static void set_limits(gw_lease *l, const mm_limit_scope *s)
{
    l->limits = *s;
    l->limits.workspace = s->workspace ? l->workspace : NULL;
    l->limits.model = s->workspace ? l->model : NULL;
    l->limits.account = s->workspace ? NULL : l->account;
}

/* The lease of scope, added (with no slice) when new; NULL when out of memory. */
static gw_lease *find_or_add(gw_leases *leases, const mm_limit_scope *s)
{
    for (size_t i = 0; i < leases->count; i++) {
        if (same_scope(leases->items[i], s))
            return leases->items[i];
    }
    if (leases->count == leases->capacity) {
        size_t cap = leases->capacity ? leases->capacity * 2 : 16;
        gw_lease **items = realloc(leases->items, cap * sizeof *items);
        if (!items)
            return NULL;
        leases->items = items;
        leases->capacity = cap;
    }
    gw_lease *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    if (s->workspace) {
        snprintf(l->workspace, sizeof l->workspace, "%s", s->workspace);
        snprintf(l->model, sizeof l->model, "%s", s->model);
    } else {
        snprintf(l->account, sizeof l->account, "%s", s->account);
    }
    set_limits(l, s);
    leases->items[leases->count++] = l;
    return l;
}

static bool token_limited(const mm_limit_scope *s)
{
    return s->tpm != MM_LIMIT_UNSET || (s->workspace && s->monthly_tokens != MM_LIMIT_UNSET);
}

static bool fits(const gw_lease *l, const mm_lease_amounts *need)
{
    const mm_limit_scope *s = &l->limits;
    if (s->rpm != MM_LIMIT_UNSET && l->pending.requests + need->requests > l->row.requests)
        return false;
    if (token_limited(s) && l->pending.tokens + need->tokens > l->row.tokens)
        return false;
    return s->workspace || s->monthly_cap_micros == MM_LIMIT_UNSET ||
           l->pending.cost_micros + need->cost_micros <= l->row.cost_micros;
}

static void add(mm_lease_amounts *to, const mm_lease_amounts *a, int sign)
{
    to->requests += sign * a->requests;
    to->tokens += sign * a->tokens;
    to->cost_micros += sign * a->cost_micros;
    if (to->requests < 0)
        to->requests = 0;
    if (to->tokens < 0)
        to->tokens = 0;
    if (to->cost_micros < 0)
        to->cost_micros = 0;
}

/* The leases' trouble with the catalog is said once per trouble (mm_trouble.c), and when over. */
static void trouble_over(gateway *gw, mm_trouble *t, const char *what)
{
    double lasted_s;
    if (mm_trouble_over(t, &lasted_s))
        gw_log(gw, "%s again: the catalog is back after %.1f s", what, lasted_s);
}

/* Returns the unused part and takes a new slice; false when none was granted. */
static bool take_slice(gateway *gw, gw_lease *l, mm_catalog *cat, const mm_lease_amounts *need,
                       int64_t now_ms)
{
    gw_leases *leases = &gw->recorder.leases;
    mm_lease_amounts row;
    bool granted = false;
    mm_error err;
    if (catalog_lease_take(cat, &l->limits, &l->pending, need, now_ms, leases->hold_ms, &l->id,
                           &row, &granted, &err) != MM_OK) {
        gw_trouble_log(gw, &leases->taking, "could not lease a limit slice (the exact path admits)",
                       err.message);
        return false;
    }
    trouble_over(gw, &leases->taking, "leasing limit slices");
    l->row = row;
    l->expires_ms = now_ms + leases->hold_ms;
    return granted;
}

gw_lease *gw_lease_admit(gateway *gw, mm_catalog *cat, const mm_limit_scope *scope,
                         const mm_lease_amounts *need, int64_t now_ms)
{
    gw_leases *leases = &gw->recorder.leases;
    pthread_mutex_lock(&leases->lock);
    gw_lease *l = find_or_add(leases, scope);
    bool changed = l && !same_limits(&l->limits, scope);
    if (changed) {
        set_limits(l, scope);
        l->exact_until_ms = 0; /* the slice was leased under other limits: lease again */
    }
    bool admitted = l && !changed && fits(l, need);
    if (l && !admitted && now_ms >= l->exact_until_ms) {
        admitted = take_slice(gw, l, cat, need, now_ms) && fits(l, need);
        if (!admitted)
            l->exact_until_ms = now_ms + LEASE_EXACT_MS;
    }
    if (admitted) {
        add(&l->pending, need, 1);
        l->last_used_ms = now_ms;
    }
    pthread_mutex_unlock(&leases->lock);
    return admitted ? l : NULL;
}

void gw_lease_undo(gw_leases *leases, gw_lease *lease, const mm_lease_amounts *admitted)
{
    pthread_mutex_lock(&leases->lock);
    add(&lease->pending, admitted, -1);
    pthread_mutex_unlock(&leases->lock);
}

void gw_lease_settle(gw_leases *leases, gw_lease *lease, const mm_lease_amounts *admitted,
                     const mm_lease_amounts *used)
{
    pthread_mutex_lock(&leases->lock);
    add(&lease->pending, admitted, -1);
    add(&lease->row, used, -1);
    pthread_mutex_unlock(&leases->lock);
}

int64_t gw_lease_id(gw_leases *leases, const gw_lease *lease)
{
    pthread_mutex_lock(&leases->lock);
    int64_t id = lease->id;
    pthread_mutex_unlock(&leases->lock);
    return id;
}

static bool is_zero(const mm_lease_amounts *a)
{
    return a->requests == 0 && a->tokens == 0 && a->cost_micros == 0;
}

static bool same_amounts(const mm_lease_amounts *a, const mm_lease_amounts *b)
{
    return a->requests == b->requests && a->tokens == b->tokens && a->cost_micros == b->cost_micros;
}

/* One lease's upkeep; true when it was returned whole (the caller drops it). */
static bool maintain_one(gateway *gw, gw_lease *l, mm_catalog *cat, int64_t now_ms)
{
    gw_leases *leases = &gw->recorder.leases;
    int64_t hold = leases->hold_ms;
    bool idle = now_ms - l->last_used_ms >= LEASE_IDLE_MS;
    mm_error err;
    if (idle && is_zero(&l->pending)) {
        if (l->id > 0 && catalog_lease_set(cat, l->id, &l->pending, 0, &err) != MM_OK) {
            gw_trouble_log(gw, &leases->upkeep, "could not return a lease", err.message);
            return false;
        }
        trouble_over(gw, &leases->upkeep, "renewing and returning leases");
        return true;
    }
    bool shrink = idle && !same_amounts(&l->row, &l->pending);
    if (l->id <= 0 || (!shrink && l->expires_ms - now_ms > hold / 2))
        return false;
    mm_lease_amounts row = shrink ? l->pending : l->row;
    if (catalog_lease_set(cat, l->id, &row, now_ms + hold, &err) != MM_OK) {
        gw_trouble_log(gw, &leases->upkeep, "could not renew a lease", err.message);
        return false;
    }
    trouble_over(gw, &leases->upkeep, "renewing and returning leases");
    l->row = row;
    l->expires_ms = now_ms + hold;
    return false;
}

void gw_leases_maintain(gateway *gw, mm_catalog *cat, int64_t now_ms)
{
    gw_leases *leases = &gw->recorder.leases;
    if (now_ms - leases->maintained_ms < LEASE_MAINTAIN_MS)
        return;
    leases->maintained_ms = now_ms;
    pthread_mutex_lock(&leases->lock);
    size_t kept = 0;
    for (size_t i = 0; i < leases->count; i++) {
        gw_lease *l = leases->items[i];
        if (maintain_one(gw, l, cat, now_ms))
            free(l);
        else
            leases->items[kept++] = l;
    }
    leases->count = kept;
    pthread_mutex_unlock(&leases->lock);
}

void gw_leases_free(gateway *gw, mm_catalog *cat)
{
    gw_leases *leases = &gw->recorder.leases;
    for (size_t i = 0; i < leases->count; i++) {
        gw_lease *l = leases->items[i];
        mm_error err;
        if (l->id > 0 && catalog_lease_set(cat, l->id, &l->pending, 0, &err) != MM_OK)
            gw_log(gw, "could not return a lease (it expires by itself): %s", err.message);
        free(l);
    }
    free(leases->items);
    pthread_mutex_destroy(&leases->lock);
    memset(leases, 0, sizeof *leases);
}
