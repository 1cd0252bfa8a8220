/* encoder.h -- BERT encoder forward pass (embeddings + transformer layers) on packed token sequences. */
#ifndef QAFLOW_ENCODER_H
#define QAFLOW_ENCODER_H

#include <stddef.h>
#include <stdint.h>

#include "bert_config.h"
#include "safetensors.h"

typedef struct encoder encoder;

/* Binds the weights of st (borrowed: st must outlive the encoder) to the architecture in cfg.
 * Tensor names are accepted with or without the "bert." prefix. Every shape is checked.
 * Returns NULL and fills err on a missing or mis-shaped tensor. */
encoder *encoder_create(const bert_config *cfg, safetensors *st, char *err, size_t errlen);
void encoder_destroy(encoder *e);

/* Runs nseq sequences through the embeddings and the first `layer` transformer layers
 * (bert-score's num_layers: layer 0 is the embeddings output, layer k is hidden_states[k]).
 * Sequences are packed: ids holds sum(lens) token ids, sequence i after sequence i-1, and out
 * receives sum(lens) x hidden_size floats in the same order. Each sequence attends only to its
 * own tokens, which equals a batch padded to its longest member with the attention mask.
 * Work is split across `threads` threads (rows for projections, (sequence, head) pairs for
 * attention). Returns 0, or -1 with err filled (bad ids, a sequence longer than
 * max_position_embeddings, layer out of range, out of memory). */
int encoder_run(const encoder *e, int layer, const int32_t *ids, const int *lens, int nseq,
                int threads, float *out, char *err, size_t errlen);

#endif
