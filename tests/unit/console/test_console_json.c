/* test_console_json.c -- the console's JSON builders (topics, lag, rates, Flink job, SSE frames) and its argument checks. */
#include <stdlib.h>
#include <string.h>

#include "capi.h"
#include "cdb.h"
#include "check.h"
#include "cjson.h"
#include "events.h"
#include "flinkview.h"
#include "json.h"
#include "probe.h"
#include "www.h"

/* A snapshot of one topic (3 partitions) and two groups. */
static kview_snap *make_snap(int64_t at_ms, int64_t high0, int64_t committed0)
{
    kview_snap *s = calloc(1, sizeof *s);
    s->at_ms = at_ms;
    s->ntopics = 1;
    s->topics = calloc(1, sizeof *s->topics);
    s->topics[0].name = strdup("questions-pending");
    s->topics[0].nparts = 3;
    s->topics[0].parts = calloc(3, sizeof(kview_part));
    for (int p = 0; p < 3; p++) s->topics[0].parts[p] = (kview_part){ p, 1, 2, high0 + p };
    s->ngroups = 2;
    s->groups = calloc(2, sizeof *s->groups);
    s->groups[0].group = strdup("qaflow-llm-workers");
    s->groups[0].state = strdup("Stable");
    s->groups[0].noffs = 3;
    s->groups[0].offs = calloc(3, sizeof(kview_offset));
    for (int p = 0; p < 3; p++) s->groups[0].offs[p] = (kview_offset){ strdup("questions-pending"), p, committed0 };
    s->groups[1].group = strdup("other");     /* commits on another topic only */
    s->groups[1].state = strdup("Empty");
    s->groups[1].noffs = 1;
    s->groups[1].offs = calloc(1, sizeof(kview_offset));
    s->groups[1].offs[0] = (kview_offset){ strdup("validated-responses"), 0, 5 };
    return s;
}

static void test_topics(void)
{
    kview_snap *s = make_snap(1000, 10, 4);
    json_t *t = cjson_topics(s);
    CHECK_INT(json_array_size(t), 1);
    json_t *t0 = json_array_get(t, 0);
    CHECK_STR(json_string_value(json_object_get(t0, "topic")), "questions-pending");
    json_t *parts = json_object_get(t0, "partitions");
    CHECK_INT(json_array_size(parts), 3);
    json_t *p2 = json_array_get(parts, 2);
    CHECK_INT(json_integer_value(json_object_get(p2, "partition")), 2);
    CHECK_INT(json_integer_value(json_object_get(p2, "leader")), 1);
    CHECK_INT(json_integer_value(json_object_get(p2, "low")), 2);
    CHECK_INT(json_integer_value(json_object_get(p2, "high")), 12);
    CHECK_INT(json_integer_value(json_object_get(p2, "messages")), 10);
    json_t *groups = json_object_get(t0, "groups");
    CHECK_INT(json_array_size(groups), 1);   /* "other" never committed here */
    json_t *g = json_array_get(groups, 0);
    CHECK_STR(json_string_value(json_object_get(g, "group")), "qaflow-llm-workers");
    /* lag per partition: (10-4) + (11-4) + (12-4) = 21 */
    CHECK_INT(json_integer_value(json_object_get(g, "lag")), 21);
    json_t *gp1 = json_array_get(json_object_get(g, "partitions"), 1);
    CHECK_INT(json_integer_value(json_object_get(gp1, "committed")), 4);
    CHECK_INT(json_integer_value(json_object_get(gp1, "lag")), 7);
    json_decref(t);
    kview_snap_destroy(s);
}

static void test_rates(void)
{
    kview_snap *a = make_snap(1000, 10, 4), *b = make_snap(3000, 20, 8);
    json_t *r = cjson_topic_rates(NULL, a);
    json_t *r0 = json_array_get(r, 0);
    CHECK(json_is_null(json_object_get(r0, "in_per_s")));   /* one sample: no rate yet */
    CHECK_INT(json_integer_value(json_object_get(r0, "lag")), 21);
    json_decref(r);
    r = cjson_topic_rates(a, b);
    r0 = json_array_get(r, 0);
    /* highs grew by 3 x 10 in 2 s; commits by 3 x 4 in 2 s */
    CHECK(json_real_value(json_object_get(r0, "in_per_s")) == 15.0);
    CHECK(json_real_value(json_object_get(r0, "out_per_s")) == 6.0);
    CHECK_INT(json_integer_value(json_object_get(r0, "messages")), (18 + 19 + 20));
    CHECK_INT(json_integer_value(json_object_get(r0, "lag")), (12 + 13 + 14));
    json_decref(r);
    kview_snap_destroy(a);
    kview_snap_destroy(b);
}

/* The overview's topic lag: the largest among active groups, else the smallest. */
static void test_topic_lag(void)
{
    kview_snap *s = make_snap(1000, 10, 4);   /* qaflow-llm-workers: lag 21 */
    kview_group *stale = &s->groups[1];       /* "other" now also on questions-pending, lag 30 */
    free(stale->offs[0].topic);
    free(stale->offs);
    stale->noffs = 3;
    stale->offs = calloc(3, sizeof(kview_offset));
    for (int p = 0; p < 3; p++) stale->offs[p] = (kview_offset){ strdup("questions-pending"), p, 1 };
    const kview_group *g;
    CHECK_INT(cjson_topic_lag(s, &s->topics[0], &g), 21);   /* none active: the smallest */
    CHECK_STR(g->group, "qaflow-llm-workers");
    stale->active = 1;
    CHECK_INT(cjson_topic_lag(s, &s->topics[0], &g), 30);   /* the active one, though it lags more */
    CHECK_STR(g->group, "other");
    s->groups[0].active = 1;
    CHECK_INT(cjson_topic_lag(s, &s->topics[0], &g), 30);   /* the largest among active ones */
    json_t *r = cjson_topic_rates(NULL, s);
    CHECK_STR(json_string_value(json_object_get(json_array_get(r, 0), "lag_group")), "other");
    json_decref(r);
    kview_snap_destroy(s);
}

static void test_bytes(void)
{
    json_t *s = cjson_bytes("<script>alert(1)</script>", 25);
    CHECK_STR(json_string_value(s), "<script>alert(1)</script>");   /* kept as text; pages use textContent */
    json_t *o = json_pack("{s:O}", "question_text", s);
    char *d = json_dump_compact(o);
    CHECK(d && strcmp(d, "{\"question_text\":\"<script>alert(1)</script>\"}") == 0);
    free(d);
    json_decref(o);
    json_decref(s);
    s = cjson_bytes("\xff\xfe", 2);
    CHECK_STR(json_string_value(s), "(2 bytes, not UTF-8)");
    json_decref(s);
    s = cjson_bytes(NULL, 0);
    CHECK(json_is_null(s));
    json_decref(s);
}

static void test_flink(void)
{
    json_t *o = flinkview_build("http://f:1", NULL, NULL, NULL);
    CHECK_STR(json_string_value(json_object_get(o, "job_state")), "UNREACHABLE");
    json_decref(o);
    json_t *ov = json_loads("{\"jobs\":[{\"jid\":\"aa\",\"name\":\"old\",\"state\":\"FAILED\",\"start-time\":5},"
                            "{\"jid\":\"bb\",\"name\":\"qaflow-scorejob\",\"state\":\"RUNNING\",\"start-time\":1}]}", 0, NULL);
    json_t *job = json_loads("{\"vertices\":[{\"metrics\":{\"write-records\":40,\"read-records\":0}},"
                             "{\"metrics\":{\"write-records\":30,\"read-records\":40}},"
                             "{\"metrics\":{\"write-records\":0,\"read-records\":30}}]}", 0, NULL);
    json_t *cp = json_loads("{\"counts\":{\"completed\":7},\"latest\":{\"completed\":{\"id\":7,"
                            "\"latest_ack_timestamp\":1700000000000,\"end_to_end_duration\":12,\"state_size\":99}}}", 0, NULL);
    o = flinkview_build("http://f:1", ov, job, cp);
    CHECK_STR(json_string_value(json_object_get(o, "job_state")), "RUNNING");
    CHECK_STR(json_string_value(json_object_get(o, "job_id")), "bb");
    CHECK_INT(json_integer_value(json_object_get(o, "records_in")), 40);
    CHECK_INT(json_integer_value(json_object_get(o, "records_out")), 30);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(o, "last_checkpoint"), "id")), 7);
    CHECK_INT(json_integer_value(json_object_get(o, "checkpoints_completed")), 7);
    json_decref(o);
    json_t *none = json_loads("{\"jobs\":[]}", 0, NULL);
    o = flinkview_build("http://f:1", none, NULL, NULL);
    CHECK_STR(json_string_value(json_object_get(o, "job_state")), "NONE");
    json_decref(o);
    json_decref(none);
    json_decref(ov);
    json_decref(job);
    json_decref(cp);
}

static void test_args(void)
{
    char err[256];
    long v;
    CHECK_INT(capi_int_arg(NULL, 50, 1, 500, &v, err, sizeof err), 0);
    CHECK_INT(v, 50);
    CHECK_INT(capi_int_arg("7", 50, 1, 500, &v, err, sizeof err), 0);
    CHECK_INT(v, 7);
    CHECK_INT(capi_int_arg("0", 50, 1, 500, &v, err, sizeof err), -1);
    CHECK(strstr(err, "[1, 500]") != NULL);
    CHECK_INT(capi_int_arg("5x", 50, 1, 500, &v, err, sizeof err), -1);
    CHECK(capi_valid_qid("q_abc-1.2"));
    CHECK(!capi_valid_qid("q<script>"));
    CHECK(!capi_valid_qid(""));
    CHECK(capi_valid_topic("questions-pending"));
    CHECK(!capi_valid_topic("a/b"));
}

static void test_frames_and_prom(void)
{
    char *f = events_frame("overview", "{\"a\":1}");
    CHECK_STR(f, "event: overview\ndata: {\"a\":1}\n\n");
    free(f);
    int found;
    const char *text = "# HELP qaflow_retry_waiting x\n# TYPE qaflow_retry_waiting gauge\n"
                       "qaflow_retry_waiting{policy=\"overload\"} 3\nqaflow_retry_waiting_other 100\n"
                       "qaflow_retry_waiting{policy=\"quota\"} 2.5\n";
    CHECK(probe_prom_sum(text, "qaflow_retry_waiting", &found) == 5.5);
    CHECK_INT(found, 2);
    CHECK(probe_prom_sum(text, "qaflow_missing", &found) == 0);
    CHECK_INT(found, 0);
    char *dsn = cdb_dsn_bounded("postgresql://u:p@h:1/db", 5000);
    CHECK_STR(dsn, "postgresql://u:p@h:1/db?connect_timeout=5&options=-c%20statement_timeout%3D5000%20-c%20TimeZone%3DUTC");
    free(dsn);
    dsn = cdb_dsn_bounded("host=h dbname=d", 300);
    CHECK_STR(dsn, "host=h dbname=d connect_timeout=2 options='-c statement_timeout=300 -c TimeZone=UTC'");
    free(dsn);
}

static void test_www_rules(void)
{
    CHECK_STR(www_page_for("/"), "pages/overview.html");
    CHECK_STR(www_page_for("/topics"), "pages/topics.html");
    CHECK_STR(www_page_for("/topics/questions-pending"), "pages/topic.html");
    CHECK_STR(www_page_for("/questions/q_1"), "pages/question.html");
    CHECK(www_page_for("/topics/a/b") == NULL);
    CHECK(www_page_for("/nope") == NULL);
    CHECK(www_safe_name("static/common.js"));
    CHECK(!www_safe_name("static/../../etc/passwd"));
    CHECK(!www_safe_name("/etc/passwd"));
    CHECK(!www_safe_name("static/a b.js"));
    static const char *const marks[] = { "<!--a-->", "<!--b-->" };
    const char *values[] = { "<!--b-->A", "B" };
    char *f = www_fill("x<!--a-->y<!--b-->z<!--b-->", marks, values, 2);
    CHECK_STR(f, "x<!--b-->AyBzB");   /* a value is not filled in again */
    free(f);
    CHECK_STR(www_content_type("x.js"), "text/javascript; charset=utf-8");
    CHECK_STR(www_content_type("x.bin"), "application/octet-stream");
}

int main(void)
{
    test_topics();
    test_rates();
    test_topic_lag();
    test_bytes();
    test_flink();
    test_args();
    test_frames_and_prom();
    test_www_rules();
    return CHECK_DONE();
}
