/* baseline.h -- BERTScore rescale baselines in bert-score's file layout (CSV: LAYER,P,R,F). */
#ifndef QAFLOW_BASELINE_H
#define QAFLOW_BASELINE_H

#include <stddef.h>
#include <stdio.h>

typedef struct bertscore_baseline bertscore_baseline;

/* Parses text: a header "LAYER,P,R,F" then one row per layer 0,1,2,... in order (the row for
 * layer k is the k-th data row, as bert-score's iloc[num_layers]). Every value must be a finite
 * number below 1. Returns NULL with err filled on any deviation. */
bertscore_baseline *baseline_parse(const char *text, size_t len, char *err, size_t errlen);
bertscore_baseline *baseline_load(const char *path, char *err, size_t errlen);
void baseline_destroy(bertscore_baseline *b);

int baseline_layers(const bertscore_baseline *b);
/* Fills p, r, f for layer; -1 with err when the file has no such row. */
int baseline_get(const bertscore_baseline *b, int layer, double *p, double *r, double *f,
                 char *err, size_t errlen);

/* Writes nlayers rows (values[k*3 + 0..2] = P, R, F of layer k) in the same layout. */
int baseline_write(FILE *out, const double *values, int nlayers);

/* (s - b) / (1 - b) */
double baseline_rescale(double s, double b);

#endif
