/* The Model Entitlements page's services for other pages (jump to a model's or a workspace's
 * access) and the limits form it shares (requests/min, tokens/min, monthly token cap). */
#ifndef MM_UI_ENTITLEMENTS_H
#define MM_UI_ENTITLEMENTS_H

#include <stdbool.h>

#include "app.h"

/* Switches to the Model Entitlements page showing which workspaces may use model. False when
 * the page is not in the sidebar. */
bool ui_entitlements_show_model(ui_app *app, const char *model);
/* Switches to its reverse view: the models workspace may use. */
bool ui_entitlements_show_workspace(ui_app *app, const char *workspace);

/* Edits the limits of (model, workspace) in a form; when granting, saving also grants access.
 * True when saved (each save one transaction with an audit entry, done by the core). */
bool ui_entitlement_limits_edit(ui_app *app, const char *model, const char *workspace,
                                bool granting);

/* The page's tables (tests count their formatted rows): the list on the left, or the marks on
 * the right. page is the Model Entitlements page. */
struct ui_table;
struct ui_table *ui_entitlements_table(ui_page *page, bool right);

#endif
