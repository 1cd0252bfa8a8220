/* bench_bertscore.c -- qaflow_bertscore library pairs/s: one pair per call ("single"), 64 per call ("batch"), or a regenerating workload with and without the reference cache ("regen"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bertscore.h"

static char **read_lines(const char *path, int n)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char **l = calloc((size_t)n, sizeof *l);
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int i = 0;
    while (i < n && (got = getline(&line, &cap, f)) >= 0) {
        if (got && line[got - 1] == '\n')
            line[got - 1] = '\0';
        l[i++] = strdup(line);
    }
    free(line);
    fclose(f);
    return i == n ? l : NULL;
}

static void free_lines(char **l, int n)
{
    for (int i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

static double bench_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* The regenerating workload: reference i (REFS line i, i < nref) is scored against 4 candidates
 * (CANDS lines 4i .. 4i+3), attempt k of every reference before attempt k+1, per_call pairs per
 * library call (the scorer's micro-batch). Each round runs it without the cache (cache_mb 0)
 * and with a fresh cache of cache_mb, one after the other, and prints both and their ratio. */
static int bench_regen(const bertscore_model *m, bertscore_opts *o, char **c, char **r, int nref, int per_call,
                       int rounds, int cache_mb)
{
    enum { ATTEMPTS = 4 };
    const int n = nref * ATTEMPTS;
    const char **pc = malloc((size_t)n * sizeof *pc), **pr = malloc((size_t)n * sizeof *pr);
    bertscore_result *res[2] = {calloc((size_t)n, sizeof **res), calloc((size_t)n, sizeof **res)};
    char err[512];
    if (!pc || !pr || !res[0] || !res[1])
        return 1;
    for (int k = 0; k < ATTEMPTS; k++)
        for (int i = 0; i < nref; i++) {
            pc[k * nref + i] = c[i * ATTEMPTS + k];
            pr[k * nref + i] = r[i];
        }
    int rc = 0;
    for (int round = 1; round <= rounds && rc == 0; round++) {
        double pps[2] = {0, 0};
        for (int on = 0; on <= 1 && rc == 0; on++) {
            bertscore_refcache *cache = on ? bertscore_refcache_create((size_t)cache_mb << 20, err, sizeof err) : NULL;
            if (on && !cache) {
                fprintf(stderr, "cache: %s\n", err);
                return 1;
            }
            o->ref_cache = cache;
            double t0 = bench_now();
            for (int i = 0; i < n && rc == 0; i += per_call)
                rc = bertscore_score(m, pc + i, pr + i, n - i < per_call ? (size_t)(n - i) : (size_t)per_call, o,
                                     res[on] + i, err, sizeof err);
            double dt = bench_now() - t0;
            bertscore_refcache_stats st = {0};
            if (cache)
                bertscore_refcache_get_stats(cache, &st);
            pps[on] = n / dt;
            printf("qaflow-lib regen round=%d reference_cache_mb=%d pairs=%d refs=%d pairs_per_call=%d seconds=%.3f "
                   "pairs_per_s=%.2f hits=%llu misses=%llu threads=%d\n", round, on ? cache_mb : 0, n, nref, per_call,
                   dt, pps[on], (unsigned long long)st.hits, (unsigned long long)st.misses, o->threads);
            o->ref_cache = NULL;
            bertscore_refcache_destroy(cache);
        }
        if (rc == 0)
            printf("qaflow-lib regen round=%d speedup=%.3f scores_identical=%s\n", round, pps[1] / pps[0],
                   memcmp(res[0], res[1], (size_t)n * sizeof **res) == 0 ? "yes" : "NO");
    }
    if (rc != 0)
        fprintf(stderr, "score: %s\n", err);
    free(pc);
    free(pr);
    free(res[0]);
    free(res[1]);
    return rc != 0;
}

int main(int argc, char **argv)
{
    if (argc < 8) {
        fprintf(stderr, "usage: %s MODEL_DIR LAYER CANDS REFS single|batch N THREADS\n"
                        "       %s MODEL_DIR LAYER CANDS REFS regen NREFS THREADS [PAIRS_PER_CALL [ROUNDS [CACHE_MB]]]\n"
                        "       (regen reads 4 x NREFS candidates)\n", argv[0], argv[0]);
        return 2;
    }
    int regen = strcmp(argv[5], "regen") == 0;
    int n = atoi(argv[6]), ncand = regen ? 4 * n : n;   /* regen: n references, 4 candidates each */
    char err[512];
    bertscore_model *m = bertscore_model_load(argv[1], err, sizeof err);
    char **c = n > 0 ? read_lines(argv[3], ncand) : NULL, **r = n > 0 ? read_lines(argv[4], n) : NULL;
    if (!m || !c || !r) {
        fprintf(stderr, "setup failed: %s\n", m ? "cannot read the candidates and references" : err);
        return 1;
    }
    bertscore_opts o;
    bertscore_opts_default(m, &o);
    o.layer = atoi(argv[2]);
    o.threads = atoi(argv[7]);
    o.batch_size = 64;
    if (regen) {
        int per_call = argc > 8 ? atoi(argv[8]) : 1, rounds = argc > 9 ? atoi(argv[9]) : 1;
        int cache_mb = argc > 10 ? atoi(argv[10]) : 64;
        if (per_call < 1 || rounds < 1 || cache_mb < 1) {
            fprintf(stderr, "PAIRS_PER_CALL, ROUNDS and CACHE_MB must be >= 1\n");
            return 2;
        }
        int rc = bench_regen(m, &o, c, r, n, per_call, rounds, cache_mb);
        free_lines(c, ncand);
        free_lines(r, n);
        bertscore_model_free(m);
        return rc;
    }
    bertscore_result *res = calloc((size_t)n, sizeof *res);
    int single = strcmp(argv[5], "single") == 0;
    bertscore_score(m, (const char *const *)c, (const char *const *)r, 2, &o, res, err, sizeof err); /* warm-up */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = 0;
    if (single) {
        for (int i = 0; i < n && rc == 0; i++)
            rc = bertscore_score(m, (const char *const *)c + i, (const char *const *)r + i, 1, &o, res + i, err, sizeof err);
    } else {
        for (int i = 0; i < n && rc == 0; i += 64)
            rc = bertscore_score(m, (const char *const *)c + i, (const char *const *)r + i, n - i < 64 ? (size_t)(n - i) : 64,
                                 &o, res + i, err, sizeof err);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc != 0) {
        fprintf(stderr, "score: %s\n", err);
        return 1;
    }
    double dt = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, mf = 0;
    for (int i = 0; i < n; i++)
        mf += res[i].f;
    printf("qaflow-lib %s pairs=%d seconds=%.3f pairs_per_s=%.2f threads=%d meanF=%.6f\n", argv[5], n, dt, n / dt,
           o.threads, mf / n);
    free_lines(c, n);
    free_lines(r, n);
    free(res);
    bertscore_model_free(m);
    return 0;
}
