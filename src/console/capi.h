/* capi.h -- the console's JSON API: /api/overview, /api/topics[/<t>/messages], /api/questions[/<id>], /api/analysis, /api/ask. */
#ifndef CONSOLE_CAPI_H
#define CONSOLE_CAPI_H

#include "cdb.h"
#include "http.h"
#include "kview.h"
#include "sampler.h"

typedef struct capi {
    sampler *sampler;
    kview *kafka;
    cdb *db;
    const char *storage_url;    /* POST /api/ask goes to <storage_url>/query */
    int http_timeout_ms;
    int max_messages;           /* largest limit of /api/topics/<t>/messages */
} capi;

void capi_overview(void *opaque, const http_request *req, http_response *resp);
void capi_topics(void *opaque, const http_request *req, http_response *resp);
void capi_topic_messages(void *opaque, const http_request *req, http_response *resp);
void capi_search(void *opaque, const http_request *req, http_response *resp);
void capi_question(void *opaque, const http_request *req, http_response *resp);
void capi_analysis(void *opaque, const http_request *req, http_response *resp);
void capi_ask(void *opaque, const http_request *req, http_response *resp);
void capi_health(void *opaque, const http_request *req, http_response *resp);

/* Parses an integer query argument: absent -> def; not an integer in [min, max] -> -1 and err. */
int capi_int_arg(const char *text, long def, long min, long max, long *out, char *err, size_t errlen);
/* 1 when name is a valid Kafka topic name / question id (as sql/001_schema.sql checks it). */
int capi_valid_topic(const char *name);
int capi_valid_qid(const char *id);

#endif
