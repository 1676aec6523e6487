/* Usage rollups maintained on write: each transaction's events summed per account per minute and
 * per day and per workspace x model per day, flushed as one upsert a row before COMMIT. */
#include "catalog/catalog_internal.h"
#include "catalog/db_array.h"
#include "catalog/db_engine_sqlite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash_index.h"
#include "util/histogram.h"
#include "util/clock.h"
#include "util/text.h"

#define DAY_MS 86400000LL
#define MINUTE_MS 60000LL

typedef enum rollup_grain { GRAIN_MINUTE, GRAIN_DAY } rollup_grain;

static const char *const GRAIN_TABLE[] = {"usage_rollup_minute", "usage_rollup_day"};
static const int64_t GRAIN_MS[] = {MINUTE_MS, DAY_MS};

typedef enum rollup_scope { SCOPE_ACCOUNT, SCOPE_WORKSPACE } rollup_scope;

static const char *const SCOPE_NAME[] = {"account", "workspace"};

/* The first ms of the grain's bucket holding ts_ms (floored, also before 1970). */
static int64_t grain_start(int64_t ts_ms, rollup_grain grain)
{
    int64_t start = ts_ms - ts_ms % GRAIN_MS[grain];
    return ts_ms < 0 && ts_ms % GRAIN_MS[grain] ? start - GRAIN_MS[grain] : start;
}

typedef struct rollup_key {
    rollup_grain grain;
    rollup_scope scope;
    int64_t start_ms;
    char name[MM_NAME_MAX];
    char model[MM_NAME_MAX]; /* "" for an account */
    char kind[8];
} rollup_key;

/* A key being looked up: the names point into the event (copied only when the row is new), the
 * hash made from the event's string hashes, computed once an event. */
typedef struct rollup_probe {
    rollup_grain grain;
    rollup_scope scope;
    int64_t start_ms;
    const char *name, *model, *kind;
    uint32_t hash;
} rollup_probe;

typedef struct rollup_entry {
    rollup_key key;
    mm_usage_rollup sums;
    mm_histogram latency; /* successful events */
    mm_histogram ttft;    /* minutes: successful streamed events' time to first token */
    bool stored_merged;   /* PostgreSQL: its stored row's sketch is merged in (read_stored) */
} rollup_entry;

struct cat_rollup_pending {
    rollup_entry *items;
    size_t count, capacity;
    mm_hash_index index;
    int64_t minutes_from_ms; /* events before it get no minute rollup (set per transaction) */
    /* PostgreSQL: the transaction's first event id; the flush's stored-sketch read checks that
     * every event before it is in the rollups (0: no check) */
    int64_t check_below_id;
    db_stmt *upsert[2];  /* reused by every flush, per grain (db_insert_rows; SQLite) */
    db_stmt *stored;     /* PostgreSQL: the stored sketches' read (merge_stored_sketches) */
    db_stmt *upsert_all; /* PostgreSQL: both grains and the position (write_rollups_pg) */
    db_stmt *positions;  /* cat_rollup_read_positions' query, reused (a send reads it 3 times) */
    db_stmt *upto;       /* SQLite: write_upto's upsert, reused */
};

/* ---- the rules an event is counted by ---- */

bool cat_usage_is_fault(const char *outcome, int http_status)
{
    if (strcmp(outcome, "ok") == 0)
        return false;
    return !mm_error_class_is_request_outcome(mm_error_class_parse(outcome), http_status);
}

bool catalog_usage_has_ttft(const mm_usage_event *ev)
{
    return ev->streamed && ev->ttft_ms >= 0 && strcmp(ev->outcome, "ok") == 0;
}

static bool is_request_error(const char *outcome, int http_status)
{
    return strcmp(outcome, "ok") != 0 && !cat_usage_is_fault(outcome, http_status);
}

bool cat_usage_is_served(const char *outcome, int http_status)
{
    return strcmp(outcome, "ok") == 0 ||
           (strcmp(outcome, "bad_request") == 0 && http_status != 408);
}

static void add_event(mm_usage_rollup *s, const mm_usage_event *ev)
{
    int64_t cost = ev->cost_micros > 0 ? ev->cost_micros : 0;
    s->events++;
    s->errors += cat_usage_is_fault(ev->outcome, ev->http_status);
    s->request_errors += is_request_error(ev->outcome, ev->http_status);
    s->rate_limited += strcmp(ev->outcome, "rate_limited") == 0;
    s->tokens_in += ev->tokens_in;
    s->tokens_out += ev->tokens_out;
    s->tokens_cache_read += ev->tokens_cache_read;
    s->tokens_cache_write += ev->tokens_cache_write;
    s->usage_estimated += ev->usage_estimated ? 1 : 0;
    s->cost_micros += cost;
    s->unpriced += ev->cost_micros < 0;
    if (cat_usage_is_served(ev->outcome, ev->http_status)) {
        s->served++;
        s->served_tokens += ev->tokens_in + ev->tokens_out;
        s->served_cost_micros += cost;
    }
}

/* ---- the pending sums of the open transaction ---- */

static bool key_matches(const void *data, size_t position, const void *probe)
{
    const rollup_key *a = &((const rollup_entry *)data)[position].key;
    const rollup_probe *b = probe;
    return a->grain == b->grain && a->start_ms == b->start_ms && a->scope == b->scope &&
           strcmp(a->name, b->name) == 0 && strcmp(a->model, b->model) == 0 &&
           strcmp(a->kind, b->kind) == 0;
}

static uint32_t probe_hash(const rollup_probe *k, uint32_t name_hash, uint32_t model_hash,
                           uint32_t kind_hash)
{
    uint32_t h = mm_hash_pair(name_hash, model_hash);
    h = mm_hash_pair(h, (uint32_t)(k->start_ms / MINUTE_MS) ^ (uint32_t)k->grain);
    return mm_hash_pair(h, kind_hash ^ (uint32_t)k->scope);
}

static rollup_probe probe_of(const rollup_key *key)
{
    rollup_probe k = {.grain = key->grain,
                      .scope = key->scope,
                      .start_ms = key->start_ms,
                      .name = key->name,
                      .model = key->model,
                      .kind = key->kind};
    k.hash =
        probe_hash(&k, mm_hash_string(k.name), mm_hash_string(k.model), mm_hash_string(k.kind));
    return k;
}

static rollup_entry *entry_for(cat_rollup_pending *p, const rollup_probe *probe)
{
    long at = mm_hash_index_find(&p->index, probe->hash, probe, key_matches, p->items);
    if (at >= 0)
        return &p->items[at];
    if (!mm_grow((void **)&p->items, &p->capacity, p->count, sizeof *p->items) ||
        !mm_hash_index_add(&p->index, probe->hash, p->count))
        return NULL;
    rollup_entry *e = &p->items[p->count++];
    memset(&e->sums, 0, sizeof e->sums);
    e->stored_merged = false;
    e->key.grain = probe->grain;
    e->key.scope = probe->scope;
    e->key.start_ms = probe->start_ms;
    mm_copy(e->key.name, sizeof e->key.name, probe->name);
    mm_copy(e->key.model, sizeof e->key.model, probe->model);
    mm_copy(e->key.kind, sizeof e->key.kind, probe->kind);
    mm_histogram_init(&e->latency);
    mm_histogram_init(&e->ttft);
    return e;
}

/* One event's hashes and its contribution to a row's sums, worked out once for its rows. */
typedef struct event_fold {
    const mm_usage_event *ev;
    uint32_t account_hash, workspace_hash, model_hash, empty_hash, kind_hash;
    mm_usage_rollup sums;
    int bucket; /* its latency bucket, or -1: the sketch is of successful events */
    bool ttft;  /* a successful streamed event with a time to first token (minute sketches) */
} event_fold;

static void add_sums(mm_usage_rollup *to, const mm_usage_rollup *s)
{
    to->events += s->events;
    to->errors += s->errors;
    to->request_errors += s->request_errors;
    to->rate_limited += s->rate_limited;
    to->tokens_in += s->tokens_in;
    to->tokens_out += s->tokens_out;
    to->tokens_cache_read += s->tokens_cache_read;
    to->tokens_cache_write += s->tokens_cache_write;
    to->usage_estimated += s->usage_estimated;
    to->cost_micros += s->cost_micros;
    to->unpriced += s->unpriced;
    to->served += s->served;
    to->served_tokens += s->served_tokens;
    to->served_cost_micros += s->served_cost_micros;
}

static bool fold_into(cat_rollup_pending *p, rollup_grain grain, rollup_scope scope,
                      const event_fold *f)
{
    const mm_usage_event *ev = f->ev;
    rollup_probe k = {.grain = grain,
                      .scope = scope,
                      .name = scope == SCOPE_ACCOUNT ? ev->account : ev->workspace,
                      .model = scope == SCOPE_ACCOUNT ? "" : ev->model,
                      .kind = ev->kind};
    k.start_ms = grain_start(ev->ts_ms, grain);
    k.hash = probe_hash(&k, scope == SCOPE_ACCOUNT ? f->account_hash : f->workspace_hash,
                        scope == SCOPE_ACCOUNT ? f->empty_hash : f->model_hash, f->kind_hash);
    rollup_entry *e = entry_for(p, &k);
    if (!e)
        return false;
    add_sums(&e->sums, &f->sums);
    if (grain == GRAIN_MINUTE && f->ttft && !mm_histogram_add(&e->ttft, ev->ttft_ms))
        return false;
    return f->bucket < 0 || mm_histogram_add_in_bucket(&e->latency, f->bucket, ev->latency_ms);
}

/* The catalog's pending rollups (allocated at first use: sums, reused statements); NULL with
 * err set when memory ran out. */
static cat_rollup_pending *pending_of(mm_catalog *cat, mm_error *err)
{
    if (!cat->rollups && !(cat->rollups = calloc(1, sizeof *cat->rollups)))
        cat_out_of_memory(err);
    return cat->rollups;
}

mm_status cat_rollup_fold(mm_catalog *cat, const mm_usage_event *ev, mm_error *err)
{
    cat_rollup_pending *p = pending_of(cat, err);
    if (!p)
        return MM_E_INTERNAL;
    /* minute rollups cover the recent hours only: an older event (a backlog, an import) would
     * add rows the next prune deletes */
    if (p->count == 0)
        p->minutes_from_ms = mm_now_ms() - MM_ROLLUP_MINUTE_KEEP_MS;
    bool recent = ev->ts_ms >= p->minutes_from_ms;
    bool request = strcmp(ev->kind, "request") == 0;
    event_fold f = {.ev = ev,
                    .account_hash = mm_hash_string(ev->account),
                    .workspace_hash = request ? mm_hash_string(ev->workspace) : 0,
                    .model_hash = request ? mm_hash_string(ev->model) : 0,
                    .empty_hash = mm_hash_string(""),
                    .kind_hash = mm_hash_string(ev->kind)};
    add_event(&f.sums, ev);
    f.bucket = strcmp(ev->outcome, "ok") == 0 && ev->latency_ms >= 0
                   ? mm_histogram_bucket_of(ev->latency_ms)
                   : -1; /* the sketch is of successful events */
    f.ttft = catalog_usage_has_ttft(ev);
    bool ok = (!recent || fold_into(p, GRAIN_MINUTE, SCOPE_ACCOUNT, &f)) &&
              fold_into(p, GRAIN_DAY, SCOPE_ACCOUNT, &f);
    if (ok && request)
        ok = fold_into(p, GRAIN_DAY, SCOPE_WORKSPACE, &f);
    return ok ? MM_OK : cat_out_of_memory(err);
}

bool cat_rollup_is_empty(const mm_catalog *cat)
{
    return !cat->rollups || cat->rollups->count == 0;
}

void cat_rollup_discard(mm_catalog *cat)
{
    cat_rollup_pending *p = cat->rollups;
    if (!p)
        return;
    for (size_t i = 0; i < p->count; i++) {
        mm_histogram_free(&p->items[i].latency);
        mm_histogram_free(&p->items[i].ttft);
    }
    p->count = 0;
    p->check_below_id = 0;
    mm_hash_index_free(&p->index);
}

void cat_rollup_free(mm_catalog *cat)
{
    cat_rollup_discard(cat);
    if (cat->rollups) {
        db_finalize(cat->rollups->upsert[GRAIN_MINUTE]);
        db_finalize(cat->rollups->upsert[GRAIN_DAY]);
        db_finalize(cat->rollups->stored);
        db_finalize(cat->rollups->upsert_all);
        db_finalize(cat->rollups->positions);
        db_finalize(cat->rollups->upto);
        free(cat->rollups->items);
    }
    free(cat->rollups);
    cat->rollups = NULL;
}

/* ---- writing them ---- */

#define SUM_COLUMNS                                                                                \
    "events, errors, request_errors, rate_limited, tokens_in, tokens_out, tokens_cache_read, "     \
    "tokens_cache_write, usage_estimated, cost_micros, unpriced, served, served_tokens, "          \
    "served_cost_micros"
#define UPSERT_HEAD(table, extra)                                                                  \
    "INSERT INTO " table " AS r (scope, name, model, kind, start_ms, " SUM_COLUMNS                 \
    ", latency" extra ")"
#define UPSERT_TAIL                                                                                \
    "ON CONFLICT (scope, name, model, start_ms, kind) DO UPDATE SET "                              \
    "events = r.events + excluded.events, "                                                        \
    "errors = r.errors + excluded.errors, "                                                        \
    "request_errors = r.request_errors + excluded.request_errors, "                                \
    "rate_limited = r.rate_limited + excluded.rate_limited, "                                      \
    "tokens_in = r.tokens_in + excluded.tokens_in, "                                               \
    "tokens_out = r.tokens_out + excluded.tokens_out, "                                            \
    "tokens_cache_read = r.tokens_cache_read + excluded.tokens_cache_read, "                       \
    "tokens_cache_write = r.tokens_cache_write + excluded.tokens_cache_write, "                    \
    "usage_estimated = r.usage_estimated + excluded.usage_estimated, "                             \
    "cost_micros = r.cost_micros + excluded.cost_micros, "                                         \
    "unpriced = r.unpriced + excluded.unpriced, "                                                  \
    "served = r.served + excluded.served, "                                                        \
    "served_tokens = r.served_tokens + excluded.served_tokens, "                                   \
    "served_cost_micros = r.served_cost_micros + excluded.served_cost_micros, "                    \
    "latency = "
#define SUM_COUNT 14
#define UPTO_KEY "rollups_upto_id" /* meta: events up to this id are in the rollups */

/* The sums in SUM_COLUMNS order. */
static void sums_of(const mm_usage_rollup *s, int64_t values[SUM_COUNT])
{
    const int64_t all[SUM_COUNT] = {s->events,
                                    s->errors,
                                    s->request_errors,
                                    s->rate_limited,
                                    s->tokens_in,
                                    s->tokens_out,
                                    s->tokens_cache_read,
                                    s->tokens_cache_write,
                                    s->usage_estimated,
                                    s->cost_micros,
                                    s->unpriced,
                                    s->served,
                                    s->served_tokens,
                                    s->served_cost_micros};
    memcpy(values, all, sizeof all);
}

static void bind_sums(db_stmt *stmt, int first, const mm_usage_rollup *s)
{
    int64_t values[SUM_COUNT];
    sums_of(s, values);
    for (int i = 0; i < SUM_COUNT; i++)
        db_bind_int64(stmt, first + i, values[i]);
}

/* An encoded sketch (util/histogram's encoding); data NULL for an empty TTFT sketch (stored as
 * NULL: most minutes have no streamed success). */
typedef struct encoded_sketch {
    unsigned char *data;
    size_t size;
} encoded_sketch;

/* h encoded into *out (out->data NULL when h is empty and empty_is_null); false when out of
 * memory. */
static bool encode_sketch(const mm_histogram *h, bool empty_is_null, encoded_sketch *out)
{
    out->data = NULL;
    out->size = 0;
    if (empty_is_null && h->count == 0)
        return true;
    out->size = mm_histogram_encoded_size(h);
    if (!(out->data = malloc(out->size)))
        return false;
    mm_histogram_encode(h, out->data);
    return true;
}

/* One grain's pending rows being written: rows[i] indexes the pending items; latency[i] and
 * ttft[i] (minutes only) are their encoded sketches. */
typedef struct grain_rows {
    const cat_rollup_pending *p;
    size_t *rows, count;
    encoded_sketch *latency, *ttft;
} grain_rows;

static void bind_row(db_stmt *stmt, int first, size_t row, void *ctx)
{
    const grain_rows *g = ctx;
    const rollup_entry *e = &g->p->items[g->rows[row]];
    db_bind_text_static(stmt, first, SCOPE_NAME[e->key.scope]);
    db_bind_text_static(stmt, first + 1, e->key.name);
    db_bind_text_static(stmt, first + 2, e->key.model);
    db_bind_text_static(stmt, first + 3, e->key.kind);
    db_bind_int64(stmt, first + 4, e->key.start_ms);
    bind_sums(stmt, first + 5, &e->sums);
    db_bind_blob(stmt, first + 19, g->latency[row].data, g->latency[row].size);
    if (e->key.grain != GRAIN_MINUTE)
        return;
    if (g->ttft[row].data)
        db_bind_blob(stmt, first + 20, g->ttft[row].data, g->ttft[row].size);
    else
        db_bind_null(stmt, first + 20);
}

/* Merges the sketch in stmt's column (NULL: an empty TTFT sketch) into h; false when it is
 * malformed or memory ran out. */
static bool sketch_merge_column(mm_histogram *h, db_stmt *stmt, int index)
{
    if (db_column_is_null(stmt, index))
        return true;
    size_t len = 0;
    const void *data = db_column_blob(stmt, index, &len);
    return mm_histogram_merge_encoded(h, data, len);
}

/* The stored rows of the pending keys k of one grain, each found by its primary key: their
 * latency sketch and ttft (the minutes' TTFT sketch, NULL for none and for days). */
#define STORED_SKETCHES(grain, table, ttft)                                                        \
    "SELECT k.grain, k.scope, k.name, k.model, k.kind, k.start_ms, r.latency, " ttft " FROM k "    \
    "JOIN " table                                                                                  \
    " r ON r.scope = k.scope COLLATE \"C\" AND r.name = k.name COLLATE \"C\" AND r.model = "       \
    "k.model COLLATE \"C\" AND r.start_ms = k.start_ms AND r.kind = k.kind COLLATE \"C\" "         \
    "WHERE k.grain = " grain
enum { STORED_KEY_COLUMNS = 6 };

/* The rollups' position and the newest event before the transaction's first (?7), as two rows
 * of the stored-sketch read (grain -1 and -2, the id in start_ms): none when ?7 is 0. */
#define POSITIONS_BELOW                                                                            \
    "SELECT -1, '', '', '', '', coalesce((SELECT convert_from(value, 'UTF8')::bigint FROM meta "   \
    "WHERE key = '" UPTO_KEY "'), 0), NULL::bytea, NULL::bytea WHERE ?7::bigint > 0 UNION ALL "    \
    "SELECT -2, '', '', '', '', (SELECT coalesce(max(id), 0) FROM usage_events WHERE id < "        \
    "?7::bigint), NULL, NULL WHERE ?7::bigint > 0"
enum { POSITION_UPTO = -1, POSITION_TOP = -2 };

/* The pending keys whose stored sketch is not merged yet, as column arrays (?1 .. ?6). */
static mm_status unmerged_keys(const cat_rollup_pending *p, db_array keys[STORED_KEY_COLUMNS],
                               const char *text[STORED_KEY_COLUMNS], mm_error *err)
{
    for (size_t i = 0; i < p->count; i++) {
        const rollup_key *key = &p->items[i].key;
        if (p->items[i].stored_merged)
            continue;
        db_array_int64(&keys[0], key->grain == GRAIN_DAY);
        db_array_text(&keys[1], SCOPE_NAME[key->scope]);
        db_array_text(&keys[2], key->name);
        db_array_text(&keys[3], key->model);
        db_array_text(&keys[4], key->kind);
        db_array_int64(&keys[5], key->start_ms);
    }
    for (int c = 0; c < STORED_KEY_COLUMNS; c++)
        if (!(text[c] = db_array_text_of(&keys[c])))
            return cat_out_of_memory(err);
    return MM_OK;
}

/* One row of the stored-sketch read: a stored sketch merged into its pending row, or a
 * position (*upto, *top). */
static mm_status merge_stored_row(cat_rollup_pending *p, db_stmt *stmt, int64_t *upto, int64_t *top,
                                  mm_error *err)
{
    int64_t grain = db_column_int64(stmt, 0);
    if (grain == POSITION_UPTO || grain == POSITION_TOP) {
        *(grain == POSITION_UPTO ? upto : top) = db_column_int64(stmt, 5);
        return MM_OK;
    }
    rollup_key key = {.grain = grain ? GRAIN_DAY : GRAIN_MINUTE,
                      .start_ms = db_column_int64(stmt, 5)};
    char scope[16];
    cat_column_copy(stmt, 1, scope, sizeof scope);
    key.scope = strcmp(scope, "workspace") == 0 ? SCOPE_WORKSPACE : SCOPE_ACCOUNT;
    cat_column_copy(stmt, 2, key.name, sizeof key.name);
    cat_column_copy(stmt, 3, key.model, sizeof key.model);
    cat_column_copy(stmt, 4, key.kind, sizeof key.kind);
    rollup_probe probe = probe_of(&key);
    long at = mm_hash_index_find(&p->index, probe.hash, &probe, key_matches, p->items);
    if (at >= 0 && (!sketch_merge_column(&p->items[at].latency, stmt, 6) ||
                    !sketch_merge_column(&p->items[at].ttft, stmt, 7)))
        return mm_error_set(err, MM_E_DB, "",
                            "a stored latency sketch is malformed or memory ran out while "
                            "updating the usage rollups");
    return MM_OK;
}

/* PostgreSQL: the stored sketches of the pending rows not merged yet (both grains) merged into
 * theirs (the write lock is ours), read in one query (prepared once, reused by every flush): the
 * keys as column arrays, each looked up by the tables' primary keys (as many rows as the batch
 * has, whatever the number of accounts), matched here by key. The same round trip reads the
 * rollups' position when check_below_id is set (*upto, *top; else both 0). */
static mm_status read_stored(mm_catalog *cat, int64_t *upto, int64_t *top, mm_error *err)
{
    cat_rollup_pending *p = cat->rollups;
    *upto = *top = 0;
    db_array keys[STORED_KEY_COLUMNS];
    for (int c = 0; c < STORED_KEY_COLUMNS; c++)
        db_array_init(&keys[c]);
    const char *text[STORED_KEY_COLUMNS];
    mm_status st = unmerged_keys(p, keys, text, err);
    if (st == MM_OK && !p->stored)
        st = cat_prepare(cat,
                         "WITH k AS (SELECT unnest(?1::int[]) AS grain, unnest(?2::text[]) AS "
                         "scope, unnest(?3::text[]) AS name, unnest(?4::text[]) AS model, "
                         "unnest(?5::text[]) AS kind, unnest(?6::bigint[]) AS start_ms) "      /**/
                         STORED_SKETCHES("0", "usage_rollup_minute", "r.ttft") " UNION ALL "   /**/
                         STORED_SKETCHES("1", "usage_rollup_day", "NULL::bytea") " UNION ALL " /**/
                         POSITIONS_BELOW,
                         &p->stored, err);
    if (st == MM_OK) {
        db_stmt *stmt = p->stored;
        for (int c = 0; c < STORED_KEY_COLUMNS; c++)
            cat_bind_text(stmt, c + 1, text[c]);
        db_bind_int64(stmt, STORED_KEY_COLUMNS + 1, p->check_below_id);
        db_step_result rc;
        while (st == MM_OK && (rc = db_step(stmt)) == DB_ROW)
            st = merge_stored_row(p, stmt, upto, top, err);
        if (st == MM_OK && rc != DB_DONE)
            st = cat_db_error(cat, "reading the usage rollups", err);
        db_reset(stmt);
    }
    for (size_t i = 0; i < p->count && st == MM_OK; i++)
        p->items[i].stored_merged = true;
    for (int c = 0; c < STORED_KEY_COLUMNS; c++)
        db_array_free(&keys[c]);
    return st;
}

typedef struct catch_up_ctx {
    mm_catalog *cat;
    int64_t below_id; /* events from it on are folded already (0: none) */
    bool failed;
} catch_up_ctx;

static void fold_caught_up(const mm_usage_event *ev, void *ctx)
{
    catch_up_ctx *c = ctx;
    mm_error ignored;
    if ((c->below_id == 0 || ev->id < c->below_id) &&
        cat_rollup_fold(c->cat, ev, &ignored) != MM_OK)
        c->failed = true;
}

/* Folds the events after upto (and before below_id, when not 0) into the pending sums. */
static mm_status fold_since(mm_catalog *cat, int64_t upto, int64_t below_id, mm_error *err)
{
    catch_up_ctx c = {.cat = cat, .below_id = below_id};
    mm_status st = catalog_usage_since_id(cat, upto, 0, fold_caught_up, &c, NULL, err);
    if (st == MM_OK && c.failed)
        st = cat_out_of_memory(err);
    return st;
}

/* PostgreSQL: the stored sketches merged, and the events written around the rollups before the
 * transaction's first (plain SQL; rare) folded in, their rows' stored sketches read in turn. */
static mm_status merge_stored_sketches(mm_catalog *cat, mm_error *err)
{
    cat_rollup_pending *p = cat->rollups;
    int64_t upto = 0, top = 0;
    mm_status st = read_stored(cat, &upto, &top, err);
    if (st != MM_OK || top <= upto)
        return st;
    st = fold_since(cat, upto, p->check_below_id, err);
    p->check_below_id = 0;
    return st == MM_OK ? read_stored(cat, &upto, &top, err) : st;
}

static void free_sketches(grain_rows *g)
{
    for (size_t i = 0; g->latency && i < g->count; i++)
        free(g->latency[i].data);
    for (size_t i = 0; g->ttft && i < g->count; i++)
        free(g->ttft[i].data);
    free(g->latency);
    free(g->ttft);
    free(g->rows);
}

/* SQLite's upsert a grain (db_insert_rows' head, columns and tail): the stored sketches merged
 * by mm_latency_merge; a minute's TTFT sketch too (NULL: none, the stored one kept). */
#define GRAIN_UPSERT_TAIL UPSERT_TAIL "mm_latency_merge(r.latency, excluded.latency)"
static const char *const GRAIN_HEAD[] = {UPSERT_HEAD("usage_rollup_minute", ", ttft"),
                                         UPSERT_HEAD("usage_rollup_day", "")};
static const int GRAIN_COLUMNS[] = {21, 20};
static const char *const GRAIN_TAIL[] = {GRAIN_UPSERT_TAIL
                                         ", ttft = CASE WHEN excluded.ttft IS NULL THEN r.ttft "
                                         "ELSE mm_latency_merge(r.ttft, excluded.ttft) END",
                                         GRAIN_UPSERT_TAIL};

/* One grain's pending rows as one db_insert_rows upsert (SQLite: the reused one-row statement,
 * stepped per row). */
static mm_status write_grain(mm_catalog *cat, rollup_grain grain, mm_error *err)
{
    cat_rollup_pending *p = cat->rollups;
    grain_rows g = {.p = p};
    g.rows = malloc(p->count * sizeof *g.rows);
    g.latency = calloc(p->count, sizeof *g.latency);
    g.ttft = calloc(p->count, sizeof *g.ttft);
    mm_status st = g.rows && g.latency && g.ttft ? MM_OK : cat_out_of_memory(err);
    for (size_t i = 0; i < p->count && st == MM_OK; i++)
        if (p->items[i].key.grain == grain)
            g.rows[g.count++] = i;
    for (size_t i = 0; i < g.count && st == MM_OK; i++) {
        const rollup_entry *e = &p->items[g.rows[i]];
        if (!encode_sketch(&e->latency, false, &g.latency[i]) ||
            !encode_sketch(&e->ttft, true, &g.ttft[i]))
            st = cat_out_of_memory(err);
    }
    if (st == MM_OK && g.count &&
        db_insert_rows(cat->db, GRAIN_HEAD[grain], NULL, GRAIN_COLUMNS[grain], GRAIN_TAIL[grain],
                       g.count, bind_row, &g, NULL, &p->upsert[grain]) != MM_OK)
        st = cat_db_error(cat, "updating the usage rollups", err);
    free_sketches(&g);
    return st;
}

static mm_status prepare_upto(mm_catalog *cat, cat_rollup_pending *p, mm_error *err);
static mm_status prepare_positions(mm_catalog *cat, cat_rollup_pending *p, mm_error *err);

mm_status cat_rollup_prepare(mm_catalog *cat, mm_error *err)
{
    if (db_kind_of(cat->db) == DB_POSTGRES)
        return MM_OK;
    cat_rollup_pending *p = pending_of(cat, err);
    if (!p)
        return MM_E_INTERNAL;
    for (int grain = GRAIN_MINUTE; grain <= GRAIN_DAY; grain++) {
        if (db_insert_rows_prepare(cat->db, GRAIN_HEAD[grain], NULL, GRAIN_COLUMNS[grain],
                                   GRAIN_TAIL[grain], false, &p->upsert[grain]) != MM_OK)
            return cat_db_error(cat, "preparing the usage rollups' update", err);
    }
    mm_status st = prepare_positions(cat, p, err);
    return st == MM_OK ? prepare_upto(cat, p, err) : st;
}

/* PostgreSQL: one statement writes both grains and the rollups' position, whatever the number
 * of rows (so it is prepared once and reused by every flush): each column of the pending rows
 * is one array parameter, unnest makes them rows again, a data-modifying WITH upserts the
 * minute rows and the day rows, and the position (max(id) sees the transaction's events) is
 * written by the statement itself. The stored sketches were merged in C before. */
#define PG_GRAIN_UPSERT(table, grain, ttft, set_ttft)                                              \
    UPSERT_HEAD(table, ttft)                                                                       \
    " SELECT scope, name, model, kind, start_ms, " SUM_COLUMNS ", latency" ttft                    \
    " FROM u WHERE grain = " grain " " UPSERT_TAIL "excluded.latency" set_ttft
static const char PG_ROLLUP_UPSERT[] =
    "WITH u AS (SELECT * FROM unnest(?1::int[], ?2::text[], ?3::text[], ?4::text[], "
    "?5::text[], ?6::bigint[], ?7::bigint[], ?8::bigint[], ?9::bigint[], ?10::bigint[], "
    "?11::bigint[], ?12::bigint[], ?13::bigint[], ?14::bigint[], ?15::bigint[], ?16::bigint[], "
    "?17::bigint[], ?18::bigint[], ?19::bigint[], ?20::bigint[], ?21::bytea[], ?22::bytea[]) "
    "AS u(grain, scope, name, model, kind, start_ms, " SUM_COLUMNS ", latency, ttft)), "
    "minute AS (" PG_GRAIN_UPSERT(
        "usage_rollup_minute", "0", ", ttft",
        ", ttft = excluded.ttft") "), "
                                  "day AS (" PG_GRAIN_UPSERT(
                                      "usage_rollup_day", "1", "",
                                      "") ") "
                                          "INSERT INTO meta(key, value) SELECT '" UPTO_KEY "', "
                                          "convert_to(coalesce(max(id), 0)::text, 'UTF8') FROM "
                                          "usage_events "
                                          "ON CONFLICT (key) DO UPDATE SET value = excluded.value";

enum { PG_KEY_COLUMNS = 6, PG_COLUMNS = PG_KEY_COLUMNS + SUM_COUNT + 2 };

/* The pending row's columns appended to the arrays; false when memory ran out. */
static bool append_row(db_array col[PG_COLUMNS], const rollup_entry *e)
{
    db_array_int64(&col[0], e->key.grain == GRAIN_DAY);
    db_array_text(&col[1], SCOPE_NAME[e->key.scope]);
    db_array_text(&col[2], e->key.name);
    db_array_text(&col[3], e->key.model);
    db_array_text(&col[4], e->key.kind);
    db_array_int64(&col[5], e->key.start_ms);
    int64_t sums[SUM_COUNT];
    sums_of(&e->sums, sums);
    for (int c = 0; c < SUM_COUNT; c++)
        db_array_int64(&col[PG_KEY_COLUMNS + c], sums[c]);
    encoded_sketch latency, ttft;
    bool ok = encode_sketch(&e->latency, false, &latency) && encode_sketch(&e->ttft, true, &ttft);
    if (ok) {
        db_array_bytea(&col[PG_COLUMNS - 2], latency.data, latency.size);
        if (ttft.data)
            db_array_bytea(&col[PG_COLUMNS - 1], ttft.data, ttft.size);
        else
            db_array_null(&col[PG_COLUMNS - 1]);
        free(ttft.data);
    }
    free(latency.data);
    return ok;
}

static mm_status write_rollups_pg(mm_catalog *cat, mm_error *err)
{
    cat_rollup_pending *p = cat->rollups;
    db_array col[PG_COLUMNS];
    for (int c = 0; c < PG_COLUMNS; c++)
        db_array_init(&col[c]);
    bool ok = true;
    for (size_t i = 0; i < p->count && ok; i++)
        ok = append_row(col, &p->items[i]);
    const char *text[PG_COLUMNS];
    for (int c = 0; c < PG_COLUMNS && ok; c++)
        ok = (text[c] = db_array_text_of(&col[c])) != NULL;
    mm_status st = ok ? MM_OK : cat_out_of_memory(err);
    if (st == MM_OK && !p->upsert_all)
        st = cat_prepare(cat, PG_ROLLUP_UPSERT, &p->upsert_all, err);
    if (st == MM_OK) {
        for (int c = 0; c < PG_COLUMNS; c++)
            cat_bind_text(p->upsert_all, c + 1, text[c]);
        if (db_step_later(p->upsert_all) != DB_DONE) /* answered with the COMMIT */
            st = cat_db_error(cat, "updating the usage rollups", err);
        db_reset(p->upsert_all);
    }
    for (int c = 0; c < PG_COLUMNS; c++)
        db_array_free(&col[c]);
    return st;
}

/* SQLite: every event up to the newest is in the rollups now (the write lock is ours). An
 * upsert, not INSERT OR REPLACE: the row changes in place and meta's key index is left alone.
 * Prepared once a connection (p->upto). */
static mm_status prepare_upto(mm_catalog *cat, cat_rollup_pending *p, mm_error *err)
{
    if (p->upto)
        return MM_OK;
    return cat_prepare(cat,
                       "INSERT INTO meta(key, value) SELECT '" UPTO_KEY "', "
                       "coalesce(max(id), 0) FROM usage_events WHERE true "
                       "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                       &p->upto, err);
}

static mm_status write_upto(mm_catalog *cat, mm_error *err)
{
    cat_rollup_pending *p = cat->rollups;
    mm_status st = prepare_upto(cat, p, err);
    if (st == MM_OK && db_step(p->upto) != DB_DONE)
        st = cat_db_error(cat, "writing the usage rollups' position", err);
    if (p->upto)
        db_reset(p->upto);
    return st;
}

/* meta's rollups_upto_id (a number on SQLite, its text in BYTEA on PostgreSQL). */
static const char *upto_query(const db_conn *db)
{
    return db_kind_of(db) == DB_POSTGRES
               ? "SELECT convert_from(value, 'UTF8')::bigint FROM meta WHERE key = '" UPTO_KEY "'"
               : "SELECT value FROM meta WHERE key = '" UPTO_KEY "'";
}

static mm_status read_upto(mm_catalog *cat, int64_t *upto, mm_error *err)
{
    return cat_query_int(cat, upto_query(cat->db), NULL, upto, err);
}

mm_status cat_rollup_read_upto(mm_catalog *cat, int64_t *upto, mm_error *err)
{
    return read_upto(cat, upto, err);
}

mm_status cat_rollup_set_upto(mm_catalog *cat, int64_t upto, mm_error *err)
{
    db_stmt *stmt;
    mm_status st = cat_prepare(
        cat,
        db_kind_of(cat->db) == DB_POSTGRES
            ? "INSERT INTO meta(key, value) VALUES ('" UPTO_KEY "', convert_to(?1::text, 'UTF8')) "
              "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
            : "INSERT OR REPLACE INTO meta(key, value) VALUES ('" UPTO_KEY "', ?1)",
        &stmt, err);
    if (st == MM_OK) {
        db_bind_int64(stmt, 1, upto);
        st = cat_step_done(cat, stmt, "writing the usage rollups' position", err);
    }
    return st;
}

mm_status cat_rollup_flush(mm_catalog *cat, mm_error *err)
{
    cat_rollup_pending *p = cat->rollups;
    if (!p || !p->count)
        return MM_OK;
    mm_status st;
    if (db_kind_of(cat->db) == DB_POSTGRES) {
        st = merge_stored_sketches(cat, err);
        if (st == MM_OK)
            st = write_rollups_pg(cat, err);
    } else {
        st = write_grain(cat, GRAIN_MINUTE, err);
        if (st == MM_OK)
            st = write_grain(cat, GRAIN_DAY, err); /* every event has a day row */
        if (st == MM_OK)
            st = write_upto(cat, err);
    }
    cat_rollup_discard(cat);
    return st;
}

/* ---- events written around the rollups (plain SQL): folded in by id ---- */

/* cat_rollup_read_positions' query, prepared once a connection (p->positions). */
static mm_status prepare_positions(mm_catalog *cat, cat_rollup_pending *p, mm_error *err)
{
    if (p->positions)
        return MM_OK;
    return cat_prepare(
        cat,
        db_kind_of(cat->db) == DB_POSTGRES
            ? "SELECT (SELECT convert_from(value, 'UTF8')::bigint FROM meta WHERE key = '" UPTO_KEY
              "'), (SELECT coalesce(max(id), 0) FROM usage_events)"
            : "SELECT (SELECT value FROM meta WHERE key = '" UPTO_KEY "'), "
              "(SELECT coalesce(max(id), 0) FROM usage_events)",
        &p->positions, err);
}

mm_status cat_rollup_read_positions(mm_catalog *cat, int64_t *upto, int64_t *top, mm_error *err)
{
    *upto = *top = 0;
    cat_rollup_pending *p = pending_of(cat, err);
    mm_status st = p ? prepare_positions(cat, p, err) : MM_E_INTERNAL;
    if (st != MM_OK)
        return st;
    if (db_step(p->positions) == DB_ROW) {
        *upto = db_column_int64(p->positions, 0); /* NULL (never written): 0 */
        *top = db_column_int64(p->positions, 1);
    } else {
        st = cat_db_error(cat, "reading the usage rollups' position", err);
    }
    db_reset(p->positions);
    return st;
}

mm_status cat_rollup_catch_up(mm_catalog *cat, mm_error *err)
{
    int64_t upto = 0, top = 0;
    mm_status st = cat_rollup_read_positions(cat, &upto, &top, err);
    if (st != MM_OK || top <= upto)
        return st;
    return fold_since(cat, upto, 0, err);
}

void cat_rollup_check_below(mm_catalog *cat, int64_t first_id)
{
    if (cat->rollups)
        cat->rollups->check_below_id = first_id;
}

mm_status catalog_usage_rollups_catch_up(mm_catalog *cat, mm_error *err)
{
    if (cat->read_only)
        return MM_OK;
    int64_t upto = 0, top = 0;
    mm_status st = cat_rollup_read_positions(cat, &upto, &top, err);
    if (st != MM_OK || top <= upto)
        return st;
    st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    return cat_end(cat, cat_rollup_catch_up(cat, err), err);
}

/* ---- migration 13: the minute rollups' TTFT sketches from the events they hold ---- */

/* The successful streamed events the minute rollups hold (id <= ?2, from their oldest minute
 * ?1 on), grouped by row: SQLite reads one range of ids from the first stamped at or after ?1
 * (as the hour's reader does; +ts_ms keeps it off the time index), PostgreSQL its time index. */
#define FILL_COLUMNS "SELECT account, kind, ts_ms, ttft_ms FROM usage_events WHERE "
#define FILL_WHERE "AND outcome = 'ok' AND ttft_ms >= 0 ORDER BY account, kind, ts_ms"
static const char FILL_EVENTS_LITE[] =
    FILL_COLUMNS "id >= (SELECT min(id + 0) FROM usage_events WHERE ts_ms >= ?1) AND id <= ?2 "
                 "AND +ts_ms >= ?1 " FILL_WHERE;
static const char FILL_EVENTS_PG[] = FILL_COLUMNS "ts_ms >= ?1 AND id <= ?2 " FILL_WHERE;
/* A row is written only when it holds every event of its minute up to the position (?5): one
 * whose older events came after the minute rollups' cut (a minute about to be pruned, a late
 * import) holds a part of them that the raw events cannot tell, and keeps no TTFT sketch. */
#define FILL_ROW(name, kind, start, ttft, from)                                                    \
    "UPDATE usage_rollup_minute AS r SET ttft = " ttft from " WHERE r.start_ms = " start           \
    " AND r.scope = 'account' AND r.name = " name " AND r.model = '' AND r.kind = " kind           \
    " AND r.events = (SELECT count(*) FROM usage_events e WHERE e.account = " name                 \
    " AND e.ts_ms >= " start " AND e.ts_ms < " start " + 60000 AND e.kind = " kind                 \
    " AND e.id <= ?5)"
/* SQLite: one row's; PostgreSQL: FILL_CHUNK rows' as arrays. */
static const char FILL_ROW_LITE[] = FILL_ROW("?1", "?2", "?3", "?4", "");
static const char FILL_ROWS_PG[] =
    FILL_ROW("u.name", "u.kind", "u.start_ms", "u.ttft",
             " FROM unnest(?1::text[], ?2::text[], ?3::bigint[], ?4::bytea[]) "
             "AS u(name, kind, start_ms, ttft)");
#define FILL_CHUNK 2048

/* One minute row's TTFT sketch found by the fill. */
typedef struct ttft_row {
    char name[MM_NAME_MAX];
    char kind[8];
    int64_t start_ms;
    encoded_sketch sketch;
} ttft_row;

typedef struct ttft_fill {
    ttft_row *rows;
    size_t count, capacity;
} ttft_fill;

/* Appends the row of (name, kind, start_ms) with h encoded; false when out of memory. */
static bool fill_add(ttft_fill *fill, const char *name, const char *kind, int64_t start_ms,
                     const mm_histogram *h)
{
    if (!mm_grow((void **)&fill->rows, &fill->capacity, fill->count, sizeof *fill->rows))
        return false;
    ttft_row *row = &fill->rows[fill->count];
    mm_copy(row->name, sizeof row->name, name);
    mm_copy(row->kind, sizeof row->kind, kind);
    row->start_ms = start_ms;
    if (!encode_sketch(h, false, &row->sketch))
        return false;
    fill->count++;
    return true;
}

/* Reads the events (FILL_EVENTS_*) into one sketch a minute row. */
static mm_status fill_read(db_conn *db, int64_t since_ms, int64_t upto, ttft_fill *fill,
                           mm_error *err)
{
    db_stmt *stmt;
    mm_status st = db_prepare(db, db_kind_of(db) == DB_POSTGRES ? FILL_EVENTS_PG : FILL_EVENTS_LITE,
                              &stmt, err);
    if (st != MM_OK)
        return st;
    db_bind_int64(stmt, 1, since_ms);
    db_bind_int64(stmt, 2, upto);
    mm_histogram h;
    mm_histogram_init(&h);
    ttft_row at = {.start_ms = INT64_MIN}; /* the row being summed */
    db_step_result rc;
    bool ok = true;
    while (ok && (rc = db_step(stmt)) == DB_ROW) {
        const char *name = db_column_text(stmt, 0), *kind = db_column_text(stmt, 1);
        int64_t start = grain_start(db_column_int64(stmt, 2), GRAIN_MINUTE);
        if (start != at.start_ms || strcmp(name, at.name) != 0 || strcmp(kind, at.kind) != 0) {
            ok = h.count == 0 || fill_add(fill, at.name, at.kind, at.start_ms, &h);
            mm_histogram_reset(&h);
            mm_copy(at.name, sizeof at.name, name);
            mm_copy(at.kind, sizeof at.kind, kind);
            at.start_ms = start;
        }
        ok = ok && mm_histogram_add(&h, db_column_int64(stmt, 3));
    }
    ok = ok && (h.count == 0 || fill_add(fill, at.name, at.kind, at.start_ms, &h));
    if (!ok)
        st = mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory upgrading the catalog");
    else if (rc != DB_DONE)
        st = db_error(db, "reading the usage events' times to first token", err);
    mm_histogram_free(&h);
    db_finalize(stmt);
    return st;
}

/* Writes the sketches found: SQLite a row at a time (in process), PostgreSQL FILL_CHUNK rows a
 * statement. */
static mm_status fill_write(db_conn *db, const ttft_fill *fill, int64_t upto, mm_error *err)
{
    bool pg = db_kind_of(db) == DB_POSTGRES;
    db_stmt *stmt;
    mm_status st = db_prepare(db, pg ? FILL_ROWS_PG : FILL_ROW_LITE, &stmt, err);
    for (size_t from = 0; st == MM_OK && from < fill->count;) {
        size_t to = pg ? from + FILL_CHUNK : from + 1;
        if (to > fill->count)
            to = fill->count;
        db_array col[4];
        for (int c = 0; c < 4; c++)
            db_array_init(&col[c]);
        for (size_t i = from; pg && i < to; i++) {
            db_array_text(&col[0], fill->rows[i].name);
            db_array_text(&col[1], fill->rows[i].kind);
            db_array_int64(&col[2], fill->rows[i].start_ms);
            db_array_bytea(&col[3], fill->rows[i].sketch.data, fill->rows[i].sketch.size);
        }
        const ttft_row *row = &fill->rows[from];
        for (int c = 0; c < 4 && pg; c++) {
            const char *text = db_array_text_of(&col[c]);
            if (!text)
                st = mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory upgrading the catalog");
            else
                db_bind_text(stmt, c + 1, text);
        }
        if (!pg) {
            db_bind_text(stmt, 1, row->name);
            db_bind_text(stmt, 2, row->kind);
            db_bind_int64(stmt, 3, row->start_ms);
            db_bind_blob(stmt, 4, row->sketch.data, row->sketch.size);
        }
        db_bind_int64(stmt, 5, upto);
        if (st == MM_OK && db_step(stmt) != DB_DONE)
            st = db_error(db, "writing the minute rollups' times to first token", err);
        db_reset(stmt);
        for (int c = 0; c < 4; c++)
            db_array_free(&col[c]);
        from = to;
    }
    db_finalize(stmt);
    return st;
}

mm_status cat_rollup_fill_ttft(db_conn *db, mm_error *err)
{
    int64_t minutes = 0, since = 0, upto = 0;
    mm_status st =
        db_query_int(db, "SELECT count(*) FROM usage_rollup_minute", NULL, &minutes, err);
    if (st == MM_OK && minutes)
        st = db_query_int(db, "SELECT min(start_ms) FROM usage_rollup_minute", NULL, &since, err);
    if (st == MM_OK && minutes)
        st = db_query_int(db, upto_query(db), NULL, &upto, err);
    if (st != MM_OK || !minutes || !upto)
        return st;
    ttft_fill fill = {0};
    st = fill_read(db, since, upto, &fill, err);
    if (st == MM_OK)
        st = fill_write(db, &fill, upto, err);
    for (size_t i = 0; i < fill.count; i++)
        free(fill.rows[i].sketch.data);
    free(fill.rows);
    return st;
}

/* ---- SQL functions: the same rules for the migration's backfill and the upsert ---- */

static void sql_merge(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    mm_histogram h;
    mm_histogram_init(&h);
    bool ok = true;
    for (int i = 0; i < 2 && ok; i++)
        if (sqlite3_value_type(argv[i]) == SQLITE_BLOB)
            ok = mm_histogram_merge_encoded(&h, sqlite3_value_blob(argv[i]),
                                            (size_t)sqlite3_value_bytes(argv[i]));
    size_t size = mm_histogram_encoded_size(&h);
    unsigned char *out = ok ? malloc(size) : NULL;
    if (out) {
        mm_histogram_encode(&h, out);
        sqlite3_result_blob(ctx, out, (int)size, free);
    } else {
        sqlite3_result_error(ctx, "a latency sketch is malformed or memory ran out", -1);
    }
    mm_histogram_free(&h);
}

/* mm_latency_sketch(outcome, http_status, latency_ms): the sketch of the successful rows. */
static void sql_sketch_step(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    mm_histogram **h = sqlite3_aggregate_context(ctx, sizeof *h);
    if (!h)
        return;
    if (!*h && !(*h = calloc(1, sizeof **h))) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    const char *outcome = (const char *)sqlite3_value_text(argv[0]);
    int64_t latency = sqlite3_value_int64(argv[2]);
    if (outcome && strcmp(outcome, "ok") == 0 && latency >= 0 && !mm_histogram_add(*h, latency))
        sqlite3_result_error_nomem(ctx);
}

static void sql_sketch_final(sqlite3_context *ctx)
{
    mm_histogram **h = sqlite3_aggregate_context(ctx, 0);
    mm_histogram empty;
    mm_histogram_init(&empty);
    const mm_histogram *src = h && *h ? *h : &empty;
    size_t size = mm_histogram_encoded_size(src);
    unsigned char *out = malloc(size);
    if (out) {
        mm_histogram_encode(src, out);
        sqlite3_result_blob(ctx, out, (int)size, free);
    } else {
        sqlite3_result_error_nomem(ctx);
    }
    if (h && *h) {
        mm_histogram_free(*h);
        free(*h);
    }
}

static void sql_rule(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    bool (*rule)(const char *, int) = (bool (*)(const char *, int))sqlite3_user_data(ctx);
    const char *outcome = (const char *)sqlite3_value_text(argv[0]);
    sqlite3_result_int(ctx, rule(outcome ? outcome : "", sqlite3_value_int(argv[1])) ? 1 : 0);
}

mm_status cat_rollup_register(mm_catalog *cat, mm_error *err)
{
    sqlite3 *db = db_sqlite_handle(cat->db);
    if (!db)
        return MM_OK; /* SQLite only: PostgreSQL merges the sketches in C */
    const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
    int rc = sqlite3_create_function(db, "mm_latency_merge", 2, flags, NULL, sql_merge, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, "mm_latency_sketch", 3, flags, NULL, NULL, sql_sketch_step,
                                     sql_sketch_final);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, "mm_usage_fault", 2, flags, (void *)cat_usage_is_fault,
                                     sql_rule, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, "mm_usage_served", 2, flags, (void *)cat_usage_is_served,
                                     sql_rule, NULL, NULL);
    if (rc != SQLITE_OK)
        return mm_error_set(err, MM_E_DB, "",
                            "SQLite failed while registering the rollup "
                            "functions: %s",
                            sqlite3_errmsg(db));
    return MM_OK;
}

/* ---- reading them ---- */

static mm_status flush_before_read(mm_catalog *cat, mm_error *err)
{
    /* events of the open transaction count too */
    return db_in_transaction(cat->db) ? cat_rollup_flush(cat, err) : MM_OK;
}

#define SUM_SELECT                                                                                 \
    "SELECT coalesce(sum(events), 0), coalesce(sum(errors), 0), "                                  \
    "coalesce(sum(request_errors), 0), coalesce(sum(rate_limited), 0), "                           \
    "coalesce(sum(tokens_in), 0), coalesce(sum(tokens_out), 0), "                                  \
    "coalesce(sum(tokens_cache_read), 0), coalesce(sum(tokens_cache_write), 0), "                  \
    "coalesce(sum(usage_estimated), 0), coalesce(sum(cost_micros), 0), "                           \
    "coalesce(sum(unpriced), 0), coalesce(sum(served), 0), coalesce(sum(served_tokens), 0), "      \
    "coalesce(sum(served_cost_micros), 0) "

void cat_rollup_read_sums(db_stmt *stmt, int first, int count, mm_usage_rollup *s)
{
    memset(s, 0, sizeof *s);
    int64_t *fields[] = {&s->events,
                         &s->errors,
                         &s->request_errors,
                         &s->rate_limited,
                         &s->tokens_in,
                         &s->tokens_out,
                         &s->tokens_cache_read,
                         &s->tokens_cache_write,
                         &s->usage_estimated,
                         &s->cost_micros,
                         &s->unpriced,
                         &s->served,
                         &s->served_tokens,
                         &s->served_cost_micros};
    for (int i = 0; i < count && i < (int)(sizeof fields / sizeof fields[0]); i++)
        *fields[i] = db_column_int64(stmt, first + i);
}

#define RANGE_WHERE                                                                                \
    " FROM %s WHERE scope = ?1 AND name = ?2 AND model = ?3 AND start_ms >= ?4 "                   \
    "AND start_ms < ?5 AND (?6 = '' OR kind = ?6)"

static mm_status prepare_range(mm_catalog *cat, const char *format, const mm_rollup_query *q,
                               db_stmt **stmt, mm_error *err)
{
    char sql[1024];
    snprintf(sql, sizeof sql, format, GRAIN_TABLE[q->per_minute ? GRAIN_MINUTE : GRAIN_DAY]);
    mm_status st = cat_prepare(cat, sql, stmt, err);
    if (st != MM_OK)
        return st;
    cat_bind_text(*stmt, 1, q->workspace ? "workspace" : "account");
    cat_bind_text(*stmt, 2, q->workspace ? q->workspace : q->account);
    cat_bind_text(*stmt, 3, q->workspace ? q->model : "");
    db_bind_int64(*stmt, 4, q->from_ms);
    db_bind_int64(*stmt, 5, q->to_ms);
    cat_bind_text(*stmt, 6, q->kind ? q->kind : "");
    return MM_OK;
}

static mm_status merge_sketches(mm_catalog *cat, const mm_rollup_query *q, mm_histogram *latency,
                                mm_error *err)
{
    db_stmt *stmt;
    mm_status st = prepare_range(cat, "SELECT latency" RANGE_WHERE, q, &stmt, err);
    if (st != MM_OK)
        return st;
    int rc;
    while (st == MM_OK && (rc = db_step(stmt)) == DB_ROW)
        if (!sketch_merge_column(latency, stmt, 0))
            st = mm_error_set(err, MM_E_DB, "", "a stored latency sketch is malformed");
    if (st == MM_OK && rc != DB_DONE)
        st = cat_db_error(cat, "reading the latency sketches", err);
    db_finalize(stmt);
    return st;
}

mm_status catalog_usage_rollup_sum(mm_catalog *cat, const mm_rollup_query *q, mm_usage_rollup *out,
                                   mm_histogram *latency, mm_error *err)
{
    memset(out, 0, sizeof *out);
    db_stmt *stmt;
    mm_status st = flush_before_read(cat, err);
    if (st == MM_OK)
        st = prepare_range(cat, SUM_SELECT RANGE_WHERE, q, &stmt, err);
    if (st != MM_OK)
        return st;
    if (db_step(stmt) == DB_ROW)
        cat_rollup_read_sums(stmt, 0, MM_ROLLUP_SUMS, out);
    else
        st = cat_db_error(cat, "reading the usage rollups", err);
    db_finalize(stmt);
    if (st == MM_OK && latency)
        st = merge_sketches(cat, q, latency, err);
    return st;
}
