/* PostgreSQL array literals built in text form ({1,2}, {"a","b"}, {"\\x0a0b"}): one parameter
 * carries a whole column of rows (`unnest(?1::bigint[], ?2::text[], …)`, `= ANY(?1::text[])`). */
#ifndef MM_DB_ARRAY_H
#define MM_DB_ARRAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct db_array {
    char *text; /* "{…" while being built; "{…}" after db_array_text_of */
    size_t used, cap, count;
    bool failed; /* memory ran out: db_array_text_of returns NULL */
} db_array;

/* Starts an empty array (no allocation until the first element). */
void db_array_init(db_array *a);
/* Appends one element: an integer; a text, quoted and escaped (any bytes but NUL); a bytea as
 * hex (\x…); SQL NULL. */
void db_array_int64(db_array *a, int64_t value);
void db_array_text(db_array *a, const char *value);
void db_array_text_n(db_array *a, const char *value, size_t len); /* len bytes of value */
void db_array_bytea(db_array *a, const void *data, size_t len);
void db_array_null(db_array *a);
/* Appends len bytes as they are (no separator, no quoting: a COPY line's text); false (and
 * a->failed) when memory ran out. The buffer's text is a->text, a->used bytes. */
bool db_array_raw(db_array *a, const void *bytes, size_t len);
/* Appends value in decimal as it is (a COPY field); false (and a->failed) when memory ran out. */
bool db_array_raw_int64(db_array *a, int64_t value);
/* The finished literal (owned by a; valid until db_array_free), or NULL when memory ran out. */
const char *db_array_text_of(db_array *a);
/* The finished literal, now the caller's (free it), the array empty again; NULL when memory ran
 * out. */
char *db_array_take(db_array *a);
void db_array_free(db_array *a);

#endif
