/* test_answer.c -- unit tests: question extraction and deterministic default answers */
#include <stdlib.h>

#include "check.h"
#include "stub_answer.h"

static void check_question(const char *prompt, const char *want)
{
    char *q = stub_answer_question(prompt);
    CHECK_STR(q, want);
    free(q);
}

int main(void)
{
    const char *fewshot =
        "Answer each question in one or two sentences.\n\n"
        "Question: What is the boiling point of water?\n"
        "Answer: Water boils at 100 degrees Celsius at sea level.\n\n"
        "Question:  What is the capital of France? \n"
        "Answer:";
    check_question(fewshot, "What is the capital of France?");
    check_question("What is the capital of France?", "What is the capital of France?");
    check_question("  spaced out \n", "spaced out");
    check_question("Q: short form\nA:", "short form");
    check_question("", "");
    check_question(NULL, "");
    /* A marker in the middle of a line is not a marker. */
    check_question("The word Question: inside", "The word Question: inside");

    /* Same question, different templates -> same answer; different questions differ. */
    char *a1 = stub_answer_default(fewshot);
    char *a2 = stub_answer_default("Question: What is the capital of France?\nAnswer:");
    char *a3 = stub_answer_default("What is the capital of France?");
    char *b = stub_answer_default("Question: Why is the sky blue?\nAnswer:");
    CHECK(a1 && a2 && a3 && b);
    CHECK_STR(a1, a2);
    CHECK_STR(a1, a3);
    CHECK(strcmp(a1, b) != 0);
    CHECK(strstr(a1, "capital of France") != NULL);
    CHECK(strchr(a1, '\n') == NULL);
    CHECK(strlen(a1) > 20);
    char *e = stub_answer_default("");
    CHECK(e && strlen(e) > 0);
    free(a1); free(a2); free(a3); free(b); free(e);

    /* Hash: FNV-1a reference values. */
    CHECK(stub_answer_hash("", 0) == 0xcbf29ce484222325ULL);
    CHECK(stub_answer_hash("a", 1) == 0xaf63dc4c8601ec8cULL);

    CHECK_INT(stub_answer_count_words("  one two\tthree\nfour "), 4);
    CHECK_INT(stub_answer_count_words(""), 0);
    char s[] = "one two three four";
    CHECK_INT(stub_answer_truncate_words(s, 2), 1);
    CHECK_STR(s, "one two");
    char s2[] = "one two";
    CHECK_INT(stub_answer_truncate_words(s2, 2), 0);
    CHECK_STR(s2, "one two");
    char s3[] = "one two ";
    CHECK_INT(stub_answer_truncate_words(s3, 5), 0);
    CHECK_STR(s3, "one two ");
    return CHECK_DONE();
}
