/* The text of one form field, edited by code point with grapheme-aware cursor moves: what is
 * typed is stored in typed order whatever it looks like, and a zero-width character (a
 * combining mark, a format character) moves with the character before it. No curses. */
#ifndef MM_UI_FIELD_TEXT_H
#define MM_UI_FIELD_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ui_field_text {
    uint32_t *cps; /* code points */
    size_t len, cap;
    size_t cursor; /* index into cps, always at a grapheme boundary */
    size_t scroll; /* first code point drawn (a grapheme boundary) */
    size_t max;    /* the most code points it holds */
} ui_field_text;

void ui_field_text_init(ui_field_text *t, size_t max_code_points);
/* Replaces the text with UTF-8 (invalid bytes become U+FFFD; cut at max); cursor at the end. */
void ui_field_text_set(ui_field_text *t, const char *utf8);
/* Wipes and frees the code points (a field may hold a key). */
void ui_field_text_free(ui_field_text *t);
/* A heap UTF-8 copy of the text (NULL on out-of-memory); the caller wipes it if secret. */
char *ui_field_text_utf8(const ui_field_text *t);

/* Inserts cp at the cursor and moves past it; false when the field is full. */
bool ui_field_text_insert(ui_field_text *t, uint32_t cp);
/* Deletes the code point before the cursor (undoing the last one typed: an accent alone). */
void ui_field_text_backspace(ui_field_text *t);
/* Deletes the grapheme under the cursor (a character with its marks). */
void ui_field_text_delete(ui_field_text *t);
void ui_field_text_left(ui_field_text *t); /* one grapheme */
void ui_field_text_right(ui_field_text *t);
void ui_field_text_home(ui_field_text *t);
void ui_field_text_end(ui_field_text *t);
void ui_field_text_clear(ui_field_text *t);
void ui_field_text_kill_to_end(ui_field_text *t);

/* Columns a code point takes drawn in a field: a format character is shown as its escape
 * "<U+202E>" (util/text.h), a combining mark takes 0, an unprintable one 1. */
int ui_field_text_cp_columns(uint32_t cp);
/* Columns of the code points [from, to). */
int ui_field_text_columns(const ui_field_text *t, size_t from, size_t to);
/* Moves scroll so that the cursor shows in a field `width` columns wide. */
void ui_field_text_scroll_to_cursor(ui_field_text *t, int width);

#endif
