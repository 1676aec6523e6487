/* Growing an array by doubling: the one home of the capacity rule for the lists that are
 * appended one item at a time (catalog lists, the monitor's account list). */
#ifndef MM_UTIL_GROW_H
#define MM_UTIL_GROW_H

#include <stdbool.h>
#include <stddef.h>

/* Makes room in *items (elem_size bytes an item, *capacity items allocated) for item number
 * count: doubles the capacity (16 at first) when count reaches it. false when out of memory,
 * *items and *capacity then unchanged. */
bool mm_grow(void **items, size_t *capacity, size_t count, size_t elem_size);

#endif
