/* mmsim's deterministic randomness: splitmix64 streams and an FNV-1a hash to derive a stream
 * from the seed and the request, so the same seed and request give the same answer. */
#ifndef MM_SIM_SIM_RNG_H
#define MM_SIM_SIM_RNG_H

#include <stddef.h>
#include <stdint.h>

/* Next value of the splitmix64 stream in *state. */
uint64_t sim_rng_next(uint64_t *state);
/* A number in [0, 1) from the stream. */
double sim_rng_unit(uint64_t *state);
/* A whole number in [low, high] from the stream. */
int sim_rng_range(uint64_t *state, int low, int high);
/* FNV-1a of data, chained from seed. */
uint64_t sim_hash(const void *data, size_t len, uint64_t seed);

#endif
