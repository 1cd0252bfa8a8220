/* tokenizer_vocab.h -- WordPiece vocabulary: vocab.txt loader and an open-addressing hash table. */
#ifndef QAFLOW_TOKENIZER_VOCAB_H
#define QAFLOW_TOKENIZER_VOCAB_H

#include <stddef.h>
#include <stdint.h>

typedef struct tokenizer_vocab tokenizer_vocab;

/* Parses a vocab held in memory (the bytes of vocab.txt). Returns NULL and fills err on
 * failure (empty vocab, invalid UTF-8, out of memory). */
tokenizer_vocab *tokenizer_vocab_create_from_buffer(const char *data, size_t len, char *err,
                                                    size_t errlen);

/* Reads and parses vocab.txt. Returns NULL and fills err on failure. */
tokenizer_vocab *tokenizer_vocab_create(const char *path, char *err, size_t errlen);

void tokenizer_vocab_destroy(tokenizer_vocab *v);

/* Id of the token made of `prefix` ("##" for a continuation, or NULL) followed by
 * s[0..n), or -1 when absent. No allocation. */
int32_t tokenizer_vocab_lookup(const tokenizer_vocab *v, const char *prefix, const char *s,
                               size_t n);

/* Number of lines (ids) in the vocab. */
int tokenizer_vocab_count(const tokenizer_vocab *v);

/* Longest token in bytes: a candidate longer than this cannot match. */
size_t tokenizer_vocab_max_bytes(const tokenizer_vocab *v);

#endif
