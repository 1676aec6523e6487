/* The catalog's picture: every account (key as a reference), model with its chain, workspace
 * with its entitlements, price set by hand or imported, and health and router setting, as one
 * tree in a fixed order with defaults left out — what export writes and plan compares. */
#include "ascode/ascode_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "util/text.h"

void asc_key_env_name(const char *account, char *out, size_t outsz)
{
    size_t n = snprintf(out, outsz, "%s", ASC_KEY_ENV_PREFIX);
    for (const char *p = account; *p && n + 1 < outsz; p++)
        out[n++] = isalnum((unsigned char)*p) ? (char)toupper((unsigned char)*p) : '_';
    if (n < outsz)
        out[n] = '\0';
}

static void set_text(json_t *obj, const char *key, const char *value)
{
    if (value && value[0])
        json_object_set_new(obj, key, json_string(value));
}

static void set_limit(json_t *obj, const char *key, int64_t value)
{
    if (value != MM_LIMIT_UNSET)
        json_object_set_new(obj, key, json_integer(value));
}

json_t *asc_account_picture(const mm_account *acc)
{
    json_t *obj = json_object();
    json_object_set_new(obj, "name", json_string(acc->name));
    json_object_set_new(obj, "provider", json_string(acc->provider));
    set_text(obj, "endpoint", acc->endpoint);
    set_text(obj, "api_version", acc->api_version);
    set_text(obj, "ca_bundle", acc->ca_bundle);
    if (acc->has_key) {
        char env[MM_NAME_MAX + 16], ref[MM_NAME_MAX + 24];
        asc_key_env_name(acc->name, env, sizeof env);
        snprintf(ref, sizeof ref, "env:%s", env);
        json_object_set_new(obj, "api_key", json_string(ref));
    }
    set_limit(obj, "rpm", acc->rpm);
    set_limit(obj, "tpm", acc->tpm);
    set_limit(obj, "monthly_cap_cents", acc->monthly_cap_cents);
    if (!acc->enabled)
        json_object_set_new(obj, "enabled", json_false());
    set_text(obj, "disabled_reason", acc->disabled_reason);
    return obj;
}

json_t *asc_model_picture(const mm_model *model)
{
    json_t *obj = json_object();
    json_object_set_new(obj, "name", json_string(model->name));
    json_object_set_new(obj, "type", json_string(model->type));
    set_text(obj, "description", model->description);
    json_t *targets = json_array();
    for (size_t i = 0; i < model->n_targets; i++)
        json_array_append_new(targets, json_pack("{s:s, s:s}", "account", model->targets[i].account,
                                                 "model", model->targets[i].model));
    json_object_set_new(obj, "targets", targets);
    return obj;
}

json_t *asc_workspace_picture(const mm_workspace *ws, const mm_entitlement *ents, size_t count)
{
    json_t *obj = json_object();
    json_object_set_new(obj, "name", json_string(ws->name));
    set_text(obj, "description", ws->description);
    json_t *list = json_array();
    for (size_t i = 0; i < count; i++) {
        const mm_entitlement *e = &ents[i];
        if (strcmp(e->workspace, ws->name) != 0)
            continue;
        json_t *ent = json_pack("{s:s}", "model", e->model);
        set_limit(ent, "rpm", e->rpm);
        set_limit(ent, "tpm", e->tpm);
        set_limit(ent, "monthly_tokens", e->monthly_tokens);
        json_array_append_new(list, ent);
    }
    json_object_set_new(obj, "entitlements", list);
    return obj;
}

static void set_price(json_t *obj, const char *key, double value)
{
    if (value >= 0)
        json_object_set_new(obj, key, json_real(value));
}

/* A media price (USD per image, second, character) is written only when set (above 0). */
static void set_unit_price(json_t *obj, const char *key, double value)
{
    if (value > 0)
        json_object_set_new(obj, key, json_real(value));
}

json_t *asc_price_picture(const mm_price *p)
{
    json_t *obj = json_pack("{s:s, s:s}", "provider", p->provider, "model", p->model);
    set_price(obj, "input_per_mtok", p->input_per_mtok);
    set_price(obj, "output_per_mtok", p->output_per_mtok);
    set_price(obj, "cache_read_per_mtok", p->cache_read_per_mtok);
    set_price(obj, "cache_write_per_mtok", p->cache_write_per_mtok);
    set_unit_price(obj, "per_image", p->per_image);
    set_unit_price(obj, "per_second", p->per_second);
    set_unit_price(obj, "per_character", p->per_character);
    set_text(obj, "source", p->source);
    return obj;
}

static mm_status add_accounts_and_models(mm_catalog *cat, json_t *root, mm_error *err)
{
    mm_account_list accounts = {0};
    mm_model_list models = {0};
    mm_status st = catalog_account_list(cat, &accounts, err);
    if (st == MM_OK)
        st = catalog_model_list(cat, &models, err);
    json_t *acc = json_array(), *mod = json_array();
    for (size_t i = 0; st == MM_OK && i < accounts.count; i++)
        json_array_append_new(acc, asc_account_picture(&accounts.items[i]));
    for (size_t i = 0; st == MM_OK && i < models.count; i++)
        json_array_append_new(mod, asc_model_picture(&models.items[i]));
    json_object_set_new(root, "accounts", acc);
    json_object_set_new(root, "models", mod);
    mm_account_list_free(&accounts);
    mm_model_list_free(&models);
    return st;
}

static mm_status add_workspaces(mm_catalog *cat, json_t *root, mm_error *err)
{
    mm_workspace_list spaces = {0};
    mm_entitlement_list ents = {0};
    mm_status st = catalog_workspace_list(cat, &spaces, err);
    if (st == MM_OK)
        st = catalog_entitlement_list(cat, NULL, NULL, &ents, err);
    json_t *list = json_array();
    for (size_t i = 0; st == MM_OK && i < spaces.count; i++)
        json_array_append_new(list,
                              asc_workspace_picture(&spaces.items[i], ents.items, ents.count));
    json_object_set_new(root, "workspaces", list);
    mm_workspace_list_free(&spaces);
    mm_entitlement_list_free(&ents);
    return st;
}

/* Prices set by hand or imported; the built-in ones (source "builtin ...") come with mmadmin. */
static mm_status add_prices(mm_catalog *cat, json_t *root, mm_error *err)
{
    mm_price_list prices = {0};
    mm_status st = catalog_price_list(cat, &prices, err);
    json_t *list = json_array();
    for (size_t i = 0; st == MM_OK && i < prices.count; i++)
        if (strncmp(prices.items[i].source, "builtin", 7) != 0)
            json_array_append_new(list, asc_price_picture(&prices.items[i]));
    json_object_set_new(root, "prices", list);
    mm_price_list_free(&prices);
    return st;
}

static mm_status add_settings(mm_catalog *cat, json_t *root, mm_error *err)
{
    json_t *obj = json_object();
    static const char *const prefixes[] = {"health.", "router.", MM_USAGE_RETENTION_SETTING};
    mm_status st = MM_OK;
    for (size_t p = 0; st == MM_OK && p < sizeof prefixes / sizeof prefixes[0]; p++) {
        mm_string_list pairs = {0};
        st = catalog_setting_list(cat, prefixes[p], &pairs, err);
        for (size_t i = 0; st == MM_OK && i + 1 < pairs.count; i += 2)
            json_object_set_new(obj, pairs.items[i], json_string(pairs.items[i + 1]));
        mm_string_list_free(&pairs);
    }
    json_object_set_new(root, "settings", obj);
    return st;
}

mm_status asc_picture(mm_catalog *cat, json_t **out, mm_error *err)
{
    json_t *root = json_object();
    *out = NULL;
    if (!root)
        return mm_error_set(err, MM_E_INTERNAL, "", "out of memory");
    json_object_set_new(root, "mmadmin", json_integer(ASC_FORMAT_VERSION));
    mm_status st = add_accounts_and_models(cat, root, err);
    if (st == MM_OK)
        st = add_workspaces(cat, root, err);
    if (st == MM_OK)
        st = add_prices(cat, root, err);
    if (st == MM_OK)
        st = add_settings(cat, root, err);
    if (st != MM_OK) {
        json_decref(root);
        return st;
    }
    *out = root;
    return MM_OK;
}
