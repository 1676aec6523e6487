/* Building the router snapshot from the catalog: rows, usage counters of the last minute and
 * month, health, settings, and each account's cool-down from its latest request events. */
#include "router/router.h"

#include <stdlib.h>
#include <string.h>

#include "catalog/admission.h"
#include "util/money.h"
#include "util/text.h"

#define RECENT_EVENTS_MIN 32
/* A cool-down depends only on the newest events up to the first that ends a failure streak (a
 * success, usually the newest): these are read first, and the rest only when all of them
 * continue a streak. */
#define RECENT_EVENTS_FIRST 4

typedef struct loaded_rows {
    mm_account_list accounts;
    mm_model_list models;
    mm_workspace_list workspaces;
    mm_entitlement_list entitlements;
    mm_health_map health;
    bool own_health;
} loaded_rows;

static void loaded_rows_free(loaded_rows *rows)
{
    mm_account_list_free(&rows->accounts);
    mm_model_list_free(&rows->models);
    mm_workspace_list_free(&rows->workspaces);
    mm_entitlement_list_free(&rows->entitlements);
    if (rows->own_health)
        mm_health_map_free(&rows->health);
}

/* Appends item (of size bytes) to a list being grown one by one. */
static mm_status list_push(void **items, size_t *count, const void *item, size_t size,
                           mm_error *err)
{
    void *grown = realloc(*items, (*count + 1) * size);
    if (!grown)
        return mm_error_set(err, MM_E_INTERNAL, "", "out of memory loading the catalog");
    memcpy((char *)grown + *count * size, item, size);
    *items = grown;
    (*count)++;
    return MM_OK;
}

/* The model asked for (none when unknown) and the accounts of its chain: one statement. */
static mm_status read_one_model(mm_catalog *cat, const char *model, loaded_rows *rows,
                                mm_error *err)
{
    mm_model row;
    bool found = false;
    mm_status st = catalog_model_chain_read(cat, model, &row, &found, &rows->accounts, err);
    if (st == MM_OK && found)
        st = list_push((void **)&rows->models.items, &rows->models.count, &row, sizeof row, err);
    return st;
}

/* The workspace asked for (none when unknown) and its entitlement to the model, if any: an
 * entitlement names an existing workspace, so the workspace's row is read only without one (to
 * tell an unknown workspace from one not entitled; the snapshot keeps only its name). */
static mm_status read_one_workspace(mm_catalog *cat, const char *model, const char *workspace,
                                    loaded_rows *rows, mm_error *err)
{
    mm_entitlement ent;
    mm_workspace ws = {0};
    mm_status st = catalog_entitlement_get(cat, model, workspace, &ent, err);
    if (st == MM_OK) {
        mm_copy(ws.name, sizeof ws.name, workspace);
        st = list_push((void **)&rows->entitlements.items, &rows->entitlements.count, &ent,
                       sizeof ent, err);
    } else if (st == MM_E_NOT_FOUND) {
        st = catalog_workspace_get(cat, workspace, &ws, err);
        if (st == MM_E_NOT_FOUND)
            return MM_OK;
    }
    if (st != MM_OK)
        return st;
    return list_push((void **)&rows->workspaces.items, &rows->workspaces.count, &ws, sizeof ws,
                     err);
}

/* One model: its row, its chain's accounts, the workspace(s) and entitlements asked for, and
 * those accounts' health; indexed reads only, whatever the size of the catalog. */
static mm_status read_rows_one(mm_catalog *cat, int64_t now_ms, const router_load_options *opts,
                               loaded_rows *rows, mm_error *err)
{
    mm_status st = read_one_model(cat, opts->model, rows, err);
    if (st == MM_OK && opts->workspace)
        st = read_one_workspace(cat, opts->model, opts->workspace, rows, err);
    else if (st == MM_OK)
        st = catalog_workspace_list(cat, &rows->workspaces, err);
    if (st == MM_OK && !opts->workspace)
        st = catalog_entitlement_list(cat, opts->model, NULL, &rows->entitlements, err);
    if (st == MM_OK && opts->health) {
        rows->health = *opts->health;
    } else if (st == MM_OK) {
        st = health_status_for_accounts(cat, now_ms, NULL, &rows->accounts, &rows->health, err);
        rows->own_health = st == MM_OK;
    }
    return st;
}

static mm_status read_rows(mm_catalog *cat, int64_t now_ms, const router_load_options *opts,
                           loaded_rows *rows, mm_error *err)
{
    if (opts && opts->model)
        return read_rows_one(cat, now_ms, opts, rows, err);
    const char *workspace = opts ? opts->workspace : NULL;
    mm_status st = catalog_account_list(cat, &rows->accounts, err);
    if (st == MM_OK)
        st = catalog_model_list(cat, &rows->models, err);
    if (st == MM_OK)
        st = catalog_workspace_list(cat, &rows->workspaces, err);
    if (st == MM_OK)
        st = catalog_entitlement_list(cat, NULL, workspace, &rows->entitlements, err);
    if (st == MM_OK && opts && opts->health) {
        rows->health = *opts->health;
    } else if (st == MM_OK) {
        st = health_status_from_catalog(cat, now_ms, NULL, &rows->health, err);
        rows->own_health = st == MM_OK;
    }
    return st;
}

/* An event's class for the cool-down (an outcome this build does not know: a bad response). */
static mm_error_class outcome_class(const mm_recent_outcome *outcome)
{
    mm_error_class cls = mm_error_class_parse(outcome->outcome);
    return cls == MM_CLASS_COUNT ? MM_CLASS_BAD_RESPONSE : cls;
}

/* The account's newest request outcomes, as many as the cool-down can depend on (at most max):
 * RECENT_EVENTS_FIRST, then max when each of those continues a failure streak. */
static mm_status read_recent(mm_catalog *cat, const char *account, mm_recent_outcome *outcomes,
                             size_t max, size_t *count, mm_error *err)
{
    size_t first = max < RECENT_EVENTS_FIRST ? max : RECENT_EVENTS_FIRST;
    mm_status st = catalog_recent_outcomes(cat, account, outcomes, first, count, err);
    if (st != MM_OK || *count < first)
        return st; /* every event the account has */
    for (size_t i = 0; i < *count; i++) {
        if (!router_class_counts_for_cooldown(outcome_class(&outcomes[i]), outcomes[i].http_status))
            return MM_OK; /* the streak ends within them: older events change nothing */
    }
    return first == max ? MM_OK : catalog_recent_outcomes(cat, account, outcomes, max, count, err);
}

static mm_status load_cooling(mm_catalog *cat, const router_config *cfg, router_account *acc,
                              int64_t now_ms, mm_error *err)
{
    size_t max = (size_t)cfg->cooldown_failures;
    if (max < RECENT_EVENTS_MIN)
        max = RECENT_EVENTS_MIN;
    mm_recent_outcome *outcomes = calloc(max, sizeof *outcomes);
    router_recent_event *events = calloc(max, sizeof *events);
    size_t count = 0;
    mm_status st = outcomes && events
                       ? MM_OK
                       : mm_error_set(err, MM_E_INTERNAL, "", "out of memory reading cool-downs");
    if (st == MM_OK)
        st = read_recent(cat, acc->name, outcomes, max, &count, err);
    for (size_t i = 0; st == MM_OK && i < count; i++) {
        events[i].cls = outcome_class(&outcomes[i]);
        events[i].http_status = outcomes[i].http_status;
        events[i].ts_ms = outcomes[i].ts_ms;
        events[i].retry_after_ms = outcomes[i].retry_after_ms;
    }
    if (st == MM_OK)
        acc->cooling_until_ms = router_cooling_until(
            cfg, events, count, now_ms, acc->cooling_reason, sizeof acc->cooling_reason);
    free(outcomes);
    free(events);
    return st;
}

/* The account's usage counters and its reservations of processes that ended. */
static mm_status load_account_usage(mm_catalog *cat, const mm_account *row, router_account *acc,
                                    int64_t now_ms, mm_error *err)
{
    mm_usage_counters c = {0};
    mm_status st = catalog_account_counters(cat, row->name, now_ms,
                                            row->monthly_cap_cents != MM_LIMIT_UNSET, &c, err);
    if (st == MM_OK)
        st = catalog_reservations_ended(cat, row->name, NULL, NULL, now_ms, &acc->reserved_ended,
                                        &acc->reserved_ended_until_ms, err);
    acc->requests_window = c.requests_window;
    acc->tokens_window = c.tokens_window;
    acc->window_oldest_ms = c.window_oldest_ms;
    acc->cost_month_micros = c.cost_month_micros;
    return st;
}

static mm_status add_accounts(mm_catalog *cat, router_snapshot *snap, const loaded_rows *rows,
                              int64_t now_ms, bool limits_only, mm_error *err)
{
    for (size_t i = 0; i < rows->accounts.count; i++) {
        const mm_account *row = &rows->accounts.items[i];
        router_account *acc = router_snapshot_add_account(snap, row->name, row->provider);
        acc->enabled = row->enabled;
        mm_copy(acc->disabled_reason, sizeof acc->disabled_reason, row->disabled_reason);
        acc->rpm = row->rpm;
        acc->tpm = row->tpm;
        acc->monthly_cap_micros = money_cents_to_micros(row->monthly_cap_cents); /* 0 stays 0 */
        acc->health = mm_health_map_get(&rows->health, row->name);
        bool limited = row->rpm != MM_LIMIT_UNSET || row->tpm != MM_LIMIT_UNSET ||
                       row->monthly_cap_cents != MM_LIMIT_UNSET;
        mm_status st =
            !limits_only || limited ? load_account_usage(cat, row, acc, now_ms, err) : MM_OK;
        if (st == MM_OK)
            st = load_cooling(cat, &snap->config, acc, now_ms, err);
        if (st != MM_OK)
            return st;
    }
    return router_snapshot_index_accounts(snap, err);
}

static mm_status add_models(router_snapshot *snap, const loaded_rows *rows, mm_error *err)
{
    for (size_t i = 0; i < rows->models.count; i++) {
        const mm_model *row = &rows->models.items[i];
        router_model *model = router_snapshot_add_model(snap, row->name, row->type);
        for (size_t t = 0; t < row->n_targets; t++) {
            const mm_target *target = &row->targets[t];
            if (!router_model_add_target(snap, model, target->account, target->model,
                                         target->priority))
                return mm_error_set(err, MM_E_INTERNAL, "",
                                    "model '%s' names account '%s', which the catalog does not "
                                    "list",
                                    row->name, target->account);
        }
    }
    return MM_OK;
}

/* The entitlement's usage counters and its reservations of processes that ended. */
static mm_status load_entitlement_usage(mm_catalog *cat, const mm_entitlement *row,
                                        router_entitlement *ent, int64_t now_ms, mm_error *err)
{
    mm_usage_counters c = {0};
    mm_status st = catalog_workspace_counters(cat, row->workspace, row->model, now_ms,
                                              row->monthly_tokens != MM_LIMIT_UNSET, &c, err);
    if (st == MM_OK)
        st = catalog_reservations_ended(cat, NULL, row->workspace, row->model, now_ms,
                                        &ent->reserved_ended, &ent->reserved_ended_until_ms, err);
    ent->requests_window = c.requests_window;
    ent->tokens_window = c.tokens_window;
    ent->window_oldest_ms = c.window_oldest_ms;
    ent->tokens_month = c.tokens_month;
    return st;
}

static mm_status add_entitlements(mm_catalog *cat, router_snapshot *snap, const loaded_rows *rows,
                                  int64_t now_ms, bool limits_only, mm_error *err)
{
    for (size_t i = 0; i < rows->workspaces.count; i++)
        router_snapshot_add_workspace(snap, rows->workspaces.items[i].name);
    for (size_t i = 0; i < rows->entitlements.count; i++) {
        const mm_entitlement *row = &rows->entitlements.items[i];
        router_entitlement *ent = router_snapshot_add_entitlement(snap, row->workspace, row->model);
        if (!ent)
            continue; /* a model left out by the filter */
        ent->rpm = row->rpm;
        ent->tpm = row->tpm;
        ent->monthly_tokens = row->monthly_tokens;
        bool limited = row->rpm != MM_LIMIT_UNSET || row->tpm != MM_LIMIT_UNSET ||
                       row->monthly_tokens != MM_LIMIT_UNSET;
        mm_status st =
            !limits_only || limited ? load_entitlement_usage(cat, row, ent, now_ms, err) : MM_OK;
        if (st != MM_OK)
            return st;
    }
    return MM_OK;
}

mm_status router_snapshot_load(mm_catalog *cat, int64_t now_ms, const router_load_options *opts,
                               router_snapshot **out, mm_error *err)
{
    *out = NULL;
    loaded_rows rows;
    memset(&rows, 0, sizeof rows);
    router_snapshot *snap = NULL;
    bool began = false; /* one read transaction: one consistent picture, one lock taken */
    mm_status st = catalog_read_begin(cat, &began, err);
    if (st == MM_OK)
        st = read_rows(cat, now_ms, opts, &rows, err);
    if (st == MM_OK)
        st = router_snapshot_new(rows.accounts.count, rows.models.count, rows.workspaces.count,
                                 rows.entitlements.count, &snap, err);
    if (st == MM_OK) {
        snap->taken_ms = now_ms;
        st = router_config_load(cat, &snap->config, err);
    }
    bool limits_only = opts && opts->counters_for_limits_only;
    if (st == MM_OK)
        st = add_accounts(cat, snap, &rows, now_ms, limits_only, err);
    if (st == MM_OK)
        st = add_models(snap, &rows, err);
    if (st == MM_OK)
        st = add_entitlements(cat, snap, &rows, now_ms, limits_only, err);
    if (st == MM_OK)
        st = router_snapshot_finish(snap, err);
    st = catalog_read_end(cat, began, st, err);
    if (st == MM_OK && opts && opts->model && opts->accounts) { /* handed over, not freed */
        *opts->accounts = rows.accounts;
        memset(&rows.accounts, 0, sizeof rows.accounts);
    }
    loaded_rows_free(&rows);
    if (st != MM_OK) {
        router_snapshot_free(snap);
        return st;
    }
    *out = snap;
    return MM_OK;
}
