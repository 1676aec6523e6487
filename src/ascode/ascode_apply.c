/* Applying a checked file: every write through the catalog API inside one change set (one
 * transaction, one audit entry opening to its parts); any refusal rolls all of it back. */
#include "ascode/ascode_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/text.h"

typedef struct applier {
    mm_catalog *cat;
    const asc_want *want;
    const json_t *now;
    mm_error *err;
} applier;

/* Whether the fields an account update writes differ (enabled and its reason are
 * catalog_account_set_enabled's). */
static bool account_fields_differ(const json_t *now, const mm_account *want_acc)
{
    json_t *want = asc_account_picture(want_acc), *before = json_deep_copy(now);
    static const char *const apart[] = {"enabled", "disabled_reason"};
    for (size_t i = 0; i < 2; i++) {
        json_object_del(want, apart[i]);
        json_object_del(before, apart[i]);
    }
    bool differ = asc_fields_differ(before, want, NULL, 0);
    json_decref(want);
    json_decref(before);
    return differ;
}

static mm_status apply_account(applier *a, const asc_want_account *w)
{
    const json_t *now =
        asc_find(json_object_get(a->now, "accounts"), "name", w->acc.name, NULL, NULL);
    mm_account acc = w->acc;
    if (!now)
        return catalog_account_insert(a->cat, &acc, w->key, a->err);
    mm_account cur;
    mm_status st = catalog_account_get(a->cat, w->acc.name, &cur, a->err);
    if (st == MM_OK &&
        (cur.enabled != w->acc.enabled ||
         (!w->acc.enabled && strcmp(cur.disabled_reason, w->acc.disabled_reason) != 0))) {
        st = catalog_account_set_enabled(a->cat, w->acc.name, w->acc.enabled,
                                         w->acc.disabled_reason, a->err);
        if (st == MM_OK)
            st = catalog_account_get(a->cat, w->acc.name, &cur, a->err);
    }
    bool key = asc_key_differs(a->cat, w, now);
    if (st != MM_OK || (!key && !account_fields_differ(now, &w->acc)))
        return st;
    acc.id = cur.id;
    acc.version = cur.version;
    acc.enabled = cur.enabled;
    mm_copy(acc.disabled_reason, sizeof acc.disabled_reason, cur.disabled_reason);
    return catalog_account_update(a->cat, &acc, key ? w->key : NULL, a->err);
}

static mm_status replace_chain(applier *a, const asc_want_model *w, const json_t *now)
{
    size_t old = json_array_size(json_object_get(now, "targets"));
    mm_status st = MM_OK;
    for (size_t i = old; st == MM_OK && i > 0; i--)
        st = catalog_target_remove(a->cat, w->model.name, (int)i, a->err);
    for (size_t i = 0; st == MM_OK && i < w->model.n_targets; i++)
        st = catalog_target_add(a->cat, w->model.name, w->model.targets[i].account,
                                w->model.targets[i].model, 0, a->err);
    return st;
}

static mm_status apply_model(applier *a, const asc_want_model *w)
{
    const json_t *now =
        asc_find(json_object_get(a->now, "models"), "name", w->model.name, NULL, NULL);
    mm_model *m = malloc(sizeof *m);
    if (!m)
        return mm_error_set(a->err, MM_E_INTERNAL, "", "out of memory");
    *m = w->model;
    mm_status st = MM_OK;
    json_t *want = asc_model_picture(&w->model);
    json_t *want_fields = json_deep_copy(want), *now_fields = json_deep_copy(now);
    json_object_del(want_fields, "targets");
    json_object_del(now_fields, "targets");
    if (!now) {
        st = catalog_model_insert(a->cat, m, a->err);
    } else if (asc_fields_differ(now_fields, want_fields, NULL, 0)) {
        mm_model *cur = malloc(sizeof *cur);
        st = cur ? catalog_model_get(a->cat, w->model.name, cur, a->err) : MM_E_INTERNAL;
        if (st == MM_OK) {
            m->id = cur->id;
            m->version = cur->version;
            st = catalog_model_update(a->cat, m, a->err);
        }
        free(cur);
    }
    if (st == MM_OK &&
        !json_equal(json_object_get(now, "targets"), json_object_get(want, "targets")))
        st = replace_chain(a, w, now);
    json_decref(want);
    json_decref(want_fields);
    json_decref(now_fields);
    free(m);
    return st;
}

static mm_status apply_workspace(applier *a, const asc_want_workspace *w)
{
    const json_t *now =
        asc_find(json_object_get(a->now, "workspaces"), "name", w->ws.name, NULL, NULL);
    mm_workspace ws = w->ws;
    mm_status st = MM_OK;
    json_t *want = asc_workspace_picture(&w->ws, NULL, 0);
    if (!now) {
        st = catalog_workspace_insert(a->cat, &ws, a->err);
    } else if (asc_fields_differ(now, want, NULL, 0)) {
        mm_workspace cur;
        st = catalog_workspace_get(a->cat, w->ws.name, &cur, a->err);
        ws.id = cur.id;
        ws.version = cur.version;
        if (st == MM_OK)
            st = catalog_workspace_update(a->cat, &ws, a->err);
    }
    json_decref(want);
    return st;
}

/* Entitlements of the workspaces the file names: exactly the listed ones (unchanged limits are
 * not rewritten: catalog_entitle does not audit an unchanged grant). */
static mm_status apply_entitlements(applier *a, const asc_want_workspace *w)
{
    mm_status st = MM_OK;
    for (size_t i = 0; st == MM_OK && i < w->n_ents; i++)
        st = catalog_entitle(a->cat, &w->ents[i], a->err);
    mm_entitlement_list now = {0};
    if (st == MM_OK)
        st = catalog_entitlement_list(a->cat, NULL, w->ws.name, &now, a->err);
    for (size_t i = 0; st == MM_OK && i < now.count; i++) {
        bool kept = false;
        for (size_t j = 0; j < w->n_ents && !kept; j++)
            kept = strcmp(w->ents[j].model, now.items[i].model) == 0;
        if (!kept)
            st = catalog_revoke(a->cat, now.items[i].model, w->ws.name, a->err);
    }
    mm_entitlement_list_free(&now);
    return st;
}

static mm_status apply_prices_settings(applier *a)
{
    mm_status st = MM_OK;
    const json_t *now_list = json_object_get(a->now, "prices");
    for (size_t i = 0; st == MM_OK && i < a->want->n_prices; i++) {
        const mm_price *p = &a->want->prices[i];
        const json_t *now = asc_find(now_list, "provider", p->provider, "model", p->model);
        json_t *want = asc_price_picture(p);
        if (!now || asc_fields_differ(now, want, NULL, 0))
            st = catalog_price_set(a->cat, p, a->err);
        json_decref(want);
    }
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)a->want->settings, key, value)
    {
        if (st == MM_OK)
            st = catalog_setting_set(a->cat, key, json_string_value(value), a->err);
    }
    return st;
}

static mm_status prune(applier *a, bool accounts)
{
    mm_status st = MM_OK;
    size_t i;
    const json_t *item;
    if (accounts) {
        json_array_foreach(json_object_get(a->now, "accounts"), i, item)
        {
            const char *name = json_string_value(json_object_get(item, "name"));
            if (st == MM_OK && !asc_want_find_account(a->want, name))
                st = catalog_account_delete(a->cat, name, a->err);
        }
        return st;
    }
    json_array_foreach(json_object_get(a->now, "models"), i, item)
    {
        const char *name = json_string_value(json_object_get(item, "name"));
        if (st == MM_OK && !asc_want_find_model(a->want, name))
            st = catalog_model_delete(a->cat, name, NULL, NULL, a->err);
    }
    json_array_foreach(json_object_get(a->now, "workspaces"), i, item)
    {
        const char *name = json_string_value(json_object_get(item, "name"));
        if (st == MM_OK && !asc_want_find_workspace(a->want, name))
            st = catalog_workspace_delete(a->cat, name, NULL, a->err);
    }
    return st;
}

static mm_status apply_all(applier *a, bool pruning)
{
    mm_status st = apply_prices_settings(a);
    for (size_t i = 0; st == MM_OK && i < a->want->n_accounts; i++)
        st = apply_account(a, &a->want->accounts[i]);
    for (size_t i = 0; st == MM_OK && i < a->want->n_workspaces; i++)
        st = apply_workspace(a, &a->want->workspaces[i]);
    if (st == MM_OK && pruning)
        st = prune(a, false);
    for (size_t i = 0; st == MM_OK && i < a->want->n_models; i++)
        st = apply_model(a, &a->want->models[i]);
    if (st == MM_OK && pruning) /* after the chains, so a pruned account is in none */
        st = prune(a, true);
    for (size_t i = 0; st == MM_OK && i < a->want->n_workspaces; i++)
        st = apply_entitlements(a, &a->want->workspaces[i]);
    return st;
}

mm_status asc_apply(mm_catalog *cat, const asc_doc *doc, const char *label, bool pruning,
                    int64_t expect_version, size_t *parts, asc_report *report, mm_error *err)
{
    *parts = 0;
    asc_want want;
    mm_status st = asc_check(cat, doc, pruning, &want, report, err);
    if (st == MM_OK)
        st = catalog_change_set_begin(cat, label, expect_version, err);
    if (st != MM_OK) {
        asc_want_free(&want);
        return st;
    }
    json_t *now = NULL;
    st = asc_picture(cat, &now, err);
    applier a = {cat, &want, now, err};
    if (st == MM_OK)
        st = apply_all(&a, pruning);
    st = catalog_change_set_end(cat, st, parts, err);
    json_decref(now);
    asc_want_free(&want);
    return st;
}
