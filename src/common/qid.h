/* qid.h -- question_id derivation: "q_" + first 16 hex of SHA-256(normalised question text). */
#ifndef QAFLOW_QID_H
#define QAFLOW_QID_H

#include <stddef.h>

#define QID_BUFSZ 19      /* "q_" + 16 hex + NUL */
#define QID_MAX_LEN 128   /* longest id qid_valid accepts */

/* Normalisation (Unicode-safe, via utf8proc): reject invalid UTF-8; NFKC + case-fold; every
 * whitespace run (ASCII and Unicode Zs, tabs, newlines) becomes one space; trimmed.
 * *out is malloc'd (caller frees). Returns 0, or -1 with err (invalid UTF-8, empty text). */
int qid_normalize(const char *text, size_t len, char **out, size_t *outlen, char *err, size_t errlen);

/* Derives the id of a question text into out (QID_BUFSZ bytes). Same normalised text, same id. */
int qid_derive(const char *text, size_t len, char out[QID_BUFSZ], char *err, size_t errlen);

/* 1 if s is an acceptable id in a URL or message: 1..QID_MAX_LEN chars of [A-Za-z0-9_.-]. */
int qid_valid(const char *s);

/* SHA-256 of a buffer (OpenSSL libcrypto EVP). Returns 0 or -1. */
int qid_sha256(const void *data, size_t len, unsigned char out[32]);

#endif
