/* traffic_series.h -- per-second time series of a traffic run (sends, outcomes, latency), written as CSV. */
#ifndef QAFLOW_TRAFFIC_SERIES_H
#define QAFLOW_TRAFFIC_SERIES_H

#include <stdio.h>

typedef enum {
    TRAFFIC_EV_SENT = 0,  /* a POST left */
    TRAFFIC_EV_LATE,      /* ... more than --late-ms after its scheduled time */
    TRAFFIC_EV_ACCEPTED,  /* 202 */
    TRAFFIC_EV_COMPLETED, /* a final completed result (latency: from the scheduled send time) */
    TRAFFIC_EV_FAILED,
    TRAFFIC_EV_REJECTED,  /* POST answered 4xx/5xx */
    TRAFFIC_EV_ERROR,     /* POST failed on the wire */
    TRAFFIC_EV_TIMED_OUT,
    TRAFFIC_EV_N
} traffic_event;

typedef struct traffic_series traffic_series;

traffic_series *traffic_series_create(void);
void traffic_series_destroy(traffic_series *s);
/* Counts one event at t_s seconds after the run started; latency_ms (NAN: none) joins that
 * second's latency samples. Returns 0, or -1 when out of memory (the event is then lost). */
int traffic_series_add(traffic_series *s, double t_s, traffic_event ev, double latency_ms);
/* One header line, then one line per second from 0 to the last second with an event:
 * second,sent,late,accepted,completed,failed,rejected,send_errors,timed_out,latency_p50_ms,latency_p95_ms,latency_max_ms
 * (latency columns empty when nothing completed in that second). Returns 0 or -1 on a write error. */
int traffic_series_write_csv(const traffic_series *s, FILE *out);

/* The same into a file (replaced). Returns 0, or -1 with err filled. */
int traffic_series_write_file(const traffic_series *s, const char *path, char *err, size_t errlen);

#endif
