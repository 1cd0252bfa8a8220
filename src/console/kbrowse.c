/* kbrowse.c -- the last messages of a topic's partitions, read with assign: no consumer group, nothing committed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cjson.h"
#include "kafka.h"
#include "kview.h"
#include "log.h"
#include "timeutil.h"


typedef struct browse_part {
    int32_t partition;
    int64_t end;                /* high watermark when the browse began */
    int done;
    json_t *found;              /* the last matching messages, oldest first */
} browse_part;

/* The partitions to read (all of topic, or the one asked) with their ranges; NULL + status on error. */
static browse_part *browse_plan(kview *k, const char *topic, int32_t partition, int window,
                                rd_kafka_topic_partition_list_t *assign, int *nparts, int *status,
                                char *err, size_t errlen)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t rc = rd_kafka_metadata(kview_handle(k), 1, NULL, &md, kview_timeout_ms(k));
    if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
        *status = 502;
        snprintf(err, errlen, "metadata: %s", rd_kafka_err2str(rc));
        return NULL;
    }
    const struct rd_kafka_metadata_topic *t = NULL;
    for (int i = 0; i < md->topic_cnt; i++)
        if (strcmp(md->topics[i].topic, topic) == 0 && md->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) t = &md->topics[i];
    browse_part *bp = NULL;
    *nparts = 0;
    if (!t) {
        *status = 404;
        snprintf(err, errlen, "no topic '%s'", topic);
        goto out;
    }
    bp = calloc((size_t)t->partition_cnt + 1, sizeof *bp);
    if (!bp) {
        *status = 500;
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (int p = 0; p < t->partition_cnt; p++) {
        int32_t id = t->partitions[p].id;
        if (partition >= 0 && id != partition) continue;
        int64_t lo, hi;
        rc = rd_kafka_query_watermark_offsets(kview_handle(k), topic, id, &lo, &hi, kview_timeout_ms(k));
        if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
            *status = 502;
            snprintf(err, errlen, "watermarks of %s[%d]: %s", topic, id, rd_kafka_err2str(rc));
            free(bp);
            bp = NULL;
            goto out;
        }
        browse_part *b = &bp[(*nparts)++];
        b->partition = id;
        b->end = hi;
        b->found = json_array();
        int64_t start = hi - window > lo ? hi - window : lo;
        if (start >= hi) b->done = 1;
        else rd_kafka_topic_partition_list_add(assign, topic, id)->offset = start;
    }
    if (partition >= 0 && *nparts == 0) {
        *status = 404;
        snprintf(err, errlen, "topic '%s' has no partition %d", topic, (int)partition);
        free(bp);
        bp = NULL;
    }
out:
    rd_kafka_metadata_destroy(md);
    return bp;
}

/* Newest first: by timestamp, then partition and offset. */
static int cmp_newest(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    const char *tx = json_string_value(json_object_get(x, "timestamp"));
    const char *ty = json_string_value(json_object_get(y, "timestamp"));
    int c = strcmp(ty ? ty : "", tx ? tx : "");
    if (c) return c;
    json_int_t px = json_integer_value(json_object_get(x, "partition")), py = json_integer_value(json_object_get(y, "partition"));
    if (px != py) return px < py ? -1 : 1;
    json_int_t ox = json_integer_value(json_object_get(x, "offset")), oy = json_integer_value(json_object_get(y, "offset"));
    return ox < oy ? 1 : ox > oy ? -1 : 0;
}

/* Reads until every planned partition reached its end, or the time bound. */
static void browse_read(kview *k, rd_kafka_t *rk, browse_part *bp, int n, int limit, const char *key)
{
    int64_t deadline = timeutil_mono_ms() + kview_timeout_ms(k) * 2;
    int left = 0;
    for (int i = 0; i < n; i++) left += !bp[i].done;
    size_t keylen = key ? strlen(key) : 0;
    while (left > 0 && timeutil_mono_ms() < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m) continue;
        browse_part *b = NULL;
        for (int i = 0; i < n; i++)
            if (bp[i].partition == m->partition) b = &bp[i];
        if (b && !b->done) {
            if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                b->done = 1;
                left--;
            } else if (m->err) {
                log_warn("browse: %s", rd_kafka_message_errstr(m));
            } else {
                if (!key || (m->key && m->key_len == keylen && memcmp(m->key, key, keylen) == 0)) {
                    json_array_append_new(b->found, cjson_message(m));
                    if ((int)json_array_size(b->found) > limit) json_array_remove(b->found, 0);
                }
                if (m->offset >= b->end - 1) {
                    b->done = 1;
                    left--;
                }
            }
        }
        rd_kafka_message_destroy(m);
    }
    if (left > 0) log_warn("browse: %d partition(s) not read to the end in time", left);
}

json_t *kview_browse(kview *k, const char *topic, int32_t partition, int limit, const char *key,
                     int *status, char *err, size_t errlen)
{
    *status = 500;
    rd_kafka_topic_partition_list_t *assign = rd_kafka_topic_partition_list_new(4);
    int n = 0;
    browse_part *bp = browse_plan(k, topic, partition, key ? kview_scan_limit(k) : limit, assign, &n, status,
                                  err, errlen);
    if (!bp) {
        rd_kafka_topic_partition_list_destroy(assign);
        return NULL;
    }
    json_t *out = NULL;
    rd_kafka_t *rk = NULL;
    if (assign->cnt > 0) {
        rd_kafka_conf_t *conf = kview_consumer_conf(k, err, errlen);
        char e[512];
        if (!conf) goto done;
        if (!(rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, e, sizeof e))) {
            rd_kafka_conf_destroy(conf);
            snprintf(err, errlen, "consumer: %s", e);
            goto done;
        }
        rd_kafka_resp_err_t rc = rd_kafka_assign(rk, assign);
        if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
            snprintf(err, errlen, "assign: %s", rd_kafka_err2str(rc));
            *status = 502;
            goto done;
        }
        browse_read(k, rk, bp, n, limit, key);
    }
    json_t *all = json_array();
    for (int i = 0; i < n; i++) json_array_extend(all, bp[i].found);
    size_t cnt = json_array_size(all);
    json_t **items = calloc(cnt + 1, sizeof *items);
    out = json_array();
    if (items) {
        for (size_t i = 0; i < cnt; i++) items[i] = json_array_get(all, i);
        qsort(items, cnt, sizeof *items, cmp_newest);
        for (size_t i = 0; i < cnt && (int)i < limit; i++) json_array_append(out, items[i]);
        free(items);
    }
    json_decref(all);
    *status = 200;
done:
    if (rk) {
        rd_kafka_assign(rk, NULL);
        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
    }
    for (int i = 0; i < n; i++) json_decref(bp[i].found);
    free(bp);
    rd_kafka_topic_partition_list_destroy(assign);
    return out;
}
