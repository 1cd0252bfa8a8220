/* stub_server.h -- qaflow-llm-stub's routes: LLM APIs, admin API, /health, /metrics */
#ifndef QAFLOW_STUB_SERVER_H
#define QAFLOW_STUB_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "stub_faults.h"

typedef struct stub_server_opts {
    const char *bind_addr;       /* NULL: 127.0.0.1 */
    int port;                    /* 0: any free port */
    const char *upstream;        /* NULL or "": answer locally; else chaos proxy to this URL */
    long upstream_timeout_ms;
    long hang_max_ms;            /* a held request is dropped after this; <= 0: held until the
                                  * client leaves or the server stops */
    size_t max_body;
    int max_conns;
    uint64_t seed;
    size_t reqlog_capacity;
    const stub_faults *faults;   /* initial settings */
} stub_server_opts;

typedef struct stub_server stub_server;

stub_server *stub_server_create(const stub_server_opts *o, char *err, size_t errlen);
void stub_server_destroy(stub_server *s);
int stub_server_port(const stub_server *s);

#endif
