/* Private to src/ascode/: the desired catalog a checked file describes (what plan compares and
 * apply writes), built by ascode_check.c. */
#ifndef MM_ASCODE_INTERNAL_H
#define MM_ASCODE_INTERNAL_H

#include "ascode/ascode.h"

typedef struct asc_want_account {
    mm_account acc;
    const json_t *obj;
    char *key; /* from env:VAR (wiped and freed), or NULL: keep the stored key */
    char key_env[MM_NAME_MAX + 16];
} asc_want_account;

typedef struct asc_want_model {
    mm_model model; /* targets in model.targets */
    const json_t *obj;
} asc_want_model;

typedef struct asc_want_workspace {
    mm_workspace ws;
    mm_entitlement *ents;
    size_t n_ents;
    const json_t *obj;
} asc_want_workspace;

typedef struct asc_want {
    asc_want_account *accounts;
    size_t n_accounts;
    asc_want_model *models;
    size_t n_models;
    asc_want_workspace *workspaces;
    size_t n_workspaces;
    mm_price *prices;
    size_t n_prices;
    const json_t *settings; /* object key -> string (NULL: none) */
} asc_want;

/* Checks doc (shape, types, duplicates, key references, every catalog rule, references between
 * objects against the file and the catalog) into want; errors into report. MM_E_INVALID when
 * any error was found. Free want with asc_want_free. */
mm_status asc_check(mm_catalog *cat, const asc_doc *doc, bool prune, asc_want *want,
                    asc_report *report, mm_error *err);
void asc_want_free(asc_want *want);

const asc_want_account *asc_want_find_account(const asc_want *want, const char *name);
const asc_want_model *asc_want_find_model(const asc_want *want, const char *name);
const asc_want_workspace *asc_want_find_workspace(const asc_want *want, const char *name);

/* One object's picture (ascode_picture.c): what export writes for it and plan compares. */
json_t *asc_account_picture(const mm_account *acc);
json_t *asc_model_picture(const mm_model *model);
json_t *asc_workspace_picture(const mm_workspace *ws, const mm_entitlement *ents, size_t count);
json_t *asc_price_picture(const mm_price *price);

/* ---- comparing pictures (ascode_plan.c) ---- */
/* The item of list whose "name" (or, for prices, provider and model) matches; NULL when none. */
const json_t *asc_find(const json_t *list, const char *key, const char *name, const char *key2,
                       const char *name2);
/* True when two pictures of an object differ in any field but api_key and entitlements; desc
 * (may be NULL) gets "field old -> new; ..." */
bool asc_fields_differ(const json_t *before, const json_t *after, char *desc, size_t descsz);
/* True when the key the file gives differs from the stored one (decrypted to compare). */
bool asc_key_differs(mm_catalog *cat, const asc_want_account *w, const json_t *now);

#endif
