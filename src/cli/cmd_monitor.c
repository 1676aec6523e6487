/* `mmadmin monitor`: the console's health monitor run headless, as an always-on prober: one
 * line per probe round, prober change and status change, optionally GET /metrics for
 * Prometheus (--metrics); exits cleanly on SIGINT/SIGTERM, and when its output is a pipe
 * nobody reads any more. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "alerts/alert_engine.h"
#include "health/monitor.h"
#include "metrics/scrape.h"
#include "metrics/server.h"
#include "util/clock.h"

enum { OPT_INTERVAL = 256, OPT_LEASE, OPT_TIMEOUT, OPT_CONNECTIONS, OPT_METRICS };

static const cli_option monitor_options[] = {
    {"interval", "S", OPT_INTERVAL,
     "seconds between probe rounds (default: setting health.probe_interval_ms, else 30)"},
    {"lease", "S", OPT_LEASE,
     "seconds of the prober lease (default: setting health.lease_ms, else 15)"},
    {"timeout", "S", OPT_TIMEOUT,
     "seconds a probe may take (default: setting health.probe_timeout_ms, else 10)"},
    {"connections", "N", OPT_CONNECTIONS,
     "most connections open and probes in flight at once (default 32)"},
    {"metrics", "ADDR:PORT", OPT_METRICS,
     "serve GET /metrics (Prometheus text format) there, e.g. 127.0.0.1:9464 (port 0: a free "
     "one, printed)"},
    {NULL, NULL, 0, NULL},
};

static const cli_spec monitor_spec = {
    .command = "monitor",
    .synopsis = "[--interval S] [--lease S] [--timeout S] [--connections N] [--metrics ADDR:PORT]",
    .description =
        "Runs the health monitor without the console: when it holds the prober lease (one\n"
        "prober per catalog; another monitor or console takes over within one lease period if\n"
        "this one stops), it probes every enabled account with the list-models call, jittered\n"
        "by 10%, and records each probe as a usage event. Prints one line per round, prober\n"
        "change and status change. Ctrl-C or SIGTERM stops it and releases the lease.\n"
        "With --metrics it also serves GET /metrics in the Prometheus text format: each\n"
        "account's status, calls, errors by class, tokens, cost, latency histogram, cool-down\n"
        "and monthly spend vs cap, and each workspace's usage and monthly tokens vs cap\n"
        "(README, \"Prometheus metrics\"; docs/prometheus-alerts.yml has alerting rules).\n"
        "While it holds the prober lease it also evaluates the alert rules every second, prints\n"
        "a line per alert fired or resolved and delivers them ('mmadmin alerts config').",
    .options = monitor_options,
    .example = "mmadmin monitor --interval 60\nnohup mmadmin monitor >>monitor.log &\n"
               "mmadmin monitor --metrics 127.0.0.1:9464",
    .min_args = 0,
    .max_args = 0,
};

/* Seconds (decimals allowed) as ms, within the range of the health setting the option
 * overrides (one table of ranges: status.c). */
static mm_status parse_seconds(const char *option, const char *text, mm_health_setting_id id,
                               int64_t *ms, mm_error *err)
{
    const mm_health_setting *setting = health_setting(id);
    double min_s = setting->min / 1000.0, max_s = setting->max / 1000.0;
    char *end;
    errno = 0;
    double seconds = strtod(text, &end);
    if (errno || end == text || *end || !(seconds >= min_s && seconds <= max_s))
        return mm_error_set(err, MM_E_INVALID, option + 2,
                            "%s '%s' is not a number of seconds from %g to %g (e.g. 30 or 0.5)",
                            option, text, min_s, max_s);
    *ms = (int64_t)llround(seconds * 1000.0);
    return MM_OK;
}

static void log_line(void *ctx, const char *line)
{
    (void)ctx;
    char now[32];
    mm_format_time(now, sizeof now, mm_now_ms());
    printf("%s %s\n", now, line);
    /* nobody reads the output any more (`mmadmin monitor | head -1`): stop as SIGTERM does,
     * the lease released, not killed by the pipe's signal; any thread may be writing, so the
     * signal goes to the process, for the sigwait in cmd_monitor */
    if (fflush(stdout) != 0 && errno == EPIPE)
        kill(getpid(), SIGPIPE);
}

static mm_status read_options(cli_parser *p, mm_monitor_config *cfg, const char **metrics, int *id,
                              mm_error *err)
{
    while ((*id = cli_next_option(p)) > 0) {
        mm_status st = MM_OK;
        int64_t connections = 0;
        switch (*id) {
        case OPT_INTERVAL:
            st =
                parse_seconds("--interval", p->arg, MM_HSET_PROBE_INTERVAL, &cfg->interval_ms, err);
            break;
        case OPT_LEASE:
            st = parse_seconds("--lease", p->arg, MM_HSET_LEASE, &cfg->lease_ms, err);
            break;
        case OPT_TIMEOUT:
            st = parse_seconds("--timeout", p->arg, MM_HSET_PROBE_TIMEOUT, &cfg->probe_timeout_ms,
                               err);
            break;
        case OPT_CONNECTIONS:
            st = cli_parse_positive("--connections", p->arg, 1024, &connections, err);
            cfg->max_connections = (int)connections;
            break;
        case OPT_METRICS: {
            uint32_t host;
            uint16_t port;
            st = metrics_listen_parse(p->arg, &host, &port, err);
            *metrics = p->arg;
            break;
        }
        }
        if (st != MM_OK)
            return st;
    }
    return MM_OK;
}

/* GET /metrics on addr, scraped from the monitor's snapshots and the scrape's own connection. */
static mm_status start_metrics(const char *addr, const char *catalog, mm_monitor *mon,
                               mm_metrics_scrape *scrape, mm_metrics_server **server, mm_error *err)
{
    mm_status st = metrics_scrape_init(scrape, catalog, mon, err);
    if (st != MM_OK)
        return st;
    st = metrics_server_start(addr, metrics_scrape_render, scrape, server, err);
    if (st != MM_OK) {
        metrics_scrape_free(scrape);
        return st;
    }
    char line[160], host[64];
    snprintf(host, sizeof host, "%.*s", (int)(strrchr(addr, ':') - addr), addr);
    snprintf(line, sizeof line, "metrics: http://%s:%u/metrics", host,
             (unsigned)metrics_server_port(*server));
    log_line(NULL, line);
    return MM_OK;
}

static bool month_read(mm_monitor *mon)
{
    mm_health_snapshot *snap = health_monitor_snapshot(mon);
    bool read = snap && !snap->month_pending;
    health_snapshot_release(snap);
    return read;
}

/* Waits for a stop signal (returned); meanwhile starts the alert engine once the monitor's
 * figures hold the month-to-date cost, as a console does: a monthly cap's rule must not read a
 * month still pending (its read failed: retried each second) as no spend. 0 when the engine
 * could not start (err). */
static int wait_for_month_then_alerts(const sigset_t *stop, const char *catalog, mm_monitor *mon,
                                      mm_alert_engine **engine, mm_error *err)
{
    mm_alert_engine_config alerts = {.catalog_path = catalog, .monitor = mon, .log = log_line};
    struct timespec tick = {.tv_sec = 0, .tv_nsec = 200 * 1000000L};
    while (!*engine) {
        int sig = sigtimedwait(stop, NULL, &tick);
        if (sig > 0)
            return sig;
        if (!month_read(mon))
            continue;
        if (alert_engine_start(&alerts, engine, err) != MM_OK)
            return 0;
        log_line(NULL, "alert rules evaluated from now on (the month's spend is read)");
    }
    int sig = 0;
    sigwait(stop, &sig);
    return sig;
}

int cmd_monitor(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &monitor_spec, argc, argv);
    mm_monitor_config cfg = {.wake_fd = -1, .probe = true, .log = log_line};
    const char *metrics = NULL;
    int id;
    mm_error err = {0};
    if (read_options(&p, &cfg, &metrics, &id, &err) != MM_OK)
        return cli_report(&err);
    if (id == CLI_STOP)
        return p.exit_code;
    mm_catalog *cat = cli_catalog(ctx, &err);
    if (!cat)
        return cli_report(&err);
    if (catalog_is_read_only(cat)) {
        mm_error_set(&err, MM_E_READONLY, NULL,
                     "the monitor records probes, so it needs a writable catalog (%s); drop "
                     "--read-only or fix the file's permissions",
                     catalog_display(cat));
        return cli_report(&err);
    }
    /* a probe needs the account's key: without the right master key every probe would be
     * recorded as the provider's failure, for every host sharing the catalog to see */
    mm_error why = {0};
    if (catalog_vault_check(cat, &why) != MM_OK) {
        mm_error_set(&err, why.status, why.field, "the monitor cannot read the accounts' keys: %s",
                     why.message);
        return cli_report(&err);
    }
    cfg.catalog_path = catalog_path(cat);
    /* block the stop signals before the thread starts, so only sigwait below receives them */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGPIPE); /* the output closed: log_line */
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    mm_monitor *mon;
    if (health_monitor_start(&cfg, &mon, &err) != MM_OK)
        return cli_report(&err);
    mm_metrics_scrape scrape;
    mm_metrics_server *server = NULL;
    if (metrics && start_metrics(metrics, cfg.catalog_path, mon, &scrape, &server, &err) != MM_OK) {
        health_monitor_stop(mon);
        return cli_report(&err);
    }
    log_line(NULL, "monitor started; Ctrl-C stops it");
    mm_alert_engine *engine = NULL;
    int sig = wait_for_month_then_alerts(&stop, cfg.catalog_path, mon, &engine, &err);
    if (sig == SIGTERM || sig == SIGINT)
        log_line(NULL, sig == SIGTERM ? "SIGTERM: stopping" : "SIGINT: stopping");
    alert_engine_stop(engine);
    if (server) {
        metrics_server_stop(server);
        metrics_scrape_free(&scrape);
    }
    health_monitor_stop(mon);
    return sig > 0 ? CLI_EXIT_OK : cli_report(&err);
}
