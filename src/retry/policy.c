/* policy.c -- the two retry strategies (overload: exponential backoff; quota: fixed delay). */
#include "policy.h"

#include <stdio.h>
#include <string.h>

int retry_policy_init(retry_policy *p, const char *name, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    if (name && strcmp(name, "overload") == 0) {
        p->kind = RETRY_POLICY_OVERLOAD;
        p->max_retries = 3;
        p->base_delay_s = 1;
        p->fixed_delay_s = 0;
        p->max_delay_s = RETRY_MAX_DELAY_S;
        return 0;
    }
    if (name && strcmp(name, "quota") == 0) {
        p->kind = RETRY_POLICY_QUOTA;
        p->max_retries = 5;
        p->fixed_delay_s = 60;
        p->base_delay_s = 0;
        p->max_delay_s = RETRY_MAX_DELAY_S;
        return 0;
    }
    snprintf(err, errlen, "unknown retry policy '%s' (overload|quota)", name ? name : "");
    return -1;
}

const char *retry_policy_name(retry_policy_kind kind)
{
    return kind == RETRY_POLICY_OVERLOAD ? "overload" : "quota";
}

void retry_policy_decide(const retry_policy *p, int error_retries, long retry_after_s,
                         retry_decision *out)
{
    memset(out, 0, sizeof *out);
    if (error_retries < 0)
        error_retries = 0;
    if (error_retries >= p->max_retries) {
        out->forward = 0;
        snprintf(out->reason, sizeof out->reason, "%s: gave up after %d retries",
                 p->kind == RETRY_POLICY_OVERLOAD ? "LLM overloaded" : "LLM quota exceeded",
                 error_retries);
        return;
    }
    out->forward = 1;
    if (p->kind == RETRY_POLICY_OVERLOAD) {
        int shift = error_retries > 20 ? 20 : error_retries;
        int64_t d = (int64_t)p->base_delay_s * 1000 * ((int64_t)1 << shift);
        if (retry_after_s > 0 && retry_after_s * 1000 > d)
            d = retry_after_s * 1000;
        out->delay_ms = d;
    } else {
        out->delay_ms = retry_after_s >= 0 ? (int64_t)retry_after_s * 1000
                                           : (int64_t)p->fixed_delay_s * 1000;
    }
    if (p->max_delay_s > 0 && out->delay_ms > (int64_t)p->max_delay_s * 1000)
        out->delay_ms = (int64_t)p->max_delay_s * 1000;
}
