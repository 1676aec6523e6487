/* The Add Target flow of the targets editor: pick an account, pick the provider model among
 * the ones it reported (or type one), confirm with the warnings; added at the end. */
#ifndef MM_UI_TARGET_ADD_H
#define MM_UI_TARGET_ADD_H

#include <stdbool.h>

#include "app.h"
#include "catalog/catalog.h"

/* Adds a target at the end of model's chain; true when one was added. */
bool ui_target_add(ui_app *app, const mm_model *model);

#endif
