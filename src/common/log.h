/* log.h -- one line per event with a level: "2026-11-26T20:30:00.123Z INFO storage: msg k=v". */
#ifndef QAFLOW_LOG_H
#define QAFLOW_LOG_H

#include <stddef.h>

typedef enum { LOG_LEVEL_DEBUG = 0, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR } log_level;

/* Process-wide: component name (copied, max 31 chars) and minimum level ("debug", "info",
 * "warn", "error"). Safe to call again (e.g. after parsing the config). Returns -1 and fills
 * err for an unknown level name. Before log_init the component is "qaflow", level info. */
int log_init(const char *component, const char *level, char *err, size_t errlen);
int log_level_parse(const char *name, log_level *out);
int log_enabled(log_level lvl);

/* Thread-safe; each call writes exactly one line to stderr (newlines in the message are
 * replaced by spaces). Use key=value pairs after the message for details. */
void log_write(log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) do { if (log_enabled(LOG_LEVEL_DEBUG)) log_write(LOG_LEVEL_DEBUG, __VA_ARGS__); } while (0)
#define log_info(...)  log_write(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...)  log_write(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_write(LOG_LEVEL_ERROR, __VA_ARGS__)

#endif
