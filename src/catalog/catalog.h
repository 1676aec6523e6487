/* The catalog's public API: opening the SQLite file, and every read and write of accounts,
 * logical models and their targets, workspaces, entitlements, usage events, prices and audit. */
#ifndef MM_CATALOG_H
#define MM_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "util/histogram.h"
#include "util/money.h"
#include "util/strlist.h"

/* ---- sizes (inputs longer than a field are refused by validation, never truncated) ---- */
#define MM_NAME_MAX 64        /* names: [a-z0-9][a-z0-9._-]{0,62} */
#define MM_PROVIDER_ID_MAX 32 /* "azure-openai" */
#define MM_URL_MAX 512        /* endpoints, CA bundle paths */
#define MM_API_VERSION_MAX 32 /* "2024-10-21" */
#define MM_HINT_MAX 24        /* "sk-…wxyz" */
#define MM_PROVIDER_MODEL_MAX 128
#define MM_DESCRIPTION_MAX 256
#define MM_REASON_MAX 256
#define MM_MESSAGE_MAX 512
#define MM_CLASS_MAX 16   /* "ok", "auth", "rate_limited", ... */
#define MM_MAX_TARGETS 16 /* longest fallback chain */
#define MM_API_KEY_MAX 4096

/* A limit value of 0 means "not set" (JSON null); a set limit is a positive integer. */
#define MM_LIMIT_UNSET 0

typedef struct mm_catalog mm_catalog; /* one SQLite connection + vault; not thread-safe:
                                         each thread opens its own */

typedef struct mm_catalog_options {
    const char *path;     /* NULL: $MM_DB, else $XDG_DATA_HOME/mechamental/catalog.db */
    bool read_only;       /* open read-only; also set automatically if the file is not writable */
    bool create;          /* create the file (0600) and its folder if missing (default for CLI) */
    const char *given_by; /* the option path came from, for hints ("--to"); NULL: --db or MM_DB */
    int cache_kib;        /* SQLite: this connection's page cache in KiB; 0: SQLite's default
                             (2000 KiB). A process with many connections (serve's pool) keeps it
                             small so its memory stays flat while the usage tables grow */
} mm_catalog_options;

/* Resolves the catalog path from --db, $MM_DB (a leading "~/" is $HOME), $XDG_DATA_HOME or
 * ~/.local/share. */
mm_status catalog_resolve_path(const char *explicit_path, char *out, size_t outsz, mm_error *err);
/* Opens (creating if asked), sets WAL, foreign_keys, busy timeout, runs migrations. A catalog
 * whose user_version is newer than this binary knows is refused with MM_E_SCHEMA, unaltered. */
mm_status catalog_open(const mm_catalog_options *opts, mm_catalog **out, mm_error *err);
void catalog_close(mm_catalog *cat);
/* A short session run once a request (`mmadmin send`): on SQLite its close leaves the WAL as it
 * is — no checkpoint, no unlink — so the next such session appends to it instead of creating,
 * syncing and checkpointing a new one (4 fsyncs a request); the automatic checkpoint (at 256
 * pages in such a session: each process reads the whole WAL at open) and the next ordinary
 * session's close move the pages into the file. Durability is unchanged (WAL,
 * synchronous=NORMAL). Nothing on PostgreSQL. */
void catalog_keep_wal_on_close(mm_catalog *cat);
/* One consistent picture for a run of reads (a send's plan): catalog_read_begin opens a read
 * transaction (SQLite deferred BEGIN in WAL; PostgreSQL REPEATABLE READ, READ ONLY) unless one
 * is already open (then *began = false and the reads join it); catalog_read_end(began) ends what
 * catalog_read_begin began and returns status. Errors: MM_E_DB as db_begin. No writes between. */
mm_status catalog_read_begin(mm_catalog *cat, bool *began, mm_error *err);
mm_status catalog_read_end(mm_catalog *cat, bool began, mm_status status, mm_error *err);
/* Statements and transactions this connection ran since it opened (db_counts_of): for tests
 * that hold a command to its number of statements. */
void catalog_sql_counts(const mm_catalog *cat, int64_t *statements, int64_t *transactions);
const char *catalog_path(const mm_catalog *cat);
bool catalog_is_read_only(const mm_catalog *cat);
/* SQLite's PRAGMA data_version of this connection: it changes when another connection (another
 * process, or another thread's connection) commits; this connection's own writes leave it. A
 * cheap check (no table is read) for "does what I show need re-reading?". */
mm_status catalog_data_version(mm_catalog *cat, int64_t *version, mm_error *err);
/* Waits up to timeout_ms for another session's commit to the catalog: PostgreSQL sleeps on the
 * connection (woken at once by NOTIFY; the next catalog_data_version then differs), SQLite just
 * sleeps (catalog_data_version is polled after). MM_E_DB when the connection is lost. */
mm_status catalog_wait_change(mm_catalog *cat, int timeout_ms, mm_error *err);
/* The descriptor that becomes readable when another session commits (PostgreSQL: LISTEN on the
 * connection), for poll(); -1 on SQLite (poll catalog_data_version instead). */
int catalog_change_fd(const mm_catalog *cat);
/* True once this process saw the file damaged (SQLITE_CORRUPT / NOTADB, or quick_check of the
 * configuration tables failing before the first write): every later write is refused. */
bool catalog_is_damaged(const mm_catalog *cat);
/* This session writes traffic only — usage events and their rollups, reservations, month sums
 * (`mmadmin send`) — never a configuration row: the check before its first write is then
 * quick_check of the bounded tables such a write changes (router_reservations,
 * router_month_sums, meta) instead of every configuration table. The configuration rows it reads
 * still meet any damage on their pages (SQLITE_CORRUPT marks the catalog damaged). */
void catalog_expect_traffic_writes(mm_catalog *cat);

/* What `mmadmin check` found: integrity_check's problems (at most 100) and foreign_key_check's
 * rows ("table T row N refers to a missing row of P"); ok when both are empty. remedy: what to
 * do when not ok, for the catalog's engine (a static string). */
typedef struct mm_catalog_check {
    bool ok;
    mm_string_list integrity;
    mm_string_list foreign_keys;
    const char *remedy;
} mm_catalog_check;
/* Runs PRAGMA integrity_check and foreign_key_check over the whole file (slow on a large
 * catalog: reads every page). A damaged file is MM_OK with out->ok false (and marks the catalog
 * damaged); errors only for out-of-memory. Free out with mm_catalog_check_free. */
mm_status catalog_check(mm_catalog *cat, mm_catalog_check *out, mm_error *err);
void mm_catalog_check_free(mm_catalog_check *check);

/* Something the catalog did on the side that the user should be told (a damaged key file
 * replaced), or "". */
const char *catalog_note(const mm_catalog *cat);
int catalog_schema_version(void); /* the newest schema this binary knows */
/* The actor written to the audit log: $SUDO_USER, else the login name (looked up at the first
 * use, so a session that writes no audit row never reads the user database). Overridable for
 * tests. */
void catalog_set_actor(mm_catalog *cat, const char *actor);
const char *catalog_actor(mm_catalog *cat);

/* ---- provider accounts ---- */
typedef struct mm_account {
    int64_t id;
    char name[MM_NAME_MAX];
    char provider[MM_PROVIDER_ID_MAX];
    char endpoint[MM_URL_MAX]; /* "" = the provider's default base URL */
    char api_version[MM_API_VERSION_MAX];
    char ca_bundle[MM_URL_MAX]; /* "" = system CA store */
    char key_hint[MM_HINT_MAX]; /* "" when the account has no key */
    bool has_key;
    int64_t rpm;               /* requests/min, MM_LIMIT_UNSET or 1..10,000,000 */
    int64_t tpm;               /* tokens/min, MM_LIMIT_UNSET or 1..10,000,000,000 */
    int64_t monthly_cap_cents; /* USD cents, MM_LIMIT_UNSET or 1..100,000,000,00 */
    bool enabled;
    char disabled_reason[MM_REASON_MAX];
    int64_t version; /* row version, for optimistic concurrency */
    int64_t created_ms, updated_ms;
    /* last Test Connection / probe result (not versioned, not audited) */
    int64_t last_test_ms; /* 0 = never tested */
    bool last_test_ok;
    char last_test_class[MM_CLASS_MAX];
    char last_test_message[MM_MESSAGE_MAX];
    int64_t last_test_latency_ms;
} mm_account;

typedef struct mm_account_list {
    mm_account *items;
    size_t count;
} mm_account_list;

/* Fills acc with defaults: enabled, no limits. */
void mm_account_init(mm_account *acc);
/* Validates every rule on acc (+ key if not NULL) without touching the catalog; err->field
 * names the offending field. Used by forms for inline messages and by insert/update. */
mm_status catalog_account_validate(const mm_account *acc, const char *api_key, mm_error *err);
/* Inserts; api_key may be NULL (or "" = none). Encrypts the key, sets acc->id, version, hint. */
mm_status catalog_account_insert(mm_catalog *cat, mm_account *acc, const char *api_key,
                                 mm_error *err);
/* Updates the row whose id is acc->id if its version is still acc->version (else MM_E_CONFLICT,
 * "changed by another session since you opened it"). new_key NULL or "" keeps the key.
 * Renames are allowed (targets follow, they reference the id). On success acc->version++.
 * A new key, provider, endpoint, API version or CA bundle clears the last test result
 * (last_test_ms 0: "untested"), in the catalog and in acc. */
mm_status catalog_account_update(mm_catalog *cat, mm_account *acc, const char *new_key,
                                 mm_error *err);
/* Removes; refused with MM_E_IN_USE while targets use it, message listing model and priority. */
mm_status catalog_account_delete(mm_catalog *cat, const char *name, mm_error *err);
mm_status catalog_account_get(mm_catalog *cat, const char *name, mm_account *out, mm_error *err);
mm_status catalog_account_list(mm_catalog *cat, mm_account_list *out, mm_error *err);
void mm_account_list_free(mm_account_list *list);
/* Every account in name order, one at a time (one row in memory, reused: copy what you keep),
 * for readers of 10,000 accounts that need each once (`health --json`). */
typedef void (*mm_account_fn)(const mm_account *acc, void *ctx);
mm_status catalog_account_each(mm_catalog *cat, mm_account_fn fn, void *ctx, mm_error *err);
/* The accounts whose last test (account_status: every Test Connection and monitor probe writes
 * it) was at or after since_ms (wall clock, ms) and whose name sorts after after_name (the
 * catalog's order; "" or NULL: from the first), in name order, at most limit of them (0: every
 * one), each given to fn: what a probe commit changed, without reading every account, a page
 * at a time (the next page after the last name given). The accounts are walked by the name
 * index and each one's account_status found by id (no index on tested_ms). */
mm_status catalog_account_each_tested_since(mm_catalog *cat, int64_t since_ms,
                                            const char *after_name, size_t limit, mm_account_fn fn,
                                            void *ctx, mm_error *err);
/* Enable / disable with a reason (kept on the row and in the audit log). */
mm_status catalog_account_set_enabled(mm_catalog *cat, const char *name, bool enabled,
                                      const char *reason, mm_error *err);
/* Decrypts the account's API key into out (outsz >= MM_API_KEY_MAX). "" if it has none. The
 * caller wipes it with sodium_memzero after use. */
mm_status catalog_account_secret(mm_catalog *cat, const char *name, char *out, size_t outsz,
                                 mm_error *err);
/* The account's last-test row alone (not audited, no version bump); MM_E_NOT_FOUND when the
 * account is unknown. A finished test or probe is recorded with catalog_probe_record
 * (catalog/probe.h), which also stores its usage event and discovered models. */
mm_status catalog_account_set_test_result(mm_catalog *cat, const char *name, bool ok,
                                          const char *error_class, const char *message,
                                          int64_t latency_ms, mm_error *err);
/* Replaces the account's discovered model ids alone (catalog_probe_record does it for a test). */
mm_status catalog_account_set_discovered(mm_catalog *cat, const char *name,
                                         const char *const *model_ids, size_t count, mm_error *err);
/* Discovered model ids, sorted; caller frees with mm_string_list_free. */
mm_status catalog_account_discovered(mm_catalog *cat, const char *name, mm_string_list *out,
                                     mm_error *err);

/* ---- logical models and their targets ---- */
typedef struct mm_target {
    int64_t id;
    int priority; /* 1 = tried first */
    char account[MM_NAME_MAX];
    char model[MM_PROVIDER_MODEL_MAX]; /* provider model id (Azure: deployment name) */
} mm_target;

typedef struct mm_model {
    int64_t id;
    char name[MM_NAME_MAX];
    char type[16]; /* chat | embedding | image | audio */
    char description[MM_DESCRIPTION_MAX];
    int64_t version;
    int64_t created_ms, updated_ms;
    size_t n_targets; /* sorted by priority */
    mm_target targets[MM_MAX_TARGETS];
    size_t n_entitled; /* number of workspaces entitled (read-only) */
} mm_model;

typedef struct mm_model_list {
    mm_model *items;
    size_t count;
} mm_model_list;

void mm_model_init(mm_model *model);
mm_status catalog_model_validate(const mm_model *model, mm_error *err);
/* Inserts the model itself (targets in model->targets are ignored; use target_add). */
mm_status catalog_model_insert(mm_catalog *cat, mm_model *model, mm_error *err);
/* Updates name/type/description with the version check. */
mm_status catalog_model_update(mm_catalog *cat, mm_model *model, mm_error *err);
/* Deletes the model with its targets and entitlements in one transaction. If counts is not
 * NULL, fills the number of targets and entitlements removed. */
mm_status catalog_model_delete(mm_catalog *cat, const char *name, size_t *targets_removed,
                               size_t *entitlements_removed, mm_error *err);
mm_status catalog_model_get(mm_catalog *cat, const char *name, mm_model *out, mm_error *err);
/* A model with its targets (by priority) and the accounts they name, each once in the order of
 * its first target, appended to accounts (free with mm_account_list_free): one statement, for
 * send's plan. Only what routing and connecting read: the model's id, name, type and version;
 * an account's name, connection, has_key, limits, enabled, disabled_reason and version (its key
 * hint, times and last test left zero). *found false (and MM_OK) when there is no such model.
 * Errors: MM_E_DB, MM_E_INTERNAL (out of memory). */
mm_status catalog_model_chain_read(mm_catalog *cat, const char *name, mm_model *out, bool *found,
                                   mm_account_list *accounts, mm_error *err);
mm_status catalog_model_list(mm_catalog *cat, mm_model_list *out, mm_error *err);
void mm_model_list_free(mm_model_list *list);

/* Adds a target; priority 0 = end of the chain; an existing priority shifts the others down. */
mm_status catalog_target_add(mm_catalog *cat, const char *model, const char *account,
                             const char *provider_model, int priority, mm_error *err);
/* Removes the target at that priority; the ones after it move up. */
mm_status catalog_target_remove(mm_catalog *cat, const char *model, int priority, mm_error *err);
/* Moves the target at from to to; the others shift. */
mm_status catalog_target_move(mm_catalog *cat, const char *model, int from, int to, mm_error *err);

/* ---- workspaces ---- */
typedef struct mm_workspace {
    int64_t id;
    char name[MM_NAME_MAX];
    char description[MM_DESCRIPTION_MAX];
    int64_t version;
    int64_t created_ms, updated_ms;
    size_t n_entitlements; /* read-only */
} mm_workspace;

typedef struct mm_workspace_list {
    mm_workspace *items;
    size_t count;
} mm_workspace_list;

mm_status catalog_workspace_validate(const mm_workspace *ws, mm_error *err);
mm_status catalog_workspace_insert(mm_catalog *cat, mm_workspace *ws, mm_error *err);
/* Renames / redescribes (version-checked). */
mm_status catalog_workspace_update(mm_catalog *cat, mm_workspace *ws, mm_error *err);
/* Deletes with its entitlements in one transaction. */
mm_status catalog_workspace_delete(mm_catalog *cat, const char *name, size_t *entitlements_removed,
                                   mm_error *err);
mm_status catalog_workspace_get(mm_catalog *cat, const char *name, mm_workspace *out,
                                mm_error *err);
mm_status catalog_workspace_list(mm_catalog *cat, mm_workspace_list *out, mm_error *err);
void mm_workspace_list_free(mm_workspace_list *list);

/* ---- entitlements ---- */
typedef struct mm_entitlement {
    char model[MM_NAME_MAX];
    char workspace[MM_NAME_MAX];
    int64_t rpm; /* MM_LIMIT_UNSET or positive */
    int64_t tpm;
    int64_t monthly_tokens;
    int64_t version;
    int64_t created_ms, updated_ms;
} mm_entitlement;

typedef struct mm_entitlement_list {
    mm_entitlement *items;
    size_t count;
} mm_entitlement_list;

/* Grants access (or, if it exists, updates the limits). */
mm_status catalog_entitle(mm_catalog *cat, const mm_entitlement *ent, mm_error *err);
mm_status catalog_revoke(mm_catalog *cat, const char *model, const char *workspace, mm_error *err);
/* model and/or workspace may be NULL to list all. Sorted by model, then workspace. */
mm_status catalog_entitlement_list(mm_catalog *cat, const char *model, const char *workspace,
                                   mm_entitlement_list *out, mm_error *err);
/* MM_E_NOT_FOUND when the workspace is not entitled to the model. */
mm_status catalog_entitlement_get(mm_catalog *cat, const char *model, const char *workspace,
                                  mm_entitlement *out, mm_error *err);
void mm_entitlement_list_free(mm_entitlement_list *list);

/* ---- usage events (append-only; the source of every health and cost figure) ---- */
typedef struct mm_usage_event {
    int64_t id;
    int64_t ts_ms;
    char kind[8]; /* "probe" or "request" */
    char account[MM_NAME_MAX];
    char provider[MM_PROVIDER_ID_MAX];
    char workspace[MM_NAME_MAX]; /* "" for probes */
    char model[MM_NAME_MAX];     /* logical model, "" for probes */
    char provider_model[MM_PROVIDER_MODEL_MAX];
    char outcome[MM_CLASS_MAX]; /* "ok" or an error class */
    int http_status;            /* 0 when no response */
    int64_t latency_ms;
    int64_t tokens_in, tokens_out; /* every input token (cache included); every output token */
    int64_t tokens_cache_read;     /* the part of tokens_in read from the provider's cache */
    int64_t tokens_cache_write;    /* the part of tokens_in written to it */
    bool usage_estimated;   /* the answer had no usable usage: tokens are the admission estimate */
    int64_t cost_micros;    /* USD * 1e6; -1 = no price known */
    int64_t retry_after_ms; /* -1, or the provider's retry-after (429) */
    char message[MM_MESSAGE_MAX]; /* sanitized error message, "" when ok */
    bool streamed;                /* the answer was streamed (serve's SSE, send --stream) */
    int64_t ttft_ms; /* streamed: ms from the request to the provider's first body byte (stored
                      * NULL when not streamed or when no byte came; read back as -1) */
} mm_usage_event;

/* Whether ev's time to first token counts in the TTFT sketches (the minute rollups', the health
 * windows'): a successful ("ok") streamed event with ttft_ms >= 0. */
bool catalog_usage_has_ttft(const mm_usage_event *ev);

/* The bounds of an event's summed figures, applied when it is inserted (a figure beyond is stored
 * at its bound; a token count cut there marks the event usage_estimated): tokens_in, tokens_out,
 * tokens_cache_read and tokens_cache_write within +-MM_USAGE_TOKENS_MAX (2^32, ~2,000x the
 * largest context window), cost_micros at most MM_USAGE_COST_MAX (2^36 micros, $68,719 a
 * request). A year of issue 15's traffic (1.2e8 events; x 2^36 = 8.2e18 < 2^63) at the bounds
 * keeps every rollup sum inside int64 on both engines: an absurd count cannot overflow one. */
#define MM_USAGE_TOKENS_MAX (INT64_C(1) << 32)
#define MM_USAGE_COST_MAX (INT64_C(1) << 36)

/* Inserts one event (sets its id; figures bounded as above). */
mm_status catalog_usage_insert(mm_catalog *cat, mm_usage_event *ev, mm_error *err);
/* Inserts many in one transaction (for batching; sets ids). */
mm_status catalog_usage_insert_batch(mm_catalog *cat, mm_usage_event *evs, size_t count,
                                     mm_error *err);
/* Streams events with id > after_id (ascending), at most limit, to fn; returns the count. */
typedef void (*mm_usage_fn)(const mm_usage_event *ev, void *ctx);
mm_status catalog_usage_since_id(mm_catalog *cat, int64_t after_id, size_t limit, mm_usage_fn fn,
                                 void *ctx, size_t *count, mm_error *err);
/* Streams the events among ids[0..n) (n <= MM_USAGE_IDS_MAX; an id with no event is skipped)
 * to fn, ascending by id; *count (NULL: not wanted) gets how many. One prepared statement. */
#define MM_USAGE_IDS_MAX 16
mm_status catalog_usage_by_ids(mm_catalog *cat, const int64_t *ids, size_t n, mm_usage_fn fn,
                               void *ctx, size_t *count, mm_error *err);
/* Streams events with ts_ms >= since_ms (optionally one account), ascending by time. */
mm_status catalog_usage_since_time(mm_catalog *cat, const char *account, int64_t since_ms,
                                   mm_usage_fn fn, void *ctx, mm_error *err);
typedef struct mm_usage_totals {
    int64_t requests;
    int64_t tokens;      /* tokens_in + tokens_out */
    int64_t cost_micros; /* events without a price count 0 */
    int64_t first_ts_ms; /* oldest event in the window (0 if none): when the window frees */
    int64_t unpriced;    /* events without a price (cost_micros -1) */
} mm_usage_totals;
/* Sums kind="request" events since since_ms for an account (workspace NULL) or a workspace
 * (account NULL), optionally for one logical model. Indexed; used for limits. */
mm_status catalog_usage_totals(mm_catalog *cat, const char *account, const char *workspace,
                               const char *model, int64_t since_ms, mm_usage_totals *out,
                               mm_error *err);
/* *out: the newest usage event's id, 0 when there is none. MM_E_DB when it cannot be read (a
 * reader starting from 0 would take every past event for a new one). */
mm_status catalog_usage_max_id(mm_catalog *cat, int64_t *out, mm_error *err);

/* ---- usage rollups and retention (catalog_rollup.c, catalog_retention.c) ----
 * Every usage insert also adds to rollups in the same transaction: per account per minute
 * (kept MM_ROLLUP_MINUTE_KEEP_MS) and per day, and per workspace x model per day (requests only),
 * both kept for ever. Sums are exact; the latency sketch is util/histogram's (successful events,
 * quantiles within MM_HIST_RELATIVE_ERROR). */
typedef struct mm_usage_rollup {
    int64_t events;         /* events of the kind(s) asked for */
    int64_t errors;         /* the account's faults (outcome neither ok nor a request outcome) */
    int64_t request_errors; /* the caller's errors (bad_request 400/404/422, content filter) */
    int64_t rate_limited;   /* outcome "rate_limited" */
    int64_t tokens_in, tokens_out, tokens_cache_read, tokens_cache_write;
    int64_t usage_estimated; /* events whose tokens are the admission estimate */
    int64_t cost_micros;     /* USD micros of priced events... */
    int64_t unpriced;        /* ...and the events without a price */
    int64_t served;          /* what a workspace was served: ok, or bad_request other than 408 */
    int64_t served_tokens, served_cost_micros; /* tokens in+out and cost of those */
} mm_usage_rollup;

typedef struct mm_rollup_query {
    const char *account;           /* an account's rollups, or... */
    const char *workspace, *model; /* ...a workspace x model's (day grain only) */
    const char *kind;              /* "request", "probe", or NULL for both */
    int64_t from_ms, to_ms;        /* bucket starts in [from_ms, to_ms) */
    bool per_minute;               /* the minute rollups (accounts, recent hours) */
} mm_rollup_query;

#define MM_ROLLUP_MINUTE_KEEP_MS (48LL * 3600 * 1000)

/* Sums the rollups q selects into out; latency (initialized by the caller, may be NULL) gets
 * their sketches merged. Includes the open transaction's events. */
mm_status catalog_usage_rollup_sum(mm_catalog *cat, const mm_rollup_query *q, mm_usage_rollup *out,
                                   mm_histogram *latency, mm_error *err);
/* Folds events written around mmadmin (plain SQL) into the rollups; O(1) when there are none
 * (catalog_open calls it on a writable catalog). */
mm_status catalog_usage_rollups_catch_up(mm_catalog *cat, mm_error *err);

/* Retention of the raw events (setting MM_USAGE_RETENTION_SETTING, whole days). */
#define MM_USAGE_RETENTION_SETTING "usage.retention_days"
#define MM_USAGE_RETENTION_DAYS_DEFAULT 35
#define MM_USAGE_RETENTION_DAYS_MIN 2 /* the minute rollups' and the limits' windows */
#define MM_USAGE_RETENTION_DAYS_MAX 36500
/* The retention in days: the setting, or the default when unset or invalid. */
int64_t catalog_usage_retention_days(mm_catalog *cat);
/* The setting's text as days (MM_USAGE_RETENTION_DAYS_MIN to _MAX) into *days; MM_E_INVALID
 * saying the range otherwise (what `usage prune` and `apply` refuse). */
mm_status catalog_usage_retention_parse(const char *text, int64_t *days, mm_error *err);
/* Sets it (audited); MM_E_INVALID outside MIN..MAX. */
mm_status catalog_usage_set_retention_days(mm_catalog *cat, int64_t days, mm_error *err);
typedef struct mm_usage_prune_result {
    int64_t events_deleted;  /* raw events older than the retention */
    int64_t minutes_deleted; /* minute rollups older than MM_ROLLUP_MINUTE_KEEP_MS */
    bool more;               /* max_rows was reached: call again */
    int64_t pages_freed;     /* file pages returned by incremental_vacuum */
} mm_usage_prune_result;
/* Deletes at most max_rows raw events older than now_ms - retention (oldest first) and at most
 * max_rows old minute rollups, in one transaction (day rollups are kept, so month-to-date stays
 * exact), then returns up to vacuum_pages free pages to the file system (0 = all; SQLite only:
 * PostgreSQL's autovacuum reuses the space, pages_freed stays 0). */
mm_status catalog_usage_prune(mm_catalog *cat, int64_t now_ms, int64_t max_rows,
                              int64_t vacuum_pages, mm_usage_prune_result *out, mm_error *err);
/* Switches a catalog created before auto_vacuum=INCREMENTAL to it (one VACUUM, outside any
 * transaction); *converted tells whether it was needed (never on PostgreSQL). */
mm_status catalog_usage_enable_auto_vacuum(mm_catalog *cat, bool *converted, mm_error *err);

/* ---- prices (USD per million tokens) ---- */
typedef struct mm_price {
    char provider[MM_PROVIDER_ID_MAX];
    char model[MM_PROVIDER_MODEL_MAX];
    double input_per_mtok;       /* < 0: unknown */
    double output_per_mtok;      /* < 0: unknown (embeddings have no output price) */
    double cache_read_per_mtok;  /* < 0: unknown (cache reads then cost the input price) */
    double cache_write_per_mtok; /* < 0: unknown (cache writes then cost the input price) */
    /* Media prices in USD (not per million; issue 16), as LiteLLM keys them: per image made
     * (input_cost_per_image / output_cost_per_image), per second of audio transcribed
     * (input_cost_per_second), per character read aloud (input_cost_per_character). 0 or less:
     * none (stored NULL). */
    double per_image, per_second, per_character;
    char source[64]; /* "builtin 2025-06", "litellm", "manual" */
    int64_t updated_ms;
} mm_price;

typedef struct mm_price_list {
    mm_price *items;
    size_t count;
} mm_price_list;

mm_status catalog_price_set(mm_catalog *cat, const mm_price *price, mm_error *err);
mm_status catalog_price_set_batch(mm_catalog *cat, const mm_price *prices, size_t count,
                                  mm_error *err);
/* MM_E_NOT_FOUND when no price is known ("no price", never $0). */
mm_status catalog_price_get(mm_catalog *cat, const char *provider, const char *model, mm_price *out,
                            mm_error *err);
mm_status catalog_price_list(mm_catalog *cat, mm_price_list *out, mm_error *err);
void mm_price_list_free(mm_price_list *list);

/* ---- audit ---- */
typedef struct mm_audit_entry {
    int64_t id;
    int64_t ts_ms;
    char actor[MM_NAME_MAX];
    char action[32];      /* "create", "update", "delete", "entitle", "disable", ... */
    char entity_kind[32]; /* "account", "model", "target", "workspace", "entitlement", ... */
    char entity_name[160];
    char *before_json; /* NULL or JSON text, secrets redacted */
    char *after_json;
    int64_t change_set; /* 0; the change set's id for its parts; its own id for a change set */
    size_t parts;       /* a change set: how many parts it has; else 0 */
} mm_audit_entry;

typedef struct mm_audit_list {
    mm_audit_entry *items;
    size_t count;
} mm_audit_list;

/* Every row, newest first (limit 0: all). */
mm_status catalog_audit_list(mm_catalog *cat, size_t limit, mm_audit_list *out, mm_error *err);
/* Newest first, a change set as one entry (action "apply", kind "change set", parts > 0) and
 * its parts left out; what `mmadmin audit` and the Audit page list. */
mm_status catalog_audit_list_sets(mm_catalog *cat, size_t limit, mm_audit_list *out, mm_error *err);
/* The parts of change set id, in the order they were written; MM_E_NOT_FOUND when none. */
mm_status catalog_audit_change_set(mm_catalog *cat, int64_t change_set, mm_audit_list *out,
                                   mm_error *err);

/* ---- change sets (`mmadmin apply`: a whole file in one transaction, audited as one entry) */
/* The catalog's version: the newest audit id (every audited change moves it; -1 on a read
 * error). `mmadmin plan` prints it, `apply --expect-version` checks it. */
int64_t catalog_version(mm_catalog *cat);
/* Starts one write transaction (BEGIN IMMEDIATE) in which every catalog write until
 * catalog_change_set_end is a savepoint, and writes the change set's audit row (action
 * "apply", kind "change set", name label). expect_version >= 0: MM_E_CONFLICT, nothing
 * written, when catalog_version is not that. */
mm_status catalog_change_set_begin(mm_catalog *cat, const char *label, int64_t expect_version,
                                   mm_error *err);
/* Commits when status is MM_OK and something was written (*parts: how many audit rows), rolls
 * everything back otherwise (no empty change set is kept). Returns the final status. */
mm_status catalog_change_set_end(mm_catalog *cat, mm_status status, size_t *parts, mm_error *err);
void mm_audit_list_free(mm_audit_list *list);

/* ---- prober lease (one process probes a catalog at a time) ---- */
/* Takes or renews the named lease for holder until now+ttl_ms if it is free, expired or
 * already ours. *acquired tells whether we hold it now. */
mm_status catalog_lease_acquire(mm_catalog *cat, const char *lease, const char *holder,
                                int64_t ttl_ms, bool *acquired, mm_error *err);
mm_status catalog_lease_release(mm_catalog *cat, const char *lease, const char *holder,
                                mm_error *err);
/* Current holder ("" if none or expired) and expiry. */
mm_status catalog_lease_holder(mm_catalog *cat, const char *lease, char *holder, size_t holdersz,
                               int64_t *expires_ms, mm_error *err);

/* ---- settings (key/value, for router and health thresholds) ---- */
mm_status catalog_setting_get(mm_catalog *cat, const char *key, char *out, size_t outsz,
                              mm_error *err); /* MM_E_NOT_FOUND when unset */
mm_status catalog_setting_set(mm_catalog *cat, const char *key, const char *value, mm_error *err);
/* Every stored setting whose key starts with prefix ("" = all), sorted by key: keys and values
 * as pairs in out (items[2i] the key, items[2i+1] its value). Free with mm_string_list_free. */
mm_status catalog_setting_list(mm_catalog *cat, const char *prefix, mm_string_list *out,
                               mm_error *err);

/* ---- shared rules and formats (CLI, forms and the core use the same ones) ---- */
#define MM_RPM_MAX 10000000LL    /* requests/min */
#define MM_TPM_MAX 10000000000LL /* tokens/min */
#define MM_MONTHLY_TOKENS_MAX 1000000000000000LL
#define MM_MONTHLY_CAP_CENTS_MAX MONEY_CENTS_MAX /* USD 100,000,000.00 */

/* Checks a name against [a-z0-9][a-z0-9._-]{0,62}; kind ("account", "model", ...) is used in
 * the message. err->field is "name". */
mm_status catalog_validate_name(const char *kind, const char *name, mm_error *err);
/* Parses a positive decimal integer 1..max for a limit option (field names it in messages). */
mm_status catalog_parse_limit(const char *text, const char *field, int64_t max, int64_t *out,
                              mm_error *err);
/* The hint shown for an API key: "sk-…wxyz" (first 3 + "…" + last 4), or "…yz" for keys shorter
 * than 12 characters. out needs MM_HINT_MAX bytes. */
void catalog_key_hint(const char *key, char *out, size_t outsz);
/* Validates an entitlement's limits (not whether model and workspace exist). */
mm_status catalog_entitlement_validate(const mm_entitlement *ent, mm_error *err);
/* Checks now that the master key matches the catalog (for an early warning at start-up): MM_OK
 * when the catalog holds no secrets yet or the key matches; MM_E_SECRET otherwise. Never writes. */
mm_status catalog_vault_check(mm_catalog *cat, mm_error *err);
/* ---- moving a whole catalog (catalog_copy.c) ---- */
#define MM_COPY_TABLES_MAX 24
typedef struct mm_copy_count {
    const char *table; /* "accounts", "usage_events", ... (static) */
    int64_t rows;
} mm_copy_count;
typedef struct mm_copy_result {
    mm_copy_count tables[MM_COPY_TABLES_MAX]; /* in the order copied */
    size_t count;
    int64_t emptied; /* rows deleted from the destination first (replace) */
    char note[1024]; /* what to do about the master key at the destination, or "" */
} mm_copy_result;
/* Copies every table of from into to (SQLite or PostgreSQL, either way) in ONE transaction on
 * to, keeping ids, rows as stored (API keys stay sealed: the same master key opens both), and
 * records one audit entry ("copy", kind "catalog") in to. Leases and in-flight reservations
 * are not copied. Refuses: a destination holding rows (MM_E_EXISTS) unless replace (then it is
 * emptied in the same transaction), a destination whose vault or key is another master key, or
 * a source whose key is missing or wrong (MM_E_SECRET), the same catalog (MM_E_INVALID). On any
 * failure nothing is written to to. */
mm_status catalog_copy(mm_catalog *from, mm_catalog *to, bool replace, mm_copy_result *out,
                       mm_error *err);
/* The catalog's address as messages show it: the path, or postgresql://user@host:port/db
 * without a password. */
const char *catalog_display(const mm_catalog *cat);

/* Number of usage events (for status lines and tests). */
int64_t catalog_usage_count(mm_catalog *cat);

#endif
