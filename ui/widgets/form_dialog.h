/* A form in a modal dialog: a title, an explanatory text, the form's fields with their inline
 * messages, a line for refusals that concern no field, and Save / Cancel. Saving is the
 * caller's submit function, so the dialog stays open (losing nothing) while it refuses. */
#ifndef MM_UI_FORM_DIALOG_H
#define MM_UI_FORM_DIALOG_H

#include <stdbool.h>
#include <stddef.h>

#include "modal.h"
#include "widgets/form.h"

/* Reads the form, validates and saves. Returns true to close the dialog. On a refusal it puts
 * messages at fields (ui_form_set_error) and/or a sentence in other_error, and returns false. */
typedef bool (*ui_form_submit_fn)(ui_app *app, ui_form *f, void *ctx, char *other_error,
                                  size_t other_errorsz);
/* Optional: sees each key before the form does (a field that cycles through choices). Returns
 * UI_HANDLED when it used the key. */
typedef int (*ui_form_key_fn)(ui_app *app, ui_form *f, void *ctx, int key);

typedef struct ui_form_dialog_spec {
    const char *title;
    const char *intro;      /* wrapped above the fields, or NULL */
    const char *save_label; /* "Save", "Create"... */
    ui_form_submit_fn submit;
    ui_form_key_fn key_hook; /* or NULL */
    void *ctx;
} ui_form_dialog_spec;

/* Runs the dialog over f (fields already added). Enter on the last field or F2 saves, Esc
 * cancels. Returns true when submit accepted. The form keeps its values; the caller frees it. */
bool ui_form_dialog_run(ui_app *app, ui_form *f, const ui_form_dialog_spec *spec);

/* A save that lost a race (MM_E_CONFLICT), one wording for every form. Appends "what before →
 * after" to out ("; " between) when before and after differ (empty shown as "(none)"). */
void ui_form_change_append(const ui_app *app, char *out, size_t outsz, const char *what,
                           const char *before, const char *after);
/* "Not saved: another session changed this <kind> since you opened it (<changes>). Your values
 * are kept: Save again to apply them over that change, or Esc to keep theirs." The caller takes
 * the row's new version so that Save again applies the typed values. */
void ui_form_conflict_note(char *out, size_t outsz, const char *kind, const char *changes);

#endif
