/* encoder.c -- BERT forward pass: embeddings, self-attention with per-sequence masking, GELU FFN, post-LayerNorm. */
#include "encoder.h"

#include "gemm.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Batches up to this many tokens split projections by output columns, larger ones by rows
 * (measured: with one pair of ~75-token texts, a row split made 2 threads slower than 1). */
#define ENC_COLSPLIT_MAX_TOKENS 1024
/* Whole sequences per thread when the largest thread's share of tokens is at most this
 * multiple of the mean. */
#define ENC_SEQSPLIT_IMBALANCE 1.25

/* Element-wise loops get an AVX2+FMA clone next to the portable one, picked at load time
 * (the default build targets baseline x86-64, i.e. SSE2). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define ENC_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define ENC_SIMD_CLONES
#endif

typedef struct enc_layer {
    float *qkv_w;        /* owned: query, key and value weights stacked, [3H x H] */
    float *qkv_b;        /* owned: [3H] */
    const float *ao_w, *ao_b, *ln1_w, *ln1_b;
    const float *i_w, *i_b, *o_w, *o_b, *ln2_w, *ln2_b;
    gemm_weights qkv, ao, in, out;   /* the four projections, packed for gemm_linear */
} enc_layer;

struct encoder {
    bert_config cfg;
    const float *word, *pos, *type, *emb_ln_w, *emb_ln_b;
    enc_layer *layers;
};

/* Looks up prefix+name and checks its shape (d1 == 0 means a 1-D tensor). */
static const float *enc_tensor(safetensors *st, const char *prefix, const char *name,
                               int64_t d0, int64_t d1, char *err, size_t errlen)
{
    char full[256];
    snprintf(full, sizeof full, "%s%s", prefix, name);
    safetensors_tensor t;
    if (safetensors_get(st, full, &t, err, errlen) != 0)
        return NULL;
    int ok = d1 == 0 ? (t.ndim == 1 && t.shape[0] == d0)
                     : (t.ndim == 2 && t.shape[0] == d0 && t.shape[1] == d1);
    if (!ok) {
        snprintf(err, errlen, "model: tensor '%s' has shape [%lld%s%lld], expected [%lld%s%lld]",
                 full, (long long)t.shape[0], t.ndim > 1 ? "," : "",
                 t.ndim > 1 ? (long long)t.shape[1] : 0LL, (long long)d0, d1 ? "," : "",
                 (long long)d1);
        return NULL;
    }
    return t.data;
}

void encoder_destroy(encoder *e)
{
    if (!e)
        return;
    if (e->layers) {
        for (int l = 0; l < e->cfg.num_hidden_layers; l++) {
            enc_layer *L = &e->layers[l];
            gemm_weights_free(&L->qkv);
            gemm_weights_free(&L->ao);
            gemm_weights_free(&L->in);
            gemm_weights_free(&L->out);
            free(L->qkv_w);
            free(L->qkv_b);
        }
        free(e->layers);
    }
    free(e);
}

encoder *encoder_create(const bert_config *cfg, safetensors *st, char *err, size_t errlen)
{
    encoder *e = calloc(1, sizeof *e);
    if (!e) {
        snprintf(err, errlen, "encoder: out of memory");
        return NULL;
    }
    e->cfg = *cfg;
    /* Threads are ours (encoder_run splits rows and heads): OpenBLAS's own pool would only
     * contend with them on small matrices. Process-wide, which is what our binaries want. */
    openblas_set_num_threads(1);
    const int64_t H = cfg->hidden_size, NI = cfg->intermediate_size;
    const char *px = safetensors_has(st, "bert.embeddings.word_embeddings.weight") ? "bert." : "";
    if (!(e->word = enc_tensor(st, px, "embeddings.word_embeddings.weight", cfg->vocab_size, H, err, errlen)) ||
        !(e->pos = enc_tensor(st, px, "embeddings.position_embeddings.weight", cfg->max_position_embeddings, H, err, errlen)) ||
        !(e->type = enc_tensor(st, px, "embeddings.token_type_embeddings.weight", cfg->type_vocab_size, H, err, errlen)) ||
        !(e->emb_ln_w = enc_tensor(st, px, "embeddings.LayerNorm.weight", H, 0, err, errlen)) ||
        !(e->emb_ln_b = enc_tensor(st, px, "embeddings.LayerNorm.bias", H, 0, err, errlen)))
        goto fail;
    e->layers = calloc((size_t)cfg->num_hidden_layers, sizeof *e->layers);
    if (!e->layers) {
        snprintf(err, errlen, "encoder: out of memory");
        goto fail;
    }
    for (int l = 0; l < cfg->num_hidden_layers; l++) {
        enc_layer *L = &e->layers[l];
        char p[64];
        snprintf(p, sizeof p, "%sencoder.layer.%d.", px, l);
        static const char *qkv[3] = {"attention.self.query.", "attention.self.key.",
                                     "attention.self.value."};
        L->qkv_w = malloc((size_t)(3 * H * H) * sizeof(float));
        L->qkv_b = malloc((size_t)(3 * H) * sizeof(float));
        if (!L->qkv_w || !L->qkv_b) {
            snprintf(err, errlen, "encoder: out of memory");
            goto fail;
        }
        for (int k = 0; k < 3; k++) {
            char n[96];
            snprintf(n, sizeof n, "%sweight", qkv[k]);
            const float *w = enc_tensor(st, p, n, H, H, err, errlen);
            snprintf(n, sizeof n, "%sbias", qkv[k]);
            const float *b = w ? enc_tensor(st, p, n, H, 0, err, errlen) : NULL;
            if (!b)
                goto fail;
            memcpy(L->qkv_w + (size_t)(k * H * H), w, (size_t)(H * H) * sizeof(float));
            memcpy(L->qkv_b + (size_t)(k * H), b, (size_t)H * sizeof(float));
        }
        if (!(L->ao_w = enc_tensor(st, p, "attention.output.dense.weight", H, H, err, errlen)) ||
            !(L->ao_b = enc_tensor(st, p, "attention.output.dense.bias", H, 0, err, errlen)) ||
            !(L->ln1_w = enc_tensor(st, p, "attention.output.LayerNorm.weight", H, 0, err, errlen)) ||
            !(L->ln1_b = enc_tensor(st, p, "attention.output.LayerNorm.bias", H, 0, err, errlen)) ||
            !(L->i_w = enc_tensor(st, p, "intermediate.dense.weight", NI, H, err, errlen)) ||
            !(L->i_b = enc_tensor(st, p, "intermediate.dense.bias", NI, 0, err, errlen)) ||
            !(L->o_w = enc_tensor(st, p, "output.dense.weight", H, NI, err, errlen)) ||
            !(L->o_b = enc_tensor(st, p, "output.dense.bias", H, 0, err, errlen)) ||
            !(L->ln2_w = enc_tensor(st, p, "output.LayerNorm.weight", H, 0, err, errlen)) ||
            !(L->ln2_b = enc_tensor(st, p, "output.LayerNorm.bias", H, 0, err, errlen)))
            goto fail;
        if (gemm_weights_init(&L->qkv, L->qkv_w, (int)(3 * H), (int)H) != 0 ||
            gemm_weights_init(&L->ao, L->ao_w, (int)H, (int)H) != 0 ||
            gemm_weights_init(&L->in, L->i_w, (int)NI, (int)H) != 0 ||
            gemm_weights_init(&L->out, L->o_w, (int)H, (int)NI) != 0) {
            snprintf(err, errlen, "encoder: out of memory packing layer %d", l);
            goto fail;
        }
        if (L->qkv.data) {   /* packed: the stacked copy is not read again */
            free(L->qkv_w);
            L->qkv_w = NULL;
            L->qkv.w = NULL;
        }
    }
    return e;
fail:
    encoder_destroy(e);
    return NULL;
}

/* ---- the forward pass ---- */

typedef struct enc_run {
    const encoder *e;
    int layer, nseq, nthreads, T, maxlen;
    const int32_t *ids;
    const int *lens;
    int *offs;               /* start row of each sequence */
    float *x;                /* T x H hidden states (the caller's out) */
    float *qkv;              /* T x 3H */
    float *ctx;              /* T x H */
    float *tmp;              /* T x H */
    float *inter;            /* T x NI */
    float *scores;           /* nthreads x scratch: attention probabilities, transposed keys */
    size_t scratch, pk_off;  /* floats per thread (a multiple of 16); where the packed K/V start */
    atomic_int *next_task;   /* one attention task counter per layer */
    pthread_barrier_t barrier;
    pthread_mutex_t gate_mu;
    pthread_cond_t gate_cv;
    int gate;                /* 0 wait, 1 go, 2 leave (thread creation failed) */
    int colsplit;            /* 1: split projections by output columns (few tokens) */
    int seqsplit;            /* 1: whole sequences per thread, no barriers (balanced batches) */
    int seq_bound[65];       /* seqsplit: thread i runs sequences seq_bound[i] .. seq_bound[i+1]-1 */
} enc_run;

typedef struct enc_worker {
    enc_run *run;
    int id;
} enc_worker;

static void enc_layernorm(float *x, int n, const float *w, const float *b, double eps)
{
    double mean = 0, var = 0;
    for (int i = 0; i < n; i++)
        mean += x[i];
    mean /= n;
    for (int i = 0; i < n; i++) {
        double d = x[i] - mean;
        var += d * d;
    }
    var /= n;
    float inv = (float)(1.0 / sqrt(var + eps)), m = (float)mean;
    for (int i = 0; i < n; i++)
        x[i] = (x[i] - m) * inv * w[i] + b[i];
}

/* erf for float GELU: x P(x^2) / Q(x^2) on [-4, 4] (erf is +-1 in float beyond), the
 * rational form used by XLA and Eigen. Max abs error 4.2e-7 against erf (GELU's 1.6e-6 at
 * |x| ~ 5), measured on a 1e-5 grid over [-10, 10]; no libm call, so the loop vectorises.
 * glibc's erff was 12-14% of a scoring run (perf, docs/bertscore.md). */
static inline float enc_erf(float x)
{
    x = x < 4.0f ? x : 4.0f;     /* min/max patterns: branch-free, vectorisable */
    x = x > -4.0f ? x : -4.0f;
    const float x2 = x * x;
    float p = -2.72614225801306e-10f;
    p = p * x2 + 2.77068142495902e-08f;
    p = p * x2 - 2.10102402082508e-06f;
    p = p * x2 - 5.69250639462346e-05f;
    p = p * x2 - 7.34990630326855e-04f;
    p = p * x2 - 2.95459980854025e-03f;
    p = p * x2 - 1.60960333262415e-02f;
    float q = -1.45660718464996e-05f;
    q = q * x2 - 2.13374055278905e-04f;
    q = q * x2 - 1.68282697438203e-03f;
    q = q * x2 - 7.37332916720468e-03f;
    q = q * x2 - 1.42647390514189e-02f;
    return x * p / q;
}

/* Y[rows x N] = X[rows x K] . W^T + b (+ R, rows x N, when not NULL) */
static void enc_linear(const float *X, int rows, const gemm_weights *W, const float *b, float *Y,
                       const float *R)
{
    gemm_linear(X, rows, W->k, W, b, 0, W->n, Y, W->n, R, W->n);
}

ENC_SIMD_CLONES
static void enc_gelu(float *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const float x = v[i];
        v[i] = 0.5f * x * (1.0f + enc_erf(x * (float)M_SQRT1_2));
    }
}

/* rows [r0, r1): a = LayerNorm(a) (the residual was added by gemm_linear) */
static void enc_norm_rows(float *a, int r0, int r1, int H, const float *w, const float *b, double eps)
{
    for (int t = r0; t < r1; t++)
        enc_layernorm(a + (size_t)t * H, H, w, b, eps);
}

static void enc_embed_rows(enc_run *r, int r0, int r1)
{
    const encoder *e = r->e;
    const int H = e->cfg.hidden_size;
    int s = 0;
    while (s + 1 < r->nseq && r->offs[s + 1] <= r0)
        s++;
    for (int t = r0; t < r1; t++) {
        while (s + 1 < r->nseq && r->offs[s + 1] <= t)
            s++;
        int p = t - r->offs[s];
        const float *w = e->word + (size_t)r->ids[t] * H, *pe = e->pos + (size_t)p * H;
        float *x = r->x + (size_t)t * H;
        for (int i = 0; i < H; i++)
            x[i] = w[i] + pe[i] + e->type[i];
        enc_layernorm(x, H, e->emb_ln_w, e->emb_ln_b, e->cfg.layer_norm_eps);
    }
}

/* Head h of sequence s: ctx = softmax(Q K^T / sqrt(dh)) V. S is maxlen x maxlen scratch, pk
 * (32-byte aligned) room for K or V packed for gemm_run_packed. Sequences are short and
 * dh is 32, too small for OpenBLAS to pay off (its packing and small-matrix paths were ~5%
 * of a single-pair run), so with AVX2 both products go through the packed kernel. */
ENC_SIMD_CLONES
static void enc_attention_head(enc_run *r, int s, int h, float *S, float *pk)
{
    const bert_config *c = &r->e->cfg;
    const int H = c->hidden_size, nh = c->num_attention_heads, dh = H / nh, H3 = 3 * H;
    const float scale = 1.0f / sqrtf((float)dh);
    const int L = r->lens[s], o = r->offs[s];
    const float *Q = r->qkv + (size_t)o * H3 + h * dh, *K = Q + H, *V = Q + 2 * H;
    float *ctx = r->ctx + (size_t)o * H + h * dh;
    const int packed = gemm_simd_active();
    if (packed) {
        gemm_pack_strided(pk, K, L, dh, (size_t)H3, 1);
        gemm_run_packed(Q, L, H3, pk, L, dh, S, L);
    } else {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, L, L, dh, 1.0f, Q, H3, K, H3, 0.0f, S, L);
    }
    for (int i = 0; i < L; i++) {
        float *row = S + (size_t)i * L, mx = -INFINITY, sum = 0;
        for (int j = 0; j < L; j++) {
            row[j] *= scale;
            if (row[j] > mx)
                mx = row[j];
        }
        for (int j = 0; j < L; j++) {
            row[j] = expf(row[j] - mx);
            sum += row[j];
        }
        float inv = 1.0f / sum;
        for (int j = 0; j < L; j++)
            row[j] *= inv;
    }
    if (packed) {
        gemm_pack_strided(pk, V, dh, L, 1, (size_t)H3);
        gemm_run_packed(S, L, L, pk, dh, L, ctx, H);
    } else {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, L, dh, L, 1.0f, S, L, V, H3, 0.0f, ctx, H);
    }
}

/* (sequence, head) tasks shared by all threads through the layer's counter */
static void enc_attention(enc_run *r, int l, float *S)
{
    const int nh = r->e->cfg.num_attention_heads, ntasks = r->nseq * nh;
    for (;;) {
        int task = atomic_fetch_add(&r->next_task[l], 1);
        if (task >= ntasks)
            break;
        enc_attention_head(r, task / nh, task % nh, S, S + r->pk_off);
    }
}

/* Row split (large batches): this thread's rows through the attention output, the FFN and
 * both LayerNorms; every step reads only these rows. */
static void enc_ffn_rows(enc_run *r, int l, int r0, int r1)
{
    const bert_config *c = &r->e->cfg;
    const enc_layer *L = &r->e->layers[l];
    const int H = c->hidden_size, NI = c->intermediate_size, n = r1 - r0;
    if (n <= 0)
        return;
    float *x = r->x + (size_t)r0 * H, *tmp = r->tmp + (size_t)r0 * H,
          *inter = r->inter + (size_t)r0 * NI;
    enc_linear(r->ctx + (size_t)r0 * H, n, &L->ao, L->ao_b, tmp, x);
    enc_norm_rows(tmp, 0, n, H, L->ln1_w, L->ln1_b, c->layer_norm_eps);
    enc_linear(tmp, n, &L->in, L->i_b, inter, NULL);
    enc_gelu(inter, (size_t)n * NI);
    enc_linear(inter, n, &L->out, L->o_b, x, tmp);
    enc_norm_rows(x, 0, n, H, L->ln2_w, L->ln2_b, c->layer_norm_eps);
}

static void enc_range(int n, int part, int parts, int *a, int *b)
{
    *a = (int)((long long)n * part / parts);
    *b = (int)((long long)n * (part + 1) / parts);
}

/* Column split (few tokens, e.g. one pair): each thread computes its share of every
 * projection's output columns, so each packs only its share of the weights (with a row
 * split, every thread would pack all of them); LayerNorms are split by rows. */
static void enc_layer_cols(enc_run *r, int l, int id, float *S)
{
    const bert_config *c = &r->e->cfg;
    const enc_layer *L = &r->e->layers[l];
    const int H = c->hidden_size, NI = c->intermediate_size, T = r->T, nt = r->nthreads;
    int q0, q1, h0, h1, i0, i1, r0, r1;
    gemm_split(&L->qkv, id, nt, &q0, &q1);
    gemm_split(&L->ao, id, nt, &h0, &h1);
    gemm_split(&L->in, id, nt, &i0, &i1);
    enc_range(T, id, nt, &r0, &r1);
    gemm_linear(r->x, T, H, &L->qkv, L->qkv_b, q0, q1, r->qkv, 3 * H, NULL, 0);
    pthread_barrier_wait(&r->barrier);
    enc_attention(r, l, S);
    pthread_barrier_wait(&r->barrier);
    /* tmp = ctx . Wao + b + x (x is read-only until the FFN output below) */
    gemm_linear(r->ctx, T, H, &L->ao, L->ao_b, h0, h1, r->tmp, H, r->x, H);
    pthread_barrier_wait(&r->barrier);
    enc_norm_rows(r->tmp, r0, r1, H, L->ln1_w, L->ln1_b, c->layer_norm_eps);
    pthread_barrier_wait(&r->barrier);
    gemm_linear(r->tmp, T, H, &L->in, L->i_b, i0, i1, r->inter, NI, NULL, 0);
    for (int t = 0; t < T; t++)
        enc_gelu(r->inter + (size_t)t * NI + i0, (size_t)(i1 - i0));
    pthread_barrier_wait(&r->barrier);
    gemm_linear(r->inter, T, NI, &L->out, L->o_b, h0, h1, r->x, H, r->tmp, H);
    pthread_barrier_wait(&r->barrier);
    enc_norm_rows(r->x, r0, r1, H, L->ln2_w, L->ln2_b, c->layer_norm_eps);
    pthread_barrier_wait(&r->barrier);
}

static void *enc_worker_main(void *arg)
{
    enc_worker *w = arg;
    enc_run *r = w->run;
    if (w->id > 0) {
        pthread_mutex_lock(&r->gate_mu);
        while (r->gate == 0)
            pthread_cond_wait(&r->gate_cv, &r->gate_mu);
        int leave = r->gate == 2;
        pthread_mutex_unlock(&r->gate_mu);
        if (leave)
            return NULL;
    }
    const int H = r->e->cfg.hidden_size;
    int r0 = (int)((long long)r->T * w->id / r->nthreads);
    int r1 = (int)((long long)r->T * (w->id + 1) / r->nthreads);
    float *S = r->scores + (size_t)w->id * r->scratch;
    if (r->seqsplit) {
        /* this thread's sequences through every layer: nothing is shared, no barrier */
        const int s0 = r->seq_bound[w->id], s1 = r->seq_bound[w->id + 1];
        r0 = r->offs[s0];
        r1 = s1 < r->nseq ? r->offs[s1] : r->T;
        enc_embed_rows(r, r0, r1);
        for (int l = 0; l < r->layer; l++) {
            const enc_layer *L = &r->e->layers[l];
            enc_linear(r->x + (size_t)r0 * H, r1 - r0, &L->qkv, L->qkv_b, r->qkv + (size_t)r0 * 3 * H,
                       NULL);
            for (int s = s0; s < s1; s++)
                for (int h = 0; h < r->e->cfg.num_attention_heads; h++)
                    enc_attention_head(r, s, h, S, S + r->pk_off);
            enc_ffn_rows(r, l, r0, r1);
        }
        return NULL;
    }
    enc_embed_rows(r, r0, r1);
    if (r->colsplit) {
        pthread_barrier_wait(&r->barrier);
        for (int l = 0; l < r->layer; l++)
            enc_layer_cols(r, l, w->id, S);
        return NULL;
    }
    for (int l = 0; l < r->layer; l++) {
        const enc_layer *L = &r->e->layers[l];
        if (r1 > r0)
            enc_linear(r->x + (size_t)r0 * H, r1 - r0, &L->qkv, L->qkv_b, r->qkv + (size_t)r0 * 3 * H,
                       NULL);
        pthread_barrier_wait(&r->barrier);
        enc_attention(r, l, S);
        pthread_barrier_wait(&r->barrier);
        enc_ffn_rows(r, l, r0, r1);
        /* the next layer's QKV only reads this thread's own rows; attention waits above */
    }
    return NULL;
}

/* Splits the sequences into nthreads contiguous groups of about T/nthreads tokens each
 * (r->seq_bound). Returns 1 when the largest group is within ENC_SEQSPLIT_IMBALANCE of the
 * mean, i.e. when running whole sequences per thread wastes less than the column split's
 * barriers (measured on one pair of texts: see docs/bertscore.md). */
static int enc_seq_partition(enc_run *r)
{
    const int nt = r->nthreads, n = r->nseq;
    if (n < nt)
        return 0;
#define ENC_OFF(i) ((i) < n ? (long long)r->offs[(i)] : (long long)r->T)
    r->seq_bound[0] = 0;
    long long biggest = 0;
    for (int t = 1; t <= nt; t++) {
        int b = n;
        if (t < nt) {
            const long long target = (long long)r->T * t / nt;
            b = r->seq_bound[t - 1] + 1;
            while (b + 1 <= n - (nt - t) && llabs(ENC_OFF(b + 1) - target) <= llabs(ENC_OFF(b) - target))
                b++;
        }
        r->seq_bound[t] = b;
        long long g = ENC_OFF(b) - ENC_OFF(r->seq_bound[t - 1]);
        if (g > biggest)
            biggest = g;
    }
#undef ENC_OFF
    return (double)biggest * nt <= ENC_SEQSPLIT_IMBALANCE * r->T;
}

int encoder_run(const encoder *e, int layer, const int32_t *ids, const int *lens, int nseq,
                int threads, float *out, char *err, size_t errlen)
{
    const bert_config *c = &e->cfg;
    if (layer < 0 || layer > c->num_hidden_layers) {
        snprintf(err, errlen, "encoder: layer %d out of range 0..%d", layer, c->num_hidden_layers);
        return -1;
    }
    if (nseq <= 0)
        return 0;
    enc_run r;
    memset(&r, 0, sizeof r);
    r.e = e;
    r.layer = layer;
    r.nseq = nseq;
    r.ids = ids;
    r.lens = lens;
    r.x = out;
    r.offs = malloc((size_t)nseq * sizeof(int));
    if (!r.offs) {
        snprintf(err, errlen, "encoder: out of memory");
        return -1;
    }
    long long T = 0;
    for (int s = 0; s < nseq; s++) {
        if (lens[s] <= 0 || lens[s] > c->max_position_embeddings) {
            snprintf(err, errlen, "encoder: sequence %d has %d tokens (allowed 1..%d)", s, lens[s],
                     c->max_position_embeddings);
            free(r.offs);
            return -1;
        }
        r.offs[s] = (int)T;
        T += lens[s];
        if (lens[s] > r.maxlen)
            r.maxlen = lens[s];
        if (T > (1 << 24)) {
            snprintf(err, errlen, "encoder: batch too large (%lld tokens)", T);
            free(r.offs);
            return -1;
        }
    }
    for (long long t = 0; t < T; t++)
        if (ids[t] < 0 || ids[t] >= c->vocab_size) {
            snprintf(err, errlen, "encoder: token id %d out of vocabulary (size %d)", ids[t], c->vocab_size);
            free(r.offs);
            return -1;
        }
    r.T = (int)T;
    r.nthreads = threads < 1 ? 1 : threads > 64 ? 64 : threads;
    if (r.nthreads > r.T)
        r.nthreads = r.T;
    const size_t H = (size_t)c->hidden_size, NI = (size_t)c->intermediate_size;
    int rc = -1;
    enc_worker *workers = NULL;
    pthread_t *tids = NULL;
    if (layer > 0) {
        r.qkv = malloc((size_t)T * 3 * H * sizeof(float));
        r.ctx = malloc((size_t)T * H * sizeof(float));
        r.tmp = malloc((size_t)T * H * sizeof(float));
        r.inter = malloc((size_t)T * NI * sizeof(float));
        const int dh = c->hidden_size / c->num_attention_heads;
        size_t pk1 = gemm_packed_floats(r.maxlen, dh), pk2 = gemm_packed_floats(dh, r.maxlen);
        r.pk_off = ((size_t)r.maxlen * r.maxlen + 15) / 16 * 16;
        r.scratch = r.pk_off + (pk1 > pk2 ? pk1 : pk2);
        r.scratch = (r.scratch + 15) / 16 * 16;
        r.scores = aligned_alloc(64, r.nthreads * r.scratch * sizeof(float));
        r.next_task = calloc((size_t)layer, sizeof(atomic_int));
        if (!r.qkv || !r.ctx || !r.tmp || !r.inter || !r.scores || !r.next_task) {
            snprintf(err, errlen, "encoder: out of memory for %lld tokens", T);
            goto out;
        }
        for (int l = 0; l < layer; l++)
            atomic_init(&r.next_task[l], 0);
    }
    workers = calloc((size_t)r.nthreads, sizeof *workers);
    tids = calloc((size_t)r.nthreads, sizeof *tids);
    if (!workers || !tids) {
        snprintf(err, errlen, "encoder: out of memory");
        goto out;
    }
    /* Workers wait at a gate until every thread exists: if one cannot be created, the
     * others are told to leave and the whole pass runs on this thread alone. */
    pthread_mutex_init(&r.gate_mu, NULL);
    pthread_cond_init(&r.gate_cv, NULL);
    for (int i = 0; i < r.nthreads; i++) {
        workers[i].run = &r;
        workers[i].id = i;
    }
    int started = 0;
    for (int i = 1; i < r.nthreads; i++) {
        if (pthread_create(&tids[i], NULL, enc_worker_main, &workers[i]) != 0)
            break;
        started++;
    }
    if (started != r.nthreads - 1)
        r.nthreads = 1;
    r.seqsplit = r.nthreads > 1 && enc_seq_partition(&r);
    r.colsplit = !r.seqsplit && r.nthreads > 1 && r.T <= ENC_COLSPLIT_MAX_TOKENS;
    pthread_barrier_init(&r.barrier, NULL, (unsigned)r.nthreads);
    pthread_mutex_lock(&r.gate_mu);
    r.gate = started == r.nthreads - 1 ? 1 : 2;
    pthread_cond_broadcast(&r.gate_cv);
    pthread_mutex_unlock(&r.gate_mu);
    enc_worker_main(&workers[0]);
    for (int i = 1; i <= started; i++)
        pthread_join(tids[i], NULL);
    pthread_barrier_destroy(&r.barrier);
    pthread_cond_destroy(&r.gate_cv);
    pthread_mutex_destroy(&r.gate_mu);
    rc = 0;
out:
    free(workers);
    free(tids);
    free(r.offs);
    free(r.qkv);
    free(r.ctx);
    free(r.tmp);
    free(r.inter);
    free(r.scores);
    free(r.next_task);
    return rc;
}
