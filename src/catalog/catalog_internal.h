/* Private to src/catalog/: the catalog handle, transaction and statement helpers, entity
 * lookups, audit recording and vault access shared by the catalog modules. */
#ifndef MM_CATALOG_INTERNAL_H
#define MM_CATALOG_INTERNAL_H

#include <jansson.h>

#include "catalog/catalog.h"
#include "catalog/db_engine.h"
#include "catalog/vault.h"
#include "util/grow.h"

#define MM_PATH_MAX 4096

/* SQLite: the file's header facts, read once at open in one query (catalog_schema_check) and
 * used by the open's configuration and migration instead of reading them again. */
typedef struct cat_file_facts {
    int64_t objects;        /* rows of sqlite_master: 0 for a new, empty file */
    int64_t schema_version; /* PRAGMA user_version */
    bool wal;               /* PRAGMA journal_mode is already wal (it is kept in the file) */
} cat_file_facts;

struct mm_catalog {
    db_conn *db; /* SQLite or PostgreSQL (db_engine.h) */
    char path[MM_PATH_MAX];
    bool read_only;
    bool read_only_asked; /* read-only because the caller asked (--read-only), not the file */
    char actor[MM_NAME_MAX];
    mm_vault *vault;                    /* cached once verified against the stored check value */
    db_stmt *usage_insert;              /* reused by every usage insert */
    struct cat_rollup_pending *rollups; /* the open transaction's rollup sums (catalog_rollup.c) */
    char damage[256];                   /* why the file is known damaged (writes refused), or "" */
    bool write_checked;  /* the configuration tables passed quick_check before a first write */
    bool traffic_writes; /* writes traffic only: the check reads what such a write changes */
    bool keep_wal;       /* close leaves a written WAL in place (catalog_keep_wal_on_close) */
    char note[MM_PATH_MAX + 256]; /* something done on the side the user should know, or "" */
    int64_t change_set;  /* the open change set's audit id (its every write is a savepoint), or 0 */
    size_t change_parts; /* audit rows written in the open change set */
    int64_t last_audit_id; /* the id of the last audit row written (cat_audit) */
    int64_t data_version;  /* PostgreSQL: other sessions' commits noticed (catalog_data_version) */
    cat_file_facts file;   /* SQLite: what catalog_schema_check read at open */
    bool read_open;        /* catalog_read_begin's read transaction is open */
    /* every setting (key, value pairs sorted by key), read once in that transaction and dropped
     * when it ends (catalog_setting.c) */
    mm_string_list settings;
    bool settings_read;
};

typedef struct cat_rollup_pending cat_rollup_pending;

/* ---- writes whose COMMIT may be made unanswered (catalog_write_outcome.c) ---- */
/* The open write transaction's id (PostgreSQL's txid_current(); 0 on SQLite), noted before a
 * write that a retry must not make twice (catalog_write_outcome asks about it). */
mm_status cat_write_transaction(mm_catalog *cat, int64_t *transaction, mm_error *err);

/* ---- rollups (catalog_rollup.c) ---- */
/* Adds ev (already inserted) to the open transaction's pending rollup sums. */
mm_status cat_rollup_fold(mm_catalog *cat, const mm_usage_event *ev, mm_error *err);
/* Writes the pending sums (one upsert a row); cat_end calls it before COMMIT. */
mm_status cat_rollup_flush(mm_catalog *cat, mm_error *err);
/* SQLite: prepares the statements a usage write reuses, when not yet: the flush's upserts (one
 * a grain), the position's write and the positions' read (cat_rollup_catch_up); nothing on
 * PostgreSQL (its flush statements are prepared by the first flush). */
mm_status cat_rollup_prepare(mm_catalog *cat, mm_error *err);
void cat_rollup_discard(mm_catalog *cat); /* on ROLLBACK */
/* Folds events stored without the rollups (plain SQL) — ids above meta's rollups_upto_id —
 * into the pending sums; called at a transaction's first usage insert. */
mm_status cat_rollup_catch_up(mm_catalog *cat, mm_error *err);
/* PostgreSQL: instead of cat_rollup_catch_up before the insert, the flush's stored-sketch read
 * checks (in the same round trip) that the events before first_id, the transaction's first
 * event's, are in the rollups, and folds in those that are not. */
void cat_rollup_check_below(mm_catalog *cat, int64_t first_id);
/* meta's rollups_upto_id (events with an id up to it are in the rollups): read, and set to a
 * given value (catalog copy keeps the source's). */
mm_status cat_rollup_read_upto(mm_catalog *cat, int64_t *upto, mm_error *err);
/* The rollups' position (meta's rollups_upto_id, 0 when never written) and the newest event's
 * id, in one query (one round trip). */
mm_status cat_rollup_read_positions(mm_catalog *cat, int64_t *upto, int64_t *top, mm_error *err);
/* A rollup row's first `count` sums of the MM_ROLLUP_SUMS (events, errors, ... served_cost_micros,
 * in mm_usage_rollup's order) from stmt's columns first..first+count-1, the rest zero. */
enum { MM_ROLLUP_SUMS = 14 };
void cat_rollup_read_sums(db_stmt *stmt, int first, int count, mm_usage_rollup *s);
mm_status cat_rollup_set_upto(mm_catalog *cat, int64_t upto, mm_error *err);
bool cat_rollup_is_empty(const mm_catalog *cat); /* nothing pending */
void cat_rollup_free(mm_catalog *cat);
/* Migration 13, inside its transaction: every minute rollup's TTFT sketch (column ttft, NULL
 * for none) made from the successful streamed events it holds (ids up to meta's
 * rollups_upto_id; later events are folded in by the catch-up), reading only the events of the
 * minutes kept. A row holding fewer events than its minute has (cut by the minute rollups' 48 h
 * when they were folded) keeps none: which of them it holds cannot be told. MM_E_DB when the
 * catalog cannot be read or written. */
mm_status cat_rollup_fill_ttft(db_conn *db, mm_error *err);
#define MM_MIGRATION_TTFT 13 /* the migration (both engines) after which it runs */
/* The SQL functions the upsert and the migration's backfill use (mm_latency_merge,
 * mm_latency_sketch, mm_usage_fault, mm_usage_served): registered on every connection. */
mm_status cat_rollup_register(mm_catalog *cat, mm_error *err);

/* ---- settings (catalog_setting.c) ---- */
void cat_settings_forget(mm_catalog *cat); /* drops the read transaction's copy */
/* The rules rollups count by: a fault of the account; what a workspace was served. */
bool cat_usage_is_fault(const char *outcome, int http_status);
bool cat_usage_is_served(const char *outcome, int http_status);

/* ---- schema (catalog_schema.c) ---- */
mm_status catalog_schema_check(mm_catalog *cat, mm_error *err); /* refuses newer / foreign */
mm_status catalog_schema_migrate(mm_catalog *cat, mm_error *err);

/* ---- damage (catalog_check.c) ---- */
/* Records a damaged catalog when the connection's last fault says so (DB_FAULT_DAMAGED or
 * DB_FAULT_NOT_A_DB; called for every database error). */
void cat_note_db_error(mm_catalog *cat);
/* Before a write: MM_E_DB when the file is known damaged; the first call in a process runs
 * quick_check over the configuration tables (not the append-only usage and audit logs). */
mm_status cat_guard_write(mm_catalog *cat, mm_error *err);

/* ---- transactions and statements (catalog_sql.c) ---- */
/* db_begin(DB_TX_WRITE) (SQLite BEGIN IMMEDIATE), or a savepoint inside a change set;
 * MM_E_READONLY on a read-only catalog. */
mm_status cat_begin(mm_catalog *cat, mm_error *err);
/* Commits when status is MM_OK (reporting a failing COMMIT), else rolls back. Returns the final
 * status, so a write ends with `return cat_end(cat, st, err);`. */
mm_status cat_end(mm_catalog *cat, mm_status status, mm_error *err);
mm_status cat_exec(mm_catalog *cat, const char *sql, mm_error *err);
mm_status cat_prepare(mm_catalog *cat, const char *sql, db_stmt **stmt, mm_error *err);
/* Turns the connection's last database error into an mm_error ("while <doing>: ..."). */
mm_status cat_db_error(mm_catalog *cat, const char *doing, mm_error *err);
/* Steps a statement expecting DB_DONE, then finalizes it. */
mm_status cat_step_done(mm_catalog *cat, db_stmt *stmt, const char *doing, mm_error *err);
/* Runs a one-row integer query with one text parameter (may be NULL); *out = 0 when no row. */
mm_status cat_query_int(mm_catalog *cat, const char *sql, const char *param, int64_t *out,
                        mm_error *err);

void cat_bind_text(db_stmt *stmt, int index, const char *text);
/* Binds a limit: NULL when MM_LIMIT_UNSET. */
void cat_bind_limit(db_stmt *stmt, int index, int64_t value);
int64_t cat_column_limit(db_stmt *stmt, int index);
void cat_column_copy(db_stmt *stmt, int index, char *dst, size_t dstsz);
mm_status cat_out_of_memory(mm_error *err);

/* ---- reading rows (catalog_sql.c) ---- */
/* Binds a query's parameters from ctx; NULL binds nothing. */
typedef void (*cat_binder)(db_stmt *stmt, const void *ctx);
/* Fills one item (an mm_account, mm_model, ...) from the current row. */
typedef void (*cat_row_reader)(db_stmt *stmt, void *item);
/* A key for cat_bind_key: ?1 is name, or id when name is NULL. */
typedef struct cat_key {
    const char *name;
    int64_t id;
} cat_key;
void cat_bind_key(db_stmt *stmt, const void *key);
/* Reads the first row of sql into out; *found tells whether there was one. doing names the
 * step in an error ("reading a model"). */
mm_status cat_read_row(mm_catalog *cat, const char *sql, cat_binder bind, const void *ctx,
                       cat_row_reader read_row, void *out, bool *found, const char *doing,
                       mm_error *err);
/* Reads every row of sql into a malloc'ed array of item_size items (*items, *count, both reset
 * first); on failure frees the array. doing names the step ("listing accounts"). */
mm_status cat_collect_rows(mm_catalog *cat, const char *sql, cat_binder bind, const void *ctx,
                           cat_row_reader read_row, size_t item_size, void **items, size_t *count,
                           const char *doing, mm_error *err);
/* Frees an array read by cat_collect_rows and empties it. */
void cat_free_rows(void **items, size_t *count);
/* Runs a statement whose one parameter ?1 is an integer (an id, a time), expecting no rows. */
mm_status cat_exec_int(mm_catalog *cat, const char *sql, int64_t value, const char *doing,
                       mm_error *err);
/* Appends column 0 of every row of sql (?1 = id) to a JSON array of strings. */
mm_status cat_names_json(mm_catalog *cat, const char *sql, int64_t id, json_t *array,
                         const char *doing, mm_error *err);

/* ---- optimistic versions and unique names (catalog_sql.c) ---- */
/* MM_E_NOT_FOUND when the entity (kind "model") is gone, MM_E_CONFLICT when its version moved
 * on since the caller read it. */
mm_status cat_check_unchanged(const char *kind, bool found, const char *name,
                              int64_t expected_version, const char *current_name,
                              int64_t current_version, mm_error *err);
/* MM_E_EXISTS when sql (?1 = name, returning an id) finds another entity (id != self_id);
 * the message says "<a_kind> named 'x' already exists; ... edit that <kind>". */
mm_status cat_check_name_free(mm_catalog *cat, const char *sql, const char *name, int64_t self_id,
                              const char *a_kind, const char *kind, mm_error *err);

/* ---- the one usage insert (catalog_usage.c), inside the caller's transaction: checks the
 * events (kind "probe" or "request", fields terminated: MM_E_INVALID; none is sent when one is
 * refused), sanitizes their messages, inserts them (db_insert_rows: many rows a statement on
 * PostgreSQL, the reused statement on SQLite), sets each ev->id and folds them into the
 * pending rollups. count events stride bytes apart from first (sizeof (mm_usage_event) for an
 * array of events; an admission record's event for records). Every writer of usage events
 * uses it. */
mm_status cat_usage_insert_rows(mm_catalog *cat, mm_usage_event *first, size_t stride, size_t count,
                                mm_error *err);
mm_status cat_usage_insert(mm_catalog *cat, mm_usage_event *ev, mm_error *err); /* one */
/* Prepares the statement cat_usage_insert_rows reuses (cat->usage_insert), when not yet. */
mm_status cat_usage_prepare_insert(mm_catalog *cat, mm_error *err);

/* ---- a batch of usage events in one write transaction (catalog_sql.c) ---- */
/* count items stride bytes apart, first the first item's event. */
typedef struct cat_batch {
    mm_usage_event *first;
    size_t stride, count;
} cat_batch;
/* Runs body(cat, ctx) in one write transaction (cat_begin / cat_end: the rollups commit with
 * the events); nothing to do when batch->count is 0. On failure every event's id is set back
 * to 0 (rolled back: none was stored). */
mm_status cat_write_batch(mm_catalog *cat, const cat_batch *batch,
                          mm_status (*body)(mm_catalog *cat, void *ctx, mm_error *err), void *ctx,
                          mm_error *err);

/* ---- named, versioned entities (catalog_entity.c) ---- */
/* How one table of named, versioned rows (accounts, models, workspaces) is read and named. */
typedef struct cat_entity {
    const char *kind;    /* "model": the error field, audit kind, "list models" in messages */
    const char *label;   /* "logical model": how a message names one */
    const char *a_label; /* "a logical model" */
    const char *by_name_sql, *by_id_sql; /* one row, ?1 = name / id */
    const char *id_sql;                  /* SELECT id ... WHERE name = ?1 */
    cat_row_reader read_row;
    /* reads what the row does not hold (a model's targets); NULL when nothing */
    mm_status (*complete)(mm_catalog *cat, void *item, mm_error *err);
    size_t name_offset, version_offset; /* of the item's char name[] and int64_t version */
} cat_entity;
/* One row by name, or by id when name is NULL; *found tells whether it exists. */
mm_status cat_entity_read(mm_catalog *cat, const cat_entity *e, const char *name, int64_t id,
                          void *out, bool *found, mm_error *err);
/* One row by name; MM_E_NOT_FOUND "there is no <label> named 'x'; check the name ...". */
mm_status cat_entity_get(mm_catalog *cat, const cat_entity *e, const char *name, void *out,
                         mm_error *err);
/* Before an update: reads row id into current; MM_E_NOT_FOUND when it is gone, MM_E_CONFLICT
 * when its version moved on from version (cat_check_unchanged). */
mm_status cat_entity_check_current(mm_catalog *cat, const cat_entity *e, int64_t id,
                                   const char *name, int64_t version, void *current, mm_error *err);
/* MM_E_EXISTS when another row (id != self_id) has this name (cat_check_name_free). */
mm_status cat_entity_name_free(mm_catalog *cat, const cat_entity *e, const char *name,
                               int64_t self_id, mm_error *err);
/* Steps an `INSERT ... RETURNING id` and gives the new row's id, or 0 when the insert did
 * nothing (ON CONFLICT DO NOTHING); finalizes the statement. */
mm_status cat_step_insert(mm_catalog *cat, db_stmt *stmt, const char *doing, int64_t *id,
                          mm_error *err);
/* Steps a statement expecting DB_DONE, gives the rows it changed, finalizes it. */
mm_status cat_step_changes(mm_catalog *cat, db_stmt *stmt, const char *doing, int64_t *changes,
                           mm_error *err);

/* ---- the usage queries limits and health depend on (tests check their query plans) ---- */
extern const char CAT_SQL_USAGE_SINCE_TIME_ACCOUNT[];
extern const char CAT_SQL_USAGE_SINCE_TIME_ALL[];
/* The month's day-rollup rows of the accounts (catalog_month_cost.c, summed there in a hash): by
 * the primary key's start_ms range, not the name index (its SQLite plan is tested). */
extern const char CAT_SQL_MONTH_ROWS[];
extern const char CAT_SQL_USAGE_TOTALS_ACCOUNT[];
extern const char CAT_SQL_USAGE_TOTALS_WORKSPACE[];
/* Binds an event's tokens_cache_read, tokens_cache_write, usage_estimated and ttft_ms (NULL
 * unless streamed) to the parameters first .. first + 3 of a usage_events INSERT (one home for
 * the migration-3 and migration-11 columns). */
void catalog_usage_bind_kinds(db_stmt *stmt, int first, const mm_usage_event *ev);

/* ---- entity lookups by name, catalog_sql.c (MM_E_NOT_FOUND with a message naming the kind) */
mm_status cat_account_id(mm_catalog *cat, const char *name, int64_t *id, mm_error *err);
/* The MM_E_NOT_FOUND cat_account_id reports for an account not in the catalog. */
mm_status cat_account_missing(const char *name, mm_error *err);
mm_status cat_model_id(mm_catalog *cat, const char *name, int64_t *id, mm_error *err);
mm_status cat_workspace_id(mm_catalog *cat, const char *name, int64_t *id, mm_error *err);
/* An account's columns in cat_read_account_row's order (a: accounts, s: its account_status
 * LEFT JOINed), and the reader: the columns 0 .. 20 of the row into an mm_account. The first
 * CAT_ACCOUNT_NLEAN (its name, connection, limits, enabled and version; no s) are the lean
 * row cat_read_account_lean reads, leaving the rest zero. */
#define CAT_ACCOUNT_LEAN_COLUMNS                                                                   \
    "a.id, a.name, a.provider, a.endpoint, a.api_version, a.ca_bundle, "                           \
    "a.key_cipher IS NOT NULL, a.rpm, a.tpm, a.monthly_cap_cents, a.enabled, a.disabled_reason, "  \
    "a.version"
#define CAT_ACCOUNT_NLEAN 13
#define CAT_ACCOUNT_COLUMNS                                                                        \
    CAT_ACCOUNT_LEAN_COLUMNS ", a.key_hint, a.created_ms, a.updated_ms, s.tested_ms, s.ok, "       \
                             "s.class, s.message, s.latency_ms"
void cat_read_account_row(db_stmt *stmt, void *item);
void cat_read_account_lean(db_stmt *stmt, mm_account *acc);
/* The targets of a model, by priority (account names joined). */
mm_status cat_read_targets(mm_catalog *cat, int64_t model_id, mm_target *targets, size_t *count,
                           mm_error *err);
/* The targets of every model of models[0..count) (read by id) in one query, by priority. */
mm_status cat_read_all_targets(mm_catalog *cat, mm_model *models, size_t count, mm_error *err);
/* Every row of sql, one at a time: read_row fills one item of item_size bytes (reused: fn copies
 * what it keeps). For the lean lists of catalog_rows.c. */
typedef void (*cat_item_fn)(const void *item, void *ctx);
mm_status cat_each_row(mm_catalog *cat, const char *sql, cat_row_reader read_row, size_t item_size,
                       cat_item_fn fn, void *ctx, const char *doing, mm_error *err);
/* Every model (an mm_model without its targets) / workspace (mm_workspace), in name order. */
mm_status cat_model_each(mm_catalog *cat, cat_item_fn fn, void *ctx, mm_error *err);
mm_status cat_workspace_each(mm_catalog *cat, cat_item_fn fn, void *ctx, mm_error *err);
/* Every target with its model's id, by model id then priority. */
typedef void (*cat_target_fn)(int64_t model_id, const mm_target *target, void *ctx);
mm_status cat_each_target(mm_catalog *cat, cat_target_fn fn, void *ctx, mm_error *err);
/* Models by id, to merge a list of models with the targets cat_each_target reads in model-id
 * order: cat_model_slots_new allocates count slots (MM_ERR_NOMEM; the caller fills each
 * {id, index in its own array} and frees items), cat_model_slots_ready sorts them, and
 * cat_model_slot_seek, called with ascending ids, returns a model's index or SIZE_MAX when no
 * listed model has that id (one made after the list was read). */
typedef struct cat_model_slot {
    int64_t id;
    size_t index;
} cat_model_slot;
typedef struct cat_model_slots {
    cat_model_slot *items;
    size_t count, at;
} cat_model_slots;
mm_status cat_model_slots_new(cat_model_slots *slots, size_t count, mm_error *err);
void cat_model_slots_ready(cat_model_slots *slots);
size_t cat_model_slot_seek(cat_model_slots *slots, int64_t model_id);

/* ---- JSON pictures of entities for the audit log (never a secret) ---- */
json_t *cat_limit_json(int64_t value);
json_t *cat_account_json(const mm_account *acc);
json_t *cat_model_json(const mm_model *model);
json_t *cat_targets_json(const char *model, const mm_target *targets, size_t count);
json_t *cat_workspace_json(const mm_workspace *ws);
json_t *cat_entitlement_json(const mm_entitlement *ent);

/* ---- audit (catalog_audit.c): inside the caller's transaction; takes ownership of before and
 * after (either may be NULL) ---- */
mm_status cat_audit(mm_catalog *cat, const char *action, const char *entity_kind,
                    const char *entity_name, json_t *before, json_t *after, mm_error *err);

/* ---- vault access (catalog_vault.c) ---- */
/* The master key for writing a secret, inside the caller's write transaction: verified against
 * the stored check value, or (first secret) the key file is created and the check stored. */
mm_status cat_vault_for_write(mm_catalog *cat, const mm_vault **vault, mm_error *err);
/* The master key for reading a secret; MM_E_SECRET when missing or wrong. */
mm_status cat_vault_for_read(mm_catalog *cat, const mm_vault **vault, mm_error *err);
/* The stored check value as a scalar subquery, to read it beside a secret in one statement. */
#define CAT_VAULT_CHECK_KEY "vault_check"
#define CAT_VAULT_CHECK_SQL "(SELECT value FROM meta WHERE key = '" CAT_VAULT_CHECK_KEY "')"
/* cat_vault_for_read with the check value already read (CAT_VAULT_CHECK_SQL; NULL: none). */
mm_status cat_vault_for_read_checked(mm_catalog *cat, const unsigned char *check, size_t check_len,
                                     const mm_vault **vault, mm_error *err);

/* catalog copy: the source's key is available and right (when it holds secrets), the
 * destination's stored check value (if any) and this host's key for the destination (if one is
 * found) are the same key — else MM_E_SECRET. note gets what to do when the destination has no
 * key here yet ("" otherwise). */
mm_status cat_vault_copy_check(mm_catalog *from, mm_catalog *to, char *note, size_t notesz,
                               mm_error *err);

/* ---- validation helpers (validate.c) ---- */
/* True when s has a NUL within cap bytes. */
bool val_terminated(const char *s, size_t cap);
/* Text without control characters, valid UTF-8, shorter than cap; empty allowed if allow_empty.
 * label is what the message calls the field ("description"). */
mm_status val_text(const char *field, const char *label, const char *s, size_t cap,
                   bool allow_empty, mm_error *err);
mm_status val_limit(const char *field, const char *label, int64_t value, int64_t max,
                    mm_error *err);
mm_status val_endpoint(const char *url, mm_error *err);
mm_status val_api_version(const char *version, mm_error *err);
mm_status val_ca_bundle(const char *path, mm_error *err);
mm_status val_api_key(const char *key, mm_error *err);

#endif
