/* pg.c -- libpq helpers: connect with retry, parameterised statements, reset on a broken link. */
#include "pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"

#define PG_MAX_PREPARED 32

struct pg_conn {
    PGconn *conn;
    char sqlstate[6];
    int generation;                         /* bumped on every reset: prepared names are gone */
    const char *prepared[PG_MAX_PREPARED];  /* names (static strings) prepared in this session */
    int nprepared;
};

static void pg_reset(pg_conn *c)
{
    PQreset(c->conn);
    c->generation++;
    c->nprepared = 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static void trim_newline(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r')) s[--n] = '\0';
}

pg_conn *pg_conn_create(const char *dsn, int attempts, int delay_ms, char *err, size_t errlen)
{
    pg_conn *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (attempts < 1) attempts = 1;
    for (int i = 0; i < attempts; i++) {
        c->conn = PQconnectdb(dsn ? dsn : "");
        if (c->conn && PQstatus(c->conn) == CONNECTION_OK) return c;
        snprintf(err, errlen, "postgresql: %s", c->conn ? PQerrorMessage(c->conn) : "out of memory");
        trim_newline(err);
        PQfinish(c->conn);
        c->conn = NULL;
        if (i + 1 < attempts) sleep_ms(delay_ms);
    }
    free(c);
    return NULL;
}

void pg_conn_destroy(pg_conn *c)
{
    if (!c) return;
    PQfinish(c->conn);
    free(c);
}

PGconn *pg_conn_raw(pg_conn *c) { return c->conn; }

int pg_conn_check(pg_conn *c)
{
    if (PQstatus(c->conn) != CONNECTION_OK) {
        pg_reset(c);
        if (PQstatus(c->conn) != CONNECTION_OK) return 0;
        log_info("postgresql: reconnected");
    }
    return 1;
}

const char *pg_last_sqlstate(const pg_conn *c) { return c->sqlstate; }

/* Returns r when its statement succeeded; otherwise records the SQLSTATE in c->sqlstate and the
 * message in err, frees r and returns NULL. r may be NULL (libpq out of memory or no link). */
static PGresult *result_or_error(pg_conn *c, PGresult *r, char *err, size_t errlen)
{
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return r;
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    snprintf(c->sqlstate, sizeof c->sqlstate, "%s", state ? state : "");
    snprintf(err, errlen, "postgresql: %s", r ? PQresultErrorMessage(r) : PQerrorMessage(c->conn));
    trim_newline(err);
    PQclear(r);
    return NULL;
}

PGresult *pg_exec(pg_conn *c, const char *sql, int nparams, const char *const *params,
                  char *err, size_t errlen)
{
    c->sqlstate[0] = '\0';
    for (int attempt = 0; attempt < 2; attempt++) {
        int idle = PQtransactionStatus(c->conn) == PQTRANS_IDLE;
        if (PQstatus(c->conn) != CONNECTION_OK) {
            if (!idle && PQtransactionStatus(c->conn) != PQTRANS_UNKNOWN) break;
            pg_reset(c);
        }
        PGresult *r = result_or_error(c, PQexecParams(c->conn, sql, nparams, NULL, params, NULL, NULL, 0),
                                      err, errlen);
        if (r) return r;
        /* retry only a statement that ran outside a transaction on a connection that broke */
        if (PQstatus(c->conn) == CONNECTION_OK || !idle) return NULL;
        log_warn("postgresql connection lost, reconnecting: %s", err);
        pg_reset(c);
        if (PQstatus(c->conn) != CONNECTION_OK) return NULL;
    }
    if (!err[0]) snprintf(err, errlen, "postgresql: connection lost inside a transaction");
    return NULL;
}

static PGresult *exec_prepared(pg_conn *c, const char *name, const char *sql, int nparams,
                               const char *const *params, int may_retry, char *err, size_t errlen)
{
    if (PQstatus(c->conn) != CONNECTION_OK && PQtransactionStatus(c->conn) != PQTRANS_INTRANS &&
        PQtransactionStatus(c->conn) != PQTRANS_INERROR)
        pg_reset(c);
    int idle = PQtransactionStatus(c->conn) == PQTRANS_IDLE;
    int known = 0;
    for (int i = 0; i < c->nprepared; i++)
        if (c->prepared[i] == name || strcmp(c->prepared[i], name) == 0) known = 1;
    if (!known) {
        if (c->nprepared >= PG_MAX_PREPARED || PQstatus(c->conn) != CONNECTION_OK)
            return pg_exec(c, sql, nparams, params, err, errlen);
        PGresult *r = PQprepare(c->conn, name, sql, nparams, NULL);
        int ok = r && PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok) {
            snprintf(err, errlen, "postgresql prepare %s: %s", name,
                     r ? PQresultErrorMessage(r) : PQerrorMessage(c->conn));
            trim_newline(err);
            PQclear(r);
            return NULL;
        }
        PQclear(r);
        c->prepared[c->nprepared++] = name;
    }
    c->sqlstate[0] = '\0';
    int gen = c->generation;
    PGresult *r = result_or_error(c, PQexecPrepared(c->conn, name, nparams, params, NULL, NULL, 0), err, errlen);
    if (r) return r;
    if (PQstatus(c->conn) != CONNECTION_OK && gen == c->generation) {
        /* broken link: reconnect (prepared statements are gone) and, outside a transaction, retry once */
        log_warn("postgresql connection lost, reconnecting: %s", err);
        pg_reset(c);
        if (idle && may_retry && PQstatus(c->conn) == CONNECTION_OK)
            return exec_prepared(c, name, sql, nparams, params, 0, err, errlen);
    }
    return NULL;
}

PGresult *pg_exec_prepared(pg_conn *c, const char *name, const char *sql, int nparams,
                           const char *const *params, char *err, size_t errlen)
{
    return exec_prepared(c, name, sql, nparams, params, 1, err, errlen);
}

int pg_exec_cmd(pg_conn *c, const char *sql, int nparams, const char *const *params,
                char *err, size_t errlen)
{
    PGresult *r = pg_exec(c, sql, nparams, params, err, errlen);
    if (!r) return -1;
    PQclear(r);
    return 0;
}

int pg_begin(pg_conn *c, char *err, size_t errlen) { return pg_exec_cmd(c, "BEGIN", 0, NULL, err, errlen); }
int pg_commit(pg_conn *c, char *err, size_t errlen) { return pg_exec_cmd(c, "COMMIT", 0, NULL, err, errlen); }

void pg_rollback(pg_conn *c)
{
    if (PQstatus(c->conn) != CONNECTION_OK) return;
    if (PQtransactionStatus(c->conn) == PQTRANS_IDLE) return;
    PGresult *r = PQexec(c->conn, "ROLLBACK");
    PQclear(r);
}
