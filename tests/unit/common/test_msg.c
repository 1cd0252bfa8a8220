/* test_msg.c -- the message codec against the fixtures in tests/fixtures/messages: round trip and rejections. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "msg.h"

typedef char *(*roundtrip_fn)(const char *buf, size_t len, int *decoded, char *err, size_t errlen);

#define ROUNDTRIP(topic)                                                                     \
    static char *rt_##topic(const char *buf, size_t len, int *decoded, char *err, size_t el) \
    {                                                                                        \
        msg_##topic m;                                                                       \
        *decoded = msg_##topic##_decode(buf, len, &m, err, el) == 0;                         \
        if (!*decoded) return NULL;                                                          \
        char *out = msg_##topic##_encode(&m, err, el);                                       \
        msg_##topic##_free(&m);                                                              \
        return out;                                                                          \
    }
ROUNDTRIP(pending)
ROUNDTRIP(success)
ROUNDTRIP(error)
ROUNDTRIP(validated)
ROUNDTRIP(low_quality)
ROUNDTRIP(failed)

typedef struct topic_case {
    const char *file;
    roundtrip_fn fn;
    const char *required[10];   /* the contract's required fields (docs/messages.md) */
} topic_case;

static const topic_case cases[] = {
    { "questions-pending.json", rt_pending,
      { "question_id", "question_text", "original_answer", "retry_count", "timestamp" } },
    { "llm-responses-success.json", rt_success,
      { "question_id", "question_text", "llm_response", "original_answer", "retry_count",
        "response_time_ms", "timestamp" } },
    { "llm-responses-error-overload.json", rt_error,
      { "question_id", "question_text", "original_answer", "retry_count", "error_retries", "timestamp" } },
    { "llm-responses-error-quota.json", rt_error,
      { "question_id", "question_text", "original_answer", "retry_count", "error_retries", "timestamp" } },
    { "validated-responses.json", rt_validated,
      { "question_id", "question_text", "llm_response", "original_answer", "bert_score",
        "processing_attempts", "total_processing_time_ms", "timestamp" } },
    { "low-quality-responses.json", rt_low_quality,
      { "question_id", "llm_response", "bert_score", "retry_count", "threshold", "timestamp" } },
    { "questions-failed.json", rt_failed,
      { "question_id", "reason", "stage", "retry_count", "error_retries", "timestamp" } },
};

static int is_required(const topic_case *tc, const char *key)
{
    for (int i = 0; i < 10 && tc->required[i]; i++)
        if (strcmp(tc->required[i], key) == 0) return 1;
    return 0;
}

static char *dump(json_t *v) { return json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER); }

/* A value of the wrong JSON type for v. */
static json_t *wrong_type(const json_t *v)
{
    if (json_is_string(v)) return json_integer(5);
    if (json_is_boolean(v)) return json_string("yes");
    return json_string("not a number");
}

static void test_case(const topic_case *tc)
{
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/%s", QAFLOW_FIXTURES_DIR, tc->file);
    json_error_t je;
    json_t *fixture = json_load_file(path, JSON_PRESERVE_ORDER, &je);
    CHECK_MSG(fixture != NULL, "cannot load %s: %s", path, je.text);
    if (!fixture) return;
    char *text = dump(fixture);

    /* decode -> encode gives the same keys and values */
    int decoded;
    char *out = tc->fn(text, strlen(text), &decoded, err, sizeof err);
    CHECK_MSG(decoded && out, "%s: %s", tc->file, err);
    if (out) {
        json_t *back = json_loads(out, 0, &je);
        CHECK_MSG(back && json_equal(back, fixture), "%s: round trip differs:\n in: %s\nout: %s",
                  tc->file, text, out);
        /* the seed's fields come first, in the contract's order */
        const char *key;
        json_t *val;
        int idx = 0;
        json_object_foreach(back, key, val) {
            if (idx < 10 && tc->required[idx]) CHECK_STR(key, tc->required[idx]);
            idx++;
        }
        json_decref(back);
        free(out);
    }

    /* every required field: missing -> error naming it; wrong type -> error naming it */
    for (int i = 0; i < 10 && tc->required[i]; i++) {
        const char *k = tc->required[i];
        json_t *copy = json_deep_copy(fixture);
        json_object_del(copy, k);
        char *s = dump(copy);
        err[0] = '\0';
        out = tc->fn(s, strlen(s), &decoded, err, sizeof err);
        CHECK_MSG(!decoded && !out, "%s: missing '%s' accepted", tc->file, k);
        CHECK_MSG(strstr(err, k) != NULL, "%s: error '%s' does not name '%s'", tc->file, err, k);
        free(s);
        free(out);
        json_object_set_new(copy, k, wrong_type(json_object_get(fixture, k)));
        s = dump(copy);
        err[0] = '\0';
        out = tc->fn(s, strlen(s), &decoded, err, sizeof err);
        CHECK_MSG(!decoded && !out, "%s: wrong-typed '%s' accepted", tc->file, k);
        CHECK_MSG(strstr(err, k) != NULL, "%s: error '%s' does not name '%s'", tc->file, err, k);
        free(s);
        free(out);
        json_decref(copy);
    }

    /* the additions are optional: dropping all of them still decodes, and encode omits them
     * (error_retries defaults to 0 where the seed did not have it) */
    json_t *seed_only = json_object();
    for (int i = 0; i < 10 && tc->required[i]; i++)
        json_object_set(seed_only, tc->required[i], json_object_get(fixture, tc->required[i]));
    char *s = dump(seed_only);
    out = tc->fn(s, strlen(s), &decoded, err, sizeof err);
    CHECK_MSG(decoded && out, "%s: seed-only message rejected: %s", tc->file, err);
    if (out) {
        json_t *back = json_loads(out, 0, &je);
        const char *key;
        json_t *val;
        json_object_foreach(back, key, val) {
            if (is_required(tc, key)) {
                CHECK_MSG(json_equal(val, json_object_get(fixture, key)), "%s: '%s' changed", tc->file, key);
            } else {
                /* error_retries defaults to 0, run to 1; other absent additions stay absent */
                CHECK_MSG((strcmp(key, "error_retries") == 0 && json_integer_value(val) == 0) ||
                              (strcmp(key, "run") == 0 && json_integer_value(val) == 1),
                          "%s: absent optional '%s' was encoded", tc->file, key);
            }
        }
        json_decref(back);
        free(out);
    }
    free(s);
    json_decref(seed_only);

    /* an unknown extra field is ignored */
    json_t *extra = json_deep_copy(fixture);
    json_object_set_new(extra, "some_future_field", json_string("x"));
    s = dump(extra);
    out = tc->fn(s, strlen(s), &decoded, err, sizeof err);
    CHECK_MSG(decoded, "%s: unknown field rejected: %s", tc->file, err);
    free(out);
    free(s);
    json_decref(extra);

    free(text);
    json_decref(fixture);
}

static void test_rejections(void)
{
    char err[256];
    msg_pending p;
    const char *bad[] = {
        "", "{", "[1,2]", "null", "\"text\"",
        "{\"question_id\":\"q 1\",\"question_text\":\"a\",\"original_answer\":\"b\",\"retry_count\":0,\"timestamp\":\"2025-10-28T10:30:00.000Z\"}",
        "{\"question_id\":\"q_1\",\"question_text\":\"  \",\"original_answer\":\"b\",\"retry_count\":0,\"timestamp\":\"2025-10-28T10:30:00.000Z\"}",
        "{\"question_id\":\"q_1\",\"question_text\":\"a\",\"original_answer\":\"b\",\"retry_count\":-1,\"timestamp\":\"2025-10-28T10:30:00.000Z\"}",
        "{\"question_id\":\"q_1\",\"question_text\":\"a\",\"original_answer\":\"b\",\"retry_count\":1.5,\"timestamp\":\"2025-10-28T10:30:00.000Z\"}",
        "{\"question_id\":\"q_1\",\"question_text\":\"a\",\"original_answer\":\"b\",\"retry_count\":0,\"timestamp\":\"yesterday\"}",
        "{\"question_id\":\"q_1\",\"question_text\":\"a\xff\",\"original_answer\":\"b\",\"retry_count\":0,\"timestamp\":\"2025-10-28T10:30:00.000Z\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&p, 0x55, sizeof p);
        err[0] = '\0';
        CHECK_MSG(msg_pending_decode(bad[i], strlen(bad[i]), &p, err, sizeof err) == -1, "accepted: %s", bad[i]);
        CHECK_MSG(err[0] != '\0', "no error text for: %s", bad[i]);
        CHECK(p.question_id == NULL && p.question_text == NULL); /* left zeroed */
    }
    msg_failed f;
    const char *bad_stage = "{\"question_id\":\"q_1\",\"reason\":\"x\",\"stage\":\"moon\",\"retry_count\":0,"
                            "\"error_retries\":0,\"timestamp\":\"2025-10-28T10:30:00.000Z\"}";
    CHECK(msg_failed_decode(bad_stage, strlen(bad_stage), &f, err, sizeof err) == -1);
    CHECK(strstr(err, "stage") != NULL);
    msg_error e;
    const char *bad_status = "{\"question_id\":\"q_1\",\"question_text\":\"a\",\"original_answer\":\"b\",\"retry_count\":0,"
                             "\"error_retries\":0,\"timestamp\":\"2025-10-28T10:30:00.000Z\",\"http_status\":99}";
    CHECK(msg_error_decode(bad_status, strlen(bad_status), &e, err, sizeof err) == -1);
    CHECK(strstr(err, "http_status") != NULL);

    /* an error without an HTTP answer (status 0: a timeout) encodes without http_status and decodes again */
    msg_error timeout = {0};
    timeout.question_id = "q_1";
    timeout.question_text = "a";
    timeout.original_answer = "b";
    timeout.timestamp = "2025-10-28T10:30:00.000Z";
    timeout.error_type = "overload";
    timeout.run = 1;
    timeout.has_http_status = 1;
    timeout.http_status = 0;
    char *enc = msg_error_encode(&timeout, err, sizeof err);
    CHECK_MSG(enc != NULL && strstr(enc, "http_status") == NULL, "%s", enc ? enc : err);
    if (enc) {
        CHECK(msg_error_decode(enc, strlen(enc), &e, err, sizeof err) == 0);
        CHECK(!e.has_http_status);
        msg_error_free(&e);
        free(enc);
    }

    /* encode refuses a struct without a required string */
    msg_pending empty;
    memset(&empty, 0, sizeof empty);
    CHECK(msg_pending_encode(&empty, err, sizeof err) == NULL);
    CHECK(strstr(err, "question_id") != NULL);
    msg_pending_free(&empty); /* no-op on a zeroed struct */
}

/* Decodes text as a message of topic; returns 1 when accepted, with *run set; else 0 and err. */
static int decode_topic(const char *topic, const char *text, int *run, char *err, size_t errlen)
{
    size_t len = strlen(text);
    int rc = -1;
    *run = 0;
#define TRY(name, t)                                                          \
    if (strcmp(topic, name) == 0) {                                           \
        msg_##t m;                                                            \
        rc = msg_##t##_decode(text, len, &m, err, errlen);                    \
        if (rc == 0) *run = m.run;                                            \
        msg_##t##_free(&m);                                                   \
    }
    TRY(MSG_TOPIC_PENDING, pending)
    TRY(MSG_TOPIC_SUCCESS, success)
    TRY(MSG_TOPIC_ERR_OVERLOAD, error)
    TRY(MSG_TOPIC_ERR_QUOTA, error)
    TRY(MSG_TOPIC_VALIDATED, validated)
    TRY(MSG_TOPIC_LOW_QUALITY, low_quality)
    TRY(MSG_TOPIC_FAILED, failed)
#undef TRY
    return rc == 0;
}

/* The shared cases (tests/fixtures/messages/cases, also run by the Flink job's CodecTest): every
 * invalid message is rejected with a reason (naming the field when the case names one), every valid
 * one accepted with the run it carries. */
static void test_shared_cases(void)
{
    char path[512], err[256];
    json_error_t je;
    snprintf(path, sizeof path, "%s/cases/invalid.json", QAFLOW_FIXTURES_DIR);
    json_t *inv = json_load_file(path, JSON_ALLOW_NUL, &je);
    CHECK_MSG(inv != NULL, "cannot load %s: %s", path, je.text);
    size_t i;
    json_t *c;
    int n = 0;
    json_array_foreach(json_object_get(inv, "cases"), i, c) {
        const char *name = json_string_value(json_object_get(c, "name"));
        const char *topic = json_string_value(json_object_get(c, "topic"));
        const char *field = json_string_value(json_object_get(c, "field"));
        json_t *raw = json_object_get(c, "raw");
        char *text = raw ? strdup(json_string_value(raw))
                         : json_dumps(json_object_get(c, "message"), JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
        int run;
        err[0] = '\0';
        CHECK_MSG(!decode_topic(topic, text, &run, err, sizeof err), "invalid case accepted: %s", name);
        CHECK_MSG(err[0] != '\0', "no reason for: %s", name);
        if (field) CHECK_MSG(strstr(err, field) != NULL, "%s: reason '%s' does not name '%s'", name, err, field);
        free(text);
        n++;
    }
    CHECK_MSG(n >= 40, "only %d invalid cases", n);
    json_decref(inv);

    snprintf(path, sizeof path, "%s/cases/valid.json", QAFLOW_FIXTURES_DIR);
    json_t *val = json_load_file(path, 0, &je);
    CHECK_MSG(val != NULL, "cannot load %s: %s", path, je.text);
    n = 0;
    json_array_foreach(json_object_get(val, "cases"), i, c) {
        const char *name = json_string_value(json_object_get(c, "name"));
        const char *topic = json_string_value(json_object_get(c, "topic"));
        char *text = json_dumps(json_object_get(c, "message"), JSON_COMPACT | JSON_PRESERVE_ORDER);
        int run;
        CHECK_MSG(decode_topic(topic, text, &run, err, sizeof err), "valid case rejected: %s: %s", name, err);
        CHECK_MSG(run == (int)json_integer_value(json_object_get(c, "run")), "%s: run %d", name, run);
        free(text);
        n++;
    }
    CHECK_MSG(n >= 10, "only %d valid cases", n);
    json_decref(val);

    /* encode refuses a message without a run (every producer must carry it) */
    msg_failed f = { .question_id = "q_1", .reason = "x", .stage = "llm", .timestamp = "2025-10-28T10:30:00.000Z" };
    CHECK(msg_failed_encode(&f, err, sizeof err) == NULL);
    CHECK(strstr(err, "run") != NULL);
    f.run = 4;
    char *out = msg_failed_encode(&f, err, sizeof err);
    CHECK(out && strstr(out, "\"run\":4}") != NULL);
    free(out);
}

int main(void)
{
    test_shared_cases();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) test_case(&cases[i]);
    test_rejections();
    return CHECK_DONE();
}
