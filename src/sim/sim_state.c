/* mmsim's live state shared by connection threads: the current scenario (reference-counted so
 * a replacement never frees one in use), the phase clock, seeded fault draws, interruptible
 * sleeps for latency and hangs, and per-prefix / per-status request counts. */
#include "sim/sim_rng.h"
#include "sim/sim_scenario.h"
#include "util/clock.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

bool sim_state_init(sim_state *state, sim_scenario *scenario, uint64_t default_seed)
{
    memset(state, 0, sizeof *state);
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0)
        return false;
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    bool ok = pthread_cond_init(&state->wake, &attr) == 0;
    pthread_condattr_destroy(&attr);
    if (!ok)
        return false;
    if (pthread_mutex_init(&state->lock, NULL) != 0) {
        pthread_cond_destroy(&state->wake);
        return false;
    }
    state->default_seed = default_seed;
    state->scenario = scenario;
    scenario->refs = 1;
    state->loaded_ms = mm_monotonic_ms();
    return true;
}

void sim_state_destroy(sim_state *state)
{
    sim_scenario_free(state->scenario);
    state->scenario = NULL;
    free(state->last_body);
    state->last_body = NULL;
    pthread_mutex_destroy(&state->lock);
    pthread_cond_destroy(&state->wake);
}

static void drop_ref(sim_scenario *scenario)
{
    if (--scenario->refs == 0)
        sim_scenario_free(scenario);
}

void sim_state_replace(sim_state *state, sim_scenario *scenario)
{
    pthread_mutex_lock(&state->lock);
    sim_scenario *old = state->scenario;
    scenario->refs = 1;
    state->scenario = scenario;
    state->loaded_ms = mm_monotonic_ms();
    state->draws = 0;
    drop_ref(old);
    pthread_mutex_unlock(&state->lock);
}

const sim_scenario *sim_state_acquire(sim_state *state)
{
    pthread_mutex_lock(&state->lock);
    sim_scenario *scenario = state->scenario;
    scenario->refs++;
    pthread_mutex_unlock(&state->lock);
    return scenario;
}

void sim_state_release(sim_state *state, const sim_scenario *scenario)
{
    if (!scenario)
        return;
    pthread_mutex_lock(&state->lock);
    drop_ref((sim_scenario *)scenario);
    pthread_mutex_unlock(&state->lock);
}

static const sim_rule *find_rule(const sim_scenario *scenario, sim_dialect_id prefix,
                                 const char *key)
{
    for (size_t i = 0; key && i < scenario->rule_count; i++) {
        const sim_rule *rule = &scenario->rules[i];
        if (rule->prefix == prefix && rule->key && strcmp(rule->key, key) == 0)
            return rule;
    }
    for (size_t i = 0; i < scenario->rule_count; i++) {
        const sim_rule *rule = &scenario->rules[i];
        if (rule->prefix == prefix && !rule->key)
            return rule;
    }
    return NULL;
}

static const sim_phase *current_phase(const sim_rule *rule, double elapsed_s)
{
    if (rule->loop) {
        double total = 0;
        for (size_t i = 0; i < rule->phase_count; i++)
            total += rule->phases[i].duration_s;
        elapsed_s = fmod(elapsed_s, total);
    }
    for (size_t i = 0; i + 1 < rule->phase_count; i++) {
        if (elapsed_s < rule->phases[i].duration_s)
            return &rule->phases[i];
        elapsed_s -= rule->phases[i].duration_s;
    }
    return &rule->phases[rule->phase_count - 1];
}

void sim_state_plan(sim_state *state, const sim_scenario *scenario, sim_dialect_id prefix,
                    const char *key, sim_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    plan->phase.retry_after_s = -1;
    plan->max_page_size = scenario->max_page_size;
    const sim_rule *rule = find_rule(scenario, prefix, key);
    if (!rule)
        return;
    if (rule->max_page_size)
        plan->max_page_size = rule->max_page_size;
    pthread_mutex_lock(&state->lock);
    double elapsed_s = (double)(mm_monotonic_ms() - state->loaded_ms) / 1000.0;
    uint64_t draw = scenario->seed ^ (++state->draws * 0xD1B54A32D192ED03ULL);
    pthread_mutex_unlock(&state->lock);
    plan->phase = *current_phase(rule, elapsed_s);
    plan->fault_fires =
        plan->phase.fault != SIM_FAULT_NONE && sim_rng_unit(&draw) < plan->phase.fault_rate;
    int jitter = plan->phase.jitter_ms
                     ? sim_rng_range(&draw, -plan->phase.jitter_ms, plan->phase.jitter_ms)
                     : 0;
    int delay = plan->phase.latency_ms + jitter;
    plan->delay_ms = delay > 0 ? delay : 0;
}

bool sim_state_sleep(sim_state *state, int64_t ms)
{
    if (ms <= 0) {
        pthread_mutex_lock(&state->lock);
        bool running = !state->stopping;
        pthread_mutex_unlock(&state->lock);
        return running;
    }
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += (time_t)(ms / 1000);
    deadline.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&state->lock);
    int rc = 0;
    while (!state->stopping && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&state->wake, &state->lock, &deadline);
    bool running = !state->stopping;
    pthread_mutex_unlock(&state->lock);
    return running;
}

void sim_state_stop(sim_state *state)
{
    pthread_mutex_lock(&state->lock);
    state->stopping = true;
    pthread_cond_broadcast(&state->wake);
    pthread_mutex_unlock(&state->lock);
}

void sim_state_count(sim_state *state, sim_dialect_id prefix, unsigned status)
{
    pthread_mutex_lock(&state->lock);
    state->requests[prefix]++;
    size_t i = 0;
    while (i < state->status_count && state->statuses[i].status != status)
        i++;
    if (i == state->status_count && i < SIM_MAX_STATUSES)
        state->statuses[state->status_count++] = (sim_status_count){.status = status};
    if (i < state->status_count)
        state->statuses[i].count++;
    pthread_mutex_unlock(&state->lock);
}

void sim_state_reset_stats(sim_state *state)
{
    pthread_mutex_lock(&state->lock);
    memset(state->requests, 0, sizeof state->requests);
    state->status_count = 0;
    pthread_mutex_unlock(&state->lock);
}

json_t *sim_state_stats(sim_state *state)
{
    json_t *requests = json_object();
    json_t *by_status = json_object();
    pthread_mutex_lock(&state->lock);
    for (size_t i = 0; i < SIM_DIALECT_COUNT; i++)
        json_object_set_new(requests, sim_dialect_name((sim_dialect_id)i),
                            json_integer((json_int_t)state->requests[i]));
    for (size_t i = 0; i < state->status_count; i++) {
        char name[16];
        snprintf(name, sizeof name, "%u", state->statuses[i].status);
        json_object_set_new(by_status, name, json_integer((json_int_t)state->statuses[i].count));
    }
    pthread_mutex_unlock(&state->lock);
    return json_pack("{s:o,s:o}", "requests", requests, "by_status", by_status);
}

void sim_state_note_request(sim_state *state, sim_dialect_id prefix, const char *path,
                            const char *body, size_t len)
{
    len = len < SIM_LAST_BODY_MAX ? len : SIM_LAST_BODY_MAX;
    char *copy = malloc(len + 1);
    if (!copy)
        return;
    if (len)
        memcpy(copy, body, len);
    copy[len] = '\0';
    pthread_mutex_lock(&state->lock);
    free(state->last_body);
    state->last_body = copy;
    state->last_dialect = prefix;
    snprintf(state->last_path, sizeof state->last_path, "%s", path);
    pthread_mutex_unlock(&state->lock);
}

json_t *sim_state_last_request(sim_state *state)
{
    json_t *out = json_object();
    pthread_mutex_lock(&state->lock);
    if (state->last_body) {
        json_t *body = json_loads(state->last_body, 0, NULL);
        json_object_set_new(out, "dialect", json_string(sim_dialect_name(state->last_dialect)));
        json_object_set_new(out, "path", json_string(state->last_path));
        json_object_set_new(out, "body", body ? body : json_string(state->last_body));
    }
    pthread_mutex_unlock(&state->lock);
    return out;
}

json_t *sim_state_scenario_json(sim_state *state)
{
    pthread_mutex_lock(&state->lock);
    json_t *copy = json_deep_copy(state->scenario->source);
    pthread_mutex_unlock(&state->lock);
    return copy;
}
