/* events.c -- Server-Sent Events: each stream sends the latest overview, then every new sample, ending when the console stops. */
#include "events.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "service.h"
#include "timeutil.h"

struct events {
    sampler *s;
    int max_clients;
    int heartbeat_ms;
    atomic_int clients;
    atomic_int stopping;
    prom_gauge *gauge;
};

/* One stream's state. */
typedef struct stream {
    events *e;
    uint64_t version;           /* of the last overview sent */
    char *pending;              /* bytes still to send */
    size_t len, off;
    int64_t last_sent_ms;
} stream;

char *events_frame(const char *name, const char *data)
{
    char *out = NULL;
    return asprintf(&out, "event: %s\ndata: %s\n\n", name, data) < 0 ? NULL : out;
}

events *events_create(sampler *s, int max_clients, int heartbeat_ms, prom_registry *prom)
{
    events *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->s = s;
    e->max_clients = max_clients;
    e->heartbeat_ms = heartbeat_ms;
    e->gauge = prom_gauge_create(prom, "qaflow_console_sse_clients", "open /api/events streams", NULL);
    return e;
}

void events_destroy(events *e)
{
    if (!e) return;
    atomic_store(&e->stopping, 1);
    for (int i = 0; i < 100 && atomic_load(&e->clients) > 0; i++) usleep(50000);
    if (atomic_load(&e->clients) > 0) log_warn("events: %d stream(s) still open at exit", atomic_load(&e->clients));
    free(e);
}

static int stream_over(const stream *st) { return service_stop || atomic_load(&st->e->stopping); }

/* Fills st->pending with the next frame: a new overview, or a heartbeat comment. 0, or -1 to end. */
static int stream_next(stream *st)
{
    for (;;) {
        if (stream_over(st)) return -1;
        if (sampler_wait(st->e->s, st->version, 1000)) {
            char *doc = sampler_overview(st->e->s, &st->version);
            st->pending = doc ? events_frame("overview", doc) : NULL;
            free(doc);
            if (!st->pending) return -1;
            break;
        }
        if (timeutil_mono_ms() - st->last_sent_ms >= st->e->heartbeat_ms) {
            if (!(st->pending = strdup(": heartbeat\n\n"))) return -1;
            break;
        }
    }
    st->len = strlen(st->pending);
    st->off = 0;
    st->last_sent_ms = timeutil_mono_ms();
    return 0;
}

static ssize_t stream_read(void *opaque, uint64_t pos, char *buf, size_t max)
{
    stream *st = opaque;
    if (!st->pending && stream_next(st) != 0) return HTTP_STREAM_END;
    size_t n = st->len - st->off < max ? st->len - st->off : max;
    memcpy(buf, st->pending + st->off, n);
    st->off += n;
    if (st->off == st->len) {
        free(st->pending);
        st->pending = NULL;
    }
    return (ssize_t)n;
}

static void stream_free(void *opaque)
{
    stream *st = opaque;
    atomic_fetch_sub(&st->e->clients, 1);
    prom_gauge_add(st->e->gauge, -1);
    free(st->pending);
    free(st);
}

void events_handle(void *opaque, const http_request *req, http_response *resp)
{
    events *e = opaque;
    if (atomic_fetch_add(&e->clients, 1) >= e->max_clients) {
        atomic_fetch_sub(&e->clients, 1);
        http_response_error(resp, 503, "too many event streams (%d)", e->max_clients);
        return;
    }
    stream *st = calloc(1, sizeof *st);
    char *doc = NULL;
    if (st) doc = sampler_overview(e->s, &st->version);
    char *frame = doc ? events_frame("overview", doc) : NULL;
    free(doc);
    if (!st || !frame || asprintf(&st->pending, "retry: 3000\n%s", frame) < 0) {
        free(frame);
        free(st);
        atomic_fetch_sub(&e->clients, 1);
        http_response_error(resp, 500, "out of memory");
        return;
    }
    free(frame);
    st->e = e;
    st->len = strlen(st->pending);
    st->last_sent_ms = timeutil_mono_ms();
    prom_gauge_add(e->gauge, 1);
    http_response_stream(resp, 200, "text/event-stream", stream_read, stream_free, st);
    http_response_header(resp, "Cache-Control", "no-cache");
    http_response_header(resp, "X-Accel-Buffering", "no");
}
