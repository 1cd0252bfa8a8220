/* service.c -- the service skeleton: settings, logging, stop signals, health/metrics server, run, teardown. */
#include "service.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>

#include "log.h"
#include "sig.h"

volatile sig_atomic_t service_stop;

struct service {
    config *cfg;
    prom_registry *prom;
    http_server *http;
    int logging;        /* log_init done: the teardown logs "stopped" */
};

static void service_on_signal(int sig) { service_stop = sig; }

void service_install_signals(void) { sig_install_stop(service_on_signal); }

static void service_stop_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
}

const config *service_config(const service *s) { return s->cfg; }
prom_registry *service_prom(const service *s) { return s->prom; }
http_server *service_http(const service *s) { return s->http; }
int service_http_port(const service *s) { return s->http ? http_server_port(s->http) : 0; }

int service_start_log(service *s, const char *component)
{
    if (config_start_log(s->cfg, component) != 0)
        return -1;
    s->logging = 1;
    config_log(s->cfg);
    return 0;
}

int service_serve_http(service *s, const http_server_opts *o, char *err, size_t errlen)
{
    if (s->http) {
        snprintf(err, errlen, "the HTTP server is already running");
        return -1;
    }
    http_server_opts ho = *o;
    if (!ho.prom)
        ho.prom = s->prom;
    s->http = http_server_create(&ho, err, errlen);
    return s->http ? 0 : -1;
}

int service_wait(service *s)
{
    (void)s;
    sigset_t stopset, prev, waitmask;
    service_stop_signals(&stopset);
    /* blocked between the flag check and sigsuspend: a signal cannot slip through */
    pthread_sigmask(SIG_BLOCK, &stopset, &prev);
    waitmask = prev;
    sigdelset(&waitmask, SIGINT);
    sigdelset(&waitmask, SIGTERM);
    while (!service_stop)
        sigsuspend(&waitmask);
    pthread_sigmask(SIG_SETMASK, &prev, NULL);
    log_info("signal %d: shutting down", (int)service_stop);
    return 0;
}

/* start with SIGINT/SIGTERM blocked, so that only this thread takes them; then run. */
static int service_start_run(service *s, const service_def *d, void *app)
{
    sigset_t stopset, prev;
    service_stop_signals(&stopset);
    pthread_sigmask(SIG_BLOCK, &stopset, &prev);
    service_install_signals();
    int rc = d->start(s, app);
    pthread_sigmask(SIG_SETMASK, &prev, NULL);
    if (rc == SERVICE_DONE)
        return 0;
    if (rc != 0)
        return rc;
    rc = d->run ? d->run(s, app) : service_wait(s);
    return rc == 0 ? 0 : 1;
}

int service_main(const service_def *d, void *app, int argc, char **argv)
{
    int rc;
    service s = { 0 };
    s.cfg = config_start(d->prog, d->summary, d->settings, d->nsettings, argc, argv, d->log_component, &rc);
    if (!s.cfg)
        return rc;
    if (d->log_component) {
        s.logging = 1;
        config_log(s.cfg);
    }
    if (!(s.prom = prom_registry_create())) {
        fprintf(stderr, "%s: out of memory\n", d->prog);
        rc = 1;
    } else {
        rc = service_start_run(&s, d, app);
    }
    http_server_destroy(s.http); /* first: its handlers read the service's parts */
    s.http = NULL;
    if (d->stop)
        d->stop(app);
    prom_registry_destroy(s.prom);
    if (s.logging)
        log_info("stopped rc=%d", rc);
    config_destroy(s.cfg);
    return rc;
}
