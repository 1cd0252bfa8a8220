/* redis.c -- hiredis helpers: timeouts, one reconnect-and-retry on I/O errors. */
#include "redis.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

struct redis_conn {
    redisContext *ctx;
    char host[256];
    int port;            /* 0 for a unix socket path in host */
    struct timeval tv;
};

static int redis_connect(redis_conn *r, char *err, size_t errlen)
{
    if (r->ctx) redisFree(r->ctx);
    r->ctx = r->port ? redisConnectWithTimeout(r->host, r->port, r->tv)
                     : redisConnectUnixWithTimeout(r->host, r->tv);
    if (!r->ctx || r->ctx->err) {
        snprintf(err, errlen, "redis %s:%d: %s", r->host, r->port, r->ctx ? r->ctx->errstr : "out of memory");
        if (r->ctx) redisFree(r->ctx);
        r->ctx = NULL;
        return -1;
    }
    redisSetTimeout(r->ctx, r->tv);
    return 0;
}

redis_conn *redis_conn_create(const char *addr, int timeout_ms, char *err, size_t errlen)
{
    redis_conn *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!addr || !*addr) addr = "127.0.0.1:6379";
    if (addr[0] == '/') {
        snprintf(r->host, sizeof r->host, "%s", addr);
    } else {
        const char *colon = strrchr(addr, ':');
        if (colon) {
            snprintf(r->host, sizeof r->host, "%.*s", (int)(colon - addr), addr);
            r->port = atoi(colon + 1);
        } else {
            snprintf(r->host, sizeof r->host, "%s", addr);
            r->port = 6379;
        }
        if (r->port <= 0 || r->port > 65535) {
            snprintf(err, errlen, "bad redis address '%s' (host:port expected)", addr);
            free(r);
            return NULL;
        }
    }
    if (timeout_ms <= 0) timeout_ms = 1000;
    r->tv.tv_sec = timeout_ms / 1000;
    r->tv.tv_usec = (timeout_ms % 1000) * 1000;
    if (redis_connect(r, err, errlen) != 0) {
        free(r);
        return NULL;
    }
    return r;
}

void redis_conn_destroy(redis_conn *r)
{
    if (!r) return;
    if (r->ctx) redisFree(r->ctx);
    free(r);
}

redisReply *redis_cmd_argv(redis_conn *r, int argc, const char **argv, const size_t *argvlen,
                           char *err, size_t errlen)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!r->ctx && redis_connect(r, err, errlen) != 0) return NULL;
        redisReply *rep = redisCommandArgv(r->ctx, argc, argv, argvlen);
        if (rep) return rep;
        snprintf(err, errlen, "redis: %s", r->ctx->errstr[0] ? r->ctx->errstr : "I/O error");
        redisFree(r->ctx);
        r->ctx = NULL;
        if (attempt == 0) log_debug("redis command failed, reconnecting: %s", err);
    }
    return NULL;
}

redisReply *redis_cmd(redis_conn *r, char *err, size_t errlen, const char *fmt, ...)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!r->ctx && redis_connect(r, err, errlen) != 0) return NULL;
        va_list ap;
        va_start(ap, fmt);
        redisReply *rep = redisvCommand(r->ctx, fmt, ap);
        va_end(ap);
        if (rep) return rep;
        snprintf(err, errlen, "redis: %s", r->ctx->errstr[0] ? r->ctx->errstr : "I/O error");
        redisFree(r->ctx);
        r->ctx = NULL;
    }
    return NULL;
}

int redis_conn_ping(redis_conn *r)
{
    char err[256];
    redisReply *rep = redis_cmd(r, err, sizeof err, "PING");
    int ok = rep && rep->type == REDIS_REPLY_STATUS && strcmp(rep->str, "PONG") == 0;
    if (rep) freeReplyObject(rep);
    return ok;
}
