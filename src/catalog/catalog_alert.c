/* Alerts and their deliveries in the catalog (alerts.h): one open incident per rule and
 * subject (a partial unique index), resolve and acknowledge, and the delivery record. */
#include "catalog/alerts.h"

#include <string.h>

#include "catalog/catalog_internal.h"
#include "util/text.h"

#define ALERT_COLUMNS                                                                              \
    "id, rule, subject, severity, why, value, started_ms, fired_ms, resolved_ms, resolved_why, "   \
    "acked_ms, acked_by"

mm_status catalog_alert_fire(mm_catalog *cat, mm_alert *alert, mm_error *err)
{
    mm_status st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    db_stmt *stmt;
    st =
        cat_prepare(cat,
                    "INSERT INTO alerts(rule, subject, severity, why, value, started_ms, fired_ms) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING RETURNING id",
                    &stmt, err);
    if (st == MM_OK) {
        cat_bind_text(stmt, 1, alert->rule);
        cat_bind_text(stmt, 2, alert->subject);
        cat_bind_text(stmt, 3, alert->severity);
        cat_bind_text(stmt, 4, alert->why);
        db_bind_double(stmt, 5, alert->value);
        db_bind_int64(stmt, 6, alert->started_ms);
        db_bind_int64(stmt, 7, alert->fired_ms);
        st = cat_step_insert(cat, stmt, "recording an alert", &alert->id, err);
    }
    if (st == MM_OK && alert->id == 0)
        st = mm_error_set(err, MM_E_EXISTS, NULL, "an alert %s for %s is already open", alert->rule,
                          alert->subject);
    if (st == MM_OK) /* not audited, but the consoles' Alerts pages follow it */
        st = db_notify_change(cat->db, err);
    return cat_end(cat, st, err);
}

mm_status catalog_alert_resolve(mm_catalog *cat, int64_t id, int64_t ts_ms, const char *why,
                                mm_error *err)
{
    mm_status st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    db_stmt *stmt;
    st = cat_prepare(cat,
                     "UPDATE alerts SET resolved_ms = ?2, resolved_why = ?3 "
                     "WHERE id = ?1 AND resolved_ms = 0",
                     &stmt, err);
    int64_t changes = 0;
    if (st == MM_OK) {
        db_bind_int64(stmt, 1, id);
        db_bind_int64(stmt, 2, ts_ms > 0 ? ts_ms : 1);
        cat_bind_text(stmt, 3, why ? why : "");
        st = cat_step_changes(cat, stmt, "resolving an alert", &changes, err);
    }
    if (st == MM_OK && changes == 0)
        st = mm_error_set(err, MM_E_NOT_FOUND, NULL, "alert %lld is not open", (long long)id);
    if (st == MM_OK)
        st = db_notify_change(cat->db, err);
    return cat_end(cat, st, err);
}

static void read_alert(db_stmt *stmt, void *item)
{
    mm_alert *a = item;
    memset(a, 0, sizeof *a);
    a->id = db_column_int64(stmt, 0);
    cat_column_copy(stmt, 1, a->rule, sizeof a->rule);
    cat_column_copy(stmt, 2, a->subject, sizeof a->subject);
    cat_column_copy(stmt, 3, a->severity, sizeof a->severity);
    cat_column_copy(stmt, 4, a->why, sizeof a->why);
    a->value = db_column_double(stmt, 5);
    a->started_ms = db_column_int64(stmt, 6);
    a->fired_ms = db_column_int64(stmt, 7);
    a->resolved_ms = db_column_int64(stmt, 8);
    cat_column_copy(stmt, 9, a->resolved_why, sizeof a->resolved_why);
    a->acked_ms = db_column_int64(stmt, 10);
    cat_column_copy(stmt, 11, a->acked_by, sizeof a->acked_by);
}

static void bind_id(db_stmt *stmt, const void *ctx)
{
    db_bind_int64(stmt, 1, *(const int64_t *)ctx);
}

mm_status catalog_alert_get(mm_catalog *cat, int64_t id, mm_alert *out, mm_error *err)
{
    bool found = false;
    mm_status st = cat_read_row(cat, "SELECT " ALERT_COLUMNS " FROM alerts WHERE id = ?1", bind_id,
                                &id, read_alert, out, &found, "reading an alert", err);
    if (st == MM_OK && !found)
        st = mm_error_set(err, MM_E_NOT_FOUND, "id",
                          "no alert %lld: 'mmadmin alerts --all' lists them with their ids",
                          (long long)id);
    return st;
}

mm_status catalog_alert_ack(mm_catalog *cat, int64_t id, const char *who, int64_t ts_ms,
                            mm_error *err)
{
    mm_alert alert;
    mm_status st = catalog_alert_get(cat, id, &alert, err);
    if (st != MM_OK || alert.acked_ms)
        return st;
    if ((st = cat_begin(cat, err)) != MM_OK)
        return st;
    db_stmt *stmt;
    st = cat_prepare(cat, "UPDATE alerts SET acked_ms = ?2, acked_by = ?3 WHERE id = ?1", &stmt,
                     err);
    if (st == MM_OK) {
        db_bind_int64(stmt, 1, id);
        db_bind_int64(stmt, 2, ts_ms > 0 ? ts_ms : 1);
        cat_bind_text(stmt, 3, who ? who : "");
        st = cat_step_done(cat, stmt, "acknowledging an alert", err);
    }
    char name[64];
    snprintf(name, sizeof name, "%lld", (long long)id);
    if (st == MM_OK)
        st = cat_audit(cat, "acknowledge", "alert", name, NULL,
                       json_pack("{s:s,s:s}", "rule", alert.rule, "subject", alert.subject), err);
    return cat_end(cat, st, err);
}

static void bind_limit(db_stmt *stmt, const void *ctx)
{
    db_bind_int64(stmt, 1, (int64_t) * (const size_t *)ctx);
}

mm_status catalog_alert_list(mm_catalog *cat, bool open_only, size_t limit, mm_alert_list *out,
                             mm_error *err)
{
    const char *sql =
        open_only ? "SELECT " ALERT_COLUMNS " FROM alerts WHERE resolved_ms = 0 "
                    "ORDER BY fired_ms DESC, id DESC LIMIT ?1"
                  : "SELECT " ALERT_COLUMNS " FROM alerts "
                    "ORDER BY resolved_ms <> 0, COALESCE(NULLIF(resolved_ms, 0), fired_ms) DESC, "
                    "id DESC LIMIT ?1";
    return cat_collect_rows(cat, sql, bind_limit, &limit, read_alert, sizeof *out->items,
                            (void **)&out->items, &out->count, "listing alerts", err);
}

void mm_alert_list_free(mm_alert_list *list)
{
    if (list)
        cat_free_rows((void **)&list->items, &list->count);
}

mm_status catalog_alert_delivery_insert(mm_catalog *cat, mm_alert_delivery *d, mm_error *err)
{
    mm_status st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    db_stmt *stmt;
    st = cat_prepare(cat,
                     "INSERT INTO alert_deliveries(alert_id, event, channel, target, attempt, "
                     "ts_ms, ok, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
                     &stmt, err);
    if (st == MM_OK) {
        db_bind_int64(stmt, 1, d->alert_id);
        cat_bind_text(stmt, 2, d->event);
        cat_bind_text(stmt, 3, d->channel);
        cat_bind_text(stmt, 4, d->target);
        db_bind_int64(stmt, 5, d->attempt);
        db_bind_int64(stmt, 6, d->ts_ms);
        db_bind_int64(stmt, 7, d->ok);
        char detail[MM_MESSAGE_MAX];
        mm_sanitize(detail, sizeof detail, d->detail, strlen(d->detail));
        cat_bind_text(stmt, 8, detail);
        st = cat_step_insert(cat, stmt, "recording an alert delivery", &d->id, err);
    }
    return cat_end(cat, st, err);
}

static void read_delivery(db_stmt *stmt, void *item)
{
    mm_alert_delivery *d = item;
    memset(d, 0, sizeof *d);
    d->id = db_column_int64(stmt, 0);
    d->alert_id = db_column_int64(stmt, 1);
    cat_column_copy(stmt, 2, d->event, sizeof d->event);
    cat_column_copy(stmt, 3, d->channel, sizeof d->channel);
    cat_column_copy(stmt, 4, d->target, sizeof d->target);
    d->attempt = (int)db_column_int64(stmt, 5);
    d->ts_ms = db_column_int64(stmt, 6);
    d->ok = (int)db_column_int64(stmt, 7) != 0;
    cat_column_copy(stmt, 8, d->detail, sizeof d->detail);
}

typedef struct delivery_query {
    int64_t alert_id;
    size_t limit;
} delivery_query;

static void bind_delivery_query(db_stmt *stmt, const void *ctx)
{
    const delivery_query *q = ctx;
    db_bind_int64(stmt, 1, q->alert_id);
    db_bind_int64(stmt, 2, (int64_t)q->limit);
}

mm_status catalog_alert_delivery_list(mm_catalog *cat, int64_t alert_id, size_t limit,
                                      mm_alert_delivery_list *out, mm_error *err)
{
    delivery_query q = {alert_id, limit};
    return cat_collect_rows(cat,
                            "SELECT id, alert_id, event, channel, target, attempt, ts_ms, ok, "
                            "detail FROM alert_deliveries WHERE ?1 = 0 OR alert_id = ?1 "
                            "ORDER BY id DESC LIMIT ?2",
                            bind_delivery_query, &q, read_delivery, sizeof *out->items,
                            (void **)&out->items, &out->count, "listing alert deliveries", err);
}

void mm_alert_delivery_list_free(mm_alert_delivery_list *list)
{
    if (list)
        cat_free_rows((void **)&list->items, &list->count);
}
