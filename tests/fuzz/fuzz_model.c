/* fuzz_model.c -- fuzz targets for the model-file parsers: safetensors (from memory) and config.json. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bert_config.h"
#include "fuzz_targets.h"
#include "safetensors.h"

/* Tensor names tried on every parsed file: BERT's, and the short ones the seed corpus uses. */
static const char *const fuzz_tensor_names[] = {
    "a", "b", "c", "x", "w", "f16", "bf16", "i64",
    "embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
    "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm.weight",
    "embeddings.LayerNorm.bias", "encoder.layer.0.attention.self.query.weight",
    "embeddings.position_ids"};

int fuzz_safetensors_init(void)
{
    return 0;
}

int fuzz_safetensors_one(const uint8_t *data, size_t size)
{
    char err[256] = "";
    /* An exact-size copy: reads past the end hit ASan's redzone. */
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        abort();
    if (size)
        memcpy(buf, data, size);
    safetensors *st = safetensors_open_mem(buf, size, err, sizeof(err));
    if (!st) {
        if (!err[0]) {
            fprintf(stderr, "fuzz_safetensors: failure without a message\n");
            abort();
        }
        free(buf);
        return 0;
    }
    volatile float sink = 0;
    for (size_t i = 0; i < sizeof(fuzz_tensor_names) / sizeof(fuzz_tensor_names[0]); i++) {
        safetensors_tensor t;
        if (safetensors_get(st, fuzz_tensor_names[i], &t, err, sizeof(err)) < 0)
            continue;
        size_t numel = 1;
        for (int d = 0; d < t.ndim; d++)
            numel *= (size_t)t.shape[d];
        if (t.ndim < 0 || t.ndim > SAFETENSORS_MAX_DIMS || numel != t.numel) {
            fprintf(stderr, "fuzz_safetensors: %s: shape does not match numel\n",
                    fuzz_tensor_names[i]);
            abort();
        }
        for (size_t k = 0; k < t.numel; k++) /* touch every element */
            sink += t.data[k];
    }
    (void)sink;
    (void)safetensors_count(st);
    safetensors_close(st);
    free(buf);
    return 0;
}

int fuzz_bert_config_init(void)
{
    return 0;
}

int fuzz_bert_config_one(const uint8_t *data, size_t size)
{
    char err[256] = "";
    char *buf = malloc(size ? size : 1);
    if (!buf)
        abort();
    if (size)
        memcpy(buf, data, size);
    bert_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    if (bert_config_parse(buf, size, &cfg, err, sizeof(err)) < 0) {
        if (!err[0])
            abort();
    } else if (cfg.hidden_size <= 0 || cfg.num_attention_heads <= 0 ||
               cfg.hidden_size % cfg.num_attention_heads != 0 || cfg.num_hidden_layers <= 0 ||
               cfg.vocab_size <= 0 || cfg.intermediate_size <= 0 ||
               cfg.max_position_embeddings <= 0) {
        fprintf(stderr, "fuzz_bert_config: accepted an unusable config\n");
        abort();
    }
    free(buf);
    return 0;
}

#ifdef QAFLOW_FUZZ_SAFETENSORS
FUZZ_LIBFUZZER_MAIN(fuzz_safetensors_init, fuzz_safetensors_one)
#endif
#ifdef QAFLOW_FUZZ_BERT_CONFIG
FUZZ_LIBFUZZER_MAIN(fuzz_bert_config_init, fuzz_bert_config_one)
#endif
