/* scorer_defaults.h -- defaults shared by qaflow-bertscore and qaflow-scorer (model, layer, baseline). */
#ifndef QAFLOW_SCORER_DEFAULTS_H
#define QAFLOW_SCORER_DEFAULTS_H

#define SCORER_DEFAULT_MODEL_DIR "var/models/all-MiniLM-L6-v2"
/* Chosen by `qaflow-bertscore calibrate` on dataset/sample.csv: see docs/bertscore.md. */
#define SCORER_DEFAULT_LAYER "6"
#define SCORER_DEFAULT_BASELINE "src/bertscore/baselines/all-MiniLM-L6-v2.tsv"

#endif
