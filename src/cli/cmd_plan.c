/* `mmadmin plan` and `mmadmin apply`: what a catalog file would change, and applying it as
 * one audited change set; refusals list every error with its line and column. */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ascode/ascode.h"
#include "cli/commands.h"

enum { OPT_FILE = 256, OPT_PRUNE, OPT_EXPECT };

static const cli_option plan_options[] = {
    {"file", "FILE", OPT_FILE, "the catalog file (YAML or JSON, as export writes it) (-f)"},
    {"prune", NULL, OPT_PRUNE, "also remove what the file does not name"},
    {NULL, NULL, 0, NULL},
};

static const cli_option apply_options[] = {
    {"file", "FILE", OPT_FILE, "the catalog file (YAML or JSON, as export writes it) (-f)"},
    {"prune", NULL, OPT_PRUNE, "also remove what the file does not name"},
    {"expect-version", "V", OPT_EXPECT,
     "apply only if the catalog is still at version V (printed by plan)"},
    {NULL, NULL, 0, NULL},
};

static const cli_spec plan_spec = {
    .command = "plan",
    .synopsis = "--file FILE [--prune]",
    .description = "Shows what applying FILE would change: objects added (+), changed field by "
                   "field (~),\nremoved (-, with --prune) and what a removal breaks. Exit 0: "
                   "nothing to do; 2: changes\n(or the file was refused, every error with its "
                   "line and column).",
    .options = plan_options,
    .example = "mmadmin plan -f catalog.yaml",
    .min_args = 0,
    .max_args = 0,
};

static const cli_spec apply_spec = {
    .command = "apply",
    .synopsis = "--file FILE [--prune] [--expect-version V]",
    .description = "Applies FILE in one transaction, audited as one change set (one entry of "
                   "`mmadmin audit`\nthat opens to its parts). Nothing is changed when any part is "
                   "refused or, with --expect-version,\nwhen the catalog changed since the plan. "
                   "Keys come from the environment (api_key: env:VAR).",
    .options = apply_options,
    .example = "mmadmin plan -f catalog.yaml\nmmadmin apply -f catalog.yaml --expect-version 42",
    .min_args = 0,
    .max_args = 0,
};

typedef struct file_args {
    const char *file;
    bool prune;
    int64_t expect_version;
} file_args;

static int parse_args(const cli_spec *spec, int argc, char **argv, file_args *args)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "-f") == 0)
            argv[i] = "--file";
    cli_parser p;
    cli_parser_init(&p, spec, argc, argv);
    *args = (file_args){NULL, false, -1};
    int id;
    while ((id = cli_next_option(&p)) > 0) {
        mm_error err = {0};
        if (id == OPT_FILE)
            args->file = p.arg;
        else if (id == OPT_PRUNE)
            args->prune = true;
        else if (strcmp(p.arg, "0") == 0) /* an empty catalog's version */
            args->expect_version = 0;
        else if (cli_parse_positive("--expect-version", p.arg, INT64_MAX, &args->expect_version,
                                    &err) != MM_OK)
            return cli_report(&err);
    }
    if (id == CLI_STOP)
        return p.exit_code;
    if (!args->file)
        return cli_usage_error(spec->command, "--file FILE is required");
    return -1;
}

static void print_report(const char *file, const asc_report *report)
{
    for (size_t i = 0; i < report->errors.count; i++)
        fprintf(stderr, "%s:%s\n", file, report->errors.items[i]);
    for (size_t i = 0; i < report->notes.count; i++)
        fprintf(stderr, "%s:%s\n", file, report->notes.items[i]);
}

static int refused(const char *file, const asc_report *report, const mm_error *err)
{
    print_report(file, report);
    return cli_report(err);
}

int cmd_plan(cli_context *ctx, int argc, char **argv)
{
    file_args args;
    int code = parse_args(&plan_spec, argc, argv, &args);
    if (code >= 0)
        return code;
    mm_error err = {0};
    asc_report report = {0};
    asc_doc doc;
    asc_plan plan;
    mm_catalog *cat = cli_catalog(ctx, &err);
    if (!cat)
        return cli_report(&err);
    if (asc_doc_read(args.file, &doc, &report, &err) != MM_OK ||
        asc_plan_make(cat, &doc, args.prune, &plan, &report, &err) != MM_OK) {
        code = refused(args.file, &report, &err);
        asc_doc_free(&doc);
        asc_report_free(&report);
        return code;
    }
    for (size_t i = 0; i < plan.lines.count; i++)
        printf("%s\n", plan.lines.items[i]);
    if (plan.changes == 0)
        printf("nothing to do: the catalog matches %s\n", args.file);
    else
        printf("%zu change%s; apply with: mmadmin apply -f %s%s --expect-version %lld\n",
               plan.changes, plan.changes == 1 ? "" : "s", args.file, args.prune ? " --prune" : "",
               (long long)plan.version);
    code = plan.changes ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    asc_plan_free(&plan);
    asc_doc_free(&doc);
    asc_report_free(&report);
    return code;
}

int cmd_apply(cli_context *ctx, int argc, char **argv)
{
    file_args args;
    int code = parse_args(&apply_spec, argc, argv, &args);
    if (code >= 0)
        return code;
    mm_error err = {0};
    asc_report report = {0};
    asc_doc doc;
    size_t parts = 0;
    mm_catalog *cat = cli_catalog(ctx, &err);
    if (!cat)
        return cli_report(&err);
    char *copy = strdup(args.file);
    const char *label = copy ? basename(copy) : args.file;
    if (asc_doc_read(args.file, &doc, &report, &err) != MM_OK ||
        asc_apply(cat, &doc, label, args.prune, args.expect_version, &parts, &report, &err) !=
            MM_OK) {
        code = refused(args.file, &report, &err);
    } else {
        code = CLI_EXIT_OK;
        if (parts)
            printf("applied %s: %zu change%s, one change set (catalog version %lld)\n", args.file,
                   parts, parts == 1 ? "" : "s", (long long)catalog_version(cat));
        else
            printf("nothing to do: the catalog matches %s\n", args.file);
    }
    free(copy);
    asc_doc_free(&doc);
    asc_report_free(&report);
    return code;
}
