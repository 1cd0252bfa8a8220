/* tokenizer_vocab.c -- WordPiece vocabulary: vocab.txt loader and an open-addressing hash table. */
#include "tokenizer_vocab.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer_unicode.h"

/* One slot of the table; id < 0 marks an empty slot. Keys live in one string pool. */
typedef struct {
    uint32_t hash;
    uint32_t off;
    uint32_t len;
    int32_t id;
} vocab_slot;

struct tokenizer_vocab {
    char *pool;        /* all token bytes, back to back */
    vocab_slot *slots; /* power-of-two sized table */
    uint32_t mask;
    int count;         /* lines, i.e. ids 0..count-1 */
    size_t max_bytes;
};

#define FNV_OFFSET 2166136261u
#define FNV_PRIME 16777619u

static uint32_t vocab_hash_step(uint32_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= FNV_PRIME;
    }
    return h;
}

static uint32_t vocab_hash_finish(uint32_t h)
{
    /* FNV's low bits are weak for short keys; mix before masking. */
    h ^= h >> 16;
    h *= 0x7feb352du;
    h ^= h >> 15;
    return h;
}

/* Finds the slot of a key (prefix + s), or the empty slot where it would go. */
static vocab_slot *vocab_find(const tokenizer_vocab *v, const char *prefix, size_t plen,
                              const char *s, size_t n, uint32_t hash)
{
    uint32_t i = hash & v->mask;
    for (;;) {
        vocab_slot *sl = &v->slots[i];
        if (sl->id < 0)
            return sl;
        if (sl->hash == hash && sl->len == plen + n &&
            memcmp(v->pool + sl->off, prefix, plen) == 0 &&
            memcmp(v->pool + sl->off + plen, s, n) == 0)
            return sl;
        i = (i + 1) & v->mask;
    }
}

int32_t tokenizer_vocab_lookup(const tokenizer_vocab *v, const char *prefix, const char *s,
                               size_t n)
{
    size_t plen = prefix ? strlen(prefix) : 0;
    if (plen + n > v->max_bytes)
        return -1;
    uint32_t h = FNV_OFFSET;
    if (plen)
        h = vocab_hash_step(h, prefix, plen);
    h = vocab_hash_finish(vocab_hash_step(h, s, n));
    return vocab_find(v, prefix ? prefix : "", plen, s, n, h)->id;
}

int tokenizer_vocab_count(const tokenizer_vocab *v)
{
    return v->count;
}

size_t tokenizer_vocab_max_bytes(const tokenizer_vocab *v)
{
    return v->max_bytes;
}

void tokenizer_vocab_destroy(tokenizer_vocab *v)
{
    if (!v)
        return;
    free(v->pool);
    free(v->slots);
    free(v);
}

/* Counts lines the way Python's text-mode readlines() does: \n, \r\n and \r end a line;
 * a final line without terminator counts; an empty file has no lines. */
static size_t vocab_count_lines(const char *d, size_t len)
{
    size_t lines = 0, i = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && d[j] != '\n' && d[j] != '\r')
            j++;
        lines++;
        if (j < len && d[j] == '\r' && j + 1 < len && d[j + 1] == '\n')
            j++;
        i = j + 1;
    }
    return lines;
}

tokenizer_vocab *tokenizer_vocab_create_from_buffer(const char *data, size_t len, char *err,
                                                    size_t errlen)
{
    if (len > UINT32_MAX / 2) {
        snprintf(err, errlen, "vocab too large (%zu bytes)", len);
        return NULL;
    }
    size_t lines = vocab_count_lines(data, len);
    if (lines == 0) {
        snprintf(err, errlen, "vocab is empty");
        return NULL;
    }
    if (lines > (size_t)INT32_MAX / 4) {
        snprintf(err, errlen, "vocab has too many lines (%zu)", lines);
        return NULL;
    }
    tokenizer_vocab *v = calloc(1, sizeof(*v));
    if (!v) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    size_t cap = 16;
    while (cap < lines * 2)
        cap <<= 1;
    v->pool = malloc(len ? len : 1);
    v->slots = malloc(cap * sizeof(*v->slots));
    if (!v->pool || !v->slots) {
        snprintf(err, errlen, "out of memory");
        tokenizer_vocab_destroy(v);
        return NULL;
    }
    memcpy(v->pool, data, len);
    for (size_t k = 0; k < cap; k++)
        v->slots[k].id = -1;
    v->mask = (uint32_t)(cap - 1);

    size_t i = 0;
    int id = 0;
    while (i < len) {
        size_t j = i;
        while (j < len && data[j] != '\n' && data[j] != '\r')
            j++;
        size_t n = j - i;
        if (!tokenizer_utf8_valid(data + i, n)) {
            snprintf(err, errlen, "vocab line %d is not valid UTF-8", id + 1);
            tokenizer_vocab_destroy(v);
            return NULL;
        }
        uint32_t h = vocab_hash_finish(vocab_hash_step(FNV_OFFSET, data + i, n));
        vocab_slot *sl = vocab_find(v, "", 0, data + i, n, h);
        /* A duplicate keeps its last id, as a Python dict built line by line does. */
        sl->hash = h;
        sl->off = (uint32_t)i;
        sl->len = (uint32_t)n;
        sl->id = id;
        if (n > v->max_bytes)
            v->max_bytes = n;
        id++;
        if (j < len && data[j] == '\r' && j + 1 < len && data[j + 1] == '\n')
            j++;
        i = j + 1;
    }
    v->count = id;
    return v;
}

tokenizer_vocab *tokenizer_vocab_create(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open vocab %s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 1 << 18;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                snprintf(err, errlen, "out of memory reading vocab %s", path);
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        snprintf(err, errlen, "cannot read vocab %s: %s", path, strerror(errno));
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    char sub[256];
    tokenizer_vocab *v = tokenizer_vocab_create_from_buffer(buf, len, sub, sizeof(sub));
    if (!v)
        snprintf(err, errlen, "vocab %s: %s", path, sub);
    free(buf);
    return v;
}
