/* The one hash map of the core: an open-addressing index from a key to a position in the
 * caller's array (the caller keeps the keys), plus the string and pair hashes it is used with. */
#ifndef MM_UTIL_HASH_INDEX_H
#define MM_UTIL_HASH_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mm_hash_slot {
    uint32_t position; /* position + 1; 0 = empty */
    uint32_t hash;     /* kept so growing never asks the caller for keys again */
} mm_hash_slot;

/* Zero-initialise; free with mm_hash_index_free. Load stays at most 1/2 (linear probing). */
typedef struct mm_hash_index {
    mm_hash_slot *slots;
    size_t capacity; /* a power of two, or 0 before the first reserve/add */
    size_t count;
} mm_hash_index;

/* FNV-1a of a NUL-terminated string (names). */
uint32_t mm_hash_string(const char *s);
/* A well-mixed hash of two 32-bit numbers (murmur3's finalizer), e.g. (workspace, model). */
uint32_t mm_hash_pair(uint32_t a, uint32_t b);

/* True when the entry at position of the caller's array has key. */
typedef bool (*mm_hash_match_fn)(const void *data, size_t position, const void *key);

/* Makes room for n entries in all without growing; false when out of memory (index unchanged). */
bool mm_hash_index_reserve(mm_hash_index *index, size_t n);
/* Adds position under hash (duplicates are the caller's to refuse: find first); grows as
 * needed; false when out of memory or position does not fit 32 bits. */
bool mm_hash_index_add(mm_hash_index *index, uint32_t hash, size_t position);
/* The position whose entry matches key (match(data, position, key)), or -1. */
long mm_hash_index_find(const mm_hash_index *index, uint32_t hash, const void *key,
                        mm_hash_match_fn match, const void *data);
void mm_hash_index_free(mm_hash_index *index);

#endif
