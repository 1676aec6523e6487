/* `mmadmin target ...`: edit a logical model's fallback chain: add a target (at a position),
 * remove one, move one; the others shift and the new chain is printed. */
#include <string.h>

#include "catalog/chain_rules.h"
#include "cli/cmd_model.h"
#include "cli/commands.h"
#include "providers/provider.h"
#include "util/text.h"

enum { OPT_ACCOUNT = 256, OPT_MODEL, OPT_PRIORITY, OPT_FROM, OPT_TO };

static const cli_option add_options[] = {
    {"account", "A", OPT_ACCOUNT, "the provider account to call"},
    {"model", "M", OPT_MODEL, "the provider's model id (Azure OpenAI: the deployment name)"},
    {"priority", "N", OPT_PRIORITY, "position in the chain, 1 = tried first (default: last)"},
    {NULL, NULL, 0, NULL},
};

static const cli_option rm_options[] = {
    {"priority", "N", OPT_PRIORITY, "the position to remove; the ones after move up"},
    {NULL, NULL, 0, NULL},
};

static const cli_option move_options[] = {
    {"from", "N", OPT_FROM, "the target's current position"},
    {"to", "M", OPT_TO, "its new position; the others shift"},
    {NULL, NULL, 0, NULL},
};

static const cli_spec add_spec = {
    .command = "target add",
    .synopsis = "MODEL --account A --model M [--priority N]",
    .description = "Adds a step to logical model MODEL's fallback chain: call account A with "
                   "provider model M.\nAt an existing priority the targets from there on move "
                   "down one. For Azure OpenAI, M is the\ndeployment name, which the resource's "
                   "model list does not show.",
    .options = add_options,
    .example = "mmadmin target add fast-chat --account prod-openai --model gpt-4o-mini\n"
               "mmadmin target add fast-chat --account corp-azure --model my-gpt4o-deploy "
               "--priority 1",
    .min_args = 1,
    .max_args = 1,
    .args_name = "MODEL",
};

static const cli_spec rm_spec = {
    .command = "target rm",
    .synopsis = "MODEL --priority N",
    .description = "Removes the target at priority N; the ones after it move up.",
    .options = rm_options,
    .example = "mmadmin target rm fast-chat --priority 2",
    .min_args = 1,
    .max_args = 1,
    .args_name = "MODEL",
};

static const cli_spec move_spec = {
    .command = "target move",
    .synopsis = "MODEL --from N --to M",
    .description = "Moves the target at priority N to priority M; the others shift.",
    .options = move_options,
    .example = "mmadmin target move fast-chat --from 3 --to 1",
    .min_args = 1,
    .max_args = 1,
    .args_name = "MODEL",
};

typedef struct target_input {
    const char *account, *provider_model;
    int64_t priority, from, to;
} target_input;

static mm_status parse_priority(const char *option, const char *text, int64_t *out, mm_error *err)
{
    return cli_parse_positive(option, text, MM_MAX_TARGETS, out, err);
}

/* Reads the options; returns -1 to go on, else the exit code. */
static int parse_target_options(cli_parser *p, target_input *in)
{
    int id;
    while ((id = cli_next_option(p)) > 0) {
        mm_error err = {0};
        mm_status st = MM_OK;
        if (id == OPT_ACCOUNT)
            in->account = p->arg;
        else if (id == OPT_MODEL)
            in->provider_model = p->arg;
        else if (id == OPT_PRIORITY)
            st = parse_priority("--priority", p->arg, &in->priority, &err);
        else if (id == OPT_FROM)
            st = parse_priority("--from", p->arg, &in->from, &err);
        else if (id == OPT_TO)
            st = parse_priority("--to", p->arg, &in->to, &err);
        if (st != MM_OK)
            return cli_report(&err);
    }
    return id == CLI_STOP ? p->exit_code : -1;
}

/* Prints the model's chain after a change. */
static int print_new_chain(mm_catalog *cat, const char *name)
{
    mm_error err = {0};
    mm_model model;
    if (catalog_model_get(cat, name, &model, &err) != MM_OK)
        return cli_report(&err);
    printf("chain of '%s':\n", model.name);
    cli_print_chain(&model, stdout);
    return CLI_EXIT_OK;
}

/* The warnings the console's Add Target shows, as notes on stderr (the chain rules of
 * catalog/chain_rules.h): a chat model on an embedding model, a repeated target (both against
 * the chain before the add), a model the account did not report at its last test (then the
 * provider's hint on what targets name). */
static void note_new_target(mm_catalog *cat, const mm_model *before, const char *account,
                            const char *provider_model)
{
    char warnings[MM_CHAIN_MAX_WARNINGS][MM_CHAIN_WARNING_MAX];
    size_t n = before ? mm_chain_new_target_warnings(before, account, provider_model, warnings,
                                                     MM_CHAIN_MAX_WARNINGS)
                      : 0;
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "note: %s\n", warnings[i]);
    mm_error err = {0};
    mm_string_list found = {0};
    mm_account acc;
    if (catalog_account_get(cat, account, &acc, &err) != MM_OK ||
        catalog_account_discovered(cat, account, &found, &err) != MM_OK)
        return;
    const mm_provider_info *info = provider_find(acc.provider);
    bool not_listed = info && info->targets_not_listed;
    char how[MM_NAME_MAX + 40], text[MM_CHAIN_WARNING_MAX];
    snprintf(how, sizeof how, "run 'mmadmin account test %s'", account);
    bool unconfirmed = mm_chain_discovered_warning(&found, account, provider_model, not_listed, how,
                                                   text, sizeof text);
    mm_string_list_free(&found);
    if (unconfirmed)
        fprintf(stderr, "note: %s\n", text);
    if ((unconfirmed || not_listed) && info && info->target_hint)
        fprintf(stderr, "note: %s\n", info->target_hint);
}

static int target_add(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &add_spec, argc, argv);
    target_input in = {0};
    int code = parse_target_options(&p, &in);
    if (code >= 0)
        return code;
    if (!in.account || !in.provider_model)
        return cli_usage_error("target add", "--account A and --model M are both required");
    mm_error err = {0};
    mm_catalog *cat = cli_catalog(ctx, &err);
    if (!cat)
        return cli_report(&err);
    mm_model before; /* the chain before the add, for its warnings (the add reports errors) */
    mm_error ignored = {0};
    bool have_before = catalog_model_get(cat, p.args[0], &before, &ignored) == MM_OK;
    if (catalog_target_add(cat, p.args[0], in.account, in.provider_model, (int)in.priority, &err) !=
        MM_OK)
        return cli_report(&err);
    note_new_target(cat, have_before ? &before : NULL, in.account, in.provider_model);
    return print_new_chain(cat, p.args[0]);
}

static int target_rm(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &rm_spec, argc, argv);
    target_input in = {0};
    int code = parse_target_options(&p, &in);
    if (code >= 0)
        return code;
    if (!in.priority)
        return cli_usage_error("target rm",
                               "--priority N is required (see the chain with "
                               "'mmadmin model show %s')",
                               p.args[0]);
    mm_error err = {0};
    mm_catalog *cat = cli_catalog(ctx, &err);
    if (!cat || catalog_target_remove(cat, p.args[0], (int)in.priority, &err) != MM_OK)
        return cli_report(&err);
    return print_new_chain(cat, p.args[0]);
}

static int target_move(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &move_spec, argc, argv);
    target_input in = {0};
    int code = parse_target_options(&p, &in);
    if (code >= 0)
        return code;
    if (!in.from || !in.to)
        return cli_usage_error("target move", "--from N and --to M are both required");
    mm_error err = {0};
    mm_catalog *cat = cli_catalog(ctx, &err);
    if (!cat || catalog_target_move(cat, p.args[0], (int)in.from, (int)in.to, &err) != MM_OK)
        return cli_report(&err);
    return print_new_chain(cat, p.args[0]);
}

static const cli_subcommand target_subcommands[] = {
    {"add", "add a step to a model's fallback chain", target_add},
    {"rm", "remove a step (the ones after move up)", target_rm},
    {"move", "move a step to another priority (the others shift)", target_move},
};

int cmd_target(cli_context *ctx, int argc, char **argv)
{
    return CLI_DISPATCH(ctx, "target", "Edit a logical model's fallback chain.", target_subcommands,
                        argc, argv);
}
