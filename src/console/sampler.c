/* sampler.c -- one thread samples Kafka, PostgreSQL, each service's /health and /metrics and Flink every interval; readers get the cached JSON. */
#include "sampler.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cjson.h"
#include "flinkview.h"
#include "json.h"
#include "log.h"
#include "probe.h"
#include "timeutil.h"

/* Most labelled series the sampler exports (topics x groups + components); more are not exported. */
#define SAMPLER_MAX_SERIES 512
/* Most earlier snapshots kept for rates, and most groups whose last move is remembered. */
#define SAMPLER_HISTORY 64
#define SAMPLER_MAX_GROUPS 256

struct sampler {
    sampler_opts o;
    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t cv;          /* a new sample, or stopping */
    int stopping;
    uint64_t version;
    char *overview, *topics;    /* the latest documents */
    int kafka_ok, db_ok;
    /* earlier Kafka snapshots, oldest first, for the rates over rate_window_ms (sampler thread only) */
    kview_snap *hist[SAMPLER_HISTORY];
    int nhist;
    /* when each group's committed offsets last moved (monotonic ms), for kview_group.active */
    struct moved { char *group; long long sum; int64_t at_ms; } moved[SAMPLER_MAX_GROUPS];
    int nmoved;
    prom_counter *samples, *kafka_errors, *db_errors;
    prom_histogram *duration;
    prom_gauge *flink_running;
    /* gauges with a label set seen in a sample (topics, groups, components), created once each */
    struct series { char *name, *labels; prom_gauge *g; } series[SAMPLER_MAX_SERIES];
    int nseries;
};

/* The gauges of the services' /metrics the overview sums as "in flight". */
static const struct { const char *key, *metric; } inflight_metrics[] = {
    { "outbox_pending", "qaflow_storage_outbox_pending" },
    { "retry_waiting", "qaflow_retry_waiting" },
    { "llm_requests_in_flight", "qaflow_llm_requests_in_flight" },
    { "llm_jobs_pending", "qaflow_llm_jobs_pending" },
};
#define N_INFLIGHT (sizeof inflight_metrics / sizeof inflight_metrics[0])

/* Sets the gauge name{labels} (created on first use; sampler thread only). */
static void series_set(sampler *s, const char *name, const char *help, const char *labels, double v)
{
    for (int i = 0; i < s->nseries; i++) {
        if (strcmp(s->series[i].name, name) == 0 && strcmp(s->series[i].labels, labels) == 0) {
            prom_gauge_set(s->series[i].g, v);
            return;
        }
    }
    if (s->nseries == SAMPLER_MAX_SERIES) return;
    struct series *e = &s->series[s->nseries];
    if (!(e->name = strdup(name)) || !(e->labels = strdup(labels)) ||
        !(e->g = prom_gauge_create(s->o.prom, name, help, labels))) {
        free(e->name);
        free(e->labels);
        return;
    }
    s->nseries++;
    prom_gauge_set(e->g, v);
}

/* The sample as Prometheus gauges: per topic its end offset, per group and topic the lag, per
 * component up (1) or not (0), and whether the Flink job runs. Label values are Kafka and
 * component names ([A-Za-z0-9._-]): nothing to escape. */
static void export_gauges(sampler *s, const kview_snap *snap, const json_t *comps, const char *flink_state)
{
    char labels[600];
    for (int i = 0; snap && i < snap->ntopics; i++) {
        const kview_topic *t = &snap->topics[i];
        long long end = 0;
        for (int p = 0; p < t->nparts; p++)
            if (t->parts[p].high > 0) end += t->parts[p].high;
        snprintf(labels, sizeof labels, "topic=\"%s\"", t->name);
        series_set(s, "qaflow_console_topic_end_offset", "sum of the topic's high watermarks (messages ever written)",
                   labels, (double)end);
        for (int g = 0; g < snap->ngroups; g++) {
            long long c, lag;
            if (cjson_group_on_topic(&snap->groups[g], t, &c, &lag) == 0) continue;
            snprintf(labels, sizeof labels, "topic=\"%s\",group=\"%s\"", t->name, snap->groups[g].group);
            series_set(s, "qaflow_console_consumer_lag", "messages of the topic the group has not committed yet", labels,
                       (double)lag);
        }
    }
    const json_t *c;
    size_t i;
    json_array_foreach(comps, i, c) {
        snprintf(labels, sizeof labels, "component=\"%s\"", json_string_value(json_object_get(c, "name")));
        const char *st = json_string_value(json_object_get(c, "status"));
        series_set(s, "qaflow_console_component_up", "1 when the component answers (its /health is 200)", labels,
                   st && strcmp(st, "up") == 0);
    }
    prom_gauge_set(s->flink_running, flink_state && strcmp(flink_state, "RUNNING") == 0);
}

/* One service: {"name","status","url","detail"}; adds its in-flight gauges to sums. */
static json_t *probe_target(const sampler *s, const sampler_target *t, double *sums)
{
    char url[1024], err[256];
    probe_reply r;
    json_t *o = json_pack("{s:s,s:s}", "name", t->name, "url", t->url);
    snprintf(url, sizeof url, "%s/health", t->url);
    if (probe_http(url, NULL, 0, s->o.http_timeout_ms, &r, err, sizeof err) != 0) {
        json_object_set_new(o, "status", json_string("down"));
        json_object_set_new(o, "detail", json_string(err));
        return o;
    }
    json_object_set_new(o, "status", json_string(r.status == 200 ? "up" : "degraded"));
    json_t *h = json_loadb(r.body, r.len, 0, NULL);
    json_object_set_new(o, "detail", h ? h : json_string(r.body));
    probe_reply_free(&r);
    snprintf(url, sizeof url, "%s/metrics", t->url);
    if (probe_http(url, NULL, 0, s->o.http_timeout_ms, &r, err, sizeof err) == 0) {
        const char *text = r.body;
        /* qaflow-storage answers JSON on /metrics and Prometheus text with ?format=prometheus */
        probe_reply alt = { 0 };
        if (strstr(r.content_type, "json")) {
            snprintf(url, sizeof url, "%s/metrics?format=prometheus", t->url);
            text = probe_http(url, NULL, 0, s->o.http_timeout_ms, &alt, err, sizeof err) == 0 ? alt.body : "";
        }
        for (size_t i = 0; i < N_INFLIGHT; i++) {
            int found;
            double v = probe_prom_sum(text, inflight_metrics[i].metric, &found);
            if (found) sums[i] += v;
        }
        probe_reply_free(&alt);
        probe_reply_free(&r);
    }
    return o;
}

/* Marks each group of snap active when it has members (state Stable or rebalancing) or its
 * committed offsets moved within group_active_ms. */
static void mark_active(sampler *s, kview_snap *snap)
{
    int64_t now = snap->at_ms;
    for (int g = 0; g < snap->ngroups; g++) {
        kview_group *kg = &snap->groups[g];
        long long sum = 0;
        for (int i = 0; i < kg->noffs; i++) sum += kg->offs[i].committed;
        struct moved *m = NULL;
        for (int i = 0; i < s->nmoved && !m; i++)
            if (strcmp(s->moved[i].group, kg->group) == 0) m = &s->moved[i];
        if (!m && s->nmoved < SAMPLER_MAX_GROUPS && (s->moved[s->nmoved].group = strdup(kg->group))) {
            m = &s->moved[s->nmoved++];
            m->sum = sum;
            m->at_ms = -1;   /* never seen moving */
        }
        if (m && sum != m->sum) {
            m->sum = sum;
            m->at_ms = now;
        }
        kg->active = strcmp(kg->state, "Empty") != 0 && strcmp(kg->state, "Dead") != 0 ? 1
                     : m && m->at_ms >= 0 && now - m->at_ms <= s->o.group_active_ms;
    }
}

/* The snapshot to compute rates against: the newest one at least rate_window_ms older than cur,
 * else the oldest kept (NULL when none). */
static const kview_snap *rate_base(const sampler *s, const kview_snap *cur)
{
    const kview_snap *base = s->nhist ? s->hist[0] : NULL;
    for (int i = 0; i < s->nhist; i++)
        if (cur->at_ms - s->hist[i]->at_ms >= s->o.rate_window_ms) base = s->hist[i];
    return base;
}

/* Keeps snap for later rates; drops those no longer needed (older than the base of the next rates). */
static void remember(sampler *s, kview_snap *snap)
{
    int drop = 0;
    while (drop + 1 < s->nhist && snap->at_ms - s->hist[drop + 1]->at_ms >= s->o.rate_window_ms) drop++;
    if (s->nhist - drop == SAMPLER_HISTORY) drop++;
    for (int i = 0; i < drop; i++) kview_snap_destroy(s->hist[i]);
    memmove(s->hist, s->hist + drop, (size_t)(s->nhist - drop) * sizeof s->hist[0]);
    s->nhist -= drop;
    s->hist[s->nhist++] = snap;
}

/* Builds one overview document; takes ownership of snap (kept for later rates). */
static json_t *build_overview(sampler *s, kview_snap *snap, const char *kafka_err, json_t *questions,
                              long long outbox_backlog, const char *db_err)
{
    json_t *comps = json_array();
    double sums[N_INFLIGHT] = { 0 };
    json_array_append_new(comps, json_pack("{s:s,s:s,s:s?}", "name", "kafka", "status", snap ? "up" : "down",
                                           "detail", kafka_err));
    json_array_append_new(comps, json_pack("{s:s,s:s,s:s?}", "name", "postgres", "status", questions ? "up" : "down",
                                           "detail", db_err));
    for (size_t i = 0; i < s->o.ntargets; i++) json_array_append_new(comps, probe_target(s, &s->o.targets[i], sums));
    json_t *flink = flinkview_job(s->o.flink_url, s->o.http_timeout_ms);
    const char *fs = json_string_value(json_object_get(flink, "job_state"));
    json_array_append_new(comps, json_pack("{s:s,s:s,s:s,s:s}", "name", "flink", "status",
                                           fs && strcmp(fs, "UNREACHABLE") != 0 ? "up" : "down", "url",
                                           s->o.flink_url, "detail", fs ? fs : ""));
    export_gauges(s, snap, comps, fs);
    json_t *inflight = json_object();
    for (size_t i = 0; i < N_INFLIGHT; i++) json_object_set_new(inflight, inflight_metrics[i].key, json_real(sums[i]));
    json_object_set_new(inflight, "outbox_backlog", questions ? json_integer(outbox_backlog) : json_null());
    if (snap) mark_active(s, snap);
    json_t *topics = snap ? cjson_topic_rates(rate_base(s, snap), snap) : json_array();
    char iso[TIMEUTIL_ISO_LEN];
    timeutil_now_iso(iso, sizeof iso);
    json_t *o = json_pack("{s:o,s:o,s:o,s:o,s:o,s:s,s:i,s:{s:s,s:s}}", "components", comps, "topics", topics,
                          "questions", questions ? questions : json_pack("{s:n,s:n,s:n}", "pending", "completed", "failed"),
                          "flink", flink, "in_flight", inflight, "at", iso, "interval_ms", s->o.interval_ms, "links",
                          "flink_ui", s->o.flink_url, "prometheus", s->o.prometheus_url);
    if (snap) remember(s, snap);
    return o;
}

/* One sample: read everything, then publish both documents. */
static void sample_once(sampler *s)
{
    int64_t t0 = timeutil_mono_us();
    char kerr[512] = "", derr[512] = "";
    kview_snap *snap = NULL;
    if (kview_snapshot(s->o.kafka, &snap, kerr, sizeof kerr) != 0) {
        prom_counter_inc(s->kafka_errors);
        log_warn("sample: kafka: %s", kerr);
    }
    json_t *questions = NULL;
    long long backlog = 0;
    if (cdb_counts(s->o.db, &questions, &backlog, derr, sizeof derr) != 0) {
        prom_counter_inc(s->db_errors);
        log_warn("sample: postgres: %s", derr);
    }
    char *topics = NULL;
    if (snap) {
        json_t *t = cjson_topics(snap);
        topics = json_dump_compact(t);
        json_decref(t);
    }
    int kafka_ok = snap != NULL, db_ok = questions != NULL;
    json_t *ov = build_overview(s, snap, kerr[0] ? kerr : NULL, questions, backlog, derr[0] ? derr : NULL);
    char *overview = json_dump_compact(ov);
    json_decref(ov);
    pthread_mutex_lock(&s->mu);
    if (overview) {
        free(s->overview);
        s->overview = overview;
    }
    if (topics) {
        free(s->topics);
        s->topics = topics;
    }
    s->kafka_ok = kafka_ok;
    s->db_ok = db_ok;
    s->version++;
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    prom_counter_inc(s->samples);
    prom_histogram_observe(s->duration, (double)(timeutil_mono_us() - t0) / 1e6);
}

static void deadline_in(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static void *sampler_main(void *arg)
{
    sampler *s = arg;
    for (;;) {
        struct timespec until;
        deadline_in(&until, s->o.interval_ms);
        pthread_mutex_lock(&s->mu);
        while (!s->stopping && pthread_cond_timedwait(&s->cv, &s->mu, &until) != ETIMEDOUT) {}
        int stop = s->stopping;
        pthread_mutex_unlock(&s->mu);
        if (stop) break;
        sample_once(s);
    }
    return NULL;
}

sampler *sampler_create(const sampler_opts *o, char *err, size_t errlen)
{
    sampler *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->o = *o;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->samples = prom_counter_create(o->prom, "qaflow_console_samples_total", "overview samples taken", NULL);
    s->kafka_errors = prom_counter_create(o->prom, "qaflow_console_sample_errors_total",
                                          "samples that could not read a source", "source=\"kafka\"");
    s->db_errors = prom_counter_create(o->prom, "qaflow_console_sample_errors_total",
                                       "samples that could not read a source", "source=\"postgres\"");
    s->flink_running = prom_gauge_create(o->prom, "qaflow_console_flink_job_running",
                                         "1 when Flink's REST API reports the ScoreJob RUNNING", NULL);
    s->duration = prom_histogram_create(o->prom, "qaflow_console_sample_duration_seconds", "time to take one sample",
                                        NULL, prom_latency_buckets, prom_latency_nbuckets);
    sample_once(s);
    if (pthread_create(&s->thread, NULL, sampler_main, s) != 0) {
        snprintf(err, errlen, "cannot start the sampler thread");
        sampler_destroy(s);
        return NULL;
    }
    s->started = 1;
    return s;
}

void sampler_destroy(sampler *s)
{
    if (!s) return;
    if (s->started) {
        pthread_mutex_lock(&s->mu);
        s->stopping = 1;
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->thread, NULL);
    }
    for (int i = 0; i < s->nhist; i++) kview_snap_destroy(s->hist[i]);
    for (int i = 0; i < s->nmoved; i++) free(s->moved[i].group);
    for (int i = 0; i < s->nseries; i++) {
        free(s->series[i].name);
        free(s->series[i].labels);
    }
    free(s->overview);
    free(s->topics);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

/* A copy of *doc under the lock. */
static char *copy_doc(sampler *s, char *const *doc, const char *empty, uint64_t *version)
{
    pthread_mutex_lock(&s->mu);
    char *out = strdup(*doc ? *doc : empty);
    if (version) *version = s->version;
    pthread_mutex_unlock(&s->mu);
    return out;
}

char *sampler_overview(sampler *s, uint64_t *version) { return copy_doc(s, &s->overview, "{}", version); }
char *sampler_topics(sampler *s, uint64_t *version) { return copy_doc(s, &s->topics, "[]", version); }

int sampler_wait(sampler *s, uint64_t version, int timeout_ms)
{
    struct timespec until;
    deadline_in(&until, timeout_ms);
    pthread_mutex_lock(&s->mu);
    while (s->version <= version && !s->stopping && pthread_cond_timedwait(&s->cv, &s->mu, &until) != ETIMEDOUT) {}
    int newer = s->version > version;
    pthread_mutex_unlock(&s->mu);
    return newer;
}

int sampler_kafka_ok(sampler *s)
{
    pthread_mutex_lock(&s->mu);
    int ok = s->kafka_ok;
    pthread_mutex_unlock(&s->mu);
    return ok;
}

int sampler_db_ok(sampler *s)
{
    pthread_mutex_lock(&s->mu);
    int ok = s->db_ok;
    pthread_mutex_unlock(&s->mu);
    return ok;
}
