/* The gateway's routing view: one router snapshot and the live workspace-key table shared by
 * every request, rebuilt by a refresher thread when PRAGMA data_version shows a change (and at
 * least every second), never per request, its health from the hour's windows tailed by event
 * id; keys' last use is written back in batches. */
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway/gw_internal.h"
#include "util/clock.h"
#include "util/text.h"

#define VIEW_MIN_GAP_MS 20      /* between two wake-ups by other sessions' commits */
#define VIEW_MAX_AGE_MS 1000    /* rebuilt at least this often: expiries, cool-downs, windows */
#define HEALTH_TAIL_BATCH 10000 /* usage events read per query when tailing */

typedef struct key_collect {
    gw_key *items;
    size_t count, capacity;
    bool failed;
} key_collect;

static void collect_key(const mm_workspace_key *key, const unsigned char *hash, void *ctx)
{
    key_collect *c = ctx;
    if (c->count == c->capacity) {
        size_t cap = c->capacity ? c->capacity * 2 : 16;
        gw_key *items = realloc(c->items, cap * sizeof *items);
        if (!items) {
            c->failed = true;
            return;
        }
        c->items = items;
        c->capacity = cap;
    }
    gw_key *k = &c->items[c->count++];
    memset(k, 0, sizeof *k);
    memcpy(k->hash, hash, sizeof k->hash);
    k->id = key->id;
    snprintf(k->workspace, sizeof k->workspace, "%s", key->workspace);
}

static int compare_keys(const void *a, const void *b)
{
    return memcmp(((const gw_key *)a)->hash, ((const gw_key *)b)->hash,
                  MM_WORKSPACE_KEY_HASH_BYTES);
}

static void view_free(gw_view *view)
{
    if (!view)
        return;
    if (view->secrets)
        sodium_free(view->secrets); /* wipes the keys */
    free(view->accounts);
    mm_price_list_free(&view->prices);
    router_snapshot_free(view->snapshot);
    free(view->keys);
    free(view);
}

static int compare_prices(const void *a, const void *b)
{
    const mm_price *x = a, *y = b;
    int c = strcmp(x->provider, y->provider);
    return c ? c : strcmp(x->model, y->model);
}

const mm_price *gw_view_price(const gw_view *view, const char *provider, const char *model)
{
    mm_price probe;
    snprintf(probe.provider, sizeof probe.provider, "%s", provider);
    snprintf(probe.model, sizeof probe.model, "%s", model);
    if (view->prices.count == 0)
        return NULL;
    return bsearch(&probe, view->prices.items, view->prices.count, sizeof probe, compare_prices);
}

mm_status gw_view_connect(const gw_view *view, const char *account, mm_connection *conn,
                          mm_error *err)
{
    long i = router_find_account(view->snapshot, account);
    const gw_account *a = i >= 0 ? &view->accounts[i] : NULL;
    if (!a || !a->provider || !a->key_ok)
        return mm_error_set(err, MM_E_SECRET, "account",
                            "account '%s' could not be read or its key decrypted when the "
                            "gateway last read the catalog",
                            account);
    memset(conn, 0, sizeof *conn);
    conn->provider = a->provider;
    conn->base_url = a->row.endpoint;
    conn->api_key = a->key;
    conn->api_version = a->row.api_version;
    conn->ca_bundle = a->row.ca_bundle[0] ? a->row.ca_bundle : NULL;
    return MM_OK;
}

/* Every account's row and decrypted key, and every price, for the requests of this view. */
static mm_status load_connections(gateway *gw, gw_view *view, mm_error *err)
{
    size_t n = view->snapshot->n_accounts;
    view->accounts = calloc(n + 1, sizeof *view->accounts);
    view->secrets = sodium_malloc((n + 1) * MM_API_KEY_MAX);
    if (!view->accounts || !view->secrets)
        return mm_error_set(err, MM_E_INTERNAL, "", "out of memory for the account cache");
    for (size_t i = 0; i < n; i++) {
        gw_account *a = &view->accounts[i];
        a->key = view->secrets + i * MM_API_KEY_MAX;
        a->key[0] = '\0';
        mm_error local;
        const char *name = view->snapshot->accounts[i].name;
        if (catalog_account_get(gw->watch, name, &a->row, &local) != MM_OK)
            continue;
        a->provider = provider_find(a->row.provider);
        a->key_ok =
            catalog_account_secret(gw->watch, name, a->key, MM_API_KEY_MAX, &local) == MM_OK;
        if (!a->key_ok)
            gw_log(gw, "account '%s': %s", name, local.message);
    }
    mm_status st = catalog_price_list(gw->watch, &view->prices, err);
    if (st == MM_OK && view->prices.count)
        qsort(view->prices.items, view->prices.count, sizeof *view->prices.items, compare_prices);
    return st;
}

/* ---- health: the hour's windows kept, tailed by event id (as the monitor does), so a
 * rebuild reads the events since the last one, not the whole hour ---- */

typedef struct health_fold {
    gateway *gw;
    bool out_of_memory;
} health_fold;

static void fold_tailed(const mm_usage_event *ev, void *ctx)
{
    health_fold *fold = ctx;
    if (!fold->out_of_memory && !mm_window_set_fold(&fold->gw->health_windows, ev))
        fold->out_of_memory = true;
}

static void health_forget(gateway *gw)
{
    if (gw->health_loaded)
        mm_window_set_free(&gw->health_windows);
    gw->health_loaded = false;
    catalog_usage_tail_free(&gw->health_tail);
}

/* Brings the windows up to the newest event: the hour read once, then only what is new. */
static mm_status health_catch_up(gateway *gw, const mm_account_list *accounts, int64_t now,
                                 mm_error *err)
{
    if (!gw->health_loaded) {
        mm_status st = health_windows_load_tail(gw->watch, accounts, now, &gw->health_windows,
                                                &gw->health_tail, err);
        gw->health_loaded = true;
        if (st != MM_OK)
            health_forget(gw);
        return st;
    }
    health_fold fold = {.gw = gw};
    size_t count;
    do {
        count = 0;
        mm_status st = catalog_usage_tail_read(gw->watch, &gw->health_tail, HEALTH_TAIL_BATCH,
                                               fold_tailed, &fold, &count, err);
        if (st == MM_OK && fold.out_of_memory)
            st = mm_error_set(err, MM_E_INTERNAL, "", "out of memory folding usage into health");
        if (st != MM_OK) {
            health_forget(gw); /* read the hour again next time */
            return st;
        }
    } while (count == HEALTH_TAIL_BATCH);
    mm_window_set_roll_month(&gw->health_windows, now);
    return MM_OK;
}

/* Every account's status at now from the kept windows. */
static mm_status view_health(gateway *gw, int64_t now, mm_health_map *out, mm_error *err)
{
    mm_account_list accounts = {0};
    mm_status st = catalog_account_list(gw->watch, &accounts, err);
    if (st == MM_OK)
        st = health_catch_up(gw, &accounts, now, err);
    if (st == MM_OK) {
        mm_health_thresholds t;
        health_thresholds_load(gw->watch, &t, NULL); /* a bad setting keeps its default */
        st = health_status_from_windows(&gw->health_windows, &accounts, now, &t, out, err);
    }
    mm_account_list_free(&accounts);
    return st;
}

static mm_status view_build(gateway *gw, gw_view **out, mm_error *err)
{
    gw_view *view = calloc(1, sizeof *view);
    if (!view)
        return mm_error_set(err, MM_E_INTERNAL, "", "out of memory for the routing view");
    int64_t now = mm_now_ms();
    mm_health_map health = {0};
    mm_status st = view_health(gw, now, &health, err);
    router_load_options opts = {.health = &health};
    if (st == MM_OK)
        st = router_snapshot_load(gw->watch, now, &opts, &view->snapshot, err);
    mm_health_map_free(&health);
    key_collect keys = {0};
    if (st == MM_OK)
        st = catalog_workspace_key_live(gw->watch, now, collect_key, &keys, err);
    if (st == MM_OK && keys.failed)
        st = mm_error_set(err, MM_E_INTERNAL, "", "out of memory for the key table");
    if (st == MM_OK)
        st = load_connections(gw, view, err);
    if (st != MM_OK) {
        free(keys.items);
        view_free(view);
        return st;
    }
    if (keys.count)
        qsort(keys.items, keys.count, sizeof *keys.items, compare_keys);
    view->keys = keys.items;
    view->n_keys = keys.count;
    atomic_init(&view->refs, 1);
    *out = view;
    return MM_OK;
}

gw_view *gw_view_acquire(gateway *gw)
{
    pthread_mutex_lock(&gw->view_lock);
    gw_view *view = gw->view;
    atomic_fetch_add(&view->refs, 1);
    pthread_mutex_unlock(&gw->view_lock);
    return view;
}

void gw_view_release(gw_view *view)
{
    if (view && atomic_fetch_sub(&view->refs, 1) == 1)
        view_free(view);
}

const gw_key *gw_view_authenticate(gateway *gw, const gw_view *view, const char *token)
{
    if (!token || view->n_keys == 0 ||
        strncmp(token, MM_WORKSPACE_KEY_PREFIX, strlen(MM_WORKSPACE_KEY_PREFIX)) != 0 ||
        strlen(token) >= MM_WORKSPACE_KEY_MAX)
        return NULL;
    gw_key probe;
    workspace_key_hash(gw->key_secret, token, probe.hash);
    gw_key *found = bsearch(&probe, view->keys, view->n_keys, sizeof *view->keys, compare_keys);
    if (found)
        atomic_store(&found->used_ms, mm_now_ms());
    return found;
}

/* Writes the last use of the keys of an outgoing view (best effort: a use is not a change). */
static void record_key_use(gateway *gw, gw_view *view)
{
    size_t n = 0;
    int64_t *ids = calloc(view->n_keys + 1, sizeof *ids);
    int64_t *used = calloc(view->n_keys + 1, sizeof *used);
    for (size_t i = 0; ids && used && i < view->n_keys; i++) {
        int64_t at = atomic_load(&view->keys[i].used_ms);
        if (at) {
            ids[n] = view->keys[i].id;
            used[n++] = at;
        }
    }
    mm_error err;
    if (n && catalog_workspace_key_touch(gw->watch, ids, used, n, &err) != MM_OK)
        gw_log(gw, "could not record when keys were used: %s", err.message);
    free(ids);
    free(used);
}

/* The connection's data_version, or -1 when it cannot be read (the view is then rebuilt). */
static int64_t data_version(gateway *gw)
{
    int64_t version = -1;
    mm_error ignored;
    if (catalog_data_version(gw->watch, &version, &ignored) != MM_OK)
        return -1;
    return version;
}

/* watching and building are told apart (mm_trouble.c): their words differ, and alternate while
 * it lasts */
static void trouble_over(gateway *gw, mm_trouble *watching, mm_trouble *building)
{
    double watched_s = 0, built_s = 0;
    bool was_watching = mm_trouble_over(watching, &watched_s);
    if (!mm_trouble_over(building, &built_s) && !was_watching)
        return;
    double refused_s;
    pthread_mutex_lock(&gw->unavailable_lock);
    mm_trouble_over(&gw->unavailable, &refused_s); /* said as one below */
    pthread_mutex_unlock(&gw->unavailable_lock);
    gw_log(gw, "the catalog answers again after %.1f s; the routing view is current",
           watched_s > built_s ? watched_s : built_s);
}

/* MM_OK when the view is current (rebuilt, or nothing to rebuild). */
static mm_status refresh_once(gateway *gw, mm_error *err)
{
    int64_t version = data_version(gw);
    int64_t now = mm_now_ms();
    bool stale = now - gw->view_built_ms >= VIEW_MAX_AGE_MS;
    if (version == gw->view_data_version && !stale)
        return MM_OK;
    /* every configuration change (keys included) adds an audit row: rebuild now; a commit
     * without one is usage, folded in by the periodic rebuild */
    int64_t audit_top = catalog_version(gw->watch);
    if (!stale && audit_top == gw->view_audit_top)
        return MM_OK; /* usage only: wait for the periodic rebuild */
    gw_view *next = NULL;
    mm_status st = view_build(gw, &next, err);
    if (st != MM_OK)
        return st;
    pthread_mutex_lock(&gw->view_lock);
    gw_view *old = gw->view;
    gw->view = next;
    pthread_mutex_unlock(&gw->view_lock);
    record_key_use(gw, old); /* our own write: data_version does not count it */
    gw_view_release(old);
    gw->view_data_version = version; /* read before building: a later change rebuilds again */
    gw->view_audit_top = audit_top;
    gw->view_built_ms = now;
    atomic_fetch_add(&gw->counters.view_refreshes_total, 1);
    return MM_OK;
}

static void pause_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec pause = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&pause, NULL);
}

static void *refresher_main(void *arg)
{
    gateway *gw = arg;
    long refresh_ms = gw->opts.refresh_ms;
    mm_trouble watch_trouble = {0}, build_trouble = {0};
    while (!atomic_load(&gw->stopping)) {
        /* PostgreSQL: woken at once by another host's NOTIFY; SQLite: a plain pause */
        int64_t started = mm_monotonic_ms();
        mm_error err;
        bool watching = catalog_wait_change(gw->watch, (int)refresh_ms, &err) == MM_OK;
        if (!watching)
            gw_trouble_log(gw, &watch_trouble, "watching the catalog for changes", err.message);
        int64_t waited = mm_monotonic_ms() - started;
        /* a burst of commits rebuilds at most every VIEW_MIN_GAP_MS; a catalog that cannot be
         * watched (its server down) is retried every refresh_ms, not as fast as it fails */
        pause_ms((watching ? VIEW_MIN_GAP_MS : refresh_ms) - waited);
        if (atomic_load(&gw->stopping))
            break;
        if (refresh_once(gw, &err) != MM_OK)
            gw_trouble_log(gw, &build_trouble, "keeping the previous routing view", err.message);
        else if (watching)
            trouble_over(gw, &watch_trouble, &build_trouble);
    }
    return NULL;
}

mm_status gw_view_start(gateway *gw, mm_error *err)
{
    mm_catalog_options opts = {.path = gw->opts.catalog_path,
                               .read_only = false,
                               .create = false,
                               .cache_kib = GW_CATALOG_CACHE_KIB};
    mm_status st = catalog_open(&opts, &gw->watch, err);
    if (st == MM_OK)
        st = catalog_workspace_key_secret(gw->watch, gw->key_secret, err);
    if (st == MM_OK) {
        gw->view_data_version = data_version(gw);
        gw->view_audit_top = catalog_version(gw->watch);
        st = view_build(gw, &gw->view, err);
    }
    if (st != MM_OK) {
        health_forget(gw);
        if (gw->watch)
            catalog_close(gw->watch);
        gw->watch = NULL;
        return st;
    }
    gw->view_built_ms = mm_now_ms();
    pthread_mutex_init(&gw->view_lock, NULL);
    if (pthread_create(&gw->refresher, NULL, refresher_main, gw) != 0) {
        view_free(gw->view);
        health_forget(gw);
        catalog_close(gw->watch);
        return mm_error_set(err, MM_E_INTERNAL, "", "cannot start the refresher thread");
    }
    return MM_OK;
}

void gw_view_stop(gateway *gw)
{
    atomic_store(&gw->stopping, true);
    pthread_join(gw->refresher, NULL);
    record_key_use(gw, gw->view);
    gw_view_release(gw->view);
    gw->view = NULL;
    health_forget(gw);
    catalog_close(gw->watch);
    gw->watch = NULL;
    sodium_memzero(gw->key_secret, sizeof gw->key_secret);
    pthread_mutex_destroy(&gw->view_lock);
}

void gw_trouble_log(gateway *gw, mm_trouble *t, const char *what, const char *message)
{
    mm_trouble_log(t, gw->opts.log, gw->opts.log_ctx, what, message);
}

void gw_log(const gateway *gw, const char *fmt, ...)
{
    if (!gw->opts.log)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    gw->opts.log(gw->opts.log_ctx, line);
}
