/* stub_answer.h -- the stub's default answers: a deterministic function of the question */
#ifndef QAFLOW_STUB_ANSWER_H
#define QAFLOW_STUB_ANSWER_H

#include <stddef.h>
#include <stdint.h>

/* The question inside a prompt: the text after the last "Question:" (or "Q:") marker up to
 * the end of that line; without a marker, the whole prompt. Whitespace-trimmed, malloc'd;
 * NULL on allocation failure. */
char *stub_answer_question(const char *prompt);

/* The default answer for a prompt: built from its question only, so the same question always
 * gets the same answer whatever template surrounds it. Malloc'd; NULL on allocation failure. */
char *stub_answer_default(const char *prompt);

/* FNV-1a 64-bit hash (used to pick the answer's variant). */
uint64_t stub_answer_hash(const char *s, size_t len);

/* Rough token count: whitespace-separated words. */
int stub_answer_count_words(const char *s);

/* Keep at most max_words words of s (in place); returns 1 if it cut something. */
int stub_answer_truncate_words(char *s, int max_words);

#endif
