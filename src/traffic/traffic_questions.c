/* traffic_questions.c -- the questions a traffic run sends, read from a Yahoo! Answers CSV file. */
#include "traffic_questions.h"

#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "traffic_sched.h"
#include "yahoo_csv.h"

#define TRAFFIC_SEED_DATASET "dataset/questions_answers.csv"
#define TRAFFIC_SAMPLE_DATASET "dataset/sample.csv"

const char *traffic_questions_default_path(void) {
    return access(TRAFFIC_SEED_DATASET, R_OK) == 0 ? TRAFFIC_SEED_DATASET : TRAFFIC_SAMPLE_DATASET;
}

char *traffic_question_text(const char *title, size_t title_len, const char *content, size_t content_len,
                            const char *tag) {
    size_t tag_len = tag && *tag ? strlen(tag) + 3 : 0; /* "[" tag "] " */
    size_t n = tag_len + title_len + (content_len ? 1 + content_len : 0);
    char *s = malloc(n + 1);
    if (!s) return NULL;
    size_t k = 0;
    if (tag_len) k += (size_t)sprintf(s, "[%s] ", tag);
    memcpy(s + k, title, title_len);
    k += title_len;
    if (content_len) {
        s[k++] = '\n';
        memcpy(s + k, content, content_len);
        k += content_len;
    }
    s[k] = '\0';
    return s;
}

static void traffic_question_clear(traffic_question *q) {
    free(q->text);
    free(q->answer);
    memset(q, 0, sizeof(*q));
}

static int traffic_question_fill(traffic_question *q, const yahoo_record *r, const char *tag) {
    q->text = traffic_question_text(r->title, r->title_len, r->content, r->content_len, tag);
    q->answer = strdup(r->answer);
    q->class_index = r->class_index;
    q->line = r->line;
    if (!q->text || !q->answer) {
        traffic_question_clear(q);
        return -1;
    }
    return 0;
}

void traffic_questions_free(traffic_questions *qs) {
    if (!qs) return;
    for (size_t i = 0; i < qs->n; i++) traffic_question_clear(&qs->q[i]);
    free(qs->q);
    memset(qs, 0, sizeof(*qs));
}

int traffic_questions_load(const traffic_questions_opts *o, traffic_questions *out, char *err, size_t errlen) {
    memset(out, 0, sizeof(*out));
    yahoo_csv *r = yahoo_csv_open(o->path, 1, err, errlen);
    if (!r) return -1;
    size_t cap = o->count > 0 ? (size_t)o->count : 1024;
    out->q = calloc(cap, sizeof(*out->q));
    if (!out->q) goto oom;
    traffic_sched rng;
    traffic_sched_init(&rng, TRAFFIC_DIST_UNIFORM, 0, o->seed);
    yahoo_record rec;
    long seen = 0; /* records considered after the skip */
    int rc;
    while ((rc = yahoo_csv_next(r, &rec, err, errlen)) != 0) {
        if (rc < 0) goto fail; /* a read error: malformed records are skipped by the reader */
        if (yahoo_csv_records(r) <= o->skip) continue;
        seen++;
        if (o->count > 0 && out->n == (size_t)o->count) {
            if (!o->shuffle) break;
            /* Reservoir sampling (Algorithm R): keep this record with probability count/seen. */
            size_t j = (size_t)(traffic_sched_uniform(&rng) * (double)seen);
            if (j >= out->n) continue;
            traffic_question_clear(&out->q[j]);
            if (traffic_question_fill(&out->q[j], &rec, o->tag) < 0) goto oom;
            continue;
        }
        if (out->n == cap) {
            traffic_question *nq = realloc(out->q, cap * 2 * sizeof(*nq));
            if (!nq) goto oom;
            out->q = nq;
            cap *= 2;
        }
        if (traffic_question_fill(&out->q[out->n], &rec, o->tag) < 0) goto oom;
        out->n++;
    }
    if (out->n > 1 && o->shuffle) { /* the reservoir keeps file order partly: shuffle it (Fisher-Yates) */
        for (size_t i = out->n - 1; i > 0; i--) {
            size_t j = (size_t)(traffic_sched_uniform(&rng) * (double)(i + 1));
            traffic_question t = out->q[i];
            out->q[i] = out->q[j];
            out->q[j] = t;
        }
    }
    out->skipped_malformed = yahoo_csv_skipped(r);
    yahoo_csv_destroy(r);
    if (out->n == 0) {
        snprintf(err, errlen, "%s: no usable question after skipping %ld record(s)", o->path, o->skip);
        traffic_questions_free(out);
        return -1;
    }
    return 0;
oom:
    snprintf(err, errlen, "out of memory reading %s", o->path);
fail:
    yahoo_csv_destroy(r);
    traffic_questions_free(out);
    return -1;
}
