/* stub_engine.h -- the stub's brain: live settings, scripts, fault draws and recorded requests */
#ifndef QAFLOW_STUB_ENGINE_H
#define QAFLOW_STUB_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "stub_api.h"
#include "stub_faults.h"

typedef struct stub_engine stub_engine;

/* What to do with one LLM request. */
typedef struct stub_decision {
    int status;           /* HTTP status to answer with */
    int hang;             /* 1: hold the connection and never answer */
    int latency_ms;       /* wait this long before answering */
    int retry_after_s;    /* >= 0: send Retry-After (only on non-200); -1: none */
    char *answer;         /* 200: the answer text; NULL: default answer (or upstream) */
    char *raw;            /* body to send verbatim, or NULL */
    char *error;          /* error message for non-200, or NULL for the standard one */
    int forward;          /* proxy mode: take the answer from the upstream LLM */
    int scripted;         /* 1 when a script chose this response */
    stub_fault_kind fault;/* the injected fault, STUB_FAULT_NONE for none / scripts */
    char model[STUB_MODEL_MAX]; /* model to report: the request's, else the configured one */
    uint64_t req_id;      /* recorded request id (0 if recording failed) */
} stub_decision;

/* proxy = 1: plain 200s are forwarded upstream instead of answered by the stub.
 * reqlog_capacity >= 1. Returns NULL and fills err. */
stub_engine *stub_engine_create(const stub_faults *initial, uint64_t seed, size_t reqlog_capacity,
                                int proxy, char *err, size_t errlen);
void stub_engine_destroy(stub_engine *e);

/* Decide the fate of one parsed request and record it (at: arrival time, ISO-8601).
 * Thread-safe. Returns 0, or -1 on allocation failure. Free with stub_decision_free. */
int stub_engine_decide(stub_engine *e, const char *path, const stub_request *req, const char *at,
                       stub_decision *out);
void stub_decision_free(stub_decision *d);

/* Record a request that could not be parsed (status 400). */
void stub_engine_record_bad(stub_engine *e, const char *path, const char *at, int status);
/* Set the final status of a recorded request (after a proxy call). */
void stub_engine_finish(stub_engine *e, uint64_t req_id, int status);

/* Admin. Partial config update from JSON text; besides the stub_faults keys it accepts
 * "seed" (integer): restart the random sequence from that seed. All or nothing. */
int stub_engine_config_update(stub_engine *e, const char *text, size_t len, char *err, size_t errlen);
json_t *stub_engine_config_json(stub_engine *e);
void stub_engine_faults(stub_engine *e, stub_faults *out);
int stub_engine_script_add(stub_engine *e, const char *text, size_t len, char *err, size_t errlen);
void stub_engine_script_clear(stub_engine *e);
json_t *stub_engine_script_json(stub_engine *e);
json_t *stub_engine_requests_json(stub_engine *e, const char *match);
void stub_engine_requests_clear(stub_engine *e);

#endif
