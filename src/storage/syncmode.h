/* syncmode.h -- POST /query?mode=sync: a bounded pool of workers that ask the LLM, score and regenerate inline (no Kafka). */
#ifndef QAFLOW_STORAGE_SYNCMODE_H
#define QAFLOW_STORAGE_SYNCMODE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "llm_config.h"
#include "pg.h"
#include "prom.h"

/* The regeneration rule, as the ScoreJob applies it (flink/.../Router.java, processElement):
 * score >= threshold: accept; below it, regenerate while retry_count < max_regenerations, else
 * accept the best attempt so far (accepted_below_threshold). The one C copy of that rule. */
typedef enum { SYNCMODE_ACCEPT = 0, SYNCMODE_REGENERATE, SYNCMODE_ACCEPT_BEST } syncmode_route;
syncmode_route syncmode_route_of(double score, double threshold, int retry_count, int max_regenerations);

typedef struct syncmode syncmode;
typedef struct syncmode_worker syncmode_worker;

typedef struct syncmode_opts {
    int workers;              /* questions answered at once; one more gets 503 */
    const llm_config *llm;    /* the LLM worker's settings (src/llm/llm_config.h) */
    const char *scorer_url;   /* qaflow-scorer base URL */
    long scorer_timeout_ms;
    const char *score_field;  /* auto | f1_rescaled | f1 */
    double threshold;
    int max_regenerations;
    prom_registry *prom;
} syncmode_opts;

syncmode *syncmode_create(const syncmode_opts *o, char *err, size_t errlen);
void syncmode_destroy(syncmode *s);
int syncmode_workers(const syncmode *s);

/* Takes an idle worker without waiting; NULL when all are busy (the caller answers 503). */
syncmode_worker *syncmode_acquire(syncmode *s);
void syncmode_release(syncmode *s, syncmode_worker *w);

#define SYNCMODE_MAX_ATTEMPTS 64

typedef struct syncmode_attempt {
    char *answer;
    double score;
    char llm_started_at[32], llm_finished_at[32], scored_at[32];
    double llm_ms, score_ms;
} syncmode_attempt;

typedef struct syncmode_outcome {
    int ok;                   /* 1: an answer was accepted (maybe below the threshold) */
    int accepted;             /* index of the attempt returned */
    int below_threshold;
    int n;                    /* attempts made */
    syncmode_attempt a[SYNCMODE_MAX_ATTEMPTS];
    char created_at[32];
    int64_t started_ms;
    long long total_ms;
    /* when !ok */
    const char *stage;        /* "llm" or "score" */
    const char *error_type;   /* overload | quota | fatal (the LLM worker's classification) | scorer */
    int http_status;
    char reason[512];
} syncmode_outcome;

/* Answers one question on worker w: attempt, score, the rule above; every attempt is made when
 * all_attempts (the threshold calibration: 1 + max_regenerations answers, routing ignored). Every
 * wait is bounded by the LLM and scorer timeouts. Returns 0 with *o filled (o->ok says whether
 * there is an answer), -1 when out of memory. Free with syncmode_outcome_free. */
int syncmode_answer(syncmode *s, syncmode_worker *w, const char *qid, const char *text, const char *reference,
                    int all_attempts, syncmode_outcome *o);
void syncmode_outcome_free(syncmode_outcome *o);

/* Stores an answered question as the persistence consumer stores the pipeline's messages: one
 * low-quality row per attempt below the threshold, then the validated result. */
int syncmode_persist(const syncmode *s, pg_conn *c, const char *qid, const char *text, const char *reference,
                     const syncmode_outcome *o, char *err, size_t errlen);

/* The calibration answer: {"status":"completed","source":"sync","question_id",...,"attempts":[{"retry_count",
 * "bert_score","llm_ms","score_ms"}...]}. New reference or NULL. */
json_t *syncmode_attempts_json(const syncmode *s, const char *qid, const syncmode_outcome *o);

#endif
