/* cjson.h -- the console's JSON builders: Kafka messages, topics with group lag, the overview's topic rates. */
#ifndef CONSOLE_CJSON_H
#define CONSOLE_CJSON_H

#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <stddef.h>

#include "kview.h"

/* Text of n bytes as a JSON string; bytes that are not UTF-8 give "(N bytes, not UTF-8)". NULL
 * data gives JSON null. */
json_t *cjson_bytes(const void *data, size_t n);

/* {"partition","offset","key","timestamp","headers":{name:value},"value"}: value is the parsed
 * JSON when the payload is JSON, else a string. */
json_t *cjson_message(const rd_kafka_message_t *m);

/* GET /api/topics: [{"topic","partitions":[{"partition","leader","low","high","messages"}],
 * "groups":[{"group","state","active","lag","partitions":[{"partition","committed","lag"}]}]}] for every
 * topic of s; a group is listed under a topic when it committed an offset on it. */
json_t *cjson_topics(const kview_snap *s);

/* Committed-offset sum of group g on topic t, and its total lag; 0 when it has none there. */
int cjson_group_on_topic(const kview_group *g, const kview_topic *t, long long *committed, long long *lag);

/* The topic's lag as the overview shows it: the largest lag among its active groups (members, or
 * offsets moved lately); when none is active, the smallest (the consumer that stopped last: older
 * groups left behind lag more). *which: that group, NULL when no group committed on t (lag 0). */
long long cjson_topic_lag(const kview_snap *s, const kview_topic *t, const kview_group **which);

/* The overview's per-topic rates between two snapshots (prev may be NULL: rates null):
 * [{"topic","in_per_s","out_per_s","messages","lag","lag_group"}]. in = high watermarks' growth per
 * second, out = the fastest consumer group's committed-offset growth per second, lag = cjson_topic_lag
 * (null when no group committed on the topic). */
json_t *cjson_topic_rates(const kview_snap *prev, const kview_snap *cur);

#endif
