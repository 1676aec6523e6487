/* The help screen: every key of the current page, the table keys and the frame keys. */
#ifndef MM_UI_HELP_H
#define MM_UI_HELP_H

#include <stdbool.h>
#include <stddef.h>

#include "modal.h"

/* What the frame hands the help screen about the current page. */
typedef struct ui_help_page {
    const char *title;      /* "Provider Accounts", or NULL */
    const ui_binding *keys; /* the page's binding table */
    size_t n_keys;
    const char *extra; /* the page's legend (thresholds, meanings), or NULL */
    bool read_only;    /* edit keys are listed apart, marked disabled */
} ui_help_page;

/* Shows the help as a scrollable text dialog (a modal) until it is closed. */
void ui_help_show(ui_app *app, const ui_help_page *page);

#endif
