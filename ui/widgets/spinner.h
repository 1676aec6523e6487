/* The activity spinner shown while background work runs (a row under test, Test Connection). */
#ifndef MM_UI_SPINNER_H
#define MM_UI_SPINNER_H

#include <stdint.h>

#include "modal.h"

#define UI_SPINNER_INTERVAL_MS 120

/* The frame to show at now_ms: braille dots on UTF-8 terminals (except the Linux console,
 * whose font lacks them), | / - \ otherwise. */
const char *ui_spinner_frame(const ui_app *app, int64_t now_ms);

#endif
