/* Input forms: labelled one-line fields edited by code point with grapheme-aware cursor moves
 * (widgets/field_text.h; secret ones not drawn), a help line under each field that turns into
 * the inline validation message for that field, and values kept across resizes. */
#ifndef MM_UI_FORM_H
#define MM_UI_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog/catalog.h"
#include "modal.h"
#include "widgets/field_text.h"

#define UI_FORM_MAX_FIELDS 12

typedef struct ui_field_def ui_field_def;
/* Checks a field's text (trailing blanks removed) when the user leaves the field and before a
 * save: false with a sentence in msg naming the field, its limit or shape and how to fix it
 * ("the requests-per-minute limit must be a whole number from 1 to 1000000, e.g. 50k") — the
 * same words the save would refuse with. */
typedef bool (*ui_field_check_fn)(const ui_field_def *def, const char *value, char *msg,
                                  size_t msgsz);

struct ui_field_def {
    const char *name;        /* matches mm_error.field: "name", "endpoint", "api_key", "rpm"... */
    const char *label;       /* "API key" */
    const char *help;        /* one line under the field, or NULL */
    bool secret;             /* typed masked */
    int max_len;             /* bytes; 0 = 256 */
    ui_field_check_fn check; /* or NULL: only the length is checked (while typing) */
};

typedef struct ui_form {
    ui_field_def defs[UI_FORM_MAX_FIELDS];
    char *help[UI_FORM_MAX_FIELDS]; /* owned copies of the help texts */
    char *values[UI_FORM_MAX_FIELDS];
    char *initial[UI_FORM_MAX_FIELDS]; /* the values the form opened with (ui_form_changed) */
    char errors[UI_FORM_MAX_FIELDS][MM_MESSAGE_MAX];
    size_t n;
    int current;
    bool touched; /* the user typed something */
    ui_field_text text[UI_FORM_MAX_FIELDS];
    bool placed;
    ui_win win;
    int label_w, rows_per_field, field_x, field_w;
    bool hidden;
} ui_form;

void ui_form_init(ui_form *f);
/* Adds a field (copies def's help text; label and name must outlive the form). */
void ui_form_add(ui_form *f, const ui_field_def *def, const char *value);
/* Unposts and frees everything (values are wiped: they may hold a key). */
void ui_form_free(ui_form *f);
/* How much room a form gives each field: roomy (the field, two help rows, a blank row), compact
 * (the field and one help row) or dense (a row a field, the current field's help under them). */
typedef enum { UI_FORM_ROOMY, UI_FORM_COMPACT, UI_FORM_DENSE } ui_form_spacing;
/* Rows the form needs with that spacing. */
int ui_form_height(const ui_form *f, ui_form_spacing spacing);
/* (Re)creates the form's window at screen position (y, x), width w, height h, posting the
 * fields with their current values. Safe to call again on resize. */
void ui_form_place(ui_form *f, ui_app *app, int y, int x, int w, int h);
/* Removes the form's window (values are kept; place it again to show it). */
void ui_form_unplace(ui_form *f);
void ui_form_hide(ui_form *f, bool hidden);
/* Draws labels, fields (format characters shown as "<U+202E>"), help and error lines and puts
 * the cursor in the current field. */
void ui_form_draw(ui_form *f, ui_app *app);
/* Editing and moving between fields. Returns UI_HANDLED, or UI_IGNORED for keys the caller
 * decides on (Enter on the last field, Esc, PgUp/PgDn, F-keys). Enter on another field moves
 * to the next one. */
int ui_form_handle_key(ui_form *f, ui_app *app, int key);
/* A paste (ui_paste_text) into the current field as one value: surrounding whitespace trimmed
 * with a note in the message line; whitespace or a line break inside refused at the field.
 * A secret field stays masked. ui_form_handle_key calls it for UI_KEY_PASTE. */
int ui_form_paste(ui_form *f, ui_app *app, const char *text);
/* Mouse click inside the form: focuses the clicked field. Returns UI_HANDLED if it was ours. */
int ui_form_handle_mouse(ui_form *f, const MEVENT *ev);
/* The current text of a field ("" when unknown), trailing blanks removed. */
const char *ui_form_value(ui_form *f, const char *name);
/* Copies a field's value into out; when it does not fit, sets the field's error ("Name is too
 * long: at most 63 characters"), focuses it and returns false. */
bool ui_form_copy_value(ui_form *f, const char *name, char *out, size_t outsz);
void ui_form_set_value(ui_form *f, const char *name, const char *value);
/* Shows message under the field name; returns false when the form has no such field. */
bool ui_form_set_error(ui_form *f, const char *name, const char *message);
void ui_form_clear_errors(ui_form *f);
bool ui_form_has_errors(const ui_form *f);
void ui_form_focus(ui_form *f, const char *name);
/* Focuses the first field showing an error; false when none does. */
bool ui_form_focus_first_error(ui_form *f);
/* Runs every field's check (ui_field_def.check), the message at each bad field, and focuses the
 * first bad one. True when all pass. Form dialogs, the account edit form and the wizard call it
 * before they read the values to save. */
bool ui_form_check_all(ui_form *f);
/* True when some value differs from the one the form was opened with. */
bool ui_form_changed(ui_form *f);
/* Esc or Cancel on forms: the one home of "Discard changes?". True (close) when none of the n
 * forms changed, or when the admin answers Discard; false keeps editing. title NULL = "Discard
 * changes?". */
bool ui_form_may_discard(ui_app *app, ui_form *const *forms, size_t n, const char *title);
bool ui_form_on_last_field(const ui_form *f);

#endif
