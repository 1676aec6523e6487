/* LiteLLM's config.yaml both ways: importing model_list (deployments → accounts and chains,
 * fallbacks → chain order, os.environ/VAR keys as env references) and saying what does not
 * map; writing one for the catalog (a model_list entry per target, `order` = the priority). */
#include "ascode/ascode_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "providers/provider.h"
#include "util/text.h"

static const json_t *find_by(const json_t *list, const char *key, const char *name)
{
    size_t i;
    const json_t *item;
    json_array_foreach(list, i, item)
    {
        const char *value = json_string_value(json_object_get(item, key));
        if (value && strcmp(value, name) == 0)
            return item;
    }
    return NULL;
}

/* LiteLLM's provider prefix for an mmadmin provider id. */
static const char *litellm_prefix(const char *provider)
{
    static const char *const map[][2] = {
        {"openai", "openai"},
        {"azure-openai", "azure"},
        {"anthropic", "anthropic"},
        {"gemini", "gemini"},
        {"mistral", "mistral"},
        {"cohere", "cohere_chat"},
        {"openai-compatible", "openai"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i][0], provider) == 0)
            return map[i][1];
    return provider;
}

/* The catalog's media prices as LiteLLM's model_info keys (its custom pricing per
 * deployment): input_cost_per_image, input_cost_per_second, input_cost_per_character. */
static void media_costs(const json_t *price, json_t *info)
{
    static const char *const KEYS[3][2] = {{"per_image", "input_cost_per_image"},
                                           {"per_second", "input_cost_per_second"},
                                           {"per_character", "input_cost_per_character"}};
    for (size_t i = 0; price && i < 3; i++) {
        const json_t *v = json_object_get(price, KEYS[i][0]);
        if (json_is_number(v) && json_number_value(v) > 0)
            json_object_set_new(info, KEYS[i][1], json_real(json_number_value(v)));
    }
}

/* The picture's price of one provider model, or NULL. */
static const json_t *price_of(const json_t *picture, const char *provider, const char *model)
{
    size_t i;
    const json_t *p;
    json_array_foreach(json_object_get(picture, "prices"), i, p)
    {
        const char *pp = json_string_value(json_object_get(p, "provider"));
        const char *pm = json_string_value(json_object_get(p, "model"));
        if (pp && pm && provider && model && !strcmp(pp, provider) && !strcmp(pm, model))
            return p;
    }
    return NULL;
}

static json_t *deployment(const json_t *model, const json_t *target, const json_t *account,
                          const json_t *price, size_t order)
{
    const char *provider = json_string_value(json_object_get(account, "provider"));
    char name[512];
    snprintf(name, sizeof name, "%s/%s", litellm_prefix(provider ? provider : ""),
             json_string_value(json_object_get(target, "model")));
    json_t *params = json_pack("{s:s}", "model", name);
    const json_t *endpoint = json_object_get(account, "endpoint");
    if (endpoint)
        json_object_set(params, "api_base", (json_t *)endpoint);
    const json_t *version = json_object_get(account, "api_version");
    if (version)
        json_object_set(params, "api_version", (json_t *)version);
    const char *key = json_string_value(json_object_get(account, "api_key"));
    if (key && strncmp(key, "env:", 4) == 0) {
        char ref[256];
        snprintf(ref, sizeof ref, "os.environ/%s", key + 4);
        json_object_set_new(params, "api_key", json_string(ref));
    }
    static const char *const limits[] = {"rpm", "tpm"};
    for (size_t i = 0; i < 2; i++)
        if (json_object_get(account, limits[i]))
            json_object_set(params, limits[i], json_object_get(account, limits[i]));
    json_object_set_new(params, "order", json_integer((json_int_t)order));
    json_t *entry = json_pack("{s:O, s:o}", "model_name", json_object_get(model, "name"),
                              "litellm_params", params);
    json_t *info = json_object();
    const char *type = json_string_value(json_object_get(model, "type"));
    if (type && strcmp(type, "embedding") == 0)
        json_object_set_new(info, "mode", json_string("embedding"));
    else if (type && strcmp(type, "image") == 0)
        json_object_set_new(info, "mode", json_string("image_generation"));
    media_costs(price, info);
    if (json_object_size(info) > 0)
        json_object_set_new(entry, "model_info", info);
    else
        json_decref(info);
    return entry;
}

/* One model_list entry per target of model, in chain order. */
static void model_deployments(const json_t *picture, const json_t *model, json_t *list)
{
    size_t j;
    const json_t *target;
    json_array_foreach(json_object_get(model, "targets"), j, target)
    {
        const json_t *account = find_by(json_object_get(picture, "accounts"), "name",
                                        json_string_value(json_object_get(target, "account")));
        if (!account)
            continue;
        const json_t *price =
            price_of(picture, json_string_value(json_object_get(account, "provider")),
                     json_string_value(json_object_get(target, "model")));
        json_array_append_new(list, deployment(model, target, account, price, j + 1));
    }
}

mm_status asc_litellm_export(const json_t *picture, json_t **out, mm_error *err)
{
    json_t *list = json_array();
    size_t i;
    const json_t *model;
    json_array_foreach(json_object_get(picture, "models"), i, model)
        model_deployments(picture, model, list);
    *out = json_pack("{s:o, s:{s:b}}", "model_list", list, "router_settings",
                     "enable_pre_call_checks", 1);
    if (!*out)
        return mm_error_set(err, MM_E_INTERNAL, "", "out of memory writing the LiteLLM config");
    return MM_OK;
}

/* ================= import ================= */

#define ENV_PREFIX "os.environ/"

typedef struct importer {
    asc_doc *doc;
    asc_report *report;
    json_t *accounts, *models; /* the translation */
    const json_t *existing;    /* the catalog's accounts (picture), or NULL */
} importer;

/* mmadmin's provider for a LiteLLM model string: "azure/gpt-4o" → azure-openai, model
 * "gpt-4o". No prefix: LiteLLM guesses from the name; we do for OpenAI and Anthropic ids. */
static const char *provider_of(const char *model, bool has_base, const char **rest)
{
    static const char *const map[][2] = {
        {"openai", "openai"},       {"azure", "azure-openai"},
        {"anthropic", "anthropic"}, {"gemini", "gemini"},
        {"mistral", "mistral"},     {"cohere", "cohere"},
        {"cohere_chat", "cohere"},  {"hosted_vllm", "openai-compatible"},
    };
    const char *slash = strchr(model, '/');
    *rest = slash ? slash + 1 : model;
    if (!slash) {
        if (!strncmp(model, "gpt-", 4) || !strncmp(model, "dall-e", 6) ||
            !strncmp(model, "text-embedding-", 15) || !strncmp(model, "o1", 2) ||
            !strncmp(model, "o3", 2) || !strncmp(model, "o4", 2))
            return "openai";
        return !strncmp(model, "claude-", 7) ? "anthropic" : NULL;
    }
    size_t len = (size_t)(slash - model);
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strlen(map[i][0]) == len && !strncmp(map[i][0], model, len))
            return strcmp(map[i][1], "openai") == 0 && has_base ? "openai-compatible" : map[i][1];
    return NULL;
}

/* model_name as an mmadmin name: lower case, other characters as '-'. */
static void logical_name(const char *in, char *out, size_t outsz)
{
    size_t n = 0;
    for (; *in && n + 1 < outsz; in++) {
        unsigned char c = (unsigned char)tolower((unsigned char)*in);
        bool kept = isalnum(c) || c == '.' || c == '_' || c == '-';
        out[n] = kept ? (char)c : '-';
        n++;
    }
    out[n] = '\0';
}

/* A text parameter: a string, a number written plainly, or os.environ/VAR (read now). */
static bool text_param(importer *im, const json_t *v, const char *what, char *out, size_t outsz)
{
    out[0] = '\0';
    if (!v || json_is_null(v))
        return true;
    char buf[64];
    const char *s = json_string_value(v);
    if (json_is_integer(v) || json_is_real(v)) {
        snprintf(buf, sizeof buf, "%g", json_number_value(v));
        s = buf;
    }
    if (!s) {
        asc_report_note(im->report, im->doc, v, "%s is not text; the deployment is skipped", what);
        return false;
    }
    if (!strncmp(s, ENV_PREFIX, strlen(ENV_PREFIX))) {
        const char *var = s + strlen(ENV_PREFIX), *value = getenv(var);
        if (!value || !value[0]) {
            asc_report_note(im->report, im->doc, v,
                            "%s comes from $%s, which is not set; the deployment is skipped", what,
                            var);
            return false;
        }
        s = value;
    }
    if (!mm_copy(out, outsz, s)) {
        asc_report_note(im->report, im->doc, v, "%s is too long; the deployment is skipped", what);
        return false;
    }
    return true;
}

/* rpm / tpm: a number, or digits with '_' (YAML 1.1's 80_000 in LiteLLM's own examples). */
static int64_t limit_param(const json_t *params, const json_t *entry, const char *key)
{
    const json_t *v = json_object_get(params, key);
    if (!v)
        v = json_object_get(entry, key);
    if (json_is_integer(v))
        return json_integer_value(v);
    const char *s = json_string_value(v);
    int64_t n = 0;
    for (; s && *s; s++) {
        if (*s == '_')
            continue;
        if (!isdigit((unsigned char)*s) || n > INT64_MAX / 10)
            return MM_LIMIT_UNSET;
        n = n * 10 + (*s - '0');
    }
    return n;
}

typedef struct deployment_want {
    mm_account acc;
    char key_ref[MM_NAME_MAX + 16]; /* "env:VAR" or "" */
    char provider_model[MM_PROVIDER_MODEL_MAX];
    const json_t *at;
} deployment_want;

static const char *const MAPPED_PARAMS[] = {"model", "api_base", "api_version", "api_key",
                                            "rpm",   "tpm",      "order",       NULL};

static void note_unmapped_params(importer *im, const json_t *params, const char *name)
{
    char list[512] = "";
    size_t n = 0;
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)params, key, value)
    {
        size_t i = 0;
        while (MAPPED_PARAMS[i] && strcmp(MAPPED_PARAMS[i], key) != 0)
            i++;
        if (!MAPPED_PARAMS[i] && n < sizeof list)
            n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "", key);
    }
    if (n)
        asc_report_note(im->report, im->doc, params,
                        "not mapped for %s: litellm_params %s (mmadmin has no such setting)", name,
                        list);
}

/* The variable LiteLLM reads a provider's key from when api_key is not given. */
static const char *default_key_env(const char *provider)
{
    static const char *const map[][2] = {
        {"openai", "OPENAI_API_KEY"},       {"azure-openai", "AZURE_API_KEY"},
        {"anthropic", "ANTHROPIC_API_KEY"}, {"gemini", "GEMINI_API_KEY"},
        {"mistral", "MISTRAL_API_KEY"},     {"cohere", "COHERE_API_KEY"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i][0], provider) == 0)
            return map[i][1];
    return NULL;
}

static bool key_param(importer *im, const json_t *v, deployment_want *d, bool requires_key,
                      const char *name)
{
    const char *s = json_string_value(v);
    if (!v || json_is_null(v)) {
        const char *env = requires_key ? default_key_env(d->acc.provider) : NULL;
        if (env) {
            snprintf(d->key_ref, sizeof d->key_ref, "env:%s", env);
            asc_report_note(im->report, im->doc, d->at,
                            "%s has no api_key: its key is read from $%s, as LiteLLM does", name,
                            env);
        }
        return true;
    }
    if (s && !strncmp(s, ENV_PREFIX, strlen(ENV_PREFIX))) {
        snprintf(d->key_ref, sizeof d->key_ref, "env:%s", s + strlen(ENV_PREFIX));
        return true;
    }
    asc_report_note(im->report, im->doc, v,
                    "the api_key of %s is written in clear: keys never come from files — %s; "
                    "write it as os.environ/VARIABLE",
                    name,
                    requires_key ? "the deployment is skipped" : "it is left out (not needed)");
    return !requires_key;
}

/* One model_list entry → the account and target it needs; false (with a note) when skipped. */
static bool read_deployment(importer *im, const json_t *entry, const char *name, deployment_want *d)
{
    memset(d, 0, sizeof *d);
    mm_account_init(&d->acc);
    const json_t *params = json_object_get(entry, "litellm_params");
    const char *model = json_string_value(json_object_get(params, "model"));
    d->at = entry;
    if (!model) {
        asc_report_note(im->report, im->doc, entry, "%s has no litellm_params.model; skipped",
                        name);
        return false;
    }
    char base[MM_URL_MAX];
    if (!text_param(im, json_object_get(params, "api_base"), "api_base", base, sizeof base))
        return false;
    const char *rest;
    const char *provider = provider_of(model, base[0] != '\0', &rest);
    if (!provider || !rest[0] || strchr(rest, '*')) {
        asc_report_note(im->report, im->doc, json_object_get(params, "model"),
                        "not mapped: %s's model '%s' (%s); skipped", name, model,
                        !provider  ? "a provider mmadmin does not call"
                        : !rest[0] ? "no model or deployment name"
                                   : "wildcard routing");
        return false;
    }
    mm_copy(d->acc.provider, sizeof d->acc.provider, provider);
    mm_copy(d->acc.endpoint, sizeof d->acc.endpoint, base);
    if (!text_param(im, json_object_get(params, "api_version"), "api_version", d->acc.api_version,
                    sizeof d->acc.api_version) ||
        !mm_copy(d->provider_model, sizeof d->provider_model, rest))
        return false;
    const mm_provider_info *info = provider_find(provider);
    if (!d->acc.api_version[0] && info && info->default_api_version) {
        mm_copy(d->acc.api_version, sizeof d->acc.api_version, info->default_api_version);
        asc_report_note(im->report, im->doc, entry,
                        "%s has no api_version: %s is used (mmadmin's default for %s)", name,
                        info->default_api_version, info->display_name);
    }
    d->acc.rpm = limit_param(params, entry, "rpm");
    d->acc.tpm = limit_param(params, entry, "tpm");
    if (!key_param(im, json_object_get(params, "api_key"), d, info && info->requires_key, name))
        return false;
    mm_error e = {0};
    snprintf(d->acc.name, sizeof d->acc.name, "%s", provider);
    if (catalog_account_validate(&d->acc, NULL, &e) != MM_OK) {
        asc_report_note(im->report, im->doc, entry, "%s cannot be an account: %s; skipped", name,
                        e.message);
        return false;
    }
    note_unmapped_params(im, params, name);
    return true;
}

static bool same_account(const json_t *acc, const deployment_want *d)
{
    const char *fields[][2] = {{"provider", d->acc.provider},
                               {"endpoint", d->acc.endpoint},
                               {"api_version", d->acc.api_version},
                               {"api_key", d->key_ref}};
    for (size_t i = 0; i < 4; i++) {
        const char *have = json_string_value(json_object_get(acc, fields[i][0]));
        if (strcmp(have ? have : "", fields[i][1]) != 0)
            return false;
    }
    return true;
}

static void set_if(json_t *obj, const char *key, const char *value, const json_t *like,
                   importer *im)
{
    if (!value[0])
        return;
    json_t *v = json_string(value);
    json_object_set_new(obj, key, v);
    asc_doc_alias(im->doc, v, like);
}

static bool same_place(const json_t *acc, const deployment_want *d)
{
    const char *fields[][2] = {{"provider", d->acc.provider},
                               {"endpoint", d->acc.endpoint},
                               {"api_version", d->acc.api_version}};
    for (size_t i = 0; i < 3; i++) {
        const char *have = json_string_value(json_object_get(acc, fields[i][0]));
        if (strcmp(have ? have : "", fields[i][1]) != 0)
            return false;
    }
    return true;
}

static void note_limits(importer *im, const json_t *acc, const deployment_want *d)
{
    static const char *const keys[] = {"rpm", "tpm"};
    const int64_t values[] = {d->acc.rpm, d->acc.tpm};
    for (size_t i = 0; i < 2; i++) {
        const json_t *have = json_object_get(acc, keys[i]);
        if (values[i] && (!have || json_integer_value(have) != values[i]))
            asc_report_note(im->report, im->doc, d->at,
                            "%s %lld of this deployment is not the %s of account '%s' (%s): "
                            "mmadmin's limits are per account, the first deployment's is kept",
                            keys[i], (long long)values[i], keys[i],
                            json_string_value(json_object_get(acc, "name")),
                            have ? "set by an earlier deployment" : "none");
    }
}

static bool name_taken(importer *im, const char *name)
{
    const json_t *lists[] = {im->accounts, im->existing};
    for (size_t l = 0; l < 2; l++) {
        size_t i;
        const json_t *acc;
        json_array_foreach(lists[l], i, acc)
        {
            if (!strcmp(json_string_value(json_object_get(acc, "name")), name))
                return true;
        }
    }
    return false;
}

static json_t *new_account(importer *im, const deployment_want *d, const char *reuse)
{
    char name[MM_NAME_MAX];
    snprintf(name, sizeof name, "%s", reuse ? reuse : d->acc.provider);
    for (int n = 2; !reuse && name_taken(im, name) && n < 1000; n++)
        snprintf(name, sizeof name, "%s-%d", d->acc.provider, n);
    json_t *acc = json_pack("{s:s, s:s}", "name", name, "provider", d->acc.provider);
    asc_doc_alias(im->doc, acc, d->at);
    set_if(acc, "endpoint", d->acc.endpoint, d->at, im);
    set_if(acc, "api_version", d->acc.api_version, d->at, im);
    set_if(acc, "api_key", d->key_ref, d->at, im);
    if (d->acc.rpm)
        json_object_set_new(acc, "rpm", json_integer(d->acc.rpm));
    if (d->acc.tpm)
        json_object_set_new(acc, "tpm", json_integer(d->acc.tpm));
    json_array_append_new(im->accounts, acc);
    return acc;
}

/* The account for d: one this import made with the same provider, endpoint, version and key;
 * else the catalog's account at the same place (its key and limits then follow the config);
 * else a new one named after the provider (openai, openai-2, ...). */
static const char *account_for(importer *im, const deployment_want *d)
{
    size_t i;
    json_t *acc;
    json_array_foreach(im->accounts, i, acc)
    {
        if (same_account(acc, d)) {
            note_limits(im, acc, d);
            return json_string_value(json_object_get(acc, "name"));
        }
    }
    const char *reuse = NULL;
    json_array_foreach(im->existing, i, acc)
    {
        const char *name = json_string_value(json_object_get(acc, "name"));
        if (!reuse && same_place(acc, d) && !find_by(im->accounts, "name", name))
            reuse = name;
    }
    acc = new_account(im, d, reuse);
    return json_string_value(json_object_get(acc, "name"));
}

/* model_info.mode; without it, what the model id says (LiteLLM looks it up in its model map). */
static const char *model_type(const json_t *entry, const char *provider_model)
{
    const char *mode =
        json_string_value(json_object_get(json_object_get(entry, "model_info"), "mode"));
    if (!mode && strstr(provider_model, "embed"))
        return "embedding";
    if (!mode)
        return strncmp(provider_model, "dall-e", 6) == 0 ? "image" : "chat";
    if (!strcmp(mode, "embedding"))
        return "embedding";
    if (!strcmp(mode, "image_generation"))
        return "image";
    if (!strncmp(mode, "audio", 5))
        return "audio";
    return "chat";
}

static json_t *model_for(importer *im, const json_t *entry, const char *name,
                         const char *provider_model)
{
    json_t *model = (json_t *)find_by(im->models, "name", name);
    if (model)
        return model;
    model = json_pack("{s:s, s:s, s:[]}", "name", name, "type", model_type(entry, provider_model),
                      "targets");
    asc_doc_alias(im->doc, model, entry);
    asc_doc_alias(im->doc, json_object_get(model, "name"), json_object_get(entry, "model_name"));
    json_array_append_new(im->models, model);
    return model;
}

static void add_target(importer *im, json_t *model, const char *account, const char *provider_model,
                       const json_t *at)
{
    json_t *targets = json_object_get(model, "targets");
    size_t i;
    json_t *t;
    json_array_foreach(targets, i, t)
    {
        if (!strcmp(json_string_value(json_object_get(t, "account")), account) &&
            !strcmp(json_string_value(json_object_get(t, "model")), provider_model))
            return; /* the same target twice (a fallback to a model sharing it) */
    }
    t = json_pack("{s:s, s:s}", "account", account, "model", provider_model);
    asc_doc_alias(im->doc, t, at);
    asc_doc_alias(im->doc, json_object_get(t, "account"), at);
    json_array_append_new(targets, t);
}

/* Deployments of one model_name in LiteLLM's `order` (lowest first), then file order. */
static int64_t order_of(const json_t *entry)
{
    const json_t *order = json_object_get(json_object_get(entry, "litellm_params"), "order");
    return json_is_integer(order) ? json_integer_value(order) : INT64_MAX;
}

static void import_entry(importer *im, const json_t *entry)
{
    const char *raw = json_string_value(json_object_get(entry, "model_name"));
    if (!json_is_object(entry) || !raw) {
        asc_report_note(im->report, im->doc, entry,
                        "a model_list entry without model_name; skipped");
        return;
    }
    if (strchr(raw, '*')) {
        asc_report_note(im->report, im->doc, entry,
                        "not mapped: model_name '%s' (wildcard routing); skipped", raw);
        return;
    }
    char name[MM_NAME_MAX];
    logical_name(raw, name, sizeof name);
    mm_error e = {0};
    if (catalog_validate_name("model", name, &e) != MM_OK) {
        asc_report_note(im->report, im->doc, entry, "model_name '%s': %s; skipped", raw, e.message);
        return;
    }
    if (strcmp(name, raw) != 0)
        asc_report_note(im->report, im->doc, json_object_get(entry, "model_name"),
                        "model_name '%s' is the logical model '%s'", raw, name);
    deployment_want d;
    if (!read_deployment(im, entry, raw, &d))
        return;
    json_t *model = model_for(im, entry, name, d.provider_model);
    add_target(im, model, account_for(im, &d), d.provider_model, entry);
}

static void import_model_list(importer *im, const json_t *list)
{
    size_t n = json_array_size(list), i;
    const json_t **entries = calloc(n + 1, sizeof *entries);
    for (i = 0; entries && i < n; i++)
        entries[i] = json_array_get(list, i);
    /* insertion sort by order, keeping file order among equals */
    for (i = 1; entries && i < n; i++) {
        const json_t *e = entries[i];
        size_t j = i;
        while (j > 0 && order_of(entries[j - 1]) > order_of(e)) {
            entries[j] = entries[j - 1];
            j--;
        }
        entries[j] = e;
    }
    for (i = 0; entries && i < n; i++)
        import_entry(im, entries[i]);
    free(entries);
}

/* fallbacks: [{"a": ["b", "c"]}] → a's chain continues with b's targets, then c's. */
static void import_fallbacks(importer *im, const json_t *fallbacks)
{
    size_t i, j;
    const json_t *rule, *to;
    json_array_foreach(fallbacks, i, rule)
    {
        const char *from_raw;
        json_t *list;
        json_object_foreach((json_t *)rule, from_raw, list)
        {
            char from[MM_NAME_MAX];
            logical_name(from_raw, from, sizeof from);
            json_t *model = (json_t *)find_by(im->models, "name", from);
            if (!model) {
                asc_report_note(im->report, im->doc, list,
                                "fallbacks of '%s': no such model was imported", from_raw);
                continue;
            }
            json_array_foreach(list, j, to)
            {
                char name[MM_NAME_MAX];
                logical_name(json_string_value(to) ? json_string_value(to) : "", name, sizeof name);
                const json_t *other = find_by(im->models, "name", name);
                size_t k;
                const json_t *t;
                json_array_foreach(json_object_get(other, "targets"), k, t)
                    add_target(im, model, json_string_value(json_object_get(t, "account")),
                               json_string_value(json_object_get(t, "model")), to);
                if (!other)
                    asc_report_note(im->report, im->doc, to,
                                    "fallback '%s' of '%s': no such model was imported",
                                    json_string_value(to) ? json_string_value(to) : "?", from_raw);
            }
        }
    }
}

static void note_sections(importer *im, const json_t *root)
{
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)root, key, value)
    {
        if (!strcmp(key, "model_list"))
            continue;
        if (!strcmp(key, "router_settings") || !strcmp(key, "litellm_settings")) {
            const char *sub;
            json_t *v;
            json_object_foreach(value, sub, v)
            {
                if (strcmp(sub, "fallbacks") != 0) /* true/false/null have no place of their own */
                    asc_report_note(im->report, im->doc,
                                    json_is_boolean(v) || json_is_null(v) ? value : v,
                                    "not mapped: %s.%s", key, sub);
            }
            continue;
        }
        asc_report_note(im->report, im->doc, value, "not mapped: %s", key);
    }
}

mm_status asc_litellm_import(asc_doc *doc, const json_t *existing, asc_report *report,
                             mm_error *err)
{
    const json_t *root = doc->root;
    const json_t *list = json_object_get(root, "model_list");
    if (!json_is_object(root) || !json_is_array(list)) {
        asc_report_error(report, doc, root, "a LiteLLM config has a model_list (a list)");
        return mm_error_set(err, MM_E_INVALID, "file", "this is not a LiteLLM config");
    }
    importer im = {doc, report, json_array(), json_array(), existing};
    import_model_list(&im, list);
    import_fallbacks(&im, json_object_get(json_object_get(root, "router_settings"), "fallbacks"));
    import_fallbacks(&im, json_object_get(json_object_get(root, "litellm_settings"), "fallbacks"));
    note_sections(&im, root);
    size_t i;
    const json_t *model;
    json_array_foreach(im.models, i, model)
    {
        if (json_array_size(json_object_get(model, "targets")) > 1)
            asc_report_note(report, doc, model,
                            "model '%s': LiteLLM balances its deployments; mmadmin tries them "
                            "in this order (litellm_params.order, then file order)",
                            json_string_value(json_object_get(model, "name")));
    }
    json_t *tree = json_pack("{s:i, s:o, s:o}", "mmadmin", ASC_FORMAT_VERSION, "accounts",
                             im.accounts, "models", im.models);
    if (!tree)
        return mm_error_set(err, MM_E_INTERNAL, "", "out of memory importing the config");
    doc->source = doc->root;
    doc->root = tree;
    asc_doc_sort(doc);
    return MM_OK;
}
