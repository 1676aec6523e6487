/* The header's alert slot (alert_bar.h): the count of firing alerts and the worst one, the
 * most severe and, among equals, the oldest. */
#include "alert_bar.h"

#include <stdio.h>
#include <string.h>

#include "alerts/alert_rules.h"
#include "catalog/alerts.h"

#define OPEN_LIMIT 1000

void ui_alert_bar_text(mm_catalog *cat, char *out, size_t outsz, bool *critical)
{
    out[0] = '\0';
    *critical = false;
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
    *critical = alert_severity_rank(worst->severity) >= 2;
    snprintf(out, outsz, " ALERTS %zu: %s %s %s ", open.count, worst->severity, worst->rule,
             worst->subject);
    mm_alert_list_free(&open);
}
