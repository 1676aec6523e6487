/* Pieces of `mmadmin health` shared between its files: the `health config` subcommand (the
 * monitor's timing and the status thresholds, catalog settings "health.*"). */
#ifndef MM_CLI_CMD_HEALTH_H
#define MM_CLI_CMD_HEALTH_H

#include "cli/cli_util.h"

/* `mmadmin health config [--probe-interval S] ... [--json]`: argv[0] = "config". */
int cli_health_config(cli_context *ctx, int argc, char **argv);

#endif
