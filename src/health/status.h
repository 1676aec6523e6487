/* The status rule applied to one account's window (used by the report, the monitor and
 * health_status_from_catalog, so all of them agree). */
#ifndef MM_HEALTH_STATUS_H
#define MM_HEALTH_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "health/health.h"
#include "health/window.h"

/* win may be NULL (no events: unknown). reason (may be NULL) gets one line saying why. */
mm_health health_status_evaluate(const mm_account_window *win, int64_t now_ms,
                                 const mm_health_thresholds *t, char *reason, size_t reasonsz);

/* An account whose stored API key cannot be decrypted (the master key right, its secret
 * damaged) is not probed; one home for what is said of it. The status reason (an account
 * without events in the hour): that the key cannot be decrypted and the command that sets it
 * again, under MM_HEALTH_LINE_MAX for any account name. */
void health_key_unreadable_reason(char *out, size_t outsz, const char *account);
/* The last test the prober records for it: "not probed: " and that reason. */
void health_key_unreadable_test(char *out, size_t outsz, const char *account);
/* Whether an account's last test (ok, message) is that one. */
bool health_test_says_key_unreadable(bool ok, const char *message);

#endif
