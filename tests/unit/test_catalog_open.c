/* Unit tests of opening the catalog: path resolution, creation with safe modes, WAL and
 * foreign keys, read-only detection, migrations, and refusing newer or foreign files untouched. */
#include "test_catalog_util.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void resolve_path_order(void **state)
{
    SQLITE_ONLY("a file path by --db, $MM_DB, XDG");
    (void)state;
    char out[512];
    mm_error err = {0};
    setenv("MM_DB", "/tmp/env.db", 1);
    setenv("XDG_DATA_HOME", "/tmp/xdg", 1);
    assert_int_equal(catalog_resolve_path("/tmp/explicit.db", out, sizeof out, &err), MM_OK);
    assert_string_equal(out, "/tmp/explicit.db");
    assert_int_equal(catalog_resolve_path(NULL, out, sizeof out, &err), MM_OK);
    assert_string_equal(out, "/tmp/env.db");
    unsetenv("MM_DB");
    assert_int_equal(catalog_resolve_path(NULL, out, sizeof out, &err), MM_OK);
    assert_string_equal(out, "/tmp/xdg/mechamental/catalog.db");
    unsetenv("XDG_DATA_HOME");
    setenv("HOME", "/home/someone", 1);
    assert_int_equal(catalog_resolve_path(NULL, out, sizeof out, &err), MM_OK);
    assert_string_equal(out, "/home/someone/.local/share/mechamental/catalog.db");
}

static int64_t pragma_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    int64_t value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return value;
}

static void creates_folder_and_file_private_with_wal(void **state)
{
    SQLITE_ONLY("the file, its folder and WAL");
    (void)state;
    char *dir = testutil_tempdir();
    char path[1024];
    snprintf(path, sizeof path, "%s/deep/er/catalog.db", dir);
    setenv("XDG_DATA_HOME", dir, 1);
    mm_catalog *cat = fixture_open(path);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    char folder[1100];
    snprintf(folder, sizeof folder, "%s/deep/er", dir);
    assert_int_equal(stat(folder, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    assert_string_equal(catalog_path(cat), path);
    assert_false(catalog_is_read_only(cat));
    catalog_close(cat);
    assert_int_equal(pragma_int(path, "PRAGMA user_version"), catalog_schema_version());
    sqlite3 *db;
    sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    sqlite3_stmt *stmt;
    sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, NULL);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(stmt, 0), "wal");
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    unsetenv("XDG_DATA_HOME");
    testutil_rmtree(dir);
}

static void missing_file_without_create_is_not_found(void **state)
{
    SQLITE_ONLY("a missing file");
    (void)state;
    char *dir = testutil_tempdir();
    char path[1024];
    snprintf(path, sizeof path, "%s/none.db", dir);
    mm_catalog_options opts = {.path = path, .create = false};
    mm_catalog *cat = NULL;
    mm_error err = {0};
    assert_int_equal(catalog_open(&opts, &cat, &err), MM_E_NOT_FOUND);
    assert_null(cat);
    assert_non_null(strstr(err.message, path));
    assert_int_equal(access(path, F_OK), -1);
    testutil_rmtree(dir);
}

static void reopen_keeps_data_and_foreign_keys_on(void **state)
{
    catalog_fixture *fx = *state;
    add_model(fx->cat, "fast-chat");
    catalog_close(fx->cat);
    fx->cat = fixture_open(fx->path);
    mm_model model;
    mm_error err = {0};
    assert_int_equal(catalog_model_get(fx->cat, "fast-chat", &model, &err), MM_OK);
    assert_int_equal(model.version, 1);
}

/* Opens path (which this process cannot write) and checks it reads but refuses writes; returns
 * 0 on success, else the number of the failed check. */
static int check_unwritable_open(const char *path)
{
    mm_catalog_options opts = {.path = path, .create = true};
    mm_catalog *cat = NULL;
    mm_error err = {0};
    if (catalog_open(&opts, &cat, &err) != MM_OK) {
        fprintf(stderr, "open: %s\n", err.message);
        return 1;
    }
    int failed = 0;
    mm_workspace_list list;
    if (!catalog_is_read_only(cat))
        failed = 2;
    else if (catalog_workspace_list(cat, &list, &err) != MM_OK || list.count != 1)
        failed = 3;
    else
        mm_workspace_list_free(&list);
    mm_workspace ws = {0};
    mm_copy(ws.name, sizeof ws.name, "team-b");
    if (!failed && (catalog_workspace_insert(cat, &ws, &err) != MM_E_READONLY ||
                    !strstr(err.message, "read-only")))
        failed = 4;
    catalog_close(cat);
    return failed;
}

static void unwritable_file_opens_read_only_and_refuses_writes(void **state)
{
    SQLITE_ONLY("file permissions");
    catalog_fixture *fx = *state;
    add_workspace(fx->cat, "team-a");
    catalog_close(fx->cat);
    fx->cat = NULL;
    if (geteuid() != 0) {
        chmod(fx->path, 0400);
        assert_int_equal(check_unwritable_open(fx->path), 0);
        chmod(fx->path, 0600);
        return;
    }
    /* root writes anyway: check as an unprivileged user who may read the file but not write it
     * (the folder stays writable so SQLite can create the WAL's shared-memory file) */
    chmod(fx->dir, 0777);
    chmod(fx->path, 0644);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(90);
        _exit(check_unwritable_open(fx->path));
    }
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

static void explicit_read_only_refuses_writes(void **state)
{
    catalog_fixture *fx = *state;
    mm_catalog_options opts = {.path = fx->path, .read_only = true};
    mm_catalog *ro = NULL;
    mm_error err = {0};
    assert_int_equal(catalog_open(&opts, &ro, &err), MM_OK);
    assert_true(catalog_is_read_only(ro));
    mm_model model;
    mm_model_init(&model);
    mm_copy(model.name, sizeof model.name, "x");
    assert_int_equal(catalog_model_insert(ro, &model, &err), MM_E_READONLY);
    bool acquired = true;
    assert_int_equal(catalog_lease_acquire(ro, "prober", "me", 1000, &acquired, &err),
                     MM_E_READONLY);
    assert_false(acquired);
    catalog_close(ro);
}

static void write_user_version(const char *path, int version)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", version);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
}

/* PostgreSQL: mmadmin_schema.version is newer; nothing in the database changes. */
static void newer_postgres_schema_is_refused_untouched(catalog_fixture *fx)
{
    db_conn *db = NULL;
    mm_error err = {0};
    assert_int_equal(db_open(fx->path, &(db_open_options){0}, &db, &err), MM_OK);
    char sql[96];
    snprintf(sql, sizeof sql, "UPDATE mmadmin_schema SET version = %d",
             catalog_schema_version() + 5);
    assert_int_equal(db_exec(db, sql, "testing", &err), MM_OK);
    db_close(db);
    snapshot before = snapshot_take(fx->path);
    mm_catalog_options opts = {.path = fx->path, .create = true};
    mm_catalog *cat = NULL;
    assert_int_equal(catalog_open(&opts, &cat, &err), MM_E_SCHEMA);
    assert_null(cat);
    assert_string_equal(err.field, "db");
    assert_non_null(strstr(err.message, "newer mmadmin"));
    assert_non_null(strstr(err.message, "not changed"));
    snapshot_assert_same(fx->path, &before);
}

static void newer_schema_is_refused_untouched(void **state)
{
    catalog_fixture *fx = *state;
    add_model(fx->cat, "fast-chat");
    catalog_close(fx->cat);
    fx->cat = NULL;
    if (fx->postgres) {
        newer_postgres_schema_is_refused_untouched(fx);
        return;
    }
    write_user_version(fx->path, catalog_schema_version() + 5);
    size_t before_len = 0, after_len = 0;
    char *before = testutil_read_file(fx->path, &before_len);
    mm_catalog_options opts = {.path = fx->path, .create = true};
    mm_error err = {0};
    mm_catalog *cat = NULL;
    assert_int_equal(catalog_open(&opts, &cat, &err), MM_E_SCHEMA);
    assert_null(cat);
    assert_string_equal(err.field, "db");
    assert_non_null(strstr(err.message, "newer mmadmin"));
    assert_non_null(strstr(err.message, "not changed"));
    char *after = testutil_read_file(fx->path, &after_len);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    free(before);
    free(after);
}

static void non_sqlite_file_is_refused_untouched(void **state)
{
    SQLITE_ONLY("a file that is not SQLite");
    (void)state;
    char *dir = testutil_tempdir();
    char path[1024];
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    FILE *f = fopen(path, "w");
    for (int i = 0; i < 200; i++)
        fputs("these are my notes, not a database\n", f);
    fclose(f);
    size_t before_len = 0, after_len = 0;
    char *before = testutil_read_file(path, &before_len);
    mm_catalog_options opts = {.path = path, .create = true};
    mm_catalog *cat = NULL;
    mm_error err = {0};
    assert_int_equal(catalog_open(&opts, &cat, &err), MM_E_SCHEMA);
    assert_non_null(strstr(err.message, "not an mmadmin catalog"));
    char *after = testutil_read_file(path, &after_len);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    free(before);
    free(after);
    testutil_rmtree(dir);
}

static void foreign_sqlite_database_is_refused(void **state)
{
    SQLITE_ONLY("an SQLite file without our application_id");
    (void)state;
    char *dir = testutil_tempdir();
    char path[1024];
    snprintf(path, sizeof path, "%s/other.db", dir);
    sqlite3 *db;
    sqlite3_open(path, &db);
    sqlite3_exec(db, "CREATE TABLE recipes(name TEXT)", NULL, NULL, NULL);
    sqlite3_close(db);
    mm_catalog_options opts = {.path = path, .create = true};
    mm_catalog *cat = NULL;
    mm_error err = {0};
    assert_int_equal(catalog_open(&opts, &cat, &err), MM_E_SCHEMA);
    assert_non_null(strstr(err.message, "not an mmadmin catalog"));
    assert_int_equal(pragma_int(path, "PRAGMA user_version"), 0);
    testutil_rmtree(dir);
}

static void actor_defaults_to_sudo_user(void **state)
{
    catalog_fixture *fx = *state;
    setenv("SUDO_USER", "alice", 1);
    catalog_set_actor(fx->cat, NULL);
    assert_string_equal(catalog_actor(fx->cat), "alice");
    unsetenv("SUDO_USER");
    catalog_set_actor(fx->cat, NULL);
    assert_true(strlen(catalog_actor(fx->cat)) > 0);
    assert_string_not_equal(catalog_actor(fx->cat), "alice");
    catalog_set_actor(fx->cat, "bob");
    assert_string_equal(catalog_actor(fx->cat), "bob");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resolve_path_order),
        cmocka_unit_test(creates_folder_and_file_private_with_wal),
        cmocka_unit_test(missing_file_without_create_is_not_found),
        cmocka_unit_test(non_sqlite_file_is_refused_untouched),
        cmocka_unit_test(foreign_sqlite_database_is_refused),
        cmocka_unit_test_setup_teardown(reopen_keeps_data_and_foreign_keys_on,
                                        catalog_fixture_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(unwritable_file_opens_read_only_and_refuses_writes,
                                        catalog_fixture_setup, catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(explicit_read_only_refuses_writes, catalog_fixture_setup,
                                        catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(newer_schema_is_refused_untouched, catalog_fixture_setup,
                                        catalog_fixture_teardown),
        cmocka_unit_test_setup_teardown(actor_defaults_to_sudo_user, catalog_fixture_setup,
                                        catalog_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
