/* `mmadmin health config`: shows or sets the health monitor's timing and the status thresholds
 * (catalog settings "health.*"), in seconds, counts and rates, checked against health.h's table. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_health.h"
#include "health/health.h"

/* How a value is given on the command line (the catalog keeps ms, counts and rates). */
typedef enum field_unit {
    FIELD_SECONDS, /* seconds with up to 3 decimals, stored as ms */
    FIELD_WHOLE,   /* a whole number, stored as given (a count, or ms for --degraded-p95-ms) */
    FIELD_RATE     /* a decimal from 0 to 1 */
} field_unit;

typedef struct config_field {
    const char *option; /* without "--" */
    const char *arg;
    mm_health_setting_id id;
    field_unit unit;
    const char *json; /* its name in --json output */
    const char *what; /* its help line, before the range and default */
} config_field;

static const config_field FIELDS[] = {
    {"probe-interval", "S", MM_HSET_PROBE_INTERVAL, FIELD_SECONDS, "probe_interval_seconds",
     "seconds between probe rounds"},
    {"probe-timeout", "S", MM_HSET_PROBE_TIMEOUT, FIELD_SECONDS, "probe_timeout_seconds",
     "seconds a probe may take"},
    {"lease", "S", MM_HSET_LEASE, FIELD_SECONDS, "lease_seconds",
     "seconds of the prober lease, the takeover time"},
    {"recent-window", "S", MM_HSET_RECENT_WINDOW, FIELD_SECONDS, "recent_window_seconds",
     "seconds the degraded checks look back, in whole minutes"},
    {"degraded-error-rate", "R", MM_HSET_DEGRADED_ERROR_RATE, FIELD_RATE, "degraded_error_rate",
     "error rate above which an account is degraded (0.1 = 10%)"},
    {"degraded-rate-limit-hits", "N", MM_HSET_DEGRADED_RATE_LIMIT_HITS, FIELD_WHOLE,
     "degraded_rate_limit_hits", "rate-limit hits in the window that make it degraded"},
    {"degraded-p95-ms", "N", MM_HSET_DEGRADED_P95, FIELD_WHOLE, "degraded_p95_ms",
     "p95 latency (ms) above which it is degraded"},
    {"degraded-min-requests", "N", MM_HSET_DEGRADED_MIN_REQUESTS, FIELD_WHOLE,
     "degraded_min_requests",
     "calls in the window before error rate or rate-limit hits can degrade it"},
    {"unreachable-failed-probes", "N", MM_HSET_UNREACHABLE_FAILED_PROBES, FIELD_WHOLE,
     "unreachable_failed_probes", "latest probes all failed that make it unreachable"},
    {"unreachable-no-success", "S", MM_HSET_UNREACHABLE_NO_SUCCESS, FIELD_SECONDS,
     "unreachable_no_success_seconds", "seconds failing with no success that make it unreachable"},
};

#define N_FIELDS (sizeof FIELDS / sizeof FIELDS[0])
enum { OPT_FIELD = 256, OPT_JSON = OPT_FIELD + (int)N_FIELDS };

/* The command's spec, with help lines built from the settings table (ranges and defaults). */
typedef struct config_spec {
    cli_option options[N_FIELDS + 2];
    char help[N_FIELDS][160];
    cli_spec spec;
} config_spec;

/* The values given on the command line, as the catalog will keep them. */
typedef struct config_changes {
    bool given[N_FIELDS];
    char text[N_FIELDS][32];
    bool json;
} config_changes;

/* ---- values in the command line's units ---- */

static void format_seconds(char *buf, size_t bufsz, int64_t ms)
{
    if (ms % 1000 == 0) {
        snprintf(buf, bufsz, "%" PRId64, ms / 1000);
        return;
    }
    char frac[8];
    snprintf(frac, sizeof frac, "%03" PRId64, ms % 1000);
    for (size_t n = strlen(frac); n > 0 && frac[n - 1] == '0'; n--)
        frac[n - 1] = '\0';
    snprintf(buf, bufsz, "%" PRId64 ".%s", ms / 1000, frac);
}

/* value (as stored: ms, a count or a rate) in the field's command-line unit. */
static void format_value(const config_field *f, double value, char *buf, size_t bufsz)
{
    if (f->unit == FIELD_SECONDS)
        format_seconds(buf, bufsz, (int64_t)value);
    else if (f->unit == FIELD_WHOLE)
        snprintf(buf, bufsz, "%.0f", value);
    else
        snprintf(buf, bufsz, "%g", value);
}

static void describe_range(const config_field *f, char *buf, size_t bufsz)
{
    const mm_health_setting *s = health_setting(f->id);
    char min[32], max[32];
    format_value(f, s->min, min, sizeof min);
    format_value(f, s->max, max, sizeof max);
    snprintf(buf, bufsz, "%s to %s", min, max);
}

static void build_spec(config_spec *cs)
{
    memset(cs, 0, sizeof *cs);
    for (size_t i = 0; i < N_FIELDS; i++) {
        char range[96], def[32];
        describe_range(&FIELDS[i], range, sizeof range);
        format_value(&FIELDS[i], health_setting(FIELDS[i].id)->default_value, def, sizeof def);
        snprintf(cs->help[i], sizeof cs->help[i], "%s: %s, default %s", FIELDS[i].what, range, def);
        cs->options[i] =
            (cli_option){FIELDS[i].option, FIELDS[i].arg, OPT_FIELD + (int)i, cs->help[i]};
    }
    cs->options[N_FIELDS] = (cli_option){"json", NULL, OPT_JSON, "print JSON instead of text"};
    cs->spec = (cli_spec){
        .command = "health config",
        .synopsis =
            "[--probe-interval S] [--probe-timeout S] [--lease S]\n"
            "         [--recent-window S] [--degraded-error-rate R]\n"
            "         [--degraded-rate-limit-hits N] [--degraded-p95-ms N]\n"
            "         [--degraded-min-requests N]\n"
            "         [--unreachable-failed-probes N] [--unreachable-no-success S] [--json]",
        .description =
            "Shows the health monitor's timing and the status thresholds, and which are defaults;\n"
            "with options, checks every value first (nothing is saved if one is wrong) and saves\n"
            "them as the catalog settings health.* (audited). Every process reads the same\n"
            "settings; a running console or monitor picks changes up within seconds.",
        .options = cs->options,
        .example = "mmadmin health config\n"
                   "mmadmin health config --probe-interval 60 --degraded-error-rate 0.2",
        .min_args = 0,
        .max_args = 0,
    };
}

/* ---- reading the options ---- */

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return n > 0;
}

/* Plain decimal: digits, then optionally '.' and 1..max_decimals digits. */
static bool plain_decimal(const char *text, size_t max_decimals)
{
    size_t whole = strspn(text, "0123456789");
    if (whole == 0 || whole > 12)
        return false;
    const char *rest = text + whole;
    if (*rest == '\0')
        return true;
    size_t decimals = strlen(rest + 1);
    return *rest == '.' && decimals >= 1 && decimals <= max_decimals &&
           all_digits(rest + 1, decimals);
}

/* text in the field's unit as the catalog keeps it; false when it is not written that way. */
static bool to_setting_text(const config_field *f, const char *text, char *out, size_t outsz)
{
    if (f->unit == FIELD_RATE) {
        if (!plain_decimal(text, 15))
            return false;
        snprintf(out, outsz, "%.15g", strtod(text, NULL));
        return true;
    }
    if (!plain_decimal(text, f->unit == FIELD_SECONDS ? 3 : 0))
        return false;
    int64_t whole = strtoll(text, NULL, 10);
    if (f->unit == FIELD_WHOLE) {
        snprintf(out, outsz, "%" PRId64, whole);
        return true;
    }
    const char *dot = strchr(text, '.');
    int64_t ms = 0;
    for (int i = 0, scale = 100; dot && dot[1 + i] && i < 3; i++, scale /= 10)
        ms += (dot[1 + i] - '0') * scale;
    snprintf(out, outsz, "%" PRId64, whole * 1000 + ms);
    return true;
}

static mm_status check_value(const config_field *f, const char *text, char *out, size_t outsz,
                             mm_error *err)
{
    double value;
    if (to_setting_text(f, text, out, outsz) &&
        health_setting_parse(f->id, out, &value, NULL) == MM_OK)
        return MM_OK;
    char range[96], what[160];
    describe_range(f, range, sizeof range);
    if (f->unit == FIELD_SECONDS)
        snprintf(what, sizeof what, "a number of seconds from %s, with at most 3 decimals", range);
    else if (f->unit == FIELD_RATE)
        snprintf(what, sizeof what, "a rate from %s (0.1 = 10%%)", range);
    else
        snprintf(what, sizeof what, "a whole number from %s", range);
    return mm_error_set(err, MM_E_INVALID, f->option, "--%s must be %s (got '%s')", f->option, what,
                        text);
}

/* Reads every option, reporting each bad value; returns -1 to go on, else the exit code. */
static int parse_config(cli_parser *p, config_changes *c)
{
    int id, bad = 0;
    while ((id = cli_next_option(p)) > 0) {
        if (id == OPT_JSON) {
            c->json = true;
            continue;
        }
        size_t i = (size_t)(id - OPT_FIELD);
        mm_error err = {0};
        if (check_value(&FIELDS[i], p->arg, c->text[i], sizeof c->text[i], &err) == MM_OK)
            c->given[i] = true;
        else
            bad = cli_report(&err);
    }
    if (id == CLI_STOP)
        return p->exit_code;
    if (bad)
        fprintf(stderr, "mmadmin: nothing was saved; see 'mmadmin health config --help'\n");
    return bad ? bad : -1;
}

/* ---- saving and showing ---- */

static mm_status save_changes(mm_catalog *cat, const config_changes *c, bool *changed,
                              mm_error *err)
{
    *changed = false;
    for (size_t i = 0; i < N_FIELDS; i++) {
        if (!c->given[i])
            continue;
        mm_status st = catalog_setting_set(cat, health_setting(FIELDS[i].id)->key, c->text[i], err);
        if (st != MM_OK)
            return st;
        *changed = true;
    }
    return MM_OK;
}

typedef struct shown_value {
    double value;
    mm_health_setting_source source;
} shown_value;

/* Reads every setting; a value that is not valid is reported as a warning (its default used). */
static mm_status read_values(mm_catalog *cat, shown_value values[N_FIELDS], mm_error *err)
{
    for (size_t i = 0; i < N_FIELDS; i++) {
        mm_error local = {0};
        mm_status st =
            health_setting_read(cat, FIELDS[i].id, &values[i].value, &values[i].source, &local);
        if (st != MM_OK && values[i].source != MM_HEALTH_SETTING_INVALID) {
            *err = local;
            return st;
        }
        if (st != MM_OK)
            fprintf(stderr, "mmadmin: warning: %s\n", local.message);
    }
    return MM_OK;
}

static json_t *value_json(const config_field *f, double value)
{
    if (f->unit == FIELD_RATE)
        return json_real(value);
    int64_t whole = (int64_t)value;
    if (f->unit == FIELD_SECONDS)
        return whole % 1000 == 0 ? json_integer(whole / 1000) : json_real(value / 1000.0);
    return json_integer(whole);
}

static int print_json(const shown_value values[N_FIELDS])
{
    json_t *obj = json_object(), *defaults = json_array(), *invalid = json_array();
    for (size_t i = 0; i < N_FIELDS; i++) {
        json_object_set_new(obj, FIELDS[i].json, value_json(&FIELDS[i], values[i].value));
        if (values[i].source != MM_HEALTH_SETTING_SET)
            json_array_append_new(defaults, json_string(FIELDS[i].json));
        if (values[i].source == MM_HEALTH_SETTING_INVALID)
            json_array_append_new(invalid, json_string(FIELDS[i].json));
    }
    json_object_set_new(obj, "defaults", defaults);
    json_object_set_new(obj, "invalid", invalid);
    return cli_print_json(obj);
}

static const char *source_name(mm_health_setting_source source)
{
    switch (source) {
    case MM_HEALTH_SETTING_SET:
        return "set";
    case MM_HEALTH_SETTING_INVALID:
        return "default (setting not valid)";
    case MM_HEALTH_SETTING_DEFAULT:
    default:
        return "default";
    }
}

static void print_table(const shown_value values[N_FIELDS], bool changed)
{
    static const char *const headers[] = {"OPTION", "VALUE", "SOURCE", "SETTING"};
    cli_table *table = cli_table_new(4, headers);
    for (size_t i = 0; table && i < N_FIELDS; i++) {
        const config_field *f = &FIELDS[i];
        char option[48], value[48];
        snprintf(option, sizeof option, "--%s", f->option);
        format_value(f, values[i].value, value, sizeof value);
        if (f->unit == FIELD_SECONDS)
            strncat(value, " s", sizeof value - strlen(value) - 1);
        const char *row[] = {option, value, source_name(values[i].source),
                             health_setting(f->id)->key};
        cli_table_add(table, row);
    }
    if (changed)
        printf("health settings saved:\n");
    cli_table_finish(table, stdout);
}

int cli_health_config(cli_context *ctx, int argc, char **argv)
{
    config_spec cs;
    build_spec(&cs);
    cli_parser p;
    cli_parser_init(&p, &cs.spec, argc, argv);
    config_changes changes;
    memset(&changes, 0, sizeof changes);
    int code = parse_config(&p, &changes);
    if (code >= 0)
        return code;
    mm_error err = {0};
    mm_catalog *cat = cli_catalog(ctx, &err);
    if (!cat)
        return cli_report(&err);
    bool changed;
    if (save_changes(cat, &changes, &changed, &err) != MM_OK)
        return cli_report(&err);
    shown_value values[N_FIELDS];
    if (read_values(cat, values, &err) != MM_OK)
        return cli_report(&err);
    if (changes.json)
        return print_json(values);
    print_table(values, changed);
    return CLI_EXIT_OK;
}
