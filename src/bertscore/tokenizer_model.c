/* tokenizer_model.c -- creates the tokenizer of a Hugging Face model directory (vocab.txt + tokenizer_config.json). */
#include "tokenizer_model.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* A boolean setting: 1/0, or `absent` when missing or null. -1 when not a boolean. */
static int model_bool(json_t *o, const char *key, int absent)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return absent;
    if (!json_is_boolean(v))
        return -1;
    return json_is_true(v);
}

int tokenizer_model_config_read(const char *dir, tokenizer_model_config *cfg, char *err,
                                size_t errlen)
{
    char path[4096];
    cfg->do_lower_case = 1;
    cfg->model_max_length = -1;
    if (snprintf(path, sizeof(path), "%s/tokenizer_config.json", dir) >= (int)sizeof(path)) {
        snprintf(err, errlen, "model directory path too long");
        return -1;
    }
    if (access(path, F_OK) != 0) {
        if (errno == ENOENT)
            return 0; /* defaults, as BertTokenizer without a config */
        snprintf(err, errlen, "cannot access %s: %s", path, strerror(errno));
        return -1;
    }
    json_error_t jerr;
    /* HF writes model_max_length = 1e30 as an integer literal when unset: decode numbers as reals. */
    json_t *o = json_load_file(path, JSON_DECODE_INT_AS_REAL, &jerr);
    if (!o || !json_is_object(o)) {
        snprintf(err, errlen, "%s: %s", path, o ? "not a JSON object" : jerr.text);
        json_decref(o);
        return -1;
    }
    int rc = -1;
    int lower = model_bool(o, "do_lower_case", 1);
    int strip = model_bool(o, "strip_accents", -2); /* -2: null, follows do_lower_case */
    int chinese = model_bool(o, "tokenize_chinese_chars", 1);
    int basic = model_bool(o, "do_basic_tokenize", 1);
    json_t *cls = json_object_get(o, "tokenizer_class");
    json_t *mml = json_object_get(o, "model_max_length");
    if (lower < 0 || chinese < 0 || basic < 0 || (strip == -1)) {
        snprintf(err, errlen, "%s: a boolean setting has a non-boolean value", path);
    } else if (strip >= 0 && strip != lower) {
        snprintf(err, errlen, "%s: strip_accents=%s with do_lower_case=%s is not supported", path,
                 strip ? "true" : "false", lower ? "true" : "false");
    } else if (!chinese || !basic) {
        snprintf(err, errlen, "%s: %s=false is not supported", path,
                 !chinese ? "tokenize_chinese_chars" : "do_basic_tokenize");
    } else if (cls && (!json_is_string(cls) ||
                       (strcmp(json_string_value(cls), "BertTokenizer") != 0 &&
                        strcmp(json_string_value(cls), "BertTokenizerFast") != 0))) {
        snprintf(err, errlen, "%s: tokenizer_class %s is not a BERT WordPiece tokenizer", path,
                 json_is_string(cls) ? json_string_value(cls) : "(not a string)");
    } else {
        cfg->do_lower_case = lower;
        if (json_is_number(mml) && json_number_value(mml) >= 1 &&
            json_number_value(mml) < 1e9)
            cfg->model_max_length = (long long)json_number_value(mml);
        rc = 0;
    }
    json_decref(o);
    return rc;
}

tokenizer *tokenizer_create_for_model(const char *dir, tokenizer_model_config *cfg, char *err,
                                      size_t errlen)
{
    tokenizer_model_config local;
    if (!cfg)
        cfg = &local;
    if (tokenizer_model_config_read(dir, cfg, err, errlen) < 0)
        return NULL;
    char path[4096];
    if (snprintf(path, sizeof(path), "%s/vocab.txt", dir) >= (int)sizeof(path)) {
        snprintf(err, errlen, "model directory path too long");
        return NULL;
    }
    return tokenizer_create(path, cfg->do_lower_case, err, errlen);
}
