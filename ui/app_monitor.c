/* The frame's health monitor: starting and stopping it (and the console's rule for large
 * transient blocks), taking each new snapshot into the app context on the UI thread, and the
 * header's prober state. */
#include "app_monitor.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "alerts/alert_engine.h"
#include "util/text.h"

/* The console's readers hold lists of 10,000 accounts or models for a moment (the prober's
 * round, the Health page's unpriced-cap line): blocks from 128 KiB up are mapped and unmapped,
 * so that freeing one gives its memory back. glibc's default raises that threshold to the size
 * of the largest block freed, after which such lists stay in the heap once freed. */
#define LARGE_BLOCK_BYTES (128 * 1024)
/* The monitor makes its prober when the first frame with its figures is drawn
 * (ui_monitor_first_frame), or this long after they were published (a screen too small to
 * draw them). */
#define FIRST_FRAME_WAIT_MS 1000

void ui_monitor_start(ui_app *app)
{
    mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK_BYTES);
    mm_error err;
    mm_error_clear(&err);
    /* a probe needs the account's key: without the right master key every probe would be
     * recorded as the provider's failure, for every console sharing the catalog to see */
    app->no_keys = !app->read_only && catalog_vault_check(app->cat, &err) != MM_OK;
    if (app->no_keys)
        ui_set_message(app, UI_EL_WARN, "Not probing: %s", err.message);
    mm_monitor_config cfg = {
        .catalog_path = catalog_path(app->cat),
        .wake_fd = ui_wake_fd(app),
        .probe = !app->read_only && !app->no_keys, /* else tail and compute, never probe */
        .frame_wait_ms = FIRST_FRAME_WAIT_MS,      /* the prober once the figures are drawn */
        .month_later = true, /* the first frame before the month's day rollups are read */
    };
    mm_error_clear(&err);
    app->monitor_problem[0] = '\0';
    if (health_monitor_start(&cfg, &app->monitor, &err) != MM_OK) {
        app->monitor = NULL;
        snprintf(app->monitor_problem, sizeof app->monitor_problem,
                 "The health monitor did not start: %.400s", err.message);
        return;
    }
}

/* The alert engine once figures with the month's cost are out (a monthly cap's rule must not
 * read a month still pending as no spend): in a turn no key waits for (ui_monitor_between_keys;
 * it opens its own catalog connection, 5-9 ms). */
static void alerts_due(ui_app *app)
{
    app->alerts_due = true;
}

static void alerts_start(ui_app *app)
{
    if (!app->monitor || app->alert_engine || app->read_only || !app->health ||
        app->health->month_pending)
        return;
    /* alerts are evaluated by the prober: this console when it holds the lease */
    mm_alert_engine_config alerts = {.catalog_path = catalog_path(app->cat),
                                     .monitor = app->monitor};
    mm_error err;
    mm_error_clear(&err);
    if (alert_engine_start(&alerts, &app->alert_engine, &err) != MM_OK) {
        app->alert_engine = NULL;
        snprintf(app->monitor_problem, sizeof app->monitor_problem,
                 "The alert engine did not start: %.400s", err.message);
    }
}

void ui_monitor_first_frame(ui_app *app)
{
    if (app->monitor)
        health_monitor_frame_shown(app->monitor);
    alerts_due(app);
}

static bool release_parked(ui_app *app)
{
    if (!app->health_parked)
        return false;
    health_snapshot_release(app->health_parked);
    app->health_parked = NULL;
    return true;
}

void ui_monitor_stop(ui_app *app)
{
    alert_engine_stop(app->alert_engine); /* it reads the monitor's snapshots: first */
    app->alert_engine = NULL;
    if (app->monitor)
        health_monitor_stop(app->monitor);
    app->monitor = NULL;
    release_parked(app);
    health_snapshot_release(app->health);
    app->health = NULL;
}

bool ui_monitor_between_keys(ui_app *app)
{
    if (release_parked(app))
        return true;
    if (!app->alerts_due)
        return false;
    app->alerts_due = false;
    alerts_start(app);
    return true;
}

bool ui_monitor_take(ui_app *app)
{
    if (!app->monitor)
        return false;
    mm_health_snapshot *fresh = health_monitor_snapshot(app->monitor);
    if (fresh == app->health) {
        health_snapshot_release(fresh);
        return false;
    }
    bool month_came = app->health && app->health->month_pending && fresh && !fresh->month_pending;
    release_parked(app);              /* two snapshots in one turn: the older goes now */
    app->health_parked = app->health; /* released in a turn no key waits for */
    app->health = fresh;
    app->health_serial++;
    if (month_came && app->alerts_tried) /* the first frame was drawn with the month pending */
        alerts_due(app);
    return true;
}

void ui_monitor_refresh(ui_app *app)
{
    if (app->monitor)
        health_monitor_refresh(app->monitor);
    ui_monitor_take(app);
}

void ui_prober_state(const ui_app *app, char *out, size_t outsz)
{
    const mm_health_snapshot *snap = app->health;
    if (!app->monitor) {
        snprintf(out, outsz, "prober: off (no monitor)");
    } else if (app->read_only) {
        snprintf(out, outsz, "prober: off (read-only)");
    } else if (app->no_keys) {
        snprintf(out, outsz, "prober: off (master key)");
    } else if (!snap) {
        snprintf(out, outsz, "prober: starting");
    } else if (snap->is_prober) {
        snprintf(out, outsz, "prober: this console");
    } else if (snap->prober[0]) {
        char holder[MM_LEASE_HOLDER_MAX];
        mm_copy(holder, sizeof holder, snap->prober);
        char *nonce = strrchr(holder, ':'); /* host:pid:nonce -> host:pid */
        if (nonce && nonce != strchr(holder, ':'))
            *nonce = '\0';
        snprintf(out, outsz, "prober: other (%.40s)", holder);
    } else {
        snprintf(out, outsz, "prober: none yet");
    }
}
