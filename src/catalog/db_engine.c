/* The engine-independent half of the storage layer: choosing the engine by address, forwarding
 * to it, the one mapping of a database failure to an mm_error, retried transactions, months. */
#include "catalog/db_engine_impl.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "util/disk.h"
#include "util/text.h"

#define TX_ATTEMPTS 5

/* A libpq key=value conninfo starts with a keyword and '=' ("service=x", "host = y"). */
static bool looks_like_conninfo(const char *address)
{
    const char *p = address;
    while (isspace((unsigned char)*p))
        p++;
    const char *word = p;
    while (islower((unsigned char)*p) || *p == '_')
        p++;
    if (p == word)
        return false;
    while (isspace((unsigned char)*p))
        p++;
    return *p == '=';
}

bool db_address_is_postgres(const char *address)
{
    if (!address)
        return false;
    return strncmp(address, "postgresql://", 13) == 0 || strncmp(address, "postgres://", 11) == 0 ||
           looks_like_conninfo(address);
}

void db_address_display(const char *address, char *out, size_t outsz)
{
    if (db_address_is_postgres(address))
        db_postgres_display(address, out, outsz);
    else
        mm_copy(out, outsz, address ? address : "");
}

mm_status db_open(const char *address, const db_open_options *opts, db_conn **out, mm_error *err)
{
    db_open_options defaults = {0};
    *out = NULL;
    if (!opts)
        opts = &defaults;
    if (!mm_present(address))
        return mm_error_set(err, MM_E_INVALID, "db",
                            "no catalog address: give --db PATH or postgresql://...");
    mm_status st = db_address_is_postgres(address) ? db_postgres_open(address, opts, out, err)
                                                   : db_sqlite_open(address, opts, out, err);
    if (st == MM_OK)
        (*out)->trace = mm_present(getenv("MM_TRACE_SQL"));
    return st;
}

db_counts db_counts_of(const db_conn *db)
{
    return db->counts;
}

/* Counts a statement about to run; prints it under MM_TRACE_SQL. */
static void count_statement(db_conn *db, const char *sql)
{
    db->counts.statements++;
    if (db->trace)
        fprintf(stderr, "sql: %s\n", sql);
}

void db_close(db_conn *db)
{
    if (!db)
        return;
    if (db->trace)
        fprintf(stderr, "sql: %lld statements, %lld transactions\n",
                (long long)db->counts.statements, (long long)db->counts.transactions);
    if (db->in_tx)
        db->ops->rollback(db);
    db->ops->close(db);
}

db_kind db_kind_of(const db_conn *db)
{
    return db->kind;
}

const char *db_display(const db_conn *db)
{
    return db->display;
}

bool db_is_read_only(const db_conn *db)
{
    return db->read_only;
}

/* ---- failures ---- */

/* Copies message into out (cap bytes) on one line, as libpq's several lines read best there: a
 * line break before a new sentence ("\n\tIs the server running...?", "\nDETAIL:  ...",
 * "\nHINT:  ...") becomes "; " (a space after a full stop), one inside a sentence (a lower-case
 * word next) a space, every run of blanks one space; blanks and breaks at either end dropped. */
static void one_line(char *out, size_t cap, const char *message)
{
    size_t n = 0;
    bool blank = false, line_break = false;
    for (const char *p = message; *p && n + 1 < cap; p++) {
        if (*p == '\n' || *p == '\r') {
            line_break = true;
            continue;
        }
        if (*p == ' ' || *p == '\t') {
            blank = true;
            continue;
        }
        if (n > 0 && line_break && !islower((unsigned char)*p) && !strchr(".?!", out[n - 1]) &&
            n + 3 < cap) {
            out[n++] = ';';
            out[n++] = ' ';
        } else if (n > 0 && (blank || line_break) && n + 2 < cap) {
            out[n++] = ' ';
        }
        blank = line_break = false;
        out[n++] = *p;
    }
    if (cap > 0)
        out[n] = '\0';
}

mm_status db_fail(db_conn *db, db_fault fault, const char *message)
{
    db->fault = fault;
    one_line(db->message, sizeof db->message, message ? message : "");
    return MM_E_DB;
}

void db_clear_fault(db_conn *db)
{
    db->fault = DB_FAULT_NONE;
    db->retryable = false;
    db->sys_errno = 0;
    db->message[0] = '\0';
}

db_fault db_last_fault(const db_conn *db)
{
    return db->fault;
}

const char *db_last_message(const db_conn *db)
{
    return db->message;
}

mm_status db_error(db_conn *db, const char *doing, mm_error *err)
{
    switch (db->fault) {
    case DB_FAULT_FULL:
        if (db->kind == DB_SQLITE)
            return mm_disk_full_error(db->display, err);
        return mm_error_set(err, MM_E_IO, "",
                            "the server of the catalog %s is out of disk space while %s; nothing "
                            "was changed",
                            db->display, doing);
    case DB_FAULT_DAMAGED:
        return mm_error_set(err, MM_E_DB, "db",
                            "the catalog %s is damaged (%s) while %s; nothing was changed — run "
                            "`mmadmin check` and restore it from a backup",
                            db->display, db->message, doing);
    case DB_FAULT_BUSY:
        return mm_error_set(err, MM_E_DB, "",
                            "the catalog is busy (another session is writing) while %s; try "
                            "again in a moment",
                            doing);
    case DB_FAULT_READONLY:
        return mm_error_set(err, MM_E_READONLY, "",
                            "the catalog %s cannot be written while %s%s%s%s; %s", db->display,
                            doing, db->message[0] ? " (" : "", db->message,
                            db->message[0] ? ")" : "", db->ops->readonly_fix);
    case DB_FAULT_NOT_A_DB:
        return mm_error_set(err, MM_E_SCHEMA, "db",
                            "%s is not an mmadmin catalog (not an SQLite database); check --db "
                            "or MM_DB",
                            db->display);
    case DB_FAULT_UNIQUE:
        return mm_error_set(err, MM_E_EXISTS, "",
                            "it already exists (another session created it meanwhile) while %s; "
                            "reload and choose another name or edit the existing one",
                            doing);
    case DB_FAULT_CONNECTION:
        return mm_error_set(err, MM_E_DB, "db",
                            "lost the connection to the catalog %s while %s (%s); nothing was "
                            "changed — check the server and try again",
                            db->display, doing, db->message);
    default:
        return mm_error_set(err, MM_E_DB, "", "%s failed while %s: %s", db->ops->engine_name, doing,
                            db->message);
    }
}

/* ---- statements ---- */

mm_status db_exec(db_conn *db, const char *sql, const char *doing, mm_error *err)
{
    db_clear_fault(db);
    count_statement(db, sql);
    if (db->ops->exec(db, sql) != MM_OK)
        return db_error(db, doing, err);
    return MM_OK;
}

mm_status db_prepare(db_conn *db, const char *sql, db_stmt **out, mm_error *err)
{
    db_clear_fault(db);
    count_statement(db, sql);
    *out = db->ops->prepare(db, sql);
    if (!*out)
        return db_error(db, "preparing a query", err);
    return MM_OK;
}

void db_bind_int64(db_stmt *stmt, int index, int64_t value)
{
    stmt->db->ops->bind_int64(stmt, index, value);
}

void db_bind_double(db_stmt *stmt, int index, double value)
{
    stmt->db->ops->bind_double(stmt, index, value);
}

void db_bind_text(db_stmt *stmt, int index, const char *text)
{
    stmt->db->ops->bind_text(stmt, index, text ? text : "");
}

void db_bind_text_static(db_stmt *stmt, int index, const char *text)
{
    stmt->db->ops->bind_text_static(stmt, index, text ? text : "");
}

void db_bind_null(db_stmt *stmt, int index)
{
    stmt->db->ops->bind_null(stmt, index);
}

void db_bind_blob(db_stmt *stmt, int index, const void *data, size_t len)
{
    stmt->db->ops->bind_blob(stmt, index, data, len);
}

void db_bind_limit(db_stmt *stmt, int index, int64_t value)
{
    if (value == MM_LIMIT_UNSET)
        db_bind_null(stmt, index);
    else
        db_bind_int64(stmt, index, value);
}

db_step_result db_step(db_stmt *stmt)
{
    db_clear_fault(stmt->db);
    return stmt->db->ops->step(stmt);
}

db_step_result db_step_later(db_stmt *stmt)
{
    db_clear_fault(stmt->db);
    const db_ops *ops = stmt->db->ops;
    return ops->step_later ? ops->step_later(stmt) : ops->step(stmt);
}

void db_reset(db_stmt *stmt)
{
    stmt->db->ops->reset(stmt);
}

void db_finalize(db_stmt *stmt)
{
    if (stmt)
        stmt->db->ops->finalize(stmt);
}

int64_t db_changes(const db_stmt *stmt)
{
    return stmt->db->ops->changes(stmt);
}

int64_t db_column_int64(db_stmt *stmt, int index)
{
    return stmt->db->ops->column_int64(stmt, index);
}

double db_column_double(db_stmt *stmt, int index)
{
    return stmt->db->ops->column_double(stmt, index);
}

const char *db_column_text(db_stmt *stmt, int index)
{
    return stmt->db->ops->column_text(stmt, index);
}

bool db_column_is_null(db_stmt *stmt, int index)
{
    return stmt->db->ops->column_is_null(stmt, index);
}

const void *db_column_blob(db_stmt *stmt, int index, size_t *len)
{
    return stmt->db->ops->column_blob(stmt, index, len);
}

int db_column_count(db_stmt *stmt)
{
    return stmt->db->ops->column_count(stmt);
}

const char *db_column_name(db_stmt *stmt, int index)
{
    return stmt->db->ops->column_name(stmt, index);
}

db_value_kind db_column_kind(db_stmt *stmt, int index)
{
    return stmt->db->ops->column_kind(stmt, index);
}

int64_t db_column_limit(db_stmt *stmt, int index)
{
    return db_column_is_null(stmt, index) ? MM_LIMIT_UNSET : db_column_int64(stmt, index);
}

void db_column_copy(db_stmt *stmt, int index, char *dst, size_t dstsz)
{
    mm_copy(dst, dstsz, db_column_text(stmt, index));
}

/* ---- many rows at once ---- */

/* head VALUES (?1, ..., ?k), ... for rows rows, then tail and RETURNING id when wanted;
 * malloc'ed, NULL when out of memory. */
static char *rows_sql(const char *head, int n_columns, const char *tail, size_t rows,
                      bool returning)
{
    size_t cap = strlen(head) + (tail ? strlen(tail) : 0) + 32 + rows * (size_t)n_columns * 8;
    char *sql = malloc(cap);
    if (!sql)
        return NULL;
    size_t used = (size_t)snprintf(sql, cap, "%s VALUES ", head);
    int param = 1;
    for (size_t r = 0; r < rows; r++) {
        used += (size_t)snprintf(sql + used, cap - used, r ? ", (" : "(");
        for (int c = 0; c < n_columns; c++)
            used += (size_t)snprintf(sql + used, cap - used, c ? ", ?%d" : "?%d", param++);
        used += (size_t)snprintf(sql + used, cap - used, ")");
    }
    snprintf(sql + used, cap - used, "%s%s%s", tail ? " " : "", tail ? tail : "",
             returning ? " RETURNING id" : "");
    return sql;
}

static int compare_ids(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Runs stmt (rows rows bound); ids[0 .. rows) get the new rows' ids when ids. RETURNING gives
 * them in no promised order, but one statement's ids are drawn in row order under the write
 * lock: sorted, they match the rows. */
static mm_status run_rows(db_conn *db, db_stmt *stmt, size_t rows, int64_t *ids)
{
    size_t got = 0;
    db_step_result rc;
    while ((rc = db_step(stmt)) == DB_ROW)
        if (ids && got < rows)
            ids[got++] = db_column_int64(stmt, 0);
    if (rc != DB_DONE)
        return MM_E_DB;
    if (ids && db->ops->last_insert_id)
        ids[0] = db->ops->last_insert_id(db); /* one row a statement */
    else if (ids && got != rows)
        return db_fail(db, DB_FAULT_OTHER, "an insert returned fewer ids than rows");
    else if (ids)
        qsort(ids, rows, sizeof *ids, compare_ids);
    return MM_OK;
}

/* Every row in one statement, each column one array (types given, the engine can). */
static mm_status insert_columns(db_conn *db, const char *head, const char *const *types,
                                int n_columns, const char *tail, size_t n_rows, db_row_binder bind,
                                void *ctx, int64_t *ids, db_stmt **reuse)
{
    if (!*reuse) {
        *reuse = db->ops->prepare_rows(db, head, types, n_columns, tail, ids != NULL);
        if (!*reuse)
            return MM_E_DB;
    }
    count_statement(db, head);
    for (size_t r = 0; r < n_rows; r++)
        bind(*reuse, (int)r * n_columns + 1, r, ctx);
    mm_status st = run_rows(db, *reuse, n_rows, ids);
    db_reset(*reuse);
    return st;
}

/* The statement of rows rows db_insert_rows runs (head VALUES ..., tail, RETURNING id when
 * returning), prepared into *out. */
static mm_status prepare_values(db_conn *db, const char *head, int n_columns, const char *tail,
                                size_t rows, bool returning, db_stmt **out)
{
    char *sql = rows_sql(head, n_columns, tail, rows, returning);
    if (!sql)
        return db_fail(db, DB_FAULT_OTHER, "out of memory");
    count_statement(db, sql);
    *out = db->ops->prepare(db, sql);
    free(sql);
    return *out ? MM_OK : MM_E_DB;
}

mm_status db_insert_rows(db_conn *db, const char *head, const char *const *types, int n_columns,
                         const char *tail, size_t n_rows, db_row_binder bind, void *ctx,
                         int64_t *ids, db_stmt **reuse)
{
    const size_t per = db->ops->rows_per_statement;
    const bool returning = ids && !db->ops->last_insert_id;
    mm_status st = MM_OK;
    db_clear_fault(db);
    if (types && db->ops->prepare_rows)
        return n_rows
                   ? insert_columns(db, head, types, n_columns, tail, n_rows, bind, ctx, ids, reuse)
                   : MM_OK;
    for (size_t done = 0; done < n_rows && st == MM_OK;) {
        size_t rows = n_rows - done < per ? n_rows - done : per;
        db_stmt *stmt = rows == per ? *reuse : NULL;
        if (!stmt) {
            if ((st = prepare_values(db, head, n_columns, tail, rows, returning, &stmt)) != MM_OK)
                return st;
            if (rows == per)
                *reuse = stmt;
        }
        for (size_t r = 0; r < rows; r++)
            bind(stmt, (int)r * n_columns + 1, done + r, ctx);
        st = run_rows(db, stmt, rows, ids ? ids + done : NULL);
        if (stmt == *reuse)
            db_reset(stmt);
        else
            db_finalize(stmt);
        done += rows;
    }
    return st;
}

mm_status db_insert_rows_prepare(db_conn *db, const char *head, const char *const *types,
                                 int n_columns, const char *tail, bool ids, db_stmt **reuse)
{
    if (*reuse)
        return MM_OK;
    db_clear_fault(db);
    if (types && db->ops->prepare_rows) {
        *reuse = db->ops->prepare_rows(db, head, types, n_columns, tail, ids);
        return *reuse ? MM_OK : MM_E_DB;
    }
    return prepare_values(db, head, n_columns, tail, db->ops->rows_per_statement,
                          ids && !db->ops->last_insert_id, reuse);
}

mm_status db_step_done(db_stmt *stmt, const char *doing, mm_error *err)
{
    mm_status st = MM_OK;
    if (db_step(stmt) != DB_DONE)
        st = db_error(stmt->db, doing, err);
    db_finalize(stmt);
    return st;
}

mm_status db_step_insert(db_stmt *stmt, const char *doing, int64_t *id, mm_error *err)
{
    mm_status st = MM_OK;
    if (db_step(stmt) == DB_ROW)
        *id = db_column_int64(stmt, 0);
    else
        st = db_error(stmt->db, doing, err);
    if (st == MM_OK && db_step(stmt) != DB_DONE)
        st = db_error(stmt->db, doing, err);
    db_finalize(stmt);
    return st;
}

mm_status db_query_int(db_conn *db, const char *sql, const char *param, int64_t *out, mm_error *err)
{
    *out = 0;
    db_stmt *stmt;
    mm_status st = db_prepare(db, sql, &stmt, err);
    if (st != MM_OK)
        return st;
    if (param)
        db_bind_text(stmt, 1, param);
    db_step_result rc = db_step(stmt);
    if (rc == DB_ROW)
        *out = db_column_int64(stmt, 0);
    else if (rc == DB_ERROR)
        st = db_error(db, "reading the catalog", err);
    db_finalize(stmt);
    return st;
}

/* ---- transactions ---- */

mm_status db_begin(db_conn *db, db_tx_mode mode, mm_error *err)
{
    if (db->read_only && mode != DB_TX_READ)
        return mm_error_set(err, MM_E_READONLY, "",
                            "the catalog %s is open read-only (you cannot write to it); nothing "
                            "was changed — ask its owner, or open a catalog you can write",
                            db->display);
    db_clear_fault(db);
    db->counts.transactions++;
    if (db->trace)
        fprintf(stderr, "sql: BEGIN (%s)\n", mode == DB_TX_READ ? "read" : "write");
    if (db->ops->begin(db, mode) != MM_OK)
        return db_error(db, mode == DB_TX_READ ? "starting to read" : "starting a change", err);
    db->in_tx = true;
    db->in_read_tx = mode == DB_TX_READ;
    return MM_OK;
}

mm_status db_end(db_conn *db, mm_status status, mm_error *err)
{
    if (!db->in_tx)
        return status;
    if (db->in_read_tx) {
        db->ops->rollback(db);
        db->in_tx = db->in_read_tx = false;
        return status;
    }
    if (status == MM_OK) {
        db_clear_fault(db);
        if (db->ops->commit(db) == MM_OK) {
            db->in_tx = false;
            return MM_OK;
        }
        status = db_error(db, "saving the change", err);
    }
    db->ops->rollback(db); /* keeps the fault that made the change fail */
    db->in_tx = false;
    return status;
}

mm_status db_notify_change(db_conn *db, mm_error *err)
{
    if (db->kind != DB_POSTGRES || !db->in_tx || db->in_read_tx)
        return MM_OK;
    return db_exec(db, "NOTIFY " DB_NOTIFY_CHANNEL, "announcing the change", err);
}

bool db_in_transaction(const db_conn *db)
{
    return db->in_tx;
}

static void pause_before_retry(int attempt)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long jitter_us = (long)(now.tv_nsec / 1000 % 5000);
    usleep((useconds_t)(attempt * 5000 + jitter_us));
}

mm_status db_transaction(db_conn *db, db_tx_mode mode, db_tx_body body, void *ctx, mm_error *err)
{
    mm_status st = MM_OK;
    for (int attempt = 1; attempt <= TX_ATTEMPTS; attempt++) {
        st = db_begin(db, mode, err);
        if (st == MM_OK)
            st = db_end(db, body(db, ctx, err), err);
        if (st == MM_OK || !db->retryable)
            return st;
        pause_before_retry(attempt);
    }
    return st;
}

mm_status db_lock_key(db_conn *db, const char *key, mm_error *err)
{
    db_clear_fault(db);
    if (db->ops->lock_key(db, key) != MM_OK)
        return db_error(db, "waiting for a lock", err);
    return MM_OK;
}

const char *db_for_update(const db_conn *db)
{
    return db->ops->for_update;
}

/* ---- changes ---- */

mm_status db_changed(db_conn *db, bool *changed, mm_error *err)
{
    *changed = false;
    db_clear_fault(db);
    if (db->ops->changed(db, changed) != MM_OK)
        return db_error(db, "checking for changes", err);
    return MM_OK;
}

mm_status db_wait_change(db_conn *db, int timeout_ms, bool *changed, mm_error *err)
{
    *changed = false;
    db_clear_fault(db);
    if (db->ops->wait_change(db, timeout_ms, changed) != MM_OK)
        return db_error(db, "waiting for changes", err);
    return MM_OK;
}

int db_wait_fd(const db_conn *db)
{
    return db->ops->wait_fd(db);
}

/* ---- months ---- */

static int64_t month_start(int64_t ts_ms, int add_months)
{
    time_t secs = (time_t)(ts_ms >= 0 ? ts_ms / 1000 : (ts_ms - 999) / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    struct tm first = {.tm_year = tm.tm_year, .tm_mon = tm.tm_mon + add_months, .tm_mday = 1};
    return (int64_t)timegm(&first) * 1000;
}

int64_t db_month_start_ms(int64_t ts_ms)
{
    return month_start(ts_ms, 0);
}

int64_t db_next_month_start_ms(int64_t ts_ms)
{
    return month_start(ts_ms, 1);
}

mm_status db_ensure_month_partition(db_conn *db, const char *table, int64_t ts_ms, mm_error *err)
{
    db_clear_fault(db);
    if (db->ops->ensure_partition(db, table, db_month_start_ms(ts_ms)) != MM_OK)
        return db_error(db, "creating a month's partition", err);
    return MM_OK;
}

mm_status db_identity_follow(db_conn *db, const char *table, mm_error *err)
{
    db_clear_fault(db);
    if (db->ops->identity_follow(db, table) != MM_OK)
        return db_error(db, "setting the next id", err);
    return MM_OK;
}
