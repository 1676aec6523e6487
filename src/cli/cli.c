/* Global option parsing and subcommand dispatch for `mmadmin` (being built: see issue 2). */
#include "cli/cli.h"

#include <stdio.h>

int cli_main(int argc, char **argv)
{
    (void)argc;
    fprintf(stderr, "%s: no subcommands yet\n", argv[0]);
    return 2;
}
