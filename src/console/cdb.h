/* cdb.h -- the console's PostgreSQL reads: question counts, outbox backlog, a question's journey, search, analysis. */
#ifndef CONSOLE_CDB_H
#define CONSOLE_CDB_H

#include <jansson.h>
#include <stddef.h>

typedef struct cdb cdb;

/* A pool of conns connections; every statement is bounded by timeout_ms (statement_timeout) and
 * every connect by connect_timeout; a request waits at most timeout_ms for a free connection.
 * At start each connection is tried for up to wait_s seconds (PostgreSQL may still be starting). */
cdb *cdb_create(const char *dsn, int conns, int timeout_ms, int wait_s, char *err, size_t errlen);
void cdb_destroy(cdb *d);

/* {"pending","completed","failed"} and the outbox rows not yet sent. 0 or -1 with err. */
int cdb_counts(cdb *d, json_t **questions, long long *outbox_backlog, char *err, size_t errlen);

/* GET /api/questions/<id>: {"question","status","result","events","stages","time_per_stage"};
 * NULL with *status 404 (unknown id) or 503 (database) and err. */
json_t *cdb_question(cdb *d, const char *id, int *status, char *err, size_t errlen);

/* GET /api/questions?q=&status=&limit=: the newest questions whose id is q or whose text contains
 * q (any when q is ""), optionally of one status. NULL with err. */
json_t *cdb_search(cdb *d, const char *q, const char *status, int limit, char *err, size_t errlen);

/* GET /api/analysis: the analysis_* functions of sql/005_analysis.sql over [since, until]
 * (NULL: unbounded). NULL with *status 400 (bad time) or 503 and err. */
json_t *cdb_analysis(cdb *d, const char *since, const char *until, int *status, char *err, size_t errlen);

/* The DSN with connect_timeout, statement_timeout and TimeZone=UTC added (malloc'd). */
char *cdb_dsn_bounded(const char *dsn, int timeout_ms);

#endif
