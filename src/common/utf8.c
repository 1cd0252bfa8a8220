/* utf8.c -- cutting and cleaning untrusted text on UTF-8 character boundaries (utf8proc decodes). */
#include "utf8.h"

#include <string.h>
#include <utf8proc.h>

/* Bytes of the valid character at s[0..len), or 0 when s starts with an invalid byte or a NUL. */
static size_t utf8_char_len(const char *s, size_t len)
{
    utf8proc_int32_t cp;
    utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &cp);
    return n > 0 && cp != 0 ? (size_t)n : 0;
}

size_t utf8_cut_len(const char *s, size_t len, size_t max)
{
    size_t i = 0;
    while (i < len) {
        size_t n = utf8_char_len(s + i, len - i);
        if (n == 0)
            n = 1;
        if (i + n > max)
            break;
        i += n;
    }
    return i;
}

size_t utf8_copy(char *dst, size_t dstsize, const char *src, size_t len)
{
    size_t o = 0, i = 0;
    if (dstsize == 0)
        return 0;
    while (i < len) {
        size_t n = utf8_char_len(src + i, len - i);
        if (o + (n ? n : 1) > dstsize - 1)
            break;
        if (n) {
            memcpy(dst + o, src + i, n);
            o += n;
            i += n;
        } else {
            dst[o++] = '?';
            i++;
        }
    }
    dst[o] = '\0';
    return o;
}

char *utf8_clean(char *s)
{
    size_t len = strlen(s);
    for (size_t i = 0; i < len;) {
        size_t n = utf8_char_len(s + i, len - i);
        if (n == 0) {
            s[i++] = '?';
        } else {
            i += n;
        }
    }
    return s;
}

int utf8_valid(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t n = utf8_char_len(s + i, len - i);
        if (n == 0)
            return 0;
        i += n;
    }
    return 1;
}

int utf8_cp_is_space(int cp)
{
    if (cp == ' ' || (cp >= 0x09 && cp <= 0x0d) || cp == 0x85)
        return 1;
    utf8proc_category_t cat = utf8proc_category(cp);
    return cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL || cat == UTF8PROC_CATEGORY_ZP;
}

int utf8_is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &cp);
        if (n <= 0)
            return 0;
        utf8proc_category_t cat = utf8proc_category(cp);
        if (!utf8_cp_is_space(cp) && cat != UTF8PROC_CATEGORY_CC && cat != UTF8PROC_CATEGORY_CF)
            return 0;
        i += (size_t)n;
    }
    return 1;
}
