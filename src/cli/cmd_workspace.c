/* `mmadmin workspace ...`: add, edit, rm, list and show workspaces (the teams that consume
 * logical models through entitlements). */
#include <string.h>

#include "cli/cmd_workspace_key.h"
#include "cli/commands.h"
#include "util/clock.h"

enum { OPT_DESCRIPTION = 256, OPT_NAME };

static const cli_option add_options[] = {
    {"description", "TEXT", OPT_DESCRIPTION, "who the workspace is for"},
    {NULL, NULL, 0, NULL},
};

static const cli_option edit_options[] = {
    {"name", "NEW", OPT_NAME, "rename the workspace (entitlements follow)"},
    {"description", "TEXT", OPT_DESCRIPTION, "who the workspace is for"},
    {NULL, NULL, 0, NULL},
};

static const cli_spec add_spec = {
    .command = "workspace add",
    .synopsis = "NAME [--description TEXT]",
    .description = "Adds a workspace. It can use no model until you entitle it with 'mmadmin "
                   "entitle MODEL NAME'.",
    .options = add_options,
    .example = "mmadmin workspace add search-team --description 'search relevance'",
    .min_args = 1,
    .max_args = 1,
    .args_name = "NAME",
};

static const cli_spec edit_spec = {
    .command = "workspace edit",
    .synopsis = "NAME [--name NEW] [--description TEXT]",
    .description = "Renames or redescribes a workspace.",
    .options = edit_options,
    .example = "mmadmin workspace edit search-team --name search",
    .min_args = 1,
    .max_args = 1,
    .args_name = "NAME",
};

static const cli_spec rm_spec = {
    .command = "workspace rm",
    .synopsis = "NAME",
    .description = "Removes a workspace with its entitlements (in one transaction).",
    .options = cli_no_options,
    .example = "mmadmin workspace rm old-team",
    .min_args = 1,
    .max_args = 1,
    .args_name = "NAME",
};

static const cli_spec list_spec = {
    .command = "workspace list",
    .synopsis = "[--json]",
    .description = "Lists the workspaces.",
    .options = cli_json_options,
    .example = "mmadmin workspace list --json",
    .min_args = 0,
    .max_args = 0,
};

static const cli_spec show_spec = {
    .command = "workspace show",
    .synopsis = "NAME [--json]",
    .description = "Shows a workspace and the models it is entitled to, with their limits.",
    .options = cli_json_options,
    .example = "mmadmin workspace show search-team --json",
    .min_args = 1,
    .max_args = 1,
    .args_name = "NAME",
};

/* Reads the options; returns -1 to go on, else the exit code. */
static int parse_workspace_options(cli_parser *p, const char **name, const char **description)
{
    int id;
    while ((id = cli_next_option(p)) > 0) {
        if (id == OPT_NAME)
            *name = p->arg;
        else if (id == OPT_DESCRIPTION)
            *description = p->arg;
    }
    return id == CLI_STOP ? p->exit_code : -1;
}

static mm_status apply_workspace_input(mm_workspace *ws, const char *name, const char *description,
                                       mm_error *err)
{
    mm_status st = MM_OK;
    if (name)
        st = cli_copy_field(ws->name, sizeof ws->name, name, "name", err);
    if (st == MM_OK && description)
        st = cli_copy_field(ws->description, sizeof ws->description, description, "description",
                            err);
    return st;
}

static int workspace_add(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &add_spec, argc, argv);
    const char *name = NULL, *description = NULL;
    int code = parse_workspace_options(&p, &name, &description);
    if (code >= 0)
        return code;
    mm_error err = {0};
    mm_workspace ws;
    memset(&ws, 0, sizeof ws);
    if (apply_workspace_input(&ws, p.args[0], description, &err) != MM_OK)
        return cli_report(&err);
    mm_catalog *cat = cli_catalog(ctx, &err);
    if (!cat || catalog_workspace_insert(cat, &ws, &err) != MM_OK)
        return cli_report(&err);
    printf("added workspace '%s'; entitle it with: mmadmin entitle MODEL %s\n", ws.name, ws.name);
    return CLI_EXIT_OK;
}

static int workspace_edit(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &edit_spec, argc, argv);
    const char *name = NULL, *description = NULL;
    int code = parse_workspace_options(&p, &name, &description);
    if (code >= 0)
        return code;
    if (!name && !description)
        return cli_usage_error("workspace edit", "nothing to change: give --name or "
                                                 "--description");
    mm_error err = {0};
    mm_catalog *cat = cli_catalog(ctx, &err);
    mm_workspace ws;
    if (!cat || catalog_workspace_get(cat, p.args[0], &ws, &err) != MM_OK)
        return cli_report(&err);
    if (apply_workspace_input(&ws, name, description, &err) != MM_OK ||
        catalog_workspace_update(cat, &ws, &err) != MM_OK)
        return cli_report(&err);
    printf("updated workspace '%s'\n", ws.name);
    return CLI_EXIT_OK;
}

static int workspace_rm(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    mm_catalog *cat;
    int stop = cli_start(ctx, &p, &rm_spec, argc, argv, NULL, &cat);
    if (stop >= 0)
        return stop;
    mm_error err = {0};
    size_t removed = 0;
    if (catalog_workspace_delete(cat, p.args[0], &removed, &err) != MM_OK)
        return cli_report(&err);
    printf("removed workspace '%s' with %zu entitlement%s\n", p.args[0], removed,
           removed == 1 ? "" : "s");
    return CLI_EXIT_OK;
}

static json_t *workspace_json(const mm_workspace *ws)
{
    json_t *obj = json_object();
    json_object_set_new(obj, "name", json_string(ws->name));
    json_object_set_new(obj, "description", json_string(ws->description));
    json_object_set_new(obj, "entitlement_count", json_integer((json_int_t)ws->n_entitlements));
    return obj;
}

static json_t *workspace_item_json(const void *item)
{
    return workspace_json(item);
}

static void print_workspace_table(const void *workspace_list)
{
    const mm_workspace_list *list = workspace_list;
    static const char *const headers[] = {"NAME", "MODELS", "DESCRIPTION"};
    cli_table *table = cli_table_new(3, headers);
    for (size_t i = 0; table && i < list->count; i++) {
        char count[24];
        snprintf(count, sizeof count, "%zu", list->items[i].n_entitlements);
        const char *row[] = {list->items[i].name, count, list->items[i].description};
        cli_table_add(table, row);
    }
    cli_table_finish(table, stdout);
}

static int print_workspaces(mm_catalog *cat, bool json, const void *workspaces)
{
    (void)cat;
    const mm_workspace_list *list = workspaces;
    cli_list_output out = {list->items,
                           list->count,
                           sizeof *list->items,
                           workspace_item_json,
                           "no workspaces yet; add one with: mmadmin workspace add NAME",
                           print_workspace_table,
                           list};
    return cli_print_list(json, &out);
}

CLI_LIST_COMMAND(workspace_list, mm_workspace_list, list_spec, catalog_workspace_list,
                 print_workspaces, mm_workspace_list_free)

static json_t *workspace_entitlements_json(const mm_entitlement_list *list)
{
    json_t *array = json_array();
    for (size_t i = 0; i < list->count; i++) {
        const mm_entitlement *e = &list->items[i];
        json_t *obj = json_object();
        json_object_set_new(obj, "model", json_string(e->model));
        json_object_set_new(obj, "rpm", cli_json_limit(e->rpm));
        json_object_set_new(obj, "tpm", cli_json_limit(e->tpm));
        json_object_set_new(obj, "monthly_tokens", cli_json_limit(e->monthly_tokens));
        json_array_append_new(array, obj);
    }
    return array;
}

static void print_workspace_block(const mm_workspace *ws, const mm_entitlement_list *list)
{
    printf("name:         %s\n", ws->name);
    printf("description:  %s\n", ws->description[0] ? ws->description : "-");
    cli_print_updated(14, ws->updated_ms, ws->version);
    if (list->count == 0) {
        printf("models:       (none: grant one with 'mmadmin entitle MODEL %s')\n", ws->name);
        return;
    }
    printf("models:\n");
    for (size_t i = 0; i < list->count; i++) {
        char rpm[24], tpm[24], tokens[24];
        cli_format_limit(rpm, sizeof rpm, list->items[i].rpm);
        cli_format_limit(tpm, sizeof tpm, list->items[i].tpm);
        cli_format_limit(tokens, sizeof tokens, list->items[i].monthly_tokens);
        printf("  %s (rpm %s, tpm %s, monthly tokens %s)\n", list->items[i].model, rpm, tpm,
               tokens);
    }
}

static int workspace_show(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    bool json = false;
    mm_catalog *cat;
    int stop = cli_start(ctx, &p, &show_spec, argc, argv, &json, &cat);
    if (stop >= 0)
        return stop;
    mm_error err = {0};
    mm_workspace ws;
    mm_entitlement_list list = {0};
    if (catalog_workspace_get(cat, p.args[0], &ws, &err) != MM_OK ||
        catalog_entitlement_list(cat, NULL, ws.name, &list, &err) != MM_OK)
        return cli_report(&err);
    int code = CLI_EXIT_OK;
    if (json) {
        json_t *obj = workspace_json(&ws);
        json_object_set_new(obj, "entitlements", workspace_entitlements_json(&list));
        code = cli_print_json(obj);
    } else {
        print_workspace_block(&ws, &list);
    }
    mm_entitlement_list_free(&list);
    return code;
}

static const cli_subcommand workspace_subcommands[] = {
    {"add", "add a workspace", workspace_add},
    {"edit", "rename or redescribe a workspace", workspace_edit},
    {"rm", "remove a workspace with its entitlements", workspace_rm},
    {"list", "list the workspaces", workspace_list},
    {"show", "show one workspace and its entitled models", workspace_show},
    {"key", "manage the workspace's API keys for serve (add, list, revoke)", cmd_workspace_key},
};

int cmd_workspace(cli_context *ctx, int argc, char **argv)
{
    return CLI_DISPATCH(ctx, "workspace", "Manage workspaces.", workspace_subcommands, argc, argv);
}
