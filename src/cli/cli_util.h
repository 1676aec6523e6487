/* Shared pieces of every mmadmin subcommand: the context (global options, the lazily opened
 * catalog), option parsing with clean messages and generated --help, input parsers (limits,
 * USD), reading API keys from stdin or the environment, error reporting, JSON and tables. */
#ifndef MM_CLI_UTIL_H
#define MM_CLI_UTIL_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "catalog/catalog.h"
#include "error.h"

/* ---- the context shared by every command ---- */
typedef struct cli_context {
    const char *db_path; /* --db, or NULL ($MM_DB, XDG default) */
    bool read_only;      /* --read-only */
    bool demo;           /* --demo: throw-away catalog, simulator and load (demo/demo.h) */
    const char *page;    /* --page ID: the console page to open first */
    const char *actor;   /* NULL: the catalog's default ($SUDO_USER, else the login name) */
    mm_catalog *catalog; /* opened on first use by cli_catalog; closed by cli_context_close */
} cli_context;

/* Opens the catalog on first call (creating it unless read-only) and returns it; NULL with err
 * set when it cannot be opened. */
mm_catalog *cli_catalog(cli_context *ctx, mm_error *err);
/* The same, but an SQLite file that does not exist is an error (MM_E_NOT_FOUND), never created:
 * for a catalog that is only read from, such as the source of `catalog copy`. */
mm_catalog *cli_catalog_existing(cli_context *ctx, mm_error *err);
void cli_context_close(cli_context *ctx);

/* A function that runs a command or a subcommand: argv[0] is its own name, the rest its
 * words. Returns the exit code. */
typedef int (*cli_run_fn)(cli_context *ctx, int argc, char **argv);

/* ---- exit codes and messages ---- */
enum { CLI_EXIT_OK = 0, CLI_EXIT_FAILURE = 1, CLI_EXIT_USAGE = 2 };

/* Prints "mmadmin: <message>" to stderr and returns mm_status_exit_code(err->status). */
int cli_report(const mm_error *err);
/* Prints "mmadmin: <message>; see 'mmadmin <command> --help'" to stderr and returns 2.
 * command is the full command path ("account add"). */
int cli_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- options and --help ---- */
typedef struct cli_option {
    const char *name; /* long name without "--" ("provider") */
    const char *arg;  /* NULL for a flag, else the placeholder shown in help ("P", "URL") */
    int id;           /* returned by cli_next_option; use values >= 256 (an enum) */
    const char *help; /* one line */
} cli_option;

typedef struct cli_spec {
    const char *command;       /* "account add" */
    const char *synopsis;      /* "NAME --provider P [--endpoint URL] ..." */
    const char *description;   /* what it does, in a sentence or two */
    const cli_option *options; /* terminated by an entry with name NULL; --help is implicit */
    const char *example;       /* one or more complete command lines, '\n'-separated */
    int min_args, max_args;    /* positional words allowed (max -1: any number) */
    const char *args_name;     /* "NAME", "MODEL WORKSPACE": for "missing NAME" messages */
} cli_spec;

#define CLI_MAX_OPTIONS 32
#define CLI_MAX_ARGS 16

typedef struct cli_parser {
    const cli_spec *spec;
    int argc;
    char **argv;
    struct option longopts[CLI_MAX_OPTIONS + 2];
    bool started;
    const char *arg;          /* the current option's argument (NULL for flags) */
    char *args[CLI_MAX_ARGS]; /* positional words, in order, once CLI_OPTIONS_END is returned */
    int nargs;                /* how many were given (more than CLI_MAX_ARGS are refused) */
    int exit_code;            /* set when cli_next_option returns CLI_STOP */
} cli_parser;

enum { CLI_OPTIONS_END = 0, CLI_STOP = -1 };

/* Prepares to parse argv (argv[0] = the command's last word). */
void cli_parser_init(cli_parser *p, const cli_spec *spec, int argc, char **argv);
/* Returns the next option's id (> 0; its argument in p->arg), CLI_OPTIONS_END when all
 * options are read and the positional count fits the spec (then p->args/p->nargs), or CLI_STOP
 * with p->exit_code set: 0 after printing --help, 2 after printing what is wrong (unknown
 * option, missing argument, wrong number of words, an API key given on the command line). */
int cli_next_option(cli_parser *p);
/* Reads the options of a command whose only option is a --json flag (json_id): sets *json when
 * it is given. False when parsing stopped (p->exit_code: help printed or a usage error). */
bool cli_parse_json_flag(cli_parser *p, int json_id, bool *json);
/* The option lists many commands share: none, or only --json (id CLI_OPT_JSON, a value no
 * command's own option enum reaches). */
enum { CLI_OPT_JSON = 0x4000 };
extern const cli_option cli_no_options[];
extern const cli_option cli_json_options[];
/* Starts a command whose options are cli_no_options or cli_json_options: parses argv with spec
 * (*json set when --json is given; json may be NULL), then opens the catalog into *cat.
 * Returns -1 to go on (words in p->args), else the exit code: 0 after --help, 2 after a usage
 * error, or the catalog's failure (reported on stderr). */
int cli_start(cli_context *ctx, cli_parser *p, const cli_spec *spec, int argc, char **argv,
              bool *json, mm_catalog **cat);
/* Prints the spec's help (usage, description, options, example) to out. */
void cli_print_help(const cli_spec *spec, FILE *out);

/* ---- subcommand groups ("account add", "model rm") ---- */
typedef struct cli_subcommand {
    const char *name;    /* "add" */
    const char *summary; /* one line */
    cli_run_fn run;      /* gets argv[0] = "add" */
} cli_subcommand;

/* Runs the subcommand named argv[1] of group (argv[0]); handles --help/no word/unknown word. */
int cli_dispatch(cli_context *ctx, const char *group, const char *group_summary,
                 const cli_subcommand *subs, size_t n_subs, int argc, char **argv);
/* For a command that runs on its own and also has subcommands (health, alerts): runs the
 * subcommand named argv[1] and returns its exit code (>= 0), or -1 when argv[1] names none. */
int cli_run_subcommand(cli_context *ctx, const cli_subcommand *subs, size_t n_subs, int argc,
                       char **argv);
/* Prints "Subcommands:" with each one's summary and where to read more (group --help). */
void cli_print_subcommands(const char *group, const cli_subcommand *subs, size_t n_subs, FILE *out);
/* A command that is also a group (`health`, `alerts`): runs the subcommand argv names, or
 * parses the command's own options with spec (each option id given to on_option with opts),
 * printing the subcommands after --help, then opens the catalog into *cat. Returns -1 to go
 * on, else the exit code (the subcommand's, 0 after --help, 2 after a usage error, or the
 * catalog's failure reported on stderr). */
int cli_start_group(cli_context *ctx, const cli_subcommand *subs, size_t n_subs,
                    const cli_spec *spec, int argc, char **argv,
                    void (*on_option)(int id, void *opts), void *opts, mm_catalog **cat);
/* `--watch`: calls show(ctx) every period_s seconds until it returns non-zero (that code) or
 * SIGINT/SIGTERM arrives (then the last code), waited for with sigtimedwait: no handler, no
 * global flag. */
int cli_watch(int period_s, int (*show)(void *ctx), void *ctx);
/* cli_dispatch over a static array of subcommands (its length taken from the array). */
#define CLI_DISPATCH(ctx, group, summary, subs, argc, argv)                                        \
    cli_dispatch(ctx, group, summary, subs, sizeof(subs) / sizeof((subs)[0]), argc, argv)

/* ---- input parsers (each refuses with MM_E_INVALID, field = option, and a message naming
 * the option, what was given and what is accepted) ---- */
/* A positive whole number (1..max) as the tables show counts (util/count.h: 50000, 12,345,
 * 50k, 1.5M); no sign. */
mm_status cli_parse_positive(const char *option, const char *text, int64_t max, int64_t *out,
                             mm_error *err);
/* An option whose value is a positive integer up to max (cli_parse_positive) into *value. */
typedef struct cli_positive_option {
    int id;
    const char *name; /* "--batch", as messages show it */
    int64_t max;
    int64_t *value;
} cli_positive_option;
/* Reads p's options: each of the n positives into its value, json_id setting *json. Returns -1
 * to go on, else the exit code (0 after --help, 2 after a usage error, or a bad value reported
 * on stderr). */
int cli_parse_positives(cli_parser *p, const cli_positive_option *positives, size_t n, int json_id,
                        bool *json);

/* Copies value into dst; refused (MM_E_INVALID, field) when it does not fit, never truncated. */
mm_status cli_copy_field(char *dst, size_t dstsz, const char *value, const char *field,
                         mm_error *err);
/* The last line a show block prints about a row: "updated:<pad>2026-11-24 18:05 UTC (version
 * 3)", the label padded to label_width columns. */
void cli_print_updated(int label_width, int64_t updated_ms, int64_t version);
/* ms since the epoch as "2026-11-24T18:05:09Z" (UTC). */
void cli_format_iso_time(char *buf, size_t bufsz, int64_t ms);

/* ---- secrets ---- */
/* Reads one line (the API key) from stdin without echo (when a terminal), strips the line end.
 * out needs MM_API_KEY_MAX bytes; the caller wipes it with sodium_memzero. Empty is refused. */
mm_status cli_read_secret_stdin(char *out, size_t outsz, mm_error *err);
/* Copies the value of environment variable `var`; refused when unset or empty. */
mm_status cli_read_secret_env(const char *var, char *out, size_t outsz, mm_error *err);

/* ---- output ---- */
/* Prints value to stdout as indented JSON (JSON_INDENT(2) | JSON_PRESERVE_ORDER) plus a
 * newline, and releases it. Returns 0, or 1 if it could not be written. */
int cli_print_json(json_t *value);
/* The three shapes of a `list` command's output, one home for them all: with json, a JSON
 * array of to_json(item) for each of the count items (item_size bytes apart); otherwise
 * empty_hint and a newline when count is 0; otherwise print_text(list). Returns the exit code
 * (0, or 1 if the output could not be written). */
typedef struct cli_list_output {
    const void *items;
    size_t count, item_size;
    json_t *(*to_json)(const void *item);
    const char *empty_hint;
    void (*print_text)(const void *list);
    const void *list;
} cli_list_output;
int cli_print_list(bool json, const cli_list_output *out);
/* A `list` command from start to end, one home for its steps: parses spec (--json) and opens
 * the catalog (cli_start), load fills the command's list (zeroed by the caller) — word is the
 * first word after the options, or NULL —, print prints it and returns the exit code (reporting
 * its own failures), and free_list frees it whatever happened. A failure of load is reported
 * (cli_report). */
typedef struct cli_list_steps {
    mm_status (*load)(mm_catalog *cat, const char *word, void *list, mm_error *err);
    int (*print)(mm_catalog *cat, bool json, const void *list);
    void (*free_list)(void *list);
} cli_list_steps;
int cli_run_list(cli_context *ctx, int argc, char **argv, const cli_spec *spec,
                 const cli_list_steps *steps, void *list);
/* Defines the `list` subcommand `static int fn(cli_context *, int, char **)` over a catalog
 * list of type T: `mm_status load(mm_catalog *, T *, mm_error *)` reads it,
 * `int print(mm_catalog *, bool json, const void *list)` prints it, `void list_free(T *)`. */
#define CLI_LIST_COMMAND(fn, T, spec, load, print, list_free)                                      \
    static mm_status fn##_load(mm_catalog *cat, const char *word, void *list, mm_error *err)       \
    {                                                                                              \
        (void)word;                                                                                \
        return load(cat, list, err);                                                               \
    }                                                                                              \
    static void fn##_free(void *list)                                                              \
    {                                                                                              \
        list_free(list);                                                                           \
    }                                                                                              \
    static int fn(cli_context *ctx, int argc, char **argv)                                         \
    {                                                                                              \
        static const cli_list_steps steps = {fn##_load, print, fn##_free};                         \
        T list = {0};                                                                              \
        return cli_run_list(ctx, argc, argv, &(spec), &steps, &list);                              \
    }
/* A limit as JSON: null when MM_LIMIT_UNSET, else the integer. */
json_t *cli_json_limit(int64_t value);
/* USD cents as a JSON number (1250 -> 12.5, util/money.h), null when unset. */
json_t *cli_json_usd(int64_t cents);
/* A string, or null when empty. */
json_t *cli_json_text(const char *text);
/* Text forms for plain output: "-" when unset; "12.50" (MONEY_PLAIN of util/money.h). */
void cli_format_limit(char *buf, size_t bufsz, int64_t value);
void cli_format_usd(char *buf, size_t bufsz, int64_t cents);

/* A plain-text table with aligned columns (widths in terminal columns, UTF-8 aware). */
typedef struct cli_table cli_table;
cli_table *cli_table_new(size_t ncols, const char *const *headers);
/* Adds a row of ncols strings (copied; NULL prints as "-"). Returns false on out-of-memory. */
bool cli_table_add(cli_table *table, const char *const *cells);
void cli_table_print(const cli_table *table, FILE *out);
void cli_table_free(cli_table *table);
/* Prints the table to out when it was created (not NULL), then frees it. */
void cli_table_finish(cli_table *table, FILE *out);

#endif
