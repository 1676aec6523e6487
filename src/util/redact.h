/* Redacting a secret from text: the whole secret, or any run of MM_REDACT_MIN_RUN or more of
 * its characters, so a provider that echoes an API key cannot make us store or show it. */
#ifndef MM_UTIL_REDACT_H
#define MM_UTIL_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#define MM_REDACT_MIN_RUN 8 /* bytes of the secret that make a match */
#define MM_REDACT_MARK "[redacted]"

/* A heap copy of text (len bytes, NUL-terminated) where every occurrence of secret becomes its
 * hint ("sk-…wxyz": 3 first and 4 last characters) and every other run of MM_REDACT_MIN_RUN or
 * more bytes that also occurs in secret becomes MM_REDACT_MARK. A secret shorter than 8 bytes
 * is matched whole only; one shorter than 4 (or NULL) redacts nothing. *changed (may be NULL)
 * tells whether anything was replaced. NULL on out-of-memory. */
char *mm_redact_copy(const char *text, size_t len, const char *secret, bool *changed);
/* The same in place on a NUL-terminated buffer of bufsz bytes (truncated to fit on a UTF-8
 * character boundary). Returns false only on out-of-memory (buf is then emptied). */
bool mm_redact(char *buf, size_t bufsz, const char *secret);

/* A catalog address as it may be shown (headers, messages, --json, logs): a postgresql:// or
 * postgres:// URL keeps everything but its password (user:***@host, password=*** in its
 * query), a libpq key=value conninfo gets password=*** (quoted values too); anything else (an
 * SQLite path) is copied as is. Truncated to outsz. */
void mm_redact_address(const char *address, char *out, size_t outsz);
/* In text (a message about address, such as libpq's, which may quote the address or one of its
 * values: "invalid percent-encoded token: \"s3cr%t\""), the whole address becomes its
 * mm_redact_address form and each password it carries becomes ***; a password shorter than 4
 * bytes only inside "...". In place, truncated to textsz (at most 2047 bytes kept). */
void mm_redact_address_in(char *text, size_t textsz, const char *address);

#endif
