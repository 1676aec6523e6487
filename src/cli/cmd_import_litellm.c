/* `mmadmin import litellm FILE`: a LiteLLM config.yaml as accounts, logical models and their
 * chains, applied as one change set (or only planned with --plan); says what it did not map. */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ascode/ascode.h"
#include "cli/commands.h"

enum { OPT_PLAN = 256 };

static const cli_option import_options[] = {
    {"plan", NULL, OPT_PLAN,
     "only show what the import would change (exit 0: nothing, 2: changes)"},
    {NULL, NULL, 0, NULL},
};

static const cli_spec import_litellm_spec = {
    .command = "import litellm",
    .synopsis = "FILE [--plan]",
    .description =
        "Reads a LiteLLM config.yaml: each model_list entry's model_name is a logical model, its\n"
        "litellm_params (model, api_base, api_version, rpm, tpm) an account and a target;\n"
        "deployments of one model_name form its chain (litellm_params.order, then file order),\n"
        "router_settings.fallbacks append the fallback models' targets. Keys are read from the\n"
        "environment (api_key: os.environ/VAR); a key written in clear is never imported. What\n"
        "cannot be mapped is listed with its line and column. Applied as one change set.",
    .options = import_options,
    .example = "export AZURE_API_KEY_EU=...\nmmadmin import litellm config.yaml --plan\n"
               "mmadmin import litellm config.yaml",
    .min_args = 1,
    .max_args = 1,
    .args_name = "FILE",
};

static void print_lines(const char *file, const mm_string_list *lines)
{
    for (size_t i = 0; i < lines->count; i++)
        fprintf(stderr, "%s:%s\n", file, lines->items[i]);
}

static int show_plan(mm_catalog *cat, const asc_doc *doc, const char *file, asc_report *report)
{
    asc_plan plan;
    mm_error err = {0};
    if (asc_plan_make(cat, doc, false, &plan, report, &err) != MM_OK) {
        print_lines(file, &report->errors);
        return cli_report(&err);
    }
    for (size_t i = 0; i < plan.lines.count; i++)
        printf("%s\n", plan.lines.items[i]);
    printf("%zu change%s\n", plan.changes, plan.changes == 1 ? "" : "s");
    int code = plan.changes ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    asc_plan_free(&plan);
    return code;
}

static int run_import(mm_catalog *cat, asc_doc *doc, const char *file, bool plan_only,
                      asc_report *report)
{
    mm_error err = {0};
    json_t *picture = NULL;
    if (asc_picture(cat, &picture, &err) != MM_OK)
        return cli_report(&err);
    mm_status st = asc_litellm_import(doc, json_object_get(picture, "accounts"), report, &err);
    json_decref(picture);
    if (st != MM_OK) {
        print_lines(file, &report->errors);
        return cli_report(&err);
    }
    print_lines(file, &report->notes);
    if (plan_only)
        return show_plan(cat, doc, file, report);
    char *copy = strdup(file);
    size_t parts = 0;
    st = asc_apply(cat, doc, copy ? basename(copy) : file, false, -1, &parts, report, &err);
    free(copy);
    if (st != MM_OK) {
        print_lines(file, &report->errors);
        return cli_report(&err);
    }
    if (parts)
        printf("imported %s: %zu change%s, one change set\n", file, parts, parts == 1 ? "" : "s");
    else
        printf("nothing to do: the catalog already has what %s maps to\n", file);
    return CLI_EXIT_OK;
}

static int import_litellm(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &import_litellm_spec, argc, argv);
    bool plan_only = false;
    int id;
    while ((id = cli_next_option(&p)) > 0)
        plan_only = true;
    if (id == CLI_STOP)
        return p.exit_code;
    const char *file = p.args[0];
    mm_error err = {0};
    mm_catalog *cat = cli_catalog(ctx, &err);
    if (!cat)
        return cli_report(&err);
    asc_report report = {0};
    asc_doc doc;
    int code;
    if (asc_doc_read(file, &doc, &report, &err) != MM_OK) {
        print_lines(file, &report.errors);
        code = cli_report(&err);
    } else {
        code = run_import(cat, &doc, file, plan_only, &report);
    }
    asc_doc_free(&doc);
    asc_report_free(&report);
    return code;
}

int cmd_import(cli_context *ctx, int argc, char **argv)
{
    static const cli_subcommand subs[] = {
        {"litellm", "import a LiteLLM config.yaml (model_list, fallbacks)", import_litellm},
    };
    return CLI_DISPATCH(ctx, "import", "bring a configuration from another gateway", subs, argc,
                        argv);
}
