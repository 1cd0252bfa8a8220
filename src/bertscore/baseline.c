/* baseline.c -- read and write rescale baselines (bert-score's LAYER,P,R,F CSV) and apply (s-b)/(1-b). */
#include "baseline.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct bertscore_baseline {
    int n;
    double *v;   /* n x 3 */
};

void baseline_destroy(bertscore_baseline *b)
{
    if (!b)
        return;
    free(b->v);
    free(b);
}

int baseline_layers(const bertscore_baseline *b)
{
    return b->n;
}

double baseline_rescale(double s, double b)
{
    return (s - b) / (1.0 - b);
}

/* Copies the next line of text (without its end) into line; returns 0 at the end. */
static int bl_next_line(const char **p, const char *end, char *line, size_t cap)
{
    if (*p >= end)
        return 0;
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    const char *e = nl ? nl : end;
    size_t n = (size_t)(e - *p);
    if (n >= cap)
        n = cap - 1;
    memcpy(line, *p, n);
    line[n] = '\0';
    while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' '))
        line[--n] = '\0';
    *p = nl ? nl + 1 : end;
    return 1;
}

bertscore_baseline *baseline_parse(const char *text, size_t len, char *err, size_t errlen)
{
    const char *p = text, *end = text + len;
    char line[512];
    int lineno = 0;
    while (bl_next_line(&p, end, line, sizeof line)) {
        lineno++;
        if (line[0])
            break;
    }
    if (strcmp(line, "LAYER,P,R,F") != 0) {
        snprintf(err, errlen, "baseline: line %d: header must be 'LAYER,P,R,F'", lineno);
        return NULL;
    }
    bertscore_baseline *b = calloc(1, sizeof *b);
    if (!b) {
        snprintf(err, errlen, "baseline: out of memory");
        return NULL;
    }
    int cap = 0;
    while (bl_next_line(&p, end, line, sizeof line)) {
        lineno++;
        if (!line[0])
            continue;
        char *s = line, *q;
        errno = 0;
        long layer = strtol(s, &q, 10);
        if (q == s || *q != ',' || layer != b->n) {
            snprintf(err, errlen, "baseline: line %d: expected layer %d first", lineno, b->n);
            goto fail;
        }
        double vals[3];
        for (int k = 0; k < 3; k++) {
            s = q + 1;
            vals[k] = strtod(s, &q);
            if (q == s || (k < 2 ? *q != ',' : *q != '\0') || !isfinite(vals[k]) || vals[k] >= 1.0) {
                snprintf(err, errlen, "baseline: line %d: expected 'layer,P,R,F' with numbers below 1", lineno);
                goto fail;
            }
        }
        if (b->n == cap) {
            cap = cap ? cap * 2 : 16;
            double *nv = realloc(b->v, (size_t)cap * 3 * sizeof(double));
            if (!nv) {
                snprintf(err, errlen, "baseline: out of memory");
                goto fail;
            }
            b->v = nv;
        }
        memcpy(b->v + (size_t)b->n * 3, vals, sizeof vals);
        b->n++;
    }
    if (b->n == 0) {
        snprintf(err, errlen, "baseline: no layer rows");
        goto fail;
    }
    return b;
fail:
    baseline_destroy(b);
    return NULL;
}

bertscore_baseline *baseline_load(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "baseline: cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    char buf[65536];
    size_t n = fread(buf, 1, sizeof buf, f);
    int big = !feof(f);
    fclose(f);
    if (big) {
        snprintf(err, errlen, "baseline: %s is larger than 64 KiB", path);
        return NULL;
    }
    char sub[300];
    bertscore_baseline *b = baseline_parse(buf, n, sub, sizeof sub);
    if (!b)
        snprintf(err, errlen, "%s (%s)", sub, path);
    return b;
}

int baseline_get(const bertscore_baseline *b, int layer, double *p, double *r, double *f,
                 char *err, size_t errlen)
{
    if (layer < 0 || layer >= b->n) {
        snprintf(err, errlen, "baseline: no row for layer %d (the file has layers 0..%d)", layer, b->n - 1);
        return -1;
    }
    *p = b->v[layer * 3];
    *r = b->v[layer * 3 + 1];
    *f = b->v[layer * 3 + 2];
    return 0;
}

int baseline_write(FILE *out, const double *values, int nlayers)
{
    if (fprintf(out, "LAYER,P,R,F\n") < 0)
        return -1;
    for (int k = 0; k < nlayers; k++)
        if (fprintf(out, "%d,%.8f,%.8f,%.8f\n", k, values[k * 3], values[k * 3 + 1], values[k * 3 + 2]) < 0)
            return -1;
    return fflush(out) == 0 ? 0 : -1;
}
