/* bertscore_gemm_test.c -- gemm_linear (packed AVX2+FMA kernel and cblas fallback) against cblas_sgemm on odd shapes. */
#include <cblas.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "gemm.h"

#define REL_TOL 1e-4

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static float rnd(void)   /* uniform in [-1, 1) */
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (float)((rng_state >> 40) * (1.0 / (1 << 23)) - 1.0);
}

static float *rnd_vec(size_t n)
{
    float *v = malloc(n * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = rnd();
    return v;
}

/* Y = X W^T + b (+ R) over all columns, with `parts` column parts, against cblas_sgemm. */
static void check_shape(int m, int k, int n, int parts, int residual, const char *path)
{
    float *X = rnd_vec((size_t)m * k), *W = rnd_vec((size_t)n * k), *b = rnd_vec((size_t)n);
    float *R = residual ? rnd_vec((size_t)m * n) : NULL;
    float *ref = malloc((size_t)m * n * sizeof *ref), *Y = malloc((size_t)m * n * sizeof *Y);
    for (size_t i = 0; i < (size_t)m * n; i++)
        Y[i] = NAN;   /* every element must be written */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, X, k, W, k, 0.0f, ref, n);
    gemm_weights gw;
    CHECK_MSG(gemm_weights_init(&gw, W, n, k) == 0, "pack %dx%d", n, k);
    for (int p = 0; p < parts; p++) {
        int c0, c1;
        gemm_split(&gw, p, parts, &c0, &c1);
        gemm_linear(X, m, k, &gw, b, c0, c1, Y, n, R, n);
    }
    double worst = 0;
    int bad = 0;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double want = (double)ref[(size_t)i * n + j] + b[j] + (R ? R[(size_t)i * n + j] : 0);
            double got = Y[(size_t)i * n + j];
            double rel = fabs(got - want) / fmax(fabs(want), 1.0);
            if (!(rel <= REL_TOL))
                bad++;
            if (!(rel <= worst))
                worst = rel;
        }
    CHECK_MSG(bad == 0, "%s m=%d k=%d n=%d parts=%d residual=%d: %d elements off, worst rel %g", path, m, k, n,
          parts, residual, bad, worst);
    /* packed path: a row alone gives bit-identical values to the same row inside the batch
     * (OpenBLAS does not promise that: it picks other kernels for m = 1) */
    if (m > 1 && gw.data) {
        int row = m / 2;
        float *y1 = malloc((size_t)n * sizeof *y1);
        gemm_linear(X + (size_t)row * k, 1, k, &gw, b, 0, n, y1, n, R ? R + (size_t)row * n : NULL, n);
        CHECK_MSG(memcmp(y1, Y + (size_t)row * n, (size_t)n * sizeof *y1) == 0,
              "%s m=%d k=%d n=%d: row %d alone differs from the batch", path, m, k, n, row);
        free(y1);
    }
    gemm_weights_free(&gw);
    free(X);
    free(W);
    free(b);
    free(R);
    free(ref);
    free(Y);
}

static void check_all(const char *path)
{
    static const int ms[] = {1, 7, 33, 300}, ks[] = {384, 1536}, ns[] = {384, 1152, 1536};
    for (size_t a = 0; a < sizeof ms / sizeof *ms; a++)
        for (size_t c = 0; c < sizeof ks / sizeof *ks; c++)
            for (size_t d = 0; d < sizeof ns / sizeof *ns; d++)
                check_shape(ms[a], ks[c], ns[d], 1 + (int)(a % 2), (int)(d % 2), path);
    /* columns that do not fill the last panel, tiny K, splits finer than the panels */
    check_shape(5, 3, 1, 1, 0, path);
    check_shape(13, 17, 40, 3, 1, path);
    check_shape(6, 384, 23, 4, 0, path);
    check_shape(301, 64, 100, 7, 1, path);
}

int main(void)
{
    printf("simd path: %s\n", gemm_simd_active() ? "AVX2+FMA packed" : "unavailable (cblas only)");
    check_all(gemm_simd_active() ? "packed" : "cblas");
    int prev = gemm_set_simd(0);
    CHECK_MSG(!gemm_simd_active(), "gemm_set_simd(0) leaves the packed path on");
    check_all("cblas");
    gemm_set_simd(prev);
    return CHECK_DONE();
}
