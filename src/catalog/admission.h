/* Router admission in the catalog: the usage counters limits are judged on (per account, per
 * workspace and model), each account's latest outcomes, and the atomic admit / record steps that
 * make limits hold across every process sharing the catalog. */
#ifndef MM_CATALOG_ADMISSION_H
#define MM_CATALOG_ADMISSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "catalog/write_outcome.h"

#define MM_ADMISSION_WINDOW_MS 60000 /* RPM and TPM are judged over the last minute */

/* Counters as of now_ms. For an account every attempt counts (each one reached the provider);
 * for a workspace only what it was served counts: attempts that succeeded or whose request
 * error was returned to it (one per request), not failures the router fell through. Requests
 * admitted but still running (reservations) count in both. */
typedef struct mm_usage_counters {
    int64_t requests_window; /* in [now - 1 min, now] */
    int64_t tokens_window;
    int64_t window_oldest_ms;  /* oldest counted request of that minute; 0 when none */
    int64_t tokens_month;      /* since the start of the UTC month */
    int64_t cost_month_micros; /* events without a price count 0; reservations their estimate */
} mm_usage_counters;

/* with_month: also sum the calendar month (tokens_month, cost_month_micros), which costs a scan
 * of the month's events; skip it when no monthly limit is set (the fields stay 0). */
mm_status catalog_account_counters(mm_catalog *cat, const char *account, int64_t now_ms,
                                   bool with_month, mm_usage_counters *out, mm_error *err);
mm_status catalog_workspace_counters(mm_catalog *cat, const char *workspace, const char *model,
                                     int64_t now_ms, bool with_month, mm_usage_counters *out,
                                     mm_error *err);

/* The live reservations of an account (workspace NULL) or of a workspace's model (account
 * NULL) whose holding process has ended (killed mid-request): they still count against the
 * limits until they expire, as the request may have reached the provider. *until_ms: when the
 * last of them expires (0 when none). Checks each holder in /proc (util/process.h). */
mm_status catalog_reservations_ended(mm_catalog *cat, const char *account, const char *workspace,
                                     const char *model, int64_t now_ms, int64_t *count,
                                     int64_t *until_ms, mm_error *err);

/* The account's latest request events, newest first (at most max): for cool-downs. */
typedef struct mm_recent_outcome {
    char outcome[MM_CLASS_MAX];
    int http_status;
    int64_t ts_ms;
    int64_t retry_after_ms;
} mm_recent_outcome;

mm_status catalog_recent_outcomes(mm_catalog *cat, const char *account, mm_recent_outcome *out,
                                  size_t max, size_t *count, mm_error *err);

/* One attempt to admit. The workspace limits are judged only for a new request (*reservation
 * 0); a fallback attempt moves the request's reservation to its account and is judged on the
 * account's limits only. */
typedef struct mm_admission_request {
    const char *workspace, *model, *account;
    int64_t workspace_rpm, workspace_tpm, workspace_monthly_tokens; /* MM_LIMIT_UNSET: none */
    int64_t account_rpm, account_tpm, account_monthly_cap_micros;
    int64_t tokens_estimate;      /* prompt estimate + max output tokens */
    int64_t cost_estimate_micros; /* tokens_estimate at this attempt's price; < 0: no price */
    int64_t now_ms;
    int64_t hold_ms;   /* how long the reservation lives if this process dies (timeout + margin) */
    bool account_only; /* a new reservation on the account alone (workspace and model ''): the
                          workspace's limits were judged elsewhere (a lease, catalog_lease_take) */
} mm_admission_request;

typedef enum mm_admission_verdict {
    MM_ADMITTED = 0,
    MM_ADMIT_WORKSPACE_RPM,
    MM_ADMIT_WORKSPACE_TPM,
    MM_ADMIT_WORKSPACE_MONTHLY_TOKENS,
    MM_ADMIT_ACCOUNT_RPM,
    MM_ADMIT_ACCOUNT_TPM,
    MM_ADMIT_ACCOUNT_SPEND_CAP
} mm_admission_verdict;

typedef struct mm_admission {
    mm_admission_verdict verdict;
    mm_usage_counters counters; /* of the workspace or account that refused */
    int64_t frees_at_ms;        /* refused: when the window frees */
} mm_admission;

/* In one BEGIN IMMEDIATE transaction: counts (reservations included: their tokens against the
 * token limits, their estimated cost against the spending cap), judges and (if admitted)
 * writes or moves the reservation with its tokens, cost and this process's identity
 * (*reservation: 0 for a new request, set on return). */
mm_status catalog_admit(mm_catalog *cat, const mm_admission_request *req, int64_t *reservation,
                        mm_admission *out, mm_error *err);
/* In one transaction: inserts the attempt's usage event (sets ev->id) and either ends the
 * request's reservation (final: the event's real tokens and cost replace the estimate) or
 * detaches it from the account for the next attempt. */
mm_status catalog_admission_record(mm_catalog *cat, int64_t reservation, mm_usage_event *ev,
                                   bool final, mm_error *err);
/* SQLite: prepares the statements catalog_admission_record reuses (the usage insert, the
 * rollups' upserts and position: ~0.9 M instructions of parsing), so a one-shot process can do it
 * while it waits for something else instead of after the answer; nothing on PostgreSQL. Errors are
 * the prepare's (the record would meet them again). */
mm_status catalog_admission_prepare_record(mm_catalog *cat, mm_error *err);
/* Drops a reservation without an event (the request ended before anything was sent). */
mm_status catalog_admission_release(mm_catalog *cat, int64_t reservation, mm_error *err);

/* ---- limit leases (`mmadmin serve`): a reservation row holding a slice of one scope's limits
 * for one process, which then admits in memory against it (src/catalog/README.md) ---- */
#define MM_LEASE_FRACTION 4  /* a lease takes 1/4 of what is left of each limit... */
#define MM_LEASE_MIN_SHARE 8 /* ...when that is at least 8 requests' worth; else: exact path */

/* A workspace's model (its rpm, tpm, monthly_tokens) or an account (workspace NULL: its rpm,
 * tpm, monthly_cap_micros). MM_LIMIT_UNSET: no such limit (nothing of it is leased). */
typedef struct mm_limit_scope {
    const char *workspace, *model, *account;
    int64_t rpm, tpm, monthly_tokens, monthly_cap_micros;
} mm_limit_scope;

/* Requests (against requests/min), tokens (tokens/min and the monthly tokens), USD micros. */
typedef struct mm_lease_amounts {
    int64_t requests, tokens, cost_micros;
} mm_lease_amounts;

/* In one transaction: drops expired reservations; sets this process's lease row *id (0: none
 * yet; set when one is inserted) to keep (the part in use: the rest is returned); counts the
 * scope; and when 1/MM_LEASE_FRACTION of what is left of every set limit is at least
 * MM_LEASE_MIN_SHARE times need, grows the row by that slice (*granted). *row: what the row
 * holds on return. The row lives until now_ms + hold_ms unless renewed (catalog_lease_set). */
mm_status catalog_lease_take(mm_catalog *cat, const mm_limit_scope *scope,
                             const mm_lease_amounts *keep, const mm_lease_amounts *need,
                             int64_t now_ms, int64_t hold_ms, int64_t *id, mm_lease_amounts *row,
                             bool *granted, mm_error *err);
/* Sets lease row id to amounts until expires_ms (renewing or returning part of it); deletes it
 * when expires_ms is 0. */
mm_status catalog_lease_set(mm_catalog *cat, int64_t id, const mm_lease_amounts *amounts,
                            int64_t expires_ms, mm_error *err);

/* One recorded attempt for catalog_admission_flush: its event, the lease rows it used (0: none)
 * and an exact reservation it ends (0: none). The flush sets what each lease gave: a workspace's
 * 1 request and the tokens when the event was served, an account's for every attempt (with its
 * cost), the same rule as the counters. */
typedef struct mm_admission_record {
    mm_usage_event event;
    int64_t workspace_lease, account_lease, reservation;
    mm_lease_amounts workspace_used, account_used; /* set by the flush */
} mm_admission_record;

/* In one transaction (group commit): inserts every event (ids set; rollups follow), lowers each
 * lease row by what its events used (never below 0) and deletes the reservations, so a use is
 * counted by its lease or by its event, never by neither. On failure nothing is written, unless
 * the failure hid the answer to a COMMIT the server made (PostgreSQL: the connection dropped
 * after the COMMIT was sent): *transaction (set on PostgreSQL, 0 on SQLite) then lets
 * catalog_write_outcome tell, so a retry never writes the batch twice. */
mm_status catalog_admission_flush(mm_catalog *cat, mm_admission_record *records, size_t count,
                                  int64_t *transaction, mm_error *err);

#endif
