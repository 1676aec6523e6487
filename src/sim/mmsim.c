/* mmsim entry point: command-line flags, scenario loading, printing the bound port, and a
 * clean shutdown on SIGINT/SIGTERM (signals are taken synchronously with sigwait). */
#include "sim/sim_scenario.h"
#include "sim/sim_server.h"

#include <errno.h>
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

/* The value of a flag given as "--flag VALUE" or "--flag=VALUE", or NULL if not this flag. */
static const char *flag_value(int argc, char **argv, int *i, const char *flag, bool *missing)
{
    size_t len = strlen(flag);
    if (strncmp(argv[*i], flag, len) != 0)
        return NULL;
    if (argv[*i][len] == '=')
        return argv[*i] + len + 1;
    if (argv[*i][len] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

static int usage_error(const char *fmt, const char *detail)
{
    fprintf(stderr, "mmsim: ");
    fprintf(stderr, fmt, detail);
    fprintf(stderr, "\n%s", usage_text);
    return EXIT_USAGE;
}

/* Returns -1 when the options are complete, else the exit code to use now. */
static int parse_options(int argc, char **argv, options *opts)
{
    *opts = (options){.port = -1, .seed = 1};
    for (int i = 1; i < argc; i++) {
        bool missing = false;
        const char *value;
        unsigned long long number;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage_text, stdout);
            return 0;
        } else if (strcmp(argv[i], "--quiet") == 0) {
            opts->quiet = true;
        } else if ((value = flag_value(argc, argv, &i, "--port", &missing))) {
            if (!parse_number(value, 65535, &number))
                return usage_error("--port needs a number from 0 to 65535, not \"%s\"", value);
            opts->port = (long)number;
        } else if ((value = flag_value(argc, argv, &i, "--seed", &missing))) {
            if (!parse_number(value, UINT64_MAX, &number))
                return usage_error("--seed needs a whole number of 0 or more, not \"%s\"", value);
            opts->seed = number;
        } else if ((value = flag_value(argc, argv, &i, "--scenario", &missing))) {
            opts->scenario_path = value;
        } else if (missing) {
            return usage_error("%s needs a value", argv[i]);
        } else {
            return usage_error("unknown argument \"%s\"", argv[i]);
        }
    }
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
