/* test_faults.c -- unit tests: fault settings validation, partial updates, the draw, the RNG */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "stub_faults.h"
#include "stub_rng.h"

static void test_defaults_and_update(void)
{
    stub_faults f;
    char err[256];
    stub_faults_init(&f);
    CHECK_STR(f.model, "tinyllama");
    CHECK(f.rate_503 == 0.0 && f.hang_rate == 0.0 && f.latency_ms == 0);

    const char *upd = "{\"rate_503\":0.25,\"retry_after_s\":3,\"model\":\"gemma\"}";
    CHECK_INT(stub_faults_update_text(&f, upd, strlen(upd), err, sizeof(err)), 0);
    CHECK(f.rate_503 == 0.25);
    CHECK_INT(f.retry_after_s, 3);
    CHECK_STR(f.model, "gemma");
    CHECK(f.rate_429 == 0.0); /* untouched keys keep their values */

    /* All or nothing: a bad key after a good one changes nothing. */
    const char *bad[] = {
        "{\"rate_429\":0.5,\"nope\":1}",
        "{\"rate_429\":1.5}",
        "{\"rate_429\":-0.1}",
        "{\"rate_429\":\"0.5\"}",
        "{\"latency_ms\":-1}",
        "{\"latency_ms\":1.5}",
        "{\"model\":\"\"}",
        "{\"rate_429\":0.5,\"rate_402\":0.3}", /* 0.25 + 0.5 + 0.3 > 1 */
        "[1,2]",
        "{not json",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        stub_faults before = f;
        err[0] = '\0';
        CHECK_INT(stub_faults_update_text(&f, bad[i], strlen(bad[i]), err, sizeof(err)), -1);
        CHECK(err[0] != '\0');
        CHECK(memcmp(&before, &f, sizeof(f)) == 0);
    }
    /* Integral reals are accepted for integer settings. */
    const char *real = "{\"latency_ms\":250.0}";
    CHECK_INT(stub_faults_update_text(&f, real, strlen(real), err, sizeof(err)), 0);
    CHECK_INT(f.latency_ms, 250);

    json_t *o = stub_faults_to_json(&f);
    CHECK(o != NULL);
    CHECK(json_real_value(json_object_get(o, "rate_503")) == 0.25);
    CHECK_INT(json_integer_value(json_object_get(o, "retry_after_s")), 3);
    CHECK_STR(json_string_value(json_object_get(o, "model")), "gemma");
    CHECK(json_object_get(o, "hang_rate") != NULL);
    CHECK(json_object_get(o, "latency_jitter_ms") != NULL);
    json_decref(o);
}

static void test_pick_partitions(void)
{
    stub_faults f;
    stub_faults_init(&f);
    f.rate_503 = 0.1;
    f.rate_429 = 0.2;
    f.rate_402 = 0.3;
    f.hang_rate = 0.1;
    CHECK_INT(stub_faults_pick(&f, 0.0), STUB_FAULT_503);
    CHECK_INT(stub_faults_pick(&f, 0.0999), STUB_FAULT_503);
    CHECK_INT(stub_faults_pick(&f, 0.1), STUB_FAULT_429);
    CHECK_INT(stub_faults_pick(&f, 0.2999), STUB_FAULT_429);
    CHECK_INT(stub_faults_pick(&f, 0.3001), STUB_FAULT_402);
    CHECK_INT(stub_faults_pick(&f, 0.5999), STUB_FAULT_402);
    CHECK_INT(stub_faults_pick(&f, 0.6001), STUB_FAULT_HANG);
    CHECK_INT(stub_faults_pick(&f, 0.6999), STUB_FAULT_HANG);
    CHECK_INT(stub_faults_pick(&f, 0.7001), STUB_FAULT_NONE);
    CHECK_INT(stub_faults_pick(&f, 0.99999), STUB_FAULT_NONE);
    stub_faults_init(&f);
    CHECK_INT(stub_faults_pick(&f, 0.0), STUB_FAULT_NONE);
    f.latency_ms = 100;
    CHECK_INT(stub_faults_latency(&f, 7), 107);
}

static void test_rng(void)
{
    stub_rng a, b;
    stub_rng_seed(&a, 42);
    stub_rng_seed(&b, 42);
    int same = 1;
    for (int i = 0; i < 100; i++)
        same &= stub_rng_next(&a) == stub_rng_next(&b);
    CHECK(same);
    stub_rng_seed(&b, 43);
    CHECK(stub_rng_next(&a) != stub_rng_next(&b));

    /* Uniformity: mean of 100k draws near 0.5, every draw in [0,1), deciles populated
     * within 5 sigma of 10k each. */
    stub_rng_seed(&a, 7);
    int deciles[10] = {0};
    double sum = 0;
    int in_range = 1;
    for (int i = 0; i < 100000; i++) {
        double u = stub_rng_uniform(&a);
        in_range &= u >= 0.0 && u < 1.0;
        sum += u;
        deciles[(int)(u * 10)]++;
    }
    CHECK(in_range);
    CHECK(fabs(sum / 100000 - 0.5) < 0.01);
    for (int d = 0; d < 10; d++)
        CHECK(abs(deciles[d] - 10000) < 5 * 95); /* sd = sqrt(1e5*0.1*0.9) ~ 95 */

    int lo = 1000, hi = -1;
    for (int i = 0; i < 10000; i++) {
        int v = stub_rng_upto(&a, 5);
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    CHECK_INT(lo, 0);
    CHECK_INT(hi, 5);
    CHECK_INT(stub_rng_upto(&a, 0), 0);
}

int main(void)
{
    test_defaults_and_update();
    test_pick_partitions();
    test_rng();
    return CHECK_DONE();
}
