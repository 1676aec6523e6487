/* What other pages need from the Prices page: the warning that a monthly cap counts nothing
 * for an account's models without a price (Accounts, Health, the account forms, Add Target). */
#ifndef MM_UI_PAGES_PRICES_H
#define MM_UI_PAGES_PRICES_H

#include <stdbool.h>
#include <stddef.h>

#include "app.h"
#include "catalog/catalog.h"

/* True when a target of account (or, when NULL, of any account with a monthly cap: then
 * "account/model") uses a provider model with no price; out gets up to three of them
 * ("gpt-x, gpt-y +2"). The rule is
 * pricing_find_unpriced (src/router/pricing.c), the one `mmadmin prices` lists. */
bool ui_prices_cap_warning(ui_app *app, const char *account, char *out, size_t outsz);
/* The same warning for every capped account, read on a worker thread with its own catalog
 * connection (the first frame does not wait for 10,000 models' targets): done(app, text,
 * owner) runs on the UI thread, text "" when nothing is unpriced (or the catalog could not be
 * read). False when the job could not start. An owner going away calls ui_jobs_cancel_owner. */
typedef void ui_prices_cap_done_fn(ui_app *app, const char *text, void *owner);
bool ui_prices_cap_warning_start(ui_app *app, void *owner, ui_prices_cap_done_fn *done);
/* After saving acc (saved: "Account x saved"): when it has a monthly cap and a target of it
 * has no price, replaces the message with the saved text and the warning. */
void ui_prices_warn_after_save(ui_app *app, const mm_account *acc, const char *saved);

#endif
