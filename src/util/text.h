/* Small string helpers shared by every module: bounded copies that report truncation, and the
 * sanitizer that makes provider text safe to draw on a terminal or print. */
#ifndef MM_UTIL_TEXT_H
#define MM_UTIL_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Copies src into dst (size dstsz, always NUL-terminated). Returns false if src was truncated. */
bool mm_copy(char *dst, size_t dstsz, const char *src);

/* Copies src into dst making it safe for a terminal: control characters (C0, DEL, C1, ESC
 * sequences) become spaces or are dropped, invalid UTF-8 bytes become '?', runs of whitespace
 * fold to one space, leading/trailing space is trimmed. Truncates on a character boundary. */
void mm_sanitize(char *dst, size_t dstsz, const char *src, size_t srclen);

/* True if s is non-NULL and not empty. */
static inline bool mm_present(const char *s)
{
    return s && *s;
}

#endif
