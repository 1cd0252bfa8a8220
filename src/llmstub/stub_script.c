/* stub_script.c -- the table of scripted responses and its JSON parsing */
#include "stub_script.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct stub_script {
    char *match;
    stub_step *steps;
    size_t nsteps;
    size_t next;  /* index of the response the next matching request gets */
    size_t used;  /* requests that matched so far */
} stub_script;

struct stub_script_table {
    stub_script *items;
    size_t n, cap;
};

void stub_step_free(stub_step *s)
{
    if (!s)
        return;
    free(s->answer);
    free(s->raw);
    free(s->error);
    s->answer = s->raw = s->error = NULL;
}

static void script_free(stub_script *s)
{
    for (size_t i = 0; i < s->nsteps; i++)
        stub_step_free(&s->steps[i]);
    free(s->steps);
    free(s->match);
    memset(s, 0, sizeof(*s));
}

stub_script_table *stub_script_create(void)
{
    return calloc(1, sizeof(stub_script_table));
}

void stub_script_destroy(stub_script_table *t)
{
    if (!t)
        return;
    stub_script_clear(t);
    free(t->items);
    free(t);
}

void stub_script_clear(stub_script_table *t)
{
    for (size_t i = 0; i < t->n; i++)
        script_free(&t->items[i]);
    t->n = 0;
}

size_t stub_script_count(const stub_script_table *t)
{
    return t->n;
}

static int step_opt_string(json_t *o, const char *key, char **out, char *err, size_t errlen)
{
    json_t *v = json_object_get(o, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v)) {
        snprintf(err, errlen, "response field '%s' must be a string", key);
        return -1;
    }
    *out = strdup(json_string_value(v));
    if (!*out) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

static int step_opt_int(json_t *o, const char *key, int min, int max, int def, int *out,
                        char *err, size_t errlen)
{
    json_t *v = json_object_get(o, key);
    *out = def;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
        snprintf(err, errlen, "response field '%s' must be an integer in %d..%d", key, min, max);
        return -1;
    }
    *out = (int)json_integer_value(v);
    return 0;
}

static int step_parse(json_t *o, stub_step *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof(*s));
    if (!json_is_object(o)) {
        snprintf(err, errlen, "each response must be an object");
        return -1;
    }
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) {
        if (strcmp(key, "status") && strcmp(key, "hang") && strcmp(key, "answer") &&
            strcmp(key, "raw") && strcmp(key, "error") && strcmp(key, "retry_after_s") &&
            strcmp(key, "latency_ms")) {
            snprintf(err, errlen, "unknown response field '%s'", key);
            return -1;
        }
    }
    json_t *hang = json_object_get(o, "hang");
    if (hang && !json_is_boolean(hang)) {
        snprintf(err, errlen, "response field 'hang' must be a boolean");
        return -1;
    }
    s->hang = hang && json_is_true(hang);
    if (step_opt_int(o, "status", 100, 599, 200, &s->status, err, errlen) ||
        step_opt_int(o, "retry_after_s", 0, 86400, -1, &s->retry_after_s, err, errlen) ||
        step_opt_int(o, "latency_ms", 0, 3600000, -1, &s->latency_ms, err, errlen) ||
        step_opt_string(o, "answer", &s->answer, err, errlen) ||
        step_opt_string(o, "raw", &s->raw, err, errlen) ||
        step_opt_string(o, "error", &s->error, err, errlen)) {
        stub_step_free(s);
        return -1;
    }
    return 0;
}

static int script_parse(json_t *o, stub_script *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof(*s));
    if (!json_is_object(o)) {
        snprintf(err, errlen, "a script must be an object");
        return -1;
    }
    json_t *m = json_object_get(o, "match");
    json_t *r = json_object_get(o, "responses");
    if (!json_is_string(m) || json_string_length(m) == 0) {
        snprintf(err, errlen, "script field 'match' must be a non-empty string");
        return -1;
    }
    if (!json_is_array(r) || json_array_size(r) == 0) {
        snprintf(err, errlen, "script field 'responses' must be a non-empty array");
        return -1;
    }
    s->match = strdup(json_string_value(m));
    s->steps = calloc(json_array_size(r), sizeof(stub_step));
    if (!s->match || !s->steps) {
        snprintf(err, errlen, "out of memory");
        script_free(s);
        return -1;
    }
    size_t i;
    json_t *step;
    json_array_foreach(r, i, step) {
        if (step_parse(step, &s->steps[i], err, errlen) != 0) {
            script_free(s);
            return -1;
        }
        s->nsteps = i + 1;
    }
    return 0;
}

static int table_put(stub_script_table *t, stub_script *s)
{
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->items[i].match, s->match) == 0) {
            script_free(&t->items[i]);
            t->items[i] = *s;
            return 0;
        }
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 8;
        stub_script *items = realloc(t->items, cap * sizeof(*items));
        if (!items)
            return -1;
        t->items = items;
        t->cap = cap;
    }
    t->items[t->n++] = *s;
    return 0;
}

int stub_script_add(stub_script_table *t, const json_t *spec, char *err, size_t errlen)
{
    json_t *list = (json_t *)spec;
    if (json_is_object(spec) && json_object_get(spec, "scripts"))
        list = json_object_get(spec, "scripts");
    size_t n = json_is_array(list) ? json_array_size(list) : 1;
    if (json_is_array(list) && n == 0) {
        snprintf(err, errlen, "no scripts given");
        return -1;
    }
    stub_script *parsed = calloc(n, sizeof(*parsed));
    if (!parsed) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t done = 0;
    for (; done < n; done++) {
        json_t *o = json_is_array(list) ? json_array_get(list, done) : list;
        if (script_parse(o, &parsed[done], err, errlen) != 0)
            break;
    }
    if (done < n) {
        for (size_t i = 0; i < done; i++)
            script_free(&parsed[i]);
        free(parsed);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (table_put(t, &parsed[i]) != 0) {
            /* Keep what was added; free the rest. */
            for (size_t j = i; j < n; j++)
                script_free(&parsed[j]);
            free(parsed);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    free(parsed);
    return 0;
}

int stub_script_add_text(stub_script_table *t, const char *text, size_t len, char *err,
                         size_t errlen)
{
    json_error_t jerr;
    json_t *spec = json_loadb(text, len, 0, &jerr);
    if (!spec) {
        snprintf(err, errlen, "invalid JSON: %s", jerr.text);
        return -1;
    }
    int rc = stub_script_add(t, spec, err, errlen);
    json_decref(spec);
    return rc;
}

int stub_script_remove(stub_script_table *t, const char *match)
{
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->items[i].match, match) == 0) {
            script_free(&t->items[i]);
            memmove(&t->items[i], &t->items[i + 1], (t->n - i - 1) * sizeof(*t->items));
            t->n--;
            return 1;
        }
    }
    return 0;
}

static char *dup_or_null(const char *s, int *fail)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *fail = 1;
    return d;
}

int stub_script_next(stub_script_table *t, const char *prompt, stub_step *out)
{
    memset(out, 0, sizeof(*out));
    if (!prompt)
        return 0;
    for (size_t i = 0; i < t->n; i++) {
        stub_script *s = &t->items[i];
        if (!strstr(prompt, s->match))
            continue;
        const stub_step *st = &s->steps[s->next];
        if (s->next + 1 < s->nsteps)
            s->next++;
        s->used++;
        int fail = 0;
        *out = *st;
        out->answer = dup_or_null(st->answer, &fail);
        out->raw = dup_or_null(st->raw, &fail);
        out->error = dup_or_null(st->error, &fail);
        if (fail) {
            stub_step_free(out);
            return -1;
        }
        return 1;
    }
    return 0;
}

static json_t *step_to_json(const stub_step *s)
{
    json_t *o = json_pack("{s:i}", "status", s->status);
    if (!o)
        return NULL;
    if (s->hang)
        json_object_set_new(o, "hang", json_true());
    if (s->answer)
        json_object_set_new(o, "answer", json_string(s->answer));
    if (s->raw)
        json_object_set_new(o, "raw", json_string(s->raw));
    if (s->error)
        json_object_set_new(o, "error", json_string(s->error));
    if (s->retry_after_s >= 0)
        json_object_set_new(o, "retry_after_s", json_integer(s->retry_after_s));
    if (s->latency_ms >= 0)
        json_object_set_new(o, "latency_ms", json_integer(s->latency_ms));
    return o;
}

json_t *stub_script_to_json(const stub_script_table *t)
{
    json_t *arr = json_array();
    if (!arr)
        return NULL;
    for (size_t i = 0; i < t->n; i++) {
        const stub_script *s = &t->items[i];
        json_t *steps = json_array();
        for (size_t j = 0; steps && j < s->nsteps; j++)
            json_array_append_new(steps, step_to_json(&s->steps[j]));
        json_array_append_new(arr, json_pack("{s:s,s:o,s:I,s:I}", "match", s->match,
                                             "responses", steps, "next", (json_int_t)s->next,
                                             "used", (json_int_t)s->used));
    }
    return json_pack("{s:o}", "scripts", arr);
}
