/* stub_rng.h -- small seeded pseudo-random generator (splitmix64) for reproducible faults */
#ifndef QAFLOW_STUB_RNG_H
#define QAFLOW_STUB_RNG_H

#include <stdint.h>

/* Not thread-safe: the engine calls it under its own lock. */
typedef struct stub_rng {
    uint64_t state;
} stub_rng;

void stub_rng_seed(stub_rng *r, uint64_t seed);
uint64_t stub_rng_next(stub_rng *r);
/* Uniform double in [0, 1). */
double stub_rng_uniform(stub_rng *r);
/* Uniform integer in [0, n] (inclusive); 0 when n <= 0. */
int stub_rng_upto(stub_rng *r, int n);

#endif
