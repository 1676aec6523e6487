/* Unit tests of the Prometheus exposition: label escaping, HELP/TYPE once per family, cumulative
 * histogram buckets in seconds, the exporter's counters (by kind, class, served workspace
 * requests) and the report's gauges (status per state, cool-down, monthly spend and cap). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics/exposition.h"
#include "metrics/server.h"

static void label_values_are_escaped(void **state)
{
    (void)state;
    mm_promtext t;
    mm_promtext_init(&t);
    mm_prom_label labels[] = {{"account", "a\"b\\c\nd"}};
    mm_promtext_sample(&t, "m", labels, 1, 1.5);
    mm_promtext_family(&t, "n", MM_PROM_GAUGE, "line\\one\ntwo \"q\"");
    assert_string_equal(t.data, "m{account=\"a\\\"b\\\\c\\nd\"} 1.5\n"
                                "# HELP n line\\\\one\\ntwo \"q\"\n# TYPE n gauge\n");
    mm_promtext_free(&t);
}

static void histogram_buckets_are_cumulative_with_inf_sum_and_count(void **state)
{
    (void)state;
    mm_promtext t;
    mm_promtext_init(&t);
    double bounds[] = {0.1, 1};
    uint64_t cumulative[] = {2, 5};
    mm_prom_label labels[] = {{"account", "x"}};
    mm_promtext_histogram(&t, "h_seconds", labels, 1, bounds, cumulative, 2, 3.25, 7);
    assert_string_equal(t.data, "h_seconds_bucket{account=\"x\",le=\"0.1\"} 2\n"
                                "h_seconds_bucket{account=\"x\",le=\"1\"} 5\n"
                                "h_seconds_bucket{account=\"x\",le=\"+Inf\"} 7\n"
                                "h_seconds_sum{account=\"x\"} 3.25\n"
                                "h_seconds_count{account=\"x\"} 7\n");
    mm_promtext_free(&t);
}

static mm_usage_event event(const char *kind, const char *account, const char *workspace,
                            const char *outcome, int http_status, int64_t latency_ms)
{
    mm_usage_event ev = {.http_status = http_status, .latency_ms = latency_ms};
    snprintf(ev.kind, sizeof ev.kind, "%s", kind);
    snprintf(ev.account, sizeof ev.account, "%s", account);
    snprintf(ev.provider, sizeof ev.provider, "openai");
    snprintf(ev.workspace, sizeof ev.workspace, "%s", workspace);
    snprintf(ev.model, sizeof ev.model, "%s", *workspace ? "chat" : "");
    snprintf(ev.outcome, sizeof ev.outcome, "%s", outcome);
    ev.tokens_in = 100;
    ev.tokens_out = 10;
    ev.cost_micros = 2500;
    return ev;
}

static bool has_line(const char *text, const char *line)
{
    size_t len = strlen(line);
    for (const char *p = text; (p = strstr(p, line)); p += len)
        if ((p == text || p[-1] == '\n') && p[len] == '\n')
            return true;
    return false;
}

static size_t count_of(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void counters_and_report_render_with_units_and_labels(void **state)
{
    (void)state;
    mm_metrics_counters c = {0};
    mm_usage_event evs[] = {
        event("probe", "oa", "", "ok", 200, 40),
        event("request", "oa", "team", "ok", 200, 1500),
        event("request", "oa", "team", "server", 500, 900),    /* fell through: not served */
        event("request", "oa", "team", "bad_request", 400, 5), /* the caller's: served */
        event("request", "oa", "team", "rate_limited", 429, 3),
        event("request", "gone", "", "mystery", 0, 1),
    };
    for (size_t i = 0; i < sizeof evs / sizeof *evs; i++) {
        evs[i].id = (int64_t)i + 1;
        assert_true(metrics_counters_add(&c, &evs[i]));
    }
    mm_health_figures fig = {.enabled = true,
                             .status = MM_HEALTH_DEGRADED,
                             .cooldown_until_ms = 1000000 + 12500,
                             .cost_micros_month = 1234567,
                             .monthly_cap_cents = 5000};
    fig.account = "oa";
    fig.provider = "openai";
    mm_health_report report = {.now_ms = 1000000, .accounts = &fig, .count = 1};
    metrics_workspace_month month = {"team", "chat", 42000, 50000};
    metrics_workspace_months months = {&month, 1};
    struct metrics_gateway_stats gw = {.in_flight = 3};
    metrics_gateway_observe(&gw, 0.2);
    gw.ttft_buckets[mm_metrics_latency_bucket(0.03)]++;
    gw.ttft_buckets[mm_metrics_latency_bucket(0.7)]++;
    gw.ttft_count = 2;
    gw.ttft_sum_seconds = 0.73;
    assert_true(metrics_gateway_refusal(&gw, "team", "chat", "workspace_rpm"));
    assert_true(metrics_gateway_refusal(&gw, "team", "chat", "workspace_rpm"));
    mm_model model = {.n_targets = 2};
    snprintf(model.name, sizeof model.name, "chat");
    snprintf(model.targets[0].account, sizeof model.targets[0].account, "oa");
    snprintf(model.targets[1].account, sizeof model.targets[1].account, "gone");
    mm_model_list models = {&model, 1};
    metrics_input in = {
        .report = &report, .counters = &c, .months = &months, .models = &models, .gateway = &gw};
    mm_promtext t;
    mm_promtext_init(&t);
    assert_true(metrics_render(&in, &t));
    const char *x = t.data;
    assert_true(has_line(x, "mmadmin_account_status{account=\"oa\",provider=\"openai\","
                            "state=\"degraded\"} 1"));
    assert_true(has_line(x, "mmadmin_account_status{account=\"oa\",provider=\"openai\","
                            "state=\"healthy\"} 0"));
    assert_true(has_line(x, "mmadmin_account_requests_total{account=\"oa\",provider=\"openai\","
                            "kind=\"request\"} 4"));
    assert_true(has_line(x, "mmadmin_account_requests_total{account=\"oa\",provider=\"openai\","
                            "kind=\"probe\"} 1"));
    assert_true(has_line(x, "mmadmin_account_errors_total{account=\"oa\",provider=\"openai\","
                            "class=\"server\"} 1"));
    assert_true(has_line(x, "mmadmin_account_errors_total{account=\"gone\",provider=\"openai\","
                            "class=\"other\"} 1"));
    assert_true(has_line(x, "mmadmin_account_rate_limit_hits_total{account=\"oa\","
                            "provider=\"openai\"} 1"));
    assert_true(has_line(x, "mmadmin_account_input_tokens_total{account=\"oa\","
                            "provider=\"openai\"} 500"));
    assert_true(has_line(x, "mmadmin_account_cost_usd_total{account=\"oa\",provider=\"openai\"} "
                            "0.0125"));
    /* 40 ms and 1.5 s succeeded: one in le=0.05, both by le=2 */
    assert_true(has_line(x, "mmadmin_account_request_duration_seconds_bucket{account=\"oa\","
                            "provider=\"openai\",le=\"0.05\"} 1"));
    assert_true(has_line(x, "mmadmin_account_request_duration_seconds_bucket{account=\"oa\","
                            "provider=\"openai\",le=\"1\"} 1"));
    assert_true(has_line(x, "mmadmin_account_request_duration_seconds_bucket{account=\"oa\","
                            "provider=\"openai\",le=\"2\"} 2"));
    assert_true(has_line(x, "mmadmin_account_request_duration_seconds_sum{account=\"oa\","
                            "provider=\"openai\"} 1.54"));
    assert_true(has_line(x, "mmadmin_account_cooldown_seconds{account=\"oa\",provider=\"openai\"} "
                            "12.5"));
    assert_true(has_line(x, "mmadmin_account_monthly_spend_usd{account=\"oa\",provider=\"openai\"} "
                            "1.234567"));
    assert_true(has_line(x, "mmadmin_account_monthly_cap_usd{account=\"oa\",provider=\"openai\"} "
                            "50"));
    /* served: the ok and the bad_request, not the server error or the rate limit */
    assert_true(
        has_line(x, "mmadmin_workspace_requests_total{workspace=\"team\",model=\"chat\"} 2"));
    assert_true(has_line(x, "mmadmin_workspace_monthly_tokens{workspace=\"team\",model=\"chat\"} "
                            "42000"));
    assert_true(has_line(x, "mmadmin_workspace_monthly_tokens_cap{workspace=\"team\","
                            "model=\"chat\"} 50000"));
    assert_true(has_line(x, "mmadmin_workspace_refusals_total{workspace=\"team\",model=\"chat\","
                            "reason=\"workspace_rpm\"} 2"));
    assert_true(has_line(x, "mmadmin_model_targets{model=\"chat\"} 2"));
    assert_true(has_line(x, "mmadmin_model_targets_cooling_down{model=\"chat\"} 1"));
    assert_true(has_line(x, "mmadmin_gateway_requests_in_flight 3"));
    assert_true(has_line(x, "mmadmin_gateway_request_duration_seconds_bucket{le=\"0.25\"} 1"));
    /* two streams' first tokens, 30 ms and 700 ms: a histogram of their own, same buckets */
    assert_true(has_line(x, "# TYPE mmadmin_gateway_time_to_first_token_seconds histogram"));
    assert_true(has_line(x, "mmadmin_gateway_time_to_first_token_seconds_bucket{le=\"0.05\"} 1"));
    assert_true(has_line(x, "mmadmin_gateway_time_to_first_token_seconds_bucket{le=\"0.5\"} 1"));
    assert_true(has_line(x, "mmadmin_gateway_time_to_first_token_seconds_bucket{le=\"1\"} 2"));
    assert_true(has_line(x, "mmadmin_gateway_time_to_first_token_seconds_bucket{le=\"+Inf\"} 2"));
    assert_true(has_line(x, "mmadmin_gateway_time_to_first_token_seconds_sum 0.73"));
    assert_true(has_line(x, "mmadmin_gateway_time_to_first_token_seconds_count 2"));
    /* one HELP and one TYPE per family */
    assert_int_equal(count_of(x, "# TYPE mmadmin_account_requests_total "), 1);
    assert_int_equal(count_of(x, "# HELP mmadmin_account_requests_total "), 1);
    assert_int_equal(count_of(x, "# TYPE "), count_of(x, "# HELP "));
    mm_promtext_free(&t);
    metrics_gateway_stats_free(&gw);
    metrics_counters_free(&c);
}

static void listen_address_is_checked(void **state)
{
    (void)state;
    uint32_t host;
    uint16_t port;
    mm_error err = {0};
    assert_int_equal(metrics_listen_parse("127.0.0.1:9464", &host, &port, &err), MM_OK);
    assert_int_equal(host, 0x7f000001);
    assert_int_equal(port, 9464);
    assert_int_equal(metrics_listen_parse("localhost:0", &host, &port, &err), MM_OK);
    assert_int_equal(metrics_listen_parse("9464", &host, &port, &err), MM_E_INVALID);
    assert_non_null(strstr(err.message, "ADDR:PORT"));
    assert_int_equal(metrics_listen_parse("1.2.3.4:70000", &host, &port, &err), MM_E_INVALID);
    assert_int_equal(metrics_listen_parse("host.example:80", &host, &port, &err), MM_E_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(label_values_are_escaped),
        cmocka_unit_test(histogram_buckets_are_cumulative_with_inf_sum_and_count),
        cmocka_unit_test(counters_and_report_render_with_units_and_labels),
        cmocka_unit_test(listen_address_is_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
