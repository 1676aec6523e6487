/* Modal dialogs on panels: message, error, confirm (naming what goes), scrollable text, and a
 * one-field prompt. Each runs a nested turn of the app loop, so resize and background results
 * keep working while it is open. */
#ifndef MM_UI_DIALOG_H
#define MM_UI_DIALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "modal.h"

/* Enter or Esc closes. */
void ui_dialog_message(ui_app *app, const char *title, const char *text);
/* Same, drawn as an error. */
void ui_dialog_error(ui_app *app, const char *title, const char *text);
/* Returns true for yes (y, or Enter on the yes button); Esc, n and the no button say no.
 * The no button has the focus first unless default_yes. */
bool ui_dialog_confirm(ui_app *app, const char *title, const char *text, const char *yes_label,
                       const char *no_label, bool default_yes);
/* A wide dialog for long text (help, JSON), scrolled with arrows, PgUp/PgDn, Home/End. */
void ui_dialog_text(ui_app *app, const char *title, const char *text);
/* Asks for one line of text; returns false on Esc. buf holds the initial and final value. */
bool ui_dialog_prompt(ui_app *app, const char *title, const char *text, const char *label,
                      char *buf, size_t bufsz);

/* The scroll keys of a text view (Up/Down/j/k a line, PgUp/PgDn/Space a page, Home/End/g/G):
 * moves *scroll (clamped at 0; the drawing clamps the end) and returns UI_HANDLED|UI_REDRAW,
 * or UI_IGNORED for another key. */
int ui_scroll_key(int key, int *scroll, int view_h, int n_lines);

#endif
