/* json.c -- typed field getters on jansson objects with clear errors. */
#include "json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

json_t *json_parse_object(const char *buf, size_t len, char *err, size_t errlen)
{
    json_error_t je;
    if (!buf || len == 0) {
        snprintf(err, errlen, "empty body: expected a JSON object");
        return NULL;
    }
    json_t *v = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!v) {
        snprintf(err, errlen, "invalid JSON at line %d column %d: %s", je.line, je.column, je.text);
        utf8_clean(err); /* jansson quotes the bytes near the error, which may be cut mid-character */
        return NULL;
    }
    if (!json_is_object(v)) {
        json_decref(v);
        snprintf(err, errlen, "body must be a JSON object");
        return NULL;
    }
    return v;
}

/* Looks the key up; 1 = absent/null (error if required), 0 = present. */
static int field_lookup(const json_t *obj, const char *key, int required, json_t **out,
                        char *err, size_t errlen)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;
    if (!v || json_is_null(v)) {
        if (required) {
            snprintf(err, errlen, "missing field '%s'", key);
            return -1;
        }
        return 1;
    }
    *out = v;
    return 0;
}

int json_field_string(const json_t *obj, const char *key, int required, int nonempty,
                      const char **out, char *err, size_t errlen)
{
    json_t *v;
    int rc = field_lookup(obj, key, required, &v, err, errlen);
    if (rc != 0) return rc;
    if (!json_is_string(v)) {
        snprintf(err, errlen, "field '%s' must be a string", key);
        return -1;
    }
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v)) {
        snprintf(err, errlen, "field '%s' must not contain NUL characters", key);
        return -1;
    }
    if (nonempty && utf8_is_blank(s, strlen(s))) {
        snprintf(err, errlen, "field '%s' must not be empty (or only spaces and invisible characters)", key);
        return -1;
    }
    *out = s;
    return 0;
}

int json_field_int(const json_t *obj, const char *key, int required, long long min, long long max,
                   long long *out, char *err, size_t errlen)
{
    json_t *v;
    int rc = field_lookup(obj, key, required, &v, err, errlen);
    if (rc != 0) return rc;
    if (!json_is_integer(v)) {
        snprintf(err, errlen, "field '%s' must be an integer", key);
        return -1;
    }
    long long x = (long long)json_integer_value(v);
    if (x < min || x > max) {
        snprintf(err, errlen, "field '%s' must be between %lld and %lld (got %lld)", key, min, max, x);
        return -1;
    }
    *out = x;
    return 0;
}

int json_field_double(const json_t *obj, const char *key, int required, double min, double max,
                      double *out, char *err, size_t errlen)
{
    json_t *v;
    int rc = field_lookup(obj, key, required, &v, err, errlen);
    if (rc != 0) return rc;
    if (!json_is_number(v)) {
        snprintf(err, errlen, "field '%s' must be a number", key);
        return -1;
    }
    double x = json_number_value(v);
    if (!isfinite(x) || x < min || x > max) {
        snprintf(err, errlen, "field '%s' must be between %g and %g (got %g)", key, min, max, x);
        return -1;
    }
    *out = x;
    return 0;
}

int json_field_bool(const json_t *obj, const char *key, int required, int *out,
                    char *err, size_t errlen)
{
    json_t *v;
    int rc = field_lookup(obj, key, required, &v, err, errlen);
    if (rc != 0) return rc;
    if (!json_is_boolean(v)) {
        snprintf(err, errlen, "field '%s' must be true or false", key);
        return -1;
    }
    *out = json_is_true(v) ? 1 : 0;
    return 0;
}

char *json_dump_compact(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
}
