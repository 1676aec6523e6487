/* Moving a whole catalog between engines (`mmadmin catalog copy`): every table row by row in
 * foreign-key order, ids and sealed secrets as stored, in one transaction on the destination. */
#include "catalog/catalog_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Copied in this order (parents before children); meta is copied on its own (its rollup
 * position is a number on SQLite and text in BYTEA on PostgreSQL). */
static const char *const COPIED[] = {
    "accounts",     "account_status",   "discovered_models",   "models",
    "targets",      "workspaces",       "entitlements",        "workspace_keys",
    "prices",       "settings",         "router_month_sums",   "audit_log",
    "alerts",       "alert_deliveries", "usage_rollup_minute", "usage_rollup_day",
    "usage_events",
};
#define N_COPIED (sizeof COPIED / sizeof COPIED[0])
/* Per process or in flight: not copied, but emptied by replace. */
static const char *const NOT_COPIED[] = {"leases", "router_reservations"};
#define N_NOT_COPIED (sizeof NOT_COPIED / sizeof NOT_COPIED[0])
#define UPTO_KEY "rollups_upto_id"
#define INSERT_SQL_MAX 4096

/* One file under two names (a symlink, a hard link, "dir/../") or one PostgreSQL address. */
static mm_status same_catalog(mm_catalog *from, mm_catalog *to, mm_error *err)
{
    struct stat a, b;
    bool same;
    if (db_kind_of(from->db) == DB_SQLITE && db_kind_of(to->db) == DB_SQLITE)
        same = stat(from->path, &a) == 0 && stat(to->path, &b) == 0 && a.st_dev == b.st_dev &&
               a.st_ino == b.st_ino;
    else
        same = strcmp(catalog_display(from), catalog_display(to)) == 0;
    if (!same)
        return MM_OK;
    return mm_error_set(err, MM_E_INVALID, "to",
                        "the source and the destination are the same catalog (%s); nothing was "
                        "copied",
                        catalog_display(to));
}

static mm_status count_rows(mm_catalog *cat, const char *table, int64_t *rows, mm_error *err)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    return cat_query_int(cat, sql, NULL, rows, err);
}

/* MM_E_EXISTS when the destination holds rows and replace was not asked; else empties it. */
static mm_status prepare_destination(mm_catalog *to, bool replace, int64_t *emptied, mm_error *err)
{
    int64_t total = 0, rows = 0;
    char first[64] = "";
    mm_status st = MM_OK;
    for (size_t i = 0; i < N_COPIED && st == MM_OK; i++) {
        st = count_rows(to, COPIED[i], &rows, err);
        if (rows > 0 && !first[0])
            snprintf(first, sizeof first, "%lld %s", (long long)rows, COPIED[i]);
        total += rows;
    }
    if (st != MM_OK || total == 0)
        return st;
    if (!replace)
        return mm_error_set(err, MM_E_EXISTS, "to",
                            "the destination %s already holds a catalog (%lld rows, among them "
                            "%s); give --replace to empty it first — nothing was copied",
                            catalog_display(to), (long long)total, first);
    for (size_t i = N_COPIED + N_NOT_COPIED; i-- > 0 && st == MM_OK;) {
        char sql[128];
        snprintf(sql, sizeof sql, "DELETE FROM %s",
                 i >= N_COPIED ? NOT_COPIED[i - N_COPIED] : COPIED[i]);
        st = cat_exec(to, sql, err);
    }
    if (st == MM_OK)
        st = cat_exec(to, "DELETE FROM meta", err);
    *emptied = total;
    return st;
}

/* INSERT INTO table ("c1", ...) from the source row's column names (db_insert_rows' head). */
static mm_status insert_head(db_stmt *row, const char *table, char *sql, size_t sqlsz,
                             mm_error *err)
{
    int n = db_column_count(row);
    size_t used = (size_t)snprintf(sql, sqlsz, "INSERT INTO %s (", table);
    for (int i = 0; i < n && used < sqlsz; i++)
        used += (size_t)snprintf(sql + used, sqlsz - used, "%s\"%s\"", i ? ", " : "",
                                 db_column_name(row, i));
    if (used + 2 >= sqlsz)
        return mm_error_set(err, MM_E_INTERNAL, "", "the table %s has too many columns to copy",
                            table);
    snprintf(sql + used, sqlsz - used, ")");
    return MM_OK;
}

/* A source row's value, kept until its chunk of rows is inserted (the source's own buffers
 * last only until its next row). */
typedef struct kept_value {
    db_value_kind kind;
    int64_t number;
    double real;
    char *bytes; /* text (NUL-terminated) or blob, malloc'ed; NULL for the others */
    size_t len;
} kept_value;

/* Up to COPY_CHUNK_ROWS source rows of `columns` values each, inserted by one db_insert_rows
 * (PostgreSQL: DB_PG_ROWS_PER_STATEMENT rows a statement, not a round trip a row). */
#define COPY_CHUNK_ROWS DB_PG_ROWS_PER_STATEMENT
typedef struct kept_rows {
    int columns;
    size_t count;
    kept_value *values; /* COPY_CHUNK_ROWS * columns */
} kept_rows;

/* Copies a text or blob value's bytes (NUL-terminated) into v; false when out of memory. */
static bool keep_bytes(kept_value *v, const void *data, size_t len)
{
    v->len = len;
    if (!(v->bytes = malloc(len + 1)))
        return false;
    if (len)
        memcpy(v->bytes, data, len);
    v->bytes[len] = '\0';
    return true;
}

static bool keep_row(db_stmt *row, kept_rows *k)
{
    kept_value *v = &k->values[k->count * (size_t)k->columns];
    bool ok = true;
    for (int col = 0; col < k->columns; col++) {
        v[col] = (kept_value){.kind = db_column_kind(row, col)};
        if (v[col].kind == DB_VALUE_INT)
            v[col].number = db_column_int64(row, col);
        else if (v[col].kind == DB_VALUE_FLOAT)
            v[col].real = db_column_double(row, col);
        else if (v[col].kind == DB_VALUE_TEXT)
            ok = ok &&
                 keep_bytes(&v[col], db_column_text(row, col), strlen(db_column_text(row, col)));
        else if (v[col].kind == DB_VALUE_BLOB) {
            size_t len = 0;
            const void *blob = db_column_blob(row, col, &len);
            ok = ok && keep_bytes(&v[col], blob, len);
        }
    }
    k->count++; /* counted even when a copy failed, so forget_rows frees what was kept */
    return ok;
}

static void forget_rows(kept_rows *k)
{
    for (size_t i = 0; i < k->count * (size_t)k->columns; i++)
        free(k->values[i].bytes);
    k->count = 0;
}

static void bind_kept(db_stmt *insert, int first, size_t row, void *ctx)
{
    const kept_rows *k = ctx;
    const kept_value *v = &k->values[row * (size_t)k->columns];
    for (int col = 0; col < k->columns; col++, v++) {
        if (v->kind == DB_VALUE_INT)
            db_bind_int64(insert, first + col, v->number);
        else if (v->kind == DB_VALUE_FLOAT)
            db_bind_double(insert, first + col, v->real);
        else if (v->kind == DB_VALUE_TEXT)
            db_bind_text(insert, first + col, v->bytes);
        else if (v->kind == DB_VALUE_BLOB)
            db_bind_blob(insert, first + col, v->bytes, v->len);
        else
            db_bind_null(insert, first + col);
    }
}

static mm_status insert_kept(mm_catalog *to, const char *head, kept_rows *k, db_stmt **reuse,
                             mm_error *err)
{
    mm_status st = MM_OK;
    if (k->count && db_insert_rows(to->db, head, NULL, k->columns, NULL, k->count, bind_kept, k,
                                   NULL, reuse) != MM_OK)
        st = cat_db_error(to, "copying the catalog", err);
    forget_rows(k);
    return st;
}

static int column_named(db_stmt *row, const char *name)
{
    for (int i = 0; i < db_column_count(row); i++)
        if (strcmp(db_column_name(row, i), name) == 0)
            return i;
    return -1;
}

/* One table, in chunks of rows; month partitions made as rows need them. */
static mm_status copy_table(mm_catalog *from, mm_catalog *to, const char *table, int64_t *rows,
                            mm_error *err)
{
    char sql[INSERT_SQL_MAX];
    snprintf(sql, sizeof sql, "SELECT * FROM %s", table);
    db_stmt *row = NULL, *reuse = NULL;
    mm_status st = cat_prepare(from, sql, &row, err);
    int ts_col = -1, id_col = -1;
    kept_rows kept = {0};
    db_step_result rc = DB_DONE;
    *rows = 0;
    while (st == MM_OK && (rc = db_step(row)) == DB_ROW) {
        if (!kept.values) {
            st = insert_head(row, table, sql, sizeof sql, err);
            kept.columns = db_column_count(row);
            kept.values = calloc(COPY_CHUNK_ROWS * (size_t)kept.columns, sizeof *kept.values);
            if (st == MM_OK && !kept.values)
                st = cat_out_of_memory(err);
            ts_col = strcmp(table, "usage_events") == 0 ? column_named(row, "ts_ms") : -1;
            id_col = column_named(row, "id");
        }
        if (st == MM_OK && ts_col >= 0)
            st = db_ensure_month_partition(to->db, table, db_column_int64(row, ts_col), err);
        if (st == MM_OK && !keep_row(row, &kept))
            st = cat_out_of_memory(err);
        if (st == MM_OK && kept.count == COPY_CHUNK_ROWS)
            st = insert_kept(to, sql, &kept, &reuse, err);
        (*rows)++;
    }
    if (st == MM_OK && rc == DB_ERROR)
        st = cat_db_error(from, "reading the catalog to copy", err);
    if (st == MM_OK)
        st = insert_kept(to, sql, &kept, &reuse, err);
    if (st == MM_OK && id_col >= 0)
        st = db_identity_follow(to->db, table, err);
    forget_rows(&kept);
    free(kept.values);
    db_finalize(reuse);
    db_finalize(row);
    return st;
}

/* meta as stored (the vault check value and the like), the rollup position as a number. */
static mm_status copy_meta(mm_catalog *from, mm_catalog *to, mm_error *err)
{
    db_stmt *row = NULL, *insert = NULL;
    mm_status st =
        cat_prepare(from, "SELECT key, value FROM meta WHERE key <> '" UPTO_KEY "'", &row, err);
    if (st == MM_OK)
        st = cat_prepare(to, "INSERT INTO meta(key, value) VALUES (?1, ?2)", &insert, err);
    db_step_result rc = DB_DONE;
    while (st == MM_OK && (rc = db_step(row)) == DB_ROW) {
        size_t len = 0;
        const void *value = db_column_blob(row, 1, &len);
        db_bind_text(insert, 1, db_column_text(row, 0));
        db_bind_blob(insert, 2, value ? value : "", len);
        if (db_step(insert) != DB_DONE)
            st = cat_db_error(to, "copying the catalog's settings", err);
        db_reset(insert);
    }
    if (st == MM_OK && rc == DB_ERROR)
        st = cat_db_error(from, "reading the catalog to copy", err);
    db_finalize(insert);
    db_finalize(row);
    int64_t upto = 0;
    if (st == MM_OK)
        st = cat_rollup_read_upto(from, &upto, err);
    if (st == MM_OK)
        st = cat_rollup_set_upto(to, upto, err);
    return st;
}

static mm_status audit_copy(mm_catalog *from, mm_catalog *to, const mm_copy_result *out,
                            mm_error *err)
{
    json_t *tables = json_object();
    for (size_t i = 0; tables && i < out->count; i++)
        json_object_set_new(tables, out->tables[i].table, json_integer(out->tables[i].rows));
    json_t *after = json_pack("{s:s, s:o, s:I}", "from", catalog_display(from), "tables",
                              tables ? tables : json_object(), "emptied", (json_int_t)out->emptied);
    return cat_audit(to, "copy", "catalog", catalog_display(from), NULL, after, err);
}

/* Inside the destination's write transaction, with the source's read snapshot open. */
static mm_status copy_all(mm_catalog *from, mm_catalog *to, bool replace, mm_copy_result *out,
                          mm_error *err)
{
    /* the vault first: emptying the destination takes its check value with it */
    mm_status st = cat_vault_copy_check(from, to, out->note, sizeof out->note, err);
    if (st == MM_OK)
        st = prepare_destination(to, replace, &out->emptied, err);
    if (st == MM_OK)
        st = copy_meta(from, to, err);
    for (size_t i = 0; i < N_COPIED && st == MM_OK; i++) {
        out->tables[out->count].table = COPIED[i];
        st = copy_table(from, to, COPIED[i], &out->tables[out->count].rows, err);
        out->count++;
    }
    if (st == MM_OK)
        st = audit_copy(from, to, out, err);
    return st;
}

mm_status catalog_copy(mm_catalog *from, mm_catalog *to, bool replace, mm_copy_result *out,
                       mm_error *err)
{
    memset(out, 0, sizeof *out);
    mm_status st = same_catalog(from, to, err);
    if (st == MM_OK)
        st = db_begin(from->db, DB_TX_READ, err);
    if (st != MM_OK)
        return st;
    st = cat_begin(to, err);
    if (st == MM_OK)
        st = cat_end(to, copy_all(from, to, replace, out, err), err);
    db_end(from->db, MM_OK, err);
    if (st != MM_OK) {
        out->count = 0;
        out->emptied = 0;
    }
    return st;
}
