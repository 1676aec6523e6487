/* The metrics mmadmin exposes (names, units, labels, HELP texts) rendered from the health
 * report, the exporter's counters, workspace months and the gateway's figures (exposition.h). */
#include "metrics/exposition.h"

#include <stdlib.h>
#include <string.h>

#include "catalog/admission.h"
#include "util/text.h"

#define MICROS_PER_USD 1e6

/* ---- the gateway's figures ---- */

void metrics_gateway_observe(struct metrics_gateway_stats *stats, double seconds)
{
    size_t bucket = mm_metrics_latency_bucket(seconds);
    stats->duration_buckets[bucket]++;
    stats->duration_count++;
    stats->duration_sum_seconds += seconds > 0 ? seconds : 0;
}

bool metrics_gateway_refusal(struct metrics_gateway_stats *stats, const char *workspace,
                             const char *model, const char *reason)
{
    for (size_t i = 0; i < stats->n_refusals; i++) {
        metrics_refusal_count *r = &stats->refusals[i];
        if (!strcmp(r->workspace, workspace) && !strcmp(r->model, model) &&
            !strcmp(r->reason, reason)) {
            r->count++;
            return true;
        }
    }
    if (stats->n_refusals == stats->cap_refusals) {
        size_t cap = stats->cap_refusals ? stats->cap_refusals * 2 : 16;
        metrics_refusal_count *grown = realloc(stats->refusals, cap * sizeof *grown);
        if (!grown)
            return false;
        stats->refusals = grown;
        stats->cap_refusals = cap;
    }
    metrics_refusal_count *r = &stats->refusals[stats->n_refusals++];
    memset(r, 0, sizeof *r);
    mm_copy(r->workspace, sizeof r->workspace, workspace);
    mm_copy(r->model, sizeof r->model, model);
    mm_copy(r->reason, sizeof r->reason, reason);
    r->count = 1;
    return true;
}

void metrics_gateway_stats_free(struct metrics_gateway_stats *stats)
{
    free(stats->refusals);
    memset(stats, 0, sizeof *stats);
}

/* ---- workspace months ---- */

mm_status metrics_workspace_months_load(mm_catalog *cat, int64_t now_ms,
                                        metrics_workspace_months *out, mm_error *err)
{
    memset(out, 0, sizeof *out);
    mm_entitlement_list ents;
    mm_status st = catalog_entitlement_list(cat, NULL, NULL, &ents, err);
    if (st != MM_OK)
        return st;
    out->items = calloc(ents.count ? ents.count : 1, sizeof *out->items);
    if (!out->items) {
        mm_entitlement_list_free(&ents);
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    }
    for (size_t i = 0; i < ents.count && st == MM_OK; i++) {
        mm_usage_counters counters;
        st = catalog_workspace_counters(cat, ents.items[i].workspace, ents.items[i].model, now_ms,
                                        true, &counters, err);
        metrics_workspace_month *m = &out->items[out->count++];
        mm_copy(m->workspace, sizeof m->workspace, ents.items[i].workspace);
        mm_copy(m->model, sizeof m->model, ents.items[i].model);
        m->tokens_month = counters.tokens_month;
        m->monthly_tokens_cap = ents.items[i].monthly_tokens;
    }
    mm_entitlement_list_free(&ents);
    if (st != MM_OK)
        metrics_workspace_months_free(out);
    return st;
}

void metrics_workspace_months_free(metrics_workspace_months *months)
{
    free(months->items);
    memset(months, 0, sizeof *months);
}

/* ---- accounts: the report's accounts first, then accounts only the counters know (deleted
 * since, or added after the report) ---- */

typedef struct account_row {
    const char *account, *provider;
    const mm_health_figures *figures;           /* NULL when not in the report */
    const mm_metrics_account_counters *counted; /* NULL when no event since the start */
} account_row;

static const mm_metrics_account_counters *counted_of(const mm_metrics_counters *c,
                                                     const char *account)
{
    for (size_t i = 0; c && i < c->n_accounts; i++)
        if (!strcmp(c->accounts[i].account, account))
            return &c->accounts[i];
    return NULL;
}

static account_row *account_rows(const metrics_input *in, size_t *n)
{
    size_t n_report = in->report ? in->report->count : 0;
    size_t n_counted = in->counters ? in->counters->n_accounts : 0;
    account_row *rows = calloc(n_report + n_counted + 1, sizeof *rows);
    if (!rows)
        return NULL;
    *n = 0;
    for (size_t i = 0; i < n_report; i++) {
        const mm_health_figures *f = &in->report->accounts[i];
        rows[(*n)++] =
            (account_row){f->account, f->provider, f, counted_of(in->counters, f->account)};
    }
    for (size_t i = 0; i < n_counted; i++) {
        const mm_metrics_account_counters *a = &in->counters->accounts[i];
        if (!in->report || !health_report_find(in->report, a->account))
            rows[(*n)++] = (account_row){a->account, a->provider, NULL, a};
    }
    return rows;
}

static void account_sample(mm_promtext *out, const char *name, const account_row *row,
                           const char *extra_name, const char *extra_value, double value)
{
    mm_prom_label labels[3] = {{"account", row->account}, {"provider", row->provider}};
    size_t n = 2;
    if (extra_name)
        labels[n++] = (mm_prom_label){extra_name, extra_value};
    mm_promtext_sample(out, name, labels, n, value);
}

static void render_status(const account_row *rows, size_t n, mm_promtext *out)
{
    static const mm_health states[] = {MM_HEALTH_UNKNOWN, MM_HEALTH_HEALTHY, MM_HEALTH_DEGRADED,
                                       MM_HEALTH_UNREACHABLE};
    mm_promtext_family(out, "mmadmin_account_status", MM_PROM_GAUGE,
                       "Health status of the account: 1 for its current state, 0 for the others "
                       "(the rules of `mmadmin health --help`).");
    for (size_t i = 0; i < n; i++)
        for (size_t s = 0; rows[i].figures && s < sizeof states / sizeof *states; s++)
            account_sample(out, "mmadmin_account_status", &rows[i], "state",
                           mm_health_name(states[s]), rows[i].figures->status == states[s]);
    mm_promtext_family(out, "mmadmin_account_enabled", MM_PROM_GAUGE,
                       "1 when the account is enabled, 0 when disabled.");
    for (size_t i = 0; i < n; i++)
        if (rows[i].figures)
            account_sample(out, "mmadmin_account_enabled", &rows[i], NULL, NULL,
                           rows[i].figures->enabled);
}

static const mm_metrics_account_counters ZERO_COUNTS;

static const mm_metrics_account_counters *counts_of(const account_row *row)
{
    return row->counted ? row->counted : &ZERO_COUNTS;
}

static void render_calls(const account_row *rows, size_t n, mm_promtext *out)
{
    mm_promtext_family(out, "mmadmin_account_requests_total", MM_PROM_COUNTER,
                       "Calls to the account's provider since the exporter started, by kind "
                       "(probe: the monitor's list-models call; request: a routed request).");
    for (size_t i = 0; i < n; i++) {
        account_sample(out, "mmadmin_account_requests_total", &rows[i], "kind", "probe",
                       (double)counts_of(&rows[i])->probes);
        account_sample(out, "mmadmin_account_requests_total", &rows[i], "kind", "request",
                       (double)counts_of(&rows[i])->requests);
    }
    mm_promtext_family(out, "mmadmin_account_errors_total", MM_PROM_COUNTER,
                       "Failed calls since the exporter started, by error class (bad_request is "
                       "the caller's own error and never counts against health).");
    for (size_t i = 0; i < n; i++)
        for (int cls = MM_CLASS_OK + 1; cls <= MM_CLASS_COUNT; cls++) {
            const char *name = cls == MM_CLASS_COUNT ? "other" : mm_error_class_name(cls);
            account_sample(out, "mmadmin_account_errors_total", &rows[i], "class", name,
                           (double)counts_of(&rows[i])->failures[cls]);
        }
    mm_promtext_family(out, "mmadmin_account_rate_limit_hits_total", MM_PROM_COUNTER,
                       "Calls the provider answered with a rate limit (429) since the exporter "
                       "started.");
    for (size_t i = 0; i < n; i++)
        account_sample(out, "mmadmin_account_rate_limit_hits_total", &rows[i], NULL, NULL,
                       (double)counts_of(&rows[i])->failures[MM_CLASS_RATE_LIMITED]);
}

static void token_family(const account_row *rows, size_t n, mm_promtext *out, const char *name,
                         const char *help, size_t offset)
{
    mm_promtext_family(out, name, MM_PROM_COUNTER, help);
    for (size_t i = 0; i < n; i++) {
        const char *base = (const char *)counts_of(&rows[i]);
        int64_t value;
        memcpy(&value, base + offset, sizeof value);
        account_sample(out, name, &rows[i], NULL, NULL, (double)value);
    }
}

static void render_tokens_cost(const account_row *rows, size_t n, mm_promtext *out)
{
    token_family(rows, n, out, "mmadmin_account_input_tokens_total",
                 "Input tokens sent to the account (the cached parts included) since the "
                 "exporter started.",
                 offsetof(mm_metrics_account_counters, tokens_in));
    token_family(rows, n, out, "mmadmin_account_output_tokens_total",
                 "Output tokens the account returned since the exporter started.",
                 offsetof(mm_metrics_account_counters, tokens_out));
    token_family(rows, n, out, "mmadmin_account_cached_input_tokens_total",
                 "The part of the input tokens read from the provider's prompt cache.",
                 offsetof(mm_metrics_account_counters, tokens_cache_read));
    token_family(rows, n, out, "mmadmin_account_cache_write_input_tokens_total",
                 "The part of the input tokens written to the provider's prompt cache.",
                 offsetof(mm_metrics_account_counters, tokens_cache_write));
    token_family(rows, n, out, "mmadmin_account_unpriced_requests_total",
                 "Calls without a known price (left out of the cost).",
                 offsetof(mm_metrics_account_counters, unpriced));
    mm_promtext_family(out, "mmadmin_account_cost_usd_total", MM_PROM_COUNTER,
                       "Cost of the account's priced calls in USD since the exporter started.");
    for (size_t i = 0; i < n; i++)
        account_sample(out, "mmadmin_account_cost_usd_total", &rows[i], NULL, NULL,
                       (double)counts_of(&rows[i])->cost_micros / MICROS_PER_USD);
}

static void render_latency(const account_row *rows, size_t n, mm_promtext *out)
{
    const char *name = "mmadmin_account_request_duration_seconds";
    mm_promtext_family(out, name, MM_PROM_HISTOGRAM,
                       "Latency of the account's successful calls (probes and requests) since the "
                       "exporter started, in seconds.");
    for (size_t i = 0; i < n; i++) {
        const mm_metrics_account_counters *c = counts_of(&rows[i]);
        uint64_t cumulative[MM_METRICS_LATENCY_BUCKETS], running = 0;
        for (size_t b = 0; b < MM_METRICS_LATENCY_BUCKETS; b++)
            cumulative[b] = running += c->latency_buckets[b];
        mm_prom_label labels[2] = {{"account", rows[i].account}, {"provider", rows[i].provider}};
        mm_promtext_histogram(out, name, labels, 2, mm_metrics_latency_bounds_s, cumulative,
                              MM_METRICS_LATENCY_BUCKETS, (double)c->latency_sum_ms / 1000.0,
                              c->latency_count);
    }
}

static void render_month(const account_row *rows, size_t n, int64_t now_ms, mm_promtext *out)
{
    mm_promtext_family(out, "mmadmin_account_cooldown_seconds", MM_PROM_GAUGE,
                       "Seconds left of the account's rate-limit cool-down (0: none).");
    for (size_t i = 0; i < n; i++)
        if (rows[i].figures) {
            int64_t left = rows[i].figures->cooldown_until_ms - now_ms;
            account_sample(out, "mmadmin_account_cooldown_seconds", &rows[i], NULL, NULL,
                           left > 0 ? (double)left / 1000.0 : 0);
        }
    mm_promtext_family(out, "mmadmin_account_monthly_spend_usd", MM_PROM_GAUGE,
                       "The account's priced spend this UTC month in USD (what `mmadmin health` "
                       "shows as cost this month).");
    for (size_t i = 0; i < n; i++)
        if (rows[i].figures)
            account_sample(out, "mmadmin_account_monthly_spend_usd", &rows[i], NULL, NULL,
                           (double)rows[i].figures->cost_micros_month / MICROS_PER_USD);
    mm_promtext_family(out, "mmadmin_account_monthly_cap_usd", MM_PROM_GAUGE,
                       "The account's monthly spending cap in USD (only accounts with a cap).");
    for (size_t i = 0; i < n; i++)
        if (rows[i].figures && rows[i].figures->monthly_cap_cents != MM_LIMIT_UNSET)
            account_sample(out, "mmadmin_account_monthly_cap_usd", &rows[i], NULL, NULL,
                           (double)rows[i].figures->monthly_cap_cents / 100.0);
}

/* ---- workspace x model ---- */

static void usage_sample(mm_promtext *out, const char *name, const char *workspace,
                         const char *model, const char *reason, double value)
{
    mm_prom_label labels[3] = {{"workspace", workspace}, {"model", model}, {"reason", reason}};
    mm_promtext_sample(out, name, labels, reason ? 3 : 2, value);
}

static void render_usage(const mm_metrics_counters *c, mm_promtext *out)
{
    static const struct {
        const char *name, *help;
        size_t offset;
    } families[] = {
        {"mmadmin_workspace_requests_total",
         "Requests of the model served to the workspace since the exporter started.",
         offsetof(mm_metrics_usage_counters, requests)},
        {"mmadmin_workspace_input_tokens_total",
         "Input tokens of the workspace's served requests of the model.",
         offsetof(mm_metrics_usage_counters, tokens_in)},
        {"mmadmin_workspace_output_tokens_total",
         "Output tokens of the workspace's served requests of the model.",
         offsetof(mm_metrics_usage_counters, tokens_out)},
    };
    for (size_t f = 0; f < sizeof families / sizeof *families; f++) {
        mm_promtext_family(out, families[f].name, MM_PROM_COUNTER, families[f].help);
        for (size_t i = 0; c && i < c->n_usage; i++) {
            int64_t value;
            memcpy(&value, (const char *)&c->usage[i] + families[f].offset, sizeof value);
            usage_sample(out, families[f].name, c->usage[i].workspace, c->usage[i].model, NULL,
                         (double)value);
        }
    }
    mm_promtext_family(out, "mmadmin_workspace_cost_usd_total", MM_PROM_COUNTER,
                       "Cost in USD of the workspace's served requests of the model.");
    for (size_t i = 0; c && i < c->n_usage; i++)
        usage_sample(out, "mmadmin_workspace_cost_usd_total", c->usage[i].workspace,
                     c->usage[i].model, NULL, (double)c->usage[i].cost_micros / MICROS_PER_USD);
}

static void render_months(const metrics_workspace_months *m, mm_promtext *out)
{
    mm_promtext_family(out, "mmadmin_workspace_monthly_tokens", MM_PROM_GAUGE,
                       "Tokens of the model the workspace was served this UTC month (what its "
                       "monthly token cap is judged on).");
    for (size_t i = 0; m && i < m->count; i++)
        usage_sample(out, "mmadmin_workspace_monthly_tokens", m->items[i].workspace,
                     m->items[i].model, NULL, (double)m->items[i].tokens_month);
    mm_promtext_family(out, "mmadmin_workspace_monthly_tokens_cap", MM_PROM_GAUGE,
                       "The entitlement's monthly token cap (only entitlements with a cap).");
    for (size_t i = 0; m && i < m->count; i++)
        if (m->items[i].monthly_tokens_cap != MM_LIMIT_UNSET)
            usage_sample(out, "mmadmin_workspace_monthly_tokens_cap", m->items[i].workspace,
                         m->items[i].model, NULL, (double)m->items[i].monthly_tokens_cap);
}

/* ---- models: targets and how many are cooling down ---- */

size_t metrics_model_targets_cooling(const mm_model *model, const mm_health_report *report)
{
    size_t cooling = 0;
    for (size_t i = 0; report && i < model->n_targets; i++) {
        const mm_health_figures *f = health_report_find(report, model->targets[i].account);
        if (f && f->cooldown_until_ms > report->now_ms)
            cooling++;
    }
    return cooling;
}

static void render_models(const mm_model_list *models, const mm_health_report *report,
                          mm_promtext *out)
{
    mm_promtext_family(out, "mmadmin_model_targets", MM_PROM_GAUGE,
                       "Targets (accounts) in the logical model's fallback chain.");
    for (size_t i = 0; models && i < models->count; i++) {
        mm_prom_label label = {"model", models->items[i].name};
        mm_promtext_sample(out, "mmadmin_model_targets", &label, 1,
                           (double)models->items[i].n_targets);
    }
    mm_promtext_family(out, "mmadmin_model_targets_cooling_down", MM_PROM_GAUGE,
                       "Targets of the model whose account is in a rate-limit cool-down.");
    for (size_t i = 0; models && report && i < models->count; i++) {
        mm_prom_label label = {"model", models->items[i].name};
        mm_promtext_sample(out, "mmadmin_model_targets_cooling_down", &label, 1,
                           (double)metrics_model_targets_cooling(&models->items[i], report));
    }
}

/* ---- the gateway and the monitor ---- */

/* A histogram family over mm_metrics_latency_bounds_s from per-bucket counts (not
 * cumulative). */
static void latency_histogram(mm_promtext *out, const char *name, const char *help,
                              const uint64_t *buckets, double sum_seconds, uint64_t count)
{
    mm_promtext_family(out, name, MM_PROM_HISTOGRAM, help);
    uint64_t cumulative[MM_METRICS_LATENCY_BUCKETS], running = 0;
    for (size_t b = 0; b < MM_METRICS_LATENCY_BUCKETS; b++)
        cumulative[b] = running += buckets[b];
    mm_promtext_histogram(out, name, NULL, 0, mm_metrics_latency_bounds_s, cumulative,
                          MM_METRICS_LATENCY_BUCKETS, sum_seconds, count);
}

static void render_gateway(const struct metrics_gateway_stats *g, mm_promtext *out)
{
    mm_promtext_family(out, "mmadmin_workspace_refusals_total", MM_PROM_COUNTER,
                       "Requests the gateway refused before sending, by reason (a router refusal: "
                       "not_entitled, workspace_rpm, workspace_monthly_tokens, ...).");
    for (size_t i = 0; g && i < g->n_refusals; i++)
        usage_sample(out, "mmadmin_workspace_refusals_total", g->refusals[i].workspace,
                     g->refusals[i].model, g->refusals[i].reason, (double)g->refusals[i].count);
    if (!g)
        return;
    mm_promtext_family(out, "mmadmin_gateway_requests_in_flight", MM_PROM_GAUGE,
                       "Requests the gateway is serving now.");
    mm_promtext_sample(out, "mmadmin_gateway_requests_in_flight", NULL, 0, (double)g->in_flight);
    latency_histogram(out, "mmadmin_gateway_request_duration_seconds",
                      "Time the gateway took to answer a request (fallbacks included), in "
                      "seconds.",
                      g->duration_buckets, g->duration_sum_seconds, g->duration_count);
    latency_histogram(out, "mmadmin_gateway_time_to_first_token_seconds",
                      "Time from a streamed chat request to the first piece of its answer the "
                      "gateway sent (text or a tool call; fallbacks before it included), in "
                      "seconds.",
                      g->ttft_buckets, g->ttft_sum_seconds, g->ttft_count);
}

static void render_monitor(const mm_health_snapshot *snap, mm_promtext *out)
{
    mm_promtext_family(out, "mmadmin_monitor_is_prober", MM_PROM_GAUGE,
                       "1 when this monitor holds the prober lease and probes the accounts.");
    mm_promtext_sample(out, "mmadmin_monitor_is_prober", NULL, 0, snap->is_prober);
    mm_promtext_family(out, "mmadmin_monitor_last_round_timestamp_seconds", MM_PROM_GAUGE,
                       "When this monitor's latest probe round ended (Unix time; 0: none yet).");
    mm_promtext_sample(out, "mmadmin_monitor_last_round_timestamp_seconds", NULL, 0,
                       (double)snap->last_round_ms / 1000.0);
}

bool metrics_render(const metrics_input *in, mm_promtext *out)
{
    size_t n = 0;
    account_row *rows = account_rows(in, &n);
    if (!rows)
        return false;
    render_status(rows, n, out);
    render_calls(rows, n, out);
    render_tokens_cost(rows, n, out);
    render_latency(rows, n, out);
    render_month(rows, n, in->report ? in->report->now_ms : 0, out);
    free(rows);
    render_usage(in->counters, out);
    render_months(in->months, out);
    render_models(in->models, in->report, out);
    render_gateway(in->gateway, out);
    if (in->monitor)
        render_monitor(in->monitor, out);
    return !out->failed;
}
