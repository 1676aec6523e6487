/* The catalog connection: resolving its address (an SQLite file or postgresql://...), creating
 * a file (0600, folder 0700), opening it (db_engine.h; SQLite: WAL, foreign keys, read-only
 * detection), checking and migrating its schema, closing it. */
#include "catalog/catalog_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "catalog/db_engine_sqlite.h"
#include "util/text.h"

/* A kept WAL (catalog_keep_wal_on_close) is checkpointed at this many pages, not SQLite's 1,000:
 * a process's first connection rebuilds the WAL's index by reading and checksumming every frame
 * (one pread and ~10,000 instructions a frame; a send adds ~13), so a send reads ~128 frames on
 * average instead of ~500, for a checkpoint (two fsyncs) every ~20 sends instead of every ~77. */
#define KEPT_WAL_CHECKPOINT_PAGES 256

mm_status catalog_resolve_path(const char *explicit_path, char *out, size_t outsz, mm_error *err)
{
    const char *env_db = getenv("MM_DB");
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    const char *given = mm_present(explicit_path) ? explicit_path : env_db;
    int n;
    /* "~/" that no shell expanded (--to=~/x.db, MM_DB from a unit file): the home folder, not
     * a folder named "~" in the current one */
    if (mm_present(given) && strncmp(given, "~/", 2) == 0 && mm_present(home))
        n = snprintf(out, outsz, "%s%s", home, given + 1);
    else if (mm_present(given))
        n = snprintf(out, outsz, "%s", given);
    else if (mm_present(xdg) && xdg[0] == '/')
        n = snprintf(out, outsz, "%s/mechamental/catalog.db", xdg);
    else if (mm_present(home))
        n = snprintf(out, outsz, "%s/.local/share/mechamental/catalog.db", home);
    else
        return mm_error_set(err, MM_E_INVALID, "db",
                            "cannot tell where the catalog is: give --db PATH or set MM_DB");
    if (n < 0 || (size_t)n >= outsz)
        return mm_error_set(err, MM_E_INVALID, "db",
                            "the catalog path or address is too long (%d bytes; at most %zu): "
                            "shorten it, or put its settings in a libpq service file and give "
                            "service=NAME",
                            n, outsz - 1);
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

/* SQLite only, once the file is known to be a catalog (catalog_schema_check read its header
 * facts): a new file's incremental auto-vacuum and mode 0600, WAL when the file is not in WAL yet
 * (the mode is kept in the file), then this connection's synchronous=NORMAL, foreign keys and cache
 * size in one exec (db_open was asked for none: `bare`). */
static mm_status configure_sqlite(mm_catalog *cat, int cache_kib, mm_error *err)
{
    mm_status st = MM_OK;
    char sql[160] = "";
    if (!cat->read_only) {
        /* a new, empty file only: setting it on an existing one would write its header at every
         * open (catalog_usage_enable_auto_vacuum converts an older file) */
        if (cat->file.objects == 0)
            st = cat_exec(cat, "PRAGMA auto_vacuum=INCREMENTAL", err);
        /* private like a file it creates, also when it found the file empty (`touch`) */
        if (st == MM_OK && cat->file.objects == 0 && chmod(cat->path, 0600) != 0)
            st = mm_error_set(err, MM_E_IO, "db",
                              "cannot make the new catalog %s private (chmod "
                              "600: %s)",
                              cat->path, strerror(errno));
        if (st == MM_OK && !cat->file.wal)
            st = cat_exec(cat, "PRAGMA journal_mode=WAL", err);
        cat->file.wal = st == MM_OK;
        mm_copy(sql, sizeof sql, "PRAGMA synchronous=NORMAL; ");
    }
    size_t used = strlen(sql);
    snprintf(sql + used, sizeof sql - used, "PRAGMA foreign_keys=ON;");
    if (cache_kib > 0) { /* negative: a size in KiB rather than in pages */
        used = strlen(sql);
        snprintf(sql + used, sizeof sql - used, " PRAGMA cache_size=%d;", -cache_kib);
    }
    return st == MM_OK ? cat_exec(cat, sql, err) : st;
}

static mm_status configure_connection(mm_catalog *cat, int cache_kib, mm_error *err)
{
    mm_status st = catalog_schema_check(cat, err); /* before anything may touch the file */
    if (st == MM_OK)
        st = cat_rollup_register(cat, err); /* the migration's backfill uses them */
    if (st == MM_OK && db_kind_of(cat->db) == DB_SQLITE)
        st = configure_sqlite(cat, cache_kib, err);
    if (st == MM_OK)
        st = catalog_schema_migrate(cat, err);
    if (st == MM_OK)
        st = catalog_usage_rollups_catch_up(cat, err); /* events written by plain SQL */
    return st;
}

/* An SQLite file: created (0600, folders 0700) when asked, read-only when not writable. */
static mm_status prepare_sqlite_file(mm_catalog *cat, const mm_catalog_options *opts, mm_error *err)
{
    mm_status st = MM_OK;
    if (access(cat->path, F_OK) != 0) {
        if (opts->create && !opts->read_only)
            st = create_catalog_file(cat->path, err);
        else
            st = mm_error_set(err, MM_E_NOT_FOUND, "db",
                              "there is no catalog at %s; check --db or MM_DB, or create it by "
                              "opening it writable",
                              cat->path);
    }
    cat->read_only = opts->read_only || access(cat->path, W_OK) != 0;
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
    cat->read_only_asked = opts->read_only;
    mm_status st = catalog_resolve_path(opts->path, cat->path, sizeof cat->path, err);
    if (st == MM_OK)
        st = vault_init(err);
    bool postgres = db_address_is_postgres(cat->path);
    if (st == MM_OK && !postgres)
        st = prepare_sqlite_file(cat, opts, err);
    else
        cat->read_only = opts->read_only;
    if (st != MM_OK) {
        free(cat);
        return st;
    }
    db_open_options db_opts = {
        .read_only = cat->read_only, .bare = true, .given_by = opts->given_by};
    st = db_open(cat->path, &db_opts, &cat->db, err);
    if (st == MM_OK)
        st = configure_connection(cat, opts->cache_kib, err);
    if (st == MM_E_READONLY && cat->read_only && !postgres)
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

/* A session that wrote keeps its WAL at close (no checkpoint, no unlink); one that wrote
 * nothing closes as usual, so an untouched catalog stays byte for byte as it was. */
static void leave_wal_unchecked(mm_catalog *cat)
{
    sqlite3 *db = db_sqlite_handle(cat->db);
    if (cat->keep_wal && db && sqlite3_total_changes(db) > 0)
        sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
}

void catalog_close(mm_catalog *cat)
{
    if (!cat)
        return;
    db_finalize(cat->usage_insert);
    cat_rollup_free(cat);
    cat_settings_forget(cat);
    if (cat->db && !cat->read_only && !cat->damage[0] && !cat->keep_wal &&
        db_kind_of(cat->db) == DB_SQLITE) {
        /* refresh planner statistics, bounded in time (ANALYZE writes: never on a damaged file;
         * not in a one-request session such as send's, which leaves it to longer sessions) */
        mm_error ignored = {0};
        db_exec(cat->db, "PRAGMA analysis_limit=1000; PRAGMA optimize", "closing", &ignored);
    }
    if (cat->db)
        leave_wal_unchecked(cat);
    db_close(cat->db);
    vault_free(cat->vault);
    free(cat);
}

void catalog_keep_wal_on_close(mm_catalog *cat)
{
    cat->keep_wal = true;
    sqlite3 *db = db_sqlite_handle(cat->db);
    if (db) /* each such process reads the whole WAL again at open: keep it short */
        sqlite3_wal_autocheckpoint(db, KEPT_WAL_CHECKPOINT_PAGES);
}

mm_status catalog_read_begin(mm_catalog *cat, bool *began, mm_error *err)
{
    *began = false;
    if (db_in_transaction(cat->db))
        return MM_OK;
    mm_status st = db_begin(cat->db, DB_TX_READ, err);
    *began = st == MM_OK;
    cat->read_open = *began; /* settings are read once in it (catalog_setting.c) */
    return st;
}

mm_status catalog_read_end(mm_catalog *cat, bool began, mm_status status, mm_error *err)
{
    if (!began)
        return status;
    cat->read_open = false;
    cat_settings_forget(cat);
    return db_end(cat->db, status, err);
}

void catalog_sql_counts(const mm_catalog *cat, int64_t *statements, int64_t *transactions)
{
    db_counts counts = db_counts_of(cat->db);
    *statements = counts.statements;
    *transactions = counts.transactions;
}

const char *catalog_path(const mm_catalog *cat)
{
    return cat->path;
}

const char *catalog_display(const mm_catalog *cat)
{
    return db_display(cat->db);
}

const char *catalog_note(const mm_catalog *cat)
{
    return cat->note;
}

bool catalog_is_read_only(const mm_catalog *cat)
{
    return cat->read_only;
}

mm_status catalog_data_version(mm_catalog *cat, int64_t *version, mm_error *err)
{
    if (db_kind_of(cat->db) == DB_SQLITE)
        return cat_query_int(cat, "PRAGMA data_version", NULL, version, err);
    bool changed = false; /* PostgreSQL: a count of the notifications seen */
    mm_status st = db_changed(cat->db, &changed, err);
    if (st == MM_OK && changed)
        cat->data_version++;
    *version = cat->data_version;
    return st;
}

mm_status catalog_wait_change(mm_catalog *cat, int timeout_ms, mm_error *err)
{
    if (db_kind_of(cat->db) == DB_SQLITE) {
        struct timespec pause = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L};
        nanosleep(&pause, NULL);
        return MM_OK;
    }
    bool changed = false;
    mm_status st = db_wait_change(cat->db, timeout_ms, &changed, err);
    if (st == MM_OK && changed)
        cat->data_version++; /* the notification is taken: catalog_data_version shows it */
    return st;
}

int catalog_change_fd(const mm_catalog *cat)
{
    return db_wait_fd(cat->db);
}

void catalog_set_actor(mm_catalog *cat, const char *actor)
{
    if (mm_present(actor))
        mm_copy(cat->actor, sizeof cat->actor, actor);
    else
        default_actor(cat->actor, sizeof cat->actor);
}

const char *catalog_actor(mm_catalog *cat)
{
    if (!cat->actor[0])
        default_actor(cat->actor, sizeof cat->actor);
    return cat->actor;
}
