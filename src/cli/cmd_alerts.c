/* `mmadmin alerts [--json] [--watch] [--open]`: the alerts the monitor raised (open first, then
 * the latest resolved), and the group of its subcommands: ack, deliveries, config. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cmd_alerts.h"
#include "cli/commands.h"
#include "catalog/alerts.h"
#include "util/clock.h"

#define WATCH_PERIOD_S 2
#define LIST_LIMIT 50

enum { OPT_JSON = 256, OPT_WATCH, OPT_OPEN, OPT_BY };

static const cli_option alerts_options[] = {
    {"json", NULL, OPT_JSON, "print JSON, one object per alert"},
    {"watch", NULL, OPT_WATCH, "refresh every 2 seconds until Ctrl-C"},
    {"open", NULL, OPT_OPEN, "only the alerts still firing"},
    {NULL, NULL, 0, NULL},
};

static const cli_spec alerts_spec = {
    .command = "alerts",
    .synopsis = "[--json] [--watch] [--open]",
    .description =
        "Lists the alerts the monitor raised: the ones firing, newest first, then the latest\n"
        "50 resolved. The monitor that holds the prober lease ('mmadmin monitor' or a console)\n"
        "evaluates the rules every second; an alert fires once per incident and resolves once\n"
        "its condition has stayed false for alerts.resolve_after_ms. The rules, thresholds and\n"
        "deliveries (webhook, command) are in 'mmadmin alerts config'.",
    .options = alerts_options,
    .example = "mmadmin alerts\nmmadmin alerts --json | jq '.[] | select(.state == \"firing\")'",
    .min_args = 0,
    .max_args = 0,
};

static void format_when(char *buf, size_t bufsz, int64_t ms)
{
    if (ms <= 0)
        snprintf(buf, bufsz, "-");
    else
        mm_format_time(buf, bufsz, ms);
}

static json_t *alert_json(const mm_alert *a)
{
    char fired[32], resolved[32], acked[32];
    cli_format_iso_time(fired, sizeof fired, a->fired_ms);
    cli_format_iso_time(resolved, sizeof resolved, a->resolved_ms);
    cli_format_iso_time(acked, sizeof acked, a->acked_ms);
    return json_pack("{s:I,s:s,s:s,s:s,s:s,s:s,s:f,s:s,s:o,s:s,s:o,s:s}", "id", (json_int_t)a->id,
                     "state", a->resolved_ms ? "resolved" : "firing", "rule", a->rule, "subject",
                     a->subject, "severity", a->severity, "why", a->why, "value", a->value, "fired",
                     fired, "resolved", a->resolved_ms ? json_string(resolved) : json_null(),
                     "resolved_why", a->resolved_why, "acknowledged",
                     a->acked_ms ? json_string(acked) : json_null(), "acknowledged_by",
                     a->acked_by);
}

static int print_table(const mm_alert_list *list)
{
    static const char *const headers[] = {"ID",    "STATE",    "SEVERITY", "RULE", "SUBJECT",
                                          "FIRED", "RESOLVED", "ACK",      "WHY"};
    cli_table *table = cli_table_new(9, headers);
    for (size_t i = 0; table && i < list->count; i++) {
        const mm_alert *a = &list->items[i];
        char id[24], fired[32], resolved[32];
        snprintf(id, sizeof id, "%lld", (long long)a->id);
        format_when(fired, sizeof fired, a->fired_ms);
        format_when(resolved, sizeof resolved, a->resolved_ms);
        const char *cells[] = {id,          a->resolved_ms ? "resolved" : "firing",
                               a->severity, a->rule,
                               a->subject,  fired,
                               resolved,    a->acked_ms ? a->acked_by : "-",
                               a->why};
        cli_table_add(table, cells);
    }
    cli_table_finish(table, stdout);
    return CLI_EXIT_OK;
}

static int show_once(mm_catalog *cat, bool json, bool open_only, bool clear)
{
    mm_alert_list list = {0};
    mm_error err = {0};
    if (catalog_alert_list(cat, open_only, LIST_LIMIT, &list, &err) != MM_OK)
        return cli_report(&err);
    int code = CLI_EXIT_OK;
    if (clear)
        fputs("\033[H\033[2J", stdout);
    if (json) {
        json_t *array = json_array();
        for (size_t i = 0; i < list.count; i++)
            json_array_append_new(array, alert_json(&list.items[i]));
        code = cli_print_json(array);
    } else if (list.count == 0) {
        printf(open_only ? "no alert is firing\n" : "no alerts yet\n");
    } else {
        code = print_table(&list);
    }
    fflush(stdout);
    mm_alert_list_free(&list);
    return code;
}

typedef struct alerts_options {
    mm_catalog *cat;
    bool json, watching, open_only;
} alerts_flags;

static int show_watched(void *options)
{
    const alerts_flags *o = options;
    return show_once(o->cat, o->json, o->open_only, !o->json);
}

/* ---- alerts ack ID ---- */

static const cli_option ack_options[] = {
    {"by", "NAME", OPT_BY, "who acknowledges (default: $USER)"},
    {NULL, NULL, 0, NULL},
};

static const cli_spec ack_spec = {
    .command = "alerts ack",
    .synopsis = "ID [--by NAME]",
    .description = "Acknowledges alert ID (someone is on it): the console and 'mmadmin alerts'\n"
                   "show who and when. It keeps firing until its condition clears; audited.",
    .options = ack_options,
    .example = "mmadmin alerts ack 12",
    .min_args = 1,
    .max_args = 1,
    .args_name = "ID",
};

static int alerts_ack(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &ack_spec, argc, argv);
    const char *by = getenv("USER");
    int id;
    while ((id = cli_next_option(&p)) > 0)
        by = p.arg;
    if (id == CLI_STOP)
        return p.exit_code;
    mm_error err = {0};
    int64_t alert_id;
    if (cli_parse_positive("ID", p.args[0], INT64_MAX, &alert_id, &err) != MM_OK)
        return cli_report(&err);
    mm_catalog *cat = cli_catalog(ctx, &err);
    if (!cat)
        return cli_report(&err);
    if (catalog_alert_ack(cat, alert_id, by && *by ? by : "admin", mm_now_ms(), &err) != MM_OK)
        return cli_report(&err);
    mm_alert alert;
    if (catalog_alert_get(cat, alert_id, &alert, &err) != MM_OK)
        return cli_report(&err);
    printf("alert %lld (%s %s) acknowledged by %s\n", (long long)alert.id, alert.rule,
           alert.subject, alert.acked_by);
    return CLI_EXIT_OK;
}

/* ---- alerts deliveries [ID] ---- */

static const cli_spec deliveries_spec = {
    .command = "alerts deliveries",
    .synopsis = "[ID] [--json]",
    .description = "Lists the latest delivery attempts (of alert ID, or of every alert): webhook\n"
                   "(shown as its scheme and host only) or command, attempt, when, and the\n"
                   "outcome (HTTP status, exit status or the error).",
    .options = cli_json_options,
    .example = "mmadmin alerts deliveries\nmmadmin alerts deliveries 12 --json",
    .min_args = 0,
    .max_args = 1,
    .args_name = "ID",
};

static int print_deliveries(const mm_alert_delivery_list *list, bool json)
{
    if (json) {
        json_t *array = json_array();
        for (size_t i = 0; i < list->count; i++) {
            const mm_alert_delivery *d = &list->items[i];
            char when[32];
            cli_format_iso_time(when, sizeof when, d->ts_ms);
            json_array_append_new(
                array, json_pack("{s:I,s:I,s:s,s:s,s:s,s:i,s:s,s:b,s:s}", "id", (json_int_t)d->id,
                                 "alert", (json_int_t)d->alert_id, "event", d->event, "channel",
                                 d->channel, "target", d->target, "attempt", d->attempt, "when",
                                 when, "ok", d->ok, "detail", d->detail));
        }
        return cli_print_json(array);
    }
    static const char *const headers[] = {"ALERT",   "EVENT", "CHANNEL", "TARGET",
                                          "ATTEMPT", "WHEN",  "OK",      "DETAIL"};
    cli_table *table = cli_table_new(8, headers);
    for (size_t i = 0; table && i < list->count; i++) {
        const mm_alert_delivery *d = &list->items[i];
        char alert[24], attempt[16], when[32];
        snprintf(alert, sizeof alert, "%lld", (long long)d->alert_id);
        snprintf(attempt, sizeof attempt, "%d", d->attempt);
        mm_format_time(when, sizeof when, d->ts_ms);
        const char *cells[] = {alert,   d->event, d->channel,           d->target,
                               attempt, when,     d->ok ? "yes" : "no", d->detail};
        cli_table_add(table, cells);
    }
    cli_table_finish(table, stdout);
    return CLI_EXIT_OK;
}

static int alerts_deliveries(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    bool json = false;
    mm_catalog *cat;
    int code = cli_start(ctx, &p, &deliveries_spec, argc, argv, &json, &cat);
    if (code >= 0)
        return code;
    mm_error err = {0};
    int64_t alert_id = 0;
    if (p.nargs == 1 && cli_parse_positive("ID", p.args[0], INT64_MAX, &alert_id, &err) != MM_OK)
        return cli_report(&err);
    mm_alert alert; /* a mistyped id is not an alert without deliveries */
    if (alert_id && catalog_alert_get(cat, alert_id, &alert, &err) != MM_OK)
        return cli_report(&err);
    mm_alert_delivery_list list = {0};
    if (catalog_alert_delivery_list(cat, alert_id, 100, &list, &err) != MM_OK)
        return cli_report(&err);
    if (list.count == 0 && !json)
        printf("no deliveries yet: set a webhook or a command with 'mmadmin alerts config'\n");
    else
        code = print_deliveries(&list, json);
    mm_alert_delivery_list_free(&list);
    return code < 0 ? CLI_EXIT_OK : code;
}

static const cli_subcommand alerts_subs[] = {
    {"ack", "acknowledge an alert (someone is on it)", alerts_ack},
    {"deliveries", "list webhook and command deliveries and their outcome", alerts_deliveries},
    {"config", "show or set the rules' thresholds and deliveries", cli_alerts_config},
};

static void set_option(int id, void *options)
{
    alerts_flags *o = options;
    o->json |= id == OPT_JSON;
    o->watching |= id == OPT_WATCH;
    o->open_only |= id == OPT_OPEN;
}

int cmd_alerts(cli_context *ctx, int argc, char **argv)
{
    alerts_flags o = {0};
    int stop = cli_start_group(ctx, alerts_subs, sizeof alerts_subs / sizeof alerts_subs[0],
                               &alerts_spec, argc, argv, set_option, &o, &o.cat);
    return stop >= 0    ? stop
           : o.watching ? cli_watch(WATCH_PERIOD_S, show_watched, &o)
                        : show_once(o.cat, o.json, o.open_only, false);
}
