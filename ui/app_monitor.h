/* The console's one health monitor, owned by the frame: started with the console (so the
 * header's prober state is right on every page), its latest snapshot held in the app context
 * for the header, the Provider Health page and the Models page. */
#ifndef MM_UI_APP_MONITOR_H
#define MM_UI_APP_MONITOR_H

#include <stdbool.h>
#include <stddef.h>

#include "app.h"

/* Starts the monitor on its own catalog connection (probing unless read-only; its prober made
 * once ui_monitor_first_frame is called); when it cannot start, app->monitor stays NULL and
 * app->monitor_problem says why. */
void ui_monitor_start(ui_app *app);
/* The frame calls it once, when the first frame with the monitor's figures is on the terminal:
 * the monitor makes its prober now (libcurl, TLS set-up, the lease's first write: none of it
 * competes with that frame), and the alert engine is due (ui_monitor_between_keys starts it on
 * its own catalog connection, over the monitor's snapshots; unless read-only or without a
 * monitor; its thread evaluates only once a second as the prober). Failure is said in
 * app->monitor_problem. */
void ui_monitor_first_frame(ui_app *app);
/* Stops the monitor and releases the snapshot (after the pages are gone). */
void ui_monitor_stop(ui_app *app);
/* Takes the monitor's latest snapshot into app->health; true when it is a new one (then
 * app->health_serial has moved on). Called by the loop on each wake, before pages' on_wake. */
bool ui_monitor_take(ui_app *app);
/* The monitor's work the loop does in a turn with no key, wake or timer waiting (one piece a
 * call): the snapshot the last take replaced released, then the alert engine started when due.
 * True when it did one. */
bool ui_monitor_between_keys(ui_app *app);
/* Asks the monitor to re-read accounts and settings and recompute now, and takes what it has. */
void ui_monitor_refresh(ui_app *app);
/* The header's prober slot: "prober: this console", "prober: other (host:pid)", "prober: off
 * (read-only)", ... */
void ui_prober_state(const ui_app *app, char *out, size_t outsz);

#endif
