/* config.h -- one declarative settings table per binary: flags, environment, defaults, --help. */
#ifndef QAFLOW_CONFIG_H
#define QAFLOW_CONFIG_H

#include <stddef.h>
#include <stdio.h>

typedef enum {
    CONFIG_STRING,
    CONFIG_INT,    /* long long */
    CONFIG_DOUBLE,
    CONFIG_BOOL,   /* true/false/1/0/yes/no/on/off; a bare --flag means true */
    CONFIG_LIST,   /* repeatable flag, values accumulate (e.g. -X key=value); env: comma-separated */
    CONFIG_ALIAS   /* another long flag for a setting: def names the setting (env, flag, bounds unused);
                    * shown by --help, not a setting itself (the getters do not know its name) */
} config_type;

/* One setting. Precedence: command-line flag > environment variable > default. */
typedef struct config_entry {
    const char *name;   /* lookup key, also the long flag: "port" -> --port=V / --port V */
    const char *env;    /* environment variable or NULL, e.g. "QAFLOW_STORAGE_PORT" */
    const char *flag;   /* extra short flag or NULL, e.g. "-X" (takes "-X v" or "-Xv") */
    config_type type;
    const char *def;    /* default as text; NULL: unset (strings read as NULL, numbers as 0) */
    double min, max;    /* bounds for INT/DOUBLE; ignored when min == max */
    const char *help;
} config_entry;

typedef struct config config;

/* The table is borrowed: it must outlive the config (a static array is the usual case).
 * prog and summary are shown by --help. Returns NULL and fills err on a bad table. */
config *config_create(const char *prog, const char *summary,
                      const config_entry *entries, size_t n, char *err, size_t errlen);
void config_destroy(config *c);

/* Parses environment then argv. Returns 0 on success, 1 when --help/-h was given (help is
 * printed to stdout; the caller should exit 0), -1 on a bad value or unknown flag (err says
 * which flag/variable and why). Positional arguments are an error unless
 * config_allow_positional() was called; then they are kept in order. */
int config_parse(config *c, int argc, char **argv, char *err, size_t errlen);
void config_allow_positional(config *c);
size_t config_positional_count(const config *c);
const char *config_positional(const config *c, size_t i);

/* Getters by name; asking for an unknown name or the wrong type aborts (a programming error). */
const char *config_get_string(const config *c, const char *name);
long long config_get_int(const config *c, const char *name);
double config_get_double(const config *c, const char *name);
int config_get_bool(const config *c, const char *name);
size_t config_get_list(const config *c, const char *name, const char *const **items);
/* Where the value came from: "flag", "env" or "default". */
const char *config_source(const config *c, const char *name);

/* The start of every service's main: config_create + config_parse + config_start_log.
 * Returns the parsed config (the caller destroys it), or NULL when main should return
 * *exit_code at once: 0 after --help (printed to stdout), 2 on a bad table, flag, value or
 * log level (the reason is printed to stderr as "<prog>: <reason>"). log_component NULL:
 * logging is left to the caller (e.g. when its name depends on a setting). */
config *config_start(const char *prog, const char *summary, const config_entry *entries, size_t n,
                     int argc, char **argv, const char *log_component, int *exit_code);
/* log_init with the "log-level" setting; on a bad level prints "<prog>: <reason>" to stderr
 * and returns -1 (the caller should exit 2). */
int config_start_log(const config *c, const char *log_component);

void config_print_help(const config *c, FILE *out);
/* Logs every setting at info level (one line per setting). */
void config_log(const config *c);

#endif
