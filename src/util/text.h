/* Small string helpers shared by every module: bounded copies that report truncation, the
 * sanitizer that makes provider text safe to print, UTF-8 decoding and display width. */
#ifndef MM_UTIL_TEXT_H
#define MM_UTIL_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copies src into dst (size dstsz, always NUL-terminated). Returns false if src was truncated. */
bool mm_copy(char *dst, size_t dstsz, const char *src);

/* Copies src into dst making it safe for a terminal: control characters (C0, DEL, C1, ESC
 * sequences) become spaces or are dropped, invalid UTF-8 bytes become '?', runs of whitespace
 * fold to one space, leading/trailing space is trimmed. Truncates on a character boundary. */
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

/* True if s is non-NULL and not empty. */
static inline bool mm_present(const char *s)
{
    return s && *s;
}

#endif
