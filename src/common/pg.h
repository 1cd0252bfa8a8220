/* pg.h -- PostgreSQL helpers on libpq: connect with retry, parameterised exec, reconnect. */
#ifndef QAFLOW_PG_H
#define QAFLOW_PG_H

#include <libpq-fe.h>
#include <stddef.h>

typedef struct pg_conn pg_conn;

/* Every wait on the server is bounded: connecting (with TCP keepalives and a TCP user timeout) and
 * each statement (client-side: a statement without an answer in time closes the link, which the next
 * use re-opens; server-side statement_timeout too). The bound is taken when a connection is created. */
#define PG_DEFAULT_TIMEOUT_MS 10000
void pg_set_timeout_ms(int ms); /* <= 0: the default */
int pg_get_timeout_ms(void);

/* Tries up to attempts times (>= 1), sleeping delay_ms between tries. Returns NULL + err.
 * Its waits are bounded by pg_get_timeout_ms(), or by timeout_ms for pg_conn_create_timeout. */
pg_conn *pg_conn_create(const char *dsn, int attempts, int delay_ms, char *err, size_t errlen);
pg_conn *pg_conn_create_timeout(const char *dsn, int attempts, int delay_ms, int timeout_ms, char *err,
                                size_t errlen);
void pg_conn_destroy(pg_conn *c);
PGconn *pg_conn_raw(pg_conn *c);

/* 1 if the connection is usable (reconnecting first if it is not). */
int pg_conn_check(pg_conn *c);

/* Runs one parameterised statement (params are text, NULL entries are SQL NULL). A NULL c (no
 * connection free in a pool) fails with an error, as do pg_exec_prepared, pg_begin, pg_commit.
 * Returns a result with status COMMAND_OK or TUPLES_OK (caller PQclear()s it), or NULL and
 * err with the server's message. Outside a transaction a broken connection is reset and the
 * statement retried once; inside one the error is returned (the caller must roll back). */
PGresult *pg_exec(pg_conn *c, const char *sql, int nparams, const char *const *params,
                  char *err, size_t errlen);
/* As pg_exec, but the statement is prepared once per connection under name (re-prepared
 * after a reconnect), which saves the server's parse and plan on every call. */
PGresult *pg_exec_prepared(pg_conn *c, const char *name, const char *sql, int nparams,
                           const char *const *params, char *err, size_t errlen);

/* As pg_exec, discarding the result. Returns 0 or -1. */
int pg_exec_cmd(pg_conn *c, const char *sql, int nparams, const char *const *params,
                char *err, size_t errlen);

int pg_begin(pg_conn *c, char *err, size_t errlen);
int pg_commit(pg_conn *c, char *err, size_t errlen);
void pg_rollback(pg_conn *c);   /* best effort, never fails loudly */

/* SQLSTATE of the last failed pg_exec ("" when none), e.g. "23505" unique violation. */
const char *pg_last_sqlstate(const pg_conn *c);

#endif
