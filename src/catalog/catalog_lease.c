/* The prober lease: one row per lease name (holder, expiry) taken or renewed with one atomic
 * upsert that succeeds only when the lease is free, expired or already ours. */
#include "catalog/catalog_internal.h"

#include <string.h>

#include "util/clock.h"
#include "util/text.h"

static mm_status validate_lease(const char *lease, const char *holder, mm_error *err)
{
    mm_status st = val_text("lease", "lease name", lease ? lease : "", MM_NAME_MAX, false, err);
    if (st == MM_OK)
        st = val_text("holder", "lease holder", holder ? holder : "", 256, false, err);
    return st;
}

static mm_status acquire_row(mm_catalog *cat, const char *lease, const char *holder, int64_t ttl_ms,
                             bool *acquired, mm_error *err)
{
    db_stmt *stmt;
    mm_status st = cat_prepare(cat,
                               "INSERT INTO leases(name, holder, expires_ms) VALUES (?1, ?2, ?3) "
                               "ON CONFLICT(name) DO UPDATE SET holder = excluded.holder, "
                               "expires_ms = excluded.expires_ms "
                               "WHERE leases.holder = excluded.holder OR leases.expires_ms <= ?4",
                               &stmt, err);
    if (st != MM_OK)
        return st;
    int64_t now = mm_now_ms();
    cat_bind_text(stmt, 1, lease);
    cat_bind_text(stmt, 2, holder);
    db_bind_int64(stmt, 3, now + ttl_ms);
    db_bind_int64(stmt, 4, now);
    int64_t changes = 0;
    st = cat_step_changes(cat, stmt, "taking the lease", &changes, err);
    *acquired = st == MM_OK && changes > 0;
    return st;
}

mm_status catalog_lease_acquire(mm_catalog *cat, const char *lease, const char *holder,
                                int64_t ttl_ms, bool *acquired, mm_error *err)
{
    *acquired = false;
    mm_status st = validate_lease(lease, holder, err);
    if (st == MM_OK && ttl_ms <= 0)
        st = mm_error_set(err, MM_E_INVALID, "ttl", "a lease needs a positive duration");
    if (st == MM_OK)
        st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    st = cat_end(cat, acquire_row(cat, lease, holder, ttl_ms, acquired, err), err);
    if (st != MM_OK)
        *acquired = false;
    return st;
}

static mm_status release_row(mm_catalog *cat, const char *lease, const char *holder, mm_error *err)
{
    db_stmt *stmt;
    mm_status st =
        cat_prepare(cat, "DELETE FROM leases WHERE name = ?1 AND holder = ?2", &stmt, err);
    if (st != MM_OK)
        return st;
    cat_bind_text(stmt, 1, lease);
    cat_bind_text(stmt, 2, holder);
    return cat_step_done(cat, stmt, "releasing the lease", err);
}

mm_status catalog_lease_release(mm_catalog *cat, const char *lease, const char *holder,
                                mm_error *err)
{
    mm_status st = validate_lease(lease, holder, err);
    if (st == MM_OK)
        st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    return cat_end(cat, release_row(cat, lease, holder, err), err);
}

mm_status catalog_lease_holder(mm_catalog *cat, const char *lease, char *holder, size_t holdersz,
                               int64_t *expires_ms, mm_error *err)
{
    if (holdersz > 0)
        holder[0] = '\0';
    if (expires_ms)
        *expires_ms = 0;
    db_stmt *stmt;
    mm_status st = cat_prepare(cat,
                               "SELECT holder, expires_ms FROM leases WHERE name = ?1 AND "
                               "expires_ms > ?2",
                               &stmt, err);
    if (st != MM_OK)
        return st;
    cat_bind_text(stmt, 1, lease);
    db_bind_int64(stmt, 2, mm_now_ms());
    int rc = db_step(stmt);
    if (rc == DB_ROW) {
        if (holdersz > 0)
            cat_column_copy(stmt, 0, holder, holdersz);
        if (expires_ms)
            *expires_ms = db_column_int64(stmt, 1);
    } else if (rc != DB_DONE) {
        st = cat_db_error(cat, "reading the lease", err);
    }
    db_finalize(stmt);
    return st;
}
