/* The scriptable command line: global options, then one subcommand per catalog action, each
 * with --help and --json where it lists or shows. Exit 0 ok, 2 bad usage/refused input, 1 else. */
#ifndef MM_CLI_H
#define MM_CLI_H

#include "cli/cli_util.h"

/* Parses the global options (--db, --read-only, --page, --demo, --version, --help) of
 * `mmadmin ARGS...` into ctx, up to the first command word. Returns -1 to go on, or the exit
 * code when done (--version, --help) or refused (2, message on stderr). *first is the index of
 * the command word, argc when there is none (main.c then opens the console). */
int cli_parse_global(cli_context *ctx, int argc, char **argv, int *first);

/* Runs one command: argv[0] is the command word ("account"). Returns the exit code: 0 ok,
 * 2 bad usage or refused input (also --demo with a command), 1 otherwise. Closes ctx. */
int cli_run_command(cli_context *ctx, int argc, char **argv);

#endif
