/* Small string helpers shared by every module: bounded copies that report truncation, the
 * sanitizer that makes provider text safe to print, the policy for format characters, UTF-8
 * decoding and display width. */
#ifndef MM_UTIL_TEXT_H
#define MM_UTIL_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copies src into dst (size dstsz, always NUL-terminated). Returns false if src was truncated. */
bool mm_copy(char *dst, size_t dstsz, const char *src);

/* Copies src into dst making it safe for a terminal: control characters (C0, DEL, C1, ESC
 * sequences) become spaces or are dropped, invalid UTF-8 bytes become '?', format characters
 * are escaped ("<U+202E>", see below), runs of whitespace fold to one space, leading/trailing
 * space is trimmed. Truncates on a character (or escape) boundary. */
void mm_sanitize(char *dst, size_t dstsz, const char *src, size_t srclen);

/* Decodes one UTF-8 character at *p and advances *p past it; an invalid byte gives U+FFFD and
 * advances one byte. *p must not point at the terminating NUL. */
uint32_t mm_utf8_next(const char **p);
/* Columns a code point takes on a terminal (wcwidth in the current locale): 0, 1 or 2; -1 when
 * it is not printable there. */
int mm_char_width(uint32_t cp);
/* The one display width of UTF-8 text in terminal columns (NULL is ""): ASCII and invalid
 * bytes count one column each, other characters their mm_char_width (unprintable: 1). */
int mm_text_width(const char *text);

/* ---- format characters: the one policy ----
 * Unicode format characters (general category Cf: bidi controls U+202A-202E, U+2066-2069,
 * U+200E/F, U+061C; zero-width U+200B-200D, U+2060, U+FEFF; soft hyphen, tags...) and the line
 * and paragraph separators U+2028/2029 draw as nothing or reorder what follows, so text can
 * disguise itself. Names and text admins enter refuse them (catalog/validate.c says which, with
 * mm_format_char_problem); provider text shows them escaped as "<U+202E>" (mm_sanitize), except a
 * zero-width joiner or non-joiner right after a non-ASCII character (emoji sequences, Indic and
 * Arabic scripts), which is kept. */
bool mm_is_format_char(uint32_t cp);
/* "RIGHT-TO-LEFT OVERRIDE", "ZERO WIDTH SPACE"... ("FORMAT CHARACTER" for the rarer ones). */
const char *mm_format_char_name(uint32_t cp);
/* The first format character of UTF-8 text: true with *cp and its byte *offset (may be NULL). */
bool mm_find_format_char(const char *text, uint32_t *cp, size_t *offset);
/* "the description contains U+202E RIGHT-TO-LEFT OVERRIDE, which can disguise text; remove it" */
void mm_format_char_problem(const char *label, uint32_t cp, char *out, size_t outsz);
/* "<U+202E>" (with NUL, at most MM_FORMAT_ESCAPE_MAX bytes). */
#define MM_FORMAT_ESCAPE_MAX 16
void mm_format_char_escape(uint32_t cp, char *out, size_t outsz);
/* A heap copy of mm_sanitize(text) with room for every escape (NULL on out-of-memory). */
char *mm_sanitize_copy(const char *text, size_t len);

/* True if s is non-NULL and not empty. */
static inline bool mm_present(const char *s)
{
    return s && *s;
}

#endif
