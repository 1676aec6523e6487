/* The subcommand table: the type of one command, the prototypes of every command function
 * (generated from commands.def) and lookup by name. */
#ifndef MM_CLI_COMMANDS_H
#define MM_CLI_COMMANDS_H

#include <stddef.h>

#include "cli/cli_util.h"

/* A command function gets argv[0] = its own name ("account") and the words after it. It
 * returns the process exit code: 0 ok, 2 bad usage or input refused by a rule, 1 otherwise. */
typedef int (*cli_run_fn)(cli_context *ctx, int argc, char **argv);

typedef struct cli_command {
    const char *name;    /* "account" */
    const char *summary; /* one line for `mmadmin --help` */
    cli_run_fn run;
} cli_command;

#define CLI_COMMAND(name, summary, function) int function(cli_context *ctx, int argc, char **argv);
#include "cli/commands.def"
#undef CLI_COMMAND

/* NULL when no command has that name. */
const cli_command *cli_command_find(const char *name);
size_t cli_command_count(void);
const cli_command *cli_command_at(size_t index);

#endif
