/* test_api.c -- unit tests: parsing Ollama/OpenAI requests and rendering their replies and errors */
#include <stdlib.h>
#include <jansson.h>

#include "check.h"
#include "stub_api.h"

static int parse(stub_api_kind k, const char *body, stub_request *r, char *err, size_t errlen)
{
    return stub_api_parse(k, body, strlen(body), r, err, errlen);
}

static void test_parse(void)
{
    char err[256];
    stub_request r;
    CHECK_INT(stub_api_kind_for_path("/api/generate"), STUB_API_OLLAMA_GENERATE);
    CHECK_INT(stub_api_kind_for_path("/v1/chat/completions"), STUB_API_OPENAI_CHAT);
    CHECK_INT(stub_api_kind_for_path("/v1/completions"), STUB_API_OPENAI_COMPLETIONS);
    CHECK_INT(stub_api_kind_for_path("/v1/models"), -1);

    CHECK_INT(parse(STUB_API_OLLAMA_GENERATE,
                    "{\"model\":\"tinyllama\",\"prompt\":\"Question: Q1?\\nAnswer:\","
                    "\"stream\":false,\"options\":{\"seed\":123,\"temperature\":0.7,"
                    "\"num_predict\":64}}", &r, err, sizeof(err)), 0);
    CHECK_STR(r.model, "tinyllama");
    CHECK_STR(r.prompt, "Question: Q1?\nAnswer:");
    CHECK_INT(r.has_seed, 1);
    CHECK_INT(r.seed, 123);
    CHECK_INT(r.stream, 0);
    CHECK_INT(r.max_tokens, 64);
    stub_request_free(&r);

    /* Ollama streams unless told not to; system prompt is part of what the model reads. */
    CHECK_INT(parse(STUB_API_OLLAMA_GENERATE, "{\"prompt\":\"p\",\"system\":\"sys\"}", &r, err,
                    sizeof(err)), 0);
    CHECK_INT(r.stream, 1);
    CHECK(r.model == NULL);
    CHECK_STR(r.prompt, "sys\np");
    CHECK_INT(r.has_seed, 0);
    CHECK_INT(r.max_tokens, -1);
    stub_request_free(&r);

    CHECK_INT(parse(STUB_API_OPENAI_CHAT,
                    "{\"model\":\"m\",\"seed\":9,\"max_tokens\":5,\"messages\":["
                    "{\"role\":\"system\",\"content\":\"Be brief.\"},"
                    "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Why?\"}]}]}",
                    &r, err, sizeof(err)), 0);
    CHECK_STR(r.prompt, "Be brief.\nWhy?");
    CHECK_INT(r.seed, 9);
    CHECK_INT(r.max_tokens, 5);
    CHECK_INT(r.stream, 0);
    stub_request_free(&r);

    CHECK_INT(parse(STUB_API_OPENAI_COMPLETIONS, "{\"prompt\":[\"a\",\"b\"],\"stream\":true}", &r,
                    err, sizeof(err)), 0);
    CHECK_STR(r.prompt, "a\nb");
    CHECK_INT(r.stream, 1);
    stub_request_free(&r);

    const struct { stub_api_kind k; const char *body; } bad[] = {
        {STUB_API_OLLAMA_GENERATE, "not json"},
        {STUB_API_OLLAMA_GENERATE, "[]"},
        {STUB_API_OLLAMA_GENERATE, "{\"model\":\"m\"}"},
        {STUB_API_OLLAMA_GENERATE, "{\"prompt\":5}"},
        {STUB_API_OLLAMA_GENERATE, "{\"prompt\":\"p\",\"model\":3}"},
        {STUB_API_OLLAMA_GENERATE, "{\"prompt\":\"p\",\"options\":[]}"},
        {STUB_API_OLLAMA_GENERATE, "{\"prompt\":\"p\",\"options\":{\"seed\":\"x\"}}"},
        {STUB_API_OLLAMA_GENERATE, "{\"prompt\":\"p\",\"stream\":\"no\"}"},
        {STUB_API_OPENAI_CHAT, "{\"messages\":[]}"},
        {STUB_API_OPENAI_CHAT, "{\"messages\":[{\"content\":\"x\"}]}"},
        {STUB_API_OPENAI_CHAT, "{\"messages\":[{\"role\":\"user\",\"content\":5}]}"},
        {STUB_API_OPENAI_COMPLETIONS, "{\"prompt\":[1]}"},
        {STUB_API_OPENAI_COMPLETIONS, "{}"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        err[0] = '\0';
        CHECK_INT(parse(bad[i].k, bad[i].body, &r, err, sizeof(err)), -1);
        CHECK(err[0] != '\0');
        CHECK(r.prompt == NULL && r.model == NULL);
    }
}

static stub_api_reply reply(const char *answer)
{
    stub_api_reply r = {.model = "tinyllama", .answer = answer, .prompt_tokens = 7,
                        .completion_tokens = 3, .created_at = "2026-11-26T20:00:00.000Z",
                        .created_unix = 1795723200, .id = 42, .duration_ns = 1000};
    return r;
}

static void test_render(void)
{
    const char *ct = NULL;
    stub_api_reply r = reply("Paris is the capital.");
    char *s = stub_api_render_answer(STUB_API_OLLAMA_GENERATE, 0, &r, &ct);
    json_t *o = json_loads(s, 0, NULL);
    CHECK_STR(ct, "application/json");
    CHECK_STR(json_string_value(json_object_get(o, "model")), "tinyllama");
    CHECK_STR(json_string_value(json_object_get(o, "created_at")), "2026-11-26T20:00:00.000Z");
    CHECK_STR(json_string_value(json_object_get(o, "response")), "Paris is the capital.");
    CHECK(json_is_true(json_object_get(o, "done")));
    CHECK_STR(json_string_value(json_object_get(o, "done_reason")), "stop");
    CHECK_INT(json_integer_value(json_object_get(o, "eval_count")), 3);
    CHECK_INT(json_integer_value(json_object_get(o, "prompt_eval_count")), 7);
    json_decref(o);
    free(s);

    /* Streaming Ollama: two NDJSON lines, the answer in the first, done in the last. */
    s = stub_api_render_answer(STUB_API_OLLAMA_GENERATE, 1, &r, &ct);
    CHECK_STR(ct, "application/x-ndjson");
    char *nl = strchr(s, '\n');
    CHECK(nl && nl[1] && strchr(nl + 1, '\n'));
    *nl = '\0';
    o = json_loads(s, 0, NULL);
    CHECK_STR(json_string_value(json_object_get(o, "response")), "Paris is the capital.");
    CHECK(json_is_false(json_object_get(o, "done")));
    json_decref(o);
    o = json_loads(nl + 1, JSON_DISABLE_EOF_CHECK, NULL);
    CHECK(json_is_true(json_object_get(o, "done")));
    json_decref(o);
    free(s);

    r.truncated = 1;
    s = stub_api_render_answer(STUB_API_OPENAI_CHAT, 0, &r, &ct);
    o = json_loads(s, 0, NULL);
    CHECK_STR(json_string_value(json_object_get(o, "object")), "chat.completion");
    CHECK_STR(json_string_value(json_object_get(o, "id")), "chatcmpl-42");
    json_t *c0 = json_array_get(json_object_get(o, "choices"), 0);
    CHECK_STR(json_string_value(json_object_get(json_object_get(c0, "message"), "content")),
              "Paris is the capital.");
    CHECK_STR(json_string_value(json_object_get(json_object_get(c0, "message"), "role")),
              "assistant");
    CHECK_STR(json_string_value(json_object_get(c0, "finish_reason")), "length");
    CHECK_INT(json_integer_value(json_object_get(json_object_get(o, "usage"), "total_tokens")), 10);
    json_decref(o);
    free(s);

    r.truncated = 0;
    s = stub_api_render_answer(STUB_API_OPENAI_COMPLETIONS, 0, &r, &ct);
    o = json_loads(s, 0, NULL);
    CHECK_STR(json_string_value(json_object_get(o, "object")), "text_completion");
    c0 = json_array_get(json_object_get(o, "choices"), 0);
    CHECK_STR(json_string_value(json_object_get(c0, "text")), "Paris is the capital.");
    CHECK_STR(json_string_value(json_object_get(c0, "finish_reason")), "stop");
    json_decref(o);
    free(s);

    s = stub_api_render_answer(STUB_API_OPENAI_COMPLETIONS, 1, &r, &ct);
    CHECK_STR(ct, "text/event-stream");
    CHECK(strncmp(s, "data: {", 7) == 0);
    CHECK(strstr(s, "data: [DONE]") != NULL);
    free(s);
}

static void test_errors(void)
{
    char *s = stub_api_render_error(STUB_API_OLLAMA_GENERATE, 402, NULL);
    json_t *o = json_loads(s, 0, NULL);
    CHECK(json_is_string(json_object_get(o, "error")));
    CHECK(strstr(json_string_value(json_object_get(o, "error")), "quota exceeded") != NULL);
    json_decref(o);
    free(s);

    s = stub_api_render_error(STUB_API_OPENAI_CHAT, 402, NULL);
    o = json_loads(s, 0, NULL);
    json_t *e = json_object_get(o, "error");
    CHECK(json_is_object(e));
    CHECK_STR(json_string_value(json_object_get(e, "code")), "insufficient_quota");
    CHECK_STR(json_string_value(json_object_get(e, "type")), "insufficient_quota");
    CHECK(json_is_string(json_object_get(e, "message")));
    json_decref(o);
    free(s);

    s = stub_api_render_error(STUB_API_OPENAI_COMPLETIONS, 429, "slow down");
    o = json_loads(s, 0, NULL);
    e = json_object_get(o, "error");
    CHECK_STR(json_string_value(json_object_get(e, "message")), "slow down");
    CHECK_STR(json_string_value(json_object_get(e, "code")), "rate_limit_exceeded");
    json_decref(o);
    free(s);

    s = stub_api_render_error(STUB_API_OLLAMA_GENERATE, 503, NULL);
    o = json_loads(s, 0, NULL);
    CHECK(strstr(json_string_value(json_object_get(o, "error")), "overloaded") != NULL);
    json_decref(o);
    free(s);

    s = stub_api_render_tags("tinyllama", "2026-11-26T20:00:00.000Z");
    o = json_loads(s, 0, NULL);
    CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(o, "models"), 0),
                                                "name")), "tinyllama:latest");
    json_decref(o);
    free(s);
    s = stub_api_render_tags("gemma:270m", "x");
    CHECK(strstr(s, "\"gemma:270m\"") != NULL);
    free(s);
    s = stub_api_render_models("gemma", 1);
    o = json_loads(s, 0, NULL);
    CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(o, "data"), 0),
                                                "id")), "gemma");
    json_decref(o);
    free(s);
}

int main(void)
{
    test_parse();
    test_render();
    test_errors();
    return CHECK_DONE();
}
