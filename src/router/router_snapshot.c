/* The router snapshot in memory: its arrays, building it by hand, and the open-addressing hash
 * indexes (names and workspace x model pairs) that keep every planning lookup O(1). */
#include "router/router.h"

#include <stdlib.h>
#include <string.h>

#include "util/text.h"

typedef struct hash_table {
    uint32_t *slots; /* position + 1; 0 = empty */
    size_t mask;     /* capacity - 1 (capacity is a power of two) */
} hash_table;

struct router_index {
    hash_table accounts, models, workspaces, entitlements;
    size_t cap_accounts, cap_models, cap_workspaces, cap_entitlements; /* array capacities */
    size_t n_accounts_indexed;
};

static uint64_t hash_name(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static uint64_t hash_pair(uint32_t a, uint32_t b)
{
    uint64_t x = ((uint64_t)a << 32) | b;
    x ^= x >> 33; /* murmur3 finalizer */
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static bool hash_table_init(hash_table *t, size_t n)
{
    size_t cap = 16;
    while (cap < n * 2)
        cap <<= 1;
    free(t->slots);
    t->slots = calloc(cap, sizeof *t->slots);
    t->mask = cap - 1;
    return t->slots != NULL;
}

static void hash_table_free(hash_table *t)
{
    free(t->slots);
    t->slots = NULL;
}

/* Generic probe over a table whose entries are named by get_name(base, i). */
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

static long name_lookup(const router_snapshot *snap, const hash_table *t, name_at_fn name_at,
                        const char *name)
{
    if (!t->slots || !name)
        return -1;
    for (size_t at = hash_name(name) & t->mask;; at = (at + 1) & t->mask) {
        uint32_t slot = t->slots[at];
        if (slot == 0)
            return -1;
        if (strcmp(name_at(snap, slot - 1), name) == 0)
            return (long)(slot - 1);
    }
}

/* Inserts position i; false when its name is already there. */
static bool name_insert(const router_snapshot *snap, hash_table *t, name_at_fn name_at, size_t i)
{
    const char *name = name_at(snap, i);
    size_t at = hash_name(name) & t->mask;
    for (; t->slots[at] != 0; at = (at + 1) & t->mask)
        if (strcmp(name_at(snap, t->slots[at] - 1), name) == 0)
            return false;
    t->slots[at] = (uint32_t)(i + 1);
    return true;
}

static mm_status index_names(router_snapshot *snap, hash_table *t, name_at_fn name_at, size_t count,
                             const char *kind, mm_error *err)
{
    if (!hash_table_init(t, count))
        return mm_error_set(err, MM_E_INTERNAL, "", "out of memory building the router index");
    for (size_t i = 0; i < count; i++)
        if (!name_insert(snap, t, name_at, i))
            return mm_error_set(err, MM_E_INVALID, "", "the snapshot has two %ss named '%s'", kind,
                                name_at(snap, i));
    return MM_OK;
}

static mm_status index_entitlements(router_snapshot *snap, mm_error *err)
{
    hash_table *t = &snap->index->entitlements;
    if (!hash_table_init(t, snap->n_entitlements))
        return mm_error_set(err, MM_E_INTERNAL, "", "out of memory building the router index");
    for (size_t i = 0; i < snap->n_entitlements; i++) {
        const router_entitlement *e = &snap->entitlements[i];
        if (router_find_entitlement(snap, e->workspace, e->model) >= 0)
            return mm_error_set(err, MM_E_INVALID, "",
                                "the snapshot entitles workspace '%s' to model '%s' twice",
                                snap->workspaces[e->workspace].name, snap->models[e->model].name);
        size_t at = hash_pair(e->workspace, e->model) & t->mask;
        while (t->slots[at] != 0)
            at = (at + 1) & t->mask;
        t->slots[at] = (uint32_t)(i + 1);
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
    if (snap->index->accounts.slots || snap->n_accounts >= snap->index->cap_accounts)
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
    if (snap->index->models.slots || snap->n_models >= snap->index->cap_models)
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
    if (snap->index->workspaces.slots || snap->n_workspaces >= snap->index->cap_workspaces)
        return NULL;
    router_workspace *ws = &snap->workspaces[snap->n_workspaces++];
    mm_copy(ws->name, sizeof ws->name, name);
    return ws;
}

router_entitlement *router_snapshot_add_entitlement(router_snapshot *snap, const char *workspace,
                                                    const char *model)
{
    if (snap->index->entitlements.slots || snap->n_entitlements >= snap->index->cap_entitlements)
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
        hash_table_free(&snap->index->accounts);
        hash_table_free(&snap->index->models);
        hash_table_free(&snap->index->workspaces);
        hash_table_free(&snap->index->entitlements);
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
    const hash_table *t = &snap->index->entitlements;
    if (!t->slots)
        return -1;
    for (size_t at = hash_pair(workspace, model) & t->mask;; at = (at + 1) & t->mask) {
        uint32_t slot = t->slots[at];
        if (slot == 0)
            return -1;
        const router_entitlement *e = &snap->entitlements[slot - 1];
        if (e->workspace == workspace && e->model == model)
            return (long)(slot - 1);
    }
}
