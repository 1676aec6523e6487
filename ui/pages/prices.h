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
/* After saving acc (saved: "Account x saved"): when it has a monthly cap and a target of it
 * has no price, replaces the message with the saved text and the warning. */
void ui_prices_warn_after_save(ui_app *app, const mm_account *acc, const char *saved);

#endif
