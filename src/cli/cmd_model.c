/* `mmadmin model ...`: add, edit, rm, list and show logical models (provider-agnostic names
 * with a type, a description and a fallback chain of targets). */
#include <string.h>

#include "catalog/chain_rules.h"
#include "cli/cmd_model.h"
#include "cli/commands.h"
#include "health/chain_health.h"
#include "util/clock.h"
#include "util/text.h"

enum { OPT_TYPE = 256, OPT_DESCRIPTION, OPT_NAME };

static const cli_option add_options[] = {
    {"type", "T", OPT_TYPE, "chat, embedding, image or audio"},
    {"description", "TEXT", OPT_DESCRIPTION, "what the model is for"},
    {NULL, NULL, 0, NULL},
};

static const cli_option edit_options[] = {
    {"name", "NEW", OPT_NAME, "rename the model (targets and entitlements follow)"},
    {"type", "T", OPT_TYPE, "chat, embedding, image or audio"},
    {"description", "TEXT", OPT_DESCRIPTION, "what the model is for"},
    {NULL, NULL, 0, NULL},
};

static const cli_spec add_spec = {
    .command = "model add",
    .synopsis = "NAME --type chat|embedding|image|audio [--description TEXT]",
    .description = "Adds a logical model: a use-case name workspaces ask for. A new model has no "
                   "targets and no\nentitlements: add targets with 'mmadmin target add' and "
                   "grant it with 'mmadmin entitle'.",
    .options = add_options,
    .example = "mmadmin model add fast-chat --type chat --description 'quick answers, low cost'",
    .min_args = 1,
    .max_args = 1,
    .args_name = "NAME",
};

static const cli_spec edit_spec = {
    .command = "model edit",
    .synopsis = "NAME [--name NEW] [--type T] [--description TEXT]",
    .description = "Changes a logical model; options not given keep their value.",
    .options = edit_options,
    .example = "mmadmin model edit fast-chat --description 'default chat for all teams'",
    .min_args = 1,
    .max_args = 1,
    .args_name = "NAME",
};

static const cli_spec rm_spec = {
    .command = "model rm",
    .synopsis = "NAME",
    .description = "Removes a logical model with its targets and entitlements (in one "
                   "transaction).",
    .options = cli_no_options,
    .example = "mmadmin model rm old-chat",
    .min_args = 1,
    .max_args = 1,
    .args_name = "NAME",
};

static const cli_spec list_spec = {
    .command = "model list",
    .synopsis = "[--json]",
    .description = "Lists the logical models with their chains.",
    .options = cli_json_options,
    .example = "mmadmin model list --json",
    .min_args = 0,
    .max_args = 0,
};

static const cli_spec show_spec = {
    .command = "model show",
    .synopsis = "NAME [--json]",
    .description = "Shows a logical model, its numbered fallback chain and the workspaces "
                   "entitled to it.",
    .options = cli_json_options,
    .example = "mmadmin model show fast-chat",
    .min_args = 1,
    .max_args = 1,
    .args_name = "NAME",
};

/* ---- shared with target ---- */

void cli_print_chain(const mm_model *model, FILE *out)
{
    if (model->n_targets == 0) {
        fprintf(out,
                "  (no targets: add one with 'mmadmin target add %s --account A --model "
                "M')\n",
                model->name);
        return;
    }
    for (size_t i = 0; i < model->n_targets; i++) {
        const mm_target *t = &model->targets[i];
        fprintf(out, "  %d. %s @ %s\n", t->priority, t->model, t->account);
    }
}

json_t *cli_model_json(const mm_model *model, const mm_entitlement_list *entitlements)
{
    json_t *obj = json_object();
    json_object_set_new(obj, "name", json_string(model->name));
    json_object_set_new(obj, "type", json_string(model->type));
    json_object_set_new(obj, "description", json_string(model->description));
    json_t *targets = json_array();
    for (size_t i = 0; i < model->n_targets; i++) {
        const mm_target *t = &model->targets[i];
        json_t *target = json_object();
        json_object_set_new(target, "priority", json_integer(t->priority));
        json_object_set_new(target, "account", json_string(t->account));
        json_object_set_new(target, "model", json_string(t->model));
        json_array_append_new(targets, target);
    }
    json_object_set_new(obj, "targets", targets);
    json_t *workspaces = json_array();
    for (size_t i = 0; entitlements && i < entitlements->count; i++) {
        if (strcmp(entitlements->items[i].model, model->name) == 0)
            json_array_append_new(workspaces, json_string(entitlements->items[i].workspace));
    }
    json_object_set_new(obj, "entitled_workspaces", workspaces);
    return obj;
}

/* ---- add / edit ---- */

typedef struct model_input {
    const char *name, *type, *description;
} model_input;

/* Reads the options; returns -1 to go on, else the exit code. */
static int parse_model_options(cli_parser *p, model_input *in)
{
    int id;
    while ((id = cli_next_option(p)) > 0) {
        if (id == OPT_TYPE)
            in->type = p->arg;
        else if (id == OPT_DESCRIPTION)
            in->description = p->arg;
        else if (id == OPT_NAME)
            in->name = p->arg;
    }
    return id == CLI_STOP ? p->exit_code : -1;
}

static mm_status apply_model_input(mm_model *model, const model_input *in, mm_error *err)
{
    mm_status st = MM_OK;
    if (st == MM_OK && in->name)
        st = cli_copy_field(model->name, sizeof model->name, in->name, "name", err);
    if (st == MM_OK && in->type)
        st = cli_copy_field(model->type, sizeof model->type, in->type, "type", err);
    if (st == MM_OK && in->description)
        st = cli_copy_field(model->description, sizeof model->description, in->description,
                            "description", err);
    return st;
}

static int model_add(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &add_spec, argc, argv);
    model_input in = {0};
    int code = parse_model_options(&p, &in);
    if (code >= 0)
        return code;
    if (!in.type)
        return cli_usage_error("model add", "--type is required: chat, embedding, image or "
                                            "audio");
    in.name = p.args[0];
    mm_error err = {0};
    mm_model model;
    mm_model_init(&model);
    if (apply_model_input(&model, &in, &err) != MM_OK)
        return cli_report(&err);
    mm_catalog *cat = cli_catalog(ctx, &err);
    if (!cat || catalog_model_insert(cat, &model, &err) != MM_OK)
        return cli_report(&err);
    printf("added model '%s' (%s)\n", model.name, model.type);
    printf("note: '%s' has no entitlements yet, so no workspace can use it; grant one with:\n"
           "  mmadmin entitle %s WORKSPACE\n",
           model.name, model.name);
    printf("and give it targets with:\n  mmadmin target add %s --account ACCOUNT --model "
           "PROVIDER_MODEL\n",
           model.name);
    return CLI_EXIT_OK;
}

static int model_edit(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &edit_spec, argc, argv);
    model_input in = {0};
    int code = parse_model_options(&p, &in);
    if (code >= 0)
        return code;
    if (!in.name && !in.type && !in.description)
        return cli_usage_error("model edit", "nothing to change: give --name, --type or "
                                             "--description");
    mm_error err = {0};
    mm_catalog *cat = cli_catalog(ctx, &err);
    mm_model model;
    if (!cat || catalog_model_get(cat, p.args[0], &model, &err) != MM_OK)
        return cli_report(&err);
    if (apply_model_input(&model, &in, &err) != MM_OK ||
        catalog_model_update(cat, &model, &err) != MM_OK)
        return cli_report(&err);
    printf("updated model '%s'\n", model.name);
    return CLI_EXIT_OK;
}

static int model_rm(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    mm_catalog *cat;
    int stop = cli_start(ctx, &p, &rm_spec, argc, argv, NULL, &cat);
    if (stop >= 0)
        return stop;
    mm_error err = {0};
    size_t targets = 0, entitlements = 0;
    if (catalog_model_delete(cat, p.args[0], &targets, &entitlements, &err) != MM_OK)
        return cli_report(&err);
    printf("removed model '%s' with %zu target%s and %zu entitlement%s\n", p.args[0], targets,
           targets == 1 ? "" : "s", entitlements, entitlements == 1 ? "" : "s");
    return CLI_EXIT_OK;
}

/* ---- list / show ---- */

static void print_model_table(const mm_model_list *list)
{
    static const char *const headers[] = {"NAME", "TYPE", "WORKSPACES", "CHAIN"};
    cli_table *table = cli_table_new(4, headers);
    for (size_t i = 0; table && i < list->count; i++) {
        const mm_model *m = &list->items[i];
        char entitled[24], chain[1024];
        snprintf(entitled, sizeof entitled, "%zu", m->n_entitled);
        mm_chain_glance(m, ">", "...", MM_MAX_TARGETS, "(none)", chain, sizeof chain);
        const char *row[] = {m->name, m->type, entitled, chain};
        cli_table_add(table, row);
    }
    cli_table_finish(table, stdout);
}

/* JSON: each model with its entitlements (read here); text: the table */
static int print_models(mm_catalog *cat, bool json, const void *models)
{
    const mm_model_list *list = models;
    if (!json && list->count == 0) {
        printf("no models yet; add one with: mmadmin model add NAME --type chat\n");
        return CLI_EXIT_OK;
    }
    if (!json) {
        print_model_table(list);
        return CLI_EXIT_OK;
    }
    mm_error err = {0};
    mm_entitlement_list entitlements = {0};
    if (catalog_entitlement_list(cat, NULL, NULL, &entitlements, &err) != MM_OK)
        return cli_report(&err);
    json_t *array = json_array();
    for (size_t i = 0; i < list->count; i++)
        json_array_append_new(array, cli_model_json(&list->items[i], &entitlements));
    mm_entitlement_list_free(&entitlements);
    return cli_print_json(array);
}

CLI_LIST_COMMAND(model_list, mm_model_list, list_spec, catalog_model_list, print_models,
                 mm_model_list_free)

static void print_model_block(const mm_model *m, const mm_entitlement_list *entitlements,
                              const mm_health_map *health)
{
    printf("name:         %s\n", m->name);
    printf("type:         %s\n", m->type);
    printf("description:  %s\n", m->description[0] ? m->description : "-");
    printf("workspaces:   ");
    for (size_t i = 0; i < entitlements->count; i++)
        printf("%s%s", i ? ", " : "", entitlements->items[i].workspace);
    if (entitlements->count == 0)
        printf("(none: grant with 'mmadmin entitle %s WORKSPACE')", m->name);
    printf("\n");
    cli_print_updated(14, m->updated_ms, m->version);
    printf("chain:\n");
    cli_print_chain(m, stdout);
    char warnings[MM_CHAIN_MAX_WARNINGS][MM_CHAIN_WARNING_MAX];
    size_t n = health_chain_warnings(m, health, warnings, MM_CHAIN_MAX_WARNINGS);
    for (size_t i = 0; i < n; i++)
        printf("%s %s\n", i ? "         " : "warnings:", warnings[i]);
}

static int model_show(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    bool json = false;
    mm_catalog *cat;
    int stop = cli_start(ctx, &p, &show_spec, argc, argv, &json, &cat);
    if (stop >= 0)
        return stop;
    mm_error err = {0};
    mm_model model;
    mm_entitlement_list entitlements = {0};
    if (catalog_model_get(cat, p.args[0], &model, &err) != MM_OK ||
        catalog_entitlement_list(cat, model.name, NULL, &entitlements, &err) != MM_OK)
        return cli_report(&err);
    int code = CLI_EXIT_OK;
    if (json)
        code = cli_print_json(cli_model_json(&model, &entitlements));
    else {
        mm_health_map health = {0}; /* without figures only the disabled-or-not facts are lost */
        mm_error ignored = {0};
        if (health_status_from_catalog(cat, mm_now_ms(), NULL, &health, &ignored) != MM_OK)
            memset(&health, 0, sizeof health);
        print_model_block(&model, &entitlements, &health);
        mm_health_map_free(&health);
    }
    mm_entitlement_list_free(&entitlements);
    return code;
}

static const cli_subcommand model_subcommands[] = {
    {"add", "add a logical model", model_add},
    {"edit", "rename, retype or redescribe a model", model_edit},
    {"rm", "remove a model with its targets and entitlements", model_rm},
    {"list", "list the models and their chains", model_list},
    {"show", "show one model, its chain and entitled workspaces", model_show},
};

int cmd_model(cli_context *ctx, int argc, char **argv)
{
    return CLI_DISPATCH(ctx, "model", "Manage logical models.", model_subcommands, argc, argv);
}
