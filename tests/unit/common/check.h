/* check.h -- minimal assertion macros for qaflow's C unit tests (count failures, keep going). */
#ifndef QAFLOW_CHECK_H
#define QAFLOW_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond) do { check_count++; if (!(cond)) { check_failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_MSG(cond, ...) do { check_count++; if (!(cond)) { check_failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)
#define CHECK_STR(a, b) do { const char *_a = (a), *_b = (b); check_count++; \
    if (!_a || !_b || strcmp(_a, _b) != 0) { check_failures++; \
    fprintf(stderr, "%s:%d: CHECK_STR failed: '%s' != '%s'\n", __FILE__, __LINE__, \
            _a ? _a : "(null)", _b ? _b : "(null)"); } } while (0)
#define CHECK_DONE() (fprintf(stderr, "%d checks, %d failed\n", check_count, check_failures), \
                      check_failures ? 1 : 0)

#endif
