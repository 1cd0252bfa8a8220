/* traffic_client.h -- drives a traffic run: paced POST /query, GET /status polling, outcomes into the stats (libcurl multi). */
#ifndef QAFLOW_TRAFFIC_CLIENT_H
#define QAFLOW_TRAFFIC_CLIENT_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "traffic_progress.h"
#include "traffic_questions.h"
#include "traffic_sched.h"
#include "traffic_series.h"
#include "traffic_stats.h"

typedef struct traffic_client_opts {
    const char *url;          /* storage base URL, e.g. http://127.0.0.1:5001 */
    long count;               /* questions to send */
    const long *order;        /* question index of each send (count entries); NULL: i % loaded */
    int sync;                 /* POST /query?mode=sync: the 200 is the final answer, nothing to poll */
    int all_attempts;         /* with sync: &attempts=all (threshold calibration: every attempt's score) */
    long late_ms;             /* a send leaving later than this after its scheduled time counts as late */
    double rate;              /* per second; <= 0: as fast as concurrency allows */
    traffic_dist dist;
    uint64_t seed;
    long concurrency;         /* HTTP requests in flight at most (POSTs and polls together) */
    long poll_interval_ms;
    long timeout_s;           /* per question, from its POST to a final state */
    long http_timeout_ms;     /* per HTTP request */
    int no_wait;              /* only send: do not poll */
    FILE *results;            /* when not NULL: one JSON line per question */
    traffic_series *series;   /* when not NULL: per-second counts and latencies */
    traffic_progress *progress; /* when not NULL: ticked as the run goes */
    volatile sig_atomic_t *stop; /* set by a signal handler: stop sending, report what is known */
} traffic_client_opts;

/* Runs to the end (every question final, timed out, or stop set). Returns 0 and fills st
 * (initialised by the caller), or -1 with err filled when the run could not start. */
int traffic_client_run(const traffic_client_opts *o, const traffic_questions *qs, traffic_stats *st, char *err,
                       size_t errlen);

/* Reads a storage answer ({"status":..., "result":{...}} or flat): the status string, the
 * question_id, bert_score, first_score (NAN when absent), processing_attempts (0 when
 * absent), accepted_below_threshold and the failure reason. Pure: used by the unit tests.
 * Returns 0, or -1 if body is not a JSON object with a string "status". */
typedef struct traffic_answer {
    char status[16];
    char question_id[129];
    char source[16];
    char reason[160];
    double bert_score, first_score;
    long attempts;
    int below_threshold;
    double attempt_scores[16]; /* "attempts":[{"bert_score":..}...] of a calibration answer */
    int n_attempt_scores;
} traffic_answer;
int traffic_answer_parse(const char *body, size_t len, traffic_answer *a);

#endif
