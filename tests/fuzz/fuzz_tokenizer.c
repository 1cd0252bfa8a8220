/* fuzz_tokenizer.c -- fuzz targets for the tokenizer: arbitrary text, and arbitrary vocab files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_targets.h"
#include "tokenizer.h"

/* Tokenizers loaded once per fuzzing process (a harness, not a service). */
static tokenizer *fuzz_tok_lower;
static tokenizer *fuzz_tok_cased;

int fuzz_tokenizer_init(void)
{
    if (fuzz_tok_lower)
        return 0;
    const char *dir = getenv("QAFLOW_MODEL_DIR");
    if (!dir || !*dir)
        dir = "var/models/all-MiniLM-L6-v2";
    char path[1024], err[256];
    snprintf(path, sizeof(path), "%s/vocab.txt", dir);
    fuzz_tok_lower = tokenizer_create(path, 1, err, sizeof(err));
    fuzz_tok_cased = tokenizer_create(path, 0, err, sizeof(err));
    if (!fuzz_tok_lower || !fuzz_tok_cased) {
        fprintf(stderr, "fuzz_tokenizer: %s (set QAFLOW_MODEL_DIR, run infra/models.sh)\n", err);
        return -1;
    }
    return 0;
}

/* Encodes t[0..n) with max_len into an exactly-sized heap array (so ASan sees overruns) and
 * checks the invariants every result must hold. Returns the count. */
static int fuzz_encode_checked(const tokenizer *tok, const char *t, size_t n, int max_len,
                               int32_t **out)
{
    int32_t *ids = malloc((size_t)max_len * sizeof(*ids));
    char err[256];
    if (!ids)
        abort();
    int k = tokenizer_encode(tok, t, n, ids, max_len, err, sizeof(err));
    if (k < 2 || k > max_len) {
        fprintf(stderr, "fuzz_tokenizer: bad count %d (max_len %d): %s\n", k, max_len, err);
        abort();
    }
    int vs = tokenizer_vocab_size(tok);
    if (ids[0] != tokenizer_special_id(tok, "[CLS]") ||
        ids[k - 1] != tokenizer_special_id(tok, "[SEP]"))
        abort();
    for (int i = 0; i < k; i++)
        if (ids[i] < 0 || ids[i] >= vs)
            abort();
    *out = ids;
    return k;
}

/* Input: one flag byte (max_len choice, cased or not), then the text. */
int fuzz_tokenizer_one(const uint8_t *data, size_t size)
{
    static const int lens[8] = {2, 3, 4, 8, 16, 64, 128, 512};
    uint8_t flags = size ? data[0] : 0;
    const char *text = size ? (const char *)data + 1 : "";
    size_t n = size ? size - 1 : 0;
    const tokenizer *tok = (flags & 0x80) ? fuzz_tok_cased : fuzz_tok_lower;
    int max_len = lens[flags & 7];

    int32_t *full, *cut;
    int nf = fuzz_encode_checked(tok, text, n, 512, &full);
    int nc = fuzz_encode_checked(tok, text, n, max_len, &cut);
    /* Truncation keeps a prefix of the full encoding. */
    int want = nf < max_len ? nf : max_len;
    if (nc != want || memcmp(cut, full, (size_t)(nc - 1) * sizeof(*cut)) != 0) {
        fprintf(stderr, "fuzz_tokenizer: truncation to %d is not a prefix\n", max_len);
        abort();
    }
    /* Oracle for the ASCII fast path: in uncased mode a combining acute accent (U+0301) after
     * any ASCII character is removed again (NFC, lower, NFD, drop Mn), but sends the word
     * through the utf8proc path; the ids must not change. '[' is excluded so no special token
     * is broken up. */
    if (!(flags & 0x80) && n < 4096) {
        int ascii = 1;
        for (size_t i = 0; i < n && ascii; i++)
            ascii = (unsigned char)text[i] < 0x80 && text[i] != '[';
        if (ascii) {
            char *acc = malloc(n * 3 + 1);
            if (!acc)
                abort();
            size_t k = 0;
            for (size_t i = 0; i < n; i++) {
                acc[k++] = text[i];
                if (i % 3 == (size_t)(flags >> 3 & 3) % 3) {
                    acc[k++] = (char)0xCC;
                    acc[k++] = (char)0x81;
                }
            }
            int32_t *ids2;
            int n2 = fuzz_encode_checked(tok, acc, k, 512, &ids2);
            if (n2 != nf || memcmp(ids2, full, (size_t)nf * sizeof(*ids2)) != 0) {
                fprintf(stderr, "fuzz_tokenizer: combining accents changed the ids\n");
                abort();
            }
            free(ids2);
            free(acc);
        }
    }
    free(full);
    free(cut);
    return 0;
}

int fuzz_vocab_init(void)
{
    return 0;
}

/* Input: a whole vocab.txt. Loading must fail cleanly or give a tokenizer that works. */
int fuzz_vocab_one(const uint8_t *data, size_t size)
{
    char err[256];
    tokenizer *tok = tokenizer_create_from_buffer((const char *)data, size, 1, err, sizeof(err));
    if (!tok) {
        if (!err[0])
            abort(); /* a failure must say why */
        return 0;
    }
    static const char *const texts[] = {"", "hello world", "Héllo, wörld! [SEP] 中文 ##ab",
                                        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        int32_t *ids;
        fuzz_encode_checked(tok, texts[i], strlen(texts[i]), 16, &ids);
        free(ids);
    }
    int32_t *ids;
    fuzz_encode_checked(tok, (const char *)data, size < 4096 ? size : 4096, 64, &ids);
    free(ids);
    tokenizer_destroy(tok);
    return 0;
}

#ifdef QAFLOW_FUZZ_TOKENIZER
FUZZ_LIBFUZZER_MAIN(fuzz_tokenizer_init, fuzz_tokenizer_one)
#endif
#ifdef QAFLOW_FUZZ_VOCAB
FUZZ_LIBFUZZER_MAIN(fuzz_vocab_init, fuzz_vocab_one)
#endif
