/* Token costs from the price table, and price files read into it: mmadmin's dated
 * data/prices.json and LiteLLM's model_prices_and_context_window.json, all or nothing. */
#include "router/pricing.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog/rows.h"
#include "providers/provider.h"
#include "util/hash_index.h"
#include "util/money.h"
#include "util/text.h"

int64_t pricing_cost_micros(const mm_price *price, int64_t tokens_in, int64_t tokens_out)
{
    pricing_tokens tokens = {.in = tokens_in, .out = tokens_out};
    return pricing_cost_tokens(price, &tokens);
}

static int64_t nonneg(int64_t n)
{
    return n > 0 ? n : 0;
}

/* Adds units at a unit price (USD per unit, scaled to micro-USD); false when it has none. */
static bool add_units(int64_t units, double usd_per_unit, double scale, double *micros)
{
    if (units <= 0)
        return true;
    if (usd_per_unit <= 0)
        return false;
    *micros += (double)units * usd_per_unit * scale;
    return true;
}

/* Micro-USD of the media units; -1 when there are none or one has no price. */
static int64_t media_cost_micros(const mm_price *price, const pricing_tokens *tokens)
{
    double micros = 0;
    if (tokens->images <= 0 && tokens->audio_ms <= 0 && tokens->characters <= 0)
        return -1;
    if (!add_units(tokens->images, price->per_image, 1e6, &micros) ||
        !add_units(tokens->audio_ms, price->per_second, 1e3, &micros) ||
        !add_units(tokens->characters, price->per_character, 1e6, &micros))
        return -1;
    return (int64_t)llround(micros);
}

static int64_t token_cost(const mm_price *price, const pricing_tokens *tokens);

int64_t pricing_cost_tokens(const mm_price *price, const pricing_tokens *tokens)
{
    if (!price)
        return -1;
    int64_t media = media_cost_micros(price, tokens);
    if (media < 0)
        return token_cost(price, tokens);
    bool billed_tokens = nonneg(tokens->in) + nonneg(tokens->out) > 0;
    int64_t tokens_part = billed_tokens ? token_cost(price, tokens) : 0;
    return media + (tokens_part > 0 ? tokens_part : 0);
}

static int64_t token_cost(const mm_price *price, const pricing_tokens *tokens)
{
    if (price->input_per_mtok < 0)
        return -1;
    int64_t out = nonneg(tokens->out);
    if (out > 0 && price->output_per_mtok < 0)
        return -1;
    int64_t in = nonneg(tokens->in);
    int64_t cache_read = nonneg(tokens->cache_read) < in ? nonneg(tokens->cache_read) : in;
    int64_t cache_write = nonneg(tokens->cache_write) < in - cache_read
                              ? nonneg(tokens->cache_write)
                              : in - cache_read;
    double read_price =
        price->cache_read_per_mtok >= 0 ? price->cache_read_per_mtok : price->input_per_mtok;
    double write_price =
        price->cache_write_per_mtok >= 0 ? price->cache_write_per_mtok : price->input_per_mtok;
    double cost = (double)(in - cache_read - cache_write) * price->input_per_mtok +
                  (double)cache_read * read_price + (double)cache_write * write_price;
    if (out > 0)
        cost += (double)out * price->output_per_mtok;
    return (int64_t)llround(cost);
}

void pricing_format_units(const mm_price *price, char *out, size_t outsz)
{
    const double rates[3] = {price->per_image, price->per_second, price->per_character};
    static const char *const UNITS[3] = {"image", "s", "char"};
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < 3 && used + 1 < outsz; i++) {
        if (rates[i] <= 0)
            continue;
        int n =
            snprintf(out + used, outsz - used, "%s$%g/%s", used ? ", " : "", rates[i], UNITS[i]);
        used = n < 0 ? used : (size_t)n < outsz - used ? used + (size_t)n : outsz - 1;
    }
    if (!out[0])
        snprintf(out, outsz, "-");
}

void pricing_lookup_read(mm_catalog *cat, const char *provider, const char *model,
                         pricing_lookup *out)
{
    memset(&out->err, 0, sizeof out->err);
    out->state = catalog_price_get(cat, provider, model, &out->price, &out->err);
}

mm_status pricing_lookup_cost(const pricing_lookup *lookup, const pricing_tokens *tokens,
                              int64_t *cost, mm_error *err)
{
    *cost = -1;
    if (lookup->state == MM_E_NOT_FOUND)
        return MM_OK;
    if (lookup->state != MM_OK) {
        if (err)
            *err = lookup->err;
        return lookup->state;
    }
    *cost = pricing_cost_tokens(&lookup->price, tokens);
    return MM_OK;
}

mm_status pricing_cost_of(mm_catalog *cat, const char *provider, const char *model,
                          const pricing_tokens *tokens, int64_t *cost, mm_error *err)
{
    pricing_lookup lookup;
    pricing_lookup_read(cat, provider, model, &lookup);
    return pricing_lookup_cost(&lookup, tokens, cost, err);
}

mm_status pricing_cost_lookup(mm_catalog *cat, const char *provider, const char *model,
                              int64_t tokens_in, int64_t tokens_out, int64_t *cost, mm_error *err)
{
    pricing_tokens tokens = {.in = tokens_in, .out = tokens_out};
    return pricing_cost_of(cat, provider, model, &tokens, cost, err);
}

/* ---- the targets without a price: two hash indexes keep it O(targets) ---- */

typedef struct provider_model_key {
    const char *account; /* NULL: any account */
    const char *provider, *model;
} provider_model_key;

static uint32_t provider_model_hash(const char *account, const char *provider, const char *model)
{
    uint32_t h = mm_hash_pair(mm_hash_string(provider), mm_hash_string(model));
    return account ? mm_hash_pair(h, mm_hash_string(account)) : h;
}

static bool price_matches(const void *data, size_t position, const void *key)
{
    const mm_price *p = &((const mm_price *)data)[position];
    const provider_model_key *k = key;
    return strcmp(p->provider, k->provider) == 0 && strcmp(p->model, k->model) == 0;
}

static bool unpriced_matches(const void *data, size_t position, const void *key)
{
    const pricing_unpriced *u = &((const pricing_unpriced *)data)[position];
    const provider_model_key *k = key;
    return strcmp(u->provider, k->provider) == 0 && strcmp(u->model, k->model) == 0 &&
           (!k->account || strcmp(u->account, k->account) == 0);
}

typedef struct unpriced_finder {
    const mm_price_list *prices;
    const mm_account_rows *accounts; /* name order: binary search */
    mm_hash_index by_price, seen;
    bool per_account, capped_only;
    pricing_unpriced *out;
    size_t count, capacity;
} unpriced_finder;

static bool index_prices(unpriced_finder *f)
{
    for (size_t i = 0; i < f->prices->count; i++) {
        const mm_price *p = &f->prices->items[i];
        if (!mm_hash_index_add(&f->by_price, provider_model_hash(NULL, p->provider, p->model), i))
            return false;
    }
    return true;
}

/* Adds target's (account,) provider and model unless it has a price or is listed already;
 * false when out of memory. */
static bool consider_target(unpriced_finder *f, const mm_target_row *target)
{
    const mm_account_row *account = mm_account_rows_find(f->accounts, target->account);
    if (!account || (f->capped_only && account->monthly_cap_cents == MM_LIMIT_UNSET))
        return true;
    const char *provider = account->provider;
    provider_model_key key = {NULL, provider, target->model};
    if (mm_hash_index_find(&f->by_price, provider_model_hash(NULL, provider, target->model), &key,
                           price_matches, f->prices->items) >= 0)
        return true;
    key.account = f->per_account ? target->account : NULL;
    uint32_t hash = provider_model_hash(key.account, provider, target->model);
    if (mm_hash_index_find(&f->seen, hash, &key, unpriced_matches, f->out) >= 0)
        return true;
    if (f->count == f->capacity) {
        size_t capacity = f->capacity ? f->capacity * 2 : 8;
        pricing_unpriced *grown = realloc(f->out, capacity * sizeof *grown);
        if (!grown)
            return false;
        f->out = grown;
        f->capacity = capacity;
    }
    pricing_unpriced *u = &f->out[f->count];
    snprintf(u->account, sizeof u->account, "%s", target->account);
    snprintf(u->provider, sizeof u->provider, "%s", provider);
    snprintf(u->model, sizeof u->model, "%s", target->model);
    return mm_hash_index_add(&f->seen, hash, f->count++);
}

/* The lean rows (src/catalog/rows.h) of the accounts and the chains: ~100 B a target where the
 * full lists held 2 KB an account and 3.7 KB a model. */
static mm_status find_unpriced(mm_catalog *cat, unpriced_finder *f, pricing_unpriced **out,
                               size_t *count, mm_error *err)
{
    *out = NULL;
    *count = 0;
    mm_account_rows accounts = {0};
    mm_model_rows models = {0};
    f->accounts = &accounts;
    mm_status st = catalog_account_rows(cat, &accounts, err);
    if (st == MM_OK)
        st = catalog_model_rows(cat, true, &models, err);
    bool ok = st != MM_OK || index_prices(f);
    for (size_t t = 0; ok && st == MM_OK && t < models.n_targets; t++)
        ok = consider_target(f, &models.targets[t]);
    if (!ok)
        st = mm_error_set(err, MM_E_INTERNAL, "", "out of memory");
    if (st == MM_OK) {
        *out = f->out;
        *count = f->count;
    } else {
        free(f->out);
    }
    mm_hash_index_free(&f->by_price);
    mm_hash_index_free(&f->seen);
    mm_account_rows_free(&accounts);
    mm_model_rows_free(&models);
    return st;
}

mm_status pricing_find_unpriced(mm_catalog *cat, const mm_price_list *prices, bool per_account,
                                pricing_unpriced **out, size_t *count, mm_error *err)
{
    unpriced_finder f = {.prices = prices, .per_account = per_account};
    return find_unpriced(cat, &f, out, count, err);
}

mm_status pricing_find_unpriced_capped(mm_catalog *cat, const mm_price_list *prices,
                                       pricing_unpriced **out, size_t *count, mm_error *err)
{
    unpriced_finder f = {.prices = prices, .per_account = true, .capped_only = true};
    return find_unpriced(cat, &f, out, count, err);
}

void pricing_file_free(pricing_file *file)
{
    if (file)
        mm_price_list_free(&file->prices);
}

static bool append_price(pricing_file *out, size_t *capacity, const mm_price *price)
{
    for (size_t i = 0; i < out->prices.count; i++)
        if (strcmp(out->prices.items[i].provider, price->provider) == 0 &&
            strcmp(out->prices.items[i].model, price->model) == 0)
            return true; /* the first entry for a model wins */
    if (out->prices.count == *capacity) {
        size_t cap = *capacity ? *capacity * 2 : 32;
        mm_price *grown = realloc(out->prices.items, cap * sizeof *grown);
        if (!grown)
            return false;
        out->prices.items = grown;
        *capacity = cap;
    }
    out->prices.items[out->prices.count++] = *price;
    return true;
}

/* A per-million price from a JSON value: a number 0..max, or null/absent (-1) when optional. */
static mm_status read_price(json_t *value, bool optional, double scale, const char *what,
                            const char *entry, double *out, mm_error *err)
{
    if (!value || json_is_null(value)) {
        if (optional) {
            *out = -1;
            return MM_OK;
        }
        return mm_error_set(err, MM_E_INVALID, "file", "%s: the %s price is missing", entry, what);
    }
    if (!json_is_number(value))
        return mm_error_set(err, MM_E_INVALID, "file",
                            "%s: the %s price is not a number (give USD as a plain number)", entry,
                            what);
    double v = json_number_value(value) * scale;
    if (!isfinite(v) || v < 0 || v > MONEY_PER_MTOK_MAX)
        return mm_error_set(err, MM_E_INVALID, "file",
                            "%s: the %s price %g USD per million tokens is out of range "
                            "(0 to %.0f)",
                            entry, what, v, MONEY_PER_MTOK_MAX);
    *out = v;
    return MM_OK;
}

/* A media price in USD per unit: a number 0..MONEY_PER_UNIT_MAX, or absent/null (0: none). */
static mm_status read_unit_price(json_t *value, const char *what, const char *entry, double *out,
                                 mm_error *err)
{
    *out = 0;
    if (!value || json_is_null(value))
        return MM_OK;
    double v = json_is_number(value) ? json_number_value(value) : -1;
    if (!isfinite(v) || v < 0 || v > MONEY_PER_UNIT_MAX)
        return mm_error_set(err, MM_E_INVALID, "file",
                            "%s: the %s price must be USD from 0 to %.0f per unit", entry, what,
                            MONEY_PER_UNIT_MAX);
    *out = v;
    return MM_OK;
}

/* The media prices of an entry under the given keys (the first present key of each pair). */
static mm_status read_unit_prices(json_t *item, const char *const keys[3][2], const char *entry,
                                  mm_price *price, mm_error *err)
{
    double *slots[3] = {&price->per_image, &price->per_second, &price->per_character};
    static const char *const WHAT[3] = {"per-image", "per-second", "per-character"};
    mm_status st = MM_OK;
    for (int i = 0; i < 3 && st == MM_OK; i++) {
        json_t *value = json_object_get(item, keys[i][0]);
        if ((!value || json_is_null(value)) && keys[i][1])
            value = json_object_get(item, keys[i][1]);
        st = read_unit_price(value, WHAT[i], entry, slots[i], err);
    }
    return st;
}

static bool has_unit_price(const mm_price *price)
{
    return price->per_image > 0 || price->per_second > 0 || price->per_character > 0;
}

static mm_status parse_own_entry(json_t *item, size_t index, const char *source, mm_price *price,
                                 mm_error *err)
{
    char entry[48];
    snprintf(entry, sizeof entry, "prices[%zu]", index);
    if (!json_is_object(item))
        return mm_error_set(err, MM_E_INVALID, "file", "%s is not an object", entry);
    const char *provider = json_string_value(json_object_get(item, "provider"));
    const char *model = json_string_value(json_object_get(item, "model"));
    if (!mm_present(provider) || !mm_present(model))
        return mm_error_set(err, MM_E_INVALID, "file",
                            "%s needs a \"provider\" and a \"model\" (strings)", entry);
    if (!provider_find(provider))
        return mm_error_set(err, MM_E_INVALID, "file", "%s: unknown provider '%s' (known: %s)",
                            entry, provider, provider_id_list());
    memset(price, 0, sizeof *price);
    price->cache_read_per_mtok = price->cache_write_per_mtok = -1;
    if (!mm_copy(price->provider, sizeof price->provider, provider) ||
        !mm_copy(price->model, sizeof price->model, model))
        return mm_error_set(err, MM_E_INVALID, "file", "%s: the model name is too long", entry);
    mm_copy(price->source, sizeof price->source, source);
    static const char *const UNIT_KEYS[3][2] = {
        {"per_image", NULL}, {"per_second", NULL}, {"per_character", NULL}};
    mm_status st = read_unit_prices(item, UNIT_KEYS, entry, price, err);
    if (st == MM_OK)
        st = read_price(json_object_get(item, "input"), has_unit_price(price), 1.0, "input", entry,
                        &price->input_per_mtok, err);
    if (st == MM_OK)
        st = read_price(json_object_get(item, "output"), true, 1.0, "output", entry,
                        &price->output_per_mtok, err);
    if (st == MM_OK)
        st = read_price(json_object_get(item, "cache_read"), true, 1.0, "cache_read", entry,
                        &price->cache_read_per_mtok, err);
    if (st == MM_OK)
        st = read_price(json_object_get(item, "cache_write"), true, 1.0, "cache_write", entry,
                        &price->cache_write_per_mtok, err);
    return st;
}

static mm_status parse_own(json_t *root, const char *label, pricing_file *out, mm_error *err)
{
    json_t *prices = json_object_get(root, "prices");
    if (!json_is_array(prices))
        return mm_error_set(err, MM_E_INVALID, "file",
                            "\"prices\" must be an array of {provider, model, input, output}");
    const char *date = json_string_value(json_object_get(root, "date"));
    mm_copy(out->date, sizeof out->date, date ? date : "");
    char source[64];
    snprintf(source, sizeof source, "%s%s%s", label, out->date[0] ? " " : "", out->date);
    size_t capacity = 0, index;
    json_t *item;
    json_array_foreach(prices, index, item)
    {
        mm_price price;
        mm_status st = parse_own_entry(item, index, source, &price, err);
        if (st != MM_OK)
            return st;
        if (!append_price(out, &capacity, &price))
            return mm_error_set(err, MM_E_INTERNAL, "", "out of memory reading prices");
    }
    return MM_OK;
}

/* LiteLLM's provider names mapped to mmadmin's; NULL for providers mmadmin has no adapter for. */
static const char *litellm_provider(const char *name)
{
    static const char *const MAP[][2] = {
        {"openai", "openai"},   {"anthropic", "anthropic"}, {"azure", "azure-openai"},
        {"gemini", "gemini"},   {"cohere", "cohere"},       {"cohere_chat", "cohere"},
        {"mistral", "mistral"},
    };
    for (size_t i = 0; name && i < sizeof MAP / sizeof MAP[0]; i++)
        if (strcmp(MAP[i][0], name) == 0)
            return MAP[i][1];
    return NULL;
}

/* "gemini/gemini-2.0-flash" -> "gemini-2.0-flash": LiteLLM prefixes some keys with its
 * provider name ("azure/", "mistral/", ...); other keys are the model id itself. */
static const char *litellm_model_name(const char *key, const char *provider_name)
{
    static const char *const PREFIXES[] = {"gemini/",    "azure/",  "mistral/",
                                           "anthropic/", "openai/", "cohere/"};
    size_t n = strlen(provider_name);
    if (strncmp(key, provider_name, n) == 0 && key[n] == '/')
        return key + n + 1;
    for (size_t i = 0; i < sizeof PREFIXES / sizeof PREFIXES[0]; i++)
        if (strncmp(key, PREFIXES[i], strlen(PREFIXES[i])) == 0)
            return key + strlen(PREFIXES[i]);
    return key;
}

static mm_status parse_litellm_entry(const char *key, json_t *item, pricing_file *out,
                                     size_t *capacity, mm_error *err)
{
    const char *provider_name = json_string_value(json_object_get(item, "litellm_provider"));
    const char *provider = litellm_provider(provider_name);
    if (!provider) {
        out->skipped_provider++;
        return MM_OK;
    }
    char entry[160];
    snprintf(entry, sizeof entry, "\"%.120s\"", key);
    mm_price price;
    memset(&price, 0, sizeof price);
    price.cache_read_per_mtok = price.cache_write_per_mtok = -1;
    /* image_generation / audio_transcription / audio_speech entries price their units */
    static const char *const UNIT_KEYS[3][2] = {{"input_cost_per_image", "output_cost_per_image"},
                                                {"input_cost_per_second", NULL},
                                                {"input_cost_per_character", NULL}};
    mm_status units = read_unit_prices(item, UNIT_KEYS, entry, &price, err);
    if (units != MM_OK)
        return units;
    json_t *input = json_object_get(item, "input_cost_per_token");
    if ((!input || json_is_null(input)) && !has_unit_price(&price)) {
        out->skipped_no_price++;
        return MM_OK;
    }
    const char *model = litellm_model_name(key, provider_name);
    if (!mm_present(model) || !mm_copy(price.model, sizeof price.model, model))
        return mm_error_set(err, MM_E_INVALID, "file", "%s: the model name is empty or too long",
                            entry);
    mm_copy(price.provider, sizeof price.provider, provider);
    mm_copy(price.source, sizeof price.source, "litellm");
    mm_status st = read_price(input, true, 1e6, "input", entry, &price.input_per_mtok, err);
    const char *mode = json_string_value(json_object_get(item, "mode"));
    bool embedding = mode && strcmp(mode, "embedding") == 0;
    if (st == MM_OK && embedding)
        price.output_per_mtok = -1; /* embeddings have no output price */
    else if (st == MM_OK)
        st = read_price(json_object_get(item, "output_cost_per_token"), true, 1e6, "output", entry,
                        &price.output_per_mtok, err);
    if (st == MM_OK)
        st = read_price(json_object_get(item, "cache_read_input_token_cost"), true, 1e6,
                        "cache read", entry, &price.cache_read_per_mtok, err);
    if (st == MM_OK)
        st = read_price(json_object_get(item, "cache_creation_input_token_cost"), true, 1e6,
                        "cache write", entry, &price.cache_write_per_mtok, err);
    if (st == MM_OK && !append_price(out, capacity, &price))
        st = mm_error_set(err, MM_E_INTERNAL, "", "out of memory reading prices");
    return st;
}

static mm_status parse_litellm(json_t *root, pricing_file *out, mm_error *err)
{
    size_t capacity = 0;
    const char *key;
    json_t *item;
    json_object_foreach(root, key, item)
    {
        if (strcmp(key, "sample_spec") == 0)
            continue; /* documentation: its "prices" are strings */
        if (!json_is_object(item))
            return mm_error_set(err, MM_E_INVALID, "file",
                                "\"%.120s\" is not an object; a LiteLLM price map holds one "
                                "object per model",
                                key);
        mm_status st = parse_litellm_entry(key, item, out, &capacity, err);
        if (st != MM_OK)
            return st;
    }
    return MM_OK;
}

static bool looks_like_litellm(json_t *root)
{
    const char *key;
    json_t *item;
    json_object_foreach(root, key, item)
    {
        if (json_is_object(item) && (json_object_get(item, "litellm_provider") ||
                                     json_object_get(item, "input_cost_per_token")))
            return true;
    }
    return false;
}

mm_status pricing_parse_text(const char *text, size_t len, const char *source_name,
                             pricing_file *out, mm_error *err)
{
    memset(out, 0, sizeof *out);
    json_error_t jerr;
    json_t *root = json_loadb(text, len, 0, &jerr);
    if (!root)
        return mm_error_set(err, MM_E_INVALID, "file",
                            "%s is not valid JSON (line %d, column %d: %s); nothing was imported",
                            source_name, jerr.line, jerr.column, jerr.text);
    mm_status st;
    if (!json_is_object(root)) {
        st = mm_error_set(err, MM_E_INVALID, "file", "a price file is a JSON object");
    } else if (json_object_get(root, "prices")) {
        out->format = PRICING_FORMAT_MMADMIN;
        st = parse_own(root, "file", out, err);
    } else if (looks_like_litellm(root)) {
        out->format = PRICING_FORMAT_LITELLM;
        st = parse_litellm(root, out, err);
    } else {
        st = mm_error_set(err, MM_E_INVALID, "file",
                          "%s is not a price file: expected mmadmin's {\"date\", \"prices\": "
                          "[...]} or LiteLLM's model_prices_and_context_window.json",
                          source_name);
    }
    json_decref(root);
    if (st != MM_OK) {
        char why[sizeof err->message];
        mm_copy(why, sizeof why, err ? err->message : "");
        if (err && !strstr(why, "nothing was imported"))
            mm_error_set(err, st, "file", "%s: %s; nothing was imported", source_name, why);
        pricing_file_free(out);
        memset(out, 0, sizeof *out);
    }
    return st;
}

mm_status pricing_parse_file(const char *path, pricing_file *out, mm_error *err)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f)
        return mm_error_set(err, MM_E_IO, "file", "cannot open the price file %s: %s", path,
                            strerror(errno));
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 65536 > cap) {
            char *grown = realloc(text, cap + 1048576);
            if (!grown) {
                free(text);
                fclose(f);
                return mm_error_set(err, MM_E_INTERNAL, "", "out of memory reading %s", path);
            }
            text = grown;
            cap += 1048576;
        }
        size_t n = fread(text + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    bool failed = ferror(f);
    fclose(f);
    mm_status st = failed ? mm_error_set(err, MM_E_IO, "file", "cannot read %s", path)
                          : pricing_parse_text(text, len, path, out, err);
    free(text);
    return st;
}

mm_status pricing_import_file(mm_catalog *cat, const char *path, pricing_file *summary,
                              mm_error *err)
{
    mm_status st = pricing_parse_file(path, summary, err);
    if (st != MM_OK)
        return st;
    if (summary->prices.count == 0)
        return mm_error_set(err, MM_E_INVALID, "file",
                            "%s holds no price for a provider mmadmin knows; nothing was imported",
                            path);
    st = pricing_ensure_builtin(cat, err); /* first, so the file's prices win over it */
    if (st != MM_OK)
        return st;
    if (summary->format == PRICING_FORMAT_MMADMIN) {
        char source[64];
        snprintf(source, sizeof source, "import %s", summary->date);
        for (size_t i = 0; i < summary->prices.count; i++)
            mm_copy(summary->prices.items[i].source, sizeof summary->prices.items[i].source,
                    source);
    }
    return catalog_price_set_batch(cat, summary->prices.items, summary->prices.count, err);
}

static bool readable(const char *path)
{
    return access(path, R_OK) == 0;
}

bool pricing_builtin_path(char *out, size_t outsz)
{
    const char *env = getenv("MM_PRICES_FILE");
    if (mm_present(env)) {
        snprintf(out, outsz, "%s", env);
        return readable(out);
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash)
            *slash = '\0';
        static const char *const RELATIVE[] = {"../share/mmadmin/prices.json",
                                               "../data/prices.json", "../../data/prices.json"};
        for (size_t i = 0; i < sizeof RELATIVE / sizeof RELATIVE[0]; i++) {
            snprintf(out, outsz, "%s/%s", exe, RELATIVE[i]);
            if (readable(out))
                return true;
        }
    }
    const char *src = getenv("MM_SOURCE_DIR");
    if (mm_present(src)) {
        snprintf(out, outsz, "%s/data/prices.json", src);
        if (readable(out))
            return true;
    }
    /* the source tree this binary was built from (a build directory outside the tree) */
    snprintf(out, outsz, "%s/prices.json", MM_BUILD_DATA_DIR);
    return readable(out);
}

bool pricing_builtin_needed(mm_catalog *cat)
{
    char loaded[64];
    mm_error local;
    return !catalog_is_read_only(cat) && catalog_setting_get(cat, PRICING_SETTING_BUILTIN, loaded,
                                                             sizeof loaded, &local) != MM_OK;
}

mm_status pricing_ensure_builtin(mm_catalog *cat, mm_error *err)
{
    mm_error local;
    if (!pricing_builtin_needed(cat))
        return MM_OK;
    char path[PATH_MAX];
    if (!pricing_builtin_path(path, sizeof path))
        return MM_OK;
    pricing_file file;
    mm_status st = pricing_parse_file(path, &file, err);
    if (st != MM_OK)
        return st;
    /* prices already in the catalog (set by hand or imported) are kept */
    char source[64];
    snprintf(source, sizeof source, "builtin %s", file.date);
    size_t kept = 0;
    for (size_t i = 0; i < file.prices.count; i++) {
        mm_price existing;
        mm_price *p = &file.prices.items[i];
        if (catalog_price_get(cat, p->provider, p->model, &existing, &local) == MM_OK)
            continue;
        mm_copy(p->source, sizeof p->source, source);
        file.prices.items[kept++] = *p;
    }
    st = kept ? catalog_price_set_batch(cat, file.prices.items, kept, err) : MM_OK;
    if (st == MM_OK)
        st = catalog_setting_set(cat, PRICING_SETTING_BUILTIN, file.date[0] ? file.date : "yes",
                                 err);
    pricing_file_free(&file);
    return st;
}
