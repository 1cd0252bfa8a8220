/* stubcheck.h -- tiny assertion helpers for the llm stub's unit tests (count failures, exit 1) */
#ifndef QAFLOW_STUBCHECK_H
#define QAFLOW_STUBCHECK_H

#include <stdio.h>
#include <string.h>

static int stubcheck_failures;

#define CHECK(cond) do { if (!(cond)) { stubcheck_failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_INT(a, b) do { long long _a = (long long)(a), _b = (long long)(b); if (_a != _b) { \
    stubcheck_failures++; fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", __FILE__, \
    __LINE__, #a, _a, _b); } } while (0)
#define CHECK_STR(a, b) do { const char *_a = (a), *_b = (b); \
    if (!_a || !_b || strcmp(_a, _b) != 0) { stubcheck_failures++; \
    fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a, \
    _a ? _a : "(null)", _b ? _b : "(null)"); } } while (0)
#define CHECK_DONE() do { if (stubcheck_failures) { fprintf(stderr, "%d check(s) failed\n", \
    stubcheck_failures); return 1; } printf("all checks passed\n"); return 0; } while (0)

#endif
