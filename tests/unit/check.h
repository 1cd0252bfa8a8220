/* check.h -- the one assertion header of qaflow's C tests: CHECK* count checks and failures and keep going; `return CHECK_DONE();` ends main. */
#ifndef QAFLOW_CHECK_H
#define QAFLOW_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;
static int check_count;

/* cond is true. */
#define CHECK(cond) do { check_count++; if (!(cond)) { check_failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
/* cond is true; on failure also prints the printf-style message. */
#define CHECK_MSG(cond, ...) do { check_count++; if (!(cond)) { check_failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)
/* Integers a == b (compared as long long). */
#define CHECK_INT(a, b) do { long long _a = (long long)(a), _b = (long long)(b); check_count++; \
    if (_a != _b) { check_failures++; \
    fprintf(stderr, "%s:%d: CHECK_INT failed: %s == %lld, expected %s == %lld\n", __FILE__, \
            __LINE__, #a, _a, #b, _b); } } while (0)
/* Strings a and b are equal; NULL equals nothing. */
#define CHECK_STR(a, b) do { const char *_a = (a), *_b = (b); check_count++; \
    if (!_a || !_b || strcmp(_a, _b) != 0) { check_failures++; \
    fprintf(stderr, "%s:%d: CHECK_STR failed: %s == \"%s\", expected \"%s\"\n", __FILE__, \
            __LINE__, #a, _a ? _a : "(null)", _b ? _b : "(null)"); } } while (0)
/* Prints the tally; 1 if any check failed, else 0 (main's exit status). */
#define CHECK_DONE() (fprintf(stderr, "%d checks, %d failed\n", check_count, check_failures), \
                      check_failures ? 1 : 0)

/* The model directory: $QAFLOW_MODEL_DIR (the test stack's), else the build's default passed
 * by ctest as $QAFLOW_MODEL_DIR_DEFAULT; none fails the test. */
static inline const char *check_model_dir(void)
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

#endif
