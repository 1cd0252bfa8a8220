/* errlog.h -- records each LLM error event in PostgreSQL table llm_errors (idempotent upsert). */
#ifndef QAFLOW_RETRY_ERRLOG_H
#define QAFLOW_RETRY_ERRLOG_H

#include <stddef.h>
#include <stdint.h>

#include "msg.h"

typedef struct errlog errlog;

/* Connects (retrying a few times). Returns NULL and fills err. */
errlog *errlog_create(const char *dsn, char *err, size_t errlen);
void errlog_destroy(errlog *l);

/* Upserts one row keyed by (question_id, retry_count, error_retries, error_type).
 * error_type is the policy's type (the topic the event came from); delay_ms < 0 writes NULL
 * (the question was dead-lettered, no delay applied). Returns 0, or -1 with err. */
int errlog_write(errlog *l, const msg_error *e, const char *error_type, int64_t delay_ms,
                 char *err, size_t errlen);

#endif
