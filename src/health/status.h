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

/* Reads the integer setting `key` into *value when it is set and within [min, max]; otherwise
 * keeps *value and, when set but invalid, returns MM_E_INVALID saying what is accepted. */
mm_status health_setting_integer(mm_catalog *cat, const char *key, int64_t min, int64_t max,
                                 int64_t *value, mm_error *err);

#endif
