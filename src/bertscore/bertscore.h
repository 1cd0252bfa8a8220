/* bertscore.h -- public API of qaflow_bertscore: load a BERT model, score (candidate, reference) pairs. */
#ifndef QAFLOW_BERTSCORE_H
#define QAFLOW_BERTSCORE_H

#include <stddef.h>
#include <stdint.h>

#include "baseline.h"
#include "refcache.h"

typedef struct bertscore_model bertscore_model;

typedef struct bertscore_opts {
    int layer;        /* bert-score's num_layers: 0 = embeddings .. num_hidden_layers */
    int idf;          /* 1: idf weights computed over the references of the call */
    const bertscore_baseline *baseline;  /* NULL: no rescaled values */
    int batch_size;   /* sequences encoded together (bert-score's batch_size); >= 1 */
    int threads;      /* encoder threads; >= 1 */
    bertscore_refcache *ref_cache;  /* NULL: none. bertscore_score looks every reference text up
                                     * and stores those it encodes; bertscore_score_ids ignores it.
                                     * Scores are bit-identical with and without it. Borrowed. */
} bertscore_opts;

typedef struct bertscore_result {
    float p, r, f;
    float p_rescaled, r_rescaled, f_rescaled;   /* only when opts.baseline was given */
} bertscore_result;

/* Loads dir/config.json, dir/model.safetensors, dir/vocab.txt and (optional)
 * dir/tokenizer_config.json (do_lower_case, model_max_length). NULL + err on failure. */
bertscore_model *bertscore_model_load(const char *dir, char *err, size_t errlen);
void bertscore_model_free(bertscore_model *m);

int bertscore_model_layers(const bertscore_model *m);     /* num_hidden_layers */
int bertscore_model_hidden(const bertscore_model *m);     /* hidden_size */
int bertscore_model_max_len(const bertscore_model *m);    /* tokens per text, [CLS]/[SEP] included */
const char *bertscore_model_name(const bertscore_model *m); /* the model directory's last part */
int bertscore_model_vocab_size(const bertscore_model *m);
int bertscore_model_cls_id(const bertscore_model *m);
int bertscore_model_sep_id(const bertscore_model *m);
/* Default options: layer = the model's last layer (callers pass the calibrated one), no idf,
 * no baseline, batch_size 64, threads 1, no reference cache. */
void bertscore_opts_default(const bertscore_model *m, bertscore_opts *o);

/* Tokenizes text like bert-score's sent_encode ([CLS] ... [SEP], truncated to max_len).
 * ids must hold bertscore_model_max_len() entries. Returns the count or -1. */
int bertscore_tokenize(const bertscore_model *m, const char *text, size_t len, int32_t *ids,
                       char *err, size_t errlen);

/* Scores n pairs of NUL-terminated texts into out[n]. Identical texts are encoded once; with
 * o->ref_cache, a reference found there is neither tokenized nor encoded (one lookup per
 * distinct reference text of the call). Returns 0, or -1 with err filled. */
int bertscore_score(const bertscore_model *m, const char *const *cands, const char *const *refs,
                    size_t n, const bertscore_opts *o, bertscore_result *out, char *err, size_t errlen);

/* Same from token ids (each sequence with its [CLS]/[SEP], already truncated). */
int bertscore_score_ids(const bertscore_model *m, const int32_t *const *cand_ids, const int *cand_lens,
                        const int32_t *const *ref_ids, const int *ref_lens, size_t n,
                        const bertscore_opts *o, bertscore_result *out, char *err, size_t errlen);

/* Hidden states of one id sequence at layer (len x hidden floats into out), for tests. */
int bertscore_hidden(const bertscore_model *m, const int32_t *ids, int len, int layer, int threads,
                     float *out, char *err, size_t errlen);

#endif
