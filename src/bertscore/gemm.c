/* gemm.c -- Linear-layer products against weights packed once at model load (AVX2+FMA kernel, cblas fallback). */
#include "gemm.h"

#include <cblas.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define GEMM_X86 1
#include <immintrin.h>
#endif

/* Why: for one pair (M ~ 30-300 tokens) OpenBLAS repacks the whole weight matrix on every
 * call (14.5% of a single-pair run, docs/bertscore.md). Packing once at load leaves only the
 * multiply-adds. The kernel computes a 6 x 16 tile of Y with 12 ymm accumulators, reading
 * 6 rows of X (broadcast) and one 16-wide panel of W per k; panels are visited outermost
 * so a panel (K x 64 bytes: 24 KiB at K = 384) stays in L1 while all rows pass over it.
 * Compiled with a function-level target so the rest of the build stays portable. */

#define GEMM_MR 6

static atomic_int gemm_simd_setting = -1;   /* -1 unknown, 0 off, 1 on */

static int gemm_cpu_ok(void)
{
#ifdef GEMM_X86
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

int gemm_simd_active(void)
{
    int s = atomic_load(&gemm_simd_setting);
    if (s < 0) {
        s = gemm_cpu_ok();
        atomic_store(&gemm_simd_setting, s);
    }
    return s;
}

int gemm_set_simd(int on)
{
    int prev = gemm_simd_active();
    atomic_store(&gemm_simd_setting, on && gemm_cpu_ok());
    return prev;
}

size_t gemm_packed_floats(int n, int k)
{
    return (size_t)((n + GEMM_NR - 1) / GEMM_NR) * (size_t)k * GEMM_NR;
}

void gemm_pack_strided(float *dst, const float *w, int n, int k, size_t ld_n, size_t ld_k)
{
    const int np = (n + GEMM_NR - 1) / GEMM_NR;
    for (int p = 0; p < np; p++) {
        float *panel = dst + (size_t)p * k * GEMM_NR;
        for (int kk = 0; kk < k; kk++)
            for (int j = 0; j < GEMM_NR; j++) {
                const int c = p * GEMM_NR + j;
                panel[(size_t)kk * GEMM_NR + j] = c < n ? w[(size_t)c * ld_n + (size_t)kk * ld_k] : 0.0f;
            }
    }
}

int gemm_weights_init(gemm_weights *gw, const float *w, int n, int k)
{
    memset(gw, 0, sizeof *gw);
    gw->w = w;
    gw->n = n;
    gw->k = k;
    gw->npanels = (n + GEMM_NR - 1) / GEMM_NR;
    if (!gemm_simd_active())
        return 0;
    size_t sz = (size_t)gw->npanels * (size_t)k * GEMM_NR * sizeof(float);
    sz = (sz + 63) / 64 * 64;
    float *d = aligned_alloc(64, sz);
    if (!d) {
        memset(gw, 0, sizeof *gw);
        return -1;
    }
    gemm_pack_strided(d, w, n, k, (size_t)k, 1);
    gw->data = d;
    return 0;
}

void gemm_weights_free(gemm_weights *gw)
{
    if (!gw)
        return;
    free(gw->data);
    memset(gw, 0, sizeof *gw);
}

void gemm_split(const gemm_weights *gw, int part, int parts, int *c0, int *c1)
{
    int p0 = (int)((long long)gw->npanels * part / parts);
    int p1 = (int)((long long)gw->npanels * (part + 1) / parts);
    *c0 = p0 * GEMM_NR;
    *c1 = p1 * GEMM_NR < gw->n ? p1 * GEMM_NR : gw->n;
}

#ifdef GEMM_X86
/* One tile: rows 0..mr-1 (mr <= 6) of X, columns 0..nr-1 (nr <= 16) of panel B. Missing rows
 * re-read row 0 and are not stored, so every stored value has the same arithmetic. */
__attribute__((target("avx2,fma")))
static void gemm_tile(int K, const float *A, int lda, const float *B, int mr, int nr, const float *b,
                      float *Y, int ldy, const float *R, int ldr)
{
    /* b == NULL: plain product (R is then ignored) */
    const float *a0 = A, *a1 = mr > 1 ? A + lda : A, *a2 = mr > 2 ? A + 2 * (size_t)lda : A,
                *a3 = mr > 3 ? A + 3 * (size_t)lda : A, *a4 = mr > 4 ? A + 4 * (size_t)lda : A,
                *a5 = mr > 5 ? A + 5 * (size_t)lda : A;
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00,
           c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
#pragma GCC unroll 4
    for (int k = 0; k < K; k++) {
        const __m256 b0 = _mm256_load_ps(B + (size_t)k * GEMM_NR);
        const __m256 b1 = _mm256_load_ps(B + (size_t)k * GEMM_NR + 8);
        __m256 a = _mm256_broadcast_ss(a0 + k);
        c00 = _mm256_fmadd_ps(a, b0, c00);
        c01 = _mm256_fmadd_ps(a, b1, c01);
        a = _mm256_broadcast_ss(a1 + k);
        c10 = _mm256_fmadd_ps(a, b0, c10);
        c11 = _mm256_fmadd_ps(a, b1, c11);
        a = _mm256_broadcast_ss(a2 + k);
        c20 = _mm256_fmadd_ps(a, b0, c20);
        c21 = _mm256_fmadd_ps(a, b1, c21);
        a = _mm256_broadcast_ss(a3 + k);
        c30 = _mm256_fmadd_ps(a, b0, c30);
        c31 = _mm256_fmadd_ps(a, b1, c31);
        a = _mm256_broadcast_ss(a4 + k);
        c40 = _mm256_fmadd_ps(a, b0, c40);
        c41 = _mm256_fmadd_ps(a, b1, c41);
        a = _mm256_broadcast_ss(a5 + k);
        c50 = _mm256_fmadd_ps(a, b0, c50);
        c51 = _mm256_fmadd_ps(a, b1, c51);
    }
    float t[GEMM_MR][GEMM_NR] __attribute__((aligned(32)));
    _mm256_store_ps(t[0], c00);
    _mm256_store_ps(t[0] + 8, c01);
    _mm256_store_ps(t[1], c10);
    _mm256_store_ps(t[1] + 8, c11);
    _mm256_store_ps(t[2], c20);
    _mm256_store_ps(t[2] + 8, c21);
    _mm256_store_ps(t[3], c30);
    _mm256_store_ps(t[3] + 8, c31);
    _mm256_store_ps(t[4], c40);
    _mm256_store_ps(t[4] + 8, c41);
    _mm256_store_ps(t[5], c50);
    _mm256_store_ps(t[5] + 8, c51);
    for (int i = 0; i < mr; i++) {
        float *y = Y + (size_t)i * ldy;
        const float *r = R ? R + (size_t)i * ldr : NULL;
        if (nr == GEMM_NR && !b) {
            _mm256_storeu_ps(y, _mm256_load_ps(t[i]));
            _mm256_storeu_ps(y + 8, _mm256_load_ps(t[i] + 8));
        } else if (nr == GEMM_NR) {
            __m256 v0 = _mm256_add_ps(_mm256_load_ps(t[i]), _mm256_loadu_ps(b));
            __m256 v1 = _mm256_add_ps(_mm256_load_ps(t[i] + 8), _mm256_loadu_ps(b + 8));
            if (r) {
                v0 = _mm256_add_ps(v0, _mm256_loadu_ps(r));
                v1 = _mm256_add_ps(v1, _mm256_loadu_ps(r + 8));
            }
            _mm256_storeu_ps(y, v0);
            _mm256_storeu_ps(y + 8, v1);
        } else {
            for (int j = 0; j < nr; j++)
                y[j] = !b ? t[i][j] : r ? (t[i][j] + b[j]) + r[j] : t[i][j] + b[j];
        }
    }
}

__attribute__((target("avx2,fma")))
static void gemm_panels(const float *X, int m, int ldx, const float *packed, int K, const float *b,
                        int c0, int c1, float *Y, int ldy, const float *R, int ldr)
{
    for (int p = c0 / GEMM_NR; p * GEMM_NR < c1; p++) {
        const float *B = packed + (size_t)p * K * GEMM_NR;
        const int col = p * GEMM_NR, nr = c1 - col < GEMM_NR ? c1 - col : GEMM_NR;
        for (int i = 0; i < m; i += GEMM_MR) {
            const int mr = m - i < GEMM_MR ? m - i : GEMM_MR;
            gemm_tile(K, X + (size_t)i * ldx, ldx, B, mr, nr, b ? b + col : NULL, Y + (size_t)i * ldy + col, ldy,
                      R ? R + (size_t)i * ldr + col : NULL, ldr);
        }
    }
}
#endif

void gemm_run_packed(const float *X, int m, int ldx, const float *packed, int n, int k, float *Y, int ldy)
{
#ifdef GEMM_X86
    if (m > 0 && n > 0)
        gemm_panels(X, m, ldx, packed, k, NULL, 0, n, Y, ldy, NULL, 0);
#else
    (void)X, (void)m, (void)ldx, (void)packed, (void)n, (void)k, (void)Y, (void)ldy;
#endif
}

void gemm_linear(const float *X, int m, int ldx, const gemm_weights *gw, const float *b, int c0,
                 int c1, float *Y, int ldy, const float *R, int ldr)
{
    const int n = c1 - c0;
    if (m <= 0 || n <= 0)
        return;
#ifdef GEMM_X86
    if (gw->data) {
        gemm_panels(X, m, ldx, gw->data, gw->k, b, c0, c1, Y, ldy, R, ldr);
        return;
    }
#endif
    /* Y = b; Y += X W^T; Y += R (the order the packed path rounds in as well) */
    for (int r = 0; r < m; r++)
        memcpy(Y + (size_t)r * ldy + c0, b + c0, (size_t)n * sizeof(float));
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, gw->k, 1.0f, X, ldx,
                gw->w + (size_t)c0 * gw->k, gw->k, 1.0f, Y + c0, ldy);
    if (R)
        for (int r = 0; r < m; r++) {
            float *y = Y + (size_t)r * ldy + c0;
            const float *rr = R + (size_t)r * ldr + c0;
            for (int j = 0; j < n; j++)
                y[j] += rr[j];
        }
}
