/* A modal list to choose one row from (an account, a model, a workspace): the caller fills a
 * ui_table, the picker shows it with an explanatory text, with the table's `/` filter and `s`
 * sort, and returns the key of the row chosen with Enter or a click. */
#ifndef MM_UI_PICKER_H
#define MM_UI_PICKER_H

#include <stdbool.h>
#include <stddef.h>

#include "modal.h"
#include "widgets/table.h"

/* Runs the picker over table (already filled; it stays the caller's). intro may be NULL.
 * Returns false on Esc; else copies the chosen row's key into chosen. */
bool ui_picker_run(ui_app *app, const char *title, const char *intro, ui_table *table, char *chosen,
                   size_t chosensz);

#endif
