/* `mmadmin entitle`, `revoke` and `entitlements`: which workspaces may use which logical
 * models, with optional per-workspace RPM, TPM and monthly token limits. */
#include <string.h>

#include "cli/commands.h"

#define ENTITLEMENT_RPM_MAX 10000000LL
#define ENTITLEMENT_TPM_MAX 10000000000LL

enum { OPT_RPM = 256, OPT_TPM, OPT_MONTHLY_TOKENS, OPT_MODEL, OPT_WORKSPACE, OPT_JSON };

static const cli_option entitle_options[] = {
    {"rpm", "N", OPT_RPM, "requests per minute for this workspace (1 to 10000000)"},
    {"tpm", "N", OPT_TPM, "tokens per minute for this workspace (1 to 10000000000)"},
    {"monthly-tokens", "N", OPT_MONTHLY_TOKENS, "tokens per calendar month (UTC)"},
    {NULL, NULL, 0, NULL},
};

static const cli_option list_options[] = {
    {"model", "M", OPT_MODEL, "only this logical model"},
    {"workspace", "W", OPT_WORKSPACE, "only this workspace"},
    {"json", NULL, OPT_JSON, "print JSON instead of text"},
    {NULL, NULL, 0, NULL},
};

static const cli_spec entitle_spec = {
    .command = "entitle",
    .synopsis = "MODEL WORKSPACE [--rpm N] [--tpm N] [--monthly-tokens N]",
    .description = "Lets WORKSPACE use logical model MODEL. Limits not given are unlimited; "
                   "running it again for\nthe same pair replaces its limits.",
    .options = entitle_options,
    .example = "mmadmin entitle fast-chat search-team --rpm 60 --monthly-tokens 5000000",
    .min_args = 2,
    .max_args = 2,
    .args_name = "MODEL WORKSPACE",
};

static const cli_spec revoke_spec = {
    .command = "revoke",
    .synopsis = "MODEL WORKSPACE",
    .description = "Takes logical model MODEL away from WORKSPACE: its requests are refused "
                   "from then on.",
    .options = cli_no_options,
    .example = "mmadmin revoke fast-chat search-team",
    .min_args = 2,
    .max_args = 2,
    .args_name = "MODEL WORKSPACE",
};

static const cli_spec list_spec = {
    .command = "entitlements",
    .synopsis = "[--model M | --workspace W] [--json]",
    .description = "Lists the entitlements (model, workspace, limits), sorted by model then "
                   "workspace.",
    .options = list_options,
    .example = "mmadmin entitlements --workspace search-team --json",
    .min_args = 0,
    .max_args = 0,
};

static void format_limits(char *buf, size_t bufsz, const mm_entitlement *e)
{
    char rpm[24], tpm[24], tokens[24];
    cli_format_limit(rpm, sizeof rpm, e->rpm);
    cli_format_limit(tpm, sizeof tpm, e->tpm);
    cli_format_limit(tokens, sizeof tokens, e->monthly_tokens);
    snprintf(buf, bufsz, "rpm %s, tpm %s, monthly tokens %s", rpm, tpm, tokens);
}

/* Reads the limits; returns -1 to go on, else the exit code. */
static int parse_limits(cli_parser *p, mm_entitlement *ent)
{
    int id;
    while ((id = cli_next_option(p)) > 0) {
        mm_error err = {0};
        mm_status st = MM_OK;
        if (id == OPT_RPM)
            st = cli_parse_positive("--rpm", p->arg, ENTITLEMENT_RPM_MAX, &ent->rpm, &err);
        else if (id == OPT_TPM)
            st = cli_parse_positive("--tpm", p->arg, ENTITLEMENT_TPM_MAX, &ent->tpm, &err);
        else if (id == OPT_MONTHLY_TOKENS)
            st = cli_parse_positive("--monthly-tokens", p->arg, INT64_MAX, &ent->monthly_tokens,
                                    &err);
        if (st != MM_OK)
            return cli_report(&err);
    }
    return id == CLI_STOP ? p->exit_code : -1;
}

int cmd_entitle(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &entitle_spec, argc, argv);
    mm_entitlement ent;
    memset(&ent, 0, sizeof ent);
    int code = parse_limits(&p, &ent);
    if (code >= 0)
        return code;
    mm_error err = {0};
    if (cli_copy_field(ent.model, sizeof ent.model, p.args[0], "model", &err) != MM_OK ||
        cli_copy_field(ent.workspace, sizeof ent.workspace, p.args[1], "workspace", &err) != MM_OK)
        return cli_report(&err);
    mm_catalog *cat = cli_catalog(ctx, &err);
    if (!cat)
        return cli_report(&err);
    mm_entitlement before;
    bool existed = catalog_entitlement_get(cat, ent.model, ent.workspace, &before, &err) == MM_OK;
    if (catalog_entitle(cat, &ent, &err) != MM_OK)
        return cli_report(&err);
    char limits[128];
    format_limits(limits, sizeof limits, &ent);
    if (existed)
        printf("updated the limits of workspace '%s' on '%s' (%s)\n", ent.workspace, ent.model,
               limits);
    else
        printf("workspace '%s' may now use '%s' (%s)\n", ent.workspace, ent.model, limits);
    return CLI_EXIT_OK;
}

int cmd_revoke(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    mm_catalog *cat;
    int stop = cli_start(ctx, &p, &revoke_spec, argc, argv, NULL, &cat);
    if (stop >= 0)
        return stop;
    mm_error err = {0};
    if (catalog_revoke(cat, p.args[0], p.args[1], &err) != MM_OK)
        return cli_report(&err);
    printf("workspace '%s' may no longer use '%s'\n", p.args[1], p.args[0]);
    return CLI_EXIT_OK;
}

static json_t *entitlement_json(const void *item)
{
    const mm_entitlement *e = item;
    json_t *obj = json_object();
    json_object_set_new(obj, "model", json_string(e->model));
    json_object_set_new(obj, "workspace", json_string(e->workspace));
    json_object_set_new(obj, "rpm", cli_json_limit(e->rpm));
    json_object_set_new(obj, "tpm", cli_json_limit(e->tpm));
    json_object_set_new(obj, "monthly_tokens", cli_json_limit(e->monthly_tokens));
    return obj;
}

static void print_entitlement_table(const void *entitlement_list)
{
    const mm_entitlement_list *list = entitlement_list;
    static const char *const headers[] = {"MODEL", "WORKSPACE", "RPM", "TPM", "MONTHLY TOKENS"};
    cli_table *table = cli_table_new(5, headers);
    for (size_t i = 0; table && i < list->count; i++) {
        const mm_entitlement *e = &list->items[i];
        char rpm[24], tpm[24], tokens[24];
        cli_format_limit(rpm, sizeof rpm, e->rpm);
        cli_format_limit(tpm, sizeof tpm, e->tpm);
        cli_format_limit(tokens, sizeof tokens, e->monthly_tokens);
        const char *row[] = {e->model, e->workspace, rpm, tpm, tokens};
        cli_table_add(table, row);
    }
    cli_table_finish(table, stdout);
}

/* Refuses a filter naming a model or workspace that does not exist (rather than listing
 * nothing, which would look like "no entitlements"). */
static mm_status check_filters(mm_catalog *cat, const char *model, const char *workspace,
                               mm_error *err)
{
    if (model) {
        mm_model m;
        if (catalog_model_get(cat, model, &m, err) != MM_OK)
            return err->status;
    }
    if (workspace) {
        mm_workspace ws;
        if (catalog_workspace_get(cat, workspace, &ws, err) != MM_OK)
            return err->status;
    }
    return MM_OK;
}

int cmd_entitlements(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &list_spec, argc, argv);
    const char *model = NULL, *workspace = NULL;
    bool json = false;
    int id;
    while ((id = cli_next_option(&p)) > 0) {
        if (id == OPT_MODEL)
            model = p.arg;
        else if (id == OPT_WORKSPACE)
            workspace = p.arg;
        else if (id == OPT_JSON)
            json = true;
    }
    if (id == CLI_STOP)
        return p.exit_code;
    if (model && workspace)
        return cli_usage_error("entitlements", "give --model or --workspace, not both");
    mm_error err = {0};
    mm_catalog *cat = cli_catalog(ctx, &err);
    mm_entitlement_list list = {0};
    if (!cat || check_filters(cat, model, workspace, &err) != MM_OK ||
        catalog_entitlement_list(cat, model, workspace, &list, &err) != MM_OK)
        return cli_report(&err);
    const char *hint =
        model || workspace
            ? "no entitlements match; grant one with: mmadmin entitle MODEL WORKSPACE"
            : "no entitlements yet; grant one with: mmadmin entitle MODEL WORKSPACE";
    int code = cli_print_list(json, &(cli_list_output){list.items, list.count, sizeof *list.items,
                                                       entitlement_json, hint,
                                                       print_entitlement_table, &list});
    mm_entitlement_list_free(&list);
    return code;
}
