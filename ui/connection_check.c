/* The Test Connection job: copy in, list models on a worker thread, deliver, record through
 * catalog_probe_record (last test, discovered models, probe usage event) and describe. */
#include "connection_check.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "catalog/probe.h"
#include "app_monitor.h"
#include "jobs.h"
#include "util/clock.h"
#include "util/text.h"

typedef struct test_job {
    ui_connection_check test;
    ui_connection_check_done_fn done;
} test_job;

static void test_work(void *data)
{
    test_job *job = data;
    ui_connection_check *t = &job->test;
    mm_connection conn = {
        .provider = provider_find(t->provider),
        .base_url = t->base_url,
        .api_key = t->api_key,
        .api_version = t->api_version,
        .ca_bundle = t->ca_bundle[0] ? t->ca_bundle : NULL,
        .connect_timeout_ms = 5000,
        .timeout_ms = 15000,
    };
    mm_error err;
    mm_error_clear(&err);
    if (!conn.provider) {
        t->result.ok = false;
        t->result.cls = MM_CLASS_BAD_REQUEST;
        snprintf(t->result.message, sizeof t->result.message, "unknown provider '%s'", t->provider);
    } else {
        provider_list_models(&conn, &t->result, &err);
    }
    t->ran = true;
}

static void test_done(ui_app *app, void *data, void *owner)
{
    test_job *job = data;
    job->done(app, &job->test, owner);
}

static void test_free(void *data)
{
    test_job *job = data;
    sodium_memzero(job->test.api_key, sizeof job->test.api_key);
    mm_call_result_free(&job->test.result);
    free(job);
}

bool ui_connection_check_start(ui_app *app, const mm_account *acc, const char *api_key,
                               ui_connection_check_done_fn done, void *owner)
{
    test_job *job = calloc(1, sizeof *job);
    if (!job)
        return false;
    ui_connection_check *t = &job->test;
    mm_copy(t->account, sizeof t->account, acc->name);
    mm_copy(t->provider, sizeof t->provider, acc->provider);
    mm_copy(t->base_url, sizeof t->base_url, acc->endpoint);
    mm_copy(t->api_version, sizeof t->api_version, acc->api_version);
    mm_copy(t->ca_bundle, sizeof t->ca_bundle, acc->ca_bundle);
    mm_copy(t->api_key, sizeof t->api_key, api_key ? api_key : "");
    job->done = done;
    if (!ui_job_start(app, test_work, test_done, test_free, job, owner)) {
        ui_set_message(app, UI_EL_ERROR, "Could not start the test thread.");
        return false;
    }
    return true;
}

mm_status ui_connection_check_record(ui_app *app, const ui_connection_check *t, mm_error *err)
{
    mm_probe_record rec = {.discovered = &t->result.models};
    catalog_probe_event(&rec.event, t->account, t->provider, &t->result, mm_now_ms());
    mm_status st = catalog_probe_record(app->cat, &rec, 1, err);
    if (st == MM_OK)
        ui_monitor_refresh(app); /* the status follows the result at once, on every page */
    return st;
}

void ui_connection_check_describe(const ui_app *app, const ui_connection_check *t, char *out,
                                  size_t outsz)
{
    const mm_call_result *r = &t->result;
    if (r->ok) {
        int n = snprintf(out, outsz, "%s Connected in %lld ms: %zu models found.\n\n",
                         ui_glyph(app, UI_G_CHECK), (long long)r->latency_ms, r->models.count);
        size_t used = n > 0 ? (size_t)n : 0;
        for (size_t i = 0; i < r->models.count && used < outsz; i++) {
            char clean[MM_PROVIDER_MODEL_MAX];
            mm_sanitize(clean, sizeof clean, r->models.items[i], strlen(r->models.items[i]));
            n = snprintf(out + used, outsz - used, "  %s\n", clean);
            used += n > 0 ? (size_t)n : 0;
        }
        return;
    }
    char message[sizeof r->message];
    mm_sanitize(message, sizeof message, r->message, strlen(r->message));
    char status[32] = "";
    if (r->http_status)
        snprintf(status, sizeof status, " (HTTP %d)", r->http_status);
    /* Test Connection lists the models: the advice for a listing (base URL, not model name) */
    const char *hint = mm_error_class_list_hint(r->cls, r->http_status);
    bool said = hint && strstr(message, hint); /* adapters often append the hint already */
    const char *cls = mm_error_class_name(r->cls);
    snprintf(out, outsz, "%s %s%s: %s%s%s", ui_glyph(app, UI_G_CROSS), cls, status,
             mm_error_message_after_class(message, cls),
             said ? "" : "\n\nWhat to do: ", said ? "" : hint);
}
