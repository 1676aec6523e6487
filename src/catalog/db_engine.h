/* The catalog's storage engine: one small interface over SQLite (a file) and PostgreSQL (libpq),
 * chosen by the catalog address; what differs between the two is confined behind it. */
#ifndef MM_DB_ENGINE_H
#define MM_DB_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct db_conn db_conn;
typedef struct db_stmt db_stmt;

typedef enum db_kind { DB_SQLITE, DB_POSTGRES } db_kind;

/* What db_step says: a row to read, the end, or a failure (db_error / db_last_fault). */
typedef enum db_step_result { DB_ERROR = -1, DB_DONE = 0, DB_ROW = 1 } db_step_result;

/* The engine-independent class of the last failure; db_error turns it into an mm_error. */
typedef enum db_fault {
    DB_FAULT_NONE = 0,
    DB_FAULT_UNIQUE,      /* SQLITE_CONSTRAINT_UNIQUE/PRIMARYKEY, SQLSTATE 23505 */
    DB_FAULT_FOREIGN_KEY, /* SQLITE_CONSTRAINT_FOREIGNKEY, SQLSTATE 23503 */
    DB_FAULT_CONSTRAINT,  /* another constraint (NOT NULL, CHECK): SQLITE_CONSTRAINT, 23xxx */
    DB_FAULT_BUSY,       /* SQLITE_BUSY/LOCKED; 40001 serialization, 40P01 deadlock, 55P03: retry */
    DB_FAULT_READONLY,   /* SQLITE_READONLY; 25006 read-only transaction, 42501 privilege */
    DB_FAULT_FULL,       /* SQLITE_FULL or ENOSPC/EDQUOT; 53100 disk full on the server */
    DB_FAULT_DAMAGED,    /* SQLITE_CORRUPT; XX001/XX002 data corrupted */
    DB_FAULT_NOT_A_DB,   /* SQLITE_NOTADB */
    DB_FAULT_CONNECTION, /* PostgreSQL: the server cannot be reached or the connection broke */
    DB_FAULT_OTHER
} db_fault;

/* Transactions. DB_TX_WRITE: one writer at a time for the whole catalog (SQLite BEGIN IMMEDIATE;
 * PostgreSQL BEGIN + a catalog-wide pg_advisory_xact_lock) — the SQLite semantics every write
 * relies on today. DB_TX_ROWS: writers run concurrently and the caller locks what it decides on
 * (`SELECT ... FOR UPDATE` via db_for_update, or db_lock_key); on SQLite it is BEGIN IMMEDIATE
 * too. Both: MM_E_READONLY on a read-only connection. */
typedef enum db_tx_mode { DB_TX_WRITE, DB_TX_ROWS, DB_TX_READ, DB_TX_WRITE_LATER } db_tx_mode;
/* DB_TX_WRITE_LATER: DB_TX_WRITE whose BEGIN and lock PostgreSQL sends with the transaction's
 * first statement (in the same round trip when that is a COPY or a simple query): a busy
 * catalog then fails that statement, not db_begin. For a batch written at once (cat_write_batch);
 * SQLite: DB_TX_WRITE. */
/* DB_TX_READ: one consistent picture of the catalog for a long read (SQLite deferred BEGIN in
 * WAL; PostgreSQL REPEATABLE READ, READ ONLY); allowed on a read-only connection, and db_end
 * always rolls it back (nothing to commit, nothing notified). */

typedef struct db_open_options {
    bool read_only;      /* SQLite: opened read-only; PostgreSQL: default_transaction_read_only */
    bool create;         /* SQLite: create the file when missing (mode from umask) */
    int busy_timeout_ms; /* SQLite busy timeout / PostgreSQL lock_timeout; 0 = 5000 ms */
    bool bare; /* SQLite: no PRAGMA at open (the caller checks the file is its own first) */
    const char *given_by; /* the option the address came from, for hints ("--to"); NULL: "--db
                             or MM_DB" */
} db_open_options;

/* The channel a configuration change notifies on PostgreSQL (LISTEN/NOTIFY; db_notify_change). */
#define DB_NOTIFY_CHANNEL "mmadmin_catalog"

/* ---- addresses and connections (db_engine.c) ---- */
/* True for `postgresql://...`, `postgres://...` and a libpq key=value conninfo
 * (`service=name`, `host=... dbname=...`); anything else is an SQLite file path. */
bool db_address_is_postgres(const char *address);
/* Writes the address as messages may show it: the path, or postgresql://user@host:port/db
 * (never a password). */
void db_address_display(const char *address, char *out, size_t outsz);
/* Opens a connection: MM_E_DB "cannot open/connect ..." (with the server's reason),
 * MM_E_NOT_FOUND when an SQLite file is missing and !create. */
mm_status db_open(const char *address, const db_open_options *opts, db_conn **out, mm_error *err);
void db_close(db_conn *db); /* NULL is fine; rolls back an open transaction */
db_kind db_kind_of(const db_conn *db);
/* What a connection ran since it opened: statements prepared or executed (one db_exec of
 * several statements counts once) and transactions begun. With MM_TRACE_SQL set in the
 * environment each statement's text goes to stderr as it is prepared, and the counts when the
 * connection closes ("sql: N statements, M transactions"): a debugging aid, never set in use. */
typedef struct db_counts {
    int64_t statements, transactions;
} db_counts;
db_counts db_counts_of(const db_conn *db);
const char *db_display(const db_conn *db); /* as db_address_display */
bool db_is_read_only(const db_conn *db);

/* ---- statements (? and ?N placeholders; PostgreSQL gets $N) ---- */
/* Runs one or more statements without parameters or rows (DDL, PRAGMA, SET). */
mm_status db_exec(db_conn *db, const char *sql, const char *doing, mm_error *err);
mm_status db_prepare(db_conn *db, const char *sql, db_stmt **out, mm_error *err);
/* Binding an index the statement does not use is ignored (as SQLite's SQLITE_RANGE was). */
void db_bind_int64(db_stmt *stmt, int index, int64_t value);
void db_bind_double(db_stmt *stmt, int index, double value);
void db_bind_text(db_stmt *stmt, int index, const char *text); /* NULL binds "" */
/* Text the caller keeps unchanged until stmt is next stepped, reset or bound again (SQLite binds
 * it without a copy; PostgreSQL copies it as db_bind_text does). */
void db_bind_text_static(db_stmt *stmt, int index, const char *text);
void db_bind_null(db_stmt *stmt, int index);
void db_bind_blob(db_stmt *stmt, int index, const void *data, size_t len);
/* A limit: NULL when MM_LIMIT_UNSET. */
void db_bind_limit(db_stmt *stmt, int index, int64_t value);
db_step_result db_step(db_stmt *stmt);
/* Steps a statement that returns no rows and whose only answer is its success, at the engine's
 * convenience: PostgreSQL, inside a transaction, sends it without waiting (pipeline mode) and
 * reads the answer with the COMMIT (one round trip for both) or before the next statement; its
 * failure then fails that statement or the COMMIT (the transaction rolls back). SQLite, or
 * outside a transaction: db_step. DB_DONE or DB_ERROR; the statement may be reset at once. */
db_step_result db_step_later(db_stmt *stmt);
/* Ready to run again with the same bindings (a reused statement: the usage insert). */
void db_reset(db_stmt *stmt);
void db_finalize(db_stmt *stmt); /* NULL is fine */
/* Rows the last run of stmt inserted, updated or deleted. */
int64_t db_changes(const db_stmt *stmt);

/* Columns of the current row (index from 0). NULL reads as 0 / "" / empty blob. */
int64_t db_column_int64(db_stmt *stmt, int index);
double db_column_double(db_stmt *stmt, int index);
const char *db_column_text(db_stmt *stmt, int index); /* valid until the next step */
bool db_column_is_null(db_stmt *stmt, int index);
/* Valid until the next step; *len = 0 for NULL. */
const void *db_column_blob(db_stmt *stmt, int index, size_t *len);
int64_t db_column_limit(db_stmt *stmt, int index); /* NULL reads as MM_LIMIT_UNSET */
void db_column_copy(db_stmt *stmt, int index, char *dst, size_t dstsz);
/* The shape of a result, for code that copies rows it does not know (catalog copy): the number
 * of columns, a column's name (valid while stmt lives), and the kind of the current row's value
 * (SQLite: the stored type; PostgreSQL: the column's type; DB_VALUE_NULL for NULL). */
typedef enum db_value_kind {
    DB_VALUE_NULL,
    DB_VALUE_INT,
    DB_VALUE_FLOAT,
    DB_VALUE_TEXT,
    DB_VALUE_BLOB
} db_value_kind;
int db_column_count(db_stmt *stmt);
const char *db_column_name(db_stmt *stmt, int index);
db_value_kind db_column_kind(db_stmt *stmt, int index);

/* ---- many rows at once ---- */
/* Binds the values of row (0-based) to the parameters first .. first + n_columns - 1. */
typedef void (*db_row_binder)(db_stmt *stmt, int first, size_t row, void *ctx);
/* `head VALUES (...), (...) tail` for n_rows rows of n_columns values each (head names the
 * table and columns; tail may be NULL or an ON CONFLICT clause). How many rows one statement
 * carries is the engine's: SQLite steps one reused single-row statement per row (its id from
 * the connection: RETURNING would give every insert a statement journal); PostgreSQL, given
 * types (each column's SQL type: "bigint", "text", "bytea"), sends 64 rows or more of a plain
 * insert (`INSERT INTO table(columns)`, no tail) by COPY, their ids drawn from the table's id
 * sequence in the same exchange, and fewer in one statement,
 * `head SELECT unnest(?1::bigint[]), unnest(?2::text[]), … tail`, each column one array parameter
 * (the same text whatever the number of rows: prepared once on the server and reused, 19
 * parameters instead of 19 a row); without types, DB_PG_ROWS_PER_STATEMENT rows a statement
 * `VALUES (…), (…)`. ids from RETURNING id (or the sequence), in row order. ids (NULL: not wanted)
 * gets each row's id. *reuse (NULL at first) keeps the engine's reused statement between calls of
 * the same head, types and tail; the caller finalizes it with db_finalize. Failure: MM_E_DB with
 * the fault recorded (db_error / db_last_fault); rows already sent stay in the open transaction,
 * which the caller rolls back. */
#define DB_PG_ROWS_PER_STATEMENT 1000
mm_status db_insert_rows(db_conn *db, const char *head, const char *const *types, int n_columns,
                         const char *tail, size_t n_rows, db_row_binder bind, void *ctx,
                         int64_t *ids, db_stmt **reuse);
/* Prepares into *reuse (when NULL) the statement db_insert_rows would prepare and reuse for the
 * same head, types, tail and ids wanted (ids: true when the caller will pass ids), so that its
 * later calls run without preparing it: a one-shot process readies its writes while it waits for
 * something else. SQLite's single-row statement, PostgreSQL's array one (given types); meant for
 * those (PostgreSQL without types would prepare a DB_PG_ROWS_PER_STATEMENT-row statement).
 * Failure: MM_E_DB with the fault recorded, *reuse left NULL. */
mm_status db_insert_rows_prepare(db_conn *db, const char *head, const char *const *types,
                                 int n_columns, const char *tail, bool ids, db_stmt **reuse);

/* ---- errors: the one place a database failure becomes an mm_error ---- */
db_fault db_last_fault(const db_conn *db);
const char *db_last_message(const db_conn *db); /* the engine's own words, or "" */
/* MM_E_EXISTS for a unique violation, MM_E_DB "the catalog is busy ... try again" for a lock or
 * a serialization failure, MM_E_READONLY, MM_E_IO for a full disk, MM_E_DB damaged, MM_E_SCHEMA
 * not a database, else MM_E_DB "<engine> failed while <doing>: ...". */
mm_status db_error(db_conn *db, const char *doing, mm_error *err);

/* ---- helpers shaped like the catalog's cat_* helpers (db_engine.c) ---- */
/* Steps a statement expecting DB_DONE, then finalizes it. */
mm_status db_step_done(db_stmt *stmt, const char *doing, mm_error *err);
/* Steps an `INSERT ... RETURNING id` (both engines), gives the id and finalizes. */
mm_status db_step_insert(db_stmt *stmt, const char *doing, int64_t *id, mm_error *err);
/* A one-row integer query with one text parameter (may be NULL); *out = 0 when no row. */
mm_status db_query_int(db_conn *db, const char *sql, const char *param, int64_t *out,
                       mm_error *err);

/* ---- transactions ---- */
mm_status db_begin(db_conn *db, db_tx_mode mode, mm_error *err);
/* Commits when status is MM_OK (reporting a failing COMMIT), else rolls back; returns the final
 * status. */
mm_status db_end(db_conn *db, mm_status status, mm_error *err);
/* Inside a write transaction: its commit notifies DB_NOTIFY_CHANNEL (PostgreSQL NOTIFY, sent at
 * COMMIT, once however often it is called, dropped with a rolled-back transaction or savepoint);
 * SQLite: nothing (data_version counts every write). The catalog calls it for configuration
 * changes only, never for usage, rollups or leases. */
mm_status db_notify_change(db_conn *db, mm_error *err);
bool db_in_transaction(const db_conn *db);
/* Runs body in a transaction; a serialization failure or a deadlock (PostgreSQL 40001, 40P01)
 * rolls back and runs it again, up to 5 times with a short random pause (a lock timeout is not
 * retried: it already waited). body must have no effect outside the database. */
typedef mm_status (*db_tx_body)(db_conn *db, void *ctx, mm_error *err);
mm_status db_transaction(db_conn *db, db_tx_mode mode, db_tx_body body, void *ctx, mm_error *err);
/* Inside a transaction: waits for, then holds until its end, a lock named key (PostgreSQL
 * pg_advisory_xact_lock of the key's hash; SQLite: nothing, the writer already is alone). */
mm_status db_lock_key(db_conn *db, const char *key, mm_error *err);
/* " FOR UPDATE" on PostgreSQL, "" on SQLite: appended to a SELECT deciding a write. */
const char *db_for_update(const db_conn *db);

/* ---- noticing other sessions' changes ---- */
/* *changed = another connection committed a write since the last call (the first call sets the
 * baseline). SQLite: PRAGMA data_version (any write); PostgreSQL: a notification on
 * DB_NOTIFY_CHANNEL (a configuration change: db_notify_change). */
mm_status db_changed(db_conn *db, bool *changed, mm_error *err);
/* Waits up to timeout_ms for such a change. PostgreSQL sleeps on the socket (woken by NOTIFY);
 * SQLite checks data_version every 50 ms. */
mm_status db_wait_change(db_conn *db, int timeout_ms, bool *changed, mm_error *err);
/* The descriptor to poll() for a change, or -1 when the engine cannot wake (SQLite). */
int db_wait_fd(const db_conn *db);

/* ---- dialect ---- */
/* The first millisecond (UTC) of the month holding ts_ms: month arithmetic is done here, in C,
 * not with strftime or date_trunc. */
int64_t db_month_start_ms(int64_t ts_ms);
/* The first millisecond of the month after the one holding ts_ms (UTC). */
int64_t db_next_month_start_ms(int64_t ts_ms);
/* Makes sure the month partition of a table partitioned by ts_ms exists for ts_ms
 * (PostgreSQL: CREATE TABLE <table>_YYYYMM PARTITION OF <table>, once per month and
 * connection; SQLite: nothing). Call it before inserting a row of that month. */
mm_status db_ensure_month_partition(db_conn *db, const char *table, int64_t ts_ms, mm_error *err);

/* After rows were inserted with their ids given (catalog copy): the table's id generator
 * continues past the largest id in it (PostgreSQL setval of its identity or owned sequence;
 * SQLite: nothing, rowids already follow the largest). table is a plain name. */
mm_status db_identity_follow(db_conn *db, const char *table, mm_error *err);

#endif
