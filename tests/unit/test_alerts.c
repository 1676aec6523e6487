/* Unit tests of mmadmin's own alerts: the conditions read from a health report (status, spend
 * vs cap, workspace tokens vs cap, every target cooling), the lifecycle's hysteresis (pending,
 * fire once, stay open through a flap, resolve once), webhook redaction, the settings table,
 * and the catalog's alert table (one open incident per rule and subject, resolve, ack). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts/alert_delivery.h"
#include "alerts/alert_state.h"
#include "catalog/alerts.h"

static mm_health_figures account(const char *name, mm_health status, int64_t spend_micros,
                                 int64_t cap_cents)
{
    mm_health_figures f = {.enabled = true,
                           .status = status,
                           .cost_micros_month = spend_micros,
                           .monthly_cap_cents = cap_cents};
    f.account = name;
    f.provider = "openai";
    f.status_reason = "the last 3 probes failed";
    return f;
}

static const mm_alert_condition *find(const mm_alert_conditions *c, mm_alert_rule rule,
                                      const char *subject)
{
    for (size_t i = 0; i < c->count; i++)
        if (c->items[i].rule == rule && !strcmp(c->items[i].subject, subject))
            return &c->items[i];
    return NULL;
}

static void conditions_come_from_the_report_months_and_models(void **state)
{
    (void)state;
    mm_health_figures figs[] = {
        account("down", MM_HEALTH_UNREACHABLE, 0, 0),
        account("slow", MM_HEALTH_DEGRADED, 0, 0),
        account("near", MM_HEALTH_HEALTHY, 8500000, 1000), /* USD 8.50 of 10 */
        account("over", MM_HEALTH_HEALTHY, 10000000, 1000),
        account("fine", MM_HEALTH_HEALTHY, 7000000, 1000),
    };
    figs[4].cooldown_until_ms = 2000;
    figs[3].cooldown_until_ms = 2000;
    mm_health_report report = {.now_ms = 1000, .accounts = figs, .count = 5};
    metrics_workspace_month ms[] = {{"team", "chat", 810, 1000},
                                    {"dev", "chat", 100, 1000},
                                    {"all", "chat", 999999, MM_LIMIT_UNSET}};
    metrics_workspace_months months = {ms, 3};
    mm_model model = {.n_targets = 2};
    snprintf(model.name, sizeof model.name, "chat");
    snprintf(model.targets[0].account, sizeof model.targets[0].account, "fine");
    snprintf(model.targets[1].account, sizeof model.targets[1].account, "over");
    mm_model_list models = {&model, 1};
    mm_alert_thresholds t;
    alert_thresholds_default(&t);
    mm_alert_conditions c = {0};
    assert_true(alert_conditions_collect(&report, &months, &models, &t, &c));
    assert_non_null(find(&c, MM_ALERT_PROVIDER_UNREACHABLE, "down"));
    assert_non_null(find(&c, MM_ALERT_PROVIDER_DEGRADED, "slow"));
    const mm_alert_condition *near = find(&c, MM_ALERT_SPEND_NEAR_CAP, "near");
    assert_non_null(near);
    assert_true(near->value > 0.84 && near->value < 0.86);
    assert_non_null(strstr(near->why, "USD 8.50 of its USD 10.00"));
    assert_non_null(find(&c, MM_ALERT_SPEND_CAP_REACHED, "over"));
    assert_null(find(&c, MM_ALERT_SPEND_NEAR_CAP, "over")); /* the worse one only */
    assert_null(find(&c, MM_ALERT_SPEND_NEAR_CAP, "fine"));
    assert_non_null(find(&c, MM_ALERT_WORKSPACE_NEAR_TOKEN_CAP, "team/chat"));
    assert_null(find(&c, MM_ALERT_WORKSPACE_NEAR_TOKEN_CAP, "dev/chat"));
    assert_null(find(&c, MM_ALERT_WORKSPACE_NEAR_TOKEN_CAP, "all/chat"));
    assert_non_null(find(&c, MM_ALERT_MODEL_ALL_COOLING, "chat"));
    assert_int_equal(c.count, 6);
    /* a disabled account raises no status alert */
    figs[0].enabled = false;
    assert_true(alert_conditions_collect(&report, NULL, NULL, &t, &c));
    assert_null(find(&c, MM_ALERT_PROVIDER_UNREACHABLE, "down"));
    alert_conditions_free(&c);
}

static mm_alert_conditions holding_one(mm_alert_condition *storage, mm_alert_rule rule,
                                       const char *subject)
{
    memset(storage, 0, sizeof *storage);
    storage->rule = rule;
    snprintf(storage->subject, sizeof storage->subject, "%s", subject);
    return (mm_alert_conditions){storage, 1, 1};
}

static void an_alert_fires_once_and_resolves_once(void **state)
{
    (void)state;
    mm_alert_thresholds t;
    alert_thresholds_default(&t);
    t.degraded_for_ms = 10000;
    t.resolve_after_ms = 5000;
    mm_alert_tracker tracker = {0};
    mm_alert_actions actions = {0};
    mm_alert_condition storage;
    mm_alert_conditions degraded = holding_one(&storage, MM_ALERT_PROVIDER_DEGRADED, "oa");
    mm_alert_conditions none = {0};
    /* pending: holds 9 s, not yet */
    assert_true(alert_tracker_step(&tracker, 1000, &degraded, &t, &actions));
    assert_int_equal(actions.count, 0);
    assert_true(alert_tracker_step(&tracker, 10000, &degraded, &t, &actions));
    assert_int_equal(actions.count, 0);
    /* a pending condition that clears is forgotten: the clock starts again */
    assert_true(alert_tracker_step(&tracker, 10500, &none, &t, &actions));
    assert_int_equal(actions.count, 0);
    assert_true(alert_tracker_step(&tracker, 11000, &degraded, &t, &actions));
    assert_true(alert_tracker_step(&tracker, 20000, &degraded, &t, &actions));
    assert_int_equal(actions.count, 0);
    assert_true(alert_tracker_step(&tracker, 21000, &degraded, &t, &actions));
    assert_int_equal(actions.count, 1);
    assert_int_equal(actions.items[0].kind, MM_ALERT_FIRE);
    assert_int_equal(actions.items[0].track.true_since_ms, 11000);
    alert_tracker_opened(&tracker, MM_ALERT_PROVIDER_DEGRADED, "oa", 7);
    /* still holding: nothing more; a flap shorter than the resolve time keeps it open */
    assert_true(alert_tracker_step(&tracker, 22000, &degraded, &t, &actions));
    assert_int_equal(actions.count, 0);
    assert_true(alert_tracker_step(&tracker, 23000, &none, &t, &actions));
    assert_true(alert_tracker_step(&tracker, 27000, &none, &t, &actions));
    assert_int_equal(actions.count, 0);
    assert_true(alert_tracker_step(&tracker, 27500, &degraded, &t, &actions));
    assert_int_equal(actions.count, 0);
    /* false for the resolve time: resolved once */
    assert_true(alert_tracker_step(&tracker, 30000, &none, &t, &actions));
    assert_int_equal(actions.count, 0);
    assert_true(alert_tracker_step(&tracker, 35000, &none, &t, &actions));
    assert_int_equal(actions.count, 1);
    assert_int_equal(actions.items[0].kind, MM_ALERT_RESOLVE);
    assert_int_equal(actions.items[0].track.open_id, 7);
    assert_true(alert_tracker_step(&tracker, 40000, &none, &t, &actions));
    assert_int_equal(actions.count, 0);
    assert_int_equal(tracker.count, 0);
    /* an alert open in the catalog is adopted, not fired again */
    mm_alert open = {.id = 9, .started_ms = 100};
    snprintf(open.rule, sizeof open.rule, "provider_degraded");
    snprintf(open.subject, sizeof open.subject, "oa");
    assert_true(alert_tracker_adopt(&tracker, &open, 50000));
    assert_true(alert_tracker_step(&tracker, 50000, &degraded, &t, &actions));
    assert_int_equal(actions.count, 0);
    alert_tracker_free(&tracker);
    alert_actions_free(&actions);
}

static void webhooks_are_redacted_and_checked(void **state)
{
    (void)state;
    char out[256];
    alert_webhook_redact("https://user:secret@hooks.example.com:8443/T0/B0/XYZ?token=abc", out,
                         sizeof out);
    assert_string_equal(out, "https://hooks.example.com:8443/...");
    alert_webhook_redact("http://127.0.0.1:9000", out, sizeof out);
    assert_string_equal(out, "http://127.0.0.1:9000");
    mm_error err = {0};
    assert_int_equal(alert_webhook_validate("https://hooks.example.com/x", &err), MM_OK);
    assert_int_equal(alert_webhook_validate("ftp://x/y", &err), MM_E_INVALID);
    assert_int_equal(alert_webhook_validate("https:///path", &err), MM_E_INVALID);
    assert_int_equal(alert_webhook_validate("https://a b", &err), MM_E_INVALID);
    double value;
    assert_int_equal(alert_setting_parse(MM_ASET_SPEND_WARN_RATIO, "0.9", &value, &err), MM_OK);
    assert_true(value == 0.9);
    assert_int_equal(alert_setting_parse(MM_ASET_SPEND_WARN_RATIO, "1.5", &value, &err),
                     MM_E_INVALID);
    assert_non_null(strstr(err.message, "alerts.spend_warn_ratio"));
    assert_int_equal(alert_setting_parse(MM_ASET_DEGRADED_FOR, "-1", &value, &err), MM_E_INVALID);
    mm_alert a = {.id = 3, .value = 0.85};
    snprintf(a.rule, sizeof a.rule, "spend_near_cap");
    snprintf(a.why, sizeof a.why, "quote \" and newline\n");
    char *json = alert_event_json(&a, "firing");
    assert_non_null(strstr(json, "\"event\":\"firing\""));
    assert_non_null(strstr(json, "\"rule\":\"spend_near_cap\""));
    assert_non_null(strstr(json, "quote \\\" and newline\\n"));
    free(json);
}

static void the_catalog_keeps_one_open_incident_per_rule_and_subject(void **state)
{
    (void)state;
    testutil_set_master_key();
    char *dir = testutil_tempdir();
    char path[1024];
    testutil_catalog_address(dir, path, sizeof path);
    mm_catalog_options opts = {.path = path, .create = true};
    mm_catalog *cat;
    mm_error err = {0};
    assert_int_equal(catalog_open(&opts, &cat, &err), MM_OK);
    mm_alert a = {.started_ms = 100, .fired_ms = 200, .value = 1};
    snprintf(a.rule, sizeof a.rule, "provider_unreachable");
    snprintf(a.subject, sizeof a.subject, "oa");
    snprintf(a.severity, sizeof a.severity, "critical");
    assert_int_equal(catalog_alert_fire(cat, &a, &err), MM_OK);
    int64_t first = a.id;
    mm_alert again = a;
    assert_int_equal(catalog_alert_fire(cat, &again, &err), MM_E_EXISTS);
    assert_int_equal(catalog_alert_ack(cat, first, "ops", 300, &err), MM_OK);
    assert_int_equal(catalog_alert_ack(cat, first, "late", 400, &err), MM_OK);
    assert_int_equal(catalog_alert_resolve(cat, first, 500, "cleared", &err), MM_OK);
    assert_int_equal(catalog_alert_resolve(cat, first, 600, "again", &err), MM_E_NOT_FOUND);
    mm_alert got;
    assert_int_equal(catalog_alert_get(cat, first, &got, &err), MM_OK);
    assert_string_equal(got.acked_by, "ops");
    assert_int_equal(got.resolved_ms, 500);
    assert_string_equal(got.resolved_why, "cleared");
    /* resolved: a new incident may open */
    assert_int_equal(catalog_alert_fire(cat, &again, &err), MM_OK);
    mm_alert_list open = {0}, all = {0};
    assert_int_equal(catalog_alert_list(cat, true, 10, &open, &err), MM_OK);
    assert_int_equal(open.count, 1);
    assert_int_equal(open.items[0].id, again.id);
    assert_int_equal(catalog_alert_list(cat, false, 10, &all, &err), MM_OK);
    assert_int_equal(all.count, 2);
    assert_int_equal(all.items[0].id, again.id); /* open first */
    mm_alert_delivery d = {.alert_id = first, .attempt = 1, .ts_ms = 700, .ok = true};
    snprintf(d.event, sizeof d.event, "firing");
    snprintf(d.channel, sizeof d.channel, "webhook");
    snprintf(d.target, sizeof d.target, "https://hooks.example.com/...");
    snprintf(d.detail, sizeof d.detail, "HTTP 200");
    assert_int_equal(catalog_alert_delivery_insert(cat, &d, &err), MM_OK);
    mm_alert_delivery_list dl = {0};
    assert_int_equal(catalog_alert_delivery_list(cat, first, 10, &dl, &err), MM_OK);
    assert_int_equal(dl.count, 1);
    assert_string_equal(dl.items[0].detail, "HTTP 200");
    mm_alert_delivery_list_free(&dl);
    mm_alert_list_free(&open);
    mm_alert_list_free(&all);
    catalog_close(cat);
    testutil_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(conditions_come_from_the_report_months_and_models),
        cmocka_unit_test(an_alert_fires_once_and_resolves_once),
        cmocka_unit_test(webhooks_are_redacted_and_checked),
        cmocka_unit_test(the_catalog_keeps_one_open_incident_per_rule_and_subject),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
