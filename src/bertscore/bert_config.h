/* bert_config.h -- the BERT hyper-parameters read from a Hugging Face config.json. */
#ifndef QAFLOW_BERT_CONFIG_H
#define QAFLOW_BERT_CONFIG_H

#include <stddef.h>

typedef struct bert_config {
    int vocab_size;
    int hidden_size;
    int num_hidden_layers;
    int num_attention_heads;
    int intermediate_size;
    int max_position_embeddings;
    int type_vocab_size;
    double layer_norm_eps;
} bert_config;

/* Parses config.json text (len bytes). Checks model_type/hidden_act (gelu only), that every
 * size is positive and that hidden_size is a multiple of num_attention_heads.
 * Returns 0, or -1 with err filled. */
int bert_config_parse(const char *text, size_t len, bert_config *cfg, char *err, size_t errlen);

/* Reads and parses a config.json file. */
int bert_config_load(const char *path, bert_config *cfg, char *err, size_t errlen);

#endif
