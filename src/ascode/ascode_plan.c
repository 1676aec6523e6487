/* The plan: what applying a checked file would change, object by object (added, changed field
 * by field, removed with --prune) and what a removal breaks (workspaces losing access, chains
 * left empty). The comparison is of pictures, so plan and export can never disagree. */
#include "ascode/ascode_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/wipe.h"

const json_t *asc_find(const json_t *list, const char *key, const char *name, const char *key2,
                       const char *name2)
{
    size_t i;
    const json_t *item;
    json_array_foreach(list, i, item)
    {
        const char *a = json_string_value(json_object_get(item, key));
        const char *b = key2 ? json_string_value(json_object_get(item, key2)) : NULL;
        if (a && strcmp(a, name) == 0 && (!key2 || (b && strcmp(b, name2) == 0)))
            return item;
    }
    return NULL;
}

static void value_text(const json_t *v, char *out, size_t outsz)
{
    char *text = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
    snprintf(out, outsz, "%s", text ? text : "(unset)");
    free(text);
}

static bool skipped(const char *key)
{
    return strcmp(key, "api_key") == 0 || strcmp(key, "entitlements") == 0;
}

static void note_field(const char *key, const json_t *old, const json_t *new, char *desc,
                       size_t descsz)
{
    if (!desc)
        return;
    char a[512], b[512];
    value_text(old, a, sizeof a);
    value_text(new, b, sizeof b);
    size_t n = strlen(desc);
    snprintf(desc + n, descsz - n, "%s%s %s -> %s", n ? "; " : "", key, a, b);
}

bool asc_fields_differ(const json_t *before, const json_t *after, char *desc, size_t descsz)
{
    bool differ = false;
    const char *key;
    json_t *value;
    if (desc && descsz)
        desc[0] = '\0';
    json_object_foreach((json_t *)after, key, value)
    {
        const json_t *old = json_object_get(before, key);
        if (!skipped(key) && !(old && json_equal(old, value))) {
            differ = true;
            note_field(key, old, value, desc, descsz);
        }
    }
    json_object_foreach((json_t *)before, key, value)
    {
        if (!skipped(key) && !json_object_get(after, key)) {
            differ = true;
            note_field(key, value, NULL, desc, descsz);
        }
    }
    return differ;
}

bool asc_key_differs(mm_catalog *cat, const asc_want_account *w, const json_t *now)
{
    if (!w->key)
        return false;
    if (!now || !json_object_get(now, "api_key"))
        return true;
    char *stored = mm_wipe_malloc(MM_API_KEY_MAX);
    mm_error ignored;
    bool differs =
        !stored ||
        catalog_account_secret(cat, w->acc.name, stored, MM_API_KEY_MAX, &ignored) != MM_OK ||
        strcmp(stored, w->key) != 0;
    mm_wipe_free(stored);
    return differs;
}

/* ---- the plan's lines ---- */

typedef struct planner {
    mm_catalog *cat;
    const asc_want *want;
    const json_t *now;
    bool prune;
    asc_plan *plan;
} planner;

static void line(planner *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(planner *p, const char *fmt, ...)
{
    char text[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    mm_string_list_append(&p->plan->lines, text);
    p->plan->changes++;
}

static void compare(planner *p, const char *kind, const json_t *now, json_t *want, const char *name)
{
    char desc[3000];
    if (!now)
        line(p, "+ %s %s", kind, name);
    else if (asc_fields_differ(now, want, desc, sizeof desc))
        line(p, "~ %s %s: %s", kind, name, desc);
    json_decref(want);
}

static void plan_accounts(planner *p)
{
    const json_t *now_list = json_object_get(p->now, "accounts");
    for (size_t i = 0; i < p->want->n_accounts; i++) {
        const asc_want_account *w = &p->want->accounts[i];
        const json_t *now = asc_find(now_list, "name", w->acc.name, NULL, NULL);
        compare(p, "account", now, asc_account_picture(&w->acc), w->acc.name);
        if (now && asc_key_differs(p->cat, w, now))
            line(p, "~ account %s: api_key replaced by the key in $%s", w->acc.name, w->key_env);
    }
}

static void chain_warning(planner *p, const asc_want_model *w, const json_t *now)
{
    if (w->model.n_targets == 0 && now && json_array_size(json_object_get(now, "targets")))
        line(p, "! model %s: its chain is left empty — requests for it will fail", w->model.name);
}

static void plan_models(planner *p)
{
    const json_t *now_list = json_object_get(p->now, "models");
    for (size_t i = 0; i < p->want->n_models; i++) {
        const asc_want_model *w = &p->want->models[i];
        const json_t *now = asc_find(now_list, "name", w->model.name, NULL, NULL);
        compare(p, "model", now, asc_model_picture(&w->model), w->model.name);
        chain_warning(p, w, now);
    }
}

static void plan_entitlements(planner *p, const asc_want_workspace *w, const json_t *now)
{
    const json_t *now_ents = json_object_get(now, "entitlements");
    json_t *want_ws = asc_workspace_picture(&w->ws, w->ents, w->n_ents);
    const json_t *want_ents = json_object_get(want_ws, "entitlements");
    size_t i;
    const json_t *e;
    json_array_foreach(want_ents, i, e)
    {
        const char *model = json_string_value(json_object_get(e, "model"));
        const json_t *old = asc_find(now_ents, "model", model, NULL, NULL);
        char name[2 * MM_NAME_MAX + 2];
        snprintf(name, sizeof name, "%s/%s", model, w->ws.name);
        compare(p, "entitlement", old, json_incref((json_t *)e), name);
    }
    json_array_foreach(now_ents, i, e)
    {
        const char *model = json_string_value(json_object_get(e, "model"));
        if (!asc_find(want_ents, "model", model, NULL, NULL))
            line(p, "- entitlement %s/%s (workspace %s loses access to %s)", model, w->ws.name,
                 w->ws.name, model);
    }
    json_decref(want_ws);
}

static void plan_workspaces(planner *p)
{
    const json_t *now_list = json_object_get(p->now, "workspaces");
    for (size_t i = 0; i < p->want->n_workspaces; i++) {
        const asc_want_workspace *w = &p->want->workspaces[i];
        const json_t *now = asc_find(now_list, "name", w->ws.name, NULL, NULL);
        compare(p, "workspace", now, asc_workspace_picture(&w->ws, NULL, 0), w->ws.name);
        plan_entitlements(p, w, now);
    }
}

static void plan_prices_settings(planner *p)
{
    const json_t *now_list = json_object_get(p->now, "prices");
    for (size_t i = 0; i < p->want->n_prices; i++) {
        const mm_price *w = &p->want->prices[i];
        char name[MM_PROVIDER_ID_MAX + MM_PROVIDER_MODEL_MAX + 2];
        snprintf(name, sizeof name, "%s/%s", w->provider, w->model);
        compare(p, "price", asc_find(now_list, "provider", w->provider, "model", w->model),
                asc_price_picture(w), name);
    }
    const json_t *now_settings = json_object_get(p->now, "settings");
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)p->want->settings, key, value)
    {
        const json_t *old = json_object_get(now_settings, key);
        if (!old || !json_equal(old, value))
            line(p, "%c setting %s: %s -> %s", old ? '~' : '+', key,
                 old ? json_string_value(old) : "(default)", json_string_value(value));
    }
}

/* With --prune: what the file does not name is removed; say what that breaks. */
static void plan_removals(planner *p)
{
    size_t i;
    const json_t *item;
    json_array_foreach(json_object_get(p->now, "models"), i, item)
    {
        const char *name = json_string_value(json_object_get(item, "name"));
        if (asc_want_find_model(p->want, name))
            continue;
        char lost[1024] = "";
        size_t w, n = 0;
        const json_t *ws;
        json_array_foreach(json_object_get(p->now, "workspaces"), w, ws)
        {
            if (asc_find(json_object_get(ws, "entitlements"), "model", name, NULL, NULL) &&
                n < sizeof lost)
                n += (size_t)snprintf(lost + n, sizeof lost - n, "%s%s", n ? ", " : "",
                                      json_string_value(json_object_get(ws, "name")));
        }
        line(p, "- model %s%s%s%s", name, n ? " (workspaces losing access: " : "", lost,
             n ? ")" : "");
    }
    json_array_foreach(json_object_get(p->now, "workspaces"), i, item)
    {
        const char *name = json_string_value(json_object_get(item, "name"));
        if (!asc_want_find_workspace(p->want, name))
            line(p, "- workspace %s (%zu entitlements)", name,
                 json_array_size(json_object_get(item, "entitlements")));
    }
    json_array_foreach(json_object_get(p->now, "accounts"), i, item)
    {
        const char *name = json_string_value(json_object_get(item, "name"));
        if (!asc_want_find_account(p->want, name))
            line(p, "- account %s", name);
    }
}

mm_status asc_plan_make(mm_catalog *cat, const asc_doc *doc, bool prune, asc_plan *plan,
                        asc_report *report, mm_error *err)
{
    memset(plan, 0, sizeof *plan);
    plan->version = catalog_version(cat);
    asc_want want;
    json_t *now = NULL;
    mm_status st = asc_check(cat, doc, prune, &want, report, err);
    if (st == MM_OK)
        st = asc_picture(cat, &now, err);
    if (st == MM_OK) {
        planner p = {cat, &want, now, prune, plan};
        plan_prices_settings(&p);
        plan_accounts(&p);
        plan_workspaces(&p);
        plan_models(&p);
        if (prune)
            plan_removals(&p);
    }
    json_decref(now);
    asc_want_free(&want);
    return st;
}

void asc_plan_free(asc_plan *plan)
{
    mm_string_list_free(&plan->lines);
    memset(plan, 0, sizeof *plan);
}
