/* peak.c -- measured fp32 FMA peak of the cores: independent FMA chains per thread, AVX2 (256-bit) and AVX-512. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__)
#include <immintrin.h>

/* 12 independent accumulators hide the FMA latency (4 cycles x 2 pipes needs >= 8). */
#define PEAK_LOOP(T, SET1, FMA, LANES)                                                              \
    /* distinct starting values: identical chains would be merged by the compiler */                \
    T a0 = SET1(1.0f), a1 = SET1(1.01f), a2 = SET1(1.02f), a3 = SET1(1.03f), a4 = SET1(1.04f),      \
      a5 = SET1(1.05f), a6 = SET1(1.06f), a7 = SET1(1.07f), a8 = SET1(1.08f), a9 = SET1(1.09f),     \
      a10 = SET1(1.10f), a11 = SET1(1.11f);                                                         \
    const T x = SET1(0.999999f), y = SET1(1e-7f);                                                   \
    for (long i = 0; i < iters; i++) {                                                              \
        a0 = FMA(a0, x, y); a1 = FMA(a1, x, y); a2 = FMA(a2, x, y); a3 = FMA(a3, x, y);             \
        a4 = FMA(a4, x, y); a5 = FMA(a5, x, y); a6 = FMA(a6, x, y); a7 = FMA(a7, x, y);             \
        a8 = FMA(a8, x, y); a9 = FMA(a9, x, y); a10 = FMA(a10, x, y); a11 = FMA(a11, x, y);         \
    }                                                                                               \
    T s = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;                              \
    float out[LANES];                                                                               \
    memcpy(out, &s, sizeof out);                                                                    \
    return (double)out[0];

__attribute__((target("avx2,fma"))) static double peak_avx2(long iters)
{
    PEAK_LOOP(__m256, _mm256_set1_ps, _mm256_fmadd_ps, 8)
}

__attribute__((target("avx512f"))) static double peak_avx512(long iters)
{
    PEAK_LOOP(__m512, _mm512_set1_ps, _mm512_fmadd_ps, 16)
}
#endif

typedef struct job { int wide; long iters; double sink; } job;

static volatile double peak_sink;   /* the loops' results end here, so they are not optimised away */

static void *run(void *arg)
{
    job *j = arg;
#if defined(__x86_64__)
    j->sink = j->wide ? peak_avx512(j->iters) : peak_avx2(j->iters);
#endif
    return NULL;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    double seconds = argc > 2 ? atof(argv[2]) : 1.0;
    if (threads < 1 || threads > 256 || seconds <= 0) {
        fprintf(stderr, "usage: %s [THREADS [SECONDS]]\n", argv[0]);
        return 2;
    }
#if !defined(__x86_64__)
    fprintf(stderr, "x86-64 only\n");
    return 1;
#else
    __builtin_cpu_init();
    for (int wide = 0; wide <= 1; wide++) {
        if (wide ? !__builtin_cpu_supports("avx512f") : !(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")))
            continue;
        const int lanes = wide ? 16 : 8;
        long iters = 1000000;
        double dt = 0;
        job *jobs = calloc((size_t)threads, sizeof *jobs);
        pthread_t *t = calloc((size_t)threads, sizeof *t);
        for (;;) {   /* grow the loop until one run lasts the asked time */
            double t0 = now();
            for (int i = 0; i < threads; i++) {
                jobs[i] = (job){wide, iters, 0};
                pthread_create(&t[i], NULL, run, &jobs[i]);
            }
            for (int i = 0; i < threads; i++)
                pthread_join(t[i], NULL);
            dt = now() - t0;
            if (dt >= seconds)
                break;
            iters = (long)(iters * (dt > 0.01 ? 1.1 * seconds / dt : 10));
        }
        double gflops = 12.0 * 2 * lanes * (double)iters * threads / dt / 1e9;
        char load[64] = "?";
        FILE *f = fopen("/proc/loadavg", "r");
        if (f) {
            if (fscanf(f, "%63s", load) != 1)
                snprintf(load, sizeof load, "?");
            fclose(f);
        }
        for (int i = 0; i < threads; i++)
            peak_sink += jobs[i].sink;
        printf("peak %s threads=%d seconds=%.2f gflops=%.1f gflops_per_thread=%.1f load1=%s\n",
               wide ? "avx512" : "avx2", threads, dt, gflops, gflops / threads, load);
        free(jobs);
        free(t);
    }
    return 0;
#endif
}
