/* The planning core: from a snapshot and a request, the ordered attempts or a refusal with its
 * reason and when it frees, plus the optional explain log. No I/O, no allocation. */
#include "router/router.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/clock.h"
#include "util/money.h"

typedef enum skip_reason {
    SKIP_NONE = 0,
    SKIP_DISABLED,
    SKIP_RPM,
    SKIP_TPM,
    SKIP_SPEND_CAP,
    SKIP_COOLING,
    SKIP_NO_API /* the provider has no API for the model's type (image, audio) */
} skip_reason;

typedef struct target_verdict {
    skip_reason skip;
    int64_t frees_at_ms; /* 0: not by waiting */
    mm_health health;
    bool down;
    const char *model_type; /* SKIP_NO_API: the type the provider lacks */
} target_verdict;

static const char *const REFUSAL_NAMES[] = {
    [ROUTER_ADMITTED] = "admitted",
    [ROUTER_UNKNOWN_MODEL] = "unknown_model",
    [ROUTER_UNKNOWN_WORKSPACE] = "unknown_workspace",
    [ROUTER_NOT_ENTITLED] = "not_entitled",
    [ROUTER_WORKSPACE_RPM] = "workspace_rpm",
    [ROUTER_WORKSPACE_TPM] = "workspace_tpm",
    [ROUTER_WORKSPACE_MONTHLY_TOKENS] = "workspace_monthly_tokens",
    [ROUTER_NO_TARGETS] = "no_targets",
    [ROUTER_NO_USABLE_TARGET] = "no_usable_target",
};

static const char *const STEP_NAMES[] = {
    [ROUTER_STEP_CHECK] = "check",   [ROUTER_STEP_INCLUDE] = "include",
    [ROUTER_STEP_SKIP] = "skip",     [ROUTER_STEP_REORDER] = "reorder",
    [ROUTER_STEP_REFUSE] = "refuse",
};

const char *router_refusal_name(router_refusal refusal)
{
    return (unsigned)refusal <= ROUTER_NO_USABLE_TARGET ? REFUSAL_NAMES[refusal] : "unknown";
}

const char *router_step_name(router_step step)
{
    return (unsigned)step <= ROUTER_STEP_REFUSE ? STEP_NAMES[step] : "unknown";
}

void router_format_wait(int64_t now_ms, int64_t at_ms, char *out, size_t outsz)
{
    int64_t wait = at_ms - now_ms;
    if (wait <= 0) {
        snprintf(out, outsz, "now");
    } else if (wait < 120000) {
        snprintf(out, outsz, "in %" PRId64 " s", (wait + 999) / 1000);
    } else if (wait < 2 * 3600000) {
        snprintf(out, outsz, "in %" PRId64 " min", (wait + 59999) / 60000);
    } else {
        char when[32];
        mm_format_time(when, sizeof when, at_ms);
        snprintf(out, outsz, "on %s UTC", when);
    }
}

static void explain(router_plan *plan, const router_request *req, router_step step, int priority,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void explain(router_plan *plan, const router_request *req, router_step step, int priority,
                    const char *fmt, ...)
{
    if (!req->explain || plan->n_explain >= ROUTER_EXPLAIN_MAX)
        return;
    router_explain_line *line = &plan->explain[plan->n_explain++];
    line->step = step;
    line->priority = priority;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line->text, sizeof line->text, fmt, ap);
    va_end(ap);
}

static mm_status refuse(router_plan *plan, const router_request *req, router_refusal why,
                        mm_status status, int64_t frees_at_ms, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static mm_status refuse(router_plan *plan, const router_request *req, router_refusal why,
                        mm_status status, int64_t frees_at_ms, const char *fmt, ...)
{
    plan->refusal = why;
    plan->status = status;
    plan->frees_at_ms = frees_at_ms;
    plan->n_attempts = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(plan->message, sizeof plan->message, fmt, ap);
    va_end(ap);
    explain(plan, req, ROUTER_STEP_REFUSE, 0, "refuse: %s", plan->message);
    return status;
}

static int64_t window_frees_at(int64_t oldest_ms, int64_t now_ms)
{
    int64_t at = oldest_ms > 0 ? oldest_ms + ROUTER_WINDOW_MS : now_ms + ROUTER_WINDOW_MS;
    return at > now_ms ? at : now_ms + 1000;
}

/* "; counting 1 reservation of a process that ended (it expires in 85 s)" when the counters
 * hold reservations of killed senders (they count until they expire), else "". */
static void ended_note(int64_t count, int64_t until_ms, int64_t now_ms, char *out, size_t outsz)
{
    out[0] = '\0';
    if (count <= 0)
        return;
    char wait[64];
    router_format_wait(now_ms, until_ms, wait, sizeof wait);
    snprintf(out, outsz, "; counting %" PRId64 " reservation%s of a process that ended (%s %.48s)",
             count, count == 1 ? "" : "s", count == 1 ? "it expires" : "the last expires", wait);
}

/* Rule 1 and 2: entitlement and the workspace's own limits. */
static mm_status check_workspace(router_plan *plan, const router_request *req,
                                 const router_entitlement *ent, int64_t now_ms)
{
    const char *ws = req->workspace, *model = req->model;
    char wait[64], ended[192];
    int64_t est = req->tokens_estimate > 0 ? req->tokens_estimate : 0;
    ended_note(ent->reserved_ended, ent->reserved_ended_until_ms, now_ms, ended, sizeof ended);
    if (ent->rpm != MM_LIMIT_UNSET && ent->requests_window >= ent->rpm) {
        int64_t at = window_frees_at(ent->window_oldest_ms, now_ms);
        router_format_wait(now_ms, at, wait, sizeof wait);
        return refuse(plan, req, ROUTER_WORKSPACE_RPM, MM_E_REFUSED, at,
                      "workspace '%s' reached its limit of %" PRId64
                      " requests/min for '%s' (%" PRId64 " in the last minute%s); it frees %s",
                      ws, ent->rpm, model, ent->requests_window, ended, wait);
    }
    if (ent->tpm != MM_LIMIT_UNSET &&
        (ent->tokens_window >= ent->tpm || ent->tokens_window + est > ent->tpm)) {
        int64_t at = window_frees_at(ent->window_oldest_ms, now_ms);
        router_format_wait(now_ms, at, wait, sizeof wait);
        return refuse(plan, req, ROUTER_WORKSPACE_TPM, MM_E_REFUSED, at,
                      "workspace '%s' reached its limit of %" PRId64
                      " tokens/min for '%s' (%" PRId64 " used in the last minute, %" PRId64
                      " more asked%s); it frees %s",
                      ws, ent->tpm, model, ent->tokens_window, est, ended, wait);
    }
    if (ent->monthly_tokens != MM_LIMIT_UNSET && (ent->tokens_month >= ent->monthly_tokens ||
                                                  ent->tokens_month + est > ent->monthly_tokens)) {
        int64_t at = mm_next_month_start_ms(now_ms);
        router_format_wait(now_ms, at, wait, sizeof wait);
        return refuse(plan, req, ROUTER_WORKSPACE_MONTHLY_TOKENS, MM_E_REFUSED, at,
                      "workspace '%s' reached its monthly cap of %" PRId64
                      " tokens for '%s' (%" PRId64 " used this month%s); it frees %s",
                      ws, ent->monthly_tokens, model, ent->tokens_month, ended, wait);
    }
    if (ent->monthly_tokens != MM_LIMIT_UNSET)
        explain(plan, req, ROUTER_STEP_CHECK, 0,
                "check workspace limits: %" PRId64 " requests and %" PRId64
                " tokens in the last minute, %" PRId64 " of %" PRId64
                " tokens this month: within limits%s",
                ent->requests_window, ent->tokens_window, ent->tokens_month, ent->monthly_tokens,
                ended);
    else
        explain(plan, req, ROUTER_STEP_CHECK, 0,
                "check workspace limits: %" PRId64 " requests and %" PRId64
                " tokens in the last minute: within limits%s",
                ent->requests_window, ent->tokens_window, ended);
    return MM_OK;
}

static bool named_down(const router_request *req, const char *account)
{
    for (size_t i = 0; i < req->n_down; i++)
        if (req->down[i] && strcmp(req->down[i], account) == 0)
            return true;
    return false;
}

/* Whether the account's provider has an API for the model's type; chat and embedding chains
 * keep their old behaviour (a provider without embeddings answers the request error). */
static bool provider_type_served(const router_account *acc, const router_model *model)
{
    if (strcmp(model->type, "image") != 0 && strcmp(model->type, "audio") != 0)
        return true;
    const mm_provider_info *info = provider_find(acc->provider);
    return !info || provider_supports_type(info, model->type);
}

/* Rule 3: whether the target's account can take the request now. */
static target_verdict judge_target(const router_snapshot *snap, const router_model *model,
                                   const router_target *t, int64_t est, const router_request *req,
                                   int64_t now_ms)
{
    const router_account *acc = &snap->accounts[t->account];
    target_verdict v = {SKIP_NONE, 0, acc->health, false, model->type};
    if (req->n_down > 0 && named_down(req, acc->name)) {
        v.health = MM_HEALTH_UNREACHABLE;
        v.down = true;
    }
    if (!provider_type_served(acc, model)) {
        v.skip = SKIP_NO_API;
    } else if (!acc->enabled) {
        v.skip = SKIP_DISABLED;
    } else if (acc->rpm != MM_LIMIT_UNSET && acc->requests_window >= acc->rpm) {
        v.skip = SKIP_RPM;
        v.frees_at_ms = window_frees_at(acc->window_oldest_ms, now_ms);
    } else if (acc->tpm != MM_LIMIT_UNSET &&
               (acc->tokens_window >= acc->tpm || acc->tokens_window + est > acc->tpm)) {
        v.skip = SKIP_TPM;
        v.frees_at_ms = window_frees_at(acc->window_oldest_ms, now_ms);
    } else if (money_cap_reached(acc->cost_month_micros, acc->monthly_cap_micros)) {
        v.skip = SKIP_SPEND_CAP;
        v.frees_at_ms = mm_next_month_start_ms(now_ms);
    } else if (acc->cooling_until_ms > now_ms && model->n_targets > 1) {
        v.skip = SKIP_COOLING;
        v.frees_at_ms = acc->cooling_until_ms;
    }
    return v;
}

static void describe_skip(const router_account *acc, const target_verdict *v, int64_t est,
                          int64_t now_ms, char *out, size_t outsz)
{
    char wait[64] = "", ended[192];
    if (v->frees_at_ms > 0)
        router_format_wait(now_ms, v->frees_at_ms, wait, sizeof wait);
    ended_note(acc->reserved_ended, acc->reserved_ended_until_ms, now_ms, ended, sizeof ended);
    switch (v->skip) {
    case SKIP_DISABLED:
        snprintf(out, outsz, "account disabled (%.120s)",
                 acc->disabled_reason[0] ? acc->disabled_reason : "no reason given");
        break;
    case SKIP_RPM:
        snprintf(out, outsz,
                 "account over its RPM (%" PRId64 "/%" PRId64 " in the last minute%s; frees %s)",
                 acc->requests_window, acc->rpm, ended, wait);
        break;
    case SKIP_TPM:
        snprintf(out, outsz,
                 "account over its TPM (%" PRId64 "/%" PRId64 " tokens in the last minute, %" PRId64
                 " more asked%s; frees %s)",
                 acc->tokens_window, acc->tpm, est, ended, wait);
        break;
    case SKIP_SPEND_CAP: {
        char spent[MONEY_TEXT_MAX], cap[MONEY_TEXT_MAX];
        money_format_micros(acc->cost_month_micros, MONEY_DOLLARS, spent, sizeof spent);
        money_format_micros(acc->monthly_cap_micros, MONEY_DOLLARS, cap, sizeof cap);
        snprintf(out, outsz,
                 "account over its monthly spending cap (%s of %s this month%s; frees %s)", spent,
                 cap, ended, wait);
        break;
    }
    case SKIP_COOLING:
        snprintf(out, outsz, "account cooling down after %.100s (frees %s)", acc->cooling_reason,
                 wait);
        break;
    case SKIP_NO_API:
        provider_type_refusal(provider_find(acc->provider), v->model_type, out, outsz);
        break;
    case SKIP_NONE:
        out[0] = '\0';
        break;
    }
}

static int health_tier(mm_health health)
{
    switch (health) {
    case MM_HEALTH_DEGRADED:
        return 1;
    case MM_HEALTH_UNREACHABLE:
        return 2;
    default:
        return 0; /* healthy, or unknown (no recent events): treated as healthy */
    }
}

static const char *health_words(mm_health health, bool down)
{
    if (down)
        return "down (what-if)";
    return health == MM_HEALTH_UNKNOWN ? "health unknown, treated as healthy"
                                       : mm_health_name(health);
}

/* Fills the attempts tier by tier (healthy, degraded, unreachable), priority order within. */
static void order_attempts(router_plan *plan, const router_request *req,
                           const router_snapshot *snap, const router_model *model,
                           const target_verdict *verdicts, int64_t now_ms)
{
    int best_tier_after[MM_MAX_TARGETS + 1];
    best_tier_after[model->n_targets] = 3;
    for (size_t i = model->n_targets; i-- > 0;) {
        int tier = verdicts[i].skip == SKIP_NONE ? health_tier(verdicts[i].health) : 3;
        best_tier_after[i] = tier < best_tier_after[i + 1] ? tier : best_tier_after[i + 1];
    }
    for (int tier = 0; tier < 3; tier++) {
        for (size_t i = 0; i < model->n_targets; i++) {
            const target_verdict *v = &verdicts[i];
            if (v->skip != SKIP_NONE || health_tier(v->health) != tier)
                continue;
            const router_target *t = &model->targets[i];
            const router_account *acc = &snap->accounts[t->account];
            router_attempt *a = &plan->attempts[plan->n_attempts++];
            a->account = acc;
            a->target = t;
            a->health = v->health;
            a->down = v->down;
            a->cooling = acc->cooling_until_ms > now_ms;
            if (!req->explain)
                continue;
            if (tier > 0 && best_tier_after[i + 1] < tier)
                explain(plan, req, ROUTER_STEP_REORDER, t->priority,
                        "reorder %s: %s, moved after the healthier targets", acc->name,
                        health_words(v->health, v->down));
            if (a->cooling)
                explain(plan, req, ROUTER_STEP_INCLUDE, t->priority,
                        "include %s (priority %d, %s) although cooling down after %s: it is "
                        "the only target of '%s'",
                        acc->name, t->priority, t->model, acc->cooling_reason, model->name);
            else
                explain(plan, req, ROUTER_STEP_INCLUDE, t->priority,
                        "include %s (priority %d, %s): %s; attempt %zu", acc->name, t->priority,
                        t->model, health_words(v->health, v->down), plan->n_attempts);
            char ended[192];
            ended_note(acc->reserved_ended, acc->reserved_ended_until_ms, now_ms, ended,
                       sizeof ended);
            if (ended[0])
                explain(plan, req, ROUTER_STEP_CHECK, t->priority, "note %s: %s", acc->name,
                        ended + 2);
        }
    }
}

static mm_status refuse_no_target(router_plan *plan, const router_request *req,
                                  const router_snapshot *snap, const router_model *model,
                                  const target_verdict *verdicts, int64_t est, int64_t now_ms)
{
    int64_t first_free = 0;
    size_t first = 0;
    bool all_cooling = true;
    for (size_t i = 0; i < model->n_targets; i++) {
        const target_verdict *v = &verdicts[i];
        all_cooling = all_cooling && v->skip == SKIP_COOLING;
        if (v->frees_at_ms > 0 && (first_free == 0 || v->frees_at_ms < first_free)) {
            first_free = v->frees_at_ms;
            first = i;
        }
    }
    char wait[64] = "", why[200] = "";
    if (first_free > 0) {
        router_format_wait(now_ms, first_free, wait, sizeof wait);
        describe_skip(&snap->accounts[model->targets[first].account], &verdicts[first], est, now_ms,
                      why, sizeof why);
    }
    const char *first_name = snap->accounts[model->targets[first].account].name;
    for (size_t i = 0; first_free == 0 && i < model->n_targets; i++)
        if (verdicts[i].skip == SKIP_NO_API) {
            describe_skip(&snap->accounts[model->targets[i].account], &verdicts[i], est, now_ms,
                          why, sizeof why);
            return refuse(plan, req, ROUTER_NO_USABLE_TARGET, MM_E_REFUSED, 0,
                          "no target of '%s' can take the request: %s", model->name, why);
        }
    if (all_cooling)
        return refuse(plan, req, ROUTER_NO_USABLE_TARGET, MM_E_REFUSED, first_free,
                      "every target of '%s' is cooling down; the first, %s, frees %s", model->name,
                      first_name, wait);
    if (first_free > 0)
        return refuse(plan, req, ROUTER_NO_USABLE_TARGET, MM_E_REFUSED, first_free,
                      "no target of '%s' can take the request now (%zu skipped); the first to "
                      "free is %s, %s",
                      model->name, model->n_targets, first_name, why);
    return refuse(plan, req, ROUTER_NO_USABLE_TARGET, MM_E_REFUSED, 0,
                  "no target of '%s' can take the request: every account is disabled; enable "
                  "one with `mmadmin account enable NAME` or add a target",
                  model->name);
}

static mm_status plan_targets(router_plan *plan, const router_request *req,
                              const router_snapshot *snap, const router_model *model,
                              int64_t now_ms)
{
    int64_t est = req->tokens_estimate > 0 ? req->tokens_estimate : 0;
    target_verdict verdicts[MM_MAX_TARGETS];
    for (size_t i = 0; i < model->n_targets; i++) {
        const router_target *t = &model->targets[i];
        verdicts[i] = judge_target(snap, model, t, est, req, now_ms);
        if (req->explain && verdicts[i].skip != SKIP_NONE) {
            char why[200];
            describe_skip(&snap->accounts[t->account], &verdicts[i], est, now_ms, why, sizeof why);
            explain(plan, req, ROUTER_STEP_SKIP, t->priority, "skip %s: %s",
                    snap->accounts[t->account].name, why);
        }
    }
    order_attempts(plan, req, snap, model, verdicts, now_ms);
    if (plan->n_attempts == 0)
        return refuse_no_target(plan, req, snap, model, verdicts, est, now_ms);
    return MM_OK;
}

mm_status router_plan_request(const router_snapshot *snap, const router_request *req,
                              int64_t now_ms, router_plan *out)
{
    out->refusal = ROUTER_ADMITTED;
    out->status = MM_OK;
    out->message[0] = '\0';
    out->frees_at_ms = 0;
    out->model = NULL;
    out->entitlement = NULL;
    out->n_attempts = 0;
    out->n_explain = 0;
    long mi = router_find_model(snap, req->model);
    if (mi < 0)
        return refuse(out, req, ROUTER_UNKNOWN_MODEL, MM_E_NOT_FOUND, 0,
                      "no logical model is named '%s'; see `mmadmin model list`",
                      req->model ? req->model : "");
    out->model = &snap->models[mi];
    long wi = router_find_workspace(snap, req->workspace);
    if (wi < 0)
        return refuse(out, req, ROUTER_UNKNOWN_WORKSPACE, MM_E_NOT_FOUND, 0,
                      "no workspace is named '%s'; see `mmadmin workspace list`",
                      req->workspace ? req->workspace : "");
    long ei = router_find_entitlement(snap, (uint32_t)wi, (uint32_t)mi);
    if (ei < 0)
        return refuse(out, req, ROUTER_NOT_ENTITLED, MM_E_REFUSED, 0,
                      "workspace '%s' is not entitled to model '%s': grant it on the Model "
                      "Entitlements page, or with `mmadmin entitle %s %s`",
                      req->workspace, req->model, req->model, req->workspace);
    out->entitlement = &snap->entitlements[ei];
    explain(out, req, ROUTER_STEP_CHECK, 0, "check entitlement: workspace '%s' may use '%s'",
            req->workspace, req->model);
    if (check_workspace(out, req, out->entitlement, now_ms) != MM_OK)
        return out->status;
    if (out->model->n_targets == 0)
        return refuse(out, req, ROUTER_NO_TARGETS, MM_E_REFUSED, 0,
                      "model '%s' has no targets; add one with `mmadmin target add %s ACCOUNT "
                      "PROVIDER_MODEL`",
                      req->model, req->model);
    return plan_targets(out, req, snap, out->model, now_ms);
}
