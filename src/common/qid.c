/* qid.c -- question_id derivation: utf8proc normalisation + SHA-256 (OpenSSL libcrypto). */
#include "qid.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "utf8.h"

int qid_sha256(const void *data, size_t len, unsigned char out[32])
{
    unsigned int n = 0;
    if (EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) != 1 || n != 32) return -1;
    return 0;
}

int qid_normalize(const char *text, size_t len, char **out, size_t *outlen, char *err, size_t errlen)
{
    utf8proc_uint8_t *mapped = NULL;
    if (!text) {
        snprintf(err, errlen, "question text is missing");
        return -1;
    }
    if (memchr(text, '\0', len)) {
        snprintf(err, errlen, "question text contains a NUL character");
        return -1;
    }
    utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)text, (utf8proc_ssize_t)len, &mapped,
                                      UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
                                      UTF8PROC_CASEFOLD | UTF8PROC_IGNORE);
    if (n < 0) {
        snprintf(err, errlen, "question text: %s", utf8proc_errmsg(n));
        return -1;
    }
    char *res = malloc((size_t)n + 1);
    if (!res) {
        free(mapped);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t w = 0;
    int pending_space = 0;
    utf8proc_ssize_t i = 0;
    while (i < n) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(mapped + i, n - i, &cp);
        if (k <= 0) { /* cannot happen after utf8proc_map; be safe */
            free(mapped);
            free(res);
            snprintf(err, errlen, "question text: invalid UTF-8");
            return -1;
        }
        if (utf8_cp_is_space(cp)) {
            pending_space = 1;
        } else {
            if (pending_space && w > 0) res[w++] = ' ';
            pending_space = 0;
            memcpy(res + w, mapped + i, (size_t)k);
            w += (size_t)k;
        }
        i += k;
    }
    res[w] = '\0';
    free(mapped);
    if (w == 0) {
        free(res);
        snprintf(err, errlen, "question text is empty");
        return -1;
    }
    *out = res;
    if (outlen) *outlen = w;
    return 0;
}

int qid_derive(const char *text, size_t len, char out[QID_BUFSZ], char *err, size_t errlen)
{
    char *norm;
    size_t nlen;
    if (qid_normalize(text, len, &norm, &nlen, err, errlen) != 0) return -1;
    unsigned char md[32];
    int rc = qid_sha256(norm, nlen, md);
    free(norm);
    if (rc != 0) {
        snprintf(err, errlen, "SHA-256 failed");
        return -1;
    }
    static const char hex[] = "0123456789abcdef";
    out[0] = 'q';
    out[1] = '_';
    for (int i = 0; i < 8; i++) {
        out[2 + 2 * i] = hex[md[i] >> 4];
        out[3 + 2 * i] = hex[md[i] & 15];
    }
    out[18] = '\0';
    return 0;
}

int qid_valid(const char *s)
{
    if (!s) return 0;
    size_t n = 0;
    for (; s[n]; n++) {
        char ch = s[n];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                 ch == '_' || ch == '-' || ch == '.';
        if (!ok || n >= QID_MAX_LEN) return 0;
    }
    return n > 0;
}
