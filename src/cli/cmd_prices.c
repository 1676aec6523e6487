/* `mmadmin prices list|set|import`: the price table (USD per million tokens) behind every cost
 * figure; models the targets use without a price are listed as "no price", never $0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "providers/provider.h"
#include "router/pricing.h"
#include "util/money.h"

enum {
    OPT_INPUT = 256,
    OPT_OUTPUT,
    OPT_CACHE_READ,
    OPT_CACHE_WRITE,
    OPT_PER_IMAGE,
    OPT_PER_SECOND,
    OPT_PER_CHARACTER
};

static const cli_option set_options[] = {
    {"input", "USD", OPT_INPUT,
     "USD per million input tokens (required unless a media price is given)"},
    {"output", "USD", OPT_OUTPUT, "USD per million output tokens (omit for embedding models)"},
    {"cache-read", "USD", OPT_CACHE_READ,
     "USD per million input tokens read from the provider's cache (default: the input price)"},
    {"cache-write", "USD", OPT_CACHE_WRITE,
     "USD per million input tokens written to the provider's cache (default: the input price)"},
    {"per-image", "USD", OPT_PER_IMAGE, "USD per image generated (image models)"},
    {"per-second", "USD", OPT_PER_SECOND, "USD per second of audio transcribed (audio models)"},
    {"per-character", "USD", OPT_PER_CHARACTER,
     "USD per character of text read aloud (speech models)"},
    {NULL, NULL, 0, NULL},
};

static const money_input INPUT_PRICE = {"--input", "input", MONEY_FROM_OPTION};
static const money_input OUTPUT_PRICE = {"--output", "output", MONEY_FROM_OPTION};
static const money_input CACHE_READ_PRICE = {"--cache-read", "cache-read", MONEY_FROM_OPTION};
static const money_input CACHE_WRITE_PRICE = {"--cache-write", "cache-write", MONEY_FROM_OPTION};
static const money_input MEDIA_PRICES[3] = {
    {"--per-image", "per-image", MONEY_FROM_OPTION},
    {"--per-second", "per-second", MONEY_FROM_OPTION},
    {"--per-character", "per-character", MONEY_FROM_OPTION}};
static const char *const MEDIA_UNITS[3] = {"image", "second", "character"};

static const cli_spec list_spec = {
    .command = "prices list",
    .synopsis = "[--json]",
    .description = "Lists the known prices (USD per million tokens) with where each came from,\n"
                   "then the provider models used by targets that have no price (their cost\n"
                   "shows as \"no price\", never $0).",
    .options = cli_json_options,
    .example = "mmadmin prices list\nmmadmin prices list --json",
    .min_args = 0,
    .max_args = 0,
};

static const cli_spec set_spec = {
    .command = "prices set",
    .synopsis = "PROVIDER MODEL --input USD [--output USD] [--cache-read USD] [--cache-write USD]\n"
                "  [--per-image USD] [--per-second USD] [--per-character USD]",
    .description = "Sets the price of one provider model, in USD per million tokens. Cache reads\n"
                   "and writes (Anthropic's cache_read / cache_creation input tokens, OpenAI's\n"
                   "and Gemini's cached tokens) cost the input price unless given. Image and\n"
                   "audio models are priced per image, per second of audio transcribed or per\n"
                   "character read aloud; --input is optional then.",
    .options = set_options,
    .example = "mmadmin prices set openai gpt-4o --input 2.50 --output 10\n"
               "mmadmin prices set anthropic claude-sonnet-4-20250514 --input 3 --output 15 "
               "--cache-read 0.30 --cache-write 3.75\n"
               "mmadmin prices set openai text-embedding-3-small --input 0.02\n"
               "mmadmin prices set openai dall-e-3 --per-image 0.04",
    .min_args = 2,
    .max_args = 2,
    .args_name = "PROVIDER MODEL",
};

static const cli_spec import_spec = {
    .command = "prices import",
    .synopsis = "FILE",
    .description =
        "Imports prices from FILE: mmadmin's own format (data/prices.json: {\"date\", \"prices\":\n"
        "[{provider, model, input, output}]}) or LiteLLM's model_prices_and_context_window.json\n"
        "(per-token prices, converted to per million, and the media prices input_cost_per_image,\n"
        "input_cost_per_second, input_cost_per_character; providers mmadmin has no adapter for\n"
        "are skipped and counted). All or nothing: a bad file imports nothing.",
    .options = cli_no_options,
    .example = "mmadmin prices import model_prices_and_context_window.json",
    .min_args = 1,
    .max_args = 1,
    .args_name = "FILE",
};

static json_t *per_mtok_json(double value)
{
    return value < 0 ? json_null() : json_real(value);
}

static json_t *unit_json(double value)
{
    return value <= 0 ? json_null() : json_real(value);
}

static json_t *price_json(const mm_price *price)
{
    json_t *obj = json_object();
    char when[40];
    cli_format_iso_time(when, sizeof when, price->updated_ms);
    json_object_set_new(obj, "provider", json_string(price->provider));
    json_object_set_new(obj, "model", json_string(price->model));
    json_object_set_new(obj, "priced", json_true());
    json_object_set_new(obj, "input_per_mtok", per_mtok_json(price->input_per_mtok));
    json_object_set_new(obj, "output_per_mtok", per_mtok_json(price->output_per_mtok));
    json_object_set_new(obj, "cache_read_per_mtok", per_mtok_json(price->cache_read_per_mtok));
    json_object_set_new(obj, "cache_write_per_mtok", per_mtok_json(price->cache_write_per_mtok));
    json_object_set_new(obj, "per_image", unit_json(price->per_image));
    json_object_set_new(obj, "per_second", unit_json(price->per_second));
    json_object_set_new(obj, "per_character", unit_json(price->per_character));
    json_object_set_new(obj, "source", json_string(price->source));
    json_object_set_new(obj, "updated", json_string(when));
    return obj;
}

static void print_prices_text(const mm_price_list *prices, const pricing_unpriced *missing,
                              size_t n)
{
    if (prices->count == 0 && n == 0) {
        printf("no prices known; import some with: mmadmin prices import FILE\n");
        return;
    }
    const char *headers[] = {"PROVIDER",       "MODEL",           "INPUT $/M", "OUTPUT $/M",
                             "CACHE READ $/M", "CACHE WRITE $/M", "MEDIA",     "SOURCE"};
    cli_table *table = cli_table_new(8, headers);
    for (size_t i = 0; table && i < prices->count; i++) {
        const mm_price *p = &prices->items[i];
        char in[32], out[32], read[32], write[32];
        money_format_per_mtok(p->input_per_mtok, in, sizeof in);
        money_format_per_mtok(p->output_per_mtok, out, sizeof out);
        money_format_per_mtok(p->cache_read_per_mtok, read, sizeof read);
        money_format_per_mtok(p->cache_write_per_mtok, write, sizeof write);
        char media[96];
        pricing_format_units(p, media, sizeof media);
        const char *row[] = {p->provider, p->model, in, out, read, write, media, p->source};
        cli_table_add(table, row);
    }
    for (size_t i = 0; table && i < n; i++) {
        const char *row[] = {
            missing[i].provider, missing[i].model, "no price", "no price", "-", "-", "-",
            "used by a target"};
        cli_table_add(table, row);
    }
    cli_table_finish(table, stdout);
}

/* the prices, and the targets' provider models without one */
typedef struct price_listing {
    mm_price_list prices;
    pricing_unpriced *missing;
    size_t n_missing;
} price_listing;

static mm_status load_prices(mm_catalog *cat, const char *word, void *listing, mm_error *err)
{
    (void)word; /* list takes no words */
    price_listing *l = listing;
    mm_status st = pricing_ensure_builtin(cat, err);
    if (st == MM_OK)
        st = catalog_price_list(cat, &l->prices, err);
    if (st == MM_OK)
        st = pricing_find_unpriced(cat, &l->prices, false, &l->missing, &l->n_missing, err);
    return st;
}

static int print_prices(mm_catalog *cat, bool json, const void *listing)
{
    (void)cat;
    const price_listing *l = listing;
    if (!json) {
        print_prices_text(&l->prices, l->missing, l->n_missing);
        return CLI_EXIT_OK;
    }
    json_t *array = json_array();
    for (size_t i = 0; i < l->prices.count; i++)
        json_array_append_new(array, price_json(&l->prices.items[i]));
    for (size_t i = 0; i < l->n_missing; i++)
        json_array_append_new(array, json_pack("{s:s, s:s, s:b, s:n, s:n, s:n, s:n, s:n, s:n}",
                                               "provider", l->missing[i].provider, "model",
                                               l->missing[i].model, "priced", 0, "input_per_mtok",
                                               "output_per_mtok", "cache_read_per_mtok",
                                               "cache_write_per_mtok", "source", "updated"));
    return cli_print_json(array);
}

static void free_prices(void *listing)
{
    price_listing *l = listing;
    mm_price_list_free(&l->prices);
    free(l->missing);
}

static int prices_list(cli_context *ctx, int argc, char **argv)
{
    static const cli_list_steps steps = {load_prices, print_prices, free_prices};
    price_listing listing = {0};
    return cli_run_list(ctx, argc, argv, &list_spec, &steps, &listing);
}

/* The media prices given (NULL: none), parsed like the token prices. */
static mm_status parse_media_prices(const char *const media[3], mm_price *price, mm_error *err)
{
    double *slots[3] = {&price->per_image, &price->per_second, &price->per_character};
    for (int i = 0; i < 3; i++)
        if (media[i] && money_parse_per_unit(media[i], &MEDIA_PRICES[i], MEDIA_UNITS[i], slots[i],
                                             err) != MM_OK)
            return MM_E_INVALID;
    return MM_OK;
}

/* "price of P/M set: $2.50 input, $10.00 output per million tokens; $0.04 per image". */
static void print_price_set(const mm_price *price, bool output, bool cache_read, bool cache_write)
{
    char in[32], out[32], read[32], write[32];
    money_format_per_mtok(price->input_per_mtok, in, sizeof in);
    money_format_per_mtok(price->output_per_mtok, out, sizeof out);
    money_format_per_mtok(price->cache_read_per_mtok, read, sizeof read);
    money_format_per_mtok(price->cache_write_per_mtok, write, sizeof write);
    printf("price of %s/%s set: ", price->provider, price->model);
    if (price->input_per_mtok >= 0)
        printf("$%s input, %s%s output per million tokens", in, output ? "$" : "",
               output ? out : "no");
    if (cache_read || cache_write)
        printf("; cache reads %s%s, cache writes %s%s", cache_read ? "$" : "", read,
               cache_write ? "$" : "", write);
    char units[96];
    pricing_format_units(price, units, sizeof units);
    if (units[0] && strcmp(units, "-") != 0)
        printf("%s%s", price->input_per_mtok >= 0 ? "; " : "", units);
    printf("\n");
}

static int prices_set(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &set_spec, argc, argv);
    const char *input = NULL, *output = NULL, *cache_read = NULL, *cache_write = NULL;
    const char *media[3] = {NULL, NULL, NULL}; /* per image, second, character */
    int id;
    while ((id = cli_next_option(&p)) > 0) {
        if (id == OPT_INPUT)
            input = p.arg;
        else if (id == OPT_OUTPUT)
            output = p.arg;
        else if (id == OPT_CACHE_READ)
            cache_read = p.arg;
        else if (id == OPT_CACHE_WRITE)
            cache_write = p.arg;
        else if (id >= OPT_PER_IMAGE && id <= OPT_PER_CHARACTER)
            media[id - OPT_PER_IMAGE] = p.arg;
    }
    if (id == CLI_STOP)
        return p.exit_code;
    if (!input && !media[0] && !media[1] && !media[2])
        return cli_usage_error("prices set", "--input USD is required (USD per million input "
                                             "tokens), or a media price (--per-image, "
                                             "--per-second, --per-character)");
    mm_error err = {0};
    if (!provider_find(p.args[0])) {
        mm_error_set(&err, MM_E_INVALID, "provider", "unknown provider '%s'; known: %s", p.args[0],
                     provider_id_list());
        return cli_report(&err);
    }
    mm_price price;
    memset(&price, 0, sizeof price);
    price.input_per_mtok = price.output_per_mtok = price.cache_read_per_mtok =
        price.cache_write_per_mtok = -1;
    if (parse_media_prices(media, &price, &err) != MM_OK)
        return cli_report(&err);
    if (cli_copy_field(price.provider, sizeof price.provider, p.args[0], "provider", &err) !=
            MM_OK ||
        cli_copy_field(price.model, sizeof price.model, p.args[1], "model", &err) != MM_OK ||
        (input &&
         money_parse_per_mtok(input, &INPUT_PRICE, &price.input_per_mtok, &err) != MM_OK) ||
        (output &&
         money_parse_per_mtok(output, &OUTPUT_PRICE, &price.output_per_mtok, &err) != MM_OK) ||
        (cache_read && money_parse_per_mtok(cache_read, &CACHE_READ_PRICE,
                                            &price.cache_read_per_mtok, &err) != MM_OK) ||
        (cache_write && money_parse_per_mtok(cache_write, &CACHE_WRITE_PRICE,
                                             &price.cache_write_per_mtok, &err) != MM_OK))
        return cli_report(&err);
    snprintf(price.source, sizeof price.source, "manual");
    mm_catalog *cat = cli_catalog(ctx, &err);
    if (!cat || pricing_ensure_builtin(cat, &err) != MM_OK ||
        catalog_price_set(cat, &price, &err) != MM_OK)
        return cli_report(&err);
    print_price_set(&price, output != NULL, cache_read != NULL, cache_write != NULL);
    return CLI_EXIT_OK;
}

static int prices_import(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    mm_catalog *cat;
    int stop = cli_start(ctx, &p, &import_spec, argc, argv, NULL, &cat);
    if (stop >= 0)
        return stop;
    mm_error err = {0};
    pricing_file summary;
    memset(&summary, 0, sizeof summary);
    if (pricing_import_file(cat, p.args[0], &summary, &err) != MM_OK) {
        pricing_file_free(&summary);
        return cli_report(&err);
    }
    printf("imported %zu price%s from %s (%s format)", summary.prices.count,
           summary.prices.count == 1 ? "" : "s", p.args[0],
           summary.format == PRICING_FORMAT_LITELLM ? "LiteLLM" : "mmadmin");
    if (summary.format == PRICING_FORMAT_LITELLM)
        printf("; skipped %zu entries of providers mmadmin has no adapter for and %zu without "
               "token or media prices",
               summary.skipped_provider, summary.skipped_no_price);
    printf("\n");
    pricing_file_free(&summary);
    return CLI_EXIT_OK;
}

int cmd_prices(cli_context *ctx, int argc, char **argv)
{
    static const cli_subcommand subs[] = {
        {"list", "list the known prices and the models without one", prices_list},
        {"set", "set one model's price (USD per million tokens)", prices_set},
        {"import", "import prices from mmadmin's or LiteLLM's price file", prices_import},
    };
    return CLI_DISPATCH(ctx, "prices", "the price table behind every cost figure", subs, argc,
                        argv);
}
