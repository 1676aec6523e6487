/* `mmadmin workspace key add|list|revoke`: creates a workspace API key (printed once, stored as
 * a keyed hash), lists keys by hint and times, and revokes one (audited; serve drops it in 1 s). */
#include "cli/cmd_workspace_key.h"

#include <sodium.h>
#include <string.h>

#include "catalog/workspace_key.h"
#include "util/clock.h"

#define EXPIRES_DAYS_MAX 3650
#define DAY_MS 86400000LL

enum { OPT_EXPIRES_DAYS = 256, OPT_JSON };

static const cli_option add_options[] = {
    {"expires-days", "N", OPT_EXPIRES_DAYS, "the key stops working after N days (default never)"},
    {"json", NULL, OPT_JSON, "print JSON instead of text"},
    {NULL, NULL, 0, NULL},
};

static const cli_spec add_spec = {
    .command = "workspace key add",
    .synopsis = "WORKSPACE [--expires-days N] [--json]",
    .description = "Creates an API key for the workspace's pipelines to call 'mmadmin serve'\n"
                   "with (Authorization: Bearer KEY). The key is printed once and never again:\n"
                   "the catalog keeps only a keyed hash of it and a hint.",
    .options = add_options,
    .example = "mmadmin workspace key add search --expires-days 90",
    .min_args = 1,
    .max_args = 1,
    .args_name = "WORKSPACE",
};

static const cli_spec list_spec = {
    .command = "workspace key list",
    .synopsis = "[WORKSPACE] [--json]",
    .description = "Lists workspace API keys (all, or one workspace's) with their hint, when\n"
                   "they were created and last used, when they expire and whether revoked.",
    .options = cli_json_options,
    .example = "mmadmin workspace key list search",
    .min_args = 0,
    .max_args = 1,
    .args_name = "WORKSPACE",
};

static const cli_spec revoke_spec = {
    .command = "workspace key revoke",
    .synopsis = "ID",
    .description = "Revokes a workspace API key by its id (see 'workspace key list'); a running\n"
                   "'mmadmin serve' refuses it within a second.",
    .options = cli_no_options,
    .example = "mmadmin workspace key revoke 3",
    .min_args = 1,
    .max_args = 1,
    .args_name = "ID",
};

static json_t *key_json(const mm_workspace_key *key)
{
    char created[40], used[40], expires[40], revoked[40];
    cli_format_iso_time(created, sizeof created, key->created_ms);
    cli_format_iso_time(used, sizeof used, key->last_used_ms);
    cli_format_iso_time(expires, sizeof expires, key->expires_ms);
    cli_format_iso_time(revoked, sizeof revoked, key->revoked_ms);
    json_t *obj = json_object();
    json_object_set_new(obj, "id", json_integer(key->id));
    json_object_set_new(obj, "workspace", json_string(key->workspace));
    json_object_set_new(obj, "hint", json_string(key->hint));
    json_object_set_new(obj, "created", json_string(created));
    json_object_set_new(obj, "last_used", key->last_used_ms ? json_string(used) : json_null());
    json_object_set_new(obj, "expires", key->expires_ms ? json_string(expires) : json_null());
    json_object_set_new(obj, "revoked", key->revoked_ms ? json_string(revoked) : json_null());
    return obj;
}

static int key_add(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &add_spec, argc, argv);
    int64_t days = 0;
    bool json = false;
    mm_error err = {0};
    int id;
    while ((id = cli_next_option(&p)) > 0) {
        if (id == OPT_JSON)
            json = true;
        else if (id == OPT_EXPIRES_DAYS &&
                 cli_parse_positive("--expires-days", p.arg, EXPIRES_DAYS_MAX, &days, &err) !=
                     MM_OK)
            return cli_report(&err);
    }
    if (id == CLI_STOP)
        return p.exit_code;
    mm_catalog *cat = cli_catalog(ctx, &err);
    if (!cat)
        return cli_report(&err);
    char key[MM_WORKSPACE_KEY_MAX];
    mm_workspace_key row;
    int64_t expires = days ? mm_now_ms() + days * DAY_MS : 0;
    if (catalog_workspace_key_add(cat, p.args[0], expires, key, sizeof key, &row, &err) != MM_OK)
        return cli_report(&err);
    int code = CLI_EXIT_OK;
    if (json) {
        json_t *obj = key_json(&row);
        json_object_set_new(obj, "key", json_string(key));
        code = cli_print_json(obj);
    } else {
        printf("%s\n", key);
        fprintf(stderr,
                "created key %lld for workspace '%s' (%s); it is shown only now: store it in the "
                "pipeline's secret store\n",
                (long long)row.id, row.workspace, row.hint);
    }
    sodium_memzero(key, sizeof key);
    return code;
}

static json_t *key_item_json(const void *item)
{
    return key_json(item);
}

static void print_keys(const void *key_list)
{
    const mm_workspace_key_list *list = key_list;
    static const char *const headers[] = {"ID",        "WORKSPACE", "HINT", "CREATED",
                                          "LAST USED", "EXPIRES",   "STATE"};
    cli_table *table = cli_table_new(7, headers);
    int64_t now = mm_now_ms();
    for (size_t i = 0; table && i < list->count; i++) {
        const mm_workspace_key *k = &list->items[i];
        char idtext[24], created[40], used[40], expires[40];
        snprintf(idtext, sizeof idtext, "%lld", (long long)k->id);
        cli_format_iso_time(created, sizeof created, k->created_ms);
        cli_format_iso_time(used, sizeof used, k->last_used_ms);
        cli_format_iso_time(expires, sizeof expires, k->expires_ms);
        const char *state = k->revoked_ms                           ? "revoked"
                            : k->expires_ms && k->expires_ms <= now ? "expired"
                                                                    : "live";
        const char *row[] = {idtext,
                             k->workspace,
                             k->hint,
                             created,
                             k->last_used_ms ? used : "never",
                             k->expires_ms ? expires : "never",
                             state};
        cli_table_add(table, row);
    }
    cli_table_finish(table, stdout);
}

/* the keys of the workspace named, or of all (workspace NULL) */
static mm_status load_keys(mm_catalog *cat, const char *workspace, void *list, mm_error *err)
{
    return catalog_workspace_key_list(cat, workspace, list, err);
}

static int print_key_list(mm_catalog *cat, bool json, const void *keys)
{
    (void)cat;
    const mm_workspace_key_list *list = keys;
    const char *hint =
        "no workspace keys yet; create one with: mmadmin workspace key add WORKSPACE";
    return cli_print_list(json, &(cli_list_output){.items = list->items,
                                                   .count = list->count,
                                                   .item_size = sizeof *list->items,
                                                   .to_json = key_item_json,
                                                   .empty_hint = hint,
                                                   .print_text = print_keys,
                                                   .list = list});
}

static void free_keys(void *list)
{
    mm_workspace_key_list_free(list);
}

static int key_list(cli_context *ctx, int argc, char **argv)
{
    static const cli_list_steps steps = {load_keys, print_key_list, free_keys};
    mm_workspace_key_list list = {0};
    return cli_run_list(ctx, argc, argv, &list_spec, &steps, &list);
}

static int key_revoke(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    mm_catalog *cat;
    int stop = cli_start(ctx, &p, &revoke_spec, argc, argv, NULL, &cat);
    if (stop >= 0)
        return stop;
    mm_error err = {0};
    int64_t id = 0;
    if (cli_parse_positive("ID", p.args[0], INT64_MAX, &id, &err) != MM_OK ||
        catalog_workspace_key_revoke(cat, id, &err) != MM_OK)
        return cli_report(&err);
    printf("revoked workspace key %lld\n", (long long)id);
    return CLI_EXIT_OK;
}

static const cli_subcommand key_subcommands[] = {
    {"add", "create a workspace API key (shown once)", key_add},
    {"list", "list workspace API keys", key_list},
    {"revoke", "revoke a workspace API key", key_revoke},
};

int cmd_workspace_key(cli_context *ctx, int argc, char **argv)
{
    return CLI_DISPATCH(ctx, "workspace key", "Manage the API keys workspaces call serve with.",
                        key_subcommands, argc, argv);
}
