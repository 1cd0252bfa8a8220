/* redis.h -- Redis helpers on hiredis: connect with timeout, commands with one reconnect. */
#ifndef QAFLOW_REDIS_H
#define QAFLOW_REDIS_H

#include <hiredis/hiredis.h>
#include <stddef.h>

typedef struct redis_conn redis_conn;

/* addr: "host:port" (or "/path/to/socket"); timeout applies to connect and every command. */
redis_conn *redis_conn_create(const char *addr, int timeout_ms, char *err, size_t errlen);
void redis_conn_destroy(redis_conn *r);

/* Runs a command (printf-like, hiredis %s/%b). On an I/O error it reconnects and retries once.
 * Returns the reply (caller freeReplyObject()s it; REDIS_REPLY_ERROR replies are returned
 * too), or NULL and err when the server is unreachable. */
redisReply *redis_cmd(redis_conn *r, char *err, size_t errlen, const char *fmt, ...);
redisReply *redis_cmd_argv(redis_conn *r, int argc, const char **argv, const size_t *argvlen,
                           char *err, size_t errlen);
/* 1 when PING answers PONG. */
int redis_conn_ping(redis_conn *r);

#endif
