/* The string pool: copies appended to the last chunk, a new chunk when it is full, one chunk
 * of its own for a string longer than a chunk. */
#include "util/strpool.h"

#include <stdlib.h>
#include <string.h>

static char *new_chunk(mm_string_pool *pool, size_t size)
{
    if (pool->count == pool->capacity) {
        size_t capacity = pool->capacity ? pool->capacity * 2 : 8;
        char **grown = realloc(pool->chunks, capacity * sizeof *grown);
        if (!grown)
            return NULL;
        pool->bytes += (capacity - pool->capacity) * sizeof *grown;
        pool->chunks = grown;
        pool->capacity = capacity;
    }
    char *chunk = malloc(size);
    if (!chunk)
        return NULL;
    pool->chunks[pool->count++] = chunk;
    pool->bytes += size;
    return chunk;
}

const char *mm_string_pool_add(mm_string_pool *pool, const char *s)
{
    if (!s || !*s)
        return "";
    size_t len = strlen(s) + 1;
    char *at;
    if (len > MM_STRING_POOL_CHUNK) { /* its own chunk; the last one keeps its room */
        at = new_chunk(pool, len);
        if (!at)
            return NULL;
        char *last = pool->chunks[pool->count - 1];
        if (pool->count > 1) { /* keep the chunk with room last */
            pool->chunks[pool->count - 1] = pool->chunks[pool->count - 2];
            pool->chunks[pool->count - 2] = last;
        } else {
            pool->used = pool->room = 0;
        }
    } else {
        if (pool->room - pool->used < len) {
            if (!new_chunk(pool, MM_STRING_POOL_CHUNK))
                return NULL;
            pool->used = 0;
            pool->room = MM_STRING_POOL_CHUNK;
        }
        at = pool->chunks[pool->count - 1] + pool->used;
        pool->used += len;
    }
    memcpy(at, s, len);
    return at;
}

size_t mm_string_pool_bytes(const mm_string_pool *pool)
{
    return pool->bytes;
}

void mm_string_pool_free(mm_string_pool *pool)
{
    for (size_t i = 0; i < pool->count; i++)
        free(pool->chunks[i]);
    free(pool->chunks);
    memset(pool, 0, sizeof *pool);
}
