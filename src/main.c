/* mmadmin's entry point: parses the global options (cli.c), then runs the CLI (a command word,
 * its process ended at once when it is over: mm_process_end) or loads the console module
 * (mmadmin-console.so: the console and --demo) and runs it. */
#include <stdio.h>

#include "cli/cli.h"
#include "ui.h"
#include "util/module.h"
#include "util/process.h"

static int run_console(const cli_context *ctx)
{
    mm_error err = {0};
    mm_console_main_fn *console = mm_module_symbol(MM_CONSOLE_MODULE, MM_CONSOLE_ENTRY, &err);
    if (!console) {
        fprintf(stderr, "mmadmin: the console cannot open: %s\n", err.message);
        return CLI_EXIT_FAILURE;
    }
    mm_console_args args = {
        .db_path = ctx->db_path, .read_only = ctx->read_only, .page = ctx->page, .demo = ctx->demo};
    return console(&args);
}

int main(int argc, char **argv)
{
    cli_context ctx = {0};
    int first = argc;
    int code = cli_parse_global(&ctx, argc, argv, &first);
    if (code >= 0)
        return code;
    if (first < argc)
        return mm_process_end(cli_run_command(&ctx, argc - first, argv + first));
    return run_console(&ctx);
}
