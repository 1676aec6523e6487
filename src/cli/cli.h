/* The scriptable command line: global options, then one subcommand per catalog action, each
 * with --help and --json where it lists or shows. Exit 0 ok, 2 bad usage/refused input, 1 else. */
#ifndef MM_CLI_H
#define MM_CLI_H

/* Runs `mmadmin ARGS...`. With no subcommand, opens the console through ui_main. */
int cli_main(int argc, char **argv);

#endif
