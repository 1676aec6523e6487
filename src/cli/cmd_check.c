/* `mmadmin check`: runs SQLite's integrity_check and foreign_key_check over the whole catalog
 * (PostgreSQL: the server-side checks of catalog_check.c) and says whether it is sound (exit 0)
 * or damaged (exit 1, with the problems found). */
#include <stdio.h>

#include "cli/commands.h"

enum { OPT_JSON = 256 };

static const cli_option check_options[] = {
    {"json", NULL, OPT_JSON, "print JSON: {\"ok\", \"integrity\": [...], \"foreign_keys\": [...]}"},
    {NULL, NULL, 0, NULL},
};

static const cli_spec check_spec = {
    .command = "check",
    .synopsis = "[--json]",
    .description =
        "Reads every page of the catalog with SQLite's PRAGMA integrity_check and checks every\n"
        "reference with PRAGMA foreign_key_check. Exits 0 when the catalog is sound, 1 when it\n"
        "is damaged (then restore it from a backup: a damaged catalog takes no more changes).\n"
        "On PostgreSQL: every id generator past its table's largest id, no invalid index, this\n"
        "month's usage partition, no constraint left unvalidated or foreign-key trigger disabled.",
    .options = check_options,
    .example = "mmadmin check\nmmadmin check --json | jq .integrity",
    .min_args = 0,
    .max_args = 0,
};

static json_t *strings_json(const mm_string_list *list)
{
    json_t *array = json_array();
    for (size_t i = 0; i < list->count; i++)
        json_array_append_new(array, json_string(list->items[i]));
    return array;
}

static void print_problems(const char *what, const mm_string_list *list)
{
    if (list->count == 0)
        printf("%s: ok\n", what);
    else
        printf("%s: %zu problem%s\n", what, list->count, list->count == 1 ? "" : "s");
    for (size_t i = 0; i < list->count; i++)
        printf("  %s\n", list->items[i]);
}

static int print_check(const mm_catalog *cat, const mm_catalog_check *check, bool json)
{
    if (json) {
        json_t *obj = json_object();
        json_object_set_new(obj, "catalog", json_string(catalog_display(cat)));
        json_object_set_new(obj, "ok", json_boolean(check->ok));
        json_object_set_new(obj, "integrity", strings_json(&check->integrity));
        json_object_set_new(obj, "foreign_keys", strings_json(&check->foreign_keys));
        int code = cli_print_json(obj);
        return code ? code : (check->ok ? CLI_EXIT_OK : CLI_EXIT_FAILURE);
    }
    print_problems("integrity_check", &check->integrity);
    print_problems("foreign_key_check", &check->foreign_keys);
    if (check->ok) {
        printf("the catalog %s is sound\n", catalog_display(cat));
        return CLI_EXIT_OK;
    }
    printf("the catalog %s is damaged: %s; mmadmin makes no change to it\n", catalog_display(cat),
           check->remedy);
    return CLI_EXIT_FAILURE;
}

int cmd_check(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &check_spec, argc, argv);
    bool json = false;
    if (!cli_parse_json_flag(&p, OPT_JSON, &json))
        return p.exit_code;
    mm_error err = {0};
    mm_catalog *cat = cli_catalog(ctx, &err);
    if (!cat)
        return cli_report(&err);
    mm_catalog_check check;
    if (catalog_check(cat, &check, &err) != MM_OK)
        return cli_report(&err);
    int code = print_check(cat, &check, json);
    mm_catalog_check_free(&check);
    return code;
}
