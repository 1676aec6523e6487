/* The PostgreSQL engine (libpq): ? placeholders as $N, a statement prepared once it is reused,
 * SQLSTATEs as db faults, advisory and row locks, LISTEN/NOTIFY, month partitions on demand. */
#include "catalog/db_array.h"
#include "catalog/db_engine_impl.h"

#include <libpq-fe.h>
#include <poll.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/module.h"
#include "util/redact.h"
#include "util/text.h"

/* libpq is opened (dlopen) at the first PostgreSQL address, so SQLite catalogs and commands that
 * open none never map it and its dependencies. Each libpq function this file calls is listed
 * here once; calls go through the table (pq.PQexec(...)), loaded once per process. */
/* clang-format off */
#define PQ_FUNCTIONS(X) \
    X(PQbackendPID) X(PQclear) X(PQcmdTuples) X(PQconnectdbParams) X(PQconninfoFree) \
    X(PQconninfoParse) X(PQconsumeInput) X(PQerrorMessage) X(PQexec) X(PQexecParams) \
    X(PQexecPrepared) X(PQfinish) X(PQfname) X(PQfreemem) X(PQftype) X(PQgetisnull) \
    X(PQgetvalue) X(PQnfields) X(PQnotifies) X(PQntuples) X(PQprepare) X(PQreset) \
    X(PQresultErrorField) X(PQresultStatus) X(PQsetNoticeProcessor) X(PQsocket) X(PQstatus) \
    X(PQtransactionStatus) X(PQunescapeBytea) X(PQsendQuery) X(PQgetResult) X(PQputCopyData) \
    X(PQputCopyEnd) X(PQenterPipelineMode) X(PQexitPipelineMode) X(PQpipelineSync) \
    X(PQsendQueryParams) X(PQsendQueryPrepared)
/* clang-format on */

#define MM_LIBPQ_SONAME "libpq.so.5" /* libpq's stable ABI */
#define PQ_POINTER(name) __typeof__(name) *name;
#define PQ_NAME(name) #name,
#define PQ_COUNT_ONE(name) +1
enum { PQ_COUNT = 0 PQ_FUNCTIONS(PQ_COUNT_ONE) };

typedef struct pq_api {
    union {
        struct {
            PQ_FUNCTIONS(PQ_POINTER)
        };
        void *slot[PQ_COUNT]; /* what mm_library_load fills */
    };
    bool loaded;
    char error[256]; /* why it did not load */
} pq_api;

static pq_api pq; /* written once under pq_once, then only read */
static pthread_once_t pq_once = PTHREAD_ONCE_INIT;

static void pq_open(void)
{
    static const char *const names[PQ_COUNT] = {PQ_FUNCTIONS(PQ_NAME)};
    pq.loaded =
        mm_library_load(MM_LIBPQ_SONAME, names, pq.slot, PQ_COUNT, pq.error, sizeof pq.error);
}

/* True once libpq is usable; false (pq.error says why) when it is not installed. */
static bool pq_load(void)
{
    pthread_once(&pq_once, pq_open);
    return pq.loaded;
}

#define DEFAULT_LOCK_TIMEOUT_MS 5000
#define KNOWN_PARTITIONS 32
#define PARTITION_NAME_MAX 64
/* pg_advisory_xact_lock(class, key) classes: "MMAD" + 0 the whole catalog, + 1 db_lock_key,
 * + 2 creating a partition. */
#define LOCK_CLASS 0x4D4D4144
#define WRITE_BEGIN "BEGIN; SELECT pg_advisory_xact_lock(1296908612, 0)" /* LOCK_CLASS */
#define WRITE_BEGIN_RESULTS 2
#define OID_BYTEA 17
#define OID_INT8 20
#define OID_TEXT 25
#define OID_FLOAT8 701
#define OID_BOOL 16
#define OID_INT2 21
#define OID_INT4 23
#define OID_FLOAT4 700
#define OID_NUMERIC 1700
/* db_insert_rows with at least this many rows (and no ON CONFLICT) goes by COPY (copy_rows);
 * fewer: one statement of column arrays (one round trip instead of two). */
#define COPY_MIN_ROWS 64

/* A statement text (with its parameter types) this connection has run: prepared on the server
 * under name the second time any statement object runs it, then shared by every later one. */
#define STATEMENT_CACHE 128
typedef struct pg_cached {
    char *sql;
    Oid *types;
    int n_params;
    unsigned hash;
    int runs;
    char name[24]; /* "" until prepared */
} pg_cached;

typedef struct pg_conn {
    db_conn base;
    pg_cached cache[STATEMENT_CACHE];
    int n_cached;
    PGconn *handle;
    int backend_pid;
    unsigned next_statement; /* names of server-prepared statements */
    bool baseline_set;       /* db_changed was called once */
    unsigned generation;     /* bumped by a reconnection: server-prepared statements are gone */
    bool missed;             /* reconnected: notifications may have been missed meanwhile */
    int lock_timeout_ms;
    char known[KNOWN_PARTITIONS][PARTITION_NAME_MAX]; /* partitions known to exist */
    int n_known;
    /* pg_step_later: statements sent in pipeline mode whose answers are not read yet (read with
     * the COMMIT, or before anything else is sent: settle) */
    int pipelined;
    char later_failure[DB_MESSAGE_MAX]; /* the first one's failure, "" while none */
    db_fault later_fault;
    /* DB_TX_WRITE_LATER: the BEGIN and the lock not sent yet, sent ahead of the transaction's
     * first statement (in the same query when it is a simple one or a COPY) */
    bool begin_pending;
} pg_conn;

typedef struct pg_param {
    char *value; /* NULL = SQL NULL */
    int length;
    int format; /* 0 text, 1 binary (bytea) */
    Oid type;   /* 0 = let the server infer it */
} pg_param;

/* The values bound to a db_insert_rows statement, slot (index - 1) = row * columns + column:
 * sent as column arrays or as COPY lines once the number of rows is known (the step). */
typedef enum pg_kind { VALUE_NULL, VALUE_INT, VALUE_TEXT, VALUE_BLOB } pg_kind;
typedef struct pg_value {
    pg_kind kind;
    int64_t number;    /* VALUE_INT */
    size_t at, length; /* VALUE_TEXT, VALUE_BLOB: the bytes in pg_rows.bytes */
} pg_value;
typedef struct pg_rows {
    pg_value *values;
    size_t n_values, cap_values;
    char *bytes;
    size_t used, cap;
    bool failed; /* memory ran out */
} pg_rows;

typedef struct pg_stmt {
    db_stmt base;
    char *sql; /* with $N placeholders */
    int n_params;
    bool *referenced; /* [n_params]: $N appears in the SQL */
    pg_param *params;
    PGresult *result;
    int row, n_rows;
    bool executed;
    int runs;            /* executions so far; the second one prepares the statement */
    char name[24];       /* of the server-prepared statement, or "" */
    unsigned generation; /* the connection's generation when it was prepared */
    bool shared;         /* name is the cache's (pg_cached): not deallocated with the object */
    int64_t changes;
    unsigned char **blobs; /* [n_fields] unescaped bytea of the current row */
    size_t *blob_lengths;  /* [n_fields] */
    int n_blobs;
    int columns;      /* > 0: a db_insert_rows statement (pg_prepare_rows) */
    db_array *arrays; /* [columns]: its column arrays, made from rows at the step */
    pg_rows rows;     /* the values bound so far, row after row */
    char *copy_head;  /* "COPY table(id, columns) FROM STDIN", or NULL: arrays only */
    char *table;      /* the table (its id sequence gives the ids of a COPY) */
    bool returning;   /* the new rows' ids are wanted (RETURNING id) */
} pg_stmt;

static PGconn *handle_of(db_conn *db)
{
    return ((pg_conn *)db)->handle;
}

/* ---- faults ---- */

static db_fault fault_of_state(const char *state)
{
    static const struct {
        const char *prefix;
        db_fault fault;
    } map[] = {
        {"23505", DB_FAULT_UNIQUE},  {"23503", DB_FAULT_FOREIGN_KEY}, {"23", DB_FAULT_CONSTRAINT},
        {"40001", DB_FAULT_BUSY},    {"40P01", DB_FAULT_BUSY},        {"55P03", DB_FAULT_BUSY},
        {"57014", DB_FAULT_BUSY},    {"25006", DB_FAULT_READONLY},    {"42501", DB_FAULT_READONLY},
        {"53100", DB_FAULT_FULL},    {"XX001", DB_FAULT_DAMAGED},     {"XX002", DB_FAULT_DAMAGED},
        {"08", DB_FAULT_CONNECTION}, {"57P", DB_FAULT_CONNECTION},
    };
    for (size_t i = 0; state && i < sizeof map / sizeof map[0]; i++)
        if (strncmp(state, map[i].prefix, strlen(map[i].prefix)) == 0)
            return map[i].fault;
    return DB_FAULT_OTHER;
}

/* Records the failure a result (or, without one, the connection) reports; returns MM_E_DB. */
static mm_status pg_fail(db_conn *db, const PGresult *res)
{
    const char *state = res ? pq.PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res ? pq.PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    db_fault fault = fault_of_state(state);
    if (pq.PQstatus(handle_of(db)) != CONNECTION_OK)
        fault = DB_FAULT_CONNECTION;
    db_fail(db, fault, primary ? primary : pq.PQerrorMessage(handle_of(db)));
    db->retryable = state && (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0);
    return MM_E_DB;
}

static bool reconnect(db_conn *db);
static mm_status settle(db_conn *db);

/* sql (or nothing when NULL) after a pending DB_TX_WRITE_LATER BEGIN, in one string to free;
 * NULL when memory ran out. */
static char *with_begin(db_conn *db, const char *sql)
{
    bool begin = ((pg_conn *)db)->begin_pending;
    size_t size = sizeof WRITE_BEGIN + 2 + (sql ? strlen(sql) : 0);
    char *full = malloc(size);
    if (full)
        snprintf(full, size, "%s%s%s", begin ? WRITE_BEGIN : "", begin && sql ? "; " : "",
                 sql ? sql : "");
    return full;
}

/* The pending BEGIN went with a query the server received (the connection still works: else
 * it goes again with the query after a reconnection, as nothing of the transaction was made). */
static void begin_sent(db_conn *db)
{
    pg_conn *pc = (pg_conn *)db;
    if (pq.PQstatus(pc->handle) == CONNECTION_OK)
        pc->begin_pending = false;
}

/* A pending BEGIN sent on its own, before a statement that cannot carry it. */
static mm_status begin_now(db_conn *db);

/* Runs sql (one or more statements, no parameters); MM_OK when the last one succeeded. A
 * connection found lost outside a transaction is reset and the statement sent once more. */
static mm_status run_simple(db_conn *db, const char *sql)
{
    if (settle(db) != MM_OK)
        return MM_E_DB;
    char *full = with_begin(db, sql);
    if (!full)
        return db_fail(db, DB_FAULT_OTHER, "out of memory");
    PGresult *res = pq.PQexec(handle_of(db), full);
    if (pq.PQresultStatus(res) == PGRES_FATAL_ERROR && reconnect(db)) {
        pq.PQclear(res);
        res = pq.PQexec(handle_of(db), full);
    }
    free(full);
    begin_sent(db);
    ExecStatusType status = pq.PQresultStatus(res);
    mm_status st = MM_OK;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
        st = pg_fail(db, res);
    pq.PQclear(res);
    return st;
}

/* ---- placeholders ---- */

/* Length of the quoted literal, identifier or comment starting at p, or 0. */
static size_t skip_quoted(const char *p)
{
    const char *q = p;
    if (*p == '\'' || *p == '"') {
        char quote = *p;
        for (q = p + 1; *q; q++)
            if (*q == quote && *++q != quote)
                return (size_t)(q - p);
        return (size_t)(q - p);
    }
    if (p[0] == '-' && p[1] == '-') {
        q = strchr(p, '\n');
        return q ? (size_t)(q - p) : strlen(p);
    }
    if (p[0] == '/' && p[1] == '*') {
        q = strstr(p + 2, "*/");
        return q ? (size_t)(q + 2 - p) : strlen(p);
    }
    return 0;
}

/* Rewrites ? and ?N as $N (SQLite numbering: a bare ? is one more than the largest so far);
 * *n_params gets the largest. Returns a malloc'ed string, NULL when out of memory. */
static char *translate_placeholders(const char *sql, int *n_params)
{
    size_t cap = strlen(sql) * 2 + 16;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t used = 0;
    int largest = 0;
    for (const char *p = sql; *p;) {
        size_t quoted = skip_quoted(p);
        if (quoted) {
            memcpy(out + used, p, quoted);
            used += quoted;
            p += quoted;
            continue;
        }
        if (*p != '?') {
            out[used++] = *p++;
            continue;
        }
        char *end;
        long index = strtol(p + 1, &end, 10);
        if (end == p + 1)
            index = largest + 1;
        largest = index > largest ? (int)index : largest;
        used += (size_t)snprintf(out + used, cap - used, "$%ld", index);
        p = end;
    }
    out[used] = '\0';
    *n_params = largest;
    return out;
}

static void mark_referenced(pg_stmt *stmt)
{
    for (const char *p = stmt->sql; *p;) {
        size_t quoted = skip_quoted(p);
        if (quoted) {
            p += quoted;
            continue;
        }
        if (*p++ != '$')
            continue;
        long index = strtol(p, NULL, 10);
        if (index >= 1 && index <= stmt->n_params)
            stmt->referenced[index - 1] = true;
    }
}

/* ---- statements ---- */

static db_stmt *pg_prepare(db_conn *db, const char *sql)
{
    pg_stmt *stmt = calloc(1, sizeof *stmt);
    if (stmt)
        stmt->sql = translate_placeholders(sql, &stmt->n_params);
    if (stmt && stmt->sql) {
        size_t n = (size_t)stmt->n_params + 1;
        stmt->params = calloc(n, sizeof *stmt->params);
        stmt->referenced = calloc(n, sizeof *stmt->referenced);
    }
    if (!stmt || !stmt->sql || !stmt->params || !stmt->referenced) {
        if (stmt) {
            free(stmt->sql);
            free(stmt->params);
            free(stmt->referenced);
        }
        free(stmt);
        db_fail(db, DB_FAULT_OTHER, "out of memory");
        return NULL;
    }
    stmt->base.db = db;
    mark_referenced(stmt);
    return &stmt->base;
}

static void free_blobs(pg_stmt *stmt)
{
    for (int i = 0; stmt->blobs && i < stmt->n_blobs; i++)
        pq.PQfreemem(stmt->blobs[i]);
    free(stmt->blobs);
    free(stmt->blob_lengths);
    stmt->blobs = NULL;
    stmt->blob_lengths = NULL;
    stmt->n_blobs = 0;
}

static void clear_result(pg_stmt *stmt)
{
    free_blobs(stmt);
    pq.PQclear(stmt->result);
    stmt->result = NULL;
    stmt->executed = false;
    stmt->row = -1;
    stmt->n_rows = 0;
}

/* The parameter at index (1-based) ready for a new value, or NULL when out of range. */
static pg_param *param_at(db_stmt *base, int index)
{
    pg_stmt *stmt = (pg_stmt *)base;
    if (index < 1 || index > stmt->n_params)
        return NULL;
    pg_param *p = &stmt->params[index - 1];
    free(p->value);
    memset(p, 0, sizeof *p);
    return p;
}

static void set_param(db_stmt *base, int index, char *value, int length, int format, Oid type)
{
    pg_param *p = param_at(base, index);
    if (!p) {
        free(value);
        return;
    }
    *p = (pg_param){.value = value, .length = length, .format = format, .type = type};
}

/* The slot a value bound at index goes to in a db_insert_rows statement's rows, or NULL: a
 * parameter (or no room: rows.failed). */
static pg_value *row_value(db_stmt *base, int index)
{
    pg_stmt *stmt = (pg_stmt *)base;
    if (!stmt->columns || index < 1)
        return NULL;
    pg_rows *r = &stmt->rows;
    size_t slot = (size_t)index - 1;
    if (slot >= r->cap_values) {
        size_t cap = r->cap_values ? r->cap_values : 1024;
        while (cap <= slot)
            cap *= 2;
        pg_value *grown = realloc(r->values, cap * sizeof *grown);
        if (!grown) {
            r->failed = true;
            return NULL;
        }
        r->values = grown;
        r->cap_values = cap;
    }
    while (r->n_values <= slot) /* slots skipped are NULL */
        r->values[r->n_values++] = (pg_value){.kind = VALUE_NULL};
    return &r->values[slot];
}

/* Keeps length bytes of data as the value at index of a db_insert_rows statement. */
static void row_bytes(db_stmt *base, int index, pg_kind kind, const void *data, size_t length)
{
    pg_rows *r = &((pg_stmt *)base)->rows;
    pg_value *v = row_value(base, index);
    if (!v)
        return;
    if (r->used + length > r->cap) {
        size_t cap = r->cap ? r->cap : 16384;
        while (cap < r->used + length)
            cap *= 2;
        char *grown = realloc(r->bytes, cap);
        if (!grown) {
            r->failed = true;
            return;
        }
        r->bytes = grown;
        r->cap = cap;
    }
    memcpy(r->bytes + r->used, data, length);
    *v = (pg_value){.kind = kind, .at = r->used, .length = length};
    r->used += length;
}

static bool is_rows(db_stmt *base)
{
    return ((pg_stmt *)base)->columns > 0;
}

static void pg_bind_int64(db_stmt *stmt, int index, int64_t value)
{
    if (is_rows(stmt)) {
        pg_value *v = row_value(stmt, index);
        if (v)
            *v = (pg_value){.kind = VALUE_INT, .number = value};
        return;
    }
    char buf[24];
    snprintf(buf, sizeof buf, "%lld", (long long)value);
    set_param(stmt, index, strdup(buf), 0, 0, OID_INT8);
}

static void pg_bind_double(db_stmt *stmt, int index, double value)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%.17g", value);
    if (is_rows(stmt)) { /* an element's text, as the server reads it */
        row_bytes(stmt, index, VALUE_TEXT, buf, strlen(buf));
        return;
    }
    set_param(stmt, index, strdup(buf), 0, 0, OID_FLOAT8);
}

static void pg_bind_text(db_stmt *stmt, int index, const char *text)
{
    if (is_rows(stmt)) {
        row_bytes(stmt, index, VALUE_TEXT, text, strlen(text));
        return;
    }
    set_param(stmt, index, strdup(text), 0, 0, OID_TEXT);
}

static void pg_bind_null(db_stmt *stmt, int index)
{
    if (is_rows(stmt)) {
        pg_value *v = row_value(stmt, index);
        if (v)
            *v = (pg_value){.kind = VALUE_NULL};
        return;
    }
    set_param(stmt, index, NULL, 0, 0, 0);
}

static void pg_bind_blob(db_stmt *stmt, int index, const void *data, size_t len)
{
    if (is_rows(stmt)) {
        row_bytes(stmt, index, VALUE_BLOB, data, len);
        return;
    }
    char *copy = malloc(len ? len : 1);
    if (copy && len)
        memcpy(copy, data, len);
    set_param(stmt, index, copy, (int)len, 1, OID_BYTEA);
}

/* ---- the statement cache ---- */

static unsigned hash_statement(const char *sql, int n, const Oid *types)
{
    unsigned h = 2166136261u; /* FNV-1a */
    for (const char *c = sql; *c; c++)
        h = (h ^ (unsigned char)*c) * 16777619u;
    for (int i = 0; i < n; i++)
        h = (h ^ types[i]) * 16777619u;
    return h;
}

/* The cache's entry of this text and these types, added when new; NULL when the cache is full
 * (the statement object then keeps its own name, as before the cache). */
static pg_cached *cache_entry(pg_conn *pc, const char *sql, int n, const Oid *types)
{
    unsigned hash = hash_statement(sql, n, types);
    for (int i = 0; i < pc->n_cached; i++) {
        pg_cached *c = &pc->cache[i];
        if (c->hash == hash && c->n_params == n && strcmp(c->sql, sql) == 0 &&
            (n == 0 || memcmp(c->types, types, (size_t)n * sizeof *types) == 0))
            return c;
    }
    if (pc->n_cached == STATEMENT_CACHE)
        return NULL;
    pg_cached *c = &pc->cache[pc->n_cached];
    *c = (pg_cached){.sql = strdup(sql),
                     .types = malloc((size_t)n * sizeof *types + 1),
                     .n_params = n,
                     .hash = hash};
    if (!c->sql || !c->types) {
        free(c->sql);
        free(c->types);
        return NULL;
    }
    if (n)
        memcpy(c->types, types, (size_t)n * sizeof *types);
    pc->n_cached++;
    return c;
}

/* Forgets every cached statement (the connection was reset: the server's are gone). */
static void cache_clear(pg_conn *pc)
{
    for (int i = 0; i < pc->n_cached; i++) {
        free(pc->cache[i].sql);
        free(pc->cache[i].types);
    }
    pc->n_cached = 0;
}

/* Names stmt's server-prepared statement when its text runs for the second time on this
 * connection (by any statement object: the cache's, prepared once and shared); the first run
 * goes unnamed (PQexecParams). NULL, or the failed PQprepare's result. */
static PGresult *name_statement(pg_stmt *stmt, int n, const Oid *types)
{
    pg_conn *pc = (pg_conn *)stmt->base.db;
    pg_cached *c = cache_entry(pc, stmt->sql, n, types);
    bool again = c ? c->runs++ > 0 : stmt->runs > 0;
    stmt->runs++;
    if (!again)
        return NULL;
    stmt->generation = pc->generation;
    stmt->shared = c != NULL;
    if (c && c->name[0]) {
        memcpy(stmt->name, c->name, sizeof stmt->name);
        return NULL;
    }
    char name[sizeof stmt->name];
    snprintf(name, sizeof name, "mm_s%u", ++pc->next_statement);
    PGresult *res = pq.PQprepare(pc->handle, name, stmt->sql, n, types);
    if (pq.PQresultStatus(res) != PGRES_COMMAND_OK)
        return res;
    pq.PQclear(res);
    memcpy(stmt->name, name, sizeof name);
    if (c)
        memcpy(c->name, name, sizeof name);
    return NULL;
}

/* The statement's parameters as libpq takes them (arrays of n_params + 1 entries). */
static void params_of(const pg_stmt *stmt, const char **values, int *lengths, int *formats,
                      Oid *types)
{
    for (int i = 0; i < stmt->n_params; i++) {
        const pg_param *p = &stmt->params[i];
        values[i] = p->value;
        lengths[i] = p->length;
        formats[i] = p->format;
        /* a parameter the SQL never names still needs a type */
        types[i] = p->type || stmt->referenced[i] ? p->type : OID_TEXT;
    }
}

/* Names the statement on the server when its text runs again (name_statement; a name of a
 * connection since reset is dropped first); NULL, or the failed PQprepare's result. */
static PGresult *name_if_again(pg_stmt *stmt, const Oid *types)
{
    pg_conn *pc = (pg_conn *)stmt->base.db;
    if (stmt->name[0] && stmt->generation != pc->generation)
        stmt->name[0] = '\0'; /* prepared on a connection since reset */
    return stmt->name[0] ? NULL : name_statement(stmt, stmt->n_params, types);
}

/* Sends the statement: unnamed (PQexecParams) the first time its text runs on this connection,
 * prepared on the server the second time (name_statement), then PQexecPrepared: no parse and,
 * after the server's first custom plans, no planning. */
static PGresult *send_statement(pg_stmt *stmt)
{
    PGconn *conn = handle_of(stmt->base.db);
    int n = stmt->n_params;
    const char *values[n + 1];
    int lengths[n + 1], formats[n + 1];
    Oid types[n + 1];
    params_of(stmt, values, lengths, formats, types);
    PGresult *failed = name_if_again(stmt, types);
    if (failed)
        return failed;
    if (!stmt->name[0])
        return pq.PQexecParams(conn, stmt->sql, n, types, values, lengths, formats, 0);
    return pq.PQexecPrepared(conn, stmt->name, n, values, lengths, formats, 0);
}

/* ---- statements whose answers are read later (pipeline mode) ---- */

/* Sends the statement in pipeline mode without waiting for its answer; false when it was not
 * sent (it is then run the ordinary way). Naming it (a PQprepare, not allowed in pipeline mode)
 * is done first, or not at all while other answers are pending. */
static bool send_later(pg_stmt *stmt)
{
    pg_conn *pc = (pg_conn *)stmt->base.db;
    int n = stmt->n_params;
    const char *values[n + 1];
    int lengths[n + 1], formats[n + 1];
    Oid types[n + 1];
    params_of(stmt, values, lengths, formats, types);
    if (pc->pipelined && (!stmt->name[0] || stmt->generation != pc->generation))
        return false;
    PGresult *failed = name_if_again(stmt, types);
    if (failed) {
        pq.PQclear(failed);
        return false;
    }
    if (!pq.PQenterPipelineMode(pc->handle))
        return false;
    int sent =
        stmt->name[0]
            ? pq.PQsendQueryPrepared(pc->handle, stmt->name, n, values, lengths, formats, 0)
            : pq.PQsendQueryParams(pc->handle, stmt->sql, n, types, values, lengths, formats, 0);
    if (!sent) {
        if (!pc->pipelined)
            pq.PQexitPipelineMode(pc->handle);
        return false;
    }
    pc->pipelined++;
    return true;
}

/* Keeps the first failure among the pipeline's answers (the fault recorded, its words kept for
 * the COMMIT). */
static void keep_later_failure(db_conn *db, const PGresult *res)
{
    pg_conn *pc = (pg_conn *)db;
    pg_fail(db, res);
    if (!pc->later_failure[0]) {
        mm_copy(pc->later_failure, sizeof pc->later_failure, db->message);
        pc->later_fault = db->fault;
    }
}

/* Reads the answers of the statements sent by pg_step_later (a COMMIT sent after them first
 * when commit) up to a sync, and leaves pipeline mode. MM_E_DB (the fault recorded) when one of
 * them failed, now or before (a failure read by settle is kept until the transaction ends). */
static mm_status finish_pipeline(db_conn *db, bool commit)
{
    pg_conn *pc = (pg_conn *)db;
    PGconn *conn = pc->handle;
    bool sent = (!commit || pq.PQsendQueryParams(conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0)) &&
                pq.PQpipelineSync(conn);
    if (!sent)
        keep_later_failure(db, NULL);
    int quiet = 0; /* NULLs in a row: the end of one statement's answers, or of them all */
    while (sent && quiet < 2) {
        PGresult *res = pq.PQgetResult(conn);
        if (!res) {
            quiet = pq.PQstatus(conn) == CONNECTION_OK ? quiet + 1 : 2;
            continue;
        }
        quiet = 0;
        ExecStatusType status = pq.PQresultStatus(res);
        if (status == PGRES_PIPELINE_SYNC) {
            pq.PQclear(res);
            break;
        }
        if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK &&
            status != PGRES_PIPELINE_ABORTED)
            keep_later_failure(db, res);
        pq.PQclear(res);
    }
    pq.PQexitPipelineMode(conn);
    pc->pipelined = 0;
    if (!pc->later_failure[0])
        return MM_OK;
    return db_fail(db, pc->later_fault, pc->later_failure);
}

/* Before anything else is sent: the pending answers read (a failure among them fails it). */
static mm_status settle(db_conn *db)
{
    pg_conn *pc = (pg_conn *)db;
    return pc->pipelined ? finish_pipeline(db, false) : MM_OK;
}

/* The rows bound become the statement's column arrays, then its parameters (element text, type
 * from the SQL's cast); false when memory ran out. */
static bool take_columns(pg_stmt *stmt)
{
    const pg_rows *r = &stmt->rows;
    bool ok = !r->failed;
    for (size_t i = 0; ok && i < r->n_values; i++) {
        const pg_value *v = &r->values[i];
        db_array *column = &stmt->arrays[i % (size_t)stmt->columns];
        if (v->kind == VALUE_INT) {
            db_array_int64(column, v->number);
        } else if (v->kind == VALUE_TEXT) {
            db_array_text_n(column, r->bytes + v->at, v->length);
        } else if (v->kind == VALUE_BLOB) {
            db_array_bytea(column, r->bytes + v->at, v->length);
        } else {
            db_array_null(column);
        }
    }
    for (int c = 0; c < stmt->columns; c++) {
        char *text = db_array_take(&stmt->arrays[c]);
        ok = ok && text;
        set_param(&stmt->base, c + 1, text, 0, 0, 0);
    }
    return ok;
}

/* ---- many rows by COPY ---- */

/* Appends one value in COPY's text format (\N for NULL; \, tab, newline and carriage return
 * escaped; bytea as \\x and hex) to out; false when memory ran out. */
static bool copy_value(db_array *out, const pg_rows *r, const pg_value *v)
{
    static const char HEX[] = "0123456789abcdef";
    const char *data = r->bytes + v->at;
    switch (v->kind) {
    case VALUE_NULL:
        return db_array_raw(out, "\\N", 2);
    case VALUE_INT:
        return db_array_raw_int64(out, v->number);
    case VALUE_BLOB:
        if (!db_array_raw(out, "\\\\x", 3))
            return false;
        for (size_t i = 0; i < v->length; i++) {
            unsigned char b = (unsigned char)data[i];
            char pair[2] = {HEX[b >> 4], HEX[b & 15]};
            if (!db_array_raw(out, pair, 2))
                return false;
        }
        return true;
    default:
        for (size_t i = 0, plain = 0; i <= v->length; i++) {
            const char *escaped = i == v->length    ? ""
                                  : data[i] == '\\' ? "\\\\"
                                  : data[i] == '\t' ? "\\t"
                                  : data[i] == '\n' ? "\\n"
                                  : data[i] == '\r' ? "\\r"
                                                    : NULL;
            if (!escaped)
                continue;
            /* the plain bytes before it in one piece, then the escape (none at the end) */
            if (!db_array_raw(out, data + plain, i - plain) ||
                !db_array_raw(out, escaped, strlen(escaped)))
                return false;
            plain = i + 1;
        }
        return true;
    }
}

/* The COPY data of the rows bound: a line a row, its id (ids, row order) first when ids. */
static bool copy_data(const pg_stmt *stmt, const PGresult *ids, db_array *out)
{
    const pg_rows *r = &stmt->rows;
    size_t columns = (size_t)stmt->columns, n_rows = r->n_values / columns;
    bool ok = !r->failed;
    for (size_t row = 0; ok && row < n_rows; row++) {
        if (ids) {
            const char *id = pq.PQgetvalue(ids, (int)row, 0);
            ok = db_array_raw(out, id, strlen(id)) && db_array_raw(out, "\t", 1);
        }
        for (size_t c = 0; ok && c < columns; c++)
            ok = copy_value(out, r, &r->values[row * columns + c]) &&
                 db_array_raw(out, c + 1 < columns ? "\t" : "\n", 1);
    }
    return ok;
}

/* Sends the rows bound by COPY in one exchange of two round trips: the ids drawn from the
 * table's id sequence in row order (when the statement returns them) and COPY ... FROM STDIN as
 * one simple query, then the lines. The result: the ids (as RETURNING id would give them) or
 * COPY's, or the first failure. */
static PGresult *copy_rows(pg_stmt *stmt)
{
    PGconn *conn = handle_of(stmt->base.db);
    size_t n_rows = stmt->rows.n_values / (size_t)stmt->columns;
    pg_conn *pc = (pg_conn *)stmt->base.db;
    char *sql = malloc(sizeof WRITE_BEGIN + strlen(stmt->copy_head) + strlen(stmt->table) + 192);
    if (!sql)
        return NULL;
    int skip = pc->begin_pending ? WRITE_BEGIN_RESULTS : 0; /* the BEGIN's answers */
    /* OFFSET 0 keeps the sequence's lookup (a pg_depend scan) a subquery run once: pulled up,
     * it ran once a row, and took most of the ids' time */
    if (stmt->returning)
        sprintf(sql,
                "%sSELECT nextval(s.id) FROM (SELECT pg_get_serial_sequence('%s', 'id')::regclass "
                "AS id OFFSET 0) s, generate_series(1, %zu); %s",
                skip ? WRITE_BEGIN "; " : "", stmt->table, n_rows, stmt->copy_head);
    else
        sprintf(sql, "%s%s", skip ? WRITE_BEGIN "; " : "", stmt->copy_head);
    int sent = pq.PQsendQuery(conn, sql);
    free(sql);
    if (!sent)
        return NULL;
    PGresult *res, *kept = NULL, *failed = NULL;
    while ((res = pq.PQgetResult(conn)) != NULL) {
        ExecStatusType status = pq.PQresultStatus(res);
        if (skip && !failed && (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)) {
            skip--;
            pq.PQclear(res);
            continue;
        }
        if (status == PGRES_COPY_IN) {
            db_array data;
            db_array_init(&data);
            bool ok = (kept || !stmt->returning) && copy_data(stmt, kept, &data);
            if (ok)
                ok = pq.PQputCopyData(conn, data.text ? data.text : "", (int)data.used) == 1;
            pq.PQputCopyEnd(conn, ok ? NULL : "mmadmin could not build the rows");
            db_array_free(&data);
        } else if (status == PGRES_TUPLES_OK && !kept) {
            kept = res;
            continue;
        } else if (status == PGRES_COMMAND_OK && !stmt->returning && !kept) {
            kept = res;
            continue;
        } else if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && !failed) {
            failed = res;
            continue;
        }
        pq.PQclear(res);
    }
    begin_sent(&pc->base);
    if (failed) {
        pq.PQclear(kept);
        return failed;
    }
    return kept;
}

/* Runs a statement, or a db_insert_rows statement's rows (by COPY when it can and they are
 * many). */
static bool goes_by_copy(const pg_stmt *stmt)
{
    return stmt->copy_head && stmt->columns &&
           stmt->rows.n_values / (size_t)stmt->columns >= COPY_MIN_ROWS;
}

static PGresult *send_any(pg_stmt *stmt)
{
    if (goes_by_copy(stmt))
        return copy_rows(stmt); /* a pending BEGIN in the same query */
    if (stmt->columns && !take_columns(stmt))
        return NULL;
    return send_statement(stmt);
}

static db_step_result pg_step(db_stmt *base)
{
    pg_stmt *stmt = (pg_stmt *)base;
    if (!stmt->executed && stmt->rows.failed) {
        db_fail(base->db, DB_FAULT_OTHER, "out of memory");
        return DB_ERROR;
    }
    if (!stmt->executed && settle(base->db) != MM_OK)
        return DB_ERROR;
    if (!stmt->executed && !goes_by_copy(stmt) && begin_now(base->db) != MM_OK)
        return DB_ERROR; /* the fault of the BEGIN or its lock kept */
    if (!stmt->executed) {
        clear_result(stmt);
        stmt->result = send_any(stmt);
        if (pq.PQresultStatus(stmt->result) == PGRES_FATAL_ERROR && reconnect(base->db)) {
            pq.PQclear(stmt->result);
            stmt->result = send_any(stmt);
        }
        stmt->executed = true;
        ExecStatusType status = pq.PQresultStatus(stmt->result);
        if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
            pg_fail(base->db, stmt->result);
            clear_result(stmt);
            stmt->executed = true; /* stepping again repeats the failure, as SQLite does */
            return DB_ERROR;
        }
        stmt->n_rows = pq.PQntuples(stmt->result);
        stmt->changes = strtoll(pq.PQcmdTuples(stmt->result), NULL, 10);
    }
    if (!stmt->result) {
        db_fail(base->db, DB_FAULT_OTHER, "the statement failed before");
        return DB_ERROR;
    }
    free_blobs(stmt);
    if (stmt->row + 1 < stmt->n_rows) {
        stmt->row++;
        return DB_ROW;
    }
    stmt->row = stmt->n_rows;
    return DB_DONE;
}

/* Inside a transaction, a statement (not db_insert_rows') is sent in pipeline mode and its
 * answer read with the COMMIT or the next statement (settle); elsewhere pg_step. */
static db_step_result pg_step_later(db_stmt *base)
{
    pg_stmt *stmt = (pg_stmt *)base;
    if (!base->db->in_tx || ((pg_conn *)base->db)->begin_pending || stmt->columns ||
        stmt->executed || !send_later(stmt))
        return pg_step(base);
    clear_result(stmt);
    stmt->executed = true;
    stmt->changes = 0;
    return DB_DONE;
}

static void pg_reset(db_stmt *base)
{
    pg_stmt *stmt = (pg_stmt *)base;
    clear_result(stmt);
    for (int c = 0; c < stmt->columns; c++)
        db_array_free(&stmt->arrays[c]);
    stmt->rows.n_values = stmt->rows.used = 0; /* the buffers are kept for the next rows */
    stmt->rows.failed = false;
}

static void pg_finalize(db_stmt *base)
{
    pg_stmt *stmt = (pg_stmt *)base;
    clear_result(stmt);
    if (stmt->name[0] && !stmt->shared && stmt->generation == ((pg_conn *)base->db)->generation &&
        settle(base->db) == MM_OK && pq.PQstatus(handle_of(base->db)) == CONNECTION_OK) {
        char sql[48];
        snprintf(sql, sizeof sql, "DEALLOCATE %s", stmt->name);
        pq.PQclear(pq.PQexec(handle_of(base->db), sql));
    }
    for (int i = 0; i < stmt->n_params; i++)
        free(stmt->params[i].value);
    for (int c = 0; c < stmt->columns; c++)
        db_array_free(&stmt->arrays[c]);
    free(stmt->arrays);
    free(stmt->rows.values);
    free(stmt->rows.bytes);
    free(stmt->copy_head);
    free(stmt->table);
    free(stmt->params);
    free(stmt->referenced);
    free(stmt->sql);
    free(stmt);
}

static int64_t pg_changes(const db_stmt *base)
{
    return ((const pg_stmt *)base)->changes;
}

/* The current row's value of column index, or NULL for SQL NULL or no such column/row. */
static const char *value_at(db_stmt *base, int index)
{
    pg_stmt *stmt = (pg_stmt *)base;
    if (!stmt->result || stmt->row < 0 || stmt->row >= stmt->n_rows || index < 0 ||
        index >= pq.PQnfields(stmt->result) || pq.PQgetisnull(stmt->result, stmt->row, index))
        return NULL;
    return pq.PQgetvalue(stmt->result, stmt->row, index);
}

static int64_t pg_column_int64(db_stmt *stmt, int index)
{
    const char *v = value_at(stmt, index);
    if (!v)
        return 0;
    if (strcmp(v, "t") == 0 || strcmp(v, "f") == 0) /* a boolean expression */
        return v[0] == 't';
    return strtoll(v, NULL, 10);
}

static double pg_column_double(db_stmt *stmt, int index)
{
    const char *v = value_at(stmt, index);
    return v ? strtod(v, NULL) : 0.0;
}

static const char *pg_column_text(db_stmt *stmt, int index)
{
    const char *v = value_at(stmt, index);
    return v ? v : "";
}

static bool pg_column_is_null(db_stmt *stmt, int index)
{
    return value_at(stmt, index) == NULL;
}

static const void *pg_column_blob(db_stmt *base, int index, size_t *len)
{
    pg_stmt *stmt = (pg_stmt *)base;
    *len = 0;
    const char *v = value_at(base, index);
    if (!v)
        return NULL;
    if (!stmt->blobs) {
        size_t n = (size_t)pq.PQnfields(stmt->result);
        stmt->blobs = calloc(n, sizeof *stmt->blobs);
        stmt->blob_lengths = calloc(n, sizeof *stmt->blob_lengths);
        stmt->n_blobs = (int)n;
        if (!stmt->blobs || !stmt->blob_lengths) {
            free_blobs(stmt);
            return NULL;
        }
    }
    if (!stmt->blobs[index])
        stmt->blobs[index] =
            pq.PQunescapeBytea((const unsigned char *)v, &stmt->blob_lengths[index]);
    *len = stmt->blobs[index] ? stmt->blob_lengths[index] : 0;
    return stmt->blobs[index];
}

static int pg_column_count(db_stmt *base)
{
    pg_stmt *stmt = (pg_stmt *)base;
    return stmt->result ? pq.PQnfields(stmt->result) : 0;
}

static const char *pg_column_name(db_stmt *base, int index)
{
    pg_stmt *stmt = (pg_stmt *)base;
    const char *name = stmt->result ? pq.PQfname(stmt->result, index) : NULL;
    return name ? name : "";
}

static db_value_kind pg_column_kind(db_stmt *base, int index)
{
    pg_stmt *stmt = (pg_stmt *)base;
    if (!value_at(base, index))
        return DB_VALUE_NULL;
    switch (pq.PQftype(stmt->result, index)) {
    case OID_INT8:
    case OID_INT2:
    case OID_INT4:
    case OID_BOOL:
        return DB_VALUE_INT;
    case OID_FLOAT4:
    case OID_FLOAT8:
    case OID_NUMERIC:
        return DB_VALUE_FLOAT;
    case OID_BYTEA:
        return DB_VALUE_BLOB;
    default:
        return DB_VALUE_TEXT;
    }
}

/* ---- transactions and locks ---- */

static mm_status begin_now(db_conn *db)
{
    return ((pg_conn *)db)->begin_pending ? run_simple(db, NULL) : MM_OK;
}

static mm_status pg_begin(db_conn *db, db_tx_mode mode)
{
    pg_conn *pc = (pg_conn *)db;
    pc->later_failure[0] = '\0';
    pc->begin_pending = mode == DB_TX_WRITE_LATER;
    if (pc->begin_pending)
        return MM_OK; /* sent with the first statement */
    char sql[96];
    if (mode == DB_TX_WRITE)
        snprintf(sql, sizeof sql, WRITE_BEGIN);
    else if (mode == DB_TX_READ)
        snprintf(sql, sizeof sql, "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    else
        snprintf(sql, sizeof sql, "BEGIN");
    mm_status st = run_simple(db, sql);
    if (st != MM_OK && pq.PQtransactionStatus(handle_of(db)) != PQTRANS_IDLE)
        pq.PQclear(pq.PQexec(handle_of(db), "ROLLBACK"));
    return st;
}

/* The COMMIT goes in the same round trip as the statements sent by pg_step_later (their answers
 * read first: one of them failed, the transaction is rolled back instead). */
static mm_status pg_commit(db_conn *db)
{
    pg_conn *pc = (pg_conn *)db;
    if (pc->begin_pending) { /* nothing was sent: nothing to commit */
        pc->begin_pending = false;
        return MM_OK;
    }
    if (pc->pipelined) /* a configuration change NOTIFYed inside: db_notify_change */
        return finish_pipeline(db, true);
    if (pc->later_failure[0])
        return db_fail(db, pc->later_fault, pc->later_failure);
    return run_simple(db, "COMMIT");
}

static void pg_rollback(db_conn *db)
{
    pg_conn *pc = (pg_conn *)db;
    settle(db);
    pc->later_failure[0] = '\0';
    pc->begin_pending = false;
    pc->n_known = 0; /* a partition created in this transaction is gone */
    if (pq.PQtransactionStatus(pc->handle) != PQTRANS_IDLE)
        pq.PQclear(pq.PQexec(pc->handle, "ROLLBACK"));
}

static mm_status pg_lock_key(db_conn *db, const char *key)
{
    db_stmt *stmt = pg_prepare(db, "SELECT pg_advisory_xact_lock(?1::int4, hashtext(?2))");
    if (!stmt)
        return MM_E_DB;
    pg_bind_int64(stmt, 1, LOCK_CLASS + 1);
    pg_bind_text(stmt, 2, key);
    mm_status st = pg_step(stmt) == DB_ROW ? MM_OK : MM_E_DB;
    pg_finalize(stmt);
    return st;
}

/* ---- changes ---- */

/* Takes the notifications libpq has read; *changed when one came from another session. */
static mm_status drain_notifications(db_conn *db, bool *changed)
{
    pg_conn *pc = (pg_conn *)db;
    if (settle(db) != MM_OK || !pq.PQconsumeInput(pc->handle))
        return pg_fail(db, NULL);
    PGnotify *note;
    while ((note = pq.PQnotifies(pc->handle)) != NULL) {
        if (note->be_pid != pc->backend_pid)
            *changed = true;
        pq.PQfreemem(note);
    }
    return MM_OK;
}

static mm_status pg_changed(db_conn *db, bool *changed)
{
    pg_conn *pc = (pg_conn *)db;
    mm_status st = drain_notifications(db, changed);
    if (st != MM_OK && reconnect(db))
        st = drain_notifications(db, changed);
    if (pc->missed) { /* what happened while the connection was down is unknown */
        pc->missed = false;
        *changed = true;
    }
    if (!pc->baseline_set) {
        pc->baseline_set = true;
        *changed = false;
    }
    return st;
}

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static mm_status pg_wait_change(db_conn *db, int timeout_ms, bool *changed)
{
    mm_status st = pg_changed(db, changed);
    int64_t deadline = monotonic_ms() + timeout_ms;
    while (st == MM_OK && !*changed) {
        int64_t left = deadline - monotonic_ms();
        if (left <= 0)
            break;
        struct pollfd pfd = {.fd = pq.PQsocket(handle_of(db)), .events = POLLIN};
        if (poll(&pfd, 1, (int)left) > 0)
            st = pg_changed(db, changed);
    }
    return st;
}

static int pg_wait_fd(const db_conn *db)
{
    return pq.PQsocket(((const pg_conn *)db)->handle);
}

/* ---- partitions ---- */

static bool partition_known(pg_conn *pc, const char *name)
{
    for (int i = 0; i < pc->n_known; i++)
        if (strcmp(pc->known[i], name) == 0)
            return true;
    return false;
}

static void remember_partition(pg_conn *pc, const char *name)
{
    if (pc->n_known == KNOWN_PARTITIONS)
        pc->n_known = 0;
    mm_copy(pc->known[pc->n_known++], PARTITION_NAME_MAX, name);
}

static bool plain_identifier(const char *s)
{
    if (!*s || strlen(s) > 40)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || *s == '_' || (*s >= '0' && *s <= '9')))
            return false;
    return true;
}

/* True when the relation exists (a query that fails counts as no: the CREATE then says why). */
static bool relation_exists(db_conn *db, const char *name)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT to_regclass('%s') IS NOT NULL", name);
    if (settle(db) != MM_OK)
        return false;
    PGresult *res = pq.PQexec(handle_of(db), sql);
    bool exists = pq.PQresultStatus(res) == PGRES_TUPLES_OK && pq.PQntuples(res) == 1 &&
                  pq.PQgetvalue(res, 0, 0)[0] == 't';
    pq.PQclear(res);
    return exists;
}

/* CREATE TABLE IF NOT EXISTS <table>_YYYYMM PARTITION OF <table>, after an advisory lock in
 * the same (explicit or implicit) transaction, so two sessions making the same month wait for
 * each other instead of colliding. A month that exists is not created again: a role with only
 * read and write rights on the tables (no CREATE, not their owner) then works, as long as a
 * session of the owner made the month (every open makes this month's and the next). */
static mm_status pg_ensure_partition(db_conn *db, const char *table, int64_t month_start_ms)
{
    pg_conn *pc = (pg_conn *)db;
    if (!plain_identifier(table))
        return db_fail(db, DB_FAULT_OTHER, "not a plain table name");
    time_t secs = (time_t)(month_start_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    char name[PARTITION_NAME_MAX];
    snprintf(name, sizeof name, "%s_%04d%02d", table, tm.tm_year + 1900, tm.tm_mon + 1);
    if (partition_known(pc, name))
        return MM_OK;
    if (relation_exists(db, name)) {
        remember_partition(pc, name);
        return MM_OK;
    }
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT pg_advisory_xact_lock(%d, hashtext('%s')); CREATE TABLE IF NOT EXISTS %s "
             "PARTITION OF %s FOR VALUES FROM (%lld) TO (%lld)",
             LOCK_CLASS + 2, name, name, table, (long long)month_start_ms,
             (long long)db_next_month_start_ms(month_start_ms));
    mm_status st = run_simple(db, sql);
    if (st == MM_OK)
        remember_partition(pc, name);
    return st;
}

/* ---- many rows: COPY, or one statement with a column an array ---- */

/* A plain insert (no tail) `INSERT INTO table(columns)` of a table of plain name can go by COPY:
 * its COPY head and table kept on stmt; false when memory ran out. */
static bool plan_copy(pg_stmt *stmt, const char *head, const char *tail, bool returning)
{
    static const char INSERT[] = "INSERT INTO ";
    const char *open = strchr(head, '('), *close = strrchr(head, ')');
    if (tail || strncmp(head, INSERT, sizeof INSERT - 1) != 0 || !open || !close || close < open)
        return true;
    size_t name_length = (size_t)(open - head) - (sizeof INSERT - 1);
    char table[48];
    if (name_length >= sizeof table)
        return true;
    memcpy(table, head + sizeof INSERT - 1, name_length);
    while (name_length && table[name_length - 1] == ' ')
        name_length--;
    table[name_length] = '\0';
    if (!plain_identifier(table))
        return true;
    size_t cap = strlen(head) + 64;
    stmt->copy_head = malloc(cap);
    stmt->table = strdup(table);
    if (!stmt->copy_head || !stmt->table)
        return false;
    snprintf(stmt->copy_head, cap, "COPY %s(%s%.*s) FROM STDIN", table, returning ? "id, " : "",
             (int)(close - open - 1), open + 1);
    stmt->returning = returning;
    return true;
}

/* `head SELECT unnest(?1::type[]), … tail [RETURNING id]` (unnest in the select list: the rows
 * come one by one, not first stored as ROWS FROM's are): the rows bound are kept (row_value) and
 * sent at the step as n_columns array parameters, or, COPY_MIN_ROWS or more of a plain insert,
 * by COPY (copy_rows). */
static db_stmt *pg_prepare_rows(db_conn *db, const char *head, const char *const *types,
                                int n_columns, const char *tail, bool returning)
{
    size_t cap = strlen(head) + (tail ? strlen(tail) : 0) + 64 + (size_t)n_columns * 32;
    for (int c = 0; c < n_columns; c++)
        cap += strlen(types[c]);
    char *sql = malloc(cap);
    if (!sql) {
        db_fail(db, DB_FAULT_OTHER, "out of memory");
        return NULL;
    }
    size_t used = (size_t)snprintf(sql, cap, "%s SELECT ", head);
    for (int c = 0; c < n_columns; c++)
        used += (size_t)snprintf(sql + used, cap - used, "%sunnest(?%d::%s[])", c ? ", " : "",
                                 c + 1, types[c]);
    snprintf(sql + used, cap - used, "%s%s%s", tail ? " " : "", tail ? tail : "",
             returning ? " RETURNING id" : "");
    pg_stmt *stmt = (pg_stmt *)pg_prepare(db, sql);
    free(sql);
    if (stmt && (!(stmt->arrays = calloc((size_t)n_columns, sizeof *stmt->arrays)) ||
                 !plan_copy(stmt, head, tail, returning))) {
        pg_finalize(&stmt->base);
        db_fail(db, DB_FAULT_OTHER, "out of memory");
        return NULL;
    }
    if (stmt)
        stmt->columns = n_columns;
    return stmt ? &stmt->base : NULL;
}

/* ---- ids ---- */

static mm_status pg_identity_follow(db_conn *db, const char *table)
{
    if (!plain_identifier(table))
        return db_fail(db, DB_FAULT_OTHER, "not a plain table name");
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT setval(pg_get_serial_sequence('%s', 'id'), coalesce(max(id), 0) + 1, false) "
             "FROM %s",
             table, table);
    return run_simple(db, sql);
}

/* ---- connections ---- */

static void pg_close(db_conn *db)
{
    cache_clear((pg_conn *)db);
    pq.PQfinish(handle_of(db));
    free(db);
}

static mm_status pg_exec(db_conn *db, const char *sql)
{
    return run_simple(db, sql);
}

static const db_ops PG_OPS = {
    .close = pg_close,
    .exec = pg_exec,
    .prepare = pg_prepare,
    .bind_int64 = pg_bind_int64,
    .bind_double = pg_bind_double,
    .bind_text = pg_bind_text,
    .bind_text_static = pg_bind_text,
    .bind_null = pg_bind_null,
    .bind_blob = pg_bind_blob,
    .step = pg_step,
    .step_later = pg_step_later,
    .reset = pg_reset,
    .finalize = pg_finalize,
    .changes = pg_changes,
    .column_int64 = pg_column_int64,
    .column_double = pg_column_double,
    .column_text = pg_column_text,
    .column_is_null = pg_column_is_null,
    .column_blob = pg_column_blob,
    .column_count = pg_column_count,
    .column_name = pg_column_name,
    .column_kind = pg_column_kind,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .lock_key = pg_lock_key,
    .changed = pg_changed,
    .wait_change = pg_wait_change,
    .wait_fd = pg_wait_fd,
    .identity_follow = pg_identity_follow,
    .ensure_partition = pg_ensure_partition,
    .last_insert_id = NULL,
    .rows_per_statement = DB_PG_ROWS_PER_STATEMENT,
    .prepare_rows = pg_prepare_rows,
    .engine_name = "PostgreSQL",
    .for_update = " FOR UPDATE",
    .readonly_fix = "the database role needs write access to the catalog's tables, and must "
                    "own them to create or upgrade the catalog or add a month's usage partition: "
                    "run mmadmin once as their owner (each open makes this month's and the "
                    "next), or grant the rights — or the server is a read-only standby",
};

static const char *option_value(const PQconninfoOption *opts, const char *keyword)
{
    for (const PQconninfoOption *o = opts; o && o->keyword; o++)
        if (strcmp(o->keyword, keyword) == 0 && o->val && o->val[0])
            return o->val;
    return NULL;
}

void db_postgres_display(const char *address, char *out, size_t outsz)
{
    PQconninfoOption *opts = pq_load() ? pq.PQconninfoParse(address, NULL) : NULL;
    if (!opts) { /* shown as typed, so it can be corrected, but never its password */
        mm_redact_address(address, out, outsz);
        return;
    }
    const char *user = option_value(opts, "user");
    const char *host = option_value(opts, "host");
    const char *port = option_value(opts, "port");
    const char *dbname = option_value(opts, "dbname");
    const char *service = option_value(opts, "service");
    /* a socket folder goes in the query, and with it the port (the socket file's number) */
    bool socket_dir = host && host[0] == '/';
    const char *authority_port = socket_dir ? NULL : port;
    const char *query_port = socket_dir ? port : NULL;
    char raw[DB_DISPLAY_MAX];
    snprintf(raw, sizeof raw, "postgresql://%s%s%s%s%s/%s%s%s%s%s%s%s", user ? user : "",
             user ? "@" : "", socket_dir || !host ? "" : host, authority_port ? ":" : "",
             authority_port ? authority_port : "", dbname ? dbname : "", socket_dir ? "?host=" : "",
             socket_dir ? host : "", query_port ? "&port=" : "", query_port ? query_port : "",
             service ? (socket_dir ? "&service=" : "?service=") : "", service ? service : "");
    pq.PQconninfoFree(opts);
    mm_sanitize(out, outsz, raw, SIZE_MAX); /* decoded %0A and the like: no control characters */
}

static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* The session settings every connection (and every reconnection) gets. A session left idle
 * inside a transaction (its process stopped or its host stalled while holding the write lock)
 * is ended by the server after IDLE_IN_TX_TIMEOUT_MS, so it cannot block every other host's
 * writes for good; mmadmin never waits on anything but the server inside a transaction. */
#define IDLE_IN_TX_TIMEOUT_MS 15000
static mm_status configure(db_conn *db)
{
    char sql[320];
    snprintf(sql, sizeof sql,
             "SET lock_timeout = %d; SET idle_in_transaction_session_timeout = %d; "
             "SET TIME ZONE 'UTC'; LISTEN %s%s",
             ((pg_conn *)db)->lock_timeout_ms, IDLE_IN_TX_TIMEOUT_MS, DB_NOTIFY_CHANNEL,
             db->read_only ? "; SET default_transaction_read_only = on" : "");
    PGresult *res = pq.PQexec(handle_of(db), sql);
    mm_status st = pq.PQresultStatus(res) == PGRES_COMMAND_OK ? MM_OK : pg_fail(db, res);
    pq.PQclear(res);
    return st;
}

/* A connection found broken outside a transaction (a server restart, a dropped session) is
 * reset once (PQreset) and set up again; true when it works again. Inside a transaction the
 * failure stands: its work is gone, and db_error says the connection was lost. */
static bool reconnect(db_conn *db)
{
    pg_conn *pc = (pg_conn *)db;
    /* a transaction whose BEGIN is still pending has made nothing yet */
    if ((db->in_tx && !pc->begin_pending) || pq.PQstatus(pc->handle) == CONNECTION_OK)
        return false;
    pq.PQreset(pc->handle);
    if (pq.PQstatus(pc->handle) != CONNECTION_OK)
        return false;
    pc->backend_pid = pq.PQbackendPID(pc->handle);
    pc->generation++;
    cache_clear(pc);
    pc->n_known = 0;
    pc->missed = true;
    return configure(db) == MM_OK;
}

/* What to do about a failed connection, from libpq's words for it, in hint (cap bytes); given_by
 * names where the address came from ("--to"; NULL: --db or MM_DB). Returns hint. */
static const char *connect_hint(const char *message, const char *given_by, char *hint, size_t cap)
{
    const char *where = given_by ? given_by : "--db or MM_DB";
    static const struct {
        const char *words, *hint;
    } hints[] = {
        {"password", "check the role's password (in the address, PGPASSWORD or ~/.pgpass)"},
        {"pg_hba.conf", "the server refuses this role, host or database: its pg_hba.conf needs "
                        "a line for them"},
        {"definition of service", "check the service name and the service file "
                                  "(PGSERVICEFILE, else ~/.pg_service.conf)"},
        {"does not exist", "check the database and role names in %s, or create the database "
                           "(createdb -O ROLE NAME)"},
        {"", "check %s and that the server is running"},
    };
    size_t i = 0;
    while (!strstr(message, hints[i].words))
        i++; /* the last one's words, "", are in every message */
    snprintf(hint, cap, hints[i].hint, where);
    return hint;
}

mm_status db_postgres_open(const char *address, const db_open_options *opts, db_conn **out,
                           mm_error *err)
{
    if (!pq_load())
        return mm_error_set(err, MM_E_DB, "db",
                            "a PostgreSQL catalog needs libpq (%s), which did not load: %s; "
                            "install it (Debian: libpq5)",
                            MM_LIBPQ_SONAME, pq.error);
    pg_conn *pc = calloc(1, sizeof *pc);
    if (!pc)
        return mm_error_set(err, MM_E_INTERNAL, "", "out of memory opening the catalog");
    db_conn *db = &pc->base;
    db->ops = &PG_OPS;
    db->kind = DB_POSTGRES;
    db->read_only = opts->read_only;
    pc->lock_timeout_ms =
        opts->busy_timeout_ms > 0 ? opts->busy_timeout_ms : DEFAULT_LOCK_TIMEOUT_MS;
    db_postgres_display(address, db->display, sizeof db->display);
    const char *const keywords[] = {"dbname", "fallback_application_name", NULL};
    const char *const values[] = {address, "mmadmin", NULL};
    pc->handle = pq.PQconnectdbParams(keywords, values, 1);
    mm_status st = MM_OK;
    if (!pc->handle || pq.PQstatus(pc->handle) != CONNECTION_OK) {
        db_fail(db, DB_FAULT_CONNECTION,
                pc->handle ? pq.PQerrorMessage(pc->handle) : "out of memory");
        /* libpq quotes what it cannot parse: the whole address, or the password itself */
        mm_redact_address_in(db->message, sizeof db->message, address);
        char hint[160];
        st = mm_error_set(err, MM_E_DB, opts->given_by ? opts->given_by + 2 : "db",
                          "cannot connect to the catalog %s: %s; %s", db->display, db->message,
                          connect_hint(db->message, opts->given_by, hint, sizeof hint));
    } else {
        pq.PQsetNoticeProcessor(pc->handle, ignore_notice, NULL);
        pc->backend_pid = pq.PQbackendPID(pc->handle);
        if (configure(db) != MM_OK)
            st = db_error(db, "opening the catalog", err);
    }
    if (st != MM_OK) {
        pg_close(db);
        return st;
    }
    *out = db;
    return MM_OK;
}
