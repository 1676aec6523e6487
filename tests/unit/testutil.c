/* Implementation of the unit-test helpers: temp directories, file reading, test master key, the
 * catalog address per backend (a fresh PostgreSQL database per test under $MM_TEST_DB). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "catalog/db_engine.h"

char *testutil_tempdir(void)
{
    const char *base = getenv("TMPDIR");
    char templ[512];
    snprintf(templ, sizeof templ, "%s/mmtest.XXXXXX", base && *base ? base : "/tmp");
    char *dir = mkdtemp(templ);
    return dir ? strdup(dir) : NULL;
}

void testutil_rmtree(char *dir)
{
    if (!dir)
        return;
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    free(dir);
}

char *testutil_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)size + 1);
    if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) {
        buf[size] = '\0';
        if (len)
            *len = (size_t)size;
    }
    return buf;
}

void testutil_set_master_key(void)
{
    /* 32 bytes 0x01..0x20, base64 */
    setenv("MM_MASTER_KEY", "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=", 1);
}

bool testutil_on_postgres(void)
{
    const char *address = getenv("MM_TEST_DB");
    return address && db_address_is_postgres(address);
}

/* ADDRESS with its database replaced by NAME: a URI's path (postgresql://u@h/db?opts), or a
 * libpq conninfo with dbname appended (the last keyword wins). */
static void with_database(const char *address, const char *name, char *out, size_t outsz)
{
    const char *scheme = strstr(address, "://");
    if (!scheme) {
        snprintf(out, outsz, "%s dbname=%s", address, name);
        return;
    }
    const char *authority = scheme + 3;
    const char *path = authority + strcspn(authority, "/?");
    const char *rest = path + strcspn(path, "?");
    snprintf(out, outsz, "%.*s/%s%s", (int)(path - address), address, name, rest);
}

static void run_on_server(db_conn *db, const char *sql)
{
    mm_error err = {0};
    if (db_exec(db, sql, "preparing the test database", &err) != MM_OK)
        fail_msg("%s: %s", sql, err.message);
}

/* The test database already holds this build's schema: every table but mmadmin_schema is
 * emptied and its ids start again at 1 (much faster than a new database and migrating again). */
static bool emptied(const char *address)
{
    db_conn *db = NULL;
    mm_error err = {0};
    if (db_open(address, &(db_open_options){0}, &db, &err) != MM_OK)
        return false;
    int64_t version = 0;
    bool ours =
        db_query_int(db,
                     "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() "
                     "AND tablename = 'mmadmin_schema'",
                     NULL, &version, &err) == MM_OK &&
        version == 1 &&
        db_query_int(db, "SELECT version FROM mmadmin_schema", NULL, &version, &err) == MM_OK &&
        version == catalog_schema_version();
    db_stmt *stmt = NULL;
    if (ours)
        ours = db_prepare(db,
                          "SELECT 'TRUNCATE ' || string_agg(quote_ident(tablename), ', ') || "
                          "' RESTART IDENTITY CASCADE' FROM pg_tables WHERE schemaname = "
                          "current_schema() AND tablename <> 'mmadmin_schema'",
                          &stmt, &err) == MM_OK &&
               db_step(stmt) == DB_ROW;
    if (ours)
        ours = db_exec(db, db_column_text(stmt, 0), "emptying the test database", &err) == MM_OK;
    db_finalize(stmt);
    db_close(db);
    return ours;
}

void testutil_catalog_address(const char *dir, char *out, size_t outsz)
{
    if (!testutil_on_postgres()) {
        snprintf(out, outsz, "%s/catalog.db", dir);
        return;
    }
    const char *server = getenv("MM_TEST_DB");
    char name[64], sql[160];
    snprintf(name, sizeof name, "mmtest_%ld", (long)getpid());
    with_database(server, name, out, outsz);
    if (emptied(out))
        return;
    db_conn *db = NULL;
    mm_error err = {0};
    if (db_open(server, &(db_open_options){0}, &db, &err) != MM_OK)
        fail_msg("connecting to %s: %s", server, err.message);
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    run_on_server(db, sql);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    run_on_server(db, sql);
    db_close(db);
}
