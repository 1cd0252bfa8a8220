/* prompt.h -- the LLM prompt template ({question} only) and the per-attempt sampling seed. */
#ifndef QAFLOW_LLM_PROMPT_H
#define QAFLOW_LLM_PROMPT_H

#include <stddef.h>
#include <stdint.h>

typedef struct prompt prompt;

/* The built-in few-shot completion template (suits a base model). */
const char *prompt_default_template(void);

/* Parses a template. Backslash escapes \n, \t and \\ are expanded (so a template fits in an
 * environment variable). The template must contain {question} at least once; any other
 * {placeholder} (in particular {original_answer}) is rejected: the reference answer is never
 * shown to the LLM. Returns NULL and fills err on error. */
prompt *prompt_create(const char *tmpl, char *err, size_t errlen);
void prompt_destroy(prompt *p);

/* Renders the prompt for one question; returns a malloc'd string (caller frees) or NULL. */
char *prompt_render(const prompt *p, const char *question);

/* Sampling seed of one attempt: a stable hash of question_id, run and retry_count (quality
 * regeneration number), so a regeneration and a new run of the question (asked again after a
 * failure) sample differently while a transport retry of the same attempt asks for the same
 * answer. Never 0. */
uint32_t prompt_seed(const char *question_id, int run, int retry_count);

#endif
