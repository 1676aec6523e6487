/* Checking a catalog file: its shape (known fields, types, required names, no duplicates), key
 * references (env:VAR or keep — never a key in clear), the catalog's own rules through
 * catalog_*_validate, and references (targets, entitlements) — every error with its position. */
#include "ascode/ascode_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/chain_rules.h"
#include "health/health.h"
#include "providers/provider.h"
#include "router/router.h"
#include "util/text.h"
#include "util/wipe.h"

typedef enum { F_TEXT, F_INT, F_BOOL, F_NUMBER, F_LIST, F_MAP } field_type;

typedef struct field {
    const char *name;
    field_type type;
} field;

static const field ROOT_FIELDS[] = {
    {"mmadmin", F_INT}, {"accounts", F_LIST}, {"models", F_LIST}, {"workspaces", F_LIST},
    {"prices", F_LIST}, {"settings", F_MAP},  {NULL, 0}};
static const field ACCOUNT_FIELDS[] = {{"name", F_TEXT},
                                       {"provider", F_TEXT},
                                       {"endpoint", F_TEXT},
                                       {"api_version", F_TEXT},
                                       {"ca_bundle", F_TEXT},
                                       {"api_key", F_TEXT},
                                       {"rpm", F_INT},
                                       {"tpm", F_INT},
                                       {"monthly_cap_cents", F_INT},
                                       {"enabled", F_BOOL},
                                       {"disabled_reason", F_TEXT},
                                       {NULL, 0}};
static const field MODEL_FIELDS[] = {
    {"name", F_TEXT}, {"type", F_TEXT}, {"description", F_TEXT}, {"targets", F_LIST}, {NULL, 0}};
static const field TARGET_FIELDS[] = {{"account", F_TEXT}, {"model", F_TEXT}, {NULL, 0}};
static const field WORKSPACE_FIELDS[] = {
    {"name", F_TEXT}, {"description", F_TEXT}, {"entitlements", F_LIST}, {NULL, 0}};
static const field ENTITLEMENT_FIELDS[] = {
    {"model", F_TEXT}, {"rpm", F_INT}, {"tpm", F_INT}, {"monthly_tokens", F_INT}, {NULL, 0}};
static const field PRICE_FIELDS[] = {{"provider", F_TEXT},
                                     {"model", F_TEXT},
                                     {"input_per_mtok", F_NUMBER},
                                     {"output_per_mtok", F_NUMBER},
                                     {"cache_read_per_mtok", F_NUMBER},
                                     {"cache_write_per_mtok", F_NUMBER},
                                     {"per_image", F_NUMBER},
                                     {"per_second", F_NUMBER},
                                     {"per_character", F_NUMBER},
                                     {"source", F_TEXT},
                                     {NULL, 0}};

typedef struct checker {
    mm_catalog *cat;
    const asc_doc *doc;
    asc_report *report;
    bool prune;
} checker;

static const char *type_name(field_type t)
{
    static const char *const names[] = {"text",     "a whole number", "true or false",
                                        "a number", "a list",         "a mapping"};
    return names[t];
}

static bool type_fits(field_type t, const json_t *v)
{
    switch (t) {
    case F_TEXT:
        return json_is_string(v) || json_is_null(v);
    case F_INT:
        return json_is_integer(v) || json_is_null(v);
    case F_BOOL:
        return json_is_boolean(v);
    case F_NUMBER:
        return json_is_number(v) || json_is_null(v);
    case F_LIST:
        return json_is_array(v) || json_is_null(v);
    case F_MAP:
        return json_is_object(v) || json_is_null(v);
    }
    return false;
}

static void accepted_list(const field *fields, char *out, size_t outsz)
{
    size_t n = 0;
    out[0] = '\0';
    for (const field *f = fields; f->name && n < outsz; f++)
        n += (size_t)snprintf(out + n, outsz - n, "%s%s", n ? ", " : "", f->name);
}

/* Where to place a message about value, a field of obj: the value, or obj itself for true,
 * false and null (jansson singletons, without a place of their own). */
static const json_t *where(const json_t *obj, const json_t *value)
{
    return value && !json_is_boolean(value) && !json_is_null(value) ? value : obj;
}

/* Unknown fields and wrong types of one mapping; false when what is not a mapping. */
static bool check_fields(checker *c, const json_t *obj, const field *fields, const char *what)
{
    if (!json_is_object(obj)) {
        asc_report_error(c->report, c->doc, obj, "%s must be a mapping of fields", what);
        return false;
    }
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)obj, key, value)
    {
        const field *f = fields;
        while (f->name && strcmp(f->name, key) != 0)
            f++;
        if (!f->name) {
            char accepted[512];
            accepted_list(fields, accepted, sizeof accepted);
            asc_report_error(c->report, c->doc, where(obj, value),
                             "unknown field '%s' in %s (accepted: %s)", key, what, accepted);
        } else if (!type_fits(f->type, value)) {
            asc_report_error(c->report, c->doc, where(obj, value), "%s of %s must be %s", key, what,
                             type_name(f->type));
        }
    }
    return true;
}

static const char *text_of(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : "";
}

static int64_t int_of(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_integer(v) ? json_integer_value(v) : MM_LIMIT_UNSET;
}

/* Copies a text field; too long is an error at the field. */
static void copy_text(checker *c, const json_t *obj, const char *key, char *dst, size_t dstsz,
                      const char *what)
{
    const char *s = text_of(obj, key);
    if (!mm_copy(dst, dstsz, s))
        asc_report_error(c->report, c->doc, json_object_get(obj, key),
                         "%s of %s is longer than %zu characters", key, what, dstsz - 1);
}

/* A catalog rule's refusal, placed at the field it names (else at the object). */
static void rule_error(checker *c, const json_t *obj, const mm_error *e)
{
    asc_report_error(c->report, c->doc, where(obj, json_object_get(obj, e->field)), "%s",
                     e->message);
}

static bool required(checker *c, const json_t *obj, const char *key, const char *what)
{
    if (text_of(obj, key)[0])
        return true;
    asc_report_error(c->report, c->doc, obj, "%s needs a %s", what, key);
    return false;
}

static bool duplicate(checker *c, const json_t *list, size_t upto, const json_t *item,
                      const char *key, const char *key2, const char *what)
{
    for (size_t i = 0; i < upto; i++) {
        const json_t *other = json_array_get(list, i);
        if (strcmp(text_of(other, key), text_of(item, key)) == 0 &&
            (!key2 || strcmp(text_of(other, key2), text_of(item, key2)) == 0)) {
            int line = 0, column = 0;
            asc_doc_position(c->doc, other, &line, &column);
            asc_report_error(c->report, c->doc, json_object_get(item, key),
                             "%s '%s' appears twice (first at line %d)", what, text_of(item, key),
                             line);
            return true;
        }
    }
    return false;
}

/* ---- accounts ---- */

static bool env_name_ok(const char *s)
{
    if (!s[0] || isdigit((unsigned char)s[0]))
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return false;
    return true;
}

static void check_key(checker *c, const json_t *obj, asc_want_account *w, bool exists)
{
    const json_t *v = json_object_get(obj, "api_key");
    const char *ref = json_string_value(v);
    const mm_provider_info *info = provider_find(w->acc.provider);
    if (!ref || strcmp(ref, "keep") == 0) {
        if (!exists && info && info->requires_key)
            asc_report_error(c->report, c->doc, v ? v : obj,
                             "account '%s' is new and %s needs a key: write api_key: env:VARIABLE "
                             "and set VARIABLE when you apply",
                             w->acc.name, info->display_name);
        return;
    }
    if (strncmp(ref, "env:", 4) != 0 || !env_name_ok(ref + 4)) {
        asc_report_error(c->report, c->doc, v,
                         "api_key of account '%s' is a key in clear (or not a reference): keys "
                         "never live in files — write api_key: env:VARIABLE (read when you "
                         "apply) or api_key: keep",
                         w->acc.name);
        return;
    }
    mm_copy(w->key_env, sizeof w->key_env, ref + 4);
    const char *key = getenv(w->key_env);
    if (key && key[0]) {
        mm_error e = {0};
        if (catalog_account_validate(&w->acc, key, &e) != MM_OK)
            asc_report_error(c->report, c->doc, v, "the key in $%s: %s", w->key_env, e.message);
        else
            w->key = mm_wipe_strdup(key);
    } else if (!exists && info && info->requires_key) {
        asc_report_error(c->report, c->doc, v,
                         "account '%s' is new and needs its key: set the environment variable "
                         "%s",
                         w->acc.name, w->key_env);
    }
}

static bool in_catalog(checker *c, const char *kind, const char *name)
{
    mm_error ignored;
    if (strcmp(kind, "account") == 0) {
        mm_account acc;
        return catalog_account_get(c->cat, name, &acc, &ignored) == MM_OK;
    }
    if (strcmp(kind, "model") == 0) {
        mm_model *m = malloc(sizeof *m);
        bool found = m && catalog_model_get(c->cat, name, m, &ignored) == MM_OK;
        free(m);
        return found;
    }
    mm_workspace ws;
    return catalog_workspace_get(c->cat, name, &ws, &ignored) == MM_OK;
}

static void check_account(checker *c, const json_t *obj, asc_want_account *w)
{
    mm_account_init(&w->acc);
    w->obj = obj;
    copy_text(c, obj, "name", w->acc.name, sizeof w->acc.name, "an account");
    copy_text(c, obj, "provider", w->acc.provider, sizeof w->acc.provider, "an account");
    copy_text(c, obj, "endpoint", w->acc.endpoint, sizeof w->acc.endpoint, "an account");
    copy_text(c, obj, "api_version", w->acc.api_version, sizeof w->acc.api_version, "an account");
    copy_text(c, obj, "ca_bundle", w->acc.ca_bundle, sizeof w->acc.ca_bundle, "an account");
    copy_text(c, obj, "disabled_reason", w->acc.disabled_reason, sizeof w->acc.disabled_reason,
              "an account");
    w->acc.rpm = int_of(obj, "rpm");
    w->acc.tpm = int_of(obj, "tpm");
    w->acc.monthly_cap_cents = int_of(obj, "monthly_cap_cents");
    w->acc.enabled = !json_is_false(json_object_get(obj, "enabled"));
    mm_error e = {0};
    if (catalog_account_validate(&w->acc, NULL, &e) != MM_OK)
        rule_error(c, obj, &e);
    check_key(c, obj, w, in_catalog(c, "account", w->acc.name));
}

/* ---- models ---- */

static bool account_known(checker *c, const asc_want *want, const char *name)
{
    return asc_want_find_account(want, name) || (!c->prune && in_catalog(c, "account", name));
}

/* A target whose account's provider has no API for the model's type (an Anthropic account on
 * an image model) is reported with the sentence `target add` refuses it with. */
static void check_provider_api(checker *c, const json_t *t, const asc_want_model *w,
                               const asc_want *want, const char *account)
{
    const asc_want_account *in_file = asc_want_find_account(want, account);
    mm_account acc;
    mm_error ignored;
    const char *provider = in_file ? in_file->acc.provider
                           : catalog_account_get(c->cat, account, &acc, &ignored) == MM_OK
                               ? acc.provider
                               : NULL;
    char why[400];
    if (provider && mm_chain_provider_lacks_api(w->model.type, w->model.name, account, provider,
                                                why, sizeof why))
        asc_report_error(c->report, c->doc, json_object_get(t, "account"), "%s", why);
}

static void check_targets(checker *c, const json_t *obj, asc_want_model *w, const asc_want *want)
{
    const json_t *list = json_object_get(obj, "targets");
    size_t i;
    const json_t *t;
    json_array_foreach(list, i, t)
    {
        if (!check_fields(c, t, TARGET_FIELDS, "a target"))
            continue;
        if (!required(c, t, "account", "a target") || !required(c, t, "model", "a target"))
            continue;
        if (w->model.n_targets == MM_MAX_TARGETS) {
            asc_report_error(c->report, c->doc, t, "model '%s' has more than %d targets",
                             w->model.name, MM_MAX_TARGETS);
            return;
        }
        mm_target *target = &w->model.targets[w->model.n_targets++];
        target->priority = (int)w->model.n_targets;
        copy_text(c, t, "account", target->account, sizeof target->account, "a target");
        copy_text(c, t, "model", target->model, sizeof target->model, "a target");
        if (!account_known(c, want, target->account))
            asc_report_error(c->report, c->doc, json_object_get(t, "account"),
                             "target %zu of model '%s' names the account '%s', which is not in "
                             "the file%s",
                             i + 1, w->model.name, target->account,
                             c->prune ? " (--prune removes what the file does not name)"
                                      : " nor in the catalog");
        else
            check_provider_api(c, t, w, want, target->account);
    }
}

static void check_model(checker *c, const json_t *obj, asc_want_model *w, const asc_want *want)
{
    mm_model_init(&w->model);
    w->obj = obj;
    copy_text(c, obj, "name", w->model.name, sizeof w->model.name, "a model");
    copy_text(c, obj, "type", w->model.type, sizeof w->model.type, "a model");
    copy_text(c, obj, "description", w->model.description, sizeof w->model.description, "a model");
    mm_error e = {0};
    if (catalog_model_validate(&w->model, &e) != MM_OK)
        rule_error(c, obj, &e);
    check_targets(c, obj, w, want);
}

/* ---- workspaces ---- */

static bool model_known(checker *c, const asc_want *want, const char *name)
{
    return asc_want_find_model(want, name) || (!c->prune && in_catalog(c, "model", name));
}

static void check_entitlements(checker *c, const json_t *obj, asc_want_workspace *w,
                               const asc_want *want)
{
    const json_t *list = json_object_get(obj, "entitlements");
    w->n_ents = 0;
    w->ents = calloc(json_array_size(list) + 1, sizeof *w->ents);
    size_t i;
    const json_t *item;
    json_array_foreach(list, i, item)
    {
        if (!w->ents || !check_fields(c, item, ENTITLEMENT_FIELDS, "an entitlement") ||
            !required(c, item, "model", "an entitlement") ||
            duplicate(c, list, i, item, "model", NULL, "the entitlement to model"))
            continue;
        mm_entitlement *ent = &w->ents[w->n_ents++];
        copy_text(c, item, "model", ent->model, sizeof ent->model, "an entitlement");
        mm_copy(ent->workspace, sizeof ent->workspace, w->ws.name);
        ent->rpm = int_of(item, "rpm");
        ent->tpm = int_of(item, "tpm");
        ent->monthly_tokens = int_of(item, "monthly_tokens");
        mm_error e = {0};
        if (catalog_entitlement_validate(ent, &e) != MM_OK)
            rule_error(c, item, &e);
        if (!model_known(c, want, ent->model))
            asc_report_error(c->report, c->doc, json_object_get(item, "model"),
                             "workspace '%s' is entitled to model '%s', which is not in the "
                             "file%s",
                             w->ws.name, ent->model, c->prune ? "" : " nor in the catalog");
    }
}

static void check_workspace(checker *c, const json_t *obj, asc_want_workspace *w)
{
    memset(&w->ws, 0, sizeof w->ws);
    w->obj = obj;
    copy_text(c, obj, "name", w->ws.name, sizeof w->ws.name, "a workspace");
    copy_text(c, obj, "description", w->ws.description, sizeof w->ws.description, "a workspace");
    mm_error e = {0};
    if (catalog_workspace_validate(&w->ws, &e) != MM_OK)
        rule_error(c, obj, &e);
}

/* ---- prices and settings ---- */

static double price_of(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return json_is_number(v) ? json_number_value(v) : -1;
}

static void check_price(checker *c, const json_t *obj, mm_price *p)
{
    memset(p, 0, sizeof *p);
    copy_text(c, obj, "provider", p->provider, sizeof p->provider, "a price");
    copy_text(c, obj, "model", p->model, sizeof p->model, "a price");
    copy_text(c, obj, "source", p->source, sizeof p->source, "a price");
    if (!p->source[0])
        mm_copy(p->source, sizeof p->source, "manual");
    p->input_per_mtok = price_of(obj, "input_per_mtok");
    p->output_per_mtok = price_of(obj, "output_per_mtok");
    p->cache_read_per_mtok = price_of(obj, "cache_read_per_mtok");
    p->cache_write_per_mtok = price_of(obj, "cache_write_per_mtok");
    p->per_image = fmax(price_of(obj, "per_image"), 0); /* 0: no media price */
    p->per_second = fmax(price_of(obj, "per_second"), 0);
    p->per_character = fmax(price_of(obj, "per_character"), 0);
    if (!provider_find(p->provider))
        asc_report_error(c->report, c->doc, json_object_get(obj, "provider"),
                         "unknown provider '%s' (known: %s)", p->provider, provider_id_list());
}

/* Parses text as the setting key's value: MM_E_NOT_FOUND for a key no command sets. */
static mm_status parse_setting(const char *key, const char *text, mm_error *err)
{
    for (int id = 0; id < MM_HSET_COUNT; id++) {
        if (strcmp(health_setting((mm_health_setting_id)id)->key, key) != 0)
            continue;
        double parsed;
        return health_setting_parse((mm_health_setting_id)id, text, &parsed, err);
    }
    static const char *const router_keys[] = {ROUTER_SETTING_FAILURES, ROUTER_SETTING_COOLDOWN,
                                              ROUTER_SETTING_RATE_LIMIT_DEFAULT};
    for (size_t i = 0; i < 3; i++) {
        if (strcmp(router_keys[i], key) != 0)
            continue;
        int64_t n;
        int64_t max = i == 0 ? ROUTER_FAILURES_MAX : ROUTER_SECONDS_MAX;
        return catalog_parse_limit(text, key, max, &n, err);
    }
    if (strcmp(key, MM_USAGE_RETENTION_SETTING) == 0) {
        int64_t days;
        return catalog_usage_retention_parse(text, &days, err);
    }
    return MM_E_NOT_FOUND;
}

static void check_setting(checker *c, const char *key, const json_t *value)
{
    const char *text = json_string_value(value);
    mm_error e = {0};
    mm_status st = parse_setting(key, text ? text : "", &e);
    if (st == MM_E_NOT_FOUND)
        asc_report_error(c->report, c->doc, value,
                         "unknown setting '%s' (health.*, router.* and " MM_USAGE_RETENTION_SETTING
                         " are accepted; see `mmadmin health config`, `mmadmin router config` "
                         "and `mmadmin usage prune`)",
                         key);
    else if (!text)
        asc_report_error(c->report, c->doc, value, "setting %s must be written as text (in quotes)",
                         key);
    else if (st != MM_OK)
        asc_report_error(c->report, c->doc, value, "%s", e.message);
}

/* ---- the whole file ---- */

static const json_t *section(checker *c, const char *key)
{
    const json_t *v = json_object_get(c->doc->root, key);
    return json_is_array(v) ? v : NULL;
}

static void check_sections(checker *c, asc_want *want)
{
    const json_t *list, *item;
    size_t i;
    list = section(c, "accounts");
    want->accounts = calloc(json_array_size(list) + 1, sizeof *want->accounts);
    json_array_foreach(list, i, item)
    {
        if (check_fields(c, item, ACCOUNT_FIELDS, "an account") &&
            required(c, item, "name", "an account") &&
            !duplicate(c, list, i, item, "name", NULL, "account"))
            check_account(c, item, &want->accounts[want->n_accounts++]);
    }
    list = section(c, "workspaces");
    want->workspaces = calloc(json_array_size(list) + 1, sizeof *want->workspaces);
    json_array_foreach(list, i, item)
    {
        if (check_fields(c, item, WORKSPACE_FIELDS, "a workspace") &&
            required(c, item, "name", "a workspace") &&
            !duplicate(c, list, i, item, "name", NULL, "workspace"))
            check_workspace(c, item, &want->workspaces[want->n_workspaces++]);
    }
    list = section(c, "models");
    want->models = calloc(json_array_size(list) + 1, sizeof *want->models);
    json_array_foreach(list, i, item)
    {
        if (check_fields(c, item, MODEL_FIELDS, "a model") &&
            required(c, item, "name", "a model") &&
            !duplicate(c, list, i, item, "name", NULL, "model"))
            check_model(c, item, &want->models[want->n_models++], want);
    }
    for (size_t w = 0; w < want->n_workspaces; w++)
        check_entitlements(c, want->workspaces[w].obj, &want->workspaces[w], want);
    list = section(c, "prices");
    want->prices = calloc(json_array_size(list) + 1, sizeof *want->prices);
    json_array_foreach(list, i, item)
    {
        if (check_fields(c, item, PRICE_FIELDS, "a price") &&
            required(c, item, "provider", "a price") && required(c, item, "model", "a price") &&
            !duplicate(c, list, i, item, "model", "provider", "the price of"))
            check_price(c, item, &want->prices[want->n_prices++]);
    }
    want->settings = json_object_get(c->doc->root, "settings");
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)want->settings, key, value)
    {
        check_setting(c, key, value);
    }
}

mm_status asc_check(mm_catalog *cat, const asc_doc *doc, bool prune, asc_want *want,
                    asc_report *report, mm_error *err)
{
    memset(want, 0, sizeof *want);
    checker c = {cat, doc, report, prune};
    if (check_fields(&c, doc->root, ROOT_FIELDS, "the file")) {
        const json_t *version = json_object_get(doc->root, "mmadmin");
        if (version && json_integer_value(version) != ASC_FORMAT_VERSION)
            asc_report_error(report, doc, version,
                             "this file is format %lld; this mmadmin reads format %d",
                             (long long)json_integer_value(version), ASC_FORMAT_VERSION);
        check_sections(&c, want);
    }
    if (!want->accounts && !want->models && json_is_object(doc->root) &&
        (json_array_size(section(&c, "accounts")) || json_array_size(section(&c, "models"))))
        return mm_error_set(err, MM_E_INTERNAL, "", "out of memory checking the file");
    asc_report_sort(report);
    if (report->errors.count)
        return mm_error_set(err, MM_E_INVALID, "file",
                            "the file was refused (%zu error%s); nothing was changed",
                            report->errors.count, report->errors.count == 1 ? "" : "s");
    return MM_OK;
}

void asc_want_free(asc_want *want)
{
    for (size_t i = 0; want->accounts && i < want->n_accounts; i++) {
        mm_wipe_free(want->accounts[i].key);
    }
    for (size_t i = 0; want->workspaces && i < want->n_workspaces; i++)
        free(want->workspaces[i].ents);
    free(want->accounts);
    free(want->models);
    free(want->workspaces);
    free(want->prices);
    memset(want, 0, sizeof *want);
}

const asc_want_account *asc_want_find_account(const asc_want *want, const char *name)
{
    for (size_t i = 0; i < want->n_accounts; i++)
        if (strcmp(want->accounts[i].acc.name, name) == 0)
            return &want->accounts[i];
    return NULL;
}

const asc_want_model *asc_want_find_model(const asc_want *want, const char *name)
{
    for (size_t i = 0; i < want->n_models; i++)
        if (strcmp(want->models[i].model.name, name) == 0)
            return &want->models[i];
    return NULL;
}

const asc_want_workspace *asc_want_find_workspace(const asc_want *want, const char *name)
{
    for (size_t i = 0; i < want->n_workspaces; i++)
        if (strcmp(want->workspaces[i].ws.name, name) == 0)
            return &want->workspaces[i];
    return NULL;
}
