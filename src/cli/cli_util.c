/* Shared pieces of every mmadmin subcommand: the lazily opened catalog, option parsing and
 * --help, input parsers, secret input, error reporting, JSON output and aligned tables. */
#include "cli/cli_util.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "util/clock.h"
#include "util/count.h"
#include "util/money.h"
#include "util/text.h"

/* ---- context ---- */

static mm_catalog *open_catalog(cli_context *ctx, bool create, mm_error *err)
{
    if (ctx->catalog)
        return ctx->catalog;
    mm_catalog_options opts = {
        .path = ctx->db_path, .read_only = ctx->read_only, .create = create && !ctx->read_only};
    if (catalog_open(&opts, &ctx->catalog, err) != MM_OK) {
        ctx->catalog = NULL;
        return NULL;
    }
    if (ctx->actor)
        catalog_set_actor(ctx->catalog, ctx->actor);
    return ctx->catalog;
}

mm_catalog *cli_catalog(cli_context *ctx, mm_error *err)
{
    return open_catalog(ctx, true, err);
}

mm_catalog *cli_catalog_existing(cli_context *ctx, mm_error *err)
{
    return open_catalog(ctx, false, err);
}

void cli_context_close(cli_context *ctx)
{
    if (ctx->catalog && catalog_note(ctx->catalog)[0])
        fprintf(stderr, "mmadmin: note: %s\n", catalog_note(ctx->catalog));
    if (ctx->catalog)
        catalog_close(ctx->catalog);
    ctx->catalog = NULL;
}

/* ---- messages ---- */

int cli_report(const mm_error *err)
{
    const char *message = err->message[0] ? err->message : mm_status_name(err->status);
    fprintf(stderr, "mmadmin: %s\n", message);
    int code = mm_status_exit_code(err->status);
    return code ? code : CLI_EXIT_FAILURE;
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("mmadmin: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "; see 'mmadmin %s --help'\n", command);
    return CLI_EXIT_USAGE;
}

/* ---- options ---- */

#define CLI_HELP_ID 'h'

static const char key_refusal[] =
    "API keys are never taken on the command line (they would show in ps and shell history); "
    "use --api-key-stdin or --api-key-env VAR";

void cli_parser_init(cli_parser *p, const cli_spec *spec, int argc, char **argv)
{
    memset(p, 0, sizeof *p);
    p->spec = spec;
    p->argc = argc;
    p->argv = argv;
    size_t n = 0;
    for (const cli_option *o = spec->options; o && o->name && n < CLI_MAX_OPTIONS; o++, n++) {
        p->longopts[n] =
            (struct option){o->name, o->arg ? required_argument : no_argument, NULL, o->id};
    }
    p->longopts[n] = (struct option){"help", no_argument, NULL, CLI_HELP_ID};
}

static int parser_stop(cli_parser *p, int exit_code)
{
    p->exit_code = exit_code;
    return CLI_STOP;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool is_key_argument(const char *word)
{
    static const char *const refused[] = {"--api-key", "--key", "--apikey"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        size_t len = strlen(refused[i]);
        if (strncmp(word, refused[i], len) == 0 && (word[len] == '\0' || word[len] == '='))
            return true;
    }
    return false;
}

static bool has_key_argument(const cli_parser *p)
{
    for (int i = 1; i < p->argc; i++) {
        if (strcmp(p->argv[i], "--") == 0)
            return false;
        if (is_key_argument(p->argv[i]))
            return true;
    }
    return false;
}

static const cli_option *find_option(const cli_spec *spec, const char *name, size_t len)
{
    for (const cli_option *o = spec->options; o && o->name; o++) {
        if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
            return o;
    }
    return NULL;
}

static int report_bad_option(cli_parser *p, const char *word)
{
    const char *command = p->spec->command;
    if (starts_with(word, "--")) {
        const char *name = word + 2;
        size_t len = strcspn(name, "=");
        const cli_option *known = find_option(p->spec, name, len);
        if (known && !known->arg && name[len] == '=')
            return cli_usage_error(command, "option '--%s' of 'mmadmin %s' takes no value",
                                   known->name, command);
        if ((len == 2 && strncmp(name, "db", 2) == 0) ||
            (len == 9 && strncmp(name, "read-only", 9) == 0)) {
            return cli_usage_error(command,
                                   "option '--%.*s' is global: put it before the command, as "
                                   "in 'mmadmin --%.*s ... %s'",
                                   (int)len, name, (int)len, name, command);
        }
        return cli_usage_error(command, "unknown option '--%.*s' for 'mmadmin %s'", (int)len, name,
                               command);
    }
    return cli_usage_error(command, "unknown option '%s' for 'mmadmin %s'", word, command);
}

static void add_positional(cli_parser *p, char *word)
{
    if (p->nargs < CLI_MAX_ARGS)
        p->args[p->nargs] = word;
    p->nargs++;
}

static int finish_options(cli_parser *p)
{
    const cli_spec *spec = p->spec;
    for (int i = optind; i < p->argc; i++) /* the words after "--" */
        add_positional(p, p->argv[i]);
    if (p->nargs < spec->min_args)
        return parser_stop(p, cli_usage_error(spec->command, "missing %s for 'mmadmin %s'",
                                              spec->args_name ? spec->args_name : "arguments",
                                              spec->command));
    int max_args =
        spec->max_args >= 0 && spec->max_args < CLI_MAX_ARGS ? spec->max_args : CLI_MAX_ARGS;
    if (p->nargs > max_args) {
        const char *extra = max_args < CLI_MAX_ARGS ? p->args[max_args] : "...";
        return parser_stop(p, cli_usage_error(spec->command,
                                              "unexpected argument '%s' for 'mmadmin %s'", extra,
                                              spec->command));
    }
    return CLI_OPTIONS_END;
}

int cli_next_option(cli_parser *p)
{
    if (!p->started) {
        p->started = true;
        optind = 0; /* GNU: reinitialize the scanner for this argv */
        opterr = 0;
        if (has_key_argument(p)) {
            fprintf(stderr, "mmadmin: %s\n", key_refusal);
            return parser_stop(p, CLI_EXIT_USAGE);
        }
    }
    p->arg = NULL;
    /* "-": each word that is not an option comes back as code 1, in order, whatever
     * POSIXLY_CORRECT says; ":": a missing option argument comes back as ':'. */
    int c;
    while ((c = getopt_long(p->argc, p->argv, "-:h", p->longopts, NULL)) == 1)
        add_positional(p, optarg);
    switch (c) {
    case -1:
        return finish_options(p);
    case CLI_HELP_ID:
        cli_print_help(p->spec, stdout);
        return parser_stop(p, CLI_EXIT_OK);
    case ':': {
        const char *word = p->argv[optind - 1];
        size_t len = strcspn(word, "=");
        return parser_stop(
            p, cli_usage_error(p->spec->command, "option '%.*s' needs a value", (int)len, word));
    }
    case '?': {
        const char *word = p->argv[optind - 1];
        if (starts_with(word, "--") || optopt == 0 || optopt > 255)
            return parser_stop(p, report_bad_option(p, word));
        char shortopt[3] = {'-', (char)optopt, '\0'};
        return parser_stop(p, report_bad_option(p, shortopt));
    }
    default:
        p->arg = optarg;
        return c;
    }
}

bool cli_parse_json_flag(cli_parser *p, int json_id, bool *json)
{
    int id;
    while ((id = cli_next_option(p)) > 0)
        *json = *json || id == json_id;
    return id != CLI_STOP;
}

const cli_option cli_no_options[] = {{NULL, NULL, 0, NULL}};
const cli_option cli_json_options[] = {
    {"json", NULL, CLI_OPT_JSON, "print JSON instead of text"},
    {NULL, NULL, 0, NULL},
};

int cli_start(cli_context *ctx, cli_parser *p, const cli_spec *spec, int argc, char **argv,
              bool *json, mm_catalog **cat)
{
    bool given = false;
    cli_parser_init(p, spec, argc, argv);
    if (!cli_parse_json_flag(p, CLI_OPT_JSON, &given))
        return p->exit_code;
    if (json)
        *json = given;
    mm_error err = {0};
    *cat = cli_catalog(ctx, &err);
    return *cat ? -1 : cli_report(&err);
}

void cli_print_help(const cli_spec *spec, FILE *out)
{
    fprintf(out, "Usage: mmadmin %s %s\n\n", spec->command, spec->synopsis ? spec->synopsis : "");
    if (spec->description)
        fprintf(out, "%s\n\n", spec->description);
    fputs("Options:\n", out);
    for (const cli_option *o = spec->options; o && o->name; o++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        fprintf(out, "  %-24s %s\n", left, o->help ? o->help : "");
    }
    fprintf(out, "  %-24s %s\n", "-h, --help", "show this help and exit");
    if (spec->example) {
        fputs("\nExample:\n", out);
        const char *line = spec->example;
        while (*line) {
            size_t len = strcspn(line, "\n");
            fprintf(out, "  %.*s\n", (int)len, line);
            line += len;
            if (*line == '\n')
                line++;
        }
    }
}

/* ---- subcommand groups ---- */

void cli_print_subcommands(const char *group, const cli_subcommand *subs, size_t n_subs, FILE *out)
{
    fputs("\nSubcommands:\n", out);
    for (size_t i = 0; i < n_subs; i++)
        fprintf(out, "  %-10s %s\n", subs[i].name, subs[i].summary);
    fprintf(out, "\nRun 'mmadmin %s SUBCOMMAND --help' for its options and an example.\n", group);
}

int cli_run_subcommand(cli_context *ctx, const cli_subcommand *subs, size_t n_subs, int argc,
                       char **argv)
{
    for (size_t i = 0; argc >= 2 && i < n_subs; i++)
        if (strcmp(subs[i].name, argv[1]) == 0)
            return subs[i].run(ctx, argc - 1, argv + 1);
    return -1;
}

static void print_group_help(const char *group, const char *summary, const cli_subcommand *subs,
                             size_t n_subs, FILE *out)
{
    fprintf(out, "Usage: mmadmin %s SUBCOMMAND [OPTIONS]\n\n%s\n", group, summary);
    cli_print_subcommands(group, subs, n_subs, out);
}

int cli_dispatch(cli_context *ctx, const char *group, const char *group_summary,
                 const cli_subcommand *subs, size_t n_subs, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error(group, "missing subcommand for 'mmadmin %s'", group);
    const char *word = argv[1];
    if (strcmp(word, "--help") == 0 || strcmp(word, "-h") == 0 || strcmp(word, "help") == 0) {
        print_group_help(group, group_summary, subs, n_subs, stdout);
        return CLI_EXIT_OK;
    }
    int code = cli_run_subcommand(ctx, subs, n_subs, argc, argv);
    if (code >= 0)
        return code;
    if (is_key_argument(word)) {
        fprintf(stderr, "mmadmin: %s\n", key_refusal);
        return CLI_EXIT_USAGE;
    }
    if (word[0] == '-')
        return cli_usage_error(group, "'mmadmin %s' needs a subcommand before option '%s'", group,
                               word);
    return cli_usage_error(group, "unknown subcommand '%s' for 'mmadmin %s'", word, group);
}

/* ---- input parsers ---- */

/* From this maximum up a value is a count that may be written 50k or 1.5M (cli_parse_positive). */
#define COUNT_EXAMPLE_FROM 100000

mm_status cli_parse_positive(const char *option, const char *text, int64_t max, int64_t *out,
                             mm_error *err)
{
    char range[64] = "";
    if (max < INT64_MAX)
        snprintf(range, sizeof range, " from 1 to %lld", (long long)max);
    else
        snprintf(range, sizeof range, " of at least 1");
    int64_t value = 0; /* as the tables show counts: 50000, 50k, 1.5M, 12,345 */
    /* the count forms help with limits, not with ids, days or seconds */
    bool count = max >= COUNT_EXAMPLE_FROM && max < INT64_MAX;
    if (!mm_count_parse(text, &value))
        return mm_error_set(err, MM_E_INVALID, option, "%s must be a whole number%s%s (got '%s')",
                            option, range, count ? ", e.g. 50000, 50k or 1.5M" : "", text);
    if (value < 1 || value > max)
        return mm_error_set(err, MM_E_INVALID, option, "%s must be a whole number%s (got '%s')",
                            option, range, text);
    *out = value;
    return MM_OK;
}

mm_status cli_copy_field(char *dst, size_t dstsz, const char *value, const char *field,
                         mm_error *err)
{
    if (mm_copy(dst, dstsz, value))
        return MM_OK;
    dst[0] = '\0';
    return mm_error_set(err, MM_E_INVALID, field, "%s is too long: at most %zu characters", field,
                        dstsz - 1);
}

void cli_print_updated(int label_width, int64_t updated_ms, int64_t version)
{
    char when[32];
    mm_format_time(when, sizeof when, updated_ms);
    printf("%-*s%s UTC (version %lld)\n", label_width, "updated:", when, (long long)version);
}

void cli_format_iso_time(char *buf, size_t bufsz, int64_t ms)
{
    char plain[32];
    mm_format_time(plain, sizeof plain, ms);
    char *space = strchr(plain, ' ');
    if (space)
        *space = 'T';
    snprintf(buf, bufsz, "%sZ", plain);
}

/* ---- secrets ---- */

static void trim_secret(char *s)
{
    size_t len = strlen(s);
    while (len > 0 && (s[len - 1] == '\r' || s[len - 1] == ' ' || s[len - 1] == '\t'))
        s[--len] = '\0';
    size_t lead = strspn(s, " \t");
    if (lead)
        memmove(s, s + lead, len - lead + 1);
}

/* Reads up to the newline from fd 0 one byte at a time, so no stdio buffer keeps a copy. */
static mm_status read_line_fd0(char *out, size_t outsz, mm_error *err)
{
    size_t len = 0;
    bool too_long = false, has_nul = false;
    for (;;) {
        char c;
        ssize_t n = read(STDIN_FILENO, &c, 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            sodium_memzero(out, outsz);
            return mm_error_set(err, MM_E_IO, "api_key",
                                "could not read the API key from "
                                "stdin: %s",
                                strerror(errno));
        }
        if (n == 0 || c == '\n')
            break;
        has_nul = has_nul || c == '\0';
        if (len + 1 < outsz)
            out[len++] = c;
        else
            too_long = true;
        c = 0;
    }
    out[len] = '\0';
    if (too_long) {
        sodium_memzero(out, outsz);
        return mm_error_set(err, MM_E_INVALID, "api_key",
                            "the API key read from stdin is longer than %zu characters; check "
                            "what is piped in",
                            outsz - 1);
    }
    if (has_nul) {
        sodium_memzero(out, outsz);
        return mm_error_set(err, MM_E_INVALID, "api_key",
                            "the API key read from stdin contains a NUL byte; an API key is "
                            "printable text: check what is piped in (printf '%%s' \"$KEY\")");
    }
    return MM_OK;
}

mm_status cli_read_secret_stdin(char *out, size_t outsz, mm_error *err)
{
    bool tty = isatty(STDIN_FILENO);
    struct termios saved;
    bool echo_off = false;
    if (tty) {
        fputs("API key (input hidden): ", stderr);
        fflush(stderr);
        if (tcgetattr(STDIN_FILENO, &saved) == 0) {
            struct termios quiet = saved;
            quiet.c_lflag &= ~(tcflag_t)ECHO;
            echo_off = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
        }
    }
    mm_status st = read_line_fd0(out, outsz, err);
    if (echo_off)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    if (tty)
        fputc('\n', stderr);
    if (st != MM_OK)
        return st;
    trim_secret(out);
    if (!out[0])
        return mm_error_set(err, MM_E_INVALID, "api_key",
                            "no API key on stdin: pipe it in, e.g. printf '%%s' \"$KEY\" | "
                            "mmadmin account add ... --api-key-stdin");
    return MM_OK;
}

mm_status cli_read_secret_env(const char *var, char *out, size_t outsz, mm_error *err)
{
    const char *value = getenv(var);
    if (!value)
        return mm_error_set(err, MM_E_INVALID, "api_key",
                            "environment variable '%s' is not set; export it first or use "
                            "--api-key-stdin",
                            var);
    if (!value[0])
        return mm_error_set(err, MM_E_INVALID, "api_key",
                            "environment variable '%s' is empty; set it to the API key", var);
    if (strlen(value) >= outsz)
        return mm_error_set(err, MM_E_INVALID, "api_key",
                            "the API key in '%s' is longer than %zu characters", var, outsz - 1);
    memcpy(out, value, strlen(value) + 1);
    trim_secret(out);
    return MM_OK;
}

/* ---- JSON ---- */

int cli_print_json(json_t *value)
{
    if (!value) {
        fputs("mmadmin: out of memory building the JSON output\n", stderr);
        return CLI_EXIT_FAILURE;
    }
    int rc =
        json_dumpf(value, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
    json_decref(value);
    if (rc != 0 || fputc('\n', stdout) == EOF || fflush(stdout) != 0) {
        fputs("mmadmin: could not write the JSON output\n", stderr);
        return CLI_EXIT_FAILURE;
    }
    return CLI_EXIT_OK;
}

int cli_print_list(bool json, const cli_list_output *out)
{
    if (json) {
        json_t *array = json_array();
        const char *item = out->items;
        for (size_t i = 0; array && i < out->count; i++, item += out->item_size)
            json_array_append_new(array, out->to_json(item));
        return cli_print_json(array);
    }
    if (out->count == 0)
        printf("%s\n", out->empty_hint);
    else
        out->print_text(out->list);
    return CLI_EXIT_OK;
}

int cli_parse_positives(cli_parser *p, const cli_positive_option *positives, size_t n, int json_id,
                        bool *json)
{
    int id;
    mm_error err = {0};
    while ((id = cli_next_option(p)) > 0) {
        *json |= id == json_id;
        for (size_t i = 0; i < n; i++)
            if (id == positives[i].id &&
                cli_parse_positive(positives[i].name, p->arg, positives[i].max, positives[i].value,
                                   &err) != MM_OK)
                return cli_report(&err);
    }
    return id == CLI_STOP ? p->exit_code : -1;
}

int cli_start_group(cli_context *ctx, const cli_subcommand *subs, size_t n_subs,
                    const cli_spec *spec, int argc, char **argv,
                    void (*on_option)(int id, void *opts), void *opts, mm_catalog **cat)
{
    int sub = cli_run_subcommand(ctx, subs, n_subs, argc, argv);
    if (sub >= 0)
        return sub;
    cli_parser p;
    cli_parser_init(&p, spec, argc, argv);
    int id;
    while ((id = cli_next_option(&p)) > 0)
        on_option(id, opts);
    if (id == CLI_STOP) {
        if (p.exit_code == CLI_EXIT_OK) /* --help was printed */
            cli_print_subcommands(spec->command, subs, n_subs, stdout);
        return p.exit_code;
    }
    mm_error err = {0};
    *cat = cli_catalog(ctx, &err);
    return *cat ? -1 : cli_report(&err);
}

int cli_watch(int period_s, int (*show)(void *ctx), void *ctx)
{
    sigset_t stop, old;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigprocmask(SIG_BLOCK, &stop, &old);
    int code;
    struct timespec period = {.tv_sec = period_s};
    while ((code = show(ctx)) == CLI_EXIT_OK)
        if (sigtimedwait(&stop, NULL, &period) > 0)
            break;
    sigprocmask(SIG_SETMASK, &old, NULL);
    return code;
}

int cli_run_list(cli_context *ctx, int argc, char **argv, const cli_spec *spec,
                 const cli_list_steps *steps, void *list)
{
    cli_parser p;
    bool json = false;
    mm_catalog *cat;
    int stop = cli_start(ctx, &p, spec, argc, argv, &json, &cat);
    if (stop >= 0)
        return stop;
    mm_error err = {0};
    const char *word = p.nargs ? p.args[0] : NULL;
    int code = steps->load(cat, word, list, &err) == MM_OK ? steps->print(cat, json, list)
                                                           : cli_report(&err);
    steps->free_list(list);
    return code;
}

json_t *cli_json_limit(int64_t value)
{
    return value == MM_LIMIT_UNSET ? json_null() : json_integer((json_int_t)value);
}

json_t *cli_json_usd(int64_t cents)
{
    return cents == MM_LIMIT_UNSET ? json_null() : json_real(money_cents_to_usd(cents));
}

json_t *cli_json_text(const char *text)
{
    return mm_present(text) ? json_string(text) : json_null();
}

void cli_format_limit(char *buf, size_t bufsz, int64_t value)
{
    if (value == MM_LIMIT_UNSET)
        snprintf(buf, bufsz, "-");
    else
        snprintf(buf, bufsz, "%lld", (long long)value);
}

void cli_format_usd(char *buf, size_t bufsz, int64_t cents)
{
    if (cents == MM_LIMIT_UNSET)
        snprintf(buf, bufsz, "-");
    else
        money_format_cents(cents, MONEY_PLAIN, buf, bufsz);
}

/* ---- tables ---- */

struct cli_table {
    size_t ncols;
    char **cells; /* row-major, header row first */
    size_t nrows; /* including the header */
    size_t capacity;
};

cli_table *cli_table_new(size_t ncols, const char *const *headers)
{
    cli_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->ncols = ncols;
    if (!cli_table_add(t, headers)) {
        free(t);
        return NULL;
    }
    return t;
}

bool cli_table_add(cli_table *t, const char *const *cells)
{
    if (t->nrows == t->capacity) {
        size_t capacity = t->capacity ? t->capacity * 2 : 16;
        char **grown = realloc(t->cells, capacity * t->ncols * sizeof *grown);
        if (!grown)
            return false;
        t->cells = grown;
        t->capacity = capacity;
    }
    char **row = t->cells + t->nrows * t->ncols;
    for (size_t c = 0; c < t->ncols; c++) {
        row[c] = strdup(cells[c] ? cells[c] : "-");
        if (!row[c]) {
            for (size_t k = 0; k < c; k++)
                free(row[k]);
            return false;
        }
    }
    t->nrows++;
    return true;
}

void cli_table_print(const cli_table *t, FILE *out)
{
    size_t widths[32] = {0};
    size_t ncols = t->ncols < 32 ? t->ncols : 32;
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < ncols; c++) {
            size_t w = (size_t)mm_text_width(t->cells[r * t->ncols + c]);
            if (w > widths[c])
                widths[c] = w;
        }
    }
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < ncols; c++) {
            const char *cell = t->cells[r * t->ncols + c];
            fputs(cell, out);
            if (c + 1 < ncols) {
                size_t pad = widths[c] - (size_t)mm_text_width(cell) + 2;
                fprintf(out, "%*s", (int)pad, "");
            }
        }
        fputc('\n', out);
    }
}

void cli_table_free(cli_table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    free(t);
}

void cli_table_finish(cli_table *table, FILE *out)
{
    if (table)
        cli_table_print(table, out);
    cli_table_free(table);
}
