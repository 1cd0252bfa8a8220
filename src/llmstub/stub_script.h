/* stub_script.h -- scripted answers: per prompt substring, a sequence of responses played in order */
#ifndef QAFLOW_STUB_SCRIPT_H
#define QAFLOW_STUB_SCRIPT_H

#include <stddef.h>
#include <jansson.h>

/* One scripted response. Fields left out in the JSON take the values noted. */
typedef struct stub_step {
    int status;        /* HTTP status (default 200) */
    int hang;          /* 1: hold the connection, never answer */
    char *answer;      /* 200: the answer; NULL: the default (or upstream) answer */
    char *raw;         /* body sent verbatim instead of the API's JSON (malformed-body tests) */
    char *error;       /* error message for non-200 statuses; NULL: a standard one */
    int retry_after_s; /* >= 0: Retry-After header; -1 (default): the live config's value */
    int latency_ms;    /* >= 0: delay for this response; -1 (default): the live config's */
} stub_step;

typedef struct stub_script_table stub_script_table;

stub_script_table *stub_script_create(void);
void stub_script_destroy(stub_script_table *t);

/* Add scripts from JSON: one {"match":"...","responses":[...]} object, an array of them, or
 * {"scripts":[...]}. A script with the same match as an existing one replaces it (and starts
 * again from its first response). All or nothing: on error nothing is added. */
int stub_script_add(stub_script_table *t, const json_t *spec, char *err, size_t errlen);
int stub_script_add_text(stub_script_table *t, const char *text, size_t len, char *err,
                         size_t errlen);

/* Remove every script. */
void stub_script_clear(stub_script_table *t);
/* Remove the script with exactly this match; returns 1 if one was removed. */
int stub_script_remove(stub_script_table *t, const char *match);
size_t stub_script_count(const stub_script_table *t);

/* For a prompt, the first script (in the order added) whose match is a substring of it
 * takes its next response; the last one repeats. Returns 1 and fills *out (a deep copy the
 * caller frees with stub_step_free), 0 when no script matches, -1 on allocation failure.
 * Not thread-safe: the engine holds its lock. */
int stub_script_next(stub_script_table *t, const char *prompt, stub_step *out);

/* {"scripts":[{"match","responses":[...],"next":i,"used":n}]} (caller owns). */
json_t *stub_script_to_json(const stub_script_table *t);

void stub_step_free(stub_step *s);

#endif
