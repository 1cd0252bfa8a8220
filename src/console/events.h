/* events.h -- GET /api/events: Server-Sent Events carrying each new overview sample. */
#ifndef CONSOLE_EVENTS_H
#define CONSOLE_EVENTS_H

#include "http.h"
#include "prom.h"
#include "sampler.h"

typedef struct events events;

/* At most max_clients streams at once (more get 503); a comment line every heartbeat_ms keeps
 * idle proxies from closing a stream. */
events *events_create(sampler *s, int max_clients, int heartbeat_ms, prom_registry *prom);
/* Ends every stream (they return within a second) and waits for them to be gone, at most 5 s. */
void events_destroy(events *e);

/* The handler (opaque = events). */
void events_handle(void *opaque, const http_request *req, http_response *resp);

/* One SSE frame: "event: <name>\ndata: <data>\n\n" (data must have no newline), malloc'd. */
char *events_frame(const char *name, const char *data);

#endif
