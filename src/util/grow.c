/* Array growth by doubling (mm_grow): realloc to twice the capacity when an append reaches
 * it, the old array kept on failure. */
#include "util/grow.h"

#include <stdlib.h>

bool mm_grow(void **items, size_t *capacity, size_t count, size_t elem_size)
{
    if (count < *capacity)
        return true;
    size_t cap = *capacity ? *capacity * 2 : 16;
    void *grown = realloc(*items, cap * elem_size);
    if (!grown)
        return false;
    *items = grown;
    *capacity = cap;
    return true;
}
