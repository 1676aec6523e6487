/* The price table (USD per million tokens, and per image / second / character for media models,
 * per provider and provider model): setting one,
 * importing many in one transaction, and reading them. No price is "unknown", never $0. */
#include "catalog/catalog_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/clock.h"
#include "util/money.h"

#define PRICE_SELECT                                                                               \
    "SELECT provider, model, input_per_mtok, output_per_mtok, source, updated_ms, "                \
    "cache_read_per_mtok, cache_write_per_mtok, per_image, per_second, per_character FROM prices "

static mm_status validate_rate(const char *field, double rate, mm_error *err)
{
    if (isnan(rate) || rate > MONEY_PER_MTOK_MAX)
        return mm_error_set(err, MM_E_INVALID, field,
                            "a price must be a number of USD per million tokens from 0 to %.0f "
                            "(negative means unknown)",
                            MONEY_PER_MTOK_MAX);
    return MM_OK;
}

/* A media price (USD per image, second or character): 0 or less is none. */
static mm_status validate_unit_rate(const char *field, double rate, mm_error *err)
{
    if (isnan(rate) || rate > MONEY_PER_UNIT_MAX)
        return mm_error_set(err, MM_E_INVALID, field,
                            "a media price must be a number of USD per unit from 0 to %.0f",
                            MONEY_PER_UNIT_MAX);
    return MM_OK;
}

static mm_status validate_price(const mm_price *price, mm_error *err)
{
    mm_status st =
        val_text("provider", "provider", price->provider, sizeof price->provider, false, err);
    if (st == MM_OK)
        st =
            val_text("model", "provider model name", price->model, sizeof price->model, false, err);
    if (st == MM_OK)
        st = val_text("source", "price source", price->source, sizeof price->source, true, err);
    if (st == MM_OK)
        st = validate_rate("input_per_mtok", price->input_per_mtok, err);
    if (st == MM_OK)
        st = validate_rate("output_per_mtok", price->output_per_mtok, err);
    if (st == MM_OK)
        st = validate_rate("cache_read_per_mtok", price->cache_read_per_mtok, err);
    if (st == MM_OK)
        st = validate_rate("cache_write_per_mtok", price->cache_write_per_mtok, err);
    if (st == MM_OK)
        st = validate_unit_rate("per_image", price->per_image, err);
    if (st == MM_OK)
        st = validate_unit_rate("per_second", price->per_second, err);
    if (st == MM_OK)
        st = validate_unit_rate("per_character", price->per_character, err);
    return st;
}

static json_t *rate_json(double rate)
{
    return rate < 0 ? json_null() : json_real(rate);
}

static json_t *price_tokens_json(const mm_price *price);

static json_t *unit_json(double rate)
{
    return rate <= 0 ? json_null() : json_real(rate);
}

static json_t *price_json(const mm_price *price)
{
    json_t *obj = price_tokens_json(price);
    if (obj && (price->per_image > 0 || price->per_second > 0 || price->per_character > 0)) {
        json_object_set_new(obj, "per_image", unit_json(price->per_image));
        json_object_set_new(obj, "per_second", unit_json(price->per_second));
        json_object_set_new(obj, "per_character", unit_json(price->per_character));
    }
    return obj;
}

static json_t *price_tokens_json(const mm_price *price)
{
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:s}", "provider", price->provider, "model",
                     price->model, "input_per_mtok", rate_json(price->input_per_mtok),
                     "output_per_mtok", rate_json(price->output_per_mtok), "cache_read_per_mtok",
                     rate_json(price->cache_read_per_mtok), "cache_write_per_mtok",
                     rate_json(price->cache_write_per_mtok), "source", price->source);
}

static void bind_rate(db_stmt *stmt, int index, double rate)
{
    if (rate < 0)
        db_bind_null(stmt, index);
    else
        db_bind_double(stmt, index, rate);
}

static void bind_unit_rate(db_stmt *stmt, int index, double rate)
{
    if (rate <= 0)
        db_bind_null(stmt, index);
    else
        db_bind_double(stmt, index, rate);
}

static double column_unit_rate(db_stmt *stmt, int index)
{
    return db_column_is_null(stmt, index) ? 0 : db_column_double(stmt, index);
}

static double column_rate(db_stmt *stmt, int index)
{
    return db_column_is_null(stmt, index) ? -1.0 : db_column_double(stmt, index);
}

static void read_price_row(db_stmt *stmt, void *item)
{
    mm_price *price = item;
    memset(price, 0, sizeof *price);
    cat_column_copy(stmt, 0, price->provider, sizeof price->provider);
    cat_column_copy(stmt, 1, price->model, sizeof price->model);
    price->input_per_mtok = column_rate(stmt, 2);
    price->output_per_mtok = column_rate(stmt, 3);
    cat_column_copy(stmt, 4, price->source, sizeof price->source);
    price->updated_ms = db_column_int64(stmt, 5);
    price->cache_read_per_mtok = column_rate(stmt, 6);
    price->cache_write_per_mtok = column_rate(stmt, 7);
    price->per_image = column_unit_rate(stmt, 8);
    price->per_second = column_unit_rate(stmt, 9);
    price->per_character = column_unit_rate(stmt, 10);
}

static mm_status upsert(mm_catalog *cat, db_stmt *stmt, const mm_price *price, int64_t now,
                        mm_error *err)
{
    cat_bind_text(stmt, 1, price->provider);
    cat_bind_text(stmt, 2, price->model);
    bind_rate(stmt, 3, price->input_per_mtok);
    bind_rate(stmt, 4, price->output_per_mtok);
    cat_bind_text(stmt, 5, price->source);
    db_bind_int64(stmt, 6, now);
    bind_rate(stmt, 7, price->cache_read_per_mtok);
    bind_rate(stmt, 8, price->cache_write_per_mtok);
    bind_unit_rate(stmt, 9, price->per_image);
    bind_unit_rate(stmt, 10, price->per_second);
    bind_unit_rate(stmt, 11, price->per_character);
    int rc = db_step(stmt);
    db_reset(stmt);
    return rc == DB_DONE ? MM_OK : cat_db_error(cat, "saving a price", err);
}

static mm_status prepare_upsert(mm_catalog *cat, db_stmt **stmt, mm_error *err)
{
    return cat_prepare(cat,
                       "INSERT INTO prices(provider, model, input_per_mtok, output_per_mtok, "
                       "source, updated_ms, cache_read_per_mtok, cache_write_per_mtok, "
                       "per_image, per_second, per_character) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
                       "ON CONFLICT(provider, model) DO UPDATE SET "
                       "input_per_mtok = excluded.input_per_mtok, "
                       "output_per_mtok = excluded.output_per_mtok, source = excluded.source, "
                       "updated_ms = excluded.updated_ms, "
                       "cache_read_per_mtok = excluded.cache_read_per_mtok, "
                       "cache_write_per_mtok = excluded.cache_write_per_mtok, "
                       "per_image = excluded.per_image, per_second = excluded.per_second, "
                       "per_character = excluded.per_character",
                       stmt, err);
}

static mm_status set_row(mm_catalog *cat, const mm_price *price, mm_error *err)
{
    mm_price before;
    mm_error ignored;
    bool existed =
        catalog_price_get(cat, price->provider, price->model, &before, &ignored) == MM_OK;
    db_stmt *stmt;
    mm_status st = prepare_upsert(cat, &stmt, err);
    if (st != MM_OK)
        return st;
    st = upsert(cat, stmt, price, mm_now_ms(), err);
    db_finalize(stmt);
    char entity[MM_PROVIDER_ID_MAX + MM_PROVIDER_MODEL_MAX + 2];
    snprintf(entity, sizeof entity, "%s/%s", price->provider, price->model);
    if (st == MM_OK)
        st = cat_audit(cat, "set", "price", entity, existed ? price_json(&before) : NULL,
                       price_json(price), err);
    return st;
}

mm_status catalog_price_set(mm_catalog *cat, const mm_price *price, mm_error *err)
{
    mm_status st = validate_price(price, err);
    if (st == MM_OK)
        st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    return cat_end(cat, set_row(cat, price, err), err);
}

static mm_status import_rows(mm_catalog *cat, const mm_price *prices, size_t count, mm_error *err)
{
    db_stmt *stmt;
    mm_status st = prepare_upsert(cat, &stmt, err);
    if (st != MM_OK)
        return st;
    int64_t now = mm_now_ms();
    for (size_t i = 0; i < count && st == MM_OK; i++)
        st = upsert(cat, stmt, &prices[i], now, err);
    db_finalize(stmt);
    if (st == MM_OK)
        st = cat_audit(
            cat, "import", "price", prices[0].source, NULL,
            json_pack("{s:I, s:s}", "count", (json_int_t)count, "source", prices[0].source), err);
    return st;
}

mm_status catalog_price_set_batch(mm_catalog *cat, const mm_price *prices, size_t count,
                                  mm_error *err)
{
    if (count == 0)
        return MM_OK;
    for (size_t i = 0; i < count; i++) {
        mm_status st = validate_price(&prices[i], err);
        if (st != MM_OK) {
            if (err) {
                mm_error reason = *err;
                mm_error_set(
                    err, st, reason.field, "price %zu (%.31s/%.100s): %.300s; nothing was imported",
                    i + 1,
                    val_terminated(prices[i].provider, MM_PROVIDER_ID_MAX) ? prices[i].provider
                                                                           : "?",
                    val_terminated(prices[i].model, MM_PROVIDER_MODEL_MAX) ? prices[i].model : "?",
                    reason.message);
            }
            return st;
        }
    }
    mm_status st = cat_begin(cat, err);
    if (st != MM_OK)
        return st;
    return cat_end(cat, import_rows(cat, prices, count, err), err);
}

/* ?1 provider, ?2 provider model (ctx: two texts). */
static void bind_provider_model(db_stmt *stmt, const void *ctx)
{
    const char *const *key = ctx;
    cat_bind_text(stmt, 1, key[0]);
    cat_bind_text(stmt, 2, key[1]);
}

mm_status catalog_price_get(mm_catalog *cat, const char *provider, const char *model, mm_price *out,
                            mm_error *err)
{
    const char *key[2] = {provider, model};
    bool found = false;
    mm_status st =
        cat_read_row(cat, PRICE_SELECT "WHERE provider = ?1 AND model = ?2", bind_provider_model,
                     key, read_price_row, out, &found, "reading a price", err);
    if (st == MM_OK && !found)
        return mm_error_set(err, MM_E_NOT_FOUND, "model",
                            "no price is known for %s model '%s'; its cost shows as unknown "
                            "until a price is set",
                            provider ? provider : "", model ? model : "");
    return st;
}

mm_status catalog_price_list(mm_catalog *cat, mm_price_list *out, mm_error *err)
{
    return cat_collect_rows(cat, PRICE_SELECT "ORDER BY provider, model", NULL, NULL,
                            read_price_row, sizeof *out->items, (void **)&out->items, &out->count,
                            "listing prices", err);
}

void mm_price_list_free(mm_price_list *list)
{
    if (list)
        cat_free_rows((void **)&list->items, &list->count);
}
