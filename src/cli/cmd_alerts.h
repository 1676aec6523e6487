/* The `alerts` command's parts shared between its files: `alerts config` (cmd_alerts_config.c)
 * is a subcommand of `alerts` (cmd_alerts.c). */
#ifndef MM_CLI_CMD_ALERTS_H
#define MM_CLI_CMD_ALERTS_H

#include "cli/cli_util.h"

int cli_alerts_config(cli_context *ctx, int argc, char **argv);

#endif
