/* bert_config.c -- read and check BERT's config.json (sizes, layer count, LayerNorm eps, activation). */
#include "bert_config.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static int bc_int(json_t *root, const char *key, int required, int def, int *out,
                  char *err, size_t errlen)
{
    json_t *v = json_object_get(root, key);
    if (!v) {
        if (required) {
            snprintf(err, errlen, "config.json: missing '%s'", key);
            return -1;
        }
        *out = def;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) <= 0 || json_integer_value(v) > 1000000000) {
        snprintf(err, errlen, "config.json: '%s' must be a positive integer", key);
        return -1;
    }
    *out = (int)json_integer_value(v);
    return 0;
}

int bert_config_parse(const char *text, size_t len, bert_config *cfg, char *err, size_t errlen)
{
    json_error_t jerr;
    json_t *root = json_loadb(text, len, 0, &jerr);
    if (!root) {
        snprintf(err, errlen, "config.json: bad JSON: %s (line %d)", jerr.text, jerr.line);
        return -1;
    }
    int rc = -1;
    memset(cfg, 0, sizeof *cfg);
    if (!json_is_object(root)) {
        snprintf(err, errlen, "config.json: not a JSON object");
        goto out;
    }
    json_t *mt = json_object_get(root, "model_type");
    if (mt && (!json_is_string(mt) || (strcmp(json_string_value(mt), "bert") != 0))) {
        snprintf(err, errlen, "config.json: model_type '%s' is not supported (bert only)",
                 json_is_string(mt) ? json_string_value(mt) : "?");
        goto out;
    }
    json_t *act = json_object_get(root, "hidden_act");
    if (act && (!json_is_string(act) || strcmp(json_string_value(act), "gelu") != 0)) {
        snprintf(err, errlen, "config.json: hidden_act '%s' is not supported (gelu only)",
                 json_is_string(act) ? json_string_value(act) : "?");
        goto out;
    }
    json_t *pet = json_object_get(root, "position_embedding_type");
    if (pet && (!json_is_string(pet) || strcmp(json_string_value(pet), "absolute") != 0)) {
        snprintf(err, errlen, "config.json: position_embedding_type must be 'absolute'");
        goto out;
    }
    if (bc_int(root, "vocab_size", 1, 0, &cfg->vocab_size, err, errlen) ||
        bc_int(root, "hidden_size", 1, 0, &cfg->hidden_size, err, errlen) ||
        bc_int(root, "num_hidden_layers", 1, 0, &cfg->num_hidden_layers, err, errlen) ||
        bc_int(root, "num_attention_heads", 1, 0, &cfg->num_attention_heads, err, errlen) ||
        bc_int(root, "intermediate_size", 1, 0, &cfg->intermediate_size, err, errlen) ||
        bc_int(root, "max_position_embeddings", 0, 512, &cfg->max_position_embeddings, err, errlen) ||
        bc_int(root, "type_vocab_size", 0, 2, &cfg->type_vocab_size, err, errlen))
        goto out;
    cfg->layer_norm_eps = 1e-12;
    json_t *eps = json_object_get(root, "layer_norm_eps");
    if (eps) {
        if (!json_is_number(eps) || json_number_value(eps) <= 0 || json_number_value(eps) > 1) {
            snprintf(err, errlen, "config.json: 'layer_norm_eps' must be a number in (0, 1]");
            goto out;
        }
        cfg->layer_norm_eps = json_number_value(eps);
    }
    if (cfg->hidden_size % cfg->num_attention_heads != 0) {
        snprintf(err, errlen, "config.json: hidden_size %d is not a multiple of num_attention_heads %d",
                 cfg->hidden_size, cfg->num_attention_heads);
        goto out;
    }
    if (cfg->num_hidden_layers > 1000 || cfg->hidden_size > 65536 || cfg->intermediate_size > 262144 ||
        cfg->max_position_embeddings > 65536) {
        snprintf(err, errlen, "config.json: sizes out of range");
        goto out;
    }
    rc = 0;
out:
    json_decref(root);
    return rc;
}

int bert_config_load(const char *path, bert_config *cfg, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open %s", path);
        return -1;
    }
    char buf[65536];
    size_t n = fread(buf, 1, sizeof buf, f);
    int big = !feof(f);
    fclose(f);
    if (big) {
        snprintf(err, errlen, "%s: larger than 64 KiB, not a config.json", path);
        return -1;
    }
    char sub[400];
    if (bert_config_parse(buf, n, cfg, sub, sizeof sub) != 0) {
        snprintf(err, errlen, "%s (%s)", sub, path);
        return -1;
    }
    return 0;
}
