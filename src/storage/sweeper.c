/* sweeper.c -- no question stays pending forever: re-enqueues a run stuck without progress as a new run, at most N times, then fails it. */
#include "sweeper.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "pg.h"
#include "runs.h"
#include "timeutil.h"

struct sweeper {
    sweeper_opts o;
    pg_conn *pg;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    int stopping;
    prom_counter *m_requeued, *m_failed, *m_errors;
};

static const char *const SQL_STUCK =
    "SELECT question_id, run, requeued FROM qaflow_stuck_runs(make_interval(secs => $1::int), $2::timestamptz, $3::int)";

int sweeper_sweep(pg_conn *pg, const sweeper_opts *o, int *requeued, int *failed, char *err, size_t errlen)
{
    char secs[16], limit[16], now[TIMEUTIL_ISO_LEN];
    snprintf(secs, sizeof secs, "%d", o->stuck_after_s);
    snprintf(limit, sizeof limit, "%d", o->batch);
    timeutil_now_iso(now, sizeof now);
    const char *p[3] = { secs, now, limit };
    PGresult *r = pg_exec(pg, SQL_STUCK, 3, p, err, errlen);
    if (!r)
        return -1;
    int n = PQntuples(r), rc = 0;
    *requeued = *failed = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        const char *qid = PQgetvalue(r, i, 0);
        int run = atoi(PQgetvalue(r, i, 1)), done = atoi(PQgetvalue(r, i, 2));
        if (done < o->max_requeues) {
            /* the one run rule: the next run only while run `run` is still pending; outbox message included */
            runs_request q = { .question_id = qid, .at = now, .stuck_run = run };
            if ((rc = runs_start(pg, &q, 1, err, errlen)) == 0 && q.run > 0) {
                (*requeued)++;
                log_warn("sweeper: question_id=%s run %d stuck for %d s: re-enqueued as run %d (%d of %d)", qid,
                         run, o->stuck_after_s, q.run, done + 1, o->max_requeues);
            }
        } else {
            char rn[16];
            snprintf(rn, sizeof rn, "%d", run);
            const char *fp[3] = { qid, rn, now };
            PGresult *f = pg_exec(pg, "SELECT qaflow_fail_stuck($1, $2::int, $3::timestamptz)", 3, fp, err, errlen);
            if (!f) {
                rc = -1;
            } else {
                if (atoi(PQgetvalue(f, 0, 0)) > 0) {
                    (*failed)++;
                    log_warn("sweeper: question_id=%s run %d stuck after %d re-enqueues: failed (stuck)", qid, run,
                             done);
                }
                PQclear(f);
            }
        }
    }
    PQclear(r);
    return rc == 0 ? n : -1;
}

static void *sweeper_main(void *arg)
{
    sweeper *s = arg;
    pthread_mutex_lock(&s->lock);
    while (!s->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += s->o.interval_s;
        while (!s->stopping && pthread_cond_timedwait(&s->wake, &s->lock, &until) == 0)
            ;
        if (s->stopping)
            break;
        pthread_mutex_unlock(&s->lock);
        char err[512];
        int requeued = 0, failed = 0;
        if (!pg_conn_check(s->pg) || sweeper_sweep(s->pg, &s->o, &requeued, &failed, err, sizeof err) < 0) {
            prom_counter_inc(s->m_errors);
            log_warn("sweeper: sweep failed: %s", pg_conn_check(s->pg) ? err : "no PostgreSQL connection");
        }
        prom_counter_add(s->m_requeued, requeued);
        prom_counter_add(s->m_failed, failed);
        pthread_mutex_lock(&s->lock);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

sweeper *sweeper_create(const sweeper_opts *o, char *err, size_t errlen)
{
    sweeper *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->o = *o;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    if (!(s->pg = pg_conn_create(o->pg_dsn, 1, 0, err, errlen))) {
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->wake);
        free(s);
        return NULL;
    }
    s->m_requeued = prom_counter_create(o->prom, "qaflow_storage_stuck_requeued_total",
                                        "Stuck pending runs re-enqueued as a new run", NULL);
    s->m_failed = prom_counter_create(o->prom, "qaflow_storage_stuck_failed_total",
                                      "Questions failed with reason stuck (re-enqueued too often)", NULL);
    s->m_errors = prom_counter_create(o->prom, "qaflow_storage_sweep_errors_total", "Sweeps that failed", NULL);
    prom_gauge_set(prom_gauge_create(o->prom, "qaflow_storage_stuck_after_seconds",
                                     "A pending run without progress for this long is stuck", NULL),
                   o->stuck_after_s);
    prom_gauge_set(prom_gauge_create(o->prom, "qaflow_storage_stuck_max_requeues",
                                     "Re-enqueues of a stuck question before it fails", NULL),
                   o->max_requeues);
    if (pthread_create(&s->thread, NULL, sweeper_main, s) != 0) {
        snprintf(err, errlen, "cannot start the sweeper thread");
        pg_conn_destroy(s->pg);
        pthread_mutex_destroy(&s->lock);
        pthread_cond_destroy(&s->wake);
        free(s);
        return NULL;
    }
    log_info("sweeper: every %d s, stuck after %d s without progress, at most %d re-enqueues", o->interval_s,
             o->stuck_after_s, o->max_requeues);
    return s;
}

void sweeper_destroy(sweeper *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->stopping = 1;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    pg_conn_destroy(s->pg);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->wake);
    free(s);
}
