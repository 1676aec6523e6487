/* The demo's load generator: a few threads, each with its own catalog connection, that send
 * requests through the real router for the catalog's entitled (workspace, model) pairs. */
#include "demo/demo.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "router/router.h"
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
} demo_pair;

struct demo_load {
    char db_path[MM_URL_MAX];
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

static void send_one(demo_load *load, mm_catalog *cat, unsigned *seed)
{
    const demo_pair *pair = &load->pairs[(size_t)rand_r(seed) % load->n_pairs];
    const char *prompt =
        DEMO_PROMPTS[(size_t)rand_r(seed) % (sizeof DEMO_PROMPTS / sizeof DEMO_PROMPTS[0])];
    router_send_request req = {.workspace = pair->workspace,
                               .model = pair->model,
                               .input = prompt,
                               .max_tokens = 64,
                               .timeout_ms = 8000};
    router_send_result res;
    mm_error err = {0};
    router_send(cat, &req, &res, &err); /* outcomes are usage events: the dashboard shows them */
    router_send_result_free(&res);
    atomic_fetch_add(&load->sent, 1);
}

static void *load_thread(void *arg)
{
    demo_load *load = arg;
    mm_catalog *cat = NULL;
    mm_error err = {0};
    mm_catalog_options opts = {.path = load->db_path};
    if (catalog_open(&opts, &cat, &err) != MM_OK)
        return NULL;
    catalog_set_actor(cat, "demo-load");
    unsigned seed = (unsigned)(mm_monotonic_ms() ^ (int64_t)(uintptr_t)&seed);
    while (pause_unless_stopping(load, DEMO_LOAD_PAUSE_MIN_MS +
                                           rand_r(&seed) % DEMO_LOAD_PAUSE_SPREAD_MS))
        send_one(load, cat, &seed);
    catalog_close(cat);
    return NULL;
}

static mm_status load_pairs(demo_load *load, mm_error *err)
{
    mm_catalog *cat = NULL;
    mm_catalog_options opts = {.path = load->db_path};
    mm_status st = catalog_open(&opts, &cat, err);
    if (st != MM_OK)
        return st;
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
        mm_copy(load->pairs[i].workspace, MM_NAME_MAX, list.items[i].workspace);
        mm_copy(load->pairs[i].model, MM_NAME_MAX, list.items[i].model);
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
    pthread_cond_destroy(&load->wake);
    pthread_mutex_destroy(&load->lock);
    free(load->pairs);
    free(load);
}
