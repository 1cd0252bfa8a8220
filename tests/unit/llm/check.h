/* check.h -- tiny assertion helpers for the llm/retry unit tests (count failures, exit 1). */
#ifndef QAFLOW_TEST_CHECK_H
#define QAFLOW_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;

#define CHECK(cond) do { if (!(cond)) { check_failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_EQ_INT(a, b) do { long long _a = (long long)(a), _b = (long long)(b); if (_a != _b) { \
    check_failures++; fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__, \
    __LINE__, #a, _a, #b, _b); } } while (0)
#define CHECK_EQ_STR(a, b) do { const char *_a = (a), *_b = (b); \
    if (!_a || !_b || strcmp(_a, _b) != 0) { check_failures++; \
    fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a, \
    _a ? _a : "(null)", _b ? _b : "(null)"); } } while (0)
#define CHECK_DONE() do { if (check_failures) { fprintf(stderr, "%d check(s) failed\n", \
    check_failures); return 1; } printf("all checks passed\n"); return 0; } while (0)

#endif
