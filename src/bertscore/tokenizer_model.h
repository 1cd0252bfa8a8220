/* tokenizer_model.h -- creates the tokenizer of a Hugging Face model directory (vocab.txt + tokenizer_config.json). */
#ifndef QAFLOW_TOKENIZER_MODEL_H
#define QAFLOW_TOKENIZER_MODEL_H

#include <stddef.h>

#include "tokenizer.h"

/* The tokenizer_config.json settings qaflow honours. */
typedef struct {
    int do_lower_case;         /* absent: 1, BertTokenizer's default */
    long long model_max_length; /* absent or absurd (HF writes 1e30 when unset): -1 */
} tokenizer_model_config;

/* Reads dir/tokenizer_config.json (a missing file gives the defaults). Fails on settings this
 * tokenizer does not implement: tokenize_chinese_chars=false, do_basic_tokenize=false,
 * strip_accents differing from do_lower_case, or a tokenizer_class other than BertTokenizer /
 * BertTokenizerFast. Returns 0, or -1 with err filled. */
int tokenizer_model_config_read(const char *dir, tokenizer_model_config *cfg, char *err,
                                size_t errlen);

/* tokenizer_model_config_read + tokenizer_create(dir/vocab.txt, do_lower_case). cfg may be
 * NULL. Returns NULL with err filled on failure. */
tokenizer *tokenizer_create_for_model(const char *dir, tokenizer_model_config *cfg, char *err,
                                      size_t errlen);

#endif
