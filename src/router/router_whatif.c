/* What-ifs over a snapshot: for one account, every model whose chain has it planned in a copy
 * with one unlimited workspace (so only the accounts' state decides), and who takes the traffic
 * first; the Health detail and `mmadmin route --down` both read them. */
#include "router/whatif.h"

#include <stdlib.h>
#include <string.h>

#include "util/text.h"

#define WHAT_IF_WORKSPACE "what-if"

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
        if (!router_snapshot_add_entitlement(dst, WHAT_IF_WORKSPACE, from->name))
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
    if (st == MM_OK && !router_snapshot_add_workspace(snap, WHAT_IF_WORKSPACE))
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

const router_attempt *router_plan_first_live(const router_plan *plan)
{
    if (plan->refusal != ROUTER_ADMITTED)
        return NULL;
    for (size_t i = 0; i < plan->n_attempts; i++)
        if (!plan->attempts[i].down && plan->attempts[i].health != MM_HEALTH_UNREACHABLE)
            return &plan->attempts[i];
    return NULL;
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
                      router_account_outlook *out)
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
    if (out->n_fallbacks > ROUTER_WHATIF_MAX_MODELS) {
        out->n_more++;
        return;
    }
    router_fallback *fb = &out->fallbacks[out->n_fallbacks - 1];
    memset(fb, 0, sizeof *fb);
    mm_copy(fb->model, sizeof fb->model, model->name);
    fb->priority = priority;
    if (plan->status == MM_OK && plan->n_attempts > 0)
        mm_copy(fb->served_by, sizeof fb->served_by, plan->attempts[0].account->name);
    const router_attempt *live = router_plan_first_live(plan);
    if (live)
        mm_copy(fb->first_live, sizeof fb->first_live, live->account->name);
    mm_copy(fb->why, sizeof fb->why, why ? why : "a healthier target comes first");
}

static mm_status plan_models(const router_snapshot *snap, uint32_t account, const char *const *down,
                             size_t n_down, int64_t now_ms, router_account_outlook *out,
                             mm_error *err)
{
    router_plan *plan = malloc(sizeof *plan);
    if (!plan)
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory planning the models");
    for (size_t m = 0; m < snap->n_models; m++) {
        const router_model *model = &snap->models[m];
        int priority = chain_priority(model, account);
        if (!priority)
            continue;
        router_request req = {.workspace = WHAT_IF_WORKSPACE,
                              .model = model->name,
                              .down = down,
                              .n_down = n_down,
                              .explain = true};
        router_plan_request(snap, &req, now_ms, plan);
        note_plan(model, plan, priority, out);
    }
    free(plan);
    return MM_OK;
}

mm_status router_account_what_if(const router_snapshot *snap, const char *account,
                                 const char *const *down, size_t n_down, int64_t now_ms,
                                 router_account_outlook *out, mm_error *err)
{
    memset(out, 0, sizeof *out);
    long index = router_find_account(snap, account);
    if (index < 0)
        return mm_error_set(err, MM_E_NOT_FOUND, NULL, "account '%s' is no longer in the catalog",
                            account);
    const router_account *acc = &snap->accounts[index];
    out->cooling = acc->cooling_until_ms > now_ms;
    out->cooling_until_ms = acc->cooling_until_ms;
    mm_copy(out->cooling_reason, sizeof out->cooling_reason, acc->cooling_reason);
    router_snapshot *what_if = NULL;
    mm_status st = what_if_snapshot(snap, (uint32_t)index, &what_if, err);
    if (st != MM_OK)
        return st;
    st = plan_models(what_if, (uint32_t)router_find_account(what_if, account), down, n_down, now_ms,
                     out, err);
    router_snapshot_free(what_if);
    return st;
}

mm_status router_account_what_if_load(mm_catalog *cat, const mm_health_map *health,
                                      const char *account, const char *const *down, size_t n_down,
                                      int64_t now_ms, router_account_outlook *out, mm_error *err)
{
    memset(out, 0, sizeof *out);
    router_load_options opts = {.health = health};
    router_snapshot *loaded = NULL;
    mm_status st = router_snapshot_load(cat, now_ms, &opts, &loaded, err);
    if (st != MM_OK)
        return st;
    st = router_account_what_if(loaded, account, down, n_down, now_ms, out, err);
    router_snapshot_free(loaded);
    return st;
}
