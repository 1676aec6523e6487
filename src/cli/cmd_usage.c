/* `mmadmin usage prune`: deletes raw usage events older than the retention (setting
 * usage.retention_days, default 35) and old minute rollups; the day rollups stay. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "util/clock.h"

enum { OPT_RETENTION = 256, OPT_BATCH, OPT_JSON };

/* Rows deleted per transaction: short write locks for the router and the prober meanwhile. */
#define PRUNE_BATCH_DEFAULT 10000
#define PRUNE_BATCH_MAX 1000000

static const cli_option prune_options[] = {
    {"retention-days", "N", OPT_RETENTION,
     "save N (2-36500) as the retention first (setting usage.retention_days)"},
    {"batch", "ROWS", OPT_BATCH, "rows deleted per transaction (default 10000)"},
    {"json", NULL, OPT_JSON, "print JSON: {\"retention_days\", \"events_deleted\", ...}"},
    {NULL, NULL, 0, NULL},
};

static const cli_spec prune_spec = {
    .command = "usage prune",
    .synopsis = "[--retention-days N] [--batch ROWS] [--json]",
    .description =
        "Deletes the raw usage events older than the retention (default 35 days), in\n"
        "transactions of ROWS, and the per-minute rollups older than 48 hours; the per-day\n"
        "rollups are kept, so month-to-date figures, caps and `health` stay exact. Then gives\n"
        "the freed pages back to the file system (auto_vacuum=INCREMENTAL; a catalog made before\n"
        "it is converted once, with a VACUUM). The monitor prunes the same way in small steps.",
    .options = prune_options,
    .example = "mmadmin usage prune\nmmadmin usage prune --retention-days 90 --json",
    .min_args = 0,
    .max_args = 0,
};

typedef struct prune_args {
    int64_t retention_days; /* 0 = keep the setting */
    int64_t batch;
    bool json;
} prune_args;

static int parse_prune(cli_parser *p, prune_args *a)
{
    int id;
    mm_error err = {0};
    while ((id = cli_next_option(p)) > 0) {
        mm_status st = MM_OK;
        if (id == OPT_RETENTION) /* the catalog's range (2 days and up), not any count */
            st = catalog_usage_retention_parse(p->arg, &a->retention_days, &err);
        else if (id == OPT_BATCH)
            st = cli_parse_positive("--batch", p->arg, PRUNE_BATCH_MAX, &a->batch, &err);
        else if (id == OPT_JSON)
            a->json = true;
        if (st != MM_OK)
            return cli_report(&err);
    }
    return id == CLI_STOP ? p->exit_code : -1;
}

static int print_pruned(mm_catalog *cat, const mm_usage_prune_result *total, bool converted,
                        bool json)
{
    int64_t days = catalog_usage_retention_days(cat);
    if (json) {
        json_t *obj = json_object();
        json_object_set_new(obj, "retention_days", json_integer(days));
        json_object_set_new(obj, "events_deleted", json_integer(total->events_deleted));
        json_object_set_new(obj, "minute_rollups_deleted", json_integer(total->minutes_deleted));
        json_object_set_new(obj, "pages_freed", json_integer(total->pages_freed));
        json_object_set_new(obj, "events_kept", json_integer(catalog_usage_count(cat)));
        json_object_set_new(obj, "converted_to_incremental_vacuum", json_boolean(converted));
        return cli_print_json(obj);
    }
    printf("kept %" PRId64 " days of usage events: deleted %" PRId64 " events and %" PRId64
           " minute rollups, freed %" PRId64 " pages%s\n",
           days, total->events_deleted, total->minutes_deleted, total->pages_freed,
           converted ? " (the catalog now uses auto_vacuum=INCREMENTAL)" : "");
    return CLI_EXIT_OK;
}

static int usage_prune_cmd(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &prune_spec, argc, argv);
    prune_args a = {.batch = PRUNE_BATCH_DEFAULT};
    int code = parse_prune(&p, &a);
    if (code >= 0)
        return code;
    mm_error err = {0};
    mm_catalog *cat = cli_catalog(ctx, &err);
    if (!cat)
        return cli_report(&err);
    if (a.retention_days && catalog_usage_set_retention_days(cat, a.retention_days, &err) != MM_OK)
        return cli_report(&err);
    mm_usage_prune_result step, total;
    memset(&total, 0, sizeof total);
    int64_t now = mm_now_ms();
    do {
        if (catalog_usage_prune(cat, now, a.batch, 0, &step, &err) != MM_OK)
            return cli_report(&err);
        total.events_deleted += step.events_deleted;
        total.minutes_deleted += step.minutes_deleted;
        total.pages_freed += step.pages_freed;
    } while (step.more);
    bool converted = false;
    if (catalog_usage_enable_auto_vacuum(cat, &converted, &err) != MM_OK)
        return cli_report(&err);
    return print_pruned(cat, &total, converted, a.json);
}

int cmd_usage(cli_context *ctx, int argc, char **argv)
{
    static const cli_subcommand subs[] = {
        {"prune", "delete raw usage events older than the retention (rollups stay)",
         usage_prune_cmd},
    };
    return CLI_DISPATCH(ctx, "usage", "usage events and their retention", subs, argc, argv);
}
