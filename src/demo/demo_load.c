/* The demo's load generator: an in-process `mmadmin serve` on loopback, a workspace key per
 * entitled workspace, and a few threads that send chat completions to it over HTTP for the
 * catalog's entitled (workspace, model) pairs: the demo shows the gateway's real path. */
#include "demo/demo.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <stdio.h>

#include "catalog/workspace_key.h"
#include "gateway/gateway.h"
#include "net/http.h"
#include "util/clock.h"
#include "util/text.h"

#define DEMO_LOAD_MAX_THREADS 8
#define DEMO_LOAD_PAUSE_MIN_MS 300
#define DEMO_LOAD_PAUSE_SPREAD_MS 700

static const char *const DEMO_PROMPTS[] = {
    "Summarize our refund policy in two sentences.",
    "Draft a friendly reply to a customer whose order arrived late.",
    "Explain the difference between a mutex and a semaphore.",
    "Write a SQL query that lists the ten largest invoices of last month.",
    "What are three risks of migrating our billing service to a new region?",
    "Translate 'the meeting moved to Thursday' into French and German.",
};

typedef struct demo_pair {
    char workspace[MM_NAME_MAX];
    char model[MM_NAME_MAX];
    char key[MM_WORKSPACE_KEY_MAX]; /* the workspace's key for the gateway */
} demo_pair;

struct demo_load {
    char db_path[MM_URL_MAX];
    gateway *gw;
    char url[64]; /* the gateway's chat completions */
    demo_pair *pairs;
    size_t n_pairs;
    pthread_t threads[DEMO_LOAD_MAX_THREADS];
    size_t n_threads;
    atomic_size_t sent;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping; /* under lock */
};

/* Waits up to ms unless the load is stopping; returns false when it is. */
static bool pause_unless_stopping(demo_load *load, int64_t ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&load->lock);
    while (!load->stopping &&
           pthread_cond_timedwait(&load->wake, &load->lock, &until) != ETIMEDOUT) {
    }
    bool go_on = !load->stopping;
    pthread_mutex_unlock(&load->lock);
    return go_on;
}

/* One chat completion through the gateway; its outcome is a usage event the dashboard shows. */
static void send_one(demo_load *load, unsigned *seed)
{
    const demo_pair *pair = &load->pairs[(size_t)rand_r(seed) % load->n_pairs];
    const char *prompt =
        DEMO_PROMPTS[(size_t)rand_r(seed) % (sizeof DEMO_PROMPTS / sizeof DEMO_PROMPTS[0])];
    json_t *body = json_pack("{s:s, s:[{s:s, s:s}], s:i}", "model", pair->model, "messages", "role",
                             "user", "content", prompt, "max_tokens", 64);
    char auth[MM_WORKSPACE_KEY_MAX + 32];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", pair->key);
    mm_http_request req = {.method = "POST",
                           .url = strdup(load->url),
                           .body = body ? json_dumps(body, JSON_COMPACT) : NULL,
                           .timeout_ms = 20000};
    json_decref(body);
    mm_http_response resp;
    mm_error err = {0};
    if (req.url && req.body && mm_string_list_append(&req.headers, auth) &&
        mm_string_list_append(&req.headers, "Content-Type: application/json") &&
        net_perform(&req, &resp, &err) == MM_OK)
        mm_http_response_free(&resp);
    mm_http_request_free(&req);
    atomic_fetch_add(&load->sent, 1);
}

static void *load_thread(void *arg)
{
    demo_load *load = arg;
    unsigned seed = (unsigned)(mm_monotonic_ms() ^ (int64_t)(uintptr_t)&seed);
    while (pause_unless_stopping(load, DEMO_LOAD_PAUSE_MIN_MS +
                                           rand_r(&seed) % DEMO_LOAD_PAUSE_SPREAD_MS))
        send_one(load, &seed);
    return NULL;
}

/* The pair's workspace key: the one made for an earlier pair of the same workspace, or a new
 * one. */
static mm_status pair_key(mm_catalog *cat, demo_load *load, demo_pair *pair, mm_error *err)
{
    for (size_t i = 0; i < load->n_pairs; i++) {
        if (strcmp(load->pairs[i].workspace, pair->workspace) == 0) {
            mm_copy(pair->key, sizeof pair->key, load->pairs[i].key);
            return MM_OK;
        }
    }
    mm_workspace_key made;
    return catalog_workspace_key_add(cat, pair->workspace, 0, pair->key, sizeof pair->key, &made,
                                     err);
}

static mm_status load_pairs(demo_load *load, mm_error *err)
{
    mm_catalog *cat = NULL;
    mm_catalog_options opts = {.path = load->db_path};
    mm_status st = catalog_open(&opts, &cat, err);
    if (st != MM_OK)
        return st;
    catalog_set_actor(cat, "demo-load");
    mm_entitlement_list list = {0};
    st = catalog_entitlement_list(cat, NULL, NULL, &list, err);
    if (st == MM_OK && list.count == 0)
        st = mm_error_set(err, MM_E_INVALID, NULL, "the demo catalog has no entitlements");
    if (st == MM_OK) {
        load->pairs = calloc(list.count, sizeof *load->pairs);
        if (!load->pairs)
            st = mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    }
    for (size_t i = 0; st == MM_OK && i < list.count; i++) {
        demo_pair *pair = &load->pairs[i];
        mm_copy(pair->workspace, MM_NAME_MAX, list.items[i].workspace);
        mm_copy(pair->model, MM_NAME_MAX, list.items[i].model);
        st = pair_key(cat, load, pair, err);
        if (st == MM_OK)
            load->n_pairs++;
    }
    mm_entitlement_list_free(&list);
    catalog_close(cat);
    return st;
}

mm_status demo_load_start(const char *db_path, int threads, demo_load **out, mm_error *err)
{
    demo_load *load = calloc(1, sizeof *load);
    if (!load)
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    mm_copy(load->db_path, sizeof load->db_path, db_path);
    pthread_mutex_init(&load->lock, NULL);
    pthread_cond_init(&load->wake, NULL);
    mm_status st = load_pairs(load, err);
    if (threads > DEMO_LOAD_MAX_THREADS)
        threads = DEMO_LOAD_MAX_THREADS;
    gw_options gw_opts = {.catalog_path = db_path,
                          .address = "127.0.0.1",
                          .max_upstream = (unsigned)(threads > 0 ? threads : 1),
                          .attempt_timeout_ms = 8000};
    if (st == MM_OK)
        st = gateway_start(&gw_opts, &load->gw, err);
    if (st == MM_OK)
        snprintf(load->url, sizeof load->url, "http://127.0.0.1:%u/v1/chat/completions",
                 (unsigned)gateway_port(load->gw));
    for (int i = 0; st == MM_OK && i < threads; i++) {
        if (pthread_create(&load->threads[i], NULL, load_thread, load) != 0)
            st = mm_error_set(err, MM_E_INTERNAL, NULL, "cannot start the load generator");
        else
            load->n_threads++;
    }
    if (st != MM_OK) {
        demo_load_stop(load);
        return st;
    }
    *out = load;
    return MM_OK;
}

size_t demo_load_sent(const demo_load *load)
{
    return atomic_load(&((demo_load *)load)->sent);
}

void demo_load_stop(demo_load *load)
{
    if (!load)
        return;
    pthread_mutex_lock(&load->lock);
    load->stopping = true;
    pthread_cond_broadcast(&load->wake);
    pthread_mutex_unlock(&load->lock);
    for (size_t i = 0; i < load->n_threads; i++)
        pthread_join(load->threads[i], NULL);
    if (load->gw)
        gateway_stop(load->gw, 2000);
    pthread_cond_destroy(&load->wake);
    pthread_mutex_destroy(&load->lock);
    free(load->pairs);
    free(load);
}
