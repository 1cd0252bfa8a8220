/* stub_faults.h -- the stub's live fault settings (rates, Retry-After, latency, hangs, model) */
#ifndef QAFLOW_STUB_FAULTS_H
#define QAFLOW_STUB_FAULTS_H

#include <stddef.h>
#include <jansson.h>

#define STUB_MODEL_MAX 128

typedef struct stub_faults {
    double rate_503;       /* share of requests answered 503 (overloaded) */
    double rate_429;       /* share answered 429 (rate limited) */
    double rate_402;       /* share answered 402 (quota exceeded) */
    int retry_after_s;     /* > 0: Retry-After header on 503/429/402 */
    int latency_ms;        /* fixed delay before every answer */
    int latency_jitter_ms; /* plus a uniform random 0..jitter ms */
    double hang_rate;      /* share of requests whose connection is held, never answered */
    char model[STUB_MODEL_MAX]; /* model name reported (and listed by /api/tags, /v1/models) */
} stub_faults;

/* What a single request gets from the fault draw. */
typedef enum stub_fault_kind {
    STUB_FAULT_NONE = 0,
    STUB_FAULT_503,
    STUB_FAULT_429,
    STUB_FAULT_402,
    STUB_FAULT_HANG
} stub_fault_kind;

/* Defaults: no faults, no latency, model "tinyllama". */
void stub_faults_init(stub_faults *f);

/* Apply a partial JSON object ({"rate_503":0.1,...}) to *f. All or nothing: on a bad key,
 * wrong type, out-of-range value or rates summing above 1, *f is unchanged, -1 is returned
 * and err says why. */
int stub_faults_update(stub_faults *f, const json_t *obj, char *err, size_t errlen);

/* Same, from text. */
int stub_faults_update_text(stub_faults *f, const char *text, size_t len, char *err, size_t errlen);

/* New JSON object with every setting (caller owns the reference). */
json_t *stub_faults_to_json(const stub_faults *f);

/* Map a uniform draw u in [0,1) to a fault: the rates partition [0,1) in the order
 * 503, 429, 402, hang; the rest is no fault. */
stub_fault_kind stub_faults_pick(const stub_faults *f, double u);

/* Delay for one request: latency_ms + jitter_draw (0..latency_jitter_ms). */
int stub_faults_latency(const stub_faults *f, int jitter_draw);


#endif
