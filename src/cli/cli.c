/* Global option parsing (--db, --read-only, --page, --demo, --version, --help) and dispatch to
 * the command table built from commands.def. main.c opens the console when there is no command. */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/commands.h"

#define CLI_COMMAND(name, summary, function) {#name, summary, function},
static const cli_command commands[] = {
#include "cli/commands.def"
};
#undef CLI_COMMAND

/* Output that did not reach its file (a full disk, a pipe closed with SIGPIPE ignored) fails a
 * command that succeeded, so a script reading the exit code never takes a cut output for the
 * whole one. A command that failed has said why (some say this) and keeps its code. */
static int check_output(int code)
{
    errno = 0;
    int flush_error = fflush(stdout) != 0 ? errno : 0;
    if (code != CLI_EXIT_OK || (!flush_error && !ferror(stdout)))
        return code;
    fprintf(stderr, "mmadmin: writing the output failed%s%s\n", flush_error ? ": " : "",
            flush_error ? strerror(flush_error) : "");
    return CLI_EXIT_FAILURE;
}

size_t cli_command_count(void)
{
    return sizeof commands / sizeof commands[0];
}

const cli_command *cli_command_at(size_t index)
{
    return index < cli_command_count() ? &commands[index] : NULL;
}

const cli_command *cli_command_find(const char *name)
{
    for (size_t i = 0; i < cli_command_count(); i++) {
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    }
    return NULL;
}

static void print_global_help(FILE *out)
{
    fputs("Usage: mmadmin [--db PATH] [--read-only] [--page PAGE] [--demo] [--version] [--help]\n"
          "               [COMMAND ...]\n\n"
          "The MechaMental admin console. With no command it opens the console; with a command\n"
          "it runs it and exits (0 ok, 2 bad usage or input refused by a rule, 1 otherwise).\n\n"
          "Global options (before the command):\n"
          "  --db PATH      the catalog: an SQLite file, or a shared PostgreSQL catalog\n"
          "                 (postgresql://user@host/db, any libpq address or service=NAME;\n"
          "                 default $MM_DB, else $XDG_DATA_HOME/mechamental/catalog.db)\n"
          "  --read-only    open the catalog read-only\n"
          "  --page PAGE    open the console on PAGE: accounts, models, entitlements, health,\n"
          "                 workspaces, audit or prices\n"
          "  --demo         open the console on a throw-away demo catalog fed by the simulator\n"
          "                 (mmsim) and a load generator; leaving it stops and removes them\n"
          "  --version      print the version and exit\n"
          "  -h, --help     show this help and exit\n\n"
          "Commands:\n",
          out);
    for (size_t i = 0; i < cli_command_count(); i++)
        fprintf(out, "  %-14s %s\n", commands[i].name, commands[i].summary);
    fputs("\nRun 'mmadmin COMMAND --help' for a command's options and an example.\n", out);
}

enum { OPT_DB = 256, OPT_READ_ONLY, OPT_VERSION, OPT_DEMO, OPT_PAGE };

int cli_parse_global(cli_context *ctx, int argc, char **argv, int *first)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, OPT_DB},
        {"read-only", no_argument, NULL, OPT_READ_ONLY},
        {"version", no_argument, NULL, OPT_VERSION},
        {"demo", no_argument, NULL, OPT_DEMO},
        {"page", required_argument, NULL, OPT_PAGE},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+:h", options, NULL)) != -1) {
        switch (c) {
        case OPT_DB:
            if (!optarg[0]) { /* --db "$UNSET" must not fall back to $MM_DB or the default */
                fprintf(stderr, "mmadmin: --db is empty (an unset variable?): give a file path "
                                "or postgresql://...; without --db, $MM_DB is used\n");
                return CLI_EXIT_USAGE;
            }
            ctx->db_path = optarg;
            break;
        case OPT_READ_ONLY:
            ctx->read_only = true;
            break;
        case OPT_DEMO:
            ctx->demo = true;
            break;
        case OPT_PAGE:
            ctx->page = optarg;
            break;
        case OPT_VERSION:
            printf("mmadmin %s\n", MM_VERSION);
            return check_output(CLI_EXIT_OK);
        case 'h':
            print_global_help(stdout);
            return check_output(CLI_EXIT_OK);
        case ':':
            fprintf(stderr, "mmadmin: option '%s' needs a value; see 'mmadmin --help'\n",
                    argv[optind - 1]);
            return CLI_EXIT_USAGE;
        default:
            fprintf(stderr,
                    "mmadmin: unknown option '%s'; see 'mmadmin --help' (command options go "
                    "after the command)\n",
                    optopt ? (char[]){'-', (char)optopt, '\0'} : argv[optind - 1]);
            return CLI_EXIT_USAGE;
        }
    }
    *first = optind;
    return -1;
}

int cli_run_command(cli_context *ctx, int argc, char **argv)
{
    if (ctx->demo) {
        fprintf(stderr, "mmadmin: --demo opens the console; it takes no command\n");
        return CLI_EXIT_USAGE;
    }
    const char *name = argv[0];
    if (strcmp(name, "help") == 0) {
        print_global_help(stdout);
        return check_output(CLI_EXIT_OK);
    }
    const cli_command *command = cli_command_find(name);
    if (!command) {
        fprintf(stderr, "mmadmin: unknown command '%s'; see 'mmadmin --help' for the list\n", name);
        return CLI_EXIT_USAGE;
    }
    int code = command->run(ctx, argc, argv);
    cli_context_close(ctx);
    return check_output(code);
}
