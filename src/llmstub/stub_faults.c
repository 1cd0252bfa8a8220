/* stub_faults.c -- validation, partial JSON update and the fault draw of the stub's settings */
#include "stub_faults.h"

#include <stdio.h>
#include <string.h>

void stub_faults_init(stub_faults *f)
{
    memset(f, 0, sizeof(*f));
    snprintf(f->model, sizeof(f->model), "%s", "tinyllama");
}

static int faults_get_rate(json_t *v, const char *key, double *out, char *err, size_t errlen)
{
    if (!json_is_number(v)) {
        snprintf(err, errlen, "%s must be a number", key);
        return -1;
    }
    double d = json_number_value(v);
    if (!(d >= 0.0 && d <= 1.0)) {
        snprintf(err, errlen, "%s must be between 0 and 1", key);
        return -1;
    }
    *out = d;
    return 0;
}

static int faults_get_int(json_t *v, const char *key, int max, int *out, char *err, size_t errlen)
{
    double d;
    if (json_is_integer(v))
        d = (double)json_integer_value(v);
    else if (json_is_real(v) && json_real_value(v) == (double)(long long)json_real_value(v))
        d = json_real_value(v);
    else {
        snprintf(err, errlen, "%s must be an integer", key);
        return -1;
    }
    if (d < 0 || d > max) {
        snprintf(err, errlen, "%s must be between 0 and %d", key, max);
        return -1;
    }
    *out = (int)d;
    return 0;
}

int stub_faults_update(stub_faults *f, const json_t *obj, char *err, size_t errlen)
{
    if (!json_is_object(obj)) {
        snprintf(err, errlen, "config must be a JSON object");
        return -1;
    }
    stub_faults n = *f;
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)obj, key, v) {
        int rc;
        if (strcmp(key, "rate_503") == 0)
            rc = faults_get_rate(v, key, &n.rate_503, err, errlen);
        else if (strcmp(key, "rate_429") == 0)
            rc = faults_get_rate(v, key, &n.rate_429, err, errlen);
        else if (strcmp(key, "rate_402") == 0)
            rc = faults_get_rate(v, key, &n.rate_402, err, errlen);
        else if (strcmp(key, "hang_rate") == 0)
            rc = faults_get_rate(v, key, &n.hang_rate, err, errlen);
        else if (strcmp(key, "retry_after_s") == 0)
            rc = faults_get_int(v, key, 86400, &n.retry_after_s, err, errlen);
        else if (strcmp(key, "latency_ms") == 0)
            rc = faults_get_int(v, key, 3600000, &n.latency_ms, err, errlen);
        else if (strcmp(key, "latency_jitter_ms") == 0)
            rc = faults_get_int(v, key, 3600000, &n.latency_jitter_ms, err, errlen);
        else if (strcmp(key, "model") == 0) {
            const char *s = json_string_value(v);
            if (!s || !*s || strlen(s) >= sizeof(n.model)) {
                snprintf(err, errlen, "model must be a non-empty string under %zu bytes",
                         sizeof(n.model));
                rc = -1;
            } else {
                snprintf(n.model, sizeof(n.model), "%s", s);
                rc = 0;
            }
        } else {
            snprintf(err, errlen, "unknown setting '%s'", key);
            rc = -1;
        }
        if (rc != 0)
            return -1;
    }
    if (n.rate_503 + n.rate_429 + n.rate_402 + n.hang_rate > 1.0 + 1e-9) {
        snprintf(err, errlen, "rate_503 + rate_429 + rate_402 + hang_rate must not exceed 1");
        return -1;
    }
    *f = n;
    return 0;
}

int stub_faults_update_text(stub_faults *f, const char *text, size_t len, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *obj = json_loadb(text, len, 0, &jerr);
    if (!obj) {
        snprintf(err, errlen, "invalid JSON: %s", jerr.text);
        return -1;
    }
    int rc = stub_faults_update(f, obj, err, errlen);
    json_decref(obj);
    return rc;
}

json_t *stub_faults_to_json(const stub_faults *f)
{
    return json_pack("{s:f,s:f,s:f,s:i,s:i,s:i,s:f,s:s}",
                     "rate_503", f->rate_503, "rate_429", f->rate_429, "rate_402", f->rate_402,
                     "retry_after_s", f->retry_after_s, "latency_ms", f->latency_ms,
                     "latency_jitter_ms", f->latency_jitter_ms, "hang_rate", f->hang_rate,
                     "model", f->model);
}

stub_fault_kind stub_faults_pick(const stub_faults *f, double u)
{
    double edge = f->rate_503;
    if (u < edge)
        return STUB_FAULT_503;
    edge += f->rate_429;
    if (u < edge)
        return STUB_FAULT_429;
    edge += f->rate_402;
    if (u < edge)
        return STUB_FAULT_402;
    edge += f->hang_rate;
    if (u < edge)
        return STUB_FAULT_HANG;
    return STUB_FAULT_NONE;
}

int stub_faults_latency(const stub_faults *f, int jitter_draw)
{
    return f->latency_ms + jitter_draw;
}

