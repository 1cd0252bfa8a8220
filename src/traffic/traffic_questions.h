/* traffic_questions.h -- the questions a traffic run sends, read from a Yahoo! Answers CSV file. */
#ifndef QAFLOW_TRAFFIC_QUESTIONS_H
#define QAFLOW_TRAFFIC_QUESTIONS_H

#include <stddef.h>
#include <stdint.h>

typedef struct traffic_question {
    char *text;    /* title, plus "\n" + content when the content is not empty */
    char *answer;  /* the best answer: sent as original_answer */
    int class_index;
    long line;     /* where it starts in the dataset */
} traffic_question;

typedef struct traffic_questions {
    traffic_question *q;
    size_t n;
    long skipped_malformed; /* malformed records skipped while reading */
} traffic_questions;

typedef struct traffic_questions_opts {
    const char *path;
    long skip;        /* records to pass over first */
    long count;       /* records to keep; 0 = all the rest */
    int shuffle;      /* keep a uniform random sample of count records (reservoir) */
    uint64_t seed;    /* for shuffle */
    const char *tag;  /* when not empty: "[tag] " is put in front of every question text */
} traffic_questions_opts;

/* The seed's dataset path, dataset/questions_answers.csv, when that file exists (relative to the
 * working directory), else the shipped sample dataset/sample.csv. */
const char *traffic_questions_default_path(void);

/* Joins a record's title and content the way qaflow-traffic sends them. Returns a new
 * string (caller frees) or NULL on out-of-memory. */
char *traffic_question_text(const char *title, size_t title_len, const char *content, size_t content_len,
                            const char *tag);

/* Reads the dataset. Returns 0 with *out filled (free with traffic_questions_free), or -1
 * with err filled (unreadable file, no usable record). */
int traffic_questions_load(const traffic_questions_opts *o, traffic_questions *out, char *err, size_t errlen);
void traffic_questions_free(traffic_questions *qs);

#endif
