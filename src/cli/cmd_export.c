/* `mmadmin export`: the whole catalog as text (YAML, JSON or a LiteLLM config), in a fixed
 * order so that two exports of the same catalog are byte-identical. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ascode/ascode.h"
#include "cli/commands.h"

enum { OPT_FORMAT = 256, OPT_OUTPUT };

static const cli_option export_options[] = {
    {"format", "F", OPT_FORMAT, "yaml (default), json, or litellm (a LiteLLM config.yaml)"},
    {"output", "FILE", OPT_OUTPUT, "write to FILE instead of standard output (-o)"},
    {NULL, NULL, 0, NULL},
};

static const cli_spec export_spec = {
    .command = "export",
    .synopsis = "[--format yaml|json|litellm] [--output FILE]",
    .description =
        "Writes the whole catalog as text: accounts (keys as references, api_key:\n"
        "env:MM_KEY_<ACCOUNT>, never the key), models with their chains, workspaces with their\n"
        "entitlements and limits, prices set by hand or imported, health and router settings\n"
        "and the usage retention.\n"
        "Review it, keep it in git, change it and apply it with `mmadmin plan` / `apply`.",
    .options = export_options,
    .example = "mmadmin export -o catalog.yaml\nmmadmin export --format litellm > config.yaml",
    .min_args = 0,
    .max_args = 0,
};

static int write_text(const char *text, const char *path)
{
    FILE *fp = path ? fopen(path, "w") : stdout;
    if (!fp) {
        fprintf(stderr, "mmadmin: cannot write %s\n", path);
        return CLI_EXIT_FAILURE;
    }
    bool ok = fputs(text, fp) != EOF;
    ok = (path ? fclose(fp) == 0 : fflush(fp) == 0) && ok;
    if (!ok)
        fprintf(stderr, "mmadmin: writing %s failed\n", path ? path : "the output");
    return ok ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
}

static int parse_format(const char *text, asc_format *out)
{
    static const char *const names[] = {"yaml", "json", "litellm"};
    for (int i = 0; i < 3; i++)
        if (strcmp(text, names[i]) == 0) {
            *out = (asc_format)i;
            return 0;
        }
    return cli_usage_error("export", "--format is yaml, json or litellm (got '%s')", text);
}

int cmd_export(cli_context *ctx, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) /* -o is the short form of --output */
        if (strcmp(argv[i], "-o") == 0)
            argv[i] = "--output";
    cli_parser p;
    cli_parser_init(&p, &export_spec, argc, argv);
    asc_format format = ASC_YAML;
    const char *output = NULL;
    int id;
    while ((id = cli_next_option(&p)) > 0) {
        if (id == OPT_OUTPUT)
            output = p.arg;
        else if (parse_format(p.arg, &format) != 0)
            return CLI_EXIT_USAGE;
    }
    if (id == CLI_STOP)
        return p.exit_code;
    mm_error err = {0};
    mm_catalog *cat = cli_catalog(ctx, &err);
    json_t *picture = NULL, *litellm = NULL;
    char *text = NULL;
    if (!cat || asc_picture(cat, &picture, &err) != MM_OK ||
        (format == ASC_LITELLM && asc_litellm_export(picture, &litellm, &err) != MM_OK) ||
        asc_text_write(litellm ? litellm : picture, format != ASC_JSON, &text, &err) != MM_OK) {
        json_decref(picture);
        json_decref(litellm);
        return cli_report(&err);
    }
    int code = write_text(text, output);
    free(text);
    json_decref(picture);
    json_decref(litellm);
    return code;
}
