/* Lean lists of catalog rows, for readers that hold 10,000 of them (the console's pages): the
 * numbers as they are, each string stored once at its length in the list's pool instead of in
 * the fixed-size arrays of mm_account (~2 KB) or mm_model (~3.7 KB with its 16 target slots).
 * Same rows, same order as catalog_*_list; a row expands to the full struct for code that takes
 * one (one at a time: copy it, do not keep 10,000). */
#ifndef MM_CATALOG_ROWS_H
#define MM_CATALOG_ROWS_H

#include "catalog/catalog.h"
#include "util/strpool.h"

/* ---- accounts (catalog_account_list's rows, name order) ---- */
typedef struct mm_account_row {
    int64_t id;
    const char *name, *provider, *endpoint, *api_version, *ca_bundle, *key_hint;
    const char *disabled_reason, *last_test_class, *last_test_message;
    int64_t rpm, tpm, monthly_cap_cents; /* as mm_account's: MM_LIMIT_UNSET or set */
    int64_t version, created_ms, updated_ms;
    int64_t last_test_ms, last_test_latency_ms; /* 0 = never tested */
    bool has_key, enabled, last_test_ok;
} mm_account_row;

typedef struct mm_account_rows {
    mm_account_row *items;
    size_t count;
    mm_string_pool pool;
} mm_account_rows;

/* Every account, in name order. Free with mm_account_rows_free (also after an error). */
mm_status catalog_account_rows(mm_catalog *cat, mm_account_rows *out, mm_error *err);
void mm_account_row_expand(const mm_account_row *row, mm_account *out);
/* The row of name (binary search: the rows are in name order), or NULL. */
const mm_account_row *mm_account_rows_find(const mm_account_rows *rows, const char *name);
/* Bytes the list holds (rows and strings). */
size_t mm_account_rows_bytes(const mm_account_rows *rows);
void mm_account_rows_free(mm_account_rows *rows);

/* ---- logical models with their chains (catalog_model_list's rows, name order) ---- */
typedef struct mm_target_row {
    int64_t id;
    int priority;
    const char *account, *model; /* model: the provider model id */
} mm_target_row;

typedef struct mm_model_row {
    int64_t id;
    const char *name, *type, *description;
    int64_t version, created_ms, updated_ms;
    size_t n_entitled;
    size_t first_target, n_targets; /* the chain: targets[first_target..], priority order */
} mm_model_row;

typedef struct mm_model_rows {
    mm_model_row *items;
    size_t count;
    mm_target_row *targets; /* every model's chain, model after model */
    size_t n_targets;
    mm_string_pool pool;
} mm_model_rows;

/* Every model, in name order, with its chain when chains (at most MM_MAX_TARGETS targets, as
 * catalog_model_list; without: n_targets 0 and the targets are not read). Free with
 * mm_model_rows_free (also after an error). */
mm_status catalog_model_rows(mm_catalog *cat, bool chains, mm_model_rows *out, mm_error *err);
/* The full model of row i, its chain included. */
void mm_model_row_expand(const mm_model_rows *rows, size_t i, mm_model *out);
const mm_model_row *mm_model_rows_find(const mm_model_rows *rows, const char *name);
size_t mm_model_rows_bytes(const mm_model_rows *rows);
void mm_model_rows_free(mm_model_rows *rows);

/* ---- workspaces (catalog_workspace_list's rows, name order) ---- */
typedef struct mm_workspace_row {
    int64_t id;
    const char *name, *description;
    int64_t version, created_ms, updated_ms;
    size_t n_entitlements;
} mm_workspace_row;

typedef struct mm_workspace_rows {
    mm_workspace_row *items;
    size_t count;
    mm_string_pool pool;
} mm_workspace_rows;

mm_status catalog_workspace_rows(mm_catalog *cat, mm_workspace_rows *out, mm_error *err);
void mm_workspace_row_expand(const mm_workspace_row *row, mm_workspace *out);
const mm_workspace_row *mm_workspace_rows_find(const mm_workspace_rows *rows, const char *name);
size_t mm_workspace_rows_bytes(const mm_workspace_rows *rows);
void mm_workspace_rows_free(mm_workspace_rows *rows);

#endif
