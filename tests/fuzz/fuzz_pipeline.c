/* fuzz_pipeline.c -- fuzz targets for what the pipeline reads from outside: messages, the CSV dataset, LLM answers, POST /query bodies. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "classify.h"
#include "fuzz_targets.h"
#include "json.h"
#include "msg.h"
#include "qid.h"
#include "utf8.h"
#include "yahoo_csv.h"

/* An error text must always be encodable: valid UTF-8, NUL-terminated inside its buffer. */
static void fuzz_check_text(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    if (n == cap || !utf8_valid(s, n))
        abort();
}

int fuzz_msg_init(void) { return 0; }

/* Every decoder on the input; what decodes must encode, and decode again to the same encoding. */
#define FUZZ_MSG_ROUNDTRIP(kind)                                                            \
    do {                                                                                    \
        msg_##kind m, m2;                                                                   \
        char err[256] = "";                                                                 \
        if (msg_##kind##_decode((const char *)data, size, &m, err, sizeof err) == 0) {      \
            char *a = msg_##kind##_encode(&m, err, sizeof err);                             \
            if (!a)                                                                         \
                abort();                                                                    \
            if (msg_##kind##_decode(a, strlen(a), &m2, err, sizeof err) != 0)              \
                abort();                                                                    \
            char *b = msg_##kind##_encode(&m2, err, sizeof err);                            \
            if (!b || strcmp(a, b) != 0)                                                    \
                abort();                                                                    \
            free(a);                                                                        \
            free(b);                                                                        \
            msg_##kind##_free(&m2);                                                         \
            msg_##kind##_free(&m);                                                          \
        } else {                                                                            \
            fuzz_check_text(err, sizeof err);                                               \
        }                                                                                   \
    } while (0)

int fuzz_msg_one(const uint8_t *data, size_t size)
{
    FUZZ_MSG_ROUNDTRIP(pending);
    FUZZ_MSG_ROUNDTRIP(success);
    FUZZ_MSG_ROUNDTRIP(error);
    FUZZ_MSG_ROUNDTRIP(validated);
    FUZZ_MSG_ROUNDTRIP(low_quality);
    FUZZ_MSG_ROUNDTRIP(failed);
    return 0;
}

int fuzz_csv_init(void) { return 0; }

/* The dataset reader on any bytes, in both modes: records are well-formed, errors are bounded. */
int fuzz_csv_one(const uint8_t *data, size_t size)
{
    for (int skip = 0; skip < 2; skip++) {
        FILE *f = fmemopen((void *)data, size ? size : 1, "rb");
        if (!f)
            return 0;
        if (size == 0)
            fgetc(f); /* an empty stream */
        char err[256];
        yahoo_csv *r = yahoo_csv_create(f, skip, err, sizeof err);
        if (r) {
            yahoo_record rec;
            int rc, guard = 0;
            while ((rc = yahoo_csv_next(r, &rec, err, sizeof err)) != 0 && guard++ < 100000) {
                if (rc == 1 && (rec.class_index < 1 || rec.class_index > 10 || !rec.title || !rec.content ||
                                !rec.answer || strlen(rec.title) > rec.title_len))
                    abort();
            }
            yahoo_csv_destroy(r);
        }
        fclose(f);
    }
    return 0;
}

int fuzz_llm_init(void) { return 0; }

/* Any LLM answer body, any status, either API: a parse or a classification, never a crash, and
 * every message it makes is encodable. */
int fuzz_llm_one(const uint8_t *data, size_t size)
{
    static const llm_backend_kind kinds[] = { LLM_BACKEND_OLLAMA, LLM_BACKEND_OPENAI_COMPLETIONS,
                                              LLM_BACKEND_OPENAI_CHAT };
    static const long statuses[] = { 200, 402, 429, 503, 400 };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        char *ans = NULL, err[256] = "";
        if (backend_parse_answer(kinds[k], (const char *)data, size, &ans, err, sizeof err) == 0) {
            if (!ans || !utf8_valid(ans, strlen(ans)))
                abort();
        } else {
            fuzz_check_text(err, sizeof err);
        }
        free(ans);
        for (size_t s = 0; s < sizeof statuses / sizeof statuses[0]; s++) {
            classify_input in = { .net = CLASSIFY_NET_OK, .http_status = statuses[s], .body = (const char *)data,
                                  .body_len = size, .retry_after_s = -1 };
            classify_result c;
            if (classify_exchange(kinds[k], &in, &c) == 0) {
                fuzz_check_text(c.message, sizeof c.message);
                free(c.answer);
            }
        }
    }
    return 0;
}

int fuzz_query_init(void) { return 0; }

/* A POST /query body through the API's validation: a JSON object with two non-blank strings, then
 * the question_id derived from the text; every error is encodable. */
int fuzz_query_one(const uint8_t *data, size_t size)
{
    char err[512] = "";
    const char *text = NULL, *answer = NULL;
    json_t *body = json_parse_object((const char *)data, size, err, sizeof err);
    if (!body || json_field_string(body, "question_text", 1, 1, &text, err, sizeof err) != 0 ||
        json_field_string(body, "original_answer", 1, 1, &answer, err, sizeof err) != 0) {
        fuzz_check_text(err, sizeof err);
        json_decref(body);
        return 0;
    }
    char qid[QID_BUFSZ];
    if (qid_derive(text, strlen(text), qid, err, sizeof err) == 0) {
        if (!qid_valid(qid))
            abort();
    } else {
        fuzz_check_text(err, sizeof err);
    }
    json_decref(body);
    return 0;
}

#if defined(QAFLOW_FUZZ_MSG)
FUZZ_LIBFUZZER_MAIN(fuzz_msg_init, fuzz_msg_one)
#elif defined(QAFLOW_FUZZ_CSV)
FUZZ_LIBFUZZER_MAIN(fuzz_csv_init, fuzz_csv_one)
#elif defined(QAFLOW_FUZZ_LLM)
FUZZ_LIBFUZZER_MAIN(fuzz_llm_init, fuzz_llm_one)
#elif defined(QAFLOW_FUZZ_QUERY)
FUZZ_LIBFUZZER_MAIN(fuzz_query_init, fuzz_query_one)
#endif
