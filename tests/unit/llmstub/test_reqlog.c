/* test_reqlog.c -- unit tests: the recorded-requests ring buffer (order, wrap, filter, status) */
#include <stdlib.h>

#include "check.h"
#include "stub_reqlog.h"

int main(void)
{
    stub_reqlog *l = stub_reqlog_create(3);
    CHECK(l != NULL);
    CHECK(stub_reqlog_create(0) == NULL);
    char prompt[64];
    for (int i = 1; i <= 5; i++) {
        snprintf(prompt, sizeof(prompt), "Question: number %d", i);
        uint64_t id = stub_reqlog_add(l, "/api/generate", i % 2 ? "tinyllama" : NULL, prompt,
                                      i != 3, 100 + i, 200, 0, "2026-11-26T20:00:00.000Z");
        CHECK_INT(id, i);
    }
    CHECK_INT(stub_reqlog_count(l), 3);
    CHECK_INT(stub_reqlog_total(l), 5);

    json_t *j = stub_reqlog_to_json(l, NULL);
    json_t *reqs = json_object_get(j, "requests");
    CHECK_INT(json_array_size(reqs), 3);
    CHECK_INT(json_integer_value(json_object_get(j, "dropped")), 2);
    /* Oldest kept first: 3, 4, 5. */
    json_t *r0 = json_array_get(reqs, 0);
    CHECK_INT(json_integer_value(json_object_get(r0, "id")), 3);
    CHECK_STR(json_string_value(json_object_get(r0, "prompt")), "Question: number 3");
    CHECK(json_is_null(json_object_get(r0, "seed")));
    CHECK_STR(json_string_value(json_object_get(r0, "model")), "tinyllama");
    CHECK_STR(json_string_value(json_object_get(r0, "path")), "/api/generate");
    CHECK_STR(json_string_value(json_object_get(r0, "at")), "2026-11-26T20:00:00.000Z");
    json_t *r1 = json_array_get(reqs, 1);
    CHECK_INT(json_integer_value(json_object_get(r1, "seed")), 104);
    CHECK(json_is_null(json_object_get(r1, "model")));
    json_decref(j);

    /* Filter by prompt substring. */
    j = stub_reqlog_to_json(l, "number 4");
    CHECK_INT(json_array_size(json_object_get(j, "requests")), 1);
    json_decref(j);

    /* Status updates reach kept entries only. */
    CHECK_INT(stub_reqlog_set_status(l, 4, 503), 0);
    CHECK_INT(stub_reqlog_set_status(l, 2, 503), -1);
    CHECK_INT(stub_reqlog_set_status(l, 6, 503), -1);
    j = stub_reqlog_to_json(l, "number 4");
    CHECK_INT(json_integer_value(json_object_get(json_array_get(json_object_get(j, "requests"), 0),
                                                 "status")), 503);
    json_decref(j);

    /* Hangs are flagged. */
    uint64_t h = stub_reqlog_add(l, "/v1/completions", "m", "hang me", 0, 0, 0, 1, "x");
    CHECK_INT(h, 6);
    j = stub_reqlog_to_json(l, "hang me");
    json_t *hr = json_array_get(json_object_get(j, "requests"), 0);
    CHECK(json_is_true(json_object_get(hr, "hang")));
    CHECK_INT(json_integer_value(json_object_get(hr, "status")), 0);
    json_decref(j);

    /* Clear keeps ids growing. */
    stub_reqlog_clear(l);
    CHECK_INT(stub_reqlog_count(l), 0);
    CHECK_INT(stub_reqlog_add(l, "/x", NULL, NULL, 0, 0, 400, 0, "t"), 7);
    j = stub_reqlog_to_json(l, NULL);
    CHECK_INT(json_array_size(json_object_get(j, "requests")), 1);
    CHECK(json_is_null(json_object_get(json_array_get(json_object_get(j, "requests"), 0), "prompt")));
    json_decref(j);
    /* A filter never matches an entry without a prompt. */
    j = stub_reqlog_to_json(l, "x");
    CHECK_INT(json_array_size(json_object_get(j, "requests")), 0);
    json_decref(j);
    stub_reqlog_destroy(l);
    return CHECK_DONE();
}
