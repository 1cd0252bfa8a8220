/* stub_reqlog.c -- the recorded-requests ring buffer behind GET/DELETE /admin/requests */
#include "stub_reqlog.h"

#include <stdlib.h>
#include <string.h>

struct stub_reqlog {
    stub_reqlog_entry *ring;
    size_t cap;
    size_t head;    /* index of the oldest entry */
    size_t count;
    uint64_t next_id;
    uint64_t dropped;
};

static void entry_free(stub_reqlog_entry *e)
{
    free(e->path);
    free(e->model);
    free(e->prompt);
    json_decref(e->body);
    memset(e, 0, sizeof(*e));
}

stub_reqlog *stub_reqlog_create(size_t capacity)
{
    if (capacity == 0)
        return NULL;
    stub_reqlog *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    l->ring = calloc(capacity, sizeof(*l->ring));
    if (!l->ring) {
        free(l);
        return NULL;
    }
    l->cap = capacity;
    l->next_id = 1;
    return l;
}

void stub_reqlog_destroy(stub_reqlog *l)
{
    if (!l)
        return;
    stub_reqlog_clear(l);
    free(l->ring);
    free(l);
}

void stub_reqlog_clear(stub_reqlog *l)
{
    for (size_t i = 0; i < l->count; i++)
        entry_free(&l->ring[(l->head + i) % l->cap]);
    l->head = 0;
    l->count = 0;
    l->dropped = 0;
}

size_t stub_reqlog_count(const stub_reqlog *l)
{
    return l->count;
}

uint64_t stub_reqlog_total(const stub_reqlog *l)
{
    return l->next_id - 1;
}

static char *dup_opt(const char *s, int *fail)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *fail = 1;
    return d;
}

uint64_t stub_reqlog_add(stub_reqlog *l, const char *path, const char *model, const char *prompt,
                         int has_seed, int64_t seed, int status, int hang, const char *at)
{
    stub_reqlog_entry e = {0};
    int fail = 0;
    e.path = dup_opt(path ? path : "", &fail);
    e.model = dup_opt(model, &fail);
    e.prompt = dup_opt(prompt, &fail);
    if (fail) {
        entry_free(&e);
        return 0;
    }
    e.has_seed = has_seed;
    e.seed = seed;
    e.status = status;
    e.hang = hang;
    if (at) {
        strncpy(e.at, at, sizeof(e.at) - 1);
        e.at[sizeof(e.at) - 1] = '\0';
    }
    e.id = l->next_id++;
    if (l->count == l->cap) {
        entry_free(&l->ring[l->head]);
        l->head = (l->head + 1) % l->cap;
        l->count--;
        l->dropped++;
    }
    l->ring[(l->head + l->count) % l->cap] = e;
    l->count++;
    return e.id;
}

static stub_reqlog_entry *stub_reqlog_find(stub_reqlog *l, uint64_t id)
{
    if (l->count == 0)
        return NULL;
    uint64_t first = l->ring[l->head].id;
    if (id < first || id >= first + l->count)
        return NULL;
    stub_reqlog_entry *e = &l->ring[(l->head + (size_t)(id - first)) % l->cap];
    return e->id == id ? e : NULL;
}

int stub_reqlog_set_status(stub_reqlog *l, uint64_t id, int status)
{
    stub_reqlog_entry *e = stub_reqlog_find(l, id);
    if (!e)
        return -1;
    e->status = status;
    return 0;
}

int stub_reqlog_set_body(stub_reqlog *l, uint64_t id, json_t *body)
{
    stub_reqlog_entry *e = stub_reqlog_find(l, id);
    if (!e)
        return -1;
    json_decref(e->body);
    e->body = json_incref(body);
    return 0;
}

json_t *stub_reqlog_to_json(const stub_reqlog *l, const char *match)
{
    json_t *arr = json_array();
    if (!arr)
        return NULL;
    for (size_t i = 0; i < l->count; i++) {
        const stub_reqlog_entry *e = &l->ring[(l->head + i) % l->cap];
        if (match && (!e->prompt || !strstr(e->prompt, match)))
            continue;
        json_t *o = json_pack("{s:I,s:s,s:s?,s:s?,s:i,s:s}", "id", (json_int_t)e->id,
                              "path", e->path, "model", e->model, "prompt", e->prompt,
                              "status", e->status, "at", e->at);
        if (!o)
            continue;
        json_object_set_new(o, "seed", e->has_seed ? json_integer(e->seed) : json_null());
        if (e->hang)
            json_object_set_new(o, "hang", json_true());
        if (e->body)
            json_object_set(o, "body", e->body);
        json_array_append_new(arr, o);
    }
    return json_pack("{s:o,s:I}", "requests", arr, "dropped", (json_int_t)l->dropped);
}
