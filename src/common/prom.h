/* prom.h -- thread-safe counters, gauges and histograms rendered in Prometheus text format. */
#ifndef QAFLOW_PROM_H
#define QAFLOW_PROM_H

#include <stddef.h>

typedef struct prom_registry prom_registry;
typedef struct prom_metric prom_counter;
typedef struct prom_metric prom_gauge;
typedef struct prom_metric prom_histogram;

prom_registry *prom_registry_create(void);
/* Frees the registry and every metric it owns. */
void prom_registry_destroy(prom_registry *r);

/* name: [a-zA-Z_:][a-zA-Z0-9_:]*; labels: NULL or a label set without braces, e.g.
 * "topic=\"questions-pending\",code=\"200\"". Several series of one name (different labels)
 * are rendered under one HELP/TYPE header. Returns NULL on a bad name or allocation failure.
 * The registry owns the metric; the pointer stays valid until prom_registry_destroy. */
prom_counter *prom_counter_create(prom_registry *r, const char *name, const char *help, const char *labels);
prom_gauge *prom_gauge_create(prom_registry *r, const char *name, const char *help, const char *labels);
/* bounds: strictly increasing upper bounds (+Inf is implicit); copied. */
prom_histogram *prom_histogram_create(prom_registry *r, const char *name, const char *help,
                                      const char *labels, const double *bounds, size_t nbounds);

void prom_counter_inc(prom_counter *c);
void prom_counter_add(prom_counter *c, double v);   /* v >= 0 */
double prom_counter_value(const prom_counter *c);

void prom_gauge_set(prom_gauge *g, double v);
void prom_gauge_add(prom_gauge *g, double v);
double prom_gauge_value(const prom_gauge *g);

void prom_histogram_observe(prom_histogram *h, double v);
double prom_histogram_count(const prom_histogram *h);
double prom_histogram_sum(const prom_histogram *h);

/* Default latency buckets in seconds: 0.0005 .. 30. */
extern const double prom_latency_buckets[];
extern const size_t prom_latency_nbuckets;

/* Prometheus text exposition format 0.0.4, malloc'd (caller frees). NULL on allocation failure. */
char *prom_registry_render(prom_registry *r);

#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif
