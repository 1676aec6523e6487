/* mmsim scenario files: strict parsing and validation of the JSON format (every error names
 * the field and says what is allowed), key checks, and freeing. */
#include "sim/sim_scenario.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const dialect_names[SIM_DIALECT_COUNT] = {
    "openai", "anthropic", "azure", "gemini", "cohere", "mistral", "compat"};

static const char *const fault_names[] = {
    "none",      "auth", "quota",       "rate_limit", "overloaded",   "server",      "hang",
    "malformed", "html", "bad_request", "no_usage",   "stream_break", "stream_stall"};

#define FAULT_COUNT (sizeof fault_names / sizeof fault_names[0])
#define DEFAULT_HANG_S 120

const char *sim_dialect_name(sim_dialect_id id)
{
    return id < SIM_DIALECT_COUNT ? dialect_names[id] : "?";
}

bool sim_dialect_parse(const char *name, size_t len, sim_dialect_id *id)
{
    for (size_t i = 0; i < SIM_DIALECT_COUNT; i++) {
        if (strlen(dialect_names[i]) == len && memcmp(dialect_names[i], name, len) == 0) {
            *id = (sim_dialect_id)i;
            return true;
        }
    }
    return false;
}

const char *sim_fault_name(sim_fault fault)
{
    return (size_t)fault < FAULT_COUNT ? fault_names[fault] : "?";
}

typedef struct parse_ctx {
    char *err;
    size_t errsz;
} parse_ctx;

__attribute__((format(printf, 2, 3))) static bool fail(parse_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->err, ctx->errsz, fmt, ap);
    va_end(ap);
    return false;
}

/* Refuses members not in allowed (catches typos such as "fault_rat"). */
static bool check_members(parse_ctx *ctx, json_t *obj, const char *where,
                          const char *const *allowed, const char *allowed_text)
{
    const char *name;
    json_t *value;
    json_object_foreach(obj, name, value)
    {
        bool known = false;
        for (size_t i = 0; allowed[i]; i++)
            known = known || strcmp(name, allowed[i]) == 0;
        if (!known)
            return fail(ctx, "%s: unknown field \"%s\" (allowed: %s)", where, name, allowed_text);
    }
    return true;
}

static bool read_number(parse_ctx *ctx, json_t *obj, const char *name, const char *where,
                        double min, double max, double *out)
{
    json_t *value = json_object_get(obj, name);
    if (!value)
        return true;
    if (!json_is_number(value))
        return fail(ctx, "%s.%s: must be a number", where, name);
    double number = json_number_value(value);
    if (number < min || number > max)
        return fail(ctx, "%s.%s: %g is out of range (%g to %g)", where, name, number, min, max);
    *out = number;
    return true;
}

static bool read_int(parse_ctx *ctx, json_t *obj, const char *name, const char *where, int min,
                     int max, int *out)
{
    json_t *value = json_object_get(obj, name);
    if (value && !json_is_integer(value))
        return fail(ctx, "%s.%s: must be a whole number", where, name);
    double number = *out;
    if (!read_number(ctx, obj, name, where, min, max, &number))
        return false;
    *out = (int)number;
    return true;
}

static bool read_bool(parse_ctx *ctx, json_t *obj, const char *name, const char *where, bool *out)
{
    json_t *value = json_object_get(obj, name);
    if (!value)
        return true;
    if (!json_is_boolean(value))
        return fail(ctx, "%s.%s: must be true or false", where, name);
    *out = json_is_true(value);
    return true;
}

static bool read_strings(parse_ctx *ctx, json_t *array, const char *where, char ***out,
                         size_t *count)
{
    if (!json_is_array(array))
        return fail(ctx, "%s: must be an array of strings", where);
    size_t n = json_array_size(array);
    *out = calloc(n ? n : 1, sizeof **out);
    if (!*out)
        return fail(ctx, "out of memory");
    *count = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *item = json_array_get(array, i);
        if (!json_is_string(item) || json_string_length(item) == 0)
            return fail(ctx, "%s[%zu]: must be a non-empty string", where, i);
        (*out)[i] = strdup(json_string_value(item));
        if (!(*out)[i])
            return fail(ctx, "out of memory");
        (*count)++;
    }
    return true;
}

static bool parse_fault(parse_ctx *ctx, json_t *obj, const char *where, sim_fault *fault)
{
    json_t *value = json_object_get(obj, "fault");
    if (!value)
        return true;
    const char *name = json_string_value(value);
    for (size_t i = 0; name && i < FAULT_COUNT; i++) {
        if (strcmp(name, fault_names[i]) == 0) {
            *fault = (sim_fault)i;
            return true;
        }
    }
    return fail(
        ctx,
        "%s.fault: unknown fault%s%s%s (use none, auth, quota, rate_limit, overloaded, "
        "server, hang, malformed, html, bad_request, no_usage, stream_break or stream_stall)",
        where, name ? " \"" : "", name ? name : "", name ? "\"" : "");
}

static bool parse_phase(parse_ctx *ctx, json_t *obj, const char *where, sim_phase *phase)
{
    static const char *const allowed[] = {"duration_s", "latency_ms", "jitter_ms",
                                          "fault",      "fault_rate", "retry_after_s",
                                          "hang_s",     "token_ms",   NULL};
    if (!json_is_object(obj))
        return fail(ctx, "%s: must be an object", where);
    if (!check_members(ctx, obj, where, allowed,
                       "duration_s, latency_ms, jitter_ms, fault, fault_rate, retry_after_s, "
                       "hang_s, token_ms"))
        return false;
    *phase = (sim_phase){.retry_after_s = -1, .hang_s = DEFAULT_HANG_S};
    if (!parse_fault(ctx, obj, where, &phase->fault))
        return false;
    phase->fault_rate = phase->fault == SIM_FAULT_NONE ? 0.0 : 1.0;
    return read_number(ctx, obj, "duration_s", where, 0, 1e9, &phase->duration_s) &&
           read_int(ctx, obj, "latency_ms", where, 0, 3600000, &phase->latency_ms) &&
           read_int(ctx, obj, "jitter_ms", where, 0, 3600000, &phase->jitter_ms) &&
           read_number(ctx, obj, "fault_rate", where, 0, 1, &phase->fault_rate) &&
           read_int(ctx, obj, "retry_after_s", where, 0, 86400, &phase->retry_after_s) &&
           read_int(ctx, obj, "hang_s", where, 0, 86400, &phase->hang_s) &&
           read_int(ctx, obj, "token_ms", where, 0, 60000, &phase->token_ms);
}

static bool parse_phases(parse_ctx *ctx, json_t *array, const char *where, sim_rule *rule)
{
    if (!json_is_array(array) || json_array_size(array) == 0)
        return fail(ctx, "%s.phases: must be a non-empty array of phase objects", where);
    rule->phases = calloc(json_array_size(array), sizeof *rule->phases);
    if (!rule->phases)
        return fail(ctx, "out of memory");
    for (size_t i = 0; i < json_array_size(array); i++) {
        char phase_where[96];
        snprintf(phase_where, sizeof phase_where, "%s.phases[%zu]", where, i);
        if (!parse_phase(ctx, json_array_get(array, i), phase_where, &rule->phases[i]))
            return false;
        rule->phase_count++;
        bool last = i + 1 == json_array_size(array);
        if (rule->phases[i].duration_s <= 0 && (rule->loop || !last))
            return fail(ctx,
                        "%s: needs a duration_s above 0 (only the last phase of a rule that "
                        "does not loop may last forever)",
                        phase_where);
    }
    return true;
}

static bool parse_rule(parse_ctx *ctx, json_t *obj, const char *where, sim_rule *rule)
{
    static const char *const allowed[] = {"prefix", "key", "loop", "max_page_size", "phases", NULL};
    if (!json_is_object(obj))
        return fail(ctx, "%s: must be an object", where);
    if (!check_members(ctx, obj, where, allowed, "prefix, key, loop, max_page_size, phases"))
        return false;
    json_t *prefix = json_object_get(obj, "prefix");
    if (!json_is_string(prefix) ||
        !sim_dialect_parse(json_string_value(prefix), json_string_length(prefix), &rule->prefix))
        return fail(ctx,
                    "%s.prefix: required, one of openai, anthropic, azure, gemini, cohere, "
                    "mistral, compat",
                    where);
    json_t *key = json_object_get(obj, "key");
    if (key && (!json_is_string(key) || json_string_length(key) == 0))
        return fail(ctx, "%s.key: must be a non-empty string", where);
    if (key && !(rule->key = strdup(json_string_value(key))))
        return fail(ctx, "out of memory");
    int page = 0;
    if (!read_bool(ctx, obj, "loop", where, &rule->loop) ||
        !read_int(ctx, obj, "max_page_size", where, 1, 100000, &page))
        return false;
    rule->max_page_size = (size_t)page;
    json_t *phases = json_object_get(obj, "phases");
    if (!phases)
        return fail(ctx, "%s.phases: required (a list of phases, e.g. [{\"fault\":\"server\"}])",
                    where);
    return parse_phases(ctx, phases, where, rule);
}

static bool parse_rules(parse_ctx *ctx, json_t *array, sim_scenario *scenario)
{
    if (!array)
        return true;
    if (!json_is_array(array))
        return fail(ctx, "rules: must be an array of rule objects");
    scenario->rules = calloc(json_array_size(array) + 1, sizeof *scenario->rules);
    if (!scenario->rules)
        return fail(ctx, "out of memory");
    for (size_t i = 0; i < json_array_size(array); i++) {
        char where[32];
        snprintf(where, sizeof where, "rules[%zu]", i);
        scenario->rule_count++;
        if (!parse_rule(ctx, json_array_get(array, i), where, &scenario->rules[i]))
            return false;
    }
    return true;
}

static bool parse_keys(parse_ctx *ctx, json_t *obj, sim_scenario *scenario)
{
    if (!obj)
        return true;
    if (!json_is_object(obj))
        return fail(ctx, "keys: must be an object such as {\"openai\": [\"sk-a\"]}");
    const char *name;
    json_t *value;
    json_object_foreach(obj, name, value)
    {
        sim_dialect_id id;
        if (!sim_dialect_parse(name, strlen(name), &id))
            return fail(ctx,
                        "keys.%s: unknown prefix (use openai, anthropic, azure, gemini, cohere, "
                        "mistral or compat)",
                        name);
        char where[48];
        snprintf(where, sizeof where, "keys.%s", name);
        sim_key_list *list = &scenario->keys[id];
        list->present = true;
        if (!read_strings(ctx, value, where, &list->keys, &list->count))
            return false;
    }
    return true;
}

static bool parse_options(parse_ctx *ctx, json_t *root, sim_scenario *scenario)
{
    double seed = (double)scenario->seed;
    int page = 0;
    int cohere_status = 401;
    if (json_object_get(root, "seed") && !json_is_integer(json_object_get(root, "seed")))
        return fail(ctx, "seed: must be a whole number");
    if (!read_number(ctx, root, "seed", "scenario", 0, 9007199254740991.0, &seed) ||
        !read_int(ctx, root, "max_page_size", "scenario", 1, 100000, &page) ||
        !read_bool(ctx, root, "compat_bare_array", "scenario", &scenario->compat_bare_array) ||
        !read_bool(ctx, root, "compat_vllm_errors", "scenario", &scenario->compat_vllm_errors) ||
        !read_bool(ctx, root, "compat_require_key", "scenario", &scenario->compat_require_key) ||
        !read_int(ctx, root, "cohere_invalid_status", "scenario", 401, 498, &cohere_status))
        return false;
    if (cohere_status != 401 && cohere_status != 498)
        return fail(ctx, "scenario.cohere_invalid_status: must be 401 or 498");
    scenario->seed = (uint64_t)seed;
    scenario->max_page_size = (size_t)page;
    scenario->cohere_invalid_status = (unsigned)cohere_status;
    json_t *deployments = json_object_get(root, "azure_deployments");
    if (deployments) {
        for (size_t i = 0; i < scenario->azure_deployment_count; i++)
            free(scenario->azure_deployments[i]);
        free(scenario->azure_deployments);
        scenario->azure_deployments = NULL;
        scenario->azure_deployment_count = 0;
        return read_strings(ctx, deployments, "azure_deployments", &scenario->azure_deployments,
                            &scenario->azure_deployment_count);
    }
    return true;
}

sim_scenario *sim_scenario_empty(uint64_t default_seed)
{
    static const char *const deployments[] = {"gpt-4o", "gpt-4o-mini", "text-embedding-3-small"};
    sim_scenario *scenario = calloc(1, sizeof *scenario);
    if (!scenario)
        return NULL;
    scenario->seed = default_seed;
    scenario->cohere_invalid_status = 401;
    scenario->source = json_object();
    scenario->azure_deployments = calloc(3, sizeof *scenario->azure_deployments);
    if (!scenario->source || !scenario->azure_deployments) {
        sim_scenario_free(scenario);
        return NULL;
    }
    for (size_t i = 0; i < 3; i++) {
        if (!(scenario->azure_deployments[i] = strdup(deployments[i]))) {
            sim_scenario_free(scenario);
            return NULL;
        }
        scenario->azure_deployment_count++;
    }
    return scenario;
}

sim_scenario *sim_scenario_parse(const char *text, size_t len, uint64_t default_seed, char *err,
                                 size_t errsz)
{
    static const char *const allowed[] = {"seed",
                                          "max_page_size",
                                          "keys",
                                          "rules",
                                          "azure_deployments",
                                          "compat_bare_array",
                                          "compat_vllm_errors",
                                          "compat_require_key",
                                          "cohere_invalid_status",
                                          NULL};
    parse_ctx ctx = {err, errsz};
    json_error_t json_err;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &json_err);
    if (!root) {
        fail(&ctx, "not valid JSON at line %d, column %d: %s", json_err.line, json_err.column,
             json_err.text);
        return NULL;
    }
    sim_scenario *scenario = sim_scenario_empty(default_seed);
    if (!scenario) {
        json_decref(root);
        fail(&ctx, "out of memory");
        return NULL;
    }
    json_decref(scenario->source);
    scenario->source = root;
    bool ok = json_is_object(root) ? true : fail(&ctx, "the scenario must be a JSON object");
    ok = ok &&
         check_members(&ctx, root, "scenario", allowed,
                       "seed, max_page_size, keys, rules, azure_deployments, "
                       "compat_bare_array, compat_vllm_errors, compat_require_key, "
                       "cohere_invalid_status") &&
         parse_options(&ctx, root, scenario) &&
         parse_keys(&ctx, json_object_get(root, "keys"), scenario) &&
         parse_rules(&ctx, json_object_get(root, "rules"), scenario);
    if (!ok) {
        sim_scenario_free(scenario);
        return NULL;
    }
    return scenario;
}

sim_scenario *sim_scenario_load_file(const char *path, uint64_t default_seed, char *err,
                                     size_t errsz)
{
    FILE *file = fopen(path, "rb");
    if (!file) {
        snprintf(err, errsz, "cannot open %s: %m", path);
        return NULL;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, file)) > 0) {
        if (len + got > cap) {
            cap = (len + got) * 2;
            char *grown = realloc(text, cap);
            if (!grown) {
                free(text);
                fclose(file);
                snprintf(err, errsz, "out of memory reading %s", path);
                return NULL;
            }
            text = grown;
        }
        memcpy(text + len, chunk, got);
        len += got;
    }
    bool read_error = ferror(file);
    fclose(file);
    if (read_error) {
        free(text);
        snprintf(err, errsz, "cannot read %s", path);
        return NULL;
    }
    char detail[400];
    sim_scenario *scenario =
        sim_scenario_parse(text ? text : "", len, default_seed, detail, sizeof detail);
    free(text);
    if (!scenario)
        snprintf(err, errsz, "%s: %s", path, detail);
    return scenario;
}

static void free_strings(char **items, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(items[i]);
    free(items);
}

void sim_scenario_free(sim_scenario *scenario)
{
    if (!scenario)
        return;
    json_decref(scenario->source);
    for (size_t i = 0; i < SIM_DIALECT_COUNT; i++)
        free_strings(scenario->keys[i].keys, scenario->keys[i].count);
    free_strings(scenario->azure_deployments, scenario->azure_deployment_count);
    for (size_t i = 0; i < scenario->rule_count; i++) {
        free(scenario->rules[i].key);
        free(scenario->rules[i].phases);
    }
    free(scenario->rules);
    free(scenario);
}

sim_key_verdict sim_scenario_check_key(const sim_scenario *scenario, sim_dialect_id prefix,
                                       const char *key, bool key_optional)
{
    const sim_key_list *list = &scenario->keys[prefix];
    if (!key || !*key)
        return key_optional && !list->present ? SIM_KEY_OK : SIM_KEY_MISSING;
    if (!list->present)
        return strncmp(key, "invalid", 7) == 0 ? SIM_KEY_INVALID : SIM_KEY_OK;
    for (size_t i = 0; i < list->count; i++) {
        if (strcmp(list->keys[i], key) == 0)
            return SIM_KEY_OK;
    }
    return SIM_KEY_INVALID;
}
