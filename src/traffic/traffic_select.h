/* traffic_select.h -- which question each send asks: sequential, uniform or Zipf(s) over the loaded questions. */
#ifndef QAFLOW_TRAFFIC_SELECT_H
#define QAFLOW_TRAFFIC_SELECT_H

#include <stddef.h>
#include <stdint.h>

typedef enum { TRAFFIC_SELECT_SEQUENTIAL = 0, TRAFFIC_SELECT_UNIFORM, TRAFFIC_SELECT_ZIPF } traffic_select_kind;

/* Parses "sequential", "uniform" or "zipf". Returns 0, or -1 for anything else. */
int traffic_select_parse(const char *name, traffic_select_kind *out);
const char *traffic_select_name(traffic_select_kind k);

/* Fills order[0..count) with question indices in [0, n):
 *   sequential: 0, 1, ..., n-1, 0, 1, ... (the dataset reused in order);
 *   uniform:    independent uniform draws;
 *   zipf:       independent draws with P(index i) proportional to 1/(i+1)^s (index 0 the most asked).
 * Draws come from a generator seeded by seed (the same seed gives the same order). s must be
 * >= 0 (s = 0 is uniform). Returns 0, or -1 with err filled (bad arguments, out of memory). */
int traffic_select_order(traffic_select_kind k, double s, size_t n, long count, uint64_t seed, long *order,
                         char *err, size_t errlen);

/* Distinct values among order[0..count) (each < n). Returns -1 when out of memory. */
long traffic_select_distinct(const long *order, long count, size_t n);

#endif
