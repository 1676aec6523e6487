/* mmsim entry point: command-line flags (getopt_long), scenario loading, printing the bound
 * port, and a clean shutdown on SIGINT/SIGTERM (signals are taken synchronously with sigwait). */
#include "sim/sim_scenario.h"
#include "sim/sim_server.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_USAGE 2

typedef struct options {
    long port; /* -1 = not given */
    const char *scenario_path;
    uint64_t seed;
    bool quiet;
} options;

static const char usage_text[] =
    "usage: mmsim --port N [--scenario FILE] [--seed N] [--quiet]\n"
    "  --port N         listen on 127.0.0.1:N (0 picks a free port); the port is printed\n"
    "                   alone on the first line of stdout\n"
    "  --scenario FILE  JSON scenario: keys, faults, latency, phases (see docs/mmsim.md)\n"
    "  --seed N         seed for replies and fault draws when the scenario has none (default 1)\n"
    "  --quiet          do not log requests to stderr\n";

static bool parse_number(const char *text, unsigned long long max, unsigned long long *out)
{
    if (!text || !*text || *text == '-' || *text == '+')
        return false;
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno || *end || value > max)
        return false;
    *out = value;
    return true;
}

static int usage_error(const char *fmt, const char *detail)
{
    fprintf(stderr, "mmsim: ");
    fprintf(stderr, fmt, detail);
    fprintf(stderr, "\n%s", usage_text);
    return EXIT_USAGE;
}

enum { OPT_PORT = 256, OPT_SEED, OPT_SCENARIO, OPT_QUIET };

/* The word getopt_long just refused (an unknown option, or one missing its value). */
static const char *refused_word(char **argv, char *short_form)
{
    if (optopt && optopt < OPT_PORT) {
        short_form[1] = (char)optopt;
        return short_form;
    }
    return argv[optind - 1];
}

/* Applies one option with its value; returns -1 to go on, else the exit code to use now. */
static int apply_option(int c, const char *value, options *opts)
{
    unsigned long long number;
    switch (c) {
    case OPT_PORT:
        if (!parse_number(value, 65535, &number))
            return usage_error("--port needs a number from 0 to 65535, not \"%s\"", value);
        opts->port = (long)number;
        return -1;
    case OPT_SEED:
        if (!parse_number(value, UINT64_MAX, &number))
            return usage_error("--seed needs a whole number of 0 or more, not \"%s\"", value);
        opts->seed = number;
        return -1;
    case OPT_SCENARIO:
        opts->scenario_path = value;
        return -1;
    case OPT_QUIET:
        opts->quiet = true;
        return -1;
    default: /* 'h' */
        fputs(usage_text, stdout);
        return 0;
    }
}

/* Returns -1 when the options are complete, else the exit code to use now. */
static int parse_options(int argc, char **argv, options *opts)
{
    static const struct option longopts[] = {
        {"port", required_argument, NULL, OPT_PORT},
        {"seed", required_argument, NULL, OPT_SEED},
        {"scenario", required_argument, NULL, OPT_SCENARIO},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *opts = (options){.port = -1, .seed = 1};
    optind = 0;
    opterr = 0;
    char short_form[3] = "-?";
    int c, code = -1;
    while (code < 0 && (c = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
        if (c == ':')
            code = usage_error("%s needs a value", refused_word(argv, short_form));
        else if (c == '?')
            code = usage_error("unknown argument \"%s\"", refused_word(argv, short_form));
        else
            code = apply_option(c, optarg, opts);
    }
    if (code >= 0)
        return code;
    if (optind < argc)
        return usage_error("unknown argument \"%s\"", argv[optind]);
    if (opts->port < 0)
        return usage_error("%s", "--port is required (use --port 0 for a free port)");
    return -1;
}

static int serve(const options *opts, sim_scenario *scenario)
{
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    /* Blocked before any thread starts, so every thread inherits the mask and only sigwait
     * below receives them. */
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    sim_state state;
    if (!sim_state_init(&state, scenario, opts->seed)) {
        sim_scenario_free(scenario);
        fprintf(stderr, "mmsim: cannot create threading primitives\n");
        return EXIT_FAILURE;
    }
    sim_server server;
    char err[256];
    if (!sim_server_start(&server, &state, (uint16_t)opts->port, opts->quiet, err, sizeof err)) {
        fprintf(stderr, "mmsim: %s\n", err);
        sim_state_destroy(&state);
        return EXIT_FAILURE;
    }
    printf("%u\n", server.port);
    fflush(stdout);
    if (!opts->quiet)
        fprintf(stderr, "mmsim: listening on http://127.0.0.1:%u\n", server.port);
    int received = 0;
    while (sigwait(&signals, &received) != 0)
        ;
    if (!opts->quiet)
        fprintf(stderr, "mmsim: %s received, shutting down\n",
                received == SIGINT ? "SIGINT" : "SIGTERM");
    sim_server_stop(&server);
    sim_state_destroy(&state);
    return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
    options opts;
    int early = parse_options(argc, argv, &opts);
    if (early >= 0)
        return early;
    char err[512];
    sim_scenario *scenario =
        opts.scenario_path ? sim_scenario_load_file(opts.scenario_path, opts.seed, err, sizeof err)
                           : sim_scenario_empty(opts.seed);
    if (!scenario) {
        fprintf(stderr, "mmsim: scenario refused: %s\n",
                opts.scenario_path ? err : "out of memory");
        return EXIT_USAGE;
    }
    return serve(&opts, scenario);
}
