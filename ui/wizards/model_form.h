/* The New Logical Model and Edit Model forms: name (with why use-case names are better), type
 * (chosen by cycling: chat, embedding, image, audio) and description. */
#ifndef MM_UI_MODEL_FORM_H
#define MM_UI_MODEL_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "app.h"
#include "catalog/catalog.h"

/* Creates a model; true when one was created (its name in saved_name). */
bool ui_model_create(ui_app *app, char *saved_name, size_t saved_namesz);
/* Edits the model name; true when saved (the possibly new name in saved_name). */
bool ui_model_edit(ui_app *app, const char *name, char *saved_name, size_t saved_namesz);

#endif
