/* scorer_batcher_test.c -- the scorer's modules without a network: request parsing, response shape, micro-batching. */
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batcher.h"
#include "bertscore.h"
#include "check.h"
#include "prom.h"
#include "scorer_api.h"

static void test_request_parse(void)
{
    static const struct { const char *body; const char *needle; } bad[] = {
        {"", "invalid JSON"},
        {"[1]", "\"pairs\" array"},
        {"{\"pairs\":[]}", "1 to 3 pairs"},
        {"{\"pairs\":[{\"candidate\":\"a\"}]}", "pairs[0]"},
        {"{\"pairs\":[{\"candidate\":\"a\",\"reference\":\"b\"},{\"candidate\":2,\"reference\":\"b\"}]}", "pairs[1]"},
        {"{\"pairs\":[{\"candidate\":\"a\",\"reference\":\"b\"},{\"candidate\":\"a\",\"reference\":\"b\"},"
         "{\"candidate\":\"a\",\"reference\":\"b\"},{\"candidate\":\"a\",\"reference\":\"b\"}]}", "got 4"},
        {"{\"pairs\":[{\"candidate\":\"0123456789abcdef!\",\"reference\":\"b\"}]}", "longer than 16"},
        {"{\"pairs\":[{\"candidate\":\"a\\u0000b\",\"reference\":\"b\"}]}", "NUL"},
        {"{\"pairs\":[{\"candidate\":\"a\",\"reference\":\"b\"}],\"pairs\":[]}", "invalid JSON"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        scorer_request r;
        char err[256] = "";
        CHECK_MSG(scorer_request_parse(bad[i].body, strlen(bad[i].body), 3, 16, &r, err, sizeof err) == -1,
              "bad body %zu accepted", i);
        CHECK_MSG(strstr(err, bad[i].needle) != NULL, "body %zu: '%s' lacks '%s'", i, err, bad[i].needle);
    }
    const char *ok = "{\"pairs\":[{\"candidate\":\"\",\"reference\":\"caf\\u00e9\"},{\"reference\":\"r\",\"candidate\":\"c\"}]}";
    scorer_request r;
    char err[256];
    CHECK_MSG(scorer_request_parse(ok, strlen(ok), 3, 16, &r, err, sizeof err) == 0, "%s", err);
    CHECK_MSG(r.n == 2 && strcmp(r.cands[0], "") == 0 && strcmp(r.refs[0], "caf\xc3\xa9") == 0 &&
          strcmp(r.cands[1], "c") == 0 && strcmp(r.refs[1], "r") == 0, "parsed pairs");
    scorer_request_free(&r);

    bertscore_result res[2] = {{0.5f, 0.25f, 1.0f / 3, 0.1f, 0.2f, 0.3f}, {0, 0, 0, -0.2f, -0.2f, -0.2f}};
    json_t *j = scorer_response("m", 6, res, 2, 1);
    CHECK_MSG(json_integer_value(json_object_get(j, "layer")) == 6, "layer field");
    json_t *r0 = json_array_get(json_object_get(j, "results"), 0);
    CHECK_MSG(fabs(json_real_value(json_object_get(r0, "recall")) - 0.25) < 1e-7 &&
          fabs(json_real_value(json_object_get(r0, "f1_rescaled")) - 0.3) < 1e-7, "result fields");
    json_decref(j);
    j = scorer_response("m", 6, res, 2, 0);
    r0 = json_array_get(json_object_get(j, "results"), 0);
    CHECK_MSG(json_object_get(r0, "f1") && !json_object_get(r0, "f1_rescaled"), "no rescaled fields without baseline");
    json_decref(j);
}

typedef struct client {
    batcher *b;
    const char **c, **r;
    size_t n;
    bertscore_result *out;
    int rc;
} client;

static void *client_main(void *arg)
{
    client *cl = arg;
    char err[256];
    cl->rc = batcher_score(cl->b, cl->c, cl->r, cl->n, cl->out, err, sizeof err);
    return NULL;
}

/* 8 concurrent callers get exactly what one direct library call gives, in fewer scoring calls. */
static void test_batcher(const bertscore_model *m)
{
    static const char *c[8] = {"The cat sat on the mat.", "", "Paris is the capital of France.",
                               "Water boils at 100 degrees Celsius at sea level.", "yes", "I like pizza 🍕",
                               "The cat sat on the mat.", "Photosynthesis turns light into chemical energy."};
    static const char *r[8] = {"A cat was sitting on the mat.", "anything", "France's capital city is Paris.",
                               "At sea level water boils at 100 C.", "no", "Pizza is my favourite food.",
                               "Dogs bark.", "Plants convert sunlight into sugar."};
    char err[256];
    bertscore_opts o;
    bertscore_opts_default(m, &o);
    bertscore_result direct[8];
    CHECK_MSG(bertscore_score(m, c, r, 8, &o, direct, err, sizeof err) == 0, "%s", err);
    prom_registry *prom = prom_registry_create();
    batcher_opts bo = {.max_batch = 64, .wait_ms = 2000, .max_queue = 100, .score = o, .prom = prom};
    batcher *b = batcher_create(m, &bo, err, sizeof err);
    CHECK_MSG(b != NULL, "%s", err);
    if (!b)
        return;
    client cl[8];
    pthread_t t[8];
    bertscore_result out[8];
    for (int i = 0; i < 8; i++) {
        cl[i] = (client){b, &c[i], &r[i], 1, &out[i], -2};
        pthread_create(&t[i], NULL, client_main, &cl[i]);
    }
    for (int i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 8; i++) {
        CHECK_MSG(cl[i].rc == 0, "client %d rc %d", i, cl[i].rc);
        CHECK_MSG(fabsf(out[i].p - direct[i].p) <= 1e-6f && fabsf(out[i].r - direct[i].r) <= 1e-6f &&
              fabsf(out[i].f - direct[i].f) <= 1e-6f, "client %d: %f %f %f vs %f %f %f", i, out[i].p, out[i].r,
              out[i].f, direct[i].p, direct[i].r, direct[i].f);
    }
    char *text = prom_registry_render(prom);
    CHECK_MSG(text && strstr(text, "qaflow_scorer_pairs_total 8"), "pairs counted");
    /* 8 requests within the 2 s window: fewer scoring calls than requests */
    const char *bt = text ? strstr(text, "\nqaflow_scorer_batches_total ") : NULL;
    int batches = bt ? atoi(bt + strlen("\nqaflow_scorer_batches_total ")) : -1;
    CHECK_MSG(batches >= 1 && batches < 8, "%d scoring calls for 8 concurrent requests", batches);
    printf("  batcher: 8 concurrent requests scored in %d call(s)\n", batches);
    free(text);
    batcher_stop(b);
    const char *one[1] = {"x"};
    bertscore_result x;
    CHECK_MSG(batcher_score(b, one, one, 1, &x, err, sizeof err) == 1, "a stopped batcher refuses work");
    batcher_destroy(b);
    prom_registry_destroy(prom);
}

int main(void)
{
    test_request_parse();
    const char *dir = check_model_dir();
    char err[512];
    bertscore_model *m = bertscore_model_load(dir, err, sizeof err);
    if (!m) {
        fprintf(stderr, "FAIL: cannot load the model from QAFLOW_MODEL_DIR=%s: %s\n", dir, err);
        return 1;
    }
    test_batcher(m);
    bertscore_model_free(m);
    return CHECK_DONE();
}
