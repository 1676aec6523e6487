/* Fixtures shared by the catalog and vault unit tests: a fresh catalog per test on either backend
 * (an SQLite file in a temporary folder, or a fresh database on $MM_TEST_DB's PostgreSQL server),
 * a second connection to it, snapshots for "nothing changed" checks, and small builders. */
#ifndef MM_TEST_CATALOG_UTIL_H
#define MM_TEST_CATALOG_UTIL_H

#include "testutil.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "catalog/db_engine.h"
#include "util/text.h"

typedef struct catalog_fixture {
    char *dir;       /* a temporary folder (the SQLite file, and files a test writes) */
    char path[1024]; /* the catalog's address: dir/catalog.db, or a postgresql:// address */
    bool postgres;   /* $MM_TEST_DB: the catalog is on PostgreSQL */
    mm_catalog *cat;
} catalog_fixture;

static inline mm_catalog *fixture_open(const char *path)
{
    mm_catalog_options opts = {.path = path, .create = true};
    mm_catalog *cat = NULL;
    mm_error err = {0};
    mm_status st = catalog_open(&opts, &cat, &err);
    if (st != MM_OK)
        fail_msg("catalog_open(%s): %s", path, err.message);
    catalog_set_actor(cat, "tester");
    return cat;
}

static inline int catalog_fixture_setup(void **state)
{
    testutil_set_master_key();
    unsetenv("MM_FAKE_NOW_MS");
    unsetenv("MM_DB");
    unsetenv("MM_KEY_FILE");
    catalog_fixture *fx = calloc(1, sizeof *fx);
    fx->dir = testutil_tempdir();
    fx->postgres = testutil_on_postgres();
    testutil_catalog_address(fx->dir, fx->path, sizeof fx->path);
    fx->cat = fixture_open(fx->path);
    *state = fx;
    return 0;
}

static inline int catalog_fixture_teardown(void **state)
{
    catalog_fixture *fx = *state;
    catalog_close(fx->cat);
    testutil_rmtree(fx->dir);
    free(fx);
    unsetenv("MM_FAKE_NOW_MS");
    return 0;
}

/* Everything a reader of the catalog would see. SQLite: the serialized database through a
 * separate connection, followed by the raw bytes of the file and its WAL. PostgreSQL: every row
 * of every table (as text, sorted) through a separate session. */
typedef struct snapshot {
    unsigned char *bytes;
    size_t len;
} snapshot;

static inline void snapshot_append(snapshot *snap, const void *data, size_t len)
{
    snap->bytes = realloc(snap->bytes, snap->len + len + 1);
    memcpy(snap->bytes + snap->len, data, len);
    snap->len += len;
}

static inline void snapshot_append_table(snapshot *snap, db_conn *db, const char *table)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT t::text FROM %.200s t ORDER BY 1", table);
    db_stmt *stmt;
    mm_error err = {0};
    if (db_prepare(db, sql, &stmt, &err) != MM_OK)
        fail_msg("%s: %s", sql, err.message);
    snapshot_append(snap, table, strlen(table) + 1);
    db_step_result step;
    while ((step = db_step(stmt)) == DB_ROW) {
        const char *row = db_column_text(stmt, 0);
        snapshot_append(snap, row, strlen(row) + 1);
    }
    assert_int_equal(step, DB_DONE);
    db_finalize(stmt);
}

static inline snapshot snapshot_take_postgres(const char *address)
{
    snapshot snap = {0};
    db_conn *db = NULL;
    mm_error err = {0};
    if (db_open(address, &(db_open_options){.read_only = true}, &db, &err) != MM_OK)
        fail_msg("snapshot of %s: %s", address, err.message);
    db_stmt *stmt;
    assert_int_equal(db_prepare(db,
                                "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) "
                                "FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', "
                                "'information_schema') ORDER BY 1",
                                &stmt, &err),
                     MM_OK);
    char tables[64][128];
    size_t n = 0;
    while (db_step(stmt) == DB_ROW && n < 64)
        snprintf(tables[n++], sizeof tables[0], "%s", db_column_text(stmt, 0));
    db_finalize(stmt);
    for (size_t i = 0; i < n; i++)
        snapshot_append_table(&snap, db, tables[i]);
    db_close(db);
    return snap;
}

static inline snapshot snapshot_take(const char *path)
{
    if (db_address_is_postgres(path))
        return snapshot_take_postgres(path);
    snapshot snap = {0};
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_int64 size = 0;
    unsigned char *ser = sqlite3_serialize(db, "main", &size, 0);
    assert_non_null(ser);
    snapshot_append(&snap, ser, (size_t)size);
    sqlite3_free(ser);
    sqlite3_close(db);
    const char *suffixes[] = {"", "-wal"};
    for (size_t i = 0; i < 2; i++) {
        char file[1100];
        snprintf(file, sizeof file, "%s%s", path, suffixes[i]);
        size_t len = 0;
        char *data = testutil_read_file(file, &len);
        if (data)
            snapshot_append(&snap, data, len);
        free(data);
    }
    return snap;
}

static inline void snapshot_assert_same(const char *path, snapshot *before)
{
    snapshot after = snapshot_take(path);
    assert_int_equal(after.len, before->len);
    assert_memory_equal(after.bytes, before->bytes, before->len);
    free(after.bytes);
    free(before->bytes);
    before->bytes = NULL;
}

/* The newest usage event's id (0 when none); fails the test when it cannot be read. */
static inline int64_t newest_event_id(mm_catalog *cat)
{
    int64_t id = 0;
    mm_error err = {0};
    if (catalog_usage_max_id(cat, &id, &err) != MM_OK)
        fail_msg("the newest event id: %s", err.message);
    return id;
}

static inline void add_account(mm_catalog *cat, const char *name, const char *provider,
                               const char *key)
{
    mm_account acc;
    mm_account_init(&acc);
    mm_copy(acc.name, sizeof acc.name, name);
    mm_copy(acc.provider, sizeof acc.provider, provider);
    if (strcmp(provider, "azure-openai") == 0) {
        mm_copy(acc.endpoint, sizeof acc.endpoint, "https://res.openai.azure.com");
        mm_copy(acc.api_version, sizeof acc.api_version, "2024-10-21");
    } else if (strcmp(provider, "openai-compatible") == 0) {
        mm_copy(acc.endpoint, sizeof acc.endpoint, "http://127.0.0.1:8080/v1");
    }
    mm_error err = {0};
    mm_status st = catalog_account_insert(cat, &acc, key, &err);
    if (st != MM_OK)
        fail_msg("add account %s: %s", name, err.message);
}

static inline void add_model(mm_catalog *cat, const char *name)
{
    mm_model model;
    mm_model_init(&model);
    mm_copy(model.name, sizeof model.name, name);
    mm_error err = {0};
    if (catalog_model_insert(cat, &model, &err) != MM_OK)
        fail_msg("add model %s: %s", name, err.message);
}

static inline void add_workspace(mm_catalog *cat, const char *name)
{
    mm_workspace ws = {0};
    mm_copy(ws.name, sizeof ws.name, name);
    mm_error err = {0};
    if (catalog_workspace_insert(cat, &ws, &err) != MM_OK)
        fail_msg("add workspace %s: %s", name, err.message);
}

static inline void add_target(mm_catalog *cat, const char *model, const char *account,
                              const char *provider_model, int priority)
{
    mm_error err = {0};
    if (catalog_target_add(cat, model, account, provider_model, priority, &err) != MM_OK)
        fail_msg("add target %s/%s: %s", model, provider_model, err.message);
}

/* "acc-a/m1,acc-b/m2" for the model's chain in priority order (priorities checked 1..n). */
static inline void chain_string(mm_catalog *cat, const char *model, char *out, size_t outsz)
{
    mm_model m;
    mm_error err = {0};
    assert_int_equal(catalog_model_get(cat, model, &m, &err), MM_OK);
    out[0] = '\0';
    for (size_t i = 0; i < m.n_targets; i++) {
        assert_int_equal(m.targets[i].priority, (int)i + 1);
        size_t used = strlen(out);
        snprintf(out + used, outsz - used, "%s%s/%s", i ? "," : "", m.targets[i].account,
                 m.targets[i].model);
    }
}

/* The catalog holds NEEDLE anywhere a reader could see it: the SQLite file or its WAL, or any
 * row of any table on PostgreSQL. */
static inline bool catalog_contains(const char *address, const void *needle, size_t len)
{
    snapshot snap = snapshot_take(address);
    bool found = snap.len >= len && memmem(snap.bytes, snap.len, needle, len) != NULL;
    free(snap.bytes);
    return found;
}

static inline bool file_contains(const char *path, const void *needle, size_t len)
{
    size_t size = 0;
    char *data = testutil_read_file(path, &size);
    bool found = data && size >= len && memmem(data, size, needle, len) != NULL;
    free(data);
    return found;
}

/* The version a LISTENing session sees after waiting up to wait_ms for a notification. */
static inline int64_t version_after_wait(mm_catalog *watcher, int wait_ms)
{
    mm_error err = {0};
    assert_int_equal(catalog_wait_change(watcher, wait_ms, &err), MM_OK);
    int64_t version = -1;
    assert_int_equal(catalog_data_version(watcher, &version, &err), MM_OK);
    return version;
}

#endif
