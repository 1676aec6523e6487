/* mmadmin's entry point: everything is in cli_main (subcommands) and ui_main (the console,
 * opened when no subcommand is given). */
#include "cli/cli.h"

int main(int argc, char **argv)
{
    return cli_main(argc, argv);
}
