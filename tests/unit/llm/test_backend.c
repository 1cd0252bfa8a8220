/* test_backend.c -- request bodies, URLs and answer parsing for Ollama and OpenAI-compatible APIs. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "check.h"

static json_t *load(const char *s)
{
    return json_loads(s, 0, NULL);
}

int main(void)
{
    char err[256];
    char *url;
    llm_backend_kind k;

    CHECK_INT(backend_parse_kind("ollama", NULL, &k, err, sizeof err), 0);
    CHECK_INT(k, LLM_BACKEND_OLLAMA);
    CHECK_INT(backend_parse_kind("openai", "chat", &k, err, sizeof err), 0);
    CHECK_INT(k, LLM_BACKEND_OPENAI_CHAT);
    CHECK_INT(backend_parse_kind("openai", "", &k, err, sizeof err), 0);
    CHECK_INT(k, LLM_BACKEND_OPENAI_COMPLETIONS);
    CHECK_INT(backend_parse_kind("gpt", NULL, &k, err, sizeof err), -1);
    CHECK_INT(backend_parse_kind("openai", "embeddings", &k, err, sizeof err), -1);

    url = backend_url(LLM_BACKEND_OLLAMA, "localhost", err, sizeof err);
    CHECK_STR(url, "http://localhost:11434/api/generate");
    free(url);
    url = backend_url(LLM_BACKEND_OLLAMA, "127.0.0.1:23111", err, sizeof err);
    CHECK_STR(url, "http://127.0.0.1:23111/api/generate");
    free(url);
    url = backend_url(LLM_BACKEND_OLLAMA, "https://llm.example:443/", err, sizeof err);
    CHECK_STR(url, "https://llm.example:443/api/generate");
    free(url);
    url = backend_url(LLM_BACKEND_OPENAI_CHAT, "http://h:8090/v1/", err, sizeof err);
    CHECK_STR(url, "http://h:8090/v1/chat/completions");
    free(url);
    url = backend_url(LLM_BACKEND_OPENAI_COMPLETIONS, "h:8090", err, sizeof err);
    CHECK_STR(url, "http://h:8090/v1/completions");
    free(url);
    CHECK(backend_url(LLM_BACKEND_OLLAMA, "", err, sizeof err) == NULL);

    const char *stop[] = {"\nQuestion:", NULL};
    llm_params p = {LLM_BACKEND_OLLAMA, "tinyllama", 0.7, 128, stop};
    char *body = backend_request_body(&p, "Question: \"hi\"\nAnswer:", 42);
    json_t *j = load(body);
    CHECK(j != NULL);
    CHECK_STR(json_string_value(json_object_get(j, "model")), "tinyllama");
    CHECK_STR(json_string_value(json_object_get(j, "prompt")), "Question: \"hi\"\nAnswer:");
    CHECK(json_is_false(json_object_get(j, "stream")));
    json_t *o = json_object_get(j, "options");
    CHECK_INT(json_integer_value(json_object_get(o, "seed")), 42);
    CHECK_INT(json_integer_value(json_object_get(o, "num_predict")), 128);
    CHECK_STR(json_string_value(json_array_get(json_object_get(o, "stop"), 0)), "\nQuestion:");
    json_decref(j);
    free(body);

    p.kind = LLM_BACKEND_OPENAI_CHAT;
    body = backend_request_body(&p, "hello", 7);
    j = load(body);
    CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(j, "messages"), 0), "content")), "hello");
    CHECK_INT(json_integer_value(json_object_get(j, "seed")), 7);
    CHECK_INT(json_integer_value(json_object_get(j, "max_tokens")), 128);
    CHECK(json_object_get(j, "prompt") == NULL);
    json_decref(j);
    free(body);

    p.kind = LLM_BACKEND_OPENAI_COMPLETIONS;
    body = backend_request_body(&p, "hello", 7);
    j = load(body);
    CHECK_STR(json_string_value(json_object_get(j, "prompt")), "hello");
    CHECK(json_object_get(j, "messages") == NULL);
    json_decref(j);
    free(body);

    char *ans = NULL;
    const char *ob = "{\"model\":\"tinyllama\",\"response\":\" Paris.\",\"done\":true}";
    CHECK_INT(backend_parse_answer(LLM_BACKEND_OLLAMA, ob, strlen(ob), &ans, err, sizeof err), 0);
    CHECK_STR(ans, " Paris.");
    free(ans);
    ob = "{\"done\":true}";
    CHECK_INT(backend_parse_answer(LLM_BACKEND_OLLAMA, ob, strlen(ob), &ans, err, sizeof err), -1);
    CHECK(strstr(err, "response") != NULL);
    ob = "<html>";
    CHECK_INT(backend_parse_answer(LLM_BACKEND_OLLAMA, ob, strlen(ob), &ans, err, sizeof err), -1);
    CHECK(strstr(err, "not JSON") != NULL);

    const char *cb = "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"Hi\"}}]}";
    CHECK_INT(backend_parse_answer(LLM_BACKEND_OPENAI_CHAT, cb, strlen(cb), &ans, err, sizeof err), 0);
    CHECK_STR(ans, "Hi");
    free(ans);
    cb = "{\"choices\":[{\"text\":\" ok\"}]}";
    CHECK_INT(backend_parse_answer(LLM_BACKEND_OPENAI_COMPLETIONS, cb, strlen(cb), &ans, err, sizeof err), 0);
    CHECK_STR(ans, " ok");
    free(ans);
    cb = "{\"choices\":[]}";
    CHECK_INT(backend_parse_answer(LLM_BACKEND_OPENAI_COMPLETIONS, cb, strlen(cb), &ans, err, sizeof err), -1);

    char txt[128];
    const char *eb = "{\"error\":{\"message\":\"You exceeded your current quota\",\"type\":\"insufficient_quota\",\"code\":\"insufficient_quota\"}}";
    backend_error_text(eb, strlen(eb), txt, sizeof txt);
    CHECK_STR(txt, "You exceeded your current quota (insufficient_quota)");
    eb = "{\"error\":\"model 'x' not found\"}";
    backend_error_text(eb, strlen(eb), txt, sizeof txt);
    CHECK_STR(txt, "model 'x' not found");
    backend_error_text("busy\n", 5, txt, sizeof txt);
    CHECK_STR(txt, "busy ");
    return CHECK_DONE();
}
