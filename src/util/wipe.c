/* Wiping allocation: each block is zeroed over its whole usable size before free, and realloc
 * moves into a new block so the old one can be zeroed too (libc realloc would not). */
#include "util/wipe.h"

#include <jansson.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

void mm_wipe(void *ptr, size_t n)
{
    if (ptr && n)
        explicit_bzero(ptr, n);
}

void *mm_wipe_malloc(size_t size)
{
    return malloc(size);
}

void mm_wipe_free(void *ptr)
{
    if (!ptr)
        return;
    mm_wipe(ptr, malloc_usable_size(ptr));
    free(ptr);
}

void *mm_wipe_realloc(void *ptr, size_t size)
{
    if (!ptr)
        return malloc(size);
    if (size == 0) {
        mm_wipe_free(ptr);
        return NULL;
    }
    size_t old = malloc_usable_size(ptr);
    if (size <= old)
        return ptr; /* fits: libc would keep it in place too */
    void *moved = malloc(size);
    if (!moved)
        return NULL; /* ptr stays valid, as realloc leaves it */
    memcpy(moved, ptr, old);
    mm_wipe_free(ptr);
    return moved;
}

void *mm_wipe_calloc(size_t count, size_t size)
{
    return calloc(count, size);
}

char *mm_wipe_strdup(const char *s)
{
    return strdup(s);
}

void mm_wipe_install_json(void)
{
    json_set_alloc_funcs(mm_wipe_malloc, mm_wipe_free);
}
