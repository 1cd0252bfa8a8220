/* traffic_progress.h -- the live progress line of a traffic run (only when the output is a terminal). */
#ifndef QAFLOW_TRAFFIC_PROGRESS_H
#define QAFLOW_TRAFFIC_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

#include "traffic_stats.h"

typedef enum { TRAFFIC_PROGRESS_AUTO = 0, TRAFFIC_PROGRESS_ALWAYS, TRAFFIC_PROGRESS_NEVER } traffic_progress_mode;

typedef struct traffic_progress {
    FILE *out;
    int enabled;
    long total;       /* questions the run sends */
    double rate;      /* asked rate (<= 0: unpaced) */
    int64_t start_us, last_us;
    int drawn;        /* a line is on screen (end() finishes it with a newline) */
} traffic_progress;

/* Parses "auto", "always" or "never". Returns 0 or -1. */
int traffic_progress_parse(const char *name, traffic_progress_mode *out);

/* auto: enabled only when out is a terminal. */
void traffic_progress_init(traffic_progress *p, FILE *out, traffic_progress_mode mode, long total, double rate,
                           int64_t start_us);
/* Redraws the line (sent, accepted, completed, failed, rate, ETA) when enabled and at least a
 * second has passed since the last one. */
void traffic_progress_tick(traffic_progress *p, const traffic_stats *st, int64_t now_us);
/* Draws the final state and ends the line. */
void traffic_progress_end(traffic_progress *p, const traffic_stats *st, int64_t now_us);

#endif
