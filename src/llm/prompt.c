/* prompt.c -- renders the LLM prompt from a {question} template; derives per-attempt seeds. */
#include "prompt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROMPT_PLACEHOLDER "{question}"

struct prompt {
    char *tmpl; /* unescaped template */
};

const char *prompt_default_template(void)
{
    return "Answer each question with a short, factual answer of one or two sentences.\n"
           "\n"
           "Question: What is the capital of France?\n"
           "Answer: Paris is the capital of France.\n"
           "\n"
           "Question: Why do we have seasons?\n"
           "Answer: Seasons happen because the Earth's axis is tilted, so each hemisphere "
           "gets more direct sunlight during part of the year.\n"
           "\n"
           "Question: How can I get better sleep?\n"
           "Answer: Keep a regular schedule, avoid caffeine and screens before bed, and keep "
           "your bedroom dark and quiet.\n"
           "\n"
           "Question: {question}\n"
           "Answer:";
}

static char *prompt_unescape(const char *s)
{
    size_t n = strlen(s);
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n) {
            char c = s[i + 1];
            if (c == 'n' || c == 't' || c == '\\') {
                out[j++] = c == 'n' ? '\n' : c == 't' ? '\t' : '\\';
                i++;
                continue;
            }
        }
        out[j++] = s[i];
    }
    out[j] = '\0';
    return out;
}

prompt *prompt_create(const char *tmpl, char *err, size_t errlen)
{
    if (!tmpl || !*tmpl)
        tmpl = prompt_default_template();
    char *t = prompt_unescape(tmpl);
    if (!t) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    int found = 0;
    for (const char *p = strchr(t, '{'); p; p = strchr(p + 1, '{')) {
        const char *close = strchr(p, '}');
        if (!close)
            break; /* a lone '{' is literal text */
        size_t len = (size_t)(close - p + 1);
        if (len == strlen(PROMPT_PLACEHOLDER) && memcmp(p, PROMPT_PLACEHOLDER, len) == 0) {
            found = 1;
            continue;
        }
        /* {identifier} looks like a placeholder we do not provide: refuse it. */
        int ident = len > 2;
        for (const char *q = p + 1; q < close; q++)
            if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || *q == '_' ||
                  (*q >= '0' && *q <= '9')))
                ident = 0;
        if (ident) {
            snprintf(err, errlen, "prompt template: unknown placeholder %.*s (only {question} is allowed)",
                     (int)len, p);
            free(t);
            return NULL;
        }
    }
    if (!found) {
        snprintf(err, errlen, "prompt template must contain {question}");
        free(t);
        return NULL;
    }
    prompt *pr = calloc(1, sizeof *pr);
    if (!pr) {
        free(t);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pr->tmpl = t;
    return pr;
}

void prompt_destroy(prompt *p)
{
    if (!p)
        return;
    free(p->tmpl);
    free(p);
}

char *prompt_render(const prompt *p, const char *question)
{
    const size_t phlen = strlen(PROMPT_PLACEHOLDER);
    size_t qlen = strlen(question), count = 0;
    for (const char *s = strstr(p->tmpl, PROMPT_PLACEHOLDER); s; s = strstr(s + phlen, PROMPT_PLACEHOLDER))
        count++;
    size_t total = strlen(p->tmpl) - count * phlen + count * qlen + 1;
    char *out = malloc(total);
    if (!out)
        return NULL;
    char *o = out;
    const char *s = p->tmpl;
    for (const char *m = strstr(s, PROMPT_PLACEHOLDER); m; m = strstr(s, PROMPT_PLACEHOLDER)) {
        memcpy(o, s, (size_t)(m - s));
        o += m - s;
        memcpy(o, question, qlen);
        o += qlen;
        s = m + phlen;
    }
    strcpy(o, s);
    return out;
}

uint32_t prompt_seed(const char *question_id, int run, int retry_count)
{
    /* FNV-1a over the id, then the attempt number (and the run after the first), then a final
     * avalanche. Run 1 hashes exactly as before runs existed. */
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)question_id; *p; p++) {
        h ^= *p;
        h *= 16777619u;
    }
    uint32_t r = (uint32_t)retry_count;
    for (int i = 0; i < 4; i++) {
        h ^= (r >> (8 * i)) & 0xffu;
        h *= 16777619u;
    }
    uint32_t n = run > 1 ? (uint32_t)run : 0;
    for (int i = 0; n && i < 4; i++) {
        h ^= (n >> (8 * i)) & 0xffu;
        h *= 16777619u;
    }
    h ^= h >> 16;
    h *= 0x7feb352du;
    h ^= h >> 15;
    h *= 0x846ca68bu;
    h ^= h >> 16;
    h &= 0x7fffffffu; /* servers parse the seed as a signed int */
    return h ? h : 1;
}
