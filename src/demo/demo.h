/* `mmadmin --demo`: a throw-away catalog pointed at a local mmsim whose scenario makes providers
 * degrade, rate-limit and fail, a load generator sending through the real router, the console. */
#ifndef MM_DEMO_H
#define MM_DEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "catalog/catalog.h"
#include "error.h"

/* A running mmsim child: its pid and the loopback port it listens on. */
typedef struct demo_sim {
    pid_t pid;
    int port;
    int stdout_fd; /* kept open so the child never writes into a closed pipe */
} demo_sim;

/* Starts mmsim (from $MMSIM, beside this binary, or on PATH) with the scenario file; waits for
 * its port line. */
mm_status demo_sim_start(const char *scenario_path, const char *log_path, demo_sim *sim,
                         mm_error *err);
/* Stops it (SIGTERM, then SIGKILL after a grace period) and reaps it. */
void demo_sim_stop(demo_sim *sim);

/* The demo scenario (mmsim's JSON): over four minutes, OpenAI degrades, Anthropic rate-limits,
 * Gemini goes down and comes back; then it loops. */
const char *demo_scenario_json(void);

/* Fills an empty catalog: an account of every provider kind pointed at the simulator on port,
 * four logical models with 3-target chains, four workspaces with entitlements and limits, the
 * built-in prices, and short probe/health settings so changes show within seconds. */
mm_status demo_catalog_seed(mm_catalog *cat, int port, mm_error *err);

/* The load generator: an in-process `mmadmin serve` on loopback (a workspace key made per
 * entitled workspace) and threads that send chat completions to it for entitled (workspace,
 * model) pairs. Silent (the console owns the terminal). */
typedef struct demo_load demo_load;
mm_status demo_load_start(const char *db_path, int threads, demo_load **out, mm_error *err);
/* Requests sent so far (served or not). */
size_t demo_load_sent(const demo_load *load);
void demo_load_stop(demo_load *load);

/* Opens the console on the catalog at db_path, first on start_page; returns the exit code.
 * main.c passes ui_main, so this folder needs no console header. */
typedef int (*demo_console_fn)(const char *db_path, const char *start_page);

/* Runs the whole demo around console; returns its exit code (1 when the demo cannot start).
 * start_page NULL opens Provider Health. */
int demo_run(const char *start_page, demo_console_fn console);

#endif
