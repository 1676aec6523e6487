/* The catalog connection: resolving the file's path, creating it (0600, folder 0700), opening
 * it (WAL, foreign keys, busy timeout, read-only detection), transactions and statement helpers. */
#include "catalog/catalog_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/text.h"

#define BUSY_TIMEOUT_MS 5000

mm_status catalog_resolve_path(const char *explicit_path, char *out, size_t outsz, mm_error *err)
{
    const char *env_db = getenv("MM_DB");
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    int n;
    if (mm_present(explicit_path))
        n = snprintf(out, outsz, "%s", explicit_path);
    else if (mm_present(env_db))
        n = snprintf(out, outsz, "%s", env_db);
    else if (mm_present(xdg) && xdg[0] == '/')
        n = snprintf(out, outsz, "%s/mechamental/catalog.db", xdg);
    else if (mm_present(home))
        n = snprintf(out, outsz, "%s/.local/share/mechamental/catalog.db", home);
    else
        return mm_error_set(err, MM_E_INVALID, "db",
                            "cannot tell where the catalog is: give --db PATH or set MM_DB");
    if (n < 0 || (size_t)n >= outsz)
        return mm_error_set(err, MM_E_INVALID, "db", "the catalog path is too long");
    return MM_OK;
}

/* mkdir -p of the folder holding path; folders it creates get mode 0700. */
static mm_status make_parent_folders(const char *path, mm_error *err)
{
    char dir[MM_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return MM_OK;
    *slash = '\0';
    for (char *p = dir + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST)
            return mm_error_set(err, MM_E_IO, "db", "cannot create the folder %s (%s)", dir,
                                strerror(errno));
        *p = saved;
        if (saved == '\0')
            break;
    }
    return MM_OK;
}

static mm_status create_catalog_file(const char *path, mm_error *err)
{
    mm_status st = make_parent_folders(path, err);
    if (st != MM_OK)
        return st;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno != EEXIST)
        return mm_error_set(err, MM_E_IO, "db", "cannot create the catalog %s (%s)", path,
                            strerror(errno));
    if (fd >= 0)
        close(fd);
    return MM_OK;
}

static void default_actor(char *out, size_t outsz)
{
    const char *sudo_user = getenv("SUDO_USER");
    if (mm_present(sudo_user)) {
        mm_copy(out, outsz, sudo_user);
        return;
    }
    struct passwd *pw = getpwuid(geteuid());
    if (pw && mm_present(pw->pw_name))
        mm_copy(out, outsz, pw->pw_name);
    else
        snprintf(out, outsz, "uid-%u", (unsigned)geteuid());
}

static mm_status configure_connection(mm_catalog *cat, mm_error *err)
{
    sqlite3_busy_timeout(cat->db, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(cat->db, 1);
    mm_status st = catalog_schema_check(cat, err); /* before anything may touch the file */
    if (st != MM_OK)
        return st;
    if (!cat->read_only) {
        st = cat_exec(cat, "PRAGMA journal_mode=WAL", err);
        if (st == MM_OK)
            st = cat_exec(cat, "PRAGMA synchronous=NORMAL", err);
    }
    if (st == MM_OK)
        st = cat_exec(cat, "PRAGMA foreign_keys=ON", err);
    if (st == MM_OK)
        st = catalog_schema_migrate(cat, err);
    return st;
}

mm_status catalog_open(const mm_catalog_options *opts, mm_catalog **out, mm_error *err)
{
    *out = NULL;
    mm_catalog_options defaults = {0};
    if (!opts)
        opts = &defaults;
    mm_catalog *cat = calloc(1, sizeof *cat);
    if (!cat)
        return mm_error_set(err, MM_E_INTERNAL, "", "out of memory opening the catalog");
    mm_status st = catalog_resolve_path(opts->path, cat->path, sizeof cat->path, err);
    if (st == MM_OK)
        st = vault_init(err);
    if (st == MM_OK && access(cat->path, F_OK) != 0) {
        if (opts->create && !opts->read_only)
            st = create_catalog_file(cat->path, err);
        else
            st = mm_error_set(err, MM_E_NOT_FOUND, "db",
                              "there is no catalog at %s; check --db or MM_DB, or create it by "
                              "opening it writable",
                              cat->path);
    }
    if (st != MM_OK) {
        free(cat);
        return st;
    }
    cat->read_only = opts->read_only || access(cat->path, W_OK) != 0;
    default_actor(cat->actor, sizeof cat->actor);
    int flags =
        (cat->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(cat->path, &cat->db, flags, NULL) != SQLITE_OK)
        st = mm_error_set(err, MM_E_DB, "db", "cannot open the catalog %s: %s", cat->path,
                          cat->db ? sqlite3_errmsg(cat->db) : "out of memory");
    else
        st = configure_connection(cat, err);
    if (st == MM_E_READONLY && cat->read_only)
        st = mm_error_set(err, MM_E_READONLY, "db",
                          "the catalog %s can only be read by you, and SQLite cannot create its "
                          "shared-memory file (%s-shm) in that folder; open it as its owner or "
                          "make the folder writable",
                          cat->path, cat->path);
    if (st != MM_OK) {
        catalog_close(cat);
        return st;
    }
    *out = cat;
    return MM_OK;
}

void catalog_close(mm_catalog *cat)
{
    if (!cat)
        return;
    sqlite3_finalize(cat->usage_insert);
    if (cat->db && !cat->read_only) /* refresh planner statistics, bounded in time */
        sqlite3_exec(cat->db, "PRAGMA analysis_limit=1000; PRAGMA optimize", NULL, NULL, NULL);
    sqlite3_close(cat->db);
    vault_free(cat->vault);
    free(cat);
}

const char *catalog_path(const mm_catalog *cat)
{
    return cat->path;
}

bool catalog_is_read_only(const mm_catalog *cat)
{
    return cat->read_only;
}

void catalog_set_actor(mm_catalog *cat, const char *actor)
{
    if (mm_present(actor))
        mm_copy(cat->actor, sizeof cat->actor, actor);
    else
        default_actor(cat->actor, sizeof cat->actor);
}

const char *catalog_actor(const mm_catalog *cat)
{
    return cat->actor;
}

/* ---- statements and transactions ---- */

mm_status cat_db_error(mm_catalog *cat, const char *doing, mm_error *err)
{
    int code = sqlite3_extended_errcode(cat->db);
    int primary = code & 0xFF;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
        return mm_error_set(err, MM_E_DB, "",
                            "the catalog is busy (another session is writing) while %s; try "
                            "again in a moment",
                            doing);
    if (primary == SQLITE_READONLY)
        return mm_error_set(err, MM_E_READONLY, "",
                            "the catalog %s cannot be written while %s; check the file's and "
                            "its folder's permissions",
                            cat->path, doing);
    if (primary == SQLITE_NOTADB)
        return mm_error_set(err, MM_E_SCHEMA, "db",
                            "%s is not an mmadmin catalog (not an SQLite database); check --db "
                            "or MM_DB",
                            cat->path);
    return mm_error_set(err, MM_E_DB, "", "SQLite failed while %s: %s", doing,
                        sqlite3_errmsg(cat->db));
}

mm_status cat_exec(mm_catalog *cat, const char *sql, mm_error *err)
{
    if (sqlite3_exec(cat->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return cat_db_error(cat, "updating the catalog", err);
    return MM_OK;
}

mm_status cat_prepare(mm_catalog *cat, const char *sql, sqlite3_stmt **stmt, mm_error *err)
{
    if (sqlite3_prepare_v2(cat->db, sql, -1, stmt, NULL) != SQLITE_OK) {
        *stmt = NULL;
        return cat_db_error(cat, "preparing a query", err);
    }
    return MM_OK;
}

mm_status cat_step_done(mm_catalog *cat, sqlite3_stmt *stmt, const char *doing, mm_error *err)
{
    mm_status st = MM_OK;
    if (sqlite3_step(stmt) != SQLITE_DONE)
        st = cat_db_error(cat, doing, err);
    sqlite3_finalize(stmt);
    return st;
}

mm_status cat_query_int(mm_catalog *cat, const char *sql, const char *param, int64_t *out,
                        mm_error *err)
{
    sqlite3_stmt *stmt;
    mm_status st = cat_prepare(cat, sql, &stmt, err);
    if (st != MM_OK)
        return st;
    if (param)
        cat_bind_text(stmt, 1, param);
    *out = 0;
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(stmt, 0);
    else if (rc != SQLITE_DONE)
        st = cat_db_error(cat, "reading the catalog", err);
    sqlite3_finalize(stmt);
    return st;
}

mm_status cat_begin(mm_catalog *cat, mm_error *err)
{
    if (cat->read_only)
        return mm_error_set(err, MM_E_READONLY, "",
                            "the catalog %s is open read-only (you cannot write to it); nothing "
                            "was changed — ask its owner, or open a catalog you can write",
                            cat->path);
    if (sqlite3_exec(cat->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return cat_db_error(cat, "starting a change", err);
    return MM_OK;
}

mm_status cat_end(mm_catalog *cat, mm_status status, mm_error *err)
{
    if (status == MM_OK && sqlite3_exec(cat->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
        return MM_OK;
    if (status == MM_OK)
        status = cat_db_error(cat, "saving the change", err);
    if (!sqlite3_get_autocommit(cat->db))
        sqlite3_exec(cat->db, "ROLLBACK", NULL, NULL, NULL);
    return status;
}

void cat_bind_text(sqlite3_stmt *stmt, int index, const char *text)
{
    sqlite3_bind_text(stmt, index, text ? text : "", -1, SQLITE_TRANSIENT);
}

void cat_bind_limit(sqlite3_stmt *stmt, int index, int64_t value)
{
    if (value == MM_LIMIT_UNSET)
        sqlite3_bind_null(stmt, index);
    else
        sqlite3_bind_int64(stmt, index, value);
}

int64_t cat_column_limit(sqlite3_stmt *stmt, int index)
{
    if (sqlite3_column_type(stmt, index) == SQLITE_NULL)
        return MM_LIMIT_UNSET;
    return sqlite3_column_int64(stmt, index);
}

void cat_column_copy(sqlite3_stmt *stmt, int index, char *dst, size_t dstsz)
{
    const unsigned char *text = sqlite3_column_text(stmt, index);
    mm_copy(dst, dstsz, text ? (const char *)text : "");
}

bool cat_grow(void **items, size_t *capacity, size_t count, size_t elem_size)
{
    if (count < *capacity)
        return true;
    size_t cap = *capacity ? *capacity * 2 : 16;
    void *grown = realloc(*items, cap * elem_size);
    if (!grown)
        return false;
    *items = grown;
    *capacity = cap;
    return true;
}

mm_status cat_out_of_memory(mm_error *err)
{
    return mm_error_set(err, MM_E_INTERNAL, "", "out of memory while reading the catalog");
}

/* ---- lookups ---- */

static mm_status id_by_name(mm_catalog *cat, const char *sql, const char *kind, const char *name,
                            int64_t *id, mm_error *err)
{
    mm_status st = cat_query_int(cat, sql, name ? name : "", id, err);
    if (st == MM_OK && *id == 0)
        return mm_error_set(err, MM_E_NOT_FOUND, kind,
                            "there is no %s named '%.64s'; check the "
                            "name (list them to see which exist)",
                            kind, name ? name : "");
    return st;
}

mm_status cat_account_id(mm_catalog *cat, const char *name, int64_t *id, mm_error *err)
{
    return id_by_name(cat, "SELECT id FROM accounts WHERE name = ?1", "account", name, id, err);
}

mm_status cat_model_id(mm_catalog *cat, const char *name, int64_t *id, mm_error *err)
{
    return id_by_name(cat, "SELECT id FROM models WHERE name = ?1", "model", name, id, err);
}

mm_status cat_workspace_id(mm_catalog *cat, const char *name, int64_t *id, mm_error *err)
{
    return id_by_name(cat, "SELECT id FROM workspaces WHERE name = ?1", "workspace", name, id, err);
}

/* ---- reading rows ---- */

void cat_bind_key(sqlite3_stmt *stmt, const void *key)
{
    const cat_key *k = key;
    if (k->name)
        cat_bind_text(stmt, 1, k->name);
    else
        sqlite3_bind_int64(stmt, 1, k->id);
}

mm_status cat_read_row(mm_catalog *cat, const char *sql, cat_binder bind, const void *ctx,
                       cat_row_reader read_row, void *out, bool *found, const char *doing,
                       mm_error *err)
{
    sqlite3_stmt *stmt;
    mm_status st = cat_prepare(cat, sql, &stmt, err);
    if (st != MM_OK)
        return st;
    if (bind)
        bind(stmt, ctx);
    int rc = sqlite3_step(stmt);
    *found = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW)
        read_row(stmt, out);
    else if (rc != SQLITE_DONE)
        st = cat_db_error(cat, doing, err);
    sqlite3_finalize(stmt);
    return st;
}

mm_status cat_collect_rows(mm_catalog *cat, const char *sql, cat_binder bind, const void *ctx,
                           cat_row_reader read_row, size_t item_size, void **items, size_t *count,
                           const char *doing, mm_error *err)
{
    *items = NULL;
    *count = 0;
    sqlite3_stmt *stmt;
    mm_status st = cat_prepare(cat, sql, &stmt, err);
    if (st != MM_OK)
        return st;
    if (bind)
        bind(stmt, ctx);
    size_t capacity = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (!cat_grow(items, &capacity, *count, item_size)) {
            st = cat_out_of_memory(err);
            break;
        }
        read_row(stmt, (char *)*items + (*count)++ * item_size);
    }
    if (st == MM_OK && rc != SQLITE_DONE)
        st = cat_db_error(cat, doing, err);
    sqlite3_finalize(stmt);
    if (st != MM_OK)
        cat_free_rows(items, count);
    return st;
}

void cat_free_rows(void **items, size_t *count)
{
    free(*items);
    *items = NULL;
    *count = 0;
}

mm_status cat_exec_int(mm_catalog *cat, const char *sql, int64_t value, const char *doing,
                       mm_error *err)
{
    sqlite3_stmt *stmt;
    mm_status st = cat_prepare(cat, sql, &stmt, err);
    if (st != MM_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, value);
    return cat_step_done(cat, stmt, doing, err);
}

mm_status cat_names_json(mm_catalog *cat, const char *sql, int64_t id, json_t *array,
                         const char *doing, mm_error *err)
{
    sqlite3_stmt *stmt;
    mm_status st = cat_prepare(cat, sql, &stmt, err);
    if (st != MM_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, id);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        json_array_append_new(array, json_string((const char *)sqlite3_column_text(stmt, 0)));
    if (rc != SQLITE_DONE)
        st = cat_db_error(cat, doing, err);
    sqlite3_finalize(stmt);
    return st;
}

/* ---- optimistic versions and unique names ---- */

mm_status cat_check_unchanged(const char *kind, bool found, const char *name,
                              int64_t expected_version, const char *current_name,
                              int64_t current_version, mm_error *err)
{
    if (!found)
        return mm_error_set(err, MM_E_NOT_FOUND, "",
                            "%s '%s' was removed by another session since you opened it; "
                            "nothing was changed",
                            kind, name);
    if (current_version != expected_version)
        return mm_error_set(err, MM_E_CONFLICT, "",
                            "%s '%s' was changed by another session since you opened it; "
                            "reopen it and apply your change again",
                            kind, current_name);
    return MM_OK;
}

mm_status cat_check_name_free(mm_catalog *cat, const char *sql, const char *name, int64_t self_id,
                              const char *a_kind, const char *kind, mm_error *err)
{
    int64_t id = 0;
    mm_status st = cat_query_int(cat, sql, name, &id, err);
    if (st == MM_OK && id != 0 && id != self_id)
        return mm_error_set(err, MM_E_EXISTS, "name",
                            "%s named '%s' already exists; choose another name or edit that %s",
                            a_kind, name, kind);
    return st;
}
