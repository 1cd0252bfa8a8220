/* bertscore_errors_test.c -- corrupt or truncated model files, bad config.json and baselines give clear errors. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bert_config.h"
#include "bertscore.h"
#include "check.h"
#include "safetensors.h"

/* Builds a safetensors image: 8-byte LE length, header, data. Caller frees. */
static unsigned char *st_image(const char *header, const void *data, size_t dlen, size_t *len)
{
    size_t h = strlen(header);
    *len = 8 + h + dlen;
    unsigned char *b = malloc(*len);
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)((uint64_t)h >> (8 * i));
    memcpy(b + 8, header, h);
    if (dlen)
        memcpy(b + 8 + h, data, dlen);
    return b;
}

static void expect_open_error(const char *what, const char *header, const void *data, size_t dlen,
                              const char *needle)
{
    size_t len;
    unsigned char *img = st_image(header, data, dlen, &len);
    char err[512] = "";
    safetensors *st = safetensors_open_mem(img, len, err, sizeof err);
    CHECK_MSG(st == NULL, "%s: opened a bad file", what);
    CHECK_MSG(strstr(err, needle) != NULL, "%s: error '%s' does not mention '%s'", what, err, needle);
    safetensors_close(st);
    free(img);
}

static void test_safetensors_errors(void)
{
    float four[4] = {1, 2, 3, 4};
    expect_open_error("offset past end", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,32]}}",
                      four, sizeof four, "beyond the data section");
    expect_open_error("size mismatch", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,16]}}",
                      four, sizeof four, "bytes for 3 elements");
    expect_open_error("bad json", "{\"a\":{\"dtype\":\"F32\",", four, sizeof four, "bad JSON header");
    expect_open_error("not object", "[1,2,3]", four, sizeof four, "not a JSON object");
    expect_open_error("unknown dtype", "{\"a\":{\"dtype\":\"F8\",\"shape\":[4],\"data_offsets\":[0,4]}}",
                      four, sizeof four, "unknown dtype");
    expect_open_error("reversed offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}",
                      four, sizeof four, "bad data_offsets");
    expect_open_error("negative dim", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}",
                      four, sizeof four, "bad shape");
    expect_open_error("missing fields", "{\"a\":{\"dtype\":\"F32\"}}", four, sizeof four, "data_offsets");

    /* header length larger than the file */
    unsigned char tiny[12] = {0xff, 0xff, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' '};
    char err[512] = "";
    CHECK_MSG(safetensors_open_mem(tiny, sizeof tiny, err, sizeof err) == NULL, "huge header length accepted");
    CHECK_MSG(strstr(err, "does not fit the file") != NULL, "error: %s", err);
    CHECK_MSG(safetensors_open_mem(tiny, 5, err, sizeof err) == NULL, "5-byte file accepted");
    CHECK_MSG(strstr(err, "shorter than the 8-byte header length") != NULL, "error: %s", err);

    /* F16 and BF16 are converted to F32 at load */
    uint16_t half[5] = {0x3c00, 0xc100, 0x7bff, 0x0001, 0x8000}; /* 1, -2.5, 65504, 2^-24, -0 */
    size_t len;
    unsigned char *img = st_image("{\"h\":{\"dtype\":\"F16\",\"shape\":[5],\"data_offsets\":[0,10]},"
                                  "\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[10,12]},"
                                  "\"__metadata__\":{\"format\":\"pt\"}}", NULL, 0, &len);
    unsigned char *full = malloc(len + 12);
    memcpy(full, img, len);
    memcpy(full + len, half, 10);
    full[len + 10] = 0x40; /* bf16 0x4040 = 3.0 */
    full[len + 11] = 0x40;
    safetensors *st = safetensors_open_mem(full, len + 12, err, sizeof err);
    CHECK_MSG(st != NULL, "F16 file: %s", err);
    if (st) {
        safetensors_tensor t;
        CHECK_MSG(safetensors_count(st) == 2, "count %zu", safetensors_count(st));
        CHECK_MSG(safetensors_get(st, "h", &t, err, sizeof err) == 0, "%s", err);
        CHECK_MSG(t.numel == 5 && t.data[0] == 1.0f && t.data[1] == -2.5f && t.data[2] == 65504.0f &&
              t.data[3] == ldexpf(1.0f, -24) && t.data[4] == 0.0f && signbit(t.data[4]),
              "F16 values %g %g %g %g %g", t.data[0], t.data[1], t.data[2], t.data[3], t.data[4]);
        CHECK_MSG(safetensors_get(st, "b", &t, err, sizeof err) == 0 && t.data[0] == 3.0f, "BF16 value");
        CHECK_MSG(safetensors_get(st, "zz", &t, err, sizeof err) == -1 && strstr(err, "not found"), "absent: %s", err);
        safetensors_close(st);
    }
    free(img);
    free(full);
}

static void test_config_errors(void)
{
    static const struct { const char *json, *needle; } cases[] = {
        {"{", "bad JSON"},
        {"[]", "not a JSON object"},
        {"{\"hidden_size\":384}", "missing 'vocab_size'"},
        {"{\"vocab_size\":10,\"hidden_size\":384,\"num_hidden_layers\":6,\"num_attention_heads\":5,"
         "\"intermediate_size\":1536}", "not a multiple"},
        {"{\"vocab_size\":10,\"hidden_size\":384,\"num_hidden_layers\":6,\"num_attention_heads\":12,"
         "\"intermediate_size\":1536,\"hidden_act\":\"relu\"}", "hidden_act"},
        {"{\"vocab_size\":10,\"hidden_size\":-1,\"num_hidden_layers\":6,\"num_attention_heads\":12,"
         "\"intermediate_size\":1536}", "positive integer"},
        {"{\"model_type\":\"gpt2\"}", "not supported"},
        {"{\"vocab_size\":10,\"hidden_size\":384,\"num_hidden_layers\":6,\"num_attention_heads\":12,"
         "\"intermediate_size\":1536,\"layer_norm_eps\":\"x\"}", "layer_norm_eps"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bert_config c;
        char err[256] = "";
        CHECK_MSG(bert_config_parse(cases[i].json, strlen(cases[i].json), &c, err, sizeof err) == -1,
              "config %zu accepted", i);
        CHECK_MSG(strstr(err, cases[i].needle) != NULL, "config %zu: '%s' lacks '%s'", i, err, cases[i].needle);
    }
    bert_config c;
    char err[256];
    const char *ok = "{\"vocab_size\":30522,\"hidden_size\":384,\"num_hidden_layers\":6,"
                     "\"num_attention_heads\":12,\"intermediate_size\":1536,\"layer_norm_eps\":1e-12,"
                     "\"hidden_act\":\"gelu\",\"model_type\":\"bert\"}";
    CHECK_MSG(bert_config_parse(ok, strlen(ok), &c, err, sizeof err) == 0, "%s", err);
    CHECK_MSG(c.hidden_size == 384 && c.num_hidden_layers == 6 && c.max_position_embeddings == 512 &&
          c.type_vocab_size == 2 && c.layer_norm_eps == 1e-12, "parsed values");
}

static void test_baseline_errors(void)
{
    static const struct { const char *text, *needle; } cases[] = {
        {"P,R,F\n0,0.1,0.1,0.1\n", "header"},
        {"LAYER,P,R,F\n", "no layer rows"},
        {"LAYER,P,R,F\n1,0.1,0.1,0.1\n", "expected layer 0"},
        {"LAYER,P,R,F\n0,0.1,0.1\n", "numbers below 1"},
        {"LAYER,P,R,F\n0,0.1,x,0.1\n", "numbers below 1"},
        {"LAYER,P,R,F\n0,1.0,0.1,0.1\n", "numbers below 1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[256] = "";
        bertscore_baseline *b = baseline_parse(cases[i].text, strlen(cases[i].text), err, sizeof err);
        CHECK_MSG(b == NULL, "baseline %zu accepted", i);
        CHECK_MSG(strstr(err, cases[i].needle) != NULL, "baseline %zu: '%s' lacks '%s'", i, err, cases[i].needle);
        baseline_destroy(b);
    }
    const char *ok = "LAYER,P,R,F\r\n0,0.5,0.25,-0.5\r\n1,0.1,0.2,0.3\r\n";
    char err[256];
    bertscore_baseline *b = baseline_parse(ok, strlen(ok), err, sizeof err);
    CHECK_MSG(b != NULL, "%s", err);
    if (b) {
        double p, r, f;
        CHECK_MSG(baseline_layers(b) == 2, "layers");
        CHECK_MSG(baseline_get(b, 0, &p, &r, &f, err, sizeof err) == 0 && p == 0.5 && r == 0.25 && f == -0.5, "row 0");
        CHECK_MSG(baseline_get(b, 2, &p, &r, &f, err, sizeof err) == -1 && strstr(err, "no row for layer 2"), "%s", err);
        CHECK_MSG(fabs(baseline_rescale(0.75, 0.5) - 0.5) < 1e-12, "rescale");
        baseline_destroy(b);
    }
}

/* A copy of the real model directory with a damaged model.safetensors fails to load, clearly. */
static void test_model_dir_errors(const char *model_dir)
{
    char tmp[] = "/tmp/bertscore_errors_XXXXXX";
    CHECK_MSG(mkdtemp(tmp) != NULL, "mkdtemp");
    char cmd[8192], path[4200], err[1024];
    snprintf(cmd, sizeof cmd, "cp '%s/config.json' '%s/vocab.txt' '%s/' && head -c 1000000 '%s/model.safetensors' > '%s/model.safetensors'",
             model_dir, model_dir, tmp, model_dir, tmp);
    CHECK_MSG(system(cmd) == 0, "copy model files");
    bertscore_model *m = bertscore_model_load(tmp, err, sizeof err);
    CHECK_MSG(m == NULL, "truncated model loaded");
    CHECK_MSG(strstr(err, "truncated") != NULL && strstr(err, "model.safetensors") != NULL, "truncated: %s", err);
    bertscore_model_free(m);

    /* header length field corrupted */
    snprintf(path, sizeof path, "%s/model.safetensors", tmp);
    FILE *f = fopen(path, "r+b");
    CHECK_MSG(f != NULL, "open copy");
    if (f) {
        fputc(0x7f, f);
        fputc(0x7f, f);
        fputc(0x7f, f);
        fclose(f);
    }
    m = bertscore_model_load(tmp, err, sizeof err);
    CHECK_MSG(m == NULL && strstr(err, "header length"), "bad header length: %s", err);
    bertscore_model_free(m);

    /* missing files */
    snprintf(cmd, sizeof cmd, "rm -f '%s/model.safetensors'", tmp);
    CHECK_MSG(system(cmd) == 0, "rm");
    m = bertscore_model_load(tmp, err, sizeof err);
    CHECK_MSG(m == NULL && strstr(err, "cannot open") && strstr(err, "model.safetensors"), "missing: %s", err);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    CHECK_MSG(system(cmd) == 0, "cleanup");
    m = bertscore_model_load("/nonexistent/model", err, sizeof err);
    CHECK_MSG(m == NULL && strstr(err, "/nonexistent/model/config.json"), "no dir: %s", err);

    /* scoring with bad options on the real model */
    m = bertscore_model_load(model_dir, err, sizeof err);
    CHECK_MSG(m != NULL, "load %s: %s", model_dir, err);
    if (m) {
        bertscore_opts o;
        bertscore_opts_default(m, &o);
        const char *c[1] = {"a cat"}, *r[1] = {"a dog"};
        bertscore_result res;
        o.layer = bertscore_model_layers(m) + 1;
        CHECK_MSG(bertscore_score(m, c, r, 1, &o, &res, err, sizeof err) == -1 && strstr(err, "out of range"),
              "layer: %s", err);
        bertscore_opts_default(m, &o);
        const char *bl = "LAYER,P,R,F\n0,0.1,0.1,0.1\n";
        bertscore_baseline *b = baseline_parse(bl, strlen(bl), err, sizeof err);
        o.baseline = b;
        CHECK_MSG(bertscore_score(m, c, r, 1, &o, &res, err, sizeof err) == -1 && strstr(err, "no row for layer"),
              "baseline layer: %s", err);
        baseline_destroy(b);
        int32_t bad[3] = {101, 999999, 102};
        const int32_t *ids[1] = {bad};
        int lens[1] = {3};
        bertscore_opts_default(m, &o);
        CHECK_MSG(bertscore_score_ids(m, ids, lens, ids, lens, 1, &o, &res, err, sizeof err) == -1 &&
              strstr(err, "out of vocabulary"), "bad id: %s", err);
        bertscore_model_free(m);
    }
}

int main(void)
{
    const char *dir = check_model_dir();
    test_safetensors_errors();
    test_config_errors();
    test_baseline_errors();
    test_model_dir_errors(dir);
    return CHECK_DONE();
}
