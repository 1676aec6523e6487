/* The router snapshot in memory: its arrays, building it by hand, and its name and
 * workspace x model indexes (util/hash_index) that keep every planning lookup O(1). */
#include "router/router.h"

#include <stdlib.h>
#include <string.h>

#include "util/hash_index.h"
#include "util/text.h"

struct router_index {
    mm_hash_index accounts, models, workspaces, entitlements;
    size_t cap_accounts, cap_models, cap_workspaces, cap_entitlements; /* array capacities */
    size_t n_accounts_indexed;
};

/* The name of entry i of one of the snapshot's named arrays. */
typedef const char *(*name_at_fn)(const router_snapshot *snap, size_t i);

static const char *account_name_at(const router_snapshot *snap, size_t i)
{
    return snap->accounts[i].name;
}

static const char *model_name_at(const router_snapshot *snap, size_t i)
{
    return snap->models[i].name;
}

static const char *workspace_name_at(const router_snapshot *snap, size_t i)
{
    return snap->workspaces[i].name;
}

typedef struct named_array {
    const router_snapshot *snap;
    name_at_fn name_at;
} named_array;

static bool name_matches(const void *data, size_t position, const void *key)
{
    const named_array *array = data;
    return strcmp(array->name_at(array->snap, position), key) == 0;
}

static long name_lookup(const router_snapshot *snap, const mm_hash_index *t, name_at_fn name_at,
                        const char *name)
{
    if (!name)
        return -1;
    named_array array = {snap, name_at};
    return mm_hash_index_find(t, mm_hash_string(name), name, name_matches, &array);
}

static mm_status index_names(router_snapshot *snap, mm_hash_index *t, name_at_fn name_at,
                             size_t count, const char *kind, mm_error *err)
{
    mm_hash_index_free(t);
    if (!mm_hash_index_reserve(t, count))
        return mm_error_set(err, MM_E_INTERNAL, "", "out of memory building the router index");
    for (size_t i = 0; i < count; i++) {
        const char *name = name_at(snap, i);
        if (name_lookup(snap, t, name_at, name) >= 0)
            return mm_error_set(err, MM_E_INVALID, "", "the snapshot has two %ss named '%s'", kind,
                                name);
        if (!mm_hash_index_add(t, mm_hash_string(name), i))
            return mm_error_set(err, MM_E_INTERNAL, "", "out of memory building the router index");
    }
    return MM_OK;
}

static bool pair_matches(const void *data, size_t position, const void *key)
{
    const router_entitlement *e = &((const router_snapshot *)data)->entitlements[position];
    const uint32_t *pair = key;
    return e->workspace == pair[0] && e->model == pair[1];
}

static mm_status index_entitlements(router_snapshot *snap, mm_error *err)
{
    mm_hash_index *t = &snap->index->entitlements;
    mm_hash_index_free(t);
    if (!mm_hash_index_reserve(t, snap->n_entitlements))
        return mm_error_set(err, MM_E_INTERNAL, "", "out of memory building the router index");
    for (size_t i = 0; i < snap->n_entitlements; i++) {
        const router_entitlement *e = &snap->entitlements[i];
        if (router_find_entitlement(snap, e->workspace, e->model) >= 0)
            return mm_error_set(err, MM_E_INVALID, "",
                                "the snapshot entitles workspace '%s' to model '%s' twice",
                                snap->workspaces[e->workspace].name, snap->models[e->model].name);
        if (!mm_hash_index_add(t, mm_hash_pair(e->workspace, e->model), i))
            return mm_error_set(err, MM_E_INTERNAL, "", "out of memory building the router index");
    }
    return MM_OK;
}

mm_status router_snapshot_new(size_t accounts, size_t models, size_t workspaces,
                              size_t entitlements, router_snapshot **out, mm_error *err)
{
    *out = NULL;
    router_snapshot *snap = calloc(1, sizeof *snap);
    if (snap) {
        snap->accounts = calloc(accounts ? accounts : 1, sizeof *snap->accounts);
        snap->models = calloc(models ? models : 1, sizeof *snap->models);
        snap->workspaces = calloc(workspaces ? workspaces : 1, sizeof *snap->workspaces);
        snap->entitlements = calloc(entitlements ? entitlements : 1, sizeof *snap->entitlements);
        snap->index = calloc(1, sizeof *snap->index);
    }
    if (!snap || !snap->accounts || !snap->models || !snap->workspaces || !snap->entitlements ||
        !snap->index) {
        router_snapshot_free(snap);
        return mm_error_set(err, MM_E_INTERNAL, "", "out of memory building the router snapshot");
    }
    router_config_default(&snap->config);
    snap->index->cap_accounts = accounts;
    snap->index->cap_models = models;
    snap->index->cap_workspaces = workspaces;
    snap->index->cap_entitlements = entitlements;
    *out = snap;
    return MM_OK;
}

router_account *router_snapshot_add_account(router_snapshot *snap, const char *name,
                                            const char *provider)
{
    if (snap->index->accounts.capacity || snap->n_accounts >= snap->index->cap_accounts)
        return NULL;
    router_account *acc = &snap->accounts[snap->n_accounts++];
    memset(acc, 0, sizeof *acc);
    mm_copy(acc->name, sizeof acc->name, name);
    mm_copy(acc->provider, sizeof acc->provider, provider);
    acc->enabled = true;
    acc->health = MM_HEALTH_UNKNOWN;
    return acc;
}

router_model *router_snapshot_add_model(router_snapshot *snap, const char *name, const char *type)
{
    if (snap->index->models.capacity || snap->n_models >= snap->index->cap_models)
        return NULL;
    router_model *model = &snap->models[snap->n_models++];
    memset(model, 0, sizeof *model);
    mm_copy(model->name, sizeof model->name, name);
    mm_copy(model->type, sizeof model->type, type ? type : "chat");
    return model;
}

static long account_position(const router_snapshot *snap, const char *name)
{
    if (snap->index->n_accounts_indexed == snap->n_accounts && snap->n_accounts > 0)
        return name_lookup(snap, &snap->index->accounts, account_name_at, name);
    for (size_t i = 0; i < snap->n_accounts; i++)
        if (strcmp(snap->accounts[i].name, name) == 0)
            return (long)i;
    return -1;
}

bool router_model_add_target(router_snapshot *snap, router_model *model, const char *account,
                             const char *provider_model, int priority)
{
    if (model->n_targets >= MM_MAX_TARGETS)
        return false;
    long acc = account_position(snap, account);
    if (acc < 0)
        return false;
    size_t at = model->n_targets;
    while (at > 0 && model->targets[at - 1].priority > priority) {
        model->targets[at] = model->targets[at - 1];
        at--;
    }
    router_target *t = &model->targets[at];
    t->account = (uint32_t)acc;
    t->priority = priority;
    mm_copy(t->model, sizeof t->model, provider_model);
    model->n_targets++;
    return true;
}

router_workspace *router_snapshot_add_workspace(router_snapshot *snap, const char *name)
{
    if (snap->index->workspaces.capacity || snap->n_workspaces >= snap->index->cap_workspaces)
        return NULL;
    router_workspace *ws = &snap->workspaces[snap->n_workspaces++];
    mm_copy(ws->name, sizeof ws->name, name);
    return ws;
}

router_entitlement *router_snapshot_add_entitlement(router_snapshot *snap, const char *workspace,
                                                    const char *model)
{
    if (snap->index->entitlements.capacity || snap->n_entitlements >= snap->index->cap_entitlements)
        return NULL;
    long ws = -1, mo = -1;
    for (size_t i = 0; i < snap->n_workspaces && ws < 0; i++)
        if (strcmp(snap->workspaces[i].name, workspace) == 0)
            ws = (long)i;
    for (size_t i = 0; i < snap->n_models && mo < 0; i++)
        if (strcmp(snap->models[i].name, model) == 0)
            mo = (long)i;
    if (ws < 0 || mo < 0)
        return NULL;
    router_entitlement *e = &snap->entitlements[snap->n_entitlements++];
    memset(e, 0, sizeof *e);
    e->workspace = (uint32_t)ws;
    e->model = (uint32_t)mo;
    return e;
}

/* Indexes the accounts now, so that adding many targets looks accounts up by hash. */
mm_status router_snapshot_index_accounts(router_snapshot *snap, mm_error *err)
{
    mm_status st = index_names(snap, &snap->index->accounts, account_name_at, snap->n_accounts,
                               "account", err);
    if (st == MM_OK)
        snap->index->n_accounts_indexed = snap->n_accounts;
    return st;
}

mm_status router_snapshot_finish(router_snapshot *snap, mm_error *err)
{
    mm_status st = router_snapshot_index_accounts(snap, err);
    if (st == MM_OK)
        st = index_names(snap, &snap->index->models, model_name_at, snap->n_models, "model", err);
    if (st == MM_OK)
        st = index_names(snap, &snap->index->workspaces, workspace_name_at, snap->n_workspaces,
                         "workspace", err);
    if (st == MM_OK)
        st = index_entitlements(snap, err);
    return st;
}

void router_snapshot_free(router_snapshot *snap)
{
    if (!snap)
        return;
    if (snap->index) {
        mm_hash_index_free(&snap->index->accounts);
        mm_hash_index_free(&snap->index->models);
        mm_hash_index_free(&snap->index->workspaces);
        mm_hash_index_free(&snap->index->entitlements);
        free(snap->index);
    }
    free(snap->accounts);
    free(snap->models);
    free(snap->workspaces);
    free(snap->entitlements);
    free(snap);
}

long router_find_account(const router_snapshot *snap, const char *name)
{
    return name_lookup(snap, &snap->index->accounts, account_name_at, name);
}

long router_find_model(const router_snapshot *snap, const char *name)
{
    return name_lookup(snap, &snap->index->models, model_name_at, name);
}

long router_find_workspace(const router_snapshot *snap, const char *name)
{
    return name_lookup(snap, &snap->index->workspaces, workspace_name_at, name);
}

long router_find_entitlement(const router_snapshot *snap, uint32_t workspace, uint32_t model)
{
    const uint32_t pair[2] = {workspace, model};
    return mm_hash_index_find(&snap->index->entitlements, mm_hash_pair(workspace, model), pair,
                              pair_matches, snap);
}
