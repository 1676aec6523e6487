/* `mmadmin account ...`: add, edit, rm, list, show, disable and enable provider accounts. The
 * key is read from stdin or a named environment variable, never from the command line. */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli/cmd_account.h"
#include "cli/commands.h"
#include "providers/provider.h"
#include "util/clock.h"
#include "util/money.h"
#include "util/text.h"

#define ACCOUNT_RPM_MAX 10000000LL
#define ACCOUNT_TPM_MAX 10000000000LL

enum {
    OPT_PROVIDER = 256,
    OPT_ENDPOINT,
    OPT_API_VERSION,
    OPT_CA_BUNDLE,
    OPT_KEY_ENV,
    OPT_KEY_STDIN,
    OPT_RPM,
    OPT_TPM,
    OPT_CAP,
    OPT_NAME,
    OPT_NO_RPM,
    OPT_NO_TPM,
    OPT_NO_CAP,
    OPT_REASON,
};

/* What add / edit were told to set; NULL / false = leave as is. */
typedef struct account_input {
    const char *provider, *endpoint, *api_version, *ca_bundle, *new_name;
    const char *key_env;
    bool key_stdin;
    bool set_rpm, set_tpm, set_cap;
    int64_t rpm, tpm, cap_cents;
    bool clear_rpm, clear_tpm, clear_cap;
} account_input;

#define ACCOUNT_FIELD_OPTIONS                                                                      \
    {"provider", "P", OPT_PROVIDER, "the provider kind (listed above)"},                           \
        {"endpoint", "URL", OPT_ENDPOINT,                                                          \
         "base URL (needed for azure-openai and openai-compatible; '' = default)"},                \
        {"api-version", "V", OPT_API_VERSION, "API version (needed for azure-openai)"},            \
        {"ca-bundle", "FILE", OPT_CA_BUNDLE, "CA bundle for a private endpoint's TLS"},            \
        {"api-key-env", "VAR", OPT_KEY_ENV, "read the API key from environment variable VAR"},     \
        {"api-key-stdin", NULL, OPT_KEY_STDIN, "read the API key from the first line of stdin"},   \
        {"rpm", "N", OPT_RPM, "requests per minute limit (1 to 10000000)"},                        \
        {"tpm", "N", OPT_TPM, "tokens per minute limit (1 to 10000000000)"},                       \
    {                                                                                              \
        "monthly-cap", "USD", OPT_CAP, "monthly spending cap in USD, like 250 or 12.50"            \
    }

static const money_input CAP_INPUT = {"--monthly-cap", "--monthly-cap", MONEY_FROM_OPTION};

static const cli_option add_options[] = {ACCOUNT_FIELD_OPTIONS, {NULL, NULL, 0, NULL}};

static const cli_option edit_options[] = {
    ACCOUNT_FIELD_OPTIONS,
    {"name", "NEW", OPT_NAME, "rename the account (targets follow)"},
    {"no-rpm", NULL, OPT_NO_RPM, "remove the requests per minute limit"},
    {"no-tpm", NULL, OPT_NO_TPM, "remove the tokens per minute limit"},
    {"no-monthly-cap", NULL, OPT_NO_CAP, "remove the monthly spending cap"},
    {NULL, NULL, 0, NULL},
};

static const cli_option disable_options[] = {
    {"reason", "TEXT", OPT_REASON, "why it is disabled (shown in the console and audit log)"},
    {NULL, NULL, 0, NULL},
};

static const cli_spec add_spec = {
    .command = "account add",
    .synopsis = "NAME --provider P [--endpoint URL] [--api-version V] [--ca-bundle FILE]\n"
                "                   [--api-key-env VAR | --api-key-stdin] [--rpm N] [--tpm N] "
                "[--monthly-cap USD]",
    .description = "Adds a provider account. NAME is [a-z0-9][a-z0-9._-]{0,62}. The API key is "
                   "stored encrypted and\nonly ever shown as a hint; it is never taken on the "
                   "command line.\nProviders: openai, anthropic, azure-openai, gemini, cohere, "
                   "mistral, openai-compatible.",
    .options = add_options,
    .example = "mmadmin account add prod-openai --provider openai --api-key-env OPENAI_API_KEY "
               "--rpm 500\n"
               "printf '%s\\n' \"$KEY\" | mmadmin account add corp-azure --provider "
               "azure-openai \\\n    --endpoint https://corp.openai.azure.com --api-version "
               "2024-10-21 --api-key-stdin",
    .min_args = 1,
    .max_args = 1,
    .args_name = "NAME",
};

static const cli_spec edit_spec = {
    .command = "account edit",
    .synopsis = "NAME [--provider P] [--endpoint URL] [--api-version V] [--ca-bundle FILE]\n"
                "                    [--api-key-env VAR | --api-key-stdin] [--rpm N | --no-rpm] "
                "[--tpm N | --no-tpm]\n"
                "                    [--monthly-cap USD | --no-monthly-cap] [--name NEW]",
    .description = "Changes an account; options not given keep their value. A new key replaces "
                   "the stored one.",
    .options = edit_options,
    .example = "mmadmin account edit prod-openai --rpm 1000 --no-monthly-cap\n"
               "printf '%s\\n' \"$NEW_KEY\" | mmadmin account edit prod-openai --api-key-stdin",
    .min_args = 1,
    .max_args = 1,
    .args_name = "NAME",
};

static const cli_spec rm_spec = {
    .command = "account rm",
    .synopsis = "NAME",
    .description = "Removes an account. Refused while a logical model's target uses it (the "
                   "message lists them).",
    .options = cli_no_options,
    .example = "mmadmin account rm old-openai",
    .min_args = 1,
    .max_args = 1,
    .args_name = "NAME",
};

static const cli_spec list_spec = {
    .command = "account list",
    .synopsis = "[--json]",
    .description = "Lists the provider accounts (keys only as hints).",
    .options = cli_json_options,
    .example = "mmadmin account list --json",
    .min_args = 0,
    .max_args = 0,
};

static const cli_spec show_spec = {
    .command = "account show",
    .synopsis = "NAME [--json]",
    .description = "Shows every field of one account (the key only as a hint), its last test "
                   "and the models it\nwas found to offer.",
    .options = cli_json_options,
    .example = "mmadmin account show prod-openai",
    .min_args = 1,
    .max_args = 1,
    .args_name = "NAME",
};

static const cli_spec disable_spec = {
    .command = "account disable",
    .synopsis = "NAME --reason TEXT",
    .description = "Disables an account: the router skips it and the monitor stops probing it.",
    .options = disable_options,
    .example = "mmadmin account disable prod-openai --reason 'key rotation in progress'",
    .min_args = 1,
    .max_args = 1,
    .args_name = "NAME",
};

static const cli_spec enable_spec = {
    .command = "account enable",
    .synopsis = "NAME",
    .description = "Enables a disabled account again.",
    .options = cli_no_options,
    .example = "mmadmin account enable prod-openai",
    .min_args = 1,
    .max_args = 1,
    .args_name = "NAME",
};

/* ---- add / edit ---- */

static mm_status apply_option(account_input *in, int id, const char *arg, mm_error *err)
{
    switch (id) {
    case OPT_PROVIDER:
        in->provider = arg;
        return MM_OK;
    case OPT_ENDPOINT:
        in->endpoint = arg;
        return MM_OK;
    case OPT_API_VERSION:
        in->api_version = arg;
        return MM_OK;
    case OPT_CA_BUNDLE:
        in->ca_bundle = arg;
        return MM_OK;
    case OPT_KEY_ENV:
        in->key_env = arg;
        return MM_OK;
    case OPT_KEY_STDIN:
        in->key_stdin = true;
        return MM_OK;
    case OPT_NAME:
        in->new_name = arg;
        return MM_OK;
    case OPT_NO_RPM:
        in->clear_rpm = true;
        return MM_OK;
    case OPT_NO_TPM:
        in->clear_tpm = true;
        return MM_OK;
    case OPT_NO_CAP:
        in->clear_cap = true;
        return MM_OK;
    case OPT_RPM:
        in->set_rpm = true;
        return cli_parse_positive("--rpm", arg, ACCOUNT_RPM_MAX, &in->rpm, err);
    case OPT_TPM:
        in->set_tpm = true;
        return cli_parse_positive("--tpm", arg, ACCOUNT_TPM_MAX, &in->tpm, err);
    case OPT_CAP:
        in->set_cap = true;
        return money_parse_cents(arg, &CAP_INPUT, &in->cap_cents, err);
    default:
        return mm_error_set(err, MM_E_INTERNAL, NULL, "unhandled option %d", id);
    }
}

/* Parses add/edit options; returns -1 to go on, else the exit code. */
static int parse_account_options(cli_parser *p, account_input *in)
{
    int id;
    while ((id = cli_next_option(p)) > 0) {
        mm_error err = {0};
        if (apply_option(in, id, p->arg, &err) != MM_OK)
            return cli_report(&err);
    }
    if (id == CLI_STOP)
        return p->exit_code;
    const char *command = p->spec->command;
    if (in->key_env && in->key_stdin)
        return cli_usage_error(command, "give the API key one way: --api-key-env VAR or "
                                        "--api-key-stdin, not both");
    if ((in->set_rpm && in->clear_rpm) || (in->set_tpm && in->clear_tpm) ||
        (in->set_cap && in->clear_cap))
        return cli_usage_error(command, "a limit cannot be both set and removed: drop --%s",
                               in->clear_rpm && in->set_rpm   ? "no-rpm"
                               : in->clear_tpm && in->set_tpm ? "no-tpm"
                                                              : "no-monthly-cap");
    return -1;
}

static bool account_input_changes(const account_input *in)
{
    return in->provider || in->endpoint || in->api_version || in->ca_bundle || in->new_name ||
           in->key_env || in->key_stdin || in->set_rpm || in->set_tpm || in->set_cap ||
           in->clear_rpm || in->clear_tpm || in->clear_cap;
}

static mm_status apply_fields(mm_account *acc, const account_input *in, mm_error *err)
{
    mm_status st = MM_OK;
    if (st == MM_OK && in->new_name)
        st = cli_copy_field(acc->name, sizeof acc->name, in->new_name, "name", err);
    if (st == MM_OK && in->provider)
        st = cli_copy_field(acc->provider, sizeof acc->provider, in->provider, "provider", err);
    if (st == MM_OK && in->endpoint)
        st = cli_copy_field(acc->endpoint, sizeof acc->endpoint, in->endpoint, "endpoint", err);
    if (st == MM_OK && in->api_version)
        st = cli_copy_field(acc->api_version, sizeof acc->api_version, in->api_version,
                            "api_version", err);
    if (st == MM_OK && in->ca_bundle)
        st = cli_copy_field(acc->ca_bundle, sizeof acc->ca_bundle, in->ca_bundle, "ca_bundle", err);
    if (in->set_rpm || in->clear_rpm)
        acc->rpm = in->clear_rpm ? MM_LIMIT_UNSET : in->rpm;
    if (in->set_tpm || in->clear_tpm)
        acc->tpm = in->clear_tpm ? MM_LIMIT_UNSET : in->tpm;
    if (in->set_cap || in->clear_cap)
        acc->monthly_cap_cents = in->clear_cap ? MM_LIMIT_UNSET : in->cap_cents;
    return st;
}

static mm_status read_key(const account_input *in, char *key, size_t keysz, mm_error *err)
{
    key[0] = '\0';
    if (in->key_env)
        return cli_read_secret_env(in->key_env, key, keysz, err);
    if (in->key_stdin)
        return cli_read_secret_stdin(key, keysz, err);
    return MM_OK;
}

static int account_add(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &add_spec, argc, argv);
    account_input in = {0};
    int code = parse_account_options(&p, &in);
    if (code >= 0)
        return code;
    if (!in.provider)
        return cli_usage_error("account add", "--provider is required (one of: %s)",
                               provider_id_list());
    mm_error err = {0};
    mm_account acc;
    mm_account_init(&acc);
    in.new_name = p.args[0];
    if (apply_fields(&acc, &in, &err) != MM_OK)
        return cli_report(&err);
    char key[MM_API_KEY_MAX];
    mm_status st = read_key(&in, key, sizeof key, &err);
    mm_catalog *cat = st == MM_OK ? cli_catalog(ctx, &err) : NULL;
    if (cat)
        st = catalog_account_insert(cat, &acc, key, &err);
    sodium_memzero(key, sizeof key);
    if (!cat || st != MM_OK)
        return cli_report(&err);
    printf("added account '%s' (%s%s%s)\n", acc.name, acc.provider,
           acc.has_key ? ", key " : ", no key", acc.has_key ? acc.key_hint : "");
    printf("check it with: mmadmin account test %s\n", acc.name);
    return CLI_EXIT_OK;
}

static int account_edit(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &edit_spec, argc, argv);
    account_input in = {0};
    int code = parse_account_options(&p, &in);
    if (code >= 0)
        return code;
    if (!account_input_changes(&in))
        return cli_usage_error("account edit", "nothing to change: give at least one option");
    mm_error err = {0};
    mm_catalog *cat = cli_catalog(ctx, &err);
    if (!cat)
        return cli_report(&err);
    mm_account acc;
    if (catalog_account_get(cat, p.args[0], &acc, &err) != MM_OK)
        return cli_report(&err);
    if (apply_fields(&acc, &in, &err) != MM_OK)
        return cli_report(&err);
    char key[MM_API_KEY_MAX];
    mm_status st = read_key(&in, key, sizeof key, &err);
    if (st == MM_OK)
        st = catalog_account_update(cat, &acc, key[0] ? key : NULL, &err);
    sodium_memzero(key, sizeof key);
    if (st != MM_OK)
        return cli_report(&err);
    printf("updated account '%s'\n", acc.name);
    return CLI_EXIT_OK;
}

static int account_rm(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    mm_catalog *cat;
    int stop = cli_start(ctx, &p, &rm_spec, argc, argv, NULL, &cat);
    if (stop >= 0)
        return stop;
    mm_error err = {0};
    if (catalog_account_delete(cat, p.args[0], &err) != MM_OK)
        return cli_report(&err);
    printf("removed account '%s'\n", p.args[0]);
    return CLI_EXIT_OK;
}

/* ---- list / show ---- */

static json_t *last_test_json(const mm_account *acc)
{
    if (acc->last_test_ms == 0)
        return json_null();
    char at[40];
    cli_format_iso_time(at, sizeof at, acc->last_test_ms);
    json_t *obj = json_object();
    json_object_set_new(obj, "ok", json_boolean(acc->last_test_ok));
    json_object_set_new(obj, "class", json_string(acc->last_test_class));
    json_object_set_new(obj, "message", json_string(acc->last_test_message));
    json_object_set_new(obj, "at", json_string(at));
    json_object_set_new(obj, "latency_ms", json_integer(acc->last_test_latency_ms));
    return obj;
}

json_t *cli_account_json(const mm_account *acc)
{
    json_t *obj = json_object();
    if (!obj)
        return NULL;
    json_object_set_new(obj, "name", json_string(acc->name));
    json_object_set_new(obj, "provider", json_string(acc->provider));
    json_object_set_new(obj, "endpoint", cli_json_text(acc->endpoint));
    json_object_set_new(obj, "api_version", cli_json_text(acc->api_version));
    json_object_set_new(obj, "ca_bundle", cli_json_text(acc->ca_bundle));
    json_object_set_new(obj, "key_hint", acc->has_key ? json_string(acc->key_hint) : json_null());
    json_object_set_new(obj, "rpm", cli_json_limit(acc->rpm));
    json_object_set_new(obj, "tpm", cli_json_limit(acc->tpm));
    json_object_set_new(obj, "monthly_cap_usd", cli_json_usd(acc->monthly_cap_cents));
    json_object_set_new(obj, "enabled", json_boolean(acc->enabled));
    json_object_set_new(obj, "disabled_reason",
                        acc->enabled ? json_null() : cli_json_text(acc->disabled_reason));
    json_object_set_new(obj, "last_test", last_test_json(acc));
    return obj;
}

static void format_last_test(char *buf, size_t bufsz, const mm_account *acc)
{
    if (acc->last_test_ms == 0)
        snprintf(buf, bufsz, "untested");
    else if (acc->last_test_ok)
        snprintf(buf, bufsz, "ok %lld ms", (long long)acc->last_test_latency_ms);
    else
        snprintf(buf, bufsz, "%s", acc->last_test_class);
}

static json_t *account_item_json(const void *item)
{
    return cli_account_json(item);
}

static void print_account_table(const void *account_list)
{
    const mm_account_list *list = account_list;
    static const char *const headers[] = {"NAME", "PROVIDER", "ENDPOINT", "KEY",      "RPM",
                                          "TPM",  "CAP USD",  "STATUS",   "LAST TEST"};
    cli_table *table = cli_table_new(9, headers);
    for (size_t i = 0; table && i < list->count; i++) {
        const mm_account *a = &list->items[i];
        char rpm[24], tpm[24], cap[32], test[48];
        cli_format_limit(rpm, sizeof rpm, a->rpm);
        cli_format_limit(tpm, sizeof tpm, a->tpm);
        cli_format_usd(cap, sizeof cap, a->monthly_cap_cents);
        format_last_test(test, sizeof test, a);
        const char *row[] = {a->name,
                             a->provider,
                             a->endpoint[0] ? a->endpoint : "(default)",
                             a->has_key ? a->key_hint : "(none)",
                             rpm,
                             tpm,
                             cap,
                             a->enabled ? "enabled" : "disabled",
                             test};
        cli_table_add(table, row);
    }
    cli_table_finish(table, stdout);
}

static int print_accounts(mm_catalog *cat, bool json, const void *accounts)
{
    (void)cat;
    const mm_account_list *list = accounts;
    return cli_print_list(json, &(cli_list_output){list->items, list->count, sizeof *list->items,
                                                   account_item_json,
                                                   "no accounts yet; add one with: mmadmin "
                                                   "account add NAME --provider P "
                                                   "--api-key-env VAR",
                                                   print_account_table, list});
}

CLI_LIST_COMMAND(account_list, mm_account_list, list_spec, catalog_account_list, print_accounts,
                 mm_account_list_free)

static void print_account_block(const mm_account *a, const mm_string_list *discovered)
{
    const mm_provider_info *info = provider_find(a->provider);
    char rpm[24], tpm[24], cap[32], when[32];
    cli_format_limit(rpm, sizeof rpm, a->rpm);
    cli_format_limit(tpm, sizeof tpm, a->tpm);
    cli_format_usd(cap, sizeof cap, a->monthly_cap_cents);
    printf("name:          %s\n", a->name);
    printf("provider:      %s%s%s%s\n", a->provider, info ? " (" : "",
           info ? info->display_name : "", info ? ")" : "");
    if (a->endpoint[0])
        printf("endpoint:      %s\n", a->endpoint);
    else
        printf("endpoint:      %s (default)\n",
               info && info->default_base_url ? info->default_base_url : "-");
    printf("api version:   %s\n", a->api_version[0] ? a->api_version : "-");
    printf("ca bundle:     %s\n", a->ca_bundle[0] ? a->ca_bundle : "(system store)");
    printf("key:           %s\n", a->has_key ? a->key_hint : "(none)");
    printf("rpm:           %s\n", rpm);
    printf("tpm:           %s\n", tpm);
    printf("monthly cap:   %s%s\n", cap, a->monthly_cap_cents ? " USD" : "");
    if (a->enabled)
        printf("status:        enabled\n");
    else
        printf("status:        disabled (%s)\n", a->disabled_reason[0] ? a->disabled_reason : "-");
    if (a->last_test_ms == 0) {
        printf("last test:     untested (run: mmadmin account test %s)\n", a->name);
    } else {
        char message[MM_MESSAGE_MAX];
        mm_sanitize(message, sizeof message, a->last_test_message, strlen(a->last_test_message));
        mm_format_time(when, sizeof when, a->last_test_ms);
        printf("last test:     %s in %lld ms at %s UTC%s%s\n",
               a->last_test_ok ? "ok" : a->last_test_class, (long long)a->last_test_latency_ms,
               when, message[0] ? ": " : "", message);
    }
    printf("models found:  %zu\n", discovered->count);
    mm_format_time(when, sizeof when, a->created_ms);
    printf("created:       %s UTC\n", when);
    cli_print_updated(15, a->updated_ms, a->version);
}

static int account_show(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    bool json = false;
    mm_catalog *cat;
    int stop = cli_start(ctx, &p, &show_spec, argc, argv, &json, &cat);
    if (stop >= 0)
        return stop;
    mm_error err = {0};
    mm_account acc;
    if (catalog_account_get(cat, p.args[0], &acc, &err) != MM_OK)
        return cli_report(&err);
    mm_string_list discovered = {0};
    if (catalog_account_discovered(cat, acc.name, &discovered, &err) != MM_OK)
        return cli_report(&err);
    int code = CLI_EXIT_OK;
    if (json) {
        json_t *obj = cli_account_json(&acc);
        json_t *models = json_array();
        for (size_t i = 0; i < discovered.count; i++)
            json_array_append_new(models, json_string(discovered.items[i]));
        json_object_set_new(obj, "discovered_models", models);
        code = cli_print_json(obj);
    } else {
        print_account_block(&acc, &discovered);
    }
    mm_string_list_free(&discovered);
    return code;
}

/* ---- enable / disable ---- */

static int account_disable(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &disable_spec, argc, argv);
    const char *reason = NULL;
    int id;
    while ((id = cli_next_option(&p)) > 0)
        reason = p.arg;
    if (id == CLI_STOP)
        return p.exit_code;
    if (!mm_present(reason))
        return cli_usage_error("account disable", "--reason TEXT is required: say why, for the "
                                                  "other admins");
    mm_error err = {0};
    mm_catalog *cat = cli_catalog(ctx, &err);
    if (!cat || catalog_account_set_enabled(cat, p.args[0], false, reason, &err) != MM_OK)
        return cli_report(&err);
    printf("disabled account '%s'\n", p.args[0]);
    return CLI_EXIT_OK;
}

static int account_enable(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    mm_catalog *cat;
    int stop = cli_start(ctx, &p, &enable_spec, argc, argv, NULL, &cat);
    if (stop >= 0)
        return stop;
    mm_error err = {0};
    if (catalog_account_set_enabled(cat, p.args[0], true, "", &err) != MM_OK)
        return cli_report(&err);
    printf("enabled account '%s'\n", p.args[0]);
    return CLI_EXIT_OK;
}

static const cli_subcommand account_subcommands[] = {
    {"add", "add a provider account", account_add},
    {"edit", "change an account's fields, limits or key", account_edit},
    {"rm", "remove an account no target uses", account_rm},
    {"list", "list the accounts", account_list},
    {"show", "show one account", account_show},
    {"test", "call the provider and list the models the account can use", cli_account_test},
    {"disable", "stop routing to and probing an account", account_disable},
    {"enable", "enable a disabled account", account_enable},
};

int cmd_account(cli_context *ctx, int argc, char **argv)
{
    return CLI_DISPATCH(ctx, "account", "Manage provider accounts.", account_subcommands, argc,
                        argv);
}
