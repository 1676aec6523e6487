/* The probe round: queues every due account as a small record, keeps at most a window of them
 * in flight through one libcurl multi handle (reused easy handles, bounded connections,
 * per-probe timeout), counts open sockets for the peak, and turns each finished transfer into
 * a probe event (catalog_probe_event) held until collected. */
#include "health/prober.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "net/http.h"
#include "providers/provider_ops.h"
#include "util/clock.h"
#include "util/grow.h"
#include "util/text.h"

/* An account due this round whose probe has not been sent: what its request needs. */
typedef struct waiting_probe {
    char account[MM_NAME_MAX];
    char provider_id[MM_PROVIDER_ID_MAX];
    bool has_key;
    char *endpoint, *api_version, *ca_bundle; /* heap copies; NULL when "" */
} waiting_probe;

/* One place of the window: a probe in flight, or free. */
typedef struct probe_slot {
    CURL *easy; /* kept between probes (reset by the next one); NULL until the first */
    bool busy;  /* a transfer is running in the multi handle */
    mm_http_response resp;
    char account[MM_NAME_MAX];
    char provider_id[MM_PROVIDER_ID_MAX];
    const mm_provider_info *provider;
} probe_slot;

struct mm_prober {
    CURLM *multi;
    int window;
    probe_slot *slots; /* window of them */
    waiting_probe *queue;
    size_t n_queue, next_queue, cap_queue; /* queue[next_queue..n_queue) wait to be sent */
    mm_usage_event *done;                  /* finished, not collected yet */
    size_t n_done, cap_done;
    mm_probe_skip *skipped; /* skipped (key not decryptable), not collected yet */
    size_t n_skipped, cap_skipped;
    mm_catalog *cat; /* this round's: keys are decrypted from it as probes are sent */
    long timeout_ms;
    mm_prober_stats stats;
    /* each probe's API key while its request is built: sodium_malloc'ed once (guarded, locked;
     * one buffer, not one a probe: each allocation maps and unmaps pages, and 10,000 probes
     * of unmaps flush every CPU's TLB), wiped after each use, freed with the prober */
    char *key;
};

static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *address)
{
    (void)purpose;
    mm_prober *prober = clientp;
    curl_socket_t fd = socket(address->family, address->socktype, address->protocol);
    if (fd != CURL_SOCKET_BAD && ++prober->stats.open_connections > prober->stats.peak_connections)
        prober->stats.peak_connections = prober->stats.open_connections;
    return fd;
}

static int close_socket(void *clientp, curl_socket_t fd)
{
    mm_prober *prober = clientp;
    prober->stats.open_connections--;
    return close(fd);
}

mm_status prober_create(int max_connections, int window, mm_prober **out, mm_error *err)
{
    if (!net_global_init(err))
        return err ? err->status : MM_E_INTERNAL;
    if (sodium_init() < 0)
        return mm_error_set(err, MM_E_INTERNAL, NULL, "libsodium could not start");
    if (max_connections <= 0)
        max_connections = MM_PROBER_DEFAULT_CONNECTIONS;
    mm_prober *prober = calloc(1, sizeof *prober);
    if (!prober)
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory starting the prober");
    prober->window = window > 0 ? window : max_connections;
    prober->slots = calloc((size_t)prober->window, sizeof *prober->slots);
    prober->key = sodium_malloc(MM_API_KEY_MAX);
    prober->multi = prober->slots && prober->key ? mm_curl()->multi_init() : NULL;
    if (!prober->multi) {
        if (prober->key)
            sodium_free(prober->key);
        free(prober->slots);
        free(prober);
        return mm_error_set(err, MM_E_INTERNAL, NULL,
                            "could not start the prober (out of memory or libcurl)");
    }
    mm_curl()->multi_setopt(prober->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)max_connections);
    mm_curl()->multi_setopt(prober->multi, CURLMOPT_MAXCONNECTS, (long)max_connections);
    *out = prober;
    return MM_OK;
}

static void wipe_sent_headers(mm_http_response *resp)
{
    for (struct curl_slist *h = resp->curl_headers; h; h = h->next)
        sodium_memzero(h->data, strlen(h->data));
}

/* Ends the slot's transfer (if any) and frees its response; the easy handle stays. */
static void slot_release(mm_prober *prober, probe_slot *slot)
{
    if (!slot->busy)
        return;
    mm_curl()->multi_remove_handle(prober->multi, slot->easy);
    wipe_sent_headers(&slot->resp);
    mm_http_response_free(&slot->resp);
    slot->busy = false;
    prober->stats.in_flight--;
}

static void waiting_free(waiting_probe *w)
{
    free(w->endpoint);
    free(w->api_version);
    free(w->ca_bundle);
}

static void queue_clear(mm_prober *prober)
{
    for (size_t i = prober->next_queue; i < prober->n_queue; i++)
        waiting_free(&prober->queue[i]);
    free(prober->queue);
    prober->queue = NULL;
    prober->n_queue = prober->next_queue = prober->cap_queue = 0;
}

static void round_clear(mm_prober *prober)
{
    for (int i = 0; i < prober->window; i++)
        slot_release(prober, &prober->slots[i]);
    queue_clear(prober);
    prober->n_done = prober->n_skipped = 0;
    prober->cat = NULL;
    prober->stats.started = prober->stats.finished = prober->stats.failed = 0;
    prober->stats.skipped = 0;
    prober->stats.waiting = 0;
    prober->stats.in_flight = prober->stats.peak_in_flight = 0;
    prober->stats.round_started_ms = 0;
}

void prober_abort(mm_prober *prober)
{
    round_clear(prober);
}

void prober_destroy(mm_prober *prober)
{
    if (!prober)
        return;
    round_clear(prober);
    for (int i = 0; i < prober->window; i++)
        if (prober->slots[i].easy)
            mm_curl()->easy_cleanup(prober->slots[i].easy);
    free(prober->slots);
    free(prober->done);
    free(prober->skipped);
    mm_curl()->multi_cleanup(prober->multi); /* closes cached connections through close_socket */
    sodium_free(prober->key);
    free(prober);
}

/* Keeps the finished probe's event until collected. */
static void finish_probe(mm_prober *prober, const char *account, const char *provider_id,
                         const mm_call_result *res)
{
    prober->stats.finished++;
    if (!res->ok)
        prober->stats.failed++;
    if (!mm_grow((void **)&prober->done, &prober->cap_done, prober->n_done, sizeof *prober->done))
        return; /* out of memory: counted, not recorded */
    catalog_probe_event(&prober->done[prober->n_done++], account, provider_id, res, mm_now_ms());
}

/* A probe that could not be sent finishes at once, failed, saying why. */
static void fail_probe(mm_prober *prober, const waiting_probe *w, const char *why)
{
    mm_call_result res;
    mm_call_result_init(&res);
    res.ok = false;
    res.cls = MM_CLASS_BAD_REQUEST;
    mm_copy(res.message, sizeof res.message, why);
    finish_probe(prober, w->account, w->provider_id, &res);
}

static void connection_of(const waiting_probe *w, const mm_provider_info *provider, const char *key,
                          long timeout_ms, mm_connection *conn)
{
    memset(conn, 0, sizeof *conn);
    conn->provider = provider;
    conn->base_url = w->endpoint ? w->endpoint : "";
    conn->api_key = key;
    conn->api_version = w->api_version ? w->api_version : "";
    conn->ca_bundle = w->ca_bundle;
    conn->timeout_ms = timeout_ms;
    conn->connect_timeout_ms = timeout_ms < 5000 ? timeout_ms : 5000;
}

/* A probe not sent because the account's key could not be read: no probe event (the provider
 * was not asked; its health is not this catalog's trouble), the round counts it as skipped, and
 * a key that cannot be decrypted waits to be collected with what to do about it. */
static void skip_probe(mm_prober *prober, const waiting_probe *w, const mm_error *err)
{
    prober->stats.finished++;
    prober->stats.skipped++;
    /* the account's own secret (field api_key; a wrong master key is the vault's, every
     * account's), not the catalog failing to answer, whose trouble shows elsewhere */
    bool damaged = err->status == MM_E_SECRET && strcmp(err->field, "api_key") == 0;
    if (!damaged || !mm_grow((void **)&prober->skipped, &prober->cap_skipped, prober->n_skipped,
                             sizeof *prober->skipped))
        return;
    mm_probe_skip *skip = &prober->skipped[prober->n_skipped++];
    mm_copy(skip->account, sizeof skip->account, w->account);
    snprintf(skip->message, sizeof skip->message,
             "not probed: the API key cannot be decrypted (the master key is right: the stored "
             "key is damaged); set it again with `mmadmin account edit %s --api-key-env VAR`",
             w->account);
}

/* Decrypts w's key into prober->key ("" for an account without one); false (err set, the
 * buffer wiped) when it cannot be read. */
static bool read_key(mm_prober *prober, const waiting_probe *w, mm_error *err)
{
    prober->key[0] = '\0';
    if (!w->has_key ||
        catalog_account_secret(prober->cat, w->account, prober->key, MM_API_KEY_MAX, err) == MM_OK)
        return true;
    sodium_memzero(prober->key, MM_API_KEY_MAX);
    return false;
}

/* Builds w's request in slot with the key read_key decrypted (wiped here, once the request is
 * built), and hands it to curl. false (why set) when it could not be sent. */
static bool launch_probe(mm_prober *prober, const waiting_probe *w, probe_slot *slot, char *why,
                         size_t whysz)
{
    char *key = prober->key;
    mm_error err = {0};
    mm_connection conn;
    connection_of(w, slot->provider, key, prober->timeout_ms, &conn);
    mm_http_request req = {0};
    mm_status st = provider_build_list_request(&conn, NULL, &req, &err);
    sodium_memzero(key, MM_API_KEY_MAX);
    if (st == MM_OK) {
        slot->easy = net_easy_prepare_reusing(slot->easy, &req, &slot->resp, &err);
        if (req.url)
            sodium_memzero(req.url, strlen(req.url)); /* some providers put the key there */
    }
    mm_http_request_free(&req); /* wipes the headers */
    if (st != MM_OK || !slot->easy) {
        snprintf(why, whysz, "%s", err.message);
        return false;
    }
    mm_curl()->easy_setopt(slot->easy, CURLOPT_PRIVATE, slot);
    mm_curl()->easy_setopt(slot->easy, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    mm_curl()->easy_setopt(slot->easy, CURLOPT_OPENSOCKETDATA, prober);
    mm_curl()->easy_setopt(slot->easy, CURLOPT_CLOSESOCKETFUNCTION, close_socket);
    mm_curl()->easy_setopt(slot->easy, CURLOPT_CLOSESOCKETDATA, prober);
    if (mm_curl()->multi_add_handle(prober->multi, slot->easy) != CURLM_OK) {
        wipe_sent_headers(&slot->resp);
        mm_http_response_free(&slot->resp);
        snprintf(why, whysz, "could not start the transfer (libcurl)");
        return false;
    }
    return true;
}

/* Sends w's probe in the free slot, or finishes it failed. true when it is in flight. */
static bool send_probe(mm_prober *prober, const waiting_probe *w, probe_slot *slot)
{
    char why[MM_MESSAGE_MAX];
    mm_copy(slot->account, sizeof slot->account, w->account);
    mm_copy(slot->provider_id, sizeof slot->provider_id, w->provider_id);
    slot->provider = provider_find(w->provider_id);
    if (!slot->provider) {
        snprintf(why, sizeof why, "unknown provider '%s'", w->provider_id);
        fail_probe(prober, w, why);
        return false;
    }
    mm_error err = {0};
    if (!read_key(prober, w, &err)) {
        skip_probe(prober, w, &err);
        return false;
    }
    if (!launch_probe(prober, w, slot, why, sizeof why)) {
        fail_probe(prober, w, why);
        return false;
    }
    slot->busy = true;
    if (++prober->stats.in_flight > prober->stats.peak_in_flight)
        prober->stats.peak_in_flight = prober->stats.in_flight;
    return true;
}

/* Sends waiting probes into the free places of the window. Probes that fail at once take no
 * place; at most a window of them a call, so the finished ones waiting to be collected stay
 * about a window too. */
static void refill(mm_prober *prober)
{
    int slot = 0, failed_now = 0;
    while (prober->next_queue < prober->n_queue && failed_now < prober->window) {
        while (slot < prober->window && prober->slots[slot].busy)
            slot++;
        if (slot == prober->window)
            break;
        waiting_probe *w = &prober->queue[prober->next_queue++];
        if (!send_probe(prober, w, &prober->slots[slot]))
            failed_now++;
        waiting_free(w);
    }
    if (prober->next_queue == prober->n_queue && prober->queue)
        queue_clear(prober); /* every probe sent: the queue's memory goes */
    prober->stats.waiting = prober->n_queue - prober->next_queue;
}

static char *copy_or_null(const char *s)
{
    return s[0] ? strdup(s) : NULL;
}

/* Adds an enabled account to the round's queue. false when out of memory. */
static bool queue_account(mm_prober *prober, const mm_account *acc)
{
    if (!acc->enabled)
        return true;
    if (!mm_grow((void **)&prober->queue, &prober->cap_queue, prober->n_queue,
                 sizeof *prober->queue))
        return false;
    waiting_probe *w = &prober->queue[prober->n_queue];
    memset(w, 0, sizeof *w);
    mm_copy(w->account, sizeof w->account, acc->name);
    mm_copy(w->provider_id, sizeof w->provider_id, acc->provider);
    w->has_key = acc->has_key;
    w->endpoint = copy_or_null(acc->endpoint);
    w->api_version = copy_or_null(acc->api_version);
    w->ca_bundle = copy_or_null(acc->ca_bundle);
    prober->n_queue++; /* freed with the queue even when a copy failed */
    if ((acc->endpoint[0] && !w->endpoint) || (acc->api_version[0] && !w->api_version) ||
        (acc->ca_bundle[0] && !w->ca_bundle))
        return false;
    prober->stats.started++;
    return true;
}

static void begin_round(mm_prober *prober, mm_catalog *cat, long timeout_ms)
{
    round_clear(prober);
    int open = prober->stats.open_connections;
    memset(&prober->stats, 0, sizeof prober->stats);
    prober->stats.open_connections = prober->stats.peak_connections = open;
    prober->stats.round_started_ms = mm_monotonic_ms();
    prober->cat = cat;
    prober->timeout_ms = timeout_ms;
}

static mm_status queued_or_error(mm_prober *prober, bool queued, mm_error *err)
{
    if (!queued) {
        round_clear(prober);
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory starting a probe round");
    }
    refill(prober);
    return MM_OK;
}

mm_status prober_start_round(mm_prober *prober, mm_catalog *cat, const mm_account_list *accounts,
                             long timeout_ms, mm_error *err)
{
    begin_round(prober, cat, timeout_ms);
    bool queued = true;
    for (size_t i = 0; queued && i < accounts->count; i++)
        queued = queue_account(prober, &accounts->items[i]);
    return queued_or_error(prober, queued, err);
}

typedef struct queue_context {
    mm_prober *prober;
    bool queued;
} queue_context;

static void queue_streamed(const mm_account *acc, void *ctx)
{
    queue_context *q = ctx;
    if (q->queued)
        q->queued = queue_account(q->prober, acc);
}

mm_status prober_start_round_all(mm_prober *prober, mm_catalog *cat, long timeout_ms, mm_error *err)
{
    begin_round(prober, cat, timeout_ms);
    queue_context q = {.prober = prober, .queued = true};
    mm_status st = catalog_account_each(cat, queue_streamed, &q, err);
    if (st != MM_OK) {
        round_clear(prober);
        return st;
    }
    return queued_or_error(prober, q.queued, err);
}

bool prober_busy(const mm_prober *prober)
{
    return prober->stats.finished < prober->stats.started;
}

static void read_result(mm_prober *prober, probe_slot *slot, CURLcode code)
{
    net_easy_finish(slot->easy, code, &slot->resp);
    mm_connection conn = {.provider = slot->provider};
    mm_call_result res;
    memset(&res, 0, sizeof res);
    mm_call_result_init(&res);
    char *next_page = NULL;
    provider_parse_list_response(&conn, &slot->resp, &res, &next_page);
    free(next_page);
    if (res.latency_ms <= 0)
        res.latency_ms = slot->resp.latency_ms;
    finish_probe(prober, slot->account, slot->provider_id, &res);
    mm_call_result_free(&res);
    slot_release(prober, slot);
}

static void drive(mm_prober *prober)
{
    int running = 0;
    mm_curl()->multi_perform(prober->multi, &running);
    CURLMsg *msg;
    int left;
    while ((msg = mm_curl()->multi_info_read(prober->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        probe_slot *slot = NULL;
        mm_curl()->easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&slot);
        if (slot && slot->busy)
            read_result(prober, slot, msg->data.result);
    }
    refill(prober);
}

void prober_wait(mm_prober *prober, int extra_fd, int timeout_ms, bool *extra_ready)
{
    struct curl_waitfd extra = {.fd = extra_fd, .events = CURL_WAIT_POLLIN};
    int ready = 0;
    /* finished probes to collect, or waiting ones that may take a free place: no waiting */
    if (timeout_ms < 0 || prober->n_done ||
        (prober->stats.in_flight < prober->window && prober->next_queue < prober->n_queue))
        timeout_ms = 0;
    mm_curl()->multi_poll(prober->multi, extra_fd >= 0 ? &extra : NULL, extra_fd >= 0 ? 1u : 0u,
                          timeout_ms, &ready);
    *extra_ready = extra_fd >= 0 && (extra.revents & CURL_WAIT_POLLIN);
    if (prober_busy(prober))
        drive(prober);
}

bool prober_collect(mm_prober *prober, mm_probe_record **records, size_t *n_records,
                    size_t *capacity)
{
    size_t fresh = prober->n_done;
    if (*n_records + fresh > *capacity) {
        size_t cap = (*n_records + fresh) * 2;
        mm_probe_record *grown = realloc(*records, cap * sizeof *grown);
        if (!grown)
            return false;
        *records = grown;
        *capacity = cap;
    }
    for (size_t i = 0; i < fresh; i++)
        (*records)[(*n_records)++] = (mm_probe_record){
            .event = prober->done[i], .discovered = NULL, /* one page only: the stored list stays */
        };
    prober->n_done = 0;
    return true;
}

size_t prober_take_skipped(mm_prober *prober, mm_probe_skip **items)
{
    size_t count = prober->n_skipped;
    *items = count ? prober->skipped : NULL;
    if (count) {
        prober->skipped = NULL;
        prober->n_skipped = prober->cap_skipped = 0;
    }
    return count;
}

mm_prober_stats prober_stats(const mm_prober *prober)
{
    return prober->stats;
}
