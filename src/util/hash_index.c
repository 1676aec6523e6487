/* The open-addressing position index (linear probing, power-of-two capacity, load <= 1/2) and
 * the FNV-1a / murmur3-finalizer hashes its users key it with. */
#include "util/hash_index.h"

#include <stdlib.h>

uint32_t mm_hash_string(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

uint32_t mm_hash_pair(uint32_t a, uint32_t b)
{
    uint64_t x = ((uint64_t)a << 32) | b;
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return (uint32_t)x;
}

static void place(mm_hash_slot *slots, size_t capacity, mm_hash_slot slot)
{
    size_t at = slot.hash & (capacity - 1);
    while (slots[at].position != 0)
        at = (at + 1) & (capacity - 1);
    slots[at] = slot;
}

bool mm_hash_index_reserve(mm_hash_index *index, size_t n)
{
    size_t capacity = 16;
    while (capacity < n * 2)
        capacity <<= 1;
    if (capacity <= index->capacity)
        return true;
    mm_hash_slot *slots = calloc(capacity, sizeof *slots);
    if (!slots)
        return false;
    for (size_t i = 0; i < index->capacity; i++)
        if (index->slots[i].position != 0)
            place(slots, capacity, index->slots[i]);
    free(index->slots);
    index->slots = slots;
    index->capacity = capacity;
    return true;
}

bool mm_hash_index_add(mm_hash_index *index, uint32_t hash, size_t position)
{
    if (position >= UINT32_MAX)
        return false;
    if ((index->count + 1) * 2 > index->capacity &&
        !mm_hash_index_reserve(index, index->count < 8 ? 16 : index->count * 2))
        return false;
    place(index->slots, index->capacity, (mm_hash_slot){(uint32_t)position + 1, hash});
    index->count++;
    return true;
}

long mm_hash_index_find(const mm_hash_index *index, uint32_t hash, const void *key,
                        mm_hash_match_fn match, const void *data)
{
    if (index->capacity == 0)
        return -1;
    size_t mask = index->capacity - 1;
    for (size_t at = hash & mask; index->slots[at].position != 0; at = (at + 1) & mask) {
        const mm_hash_slot *slot = &index->slots[at];
        if (slot->hash == hash && match(data, slot->position - 1, key))
            return (long)(slot->position - 1);
    }
    return -1;
}

void mm_hash_index_free(mm_hash_index *index)
{
    free(index->slots);
    *index = (mm_hash_index){0};
}
