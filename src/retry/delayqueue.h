/* delayqueue.h -- in-memory timer heap of messages waiting for their retry time. */
#ifndef QAFLOW_RETRY_DELAYQUEUE_H
#define QAFLOW_RETRY_DELAYQUEUE_H

#include <stddef.h>
#include <stdint.h>

/* A min-heap ordered by due time (ties: insertion order). Items carry their Kafka partition so
 * a rebalance can drop the revoked partitions' timers. The queue owns the payloads it holds
 * and frees them with the free function given at creation. */
typedef struct delayqueue delayqueue;
typedef void (*delayqueue_free_fn)(void *payload);

delayqueue *delayqueue_create(delayqueue_free_fn free_fn);
/* Frees every payload still held. */
void delayqueue_destroy(delayqueue *q);

int delayqueue_push(delayqueue *q, int64_t due_ms, int32_t partition, void *payload);
size_t delayqueue_size(const delayqueue *q);
/* Due time of the earliest item, or INT64_MAX when empty. */
int64_t delayqueue_next_due(const delayqueue *q);
/* Removes and returns the earliest item's payload when it is due (due_ms <= now_ms), else
 * NULL. Ownership passes to the caller. */
void *delayqueue_pop_due(delayqueue *q, int64_t now_ms);
/* Frees and removes every item of a partition; returns how many. */
size_t delayqueue_drop_partition(delayqueue *q, int32_t partition);

#endif
