/* PostgreSQL array literals and COPY lines in text form: one growing buffer, elements separated
 * by commas, texts quoted with " and \ escaped, bytea as "\\x<hex>"; raw bytes for COPY. */
#include "catalog/db_array.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/count.h"

void db_array_init(db_array *a)
{
    memset(a, 0, sizeof *a);
}

/* Room for n more bytes plus the closing "}" and NUL; false (a->failed) when memory ran out. */
static bool reserve(db_array *a, size_t n)
{
    if (a->failed)
        return false;
    if (a->used + n + 2 <= a->cap)
        return true;
    size_t cap = a->cap ? a->cap : 256;
    while (cap < a->used + n + 2)
        cap *= 2;
    char *grown = realloc(a->text, cap);
    if (!grown) {
        a->failed = true;
        return false;
    }
    a->text = grown;
    a->cap = cap;
    return true;
}

/* The separator before the next element ("{" before the first); false when out of memory. */
static bool next_element(db_array *a, size_t n)
{
    if (!reserve(a, n + 1))
        return false;
    a->text[a->used++] = a->count++ ? ',' : '{';
    return true;
}

void db_array_int64(db_array *a, int64_t value)
{
    char digits[MM_DECIMAL_MAX];
    size_t n;
    const char *p = mm_count_decimal(digits, value, &n);
    if (next_element(a, n)) {
        memcpy(a->text + a->used, p, n);
        a->used += n;
    }
}

void db_array_text(db_array *a, const char *value)
{
    db_array_text_n(a, value, strlen(value));
}

void db_array_text_n(db_array *a, const char *value, size_t len)
{
    if (!next_element(a, 2 * len + 2))
        return;
    a->text[a->used++] = '"';
    for (const char *c = value; c < value + len; c++) {
        if (*c == '"' || *c == '\\')
            a->text[a->used++] = '\\';
        a->text[a->used++] = *c;
    }
    a->text[a->used++] = '"';
}

void db_array_bytea(db_array *a, const void *data, size_t len)
{
    static const char HEX[] = "0123456789abcdef";
    if (!next_element(a, 2 * len + 5))
        return;
    memcpy(a->text + a->used, "\"\\\\x", 4); /* "\\x: an escaped backslash, then x */
    a->used += 4;
    for (const unsigned char *b = data; len--; b++) {
        a->text[a->used++] = HEX[*b >> 4];
        a->text[a->used++] = HEX[*b & 15];
    }
    a->text[a->used++] = '"';
}

void db_array_null(db_array *a)
{
    if (next_element(a, 4)) {
        memcpy(a->text + a->used, "NULL", 4);
        a->used += 4;
    }
}

bool db_array_raw(db_array *a, const void *bytes, size_t len)
{
    if (!reserve(a, len))
        return false;
    memcpy(a->text + a->used, bytes, len);
    a->used += len;
    return true;
}

bool db_array_raw_int64(db_array *a, int64_t value)
{
    char digits[MM_DECIMAL_MAX];
    size_t n;
    const char *p = mm_count_decimal(digits, value, &n);
    return db_array_raw(a, p, n);
}

const char *db_array_text_of(db_array *a)
{
    if (a->used == 0 && reserve(a, 1))
        a->text[a->used++] = '{';
    if (!reserve(a, 0))
        return NULL;
    memcpy(a->text + a->used, "}", 2); /* not counted: the literal can be read again */
    return a->text;
}

char *db_array_take(db_array *a)
{
    char *text = db_array_text_of(a) ? a->text : NULL;
    if (!text)
        free(a->text);
    db_array_init(a);
    return text;
}

void db_array_free(db_array *a)
{
    free(a->text);
    db_array_init(a);
}
