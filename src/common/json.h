/* json.h -- typed field getters on jansson objects with clear errors. */
#ifndef QAFLOW_JSON_H
#define QAFLOW_JSON_H

#include <jansson.h>
#include <stddef.h>

/* Getter results: 0 = found and valid, 1 = absent (or JSON null) and not required, -1 = error
 * (err reads like: "field 'retry_count' must be an integer"). A required field that is absent
 * is an error: "missing field 'question_text'". */
#define JSON_FIELD_REQUIRED 1
#define JSON_FIELD_OPTIONAL 0

/* Parses a buffer that must hold one JSON object (UTF-8 is validated by jansson). Returns a new
 * reference, or NULL and err ("invalid JSON at line 1 column 5: ..." / "body must be a JSON object"). */
json_t *json_parse_object(const char *buf, size_t len, char *err, size_t errlen);

/* *out borrows the object's string (valid while obj lives). nonempty: reject "" and
 * all-whitespace strings. */
int json_field_string(const json_t *obj, const char *key, int required, int nonempty,
                      const char **out, char *err, size_t errlen);
/* Integers only (1.0 is rejected), within [min, max]. */
int json_field_int(const json_t *obj, const char *key, int required, long long min, long long max,
                   long long *out, char *err, size_t errlen);
/* Integers or reals, finite, within [min, max]. */
int json_field_double(const json_t *obj, const char *key, int required, double min, double max,
                      double *out, char *err, size_t errlen);
int json_field_bool(const json_t *obj, const char *key, int required, int *out,
                    char *err, size_t errlen);

/* Compact serialisation (keys in insertion order, reals with 15 significant digits so 0.82
 * prints as 0.82); malloc'd, caller frees. NULL on failure. */
char *json_dump_compact(const json_t *v);

#endif
