/* gemm.h -- Linear-layer products against weights packed once at model load (AVX2+FMA kernel, cblas fallback). */
#ifndef QAFLOW_GEMM_H
#define QAFLOW_GEMM_H

#include <stddef.h>

/* Output columns per packed panel (the micro-kernel's width). */
#define GEMM_NR 16

/* A torch Linear weight W [N x K] (row-major, y = x W^T + b), repacked for the micro-kernel:
 * panel p holds columns p*16 .. p*16+15 as K rows of 16 floats (the last panel zero-padded).
 * The packing is done only when the CPU has AVX2 and FMA; otherwise data is NULL and the
 * product goes through cblas_sgemm on w. */
typedef struct gemm_weights {
    const float *w;   /* borrowed: the original [N x K] matrix, used by the fallback */
    float *data;      /* owned: npanels x K x 16 floats, or NULL */
    int n, k, npanels;
} gemm_weights;

/* Binds w (borrowed, must outlive gw) and packs it when the kernel is usable.
 * Returns 0, or -1 when out of memory (gw is then empty). */
int gemm_weights_init(gemm_weights *gw, const float *w, int n, int k);
void gemm_weights_free(gemm_weights *gw);

/* Y[r, c] = sum_k X[r, k] W[c, k] + b[c] (+ R[r, c] when R is not NULL) for rows 0..m-1 and
 * columns c0 <= c < c1. X has leading dimension ldx, Y ldy, R ldr. c0 must be a multiple of
 * GEMM_NR; c1 a multiple of GEMM_NR or n (use gemm_split). Each output element is computed
 * the same way whatever m, c0 and c1 are, so results do not depend on batching or on the
 * column split. Y must not overlap X or R. */
void gemm_linear(const float *X, int m, int ldx, const gemm_weights *gw, const float *b, int c0,
                 int c1, float *Y, int ldy, const float *R, int ldr);

/* Small products whose "weights" change every call (attention): B[c][kk] = w[c*ld_n + kk*ld_k]
 * for c < n, kk < k, packed into dst (gemm_packed_floats(n, k) floats, 32-byte aligned), then
 * Y[r, c] = sum_k X[r, k] B[c, k] for r < m, c < n. Only when gemm_simd_active(). */
size_t gemm_packed_floats(int n, int k);
void gemm_pack_strided(float *dst, const float *w, int n, int k, size_t ld_n, size_t ld_k);
void gemm_run_packed(const float *X, int m, int ldx, const float *packed, int n, int k, float *Y, int ldy);

/* Column range [c0, c1) of part `part` of `parts`, on panel boundaries. */
void gemm_split(const gemm_weights *gw, int part, int parts, int *c0, int *c1);

/* 1 when the packed AVX2+FMA path is in use. gemm_set_simd(0) forces the cblas path for
 * weights packed afterwards (tests); returns the previous setting. */
int gemm_simd_active(void);
int gemm_set_simd(int on);

#endif
