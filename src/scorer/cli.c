/* cli.c -- qaflow-bertscore: score candidate/reference files like bert-score's CLI, or calibrate a baseline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bertscore.h"
#include "calibrate.h"
#include "config.h"
#include "log.h"
#include "scorer_defaults.h"
#include "textlines.h"

static const config_entry cli_config[] = {
    {"cands", NULL, "-c", CONFIG_STRING, NULL, 0, 0, "candidates file, one text per line ('-' = stdin)"},
    {"refs", NULL, "-r", CONFIG_STRING, NULL, 0, 0, "references file, one text per line ('-' = stdin)"},
    {"model-dir", "QAFLOW_MODEL_DIR", NULL, CONFIG_STRING, SCORER_DEFAULT_MODEL_DIR, 0, 0,
     "model directory: config.json, vocab.txt, model.safetensors, tokenizer_config.json"},
    {"layer", "QAFLOW_BERTSCORE_LAYER", "-l", CONFIG_INT, SCORER_DEFAULT_LAYER, 0, 1000,
     "layer whose output is used (bert-score's num_layers; 0 = embeddings)"},
    {"idf", NULL, NULL, CONFIG_BOOL, "false", 0, 0, "idf weights computed over the references"},
    {"baseline", "QAFLOW_BERTSCORE_BASELINE", "-b", CONFIG_STRING, NULL, 0, 0,
     "baseline file (LAYER,P,R,F); rescaled P R F are appended to each line"},
    {"batch-size", NULL, NULL, CONFIG_INT, "64", 1, 4096, "sequences encoded together"},
    {"threads", "QAFLOW_BERTSCORE_THREADS", "-t", CONFIG_INT, "1", 1, 64, "encoder threads"},
    {"dataset", NULL, NULL, CONFIG_STRING, "dataset/sample.csv", 0, 0,
     "calibrate: Yahoo! Answers CSV to sample answers from"},
    {"pairs", NULL, NULL, CONFIG_INT, "10000", 10, 100000000, "calibrate: random unrelated pairs per layer"},
    {"seed", NULL, NULL, CONFIG_INT, "1", 0, 1e18, "calibrate: random seed"},
    {"max-records", NULL, NULL, CONFIG_INT, "0", 0, 1e9, "calibrate: records read (0 = all)"},
    {"out", NULL, "-o", CONFIG_STRING, NULL, 0, 0, "calibrate: write the baseline file here"},
    {"log-level", "QAFLOW_LOG_LEVEL", NULL, CONFIG_STRING, "warn", 0, 0, "debug, info, warn, error"},
};

static int cli_score(const config *c, bertscore_model *m)
{
    char err[512];
    const char *cp = config_get_string(c, "cands"), *rp = config_get_string(c, "refs");
    if (!cp || !rp) {
        fprintf(stderr, "qaflow-bertscore: -c/--cands and -r/--refs are required (see --help)\n");
        return 2;
    }
    if (strcmp(cp, "-") == 0 && strcmp(rp, "-") == 0) {
        fprintf(stderr, "qaflow-bertscore: only one of --cands/--refs can be stdin\n");
        return 2;
    }
    textlines cands, refs;
    if (textlines_read(cp, &cands, err, sizeof err) != 0) {
        fprintf(stderr, "qaflow-bertscore: %s\n", err);
        return 1;
    }
    if (textlines_read(rp, &refs, err, sizeof err) != 0) {
        fprintf(stderr, "qaflow-bertscore: %s\n", err);
        textlines_free(&cands);
        return 1;
    }
    int rc = 1;
    bertscore_baseline *bl = NULL;
    bertscore_result *res = NULL;
    if (cands.n != refs.n) {
        fprintf(stderr, "qaflow-bertscore: %zu candidates but %zu references\n", cands.n, refs.n);
        goto done;
    }
    bertscore_opts o;
    bertscore_opts_default(m, &o);
    o.layer = (int)config_get_int(c, "layer");
    o.idf = config_get_bool(c, "idf");
    o.batch_size = (int)config_get_int(c, "batch-size");
    o.threads = (int)config_get_int(c, "threads");
    const char *bp = config_get_string(c, "baseline");
    if (bp && *bp) {
        if (!(bl = baseline_load(bp, err, sizeof err))) {
            fprintf(stderr, "qaflow-bertscore: %s\n", err);
            goto done;
        }
        o.baseline = bl;
    }
    res = calloc(cands.n + 1, sizeof *res);
    if (!res) {
        fprintf(stderr, "qaflow-bertscore: out of memory\n");
        goto done;
    }
    if (bertscore_score(m, (const char *const *)cands.lines, (const char *const *)refs.lines, cands.n, &o,
                        res, err, sizeof err) != 0) {
        fprintf(stderr, "qaflow-bertscore: %s\n", err);
        goto done;
    }
    for (size_t i = 0; i < cands.n; i++) {
        if (bl)
            printf("%.6f %.6f %.6f %.6f %.6f %.6f\n", res[i].p, res[i].r, res[i].f, res[i].p_rescaled,
                   res[i].r_rescaled, res[i].f_rescaled);
        else
            printf("%.6f %.6f %.6f\n", res[i].p, res[i].r, res[i].f);
    }
    rc = fflush(stdout) == 0 ? 0 : 1;
done:
    free(res);
    baseline_destroy(bl);
    textlines_free(&cands);
    textlines_free(&refs);
    return rc;
}

static int cli_calibrate(const config *c, bertscore_model *m)
{
    char err[512];
    calibrate_opts o = {
        .dataset = config_get_string(c, "dataset"),
        .pairs = (long)config_get_int(c, "pairs"),
        .seed = (unsigned long)config_get_int(c, "seed"),
        .threads = (int)config_get_int(c, "threads"),
        .max_records = (int)config_get_int(c, "max-records"),
    };
    int nl = bertscore_model_layers(m);
    calibrate_layer *layers = calloc((size_t)nl + 1, sizeof *layers);
    double *vals = calloc(((size_t)nl + 1) * 3, sizeof *vals);
    size_t records = 0;
    int rc = 1;
    if (!layers || !vals) {
        fprintf(stderr, "qaflow-bertscore: out of memory\n");
        goto done;
    }
    if (calibrate_run(m, &o, layers, &records, err, sizeof err) != 0) {
        fprintf(stderr, "qaflow-bertscore calibrate: %s\n", err);
        goto done;
    }
    calibrate_report(stdout, m, &o, layers, nl, records);
    for (int k = 0; k <= nl; k++) {
        vals[k * 3] = layers[k].base_p;
        vals[k * 3 + 1] = layers[k].base_r;
        vals[k * 3 + 2] = layers[k].base_f;
    }
    const char *out = config_get_string(c, "out");
    if (out && *out) {
        FILE *f = fopen(out, "w");
        if (!f || baseline_write(f, vals, nl + 1) != 0) {
            fprintf(stderr, "qaflow-bertscore calibrate: cannot write %s\n", out);
            if (f)
                fclose(f);
            goto done;
        }
        if (fclose(f) != 0) {
            fprintf(stderr, "qaflow-bertscore calibrate: cannot write %s\n", out);
            goto done;
        }
        fprintf(stderr, "baseline written to %s\n", out);
    }
    rc = 0;
done:
    free(layers);
    free(vals);
    return rc;
}

int main(int argc, char **argv)
{
    char err[512];
    config *c = config_create("qaflow-bertscore",
                              "BERTScore of candidate vs reference texts (bert-score compatible).\n"
                              "  qaflow-bertscore -c cands.txt -r refs.txt [--layer N] [--idf] [--baseline FILE]\n"
                              "  qaflow-bertscore calibrate --dataset FILE --pairs N --out baseline.tsv\n"
                              "Prints 'P R F' per pair (rescaled P R F appended with --baseline).",
                              cli_config, sizeof cli_config / sizeof cli_config[0], err, sizeof err);
    if (!c) {
        fprintf(stderr, "qaflow-bertscore: %s\n", err);
        return 2;
    }
    config_allow_positional(c);
    int pr = config_parse(c, argc, argv, err, sizeof err);
    if (pr != 0) {
        if (pr < 0)
            fprintf(stderr, "qaflow-bertscore: %s\n", err);
        config_destroy(c);
        return pr > 0 ? 0 : 2;
    }
    int calibrate = 0;
    for (size_t i = 0; i < config_positional_count(c); i++) {
        if (strcmp(config_positional(c, i), "calibrate") == 0 && i == 0) {
            calibrate = 1;
        } else {
            fprintf(stderr, "qaflow-bertscore: unexpected argument '%s'\n", config_positional(c, i));
            config_destroy(c);
            return 2;
        }
    }
    if (log_init("bertscore", config_get_string(c, "log-level"), err, sizeof err) != 0) {
        fprintf(stderr, "qaflow-bertscore: %s\n", err);
        config_destroy(c);
        return 2;
    }
    bertscore_model *m = bertscore_model_load(config_get_string(c, "model-dir"), err, sizeof err);
    if (!m) {
        fprintf(stderr, "qaflow-bertscore: %s\n", err);
        config_destroy(c);
        return 1;
    }
    int rc = calibrate ? cli_calibrate(c, m) : cli_score(c, m);
    bertscore_model_free(m);
    config_destroy(c);
    return rc;
}
