/* pg.c -- libpq helpers: connect with retry, parameterised statements, reset on a broken link, every wait bounded. */
#include "pg.h"

#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "log.h"
#include "timeutil.h"

#define PG_MAX_PREPARED 32

/* The bound of every wait on the server (connect, each statement), for connections created after it is set. */
static atomic_int pg_timeout_ms = PG_DEFAULT_TIMEOUT_MS;

struct pg_conn {
    PGconn *conn;
    char *dsn;
    int timeout_ms;
    int timed_out;                          /* the last statement had no answer in time: not sent again */
    char sqlstate[6];
    int generation;                         /* bumped on every reset: prepared names are gone */
    const char *prepared[PG_MAX_PREPARED];  /* names (static strings) prepared in this session */
    int nprepared;
};

void pg_set_timeout_ms(int ms) { atomic_store(&pg_timeout_ms, ms > 0 ? ms : PG_DEFAULT_TIMEOUT_MS); }
int pg_get_timeout_ms(void) { return atomic_load(&pg_timeout_ms); }

/* Waits until the socket of conn is ready for events, or the deadline (monotonic ms). 1 ready, 0 timeout. */
static int pg_wait_socket(PGconn *conn, short events, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - timeutil_mono_ms();
        if (left <= 0)
            return 0;
        struct pollfd pfd = { PQsocket(conn), events, 0 };
        int n = poll(&pfd, 1, (int)(left > 1000 ? 1000 : left));
        if (n > 0)
            return 1;
    }
}

/* Opens a connection without blocking past timeout_ms: TCP keepalives and a TCP user timeout on
 * the socket, statement_timeout on the server (what the DSN sets wins). NULL only when out of memory;
 * otherwise check PQstatus. */
static PGconn *pg_open(const char *dsn, int timeout_ms)
{
    char stmt[64], user_timeout[32];
    snprintf(stmt, sizeof stmt, "-c statement_timeout=%d", timeout_ms);
    snprintf(user_timeout, sizeof user_timeout, "%d", timeout_ms);
    /* later keywords win: the DSN (expanded from dbname) overrides these defaults */
    const char *const keys[] = { "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
                                 "tcp_user_timeout", "options", "dbname", NULL };
    const char *const vals[] = { "1", "10", "5", "3", user_timeout, stmt, dsn ? dsn : "", NULL };
    PGconn *conn = PQconnectStartParams(keys, vals, 1);
    if (!conn || PQstatus(conn) == CONNECTION_BAD)
        return conn;
    int64_t deadline = timeutil_mono_ms() + timeout_ms;
    PostgresPollingStatusType st = PGRES_POLLING_WRITING;
    while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
        if (!pg_wait_socket(conn, st == PGRES_POLLING_READING ? POLLIN : POLLOUT, deadline))
            return conn; /* not CONNECTION_OK, with no message: the caller says it timed out */
        st = PQconnectPoll(conn);
    }
    return conn;
}

/* A closed link after a timeout or a loss: reconnect (bounded), prepared statements are gone. */
static void pg_reset(pg_conn *c)
{
    PQfinish(c->conn);
    c->conn = pg_open(c->dsn, c->timeout_ms);
    c->generation++;
    c->nprepared = 0;
}

/* Gives up on a statement that had no answer in time: the link is closed (libpq then reports the
 * connection bad) and the next use reconnects. */
static void pg_abandon(pg_conn *c)
{
    shutdown(PQsocket(c->conn), SHUT_RDWR);
    PQconsumeInput(c->conn);
}

/* The last result of what was sent on c, waiting at most c->timeout_ms; NULL (err filled) on a timeout. */
static PGresult *pg_await(pg_conn *c, int sent, char *err, size_t errlen)
{
    err[0] = '\0';
    c->timed_out = 0;
    if (!sent) {
        snprintf(err, errlen, "postgresql: %s", PQerrorMessage(c->conn));
        return NULL;
    }
    int64_t deadline = timeutil_mono_ms() + c->timeout_ms;
    int flushed;
    while ((flushed = PQflush(c->conn)) == 1)
        if (!pg_wait_socket(c->conn, POLLOUT | POLLIN, deadline) || !PQconsumeInput(c->conn))
            break;
    PGresult *last = NULL, *r;
    for (;;) {
        while (flushed == 0 && PQisBusy(c->conn)) {
            if (!pg_wait_socket(c->conn, POLLIN, deadline)) {
                flushed = -2;
                break;
            }
            if (!PQconsumeInput(c->conn))
                break;
        }
        if (flushed == -2 || flushed == 1) {
            PQclear(last);
            pg_abandon(c);
            c->timed_out = 1;
            snprintf(err, errlen, "postgresql: no answer within %d ms (link closed)", c->timeout_ms);
            return NULL;
        }
        if (!(r = PQgetResult(c->conn)))
            break;
        PQclear(last);
        last = r;
    }
    return last;
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
    return pg_conn_create_timeout(dsn, attempts, delay_ms, pg_get_timeout_ms(), err, errlen);
}

pg_conn *pg_conn_create_timeout(const char *dsn, int attempts, int delay_ms, int timeout_ms, char *err, size_t errlen)
{
    pg_conn *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->timeout_ms = timeout_ms > 0 ? timeout_ms : pg_get_timeout_ms();
    if (!(c->dsn = strdup(dsn ? dsn : ""))) {
        free(c);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (attempts < 1) attempts = 1;
    for (int i = 0; i < attempts; i++) {
        c->conn = pg_open(c->dsn, c->timeout_ms);
        if (c->conn && PQstatus(c->conn) == CONNECTION_OK) return c;
        snprintf(err, errlen, "postgresql: %s", c->conn ? PQerrorMessage(c->conn) : "out of memory");
        if (c->conn && !*PQerrorMessage(c->conn))
            snprintf(err, errlen, "postgresql: no connection within %d ms", c->timeout_ms);
        trim_newline(err);
        PQfinish(c->conn);
        c->conn = NULL;
        if (i + 1 < attempts) sleep_ms(delay_ms);
    }
    free(c->dsn);
    free(c);
    return NULL;
}

void pg_conn_destroy(pg_conn *c)
{
    if (!c) return;
    PQfinish(c->conn);
    free(c->dsn);
    free(c);
}

PGconn *pg_conn_raw(pg_conn *c) { return c->conn; }

int pg_conn_check(pg_conn *c)
{
    if (!c) return 0;
    if (PQstatus(c->conn) != CONNECTION_OK) {
        pg_reset(c);
        if (PQstatus(c->conn) != CONNECTION_OK) return 0;
        log_info("postgresql: reconnected");
    }
    return 1;
}

const char *pg_last_sqlstate(const pg_conn *c) { return c ? c->sqlstate : ""; }

/* Returns r when its statement succeeded; otherwise records the SQLSTATE in c->sqlstate and the
 * message in err, frees r and returns NULL. r may be NULL (libpq out of memory or no link). */
static PGresult *result_or_error(pg_conn *c, PGresult *r, char *err, size_t errlen)
{
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return r;
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    snprintf(c->sqlstate, sizeof c->sqlstate, "%s", state ? state : "");
    if (!r && err[0])
        return NULL; /* pg_await said why (a timeout) */
    snprintf(err, errlen, "postgresql: %s", r ? PQresultErrorMessage(r) : PQerrorMessage(c->conn));
    trim_newline(err);
    PQclear(r);
    return NULL;
}

/* A NULL connection (none free in a pool within its wait) fails every statement with this. */
static PGresult *pg_no_conn(char *err, size_t errlen)
{
    snprintf(err, errlen, "postgresql: no connection free within %d ms", pg_get_timeout_ms());
    return NULL;
}

PGresult *pg_exec(pg_conn *c, const char *sql, int nparams, const char *const *params,
                  char *err, size_t errlen)
{
    if (!c) return pg_no_conn(err, errlen);
    c->sqlstate[0] = '\0';
    for (int attempt = 0; attempt < 2; attempt++) {
        int idle = PQtransactionStatus(c->conn) == PQTRANS_IDLE;
        if (PQstatus(c->conn) != CONNECTION_OK) {
            if (!idle && PQtransactionStatus(c->conn) != PQTRANS_UNKNOWN) break;
            pg_reset(c);
        }
        int sent = PQsendQueryParams(c->conn, sql, nparams, NULL, params, NULL, NULL, 0);
        PGresult *r = result_or_error(c, pg_await(c, sent, err, errlen), err, errlen);
        if (r) return r;
        /* retry only a statement that ran outside a transaction on a connection that broke (not one
         * that timed out: its wait is bounded once; the next use re-opens the link) */
        if (PQstatus(c->conn) == CONNECTION_OK || !idle || c->timed_out) return NULL;
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
        PGresult *r = pg_await(c, PQsendPrepare(c->conn, name, sql, nparams, NULL), err, errlen);
        if (!r)
            return NULL;
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
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
    int sent = PQsendQueryPrepared(c->conn, name, nparams, params, NULL, NULL, 0);
    PGresult *r = result_or_error(c, pg_await(c, sent, err, errlen), err, errlen);
    if (r) return r;
    if (PQstatus(c->conn) != CONNECTION_OK && gen == c->generation && !c->timed_out) {
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
    if (!c) return pg_no_conn(err, errlen);
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
    if (!c) return;
    if (PQstatus(c->conn) != CONNECTION_OK) return;
    if (PQtransactionStatus(c->conn) == PQTRANS_IDLE) return;
    char err[256];
    PQclear(pg_await(c, PQsendQuery(c->conn, "ROLLBACK"), err, sizeof err));
}
