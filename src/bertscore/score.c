/* score.c -- BERTScore greedy matching (bert-score's greedy_cos_idf) and idf weights (get_idf_dict). */
#include "score.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct score_weights {
    int vocab_size;
    float *w;
};

static score_weights *sw_alloc(int vocab_size, char *err, size_t errlen)
{
    if (vocab_size <= 0) {
        snprintf(err, errlen, "score: vocabulary size %d", vocab_size);
        return NULL;
    }
    score_weights *w = calloc(1, sizeof *w);
    if (w)
        w->w = malloc((size_t)vocab_size * sizeof(float));
    if (!w || !w->w) {
        free(w);
        snprintf(err, errlen, "score: out of memory");
        return NULL;
    }
    w->vocab_size = vocab_size;
    return w;
}

static void sw_zero_specials(score_weights *w, int cls_id, int sep_id)
{
    if (cls_id >= 0 && cls_id < w->vocab_size)
        w->w[cls_id] = 0.0f;
    if (sep_id >= 0 && sep_id < w->vocab_size)
        w->w[sep_id] = 0.0f;
}

score_weights *score_weights_uniform(int vocab_size, int cls_id, int sep_id, char *err, size_t errlen)
{
    score_weights *w = sw_alloc(vocab_size, err, errlen);
    if (!w)
        return NULL;
    for (int i = 0; i < vocab_size; i++)
        w->w[i] = 1.0f;
    sw_zero_specials(w, cls_id, sep_id);
    return w;
}

score_weights *score_weights_idf(int vocab_size, int cls_id, int sep_id,
                                 const int32_t *const *refs, const int *ref_lens, size_t nrefs,
                                 char *err, size_t errlen)
{
    score_weights *w = sw_alloc(vocab_size, err, errlen);
    if (!w)
        return NULL;
    /* df counts; last_doc marks the last reference an id was counted for (set semantics) */
    unsigned *df = calloc((size_t)vocab_size, sizeof *df);
    size_t *last_doc = malloc((size_t)vocab_size * sizeof *last_doc);
    if (!df || !last_doc) {
        free(df);
        free(last_doc);
        score_weights_destroy(w);
        snprintf(err, errlen, "score: out of memory");
        return NULL;
    }
    for (int i = 0; i < vocab_size; i++)
        last_doc[i] = (size_t)-1;
    for (size_t d = 0; d < nrefs; d++)
        for (int k = 0; k < ref_lens[d]; k++) {
            int32_t id = refs[d][k];
            if (id < 0 || id >= vocab_size) {
                snprintf(err, errlen, "score: token id %d out of vocabulary", id);
                free(df);
                free(last_doc);
                score_weights_destroy(w);
                return NULL;
            }
            if (last_doc[id] != d) {
                last_doc[id] = d;
                df[id]++;
            }
        }
    double M = (double)nrefs;
    for (int i = 0; i < vocab_size; i++)
        w->w[i] = (float)log((M + 1.0) / ((double)df[i] + 1.0));
    free(df);
    free(last_doc);
    sw_zero_specials(w, cls_id, sep_id);
    return w;
}

void score_weights_destroy(score_weights *w)
{
    if (!w)
        return;
    free(w->w);
    free(w);
}

float score_weight(const score_weights *w, int32_t id)
{
    return id >= 0 && id < w->vocab_size ? w->w[id] : 0.0f;
}

void score_normalize(float *emb, int n, int dim)
{
    for (int i = 0; i < n; i++) {
        float *row = emb + (size_t)i * dim;
        double s = 0;
        for (int k = 0; k < dim; k++)
            s += (double)row[k] * row[k];
        float norm = (float)sqrt(s);
        for (int k = 0; k < dim; k++)
            row[k] /= norm;
    }
}

/* Weighted mean of the per-row maxima; returns NAN when the weights sum to 0. */
static double sc_greedy(const float *sim, int rows, int cols, int row_stride, int col_stride,
                        const int32_t *ids, const score_weights *w)
{
    double wsum = 0, acc = 0;
    for (int i = 0; i < rows; i++)
        wsum += score_weight(w, ids[i]);
    if (wsum == 0)
        return NAN;
    for (int i = 0; i < rows; i++) {
        float wi = score_weight(w, ids[i]);
        if (wi == 0)
            continue;
        const float *p = sim + (size_t)i * row_stride;
        /* bert-score multiplies the similarity matrix by the padding mask before taking the
         * max, so in a padded batch a token's best match is never below 0. Starting at 0
         * reproduces that for every sequence and keeps scores independent of batching. */
        float mx = 0.0f;
        for (int j = 0; j < cols; j++, p += col_stride)
            if (*p > mx)
                mx = *p;
        acc += (double)(wi / (float)wsum) * mx;
    }
    return acc;
}

void score_pair(const float *cand, const int32_t *cand_ids, int lc,
                const float *ref, const int32_t *ref_ids, int lr, int dim,
                const score_weights *w, float *sim, float *P, float *R, float *F)
{
    double p = NAN, r = NAN;
    if (lc > 0 && lr > 0) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, lc, lr, dim, 1.0f, cand, dim, ref, dim,
                    0.0f, sim, lr);
        p = sc_greedy(sim, lc, lr, lr, 1, cand_ids, w);
        r = sc_greedy(sim, lr, lc, 1, lr, ref_ids, w);
    }
    double f = 2 * p * r / (p + r);
    if (lc == 2 || lr == 2)
        p = r = 0;
    if (isnan(p))
        p = 0;
    if (isnan(r))
        r = 0;
    if (isnan(f))
        f = 0;
    *P = (float)p;
    *R = (float)r;
    *F = (float)f;
}
