/* The catalog as code: its text form (YAML or JSON, and LiteLLM's config.yaml), the plan of
 * what applying a file would change, and applying it as one audited change set. */
#ifndef MM_ASCODE_H
#define MM_ASCODE_H

#include <jansson.h>

#include "catalog/catalog.h"
#include "util/strlist.h"

#define ASC_FORMAT_VERSION 1           /* the `mmadmin: 1` line of an exported file */
#define ASC_FILE_MAX (4 * 1024 * 1024) /* bytes: a bigger file is refused before parsing */
#define ASC_KEY_ENV_PREFIX "MM_KEY_"   /* export's key reference: env:MM_KEY_<ACCOUNT> */

typedef enum asc_format { ASC_YAML, ASC_JSON, ASC_LITELLM } asc_format;

/* A parsed file: its tree as JSON values (the same shape export writes) and where each value
 * was in the file (1-based line and column), for error messages. */
typedef struct asc_pos {
    const json_t *value;
    int line, column;
} asc_pos;

typedef struct asc_doc {
    json_t *root;
    json_t *source; /* a LiteLLM import: the file's own tree (root is the translation) */
    asc_pos *pos;   /* the first n_sorted sorted by value pointer, then aliases not yet sorted */
    size_t n_pos, cap_pos, n_sorted;
} asc_doc;

/* Problems found in a file, each "LINE:COLUMN: message", in file order; and notes (what a
 * LiteLLM import could not map). */
typedef struct asc_report {
    mm_string_list errors;
    mm_string_list notes;
} asc_report;

void asc_report_free(asc_report *report);
/* Puts the errors in file order (line, then column). */
void asc_report_sort(asc_report *report);
/* Adds "LINE:COLUMN: message" for value's position (1:1 when unknown). */
void asc_report_error(asc_report *report, const asc_doc *doc, const json_t *value, const char *fmt,
                      ...) __attribute__((format(printf, 4, 5)));
void asc_report_note(asc_report *report, const asc_doc *doc, const json_t *value, const char *fmt,
                     ...) __attribute__((format(printf, 4, 5)));

/* ---- text (ascode_text.c, libfyaml for YAML reading and writing, jansson for JSON) ---- */
/* Reads path (YAML or JSON; refused over ASC_FILE_MAX bytes before it is read) into doc.
 * A syntax error is a report error with its position and MM_E_INVALID; MM_E_IO when the file
 * cannot be read. Plain scalars become numbers, booleans and null; quoted ones strings. */
mm_status asc_doc_read(const char *path, asc_doc *doc, asc_report *report, mm_error *err);
/* The same for text already in memory (len <= ASC_FILE_MAX); name is for messages. */
mm_status asc_doc_parse(const char *text, size_t len, const char *name, asc_doc *doc,
                        asc_report *report, mm_error *err);
void asc_doc_free(asc_doc *doc);
/* Gives value the position of like (a translated value keeps its source's place). */
void asc_doc_alias(asc_doc *doc, const json_t *value, const json_t *like);
/* Sorts the positions again after aliases were added. */
void asc_doc_sort(asc_doc *doc);
/* value's position in doc; false when unknown. */
bool asc_doc_position(const asc_doc *doc, const json_t *value, int *line, int *column);
/* The tree as text: YAML through libfyaml (block style, 2-space indent) or indented JSON.
 * Caller frees *text. */
mm_status asc_text_write(const json_t *root, bool yaml, char **text, mm_error *err);

/* ---- the catalog's picture (ascode_picture.c): the exported tree, in a fixed order
 * (accounts, models, workspaces by name; targets by priority; prices by provider, model;
 * settings by key). Keys are references: env:MM_KEY_<ACCOUNT>; defaults are left out. ---- */
mm_status asc_picture(mm_catalog *cat, json_t **out, mm_error *err);
/* The environment variable export names for an account's key: MM_KEY_<NAME upper, . - as _> */
void asc_key_env_name(const char *account, char *out, size_t outsz);

/* ---- checking a file and the plan (ascode_plan.c) ---- */
typedef struct asc_plan {
    mm_string_list lines; /* what would change, one line each ("+ account x", "~ model y: ..") */
    size_t changes;       /* how many objects would change */
    int64_t version;      /* the catalog's version the plan was made against */
} asc_plan;
/* Checks doc against the file's shape (unknown fields, types, duplicates, references) and every
 * catalog rule (catalog_*_validate), all errors into report (MM_E_INVALID when any); then
 * lists what applying would change, removals (with --prune) naming what they break. */
mm_status asc_plan_make(mm_catalog *cat, const asc_doc *doc, bool prune, asc_plan *plan,
                        asc_report *report, mm_error *err);
void asc_plan_free(asc_plan *plan);

/* ---- applying (ascode_apply.c) ---- */
/* Checks as asc_plan_make, then applies the whole file in one change set (audit label: the
 * file's name): nothing is changed when any part is refused or expect_version (>= 0) is not
 * the catalog's version. *parts: audit entries written (0: nothing to do). */
mm_status asc_apply(mm_catalog *cat, const asc_doc *doc, const char *label, bool prune,
                    int64_t expect_version, size_t *parts, asc_report *report, mm_error *err);

/* ---- LiteLLM (ascode_litellm.c) ---- */
/* Turns a LiteLLM config (doc as read) into an mmadmin tree in place (positions kept for the
 * values it copies): model_list → accounts, models and chains, router_settings.fallbacks (or
 * litellm_settings.fallbacks) → chain order; what it cannot map is a report note. existing (the
 * catalog picture's accounts, may be NULL): an account at the same provider, endpoint and API
 * version is reused, and new names avoid theirs. */
mm_status asc_litellm_import(asc_doc *doc, const json_t *existing, asc_report *report,
                             mm_error *err);
/* A LiteLLM config.yaml tree for the catalog's picture: one model_list entry per target
 * (litellm_params.model "<prefix>/<model>", api_base, api_version, rpm, tpm, order = the
 * target's priority, api_key os.environ/MM_KEY_<ACCOUNT>). */
mm_status asc_litellm_export(const json_t *picture, json_t **out, mm_error *err);

#endif
