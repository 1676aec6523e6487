/* `mmadmin health [--json] [--watch]`: every account's health figures (status, latency, error
 * rate, rate-limit hits, tokens, cost) computed from the catalog by the monitor's own code; and
 * the group of its subcommands (`health config`), which it runs when named. */
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cmd_health.h"
#include "cli/commands.h"
#include "health/report.h"
#include "util/clock.h"
#include "util/money.h"

#define WATCH_PERIOD_S 2

enum { OPT_JSON = 256, OPT_WATCH };

static const cli_option health_options[] = {
    {"json", NULL, OPT_JSON, "print JSON, one object per account"},
    {"watch", NULL, OPT_WATCH, "refresh every 2 seconds until Ctrl-C"},
    {NULL, NULL, 0, NULL},
};

static const cli_spec health_spec = {
    .command = "health",
    .synopsis = "[--json] [--watch]",
    .description =
        "Shows each provider account's health over the last hour, computed from the usage events\n"
        "(probes and requests) in the catalog with the same rules as the console: status, avg and\n"
        "p95 latency of successful calls (p95 within 2%), error rate, rate-limit hits, requests,\n"
        "tokens and estimated cost (this hour and month to date, UTC). The thresholds are the\n"
        "catalog settings health.*: see and change them with 'mmadmin health config'.",
    .options = health_options,
    .example = "mmadmin health\nmmadmin health --json | jq '.[] | select(.status != \"healthy\")'",
    .min_args = 0,
    .max_args = 0,
};

static json_t *json_ms(double ms)
{
    return ms < 0 ? json_null() : json_real(round(ms * 10.0) / 10.0);
}

/* f's figures; status_minutes is the recent window the status comes from (the others cover the
 * last hour). */
static json_t *figures_json(const mm_health_figures *f, int status_minutes)
{
    json_t *obj = json_object();
    json_object_set_new(obj, "account", json_string(f->account));
    json_object_set_new(obj, "provider", json_string(f->provider));
    json_object_set_new(obj, "status", json_string(mm_health_name(f->status)));
    json_object_set_new(obj, "latency_avg_ms", json_ms(f->latency_avg_ms));
    json_object_set_new(obj, "latency_p95_ms", json_ms(f->latency_p95_ms));
    json_object_set_new(obj, "error_rate", json_real(f->error_rate));
    json_object_set_new(obj, "rate_limit_hits", json_integer(f->rate_limit_hits));
    json_object_set_new(obj, "requests", json_integer(f->requests));
    json_object_set_new(obj, "tokens_in", json_integer(f->tokens_in));
    json_object_set_new(obj, "tokens_out", json_integer(f->tokens_out));
    json_object_set_new(obj, "tokens_cache_read", json_integer(f->tokens_cache_read));
    json_object_set_new(obj, "tokens_cache_write", json_integer(f->tokens_cache_write));
    /* requests whose tokens (and cost) are the admission estimate: the figures are "~" */
    json_object_set_new(obj, "usage_estimated_requests", json_integer(f->usage_estimated));
    json_object_set_new(obj, "cost_usd_hour", json_real(money_micros_to_usd(f->cost_micros_hour)));
    json_object_set_new(obj, "cost_usd_month",
                        json_real(money_micros_to_usd(f->cost_micros_month)));
    json_object_set_new(obj, "monthly_cap_usd", cli_json_usd(f->monthly_cap_cents));
    json_object_set_new(obj, "enabled", json_boolean(f->enabled));
    json_object_set_new(obj, "status_reason", json_string(f->status_reason));
    json_object_set_new(obj, "request_errors", json_integer(f->request_errors));
    json_object_set_new(obj, "status_window_minutes", json_integer(status_minutes));
    json_object_set_new(obj, "recent_requests", json_integer(f->recent_requests));
    json_object_set_new(obj, "recent_error_rate", json_real(f->recent_error_rate));
    json_object_set_new(obj, "recent_rate_limit_hits", json_integer(f->recent_rate_limit_hits));
    json_object_set_new(obj, "unpriced_requests", json_integer(f->unpriced));
    json_object_set_new(obj, "unpriced_requests_month", json_integer(f->month_unpriced));
    return obj;
}

static void format_ms(char *buf, size_t bufsz, double ms)
{
    if (ms < 0)
        snprintf(buf, bufsz, "-");
    else
        snprintf(buf, bufsz, "%.0f", ms);
}

static void add_row(cli_table *table, const mm_health_figures *f)
{
    char avg[24], p95[24], rate[24], rl[24], req[24], tin[24], tout[24], hour[32], month[32],
        cap[32];
    format_ms(avg, sizeof avg, f->latency_avg_ms);
    format_ms(p95, sizeof p95, f->latency_p95_ms);
    snprintf(rate, sizeof rate, "%.1f%%", f->error_rate * 100.0);
    snprintf(rl, sizeof rl, "%lld", (long long)f->rate_limit_hits);
    snprintf(req, sizeof req, "%lld", (long long)f->requests);
    snprintf(tin, sizeof tin, "%lld", (long long)f->tokens_in);
    snprintf(tout, sizeof tout, "%lld", (long long)f->tokens_out);
    money_format_spend(f->cost_micros_hour, f->unpriced, MONEY_PLAIN, hour, sizeof hour);
    money_format_spend(f->cost_micros_month, f->month_unpriced, MONEY_PLAIN, month, sizeof month);
    cli_format_usd(cap, sizeof cap, f->monthly_cap_cents);
    const char *status = f->enabled ? mm_health_name(f->status) : "disabled";
    const char *row[] = {f->account, f->provider, status, avg,  p95,   rate, rl,
                         req,        tin,         tout,   hour, month, cap};
    cli_table_add(table, row);
}

static void print_table(const mm_health_report *report)
{
    if (report->count == 0) {
        printf("no provider accounts yet: add one with 'mmadmin account add'\n");
        return;
    }
    static const char *const headers[] = {
        "ACCOUNT",  "PROVIDER",  "STATUS",     "AVG MS", "P95 MS",  "ERRORS", "RL HITS",
        "REQUESTS", "TOKENS IN", "TOKENS OUT", "$ HOUR", "$ MONTH", "$ CAP"};
    cli_table *table = cli_table_new(13, headers);
    for (size_t i = 0; table && i < report->count; i++)
        add_row(table, &report->accounts[i]);
    cli_table_finish(table, stdout);
    const mm_health_thresholds *t = &report->thresholds;
    printf("STATUS judges the last %d min (errors only with %lld+ calls there); the other "
           "columns cover the last hour\n",
           health_recent_minutes(t), (long long)t->degraded_min_requests);
    for (size_t i = 0; i < report->count; i++) {
        const mm_health_figures *f = &report->accounts[i];
        if (f->status == MM_HEALTH_DEGRADED || f->status == MM_HEALTH_UNREACHABLE)
            printf("%s is %s: %s\n", f->account, mm_health_name(f->status), f->status_reason);
    }
}

/* One element of a JSON array as json_dumpf(JSON_INDENT(2)) would print it inside the array:
 * every line two spaces in. */
static bool print_indented(const char *text)
{
    for (const char *line = text; *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line + 1) : strlen(line);
        if (fputs("  ", stdout) == EOF || fwrite(line, 1, n, stdout) != n)
            return false;
        line += n;
    }
    return true;
}

typedef struct json_stream {
    int recent_minutes;
    size_t printed;
} json_stream;

static bool print_json_element(const mm_health_figures *f, bool last, void *ctx)
{
    json_stream *out = ctx;
    json_t *obj = figures_json(f, out->recent_minutes);
    char *text =
        obj ? json_dumps(obj, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))
            : NULL;
    json_decref(obj);
    bool ok = text && (out->printed || fputs("[\n", stdout) != EOF) && print_indented(text) &&
              fputs(last ? "\n" : ",\n", stdout) != EOF;
    free(text);
    out->printed++;
    return ok;
}

/* Every account's figures as a JSON array, printed as they are computed (byte for byte what
 * building the whole array would print, holding one account's figures at a time). */
static int print_json(mm_catalog *cat, const mm_health_thresholds *t)
{
    json_stream out = {.recent_minutes = health_recent_minutes(t)};
    mm_error err = {0};
    mm_status st = health_report_each(cat, mm_now_ms(), t, print_json_element, &out, &err);
    if (st != MM_OK && st != MM_E_IO)
        return cli_report(&err);
    if (st == MM_OK && out.printed == 0)
        return cli_print_json(json_array());
    if (st != MM_OK || fputs("]\n", stdout) == EOF || fflush(stdout) != 0) {
        fputs("mmadmin: could not write the JSON output\n", stderr);
        return CLI_EXIT_FAILURE;
    }
    return CLI_EXIT_OK;
}

static int show_once(mm_catalog *cat, bool json, bool watching)
{
    mm_error err = {0};
    mm_health_thresholds t;
    if (health_thresholds_load(cat, &t, &err) != MM_OK)
        fprintf(stderr, "mmadmin: warning: %s\n", err.message);
    if (json)
        return print_json(cat, &t);
    mm_health_report report;
    if (health_report_load(cat, mm_now_ms(), &t, &report, &err) != MM_OK)
        return cli_report(&err);
    if (watching && isatty(STDOUT_FILENO))
        fputs("\033[H\033[2J", stdout); /* home + clear, like watch(1) */
    if (watching) {
        char now[32];
        mm_format_time(now, sizeof now, mm_now_ms());
        printf("%s UTC (every %d s, Ctrl-C to stop)\n", now, WATCH_PERIOD_S);
    }
    print_table(&report);
    fflush(stdout);
    health_report_free(&report);
    return CLI_EXIT_OK;
}

/* Refreshes until SIGINT/SIGTERM, waited for with sigtimedwait (no handler, no global flag). */
static int watch(mm_catalog *cat, bool json)
{
    sigset_t stop, old;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigprocmask(SIG_BLOCK, &stop, &old);
    int code;
    struct timespec period = {.tv_sec = WATCH_PERIOD_S};
    while ((code = show_once(cat, json, true)) == CLI_EXIT_OK) {
        if (sigtimedwait(&stop, NULL, &period) > 0)
            break;
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    return code;
}

static const cli_subcommand health_subs[] = {
    {"config", "show or set the monitor's timing and the status thresholds", cli_health_config},
};

int cmd_health(cli_context *ctx, int argc, char **argv)
{
    int sub = cli_run_subcommand(ctx, health_subs, sizeof health_subs / sizeof health_subs[0], argc,
                                 argv);
    if (sub >= 0)
        return sub;
    cli_parser p;
    cli_parser_init(&p, &health_spec, argc, argv);
    bool json = false, watching = false;
    int id;
    while ((id = cli_next_option(&p)) > 0) {
        if (id == OPT_JSON)
            json = true;
        else if (id == OPT_WATCH)
            watching = true;
    }
    if (id == CLI_STOP) {
        if (p.exit_code == CLI_EXIT_OK) /* --help was printed */
            cli_print_subcommands("health", health_subs, sizeof health_subs / sizeof health_subs[0],
                                  stdout);
        return p.exit_code;
    }
    mm_error err = {0};
    mm_catalog *cat = cli_catalog(ctx, &err);
    if (!cat)
        return cli_report(&err);
    return watching ? watch(cat, json) : show_once(cat, json, false);
}
