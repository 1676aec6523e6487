/* `mmadmin route MODEL --workspace W`: the router's plan for a request without sending it, with
 * --explain (every rule that included, skipped or reordered a target) and --down what-ifs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "router/router.h"
#include "router/whatif.h"
#include "util/clock.h"

enum { OPT_WORKSPACE = 256, OPT_TOKENS, OPT_EXPLAIN, OPT_JSON, OPT_DOWN };

static const cli_option route_options[] = {
    {"workspace", "W", OPT_WORKSPACE, "the workspace asking (required)"},
    {"tokens", "N", OPT_TOKENS, "estimated tokens of the request (for TPM and token caps)"},
    {"explain", NULL, OPT_EXPLAIN, "print each rule that included, skipped or reordered a target"},
    {"down", "ACCOUNT", OPT_DOWN, "what-if: take this account as unreachable (repeatable)"},
    {"json", NULL, OPT_JSON, "print JSON instead of text"},
    {NULL, NULL, 0, NULL},
};

static const cli_spec route_spec = {
    .command = "route",
    .synopsis = "MODEL --workspace W [--tokens N] [--explain] [--down ACCOUNT]... [--json]",
    .description =
        "Shows the plan the router would follow now for a request of workspace W to logical\n"
        "model MODEL, without sending anything: the targets in the order they would be tried\n"
        "(priority, healthy first, then degraded, unreachable last), or why it would be refused\n"
        "and when that frees. --down ACCOUNT shows the plan as if that account were unreachable:\n"
        "the blast radius of an outage, before it happens. Exit 0 planned, 2 refused.",
    .options = route_options,
    .example = "mmadmin route fast-chat --workspace search --explain\n"
               "mmadmin route fast-chat --workspace search --down prod-openai --json",
    .min_args = 1,
    .max_args = 1,
    .args_name = "MODEL",
};

typedef struct route_args {
    const char *workspace;
    int64_t tokens;
    bool explain, json;
    const char *down[ROUTER_MAX_DOWN];
    size_t n_down;
} route_args;

static int parse_route(cli_parser *p, route_args *a)
{
    int id;
    mm_error err = {0};
    while ((id = cli_next_option(p)) > 0) {
        if (id == OPT_WORKSPACE) {
            a->workspace = p->arg;
        } else if (id == OPT_TOKENS) {
            if (cli_parse_positive("--tokens", p->arg, MM_TPM_MAX, &a->tokens, &err) != MM_OK)
                return cli_report(&err);
        } else if (id == OPT_EXPLAIN) {
            a->explain = true;
        } else if (id == OPT_JSON) {
            a->json = true;
        } else if (id == OPT_DOWN) {
            if (a->n_down == ROUTER_MAX_DOWN)
                return cli_usage_error("route", "at most %d --down accounts", ROUTER_MAX_DOWN);
            a->down[a->n_down++] = p->arg;
        }
    }
    if (id == CLI_STOP)
        return p->exit_code;
    if (!a->workspace)
        return cli_usage_error("route", "--workspace W is required (the workspace asking)");
    return -1;
}

/* Every --down account must exist; one outside the chain is noted (the plan is unchanged). */
static int check_down(mm_catalog *cat, const router_snapshot *snap, const route_args *a,
                      const char *model)
{
    for (size_t i = 0; i < a->n_down; i++) {
        mm_account acc;
        mm_error err = {0};
        if (catalog_account_get(cat, a->down[i], &acc, &err) != MM_OK)
            return cli_report(&err);
        if (router_find_account(snap, a->down[i]) < 0)
            fprintf(stderr,
                    "mmadmin: note: account '%s' is not in the chain of '%s'; taking it "
                    "down changes nothing\n",
                    a->down[i], model);
    }
    return -1;
}

static const char *attempt_health(const router_attempt *at)
{
    if (at->down)
        return "down (what-if)";
    if (at->health == MM_HEALTH_UNKNOWN)
        return "unknown";
    return mm_health_name(at->health);
}

static json_t *plan_json(const router_plan *plan, const char *model, const route_args *a)
{
    json_t *obj = json_object();
    json_object_set_new(obj, "model", json_string(model));
    json_object_set_new(obj, "workspace", json_string(a->workspace));
    json_object_set_new(obj, "admitted", json_boolean(plan->refusal == ROUTER_ADMITTED));
    json_object_set_new(obj, "refusal",
                        plan->refusal == ROUTER_ADMITTED
                            ? json_null()
                            : json_string(router_refusal_name(plan->refusal)));
    json_object_set_new(obj, "message", cli_json_text(plan->message));
    char when[40];
    cli_format_iso_time(when, sizeof when, plan->frees_at_ms);
    json_object_set_new(obj, "frees_at", plan->frees_at_ms ? json_string(when) : json_null());
    json_t *down = json_array();
    for (size_t i = 0; i < a->n_down; i++)
        json_array_append_new(down, json_string(a->down[i]));
    json_object_set_new(obj, "down", down);
    json_t *attempts = json_array();
    for (size_t i = 0; i < plan->n_attempts; i++) {
        const router_attempt *at = &plan->attempts[i];
        json_t *item = json_object();
        json_object_set_new(item, "attempt", json_integer((json_int_t)i + 1));
        json_object_set_new(item, "account", json_string(at->account->name));
        json_object_set_new(item, "provider", json_string(at->account->provider));
        json_object_set_new(item, "model", json_string(at->target->model));
        json_object_set_new(item, "priority", json_integer(at->target->priority));
        json_object_set_new(item, "health", json_string(mm_health_name(at->health)));
        json_object_set_new(item, "down", json_boolean(at->down));
        json_object_set_new(item, "cooling", json_boolean(at->cooling));
        json_array_append_new(attempts, item);
    }
    json_object_set_new(obj, "attempts", attempts);
    if (a->explain) {
        json_t *lines = json_array();
        for (size_t i = 0; i < plan->n_explain; i++) {
            json_t *line = json_object();
            json_object_set_new(line, "step", json_string(router_step_name(plan->explain[i].step)));
            json_object_set_new(line, "priority",
                                plan->explain[i].priority ? json_integer(plan->explain[i].priority)
                                                          : json_null());
            json_object_set_new(line, "text", json_string(plan->explain[i].text));
            json_array_append_new(lines, line);
        }
        json_object_set_new(obj, "explain", lines);
    }
    return obj;
}

static void print_blast_radius(const router_plan *plan, const route_args *a)
{
    if (a->n_down == 0)
        return;
    char names[ROUTER_MAX_DOWN * (MM_NAME_MAX + 2)] = "";
    size_t used = 0;
    for (size_t i = 0; i < a->n_down && used < sizeof names; i++)
        used +=
            (size_t)snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "", a->down[i]);
    const router_attempt *at = router_plan_first_live(plan);
    if (at) {
        printf("with %s down, traffic goes first to %s (%s, priority %d)\n", names,
               at->account->name, at->target->model, at->target->priority);
        return;
    }
    printf("with %s down, no live target is left: every attempt would go to an unreachable "
           "account\n",
           names);
}

static void print_plan_text(const router_plan *plan, const char *model, const route_args *a)
{
    if (plan->refusal == ROUTER_ADMITTED) {
        printf("plan for '%s' in workspace '%s': %zu attempt%s\n", model, a->workspace,
               plan->n_attempts, plan->n_attempts == 1 ? "" : "s");
        const char *headers[] = {"#", "ACCOUNT", "PROVIDER", "MODEL", "PRIORITY", "HEALTH"};
        cli_table *table = cli_table_new(6, headers);
        for (size_t i = 0; table && i < plan->n_attempts; i++) {
            const router_attempt *at = &plan->attempts[i];
            char n[24], prio[16];
            snprintf(n, sizeof n, "%zu", i + 1);
            snprintf(prio, sizeof prio, "%d", at->target->priority);
            const char *row[] = {n,    at->account->name, at->account->provider, at->target->model,
                                 prio, attempt_health(at)};
            cli_table_add(table, row);
        }
        cli_table_finish(table, stdout);
        print_blast_radius(plan, a);
    }
    if (a->explain && plan->n_explain > 0) {
        printf("explain:\n");
        for (size_t i = 0; i < plan->n_explain; i++)
            printf("  %s\n", plan->explain[i].text);
    }
}

int cmd_route(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &route_spec, argc, argv);
    route_args a;
    memset(&a, 0, sizeof a);
    int code = parse_route(&p, &a);
    if (code >= 0)
        return code;
    const char *model = p.args[0];
    mm_error err = {0};
    mm_catalog *cat = cli_catalog(ctx, &err);
    if (!cat)
        return cli_report(&err);
    int64_t now = mm_now_ms();
    router_snapshot *snap = NULL;
    router_load_options opts = {.model = model, .workspace = a.workspace, .health = NULL};
    if (router_snapshot_load(cat, now, &opts, &snap, &err) != MM_OK)
        return cli_report(&err);
    code = check_down(cat, snap, &a, model);
    if (code >= 0) {
        router_snapshot_free(snap);
        return code;
    }
    router_request req = {.workspace = a.workspace,
                          .model = model,
                          .tokens_estimate = a.tokens,
                          .down = a.down,
                          .n_down = a.n_down,
                          .explain = a.explain};
    router_plan *plan = calloc(1, sizeof *plan);
    if (!plan) {
        router_snapshot_free(snap);
        mm_error_set(&err, MM_E_INTERNAL, "", "out of memory planning the request");
        return cli_report(&err);
    }
    mm_status st = router_plan_request(snap, &req, now, plan);
    code = CLI_EXIT_OK;
    if (a.json)
        code = cli_print_json(plan_json(plan, model, &a));
    else
        print_plan_text(plan, model, &a);
    if (st != MM_OK) {
        mm_error refusal = {.status = st};
        snprintf(refusal.message, sizeof refusal.message, "%s", plan->message);
        code = cli_report(&refusal);
    }
    free(plan);
    router_snapshot_free(snap);
    return code;
}
