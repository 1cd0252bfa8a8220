/* stub_engine.c -- decisions under one lock: script first, then the seeded fault draw */
#include "stub_engine.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stub_reqlog.h"
#include "stub_rng.h"
#include "stub_script.h"

struct stub_engine {
    pthread_mutex_t lock;
    stub_faults faults;
    stub_rng rng;
    uint64_t seed;
    stub_script_table *scripts;
    stub_reqlog *reqlog;
    int proxy;
};

stub_engine *stub_engine_create(const stub_faults *initial, uint64_t seed, size_t reqlog_capacity,
                                int proxy, char *err, size_t errlen)
{
    stub_engine *e = calloc(1, sizeof(*e));
    if (!e) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (initial)
        e->faults = *initial;
    else
        stub_faults_init(&e->faults);
    e->seed = seed;
    stub_rng_seed(&e->rng, seed);
    e->proxy = proxy;
    e->scripts = stub_script_create();
    e->reqlog = stub_reqlog_create(reqlog_capacity ? reqlog_capacity : 1);
    if (!e->scripts || !e->reqlog || pthread_mutex_init(&e->lock, NULL) != 0) {
        stub_script_destroy(e->scripts);
        stub_reqlog_destroy(e->reqlog);
        free(e);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    return e;
}

void stub_engine_destroy(stub_engine *e)
{
    if (!e)
        return;
    stub_script_destroy(e->scripts);
    stub_reqlog_destroy(e->reqlog);
    pthread_mutex_destroy(&e->lock);
    free(e);
}

void stub_decision_free(stub_decision *d)
{
    if (!d)
        return;
    free(d->answer);
    free(d->raw);
    free(d->error);
    d->answer = d->raw = d->error = NULL;
}

static int fault_status(stub_fault_kind k)
{
    switch (k) {
    case STUB_FAULT_503: return 503;
    case STUB_FAULT_429: return 429;
    case STUB_FAULT_402: return 402;
    default: return 200;
    }
}

int stub_engine_decide(stub_engine *e, const char *path, const stub_request *req, const char *at,
                       stub_decision *out)
{
    memset(out, 0, sizeof(*out));
    out->retry_after_s = -1;
    stub_step step;
    pthread_mutex_lock(&e->lock);
    const stub_faults *f = &e->faults;
    snprintf(out->model, sizeof(out->model), "%s",
             req->model && *req->model ? req->model : f->model);
    int jitter = f->latency_jitter_ms > 0 ? stub_rng_upto(&e->rng, f->latency_jitter_ms) : 0;
    int latency = stub_faults_latency(f, jitter);
    int m = stub_script_next(e->scripts, req->prompt, &step);
    if (m < 0) {
        pthread_mutex_unlock(&e->lock);
        return -1;
    }
    if (m == 1) {
        out->scripted = 1;
        out->status = step.status;
        out->hang = step.hang;
        out->latency_ms = step.latency_ms >= 0 ? step.latency_ms : latency;
        if (step.status != 200) {
            if (step.retry_after_s >= 0)
                out->retry_after_s = step.retry_after_s;
            else if (f->retry_after_s > 0)
                out->retry_after_s = f->retry_after_s;
        }
        out->answer = step.answer;
        out->raw = step.raw;
        out->error = step.error;
        /* The strings now belong to the decision. */
        step.answer = step.raw = step.error = NULL;
    } else {
        out->fault = stub_faults_pick(f, stub_rng_uniform(&e->rng));
        out->hang = out->fault == STUB_FAULT_HANG;
        out->status = fault_status(out->fault);
        out->latency_ms = latency;
        if (out->status != 200 && f->retry_after_s > 0)
            out->retry_after_s = f->retry_after_s;
    }
    out->forward = e->proxy && !out->hang && out->status == 200 && !out->answer && !out->raw;
    int recorded = out->hang || out->forward ? 0 : out->status;
    out->req_id = stub_reqlog_add(e->reqlog, path, req->model, req->prompt, req->has_seed,
                                  req->seed, recorded, out->hang, at);
    if (out->req_id)
        stub_reqlog_set_body(e->reqlog, out->req_id, req->body);
    pthread_mutex_unlock(&e->lock);
    return 0;
}

void stub_engine_record_bad(stub_engine *e, const char *path, const char *at, int status)
{
    pthread_mutex_lock(&e->lock);
    stub_reqlog_add(e->reqlog, path, NULL, NULL, 0, 0, status, 0, at);
    pthread_mutex_unlock(&e->lock);
}

void stub_engine_finish(stub_engine *e, uint64_t req_id, int status)
{
    if (req_id == 0)
        return;
    pthread_mutex_lock(&e->lock);
    stub_reqlog_set_status(e->reqlog, req_id, status);
    pthread_mutex_unlock(&e->lock);
}

int stub_engine_config_update(stub_engine *e, const char *text, size_t len, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *obj = json_loadb(text, len, 0, &jerr);
    if (!obj) {
        snprintf(err, errlen, "invalid JSON: %s", jerr.text);
        return -1;
    }
    if (!json_is_object(obj)) {
        json_decref(obj);
        snprintf(err, errlen, "config must be a JSON object");
        return -1;
    }
    int has_seed = 0;
    uint64_t seed = 0;
    json_t *s = json_object_get(obj, "seed");
    if (s) {
        if (!json_is_integer(s) || json_integer_value(s) < 0) {
            json_decref(obj);
            snprintf(err, errlen, "seed must be a non-negative integer");
            return -1;
        }
        has_seed = 1;
        seed = (uint64_t)json_integer_value(s);
        json_object_del(obj, "seed");
    }
    pthread_mutex_lock(&e->lock);
    int rc = stub_faults_update(&e->faults, obj, err, errlen);
    if (rc == 0 && has_seed) {
        e->seed = seed;
        stub_rng_seed(&e->rng, seed);
    }
    pthread_mutex_unlock(&e->lock);
    json_decref(obj);
    return rc;
}

json_t *stub_engine_config_json(stub_engine *e)
{
    pthread_mutex_lock(&e->lock);
    json_t *o = stub_faults_to_json(&e->faults);
    if (o)
        json_object_set_new(o, "seed", json_integer((json_int_t)e->seed));
    pthread_mutex_unlock(&e->lock);
    return o;
}

void stub_engine_faults(stub_engine *e, stub_faults *out)
{
    pthread_mutex_lock(&e->lock);
    *out = e->faults;
    pthread_mutex_unlock(&e->lock);
}

int stub_engine_script_add(stub_engine *e, const char *text, size_t len, char *err, size_t errlen)
{
    pthread_mutex_lock(&e->lock);
    int rc = stub_script_add_text(e->scripts, text, len, err, errlen);
    pthread_mutex_unlock(&e->lock);
    return rc;
}

void stub_engine_script_clear(stub_engine *e)
{
    pthread_mutex_lock(&e->lock);
    stub_script_clear(e->scripts);
    pthread_mutex_unlock(&e->lock);
}

json_t *stub_engine_script_json(stub_engine *e)
{
    pthread_mutex_lock(&e->lock);
    json_t *o = stub_script_to_json(e->scripts);
    pthread_mutex_unlock(&e->lock);
    return o;
}

json_t *stub_engine_requests_json(stub_engine *e, const char *match)
{
    pthread_mutex_lock(&e->lock);
    json_t *o = stub_reqlog_to_json(e->reqlog, match);
    pthread_mutex_unlock(&e->lock);
    return o;
}

void stub_engine_requests_clear(stub_engine *e)
{
    pthread_mutex_lock(&e->lock);
    stub_reqlog_clear(e->reqlog);
    pthread_mutex_unlock(&e->lock);
}
