/* `mmadmin monitor`: the console's health monitor run headless, as an always-on prober: one
 * line per probe round, prober change and status change; exits cleanly on SIGINT/SIGTERM. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "health/monitor.h"
#include "util/clock.h"

enum { OPT_INTERVAL = 256, OPT_LEASE, OPT_TIMEOUT, OPT_CONNECTIONS };

static const cli_option monitor_options[] = {
    {"interval", "S", OPT_INTERVAL,
     "seconds between probe rounds (default: setting health.probe_interval_ms, else 30)"},
    {"lease", "S", OPT_LEASE,
     "seconds of the prober lease (default: setting health.lease_ms, else 15)"},
    {"timeout", "S", OPT_TIMEOUT,
     "seconds a probe may take (default: setting health.probe_timeout_ms, else 10)"},
    {"connections", "N", OPT_CONNECTIONS, "most connections open at once (default 32)"},
    {NULL, NULL, 0, NULL},
};

static const cli_spec monitor_spec = {
    .command = "monitor",
    .synopsis = "[--interval S] [--lease S] [--timeout S] [--connections N]",
    .description =
        "Runs the health monitor without the console: when it holds the prober lease (one\n"
        "prober per catalog; another monitor or console takes over within one lease period if\n"
        "this one stops), it probes every enabled account with the list-models call, jittered\n"
        "by 10%, and records each probe as a usage event. Prints one line per round, prober\n"
        "change and status change. Ctrl-C or SIGTERM stops it and releases the lease.",
    .options = monitor_options,
    .example = "mmadmin monitor --interval 60\nnohup mmadmin monitor >>monitor.log &",
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
    fflush(stdout);
}

static mm_status read_options(cli_parser *p, mm_monitor_config *cfg, int *id, mm_error *err)
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
        }
        if (st != MM_OK)
            return st;
    }
    return MM_OK;
}

int cmd_monitor(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &monitor_spec, argc, argv);
    mm_monitor_config cfg = {.wake_fd = -1, .probe = true, .log = log_line};
    int id;
    mm_error err = {0};
    if (read_options(&p, &cfg, &id, &err) != MM_OK)
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
                     catalog_path(cat));
        return cli_report(&err);
    }
    cfg.catalog_path = catalog_path(cat);
    /* block the stop signals before the thread starts, so only sigwait below receives them */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    mm_monitor *mon;
    if (health_monitor_start(&cfg, &mon, &err) != MM_OK)
        return cli_report(&err);
    log_line(NULL, "monitor started; Ctrl-C stops it");
    int sig = 0;
    sigwait(&stop, &sig);
    log_line(NULL, sig == SIGTERM ? "SIGTERM: stopping" : "SIGINT: stopping");
    health_monitor_stop(mon);
    return CLI_EXIT_OK;
}
