/* cjson.c -- JSON builders of the console: one Kafka message, the topics table with lag, topic rates. */
#include "cjson.h"

#include <stdio.h>
#include <string.h>

#include "timeutil.h"

json_t *cjson_bytes(const void *data, size_t n)
{
    if (!data) return json_null();
    json_t *s = json_stringn((const char *)data, n);
    if (s) return s;
    char note[64];
    snprintf(note, sizeof note, "(%zu bytes, not UTF-8)", n);
    return json_string(note);
}

json_t *cjson_message(const rd_kafka_message_t *m)
{
    json_t *o = json_object();
    json_object_set_new(o, "partition", json_integer(m->partition));
    json_object_set_new(o, "offset", json_integer(m->offset));
    json_object_set_new(o, "key", cjson_bytes(m->key, m->key_len));
    rd_kafka_timestamp_type_t tt;
    int64_t ts = m->rkt ? rd_kafka_message_timestamp(m, &tt) : -1;
    char iso[TIMEUTIL_ISO_LEN];
    if (ts >= 0 && timeutil_format_iso(ts, iso, sizeof iso) == 0) json_object_set_new(o, "timestamp", json_string(iso));
    else json_object_set_new(o, "timestamp", json_null());
    json_t *hj = json_object();
    rd_kafka_headers_t *hdrs = NULL;
    if (m->rkt && rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char *name;
        const void *val;
        size_t size;
        for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; i++)
            json_object_set_new(hj, name, cjson_bytes(val, size));
    }
    json_object_set_new(o, "headers", hj);
    json_t *v = NULL;
    if (m->payload && m->len > 0) v = json_loadb(m->payload, m->len, JSON_DECODE_ANY, NULL);
    json_object_set_new(o, "value", v ? v : cjson_bytes(m->payload, m->len));
    return o;
}

int cjson_group_on_topic(const kview_group *g, const kview_topic *t, long long *committed, long long *lag)
{
    int n = 0;
    *committed = *lag = 0;
    for (int i = 0; i < g->noffs; i++) {
        if (strcmp(g->offs[i].topic, t->name) != 0) continue;
        n++;
        *committed += g->offs[i].committed;
        for (int p = 0; p < t->nparts; p++)
            if (t->parts[p].partition == g->offs[i].partition && t->parts[p].high > g->offs[i].committed)
                *lag += t->parts[p].high - g->offs[i].committed;
    }
    return n;
}

long long cjson_topic_lag(const kview_snap *s, const kview_topic *t, const kview_group **which)
{
    long long best = -1;
    *which = NULL;
    for (int pass = 0; pass < 2 && !*which; pass++) {
        for (int g = 0; g < s->ngroups; g++) {
            long long c, l;
            const kview_group *kg = &s->groups[g];
            if (cjson_group_on_topic(kg, t, &c, &l) == 0) continue;
            /* pass 0: the largest lag among active groups; pass 1 (none active): the smallest */
            if (pass == 0 ? kg->active && l > best : best < 0 || l < best) {
                best = l;
                *which = kg;
            }
        }
    }
    return *which ? best : 0;
}

/* {"group","state","lag","partitions":[{"partition","committed","lag"}]} of g on t. */
static json_t *group_json(const kview_group *g, const kview_topic *t)
{
    json_t *parts = json_array();
    long long total = 0;
    for (int p = 0; p < t->nparts; p++) {
        const kview_part *kp = &t->parts[p];
        for (int i = 0; i < g->noffs; i++) {
            if (g->offs[i].partition != kp->partition || strcmp(g->offs[i].topic, t->name) != 0) continue;
            long long lag = kp->high >= g->offs[i].committed ? kp->high - g->offs[i].committed : 0;
            total += lag;
            json_array_append_new(parts, json_pack("{s:i,s:I,s:I}", "partition", (int)kp->partition,
                                                   "committed", (json_int_t)g->offs[i].committed, "lag",
                                                   (json_int_t)lag));
        }
    }
    return json_pack("{s:s,s:s,s:b,s:I,s:o}", "group", g->group, "state", g->state, "active", g->active, "lag",
                     (json_int_t)total, "partitions", parts);
}

json_t *cjson_topics(const kview_snap *s)
{
    json_t *arr = json_array();
    for (int i = 0; s && i < s->ntopics; i++) {
        const kview_topic *t = &s->topics[i];
        json_t *parts = json_array();
        for (int p = 0; p < t->nparts; p++) {
            const kview_part *kp = &t->parts[p];
            json_t *o = json_pack("{s:i,s:i}", "partition", (int)kp->partition, "leader", (int)kp->leader);
            json_object_set_new(o, "low", kp->low >= 0 ? json_integer(kp->low) : json_null());
            json_object_set_new(o, "high", kp->high >= 0 ? json_integer(kp->high) : json_null());
            json_object_set_new(o, "messages", kp->high >= 0 && kp->low >= 0 ? json_integer(kp->high - kp->low) : json_null());
            json_array_append_new(parts, o);
        }
        json_t *groups = json_array();
        for (int g = 0; g < s->ngroups; g++) {
            long long c, l;
            if (cjson_group_on_topic(&s->groups[g], t, &c, &l) > 0) json_array_append_new(groups, group_json(&s->groups[g], t));
        }
        json_array_append_new(arr, json_pack("{s:s,s:o,s:o}", "topic", t->name, "partitions", parts, "groups", groups));
    }
    return arr;
}

static long long topic_high_sum(const kview_topic *t)
{
    long long sum = 0;
    for (int p = 0; p < t->nparts; p++)
        if (t->parts[p].high > 0) sum += t->parts[p].high;
    return sum;
}

/* The fastest group's committed-offset growth on topic t between prev and cur. */
static double topic_out(const kview_snap *prev, const kview_snap *cur, const kview_topic *pt, const kview_topic *ct,
                        double secs)
{
    double best = 0;
    for (int g = 0; g < cur->ngroups; g++) {
        for (int h = 0; h < prev->ngroups; h++) {
            if (strcmp(cur->groups[g].group, prev->groups[h].group) != 0) continue;
            long long c1, c0, l;
            if (cjson_group_on_topic(&cur->groups[g], ct, &c1, &l) == 0 ||
                cjson_group_on_topic(&prev->groups[h], pt, &c0, &l) == 0)
                continue;
            double r = c1 > c0 ? (double)(c1 - c0) / secs : 0;
            if (r > best) best = r;
        }
    }
    return best;
}

json_t *cjson_topic_rates(const kview_snap *prev, const kview_snap *cur)
{
    json_t *arr = json_array();
    double secs = prev && cur->at_ms > prev->at_ms ? (double)(cur->at_ms - prev->at_ms) / 1000.0 : 0;
    for (int i = 0; i < cur->ntopics; i++) {
        const kview_topic *t = &cur->topics[i];
        const kview_topic *pt = secs > 0 ? kview_snap_topic(prev, t->name) : NULL;
        long long messages = 0;
        for (int p = 0; p < t->nparts; p++)
            if (t->parts[p].high > t->parts[p].low && t->parts[p].low >= 0) messages += t->parts[p].high - t->parts[p].low;
        const kview_group *lg = NULL;
        long long lag = cjson_topic_lag(cur, t, &lg);
        json_t *o = json_pack("{s:s}", "topic", t->name);
        if (pt) {
            long long d = topic_high_sum(t) - topic_high_sum(pt);
            json_object_set_new(o, "in_per_s", json_real(d > 0 ? (double)d / secs : 0));
            json_object_set_new(o, "out_per_s", json_real(topic_out(prev, cur, pt, t, secs)));
        } else {
            json_object_set_new(o, "in_per_s", json_null());
            json_object_set_new(o, "out_per_s", json_null());
        }
        json_object_set_new(o, "messages", json_integer(messages));
        json_object_set_new(o, "lag", lg ? json_integer(lag) : json_null());
        json_object_set_new(o, "lag_group", lg ? json_string(lg->group) : json_null());
        json_array_append_new(arr, o);
    }
    return arr;
}
