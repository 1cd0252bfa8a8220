/* delayqueue.c -- in-memory timer heap of messages waiting for their retry time. */
#include "delayqueue.h"

#include <stdlib.h>

typedef struct {
    int64_t due_ms;
    uint64_t seq;
    int32_t partition;
    void *payload;
} delayqueue_item;

struct delayqueue {
    delayqueue_item *heap;
    size_t len, cap;
    uint64_t seq;
    delayqueue_free_fn free_fn;
};

delayqueue *delayqueue_create(delayqueue_free_fn free_fn)
{
    delayqueue *q = calloc(1, sizeof *q);
    if (q)
        q->free_fn = free_fn;
    return q;
}

void delayqueue_destroy(delayqueue *q)
{
    if (!q)
        return;
    for (size_t i = 0; i < q->len; i++)
        if (q->free_fn)
            q->free_fn(q->heap[i].payload);
    free(q->heap);
    free(q);
}

static int delayqueue_less(const delayqueue_item *a, const delayqueue_item *b)
{
    return a->due_ms < b->due_ms || (a->due_ms == b->due_ms && a->seq < b->seq);
}

static void delayqueue_swap(delayqueue *q, size_t i, size_t j)
{
    delayqueue_item t = q->heap[i];
    q->heap[i] = q->heap[j];
    q->heap[j] = t;
}

static void delayqueue_up(delayqueue *q, size_t i)
{
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!delayqueue_less(&q->heap[i], &q->heap[parent]))
            break;
        delayqueue_swap(q, i, parent);
        i = parent;
    }
}

static void delayqueue_down(delayqueue *q, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < q->len && delayqueue_less(&q->heap[l], &q->heap[m]))
            m = l;
        if (r < q->len && delayqueue_less(&q->heap[r], &q->heap[m]))
            m = r;
        if (m == i)
            return;
        delayqueue_swap(q, i, m);
        i = m;
    }
}

int delayqueue_push(delayqueue *q, int64_t due_ms, int32_t partition, void *payload)
{
    if (q->len == q->cap) {
        size_t ncap = q->cap ? q->cap * 2 : 64;
        delayqueue_item *nh = realloc(q->heap, ncap * sizeof *nh);
        if (!nh)
            return -1;
        q->heap = nh;
        q->cap = ncap;
    }
    q->heap[q->len] = (delayqueue_item){due_ms, q->seq++, partition, payload};
    delayqueue_up(q, q->len);
    q->len++;
    return 0;
}

size_t delayqueue_size(const delayqueue *q)
{
    return q->len;
}

int64_t delayqueue_next_due(const delayqueue *q)
{
    return q->len ? q->heap[0].due_ms : INT64_MAX;
}

void *delayqueue_pop_due(delayqueue *q, int64_t now_ms)
{
    if (q->len == 0 || q->heap[0].due_ms > now_ms)
        return NULL;
    void *p = q->heap[0].payload;
    q->heap[0] = q->heap[--q->len];
    if (q->len)
        delayqueue_down(q, 0);
    return p;
}

size_t delayqueue_drop_partition(delayqueue *q, int32_t partition)
{
    size_t kept = 0, dropped = 0;
    for (size_t i = 0; i < q->len; i++) {
        if (q->heap[i].partition == partition) {
            if (q->free_fn)
                q->free_fn(q->heap[i].payload);
            dropped++;
        } else {
            q->heap[kept++] = q->heap[i];
        }
    }
    q->len = kept;
    for (size_t i = q->len / 2; i-- > 0;)
        delayqueue_down(q, i);
    return dropped;
}
