/* GET /metrics of mmadmin: the figures mmadmin already computes (the health report, the
 * exporter's counters, workspace monthly tokens vs their caps, the gateway's own figures) in the
 * Prometheus text format, under the `mmadmin_` prefix with base units (seconds, USD, tokens). */
#ifndef MM_METRICS_EXPOSITION_H
#define MM_METRICS_EXPOSITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "error.h"
#include "health/monitor.h"
#include "health/report.h"
#include "metrics/counters.h"
#include "metrics/promtext.h"

#define MM_METRICS_REASON_MAX 32

/* One (workspace, model, reason) refusal count; reason is a router refusal name
 * (router_refusal_name: "workspace_rpm", "not_entitled", ...), so the label stays bounded. */
typedef struct metrics_refusal_count {
    char workspace[MM_NAME_MAX];
    char model[MM_NAME_MAX];
    char reason[MM_METRICS_REASON_MAX];
    int64_t count;
} metrics_refusal_count;

/* What the gateway (`mmadmin serve`) measures itself and the renderer reads: the gateway owns
 * and locks it; it hands the renderer a consistent copy (or holds its lock while rendering). */
struct metrics_gateway_stats {
    int64_t in_flight; /* requests being served now */
    /* request duration, as mm_metrics_account_counters.latency_buckets (not cumulative;
     * [MM_METRICS_LATENCY_BUCKETS] = above the last bound of mm_metrics_latency_bounds_s) */
    uint64_t duration_buckets[MM_METRICS_LATENCY_BUCKETS + 1];
    uint64_t duration_count;
    double duration_sum_seconds;
    /* streamed chats' time to first token (from the request to the first answer piece sent:
     * text or a tool-call delta), bucketed the same way */
    uint64_t ttft_buckets[MM_METRICS_LATENCY_BUCKETS + 1];
    uint64_t ttft_count;
    double ttft_sum_seconds;
    metrics_refusal_count *refusals; /* owned (metrics_gateway_stats_free) */
    size_t n_refusals, cap_refusals;
};

/* Adds one served request's duration (seconds). */
void metrics_gateway_observe(struct metrics_gateway_stats *stats, double seconds);
/* Counts one refusal of (workspace, model) for reason. false only when out of memory. */
bool metrics_gateway_refusal(struct metrics_gateway_stats *stats, const char *workspace,
                             const char *model, const char *reason);
void metrics_gateway_stats_free(struct metrics_gateway_stats *stats);

/* A workspace's month-to-date tokens of a model (UTC month, served requests as catalog
 * admission counts them) and its entitlement's monthly cap (MM_LIMIT_UNSET: none). */
typedef struct metrics_workspace_month {
    char workspace[MM_NAME_MAX];
    char model[MM_NAME_MAX];
    int64_t tokens_month;
    int64_t monthly_tokens_cap;
} metrics_workspace_month;

typedef struct metrics_workspace_months {
    metrics_workspace_month *items;
    size_t count;
} metrics_workspace_months;

/* Every entitlement's month-to-date tokens and cap at now_ms (one counters query each). */
mm_status metrics_workspace_months_load(mm_catalog *cat, int64_t now_ms,
                                        metrics_workspace_months *out, mm_error *err);
void metrics_workspace_months_free(metrics_workspace_months *months);

/* Everything a scrape renders; any part may be NULL (its families are then left out, except
 * the counters' families, which are always described). */
typedef struct metrics_input {
    const mm_health_report *report;      /* status, cool-down, monthly spend and cap */
    const mm_health_snapshot *monitor;   /* the monitor's own figures (prober, rounds) */
    const mm_metrics_counters *counters; /* requests, failures, tokens, cost, latency */
    const metrics_workspace_months *months;
    const mm_model_list *models; /* targets per model, with the report's cool-downs */
    const struct metrics_gateway_stats *gateway;
} metrics_input;

/* How many of the model's targets are on accounts cooling down at report->now_ms (a target
 * whose account is not in the report is not cooling). */
size_t metrics_model_targets_cooling(const mm_model *model, const mm_health_report *report);

/* Renders the exposition into out (initialized by the caller). false when out of memory. */
bool metrics_render(const metrics_input *in, mm_promtext *out);

#endif
