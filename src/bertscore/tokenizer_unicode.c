/* tokenizer_unicode.c -- UTF-8 and Unicode character classes as BERT's BasicTokenizer defines them (utf8proc). */
#include "tokenizer_unicode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

size_t tokenizer_utf8_decode(const unsigned char *s, size_t n, int32_t *cp)
{
    unsigned char b = s[0];
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    size_t need;
    int32_t c;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the first continuation byte */
    if (b >= 0xC2 && b <= 0xDF) {
        need = 1;
        c = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
        need = 2;
        c = b & 0x0F;
        if (b == 0xE0)
            lo = 0xA0; /* no overlongs */
        else if (b == 0xED)
            hi = 0x9F; /* no surrogates */
    } else if (b >= 0xF0 && b <= 0xF4) {
        need = 3;
        c = b & 0x07;
        if (b == 0xF0)
            lo = 0x90;
        else if (b == 0xF4)
            hi = 0x8F; /* <= U+10FFFF */
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    size_t i = 1;
    for (; i <= need; i++) {
        if (i >= n) {
            *cp = 0xFFFD;
            return i;
        }
        unsigned char cb = s[i];
        unsigned char l = (i == 1) ? lo : 0x80, h = (i == 1) ? hi : 0xBF;
        if (cb < l || cb > h) {
            *cp = 0xFFFD;
            return i;
        }
        c = (c << 6) | (cb & 0x3F);
    }
    *cp = c;
    return i;
}

size_t tokenizer_utf8_encode(int32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

int tokenizer_utf8_valid(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        int32_t cp;
        size_t k = tokenizer_utf8_decode(u + i, n - i, &cp);
        if (cp == 0xFFFD && !(k == 3 && u[i] == 0xEF && u[i + 1] == 0xBF && u[i + 2] == 0xBD))
            return 0;
        i += k;
    }
    return 1;
}

static int unicode_category(int32_t cp)
{
    return (int)utf8proc_category(cp);
}

int tokenizer_is_control(int32_t cp)
{
    if (cp == '\t' || cp == '\n' || cp == '\r')
        return 0;
    if (cp < 0x80)
        return cp < 0x20 || cp == 0x7F;
    switch (unicode_category(cp)) {
    case UTF8PROC_CATEGORY_CN:
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_CF:
    case UTF8PROC_CATEGORY_CS:
    case UTF8PROC_CATEGORY_CO:
        return 1;
    default:
        return 0;
    }
}

int tokenizer_is_whitespace(int32_t cp)
{
    if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r')
        return 1;
    if (cp < 0x80)
        return 0;
    return unicode_category(cp) == UTF8PROC_CATEGORY_ZS;
}

int tokenizer_is_punct(int32_t cp)
{
    if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) ||
        (cp >= 123 && cp <= 126))
        return 1;
    if (cp < 0x80)
        return 0;
    int c = unicode_category(cp);
    return c >= UTF8PROC_CATEGORY_PC && c <= UTF8PROC_CATEGORY_PO;
}

int tokenizer_is_cjk(int32_t cp)
{
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
           (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

int tokenizer_is_extra_split(int32_t cp)
{
    return cp == 0x2028 || cp == 0x2029;
}

void tokenizer_cpbuf_free(tokenizer_cpbuf *b)
{
    free(b->v);
    b->v = NULL;
    b->n = b->cap = 0;
}

static int cpbuf_reserve(tokenizer_cpbuf *b, size_t cap)
{
    if (cap <= b->cap)
        return 0;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < cap)
        ncap *= 2;
    int32_t *nv = realloc(b->v, ncap * sizeof(*nv));
    if (!nv)
        return -1;
    b->v = nv;
    b->cap = ncap;
    return 0;
}

/* utf8proc_decompose into b, growing it as needed. */
static int unicode_decompose(const char *s, size_t n, utf8proc_option_t opts, tokenizer_cpbuf *b,
                             char *err, size_t errlen)
{
    if (cpbuf_reserve(b, n + 8) < 0)
        goto oom;
    for (;;) {
        utf8proc_ssize_t r = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n,
                                                b->v, (utf8proc_ssize_t)b->cap, opts);
        if (r < 0) {
            snprintf(err, errlen, "unicode normalization failed: %s", utf8proc_errmsg(r));
            return -1;
        }
        if ((size_t)r <= b->cap) {
            b->n = (size_t)r;
            return 0;
        }
        if (cpbuf_reserve(b, (size_t)r) < 0)
            goto oom;
    }
oom:
    snprintf(err, errlen, "out of memory");
    return -1;
}

int tokenizer_normalize_word(const char *s, size_t n, int lower, tokenizer_cpbuf *out,
                             tokenizer_cpbuf *scratch, char **bytes, size_t *bytes_cap,
                             char *err, size_t errlen)
{
    /* NFC, as BasicTokenizer applies to the whole (cleaned) text before splitting. */
    if (unicode_decompose(s, n, UTF8PROC_STABLE | UTF8PROC_COMPOSE, out, err, errlen) < 0)
        return -1;
    utf8proc_ssize_t r = utf8proc_normalize_utf32(out->v, (utf8proc_ssize_t)out->n,
                                                  UTF8PROC_STABLE | UTF8PROC_COMPOSE);
    if (r < 0) {
        snprintf(err, errlen, "unicode normalization failed: %s", utf8proc_errmsg(r));
        return -1;
    }
    out->n = (size_t)r;
    if (!lower)
        return 0;

    /* str.lower(): simple lower-case mapping, except U+0130 whose full mapping is
     * "i" + U+0307 (the only unconditional multi-character lower-case mapping). Written as
     * UTF-8 so utf8proc can decompose it: at most 4 bytes per input code point. */
    size_t need = out->n * 4 + 4;
    if (need > *bytes_cap) {
        char *nb = realloc(*bytes, need);
        if (!nb) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        *bytes = nb;
        *bytes_cap = need;
    }
    size_t bl = 0;
    for (size_t i = 0; i < out->n; i++) {
        int32_t c = out->v[i];
        if (c == 0x130) {
            (*bytes)[bl++] = 'i';
            bl += tokenizer_utf8_encode(0x307, *bytes + bl);
            continue;
        }
        bl += tokenizer_utf8_encode(utf8proc_tolower(c), *bytes + bl);
    }
    /* _run_strip_accents: NFD, then drop every nonspacing mark (Mn). */
    if (unicode_decompose(*bytes, bl, UTF8PROC_STABLE | UTF8PROC_DECOMPOSE, scratch, err,
                          errlen) < 0)
        return -1;
    if (cpbuf_reserve(out, scratch->n) < 0) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < scratch->n; i++) {
        int32_t c = scratch->v[i];
        if (c >= 0x300 && unicode_category(c) == UTF8PROC_CATEGORY_MN)
            continue;
        out->v[k++] = c;
    }
    out->n = k;
    return 0;
}
