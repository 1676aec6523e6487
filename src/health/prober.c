/* The probe round: builds each account's list-models request, drives them all through one
 * libcurl multi handle (bounded connections, per-probe timeout), counts open sockets for the
 * peak, and turns each finished transfer into a probe record (catalog_probe_event). */
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
#include "util/text.h"

typedef struct probe {
    CURL *easy;
    mm_http_response resp;
    char account[MM_NAME_MAX];
    char provider_id[MM_PROVIDER_ID_MAX];
    const mm_provider_info *provider; /* NULL when unknown */
    bool done;
    mm_usage_event event; /* set when done */
} probe;

struct mm_prober {
    CURLM *multi;
    probe **probes; /* this round */
    size_t count, capacity;
    size_t collected; /* probes[0..collected) were handed out (in finish order below) */
    probe **finished;
    size_t n_finished;
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

mm_status prober_create(int max_connections, mm_prober **out, mm_error *err)
{
    net_global_init();
    if (sodium_init() < 0)
        return mm_error_set(err, MM_E_INTERNAL, NULL, "libsodium could not start");
    mm_prober *prober = calloc(1, sizeof *prober);
    if (!prober)
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory starting the prober");
    prober->key = sodium_malloc(MM_API_KEY_MAX);
    if (!prober->key) {
        free(prober);
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory for the API key");
    }
    prober->multi = curl_multi_init();
    if (!prober->multi) {
        sodium_free(prober->key);
        free(prober);
        return mm_error_set(err, MM_E_INTERNAL, NULL, "could not start libcurl's multi handle");
    }
    curl_multi_setopt(prober->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                      (long)(max_connections > 0 ? max_connections : 32));
    curl_multi_setopt(prober->multi, CURLMOPT_MAXCONNECTS,
                      (long)(max_connections > 0 ? max_connections : 32));
    *out = prober;
    return MM_OK;
}

static void wipe_sent_headers(mm_http_response *resp)
{
    for (struct curl_slist *h = resp->curl_headers; h; h = h->next)
        sodium_memzero(h->data, strlen(h->data));
}

static void probe_free(mm_prober *prober, probe *p)
{
    if (p->easy) {
        curl_multi_remove_handle(prober->multi, p->easy);
        curl_easy_cleanup(p->easy);
    }
    wipe_sent_headers(&p->resp);
    mm_http_response_free(&p->resp);
    free(p);
}

static void round_clear(mm_prober *prober)
{
    for (size_t i = 0; i < prober->count; i++)
        probe_free(prober, prober->probes[i]);
    prober->count = 0;
    prober->n_finished = 0;
    prober->collected = 0;
    prober->stats.started = prober->stats.finished = prober->stats.failed = 0;
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
    free(prober->probes);
    free(prober->finished);
    curl_multi_cleanup(prober->multi); /* closes cached connections through close_socket */
    sodium_free(prober->key);
    free(prober);
}

static void finish_probe(mm_prober *prober, probe *p, const mm_call_result *res)
{
    p->done = true;
    catalog_probe_event(&p->event, p->account, p->provider_id, res, mm_now_ms());
    prober->finished[prober->n_finished++] = p;
    prober->stats.finished++;
    if (!res->ok)
        prober->stats.failed++;
}

/* A probe that could not be sent finishes at once, failed, saying why. */
static void fail_probe(mm_prober *prober, probe *p, const char *why)
{
    mm_call_result res;
    mm_call_result_init(&res);
    res.ok = false;
    res.cls = MM_CLASS_BAD_REQUEST;
    mm_copy(res.message, sizeof res.message, why);
    finish_probe(prober, p, &res);
}

static void connection_of(const mm_account *acc, const mm_provider_info *provider, const char *key,
                          long timeout_ms, mm_connection *conn)
{
    memset(conn, 0, sizeof *conn);
    conn->provider = provider;
    conn->base_url = acc->endpoint;
    conn->api_key = key;
    conn->api_version = acc->api_version;
    conn->ca_bundle = acc->ca_bundle[0] ? acc->ca_bundle : NULL;
    conn->timeout_ms = timeout_ms;
    conn->connect_timeout_ms = timeout_ms < 5000 ? timeout_ms : 5000;
}

/* Builds the request with the key decrypted for just this long, and hands it to curl. */
static bool launch_probe(mm_prober *prober, mm_catalog *cat, const mm_account *acc, probe *p,
                         long timeout_ms, char *why, size_t whysz)
{
    char *key = prober->key;
    mm_error err = {0};
    key[0] = '\0';
    if (acc->has_key &&
        catalog_account_secret(cat, acc->name, key, MM_API_KEY_MAX, &err) != MM_OK) {
        sodium_memzero(key, MM_API_KEY_MAX);
        snprintf(why, whysz, "could not read the API key: %.400s", err.message);
        return false;
    }
    mm_connection conn;
    connection_of(acc, p->provider, key, timeout_ms, &conn);
    mm_http_request req = {0};
    mm_status st = provider_build_list_request(&conn, NULL, &req, &err);
    sodium_memzero(key, MM_API_KEY_MAX);
    if (st == MM_OK) {
        p->easy = net_easy_prepare(&req, &p->resp, &err);
        if (req.url)
            sodium_memzero(req.url, strlen(req.url)); /* some providers put the key there */
    }
    mm_http_request_free(&req); /* wipes the headers */
    if (st != MM_OK || !p->easy) {
        snprintf(why, whysz, "%s", err.message);
        return false;
    }
    curl_easy_setopt(p->easy, CURLOPT_PRIVATE, p);
    curl_easy_setopt(p->easy, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    curl_easy_setopt(p->easy, CURLOPT_OPENSOCKETDATA, prober);
    curl_easy_setopt(p->easy, CURLOPT_CLOSESOCKETFUNCTION, close_socket);
    curl_easy_setopt(p->easy, CURLOPT_CLOSESOCKETDATA, prober);
    if (curl_multi_add_handle(prober->multi, p->easy) != CURLM_OK) {
        snprintf(why, whysz, "could not start the transfer (libcurl)");
        return false;
    }
    return true;
}

static bool reserve(mm_prober *prober, size_t n)
{
    if (n <= prober->capacity)
        return true;
    probe **probes = realloc(prober->probes, n * sizeof *probes);
    if (probes)
        prober->probes = probes;
    probe **finished = realloc(prober->finished, n * sizeof *finished);
    if (finished)
        prober->finished = finished;
    if (!probes || !finished)
        return false;
    prober->capacity = n;
    return true;
}

mm_status prober_start_round(mm_prober *prober, mm_catalog *cat, const mm_account_list *accounts,
                             long timeout_ms, mm_error *err)
{
    round_clear(prober);
    int open = prober->stats.open_connections;
    memset(&prober->stats, 0, sizeof prober->stats);
    prober->stats.open_connections = prober->stats.peak_connections = open;
    prober->stats.round_started_ms = mm_monotonic_ms();
    if (!reserve(prober, accounts->count))
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory starting a probe round");
    for (size_t i = 0; i < accounts->count; i++) {
        const mm_account *acc = &accounts->items[i];
        if (!acc->enabled)
            continue;
        probe *p = calloc(1, sizeof *p);
        if (!p)
            return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory starting a probe");
        prober->probes[prober->count++] = p;
        prober->stats.started++;
        mm_copy(p->account, sizeof p->account, acc->name);
        mm_copy(p->provider_id, sizeof p->provider_id, acc->provider);
        p->provider = provider_find(acc->provider);
        char why[MM_MESSAGE_MAX];
        if (!p->provider) {
            snprintf(why, sizeof why, "unknown provider '%s'", acc->provider);
            fail_probe(prober, p, why);
        } else if (!launch_probe(prober, cat, acc, p, timeout_ms, why, sizeof why)) {
            fail_probe(prober, p, why);
        }
    }
    return MM_OK;
}

bool prober_busy(const mm_prober *prober)
{
    return prober->stats.finished < prober->stats.started;
}

static void read_result(mm_prober *prober, probe *p, CURLcode code)
{
    net_easy_finish(p->easy, code, &p->resp);
    mm_connection conn = {.provider = p->provider};
    mm_call_result res;
    memset(&res, 0, sizeof res);
    mm_call_result_init(&res);
    char *next_page = NULL;
    provider_parse_list_response(&conn, &p->resp, &res, &next_page);
    free(next_page);
    if (res.latency_ms <= 0)
        res.latency_ms = p->resp.latency_ms;
    finish_probe(prober, p, &res);
    mm_call_result_free(&res);
    curl_multi_remove_handle(prober->multi, p->easy);
    curl_easy_cleanup(p->easy);
    p->easy = NULL;
    wipe_sent_headers(&p->resp);
    mm_http_response_free(&p->resp);
}

static void drive(mm_prober *prober)
{
    int running = 0;
    curl_multi_perform(prober->multi, &running);
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(prober->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        probe *p = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&p);
        if (p && !p->done)
            read_result(prober, p, msg->data.result);
    }
}

void prober_wait(mm_prober *prober, int extra_fd, int timeout_ms, bool *extra_ready)
{
    struct curl_waitfd extra = {.fd = extra_fd, .events = CURL_WAIT_POLLIN};
    int ready = 0;
    if (timeout_ms < 0)
        timeout_ms = 0;
    curl_multi_poll(prober->multi, extra_fd >= 0 ? &extra : NULL, extra_fd >= 0 ? 1u : 0u,
                    timeout_ms, &ready);
    *extra_ready = extra_fd >= 0 && (extra.revents & CURL_WAIT_POLLIN);
    if (prober_busy(prober))
        drive(prober);
}

bool prober_collect(mm_prober *prober, mm_probe_record **records, size_t *n_records,
                    size_t *capacity)
{
    size_t fresh = prober->n_finished - prober->collected;
    if (*n_records + fresh > *capacity) {
        size_t cap = (*n_records + fresh) * 2;
        mm_probe_record *grown = realloc(*records, cap * sizeof *grown);
        if (!grown)
            return false;
        *records = grown;
        *capacity = cap;
    }
    for (; prober->collected < prober->n_finished; prober->collected++)
        (*records)[(*n_records)++] = (mm_probe_record){
            .event = prober->finished[prober->collected]->event,
            .discovered = NULL, /* one page only: the stored list stays */
        };
    return true;
}

mm_prober_stats prober_stats(const mm_prober *prober)
{
    return prober->stats;
}
