/* scoreclient.h -- one blocking POST /score to qaflow-scorer (the sync mode's scorer client; bounded by a timeout). */
#ifndef QAFLOW_STORAGE_SCORECLIENT_H
#define QAFLOW_STORAGE_SCORECLIENT_H

#include <stddef.h>

typedef struct scoreclient scoreclient;

/* base_url like http://127.0.0.1:5002 (the path /score is added); field: auto (f1_rescaled when
 * present, else f1), f1_rescaled or f1 -- the ScoreJob's --score-field. One connection, reused;
 * use from one thread at a time. */
scoreclient *scoreclient_create(const char *base_url, long timeout_ms, const char *field, char *err, size_t errlen);
void scoreclient_destroy(scoreclient *c);

/* Scores one (candidate, reference) pair. Returns 0 with *score; 1 when the scorer rejected the
 * pair (HTTP 400: retrying cannot help), -1 when it could not be asked or gave no score (down,
 * timeout, 5xx, malformed answer); err says why. */
int scoreclient_score(scoreclient *c, const char *candidate, const char *reference, double *score, char *err,
                      size_t errlen);

#endif
