/* stub_answer.c -- question extraction and deterministic default answers */
#include "stub_answer.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t stub_answer_hash(const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static const char *last_marker(const char *prompt, const char *marker)
{
    const char *found = NULL, *p = prompt;
    size_t ml = strlen(marker);
    while ((p = strstr(p, marker)) != NULL) {
        /* A marker counts at the start of the prompt or of a line. */
        if (p == prompt || p[-1] == '\n')
            found = p + ml;
        p += ml;
    }
    return found;
}

char *stub_answer_question(const char *prompt)
{
    if (!prompt)
        prompt = "";
    const char *start = last_marker(prompt, "Question:");
    if (!start)
        start = last_marker(prompt, "Q:");
    const char *end;
    if (start) {
        end = strchr(start, '\n');
        if (!end)
            end = start + strlen(start);
    } else {
        start = prompt;
        end = prompt + strlen(prompt);
    }
    while (start < end && isspace((unsigned char)*start))
        start++;
    while (end > start && isspace((unsigned char)end[-1]))
        end--;
    size_t n = (size_t)(end - start);
    char *q = malloc(n + 1);
    if (!q)
        return NULL;
    memcpy(q, start, n);
    q[n] = '\0';
    return q;
}

static const char *const answer_endings[] = {
    "The short answer follows from the well-known facts about it.",
    "Most reference works give the same explanation.",
    "It is usually explained in a few simple sentences.",
    "This is a common question with a widely accepted answer.",
    "The main points are its definition, its causes and its effects.",
    "Experts describe it in terms of its history and its uses.",
    "A careful reading of the topic gives a clear answer.",
    "The answer depends mostly on the basic facts involved.",
};

char *stub_answer_default(const char *prompt)
{
    char *q = stub_answer_question(prompt);
    if (!q)
        return NULL;
    /* Drop a trailing question mark and collapse inner whitespace (newlines included). */
    size_t n = strlen(q);
    while (n > 0 && (q[n - 1] == '?' || isspace((unsigned char)q[n - 1])))
        q[--n] = '\0';
    size_t w = 0;
    int space = 0;
    for (size_t r = 0; r < n; r++) {
        if (isspace((unsigned char)q[r])) {
            space = 1;
            continue;
        }
        if (space && w > 0)
            q[w++] = ' ';
        space = 0;
        q[w++] = q[r];
    }
    q[w] = '\0';
    uint64_t h = stub_answer_hash(q, w);
    const char *ending = answer_endings[h % (sizeof(answer_endings) / sizeof(*answer_endings))];
    const char *topic = w ? q : "this question";
    size_t len = strlen(topic) + strlen(ending) + 64;
    char *a = malloc(len);
    if (a)
        snprintf(a, len, "About %s: %s (stub answer %04x)", topic, ending,
                 (unsigned)(h & 0xffff));
    free(q);
    return a;
}

int stub_answer_count_words(const char *s)
{
    int n = 0, in = 0;
    for (; s && *s; s++) {
        if (isspace((unsigned char)*s))
            in = 0;
        else if (!in) {
            in = 1;
            n++;
        }
    }
    return n;
}

int stub_answer_truncate_words(char *s, int max_words)
{
    if (!s || max_words <= 0)
        return 0;
    int n = 0, in = 0;
    for (char *p = s; *p; p++) {
        if (isspace((unsigned char)*p)) {
            if (in && n == max_words) {
                *p = '\0';
                /* Anything but whitespace after the cut? */
                for (char *r = p + 1; *r; r++)
                    if (!isspace((unsigned char)*r))
                        return 1;
                return 0;
            }
            in = 0;
        } else if (!in) {
            in = 1;
            n++;
        }
    }
    return 0;
}
