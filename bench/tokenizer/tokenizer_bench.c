/* tokenizer_bench.c -- tokenizer throughput benchmark and id dumper over a JSONL file of {"text": ...}. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tokenizer.h"

static void bench_usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s [options] TEXTS.jsonl\n"
            "  Tokenizes every \"text\" of TEXTS.jsonl (one JSON object per line).\n"
            "  --model-dir DIR   model directory with vocab.txt (env QAFLOW_MODEL_DIR,\n"
            "                    default var/models/all-MiniLM-L6-v2)\n"
            "  --cased           do_lower_case=0 (default: the uncased model's 1)\n"
            "  --max-len N       truncation length (default 512)\n"
            "  --repeat N        passes over the texts for timing (default 20)\n"
            "  --dump            print the ids of each text, one line per text, no timing\n"
            "  --help            this text\n",
            prog);
}

typedef struct {
    char **text;
    size_t *len;
    size_t n, cap, bytes;
} bench_texts;

static void bench_texts_free(bench_texts *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->text[i]);
    free(b->text);
    free(b->len);
}

static int bench_load(const char *path, bench_texts *b)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "error: cannot open %s\n", path);
        return -1;
    }
    char *line = NULL;
    size_t lcap = 0;
    ssize_t got;
    size_t lineno = 0;
    int rc = 0;
    while ((got = getline(&line, &lcap, f)) >= 0) {
        lineno++;
        if (got <= 1)
            continue;
        json_error_t jerr;
        json_t *o = json_loadb(line, (size_t)got, JSON_ALLOW_NUL, &jerr);
        json_t *t = o ? json_object_get(o, "text") : NULL;
        if (!json_is_string(t)) {
            fprintf(stderr, "error: %s:%zu: no \"text\" string\n", path, lineno);
            json_decref(o);
            rc = -1;
            break;
        }
        if (b->n == b->cap) {
            b->cap = b->cap ? b->cap * 2 : 1024;
            b->text = realloc(b->text, b->cap * sizeof(*b->text));
            b->len = realloc(b->len, b->cap * sizeof(*b->len));
            if (!b->text || !b->len)
                abort();
        }
        size_t n = json_string_length(t);
        b->text[b->n] = malloc(n + 1);
        if (!b->text[b->n])
            abort();
        memcpy(b->text[b->n], json_string_value(t), n + 1);
        b->len[b->n] = n;
        b->bytes += n;
        b->n++;
        json_decref(o);
    }
    free(line);
    fclose(f);
    return rc;
}

/* Peak resident set of this process (VmHWM, not inherited across fork+exec), in KiB. */
static long bench_peak_rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

static double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const char *model_dir = getenv("QAFLOW_MODEL_DIR");
    const char *input = NULL;
    int lower = 1, max_len = 512, repeat = 20, dump = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            bench_usage(argv[0]);
            return 0;
        } else if (!strcmp(argv[i], "--model-dir") && i + 1 < argc) {
            model_dir = argv[++i];
        } else if (!strcmp(argv[i], "--cased")) {
            lower = 0;
        } else if (!strcmp(argv[i], "--max-len") && i + 1 < argc) {
            max_len = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) {
            repeat = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--dump")) {
            dump = 1;
        } else if (argv[i][0] != '-' && !input) {
            input = argv[i];
        } else {
            bench_usage(argv[0]);
            return 2;
        }
    }
    if (!input || max_len < 2 || repeat < 1) {
        bench_usage(argv[0]);
        return 2;
    }
    if (!model_dir || !*model_dir)
        model_dir = "var/models/all-MiniLM-L6-v2";
    char vocab[1024], err[256];
    snprintf(vocab, sizeof(vocab), "%s/vocab.txt", model_dir);
    double t0 = bench_now();
    tokenizer *t = tokenizer_create(vocab, lower, err, sizeof(err));
    double t_load = bench_now() - t0;
    if (!t) {
        fprintf(stderr, "error: %s\n", err);
        return 1;
    }
    bench_texts b = {0};
    if (bench_load(input, &b) < 0) {
        tokenizer_destroy(t);
        bench_texts_free(&b);
        return 1;
    }
    int32_t *ids = malloc((size_t)max_len * sizeof(*ids));
    if (!ids)
        abort();
    int rc = 0;
    if (dump) {
        for (size_t i = 0; i < b.n; i++) {
            int n = tokenizer_encode(t, b.text[i], b.len[i], ids, max_len, err, sizeof(err));
            if (n < 0) {
                fprintf(stderr, "error: text %zu: %s\n", i, err);
                rc = 1;
                break;
            }
            for (int k = 0; k < n; k++)
                printf(k ? " %d" : "%d", ids[k]);
            putchar('\n');
        }
    } else {
        long long tokens = 0;
        double start = bench_now();
        for (int r = 0; r < repeat; r++) {
            for (size_t i = 0; i < b.n; i++) {
                int n = tokenizer_encode(t, b.text[i], b.len[i], ids, max_len, err, sizeof(err));
                if (n < 0) {
                    fprintf(stderr, "error: %s\n", err);
                    rc = 1;
                    break;
                }
                tokens += n;
            }
        }
        double secs = bench_now() - start;
        double texts = (double)b.n * repeat;
        printf("{\"impl\":\"qaflow-c\",\"texts\":%zu,\"repeat\":%d,\"seconds\":%.4f,"
               "\"texts_per_s\":%.1f,\"tokens_per_s\":%.1f,\"mb_per_s\":%.2f,"
               "\"us_per_text\":%.2f,\"vocab_load_ms\":%.2f,\"peak_rss_kb\":%ld}\n",
               b.n, repeat, secs, texts / secs, (double)tokens / secs,
               (double)b.bytes * repeat / secs / 1e6, secs / texts * 1e6, t_load * 1e3, bench_peak_rss_kb());
    }
    free(ids);
    bench_texts_free(&b);
    tokenizer_destroy(t);
    return rc;
}
