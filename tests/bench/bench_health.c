/* Health benchmarks: folding 1,000,000 usage events into the rolling windows (events/s), CPU
 * seconds per minute of an idle monitor, and (with --probe-round URL, run by bench_health.sh
 * against mmsim) one probe round over 1,000 accounts (seconds, peak connections). */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "health/monitor.h"
#include "health/prober.h"
#include "health/window.h"
#include "util/clock.h"

#define FOLD_EVENTS 1000000
#define FOLD_ACCOUNTS 1000

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void bench_fold(void)
{
    mm_usage_event *events = calloc(FOLD_EVENTS, sizeof *events);
    if (!events)
        return;
    int64_t now = mm_now_ms();
    uint64_t seed = 7;
    for (size_t i = 0; i < FOLD_EVENTS; i++) {
        mm_usage_event *ev = &events[i];
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        snprintf(ev->account, sizeof ev->account, "acct-%04u",
                 (unsigned)((seed >> 33) % FOLD_ACCOUNTS));
        strcpy(ev->kind, "request");
        strcpy(ev->provider, "openai");
        strcpy(ev->outcome, (seed >> 20) % 20 == 0 ? "server" : "ok");
        ev->ts_ms = now - 3600000 + (int64_t)(i * 3600000 / FOLD_EVENTS);
        ev->latency_ms = 50 + (int64_t)((seed >> 40) % 2000);
        ev->tokens_in = 100;
        ev->tokens_out = 20;
        ev->cost_micros = 150;
    }
    mm_window_set set;
    mm_window_set_init(&set, now);
    double start = seconds_now();
    for (size_t i = 0; i < FOLD_EVENTS; i++)
        mm_window_set_fold(&set, &events[i]);
    double elapsed = seconds_now() - start;
    printf("fold: %d events over %d accounts in %.3f s = %.0f events/s\n", FOLD_EVENTS,
           FOLD_ACCOUNTS, elapsed, FOLD_EVENTS / elapsed);
    mm_window_set_free(&set);
    free(events);
}

static mm_catalog *open_temp_catalog(char *path, size_t pathsz)
{
    setenv("MM_MASTER_KEY", "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=", 0);
    char dir[] = "/tmp/mmbench.XXXXXX";
    if (!mkdtemp(dir))
        return NULL;
    snprintf(path, pathsz, "%s/catalog.db", dir);
    mm_catalog_options opts = {.path = path, .create = true};
    mm_catalog *cat = NULL;
    mm_error err = {0};
    if (catalog_open(&opts, &cat, &err) != MM_OK)
        fprintf(stderr, "bench: %s\n", err.message);
    return cat;
}

static void add_accounts(mm_catalog *cat, int n, const char *endpoint)
{
    for (int i = 0; i < n; i++) {
        mm_account acc;
        mm_account_init(&acc);
        snprintf(acc.name, sizeof acc.name, "acct-%04d", i);
        strcpy(acc.provider, "openai-compatible");
        snprintf(acc.endpoint, sizeof acc.endpoint, "%s", endpoint);
        mm_error err = {0};
        if (catalog_account_insert(cat, &acc, NULL, &err) != MM_OK) {
            fprintf(stderr, "bench: %s\n", err.message);
            return;
        }
    }
}

static void remove_catalog(const char *path)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf \"$(dirname '%s')\"", path);
    if (system(cmd) != 0)
        fprintf(stderr, "bench: could not remove %s\n", path);
}

/* A watching monitor over 50 accounts with an hour of history and nothing new. */
static void bench_idle_monitor(int seconds)
{
    char path[512];
    mm_catalog *cat = open_temp_catalog(path, sizeof path);
    if (!cat)
        return;
    add_accounts(cat, 50, "http://127.0.0.1:9");
    int64_t now = mm_now_ms();
    for (int i = 0; i < 3000; i++) {
        mm_usage_event ev = {
            .ts_ms = now - 3600000 + i * 1200, .latency_ms = 100 + i % 700, .retry_after_ms = -1};
        snprintf(ev.account, sizeof ev.account, "acct-%04d", i % 50);
        strcpy(ev.kind, "request");
        strcpy(ev.provider, "openai-compatible");
        strcpy(ev.outcome, "ok");
        catalog_usage_insert(cat, &ev, NULL);
    }
    int wake[2];
    if (pipe(wake) != 0)
        return;
    mm_monitor_config cfg = {.catalog_path = path, .wake_fd = wake[1], .probe = false};
    mm_monitor *mon = NULL;
    mm_error err = {0};
    if (health_monitor_start(&cfg, &mon, &err) != MM_OK) {
        fprintf(stderr, "bench: %s\n", err.message);
        return;
    }
    sleep(2); /* the start-up load */
    double cpu0 = cpu_seconds(), t0 = seconds_now();
    long wakes = 0;
    while (seconds_now() - t0 < seconds) {
        struct pollfd pfd = {.fd = wake[0], .events = POLLIN};
        if (poll(&pfd, 1, 500) == 1) {
            char buf[64];
            wakes += read(wake[0], buf, sizeof buf) > 0;
        }
    }
    double cpu = cpu_seconds() - cpu0, wall = seconds_now() - t0;
    printf("idle monitor (50 accounts, watching): %.4f CPU s per minute (%.3f s over %.0f s, "
           "%ld UI wakes)\n",
           cpu * 60.0 / wall, cpu, wall, wakes);
    health_monitor_stop(mon);
    close(wake[0]);
    close(wake[1]);
    catalog_close(cat);
    remove_catalog(path);
}

static void bench_probe_round(const char *url, int accounts)
{
    char path[512];
    mm_catalog *cat = open_temp_catalog(path, sizeof path);
    if (!cat)
        return;
    add_accounts(cat, accounts, url);
    mm_account_list list = {0};
    mm_error err = {0};
    mm_prober *prober = NULL;
    if (catalog_account_list(cat, &list, &err) != MM_OK ||
        prober_create(32, 0, &prober, &err) != MM_OK) {
        fprintf(stderr, "bench: %s\n", err.message);
        return;
    }
    for (int round = 1; round <= 2; round++) { /* the second reuses the connections */
        double start = seconds_now();
        prober_start_round(prober, cat, &list, 10000, &err);
        mm_probe_record *records = NULL;
        size_t n_records = 0, capacity = 0;
        while (prober_busy(prober)) {
            bool extra;
            prober_wait(prober, -1, 1000, &extra);
            prober_collect(prober, &records, &n_records, &capacity);
            n_records = 0; /* not recorded: the round's time alone */
        }
        free(records);
        double elapsed = seconds_now() - start;
        mm_prober_stats stats = prober_stats(prober);
        printf("probe round %d: %zu accounts on mmsim in %.3f s, %zu failed, peak %d "
               "connections (limit 32)\n",
               round, stats.finished, elapsed, stats.failed, stats.peak_connections);
    }
    prober_destroy(prober);
    mm_account_list_free(&list);
    catalog_close(cat);
    remove_catalog(path);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--probe-round") == 0) {
        bench_probe_round(argv[2], 1000);
        return 0;
    }
    bench_fold();
    bench_idle_monitor(argc == 3 && strcmp(argv[1], "--idle-seconds") == 0 ? atoi(argv[2]) : 20);
    return 0;
}
