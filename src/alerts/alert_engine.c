/* The alert engine's thread (alert_engine.h): prober-only evaluation of the rules on the
 * monitor's snapshots, fire/resolve in the catalog, events to the delivery queue. */
#include "alerts/alert_engine.h"

#include <errno.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alerts/alert_state.h"
#include "util/clock.h"
#include "util/text.h"

struct mm_alert_engine {
    mm_alert_engine_config cfg;
    char path[4096];
    mm_catalog *cat;
    mm_alert_delivery_queue *delivery;
    mm_alert_tracker tracker;
    mm_alert_conditions holding;
    mm_alert_actions actions;
    bool evaluating; /* was the prober at the last round (the tracker is current) */
    /* What the rules read from the catalog, kept between rounds and re-read only when another
     * connection committed (catalog_data_version) or a minute passed (the month rolls over). */
    mm_alert_thresholds thresholds;
    metrics_workspace_months months;
    mm_model_rows models;
    bool inputs_loaded;
    int64_t inputs_version, inputs_loaded_ms;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
};

static void say(mm_alert_engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(mm_alert_engine *e, const char *fmt, ...)
{
    if (!e->cfg.log)
        return;
    char line[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    e->cfg.log(e->cfg.log_ctx, line);
}

static void deliver(mm_alert_engine *e, const mm_alert *alert, const char *event)
{
    mm_alert_channels channels;
    mm_error err = {0};
    if (alert_channels_load(e->cat, alert_rule_parse(alert->rule), &channels, &err) != MM_OK)
        say(e, "alert %lld: delivery settings unreadable: %s", (long long)alert->id, err.message);
    else if (!alert_delivery_enqueue(e->delivery, alert, event, &channels))
        say(e, "alert %lld: the delivery queue is full; its %s event was dropped",
            (long long)alert->id, event);
}

/* Another process fired it first: take its id, deliver nothing (that process did). */
static int64_t open_id_of(mm_alert_engine *e, const char *rule, const char *subject)
{
    mm_alert_list open = {0};
    mm_error err = {0};
    int64_t id = 0;
    if (catalog_alert_list(e->cat, true, 10000, &open, &err) == MM_OK)
        for (size_t i = 0; i < open.count && !id; i++)
            if (!strcmp(open.items[i].rule, rule) && !strcmp(open.items[i].subject, subject))
                id = open.items[i].id;
    mm_alert_list_free(&open);
    return id;
}

static void fire(mm_alert_engine *e, const mm_alert_track *t, int64_t now_ms)
{
    mm_alert alert = {.value = t->value, .started_ms = t->true_since_ms, .fired_ms = now_ms};
    mm_copy(alert.rule, sizeof alert.rule, alert_rule_name(t->rule));
    mm_copy(alert.subject, sizeof alert.subject, t->subject);
    mm_copy(alert.severity, sizeof alert.severity, alert_rule_severity(t->rule));
    mm_copy(alert.why, sizeof alert.why, t->why);
    mm_error err = {0};
    mm_status st = catalog_alert_fire(e->cat, &alert, &err);
    if (st == MM_E_EXISTS) {
        alert_tracker_opened(&e->tracker, t->rule, t->subject,
                             open_id_of(e, alert.rule, alert.subject));
        return;
    }
    if (st != MM_OK) { /* retried next round */
        alert_tracker_opened(&e->tracker, t->rule, t->subject, 0);
        say(e, "alert %s %s not recorded: %s", alert.rule, alert.subject, err.message);
        return;
    }
    alert_tracker_opened(&e->tracker, t->rule, t->subject, alert.id);
    say(e, "alert %lld fired: %s %s (%s): %s", (long long)alert.id, alert.rule, alert.subject,
        alert.severity, alert.why);
    deliver(e, &alert, "firing");
}

static void resolve(mm_alert_engine *e, const mm_alert_track *t, int64_t now_ms,
                    const mm_alert_thresholds *th)
{
    if (t->open_id <= 0)
        return;
    char why[MM_ALERT_WHY_MAX];
    snprintf(why, sizeof why, "the condition has not held for %g s",
             (double)th->resolve_after_ms / 1000.0);
    mm_error err = {0};
    mm_alert alert;
    if (catalog_alert_resolve(e->cat, t->open_id, now_ms, why, &err) != MM_OK ||
        catalog_alert_get(e->cat, t->open_id, &alert, &err) != MM_OK) {
        if (err.status != MM_E_NOT_FOUND) /* not found: resolved elsewhere already */
            say(e, "alert %lld not resolved: %s", (long long)t->open_id, err.message);
        return;
    }
    say(e, "alert %lld resolved: %s %s", (long long)alert.id, alert.rule, alert.subject);
    deliver(e, &alert, "resolved");
}

/* Becoming the evaluator: start from the alerts open in the catalog. */
static void adopt_open(mm_alert_engine *e, int64_t now_ms)
{
    alert_tracker_free(&e->tracker);
    mm_alert_list open = {0};
    mm_error err = {0};
    if (catalog_alert_list(e->cat, true, 10000, &open, &err) != MM_OK)
        return;
    for (size_t i = 0; i < open.count; i++)
        alert_tracker_adopt(&e->tracker, &open.items[i], now_ms);
    mm_alert_list_free(&open);
    e->evaluating = true;
}

enum { INPUTS_MAX_AGE_MS = 60 * 1000 };

/* Re-reads the thresholds, the workspace months and the models' chains (lean rows) when the catalog
 * changed since the last read; false when they could not be read (the round is skipped). */
static bool refresh_inputs(mm_alert_engine *e, int64_t now, mm_error *err)
{
    int64_t version = 0;
    bool known = catalog_data_version(e->cat, &version, err) == MM_OK;
    if (e->inputs_loaded && known && version == e->inputs_version &&
        now - e->inputs_loaded_ms < INPUTS_MAX_AGE_MS)
        return true;
    mm_error local = {0};
    alert_thresholds_load(e->cat, &e->thresholds, &local); /* a bad setting keeps its default */
    metrics_workspace_months_free(&e->months);
    mm_model_rows_free(&e->models);
    e->inputs_loaded = metrics_workspace_months_load(e->cat, now, &e->months, err) == MM_OK &&
                       catalog_model_rows(e->cat, true, &e->models, err) == MM_OK;
    e->inputs_version = known ? version : -1;
    e->inputs_loaded_ms = now;
    return e->inputs_loaded;
}

static void evaluate(mm_alert_engine *e, const mm_health_snapshot *snap)
{
    int64_t now = mm_now_ms(); /* time runs on between snapshots: pending and resolve times */
    if (!e->evaluating)
        adopt_open(e, now);
    mm_error err = {0};
    const mm_alert_thresholds *th = &e->thresholds;
    if (!refresh_inputs(e, now, &err) ||
        !alert_conditions_collect_rows(&snap->report, &e->months, &e->models, th, &e->holding) ||
        !alert_tracker_step(&e->tracker, now, &e->holding, th, &e->actions))
        return;
    for (size_t i = 0; i < e->actions.count; i++) {
        const mm_alert_action *a = &e->actions.items[i];
        if (a->kind == MM_ALERT_FIRE)
            fire(e, &a->track, now);
        else
            resolve(e, &a->track, now, th);
    }
}

static bool wait_or_stop(mm_alert_engine *e)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += e->cfg.interval_ms / 1000;
    until.tv_nsec += (e->cfg.interval_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&e->lock);
    while (!e->stopping && pthread_cond_timedwait(&e->wake, &e->lock, &until) != ETIMEDOUT)
        ;
    bool stopping = e->stopping;
    pthread_mutex_unlock(&e->lock);
    return stopping;
}

static void *engine_thread(void *arg)
{
    mm_alert_engine *e = arg;
    while (!wait_or_stop(e)) {
        mm_health_snapshot *snap = health_monitor_snapshot(e->cfg.monitor);
        if (!snap)
            continue;
        if (!snap->is_prober)
            e->evaluating = false; /* another process evaluates; re-adopt when we take over */
        else
            evaluate(e, snap);
        health_snapshot_release(snap);
    }
    return NULL;
}

mm_status alert_engine_start(const mm_alert_engine_config *cfg, mm_alert_engine **out,
                             mm_error *err)
{
    mm_alert_engine *e = calloc(1, sizeof *e);
    if (!e)
        return mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory");
    e->cfg = *cfg;
    e->cfg.interval_ms = cfg->interval_ms > 0 ? cfg->interval_ms : 1000;
    mm_copy(e->path, sizeof e->path, cfg->catalog_path ? cfg->catalog_path : "");
    e->cfg.delivery.catalog_path = e->path[0] ? e->path : NULL;
    mm_catalog_options opts = {.path = e->cfg.delivery.catalog_path};
    mm_status st = catalog_open(&opts, &e->cat, err);
    if (st == MM_OK && (st = alert_delivery_start(&e->cfg.delivery, &e->delivery, err)) != MM_OK)
        catalog_close(e->cat);
    if (st != MM_OK) {
        free(e);
        return st;
    }
    pthread_mutex_init(&e->lock, NULL);
    pthread_cond_init(&e->wake, NULL);
    if (pthread_create(&e->thread, NULL, engine_thread, e) != 0) {
        alert_delivery_stop(e->delivery);
        catalog_close(e->cat);
        free(e);
        return mm_error_set(err, MM_E_INTERNAL, NULL, "could not start the alert engine thread");
    }
    *out = e;
    return MM_OK;
}

void alert_engine_stop(mm_alert_engine *e)
{
    if (!e)
        return;
    pthread_mutex_lock(&e->lock);
    e->stopping = true;
    pthread_cond_broadcast(&e->wake);
    pthread_mutex_unlock(&e->lock);
    pthread_join(e->thread, NULL);
    alert_delivery_stop(e->delivery);
    pthread_cond_destroy(&e->wake);
    pthread_mutex_destroy(&e->lock);
    alert_tracker_free(&e->tracker);
    alert_conditions_free(&e->holding);
    alert_actions_free(&e->actions);
    metrics_workspace_months_free(&e->months);
    mm_model_rows_free(&e->models);
    catalog_close(e->cat);
    free(e);
}
