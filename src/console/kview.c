/* kview.c -- Kafka metadata, watermarks and group offsets (admin API), and browsing with assign (no group, no commits). */
#include "kview.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka.h"
#include "log.h"
#include "timeutil.h"

struct kview {
    rd_kafka_t *rk;             /* admin/metadata handle (a producer that never produces) */
    char *brokers;
    const char *const *props;
    size_t nprops;
    int timeout_ms;
    int scan_limit;
};

/* A configuration with the brokers, the client id and the user's properties. */
static rd_kafka_conf_t *kview_conf(const kview *k, const char *client_id, char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char e[256];
    if (rd_kafka_conf_set(conf, "bootstrap.servers", k->brokers, e, sizeof e) != RD_KAFKA_CONF_OK ||
        rd_kafka_conf_set(conf, "client.id", client_id, e, sizeof e) != RD_KAFKA_CONF_OK) {
        snprintf(err, errlen, "%s", e);
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    if (kafka_conf_apply(conf, k->props, k->nprops, err, errlen) != 0) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    return conf;
}

kview *kview_create(const kview_opts *o, char *err, size_t errlen)
{
    kview *k = calloc(1, sizeof *k);
    if (!k || !(k->brokers = strdup(o->brokers))) {
        free(k);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    k->props = o->props;
    k->nprops = o->nprops;
    k->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 3000;
    k->scan_limit = o->scan_limit > 0 ? o->scan_limit : 5000;
    rd_kafka_conf_t *conf = kview_conf(k, "qaflow-console", err, errlen);
    char e[512];
    if (!conf || !(k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, e, sizeof e))) {
        if (conf) {
            snprintf(err, errlen, "%s", e);
            rd_kafka_conf_destroy(conf);
        }
        kview_destroy(k);
        return NULL;
    }
    return k;
}

void kview_destroy(kview *k)
{
    if (!k) return;
    if (k->rk) rd_kafka_destroy(k->rk);
    free(k->brokers);
    free(k);
}

void kview_snap_destroy(kview_snap *s)
{
    if (!s) return;
    for (int i = 0; i < s->ntopics; i++) {
        free(s->topics[i].name);
        free(s->topics[i].parts);
    }
    free(s->topics);
    for (int i = 0; i < s->ngroups; i++) {
        for (int j = 0; j < s->groups[i].noffs; j++) free(s->groups[i].offs[j].topic);
        free(s->groups[i].offs);
        free(s->groups[i].group);
        free(s->groups[i].state);
    }
    free(s->groups);
    free(s);
}

const kview_topic *kview_snap_topic(const kview_snap *s, const char *name)
{
    for (int i = 0; s && i < s->ntopics; i++)
        if (strcmp(s->topics[i].name, name) == 0) return &s->topics[i];
    return NULL;
}

static int cmp_topic(const void *a, const void *b)
{
    return strcmp(((const kview_topic *)a)->name, ((const kview_topic *)b)->name);
}
static int cmp_part(const void *a, const void *b)
{
    return ((const kview_part *)a)->partition - ((const kview_part *)b)->partition;
}
static int cmp_group(const void *a, const void *b)
{
    return strcmp(((const kview_group *)a)->group, ((const kview_group *)b)->group);
}

/* Topics, partitions, leaders and watermarks into s. */
static int snap_topics(kview *k, kview_snap *s, char *err, size_t errlen)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t rc = rd_kafka_metadata(k->rk, 1, NULL, &md, k->timeout_ms);
    if (rc != RD_KAFKA_RESP_ERR_NO_ERROR) {
        snprintf(err, errlen, "metadata: %s", rd_kafka_err2str(rc));
        return -1;
    }
    s->topics = calloc((size_t)md->topic_cnt + 1, sizeof *s->topics);
    if (!s->topics) goto oom;
    for (int i = 0; i < md->topic_cnt; i++) {
        const struct rd_kafka_metadata_topic *t = &md->topics[i];
        if (strncmp(t->topic, "__", 2) == 0 || t->err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
        kview_topic *kt = &s->topics[s->ntopics];
        if (!(kt->name = strdup(t->topic)) || !(kt->parts = calloc((size_t)t->partition_cnt + 1, sizeof *kt->parts))) {
            free(kt->name);
            goto oom;
        }
        s->ntopics++;
        for (int p = 0; p < t->partition_cnt; p++) {
            kview_part *kp = &kt->parts[kt->nparts++];
            kp->partition = t->partitions[p].id;
            kp->leader = t->partitions[p].leader;
            kp->low = kp->high = -1;
            int64_t lo, hi;
            rd_kafka_resp_err_t w = rd_kafka_query_watermark_offsets(k->rk, t->topic, kp->partition, &lo, &hi,
                                                                     k->timeout_ms);
            if (w == RD_KAFKA_RESP_ERR_NO_ERROR) {
                kp->low = lo;
                kp->high = hi;
            } else {
                log_warn("kview: watermarks of %s[%d]: %s", t->topic, kp->partition, rd_kafka_err2str(w));
            }
        }
        qsort(kt->parts, (size_t)kt->nparts, sizeof *kt->parts, cmp_part);
    }
    rd_kafka_metadata_destroy(md);
    qsort(s->topics, (size_t)s->ntopics, sizeof *s->topics, cmp_topic);
    return 0;
oom:
    rd_kafka_metadata_destroy(md);
    snprintf(err, errlen, "out of memory");
    return -1;
}

/* Runs one admin request already issued on q and returns its event (NULL + err on timeout/error). */
static rd_kafka_event_t *admin_wait(kview *k, rd_kafka_queue_t *q, const char *what, char *err, size_t errlen)
{
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, k->timeout_ms + 1000);
    if (!ev) {
        snprintf(err, errlen, "%s: no answer in %d ms", what, k->timeout_ms + 1000);
        return NULL;
    }
    if (rd_kafka_event_error(ev)) {
        snprintf(err, errlen, "%s: %s", what, rd_kafka_event_error_string(ev));
        rd_kafka_event_destroy(ev);
        return NULL;
    }
    return ev;
}

static rd_kafka_AdminOptions_t *admin_opts(kview *k, rd_kafka_admin_op_t op)
{
    rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(k->rk, op);
    char e[256];
    if (o) rd_kafka_AdminOptions_set_request_timeout(o, k->timeout_ms, e, sizeof e);
    return o;
}

/* Committed offsets of group g on every partition of s's topics. */
static int group_offsets(kview *k, const kview_snap *s, kview_group *g, char *err, size_t errlen)
{
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(16);
    for (int i = 0; i < s->ntopics; i++)
        for (int p = 0; p < s->topics[i].nparts; p++)
            rd_kafka_topic_partition_list_add(parts, s->topics[i].name, s->topics[i].parts[p].partition);
    rd_kafka_ListConsumerGroupOffsets_t *req = rd_kafka_ListConsumerGroupOffsets_new(g->group, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    rd_kafka_queue_t *q = rd_kafka_queue_new(k->rk);
    rd_kafka_AdminOptions_t *o = admin_opts(k, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS);
    rd_kafka_ListConsumerGroupOffsets(k->rk, &req, 1, o, q);
    rd_kafka_ListConsumerGroupOffsets_destroy(req);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_event_t *ev = admin_wait(k, q, "ListConsumerGroupOffsets", err, errlen);
    rd_kafka_queue_destroy(q);
    if (!ev) return -1;
    int ret = 0;
    size_t n = 0;
    const rd_kafka_group_result_t **gr =
        rd_kafka_ListConsumerGroupOffsets_result_groups(rd_kafka_event_ListConsumerGroupOffsets_result(ev), &n);
    for (size_t i = 0; i < n && ret == 0; i++) {
        const rd_kafka_error_t *ge = rd_kafka_group_result_error(gr[i]);
        if (ge) {
            snprintf(err, errlen, "ListConsumerGroupOffsets %s: %s", g->group, rd_kafka_error_string(ge));
            ret = -1;
            break;
        }
        const rd_kafka_topic_partition_list_t *pl = rd_kafka_group_result_partitions(gr[i]);
        if (!pl) continue;
        g->offs = calloc((size_t)pl->cnt + 1, sizeof *g->offs);
        if (!g->offs) {
            ret = -1;
            break;
        }
        for (int j = 0; j < pl->cnt; j++) {
            const rd_kafka_topic_partition_t *tp = &pl->elems[j];
            if (tp->err || tp->offset < 0) continue;
            kview_offset *ko = &g->offs[g->noffs];
            if (!(ko->topic = strdup(tp->topic))) {
                ret = -1;
                break;
            }
            ko->partition = tp->partition;
            ko->committed = tp->offset;
            g->noffs++;
        }
    }
    rd_kafka_event_destroy(ev);
    return ret;
}

/* Every consumer group (ListConsumerGroups) with its committed offsets. */
static int snap_groups(kview *k, kview_snap *s, char *err, size_t errlen)
{
    rd_kafka_queue_t *q = rd_kafka_queue_new(k->rk);
    rd_kafka_AdminOptions_t *o = admin_opts(k, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS);
    rd_kafka_ListConsumerGroups(k->rk, o, q);
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_event_t *ev = admin_wait(k, q, "ListConsumerGroups", err, errlen);
    rd_kafka_queue_destroy(q);
    if (!ev) return -1;
    size_t n = 0;
    const rd_kafka_ConsumerGroupListing_t **gl =
        rd_kafka_ListConsumerGroups_result_valid(rd_kafka_event_ListConsumerGroups_result(ev), &n);
    s->groups = calloc(n + 1, sizeof *s->groups);
    int ret = s->groups ? 0 : -1;
    for (size_t i = 0; i < n && ret == 0; i++) {
        kview_group *g = &s->groups[s->ngroups];
        g->group = strdup(rd_kafka_ConsumerGroupListing_group_id(gl[i]));
        g->state = strdup(rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(gl[i])));
        s->ngroups++;
        if (!g->group || !g->state) ret = -1;
    }
    rd_kafka_event_destroy(ev);
    if (ret != 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    qsort(s->groups, (size_t)s->ngroups, sizeof *s->groups, cmp_group);
    for (int i = 0; i < s->ngroups; i++) {
        char e[256];
        if (group_offsets(k, s, &s->groups[i], e, sizeof e) != 0)
            log_warn("kview: offsets of group %s: %s", s->groups[i].group, e);
    }
    return 0;
}

int kview_snapshot(kview *k, kview_snap **out, char *err, size_t errlen)
{
    kview_snap *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->at_ms = timeutil_mono_ms();
    if (snap_topics(k, s, err, errlen) != 0 || snap_groups(k, s, err, errlen) != 0) {
        kview_snap_destroy(s);
        return -1;
    }
    *out = s;
    return 0;
}

rd_kafka_t *kview_handle(kview *k) { return k->rk; }
int kview_timeout_ms(const kview *k) { return k->timeout_ms; }
int kview_scan_limit(const kview *k) { return k->scan_limit; }

/* A consumer for browsing: assign only (it never joins a group; librdkafka 2.0 wants a group.id even
 * for assign), never commits, reports partition ends. */
rd_kafka_conf_t *kview_consumer_conf(kview *k, char *err, size_t errlen)
{
    rd_kafka_conf_t *conf = kview_conf(k, "qaflow-console-browse", err, errlen);
    if (!conf) return NULL;
    static const char *const fixed[] = { "group.id=qaflow-console-browse", "enable.auto.commit=false", "enable.auto.offset.store=false",
                                         "enable.partition.eof=true", "auto.offset.reset=earliest" };
    if (kafka_conf_apply(conf, fixed, sizeof fixed / sizeof fixed[0], err, errlen) != 0) {
        rd_kafka_conf_destroy(conf);
        return NULL;
    }
    return conf;
}
