/* `mmadmin health [--json] [--watch]`: every account's health figures (status, latency, error
 * rate, rate-limit hits, tokens, cost) computed from the catalog by the monitor's own code; and
 * the group of its subcommands (`health config`), which it runs when named. */
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd_health.h"
#include "cli/commands.h"
#include "health/report.h"
#include "util/clock.h"
#include "util/count.h"
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

/* A real's encoding kept for the next time the same value comes (most accounts share their
 * error rates, latencies and zero costs). */
typedef struct real_text {
    uint64_t bits; /* the double's bits (-0.0 and 0.0 apart) */
    uint8_t len;   /* 0: empty */
    char text[31];
} real_text;

#define REAL_CACHE_SIZE 256 /* a power of two */

/* One account's object streamed as json_dumpf(JSON_INDENT(2) | JSON_PRESERVE_ORDER |
 * JSON_REAL_PRECISION(15)) prints it inside the array, without building it: keys are our own
 * ASCII names, integers in decimal as jansson prints them, strings and reals jansson's own
 * encoding of each value (json_dumpb), used only where needed: a string jansson would not
 * escape is written as it is, a real's text is kept for the next same value. Gathered in buf,
 * written when full. */
typedef struct json_writer {
    FILE *out;
    bool first, ok;
    json_t *real; /* reused for every real */
    size_t len;
    char buf[16384];
    real_text reals[REAL_CACHE_SIZE];
} json_writer;

static void put_bytes(json_writer *w, const char *bytes, size_t n)
{
    if (w->len + n > sizeof w->buf) {
        w->ok = w->ok && fwrite(w->buf, 1, w->len, w->out) == w->len;
        w->len = 0;
    }
    if (n > sizeof w->buf) {
        w->ok = w->ok && fwrite(bytes, 1, n, w->out) == n;
        return;
    }
    memcpy(w->buf + w->len, bytes, n);
    w->len += n;
}

static void put_text(json_writer *w, const char *text)
{
    put_bytes(w, text, strlen(text));
}

/* Writes what buf holds; false when any write failed. */
static bool json_writer_flush(json_writer *w)
{
    w->ok = w->ok && fwrite(w->buf, 1, w->len, w->out) == w->len;
    w->len = 0;
    return w->ok;
}

static void put_key(json_writer *w, const char *key)
{
    put_text(w, w->first ? "    \"" : ",\n    \"");
    put_text(w, key);
    put_text(w, "\": ");
    w->first = false;
}

#define JSON_VALUE_FLAGS (JSON_ENCODE_ANY | JSON_REAL_PRECISION(15))

/* value (a scalar; the reference is taken) as jansson encodes it: null, true and false as
 * those words, any other by jansson */
static void put_value(json_writer *w, const char *key, json_t *value)
{
    const char *word = json_is_null(value)    ? "null"
                       : json_is_true(value)  ? "true"
                       : json_is_false(value) ? "false"
                                              : NULL;
    if (word) { /* jansson's singletons: nothing to release */
        put_key(w, key);
        put_text(w, word);
        return;
    }
    char buf[512];
    size_t n = value ? json_dumpb(value, buf, sizeof buf, JSON_VALUE_FLAGS) : 0;
    char *text = n > sizeof buf ? json_dumps(value, JSON_VALUE_FLAGS) : NULL; /* long, escaped */
    if (value != w->real)
        json_decref(value);
    put_key(w, key);
    w->ok = w->ok && n > 0 && (n <= sizeof buf || text);
    if (text)
        put_text(w, text);
    else if (n <= sizeof buf)
        put_bytes(w, buf, n);
    free(text);
}

/* A string jansson writes as it is between quotes (JSON_ENCODE_ANY without JSON_ESCAPE_SLASH
 * or JSON_ENSURE_ASCII escapes only '"', '\\' and control characters): printable ASCII. */
static bool plain_text(const char *text)
{
    for (const unsigned char *c = (const unsigned char *)text; *c; c++)
        if (*c < 0x20 || *c > 0x7e || *c == '"' || *c == '\\')
            return false;
    return true;
}

/* text as jansson encodes it: a plain one between quotes here, any other by jansson */
static void put_string(json_writer *w, const char *key, const char *text)
{
    if (!plain_text(text)) {
        put_value(w, key, json_string(text));
        return;
    }
    put_key(w, key);
    put_bytes(w, "\"", 1);
    put_text(w, text);
    put_bytes(w, "\"", 1);
}

/* value as jansson encodes it (JSON_REAL_PRECISION(15)): jansson's text of the same value kept
 * from before, or jansson's encoding now (kept when it fits; a NaN or an infinity, which jansson
 * refuses to set, goes to put_value as before). */
static void put_real(json_writer *w, const char *key, double value)
{
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    real_text *known = &w->reals[(bits ^ bits >> 29 ^ bits >> 47) & (REAL_CACHE_SIZE - 1)];
    if (!known->len || known->bits != bits) {
        json_real_set(w->real, value);
        double set = json_real_value(w->real);
        size_t n = memcmp(&set, &value, sizeof set) == 0
                       ? json_dumpb(w->real, known->text, sizeof known->text, JSON_VALUE_FLAGS)
                       : 0;
        known->len = n <= sizeof known->text ? (uint8_t)n : 0;
        known->bits = bits;
        if (!known->len) {
            put_value(w, key, w->real);
            return;
        }
    }
    put_key(w, key);
    put_bytes(w, known->text, known->len);
}

typedef struct int_field {
    const char *key;
    int64_t value;
} int_field;

/* each field's value in decimal, as jansson prints an integer */
static void put_ints(json_writer *w, const int_field *fields, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char digits[MM_DECIMAL_MAX];
        size_t len;
        const char *p = mm_count_decimal(digits, fields[i].value, &len);
        put_key(w, fields[i].key);
        put_bytes(w, p, len);
    }
}

/* a latency in ms to one decimal, or null (none) */
static void put_ms(json_writer *w, const char *key, double ms)
{
    if (ms < 0)
        put_value(w, key, json_null());
    else
        put_real(w, key, round(ms * 10.0) / 10.0);
}

/* f's figures; status_minutes is the recent window the status comes from (the others cover the
 * last hour). */
static void put_figures(json_writer *w, const mm_health_figures *f, int status_minutes)
{
    put_string(w, "account", f->account);
    put_string(w, "provider", f->provider);
    put_string(w, "status", mm_health_name(f->status));
    put_ms(w, "latency_avg_ms", f->latency_avg_ms);
    put_ms(w, "latency_p95_ms", f->latency_p95_ms);
    /* successful streamed requests' time to first token: null without streamed traffic */
    put_ms(w, "ttft_avg_ms", f->ttft_avg_ms);
    put_ms(w, "ttft_p95_ms", f->ttft_p95_ms);
    put_real(w, "error_rate", f->error_rate);
    /* usage_estimated_requests: requests whose tokens (and cost) are the admission estimate */
    const int_field hour[] = {{"rate_limit_hits", f->rate_limit_hits},
                              {"requests", f->requests},
                              {"tokens_in", f->tokens_in},
                              {"tokens_out", f->tokens_out},
                              {"tokens_cache_read", f->tokens_cache_read},
                              {"tokens_cache_write", f->tokens_cache_write},
                              {"usage_estimated_requests", f->usage_estimated}};
    put_ints(w, hour, sizeof hour / sizeof hour[0]);
    put_real(w, "cost_usd_hour", money_micros_to_usd(f->cost_micros_hour));
    put_real(w, "cost_usd_month", money_micros_to_usd(f->cost_micros_month));
    put_value(w, "monthly_cap_usd", cli_json_usd(f->monthly_cap_cents));
    put_value(w, "enabled", json_boolean(f->enabled));
    put_string(w, "status_reason", f->status_reason);
    const int_field recent[] = {{"request_errors", f->request_errors},
                                {"status_window_minutes", status_minutes},
                                {"recent_requests", f->recent_requests}};
    put_ints(w, recent, sizeof recent / sizeof recent[0]);
    put_real(w, "recent_error_rate", f->recent_error_rate);
    const int_field last[] = {{"recent_rate_limit_hits", f->recent_rate_limit_hits},
                              {"unpriced_requests", f->unpriced},
                              {"unpriced_requests_month", f->month_unpriced}};
    put_ints(w, last, sizeof last / sizeof last[0]);
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
        if (f->status == MM_HEALTH_DEGRADED || f->status == MM_HEALTH_UNREACHABLE ||
            f->key_unreadable)
            printf("%s is %s: %s\n", f->account, mm_health_name(f->status), f->status_reason);
    }
}

typedef struct json_stream {
    int recent_minutes;
    size_t printed;
    json_writer *writer;
} json_stream;

static bool print_json_element(const mm_health_figures *f, bool last, void *ctx)
{
    json_stream *out = ctx;
    json_writer *w = out->writer;
    w->first = true;
    put_text(w, out->printed ? "  {\n" : "[\n  {\n");
    put_figures(w, f, out->recent_minutes);
    put_text(w, last ? "\n  }\n" : "\n  },\n");
    out->printed++;
    return last ? json_writer_flush(w) : w->ok;
}

/* Every account's figures as a JSON array, printed as they are computed (byte for byte what
 * building the whole array would print, holding one account's figures at a time). */
static int print_json(mm_catalog *cat, const mm_health_thresholds *t)
{
    json_writer *w = malloc(sizeof *w);
    if (w)
        *w = (json_writer){.out = stdout, .ok = true, .real = json_real(0.0)};
    json_stream out = {.recent_minutes = health_recent_minutes(t), .writer = w};
    mm_error err = {0};
    mm_status st = w && w->real
                       ? health_report_each(cat, mm_now_ms(), t, print_json_element, &out, &err)
                       : mm_error_set(&err, MM_E_INTERNAL, NULL, "out of memory");
    if (w)
        json_decref(w->real);
    free(w);
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

typedef struct health_options {
    mm_catalog *cat;
    bool json, watching;
} health_flags;

static int show_watched(void *options)
{
    const health_flags *o = options;
    return show_once(o->cat, o->json, true);
}

static void set_option(int id, void *options)
{
    health_flags *o = options;
    o->json |= id == OPT_JSON;
    o->watching |= id == OPT_WATCH;
}

static const cli_subcommand health_subs[] = {
    {"config", "show or set the monitor's timing and the status thresholds", cli_health_config},
};

int cmd_health(cli_context *ctx, int argc, char **argv)
{
    health_flags o = {0};
    int stop = cli_start_group(ctx, health_subs, sizeof health_subs / sizeof health_subs[0],
                               &health_spec, argc, argv, set_option, &o, &o.cat);
    return stop >= 0    ? stop
           : o.watching ? cli_watch(WATCH_PERIOD_S, show_watched, &o)
                        : show_once(o.cat, o.json, false);
}
