/* LiteLLM's config.yaml: writing one for the catalog (a model_list entry per target, keys as
 * os.environ/MM_KEY_<ACCOUNT>, the chain order as each deployment's `order`). */
#include "ascode/ascode_internal.h"

#include <stdio.h>
#include <string.h>

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

static json_t *deployment(const json_t *model, const json_t *target, const json_t *account,
                          size_t order)
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
    const char *type = json_string_value(json_object_get(model, "type"));
    if (type && strcmp(type, "embedding") == 0)
        json_object_set_new(entry, "model_info", json_pack("{s:s}", "mode", "embedding"));
    return entry;
}

mm_status asc_litellm_export(const json_t *picture, json_t **out, mm_error *err)
{
    json_t *list = json_array();
    size_t i, j;
    const json_t *model, *target;
    json_array_foreach(json_object_get(picture, "models"), i,
                       model){json_array_foreach(json_object_get(model, "targets"), j, target){
        const json_t *account =
            asc_find(json_object_get(picture, "accounts"), "name",
                     json_string_value(json_object_get(target, "account")), NULL, NULL);
    if (account)
        json_array_append_new(list, deployment(model, target, account, j + 1));
}
}
*out =
    json_pack("{s:o, s:{s:b}}", "model_list", list, "router_settings", "enable_pre_call_checks", 1);
if (!*out)
    return mm_error_set(err, MM_E_INTERNAL, "", "out of memory writing the LiteLLM config");
return MM_OK;
}
