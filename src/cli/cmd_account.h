/* Pieces of `mmadmin account` shared between its files: the JSON form of an account and the
 * `account test` subcommand (Test Connection). */
#ifndef MM_CLI_CMD_ACCOUNT_H
#define MM_CLI_CMD_ACCOUNT_H

#include <jansson.h>

#include "catalog/catalog.h"
#include "cli/cli_util.h"

/* The account as scripts see it: name provider endpoint api_version ca_bundle key_hint rpm tpm
 * monthly_cap_usd enabled disabled_reason last_test (unset values are null). New reference. */
json_t *cli_account_json(const mm_account *acc);

/* `mmadmin account test NAME [--json] [--timeout SECONDS]`. */
int cli_account_test(cli_context *ctx, int argc, char **argv);

#endif
