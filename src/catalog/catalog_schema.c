/* The catalog's schema and its migrations, keyed by PRAGMA user_version: a newer or foreign
 * file is refused untouched; an older one is upgraded in one transaction (then ANALYZEd). */
#include "catalog/catalog_internal.h"

#include <stdio.h>
#include <string.h>

#include "catalog/catalog_schema_pg.h"
#include "util/clock.h"

#define MM_APPLICATION_ID 0x4D4D4144 /* "MMAD" in the SQLite header */

/* Migration N (index N-1) takes the schema from version N-1 to N. Never edit a shipped one:
 * append a new step instead. */
/* The columns of both usage rollup tables (minute and day): what one bucket sums. */
#define ROLLUP_FIELDS                                                                              \
    "  scope TEXT NOT NULL, name TEXT NOT NULL, model TEXT NOT NULL, kind TEXT NOT NULL,"          \
    "  start_ms INTEGER NOT NULL,"                                                                 \
    "  events INTEGER NOT NULL, errors INTEGER NOT NULL, request_errors INTEGER NOT NULL,"         \
    "  rate_limited INTEGER NOT NULL, tokens_in INTEGER NOT NULL, tokens_out INTEGER NOT NULL,"    \
    "  tokens_cache_read INTEGER NOT NULL, tokens_cache_write INTEGER NOT NULL,"                   \
    "  usage_estimated INTEGER NOT NULL, cost_micros INTEGER NOT NULL, unpriced INTEGER NOT NULL," \
    "  served INTEGER NOT NULL, served_tokens INTEGER NOT NULL,"                                   \
    "  served_cost_micros INTEGER NOT NULL, latency BLOB NOT NULL,"
#define ROLLUP_COLUMNS                                                                             \
    ROLLUP_FIELDS "  PRIMARY KEY (scope, name, model, start_ms, kind)) WITHOUT ROWID;"
/* Migration 12's: the rows of one minute or day side by side, so a transaction's upserts
 * rewrite a few pages rather than one page per account; reads by name go through an index. */
#define ROLLUP_COLUMNS_BY_TIME                                                                     \
    ROLLUP_FIELDS "  PRIMARY KEY (start_ms, scope, name, model, kind)) WITHOUT ROWID;"
#define ROLLUP_RELAYOUT(table)                                                                     \
    "CREATE TABLE " table "_by_time (" ROLLUP_COLUMNS_BY_TIME "INSERT INTO " table                 \
    "_by_time SELECT * FROM " table ";"                                                            \
    "DROP TABLE " table ";"                                                                        \
    "ALTER TABLE " table "_by_time RENAME TO " table ";"                                           \
    "CREATE INDEX " table "_by_name ON " table "(scope, name, model, start_ms);"

/* Migration 8's backfill: a rollup row's sums from its events (catalog_rollup.c's rules as
 * SQL functions). */
#define ROLLUP_BACKFILL_SUMS                                                                       \
    "  count(*), sum(mm_usage_fault(outcome, http_status)),"                                       \
    "  sum(outcome <> 'ok' AND NOT mm_usage_fault(outcome, http_status)),"                         \
    "  sum(outcome = 'rate_limited'), sum(tokens_in), sum(tokens_out), sum(tokens_cache_read),"    \
    "  sum(tokens_cache_write), sum(usage_estimated), sum(max(cost_micros, 0)),"                   \
    "  sum(cost_micros < 0), sum(mm_usage_served(outcome, http_status)),"                          \
    "  sum(CASE WHEN mm_usage_served(outcome, http_status) THEN tokens_in + tokens_out ELSE 0 "    \
    "END),"                                                                                        \
    "  sum(CASE WHEN mm_usage_served(outcome, http_status) THEN max(cost_micros, 0) ELSE 0 END),"  \
    "  mm_latency_sketch(outcome, http_status, latency_ms)"

static const char *const MIGRATIONS[] = {
    /* 1: the first schema */
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);"
    "CREATE TABLE accounts ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  provider TEXT NOT NULL,"
    "  endpoint TEXT NOT NULL DEFAULT '',"
    "  api_version TEXT NOT NULL DEFAULT '',"
    "  ca_bundle TEXT NOT NULL DEFAULT '',"
    "  key_cipher BLOB," /* nonce || secretbox ciphertext, NULL = no key */
    "  key_hint TEXT NOT NULL DEFAULT '',"
    "  rpm INTEGER, tpm INTEGER, monthly_cap_cents INTEGER," /* NULL = no limit */
    "  enabled INTEGER NOT NULL DEFAULT 1,"
    "  disabled_reason TEXT NOT NULL DEFAULT '',"
    "  version INTEGER NOT NULL DEFAULT 1,"
    "  created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
    "CREATE TABLE account_status ("
    "  account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,"
    "  tested_ms INTEGER NOT NULL, ok INTEGER NOT NULL, class TEXT NOT NULL DEFAULT '',"
    "  message TEXT NOT NULL DEFAULT '', latency_ms INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE discovered_models ("
    "  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    "  model TEXT NOT NULL, PRIMARY KEY (account_id, model)) WITHOUT ROWID;"
    "CREATE TABLE models ("
    "  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, type TEXT NOT NULL,"
    "  description TEXT NOT NULL DEFAULT '', version INTEGER NOT NULL DEFAULT 1,"
    "  created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
    "CREATE TABLE targets ("
    "  id INTEGER PRIMARY KEY,"
    "  model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,"
    "  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE RESTRICT,"
    "  provider_model TEXT NOT NULL, priority INTEGER NOT NULL,"
    "  UNIQUE (model_id, priority));"
    "CREATE INDEX targets_by_account ON targets(account_id);"
    "CREATE TABLE workspaces ("
    "  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, description TEXT NOT NULL DEFAULT '',"
    "  version INTEGER NOT NULL DEFAULT 1,"
    "  created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
    "CREATE TABLE entitlements ("
    "  model_id INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,"
    "  workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,"
    "  rpm INTEGER, tpm INTEGER, monthly_tokens INTEGER," /* NULL = no limit */
    "  version INTEGER NOT NULL DEFAULT 1,"
    "  created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (model_id, workspace_id));"
    "CREATE INDEX entitlements_by_workspace ON entitlements(workspace_id);"
    /* names, not ids, so history survives deletes and renames of what it names */
    "CREATE TABLE usage_events ("
    "  id INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, kind TEXT NOT NULL,"
    "  account TEXT NOT NULL, provider TEXT NOT NULL, workspace TEXT NOT NULL,"
    "  model TEXT NOT NULL, provider_model TEXT NOT NULL, outcome TEXT NOT NULL,"
    "  http_status INTEGER NOT NULL, latency_ms INTEGER NOT NULL,"
    "  tokens_in INTEGER NOT NULL, tokens_out INTEGER NOT NULL,"
    "  cost_micros INTEGER NOT NULL, retry_after_ms INTEGER NOT NULL,"
    "  message TEXT NOT NULL);"
    /* covering the totals behind limits: "last hour / this month per account / workspace" */
    "CREATE INDEX usage_by_account_ts ON usage_events(account, ts_ms, kind, model,"
    "  tokens_in, tokens_out, cost_micros);"
    "CREATE INDEX usage_by_workspace_ts ON usage_events(workspace, ts_ms, kind, model,"
    "  tokens_in, tokens_out, cost_micros);"
    "CREATE INDEX usage_by_ts ON usage_events(ts_ms);"
    "CREATE TABLE audit_log ("
    "  id INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, actor TEXT NOT NULL,"
    "  action TEXT NOT NULL, entity_kind TEXT NOT NULL, entity_name TEXT NOT NULL,"
    "  before_json TEXT, after_json TEXT);"
    "CREATE TABLE prices ("
    "  provider TEXT NOT NULL, model TEXT NOT NULL,"
    "  input_per_mtok REAL, output_per_mtok REAL," /* NULL = unknown */
    "  source TEXT NOT NULL DEFAULT '', updated_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (provider, model)) WITHOUT ROWID;"
    "CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL,"
    "  expires_ms INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;",
    /* 2: the router's admission state. A reservation is a request admitted but not yet
     * recorded (so concurrent senders see it against the limits); month sums cache the
     * month-to-date totals up to an event id, so the next count adds only newer events. */
    "CREATE TABLE router_reservations ("
    "  id INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL,"
    "  workspace TEXT NOT NULL, model TEXT NOT NULL, account TEXT NOT NULL,"
    "  tokens INTEGER NOT NULL);"
    "CREATE INDEX router_reservations_by_account ON router_reservations(account);"
    "CREATE INDEX router_reservations_by_workspace ON router_reservations(workspace, model);"
    "CREATE TABLE router_month_sums ("
    "  scope TEXT NOT NULL, name TEXT NOT NULL, model TEXT NOT NULL,"
    "  month_start_ms INTEGER NOT NULL, upto_id INTEGER NOT NULL,"
    "  tokens INTEGER NOT NULL, cost_micros INTEGER NOT NULL,"
    "  PRIMARY KEY (scope, name, model)) WITHOUT ROWID;",
    /* 3: usage as providers bill it. An event keeps the cache-read and cache-write parts of
     * tokens_in (billed at their own prices) and whether its tokens are the admission estimate
     * because the answer carried no usable usage; a price gains the cache-read and cache-write
     * prices (NULL = unknown: the input price applies). */
    "ALTER TABLE usage_events ADD COLUMN tokens_cache_read INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE usage_events ADD COLUMN tokens_cache_write INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE usage_events ADD COLUMN usage_estimated INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE prices ADD COLUMN cache_read_per_mtok REAL;"
    "ALTER TABLE prices ADD COLUMN cache_write_per_mtok REAL;",
    /* 4: a reservation also holds the request's estimated cost (so concurrent senders see it
     * against the account's spending cap) and who holds it: the process id, its start time
     * after boot and the boot id, so `route --explain` can tell a reservation whose process
     * ended (it still counts until it expires: the request may have reached the provider). */
    "ALTER TABLE router_reservations ADD COLUMN cost_micros INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE router_reservations ADD COLUMN holder_pid INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE router_reservations ADD COLUMN holder_start INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE router_reservations ADD COLUMN holder_boot TEXT NOT NULL DEFAULT '';",
    /* 5: workspace API keys for `mmadmin serve`. Only a keyed BLAKE2b hash of each key is kept
     * (keyed by a subkey of the master key), with a hint, its times and when it was revoked. */
    "CREATE TABLE workspace_keys ("
    "  id INTEGER PRIMARY KEY,"
    "  workspace_id INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,"
    "  key_hash BLOB NOT NULL UNIQUE, hint TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL, last_used_ms INTEGER NOT NULL DEFAULT 0,"
    "  expires_ms INTEGER NOT NULL DEFAULT 0,"  /* 0 = never */
    "  revoked_ms INTEGER NOT NULL DEFAULT 0);" /* 0 = live */
    "CREATE INDEX workspace_keys_by_workspace ON workspace_keys(workspace_id);",
    /* 6: alerts. An alert is one incident of a rule for a subject (an account, a workspace and
     * model, a model): fired once, resolved once, acknowledged by a person; at most one open
     * (resolved_ms = 0) per rule and subject. Each delivery attempt (webhook or command) is
     * recorded with its target redacted. */
    "CREATE TABLE alerts ("
    "  id INTEGER PRIMARY KEY, rule TEXT NOT NULL, subject TEXT NOT NULL,"
    "  severity TEXT NOT NULL, why TEXT NOT NULL, value REAL NOT NULL,"
    "  started_ms INTEGER NOT NULL, fired_ms INTEGER NOT NULL,"
    "  resolved_ms INTEGER NOT NULL DEFAULT 0, resolved_why TEXT NOT NULL DEFAULT '',"
    "  acked_ms INTEGER NOT NULL DEFAULT 0, acked_by TEXT NOT NULL DEFAULT '');"
    "CREATE UNIQUE INDEX alerts_open ON alerts(rule, subject) WHERE resolved_ms = 0;"
    "CREATE INDEX alerts_by_fired ON alerts(fired_ms);"
    "CREATE TABLE alert_deliveries ("
    "  id INTEGER PRIMARY KEY, alert_id INTEGER NOT NULL, event TEXT NOT NULL,"
    "  channel TEXT NOT NULL, target TEXT NOT NULL, attempt INTEGER NOT NULL,"
    "  ts_ms INTEGER NOT NULL, ok INTEGER NOT NULL, detail TEXT NOT NULL);"
    "CREATE INDEX alert_deliveries_by_alert ON alert_deliveries(alert_id, id);",
    /* 7: change sets. `mmadmin apply` writes one audit row for the whole file (its change set,
     * change_set = its own id) and every part of it points at that row. */
    "ALTER TABLE audit_log ADD COLUMN change_set INTEGER;"
    "CREATE INDEX audit_by_change_set ON audit_log(change_set)"
    "  WHERE change_set IS NOT NULL;",
    /* 8: usage rollups, maintained on write by catalog_rollup.c in the transaction of the events
     * they sum, and backfilled here from the events already stored (the mm_* SQL functions are
     * registered on every connection). Minute rollups are per account, kept 48 h; day rollups
     * per account and per workspace x model (requests), kept for ever. latency is the sparse
     * encoding of util/histogram (successful events). */
    "CREATE TABLE usage_rollup_minute (" ROLLUP_COLUMNS
    "CREATE INDEX usage_rollup_minute_by_start ON usage_rollup_minute(start_ms);"
    "CREATE TABLE usage_rollup_day (" ROLLUP_COLUMNS
    "CREATE INDEX usage_rollup_day_by_start ON usage_rollup_day(start_ms, scope);"
    "INSERT INTO usage_rollup_minute SELECT 'account', account, '', kind, ts_ms - ts_ms % "
    "60000," ROLLUP_BACKFILL_SUMS
    "  FROM usage_events WHERE ts_ms >= CAST(strftime('%s', 'now') AS INTEGER) * 1000 - 172800000 "
    "GROUP BY 2, 3, 4, 5;"
    "INSERT INTO usage_rollup_day SELECT 'account', account, '', kind, ts_ms - ts_ms % "
    "86400000," ROLLUP_BACKFILL_SUMS "  FROM usage_events  GROUP BY 2, 3, 4, 5;"
    "INSERT INTO usage_rollup_day SELECT 'workspace', workspace, model, kind, ts_ms - ts_ms % "
    "86400000," ROLLUP_BACKFILL_SUMS
    "  FROM usage_events WHERE kind = 'request' GROUP BY 2, 3, 4, 5;"
    "INSERT OR REPLACE INTO meta(key, value) SELECT 'rollups_upto_id', coalesce(max(id), 0)"
    "  FROM usage_events;",
    /* 9: admission leases. A lease is a reservation row holding a slice of a limit for one
     * process (`serve` leases slices so it can admit in memory): `requests` counts against the
     * requests/min limits (a request's own reservation holds 1). */
    "ALTER TABLE router_reservations ADD COLUMN requests INTEGER NOT NULL DEFAULT 1;",
    /* 10: media prices (issue 16), in USD as LiteLLM keys them: per image made, per second of
     * audio transcribed, per character read aloud (NULL = none). */
    "ALTER TABLE prices ADD COLUMN per_image REAL;"
    "ALTER TABLE prices ADD COLUMN per_second REAL;"
    "ALTER TABLE prices ADD COLUMN per_character REAL;",
    /* 11: a streamed request's time to its first token, ms (NULL = not streamed) */
    "ALTER TABLE usage_events ADD COLUMN ttft_ms INTEGER;",
    /* 12: the rollup tables keyed by time first (ROLLUP_RELAYOUT): one batch's upserts land on
     * the few pages of its minute and day instead of one page per account and workspace. The
     * old start-time indexes are the new keys' prefixes and go with the old tables. */
    ROLLUP_RELAYOUT("usage_rollup_minute") ROLLUP_RELAYOUT("usage_rollup_day"),
    /* 13: a minute's sketch of its successful streamed requests' time to first token (util/
     * histogram's encoding, NULL for none), maintained on write like latency and filled by
     * cat_rollup_fill_ttft: the hour's first read needs no raw event for it */
    "ALTER TABLE usage_rollup_minute ADD COLUMN ttft BLOB;",
};

#define SCHEMA_VERSION ((int)(sizeof MIGRATIONS / sizeof MIGRATIONS[0]))

int catalog_schema_version(void)
{
    return SCHEMA_VERSION;
}

static mm_status read_pragma(mm_catalog *cat, const char *sql, int64_t *out, mm_error *err)
{
    return cat_query_int(cat, sql, NULL, out, err);
}

typedef struct file_header {
    cat_file_facts facts;
    int64_t app_id;
} file_header;

static void read_header_row(db_stmt *stmt, void *item)
{
    file_header *h = item;
    h->facts.objects = db_column_int64(stmt, 0);
    h->facts.schema_version = db_column_int64(stmt, 1);
    h->app_id = db_column_int64(stmt, 2);
    h->facts.wal = strcmp(db_column_text(stmt, 3), "wal") == 0;
}

/* One query for what the open decides on: objects, user_version, application_id, journal_mode
 * (table-valued pragmas: reading them changes nothing). */
static mm_status read_header(mm_catalog *cat, file_header *h, mm_error *err)
{
    bool found = false;
    memset(h, 0, sizeof *h);
    return cat_read_row(cat,
                        "SELECT (SELECT count(*) FROM sqlite_master),"
                        " (SELECT user_version FROM pragma_user_version),"
                        " (SELECT application_id FROM pragma_application_id),"
                        " (SELECT journal_mode FROM pragma_journal_mode)",
                        NULL, NULL, read_header_row, h, &found, "reading the catalog", err);
}

mm_status catalog_schema_check(mm_catalog *cat, mm_error *err)
{
    if (db_kind_of(cat->db) == DB_POSTGRES)
        return catalog_schema_pg_check(cat->db, err);
    file_header h;
    mm_status st = read_header(cat, &h, err);
    if (st != MM_OK)
        return st;
    cat->file = h.facts;
    int64_t objects = h.facts.objects, version = h.facts.schema_version, app_id = h.app_id;
    if ((app_id != 0 && app_id != MM_APPLICATION_ID) || (app_id == 0 && objects > 0))
        return mm_error_set(err, MM_E_SCHEMA, "db",
                            "%s is an SQLite database but not an mmadmin catalog; it was left "
                            "untouched — check --db or MM_DB",
                            cat->path);
    if (version > SCHEMA_VERSION)
        return mm_error_set(err, MM_E_SCHEMA, "db",
                            "the catalog %s was written by a newer mmadmin (schema version %lld; "
                            "this mmadmin knows up to %d); upgrade mmadmin — the catalog was not "
                            "changed",
                            cat->path, (long long)version, SCHEMA_VERSION);
    return MM_OK;
}

static mm_status apply_migrations(mm_catalog *cat, mm_error *err)
{
    int64_t version = 0;
    mm_status st = read_pragma(cat, "PRAGMA user_version", &version, err);
    if (st != MM_OK || version == SCHEMA_VERSION)
        return st; /* another session migrated it meanwhile */
    if (version > SCHEMA_VERSION)
        return catalog_schema_check(cat, err);
    for (int64_t step = version; step < SCHEMA_VERSION && st == MM_OK; step++) {
        st = cat_exec(cat, MIGRATIONS[step], err);
        if (st == MM_OK && step + 1 == MM_MIGRATION_TTFT)
            st = cat_rollup_fill_ttft(cat->db, err);
    }
    if (st == MM_OK) {
        char sql[96];
        snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d",
                 MM_APPLICATION_ID, SCHEMA_VERSION);
        st = cat_exec(cat, sql, err);
    }
    /* SQLite 3.40 may ignore the (account, ts) index without statistics: gather them now. */
    if (st == MM_OK)
        st = cat_exec(cat, "ANALYZE", err);
    return st;
}

mm_status catalog_schema_migrate(mm_catalog *cat, mm_error *err)
{
    if (db_kind_of(cat->db) == DB_POSTGRES)
        return catalog_schema_pg_migrate(cat->db, mm_now_ms(), err);
    int64_t version = cat->file.schema_version; /* catalog_schema_check read it */
    if (version == SCHEMA_VERSION)
        return MM_OK;
    if (cat->read_only)
        return mm_error_set(err, MM_E_SCHEMA, "db",
                            "the catalog %s has schema version %lld but this mmadmin needs %d, "
                            "and it is open read-only so it cannot be upgraded; open it once "
                            "with write access",
                            cat->path, (long long)version, SCHEMA_VERSION);
    mm_status st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    st = cat_end(cat, apply_migrations(cat, err), err);
    if (st == MM_OK)
        cat->file.schema_version = SCHEMA_VERSION;
    return st;
}
