/* policy.h -- the two retry strategies (overload: exponential backoff; quota: fixed delay). */
#ifndef QAFLOW_RETRY_POLICY_H
#define QAFLOW_RETRY_POLICY_H

#include <stddef.h>
#include <stdint.h>

typedef enum { RETRY_POLICY_OVERLOAD, RETRY_POLICY_QUOTA } retry_policy_kind;

typedef struct {
    retry_policy_kind kind;
    int max_retries;   /* overload 3, quota 5 */
    int fixed_delay_s; /* quota: delay when the LLM sent no Retry-After (60) */
    int base_delay_s;  /* overload: delay = base * 2^error_retries (1) */
    int max_delay_s;   /* no delay is longer, whatever Retry-After says (RETRY_MAX_DELAY_S) */
} retry_policy;

/* The default cap on any delay: a Retry-After of hours would pin a message (and its partition's
 * committed offset) in the retry consumer for that long. */
#define RETRY_MAX_DELAY_S 900

typedef struct {
    int forward;       /* 1: send back to questions-pending after delay_ms; 0: dead-letter */
    int64_t delay_ms;  /* delay counted from the error message's Kafka timestamp */
    char reason[256];  /* why it is dead-lettered (forward == 0) */
} retry_decision;

/* Parses "overload" | "quota" and fills the defaults of that policy. Returns 0 or -1. */
int retry_policy_init(retry_policy *p, const char *name, char *err, size_t errlen);
const char *retry_policy_name(retry_policy_kind kind);

/* Decides what happens to an error message. error_retries: transport retries already made
 * for this attempt (as carried by the message); retry_after_s: the LLM's Retry-After, -1 if
 * absent. Overload: error_retries >= max -> dead letter, else base*2^error_retries seconds,
 * or the Retry-After when the server asked for longer. Quota: error_retries >= max -> dead
 * letter, else Retry-After when present, else the fixed delay. Never longer than max_delay_s. */
void retry_policy_decide(const retry_policy *p, int error_retries, long retry_after_s,
                         retry_decision *out);

#endif
