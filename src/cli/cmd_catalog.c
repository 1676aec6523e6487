/* `mmadmin catalog copy`: moves a whole catalog between SQLite and PostgreSQL (either way) in
 * one transaction on the destination, secrets still sealed, and says what it copied. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"

enum { OPT_TO = 256, OPT_FROM, OPT_REPLACE, OPT_JSON };

static const cli_option copy_options[] = {
    {"to", "ADDRESS", OPT_TO, "the destination: a file path or postgresql://..."},
    {"from", "ADDRESS", OPT_FROM, "the source (default: --db / MM_DB); then --to defaults to it"},
    {"replace", NULL, OPT_REPLACE, "empty a destination that already holds a catalog first"},
    {"json", NULL, OPT_JSON, "print JSON: {\"from\", \"to\", \"tables\": {name: rows}, ...}"},
    {NULL, NULL, 0, NULL},
};

static const cli_spec copy_spec = {
    .command = "catalog copy",
    .synopsis = "--to ADDRESS | --from ADDRESS [--replace] [--json]",
    .description =
        "Copies the whole catalog (accounts, models, chains, workspaces, keys, prices, settings,\n"
        "audit log, alerts, usage events and rollups) to another catalog, SQLite or PostgreSQL,\n"
        "in one transaction on the destination: ids kept, API keys still sealed (the same master\n"
        "key opens both), leases and in-flight reservations left behind. A destination that\n"
        "holds rows is refused unless --replace; one whose vault or key is another master key is\n"
        "refused. The destination is created and migrated when needed; one audit entry there\n"
        "records the copy.",
    .options = copy_options,
    .example = "mmadmin catalog copy --to postgresql://mmadmin@db.internal/mmadmin\n"
               "mmadmin --db postgresql://mmadmin@db.internal/mmadmin catalog copy "
               "--to ~/catalog.db\n"
               "mmadmin catalog copy --from ~/old.db --replace",
    .min_args = 0,
    .max_args = 0,
};

typedef struct copy_args {
    const char *to, *from;
    bool replace, json;
} copy_args;

static int parse_copy(cli_parser *p, copy_args *a)
{
    int id;
    while ((id = cli_next_option(p)) > 0) {
        if (id == OPT_TO)
            a->to = p->arg;
        else if (id == OPT_FROM)
            a->from = p->arg;
        else if (id == OPT_REPLACE)
            a->replace = true;
        else if (id == OPT_JSON)
            a->json = true;
    }
    if (id == CLI_STOP)
        return p->exit_code;
    if (!a->to == !a->from)
        return cli_usage_error("catalog copy", "give --to ADDRESS (copy this catalog there) or "
                                               "--from ADDRESS (copy that catalog here)");
    if (!(a->to ? a->to : a->from)[0])
        return cli_usage_error("catalog copy",
                               a->to ? "--to is empty (an unset variable?): give a file path or "
                                       "postgresql://..."
                                     : "--from is empty (an unset variable?): give a file path "
                                       "or postgresql://...");
    return -1;
}

static int print_copied(mm_catalog *from, mm_catalog *to, const mm_copy_result *r, bool json)
{
    if (json) {
        json_t *tables = json_object();
        for (size_t i = 0; i < r->count; i++)
            json_object_set_new(tables, r->tables[i].table, json_integer(r->tables[i].rows));
        json_t *obj = json_object();
        json_object_set_new(obj, "from", json_string(catalog_display(from)));
        json_object_set_new(obj, "to", json_string(catalog_display(to)));
        json_object_set_new(obj, "tables", tables);
        json_object_set_new(obj, "emptied_rows", json_integer(r->emptied));
        json_object_set_new(obj, "note", json_string(r->note));
        return cli_print_json(obj);
    }
    printf("copied the catalog %s to %s in one transaction", catalog_display(from),
           catalog_display(to));
    if (r->emptied)
        printf(" (after emptying its %" PRId64 " rows)", r->emptied);
    printf(":\n");
    for (size_t i = 0; i < r->count; i++)
        printf("  %-20s %" PRId64 "\n", r->tables[i].table, r->tables[i].rows);
    if (r->note[0])
        printf("note: %s\n", r->note);
    return CLI_EXIT_OK;
}

static int catalog_copy_cmd(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &copy_spec, argc, argv);
    copy_args a = {0};
    int code = parse_copy(&p, &a);
    if (code >= 0)
        return code;
    mm_error err = {0};
    /* the source must exist: a mistyped path would otherwise copy an empty catalog */
    mm_catalog *here = a.to ? cli_catalog_existing(ctx, &err) : cli_catalog(ctx, &err);
    if (!here && err.status == MM_E_NOT_FOUND)
        mm_error_set(&err, MM_E_NOT_FOUND, "db",
                     "there is no catalog to copy at %s; check --db or MM_DB — nothing was copied",
                     ctx->db_path      ? ctx->db_path
                     : getenv("MM_DB") ? getenv("MM_DB")
                                       : "the default path");
    if (!here)
        return cli_report(&err);
    mm_catalog_options opts = {
        .path = a.to ? a.to : a.from, .create = a.to != NULL, .given_by = a.to ? "--to" : "--from"};
    mm_catalog *other = NULL;
    if (catalog_open(&opts, &other, &err) != MM_OK) {
        if (a.from && err.status == MM_E_NOT_FOUND) /* the open's hint names --db, not --from */
            mm_error_set(&err, MM_E_NOT_FOUND, "from",
                         "there is no catalog to copy at %s; check --from — nothing was copied",
                         a.from);
        return cli_report(&err);
    }
    catalog_set_actor(other, catalog_actor(here));
    mm_catalog *from = a.to ? here : other, *to = a.to ? other : here;
    mm_copy_result result;
    if (catalog_copy(from, to, a.replace, &result, &err) != MM_OK)
        code = cli_report(&err);
    else
        code = print_copied(from, to, &result, a.json);
    catalog_close(other);
    return code;
}

int cmd_catalog(cli_context *ctx, int argc, char **argv)
{
    static const cli_subcommand subs[] = {
        {"copy", "copy the whole catalog to or from another (SQLite or PostgreSQL)",
         catalog_copy_cmd},
    };
    return CLI_DISPATCH(ctx, "catalog", "the catalog as a whole", subs, argc, argv);
}
