/* log.c -- thread-safe one-line levelled logging to stderr. */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "timeutil.h"

/* Process-wide logging state: set once at startup by log_init. */
static struct {
    pthread_mutex_t lock;
    char component[32];
    atomic_int level;
} log_state = { PTHREAD_MUTEX_INITIALIZER, "qaflow", LOG_LEVEL_INFO };

static const char *const log_names[] = { "DEBUG", "INFO", "WARN", "ERROR" };

int log_level_parse(const char *name, log_level *out)
{
    static const struct { const char *n; log_level l; } tab[] = {
        { "debug", LOG_LEVEL_DEBUG }, { "info", LOG_LEVEL_INFO }, { "warn", LOG_LEVEL_WARN },
        { "warning", LOG_LEVEL_WARN }, { "error", LOG_LEVEL_ERROR },
    };
    if (!name) return -1;
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        if (strcasecmp(name, tab[i].n) == 0) { *out = tab[i].l; return 0; }
    }
    return -1;
}

int log_init(const char *component, const char *level, char *err, size_t errlen)
{
    log_level lvl = LOG_LEVEL_INFO;
    if (level && log_level_parse(level, &lvl) != 0) {
        snprintf(err, errlen, "unknown log level '%s' (debug, info, warn, error)", level);
        return -1;
    }
    pthread_mutex_lock(&log_state.lock);
    if (component) snprintf(log_state.component, sizeof log_state.component, "%s", component);
    pthread_mutex_unlock(&log_state.lock);
    atomic_store(&log_state.level, (int)lvl);
    return 0;
}

int log_enabled(log_level lvl)
{
    return (int)lvl >= atomic_load(&log_state.level);
}

void log_write(log_level lvl, const char *fmt, ...)
{
    if (!log_enabled(lvl)) return;
    if ((int)lvl < 0 || lvl > LOG_LEVEL_ERROR) lvl = LOG_LEVEL_ERROR;
    char ts[TIMEUTIL_ISO_LEN];
    timeutil_now_iso(ts, sizeof ts);
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0) snprintf(msg, sizeof msg, "(log format error)");
    for (char *p = msg; *p; p++) {
        if (*p == '\n' || *p == '\r') *p = ' ';
    }
    pthread_mutex_lock(&log_state.lock);
    fprintf(stderr, "%s %s %s: %s%s\n", ts, log_names[lvl], log_state.component, msg,
            (n >= (int)sizeof msg) ? "..." : "");
    fflush(stderr);
    pthread_mutex_unlock(&log_state.lock);
}
