/* The SQLite engine: a catalog file opened in WAL mode with foreign keys and a busy timeout;
 * writers serialized by BEGIN IMMEDIATE; other sessions' commits seen through data_version. */
#include "catalog/db_engine_sqlite.h"

#include "catalog/db_engine_impl.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_BUSY_TIMEOUT_MS 5000
#define CHANGE_CHECK_MS 50

typedef struct lite_conn {
    db_conn base;
    sqlite3 *handle;
    int64_t data_version; /* seen by the last db_changed; -1 before the first */
} lite_conn;

typedef struct lite_stmt {
    db_stmt base;
    sqlite3_stmt *handle;
    int64_t changes;
} lite_stmt;

static sqlite3 *handle_of(db_conn *db)
{
    return ((lite_conn *)db)->handle;
}

sqlite3 *db_sqlite_handle(db_conn *db)
{
    return db && db->kind == DB_SQLITE ? handle_of(db) : NULL;
}

static sqlite3_stmt *stmt_of(db_stmt *stmt)
{
    return ((lite_stmt *)stmt)->handle;
}

static db_fault fault_of(int code, int sys_errno)
{
    int primary = code & 0xFF;
    if (code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY)
        return DB_FAULT_UNIQUE;
    if (code == SQLITE_CONSTRAINT_FOREIGNKEY)
        return DB_FAULT_FOREIGN_KEY;
    if (primary == SQLITE_CONSTRAINT)
        return DB_FAULT_CONSTRAINT;
    if (primary == SQLITE_FULL ||
        (primary == SQLITE_IOERR && (sys_errno == ENOSPC || sys_errno == EDQUOT)))
        return DB_FAULT_FULL;
    if (primary == SQLITE_CORRUPT)
        return DB_FAULT_DAMAGED;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
        return DB_FAULT_BUSY;
    if (primary == SQLITE_READONLY)
        return DB_FAULT_READONLY;
    if (primary == SQLITE_NOTADB)
        return DB_FAULT_NOT_A_DB;
    return DB_FAULT_OTHER;
}

/* Records the connection's last error; returns MM_E_DB. */
static mm_status lite_fail(db_conn *db)
{
    sqlite3 *h = handle_of(db);
    int sys_errno = sqlite3_system_errno(h);
    db_fail(db, fault_of(sqlite3_extended_errcode(h), sys_errno), sqlite3_errmsg(h));
    db->sys_errno = sys_errno;
    return MM_E_DB;
}

static void lite_close(db_conn *db)
{
    sqlite3_close(handle_of(db));
    free(db);
}

static mm_status lite_exec(db_conn *db, const char *sql)
{
    if (sqlite3_exec(handle_of(db), sql, NULL, NULL, NULL) != SQLITE_OK)
        return lite_fail(db);
    return MM_OK;
}

static db_stmt *lite_prepare(db_conn *db, const char *sql)
{
    lite_stmt *stmt = calloc(1, sizeof *stmt);
    if (!stmt) {
        db_fail(db, DB_FAULT_OTHER, "out of memory");
        return NULL;
    }
    stmt->base.db = db;
    if (sqlite3_prepare_v2(handle_of(db), sql, -1, &stmt->handle, NULL) != SQLITE_OK) {
        lite_fail(db);
        free(stmt);
        return NULL;
    }
    return &stmt->base;
}

static void lite_bind_int64(db_stmt *stmt, int index, int64_t value)
{
    sqlite3_bind_int64(stmt_of(stmt), index, value);
}

static void lite_bind_double(db_stmt *stmt, int index, double value)
{
    sqlite3_bind_double(stmt_of(stmt), index, value);
}

static void lite_bind_text(db_stmt *stmt, int index, const char *text)
{
    sqlite3_bind_text(stmt_of(stmt), index, text, -1, SQLITE_TRANSIENT);
}

static void lite_bind_text_static(db_stmt *stmt, int index, const char *text)
{
    sqlite3_bind_text(stmt_of(stmt), index, text, -1, SQLITE_STATIC);
}

static int64_t lite_last_insert_id(db_conn *db)
{
    return sqlite3_last_insert_rowid(handle_of(db));
}

static void lite_bind_null(db_stmt *stmt, int index)
{
    sqlite3_bind_null(stmt_of(stmt), index);
}

static void lite_bind_blob(db_stmt *stmt, int index, const void *data, size_t len)
{
    sqlite3_bind_blob(stmt_of(stmt), index, data, (int)len, SQLITE_TRANSIENT);
}

static db_step_result lite_step(db_stmt *stmt)
{
    int rc = sqlite3_step(stmt_of(stmt));
    if (rc == SQLITE_ROW)
        return DB_ROW;
    if (rc == SQLITE_DONE) {
        ((lite_stmt *)stmt)->changes = sqlite3_changes(handle_of(stmt->db));
        return DB_DONE;
    }
    lite_fail(stmt->db);
    return DB_ERROR;
}

static void lite_reset(db_stmt *stmt)
{
    sqlite3_reset(stmt_of(stmt));
}

static void lite_finalize(db_stmt *stmt)
{
    sqlite3_finalize(stmt_of(stmt));
    free(stmt);
}

static int64_t lite_changes(const db_stmt *stmt)
{
    return ((const lite_stmt *)stmt)->changes;
}

static int64_t lite_column_int64(db_stmt *stmt, int index)
{
    return sqlite3_column_int64(stmt_of(stmt), index);
}

static double lite_column_double(db_stmt *stmt, int index)
{
    return sqlite3_column_double(stmt_of(stmt), index);
}

static const char *lite_column_text(db_stmt *stmt, int index)
{
    const unsigned char *text = sqlite3_column_text(stmt_of(stmt), index);
    return text ? (const char *)text : "";
}

static bool lite_column_is_null(db_stmt *stmt, int index)
{
    return sqlite3_column_type(stmt_of(stmt), index) == SQLITE_NULL;
}

static const void *lite_column_blob(db_stmt *stmt, int index, size_t *len)
{
    const void *data = sqlite3_column_blob(stmt_of(stmt), index);
    *len = (size_t)sqlite3_column_bytes(stmt_of(stmt), index);
    return data;
}

static int lite_column_count(db_stmt *stmt)
{
    return sqlite3_column_count(stmt_of(stmt));
}

static const char *lite_column_name(db_stmt *stmt, int index)
{
    const char *name = sqlite3_column_name(stmt_of(stmt), index);
    return name ? name : "";
}

static db_value_kind lite_column_kind(db_stmt *stmt, int index)
{
    switch (sqlite3_column_type(stmt_of(stmt), index)) {
    case SQLITE_INTEGER:
        return DB_VALUE_INT;
    case SQLITE_FLOAT:
        return DB_VALUE_FLOAT;
    case SQLITE_TEXT:
        return DB_VALUE_TEXT;
    case SQLITE_BLOB:
        return DB_VALUE_BLOB;
    default:
        return DB_VALUE_NULL;
    }
}

static mm_status lite_begin(db_conn *db, db_tx_mode mode)
{
    if (mode == DB_TX_READ) /* WAL: the first read fixes the snapshot */
        return lite_exec(db, "BEGIN");
    return lite_exec(db, "BEGIN IMMEDIATE"); /* one writer at a time either way */
}

static mm_status lite_commit(db_conn *db)
{
    return lite_exec(db, "COMMIT");
}

static void lite_rollback(db_conn *db)
{
    if (!sqlite3_get_autocommit(handle_of(db)))
        sqlite3_exec(handle_of(db), "ROLLBACK", NULL, NULL, NULL);
}

static mm_status lite_lock_key(db_conn *db, const char *key)
{
    (void)db;
    (void)key;
    return MM_OK;
}

static mm_status read_data_version(db_conn *db, int64_t *out)
{
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(handle_of(db), "PRAGMA data_version", -1, &stmt, NULL) != SQLITE_OK)
        return lite_fail(db);
    mm_status st = MM_OK;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        *out = sqlite3_column_int64(stmt, 0);
    else
        st = lite_fail(db);
    sqlite3_finalize(stmt);
    return st;
}

static mm_status lite_changed(db_conn *db, bool *changed)
{
    lite_conn *lc = (lite_conn *)db;
    int64_t version = 0;
    mm_status st = read_data_version(db, &version);
    if (st != MM_OK)
        return st;
    *changed = lc->data_version >= 0 && version != lc->data_version;
    lc->data_version = version;
    return MM_OK;
}

static mm_status lite_wait_change(db_conn *db, int timeout_ms, bool *changed)
{
    for (int waited = 0;; waited += CHANGE_CHECK_MS) {
        mm_status st = lite_changed(db, changed);
        if (st != MM_OK || *changed || waited >= timeout_ms)
            return st;
        struct timespec pause = {0, CHANGE_CHECK_MS * 1000000L};
        nanosleep(&pause, NULL);
    }
}

static int lite_wait_fd(const db_conn *db)
{
    (void)db;
    return -1;
}

static mm_status lite_ensure_partition(db_conn *db, const char *table, int64_t month_start_ms)
{
    (void)db;
    (void)table;
    (void)month_start_ms;
    return MM_OK;
}

static mm_status lite_identity_follow(db_conn *db, const char *table)
{
    (void)db;
    (void)table;
    return MM_OK;
}

static const db_ops LITE_OPS = {
    .close = lite_close,
    .exec = lite_exec,
    .prepare = lite_prepare,
    .bind_int64 = lite_bind_int64,
    .bind_double = lite_bind_double,
    .bind_text = lite_bind_text,
    .bind_text_static = lite_bind_text_static,
    .bind_null = lite_bind_null,
    .bind_blob = lite_bind_blob,
    .step = lite_step,
    .reset = lite_reset,
    .finalize = lite_finalize,
    .changes = lite_changes,
    .column_int64 = lite_column_int64,
    .column_double = lite_column_double,
    .column_text = lite_column_text,
    .column_is_null = lite_column_is_null,
    .column_blob = lite_column_blob,
    .column_count = lite_column_count,
    .column_name = lite_column_name,
    .column_kind = lite_column_kind,
    .begin = lite_begin,
    .commit = lite_commit,
    .rollback = lite_rollback,
    .lock_key = lite_lock_key,
    .changed = lite_changed,
    .wait_change = lite_wait_change,
    .wait_fd = lite_wait_fd,
    .identity_follow = lite_identity_follow,
    .ensure_partition = lite_ensure_partition,
    .last_insert_id = lite_last_insert_id,
    .rows_per_statement = 1,
    .engine_name = "SQLite",
    .for_update = "",
    .readonly_fix = "check the file's and its folder's permissions",
};

static pthread_once_t library_once = PTHREAD_ONCE_INIT;

/* Once a process, before SQLite's first use: page-cache lines are allocated as a cache needs
 * them instead of 20 at once (SQLITE_DEFAULT_PCACHE_INITSZ, ~88 KiB). Every temporary b-tree a
 * query materializes (a FROM subquery, an IN list) has a cache of its own, and each up-front
 * block is ~20 fresh pages to fault in: most of a one-request process's SQLite page faults.
 * No memory statistics (nothing reads sqlite3_memory_used): each of SQLite's allocations then
 * skips a global mutex and its counters. Refused (SQLITE_MISUSE) when SQLite was initialized
 * already, which changes only this. */
static void configure_library(void)
{
    sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static mm_status configure(db_conn *db, const db_open_options *opts)
{
    sqlite3 *h = handle_of(db);
    sqlite3_busy_timeout(h, opts->busy_timeout_ms > 0 ? opts->busy_timeout_ms
                                                      : DEFAULT_BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(h, 1);
    mm_status st = MM_OK;
    if (opts->bare)
        return st;
    if (!db->read_only) {
        st = lite_exec(db, "PRAGMA journal_mode=WAL");
        if (st == MM_OK)
            st = lite_exec(db, "PRAGMA synchronous=NORMAL");
    }
    if (st == MM_OK)
        st = lite_exec(db, "PRAGMA foreign_keys=ON");
    return st;
}

mm_status db_sqlite_open(const char *address, const db_open_options *opts, db_conn **out,
                         mm_error *err)
{
    if (!opts->create && access(address, F_OK) != 0)
        return mm_error_set(err, MM_E_NOT_FOUND, "db",
                            "there is no catalog at %s; check --db or MM_DB, or create it by "
                            "opening it writable",
                            address);
    pthread_once(&library_once, configure_library);
    lite_conn *lc = calloc(1, sizeof *lc);
    if (!lc)
        return mm_error_set(err, MM_E_INTERNAL, "", "out of memory opening the catalog");
    db_conn *db = &lc->base;
    db->ops = &LITE_OPS;
    db->kind = DB_SQLITE;
    db->read_only = opts->read_only;
    lc->data_version = -1;
    db_address_display(address, db->display, sizeof db->display);
    int flags = (db->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
                (opts->create && !db->read_only ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
    mm_status st = MM_OK;
    if (sqlite3_open_v2(address, &lc->handle, flags, NULL) != SQLITE_OK)
        st = mm_error_set(err, MM_E_DB, "db", "cannot open the catalog %s: %s", db->display,
                          lc->handle ? sqlite3_errmsg(lc->handle) : "out of memory");
    else if (configure(db, opts) != MM_OK)
        st = db_error(db, "opening the catalog", err);
    if (st != MM_OK) {
        lite_close(db);
        return st;
    }
    *out = db;
    return MM_OK;
}
