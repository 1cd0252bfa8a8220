/* test_classify.c -- every HTTP status / transport failure maps to the documented outcome. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "classify.h"

static classify_result run(llm_backend_kind k, classify_net net, long status, const char *body,
                           long retry_after)
{
    classify_input in = {net, net ? "boom" : NULL, status, body, body ? strlen(body) : 0, retry_after};
    classify_result r;
    if (classify_exchange(k, &in, &r) != 0)
        abort();
    return r;
}

int main(void)
{
    classify_result r;
    const llm_backend_kind O = LLM_BACKEND_OLLAMA;

    r = run(O, CLASSIFY_NET_OK, 200, "{\"response\":\"  Paris is the capital. \\n\",\"done\":true}", -1);
    CHECK_INT(r.outcome, CLASSIFY_SUCCESS);
    CHECK_STR(r.answer, "Paris is the capital.");
    CHECK_INT(r.http_status, 200);
    free(r.answer);

    r = run(LLM_BACKEND_OPENAI_CHAT, CLASSIFY_NET_OK, 200,
            "{\"choices\":[{\"message\":{\"content\":\"Yes.\"}}]}", -1);
    CHECK_INT(r.outcome, CLASSIFY_SUCCESS);
    CHECK_STR(r.answer, "Yes.");
    free(r.answer);

    /* an empty or whitespace-only answer is an answer (trimmed to ""): scored and regenerated downstream */
    r = run(O, CLASSIFY_NET_OK, 200, "{\"response\":\"  \\n \",\"done\":true}", -1);
    CHECK_INT(r.outcome, CLASSIFY_SUCCESS);
    CHECK_STR(r.answer, "");
    free(r.answer);
    /* malformed bodies: fatal */
    r = run(O, CLASSIFY_NET_OK, 200, "not json", -1);
    CHECK_INT(r.outcome, CLASSIFY_FATAL);
    CHECK(strstr(r.message, "malformed") != NULL);
    r = run(O, CLASSIFY_NET_OK, 200, "", -1);
    CHECK_INT(r.outcome, CLASSIFY_FATAL);
    r = run(LLM_BACKEND_OPENAI_COMPLETIONS, CLASSIFY_NET_OK, 200, "{\"choices\":[{\"message\":{}}]}", -1);
    CHECK_INT(r.outcome, CLASSIFY_FATAL);

    /* overload family */
    long overload[] = {503, 429, 502, 504, 500, 408};
    for (size_t i = 0; i < sizeof overload / sizeof *overload; i++) {
        r = run(O, CLASSIFY_NET_OK, overload[i], "{\"error\":\"busy\"}", 3);
        CHECK_INT(r.outcome, CLASSIFY_OVERLOAD);
        CHECK_INT(r.http_status, overload[i]);
        CHECK_INT(r.retry_after_s, 3);
        CHECK(strstr(r.message, "busy") != NULL);
    }
    r = run(O, CLASSIFY_NET_OK, 503, NULL, -1);
    CHECK_STR(r.message, "LLM answered 503 Service Unavailable");
    CHECK_INT(r.retry_after_s, -1);
    classify_net nets[] = {CLASSIFY_NET_TIMEOUT, CLASSIFY_NET_REFUSED, CLASSIFY_NET_BROKEN, CLASSIFY_NET_OTHER};
    for (size_t i = 0; i < 4; i++) {
        r = run(O, nets[i], 0, NULL, -1);
        CHECK_INT(r.outcome, CLASSIFY_OVERLOAD);
        CHECK_INT(r.http_status, 0);
        CHECK(strstr(r.message, "boom") != NULL);
    }

    /* quota family: 402 always; 429/403 with a quota body */
    r = run(O, CLASSIFY_NET_OK, 402, "{\"error\":\"quota exceeded\"}", 30);
    CHECK_INT(r.outcome, CLASSIFY_QUOTA);
    CHECK_INT(r.retry_after_s, 30);
    CHECK_STR(r.message, "LLM answered 402 Payment Required: quota exceeded");
    r = run(O, CLASSIFY_NET_OK, 402, "", -1);
    CHECK_INT(r.outcome, CLASSIFY_QUOTA);
    r = run(LLM_BACKEND_OPENAI_CHAT, CLASSIFY_NET_OK, 429,
            "{\"error\":{\"message\":\"You exceeded your current quota\",\"code\":\"insufficient_quota\"}}", -1);
    CHECK_INT(r.outcome, CLASSIFY_QUOTA);
    r = run(O, CLASSIFY_NET_OK, 403, "{\"error\":\"Quota exhausted\"}", -1);
    CHECK_INT(r.outcome, CLASSIFY_QUOTA);

    /* fatal family */
    long fatal[] = {400, 401, 403, 404, 405, 413, 422, 301, 501, 505, 418};
    for (size_t i = 0; i < sizeof fatal / sizeof *fatal; i++) {
        r = run(O, CLASSIFY_NET_OK, fatal[i], "{\"error\":\"model 'tinyllama' not found\"}", -1);
        CHECK_INT(r.outcome, CLASSIFY_FATAL);
        CHECK_INT(r.http_status, fatal[i]);
    }
    r = run(O, CLASSIFY_NET_OK, 404, "{\"error\":\"model 'tinyllama' not found\"}", -1);
    CHECK_STR(r.message, "LLM answered 404 Not Found: model 'tinyllama' not found");

    /* Retry-After parsing */
    CHECK_INT(classify_parse_retry_after("5", 0), 5);
    CHECK_INT(classify_parse_retry_after(" 0 ", 0), 0);
    CHECK_INT(classify_parse_retry_after("-3", 0), -1);
    CHECK_INT(classify_parse_retry_after("soon", 0), -1);
    CHECK_INT(classify_parse_retry_after("3x", 0), -1);
    CHECK_INT(classify_parse_retry_after(NULL, 0), -1);
    /* Sun, 06 Nov 1994 08:49:37 GMT = 784111777 */
    CHECK_INT(classify_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 - 20), 20);
    CHECK_INT(classify_parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784111777 + 20), 0);
    return CHECK_DONE();
}
