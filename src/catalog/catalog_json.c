/* JSON pictures of catalog entities for the audit log's before/after: every field a person
 * needs to see what changed, never a secret (an account shows only its key hint). */
#include "catalog/catalog_internal.h"

json_t *cat_limit_json(int64_t value)
{
    return value == MM_LIMIT_UNSET ? json_null() : json_integer(value);
}

json_t *cat_account_json(const mm_account *acc)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:s, s:o, s:o, s:o, s:b, s:s}", "name",
                     acc->name, "provider", acc->provider, "endpoint", acc->endpoint, "api_version",
                     acc->api_version, "ca_bundle", acc->ca_bundle, "has_key", acc->has_key,
                     "key_hint", acc->key_hint, "rpm", cat_limit_json(acc->rpm), "tpm",
                     cat_limit_json(acc->tpm), "monthly_cap_cents",
                     cat_limit_json(acc->monthly_cap_cents), "enabled", acc->enabled,
                     "disabled_reason", acc->disabled_reason);
}

static json_t *targets_array(const mm_target *targets, size_t count)
{
    json_t *array = json_array();
    for (size_t i = 0; i < count; i++)
        json_array_append_new(array,
                              json_pack("{s:i, s:s, s:s}", "priority", targets[i].priority,
                                        "account", targets[i].account, "model", targets[i].model));
    return array;
}

json_t *cat_model_json(const mm_model *model)
{
    return json_pack("{s:s, s:s, s:s, s:o}", "name", model->name, "type", model->type,
                     "description", model->description, "targets",
                     targets_array(model->targets, model->n_targets));
}

json_t *cat_targets_json(const char *model, const mm_target *targets, size_t count)
{
    return json_pack("{s:s, s:o}", "model", model, "targets", targets_array(targets, count));
}

json_t *cat_workspace_json(const mm_workspace *ws)
{
    return json_pack("{s:s, s:s}", "name", ws->name, "description", ws->description);
}

json_t *cat_entitlement_json(const mm_entitlement *ent)
{
    return json_pack("{s:s, s:s, s:o, s:o, s:o}", "model", ent->model, "workspace", ent->workspace,
                     "rpm", cat_limit_json(ent->rpm), "tpm", cat_limit_json(ent->tpm),
                     "monthly_tokens", cat_limit_json(ent->monthly_tokens));
}
