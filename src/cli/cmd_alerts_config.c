/* `mmadmin alerts config`: shows or sets the alert rules' thresholds (catalog settings
 * "alerts.*", checked against alert_rules.c's table) and their deliveries (a webhook and/or a
 * command, for every rule or for one), webhooks shown redacted to scheme and host. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts/alert_rules.h"
#include "cli/cmd_alerts.h"

enum {
    OPT_UNREACHABLE_FOR = 256,
    OPT_DEGRADED_FOR,
    OPT_RESOLVE_AFTER,
    OPT_SPEND_WARN,
    OPT_WORKSPACE_TOKENS,
    OPT_RULE,
    OPT_WEBHOOK,
    OPT_COMMAND,
    OPT_JSON
};

/* The threshold options, in alert_rules.c's table order (seconds or a fraction). */
static const struct {
    const char *option;
    mm_alert_setting_id id;
    const char *json;
} THRESHOLDS[MM_ASET_COUNT] = {
    {"unreachable-for", MM_ASET_UNREACHABLE_FOR, "unreachable_for_seconds"},
    {"degraded-for", MM_ASET_DEGRADED_FOR, "degraded_for_seconds"},
    {"resolve-after", MM_ASET_RESOLVE_AFTER, "resolve_after_seconds"},
    {"spend-warn", MM_ASET_SPEND_WARN_RATIO, "spend_warn_ratio"},
    {"workspace-tokens", MM_ASET_WORKSPACE_TOKENS_RATIO, "workspace_tokens_ratio"},
};

static const cli_option config_options[] = {
    {"unreachable-for", "S", OPT_UNREACHABLE_FOR,
     "seconds an account stays unreachable before it fires (0 to 86400, default 0)"},
    {"degraded-for", "S", OPT_DEGRADED_FOR,
     "seconds an account stays degraded before it fires (0 to 86400, default 600)"},
    {"resolve-after", "S", OPT_RESOLVE_AFTER,
     "seconds a condition must stay false before its alert resolves (0 to 86400, default 120)"},
    {"spend-warn", "R", OPT_SPEND_WARN,
     "fraction of the monthly cap whose spend warns (0.01 to 1, default 0.8)"},
    {"workspace-tokens", "R", OPT_WORKSPACE_TOKENS,
     "fraction of a workspace's monthly tokens that warns (0.01 to 1, default 0.8)"},
    {"rule", "RULE", OPT_RULE, "--webhook/--command for this rule only (default: every rule)"},
    {"webhook", "URL", OPT_WEBHOOK, "POST each firing/resolved event's JSON there; 'none': off"},
    {"command", "CMD", OPT_COMMAND,
     "run CMD (sh -c) per event, JSON on stdin, MM_ALERT_* set; 'none': off"},
    {"json", NULL, OPT_JSON, "print JSON instead of text"},
    {NULL, NULL, 0, NULL},
};

static const cli_spec config_spec = {
    .command = "alerts config",
    .synopsis = "[--unreachable-for S] [--degraded-for S] [--resolve-after S]\n"
                "         [--spend-warn R] [--workspace-tokens R]\n"
                "         [--rule RULE] [--webhook URL|none] [--command CMD|none] [--json]",
    .description =
        "Shows the alert rules, their thresholds (catalog settings alerts.*) and deliveries;\n"
        "with options, checks every value first (nothing is saved if one is wrong) and saves\n"
        "them (audited). Rules: provider_unreachable, provider_degraded, spend_near_cap,\n"
        "spend_cap_reached, workspace_near_token_cap, model_all_targets_cooling. A webhook\n"
        "gets a JSON POST per event, retried 4 times with backoff (1, 2, 4 s); a command runs\n"
        "with the JSON on stdin. Each attempt is recorded ('mmadmin alerts deliveries'); the\n"
        "webhook is shown and recorded as its scheme and host only (its path may be a secret).",
    .options = config_options,
    .example = "mmadmin alerts config\n"
               "mmadmin alerts config --degraded-for 300 --spend-warn 0.9\n"
               "mmadmin alerts config --webhook https://hooks.example.com/T000/B000/XXXX\n"
               "mmadmin alerts config --rule provider_degraded --webhook none",
    .min_args = 0,
    .max_args = 0,
};

typedef struct changes {
    const char *threshold[MM_ASET_COUNT]; /* as given */
    double value[MM_ASET_COUNT];          /* as stored (ms or a fraction) */
    const char *rule, *webhook, *command;
    bool json, any;
} changes;

static mm_status parse_threshold(changes *c, int index, const char *text, mm_error *err)
{
    const mm_alert_setting *s = alert_setting(THRESHOLDS[index].id);
    char *end;
    double value = strtod(text, &end);
    if (*end || end == text || !isfinite(value))
        return mm_error_set(err, MM_E_INVALID, THRESHOLDS[index].option,
                            "--%s '%s' is not a number", THRESHOLDS[index].option, text);
    double stored = s->ratio ? value : round(value * 1000.0);
    if (!(stored >= s->min && stored <= s->max))
        return mm_error_set(err, MM_E_INVALID, THRESHOLDS[index].option,
                            "--%s '%s' is out of range: %g to %g%s", THRESHOLDS[index].option, text,
                            s->ratio ? s->min : s->min / 1000, s->ratio ? s->max : s->max / 1000,
                            s->ratio ? " (0.8 = 80%)" : " seconds");
    c->threshold[index] = text;
    c->value[index] = stored;
    return MM_OK;
}

static mm_status read_changes(cli_parser *p, changes *c, int *id, mm_error *err)
{
    while ((*id = cli_next_option(p)) > 0) {
        mm_status st = MM_OK;
        if (*id >= OPT_UNREACHABLE_FOR && *id <= OPT_WORKSPACE_TOKENS)
            st = parse_threshold(c, *id - OPT_UNREACHABLE_FOR, p->arg, err);
        else if (*id == OPT_RULE && alert_rule_parse(p->arg) == MM_ALERT_RULE_COUNT)
            st = mm_error_set(err, MM_E_INVALID, "rule",
                              "--rule '%s' is not a rule; 'mmadmin alerts config' lists them",
                              p->arg);
        else if (*id == OPT_RULE)
            c->rule = p->arg;
        else if (*id == OPT_WEBHOOK && strcmp(p->arg, "none") != 0)
            st = alert_webhook_validate(p->arg, err);
        else if (*id == OPT_COMMAND && (!*p->arg || strlen(p->arg) >= MM_ALERT_CHANNEL_MAX))
            st = mm_error_set(err, MM_E_INVALID, "command",
                              "--command is empty or too long (at most %d bytes)",
                              MM_ALERT_CHANNEL_MAX - 1);
        if (*id == OPT_WEBHOOK)
            c->webhook = p->arg;
        if (*id == OPT_COMMAND)
            c->command = p->arg;
        c->json |= *id == OPT_JSON;
        c->any |= *id != OPT_JSON;
        if (st != MM_OK)
            return st;
    }
    if (*id != CLI_STOP && c->rule && !c->webhook && !c->command)
        return mm_error_set(err, MM_E_INVALID, "rule",
                            "--rule names the rule --webhook or --command applies to; give one");
    return MM_OK;
}

static mm_status save(mm_catalog *cat, const changes *c, mm_error *err)
{
    mm_status st = MM_OK;
    for (int i = 0; i < MM_ASET_COUNT && st == MM_OK; i++) {
        if (!c->threshold[i])
            continue;
        char text[32];
        snprintf(text, sizeof text, "%.15g", c->value[i]);
        st = catalog_setting_set(cat, alert_setting(THRESHOLDS[i].id)->key, text, err);
    }
    const char *channels[2][2] = {{"webhook", c->webhook}, {"command", c->command}};
    for (int i = 0; i < 2 && st == MM_OK; i++) {
        if (!channels[i][1])
            continue;
        char key[96];
        if (c->rule)
            snprintf(key, sizeof key, "alerts.%s.%s", c->rule, channels[i][0]);
        else
            snprintf(key, sizeof key, "alerts.%s", channels[i][0]);
        st = catalog_setting_set(cat, key, channels[i][1], err);
    }
    return st;
}

/* The delivery of a rule as shown: webhook redacted, command's first word. */
static void describe_channels(const mm_alert_channels *ch, char *webhook, size_t wsz, char *command,
                              size_t csz)
{
    if (ch->webhook[0])
        alert_webhook_redact(ch->webhook, webhook, wsz);
    else
        snprintf(webhook, wsz, "-");
    if (ch->command[0])
        snprintf(command, csz, "%.*s", (int)strcspn(ch->command, " \t"), ch->command);
    else
        snprintf(command, csz, "-");
}

static int show(mm_catalog *cat, bool json)
{
    mm_alert_thresholds t;
    mm_error err = {0};
    if (alert_thresholds_load(cat, &t, &err) != MM_OK && err.status != MM_E_INVALID)
        return cli_report(&err);
    if (err.status == MM_E_INVALID)
        fprintf(stderr, "mmadmin: %s\n", err.message);
    double values[MM_ASET_COUNT] = {
        (double)t.unreachable_for_ms / 1000, (double)t.degraded_for_ms / 1000,
        (double)t.resolve_after_ms / 1000, t.spend_warn_ratio, t.workspace_tokens_ratio};
    json_t *root = json_object(), *rules = json_array();
    if (!json) {
        char lines[16][MM_ALERT_LINE_MAX];
        size_t n = alert_rules_describe(&t, lines, 16);
        for (size_t i = 0; i < n; i++)
            printf("%s\n", lines[i]);
        printf("\n%-27s %-40s %s\n", "RULE", "WEBHOOK", "COMMAND");
    }
    for (int i = 0; i < MM_ASET_COUNT; i++)
        json_object_set_new(root, THRESHOLDS[i].json, json_real(values[i]));
    for (int r = 0; r < MM_ALERT_RULE_COUNT; r++) {
        mm_alert_channels ch;
        if (alert_channels_load(cat, (mm_alert_rule)r, &ch, &err) != MM_OK) {
            json_decref(root);
            json_decref(rules);
            return cli_report(&err);
        }
        char webhook[MM_ALERT_TARGET_MAX], command[MM_ALERT_TARGET_MAX];
        describe_channels(&ch, webhook, sizeof webhook, command, sizeof command);
        if (json)
            json_array_append_new(
                rules, json_pack("{s:s,s:s,s:s,s:o,s:o}", "rule", alert_rule_name(r), "severity",
                                 alert_rule_severity(r), "summary", alert_rule_summary(r),
                                 "webhook", ch.webhook[0] ? json_string(webhook) : json_null(),
                                 "command", ch.command[0] ? json_string(command) : json_null()));
        else
            printf("%-27s %-40s %s\n", alert_rule_name(r), webhook, command);
    }
    json_object_set_new(root, "rules", rules);
    if (json)
        return cli_print_json(root);
    json_decref(root);
    return CLI_EXIT_OK;
}

int cli_alerts_config(cli_context *ctx, int argc, char **argv)
{
    cli_parser p;
    cli_parser_init(&p, &config_spec, argc, argv);
    changes c = {0};
    int id;
    mm_error err = {0};
    if (read_changes(&p, &c, &id, &err) != MM_OK) {
        cli_report(&err);
        fprintf(stderr, "mmadmin: nothing was saved; see 'mmadmin alerts config --help'\n");
        return mm_status_exit_code(err.status);
    }
    if (id == CLI_STOP)
        return p.exit_code;
    mm_catalog *cat = cli_catalog(ctx, &err);
    if (!cat)
        return cli_report(&err);
    if (c.any) {
        if (save(cat, &c, &err) != MM_OK)
            return cli_report(&err);
        if (!c.json)
            printf("alert settings saved; the monitor applies them within a second\n\n");
    }
    return show(cat, c.json);
}
