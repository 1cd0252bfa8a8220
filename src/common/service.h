/* service.h -- the skeleton of every qaflow service: settings + --help, logging, stop signals, /health + /metrics server, run until stopped, teardown. */
#ifndef QAFLOW_SERVICE_H
#define QAFLOW_SERVICE_H

#include <signal.h>
#include <stddef.h>

#include "config.h"
#include "http.h"
#include "prom.h"

/* The process's one stop flag: the number of the SIGINT/SIGTERM that asked to stop, else 0.
 * Loops that run until a stop (worker_run, retry_run, traffic_client_run) poll it. */
extern volatile sig_atomic_t service_stop;

/* SIGINT/SIGTERM set service_stop, SIGPIPE is ignored (see sig.h). For CLIs (qaflow-traffic);
 * service_main does this itself. */
void service_install_signals(void);

typedef struct service service;

/* What start returns to end the process at once with exit status 0, without running
 * (e.g. qaflow-llm-worker --print-prompt). */
#define SERVICE_DONE (-1)

typedef struct service_def {
    const char *prog;                 /* "qaflow-storage": --help and error messages */
    const char *summary;              /* shown by --help */
    const config_entry *settings;
    size_t nsettings;
    /* Log component; NULL: start calls service_start_log (when the name depends on a setting). */
    const char *log_component;
    /* Reads the settings (service_config) and builds the service's parts, with SIGINT/SIGTERM
     * blocked (threads it starts do not take them). May call service_serve_http. Returns 0,
     * SERVICE_DONE, or the exit status after logging why: 1 could not start, 2 bad settings. */
    int (*start)(service *s, void *app);
    /* Runs until service_stop (the signals are unblocked); NULL: service_wait. 0 or 1. */
    int (*run)(service *s, void *app);
    /* Frees what start built (also after a failed start); the HTTP server is gone by then. */
    void (*stop)(void *app);
} service_def;

/* The whole main: parse (--help: exit 0; bad flag: 2), log the settings, install the stop
 * signals, start, run, teardown. Returns main's exit status. */
int service_main(const service_def *d, void *app, int argc, char **argv);

const config *service_config(const service *s);
/* The registry /metrics serves; created by the skeleton, destroyed after stop. */
prom_registry *service_prom(const service *s);
/* Starts logging as component and logs the settings (for a def without log_component).
 * Returns 0, or -1 after printing why to stderr (start should return 2). */
int service_start_log(service *s, const char *component);

/* Starts the health/metrics server (from start): o->prom NULL means service_prom. The skeleton
 * destroys it before calling stop. Returns 0, or -1 and fills err. */
int service_serve_http(service *s, const http_server_opts *o, char *err, size_t errlen);
http_server *service_http(const service *s); /* NULL when none */
int service_http_port(const service *s);     /* 0 when none */

/* Blocks until service_stop, then logs "signal N: shutting down". Returns 0. */
int service_wait(service *s);

#endif
