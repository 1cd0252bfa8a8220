/* stub_rng.c -- splitmix64: a tiny, well-mixed generator; one seed gives one fault sequence */
#include "stub_rng.h"

void stub_rng_seed(stub_rng *r, uint64_t seed)
{
    r->state = seed;
}

uint64_t stub_rng_next(stub_rng *r)
{
    uint64_t z = (r->state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

double stub_rng_uniform(stub_rng *r)
{
    /* 53 random bits -> exactly representable doubles in [0,1). */
    return (double)(stub_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

int stub_rng_upto(stub_rng *r, int n)
{
    if (n <= 0)
        return 0;
    return (int)(stub_rng_next(r) % ((uint64_t)n + 1));
}
