/* Counts (requests, tokens) parsed as the tables show them: plain digits, thousands separators,
 * or a k/M suffix ("50k", "1.5M"); the one home for that shape, used by the CLI and the console. */
#ifndef MM_UTIL_COUNT_H
#define MM_UTIL_COUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* "200000", "200,000", "50k", "1.5M", "2m" (k = 1,000, M = 1,000,000; case-insensitive; a
 * decimal only with a suffix, and the result must be a whole number) -> *out. Surrounding
 * spaces are allowed. False (and *out untouched) for anything else, a negative number, or a
 * value past INT64_MAX. */
bool mm_count_parse(const char *text, int64_t *out);

/* A limit (requests or tokens per minute or day) from 1 to max as mm_count_parse reads it.
 * MM_E_INVALID with err->field = label and a message naming the label, the range and the
 * shapes accepted ("a whole number from 1 to 1000000, e.g. 50000, 50k or 1.5M"). */
mm_status mm_limit_parse(const char *text, const char *label, int64_t max, int64_t *out,
                         mm_error *err);

/* value in decimal at the end of digits (no NUL; "-" first when negative), as printf's "%lld"
 * writes it; returns its first character and sets *len. The one home of that loop: batches'
 * COPY lines and `health --json` write thousands of numbers, and snprintf was most of their time.
 */
enum { MM_DECIMAL_MAX = 24 };
const char *mm_count_decimal(char digits[MM_DECIMAL_MAX], int64_t value, size_t *len);

#endif
