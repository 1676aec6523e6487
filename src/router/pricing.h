/* Prices: the cost of tokens from the catalog's price table, and price files (mmadmin's own
 * dated data/prices.json and LiteLLM's model_prices_and_context_window.json) read into it. */
#ifndef MM_ROUTER_PRICING_H
#define MM_ROUTER_PRICING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "error.h"

#define PRICING_SETTING_BUILTIN "prices.builtin_loaded" /* the date of data/prices.json loaded */

/* Cost in USD micros (util/money.h formats it): tokens_in * input + tokens_out * output (USD per
 * million tokens times tokens is micro-USD). -1 ("no price") when price is NULL or a needed side is
 * unknown: an embedding's missing output price is fine as long as it produced no output tokens. */
int64_t pricing_cost_micros(const mm_price *price, int64_t tokens_in, int64_t tokens_out);
/* Tokens by billed kind: cache_read and cache_write are parts of in (clamped to it). */
typedef struct pricing_tokens {
    int64_t in, out, cache_read, cache_write;
    /* Media units (issue 16): images made, audio transcribed (ms), characters read aloud. */
    int64_t images, audio_ms, characters;
} pricing_tokens;
/* Media units priced as LiteLLM keys them: images at per_image USD each, audio at per_second
 * USD a second (billed to the millisecond), characters at per_character USD each. When the
 * units are non-zero and every unit used has a price, the cost is theirs plus the tokens' (when
 * tokens were billed and priced, as gpt-image-1's are); when a unit has no price, the tokens'
 * price applies as below (-1 when there is none either). */
/* Cost in micro-USD as providers bill: plain input at the input price, cache reads at the
 * cache-read price and cache writes at the cache-write price (each the input price when
 * unknown: never cheaper than billed), output at the output price. -1 as pricing_cost_micros. */
int64_t pricing_cost_tokens(const mm_price *price, const pricing_tokens *tokens);
/* "$0.04/image, $0.0001/s, $0.000015/char" for the media prices a price has; "-" for none. */
void pricing_format_units(const mm_price *price, char *out, size_t outsz);
/* A target's price read once for several costs (router_send: an attempt's admission estimate,
 * then its charge). state: MM_OK (price holds it), MM_E_NOT_FOUND (none: every cost is -1) or
 * the read's error (err). */
typedef struct pricing_lookup {
    mm_status state;
    mm_price price;
    mm_error err;
} pricing_lookup;
void pricing_lookup_read(mm_catalog *cat, const char *provider, const char *model,
                         pricing_lookup *out);
/* Prices tokens at a looked-up price: *cost = -1 and MM_OK when it has none; the read's error
 * (copied to err when given) when it failed. */
mm_status pricing_lookup_cost(const pricing_lookup *lookup, const pricing_tokens *tokens,
                              int64_t *cost, mm_error *err);
/* Looks the price up in the catalog and prices tokens; *cost = -1 when there is none. */
mm_status pricing_cost_of(mm_catalog *cat, const char *provider, const char *model,
                          const pricing_tokens *tokens, int64_t *cost, mm_error *err);
/* Looks the price up in the catalog; *cost = -1 when there is none. */
mm_status pricing_cost_lookup(mm_catalog *cat, const char *provider, const char *model,
                              int64_t tokens_in, int64_t tokens_out, int64_t *cost, mm_error *err);

/* A provider model that a target uses and that has no price: its monthly spend counts $0, so
 * an account's monthly cap never stops it (issue 14 item 2). account is the target's account. */
typedef struct pricing_unpriced {
    char account[MM_NAME_MAX];
    char provider[MM_PROVIDER_ID_MAX];
    char model[MM_PROVIDER_MODEL_MAX];
} pricing_unpriced;
/* The targets whose provider model has no price in prices (catalog_price_list's), each
 * (provider, model) once — or, with per_account, each (account, provider, model) once. *out
 * is malloc'd (free it); MM_E_INTERNAL when out of memory. */
mm_status pricing_find_unpriced(mm_catalog *cat, const mm_price_list *prices, bool per_account,
                                pricing_unpriced **out, size_t *count, mm_error *err);
/* As pricing_find_unpriced with per_account, only the targets of accounts with a monthly
 * spending cap (monthly_cap_cents set): the unpriced-cap warning's entries, in the same order. */
mm_status pricing_find_unpriced_capped(mm_catalog *cat, const mm_price_list *prices,
                                       pricing_unpriced **out, size_t *count, mm_error *err);

typedef enum pricing_format { PRICING_FORMAT_MMADMIN, PRICING_FORMAT_LITELLM } pricing_format;

typedef struct pricing_file {
    pricing_format format;
    char date[32];           /* mmadmin format: "2025-06-01"; "" for LiteLLM */
    mm_price_list prices;    /* parsed entries, provider ids in mmadmin's vocabulary */
    size_t skipped_provider; /* LiteLLM: entries of providers mmadmin has no adapter for */
    size_t skipped_no_price; /* LiteLLM: entries without token or media prices */
} pricing_file;

/* Parses a price file of either format (told apart by its shape). Nothing is half-read: on a
 * bad file err says which entry is wrong and why, and out holds nothing. */
mm_status pricing_parse_text(const char *text, size_t len, const char *source_name,
                             pricing_file *out, mm_error *err);
mm_status pricing_parse_file(const char *path, pricing_file *out, mm_error *err);
void pricing_file_free(pricing_file *file);

/* Parses the file, loads the built-in table if it never was (so the file's prices win), then
 * writes every price of the file in one transaction (all or nothing). */
mm_status pricing_import_file(mm_catalog *cat, const char *path, pricing_file *summary,
                              mm_error *err);

/* Where the built-in price table is: $MM_PRICES_FILE, else beside the installed binary
 * (../share/mmadmin/prices.json), the build tree (../data/prices.json), or $MM_SOURCE_DIR/data.
 * Returns false when none exists. */
bool pricing_builtin_path(char *out, size_t outsz);
/* Loads the built-in price table into the catalog the first time prices are needed (once per
 * catalog: remembered in the setting prices.builtin_loaded). Quietly does nothing when the file
 * cannot be found or the catalog is read-only. */
mm_status pricing_ensure_builtin(mm_catalog *cat, mm_error *err);
/* Whether pricing_ensure_builtin has anything to do: a writable catalog without the setting
 * (read in the caller's read transaction, if one is open; a failed read counts as needed). */
bool pricing_builtin_needed(mm_catalog *cat);

#endif
