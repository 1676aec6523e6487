/* What a reader of every account's status needs of each (name, provider, enabled, reason, cap,
 * a failed last test's message), streamed: no endpoint, key or 2 KB mm_account a row. */
#ifndef MM_CATALOG_ACCOUNT_BRIEF_H
#define MM_CATALOG_ACCOUNT_BRIEF_H

#include <stdbool.h>
#include <stdint.h>

#include "catalog/catalog.h"

typedef struct mm_account_brief {
    const char *name, *provider; /* the texts are valid during the call only */
    const char *disabled_reason; /* "" when none */
    bool enabled;
    int64_t monthly_cap_cents;       /* MM_LIMIT_UNSET when none */
    const char *failed_test_message; /* the last test's message when it failed, else "" */
} mm_account_brief;

typedef void (*mm_account_brief_fn)(const mm_account_brief *acc, void *ctx);

/* Calls fn with every account, by name (strcmp's order, as catalog_account_each). MM_E_DB when
 * the catalog cannot be read. */
mm_status catalog_account_brief_each(mm_catalog *cat, mm_account_brief_fn fn, void *ctx,
                                     mm_error *err);

#endif
