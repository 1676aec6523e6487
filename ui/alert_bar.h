/* The header's alert slot: whether the catalog answers ("catalog unreachable since 14:03:07 —
 * retrying" while its server is down, the cause on the message line), else how many alerts fire
 * and the worst of them ("ALERTS 2: critical provider_unreachable oa"), read from the catalog's
 * open alerts. */
#ifndef MM_UI_ALERT_BAR_H
#define MM_UI_ALERT_BAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"

/* The catalog's reachability as the console's periodic read saw it (kept in ui_app). */
typedef struct ui_catalog_reach {
    int64_t since_ms; /* wall-clock ms of the first failed read of this outage, 0: it answers */
    char cause[160];  /* that failure's first line (addresses shown without their password) */
} ui_catalog_reach;

typedef struct ui_app ui_app;

/* Notes the result (st, err) of the console's periodic read of the catalog (data_version, at
 * least once a second) in app->catalog_reach; when the outage starts or its cause changes, says
 * the cause on the message line, and when it ends, how long it lasted. true when the slot's
 * text changed (the frame is to be drawn again). */
bool ui_alert_bar_follow(ui_app *app, mm_status st, const mm_error *err);

/* The slot's texts: both "" when the catalog answers and no alert fires. */
typedef struct ui_alert_slot {
    char text[160];   /* " catalog unreachable since 14:03:07 — retrying ", " ALERTS 2: ... " */
    char compact[64]; /* the same in fewer columns, for a narrow header: " unreachable since
                         14:03:07 ", " ALERTS 2: critical " */
    bool critical;    /* an outage, or the worst alert is critical */
} ui_alert_slot;

/* Fills slot from reach and the catalog's open alerts (one read of them). */
void ui_alert_bar_text(const ui_catalog_reach *reach, mm_catalog *cat, ui_alert_slot *slot);

#endif
