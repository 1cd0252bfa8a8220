/* offsets.h -- per-partition in-flight tracker: which offset may be committed (at-least-once). */
#ifndef QAFLOW_OFFSETS_H
#define QAFLOW_OFFSETS_H

#include <stddef.h>
#include <stdint.h>

/* Messages of a partition are handled out of order (several LLM requests in flight, delays of
 * different lengths), but Kafka keeps one committed position per partition. The tracker
 * records every consumed offset in order and reports the position that may be committed: one
 * past the last offset such that it and every earlier tracked offset are done. */
typedef struct offsets offsets;

offsets *offsets_create(void);
void offsets_destroy(offsets *o);

/* Records a consumed offset. Offsets of one partition must be tracked in increasing order;
 * returns -1 (and records nothing) otherwise, or when out of memory. */
int offsets_track(offsets *o, int32_t partition, int64_t offset);

/* Marks a tracked offset done. Returns the new commit position (next offset to read) when it
 * advanced, 0 when it did not, and -1 when the offset is not tracked (e.g. its partition was
 * dropped by a rebalance). */
int64_t offsets_done(offsets *o, int32_t partition, int64_t offset);

/* Forgets the tracked offsets >= offset of a partition (they will be consumed again after a seek
 * back to offset); tracking continues from offset. */
void offsets_rewind(offsets *o, int32_t partition, int64_t offset);

/* Forgets a partition (revoked by a rebalance). */
void offsets_drop_partition(offsets *o, int32_t partition);

/* Tracked offsets not yet released (done or not), for one partition or (partition -1) all. */
size_t offsets_pending(const offsets *o, int32_t partition);

/* Smallest tracked offset not yet released for a partition, or -1 when none. */
int64_t offsets_oldest(const offsets *o, int32_t partition);

#endif
