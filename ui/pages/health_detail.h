/* The health detail of one account (Enter on the Provider Health page): per-minute charts of
 * the last hour, spend against the cap with its projection, cool-down or disable reason, the
 * models falling back away from it, and its last errors; live while open. */
#ifndef MM_UI_HEALTH_DETAIL_H
#define MM_UI_HEALTH_DETAIL_H

#include "app.h"
#include "health/monitor.h"

/* Runs the detail as a modal layer until closed. *snapshot is the app's current snapshot
 * (app->health), which the frame replaces on wakes while the detail is open (the detail reads
 * it at each draw); it may be NULL. */
void health_detail_run(ui_app *app, mm_health_snapshot *const *snapshot, const char *account);

#endif
