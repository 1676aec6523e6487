/* `mmadmin target ...`: edit a logical model's fallback chain: add a target (at a position),
 * remove one, move one; the others shift and the new chain is printed. */
#include <string.h>

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

/* Notes (stderr) when the provider model cannot be confirmed: the account was tested and did
 * not list it, or was never tested (then the provider's hint on what targets name). */
static void note_unconfirmed(mm_catalog *cat, const char *account, const char *provider_model)
{
    mm_error err = {0};
    mm_string_list found = {0};
    if (catalog_account_discovered(cat, account, &found, &err) != MM_OK)
        return;
    bool listed = mm_string_list_contains(&found, provider_model);
    if (found.count > 0 && !listed)
        fprintf(stderr,
                "note: '%s' is not among the %zu models account '%s' listed at its last test; "
                "check the spelling (see 'mmadmin account show %s --json')\n",
                provider_model, found.count, account, account);
    mm_string_list_free(&found);
    mm_account acc;
    if (listed || catalog_account_get(cat, account, &acc, &err) != MM_OK)
        return;
    const mm_provider_info *info = provider_find(acc.provider);
    if (info && info->target_hint)
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
    if (!cat || catalog_target_add(cat, p.args[0], in.account, in.provider_model, (int)in.priority,
                                   &err) != MM_OK)
        return cli_report(&err);
    note_unconfirmed(cat, in.account, in.provider_model);
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
    return cli_dispatch(ctx, "target", "Edit a logical model's fallback chain.", target_subcommands,
                        sizeof target_subcommands / sizeof target_subcommands[0], argc, argv);
}
