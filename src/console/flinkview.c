/* flinkview.c -- reads Flink's REST API (/jobs/overview, /jobs/<id>, /jobs/<id>/checkpoints) into the overview's flink object. */
#include "flinkview.h"

#include <stdio.h>
#include <string.h>

#include "probe.h"

/* GET base+path as JSON, NULL when it fails. */
static json_t *get_json(const char *base, const char *path, long timeout_ms)
{
    char url[1024], err[256];
    snprintf(url, sizeof url, "%s%s", base, path);
    probe_reply r;
    if (probe_http(url, NULL, 0, timeout_ms, &r, err, sizeof err) != 0) return NULL;
    json_t *j = r.status == 200 ? json_loadb(r.body, r.len, 0, NULL) : NULL;
    probe_reply_free(&r);
    return j;
}

/* The running job, else the one that started last. */
static const json_t *pick_job(const json_t *overview)
{
    const json_t *best = NULL, *j;
    size_t i;
    json_array_foreach(json_object_get(overview, "jobs"), i, j) {
        const char *st = json_string_value(json_object_get(j, "state"));
        if (st && strcmp(st, "RUNNING") == 0) return j;
        if (!best || json_integer_value(json_object_get(j, "start-time")) >
                         json_integer_value(json_object_get(best, "start-time")))
            best = j;
    }
    return best;
}

json_t *flinkview_build(const char *flink_url, const json_t *overview, const json_t *job, const json_t *checkpoints)
{
    json_t *o = json_pack("{s:s}", "web_ui", flink_url);
    if (!overview) {
        json_object_set_new(o, "job_state", json_string("UNREACHABLE"));
        return o;
    }
    const json_t *j = pick_job(overview);
    if (!j) {
        json_object_set_new(o, "job_state", json_string("NONE"));
        return o;
    }
    json_object_set(o, "job_state", json_object_get(j, "state"));
    json_object_set(o, "job_id", json_object_get(j, "jid"));
    json_object_set(o, "job_name", json_object_get(j, "name"));
    json_object_set(o, "start_time", json_object_get(j, "start-time"));
    /* records in: what the sources read (vertices without inputs count their writes); records out:
     * what the sinks received (vertices nobody reads from) */
    json_int_t in = 0, out = 0;
    const json_t *vs = json_object_get(job, "vertices"), *v;
    size_t i, nv = json_array_size(vs);
    json_array_foreach(vs, i, v) {
        const json_t *m = json_object_get(v, "metrics");
        if (i == 0) in += json_integer_value(json_object_get(m, "write-records"));
        if (i == nv - 1) out += json_integer_value(json_object_get(m, "read-records"));
    }
    json_object_set_new(o, "records_in", job ? json_integer(in) : json_null());
    json_object_set_new(o, "records_out", job ? json_integer(out) : json_null());
    const json_t *c = json_object_get(json_object_get(checkpoints, "latest"), "completed");
    if (c && json_is_object(c))
        json_object_set_new(o, "last_checkpoint",
                            json_pack("{s:O,s:O,s:O,s:O}", "id", json_object_get(c, "id"), "completed_at",
                                      json_object_get(c, "latest_ack_timestamp"), "duration_ms",
                                      json_object_get(c, "end_to_end_duration"), "size_bytes",
                                      json_object_get(c, "state_size")));
    else
        json_object_set_new(o, "last_checkpoint", json_null());
    json_object_set_new(o, "checkpoints_completed",
                        json_integer(json_integer_value(json_object_get(json_object_get(checkpoints, "counts"), "completed"))));
    return o;
}

json_t *flinkview_job(const char *flink_url, long timeout_ms)
{
    json_t *ov = get_json(flink_url, "/jobs/overview", timeout_ms);
    json_t *job = NULL, *cps = NULL;
    const json_t *j = ov ? pick_job(ov) : NULL;
    const char *jid = j ? json_string_value(json_object_get(j, "jid")) : NULL;
    if (jid && strspn(jid, "0123456789abcdef") == strlen(jid)) {
        char path[128];
        snprintf(path, sizeof path, "/jobs/%s", jid);
        job = get_json(flink_url, path, timeout_ms);
        snprintf(path, sizeof path, "/jobs/%s/checkpoints", jid);
        cps = get_json(flink_url, path, timeout_ms);
    }
    json_t *o = flinkview_build(flink_url, ov, job, cps);
    json_decref(ov);
    json_decref(job);
    json_decref(cps);
    return o;
}
