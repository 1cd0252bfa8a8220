/* msg.c -- table-driven encode/decode of every qaflow Kafka message (docs/messages.md). */
#include "msg.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "qid.h"
#include "utf8.h"

typedef enum {
    F_QID,      /* string, valid question id */
    F_TEXT,     /* non-empty string */
    F_STR,      /* any string, "" allowed */
    F_TS,       /* ISO-8601 timestamp string */
    F_STAGE,    /* questions-failed stage */
    F_INT,      /* int >= 0 */
    F_LL,       /* long long >= 0 */
    F_STATUS,   /* HTTP status 100..599 */
    F_DBL,      /* finite double */
    F_BOOL,
    F_RUN       /* int >= 1; 1 when absent; encode refuses < 1 */
} field_type;

#define NO_HAS SIZE_MAX

typedef struct field {
    const char *key;
    field_type type;
    int required;
    size_t off;      /* member offset */
    size_t has_off;  /* offset of the has_ flag for optional numbers, or NO_HAS */
} field;

#define REQ(s, k, t) { #k, t, 1, offsetof(s, k), NO_HAS }
#define OPT(s, k, t) { #k, t, 0, offsetof(s, k), NO_HAS }
#define OPTH(s, k, t) { #k, t, 0, offsetof(s, k), offsetof(s, has_##k) }

static const field pending_fields[] = {
    REQ(msg_pending, question_id, F_QID),
    REQ(msg_pending, question_text, F_TEXT),
    REQ(msg_pending, original_answer, F_STR),
    REQ(msg_pending, retry_count, F_INT),
    REQ(msg_pending, timestamp, F_TS),
    OPT(msg_pending, error_retries, F_INT),
    OPT(msg_pending, created_at, F_TS),
    OPT(msg_pending, run, F_RUN),
};

static const field success_fields[] = {
    REQ(msg_success, question_id, F_QID),
    REQ(msg_success, question_text, F_TEXT),
    REQ(msg_success, llm_response, F_STR),
    REQ(msg_success, original_answer, F_STR),
    REQ(msg_success, retry_count, F_INT),
    REQ(msg_success, response_time_ms, F_LL),
    REQ(msg_success, timestamp, F_TS),
    OPT(msg_success, error_retries, F_INT),
    OPT(msg_success, created_at, F_TS),
    OPT(msg_success, llm_started_at, F_TS),
    OPT(msg_success, llm_finished_at, F_TS),
    OPT(msg_success, model, F_STR),
    OPT(msg_success, run, F_RUN),
};

static const field error_fields[] = {
    REQ(msg_error, question_id, F_QID),
    REQ(msg_error, question_text, F_TEXT),
    REQ(msg_error, original_answer, F_STR),
    REQ(msg_error, retry_count, F_INT),
    REQ(msg_error, error_retries, F_INT),
    REQ(msg_error, timestamp, F_TS),
    OPT(msg_error, error_type, F_TEXT),
    OPTH(msg_error, http_status, F_STATUS),
    OPT(msg_error, error_message, F_STR),
    OPTH(msg_error, retry_after_s, F_INT),
    OPT(msg_error, created_at, F_TS),
    OPT(msg_error, run, F_RUN),
};

static const field validated_fields[] = {
    REQ(msg_validated, question_id, F_QID),
    REQ(msg_validated, question_text, F_TEXT),
    REQ(msg_validated, llm_response, F_STR),
    REQ(msg_validated, original_answer, F_STR),
    REQ(msg_validated, bert_score, F_DBL),
    REQ(msg_validated, processing_attempts, F_INT),
    REQ(msg_validated, total_processing_time_ms, F_LL),
    REQ(msg_validated, timestamp, F_TS),
    OPTH(msg_validated, accepted_below_threshold, F_BOOL),
    OPTH(msg_validated, first_score, F_DBL),
    OPT(msg_validated, created_at, F_TS),
    OPT(msg_validated, llm_started_at, F_TS),
    OPT(msg_validated, llm_finished_at, F_TS),
    OPT(msg_validated, scored_at, F_TS),
    OPT(msg_validated, model, F_STR),
    OPT(msg_validated, run, F_RUN),
};

static const field low_quality_fields[] = {
    REQ(msg_low_quality, question_id, F_QID),
    REQ(msg_low_quality, llm_response, F_STR),
    REQ(msg_low_quality, bert_score, F_DBL),
    REQ(msg_low_quality, retry_count, F_INT),
    REQ(msg_low_quality, threshold, F_DBL),
    REQ(msg_low_quality, timestamp, F_TS),
    OPT(msg_low_quality, created_at, F_TS),
    OPT(msg_low_quality, llm_started_at, F_TS),
    OPT(msg_low_quality, llm_finished_at, F_TS),
    OPT(msg_low_quality, scored_at, F_TS),
    OPT(msg_low_quality, model, F_STR),
    OPT(msg_low_quality, run, F_RUN),
};

static const field failed_fields[] = {
    REQ(msg_failed, question_id, F_QID),
    REQ(msg_failed, reason, F_TEXT),
    REQ(msg_failed, stage, F_STAGE),
    REQ(msg_failed, retry_count, F_INT),
    REQ(msg_failed, error_retries, F_INT),
    REQ(msg_failed, timestamp, F_TS),
    OPTH(msg_failed, http_status, F_STATUS),
    OPT(msg_failed, created_at, F_TS),
    OPT(msg_failed, run, F_RUN),
};

#define NFIELDS(a) (sizeof(a) / sizeof((a)[0]))

static int is_string_type(field_type t)
{
    return t == F_QID || t == F_TEXT || t == F_STR || t == F_TS || t == F_STAGE;
}

/* n digits at s as a number, or -1. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int msg_timestamp_valid(const char *s)
{
    static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (!s || strlen(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        return 0;
    int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
    int h = digits(s + 11, 2), mi = digits(s + 14, 2), se = digits(s + 17, 2);
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h < 0 || h > 23 || mi < 0 || mi > 59 ||
        se < 0 || se > 59)
        return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo == 2 && d == 29 && !leap) return 0;
    const char *p = s + 19;
    if (*p == '.') {
        int n = 0;
        for (p++; *p >= '0' && *p <= '9'; p++) n++;
        if (n < 1 || n > 9) return 0;
    }
    return p[0] == 'Z' && p[1] == '\0';
}

int msg_peek_run(const char *buf, size_t len)
{
    json_error_t je;
    json_t *obj = buf && len ? json_loadb(buf, len, 0, &je) : NULL;
    json_t *v = json_object_get(obj, "run");
    json_int_t run = json_is_integer(v) ? json_integer_value(v) : 1;
    json_decref(obj);
    return run >= 1 && run <= INT_MAX ? (int)run : 1;
}

static void fields_free(const field *fs, size_t n, void *m)
{
    char *base = m;
    for (size_t i = 0; i < n; i++) {
        if (is_string_type(fs[i].type)) {
            char **sp = (char **)(base + fs[i].off);
            free(*sp);
            *sp = NULL;
        }
    }
}

static int decode_one(const json_t *obj, const field *f, char *base, char *err, size_t errlen)
{
    int rc;
    if (is_string_type(f->type)) {
        const char *s = NULL;
        rc = json_field_string(obj, f->key, f->required, f->type == F_TEXT || f->type == F_QID,
                               &s, err, errlen);
        if (rc != 0) return rc;
        if (f->type == F_QID && !qid_valid(s)) {
            snprintf(err, errlen, "field '%s' is not a valid question id", f->key);
            return -1;
        }
        if (f->type == F_TS && !msg_timestamp_valid(s)) {
            snprintf(err, errlen, "field '%s' must be an ISO-8601 UTC timestamp (got '%.*s')", f->key,
                     (int)utf8_cut_len(s, strlen(s), 40), s);
            return -1;
        }
        if (f->type == F_STAGE && strcmp(s, "storage") && strcmp(s, "llm") && strcmp(s, "retry") &&
            strcmp(s, "score")) {
            snprintf(err, errlen, "field '%s' must be one of storage, llm, retry, score", f->key);
            return -1;
        }
        char *copy = strdup(s);
        if (!copy) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        *(char **)(base + f->off) = copy;
        return 0;
    }
    long long ll = 0;
    double d = 0;
    int b = 0;
    switch (f->type) {
    case F_INT:
        rc = json_field_int(obj, f->key, f->required, 0, INT_MAX, &ll, err, errlen);
        if (rc == 0) *(int *)(base + f->off) = (int)ll;
        break;
    case F_STATUS:
        rc = json_field_int(obj, f->key, f->required, 100, 599, &ll, err, errlen);
        if (rc == 0) *(int *)(base + f->off) = (int)ll;
        break;
    case F_LL:
        rc = json_field_int(obj, f->key, f->required, 0, LLONG_MAX, &ll, err, errlen);
        if (rc == 0) *(long long *)(base + f->off) = ll;
        break;
    case F_DBL:
        rc = json_field_double(obj, f->key, f->required, -1e300, 1e300, &d, err, errlen);
        if (rc == 0) *(double *)(base + f->off) = d;
        break;
    case F_BOOL:
        rc = json_field_bool(obj, f->key, f->required, &b, err, errlen);
        if (rc == 0) *(int *)(base + f->off) = b;
        break;
    case F_RUN:
        ll = 1;
        rc = json_field_int(obj, f->key, f->required, 1, INT_MAX, &ll, err, errlen);
        if (rc >= 0) *(int *)(base + f->off) = (int)ll; /* absent: 1 */
        break;
    default:
        rc = -1;
        snprintf(err, errlen, "internal: bad field type");
    }
    if (rc == 0 && f->has_off != NO_HAS) *(int *)(base + f->has_off) = 1;
    return rc;
}

static int decode(const field *fs, size_t n, const char *buf, size_t len, void *m, size_t msize,
                  char *err, size_t errlen)
{
    memset(m, 0, msize);
    json_t *obj = json_parse_object(buf, len, err, errlen);
    if (!obj) return -1;
    for (size_t i = 0; i < n; i++) {
        if (decode_one(obj, &fs[i], m, err, errlen) < 0) {
            json_decref(obj);
            fields_free(fs, n, m);
            memset(m, 0, msize);
            return -1;
        }
    }
    json_decref(obj);
    return 0;
}

static char *encode(const field *fs, size_t n, const void *m, char *err, size_t errlen)
{
    const char *base = m;
    json_t *obj = json_object();
    if (!obj) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        const field *f = &fs[i];
        json_t *v = NULL;
        if (is_string_type(f->type)) {
            const char *s = *(char *const *)(base + f->off);
            if (!s) {
                if (f->required) {
                    snprintf(err, errlen, "field '%s' is required", f->key);
                    json_decref(obj);
                    return NULL;
                }
                continue;
            }
            v = json_string(s);
            if (!v) {
                snprintf(err, errlen, "field '%s' is not valid UTF-8", f->key);
                json_decref(obj);
                return NULL;
            }
        } else {
            if (f->has_off != NO_HAS && !*(const int *)(base + f->has_off)) continue;
            switch (f->type) {
            case F_INT: v = json_integer(*(const int *)(base + f->off)); break;
            case F_STATUS: {
                /* Outside 100..599 it is no HTTP status (0: no answer at all, a timeout or a refused
                 * connection): left out, so no decoder ever gets a value it must refuse. */
                int st = *(const int *)(base + f->off);
                if (st < 100 || st > 599) continue;
                v = json_integer(st);
                break;
            }
            case F_LL: v = json_integer(*(const long long *)(base + f->off)); break;
            case F_DBL: v = json_real(*(const double *)(base + f->off)); break;
            case F_BOOL: v = json_boolean(*(const int *)(base + f->off)); break;
            case F_RUN:
                if (*(const int *)(base + f->off) < 1) {
                    snprintf(err, errlen, "field '%s' must be >= 1", f->key);
                    json_decref(obj);
                    return NULL;
                }
                v = json_integer(*(const int *)(base + f->off));
                break;
            default: break;
            }
        }
        if (!v || json_object_set_new(obj, f->key, v) != 0) {
            snprintf(err, errlen, "cannot encode field '%s'", f->key);
            json_decref(obj);
            return NULL;
        }
    }
    char *out = json_dump_compact(obj);
    json_decref(obj);
    if (!out) snprintf(err, errlen, "out of memory");
    return out;
}

#define MSG_CODEC(topic, fields)                                                               \
    char *msg_##topic##_encode(const msg_##topic *m, char *err, size_t errlen)                 \
    {                                                                                          \
        return encode(fields, NFIELDS(fields), m, err, errlen);                                \
    }                                                                                          \
    int msg_##topic##_decode(const char *buf, size_t len, msg_##topic *m, char *err,           \
                             size_t errlen)                                                    \
    {                                                                                          \
        return decode(fields, NFIELDS(fields), buf, len, m, sizeof *m, err, errlen);           \
    }                                                                                          \
    void msg_##topic##_free(msg_##topic *m)                                                    \
    {                                                                                          \
        if (!m) return;                                                                        \
        fields_free(fields, NFIELDS(fields), m);                                               \
        memset(m, 0, sizeof *m);                                                               \
    }

/* Each line defines the three functions named in its comment (declared in msg.h). */
MSG_CODEC(pending, pending_fields) /* msg_pending_encode, msg_pending_decode, msg_pending_free */
MSG_CODEC(success, success_fields) /* msg_success_encode, msg_success_decode, msg_success_free */
MSG_CODEC(error, error_fields) /* msg_error_encode, msg_error_decode, msg_error_free */
MSG_CODEC(validated, validated_fields) /* msg_validated_encode, msg_validated_decode, msg_validated_free */
MSG_CODEC(low_quality, low_quality_fields) /* msg_low_quality_encode, msg_low_quality_decode, msg_low_quality_free */
MSG_CODEC(failed, failed_fields) /* msg_failed_encode, msg_failed_decode, msg_failed_free */
