/* Benchmark: routing decisions per second on one core, from an in-memory snapshot of 1,000
 * accounts and 1,000 models (3-target chains, mixed health, some accounts skipped or cooling). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "router/router.h"

#define N_ACCOUNTS 1000
#define N_MODELS 1000
#define N_WORKSPACES 50
#define N_REQUESTS 4096 /* distinct requests cycled through */
#define NOW 1780000000000LL

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned next_random(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return (*state >> 8) & 0xffffff;
}

static void make_accounts(router_snapshot *snap, unsigned *rng)
{
    for (int i = 0; i < N_ACCOUNTS; i++) {
        char name[MM_NAME_MAX];
        snprintf(name, sizeof name, "account-%04d", i);
        router_account *acc = router_snapshot_add_account(snap, name, "openai");
        unsigned r = next_random(rng) % 100;
        acc->health = r < 70   ? MM_HEALTH_HEALTHY
                      : r < 85 ? MM_HEALTH_DEGRADED
                      : r < 92 ? MM_HEALTH_UNREACHABLE
                               : MM_HEALTH_UNKNOWN;
        acc->rpm = 600;
        acc->requests_window = next_random(rng) % 620; /* a few are over their RPM */
        acc->window_oldest_ms = NOW - 30000;
        if (next_random(rng) % 50 == 0)
            acc->cooling_until_ms = NOW + 5000;
        if (next_random(rng) % 100 == 0)
            acc->enabled = false;
    }
}

static router_snapshot *make_snapshot(void)
{
    router_snapshot *snap = NULL;
    mm_error err;
    if (router_snapshot_new(N_ACCOUNTS, N_MODELS, N_WORKSPACES, N_WORKSPACES * N_MODELS, &snap,
                            &err) != MM_OK)
        return NULL;
    unsigned rng = 42;
    make_accounts(snap, &rng);
    if (router_snapshot_index_accounts(snap, &err) != MM_OK)
        return NULL;
    for (int m = 0; m < N_MODELS; m++) {
        char name[MM_NAME_MAX], account[MM_NAME_MAX];
        snprintf(name, sizeof name, "model-%04d", m);
        router_model *model = router_snapshot_add_model(snap, name, "chat");
        for (int t = 0; t < 3; t++) {
            snprintf(account, sizeof account, "account-%04u", next_random(&rng) % N_ACCOUNTS);
            router_model_add_target(snap, model, account, "gpt-4o-mini", t + 1);
        }
    }
    for (int w = 0; w < N_WORKSPACES; w++) {
        char name[MM_NAME_MAX];
        snprintf(name, sizeof name, "workspace-%02d", w);
        router_snapshot_add_workspace(snap, name);
    }
    /* each workspace entitled to 9 of 10 models, with limits that rarely bite */
    for (int w = 0; w < N_WORKSPACES; w++)
        for (int m = 0; m < N_MODELS; m++) {
            if ((w + m) % 10 == 0)
                continue;
            router_entitlement *e = router_snapshot_add_entitlement(snap, snap->workspaces[w].name,
                                                                    snap->models[m].name);
            if (!e)
                return NULL;
            e->rpm = 1000;
            e->requests_window = next_random(&rng) % 1010;
        }
    if (router_snapshot_finish(snap, &err) != MM_OK) {
        fprintf(stderr, "snapshot: %s\n", err.message);
        return NULL;
    }
    return snap;
}

typedef struct request_names {
    char workspace[MM_NAME_MAX];
    char model[MM_NAME_MAX];
} request_names;

static double run(const router_snapshot *snap, const request_names *names, long decisions,
                  bool explain, long *admitted)
{
    router_plan *plan = malloc(sizeof *plan);
    if (!plan)
        return 0;
    *admitted = 0;
    double start = seconds_now();
    for (long i = 0; i < decisions; i++) {
        const request_names *n = &names[i % N_REQUESTS];
        router_request req = {.workspace = n->workspace,
                              .model = n->model,
                              .tokens_estimate = 500,
                              .explain = explain};
        if (router_plan_request(snap, &req, NOW, plan) == MM_OK)
            (*admitted)++;
    }
    double elapsed = seconds_now() - start;
    free(plan);
    return (double)decisions / elapsed;
}

int main(void)
{
    router_snapshot *snap = make_snapshot();
    request_names *names = calloc(N_REQUESTS, sizeof *names);
    if (!snap || !names)
        return 1;
    unsigned rng = 7;
    for (int i = 0; i < N_REQUESTS; i++) {
        snprintf(names[i].workspace, MM_NAME_MAX, "workspace-%02u",
                 next_random(&rng) % N_WORKSPACES);
        snprintf(names[i].model, MM_NAME_MAX, "model-%04u", next_random(&rng) % N_MODELS);
    }
    long admitted = 0;
    run(snap, names, 200000, false, &admitted); /* warm up */
    const long decisions = 5000000;
    double rate = run(snap, names, decisions, false, &admitted);
    printf("router_plan: %.0f decisions/s on one core (%d accounts, %d models, %zu "
           "entitlements, 3-target chains; %.0f%% admitted, the rest refused by a limit, "
           "entitlement or cool-down) [target > 1,000,000/s]\n",
           rate, N_ACCOUNTS, N_MODELS, snap->n_entitlements,
           100.0 * (double)admitted / (double)decisions);
    double explained = run(snap, names, 1000000, true, &admitted);
    printf("router_plan --explain: %.0f decisions/s (every rule written out as text)\n", explained);
    free(names);
    router_snapshot_free(snap);
    return 0;
}
