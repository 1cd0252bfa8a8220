/* offsets.c -- per-partition in-flight tracker: which offset may be committed (at-least-once). */
#include "offsets.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t offset;
    int done;
} offsets_entry;

typedef struct {
    int32_t partition;
    int active;
    offsets_entry *ring; /* circular buffer, tracked offsets in increasing order */
    size_t cap, head, len;
    int64_t last_tracked; /* -1 before the first */
} offsets_part;

struct offsets {
    offsets_part *parts;
    size_t nparts;
};

offsets *offsets_create(void)
{
    return calloc(1, sizeof(offsets));
}

void offsets_destroy(offsets *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->nparts; i++)
        free(o->parts[i].ring);
    free(o->parts);
    free(o);
}

static offsets_part *offsets_find(const offsets *o, int32_t partition)
{
    for (size_t i = 0; i < o->nparts; i++)
        if (o->parts[i].active && o->parts[i].partition == partition)
            return &o->parts[i];
    return NULL;
}

static offsets_part *offsets_get(offsets *o, int32_t partition)
{
    offsets_part *p = offsets_find(o, partition);
    if (p)
        return p;
    for (size_t i = 0; i < o->nparts; i++)
        if (!o->parts[i].active) {
            p = &o->parts[i];
            break;
        }
    if (!p) {
        offsets_part *np = realloc(o->parts, (o->nparts + 1) * sizeof *np);
        if (!np)
            return NULL;
        o->parts = np;
        p = &o->parts[o->nparts++];
        memset(p, 0, sizeof *p);
    }
    p->partition = partition;
    p->active = 1;
    p->head = p->len = 0;
    p->last_tracked = -1;
    return p;
}

static offsets_entry *offsets_at(offsets_part *p, size_t i)
{
    return &p->ring[(p->head + i) % p->cap];
}

int offsets_track(offsets *o, int32_t partition, int64_t offset)
{
    offsets_part *p = offsets_get(o, partition);
    if (!p || offset < 0 || offset <= p->last_tracked)
        return -1;
    if (p->len == p->cap) {
        size_t ncap = p->cap ? p->cap * 2 : 64;
        offsets_entry *nr = malloc(ncap * sizeof *nr);
        if (!nr)
            return -1;
        for (size_t i = 0; i < p->len; i++)
            nr[i] = *offsets_at(p, i);
        free(p->ring);
        p->ring = nr;
        p->cap = ncap;
        p->head = 0;
    }
    offsets_entry *e = &p->ring[(p->head + p->len) % p->cap];
    e->offset = offset;
    e->done = 0;
    p->len++;
    p->last_tracked = offset;
    return 0;
}

int64_t offsets_done(offsets *o, int32_t partition, int64_t offset)
{
    offsets_part *p = offsets_find(o, partition);
    if (!p || p->len == 0)
        return -1;
    /* binary search: offsets are increasing along the ring */
    size_t lo = 0, hi = p->len;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (offsets_at(p, mid)->offset < offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == p->len || offsets_at(p, lo)->offset != offset)
        return -1;
    offsets_at(p, lo)->done = 1;
    int64_t commit = 0;
    while (p->len > 0 && offsets_at(p, 0)->done) {
        commit = offsets_at(p, 0)->offset + 1;
        p->head = (p->head + 1) % p->cap;
        p->len--;
    }
    return commit;
}

void offsets_rewind(offsets *o, int32_t partition, int64_t offset)
{
    offsets_part *p = offsets_find(o, partition);
    if (!p)
        return;
    while (p->len > 0 && offsets_at(p, p->len - 1)->offset >= offset)
        p->len--;
    if (p->last_tracked >= offset)
        p->last_tracked = offset - 1;
}

void offsets_drop_partition(offsets *o, int32_t partition)
{
    offsets_part *p = offsets_find(o, partition);
    if (p) {
        p->active = 0;
        p->len = 0;
        p->head = 0;
    }
}

size_t offsets_pending(const offsets *o, int32_t partition)
{
    size_t n = 0;
    for (size_t i = 0; i < o->nparts; i++)
        if (o->parts[i].active && (partition < 0 || o->parts[i].partition == partition))
            n += o->parts[i].len;
    return n;
}

int64_t offsets_oldest(const offsets *o, int32_t partition)
{
    offsets_part *p = offsets_find(o, partition);
    if (!p || p->len == 0)
        return -1;
    return p->ring[p->head].offset;
}
