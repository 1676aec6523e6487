/* The header's alert slot (alert_bar.h): a catalog that does not answer (since when; why on the
 * message line), else the count of firing alerts and the worst, the most severe, then oldest. */
#include "alert_bar.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alerts/alert_rules.h"
#include "app.h"
#include "catalog/alerts.h"
#include "util/clock.h"
#include "util/text.h"

#define OPEN_LIMIT 1000

bool ui_alert_bar_follow(ui_app *app, mm_status st, const mm_error *err)
{
    ui_catalog_reach *reach = &app->catalog_reach;
    if (st != MM_E_DB) { /* it answered (or refused for a reason of its own, not the server) */
        if (reach->since_ms == 0)
            return false;
        ui_set_message(app, UI_EL_OK, "The catalog answers again (after %lld s).",
                       (long long)((mm_now_ms() - reach->since_ms + 500) / 1000));
        memset(reach, 0, sizeof *reach);
        return true;
    }
    char cause[sizeof reach->cause];
    size_t line = strcspn(err->message, "\r\n"); /* libpq's hints follow on further lines */
    mm_sanitize(cause, sizeof cause, err->message, line);
    if (reach->since_ms && strcmp(cause, reach->cause) == 0)
        return false;
    if (reach->since_ms == 0)
        reach->since_ms = mm_now_ms();
    mm_copy(reach->cause, sizeof reach->cause, cause);
    ui_set_message(app, UI_EL_BAD,
                   "The catalog does not answer: %s. Retrying every second; "
                   "a change saved meanwhile fails and keeps its values.",
                   reach->cause);
    return true;
}

static void outage_text(const ui_catalog_reach *reach, ui_alert_slot *slot)
{
    time_t since = (time_t)(reach->since_ms / 1000);
    struct tm local;
    char clock[16] = "";
    if (localtime_r(&since, &local))
        strftime(clock, sizeof clock, "%H:%M:%S", &local);
    snprintf(slot->text, sizeof slot->text, " catalog unreachable since %s — retrying ", clock);
    snprintf(slot->compact, sizeof slot->compact, " unreachable since %s ", clock);
}

void ui_alert_bar_text(const ui_catalog_reach *reach, mm_catalog *cat, ui_alert_slot *slot)
{
    memset(slot, 0, sizeof *slot);
    if (reach->since_ms) {
        slot->critical = true;
        outage_text(reach, slot);
        return;
    }
    mm_alert_list open = {0};
    mm_error err;
    mm_error_clear(&err);
    if (catalog_alert_list(cat, true, OPEN_LIMIT, &open, &err) != MM_OK || open.count == 0) {
        mm_alert_list_free(&open);
        return;
    }
    const mm_alert *worst = &open.items[0];
    for (size_t i = 1; i < open.count; i++) {
        const mm_alert *a = &open.items[i];
        int rank = alert_severity_rank(a->severity), best = alert_severity_rank(worst->severity);
        if (rank > best || (rank == best && a->fired_ms <= worst->fired_ms))
            worst = a;
    }
    slot->critical = alert_severity_rank(worst->severity) >= 2;
    snprintf(slot->text, sizeof slot->text, " ALERTS %zu: %.15s %.48s %.72s ", open.count,
             worst->severity, worst->rule, worst->subject);
    snprintf(slot->compact, sizeof slot->compact, " ALERTS %zu: %.15s ", open.count,
             worst->severity);
    mm_alert_list_free(&open);
}
