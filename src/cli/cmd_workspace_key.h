/* `mmadmin workspace key ...`: the API keys a workspace's pipelines send to `mmadmin serve`
 * (dispatched from cmd_workspace.c). */
#ifndef MM_CMD_WORKSPACE_KEY_H
#define MM_CMD_WORKSPACE_KEY_H

#include "cli/commands.h"

/* argv[0] = "key"; runs add, list or revoke. */
int cmd_workspace_key(cli_context *ctx, int argc, char **argv);

#endif
