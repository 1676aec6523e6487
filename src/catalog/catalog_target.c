/* A logical model's fallback chain: adding a target at a priority (the others shift down),
 * removing one (the gap closes) and moving one, keeping UNIQUE(model_id, priority) throughout. */
#include "catalog/catalog_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/chain_rules.h"
#include "util/clock.h"

mm_status cat_read_targets(mm_catalog *cat, int64_t model_id, mm_target *targets, size_t *count,
                           mm_error *err)
{
    *count = 0;
    db_stmt *stmt;
    mm_status st = cat_prepare(cat,
                               "SELECT t.id, t.priority, a.name, t.provider_model FROM targets t "
                               "JOIN accounts a ON a.id = t.account_id WHERE t.model_id = ?1 "
                               "ORDER BY t.priority",
                               &stmt, err);
    if (st != MM_OK)
        return st;
    db_bind_int64(stmt, 1, model_id);
    int rc;
    while ((rc = db_step(stmt)) == DB_ROW && *count < MM_MAX_TARGETS) {
        mm_target *t = &targets[(*count)++];
        memset(t, 0, sizeof *t);
        t->id = db_column_int64(stmt, 0);
        t->priority = (int)db_column_int64(stmt, 1);
        cat_column_copy(stmt, 2, t->account, sizeof t->account);
        cat_column_copy(stmt, 3, t->model, sizeof t->model);
    }
    if (rc != DB_DONE && rc != DB_ROW)
        st = cat_db_error(cat, "reading the targets", err);
    db_finalize(stmt);
    return st;
}

mm_status cat_each_target(mm_catalog *cat, cat_target_fn fn, void *ctx, mm_error *err)
{
    db_stmt *stmt;
    mm_status st = cat_prepare(cat,
                               "SELECT t.model_id, t.id, t.priority, a.name, t.provider_model "
                               "FROM targets t JOIN accounts a ON a.id = t.account_id "
                               "ORDER BY t.model_id, t.priority",
                               &stmt, err);
    if (st != MM_OK)
        return st;
    mm_target t;
    int rc;
    while ((rc = db_step(stmt)) == DB_ROW) {
        memset(&t, 0, sizeof t);
        t.id = db_column_int64(stmt, 1);
        t.priority = (int)db_column_int64(stmt, 2);
        cat_column_copy(stmt, 3, t.account, sizeof t.account);
        cat_column_copy(stmt, 4, t.model, sizeof t.model);
        fn(db_column_int64(stmt, 0), &t, ctx);
    }
    if (rc != DB_DONE)
        st = cat_db_error(cat, "reading the targets", err);
    db_finalize(stmt);
    return st;
}

mm_status cat_model_slots_new(cat_model_slots *slots, size_t count, mm_error *err)
{
    memset(slots, 0, sizeof *slots);
    slots->items = malloc((count ? count : 1) * sizeof *slots->items);
    if (!slots->items)
        return cat_out_of_memory(err);
    slots->count = count;
    return MM_OK;
}

static int slot_by_id(const void *a, const void *b)
{
    const cat_model_slot *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

void cat_model_slots_ready(cat_model_slots *slots)
{
    qsort(slots->items, slots->count, sizeof *slots->items, slot_by_id);
    slots->at = 0;
}

size_t cat_model_slot_seek(cat_model_slots *slots, int64_t model_id)
{
    while (slots->at < slots->count && slots->items[slots->at].id < model_id)
        slots->at++;
    if (slots->at == slots->count || slots->items[slots->at].id != model_id)
        return SIZE_MAX;
    return slots->items[slots->at].index;
}

typedef struct full_targets {
    cat_model_slots slots;
    mm_model *models;
} full_targets;

static void add_full_target(int64_t model_id, const mm_target *t, void *ctx)
{
    full_targets *ft = ctx;
    size_t index = cat_model_slot_seek(&ft->slots, model_id);
    if (index == SIZE_MAX || ft->models[index].n_targets >= MM_MAX_TARGETS)
        return; /* a model created after the list was read, or past the longest chain */
    mm_model *m = &ft->models[index];
    m->targets[m->n_targets++] = *t;
}

mm_status cat_read_all_targets(mm_catalog *cat, mm_model *models, size_t count, mm_error *err)
{
    full_targets ft = {.models = models};
    mm_status st = cat_model_slots_new(&ft.slots, count, err);
    if (st != MM_OK)
        return st;
    for (size_t i = 0; i < count; i++) {
        ft.slots.items[i] = (cat_model_slot){models[i].id, i};
        models[i].n_targets = 0;
    }
    cat_model_slots_ready(&ft.slots);
    st = cat_each_target(cat, add_full_target, &ft, err);
    free(ft.slots.items);
    return st;
}

/* The chain being edited: model id and name, and its targets before the change. */
typedef struct chain {
    int64_t model_id;
    char model[MM_NAME_MAX];
    mm_target targets[MM_MAX_TARGETS];
    size_t count;
} chain;

static mm_status load_chain(mm_catalog *cat, const char *model, chain *ch, mm_error *err)
{
    memset(ch, 0, sizeof *ch);
    mm_status st = cat_model_id(cat, model, &ch->model_id, err);
    if (st != MM_OK)
        return st;
    snprintf(ch->model, sizeof ch->model, "%s", model);
    return cat_read_targets(cat, ch->model_id, ch->targets, &ch->count, err);
}

/* Runs a statement over one model's targets: ?1 model id, ?2 a priority, ?3 (if used) another. */
static mm_status run_shift(mm_catalog *cat, const char *sql, int64_t model_id, int priority,
                           int other, mm_error *err)
{
    db_stmt *stmt;
    mm_status st = cat_prepare(cat, sql, &stmt, err);
    if (st != MM_OK)
        return st;
    db_bind_int64(stmt, 1, model_id); /* a parameter the statement lacks is ignored */
    db_bind_int64(stmt, 2, priority);
    db_bind_int64(stmt, 3, other);
    return cat_step_done(cat, stmt, "reordering the targets", err);
}

/* Priorities were parked as negatives (away from UNIQUE clashes); bring them back. */
static mm_status unpark(mm_catalog *cat, int64_t model_id, mm_error *err)
{
    return run_shift(cat,
                     "UPDATE targets SET priority = -priority WHERE model_id = ?1 AND "
                     "priority < 0",
                     model_id, 0, 0, err);
}

/* Shifts priorities with sql (which parks them as negatives), then brings them back. */
static mm_status shift_parked(mm_catalog *cat, const char *sql, int64_t model_id, int priority,
                              int other, mm_error *err)
{
    mm_status st = run_shift(cat, sql, model_id, priority, other, err);
    return st == MM_OK ? unpark(cat, model_id, err) : st;
}

/* Audits the change and touches the model's updated time (its version is not bumped: a chain
 * edit does not conflict with a description edit). */
static mm_status record_chain_change(mm_catalog *cat, const char *action, const chain *before,
                                     mm_error *err)
{
    chain after;
    mm_status st = load_chain(cat, before->model, &after, err);
    db_stmt *stmt;
    if (st == MM_OK)
        st = cat_prepare(cat, "UPDATE models SET updated_ms = ?1 WHERE id = ?2", &stmt, err);
    if (st == MM_OK) {
        db_bind_int64(stmt, 1, mm_now_ms());
        db_bind_int64(stmt, 2, before->model_id);
        st = cat_step_done(cat, stmt, "updating the model", err);
    }
    if (st == MM_OK)
        st = cat_audit(cat, action, "target", before->model,
                       cat_targets_json(before->model, before->targets, before->count),
                       cat_targets_json(after.model, after.targets, after.count), err);
    return st;
}

static mm_status check_new_target(const chain *ch, const char *account, const char *provider_model,
                                  int *priority, mm_error *err)
{
    if (ch->count >= MM_MAX_TARGETS)
        return mm_error_set(err, MM_E_INVALID, "priority",
                            "%s already has %d targets, the longest chain allowed; remove one "
                            "first",
                            ch->model, MM_MAX_TARGETS);
    if (*priority == 0)
        *priority = (int)ch->count + 1;
    if (*priority < 1 || *priority > (int)ch->count + 1)
        return mm_error_set(err, MM_E_INVALID, "priority",
                            "the priority must be from 1 to %zu (1 is tried first; %zu adds at "
                            "the end of %s's chain)",
                            ch->count + 1, ch->count + 1, ch->model);
    for (size_t i = 0; i < ch->count; i++)
        if (strcmp(ch->targets[i].account, account) == 0 &&
            strcmp(ch->targets[i].model, provider_model) == 0)
            return mm_error_set(err, MM_E_EXISTS, "model",
                                "%s already has the target %s / %s at priority %d; move it "
                                "instead of adding it twice",
                                ch->model, account, provider_model, ch->targets[i].priority);
    return MM_OK;
}

/* Refuses a target whose account's provider has no API for the model's type (an Anthropic
 * account on an image model); the rule and its sentence: mm_chain_provider_lacks_api. */
static mm_status check_provider_api(mm_catalog *cat, const char *model, int64_t model_id,
                                    const char *account, int64_t account_id, mm_error *err)
{
    db_stmt *stmt;
    mm_status st = cat_prepare(cat,
                               "SELECT m.type, a.provider FROM models m, accounts a "
                               "WHERE m.id = ?1 AND a.id = ?2",
                               &stmt, err);
    if (st != MM_OK)
        return st;
    db_bind_int64(stmt, 1, model_id);
    db_bind_int64(stmt, 2, account_id);
    char type[16] = "", provider[MM_PROVIDER_ID_MAX] = "", why[400];
    int rc = db_step(stmt);
    if (rc == DB_ROW) {
        cat_column_copy(stmt, 0, type, sizeof type);
        cat_column_copy(stmt, 1, provider, sizeof provider);
    } else if (rc != DB_DONE)
        st = cat_db_error(cat, "reading the model's type", err);
    db_finalize(stmt);
    if (st == MM_OK && mm_chain_provider_lacks_api(type, model, account, provider, why, sizeof why))
        st = mm_error_set(err, MM_E_INVALID, "account", "%s", why);
    return st;
}

static mm_status add_row(mm_catalog *cat, const char *model, const char *account,
                         const char *provider_model, int priority, mm_error *err)
{
    chain ch;
    int64_t account_id = 0;
    mm_status st = load_chain(cat, model, &ch, err);
    if (st == MM_OK)
        st = cat_account_id(cat, account, &account_id, err);
    if (st == MM_OK)
        st = check_provider_api(cat, model, ch.model_id, account, account_id, err);
    if (st == MM_OK)
        st = check_new_target(&ch, account, provider_model, &priority, err);
    if (st == MM_OK)
        st = shift_parked(cat,
                          "UPDATE targets SET priority = -(priority + 1) WHERE model_id = ?1 AND "
                          "priority >= ?2",
                          ch.model_id, priority, 0, err);
    db_stmt *stmt;
    if (st == MM_OK)
        st = cat_prepare(cat,
                         "INSERT INTO targets(model_id, account_id, provider_model, priority) "
                         "VALUES (?1, ?2, ?3, ?4)",
                         &stmt, err);
    if (st == MM_OK) {
        db_bind_int64(stmt, 1, ch.model_id);
        db_bind_int64(stmt, 2, account_id);
        cat_bind_text(stmt, 3, provider_model);
        db_bind_int64(stmt, 4, priority);
        st = cat_step_done(cat, stmt, "adding the target", err);
    }
    if (st == MM_OK)
        st = record_chain_change(cat, "add", &ch, err);
    return st;
}

mm_status catalog_target_add(mm_catalog *cat, const char *model, const char *account,
                             const char *provider_model, int priority, mm_error *err)
{
    mm_status st = val_text("model", "provider model name", provider_model ? provider_model : "",
                            MM_PROVIDER_MODEL_MAX, false, err);
    if (st == MM_OK)
        st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    return cat_end(cat, add_row(cat, model, account, provider_model, priority, err), err);
}

static mm_status check_priority(const chain *ch, int priority, mm_error *err)
{
    if (ch->count == 0)
        return mm_error_set(err, MM_E_NOT_FOUND, "priority", "%s has no targets yet; add one first",
                            ch->model);
    if (priority < 1 || priority > (int)ch->count)
        return mm_error_set(err, MM_E_NOT_FOUND, "priority",
                            "%s has no target at priority %d; its chain has priorities 1 to %zu",
                            ch->model, priority, ch->count);
    return MM_OK;
}

static mm_status remove_row(mm_catalog *cat, const char *model, int priority, mm_error *err)
{
    chain ch;
    mm_status st = load_chain(cat, model, &ch, err);
    if (st == MM_OK)
        st = check_priority(&ch, priority, err);
    if (st == MM_OK)
        st = run_shift(cat, "DELETE FROM targets WHERE model_id = ?1 AND priority = ?2",
                       ch.model_id, priority, 0, err);
    if (st == MM_OK)
        st = shift_parked(cat,
                          "UPDATE targets SET priority = -(priority - 1) WHERE model_id = ?1 AND "
                          "priority > ?2",
                          ch.model_id, priority, 0, err);
    if (st == MM_OK)
        st = record_chain_change(cat, "remove", &ch, err);
    return st;
}

mm_status catalog_target_remove(mm_catalog *cat, const char *model, int priority, mm_error *err)
{
    mm_status st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    return cat_end(cat, remove_row(cat, model, priority, err), err);
}

static mm_status move_row(mm_catalog *cat, const char *model, int from, int to, mm_error *err)
{
    chain ch;
    mm_status st = load_chain(cat, model, &ch, err);
    if (st == MM_OK)
        st = check_priority(&ch, from, err);
    if (st == MM_OK)
        st = check_priority(&ch, to, err);
    if (st != MM_OK || from == to)
        return st;
    /* park the moving target at 0, shift the ones between, then drop it at `to` */
    st = run_shift(cat, "UPDATE targets SET priority = 0 WHERE model_id = ?1 AND priority = ?2",
                   ch.model_id, from, 0, err);
    if (st == MM_OK)
        st = shift_parked(cat,
                          from < to ? "UPDATE targets SET priority = -(priority - 1) WHERE "
                                      "model_id = ?1 AND priority > ?2 AND priority <= ?3"
                                    : "UPDATE targets SET priority = -(priority + 1) WHERE "
                                      "model_id = ?1 AND priority >= ?3 AND priority < ?2",
                          ch.model_id, from, to, err);
    if (st == MM_OK)
        st = run_shift(cat, "UPDATE targets SET priority = ?2 WHERE model_id = ?1 AND priority = 0",
                       ch.model_id, to, 0, err);
    if (st == MM_OK)
        st = record_chain_change(cat, "move", &ch, err);
    return st;
}

mm_status catalog_target_move(mm_catalog *cat, const char *model, int from, int to, mm_error *err)
{
    mm_status st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    return cat_end(cat, move_row(cat, model, from, to, err), err);
}
