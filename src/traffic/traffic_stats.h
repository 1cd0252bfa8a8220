/* traffic_stats.h -- outcome counters, latency samples and the text/JSON summary of a traffic run. */
#ifndef QAFLOW_TRAFFIC_STATS_H
#define QAFLOW_TRAFFIC_STATS_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#define TRAFFIC_MAX_ATTEMPTS 8 /* processing_attempts above this land in the last bucket */

typedef struct traffic_samples {
    double *v;
    size_t n, cap;
} traffic_samples;

typedef struct traffic_stats {
    long sent;          /* POST /query issued and answered (any status) or failed on the wire */
    long accepted;      /* 202: new or already in flight, then polled */
    long from_cache;    /* 200 with source "cache" */
    long from_database; /* 200 with source "database" */
    long rejected;      /* POST answered 4xx/5xx */
    long errors;        /* POST failed on the wire (refused, reset, timeout) */
    long completed;     /* final state completed (polled, or 200 at POST) */
    long failed;        /* final state failed */
    long timed_out;     /* still pending when --timeout ran out */
    long unfinished;    /* run interrupted (signal) before a final state */
    long poll_errors;   /* GET /status answered other than 200 or failed on the wire */
    long below_threshold; /* completed with accepted_below_threshold = true */
    long late;            /* sends that left more than --late-ms after their scheduled time */
    double late_max_ms;   /* the latest send, against its schedule */
    long attempts[TRAFFIC_MAX_ATTEMPTS + 1]; /* [k] = completed with k attempts; [0] unknown */
    long status_codes[600];                  /* POST answers by HTTP status */
    double score_sum, first_score_sum;
    long score_n, first_score_n;
    /* Latencies count from each request's scheduled send time (not from when it actually left),
     * so time spent waiting for a free connection is included (wrk2's coordinated-omission fix). */
    traffic_samples e2e_ms;  /* scheduled send -> completed (seen by a poll, or the sync 200) */
    traffic_samples post_ms; /* scheduled send -> the POST's answer (what the user waits for) */
    double duration_s;       /* whole run */
    double send_duration_s;  /* first to last POST */
} traffic_stats;

/* What the run was asked to do, echoed in the summary. */
typedef struct traffic_run_info {
    const char *url;
    const char *dataset;
    const char *distribution;
    const char *select;   /* sequential | uniform | zipf */
    double zipf_s;
    long distinct;        /* distinct questions among the sends */
    const char *mode;     /* async | sync */
    long late_ms;
    double rate;
    long count;
    long concurrency;
    long poll_interval_ms;
    long timeout_s;
} traffic_run_info;

void traffic_stats_init(traffic_stats *s);
void traffic_stats_free(traffic_stats *s);
int traffic_samples_add(traffic_samples *s, double v);
/* Nearest-rank percentile (p in 0..100) of the samples; NAN when there are none. */
double traffic_samples_percentile(const traffic_samples *s, double p);
double traffic_samples_mean(const traffic_samples *s);

/* Records a completed result: attempts (<= 0 unknown), score and first_score (NAN: absent). */
void traffic_stats_add_completed(traffic_stats *s, long attempts, double score, double first_score,
                                 int below_threshold);

void traffic_stats_print(const traffic_stats *s, const traffic_run_info *info, FILE *out);
/* New reference; NULL on out-of-memory. */
json_t *traffic_stats_to_json(const traffic_stats *s, const traffic_run_info *info);

#endif
