/* utf8.h -- cutting and cleaning untrusted text on UTF-8 character boundaries (the one place that does it). */
#ifndef QAFLOW_UTF8_H
#define QAFLOW_UTF8_H

#include <stddef.h>

/* The length of the longest prefix of s[0..len) of at most max bytes that does not end inside a
 * character: a cut at the returned length never splits a multi-byte sequence. Invalid bytes count
 * as one-byte units (utf8_clean replaces them). */
size_t utf8_cut_len(const char *s, size_t len, size_t max);

/* Copies src[0..len) into dst (size dstsize > 0, always NUL-terminated): cut on a character boundary
 * to fit, each invalid byte (and a NUL) replaced by '?'. The result is always valid UTF-8 without
 * NUL bytes. Returns the bytes written (without the NUL). */
size_t utf8_copy(char *dst, size_t dstsize, const char *src, size_t len);

/* In place: each invalid byte of the NUL-terminated s replaced by '?', including a character cut
 * off at the end (e.g. by snprintf). Returns s. */
char *utf8_clean(char *s);

/* 1 for a code point that is white space: ASCII spaces and controls \t\n\v\f\r, NEL, and the Unicode
 * separators (categories Zs, Zl, Zp: the no-break space, the ideographic space, ...). */
int utf8_cp_is_space(int cp);

/* 1 when s[0..len) shows nothing: only white space (utf8_cp_is_space), control characters (Cc) and
 * invisible format characters (Cf: zero-width space and joiners, word joiner, byte order mark).
 * Invalid UTF-8 is not blank. */
int utf8_is_blank(const char *s, size_t len);

/* 1 when s[0..len) is valid UTF-8 without NUL bytes. */
int utf8_valid(const char *s, size_t len);

#endif
