/* The sidebar's pages, in order: to add a page, write its factory in ui/pages/<name>.c and put
 * it in its row here (replacing the "coming" note). */
#include "page.h"

#include <stdlib.h>

static const ui_page_entry PAGES[] = {
    {"accounts", "Provider Accounts", "Accounts", ui_page_accounts_new, NULL},
    {"models", "Models", "Models", ui_page_models_new, NULL},
    {"entitlements", "Model Entitlements", "Entitlements", ui_page_entitlements_new, NULL},
    {"health", "Provider Health", "Health", ui_page_health_new, NULL},
    {"workspaces", "Workspaces", "Workspaces", ui_page_workspaces_new, NULL},
    {"audit", "Audit Log", "Audit Log", ui_page_audit_new, NULL},
    {"prices", "Prices", "Prices", ui_page_prices_new, NULL},
    {"alerts", "Alerts", "Alerts", ui_page_alerts_new, NULL},
};

const ui_page_entry *ui_page_registry(size_t *count)
{
    *count = sizeof PAGES / sizeof PAGES[0];
    return PAGES;
}

ui_page *ui_page_alloc(const ui_page_ops *ops, const char *id, const char *title, void *state)
{
    ui_page *page = calloc(1, sizeof *page);
    if (!page)
        return NULL;
    page->ops = ops;
    page->id = id;
    page->title = title;
    page->state = state;
    return page;
}
