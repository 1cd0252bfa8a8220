/* test_delayqueue.c -- timer heap: due order, nothing early, partition drop frees payloads. */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "delayqueue.h"

static int freed;

static void count_free(void *p)
{
    freed++;
    free(p);
}

static int *box(int v)
{
    int *p = malloc(sizeof *p);
    *p = v;
    return p;
}

int main(void)
{
    delayqueue *q = delayqueue_create(count_free);
    CHECK(q != NULL);
    CHECK_INT(delayqueue_next_due(q), INT64_MAX);
    CHECK(delayqueue_pop_due(q, 1000000) == NULL);

    /* interleaved delays on one partition: 4 s, 1 s, 2 s, 1 s (same due: insertion order) */
    delayqueue_push(q, 4000, 0, box(1));
    delayqueue_push(q, 1000, 0, box(2));
    delayqueue_push(q, 2000, 0, box(3));
    delayqueue_push(q, 1000, 1, box(4));
    CHECK_INT(delayqueue_size(q), 4);
    CHECK_INT(delayqueue_next_due(q), 1000);
    CHECK(delayqueue_pop_due(q, 999) == NULL); /* never before its due time */
    int *p = delayqueue_pop_due(q, 1000);
    CHECK(p && *p == 2);
    free(p);
    p = delayqueue_pop_due(q, 1000);
    CHECK(p && *p == 4);
    free(p);
    CHECK(delayqueue_pop_due(q, 1999) == NULL);
    p = delayqueue_pop_due(q, 5000);
    CHECK(p && *p == 3);
    free(p);
    p = delayqueue_pop_due(q, 5000);
    CHECK(p && *p == 1);
    free(p);
    CHECK_INT(delayqueue_size(q), 0);

    /* random load: pops come out in non-decreasing due order */
    srand(3);
    for (int i = 0; i < 2000; i++)
        delayqueue_push(q, rand() % 10000, i % 3, box(i));
    /* a rebalance drops partition 1's timers (and frees them) */
    freed = 0;
    size_t dropped = delayqueue_drop_partition(q, 1);
    int want_dropped = 0;
    for (int i = 0; i < 2000; i++)
        want_dropped += i % 3 == 1;
    CHECK_INT(dropped, want_dropped);
    CHECK_INT(freed, want_dropped);
    CHECK_INT(delayqueue_size(q), 2000 - want_dropped);
    int64_t last = -1;
    int bad = 0, n = 0;
    while (delayqueue_size(q) > 0) {
        int64_t due = delayqueue_next_due(q);
        int *v = delayqueue_pop_due(q, due);
        if (!v || due < last || *v % 3 == 1)
            bad++;
        last = due;
        free(v);
        n++;
    }
    CHECK_INT(bad, 0);
    CHECK_INT(n, 2000 - want_dropped);

    /* destroy frees what is still held */
    delayqueue_push(q, 1, 0, box(1));
    delayqueue_push(q, 2, 0, box(2));
    freed = 0;
    delayqueue_destroy(q);
    CHECK_INT(freed, 2);
    return CHECK_DONE();
}
