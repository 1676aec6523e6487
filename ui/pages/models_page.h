/* The Models page's state, shared by its two views: the table of logical models
 * (pages/models.c) and the targets editor of one model (pages/models_targets.c). */
#ifndef MM_UI_MODELS_PAGE_H
#define MM_UI_MODELS_PAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog/catalog.h"
#include "catalog/rows.h"
#include "page.h"
#include "catalog/chain_rules.h"
#include "health/health.h"
#include "widgets/table.h"

typedef struct models_page {
    ui_table table;
    char load_error[MM_MESSAGE_MAX + 64];
    mm_model_rows models;        /* as loaded (lean): the table's lazy rows are formatted from it */
    mm_model_rows before;        /* the previous read, while the rows are synced with models */
    mm_model *expanded;          /* one full model at a time, for formatting a row (chain rules) */
    ui_app *app;                 /* for formatting a row when the table first needs it */
    mm_health_map health;        /* account -> status, from the monitor's snapshot (app->health) */
    unsigned long health_serial; /* the app's health_serial it was read from (0: none yet) */
    int64_t health_ms;           /* when it was read (monotonic): refreshed live, throttled */
    /* the rows read so far are read again with a new health map between keys, from this row on
     * (ui_table_reread; table.nrows or more: none left) */
    size_t reread_from;
    /* the targets editor, shown instead of the table while open */
    bool chain_open;
    mm_model chain;           /* the model whose chain is shown (reloaded after each change) */
    bool chain_missing;       /* the model went away (deleted by another session) */
    size_t chain_sel;         /* selected target (index into chain.targets) */
    mm_account_rows accounts; /* provider and state of each target's account */
    char warnings[MM_CHAIN_MAX_WARNINGS][MM_CHAIN_WARNING_MAX];
    size_t n_warnings;
} models_page;

/* Shows the Model Entitlements page on model (a message when the page is missing). */
int models_open_entitlements(ui_app *app, const char *model);

/* ---- the targets editor (pages/models_targets.c) ---- */
void models_targets_open(models_page *mp, ui_app *app, const char *model);
void models_targets_close(models_page *mp);
/* Rereads the model, its accounts and its warnings. */
void models_targets_load(models_page *mp, ui_app *app);
void models_targets_draw(models_page *mp, ui_app *app, WINDOW *win, ui_rect area, bool focused);
int models_targets_key(models_page *mp, ui_app *app, int key);
int models_targets_mouse(models_page *mp, ui_app *app, int y, int x, mmask_t bstate);
const ui_binding *models_targets_bindings(size_t *count);

#endif
