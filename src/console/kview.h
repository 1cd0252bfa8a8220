/* kview.h -- read-only view of Kafka: topics, partitions, watermarks, consumer-group offsets, message browsing. */
#ifndef CONSOLE_KVIEW_H
#define CONSOLE_KVIEW_H

#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kview_part {
    int32_t partition;
    int32_t leader;
    int64_t low, high;          /* -1 when the watermark query failed */
} kview_part;

typedef struct kview_topic {
    char *name;
    int nparts;
    kview_part *parts;
} kview_topic;

typedef struct kview_offset {
    char *topic;
    int32_t partition;
    int64_t committed;
} kview_offset;

typedef struct kview_group {
    char *group;
    char *state;                /* "Stable", "Empty", ... */
    int active;                 /* set by the sampler: has members, or its offsets moved lately */
    int noffs;
    kview_offset *offs;         /* committed offsets (>= 0 only) */
} kview_group;

/* One look at the cluster; owned by the caller (kview_snap_destroy). */
typedef struct kview_snap {
    int64_t at_ms;              /* monotonic ms when taken */
    int ntopics;
    kview_topic *topics;        /* sorted by name; internal topics (__*) left out */
    int ngroups;
    kview_group *groups;        /* sorted by name */
} kview_snap;

typedef struct kview kview;

typedef struct kview_opts {
    const char *brokers;
    const char *const *props;   /* "key=value" librdkafka settings, applied last */
    size_t nprops;
    int timeout_ms;             /* bound of every Kafka call */
    int scan_limit;             /* most messages read per partition when filtering by key */
} kview_opts;

kview *kview_create(const kview_opts *o, char *err, size_t errlen);
void kview_destroy(kview *k);

/* Metadata, watermarks and every group's committed offsets on those topics. Returns 0 and
 * *out, or -1 with err (Kafka unreachable). A group whose offsets cannot be read is listed
 * without offsets. */
int kview_snapshot(kview *k, kview_snap **out, char *err, size_t errlen);
void kview_snap_destroy(kview_snap *s);
const kview_topic *kview_snap_topic(const kview_snap *s, const char *name);

/* The last limit messages of topic (one partition, or every one when partition < 0), newest
 * first; with key, only messages with that key among the last scan_limit of each partition.
 * Read with assign (no group, nothing committed). Returns a JSON array, or NULL with err;
 * *status is 404 for an unknown topic or partition, else 502/500. */
json_t *kview_browse(kview *k, const char *topic, int32_t partition, int limit, const char *key,
                     int *status, char *err, size_t errlen);

/* For kbrowse.c: the admin handle, a browsing consumer's settings, the bounds. */
rd_kafka_t *kview_handle(kview *k);
rd_kafka_conf_t *kview_consumer_conf(kview *k, char *err, size_t errlen);
int kview_timeout_ms(const kview *k);
int kview_scan_limit(const kview *k);

#endif
