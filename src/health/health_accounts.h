/* The health monitor's own account list: what the figures and statuses read of each account
 * (name, provider, enabled, reason, cap), not the endpoint, key or last test of mm_account. */
#ifndef MM_HEALTH_ACCOUNTS_H
#define MM_HEALTH_ACCOUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "error.h"

/* What the figures read of an account (the monitor's own list: name, provider and the status
 * inputs; none of the endpoint, key or last test of mm_account). */
typedef struct mm_health_account {
    char name[MM_NAME_MAX];
    char provider[MM_PROVIDER_ID_MAX];
    bool enabled;
    int64_t monthly_cap_cents; /* MM_LIMIT_UNSET when none */
    char *disabled_reason;     /* NULL when none */
    bool key_unreadable;       /* its last test: the stored key cannot be decrypted (not probed) */
} mm_health_account;

typedef struct mm_health_account_list {
    mm_health_account *items; /* the catalog's list order (by name) */
    size_t count, capacity;
} mm_health_account_list;

/* Every account, as the figures read it, streamed from the catalog (no full account list in
 * memory). */
mm_status health_accounts_load(mm_catalog *cat, mm_health_account_list *out, mm_error *err);
void health_accounts_free(mm_health_account_list *list);
/* Whether the two lists say the same to the figures (names, providers, enabled,
 * reasons, caps). */
bool health_accounts_same(const mm_health_account_list *a, const mm_health_account_list *b);

#endif
