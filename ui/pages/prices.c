/* The Prices page: the catalog's price table (USD per million tokens) with the provider models
 * targets use that have no price, a form to set one, and import of a price file (LiteLLM's map
 * or mmadmin's own) through the same src/router/pricing.c calls as `mmadmin prices`. */
#include "pages/prices.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "draw.h"
#include "jobs.h"
#include "page.h"
#include "providers/provider.h"
#include "router/pricing.h"
#include "util/money.h"
#include "util/text.h"
#include "widgets/dialog.h"
#include "widgets/form.h"
#include "widgets/form_dialog.h"
#include "widgets/table.h"

enum { COL_PROVIDER, COL_MODEL, COL_INPUT, COL_OUTPUT, COL_READ, COL_WRITE, COL_SOURCE, N_COLS };

static const ui_column COLUMNS[N_COLS] = {
    [COL_PROVIDER] = {"Provider", 8, 17, UI_ALIGN_LEFT, false, false},
    [COL_MODEL] = {"Model", 10, 40, UI_ALIGN_LEFT, true, false},
    [COL_INPUT] = {"Input $/M", 9, 10, UI_ALIGN_RIGHT, false, false},
    [COL_OUTPUT] = {"Output $/M", 10, 10, UI_ALIGN_RIGHT, false, false},
    [COL_READ] = {"Cache read", 10, 10, UI_ALIGN_RIGHT, false, false},
    [COL_WRITE] = {"Cache write", 11, 11, UI_ALIGN_RIGHT, false, false},
    [COL_SOURCE] = {"Source", 6, 30, UI_ALIGN_LEFT, false, false},
};
static const int KEEP[N_COLS] = {8, 9, 7, 6, 2, 1, 4};

typedef struct prices_page {
    ui_table table;
    mm_price_list prices;        /* the rows after the unpriced ones, in the table's order */
    pricing_unpriced *missing;   /* the first rows: models targets use without a price */
    size_t unpriced;             /* how many */
    mm_price_list before_prices; /* the previous read, while the rows are synced */
    pricing_unpriced *before_missing;
    size_t before_unpriced;
    char key[MM_PROVIDER_ID_MAX + MM_PROVIDER_MODEL_MAX]; /* price_key's answer */
    char load_error[MM_MESSAGE_MAX + 64];
} prices_page;

/* ---- the unpriced-cap warning (shared with the Accounts and Health pages) ---- */

/* "a, b, c +2" of the entries that count: account's, or (account NULL) every one (of the
 * capped accounts then: pricing_find_unpriced_capped). */
static size_t list_unpriced(const pricing_unpriced *missing, size_t n, const char *account,
                            char *out, size_t outsz)
{
    size_t hits = 0, used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (account && strcmp(missing[i].account, account) != 0)
            continue;
        if (hits < 3 && used < outsz) {
            int w =
                snprintf(out + used, outsz - used, "%s%s%s%s", hits ? ", " : "",
                         account ? "" : missing[i].account, account ? "" : "/", missing[i].model);
            used += w > 0 ? (size_t)w : 0;
        }
        hits++;
    }
    if (hits > 3 && used < outsz)
        snprintf(out + used, outsz - used, " +%zu", hits - 3);
    return hits;
}

static bool cap_warning(mm_catalog *cat, const char *account, char *out, size_t outsz)
{
    out[0] = '\0';
    mm_price_list prices = {0};
    pricing_unpriced *missing = NULL;
    size_t n = 0, hits = 0;
    mm_error err;
    mm_error_clear(&err);
    if (catalog_price_list(cat, &prices, &err) == MM_OK &&
        (account ? pricing_find_unpriced(cat, &prices, true, &missing, &n, &err)
                 : pricing_find_unpriced_capped(cat, &prices, &missing, &n, &err)) == MM_OK)
        hits = list_unpriced(missing, n, account, out, outsz);
    free(missing);
    mm_price_list_free(&prices);
    return hits > 0;
}

bool ui_prices_cap_warning(ui_app *app, const char *account, char *out, size_t outsz)
{
    return cap_warning(app->cat, account, out, outsz);
}

typedef struct cap_warning_job {
    char path[4096]; /* the catalog the console has open: the job opens its own */
    char text[256];
    ui_prices_cap_done_fn *done;
} cap_warning_job;

static void cap_warning_work(void *data)
{
    cap_warning_job *job = data;
    mm_catalog_options opts = {.path = job->path[0] ? job->path : NULL, .read_only = true};
    mm_catalog *cat = NULL;
    mm_error err;
    mm_error_clear(&err);
    if (catalog_open(&opts, &cat, &err) != MM_OK)
        return; /* no warning rather than a wrong one: the Prices page still lists them */
    cap_warning(cat, NULL, job->text, sizeof job->text);
    catalog_close(cat);
}

static void cap_warning_done(ui_app *app, void *data, void *owner)
{
    cap_warning_job *job = data;
    job->done(app, job->text, owner);
}

bool ui_prices_cap_warning_start(ui_app *app, void *owner, ui_prices_cap_done_fn *done)
{
    cap_warning_job *job = calloc(1, sizeof *job);
    if (!job)
        return false;
    const char *path = catalog_path(app->cat);
    mm_copy(job->path, sizeof job->path, path ? path : "");
    job->done = done;
    return ui_job_start(app, cap_warning_work, cap_warning_done, free, job, owner) != NULL;
}

void ui_prices_warn_after_save(ui_app *app, const mm_account *acc, const char *saved)
{
    char models[256];
    if (acc->monthly_cap_cents == MM_LIMIT_UNSET ||
        !ui_prices_cap_warning(app, acc->name, models, sizeof models))
        return;
    ui_set_message(app, UI_EL_WARN,
                   "%s %s's monthly cap counts nothing for %s: no price. Set one on the "
                   "Prices page (7). (%s)",
                   ui_glyph(app, UI_G_WARN), acc->name, models, saved);
}

/* ---- loading ---- */

static void format_price(ui_table *t, size_t row, const mm_price *p)
{
    char in[32], out[32], read[32], write[32];
    money_format_per_mtok(p->input_per_mtok, in, sizeof in);
    money_format_per_mtok(p->output_per_mtok, out, sizeof out);
    money_format_per_mtok(p->cache_read_per_mtok, read, sizeof read);
    money_format_per_mtok(p->cache_write_per_mtok, write, sizeof write);
    const char *cells[N_COLS] = {p->provider, p->model, in, out, read, write, p->source};
    ui_element els[N_COLS] = {UI_EL_NORMAL, UI_EL_NORMAL, UI_EL_NORMAL, UI_EL_NORMAL,
                              UI_EL_DIM,    UI_EL_DIM,    UI_EL_DIM};
    ui_table_set_row(t, row, cells, els);
}

static void format_unpriced(ui_table *t, size_t row, const pricing_unpriced *u)
{
    char source[MM_NAME_MAX + 32];
    snprintf(source, sizeof source, "used by %s: caps count $0", u->account);
    const char *cells[N_COLS] = {u->provider, u->model, "no price", "no price", "–", "–", source};
    ui_element els[N_COLS] = {UI_EL_WARN, UI_EL_WARN, UI_EL_WARN, UI_EL_WARN,
                              UI_EL_DIM,  UI_EL_DIM,  UI_EL_WARN};
    ui_table_set_row(t, row, cells, els);
}

/* Formats row (the table's lazy row: its first draw, a filter or a sort): the unpriced models
 * first, then the prices. */
static void format_row(void *ctx, ui_table *t, size_t row)
{
    prices_page *st = ctx;
    if (row < st->unpriced)
        format_unpriced(t, row, &st->missing[row]);
    else
        format_price(t, row, &st->prices.items[row - st->unpriced]);
}

static const char *price_key(void *ctx, size_t item)
{
    prices_page *st = ctx;
    const char *provider = item < st->unpriced ? st->missing[item].provider
                                               : st->prices.items[item - st->unpriced].provider;
    const char *model =
        item < st->unpriced ? st->missing[item].model : st->prices.items[item - st->unpriced].model;
    snprintf(st->key, sizeof st->key, "%s/%s", provider, model);
    return st->key;
}

static bool same_price(const mm_price *a, const mm_price *b)
{
    return a->input_per_mtok == b->input_per_mtok && a->output_per_mtok == b->output_per_mtok &&
           a->cache_read_per_mtok == b->cache_read_per_mtok &&
           a->cache_write_per_mtok == b->cache_write_per_mtok && !strcmp(a->source, b->source);
}

/* Row (of the previous read) and item (of this one) show the same. */
static bool price_same(void *ctx, size_t row, size_t item)
{
    const prices_page *st = ctx;
    bool was_unpriced = row < st->before_unpriced, unpriced = item < st->unpriced;
    if (was_unpriced != unpriced)
        return false;
    if (unpriced)
        return !strcmp(st->before_missing[row].account, st->missing[item].account);
    return same_price(&st->before_prices.items[row - st->before_unpriced],
                      &st->prices.items[item - st->unpriced]);
}

static void free_before(prices_page *st)
{
    mm_price_list_free(&st->before_prices);
    memset(&st->before_prices, 0, sizeof st->before_prices);
    free(st->before_missing);
    st->before_missing = NULL;
    st->before_unpriced = 0;
}

/* Reads the prices and the unpriced models again; only the rows that changed are formatted
 * again. */
static void prices_load(ui_page *page, ui_app *app)
{
    prices_page *st = page->state;
    free_before(st);
    st->before_prices = st->prices;
    st->before_missing = st->missing;
    st->before_unpriced = st->unpriced;
    memset(&st->prices, 0, sizeof st->prices);
    st->missing = NULL;
    st->unpriced = 0;
    mm_error err;
    mm_error_clear(&err);
    st->load_error[0] = '\0';
    if ((!app->read_only && pricing_ensure_builtin(app->cat, &err) != MM_OK) ||
        catalog_price_list(app->cat, &st->prices, &err) != MM_OK ||
        pricing_find_unpriced(app->cat, &st->prices, false, &st->missing, &st->unpriced, &err) !=
            MM_OK)
        snprintf(st->load_error, sizeof st->load_error, "Could not read the prices: %s",
                 err.message);
    if (!st->missing)
        st->unpriced = 0;
    ui_table_sync(&st->table, st->unpriced + st->prices.count, price_key, price_same, st);
    free_before(st);
    snprintf(page->subtitle, sizeof page->subtitle, "%zu price%s, %zu used without one",
             st->prices.count, st->prices.count == 1 ? "" : "s", st->unpriced);
}

/* The selected price's media prices (per image, second of audio, character; issue 16) as the
 * page's bottom line; false when it has none. */
static bool selected_media_line(const prices_page *st, char *line, size_t linesz)
{
    const char *key = ui_table_selected_key(&st->table);
    for (size_t i = 0; key && i < st->prices.count; i++) {
        const mm_price *p = &st->prices.items[i];
        size_t n = strlen(p->provider);
        if (strncmp(key, p->provider, n) != 0 || key[n] != '/' || strcmp(key + n + 1, p->model))
            continue;
        if (p->per_image <= 0 && p->per_second <= 0 && p->per_character <= 0)
            return false;
        char units[96];
        pricing_format_units(p, units, sizeof units);
        snprintf(line, linesz, "%s media prices, USD: %s (images, seconds of audio, characters).",
                 p->model, units);
        return true;
    }
    return false;
}

static void prices_draw(ui_page *page, ui_app *app, WINDOW *win, ui_rect area, bool focused)
{
    prices_page *st = page->state;
    ui_rect table_area = area;
    if (area.h > 6) {
        char line[sizeof st->load_error + 64];
        ui_element el = st->load_error[0] ? UI_EL_ERROR : st->unpriced ? UI_EL_WARN : UI_EL_DIM;
        if (st->load_error[0])
            snprintf(line, sizeof line, "%s", st->load_error);
        else if (st->unpriced)
            snprintf(line, sizeof line,
                     "%s %zu model%s used by targets %s no price: their spend counts $0 and "
                     "monthly caps never stop them. Enter sets a price.",
                     ui_glyph(app, UI_G_WARN), st->unpriced, st->unpriced == 1 ? "" : "s",
                     st->unpriced == 1 ? "has" : "have");
        else if (!selected_media_line(st, line, sizeof line))
            snprintf(line, sizeof line,
                     "USD per million tokens. Enter edits, a adds, i imports a LiteLLM price map.");
        table_area.h -= 1;
        ui_draw_text(app, win, area.y + area.h - 1, area.x, area.w, el, UI_ALIGN_LEFT, line);
    }
    ui_table_draw(&st->table, app, win, table_area, focused);
}

/* ---- the price form ---- */

typedef struct price_ctx {
    mm_price price;
    bool adding;
} price_ctx;

#define PRICE_FIELDS 7

/* The form's prices: four per million tokens, then the media prices per unit (issue 16). */
static const money_input PRICE_INPUTS[PRICE_FIELDS] = {
    {"Input", "input", MONEY_FROM_FORM},
    {"Output", "output", MONEY_FROM_FORM},
    {"Cache read", "cache_read", MONEY_FROM_FORM},
    {"Cache write", "cache_write", MONEY_FROM_FORM},
    {"Per image", "per_image", MONEY_FROM_FORM},
    {"Per second", "per_second", MONEY_FROM_FORM},
    {"Per character", "per_character", MONEY_FROM_FORM},
};
/* NULL: USD per million tokens; else USD per this unit. */
static const char *const PRICE_UNITS[PRICE_FIELDS] = {NULL,    NULL,     NULL,       NULL,
                                                      "image", "second", "character"};

static double *price_slot(mm_price *p, size_t i)
{
    double *slots[PRICE_FIELDS] = {
        &p->input_per_mtok, &p->output_per_mtok, &p->cache_read_per_mtok, &p->cache_write_per_mtok,
        &p->per_image,      &p->per_second,      &p->per_character};
    return slots[i];
}

/* Parses field i's text ("$" allowed) with the CLI's parser for that kind of price. */
static mm_status parse_price_field(size_t i, const char *text, double *out, mm_error *err)
{
    const char *number = text[0] == '$' ? text + 1 : text;
    return PRICE_UNITS[i] ? money_parse_per_unit(number, &PRICE_INPUTS[i], PRICE_UNITS[i], out, err)
                          : money_parse_per_mtok(number, &PRICE_INPUTS[i], out, err);
}

static bool any_media_text(ui_form *f)
{
    for (size_t i = 4; i < PRICE_FIELDS; i++)
        if (ui_form_value(f, PRICE_INPUTS[i].field)[0])
            return true;
    return false;
}

static bool submit_price(ui_app *app, ui_form *f, void *ctx, char *other, size_t othersz)
{
    price_ctx *pc = ctx;
    mm_price next = pc->price;
    mm_error err;
    mm_error_clear(&err);
    if (pc->adding && (!ui_form_copy_value(f, "provider", next.provider, sizeof next.provider) ||
                       !ui_form_copy_value(f, "model", next.model, sizeof next.model)))
        return false;
    if (pc->adding && !provider_find(next.provider)) {
        char msg[MM_MESSAGE_MAX];
        snprintf(msg, sizeof msg, "unknown provider '%s'; known: %s", next.provider,
                 provider_id_list());
        ui_form_set_error(f, "provider", msg);
        return false;
    }
    if (pc->adding && !next.model[0]) {
        ui_form_set_error(f, "model", "give the provider's model id, e.g. gpt-4o-mini");
        return false;
    }
    bool ok = true, media = any_media_text(f); /* before: ui_form_value's text lasts one call */
    for (size_t i = 0; i < PRICE_FIELDS; i++) {
        const char *text = ui_form_value(f, PRICE_INPUTS[i].field);
        *price_slot(&next, i) = PRICE_UNITS[i] ? 0 : -1;
        if (!text[0] && i == 0 && !media) {
            ui_form_set_error(f, "input",
                              "the input price is needed (USD per million tokens), or a media "
                              "price (per image, second or character)");
            ok = false;
        } else if (text[0] && parse_price_field(i, text, price_slot(&next, i), &err) != MM_OK) {
            ui_form_set_error(f, PRICE_INPUTS[i].field, err.message);
            ok = false;
        }
    }
    if (!ok)
        return false;
    snprintf(next.source, sizeof next.source, "manual");
    if (catalog_price_set(app->cat, &next, &err) != MM_OK) {
        if (!ui_form_set_error(f, err.field, err.message))
            snprintf(other, othersz, "Not saved: %s", err.message);
        return false;
    }
    pc->price = next;
    return true;
}

static void price_text(size_t i, double v, char *out, size_t outsz)
{
    if (v < 0 || (PRICE_UNITS[i] && v <= 0))
        out[0] = '\0';
    else if (PRICE_UNITS[i])
        snprintf(out, outsz, "%g", v);
    else
        money_format_per_mtok(v, out, outsz);
}

/* A price field's check when the admin leaves it (the input price may stay empty for an image
 * or audio model; Save says when it is needed). */
static bool check_price(const ui_field_def *def, const char *value, char *msg, size_t msgsz)
{
    for (size_t i = 0; i < PRICE_FIELDS; i++) {
        double out;
        mm_error err;
        mm_error_clear(&err);
        if (strcmp(def->name, PRICE_INPUTS[i].field) != 0)
            continue;
        if (*value && parse_price_field(i, value, &out, &err) != MM_OK) {
            snprintf(msg, msgsz, "%s", err.message);
            return false;
        }
    }
    return true;
}

static bool run_price_form(ui_app *app, price_ctx *pc)
{
    static const ui_field_def provider = {"provider",
                                          "Provider",
                                          "the provider id: openai, anthropic, azure-openai...",
                                          false,
                                          MM_PROVIDER_ID_MAX - 1,
                                          NULL};
    static const ui_field_def model = {
        "model", "Model", "the provider's model id, e.g. gpt-4o", false, MM_PROVIDER_MODEL_MAX - 1,
        NULL};
    static const ui_field_def fields[PRICE_FIELDS] = {
        {"input", "Input $/M", "USD per million input tokens, e.g. 2.50; empty for image/audio",
         false, 20, check_price},
        {"output", "Output $/M", "USD per million output tokens; empty for embeddings", false, 20,
         check_price},
        {"cache_read", "Cache read $/M", "optional; empty = billed at the input price", false, 20,
         check_price},
        {"cache_write", "Cache write $/M", "optional; empty = billed at the input price", false, 20,
         check_price},
        {"per_image", "Per image $", "image models: USD per image, e.g. 0.04", false, 20,
         check_price},
        {"per_second", "Per second $", "transcription: USD per second of audio, e.g. 0.0001", false,
         20, check_price},
        {"per_character", "Per char $", "speech: USD per character read aloud, e.g. 0.000015",
         false, 20, check_price},
    };
    ui_form form;
    ui_form_init(&form);
    if (pc->adding) {
        ui_form_add(&form, &provider, pc->price.provider);
        ui_form_add(&form, &model, pc->price.model);
    }
    for (size_t i = 0; i < PRICE_FIELDS; i++) {
        char value[32];
        price_text(i, *price_slot(&pc->price, i), value, sizeof value);
        ui_form_add(&form, &fields[i], value);
    }
    char title[MM_PROVIDER_ID_MAX + MM_PROVIDER_MODEL_MAX + 32];
    if (pc->adding)
        snprintf(title, sizeof title, "New price");
    else
        snprintf(title, sizeof title, "Price of %s/%s", pc->price.provider, pc->price.model);
    ui_form_dialog_spec spec = {
        .title = title,
        .intro = "USD per million tokens, or per image, second or character for image and audio "
                 "models, as the provider bills. Spend, projections and "
                 "monthly caps use it from the next request on; past usage keeps its cost.",
        .save_label = "Save",
        .submit = submit_price,
        .ctx = pc};
    bool saved = ui_form_dialog_run(app, &form, &spec);
    ui_form_free(&form);
    return saved;
}

/* ---- actions ---- */

static void selected_pair(prices_page *st, mm_price *out)
{
    memset(out, 0, sizeof *out);
    out->input_per_mtok = out->output_per_mtok = -1;
    out->cache_read_per_mtok = out->cache_write_per_mtok = -1;
    const char *key = ui_table_selected_key(&st->table);
    const char *slash = key ? strchr(key, '/') : NULL;
    if (!slash)
        return;
    snprintf(out->provider, sizeof out->provider, "%.*s", (int)(slash - key), key);
    mm_copy(out->model, sizeof out->model, slash + 1);
    for (size_t i = 0; i < st->prices.count; i++)
        if (!strcmp(st->prices.items[i].provider, out->provider) &&
            !strcmp(st->prices.items[i].model, out->model))
            *out = st->prices.items[i];
}

static int after_save(ui_page *page, ui_app *app, const price_ctx *pc)
{
    prices_page *st = page->state;
    char key[MM_PROVIDER_ID_MAX + MM_PROVIDER_MODEL_MAX];
    snprintf(key, sizeof key, "%s/%s", pc->price.provider, pc->price.model);
    prices_load(page, app);
    ui_table_select_key(&st->table, key);
    char in[32], units[96];
    money_format_per_mtok(pc->price.input_per_mtok, in, sizeof in);
    pricing_format_units(&pc->price, units, sizeof units);
    if (pc->price.input_per_mtok >= 0)
        ui_set_message(app, UI_EL_OK, "%s Price of %s/%s set: $%s input per million tokens.",
                       ui_glyph(app, UI_G_CHECK), pc->price.provider, pc->price.model, in);
    else
        ui_set_message(app, UI_EL_OK, "%s Price of %s/%s set: %s.", ui_glyph(app, UI_G_CHECK),
                       pc->price.provider, pc->price.model, units);
    return UI_HANDLED;
}

static int edit_price(ui_page *page, ui_app *app)
{
    prices_page *st = page->state;
    price_ctx pc = {.adding = false};
    selected_pair(st, &pc.price);
    if (!pc.price.provider[0]) {
        ui_set_message(app, UI_EL_DIM, "No price selected. Press a to add one.");
        return UI_HANDLED;
    }
    return run_price_form(app, &pc) ? after_save(page, app, &pc) : UI_HANDLED;
}

static int add_price(ui_page *page, ui_app *app)
{
    price_ctx pc = {.adding = true};
    memset(&pc.price, 0, sizeof pc.price);
    pc.price.input_per_mtok = pc.price.output_per_mtok = -1;
    pc.price.cache_read_per_mtok = pc.price.cache_write_per_mtok = -1;
    return run_price_form(app, &pc) ? after_save(page, app, &pc) : UI_HANDLED;
}

static int import_prices(ui_page *page, ui_app *app)
{
    (void)page;
    char path[1024] = "";
    if (!ui_dialog_prompt(app, "Import prices",
                          "A price file: LiteLLM's model_prices_and_context_window.json or "
                          "mmadmin's own prices.json. Entries replace the prices of the same "
                          "provider and model; nothing is half-read.",
                          "File", path, sizeof path))
        return UI_HANDLED;
    pricing_file summary;
    memset(&summary, 0, sizeof summary);
    mm_error err;
    mm_error_clear(&err);
    if (pricing_import_file(app->cat, path, &summary, &err) != MM_OK) {
        ui_dialog_error(app, "Not imported", err.message);
        pricing_file_free(&summary);
        return UI_HANDLED;
    }
    if (summary.format == PRICING_FORMAT_LITELLM)
        ui_set_message(app, UI_EL_OK,
                       "%s Imported %zu prices from %s (LiteLLM); skipped %zu of providers "
                       "without an adapter and %zu without token prices.",
                       ui_glyph(app, UI_G_CHECK), summary.prices.count, path,
                       summary.skipped_provider, summary.skipped_no_price);
    else
        ui_set_message(app, UI_EL_OK, "%s Imported %zu prices from %s.", ui_glyph(app, UI_G_CHECK),
                       summary.prices.count, path);
    pricing_file_free(&summary);
    return UI_REFRESH;
}

static int prices_key(ui_page *page, ui_app *app, int key)
{
    (void)app;
    prices_page *st = page->state;
    return ui_table_handle_key(&st->table, key);
}

static bool prices_typing(ui_page *page)
{
    prices_page *st = page->state;
    return ui_table_filter_editing(&st->table);
}

static const ui_binding BINDINGS[] = {
    {2, 'a', "a", "New", "set the price of a provider model not listed", .edits = true,
     .action = "setting a price", .run = add_price},
    {3, '/', "/", "Filter", "filter rows (type text; Enter keeps, Esc clears)", .edits = false},
    {4, '\n', "Enter", "Edit", "set the selected model's price (also e)", .edits = true,
     .alt_key = 'e', .action = "setting a price", .run = edit_price},
    {5, 'i', "i", "Import", "import a price file (LiteLLM's map or mmadmin's prices.json)",
     .edits = true, .action = "importing prices", .run = import_prices},
    {6, 's', "s", "Sort", "sort by the next column", .edits = false},
};

static const ui_binding *prices_bindings(ui_page *page, size_t *count)
{
    (void)page;
    *count = sizeof BINDINGS / sizeof BINDINGS[0];
    return BINDINGS;
}

static int prices_mouse(ui_page *page, ui_app *app, int y, int x, mmask_t bstate)
{
    (void)app;
    prices_page *st = page->state;
    return ui_table_handle_mouse(&st->table, y, x, bstate);
}

static void prices_destroy(ui_page *page)
{
    prices_page *st = page->state;
    ui_table_free(&st->table);
    mm_price_list_free(&st->prices);
    free(st->missing);
    free_before(st);
    free(st);
    free(page);
}

static const ui_page_ops PRICES_OPS = {
    .bindings = prices_bindings,
    .load = prices_load,
    .draw = prices_draw,
    .typing = prices_typing,
    .handle_key = prices_key,
    .handle_mouse = prices_mouse,
    .idle = ui_list_page_idle, /* the table is the state's first member */
    .destroy = prices_destroy,
};

ui_page *ui_page_prices_new(ui_app *app, const char *id, const char *title)
{
    (void)app;
    prices_page *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    ui_table_init(&st->table, COLUMNS, N_COLS, "price|prices",
                  "No prices yet. Press i to import a LiteLLM price map, or a to set one.");
    ui_table_set_keep(&st->table, KEEP);
    ui_table_set_format(&st->table, format_row, st);
    ui_page *page = ui_page_alloc(&PRICES_OPS, id, title, st);
    if (!page) {
        ui_table_free(&st->table);
        free(st);
    }
    return page;
}
