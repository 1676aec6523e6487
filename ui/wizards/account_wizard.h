/* The Add Account wizard (provider, credentials, limits, Test Connection, save) and the
 * account edit form. */
#ifndef MM_UI_ACCOUNT_WIZARD_H
#define MM_UI_ACCOUNT_WIZARD_H

#include <stdbool.h>
#include <stddef.h>

#include "app.h"

/* Runs the wizard; true when an account was saved (its name in saved_name). */
bool ui_account_wizard(ui_app *app, char *saved_name, size_t saved_namesz);
/* Edits the account name; true when saved (the possibly new name in saved_name). */
bool ui_account_edit(ui_app *app, const char *name, char *saved_name, size_t saved_namesz);

#endif
