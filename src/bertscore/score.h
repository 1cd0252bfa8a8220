/* score.h -- bert-score's greedy cosine matching with optional idf weights, and the idf table. */
#ifndef QAFLOW_SCORE_H
#define QAFLOW_SCORE_H

#include <stddef.h>
#include <stdint.h>

/* Token weights by id: idf (get_idf_dict) or 1, with [CLS] and [SEP] at 0. */
typedef struct score_weights score_weights;

/* Uniform weights: 1 for every id, 0 for cls_id and sep_id (bert-score without idf). */
score_weights *score_weights_uniform(int vocab_size, int cls_id, int sep_id, char *err, size_t errlen);

/* bert-score's get_idf_dict over nrefs reference id sequences: idf = log((M+1)/(df+1)) where df
 * counts the references containing the id, unseen ids log(M+1), M = nrefs; then cls_id and
 * sep_id are set to 0. Ids outside [0, vocab_size) are an error. */
score_weights *score_weights_idf(int vocab_size, int cls_id, int sep_id,
                                 const int32_t *const *refs, const int *ref_lens, size_t nrefs,
                                 char *err, size_t errlen);
void score_weights_destroy(score_weights *w);
float score_weight(const score_weights *w, int32_t id);

/* Divides each of the n rows of emb (n x dim) by its L2 norm, in place. */
void score_normalize(float *emb, int n, int dim);

/* Greedy matching of one pair, embeddings already L2-normalised (rows x dim):
 * P = sum_i w_c[i] max(0, max_j cos(c_i, r_j)) / sum w_c, R likewise over reference tokens,
 * F = 2PR/(P+R). As bert-score: a side with exactly 2 tokens (only [CLS] [SEP]) gives P = R = 0;
 * a NaN F (0/0) becomes 0. Where bert-score would give a NaN P or R (a side whose weights sum
 * to 0, e.g. every token has idf 0) this gives 0. The max is floored at 0 as bert-score's
 * masked max is for every padded sequence of its batch (all but the longest); bert-score can
 * return a negative best match only for the longest sequence of a batch.
 * sim is scratch of lc x lr floats. */
void score_pair(const float *cand, const int32_t *cand_ids, int lc,
                const float *ref, const int32_t *ref_ids, int lr, int dim,
                const score_weights *w, float *sim, float *P, float *R, float *F);

#endif
