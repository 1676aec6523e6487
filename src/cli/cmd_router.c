/* `mmadmin router config`: shows or sets the router's cool-down settings (consecutive failures
 * that cool an account, for how long, and the wait after a 429 without Retry-After). */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "router/router.h"

enum { OPT_FAILURES = 256, OPT_COOLDOWN, OPT_RATE_LIMIT, OPT_JSON };

static const cli_option config_options[] = {
    {"failures", "N", OPT_FAILURES, "consecutive failures that cool an account (default 3)"},
    {"cooldown-seconds", "M", OPT_COOLDOWN, "how long those failures cool it (default 30)"},
    {"rate-limit-default-seconds", "S", OPT_RATE_LIMIT,
     "cool-down after a 429 that gives no Retry-After (default 10)"},
    {"json", NULL, OPT_JSON, "print JSON instead of text"},
    {NULL, NULL, 0, NULL},
};

static const cli_spec config_spec = {
    .command = "router config",
    .synopsis = "[--failures N] [--cooldown-seconds M] [--rate-limit-default-seconds S] [--json]",
    .description =
        "Shows the router's cool-down settings, or changes the ones given. A 429 cools an\n"
        "account for its Retry-After (at most an hour), or S seconds without one; N consecutive\n"
        "failures that fall through (network, timeout, auth, quota, 408, 429, 5xx, overloaded,\n"
        "bad response; never a request error) cool it for M seconds. The only target of a chain\n"
        "is never cooled. Settings live in the catalog, so every process uses the same.",
    .options = config_options,
    .example = "mmadmin router config\nmmadmin router config --failures 5 --cooldown-seconds 60",
    .min_args = 0,
    .max_args = 0,
};

/* The values given on the command line; 0 = not given. */
typedef struct config_changes {
    int64_t failures, cooldown_s, rate_limit_s;
    bool json;
} config_changes;

static int parse_config(cli_parser *p, config_changes *c)
{
    const cli_positive_option positives[] = {
        {OPT_FAILURES, "--failures", ROUTER_FAILURES_MAX, &c->failures},
        {OPT_COOLDOWN, "--cooldown-seconds", ROUTER_SECONDS_MAX, &c->cooldown_s},
        {OPT_RATE_LIMIT, "--rate-limit-default-seconds", ROUTER_SECONDS_MAX, &c->rate_limit_s}};
    return cli_parse_positives(p, positives, sizeof positives / sizeof positives[0], OPT_JSON,
                               &c->json);
}

static bool apply_changes(const config_changes *c, router_config *cfg)
{
    if (c->failures)
        cfg->cooldown_failures = (int)c->failures;
    if (c->cooldown_s)
        cfg->cooldown_ms = c->cooldown_s * 1000;
    if (c->rate_limit_s)
        cfg->rate_limit_default_ms = c->rate_limit_s * 1000;
    return c->failures || c->cooldown_s || c->rate_limit_s;
}

static int print_config(const router_config *cfg, bool changed, bool json)
{
    if (json) {
        json_t *obj = json_object();
        json_object_set_new(obj, "cooldown_failures", json_integer(cfg->cooldown_failures));
        json_object_set_new(obj, "cooldown_seconds", json_integer(cfg->cooldown_ms / 1000));
        json_object_set_new(obj, "rate_limit_default_seconds",
                            json_integer(cfg->rate_limit_default_ms / 1000));
        return cli_print_json(obj);
    }
    printf("%s", changed ? "router settings saved:\n" : "");
    printf("cool-down after %d consecutive failures: %lld s\n", cfg->cooldown_failures,
           (long long)(cfg->cooldown_ms / 1000));
    printf("cool-down after a 429 without Retry-After: %lld s\n",
           (long long)(cfg->rate_limit_default_ms / 1000));
    return CLI_EXIT_OK;
}

static int router_config_cmd(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &config_spec, argc, argv);
    config_changes changes;
    memset(&changes, 0, sizeof changes);
    int code = parse_config(&p, &changes);
    if (code >= 0)
        return code;
    mm_error err = {0};
    mm_catalog *cat = cli_catalog(ctx, &err);
    if (!cat)
        return cli_report(&err);
    router_config cfg;
    bool changed = false;
    if (router_config_load(cat, &cfg, &err) != MM_OK) {
        if (!apply_changes(&changes, &cfg))
            return cli_report(&err); /* a broken setting: say so; setting it again repairs it */
        router_config_default(&cfg);
    }
    changed = apply_changes(&changes, &cfg);
    if (changed && router_config_save(cat, &cfg, &err) != MM_OK)
        return cli_report(&err);
    return print_config(&cfg, changed, changes.json);
}

int cmd_router(cli_context *ctx, int argc, char **argv)
{
    static const cli_subcommand subs[] = {
        {"config", "show or set the cool-down settings", router_config_cmd},
    };
    return CLI_DISPATCH(ctx, "router", "the router's settings", subs, argc, argv);
}
