/* The status rule applied to one account's window (used by the report, the monitor and
 * health_status_from_catalog, so all of them agree). */
#ifndef MM_HEALTH_STATUS_H
#define MM_HEALTH_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "health/health.h"
#include "health/window.h"

/* win may be NULL (no events: unknown). reason (may be NULL) gets one line saying why. */
mm_health health_status_evaluate(const mm_account_window *win, int64_t now_ms,
                                 const mm_health_thresholds *t, char *reason, size_t reasonsz);

#endif
