/* calibrate.c -- per-layer rescale baseline from random answer pairs and evidence for choosing the layer. */
#include "calibrate.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "score.h"
#include "yahoo_csv.h"

typedef struct cal_text {
    int32_t *ids;
    int len;
    float *emb;   /* len x hidden, normalised, for the layer being processed */
} cal_text;

typedef struct cal_data {
    cal_text *titles, *answers, *first, *second;   /* one of each per record */
    size_t n;
} cal_data;

static uint64_t cal_rand(uint64_t *s)
{
    /* xorshift64*: reproducible across machines for a given --seed */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

static void cal_text_free(cal_text *t, size_t n)
{
    if (!t)
        return;
    for (size_t i = 0; i < n; i++) {
        free(t[i].ids);
        free(t[i].emb);
    }
    free(t);
}

static void cal_data_free(cal_data *d)
{
    cal_text_free(d->titles, d->n);
    cal_text_free(d->answers, d->n);
    cal_text_free(d->first, d->n);
    cal_text_free(d->second, d->n);
}

static int cal_tokenize(const bertscore_model *m, const char *s, size_t len, cal_text *t,
                        char *err, size_t errlen)
{
    t->ids = malloc((size_t)bertscore_model_max_len(m) * sizeof(int32_t));
    if (!t->ids) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    t->len = bertscore_tokenize(m, s, len, t->ids, err, errlen);
    return t->len < 0 ? -1 : 0;
}

/* Splits an answer at the sentence end nearest its middle (". ", "? ", "! " or a newline). */
static size_t cal_split(const char *a, size_t len)
{
    size_t best = len / 2, bestd = (size_t)-1;
    for (size_t i = 1; i + 1 < len; i++) {
        int end = ((a[i] == '.' || a[i] == '?' || a[i] == '!') && a[i + 1] == ' ') || a[i] == '\n';
        if (!end)
            continue;
        size_t d = i > len / 2 ? i - len / 2 : len / 2 - i;
        if (d < bestd) {
            bestd = d;
            best = i + 1;
        }
    }
    return best;
}

static int cal_load(const bertscore_model *m, const calibrate_opts *o, cal_data *d, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    yahoo_csv *r = yahoo_csv_open(o->dataset, 1, err, errlen);
    if (!r)
        return -1;
    size_t cap = 0;
    yahoo_record rec;
    int got, rc = 0;
    while ((got = yahoo_csv_next(r, &rec, err, errlen)) == 1) {
        if (o->max_records > 0 && d->n >= (size_t)o->max_records)
            break;
        if (rec.answer_len < 40 || rec.title_len == 0)
            continue;
        if (d->n == cap) {
            cap = cap ? cap * 2 : 128;
            cal_text **arrs[4] = {&d->titles, &d->answers, &d->first, &d->second};
            for (int k = 0; k < 4; k++) {
                cal_text *nt = realloc(*arrs[k], cap * sizeof **arrs[k]);
                if (!nt) {
                    snprintf(err, errlen, "out of memory");
                    rc = -1;
                    goto out;
                }
                memset(nt + d->n, 0, (cap - d->n) * sizeof *nt);
                *arrs[k] = nt;
            }
        }
        size_t cut = cal_split(rec.answer, rec.answer_len);
        size_t i = d->n++;
        if (cal_tokenize(m, rec.title, rec.title_len, &d->titles[i], err, errlen) ||
            cal_tokenize(m, rec.answer, rec.answer_len, &d->answers[i], err, errlen) ||
            cal_tokenize(m, rec.answer, cut, &d->first[i], err, errlen) ||
            cal_tokenize(m, rec.answer + cut, rec.answer_len - cut, &d->second[i], err, errlen)) {
            rc = -1;
            goto out;
        }
    }
    if (got < 0)
        rc = -1;
    else if (d->n < 10) {
        snprintf(err, errlen, "%s: only %zu usable records (need >= 10)", o->dataset, d->n);
        rc = -1;
    }
out:
    yahoo_csv_destroy(r);
    return rc;
}

static int cal_embed(const bertscore_model *m, cal_text *t, size_t n, int layer, int threads,
                     char *err, size_t errlen)
{
    const int H = bertscore_model_hidden(m);
    for (size_t i = 0; i < n; i++) {
        free(t[i].emb);
        t[i].emb = malloc((size_t)t[i].len * H * sizeof(float));
        if (!t[i].emb) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        if (bertscore_hidden(m, t[i].ids, t[i].len, layer, threads, t[i].emb, err, errlen) != 0)
            return -1;
        score_normalize(t[i].emb, t[i].len, H);
    }
    return 0;
}

static void cal_pair(const bertscore_model *m, const cal_text *c, const cal_text *r,
                     const score_weights *w, float *sim, float prf[3])
{
    score_pair(c->emb, c->ids, c->len, r->emb, r->ids, r->len, bertscore_model_hidden(m), w, sim,
               &prf[0], &prf[1], &prf[2]);
}

/* AUC (Mann-Whitney) of real vs unrelated scores and the gap in units of pooled std. */
static void cal_separation(const double *pos, const double *neg, size_t n, double *auc, double *gap)
{
    double wins = 0, mp = 0, mn = 0, vp = 0, vn = 0;
    for (size_t i = 0; i < n; i++) {
        mp += pos[i];
        mn += neg[i];
        for (size_t j = 0; j < n; j++)
            wins += pos[i] > neg[j] ? 1.0 : pos[i] == neg[j] ? 0.5 : 0.0;
    }
    mp /= n;
    mn /= n;
    for (size_t i = 0; i < n; i++) {
        vp += (pos[i] - mp) * (pos[i] - mp);
        vn += (neg[i] - mn) * (neg[i] - mn);
    }
    double sd = sqrt((vp + vn) / (2.0 * (n > 1 ? n - 1 : 1)));
    *auc = wins / ((double)n * n);
    *gap = sd > 0 ? (mp - mn) / sd : 0;
}

int calibrate_run(const bertscore_model *m, const calibrate_opts *o, calibrate_layer *out,
                  size_t *records_used, char *err, size_t errlen)
{
    cal_data d;
    if (cal_load(m, o, &d, err, errlen) != 0) {
        cal_data_free(&d);
        return -1;
    }
    *records_used = d.n;
    int rc = -1;
    const int maxlen = bertscore_model_max_len(m);
    float *sim = malloc((size_t)maxlen * maxlen * sizeof(float));
    double *pos = malloc(d.n * sizeof(double)), *neg = malloc(d.n * sizeof(double));
    size_t *other = malloc(d.n * sizeof(size_t));
    score_weights *w = NULL;
    if (!sim || !pos || !neg || !other) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    /* a fixed unrelated partner per record: another record, chosen at random */
    uint64_t seed = o->seed ? o->seed : 88172645463325252ULL;
    for (size_t i = 0; i < d.n; i++) {
        size_t j;
        do
            j = (size_t)(cal_rand(&seed) % d.n);
        while (j == i);
        other[i] = j;
    }
    w = score_weights_uniform(bertscore_model_vocab_size(m), bertscore_model_cls_id(m),
                              bertscore_model_sep_id(m), err, errlen);
    if (!w)
        goto done;
    for (int layer = 0; layer <= bertscore_model_layers(m); layer++) {
        calibrate_layer *L = &out[layer];
        memset(L, 0, sizeof *L);
        if (cal_embed(m, d.titles, d.n, layer, o->threads, err, errlen) ||
            cal_embed(m, d.answers, d.n, layer, o->threads, err, errlen) ||
            cal_embed(m, d.first, d.n, layer, o->threads, err, errlen) ||
            cal_embed(m, d.second, d.n, layer, o->threads, err, errlen))
            goto done;
        /* baseline: mean over random (answer, unrelated answer) pairs */
        uint64_t s = seed ^ 0x9e3779b97f4a7c15ULL;
        double acc[3] = {0, 0, 0};
        for (long k = 0; k < o->pairs; k++) {
            size_t i = (size_t)(cal_rand(&s) % d.n), j;
            do
                j = (size_t)(cal_rand(&s) % d.n);
            while (j == i);
            float prf[3];
            cal_pair(m, &d.answers[i], &d.answers[j], w, sim, prf);
            for (int q = 0; q < 3; q++)
                acc[q] += prf[q];
        }
        L->base_p = acc[0] / o->pairs;
        L->base_r = acc[1] / o->pairs;
        L->base_f = acc[2] / o->pairs;
        /* separation 1: question title as candidate, real answer vs unrelated answer */
        for (size_t i = 0; i < d.n; i++) {
            float a[3], b[3];
            cal_pair(m, &d.titles[i], &d.answers[i], w, sim, a);
            cal_pair(m, &d.titles[i], &d.answers[other[i]], w, sim, b);
            pos[i] = a[2];
            neg[i] = b[2];
        }
        cal_separation(pos, neg, d.n, &L->auc_title, &L->gap_title);
        /* separation 2: first half of an answer vs its own second half / another's */
        double rf = 0, uf = 0;
        for (size_t i = 0; i < d.n; i++) {
            float a[3], b[3];
            cal_pair(m, &d.first[i], &d.second[i], w, sim, a);
            cal_pair(m, &d.first[i], &d.second[other[i]], w, sim, b);
            pos[i] = a[2];
            neg[i] = b[2];
            rf += a[2];
            uf += b[2];
        }
        cal_separation(pos, neg, d.n, &L->auc_half, &L->gap_half);
        L->real_f = rf / d.n;
        L->unrelated_f = uf / d.n;
    }
    rc = 0;
done:
    score_weights_destroy(w);
    free(sim);
    free(pos);
    free(neg);
    free(other);
    cal_data_free(&d);
    return rc;
}

void calibrate_report(FILE *f, const bertscore_model *m, const calibrate_opts *o,
                      const calibrate_layer *l, int nlayers, size_t records)
{
    fprintf(f, "Calibration of %s on %s: %zu records, %ld random unrelated answer pairs per layer, seed %lu\n\n",
            bertscore_model_name(m), o->dataset, records, o->pairs, o->seed);
    fprintf(f, "| layer | baseline P | baseline R | baseline F | AUC title->answer | gap/std | AUC half->half | gap/std | mean F related halves | mean F unrelated halves |\n");
    fprintf(f, "|---|---|---|---|---|---|---|---|---|---|\n");
    int best = 0;
    double best_score = -1;
    for (int k = 0; k <= nlayers; k++) {
        const calibrate_layer *L = &l[k];
        fprintf(f, "| %d | %.4f | %.4f | %.4f | %.3f | %.2f | %.3f | %.2f | %.4f | %.4f |\n", k, L->base_p,
                L->base_r, L->base_f, L->auc_title, L->gap_title, L->auc_half, L->gap_half, L->real_f,
                L->unrelated_f);
        double s = L->gap_title + L->gap_half;
        if (k > 0 && s > best_score) {
            best_score = s;
            best = k;
        }
    }
    fprintf(f, "\nBest separation (sum of the two gap/std columns, layers >= 1): layer %d\n", best);
}
