/* Private to the engine layer: the operations each engine (db_engine_sqlite.c,
 * db_engine_postgres.c) provides, and the state every connection and statement shares. */
#ifndef MM_DB_ENGINE_IMPL_H
#define MM_DB_ENGINE_IMPL_H

#include "catalog/db_engine.h"

#define DB_DISPLAY_MAX 512
#define DB_MESSAGE_MAX 400

typedef struct db_ops {
    void (*close)(db_conn *db);
    mm_status (*exec)(db_conn *db, const char *sql);
    db_stmt *(*prepare)(db_conn *db, const char *sql); /* NULL: last fault set */
    void (*bind_int64)(db_stmt *stmt, int index, int64_t value);
    void (*bind_double)(db_stmt *stmt, int index, double value);
    void (*bind_text)(db_stmt *stmt, int index, const char *text);
    void (*bind_text_static)(db_stmt *stmt, int index, const char *text);
    void (*bind_null)(db_stmt *stmt, int index);
    void (*bind_blob)(db_stmt *stmt, int index, const void *data, size_t len);
    db_step_result (*step)(db_stmt *stmt);
    db_step_result (*step_later)(db_stmt *stmt); /* NULL: step (db_step_later) */
    void (*reset)(db_stmt *stmt);
    void (*finalize)(db_stmt *stmt);
    int64_t (*changes)(const db_stmt *stmt);
    int64_t (*column_int64)(db_stmt *stmt, int index);
    double (*column_double)(db_stmt *stmt, int index);
    const char *(*column_text)(db_stmt *stmt, int index);
    bool (*column_is_null)(db_stmt *stmt, int index);
    const void *(*column_blob)(db_stmt *stmt, int index, size_t *len);
    int (*column_count)(db_stmt *stmt);
    const char *(*column_name)(db_stmt *stmt, int index);
    db_value_kind (*column_kind)(db_stmt *stmt, int index);
    mm_status (*begin)(db_conn *db, db_tx_mode mode);
    mm_status (*commit)(db_conn *db); /* sends the change notification first if needed */
    void (*rollback)(db_conn *db);
    mm_status (*lock_key)(db_conn *db, const char *key);
    mm_status (*changed)(db_conn *db, bool *changed);
    mm_status (*wait_change)(db_conn *db, int timeout_ms, bool *changed);
    int (*wait_fd)(const db_conn *db);
    mm_status (*identity_follow)(db_conn *db, const char *table);
    mm_status (*ensure_partition)(db_conn *db, const char *table, int64_t month_start_ms);
    int64_t (*last_insert_id)(db_conn *db); /* NULL: ids come from RETURNING id */
    size_t rows_per_statement;              /* of db_insert_rows */
    /* NULL, or db_insert_rows with column types: one statement for any number of rows, each
     * column bound as one array (row r's value of column c at index r * n_columns + c + 1) */
    db_stmt *(*prepare_rows)(db_conn *db, const char *head, const char *const *types, int n_columns,
                             const char *tail, bool returning);
    const char *engine_name;  /* "SQLite", "PostgreSQL" in messages */
    const char *for_update;   /* " FOR UPDATE" or "" */
    const char *readonly_fix; /* how to get write access, for the read-only message */
} db_ops;

struct db_conn {
    const db_ops *ops;
    db_kind kind;
    bool read_only;
    bool in_tx;
    bool in_read_tx; /* the open transaction is a DB_TX_READ */
    char display[DB_DISPLAY_MAX];
    db_fault fault;               /* of the last failure */
    bool retryable;               /* it was a serialization failure or a deadlock: run again */
    int sys_errno;                /* SQLite's system errno of the last failure, or 0 */
    char message[DB_MESSAGE_MAX]; /* the engine's words for it */
    db_counts counts;             /* statements and transactions run on this connection */
    bool trace;                   /* MM_TRACE_SQL: each statement and the counts to stderr */
};

struct db_stmt {
    db_conn *db;
};

/* Records a failure on db (engines call it); message may be NULL. Returns MM_E_DB so an
 * engine can `return db_fail(...)`; db_error turns it into the user's message. */
mm_status db_fail(db_conn *db, db_fault fault, const char *message);
void db_clear_fault(db_conn *db);

mm_status db_sqlite_open(const char *address, const db_open_options *opts, db_conn **out,
                         mm_error *err);
/* postgresql://user@host:port/db from a URI or key=value conninfo, without the password. */
void db_postgres_display(const char *address, char *out, size_t outsz);
mm_status db_postgres_open(const char *address, const db_open_options *opts, db_conn **out,
                           mm_error *err);

#endif
