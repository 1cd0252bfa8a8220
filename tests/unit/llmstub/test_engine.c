/* test_engine.c -- unit tests: decisions (scripts over faults), seeded fault rates, recording */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "stub_engine.h"

static stub_request req(const char *prompt)
{
    stub_request r = {.kind = STUB_API_OLLAMA_GENERATE, .model = NULL, .prompt = (char *)prompt,
                      .has_seed = 1, .seed = 5, .max_tokens = -1};
    return r;
}

static int config(stub_engine *e, const char *json)
{
    char err[256];
    int rc = stub_engine_config_update(e, json, strlen(json), err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "config: %s\n", err);
    return rc;
}

/* Count outcomes over n undecided requests. */
static void draw(stub_engine *e, int n, int counts[6])
{
    memset(counts, 0, 6 * sizeof(int));
    for (int i = 0; i < n; i++) {
        stub_request r = req("Question: plain\nAnswer:");
        stub_decision d;
        CHECK_INT(stub_engine_decide(e, "/api/generate", &r, "t", &d), 0);
        if (d.hang)
            counts[4]++;
        else if (d.status == 503)
            counts[1]++;
        else if (d.status == 429)
            counts[2]++;
        else if (d.status == 402)
            counts[3]++;
        else if (d.status == 200)
            counts[0]++;
        else
            counts[5]++;
        stub_decision_free(&d);
    }
}

static void test_rates(void)
{
    char err[256];
    stub_engine *e = stub_engine_create(NULL, 1234, 16, 0, err, sizeof(err));
    CHECK(e != NULL);
    int c[6];
    draw(e, 1000, c);
    CHECK_INT(c[0], 1000);

    CHECK_INT(config(e, "{\"rate_503\":0.2,\"rate_429\":0.1,\"rate_402\":0.05,\"hang_rate\":0.05,"
                        "\"seed\":99}"), 0);
    int n = 20000;
    draw(e, n, c);
    /* Each share within 5 standard deviations of its rate. */
    const double rates[5] = {0.6, 0.2, 0.1, 0.05, 0.05};
    for (int k = 0; k < 5; k++) {
        double sd = sqrt(n * rates[k] * (1 - rates[k]));
        CHECK(fabs(c[k] - n * rates[k]) < 5 * sd);
    }
    CHECK_INT(c[5], 0);

    /* Same seed, same sequence. */
    int again[6];
    CHECK_INT(config(e, "{\"seed\":99}"), 0);
    draw(e, n, again);
    CHECK(memcmp(c, again, sizeof(c)) == 0);

    json_t *cfg = stub_engine_config_json(e);
    CHECK_INT(json_integer_value(json_object_get(cfg, "seed")), 99);
    CHECK(json_real_value(json_object_get(cfg, "rate_503")) == 0.2);
    json_decref(cfg);
    CHECK_INT(config(e, "{\"seed\":-1}"), -1);
    CHECK_INT(config(e, "{\"rate_503\":0.9}"), -1); /* sum above 1 */
    stub_engine_destroy(e);
}

static void test_script_and_retry_after(void)
{
    char err[256];
    stub_engine *e = stub_engine_create(NULL, 1, 100, 0, err, sizeof(err));
    CHECK_INT(config(e, "{\"retry_after_s\":7,\"latency_ms\":10,\"latency_jitter_ms\":5,"
                        "\"model\":\"cfgmodel\"}"), 0);
    const char *sc = "{\"match\":\"scripted\",\"responses\":[{\"status\":402,\"retry_after_s\":3},"
                     "{\"status\":429},{\"status\":200,\"answer\":\"fixed\",\"latency_ms\":0}]}";
    CHECK_INT(stub_engine_script_add(e, sc, strlen(sc), err, sizeof(err)), 0);
    stub_request r = req("Question: scripted one\nAnswer:");
    stub_decision d;
    CHECK_INT(stub_engine_decide(e, "/api/generate", &r, "t", &d), 0);
    CHECK_INT(d.status, 402);
    CHECK_INT(d.retry_after_s, 3);
    CHECK_INT(d.scripted, 1);
    CHECK(d.latency_ms >= 10 && d.latency_ms <= 15);
    CHECK_STR(d.model, "cfgmodel");
    stub_decision_free(&d);
    CHECK_INT(stub_engine_decide(e, "/api/generate", &r, "t", &d), 0);
    CHECK_INT(d.status, 429);
    CHECK_INT(d.retry_after_s, 7); /* from the live config */
    stub_decision_free(&d);
    r.model = "asked";
    CHECK_INT(stub_engine_decide(e, "/api/generate", &r, "t", &d), 0);
    CHECK_INT(d.status, 200);
    CHECK_STR(d.answer, "fixed");
    CHECK_INT(d.latency_ms, 0);
    CHECK_INT(d.retry_after_s, -1);
    CHECK_STR(d.model, "asked");
    CHECK_INT(d.forward, 0);
    stub_decision_free(&d);

    /* Unscripted 200: no Retry-After, default answer left to the server. */
    stub_request plain = req("Question: other\nAnswer:");
    CHECK_INT(stub_engine_decide(e, "/v1/completions", &plain, "t", &d), 0);
    CHECK_INT(d.status, 200);
    CHECK(d.answer == NULL);
    CHECK_INT(d.retry_after_s, -1);
    CHECK_INT(d.scripted, 0);
    stub_decision_free(&d);

    json_t *j = stub_engine_requests_json(e, "scripted one");
    json_t *reqs = json_object_get(j, "requests");
    CHECK_INT(json_array_size(reqs), 3);
    CHECK_INT(json_integer_value(json_object_get(json_array_get(reqs, 0), "status")), 402);
    CHECK_INT(json_integer_value(json_object_get(json_array_get(reqs, 2), "seed")), 5);
    json_decref(j);
    stub_engine_record_bad(e, "/api/generate", "t", 400);
    j = stub_engine_requests_json(e, NULL);
    CHECK_INT(json_array_size(json_object_get(j, "requests")), 5);
    json_decref(j);
    stub_engine_requests_clear(e);
    j = stub_engine_requests_json(e, NULL);
    CHECK_INT(json_array_size(json_object_get(j, "requests")), 0);
    json_decref(j);

    stub_engine_script_clear(e);
    CHECK_INT(stub_engine_decide(e, "/api/generate", &r, "t", &d), 0);
    CHECK_INT(d.status, 200);
    CHECK_INT(d.scripted, 0);
    stub_decision_free(&d);
    stub_engine_destroy(e);
}

static void test_proxy_forward(void)
{
    char err[256];
    stub_engine *e = stub_engine_create(NULL, 1, 10, 1, err, sizeof(err));
    const char *sc = "{\"match\":\"mine\",\"responses\":[{\"answer\":\"local\"},{\"status\":200}]}";
    CHECK_INT(stub_engine_script_add(e, sc, strlen(sc), err, sizeof(err)), 0);
    stub_request r = req("not scripted");
    stub_decision d;
    CHECK_INT(stub_engine_decide(e, "/v1/completions", &r, "t", &d), 0);
    CHECK_INT(d.forward, 1);
    uint64_t id = d.req_id;
    stub_decision_free(&d);
    stub_engine_finish(e, id, 201);
    json_t *j = stub_engine_requests_json(e, "not scripted");
    CHECK_INT(json_integer_value(json_object_get(json_array_get(json_object_get(j, "requests"), 0),
                                                 "status")), 201);
    json_decref(j);
    r.prompt = "mine";
    CHECK_INT(stub_engine_decide(e, "/v1/completions", &r, "t", &d), 0);
    CHECK_INT(d.forward, 0); /* scripted answer served locally */
    stub_decision_free(&d);
    CHECK_INT(stub_engine_decide(e, "/v1/completions", &r, "t", &d), 0);
    CHECK_INT(d.forward, 1); /* scripted 200 without answer goes upstream */
    stub_decision_free(&d);
    CHECK_INT(config(e, "{\"rate_503\":1.0}"), 0);
    r.prompt = "other";
    CHECK_INT(stub_engine_decide(e, "/v1/completions", &r, "t", &d), 0);
    CHECK_INT(d.forward, 0);
    CHECK_INT(d.status, 503);
    stub_decision_free(&d);
    stub_engine_destroy(e);
}

int main(void)
{
    test_rates();
    test_script_and_retry_after();
    test_proxy_forward();
    return CHECK_DONE();
}
