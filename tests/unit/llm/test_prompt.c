/* test_prompt.c -- prompt template rendering, placeholder rules and per-attempt seeds. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "prompt.h"

int main(void)
{
    char err[256];

    /* default template: few-shot, ends with the question and an open "Answer:" */
    prompt *p = prompt_create(NULL, err, sizeof err);
    CHECK(p != NULL);
    char *s = prompt_render(p, "Why is the sky blue?");
    CHECK(s && strstr(s, "Question: Why is the sky blue?\nAnswer:") != NULL);
    CHECK(s && strlen(s) > 20 && strcmp(s + strlen(s) - 7, "Answer:") == 0);
    CHECK(s && strstr(s, "{question}") == NULL);
    free(s);
    prompt_destroy(p);

    /* escapes, several placeholders, literal braces */
    p = prompt_create("Q: {question}\\nA ({question}) {} {not closed", err, sizeof err);
    CHECK(p != NULL);
    s = prompt_render(p, "x?");
    CHECK_STR(s, "Q: x?\nA (x?) {} {not closed");
    free(s);
    prompt_destroy(p);

    /* a question that itself contains "{question}" is not expanded again */
    p = prompt_create("<{question}>", err, sizeof err);
    s = prompt_render(p, "{question}");
    CHECK_STR(s, "<{question}>");
    free(s);
    prompt_destroy(p);

    /* the reference answer can never be put in the prompt */
    err[0] = 0;
    CHECK(prompt_create("{question} {original_answer}", err, sizeof err) == NULL);
    CHECK(strstr(err, "original_answer") != NULL);
    CHECK(prompt_create("no placeholder", err, sizeof err) == NULL);
    CHECK(strstr(err, "{question}") != NULL);

    /* seeds: stable, differ per attempt and per question, non-zero, fit a signed int */
    uint32_t a0 = prompt_seed("q_1", 1, 0), a1 = prompt_seed("q_1", 1, 1), b0 = prompt_seed("q_2", 1, 0);
    CHECK_INT(a0, prompt_seed("q_1", 1, 0));
    CHECK(a0 != a1);
    CHECK(a0 != b0);
    /* a new run of the question samples differently from the earlier runs, attempt by attempt */
    CHECK(prompt_seed("q_1", 2, 0) != a0);
    CHECK(prompt_seed("q_1", 2, 0) != prompt_seed("q_1", 3, 0));
    CHECK(prompt_seed("q_1", 2, 1) != a1);
    int distinct = 1;
    uint32_t seen[64];
    for (int i = 0; i < 64; i++) {
        seen[i] = prompt_seed("q_5f2b9c0e1a7d4e3b", 1, i);
        CHECK(seen[i] != 0 && seen[i] <= 0x7fffffffu);
        for (int j = 0; j < i; j++)
            if (seen[j] == seen[i])
                distinct = 0;
    }
    CHECK(distinct);
    return CHECK_DONE();
}
