/* The router's view of one account for the health detail: its cool-down from the loaded
 * snapshot, and for every model whose chain has it, the plan the router makes now (in a what-if
 * snapshot with one unlimited workspace, so only the accounts' state decides). */
#include "pages/health_route.h"

#include <stdlib.h>
#include <string.h>

#include "util/text.h"

#define PLAN_WORKSPACE "health-detail"

static mm_status map_from_report(const mm_health_report *report, mm_health_map *map, mm_error *err)
{
    memset(map, 0, sizeof *map);
    size_t n = report->count ? report->count : 1;
    map->accounts = calloc(n, sizeof *map->accounts);
    map->statuses = calloc(n, sizeof *map->statuses);
    if (!map->accounts || !map->statuses) {
        mm_health_map_free(map);
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory reading health");
    }
    for (size_t i = 0; i < report->count; i++) {
        mm_copy(map->accounts[i], sizeof map->accounts[i], report->accounts[i].account);
        map->statuses[i] = report->accounts[i].status;
    }
    map->count = report->count;
    return MM_OK;
}

/* The priority of account's target in model, or 0 when the chain does not have it. */
static int chain_priority(const router_model *model, uint32_t account)
{
    for (size_t i = 0; i < model->n_targets; i++)
        if (model->targets[i].account == account)
            return model->targets[i].priority;
    return 0;
}

static mm_status copy_models(const router_snapshot *src, uint32_t account, router_snapshot *dst,
                             mm_error *err)
{
    for (size_t m = 0; m < src->n_models; m++) {
        const router_model *from = &src->models[m];
        if (!chain_priority(from, account))
            continue;
        router_model *to = router_snapshot_add_model(dst, from->name, from->type);
        if (!to)
            return mm_error_set(err, MM_E_INTERNAL, NULL, "could not copy model '%s'", from->name);
        for (size_t t = 0; t < from->n_targets; t++)
            router_model_add_target(dst, to, src->accounts[from->targets[t].account].name,
                                    from->targets[t].model, from->targets[t].priority);
        if (!router_snapshot_add_entitlement(dst, PLAN_WORKSPACE, from->name))
            return mm_error_set(err, MM_E_INTERNAL, NULL, "could not plan model '%s'", from->name);
    }
    return MM_OK;
}

/* Every account as loaded; the models that use `account`, each entitled without limits to one
 * workspace, so planning them shows what the accounts' own state decides. */
static mm_status what_if_snapshot(const router_snapshot *src, uint32_t account,
                                  router_snapshot **out, mm_error *err)
{
    size_t models = 0;
    for (size_t m = 0; m < src->n_models; m++)
        models += chain_priority(&src->models[m], account) != 0;
    router_snapshot *snap;
    mm_status st = router_snapshot_new(src->n_accounts, models, 1, models, &snap, err);
    if (st != MM_OK)
        return st;
    snap->taken_ms = src->taken_ms;
    snap->config = src->config;
    for (size_t i = 0; i < src->n_accounts; i++) {
        router_account *acc =
            router_snapshot_add_account(snap, src->accounts[i].name, src->accounts[i].provider);
        if (acc)
            *acc = src->accounts[i];
    }
    st = router_snapshot_index_accounts(snap, err);
    if (st == MM_OK && !router_snapshot_add_workspace(snap, PLAN_WORKSPACE))
        st = mm_error_set(err, MM_E_INTERNAL, NULL, "could not plan the models");
    if (st == MM_OK)
        st = copy_models(src, account, snap, err);
    if (st == MM_OK)
        st = router_snapshot_finish(snap, err);
    if (st != MM_OK) {
        router_snapshot_free(snap);
        return st;
    }
    *out = snap;
    return MM_OK;
}

/* The router's own line about passing this target over (skip or reorder), if any. */
static const char *passed_over_line(const router_plan *plan, int priority)
{
    for (size_t i = 0; i < plan->n_explain; i++) {
        const router_explain_line *line = &plan->explain[i];
        if (line->priority == priority &&
            (line->step == ROUTER_STEP_SKIP || line->step == ROUTER_STEP_REORDER))
            return line->text;
    }
    return NULL;
}

static void note_plan(const router_model *model, const router_plan *plan, int priority,
                      health_route_info *out)
{
    out->n_models++;
    const char *why = passed_over_line(plan, priority);
    bool away;
    if (plan->status != MM_OK || plan->n_attempts == 0)
        away = true, why = plan->message;
    else
        away = plan->attempts[0].target->priority > priority;
    if (!away)
        return;
    out->n_fallbacks++;
    if (out->n_fallbacks > HEALTH_ROUTE_MAX_MODELS) {
        out->n_more++;
        return;
    }
    health_fallback *fb = &out->fallbacks[out->n_fallbacks - 1];
    mm_copy(fb->model, sizeof fb->model, model->name);
    fb->priority = priority;
    fb->served_by[0] = '\0';
    if (plan->status == MM_OK && plan->n_attempts > 0)
        mm_copy(fb->served_by, sizeof fb->served_by, plan->attempts[0].account->name);
    mm_copy(fb->why, sizeof fb->why, why ? why : "a healthier target comes first");
}

static void plan_models(const router_snapshot *snap, uint32_t account, int64_t now_ms,
                        health_route_info *out)
{
    router_plan *plan = malloc(sizeof *plan);
    if (!plan)
        return;
    for (size_t m = 0; m < snap->n_models; m++) {
        const router_model *model = &snap->models[m];
        int priority = chain_priority(model, account);
        if (!priority)
            continue;
        router_request req = {.workspace = PLAN_WORKSPACE, .model = model->name, .explain = true};
        router_plan_request(snap, &req, now_ms, plan);
        note_plan(model, plan, priority, out);
    }
    free(plan);
}

mm_status health_route_load(mm_catalog *cat, const mm_health_report *report, const char *account,
                            int64_t now_ms, health_route_info *out, mm_error *err)
{
    memset(out, 0, sizeof *out);
    mm_health_map map;
    mm_status st = map_from_report(report, &map, err);
    if (st != MM_OK)
        return st;
    router_load_options opts = {.health = &map};
    router_snapshot *loaded = NULL;
    st = router_snapshot_load(cat, now_ms, &opts, &loaded, err);
    mm_health_map_free(&map);
    if (st != MM_OK)
        return st;
    long index = router_find_account(loaded, account);
    if (index < 0) {
        router_snapshot_free(loaded);
        return mm_error_set(err, MM_E_NOT_FOUND, NULL, "account '%s' is no longer in the catalog",
                            account);
    }
    const router_account *acc = &loaded->accounts[index];
    out->cooling = acc->cooling_until_ms > now_ms;
    out->cooling_until_ms = acc->cooling_until_ms;
    mm_copy(out->cooling_reason, sizeof out->cooling_reason, acc->cooling_reason);
    router_snapshot *what_if = NULL;
    st = what_if_snapshot(loaded, (uint32_t)index, &what_if, err);
    if (st == MM_OK) {
        plan_models(what_if, (uint32_t)router_find_account(what_if, account), now_ms, out);
        router_snapshot_free(what_if);
    }
    router_snapshot_free(loaded);
    return st;
}
