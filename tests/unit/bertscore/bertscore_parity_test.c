/* bertscore_parity_test.c -- the encoder and P/R/F against bert-score's own numbers (tests/fixtures/bertscore). */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bertscore.h"
#include "check.h"

#define SCORE_TOL 1e-4
#define INVARIANCE_TOL 1e-5

typedef struct pair_fx {
    char *cand, *ref;
    int32_t *cids, *rids;
    int cl, rl;
    json_t *layers;   /* borrowed from the record */
} pair_fx;

typedef struct fixture {
    json_t *meta;
    json_t **records;
    pair_fx *pairs;
    size_t n;
} fixture;

static int32_t *ids_from_json(json_t *a, int *len)
{
    size_t n = json_array_size(a);
    int32_t *ids = malloc((n ? n : 1) * sizeof *ids);
    for (size_t i = 0; i < n; i++)
        ids[i] = (int32_t)json_integer_value(json_array_get(a, i));
    *len = (int)n;
    return ids;
}

static int fixture_load(const char *path, fixture *fx)
{
    memset(fx, 0, sizeof *fx);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "FAIL: cannot open fixture %s\n", path);
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    size_t alloc = 0;
    while ((got = getline(&line, &cap, f)) > 0) {
        json_error_t e;
        json_t *j = json_loads(line, 0, &e);
        if (!j) {
            fprintf(stderr, "FAIL: %s: bad JSON line: %s\n", path, e.text);
            free(line);
            fclose(f);
            return -1;
        }
        const char *type = json_string_value(json_object_get(j, "type"));
        if (type && strcmp(type, "meta") == 0) {
            fx->meta = j;
            continue;
        }
        if (fx->n == alloc) {
            alloc = alloc ? alloc * 2 : 64;
            fx->records = realloc(fx->records, alloc * sizeof *fx->records);
            fx->pairs = realloc(fx->pairs, alloc * sizeof *fx->pairs);
        }
        pair_fx *p = &fx->pairs[fx->n];
        fx->records[fx->n++] = j;
        p->cand = (char *)json_string_value(json_object_get(j, "cand"));
        p->ref = (char *)json_string_value(json_object_get(j, "ref"));
        p->cids = ids_from_json(json_object_get(j, "cand_ids"), &p->cl);
        p->rids = ids_from_json(json_object_get(j, "ref_ids"), &p->rl);
        p->layers = json_object_get(j, "layers");
    }
    free(line);
    fclose(f);
    return fx->meta && fx->n > 0 ? 0 : -1;
}

static void fixture_free(fixture *fx)
{
    for (size_t i = 0; i < fx->n; i++) {
        free(fx->pairs[i].cids);
        free(fx->pairs[i].rids);
        json_decref(fx->records[i]);
    }
    free(fx->records);
    free(fx->pairs);
    json_decref(fx->meta);
}

/* Compares one variant ("raw", "idf", "rescaled") of every pair at one layer. */
/* bert-score's NaN (written as null by the golden tool: an all-special candidate such as
 * "[CLS] [SEP]" has weights summing to 0) is 0 in qaflow, rescaled like any 0. */
static double want_value(json_t *l, const char *variant, const char *k, const bertscore_baseline *bl,
                         int layer)
{
    json_t *v = json_object_get(json_object_get(l, variant), k);
    if (!json_is_null(v))
        return json_number_value(v);
    if (strcmp(variant, "rescaled") != 0)
        return 0.0;
    double b[3];
    char err[128];
    if (baseline_get(bl, layer, &b[0], &b[1], &b[2], err, sizeof err) != 0)
        return NAN;
    return baseline_rescale(0.0, b[k[0] == 'P' ? 0 : k[0] == 'R' ? 1 : 2]);
}

static void check_variant(const fixture *fx, const char *layer, const char *variant,
                          const bertscore_result *res, int rescaled, const char *what,
                          const bertscore_baseline *bl)
{
    double worst = 0;
    int ln = atoi(layer);
    for (size_t i = 0; i < fx->n; i++) {
        json_t *l = json_object_get(fx->pairs[i].layers, layer);
        double want[3] = {want_value(l, variant, "P", bl, ln), want_value(l, variant, "R", bl, ln),
                          want_value(l, variant, "F", bl, ln)};
        double got[3] = {rescaled ? res[i].p_rescaled : res[i].p, rescaled ? res[i].r_rescaled : res[i].r,
                         rescaled ? res[i].f_rescaled : res[i].f};
        for (int k = 0; k < 3; k++) {
            double d = fabs(want[k] - got[k]);
            if (!(d <= worst))
                worst = d;
            CHECK_MSG(d <= SCORE_TOL, "%s layer %s %s pair %zu %c: got %.7f want %.7f", what, layer, variant,
                  i, "PRF"[k], got[k], want[k]);
        }
    }
    printf("  %-5s layer %s %-8s max |diff| %.2e over %zu pairs\n", what, layer, variant, worst, fx->n);
}

static void test_hidden(const bertscore_model *m, const char *path)
{
    FILE *f = fopen(path, "r");
    CHECK_MSG(f != NULL, "cannot open %s", path);
    if (!f)
        return;
    char *line = NULL;
    size_t cap = 0;
    int probes = 0;
    double worst = 0;
    while (getline(&line, &cap, f) > 0) {
        json_t *j = json_loads(line, 0, NULL);
        CHECK_MSG(j != NULL, "bad JSON in %s", path);
        if (!j)
            continue;
        int len;
        int32_t *ids = ids_from_json(json_object_get(j, "ids"), &len);
        float *h = malloc((size_t)len * bertscore_model_hidden(m) * sizeof(float));
        const int H = bertscore_model_hidden(m);
        for (int layer = 0; layer <= bertscore_model_layers(m); layer++) {
            char key[16], err[256];
            snprintf(key, sizeof key, "%d", layer);
            json_t *want = json_object_get(json_object_get(j, "layers"), key);
            CHECK_MSG(want != NULL, "probe has no layer %d", layer);
            if (!want)
                continue;
            int rc = bertscore_hidden(m, ids, len, layer, 1, h, err, sizeof err);
            CHECK_MSG(rc == 0, "bertscore_hidden: %s", err);
            if (rc != 0)
                continue;
            for (int k = 0; k < 8; k++) {
                double a = json_number_value(json_array_get(json_object_get(want, "first"), k));
                double b = json_number_value(json_array_get(json_object_get(want, "last"), k));
                double da = fabs(a - h[k]), db = fabs(b - h[(size_t)(len - 1) * H + k]);
                if (da > worst) worst = da;
                if (db > worst) worst = db;
                CHECK_MSG(da <= 1e-3 && db <= 1e-3, "layer %d value %d: got %f/%f want %f/%f", layer, k, h[k],
                      h[(size_t)(len - 1) * H + k], a, b);
            }
            double s = 0, as = 0;
            for (size_t t = 0; t < (size_t)len * H; t++) {
                s += h[t];
                as += fabs(h[t]);
            }
            double ws = json_number_value(json_object_get(want, "sum"));
            double was = json_number_value(json_object_get(want, "abs_sum"));
            CHECK_MSG(fabs(as - was) <= 1e-4 * was, "layer %d sum|x| %f want %f", layer, as, was);
            CHECK_MSG(fabs(s - ws) <= 1e-4 * was, "layer %d sum %f want %f", layer, s, ws);
        }
        probes++;
        free(ids);
        free(h);
        json_decref(j);
    }
    free(line);
    fclose(f);
    CHECK_MSG(probes >= 3, "only %d hidden-state probes", probes);
    printf("  hidden states: %d probes, max |diff| of probed values %.2e\n", probes, worst);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s scores.jsonl scores_hidden.jsonl baseline_test.tsv\n", argv[0]);
        return 2;
    }
    const char *dir = check_model_dir();
    char err[512];
    bertscore_model *m = bertscore_model_load(dir, err, sizeof err);
    if (!m) {
        fprintf(stderr, "FAIL: cannot load the model from QAFLOW_MODEL_DIR=%s: %s\n", dir, err);
        return 1;
    }
    bertscore_baseline *bl = baseline_load(argv[3], err, sizeof err);
    CHECK_MSG(bl != NULL, "%s", err);
    fixture fx;
    if (fixture_load(argv[1], &fx) != 0) {
        fprintf(stderr, "FAIL: bad fixture %s\n", argv[1]);
        return 1;
    }
    CHECK_MSG(fx.n >= 100, "fixture has %zu pairs (>= 100 expected)", fx.n);
    test_hidden(m, argv[2]);

    const int32_t **ci = malloc(fx.n * sizeof *ci), **ri = malloc(fx.n * sizeof *ri);
    int *cl = malloc(fx.n * sizeof *cl), *rl = malloc(fx.n * sizeof *rl);
    const char **ct = malloc(fx.n * sizeof *ct), **rt = malloc(fx.n * sizeof *rt);
    for (size_t i = 0; i < fx.n; i++) {
        ci[i] = fx.pairs[i].cids; cl[i] = fx.pairs[i].cl;
        ri[i] = fx.pairs[i].rids; rl[i] = fx.pairs[i].rl;
        ct[i] = fx.pairs[i].cand; rt[i] = fx.pairs[i].ref;
    }
    bertscore_result *res = calloc(fx.n, sizeof *res), *ref = calloc(fx.n, sizeof *ref);
    json_t *layers = json_object_get(fx.meta, "layers");
    size_t li;
    json_t *lv;
    json_array_foreach(layers, li, lv) {
        char key[16];
        snprintf(key, sizeof key, "%lld", (long long)json_integer_value(lv));
        bertscore_opts o;
        bertscore_opts_default(m, &o);
        o.layer = (int)json_integer_value(lv);
        o.baseline = bl;
        /* from the fixture's HF token ids: encoder + score parity independent of the tokenizer */
        int rc = bertscore_score_ids(m, ci, cl, ri, rl, fx.n, &o, res, err, sizeof err);
        CHECK_MSG(rc == 0, "score_ids: %s", err);
        if (rc == 0) {
            check_variant(&fx, key, "raw", res, 0, "ids", bl);
            check_variant(&fx, key, "rescaled", res, 1, "ids", bl);
        }
        o.idf = 1;
        o.baseline = NULL;
        rc = bertscore_score_ids(m, ci, cl, ri, rl, fx.n, &o, res, err, sizeof err);
        CHECK_MSG(rc == 0, "score_ids idf: %s", err);
        if (rc == 0)
            check_variant(&fx, key, "idf", res, 0, "ids", bl);
        /* from the texts: the whole path, tokenizer included (one layer: it is slow) */
        if (li != 1)
            continue;
        o.idf = 0;
        rc = bertscore_score(m, ct, rt, fx.n, &o, res, err, sizeof err);
        CHECK_MSG(rc == 0, "score texts: %s", err);
        if (rc == 0)
            check_variant(&fx, key, "raw", res, 0, "text", bl);
        /* the reference cache: cold (every reference stored) then warm (every one reused),
         * each bit-identical to the uncached scores */
        bertscore_refcache *cache = bertscore_refcache_create((size_t)256 << 20, err, sizeof err);
        CHECK_MSG(cache != NULL, "%s", err);
        o.ref_cache = cache;
        for (int pass = 0; pass < 2 && cache && rc == 0; pass++) {
            int rc2 = bertscore_score(m, ct, rt, fx.n, &o, ref, err, sizeof err);
            CHECK_MSG(rc2 == 0, "score texts with the cache (pass %d): %s", pass, err);
            CHECK_MSG(rc2 == 0 && memcmp(ref, res, fx.n * sizeof *res) == 0,
                      "pass %d with the reference cache is not bit-identical to the scores without it", pass);
            if (rc2 == 0)
                check_variant(&fx, key, "raw", ref, 0, pass ? "warm" : "cold", bl);
        }
        bertscore_refcache_stats st = {0};
        if (cache)
            bertscore_refcache_get_stats(cache, &st);
        CHECK_MSG(st.misses > 0 && st.hits == st.misses, "cache: %llu hits, %llu misses (warm pass = all hits)",
                  (unsigned long long)st.hits, (unsigned long long)st.misses);
        o.ref_cache = NULL;
        bertscore_refcache_destroy(cache);
        o.idf = 1;
        rc = bertscore_score(m, ct, rt, fx.n, &o, res, err, sizeof err);
        CHECK_MSG(rc == 0, "score texts idf: %s", err);
        if (rc == 0)
            check_variant(&fx, key, "idf", res, 0, "text", bl);
    }

    /* batch size and thread count change nothing beyond 1e-5 */
    static const int batches[] = {1, 3, 64}, threads[] = {1, 2};
    for (int idf = 0; idf <= 1; idf++) {
        /* a smaller matrix for idf: batch 3 and 2 threads are the combination most unlike 64/1 */
        bertscore_opts o;
        bertscore_opts_default(m, &o);
        o.layer = 4 <= bertscore_model_layers(m) ? 4 : bertscore_model_layers(m);
        o.idf = idf;
        o.batch_size = 64;
        o.threads = 1;
        CHECK_MSG(bertscore_score_ids(m, ci, cl, ri, rl, fx.n, &o, ref, err, sizeof err) == 0, "%s", err);
        for (int b = 0; b < 3; b++)
            for (int t = 0; t < 2; t++) {
                if (idf && !(b == 1 && t == 1))
                    continue;
                o.batch_size = batches[b];
                o.threads = threads[t];
                int rc = bertscore_score_ids(m, ci, cl, ri, rl, fx.n, &o, res, err, sizeof err);
                CHECK_MSG(rc == 0, "%s", err);
                double worst = 0;
                for (size_t i = 0; i < fx.n && rc == 0; i++) {
                    double d = fmax(fabs(res[i].p - ref[i].p), fmax(fabs(res[i].r - ref[i].r), fabs(res[i].f - ref[i].f)));
                    if (d > worst)
                        worst = d;
                    CHECK_MSG(d <= INVARIANCE_TOL, "idf=%d batch %d threads %d pair %zu differs by %g", idf,
                          batches[b], threads[t], i, d);
                }
                printf("  invariance idf=%d batch %2d threads %d: max |diff| %.2e\n", idf, batches[b],
                       threads[t], worst);
            }
    }
    free(res);
    free(ref);
    free(ci); free(ri); free(cl); free(rl); free(ct); free(rt);
    fixture_free(&fx);
    baseline_destroy(bl);
    bertscore_model_free(m);
    return CHECK_DONE();
}
