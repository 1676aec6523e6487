/* The lean lists of rows.h: each row read one at a time (one full struct in memory, reused) and
 * kept as numbers plus strings in the list's pool; expanding a row back to the full struct. */
#include "catalog/rows.h"

#include <stdlib.h>
#include <string.h>

#include "catalog/catalog_internal.h"
#include "util/text.h"

mm_status cat_each_row(mm_catalog *cat, const char *sql, cat_row_reader read_row, size_t item_size,
                       cat_item_fn fn, void *ctx, const char *doing, mm_error *err)
{
    db_stmt *stmt;
    mm_status st = cat_prepare(cat, sql, &stmt, err);
    if (st != MM_OK)
        return st;
    void *item = malloc(item_size);
    db_step_result rc = DB_DONE;
    while (item && (rc = db_step(stmt)) == DB_ROW) {
        read_row(stmt, item);
        fn(item, ctx);
    }
    if (!item)
        st = cat_out_of_memory(err);
    else if (rc != DB_DONE)
        st = cat_db_error(cat, doing, err);
    free(item);
    db_finalize(stmt);
    return st;
}

/* What a list being read carries: the array, its room, and whether memory ran out. */
typedef struct rows_build {
    void **items;
    size_t *count;
    size_t capacity;
    size_t item_size;
    mm_string_pool *pool;
    bool failed;
} rows_build;

/* A new zeroed row at the end, or NULL (failed set) when out of memory. */
static void *next_row(rows_build *b)
{
    if (b->failed || !mm_grow(b->items, &b->capacity, *b->count, b->item_size)) {
        b->failed = true;
        return NULL;
    }
    void *row = (char *)*b->items + (*b->count)++ * b->item_size;
    memset(row, 0, b->item_size);
    return row;
}

/* s in the pool; "" (and failed set) when out of memory. */
static const char *keep(rows_build *b, const char *s)
{
    const char *kept = mm_string_pool_add(b->pool, s);
    if (!kept)
        b->failed = true;
    return kept ? kept : "";
}

/* The array cut to its rows (the doubling's room given back), or the error once failed. */
static mm_status finish(rows_build *b, mm_status st, mm_error *err)
{
    if (st == MM_OK && b->failed)
        st = cat_out_of_memory(err);
    if (st == MM_OK && *b->count && b->capacity > *b->count) {
        void *cut = realloc(*b->items, *b->count * b->item_size);
        if (cut)
            *b->items = cut;
    }
    return st;
}

static int compare_names(const char *name, const char *row_name)
{
    return strcmp(name, row_name);
}

/* ---- accounts ---- */

static void add_account(const mm_account *a, void *ctx)
{
    rows_build *b = ctx;
    mm_account_row *r = next_row(b);
    if (!r)
        return;
    r->id = a->id;
    r->name = keep(b, a->name);
    r->provider = keep(b, a->provider);
    r->endpoint = keep(b, a->endpoint);
    r->api_version = keep(b, a->api_version);
    r->ca_bundle = keep(b, a->ca_bundle);
    r->key_hint = keep(b, a->key_hint);
    r->disabled_reason = keep(b, a->disabled_reason);
    r->last_test_class = keep(b, a->last_test_class);
    r->last_test_message = keep(b, a->last_test_message);
    r->rpm = a->rpm;
    r->tpm = a->tpm;
    r->monthly_cap_cents = a->monthly_cap_cents;
    r->version = a->version;
    r->created_ms = a->created_ms;
    r->updated_ms = a->updated_ms;
    r->last_test_ms = a->last_test_ms;
    r->last_test_latency_ms = a->last_test_latency_ms;
    r->has_key = a->has_key;
    r->enabled = a->enabled;
    r->last_test_ok = a->last_test_ok;
}

mm_status catalog_account_rows(mm_catalog *cat, mm_account_rows *out, mm_error *err)
{
    memset(out, 0, sizeof *out);
    rows_build b = {(void **)&out->items, &out->count, 0, sizeof *out->items, &out->pool, false};
    mm_status st = catalog_account_each(cat, add_account, &b, err);
    return finish(&b, st, err);
}

void mm_account_row_expand(const mm_account_row *r, mm_account *a)
{
    memset(a, 0, sizeof *a);
    a->id = r->id;
    mm_copy(a->name, sizeof a->name, r->name);
    mm_copy(a->provider, sizeof a->provider, r->provider);
    mm_copy(a->endpoint, sizeof a->endpoint, r->endpoint);
    mm_copy(a->api_version, sizeof a->api_version, r->api_version);
    mm_copy(a->ca_bundle, sizeof a->ca_bundle, r->ca_bundle);
    mm_copy(a->key_hint, sizeof a->key_hint, r->key_hint);
    mm_copy(a->disabled_reason, sizeof a->disabled_reason, r->disabled_reason);
    mm_copy(a->last_test_class, sizeof a->last_test_class, r->last_test_class);
    mm_copy(a->last_test_message, sizeof a->last_test_message, r->last_test_message);
    a->rpm = r->rpm;
    a->tpm = r->tpm;
    a->monthly_cap_cents = r->monthly_cap_cents;
    a->version = r->version;
    a->created_ms = r->created_ms;
    a->updated_ms = r->updated_ms;
    a->last_test_ms = r->last_test_ms;
    a->last_test_latency_ms = r->last_test_latency_ms;
    a->has_key = r->has_key;
    a->enabled = r->enabled;
    a->last_test_ok = r->last_test_ok;
}

static int account_row_compare(const void *name, const void *row)
{
    return compare_names(name, ((const mm_account_row *)row)->name);
}

const mm_account_row *mm_account_rows_find(const mm_account_rows *rows, const char *name)
{
    if (!name || !rows->count)
        return NULL;
    return bsearch(name, rows->items, rows->count, sizeof *rows->items, account_row_compare);
}

size_t mm_account_rows_bytes(const mm_account_rows *rows)
{
    return rows->count * sizeof *rows->items + mm_string_pool_bytes(&rows->pool);
}

void mm_account_rows_free(mm_account_rows *rows)
{
    free(rows->items);
    mm_string_pool_free(&rows->pool);
    memset(rows, 0, sizeof *rows);
}

/* ---- models and their chains ---- */

typedef struct models_build {
    rows_build rows;
    mm_model_rows *out;
    cat_model_slots slots; /* the rows by id, for the targets (read by model id) */
    size_t targets_capacity;
} models_build;

static void add_model(const void *item, void *ctx)
{
    const mm_model *m = item;
    models_build *mb = ctx;
    mm_model_row *r = next_row(&mb->rows);
    if (!r)
        return;
    r->id = m->id;
    r->name = keep(&mb->rows, m->name);
    r->type = keep(&mb->rows, m->type);
    r->description = keep(&mb->rows, m->description);
    r->version = m->version;
    r->created_ms = m->created_ms;
    r->updated_ms = m->updated_ms;
    r->n_entitled = m->n_entitled;
}

static void add_target(int64_t model_id, const mm_target *t, void *ctx)
{
    models_build *mb = ctx;
    mm_model_rows *out = mb->out;
    size_t index = cat_model_slot_seek(&mb->slots, model_id);
    if (index == SIZE_MAX)
        return; /* a model created after the models were read */
    mm_model_row *m = &out->items[index];
    if (m->n_targets >= MM_MAX_TARGETS || mb->rows.failed)
        return;
    if (!mm_grow((void **)&out->targets, &mb->targets_capacity, out->n_targets,
                 sizeof *out->targets)) {
        mb->rows.failed = true;
        return;
    }
    if (m->n_targets == 0)
        m->first_target = out->n_targets;
    mm_target_row *r = &out->targets[out->n_targets++];
    r->id = t->id;
    r->priority = t->priority;
    r->account = keep(&mb->rows, t->account);
    r->model = keep(&mb->rows, t->model);
    m->n_targets++;
}

mm_status catalog_model_rows(mm_catalog *cat, bool chains, mm_model_rows *out, mm_error *err)
{
    memset(out, 0, sizeof *out);
    models_build mb = {
        .rows = {(void **)&out->items, &out->count, 0, sizeof *out->items, &out->pool, false},
        .out = out};
    mm_status st = cat_model_each(cat, add_model, &mb, err);
    if (st == MM_OK && chains && !mb.rows.failed)
        st = cat_model_slots_new(&mb.slots, out->count, err);
    if (st == MM_OK && chains && !mb.rows.failed) {
        for (size_t i = 0; i < out->count; i++)
            mb.slots.items[i] = (cat_model_slot){out->items[i].id, i};
        cat_model_slots_ready(&mb.slots);
        st = cat_each_target(cat, add_target, &mb, err);
    }
    free(mb.slots.items);
    st = finish(&mb.rows, st, err);
    if (st == MM_OK && out->n_targets && mb.targets_capacity > out->n_targets) {
        mm_target_row *cut = realloc(out->targets, out->n_targets * sizeof *out->targets);
        if (cut)
            out->targets = cut;
    }
    return st;
}

void mm_model_row_expand(const mm_model_rows *rows, size_t i, mm_model *m)
{
    const mm_model_row *r = &rows->items[i];
    memset(m, 0, sizeof *m);
    m->id = r->id;
    mm_copy(m->name, sizeof m->name, r->name);
    mm_copy(m->type, sizeof m->type, r->type);
    mm_copy(m->description, sizeof m->description, r->description);
    m->version = r->version;
    m->created_ms = r->created_ms;
    m->updated_ms = r->updated_ms;
    m->n_entitled = r->n_entitled;
    m->n_targets = r->n_targets;
    for (size_t k = 0; k < r->n_targets; k++) {
        const mm_target_row *t = &rows->targets[r->first_target + k];
        m->targets[k].id = t->id;
        m->targets[k].priority = t->priority;
        mm_copy(m->targets[k].account, sizeof m->targets[k].account, t->account);
        mm_copy(m->targets[k].model, sizeof m->targets[k].model, t->model);
    }
}

static int model_row_compare(const void *name, const void *row)
{
    return compare_names(name, ((const mm_model_row *)row)->name);
}

const mm_model_row *mm_model_rows_find(const mm_model_rows *rows, const char *name)
{
    if (!name || !rows->count)
        return NULL;
    return bsearch(name, rows->items, rows->count, sizeof *rows->items, model_row_compare);
}

size_t mm_model_rows_bytes(const mm_model_rows *rows)
{
    return rows->count * sizeof *rows->items + rows->n_targets * sizeof *rows->targets +
           mm_string_pool_bytes(&rows->pool);
}

void mm_model_rows_free(mm_model_rows *rows)
{
    free(rows->items);
    free(rows->targets);
    mm_string_pool_free(&rows->pool);
    memset(rows, 0, sizeof *rows);
}

/* ---- workspaces ---- */

static void add_workspace(const void *item, void *ctx)
{
    const mm_workspace *w = item;
    rows_build *b = ctx;
    mm_workspace_row *r = next_row(b);
    if (!r)
        return;
    r->id = w->id;
    r->name = keep(b, w->name);
    r->description = keep(b, w->description);
    r->version = w->version;
    r->created_ms = w->created_ms;
    r->updated_ms = w->updated_ms;
    r->n_entitlements = w->n_entitlements;
}

mm_status catalog_workspace_rows(mm_catalog *cat, mm_workspace_rows *out, mm_error *err)
{
    memset(out, 0, sizeof *out);
    rows_build b = {(void **)&out->items, &out->count, 0, sizeof *out->items, &out->pool, false};
    mm_status st = cat_workspace_each(cat, add_workspace, &b, err);
    return finish(&b, st, err);
}

void mm_workspace_row_expand(const mm_workspace_row *r, mm_workspace *w)
{
    memset(w, 0, sizeof *w);
    w->id = r->id;
    mm_copy(w->name, sizeof w->name, r->name);
    mm_copy(w->description, sizeof w->description, r->description);
    w->version = r->version;
    w->created_ms = r->created_ms;
    w->updated_ms = r->updated_ms;
    w->n_entitlements = r->n_entitlements;
}

static int workspace_row_compare(const void *name, const void *row)
{
    return compare_names(name, ((const mm_workspace_row *)row)->name);
}

const mm_workspace_row *mm_workspace_rows_find(const mm_workspace_rows *rows, const char *name)
{
    if (!name || !rows->count)
        return NULL;
    return bsearch(name, rows->items, rows->count, sizeof *rows->items, workspace_row_compare);
}

size_t mm_workspace_rows_bytes(const mm_workspace_rows *rows)
{
    return rows->count * sizeof *rows->items + mm_string_pool_bytes(&rows->pool);
}

void mm_workspace_rows_free(mm_workspace_rows *rows)
{
    free(rows->items);
    mm_string_pool_free(&rows->pool);
    memset(rows, 0, sizeof *rows);
}
