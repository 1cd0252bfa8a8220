/* bertscore.c -- model loading and pair scoring: tokenize, dedup, encode in length-sorted batches, greedy match. */
#include "bertscore.h"

#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bert_config.h"
#include "encoder.h"
#include "safetensors.h"
#include "score.h"
#ifndef QAFLOW_NO_TOKENIZER
#include "tokenizer.h"
#endif

struct bertscore_model {
    char name[128];
    uint64_t uid;       /* unique per load in this process: the reference cache's model key */
    bert_config cfg;
    safetensors *st;
    encoder *enc;
#ifndef QAFLOW_NO_TOKENIZER
    tokenizer *tok;
#endif
    int cls_id, sep_id;
    int max_len;
};

void bertscore_model_free(bertscore_model *m)
{
    if (!m)
        return;
    encoder_destroy(m->enc);
    safetensors_close(m->st);
#ifndef QAFLOW_NO_TOKENIZER
    tokenizer_destroy(m->tok);
#endif
    free(m);
}

/* Reads do_lower_case and model_max_length from tokenizer_config.json when it exists. */
static void bs_tokenizer_config(const char *dir, int *lower, long long *max_len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/tokenizer_config.json", dir);
    json_t *root = json_load_file(path, 0, NULL);
    if (!root)
        return;
    json_t *v = json_object_get(root, "do_lower_case");
    if (json_is_boolean(v))
        *lower = json_is_true(v);
    v = json_object_get(root, "model_max_length");
    if (json_is_integer(v) && json_integer_value(v) > 2)
        *max_len = json_integer_value(v);
    json_decref(root);
}

#ifdef QAFLOW_NO_TOKENIZER
/* Reads a token's id from vocab.txt (line number, 0-based); -1 when absent. */
static int bs_vocab_id(const char *dir, const char *token)
{
    char path[4096], line[1024];
    snprintf(path, sizeof path, "%s/vocab.txt", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int id = 0, found = -1;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strcmp(line, token) == 0) {
            found = id;
            break;
        }
        id++;
    }
    fclose(f);
    return found;
}
#endif

bertscore_model *bertscore_model_load(const char *dir, char *err, size_t errlen)
{
    bertscore_model *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errlen, "bertscore: out of memory");
        return NULL;
    }
    static atomic_uint_fast64_t bs_next_uid = 1;
    m->uid = (uint64_t)atomic_fetch_add(&bs_next_uid, 1);
    const char *base = strrchr(dir, '/');
    while (base && base[1] == '\0' && base > dir) { /* trailing slash */
        const char *q = base - 1;
        while (q > dir && *q != '/')
            q--;
        base = q;
    }
    snprintf(m->name, sizeof m->name, "%s", base && *base == '/' ? base + 1 : dir);
    m->name[strcspn(m->name, "/")] = '\0';
    char path[4096];
    snprintf(path, sizeof path, "%s/config.json", dir);
    if (bert_config_load(path, &m->cfg, err, errlen) != 0)
        goto fail;
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    if (!(m->st = safetensors_open(path, err, errlen)))
        goto fail;
    if (!(m->enc = encoder_create(&m->cfg, m->st, err, errlen)))
        goto fail;
    int lower = 1;
    long long max_len = m->cfg.max_position_embeddings;
    bs_tokenizer_config(dir, &lower, &max_len);
    if (max_len > m->cfg.max_position_embeddings)
        max_len = m->cfg.max_position_embeddings;
    m->max_len = (int)max_len;
    snprintf(path, sizeof path, "%s/vocab.txt", dir);
#ifndef QAFLOW_NO_TOKENIZER
    if (!(m->tok = tokenizer_create(path, lower, err, errlen)))
        goto fail;
    m->cls_id = tokenizer_special_id(m->tok, "[CLS]");
    m->sep_id = tokenizer_special_id(m->tok, "[SEP]");
#else
    (void)lower;
    m->cls_id = bs_vocab_id(dir, "[CLS]");
    m->sep_id = bs_vocab_id(dir, "[SEP]");
#endif
    if (m->cls_id < 0 || m->sep_id < 0) {
        snprintf(err, errlen, "bertscore: %s has no [CLS] or [SEP] token", path);
        goto fail;
    }
    return m;
fail:
    bertscore_model_free(m);
    return NULL;
}

int bertscore_model_layers(const bertscore_model *m) { return m->cfg.num_hidden_layers; }
int bertscore_model_hidden(const bertscore_model *m) { return m->cfg.hidden_size; }
int bertscore_model_max_len(const bertscore_model *m) { return m->max_len; }
const char *bertscore_model_name(const bertscore_model *m) { return m->name; }
int bertscore_model_vocab_size(const bertscore_model *m) { return m->cfg.vocab_size; }
int bertscore_model_cls_id(const bertscore_model *m) { return m->cls_id; }
int bertscore_model_sep_id(const bertscore_model *m) { return m->sep_id; }

void bertscore_opts_default(const bertscore_model *m, bertscore_opts *o)
{
    memset(o, 0, sizeof *o);
    o->layer = m->cfg.num_hidden_layers;
    o->batch_size = 64;
    o->threads = 1;
}

int bertscore_tokenize(const bertscore_model *m, const char *text, size_t len, int32_t *ids,
                       char *err, size_t errlen)
{
#ifndef QAFLOW_NO_TOKENIZER
    return tokenizer_encode(m->tok, text, len, ids, m->max_len, err, errlen);
#else
    (void)m; (void)text; (void)len; (void)ids;
    snprintf(err, errlen, "bertscore: built without the tokenizer");
    return -1;
#endif
}

int bertscore_hidden(const bertscore_model *m, const int32_t *ids, int len, int layer, int threads,
                     float *out, char *err, size_t errlen)
{
    return encoder_run(m->enc, layer, ids, &len, 1, threads, out, err, errlen);
}

/* ---- scoring ---- */

typedef struct bs_seq {
    const int32_t *ids;
    int len;
    float *emb;     /* len x hidden, L2-normalised rows, owned */
} bs_seq;

static int bs_seq_cmp_ids(const bs_seq *a, const bs_seq *b)
{
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return memcmp(a->ids, b->ids, (size_t)a->len * sizeof(int32_t));
}

typedef struct bs_order { const bs_seq *seqs; int idx; } bs_order;

/* Sort key for dedup: by content; ties impossible after dedup. */
static int bs_cmp_content(const void *a, const void *b)
{
    const bs_order *x = a, *y = b;
    int c = bs_seq_cmp_ids(&x->seqs[x->idx], &y->seqs[y->idx]);
    return c ? c : (x->idx > y->idx) - (x->idx < y->idx);
}

/* Encodes the sequences of one chunk that have no embedding yet (useq, sorted by length
 * ascending), longest first, batch_size at a time. */
static int bs_encode_unique(const bertscore_model *m, bs_seq *const *useq, int nu, const bertscore_opts *o,
                            char *err, size_t errlen)
{
    const int H = m->cfg.hidden_size;
    /* walk from the end (longest first, as bert-score) */
    int32_t *ids = NULL;
    int *lens = malloc((size_t)o->batch_size * sizeof(int));
    float *out = NULL;
    int rc = -1;
    if (!lens)
        goto oom;
    for (int hi = nu; hi > 0; hi -= o->batch_size) {
        int lo = hi - o->batch_size < 0 ? 0 : hi - o->batch_size;
        size_t T = 0;
        for (int i = lo; i < hi; i++)
            T += (size_t)useq[i]->len;
        int32_t *nids = realloc(ids, T * sizeof(int32_t));
        if (!nids)
            goto oom;
        ids = nids;
        free(out);
        out = malloc(T * H * sizeof(float));
        if (!out)
            goto oom;
        size_t t = 0;
        for (int i = lo; i < hi; i++) {
            memcpy(ids + t, useq[i]->ids, (size_t)useq[i]->len * sizeof(int32_t));
            lens[i - lo] = useq[i]->len;
            t += (size_t)useq[i]->len;
        }
        if (encoder_run(m->enc, o->layer, ids, lens, hi - lo, o->threads, out, err, errlen) != 0)
            goto done;
        t = 0;
        for (int i = lo; i < hi; i++) {
            useq[i]->emb = malloc((size_t)useq[i]->len * H * sizeof(float));
            if (!useq[i]->emb)
                goto oom;
            memcpy(useq[i]->emb, out + t * H, (size_t)useq[i]->len * H * sizeof(float));
            score_normalize(useq[i]->emb, useq[i]->len, H);
            t += (size_t)useq[i]->len;
        }
    }
    rc = 0;
    goto done;
oom:
    snprintf(err, errlen, "bertscore: out of memory");
done:
    free(ids);
    free(lens);
    free(out);
    return rc;
}

/* The reference side of a call from texts: the texts (for the cache) and the embeddings already
 * taken from the cache (NULL entries: to encode; this function takes ownership of the others). */
typedef struct bs_refs_in {
    const char *const *texts;
    float **emb;
} bs_refs_in;

/* Stores the references this chunk encoded in the cache (a failure only costs a later re-encode). */
static void bs_cache_store(const bertscore_model *m, const bertscore_opts *o, const bs_refs_in *rin,
                           const int32_t *const *ri, const int *rl, size_t p0, int n, const bs_seq *u,
                           const int *map, const char *encoded)
{
    for (int i = 0; i < n; i++)
        if (encoded[map[2 * i + 1]]) {
            const char *t = rin->texts[p0 + i];
            refcache_insert(o->ref_cache, m->uid, o->layer, t, strlen(t), ri[p0 + i], rl[p0 + i],
                            m->cfg.hidden_size, u[map[2 * i + 1]].emb);
        }
}

/* Scores pairs [p0, p1): dedups their 2(p1-p0) sequences, encodes those without a cached
 * embedding, stores the newly encoded references in the cache, matches. */
static int bs_score_chunk(const bertscore_model *m, const int32_t *const *ci, const int *cl,
                          const int32_t *const *ri, const int *rl, size_t p0, size_t p1,
                          const bertscore_opts *o, const score_weights *w, const bs_refs_in *rin,
                          bertscore_result *out, char *err, size_t errlen)
{
    int n = (int)(p1 - p0), ns = 2 * n, nu = 0, ne = 0, rc = -1;
    const int H = m->cfg.hidden_size;
    bs_seq *all = calloc((size_t)ns, sizeof *all), *u = calloc((size_t)ns, sizeof *u);
    bs_seq **todo = calloc((size_t)ns, sizeof *todo);
    bs_order *ord = calloc((size_t)ns, sizeof *ord);
    int *map = malloc((size_t)ns * sizeof(int));
    char *encoded = calloc((size_t)ns, 1);
    float *sim = NULL;
    if (!all || !u || !todo || !ord || !map || !encoded)
        goto oom;
    int maxlen = 0;
    for (int i = 0; i < n; i++) {
        all[2 * i] = (bs_seq){ci[p0 + i], cl[p0 + i], NULL};
        all[2 * i + 1] = (bs_seq){ri[p0 + i], rl[p0 + i], NULL};
        if (rin && rin->emb) {
            all[2 * i + 1].emb = rin->emb[p0 + i];
            rin->emb[p0 + i] = NULL;
        }
        if (cl[p0 + i] > maxlen) maxlen = cl[p0 + i];
        if (rl[p0 + i] > maxlen) maxlen = rl[p0 + i];
    }
    for (int i = 0; i < ns; i++)
        ord[i] = (bs_order){all, i};
    qsort(ord, (size_t)ns, sizeof *ord, bs_cmp_content);
    for (int i = 0; i < ns; i++) {
        bs_seq *s = &all[ord[i].idx];
        if (nu == 0 || bs_seq_cmp_ids(&u[nu - 1], s) != 0) {
            u[nu++] = *s;
        } else if (s->emb) {   /* a duplicate: its cached embedding is used unless one is there */
            if (!u[nu - 1].emb)
                u[nu - 1].emb = s->emb;
            else
                free(s->emb);
        }
        s->emb = NULL;
        map[ord[i].idx] = nu - 1;
    }
    for (int i = 0; i < nu; i++)
        if (!u[i].emb) {
            encoded[i] = 1;
            todo[ne++] = &u[i];
        }
    if (bs_encode_unique(m, todo, ne, o, err, errlen) != 0)
        goto done;
    if (rin && o->ref_cache)
        bs_cache_store(m, o, rin, ri, rl, p0, n, u, map, encoded);
    sim = malloc((size_t)maxlen * maxlen * sizeof(float));
    if (!sim)
        goto oom;
    for (int i = 0; i < n; i++) {
        const bs_seq *c = &u[map[2 * i]], *r = &u[map[2 * i + 1]];
        bertscore_result *res = &out[p0 + i];
        memset(res, 0, sizeof *res);
        score_pair(c->emb, c->ids, c->len, r->emb, r->ids, r->len, H, w, sim, &res->p, &res->r, &res->f);
        if (o->baseline) {
            double bp, br, bf;
            if (baseline_get(o->baseline, o->layer, &bp, &br, &bf, err, errlen) != 0)
                goto done;
            res->p_rescaled = (float)baseline_rescale(res->p, bp);
            res->r_rescaled = (float)baseline_rescale(res->r, br);
            res->f_rescaled = (float)baseline_rescale(res->f, bf);
        }
    }
    rc = 0;
    goto done;
oom:
    snprintf(err, errlen, "bertscore: out of memory");
done:
    if (u)
        for (int i = 0; i < nu; i++)
            free(u[i].emb);
    if (all)
        for (int i = 0; i < ns; i++)
            free(all[i].emb);   /* cached embeddings not handed over (allocation failure) */
    free(all);
    free(u);
    free(todo);
    free(ord);
    free(map);
    free(encoded);
    free(sim);
    return rc;
}

/* bertscore_score_ids with the reference side's texts and cached embeddings (rin may be NULL). */
static int bs_score_ids(const bertscore_model *m, const int32_t *const *cand_ids, const int *cand_lens,
                        const int32_t *const *ref_ids, const int *ref_lens, size_t n,
                        const bertscore_opts *o, const bs_refs_in *rin, bertscore_result *out, char *err,
                        size_t errlen)
{
    if (o->layer < 0 || o->layer > m->cfg.num_hidden_layers) {
        snprintf(err, errlen, "bertscore: layer %d out of range 0..%d", o->layer, m->cfg.num_hidden_layers);
        return -1;
    }
    if (o->batch_size < 1 || o->threads < 1) {
        snprintf(err, errlen, "bertscore: batch_size and threads must be >= 1");
        return -1;
    }
    if (o->baseline) {
        double a, b, c;
        if (baseline_get(o->baseline, o->layer, &a, &b, &c, err, errlen) != 0)
            return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (cand_lens[i] < 1 || cand_lens[i] > m->max_len || ref_lens[i] < 1 || ref_lens[i] > m->max_len) {
            snprintf(err, errlen, "bertscore: pair %zu: sequence length outside 1..%d", i, m->max_len);
            return -1;
        }
    score_weights *w = o->idf
        ? score_weights_idf(m->cfg.vocab_size, m->cls_id, m->sep_id, ref_ids, ref_lens, n, err, errlen)
        : score_weights_uniform(m->cfg.vocab_size, m->cls_id, m->sep_id, err, errlen);
    if (!w)
        return -1;
    /* Pairs are processed batch_size at a time so memory stays bounded; the encoding of a
     * sequence does not depend on its batch, so neither do the scores. */
    size_t chunk = (size_t)o->batch_size;
    int rc = 0;
    for (size_t p0 = 0; p0 < n && rc == 0; p0 += chunk) {
        size_t p1 = p0 + chunk < n ? p0 + chunk : n;
        rc = bs_score_chunk(m, cand_ids, cand_lens, ref_ids, ref_lens, p0, p1, o, w, rin, out, err, errlen);
    }
    score_weights_destroy(w);
    return rc;
}

int bertscore_score_ids(const bertscore_model *m, const int32_t *const *cand_ids, const int *cand_lens,
                        const int32_t *const *ref_ids, const int *ref_lens, size_t n,
                        const bertscore_opts *o, bertscore_result *out, char *err, size_t errlen)
{
    return bs_score_ids(m, cand_ids, cand_lens, ref_ids, ref_lens, n, o, NULL, out, err, errlen);
}

static int bs_cmp_text(const void *a, const void *b, void *texts)
{
    const char *const *t = texts;
    int c = strcmp(t[*(const size_t *)a], t[*(const size_t *)b]);
    return c ? c : (*(const size_t *)a > *(const size_t *)b) - (*(const size_t *)a < *(const size_t *)b);
}

/* Looks each distinct reference text up once; a hit fills ids/lens and emb for every pair with
 * that text (each its own copy). Returns 0, or -1 when out of memory. */
static int bs_cache_lookup(const bertscore_model *m, const bertscore_opts *o, const char *const *refs, size_t n,
                           int32_t **ids, int *lens, float **emb)
{
    const int H = m->cfg.hidden_size;
    size_t *ord = malloc((n ? n : 1) * sizeof *ord);
    if (!ord)
        return -1;
    for (size_t i = 0; i < n; i++)
        ord[i] = i;
    qsort_r(ord, n, sizeof *ord, bs_cmp_text, (void *)refs);
    int rc = 0;
    for (size_t a = 0, b; a < n && rc == 0; a = b) {
        for (b = a + 1; b < n && strcmp(refs[ord[a]], refs[ord[b]]) == 0; b++)
            ;
        size_t first = ord[a];
        int len = refcache_lookup(o->ref_cache, m->uid, o->layer, refs[first], strlen(refs[first]), ids[first],
                                  m->max_len, H, &emb[first]);
        if (len < 0)
            rc = -1;
        if (len <= 0)
            continue;
        lens[first] = len;
        for (size_t k = a + 1; k < b && rc == 0; k++) {
            size_t i = ord[k];
            emb[i] = malloc((size_t)len * H * sizeof(float));
            if (!emb[i]) {
                rc = -1;
                break;
            }
            memcpy(emb[i], emb[first], (size_t)len * H * sizeof(float));
            memcpy(ids[i], ids[first], (size_t)len * sizeof(int32_t));
            lens[i] = len;
        }
    }
    free(ord);
    return rc;
}

int bertscore_score(const bertscore_model *m, const char *const *cands, const char *const *refs,
                    size_t n, const bertscore_opts *o, bertscore_result *out, char *err, size_t errlen)
{
    int32_t **ids = calloc(2 * n + 1, sizeof *ids);
    int *lens = calloc(2 * n + 1, sizeof *lens);
    float **emb = o->ref_cache ? calloc(n + 1, sizeof *emb) : NULL;
    int rc = -1;
    if (!ids || !lens || (o->ref_cache && !emb)) {
        snprintf(err, errlen, "bertscore: out of memory");
        goto done;
    }
    for (size_t i = 0; i < 2 * n; i++)
        if (!(ids[i] = malloc((size_t)m->max_len * sizeof(int32_t)))) {
            snprintf(err, errlen, "bertscore: out of memory");
            goto done;
        }
    if (emb && bs_cache_lookup(m, o, refs, n, ids + n, lens + n, emb) != 0) {
        snprintf(err, errlen, "bertscore: out of memory");
        goto done;
    }
    for (size_t i = 0; i < 2 * n; i++) {
        const char *t = i < n ? cands[i] : refs[i - n];
        if (emb && i >= n && emb[i - n])
            continue;   /* from the cache, ids included */
        char sub[256];
        lens[i] = bertscore_tokenize(m, t, strlen(t), ids[i], sub, sizeof sub);
        if (lens[i] < 0) {
            snprintf(err, errlen, "bertscore: %s %zu: %s", i < n ? "candidate" : "reference", i % n, sub);
            goto done;
        }
    }
    bs_refs_in rin = {refs, emb};
    rc = bs_score_ids(m, (const int32_t *const *)ids, lens, (const int32_t *const *)ids + n, lens + n, n, o,
                      o->ref_cache ? &rin : NULL, out, err, errlen);
done:
    if (ids)
        for (size_t i = 0; i < 2 * n; i++)
            free(ids[i]);
    if (emb)
        for (size_t i = 0; i < n; i++)
            free(emb[i]);   /* those not handed to the scoring (it takes them) */
    free(emb);
    free(ids);
    free(lens);
    return rc;
}
