/* `mmadmin audit`: the newest entries of the audit log (who changed what, when, before and
 * after, secrets redacted by the catalog); an applied file is one change set entry whose parts
 * `--change-set ID` lists. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "util/clock.h"

#define AUDIT_LIMIT_DEFAULT 50
#define AUDIT_LIMIT_MAX 100000

enum { OPT_LIMIT = 256, OPT_JSON, OPT_CHANGE_SET };

static const cli_option audit_options[] = {
    {"limit", "N", OPT_LIMIT, "how many entries, newest first (default 50)"},
    {"json", NULL, OPT_JSON, "print JSON with the before/after of each change"},
    {"change-set", "ID", OPT_CHANGE_SET, "list the parts of change set ID (`mmadmin apply`)"},
    {NULL, NULL, 0, NULL},
};

static const cli_spec audit_spec = {
    .command = "audit",
    .synopsis = "[--limit N] [--json] [--change-set ID]",
    .description = "Shows the newest changes to the catalog: time, actor (the login name, or "
                   "$SUDO_USER), action\nand entity; --json adds the before and after of each "
                   "change (never a secret). A file applied with `mmadmin apply` is one "
                   "entry\n(kind \"change set\", "
                   "NAME the file, PARTS its changes); --change-set ID lists its parts.",
    .options = audit_options,
    .example = "mmadmin audit --limit 20\nmmadmin audit --json | jq '.[0]'",
    .min_args = 0,
    .max_args = 0,
};

/* The stored JSON text parsed back into a value (kept as a string if it does not parse). */
static json_t *stored_json(const char *text)
{
    if (!text)
        return json_null();
    json_t *value = json_loads(text, 0, NULL);
    return value ? value : json_string(text);
}

static json_t *audit_json(const void *item)
{
    const mm_audit_entry *e = item;
    char at[40];
    cli_format_iso_time(at, sizeof at, e->ts_ms);
    json_t *obj = json_object();
    json_object_set_new(obj, "id", json_integer(e->id));
    json_object_set_new(obj, "at", json_string(at));
    json_object_set_new(obj, "actor", json_string(e->actor));
    json_object_set_new(obj, "action", json_string(e->action));
    json_object_set_new(obj, "entity_kind", json_string(e->entity_kind));
    json_object_set_new(obj, "entity_name", json_string(e->entity_name));
    json_object_set_new(obj, "before", stored_json(e->before_json));
    json_object_set_new(obj, "after", stored_json(e->after_json));
    json_object_set_new(obj, "change_set",
                        e->change_set ? json_integer(e->change_set) : json_null());
    if (e->parts)
        json_object_set_new(obj, "parts", json_integer((json_int_t)e->parts));
    return obj;
}

static void print_audit_table(const void *audit_list)
{
    const mm_audit_list *list = audit_list;
    static const char *const headers[] = {"ID", "TIME (UTC)", "ACTOR", "ACTION", "KIND", "NAME"};
    cli_table *table = cli_table_new(6, headers);
    for (size_t i = 0; table && i < list->count; i++) {
        const mm_audit_entry *e = &list->items[i];
        char when[32];
        mm_format_time(when, sizeof when, e->ts_ms);
        char id[24], name[200];
        snprintf(id, sizeof id, "%lld", (long long)e->id);
        if (e->parts)
            snprintf(name, sizeof name, "%s (%zu parts)", e->entity_name, e->parts);
        else
            snprintf(name, sizeof name, "%s", e->entity_name);
        const char *row[] = {id, when, e->actor, e->action, e->entity_kind, name};
        cli_table_add(table, row);
    }
    cli_table_finish(table, stdout);
}

int cmd_audit(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &audit_spec, argc, argv);
    int64_t limit = AUDIT_LIMIT_DEFAULT, change_set = 0;
    bool json = false;
    int id;
    while ((id = cli_next_option(&p)) > 0) {
        mm_error err = {0};
        if (id == OPT_JSON)
            json = true;
        else if (id == OPT_CHANGE_SET) {
            if (cli_parse_positive("--change-set", p.arg, INT64_MAX, &change_set, &err) != MM_OK)
                return cli_report(&err);
        } else if (cli_parse_positive("--limit", p.arg, AUDIT_LIMIT_MAX, &limit, &err) != MM_OK)
            return cli_report(&err);
    }
    if (id == CLI_STOP)
        return p.exit_code;
    mm_error err = {0};
    mm_catalog *cat = cli_catalog(ctx, &err);
    mm_audit_list list = {0};
    if (!cat || (change_set ? catalog_audit_change_set(cat, change_set, &list, &err)
                            : catalog_audit_list_sets(cat, (size_t)limit, &list, &err)) != MM_OK)
        return cli_report(&err);
    int code = cli_print_list(json, &(cli_list_output){list.items, list.count, sizeof *list.items,
                                                       audit_json, "the audit log is empty",
                                                       print_audit_table, &list});
    mm_audit_list_free(&list);
    return code;
}
