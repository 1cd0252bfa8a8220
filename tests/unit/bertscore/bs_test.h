/* bs_test.h -- tiny assertion helpers shared by the bertscore unit tests. */
#ifndef QAFLOW_BS_TEST_H
#define QAFLOW_BS_TEST_H

#include <stdio.h>
#include <stdlib.h>

static int bs_test_failures;
static int bs_test_checks;

#define CHECK(cond, ...)                                                         \
    do {                                                                         \
        bs_test_checks++;                                                        \
        if (!(cond)) {                                                           \
            bs_test_failures++;                                                  \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);     \
            fprintf(stderr, __VA_ARGS__);                                        \
            fputc('\n', stderr);                                                 \
        }                                                                        \
    } while (0)

/* The model directory: $QAFLOW_MODEL_DIR (the test stack's), else the build's default passed
 * by ctest as $QAFLOW_MODEL_DIR_DEFAULT; none fails the test. */
static const char *bs_test_model_dir(void)
{
    const char *d = getenv("QAFLOW_MODEL_DIR");
    if (!d || !*d)
        d = getenv("QAFLOW_MODEL_DIR_DEFAULT");
    if (!d || !*d) {
        fprintf(stderr, "FAIL: QAFLOW_MODEL_DIR is not set (run infra/models.sh, then "
                        "QAFLOW_MODEL_DIR=var/models/all-MiniLM-L6-v2)\n");
        exit(1);
    }
    return d;
}

static int bs_test_report(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, bs_test_checks, bs_test_failures);
    return bs_test_failures ? 1 : 0;
}

#endif
