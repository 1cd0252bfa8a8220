/* msg.h -- the one codec for every Kafka message of qaflow (see docs/messages.md). */
#ifndef QAFLOW_MSG_H
#define QAFLOW_MSG_H

#include <stddef.h>

#define MSG_TOPIC_PENDING        "questions-pending"
#define MSG_TOPIC_SUCCESS        "llm-responses-success"
#define MSG_TOPIC_ERR_OVERLOAD   "llm-responses-error-overload"
#define MSG_TOPIC_ERR_QUOTA      "llm-responses-error-quota"
#define MSG_TOPIC_VALIDATED      "validated-responses"
#define MSG_TOPIC_LOW_QUALITY    "low-quality-responses"
#define MSG_TOPIC_FAILED         "questions-failed"

/* Conventions for every struct below:
 * - strings are malloc'd and owned by the struct; msg_<topic>_free() frees the members (not
 *   the struct itself) and leaves it zeroed; freeing a zeroed struct is a no-op.
 * - timestamps are kept as ISO-8601 text exactly as received (decode checks msg_timestamp_valid).
 * - optional string fields are NULL when absent (and omitted by encode);
 *   optional numbers have a has_<field> flag (encode writes them only when set).
 * - run: the run of the question the message belongs to (docs/messages.md), >= 1 in every
 *   message; decode gives 1 when the field is absent, encode refuses a run < 1.
 * - decode: the whole buffer must be one JSON object; required fields present and typed,
 *   question_id a valid id (qid_valid), counts >= 0, scores finite; unknown fields ignored.
 *   On error returns -1, fills err (e.g. "missing field 'bert_score'") and leaves *m zeroed.
 * - encode: returns a malloc'd compact JSON string with the seed's fields first, or NULL and
 *   err when a required string is NULL. */

typedef struct msg_pending {
    char *question_id;
    char *question_text;
    char *original_answer;
    int retry_count;
    char *timestamp;
    /* additions */
    int error_retries;          /* 0 when absent */
    char *created_at;
    int run;                    /* >= 1; 1 when absent */
} msg_pending;

typedef struct msg_success {
    char *question_id;
    char *question_text;
    char *llm_response;         /* may be "" */
    char *original_answer;
    int retry_count;
    long long response_time_ms;
    char *timestamp;
    /* additions */
    int error_retries;          /* 0 when absent */
    char *created_at;
    char *llm_started_at;
    char *llm_finished_at;
    char *model;
    int run;                    /* >= 1; 1 when absent */
} msg_success;

/* llm-responses-error-overload and llm-responses-error-quota share this shape. */
typedef struct msg_error {
    char *question_id;
    char *question_text;
    char *original_answer;
    int retry_count;
    int error_retries;
    char *timestamp;
    /* additions */
    char *error_type;           /* "overload" | "quota" (NULL when absent) */
    int has_http_status;
    int http_status;
    char *error_message;
    int has_retry_after_s;
    int retry_after_s;          /* only when the LLM sent Retry-After */
    char *created_at;
    int run;                    /* >= 1; 1 when absent */
} msg_error;

typedef struct msg_validated {
    char *question_id;
    char *question_text;
    char *llm_response;
    char *original_answer;
    double bert_score;
    int processing_attempts;
    long long total_processing_time_ms;
    char *timestamp;
    /* additions */
    int has_accepted_below_threshold;
    int accepted_below_threshold;
    int has_first_score;
    double first_score;
    char *created_at;
    char *llm_started_at;
    char *llm_finished_at;
    char *scored_at;
    char *model;
    int run;                    /* >= 1; 1 when absent */
} msg_validated;

typedef struct msg_low_quality {
    char *question_id;
    char *llm_response;
    double bert_score;
    int retry_count;
    double threshold;
    char *timestamp;
    /* additions */
    char *created_at;
    char *llm_started_at;
    char *llm_finished_at;
    char *scored_at;
    char *model;
    int run;                    /* >= 1; 1 when absent */
} msg_low_quality;

typedef struct msg_failed {
    char *question_id;
    char *reason;
    char *stage;                /* "storage" | "llm" | "retry" | "score" */
    int retry_count;
    int error_retries;
    char *timestamp;
    /* additions */
    int has_http_status;
    int http_status;
    char *created_at;
    int run;                    /* >= 1; 1 when absent */
} msg_failed;

char *msg_pending_encode(const msg_pending *m, char *err, size_t errlen);
int   msg_pending_decode(const char *buf, size_t len, msg_pending *m, char *err, size_t errlen);
void  msg_pending_free(msg_pending *m);

char *msg_success_encode(const msg_success *m, char *err, size_t errlen);
int   msg_success_decode(const char *buf, size_t len, msg_success *m, char *err, size_t errlen);
void  msg_success_free(msg_success *m);

char *msg_error_encode(const msg_error *m, char *err, size_t errlen);
int   msg_error_decode(const char *buf, size_t len, msg_error *m, char *err, size_t errlen);
void  msg_error_free(msg_error *m);

char *msg_validated_encode(const msg_validated *m, char *err, size_t errlen);
int   msg_validated_decode(const char *buf, size_t len, msg_validated *m, char *err, size_t errlen);
void  msg_validated_free(msg_validated *m);

char *msg_low_quality_encode(const msg_low_quality *m, char *err, size_t errlen);
int   msg_low_quality_decode(const char *buf, size_t len, msg_low_quality *m, char *err, size_t errlen);
void  msg_low_quality_free(msg_low_quality *m);

char *msg_failed_encode(const msg_failed *m, char *err, size_t errlen);
int   msg_failed_decode(const char *buf, size_t len, msg_failed *m, char *err, size_t errlen);
void  msg_failed_free(msg_failed *m);

/* 1 when s is a timestamp of the contract: YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z, a real calendar date
 * (year 0001-9999, no leap second); what both codecs accept (the Flink job's Codec.validTime). */
int msg_timestamp_valid(const char *s);

/* Best-effort look at a message that does not decode: its "run" when that is a valid run, else 1
 * (so a dead letter for it still names the run it most likely belongs to). */
int msg_peek_run(const char *buf, size_t len);

#endif
