/* tokenizer_test.c -- tokenizer unit tests: ids identical to HF's golden fixtures, plus edge cases and properties. */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "tokenizer.h"
#include "tokenizer_model.h"

#define MAX_IDS 512

typedef struct {
    char *text;
    size_t len;
    int max_len;
    int32_t ids[MAX_IDS];
    int n;
} fixture_case;

typedef struct {
    fixture_case *v;
    size_t n;
} fixture;

static void fixture_free(fixture *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->v[i].text);
    free(f->v);
    f->v = NULL;
    f->n = 0;
}

/* Loads a JSONL fixture; returns 0 or -1 (message printed). */
static int fixture_load(const char *path, fixture *f)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "FAIL: cannot open fixture %s\n", path);
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    size_t alloc = 0, lineno = 0;
    f->v = NULL;
    f->n = 0;
    while ((got = getline(&line, &cap, fp)) >= 0) {
        lineno++;
        if (got <= 1)
            continue;
        json_error_t jerr;
        json_t *o = json_loadb(line, (size_t)got, JSON_ALLOW_NUL, &jerr);
        json_t *jt = o ? json_object_get(o, "text") : NULL;
        json_t *jids = o ? json_object_get(o, "ids") : NULL;
        json_t *jm = o ? json_object_get(o, "max_len") : NULL;
        if (!json_is_string(jt) || !json_is_array(jids) || json_array_size(jids) > MAX_IDS) {
            fprintf(stderr, "FAIL: %s:%zu: bad fixture line (%s)\n", path, lineno,
                    o ? "fields" : jerr.text);
            json_decref(o);
            free(line);
            fclose(fp);
            return -1;
        }
        if (f->n == alloc) {
            alloc = alloc ? alloc * 2 : 256;
            f->v = realloc(f->v, alloc * sizeof(*f->v));
            if (!f->v)
                abort();
        }
        fixture_case *c = &f->v[f->n++];
        c->len = json_string_length(jt);
        c->text = malloc(c->len + 1);
        if (!c->text)
            abort();
        memcpy(c->text, json_string_value(jt), c->len + 1);
        c->max_len = json_is_integer(jm) ? (int)json_integer_value(jm) : 512;
        c->n = (int)json_array_size(jids);
        for (int i = 0; i < c->n; i++)
            c->ids[i] = (int32_t)json_integer_value(json_array_get(jids, (size_t)i));
        json_decref(o);
    }
    free(line);
    fclose(fp);
    return 0;
}

static void print_ids(const char *label, const int32_t *ids, int n)
{
    fprintf(stderr, "  %s (%d):", label, n);
    for (int i = 0; i < n && i < 40; i++)
        fprintf(stderr, " %d", ids[i]);
    fprintf(stderr, n > 40 ? " ...\n" : "\n");
}

static int ids_equal(const int32_t *a, int na, const int32_t *b, int nb)
{
    return na == nb && (na <= 0 || memcmp(a, b, (size_t)na * sizeof(*a)) == 0);
}

/* Every fixture string must give exactly HF's ids. */
static void test_fixture(const tokenizer *t, const fixture *f, const char *name)
{
    int bad = 0;
    for (size_t i = 0; i < f->n; i++) {
        const fixture_case *c = &f->v[i];
        int32_t ids[MAX_IDS];
        char err[256] = "";
        int n = tokenizer_encode(t, c->text, c->len, ids, c->max_len, err, sizeof(err));
        check_count++;
        if (!ids_equal(ids, n, c->ids, c->n)) {
            check_failures++;
            bad++;
            fprintf(stderr, "FAIL %s case %zu (max_len %d) text \"%.80s\": %s\n", name, i,
                    c->max_len, c->text, n < 0 ? err : "ids differ");
            print_ids("want", c->ids, c->n);
            if (n >= 0)
                print_ids("got ", ids, n);
        }
    }
    fprintf(stderr, "%s: %zu cases, %d mismatches\n", name, f->n, bad);
}

static int encode_str(const tokenizer *t, const char *s, int32_t *ids, int max_len)
{
    char err[256];
    return tokenizer_encode(t, s, strlen(s), ids, max_len, err, sizeof(err));
}

/* Leading/trailing whitespace never changes the ids (bert-score's strip() is a no-op for BERT). */
static void test_strip_invariance(const tokenizer *t, const fixture *f)
{
    for (size_t i = 0; i < f->n; i++) {
        const fixture_case *c = &f->v[i];
        size_t len = c->len + 6;
        char *buf = malloc(len);
        if (!buf)
            abort();
        memcpy(buf, " \t\n", 3);
        memcpy(buf + 3, c->text, c->len);
        memcpy(buf + 3 + c->len, "\r\n ", 3);
        int32_t a[MAX_IDS], b[MAX_IDS];
        char err[256];
        int na = tokenizer_encode(t, c->text, c->len, a, c->max_len, err, sizeof(err));
        int nb = tokenizer_encode(t, buf, len, b, c->max_len, err, sizeof(err));
        CHECK_MSG(na > 0 && ids_equal(a, na, b, nb), "padding with whitespace changed ids of case %zu",
              i);
        free(buf);
    }
}

/* Truncation keeps a prefix of the full encoding and ends with [SEP], for every max_len. */
static void test_truncation(const tokenizer *t, const fixture *f)
{
    int cls = tokenizer_special_id(t, "[CLS]"), sep = tokenizer_special_id(t, "[SEP]");
    int longest = 0;
    for (size_t i = 0; i < f->n; i++) {
        const fixture_case *c = &f->v[i];
        if (c->max_len != 512)
            continue;
        int32_t full[MAX_IDS], cut[MAX_IDS];
        char err[256];
        int nf = tokenizer_encode(t, c->text, c->len, full, 512, err, sizeof(err));
        if (nf > longest)
            longest = nf;
        static const int lens[] = {2, 3, 4, 7, 16, 100};
        for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
            int m = lens[k];
            int nc = tokenizer_encode(t, c->text, c->len, cut, m, err, sizeof(err));
            int want = nf < m ? nf : m;
            CHECK_MSG(nc == want, "case %zu max_len %d: %d ids, want %d", i, m, nc, want);
            if (nc != want || nc < 2)
                continue;
            CHECK_MSG(cut[0] == cls && cut[nc - 1] == sep, "case %zu max_len %d: no [CLS]/[SEP]", i,
                  m);
            CHECK_MSG(memcmp(cut, full, (size_t)(nc - 1) * sizeof(*cut)) == 0,
                  "case %zu max_len %d: not a prefix of the full encoding", i, m);
        }
    }
    CHECK_MSG(longest == 512, "no fixture text reaches the 512 limit (longest %d)", longest);
}

static void test_edge_cases(const tokenizer *t)
{
    int32_t a[MAX_IDS], b[MAX_IDS];
    char err[256];
    int cls = tokenizer_special_id(t, "[CLS]"), sep = tokenizer_special_id(t, "[SEP]");
    int unk = tokenizer_special_id(t, "[UNK]");
    CHECK_MSG(cls >= 0 && sep >= 0 && unk >= 0, "special ids missing");
    CHECK_MSG(tokenizer_special_id(t, "[NOPE]") == -1, "absent token must give -1");
    CHECK_MSG(tokenizer_vocab_size(t) > cls && tokenizer_vocab_size(t) > sep, "vocab size");

    /* Empty and whitespace-only text: [CLS][SEP]. */
    int n = tokenizer_encode(t, NULL, 0, a, 512, err, sizeof(err));
    CHECK_MSG(n == 2 && a[0] == cls && a[1] == sep, "empty text gives %d ids", n);
    n = encode_str(t, " \t\r\n\xc2\xa0\xe3\x80\x80\xe2\x80\xa8", a, 512);
    CHECK_MSG(n == 2, "whitespace-only text gives %d ids", n);

    /* Errors are reported, not crashed on. */
    err[0] = 0;
    CHECK_MSG(tokenizer_encode(t, "abc", 3, a, 1, err, sizeof(err)) == -1 && err[0],
          "max_len 1 must fail with a message");
    CHECK_MSG(tokenizer_encode(t, NULL, 3, a, 512, err, sizeof(err)) == -1, "NULL text must fail");
    CHECK_MSG(tokenizer_encode(NULL, "a", 1, a, 512, err, sizeof(err)) == -1, "NULL tokenizer");

    /* The length is honoured: no NUL terminator needed, bytes past len ignored. */
    n = tokenizer_encode(t, "hello world", 5, a, 512, err, sizeof(err));
    int m = encode_str(t, "hello", b, 512);
    CHECK_MSG(ids_equal(a, n, b, m) && n == 3, "len not honoured");

    /* NUL bytes inside are dropped like BERT's cleaning drops U+0000. */
    n = tokenizer_encode(t, "hel\0lo", 6, a, 512, err, sizeof(err));
    CHECK_MSG(ids_equal(a, n, b, m), "NUL inside a word must be dropped");

    /* Invalid UTF-8 acts as U+FFFD, which cleaning drops, without eating valid bytes. */
    n = encode_str(t, "hel\xfflo", a, 512);
    CHECK_MSG(ids_equal(a, n, b, m), "stray byte inside a word must be dropped");
    n = encode_str(t, "hel\xe2\x82lo", a, 512);
    CHECK_MSG(ids_equal(a, n, b, m), "truncated sequence must not swallow ASCII");
    n = encode_str(t, "hel\xed\xa0\x80lo", a, 512); /* encoded surrogate */
    CHECK_MSG(ids_equal(a, n, b, m), "encoded surrogate must be dropped");
    n = encode_str(t, "hel\xc0\xaflo", a, 512); /* overlong '/' must not become punctuation */
    CHECK_MSG(ids_equal(a, n, b, m), "overlong encoding must be dropped");
    n = encode_str(t, "hello\xf0\x9f", a, 512);
    CHECK_MSG(ids_equal(a, n, b, m), "truncated 4-byte sequence at the end");

    /* max_input_chars_per_word: 100 characters still word-pieced, 101 is one [UNK]. */
    char w[256];
    memset(w, 'a', 101);
    w[101] = 0;
    n = encode_str(t, w, a, 512);
    CHECK_MSG(n == 3 && a[1] == unk, "101-char word must be a single [UNK] (got %d ids)", n);
    w[100] = 0;
    n = encode_str(t, w, a, 512);
    int has_unk = 0;
    for (int i = 1; i < n - 1; i++)
        has_unk |= a[i] == unk;
    CHECK_MSG(n > 3 && !has_unk, "100-char word must be word-pieced (got %d ids)", n);

    /* Special-token strings map to their ids; lower-case ones are plain text. */
    n = encode_str(t, "a[SEP]b", a, 512);
    CHECK_MSG(n == 5 && a[2] == sep, "[SEP] inside text");
    n = encode_str(t, "[sep]", a, 512);
    CHECK_MSG(n > 3 && a[1] != sep, "[sep] is not a special token");

    /* Uncased model: case and accents do not matter. */
    if (tokenizer_do_lower_case(t)) {
        n = encode_str(t, "CAFÉ Crème", a, 512);
        m = encode_str(t, "cafe creme", b, 512);
        CHECK_MSG(ids_equal(a, n, b, m), "lower-casing / accent stripping");
        n = encode_str(t, "cafe\xcc\x81", a, 512); /* decomposed é */
        m = encode_str(t, "caf\xc3\xa9", b, 512);
        CHECK_MSG(ids_equal(a, n, b, m), "decomposed and composed é differ");
    }

    /* CJK ideographs become one word each; punctuation splits. */
    n = encode_str(t, "\xe4\xb8\xad\xe6\x96\x87", a, 512); /* 中文 */
    m = encode_str(t, "\xe4\xb8\xad \xe6\x96\x87", b, 512);
    CHECK_MSG(n == 4 && ids_equal(a, n, b, m), "CJK spacing");
    n = encode_str(t, "hello,world", a, 512);
    m = encode_str(t, "hello , world", b, 512);
    CHECK_MSG(ids_equal(a, n, b, m), "punctuation split");
}

/* A vocab with CRLF endings, a duplicate and no [UNK] behaves as HF's load_vocab would. */
static void test_vocab_files(void)
{
    char dir[] = "/tmp/qaflow-tokvocab-XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK_MSG(0, "mkdtemp failed");
        return;
    }
    char path[512];
    char err[256];
    snprintf(path, sizeof(path), "%s/vocab.txt", dir);

    FILE *f = fopen(path, "wb");
    fputs("[PAD]\r\n[UNK]\r\n[CLS]\r[SEP]\nhello\nworld\n##s\nhello\n", f);
    fclose(f);
    tokenizer *t = tokenizer_create(path, 1, err, sizeof(err));
    CHECK_MSG(t != NULL, "CRLF vocab: %s", err);
    if (t) {
        int32_t ids[16];
        CHECK_MSG(tokenizer_vocab_size(t) == 8, "vocab size %d", tokenizer_vocab_size(t));
        CHECK_MSG(tokenizer_special_id(t, "[SEP]") == 3, "\\r line ending");
        int n = encode_str(t, "Hello worlds xyz", ids, 16);
        /* hello's duplicate keeps the last id (7), as a Python dict does. */
        CHECK_MSG(n == 6 && ids[1] == 7 && ids[2] == 5 && ids[3] == 6 && ids[4] == 1,
              "toy vocab encoding (n=%d)", n);
        tokenizer_destroy(t);
    }

    f = fopen(path, "wb");
    fputs("[CLS]\n[SEP]\nhello\n", f);
    fclose(f);
    err[0] = 0;
    t = tokenizer_create(path, 1, err, sizeof(err));
    CHECK_MSG(t == NULL && strstr(err, "[UNK]"), "vocab without [UNK] must fail clearly: %s", err);
    tokenizer_destroy(t);

    f = fopen(path, "wb");
    fputs("[UNK]\n[CLS]\n[SEP]\nbad\xff\n", f);
    fclose(f);
    err[0] = 0;
    t = tokenizer_create(path, 1, err, sizeof(err));
    CHECK_MSG(t == NULL && strstr(err, "UTF-8"), "invalid UTF-8 vocab must fail: %s", err);
    tokenizer_destroy(t);

    f = fopen(path, "wb");
    fclose(f);
    t = tokenizer_create(path, 1, err, sizeof(err));
    CHECK_MSG(t == NULL && strstr(err, "empty"), "empty vocab must fail: %s", err);
    tokenizer_destroy(t);
    unlink(path);

    err[0] = 0;
    t = tokenizer_create(path, 1, err, sizeof(err));
    CHECK_MSG(t == NULL && strstr(err, path), "missing vocab must name the path: %s", err);
    rmdir(dir);
}

typedef struct {
    const tokenizer *t;
    const fixture *f;
    int bad;
} thread_arg;

static void *thread_run(void *p)
{
    thread_arg *a = p;
    for (int rep = 0; rep < 3; rep++) {
        for (size_t i = 0; i < a->f->n; i++) {
            const fixture_case *c = &a->f->v[i];
            int32_t ids[MAX_IDS];
            char err[256];
            int n = tokenizer_encode(a->t, c->text, c->len, ids, c->max_len, err, sizeof(err));
            if (!ids_equal(ids, n, c->ids, c->n))
                a->bad++;
        }
    }
    return NULL;
}

/* One tokenizer shared by threads gives the same ids. */
static void test_threads(const tokenizer *t, const fixture *f)
{
    pthread_t th[4];
    thread_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (thread_arg){t, f, 0};
        pthread_create(&th[i], NULL, thread_run, &args[i]);
    }
    int bad = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        bad += args[i].bad;
    }
    CHECK_MSG(bad == 0, "%d mismatches when encoding from 4 threads", bad);
}

/* tokenizer_config.json handling: defaults, unsupported settings refused with a reason. */
static void test_model_config(const char *model_dir)
{
    tokenizer_model_config cfg;
    char err[256];
    CHECK_MSG(tokenizer_model_config_read(model_dir, &cfg, err, sizeof(err)) == 0, "%s", err);
    CHECK_MSG(cfg.do_lower_case == 1 && cfg.model_max_length == 512,
          "all-MiniLM-L6-v2: do_lower_case %d, model_max_length %lld", cfg.do_lower_case,
          cfg.model_max_length);

    char dir[] = "/tmp/qaflow-tokcfg-XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK_MSG(0, "mkdtemp");
        return;
    }
    char path[512];
    snprintf(path, sizeof(path), "%s/tokenizer_config.json", dir);
    CHECK_MSG(tokenizer_model_config_read(dir, &cfg, err, sizeof(err)) == 0 &&
              cfg.do_lower_case == 1 && cfg.model_max_length == -1,
          "missing tokenizer_config.json must give the defaults");
    static const struct {
        const char *json;
        int ok, lower;
        const char *why;
    } cases[] = {
        {"{\"do_lower_case\": false, \"model_max_length\": 1000000000000000019884624838656}", 1, 0, ""},
        {"{\"do_lower_case\": true, \"strip_accents\": null}", 1, 1, ""},
        {"{\"do_lower_case\": true, \"strip_accents\": false}", 0, 0, "strip_accents"},
        {"{\"tokenize_chinese_chars\": false}", 0, 0, "tokenize_chinese_chars"},
        {"{\"tokenizer_class\": \"XLMRobertaTokenizer\"}", 0, 0, "XLMRobertaTokenizer"},
        {"{\"do_lower_case\": \"yes\"}", 0, 0, "non-boolean"},
        {"[1, 2]", 0, 0, "object"},
        {"{\"do_lower_case\": tru", 0, 0, ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        FILE *f = fopen(path, "w");
        fputs(cases[i].json, f);
        fclose(f);
        err[0] = 0;
        int rc = tokenizer_model_config_read(dir, &cfg, err, sizeof(err));
        if (cases[i].ok)
            CHECK_MSG(rc == 0 && cfg.do_lower_case == cases[i].lower && cfg.model_max_length == -1,
                  "config %s: rc %d lower %d max %lld (%s)", cases[i].json, rc, cfg.do_lower_case,
                  cfg.model_max_length, err);
        else
            CHECK_MSG(rc == -1 && err[0] && strstr(err, cases[i].why), "config %s must fail: %s",
                  cases[i].json, err);
    }
    unlink(path);
    rmdir(dir);

    tokenizer *t = tokenizer_create_for_model(model_dir, &cfg, err, sizeof(err));
    CHECK_MSG(t != NULL && tokenizer_do_lower_case(t) == 1, "tokenizer_create_for_model: %s", err);
    tokenizer_destroy(t);
    t = tokenizer_create_for_model("/nonexistent-model-dir", NULL, err, sizeof(err));
    CHECK_MSG(t == NULL && strstr(err, "/nonexistent-model-dir/vocab.txt"), "missing dir: %s", err);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s tests/fixtures/bertscore/tokens.jsonl\n", argv[0]);
        return 2;
    }
    const char *model_dir = getenv("QAFLOW_MODEL_DIR");
    if (!model_dir || !*model_dir)
        model_dir = "var/models/all-MiniLM-L6-v2";
    char vocab[1024], err[256];
    snprintf(vocab, sizeof(vocab), "%s/vocab.txt", model_dir);
    if (access(vocab, R_OK) != 0) {
        fprintf(stderr, "FAIL: model vocab %s not found: install the model with infra/models.sh "
                        "(or set QAFLOW_MODEL_DIR)\n", vocab);
        return 1;
    }
    tokenizer_model_config mcfg;
    if (tokenizer_model_config_read(model_dir, &mcfg, err, sizeof(err)) < 0) {
        fprintf(stderr, "FAIL: %s\n", err);
        return 1;
    }
    int lower = mcfg.do_lower_case;

    tokenizer *t = tokenizer_create(vocab, lower, err, sizeof(err));
    tokenizer *tc = tokenizer_create(vocab, 0, err, sizeof(err));
    if (!t || !tc) {
        fprintf(stderr, "FAIL: tokenizer_create: %s\n", err);
        return 1;
    }
    fixture f, fc;
    if (fixture_load(argv[1], &f) < 0)
        return 1;
    char cased[1024];
    snprintf(cased, sizeof(cased), "%.*s_cased.jsonl", (int)(strlen(argv[1]) - 6), argv[1]);
    if (fixture_load(cased, &fc) < 0)
        return 1;
    CHECK_MSG(f.n >= 200, "fixture has only %zu cases", f.n);

    test_fixture(t, &f, "tokens.jsonl (uncased)");
    test_fixture(tc, &fc, "tokens_cased.jsonl (do_lower_case=0)");
    test_strip_invariance(t, &f);
    test_truncation(t, &f);
    test_edge_cases(t);
    test_vocab_files();
    test_threads(t, &f);
    test_model_config(model_dir);

    fixture_free(&f);
    fixture_free(&fc);
    tokenizer_destroy(t);
    tokenizer_destroy(tc);
    return CHECK_DONE();
}
