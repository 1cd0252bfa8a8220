/* calibrate.h -- baseline (mean P/R/F of unrelated pairs) per layer, and layer-selection evidence. */
#ifndef QAFLOW_CALIBRATE_H
#define QAFLOW_CALIBRATE_H

#include <stddef.h>
#include <stdio.h>

#include "bertscore.h"

typedef struct calibrate_opts {
    const char *dataset;   /* Yahoo! Answers CSV */
    long pairs;            /* random (answer, unrelated answer) pairs for the baseline */
    unsigned long seed;
    int threads;
    int max_records;       /* records read from the dataset (0: all) */
} calibrate_opts;

typedef struct calibrate_layer {
    double base_p, base_r, base_f;   /* the baseline row */
    double auc_title, gap_title;     /* question title vs real answer / vs unrelated answer */
    double auc_half, gap_half;       /* answer's first half vs its second half / another's */
    double real_f, unrelated_f;      /* mean raw F of the half-vs-half pairs */
} calibrate_layer;

/* Runs the calibration for every layer 0..num_layers into out[num_layers + 1].
 * Returns 0, or -1 with err filled. */
int calibrate_run(const bertscore_model *m, const calibrate_opts *o, calibrate_layer *out,
                  size_t *records_used, char *err, size_t errlen);

/* Writes the evidence as a Markdown table. */
void calibrate_report(FILE *f, const bertscore_model *m, const calibrate_opts *o,
                      const calibrate_layer *l, int nlayers, size_t records);

#endif
