/* stub_reqlog.h -- bounded ring buffer of the requests the stub received (prompts included) */
#ifndef QAFLOW_STUB_REQLOG_H
#define QAFLOW_STUB_REQLOG_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

typedef struct stub_reqlog stub_reqlog;

typedef struct stub_reqlog_entry {
    uint64_t id;       /* 1, 2, 3, ... in arrival order (never reused, also after a clear) */
    char *path;        /* "/api/generate", ... */
    char *model;       /* model asked for (may be NULL) */
    char *prompt;      /* the full prompt text the LLM would see */
    int has_seed;
    int64_t seed;
    int status;        /* status sent; 0 while pending; for a hang: 0 with hang = 1 */
    int hang;
    json_t *body;      /* the request body as parsed (a reference), NULL when not recorded */
    char at[32];       /* ISO-8601 UTC with ms, arrival time */
} stub_reqlog_entry;

/* capacity >= 1: the oldest entries are dropped beyond it. NULL on allocation failure. */
stub_reqlog *stub_reqlog_create(size_t capacity);
void stub_reqlog_destroy(stub_reqlog *l);

/* Copy the strings in; returns the entry's id, 0 on allocation failure (nothing stored).
 * Not thread-safe: the engine holds its lock. */
uint64_t stub_reqlog_add(stub_reqlog *l, const char *path, const char *model, const char *prompt,
                         int has_seed, int64_t seed, int status, int hang, const char *at);
/* Set the status of an entry still in the buffer; returns 0, or -1 when it was dropped. */
int stub_reqlog_set_status(stub_reqlog *l, uint64_t id, int status);
/* Keep a reference to the request's parsed body (listed as "body"); 0, or -1 when dropped. */
int stub_reqlog_set_body(stub_reqlog *l, uint64_t id, json_t *body);
void stub_reqlog_clear(stub_reqlog *l);
size_t stub_reqlog_count(const stub_reqlog *l);
/* Total requests ever recorded (including dropped ones). */
uint64_t stub_reqlog_total(const stub_reqlog *l);

/* {"requests":[...oldest first...],"dropped":n}. When match is non-NULL only entries whose
 * prompt contains it are listed. Caller owns the result. */
json_t *stub_reqlog_to_json(const stub_reqlog *l, const char *match);

#endif
