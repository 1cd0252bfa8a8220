/* traffic_sched.h -- arrival schedule of the traffic generator: uniform or Poisson gaps from a seeded RNG. */
#ifndef QAFLOW_TRAFFIC_SCHED_H
#define QAFLOW_TRAFFIC_SCHED_H

#include <stdint.h>

typedef enum { TRAFFIC_DIST_UNIFORM = 0, TRAFFIC_DIST_POISSON } traffic_dist;

typedef struct traffic_sched {
    traffic_dist dist;
    double rate;     /* questions per second; <= 0: no pacing (every gap is 0) */
    uint64_t state;  /* splitmix64 state */
} traffic_sched;

/* Parses "uniform" or "poisson". Returns 0, or -1 for anything else. */
int traffic_dist_parse(const char *name, traffic_dist *out);
const char *traffic_dist_name(traffic_dist d);

void traffic_sched_init(traffic_sched *s, traffic_dist dist, double rate, uint64_t seed);
/* Microseconds from one send to the next: 1e6/rate for uniform, an exponential draw with
 * mean 1e6/rate for Poisson arrivals. */
int64_t traffic_sched_next_gap_us(traffic_sched *s);
/* Uniform double in [0, 1) from the same generator (also used to shuffle the dataset). */
double traffic_sched_uniform(traffic_sched *s);

#endif
