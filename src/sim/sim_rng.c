/* splitmix64 and FNV-1a for mmsim's deterministic replies and fault draws. */
#include "sim/sim_rng.h"

uint64_t sim_rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

double sim_rng_unit(uint64_t *state)
{
    return (double)(sim_rng_next(state) >> 11) / 9007199254740992.0;
}

int sim_rng_range(uint64_t *state, int low, int high)
{
    if (high <= low)
        return low;
    uint64_t span = (uint64_t)(high - low) + 1;
    return low + (int)(sim_rng_next(state) % span);
}

uint64_t sim_hash(const void *data, size_t len, uint64_t seed)
{
    const unsigned char *bytes = data;
    uint64_t hash = 0xCBF29CE484222325ULL ^ seed;
    for (size_t i = 0; i < len; i++) {
        hash ^= bytes[i];
        hash *= 0x100000001B3ULL;
    }
    return hash;
}
