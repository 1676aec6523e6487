/* The account form fields shared by the Add Account wizard and the edit form: built from the
 * provider's descriptor, read back into an mm_account, validated with the catalog's rules and
 * the messages put next to the field they concern. */
#ifndef MM_UI_ACCOUNT_FIELDS_H
#define MM_UI_ACCOUNT_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include "app.h"
#include "catalog/catalog.h"
#include "providers/provider.h"
#include "widgets/form.h"

/* Adds the name field and the provider's own credential fields. With acc (editing), values
 * come from it and the key field shows only the hint ("leave empty to keep"). */
void account_form_add_credentials(ui_form *f, const mm_provider_info *provider,
                                  const mm_account *acc);
/* Adds requests/min, tokens/min and monthly spending cap (USD). */
void account_form_add_limits(ui_form *f, const mm_account *acc);
/* Copies the fields present in f into acc (limits parsed); the key (if the form has one) into
 * key. On a value that cannot be parsed, sets the message at its field and returns false. */
bool account_form_read(ui_form *f, mm_account *acc, char *key, size_t keysz);
/* Runs catalog_account_validate on acc and key; a refusal is shown at its field when the form
 * has that field (returns false), or copied to other_error (returns false) when it does not. */
bool account_form_validate(ui_form *f, const mm_account *acc, const char *key, char *other_error,
                           size_t other_errorsz);
/* "$2500", "$25.50" (MONEY_WHOLE) or "–"; "3k", "1.5M", "1,234" or "–". */
void account_format_cap(const ui_app *app, int64_t cents, char *out, size_t outsz);
void account_format_limit(const ui_app *app, int64_t value, char *out, size_t outsz);

#endif
