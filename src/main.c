/* mmadmin's entry point: parses the global options (cli.c), then chooses the CLI (a command
 * word), the demo (--demo, src/demo) or the console (ui_main). */
#include <stdio.h>

#include "cli/cli.h"
#include "demo/demo.h"
#include "ui.h"

static int open_console(const char *db_path, const char *start_page)
{
    mm_ui_options opts = {.db_path = db_path, .start_page = start_page};
    return ui_main(&opts);
}

static int run_console(const cli_context *ctx)
{
    char pages[160];
    if (ctx->page && !ui_page_id_known(ctx->page, pages, sizeof pages)) {
        fprintf(stderr, "mmadmin: no page '%s'; --page takes one of: %s\n", ctx->page, pages);
        return CLI_EXIT_USAGE;
    }
    if (ctx->demo) {
        if (ctx->db_path || ctx->read_only) {
            fprintf(stderr, "mmadmin: --demo makes its own throw-away catalog; drop --db and "
                            "--read-only\n");
            return CLI_EXIT_USAGE;
        }
        return demo_run(ctx->page, open_console);
    }
    mm_ui_options opts = {
        .db_path = ctx->db_path, .read_only = ctx->read_only, .start_page = ctx->page};
    return ui_main(&opts);
}

int main(int argc, char **argv)
{
    cli_context ctx = {0};
    int first = argc;
    int code = cli_parse_global(&ctx, argc, argv, &first);
    if (code >= 0)
        return code;
    if (first < argc)
        return cli_run_command(&ctx, argc - first, argv + first);
    return run_console(&ctx);
}
