/* test_script.c -- unit tests: script parsing, matching order, last-response repetition */
#include <stdlib.h>

#include "check.h"
#include "stub_script.h"

static int add(stub_script_table *t, const char *json, char *err, size_t errlen)
{
    return stub_script_add_text(t, json, strlen(json), err, errlen);
}

static void test_sequence(void)
{
    char err[256];
    stub_script_table *t = stub_script_create();
    CHECK(t != NULL);
    CHECK_INT(add(t, "{\"match\":\"capital of France\",\"responses\":["
                     "{\"status\":200,\"answer\":\"Paris\"},{\"status\":503},"
                     "{\"status\":402,\"retry_after_s\":3},{\"status\":429},{\"hang\":true},"
                     "{\"status\":200,\"answer\":\"\"}]}", err, sizeof(err)), 0);
    CHECK_INT(stub_script_count(t), 1);
    stub_step s;
    const char *prompt = "Question: What is the capital of France?\nAnswer:";
    CHECK_INT(stub_script_next(t, prompt, &s), 1);
    CHECK_INT(s.status, 200);
    CHECK_STR(s.answer, "Paris");
    CHECK_INT(s.retry_after_s, -1);
    CHECK_INT(s.latency_ms, -1);
    stub_step_free(&s);
    CHECK_INT(stub_script_next(t, prompt, &s), 1);
    CHECK_INT(s.status, 503);
    CHECK(s.answer == NULL);
    stub_step_free(&s);
    CHECK_INT(stub_script_next(t, prompt, &s), 1);
    CHECK_INT(s.status, 402);
    CHECK_INT(s.retry_after_s, 3);
    stub_step_free(&s);
    CHECK_INT(stub_script_next(t, prompt, &s), 1);
    CHECK_INT(s.status, 429);
    stub_step_free(&s);
    CHECK_INT(stub_script_next(t, prompt, &s), 1);
    CHECK_INT(s.hang, 1);
    CHECK_INT(s.status, 200); /* hang without status keeps the default */
    stub_step_free(&s);
    /* The last response repeats. */
    for (int i = 0; i < 3; i++) {
        CHECK_INT(stub_script_next(t, prompt, &s), 1);
        CHECK_INT(s.status, 200);
        CHECK_STR(s.answer, "");
        stub_step_free(&s);
    }
    /* Other prompts do not match. */
    CHECK_INT(stub_script_next(t, "Question: capital of Spain?", &s), 0);
    CHECK_INT(stub_script_next(t, NULL, &s), 0);

    /* Re-posting the same match restarts it. */
    CHECK_INT(add(t, "{\"match\":\"capital of France\",\"responses\":[{\"status\":404}]}", err,
                  sizeof(err)), 0);
    CHECK_INT(stub_script_count(t), 1);
    CHECK_INT(stub_script_next(t, prompt, &s), 1);
    CHECK_INT(s.status, 404);
    stub_step_free(&s);

    /* First added wins among several matches; arrays and {"scripts":[...]} accepted. */
    CHECK_INT(add(t, "[{\"match\":\"France\",\"responses\":[{\"answer\":\"A\"}]},"
                     "{\"match\":\"Spain\",\"responses\":[{\"answer\":\"B\",\"latency_ms\":5}]}]",
                  err, sizeof(err)), 0);
    CHECK_INT(add(t, "{\"scripts\":[{\"match\":\"Italy\",\"responses\":[{\"raw\":\"not json\"}]}]}",
                  err, sizeof(err)), 0);
    CHECK_INT(stub_script_count(t), 4);
    CHECK_INT(stub_script_next(t, prompt, &s), 1);
    CHECK_INT(s.status, 404);
    stub_step_free(&s);
    CHECK_INT(stub_script_next(t, "Spain", &s), 1);
    CHECK_STR(s.answer, "B");
    CHECK_INT(s.latency_ms, 5);
    stub_step_free(&s);
    CHECK_INT(stub_script_next(t, "about Italy", &s), 1);
    CHECK_STR(s.raw, "not json");
    stub_step_free(&s);

    json_t *j = stub_script_to_json(t);
    CHECK(j && json_array_size(json_object_get(j, "scripts")) == 4);
    json_t *first = json_array_get(json_object_get(j, "scripts"), 0);
    CHECK_STR(json_string_value(json_object_get(first, "match")), "capital of France");
    CHECK_INT(json_integer_value(json_object_get(first, "used")), 2);
    json_decref(j);

    CHECK_INT(stub_script_remove(t, "Spain"), 1);
    CHECK_INT(stub_script_remove(t, "Spain"), 0);
    CHECK_INT(stub_script_next(t, "Spain", &s), 0);
    stub_script_clear(t);
    CHECK_INT(stub_script_count(t), 0);
    CHECK_INT(stub_script_next(t, prompt, &s), 0);
    stub_script_destroy(t);
}

static void test_rejects(void)
{
    char err[256];
    stub_script_table *t = stub_script_create();
    const char *bad[] = {
        "{\"responses\":[{\"status\":200}]}",
        "{\"match\":\"\",\"responses\":[{\"status\":200}]}",
        "{\"match\":\"x\"}",
        "{\"match\":\"x\",\"responses\":[]}",
        "{\"match\":\"x\",\"responses\":[{\"status\":99}]}",
        "{\"match\":\"x\",\"responses\":[{\"status\":\"200\"}]}",
        "{\"match\":\"x\",\"responses\":[{\"hang\":1}]}",
        "{\"match\":\"x\",\"responses\":[{\"answer\":5}]}",
        "{\"match\":\"x\",\"responses\":[{\"bogus\":5}]}",
        "{\"match\":\"x\",\"responses\":[7]}",
        "[]",
        "[{\"match\":\"ok\",\"responses\":[{}]},{\"match\":\"bad\"}]", /* all or nothing */
        "nope",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        err[0] = '\0';
        CHECK_INT(add(t, bad[i], err, sizeof(err)), -1);
        CHECK(err[0] != '\0');
    }
    CHECK_INT(stub_script_count(t), 0);
    stub_script_destroy(t);
}

int main(void)
{
    test_sequence();
    test_rejects();
    return CHECK_DONE();
}
