/* The health monitor's own account list, streamed from the catalog one account at a time (the
 * accounts table's five columns it reads): about 120 bytes an account, not a full mm_account. */
#include "health/health_accounts.h"

#include <stdlib.h>
#include <string.h>

#include "catalog/account_brief.h"
#include "health/status.h"
#include "util/grow.h"
#include "util/text.h"

typedef struct load_context {
    mm_health_account_list *list;
    bool out_of_memory;
} load_context;

static void add_account(const mm_account_brief *acc, void *ctx)
{
    load_context *load = ctx;
    if (load->out_of_memory || !mm_grow((void **)&load->list->items, &load->list->capacity,
                                        load->list->count, sizeof *load->list->items)) {
        load->out_of_memory = true;
        return;
    }
    mm_health_account *item = &load->list->items[load->list->count];
    memset(item, 0, sizeof *item);
    mm_copy(item->name, sizeof item->name, acc->name);
    mm_copy(item->provider, sizeof item->provider, acc->provider);
    item->enabled = acc->enabled;
    item->monthly_cap_cents = acc->monthly_cap_cents;
    item->key_unreadable = health_test_says_key_unreadable(false, acc->failed_test_message);
    if (acc->disabled_reason[0] && !(item->disabled_reason = strdup(acc->disabled_reason))) {
        load->out_of_memory = true;
        return;
    }
    load->list->count++;
}

mm_status health_accounts_load(mm_catalog *cat, mm_health_account_list *out, mm_error *err)
{
    memset(out, 0, sizeof *out);
    load_context load = {.list = out};
    mm_status st = catalog_account_brief_each(cat, add_account, &load, err);
    if (st == MM_OK && load.out_of_memory)
        st = mm_error_set(err, MM_E_INTERNAL, NULL, "out of memory reading the accounts");
    if (st != MM_OK)
        health_accounts_free(out);
    return st;
}

void health_accounts_free(mm_health_account_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i].disabled_reason);
    free(list->items);
    memset(list, 0, sizeof *list);
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

static bool same_account(const mm_health_account *a, const mm_health_account *b)
{
    return strcmp(a->name, b->name) == 0 && strcmp(a->provider, b->provider) == 0 &&
           a->enabled == b->enabled && a->monthly_cap_cents == b->monthly_cap_cents &&
           a->key_unreadable == b->key_unreadable &&
           strcmp(or_empty(a->disabled_reason), or_empty(b->disabled_reason)) == 0;
}

bool health_accounts_same(const mm_health_account_list *a, const mm_health_account_list *b)
{
    if (a->count != b->count)
        return false;
    for (size_t i = 0; i < a->count; i++)
        if (!same_account(&a->items[i], &b->items[i]))
            return false;
    return true;
}
