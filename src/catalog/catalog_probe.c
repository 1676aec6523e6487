/* Connection-test and probe results: the account's last test (account_status), its discovered
 * models, and recording a finished test or probe with its usage event in one transaction. */
#include "catalog/probe.h"

#include <stdint.h>
#include <string.h>

#include "catalog/catalog_internal.h"
#include "util/clock.h"
#include "util/hash_index.h"
#include "util/text.h"

static mm_status test_result_row(mm_catalog *cat, int64_t id, bool ok, const char *error_class,
                                 const char *message, int64_t latency_ms, int64_t tested_ms,
                                 mm_error *err)
{
    db_stmt *stmt;
    mm_status st =
        cat_prepare(cat,
                    "INSERT INTO account_status(account_id, tested_ms, ok, class, message, "
                    "latency_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(account_id) DO "
                    "UPDATE SET tested_ms = excluded.tested_ms, ok = excluded.ok, "
                    "class = excluded.class, message = excluded.message, "
                    "latency_ms = excluded.latency_ms",
                    &stmt, err);
    if (st != MM_OK)
        return st;
    char cls[MM_CLASS_MAX], text[MM_MESSAGE_MAX];
    mm_sanitize(cls, sizeof cls, error_class ? error_class : "", SIZE_MAX);
    mm_sanitize(text, sizeof text, message ? message : "", SIZE_MAX);
    db_bind_int64(stmt, 1, id);
    db_bind_int64(stmt, 2, tested_ms);
    db_bind_int64(stmt, 3, ok ? 1 : 0);
    cat_bind_text(stmt, 4, cls);
    cat_bind_text(stmt, 5, text);
    db_bind_int64(stmt, 6, latency_ms);
    return cat_step_done(cat, stmt, "recording the test result", err);
}

mm_status catalog_account_set_test_result(mm_catalog *cat, const char *name, bool ok,
                                          const char *error_class, const char *message,
                                          int64_t latency_ms, mm_error *err)
{
    int64_t id = 0;
    mm_status st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    st = cat_account_id(cat, name, &id, err);
    if (st == MM_OK)
        st = test_result_row(cat, id, ok, error_class, message, latency_ms, mm_now_ms(), err);
    if (st == MM_OK) /* not audited, but the consoles' Accounts pages show the last test */
        st = db_notify_change(cat->db, err);
    return cat_end(cat, st, err);
}

static mm_status discovered_rows(mm_catalog *cat, int64_t id, const char *const *model_ids,
                                 size_t count, mm_error *err)
{
    db_stmt *del, *ins;
    mm_status st =
        cat_prepare(cat, "DELETE FROM discovered_models WHERE account_id = ?1", &del, err);
    if (st == MM_OK) {
        db_bind_int64(del, 1, id);
        st = cat_step_done(cat, del, "replacing discovered models", err);
    }
    if (st == MM_OK)
        st = cat_prepare(cat,
                         "INSERT INTO discovered_models(account_id, model) "
                         "VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                         &ins, err);
    if (st != MM_OK)
        return st;
    for (size_t i = 0; i < count && st == MM_OK; i++) {
        char model[MM_PROVIDER_MODEL_MAX];
        mm_sanitize(model, sizeof model, model_ids[i] ? model_ids[i] : "", SIZE_MAX);
        if (model[0] == '\0')
            continue;
        db_bind_int64(ins, 1, id);
        cat_bind_text(ins, 2, model);
        if (db_step(ins) != DB_DONE)
            st = cat_db_error(cat, "storing discovered models", err);
        db_reset(ins);
    }
    db_finalize(ins);
    return st;
}

mm_status catalog_account_set_discovered(mm_catalog *cat, const char *name,
                                         const char *const *model_ids, size_t count, mm_error *err)
{
    int64_t id = 0;
    mm_status st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    st = cat_account_id(cat, name, &id, err);
    if (st == MM_OK)
        st = discovered_rows(cat, id, model_ids, count, err);
    return cat_end(cat, st, err);
}

mm_status catalog_account_discovered(mm_catalog *cat, const char *name, mm_string_list *out,
                                     mm_error *err)
{
    memset(out, 0, sizeof *out);
    int64_t id = 0;
    mm_status st = cat_account_id(cat, name, &id, err);
    db_stmt *stmt;
    if (st == MM_OK)
        st = cat_prepare(cat,
                         "SELECT model FROM discovered_models WHERE account_id = ?1 "
                         "ORDER BY model",
                         &stmt, err);
    if (st != MM_OK)
        return st;
    db_bind_int64(stmt, 1, id);
    int rc;
    while ((rc = db_step(stmt)) == DB_ROW)
        if (!mm_string_list_append(out, db_column_text(stmt, 0))) {
            st = cat_out_of_memory(err);
            break;
        }
    if (st == MM_OK && rc != DB_DONE)
        st = cat_db_error(cat, "listing discovered models", err);
    db_finalize(stmt);
    if (st != MM_OK)
        mm_string_list_free(out);
    return st;
}

void catalog_probe_event(mm_usage_event *ev, const char *account, const char *provider,
                         const mm_call_result *res, int64_t ts_ms)
{
    memset(ev, 0, sizeof *ev);
    ev->ts_ms = ts_ms;
    mm_copy(ev->kind, sizeof ev->kind, "probe");
    mm_copy(ev->account, sizeof ev->account, account);
    mm_copy(ev->provider, sizeof ev->provider, provider);
    mm_copy(ev->outcome, sizeof ev->outcome, mm_error_class_name(res->ok ? MM_CLASS_OK : res->cls));
    ev->http_status = res->http_status;
    ev->latency_ms = res->latency_ms;
    ev->retry_after_ms = res->retry_after_ms;
    ev->cost_micros = 0; /* listing models is free */
    mm_sanitize(ev->message, sizeof ev->message, res->ok ? "" : res->message, SIZE_MAX);
}

static mm_status record_one(mm_catalog *cat, mm_probe_record *rec, mm_error *err)
{
    mm_usage_event *ev = &rec->event;
    if (strcmp(ev->kind, "probe") != 0)
        return mm_error_set(err, MM_E_INVALID, "kind",
                            "a test result is recorded as a probe, not as '%.16s'", ev->kind);
    mm_status st = cat_usage_insert(cat, ev, err);
    int64_t id = 0;
    if (st == MM_OK)
        st = cat_account_id(cat, ev->account, &id, err);
    if (st == MM_E_NOT_FOUND) { /* deleted meanwhile: the event stays, by name */
        mm_error_clear(err);
        return MM_OK;
    }
    bool ok = strcmp(ev->outcome, "ok") == 0;
    if (st == MM_OK)
        st = test_result_row(cat, id, ok, ev->outcome, ev->message, ev->latency_ms, ev->ts_ms, err);
    if (st == MM_OK && ok && rec->discovered)
        st = discovered_rows(cat, id, (const char *const *)rec->discovered->items,
                             rec->discovered->count, err);
    return st;
}

/* The records in one transaction; *transaction (when asked for) its id, noted first. */
static mm_status record_all(mm_catalog *cat, mm_probe_record *records, size_t count,
                            int64_t *transaction, mm_error *err)
{
    mm_status st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    if (transaction)
        st = cat_write_transaction(cat, transaction, err);
    for (size_t i = 0; i < count && st == MM_OK; i++)
        st = record_one(cat, &records[i], err);
    if (st == MM_OK) /* the last tests changed: one wake for the batch, as for a test */
        st = db_notify_change(cat->db, err);
    st = cat_end(cat, st, err);
    if (st != MM_OK)
        for (size_t i = 0; i < count; i++)
            records[i].event.id = 0; /* rolled back: none was stored */
    return st;
}

mm_status catalog_probe_record(mm_catalog *cat, mm_probe_record *records, size_t count,
                               mm_error *err)
{
    return count ? record_all(cat, records, count, NULL, err) : MM_OK;
}

/* The records' events (time, account, latency, outcome), hashed: FNV-1a over them. */
static uint64_t fingerprint_of(const mm_probe_record *records, size_t count)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < count; i++) {
        const mm_usage_event *ev = &records[i].event;
        const uint64_t parts[] = {(uint64_t)ev->ts_ms, mm_hash_string(ev->account),
                                  (uint64_t)ev->latency_ms, mm_hash_string(ev->outcome)};
        for (size_t k = 0; k < sizeof parts / sizeof parts[0]; k++)
            h = (h ^ parts[k]) * 1099511628211ull;
    }
    return h;
}

/* Before writing again: the last failed write, if it may have been made, asked about (made:
 * its records join the done ones). A retry state of other records (the batch was dropped and
 * refilled) is reset. */
static mm_status resolve_unsure(mm_catalog *cat, const mm_probe_record *records, size_t count,
                                mm_write_retry *retry, mm_error *err)
{
    size_t known = retry->done + retry->unsure;
    if (known && (known > count || fingerprint_of(records, known) != retry->fingerprint))
        *retry = (mm_write_retry){0};
    if (!retry->transaction)
        return MM_OK;
    mm_write_outcome outcome;
    mm_status st = catalog_write_outcome(cat, retry->transaction, &outcome, err);
    if (st != MM_OK)
        return st;
    if (outcome == MM_WRITE_RUNNING)
        return mm_error_set(err, MM_E_DB, "",
                            "the catalog's server is still committing a write of probe results");
    if (outcome == MM_WRITE_DONE)
        retry->done += retry->unsure;
    retry->transaction = 0;
    retry->unsure = 0;
    return MM_OK;
}

mm_status catalog_probe_record_retry(mm_catalog *cat, mm_probe_record *records, size_t count,
                                     mm_write_retry *retry, mm_error *err)
{
    retry->found = 0;
    mm_status st = resolve_unsure(cat, records, count, retry, err);
    if (st != MM_OK)
        return st;
    size_t rest = count - retry->done;
    int64_t transaction = 0;
    st = rest ? record_all(cat, records + retry->done, rest, &transaction, err) : MM_OK;
    if (st == MM_OK) {
        *retry = (mm_write_retry){.found = retry->done};
        return MM_OK;
    }
    if (transaction) { /* its COMMIT may have been made: asked about before the next write */
        retry->transaction = transaction;
        retry->unsure = rest;
    }
    retry->fingerprint = fingerprint_of(records, retry->done + retry->unsure);
    return st;
}
