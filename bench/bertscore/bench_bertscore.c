/* bench_bertscore.c -- qaflow_bertscore library pairs/s, one pair per call ("single") or 64 per call ("batch"). */
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

int main(int argc, char **argv)
{
    if (argc < 8) {
        fprintf(stderr, "usage: %s MODEL_DIR LAYER CANDS REFS single|batch N THREADS\n", argv[0]);
        return 2;
    }
    int n = atoi(argv[6]);
    char err[512];
    bertscore_model *m = bertscore_model_load(argv[1], err, sizeof err);
    char **c = read_lines(argv[3], n), **r = read_lines(argv[4], n);
    if (!m || !c || !r) {
        fprintf(stderr, "setup failed: %s\n", m ? "cannot read pairs" : err);
        return 1;
    }
    bertscore_opts o;
    bertscore_opts_default(m, &o);
    o.layer = atoi(argv[2]);
    o.threads = atoi(argv[7]);
    o.batch_size = 64;
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
    for (int i = 0; i < n; i++) {
        free(c[i]);
        free(r[i]);
    }
    free(c);
    free(r);
    free(res);
    bertscore_model_free(m);
    return 0;
}
