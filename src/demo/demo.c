/* `mmadmin --demo`: makes a temporary catalog, starts mmsim with the demo scenario and the load
 * generator, runs the console it is given, and on exit stops and removes everything. */
#include "demo/demo.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/text.h"

#define DEMO_LOAD_THREADS 2

/* Minute by minute (the phase clocks start when mmsim loads it; every rule loops each 240 s):
 *   0:40  OpenAI degrades: latency 1.4 s ± 0.9 s and 30% server errors, for 80 s;
 *   1:00  Anthropic rate-limits half its requests (429, Retry-After 5 s), for 60 s;
 *   1:15  Gemini goes down (every call fails) for 75 s, then comes back;
 *   2:00+ all recover; from 4:00 the cycle starts again.
 * Azure, Cohere, Mistral and the local vLLM stay healthy, each with its own latency. */
static const char DEMO_SCENARIO[] =
    "{\"seed\": 7, \"rules\": [\n"
    " {\"prefix\": \"openai\", \"loop\": true, \"phases\": [\n"
    "   {\"duration_s\": 40, \"latency_ms\": 180, \"jitter_ms\": 80},\n"
    "   {\"duration_s\": 80, \"latency_ms\": 1400, \"jitter_ms\": 900, \"fault\": \"server\","
    " \"fault_rate\": 0.3},\n"
    "   {\"duration_s\": 120, \"latency_ms\": 180, \"jitter_ms\": 80}]},\n"
    " {\"prefix\": \"anthropic\", \"loop\": true, \"phases\": [\n"
    "   {\"duration_s\": 60, \"latency_ms\": 450, \"jitter_ms\": 150},\n"
    "   {\"duration_s\": 60, \"latency_ms\": 300, \"jitter_ms\": 100, \"fault\": \"rate_limit\","
    " \"fault_rate\": 0.5, \"retry_after_s\": 5},\n"
    "   {\"duration_s\": 120, \"latency_ms\": 450, \"jitter_ms\": 150}]},\n"
    " {\"prefix\": \"gemini\", \"loop\": true, \"phases\": [\n"
    "   {\"duration_s\": 75, \"latency_ms\": 260, \"jitter_ms\": 90},\n"
    "   {\"duration_s\": 75, \"latency_ms\": 40, \"fault\": \"server\", \"fault_rate\": 1.0},\n"
    "   {\"duration_s\": 90, \"latency_ms\": 260, \"jitter_ms\": 90}]},\n"
    " {\"prefix\": \"azure\", \"phases\": [{\"latency_ms\": 320, \"jitter_ms\": 100}]},\n"
    " {\"prefix\": \"cohere\", \"phases\": [{\"latency_ms\": 380, \"jitter_ms\": 120}]},\n"
    " {\"prefix\": \"mistral\", \"phases\": [{\"latency_ms\": 210, \"jitter_ms\": 70}]},\n"
    " {\"prefix\": \"compat\", \"phases\": [{\"latency_ms\": 60, \"jitter_ms\": 20}]}\n"
    "]}\n";

const char *demo_scenario_json(void)
{
    return DEMO_SCENARIO;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static bool write_text_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return false;
    bool ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok;
}

static mm_status make_catalog(const char *db_path, int port, mm_error *err)
{
    mm_catalog *cat = NULL;
    mm_catalog_options opts = {.path = db_path, .create = true};
    mm_status st = catalog_open(&opts, &cat, err);
    if (st == MM_OK)
        st = demo_catalog_seed(cat, port, err);
    catalog_close(cat);
    return st;
}

typedef struct demo_paths {
    char dir[256], db[300], scenario[300], sim_log[300];
} demo_paths;

static bool make_paths(demo_paths *p)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(p->dir, sizeof p->dir, "%s/mmadmin-demo.XXXXXX", mm_present(tmp) ? tmp : "/tmp");
    if (!mkdtemp(p->dir))
        return false;
    snprintf(p->db, sizeof p->db, "%s/catalog.db", p->dir);
    snprintf(p->scenario, sizeof p->scenario, "%s/scenario.json", p->dir);
    snprintf(p->sim_log, sizeof p->sim_log, "%s/mmsim.log", p->dir);
    return true;
}

int demo_run(const char *start_page, demo_console_fn console)
{
    demo_paths paths;
    if (!make_paths(&paths)) {
        perror("mmadmin --demo: cannot create a temporary directory");
        return 1;
    }
    mm_error err = {0};
    demo_sim sim = {.pid = 0, .port = 0, .stdout_fd = -1};
    demo_load *load = NULL;
    mm_status st = write_text_file(paths.scenario, DEMO_SCENARIO)
                       ? MM_OK
                       : mm_error_set(&err, MM_E_IO, NULL, "cannot write %s", paths.scenario);
    if (st == MM_OK)
        st = demo_sim_start(paths.scenario, paths.sim_log, &sim, &err);
    if (st == MM_OK)
        st = make_catalog(paths.db, sim.port, &err);
    if (st == MM_OK)
        st = demo_load_start(paths.db, DEMO_LOAD_THREADS, &load, &err);
    int code = 1;
    if (st == MM_OK) {
        code = console(paths.db, start_page ? start_page : "health");
    } else {
        fprintf(stderr, "mmadmin --demo: %s\n", err.message);
    }
    size_t sent = load ? demo_load_sent(load) : 0;
    demo_load_stop(load);
    demo_sim_stop(&sim);
    nftw(paths.dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
    if (st == MM_OK)
        printf("mmadmin demo: stopped the simulator and the load generator (%zu requests "
               "sent); removed %s\n",
               sent, paths.dir);
    return code;
}
