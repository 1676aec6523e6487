/* A pool of strings stored once each at their length, in large chunks that never move, freed
 * all at once: the strings of a list of 10,000 rows without a fixed-size array per field. */
#ifndef MM_UTIL_STRPOOL_H
#define MM_UTIL_STRPOOL_H

#include <stddef.h>

typedef struct mm_string_pool {
    char **chunks; /* each MM_STRING_POOL_CHUNK bytes, or one string longer than that */
    size_t count, capacity;
    size_t used;  /* bytes used in the last chunk */
    size_t room;  /* that chunk's size */
    size_t bytes; /* every chunk's size plus the chunk table: what the pool holds */
} mm_string_pool;

#define MM_STRING_POOL_CHUNK 65536

/* A copy of s (NULL reads as "") that lives until mm_string_pool_free; "" is not stored. NULL
 * when out of memory. */
const char *mm_string_pool_add(mm_string_pool *pool, const char *s);
/* The bytes the pool holds (its chunks and their table). */
size_t mm_string_pool_bytes(const mm_string_pool *pool);
void mm_string_pool_free(mm_string_pool *pool);

#endif
