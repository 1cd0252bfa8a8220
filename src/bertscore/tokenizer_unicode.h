/* tokenizer_unicode.h -- UTF-8 and Unicode character classes as BERT's BasicTokenizer defines them (utf8proc). */
#ifndef QAFLOW_TOKENIZER_UNICODE_H
#define QAFLOW_TOKENIZER_UNICODE_H

#include <stddef.h>
#include <stdint.h>

/* Decodes one code point at s[0..n) (n >= 1) into *cp and returns the bytes consumed (>= 1).
 * An ill-formed sequence gives *cp = 0xFFFD and consumes its maximal valid prefix
 * (at least one byte), as Python's decode(errors="replace") does. */
size_t tokenizer_utf8_decode(const unsigned char *s, size_t n, int32_t *cp);

/* Writes cp as UTF-8 into out (room for 4 bytes) and returns the byte count. */
size_t tokenizer_utf8_encode(int32_t cp, char *out);

/* 1 when s[0..n) is well-formed UTF-8. */
int tokenizer_utf8_valid(const char *s, size_t n);

/* BERT's _is_control: category C* except \t \n \r. */
int tokenizer_is_control(int32_t cp);
/* BERT's _is_whitespace: space, \t, \n, \r or category Zs. */
int tokenizer_is_whitespace(int32_t cp);
/* BERT's _is_punctuation: ASCII 33-47, 58-64, 91-96, 123-126 or category P*. */
int tokenizer_is_punct(int32_t cp);
/* BERT's _is_chinese_char (the CJK ideograph blocks). */
int tokenizer_is_cjk(int32_t cp);
/* Characters other than BERT whitespace on which Python's str.split() also splits and that
 * survive cleaning: U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR. */
int tokenizer_is_extra_split(int32_t cp);

/* Growable array of code points. */
typedef struct {
    int32_t *v;
    size_t n, cap;
} tokenizer_cpbuf;

void tokenizer_cpbuf_free(tokenizer_cpbuf *b);

/* Normalizes one word given as well-formed UTF-8 (s[0..n)) into out as code points:
 * NFC; then, when lower, Python's str.lower() followed by NFD and removal of category Mn
 * (BERT's _run_strip_accents). bytes is scratch space reused between calls.
 * Returns 0, or -1 with err filled. */
int tokenizer_normalize_word(const char *s, size_t n, int lower, tokenizer_cpbuf *out,
                             tokenizer_cpbuf *scratch, char **bytes, size_t *bytes_cap,
                             char *err, size_t errlen);

#endif
