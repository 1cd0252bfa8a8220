/* tokenizer.c -- BERT WordPiece tokenizer (BasicTokenizer + WordPiece) matching Hugging Face's BertTokenizer. */
#include "tokenizer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer_unicode.h"
#include "tokenizer_vocab.h"

/* HF's WordpieceTokenizer.max_input_chars_per_word. */
#define TOKENIZER_MAX_WORD_CHARS 100
#define TOKENIZER_NSPECIAL 5

static const char *const tokenizer_special_names[TOKENIZER_NSPECIAL] = {
    "[UNK]", "[SEP]", "[PAD]", "[CLS]", "[MASK]"};

struct tokenizer {
    tokenizer_vocab *vocab;
    int lower;
    int32_t unk, cls, sep;
    /* Special tokens present in the vocab: matched in the raw text like HF's added-token trie. */
    int nspecial;
    struct {
        const char *s;
        size_t n;
        int32_t id;
    } special[TOKENIZER_NSPECIAL];
};

/* Per-call state: output cursor and reusable buffers (allocated once per call). */
typedef struct {
    const tokenizer *t;
    int32_t *ids;
    int n;      /* ids written so far, [CLS] included */
    int limit;  /* n may not reach this: the slot at max_len - 1 is kept for [SEP] */
    int full;
    char *word; /* the current whitespace-delimited word, cleaned, as UTF-8 */
    size_t wlen;
    int word_ascii;
    tokenizer_cpbuf norm, scratch;
    char *bytes;
    size_t bytes_cap;
    char *err;
    size_t errlen;
} tokenizer_ctx;

/* Finishes a tokenizer around a loaded vocab (takes ownership of v). */
static tokenizer *tokenizer_from_vocab(tokenizer_vocab *v, int do_lower_case, const char *what,
                                       char *err, size_t errlen)
{
    tokenizer *t = calloc(1, sizeof(*t));
    if (!t) {
        tokenizer_vocab_destroy(v);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    t->vocab = v;
    t->lower = do_lower_case ? 1 : 0;
    for (int i = 0; i < TOKENIZER_NSPECIAL; i++) {
        const char *s = tokenizer_special_names[i];
        int32_t id = tokenizer_vocab_lookup(t->vocab, NULL, s, strlen(s));
        if (id < 0)
            continue;
        t->special[t->nspecial].s = s;
        t->special[t->nspecial].n = strlen(s);
        t->special[t->nspecial].id = id;
        t->nspecial++;
    }
    t->unk = tokenizer_special_id(t, "[UNK]");
    t->cls = tokenizer_special_id(t, "[CLS]");
    t->sep = tokenizer_special_id(t, "[SEP]");
    if (t->unk < 0 || t->cls < 0 || t->sep < 0) {
        snprintf(err, errlen, "vocab %s lacks %s", what,
                 t->unk < 0 ? "[UNK]" : t->cls < 0 ? "[CLS]" : "[SEP]");
        tokenizer_destroy(t);
        return NULL;
    }
    return t;
}

tokenizer *tokenizer_create(const char *vocab_path, int do_lower_case, char *err, size_t errlen)
{
    if (!vocab_path) {
        snprintf(err, errlen, "no vocab path given");
        return NULL;
    }
    tokenizer_vocab *v = tokenizer_vocab_create(vocab_path, err, errlen);
    if (!v)
        return NULL;
    return tokenizer_from_vocab(v, do_lower_case, vocab_path, err, errlen);
}

tokenizer *tokenizer_create_from_buffer(const char *data, size_t len, int do_lower_case, char *err,
                                        size_t errlen)
{
    if (!data && len > 0) {
        snprintf(err, errlen, "NULL vocab buffer");
        return NULL;
    }
    tokenizer_vocab *v = tokenizer_vocab_create_from_buffer(data ? data : "", len, err, errlen);
    if (!v)
        return NULL;
    return tokenizer_from_vocab(v, do_lower_case, "(buffer)", err, errlen);
}

void tokenizer_destroy(tokenizer *t)
{
    if (!t)
        return;
    tokenizer_vocab_destroy(t->vocab);
    free(t);
}

int tokenizer_vocab_size(const tokenizer *t)
{
    return tokenizer_vocab_count(t->vocab);
}

int tokenizer_special_id(const tokenizer *t, const char *tok)
{
    if (!t || !tok)
        return -1;
    return tokenizer_vocab_lookup(t->vocab, NULL, tok, strlen(tok));
}

int tokenizer_do_lower_case(const tokenizer *t)
{
    return t->lower;
}

static void tokenizer_emit(tokenizer_ctx *c, int32_t id)
{
    if (c->n >= c->limit) {
        c->full = 1;
        return;
    }
    c->ids[c->n++] = id;
}

/* Greedy longest-match-first WordPiece over one piece of nchars characters. The bytes of
 * characters [a, b) are bytes[off(a) .. off(b)), off = identity when offs is NULL (ASCII). */
static void tokenizer_wordpiece(tokenizer_ctx *c, const char *bytes, const size_t *offs,
                                size_t nchars)
{
    if (nchars == 0)
        return;
    if (nchars > TOKENIZER_MAX_WORD_CHARS) {
        tokenizer_emit(c, c->t->unk);
        return;
    }
    const tokenizer_vocab *v = c->t->vocab;
    size_t maxb = tokenizer_vocab_max_bytes(v);
    int32_t sub[TOKENIZER_MAX_WORD_CHARS];
    int nsub = 0;
    size_t start = 0;
    while (start < nchars) {
        const char *prefix = start > 0 ? "##" : NULL;
        size_t plen = start > 0 ? 2 : 0;
        size_t b0 = offs ? offs[start] : start;
        int32_t found = -1;
        size_t end = nchars;
        for (; end > start; end--) {
            size_t b1 = offs ? offs[end] : end;
            if (b1 - b0 + plen > maxb)
                continue; /* longer than any vocab entry */
            found = tokenizer_vocab_lookup(v, prefix, bytes + b0, b1 - b0);
            if (found >= 0)
                break;
        }
        if (found < 0) {
            /* No piece matches: the whole word becomes [UNK]. */
            tokenizer_emit(c, c->t->unk);
            return;
        }
        sub[nsub++] = found;
        start = end;
    }
    for (int i = 0; i < nsub && !c->full; i++)
        tokenizer_emit(c, sub[i]);
}

/* Splits a normalized non-ASCII word on punctuation and word-pieces each part. */
static void tokenizer_split_cps(tokenizer_ctx *c, const int32_t *cp, size_t n)
{
    char pb[TOKENIZER_MAX_WORD_CHARS * 4];
    size_t offs[TOKENIZER_MAX_WORD_CHARS + 1];
    size_t i = 0;
    while (i < n && !c->full) {
        if (tokenizer_is_punct(cp[i])) {
            size_t bl = tokenizer_utf8_encode(cp[i], pb);
            offs[0] = 0;
            offs[1] = bl;
            tokenizer_wordpiece(c, pb, offs, 1);
            i++;
            continue;
        }
        size_t j = i;
        while (j < n && !tokenizer_is_punct(cp[j]))
            j++;
        if (j - i > TOKENIZER_MAX_WORD_CHARS) {
            tokenizer_emit(c, c->t->unk);
        } else {
            size_t bl = 0;
            for (size_t k = i; k < j; k++) {
                offs[k - i] = bl;
                bl += tokenizer_utf8_encode(cp[k], pb + bl);
            }
            offs[j - i] = bl;
            tokenizer_wordpiece(c, pb, offs, j - i);
        }
        i = j;
    }
}

/* Runs the per-word half of BasicTokenizer (lower-case, strip accents, punctuation split)
 * and WordPiece on the current word, then empties it. */
static int tokenizer_flush_word(tokenizer_ctx *c)
{
    if (c->wlen == 0)
        return 0;
    size_t n = c->wlen;
    c->wlen = 0;
    if (c->word_ascii) {
        char *w = c->word;
        if (c->t->lower) {
            for (size_t i = 0; i < n; i++)
                if (w[i] >= 'A' && w[i] <= 'Z')
                    w[i] = (char)(w[i] + ('a' - 'A'));
        }
        size_t i = 0;
        while (i < n && !c->full) {
            if (tokenizer_is_punct((unsigned char)w[i])) {
                tokenizer_wordpiece(c, w + i, NULL, 1);
                i++;
                continue;
            }
            size_t j = i;
            while (j < n && !tokenizer_is_punct((unsigned char)w[j]))
                j++;
            tokenizer_wordpiece(c, w + i, NULL, j - i);
            i = j;
        }
        return 0;
    }
    c->word_ascii = 1;
    if (tokenizer_normalize_word(c->word, n, c->t->lower, &c->norm, &c->scratch, &c->bytes,
                                 &c->bytes_cap, c->err, c->errlen) < 0)
        return -1;
    tokenizer_split_cps(c, c->norm.v, c->norm.n);
    return 0;
}

/* BasicTokenizer's text-level steps (clean, CJK spacing, whitespace split) over s[0..n),
 * a stretch of text between special tokens. */
static int tokenizer_segment(tokenizer_ctx *c, const unsigned char *s, size_t n)
{
    size_t i = 0;
    c->wlen = 0;
    c->word_ascii = 1;
    while (i < n && !c->full) {
        int32_t cp;
        size_t k;
        if (s[i] < 0x80) {
            cp = s[i];
            k = 1;
        } else {
            k = tokenizer_utf8_decode(s + i, n - i, &cp);
        }
        if (cp == 0 || cp == 0xFFFD || tokenizer_is_control(cp)) {
            /* dropped by _clean_text */
        } else if (tokenizer_is_whitespace(cp) || tokenizer_is_extra_split(cp)) {
            if (tokenizer_flush_word(c) < 0)
                return -1;
        } else if (tokenizer_is_cjk(cp)) {
            if (tokenizer_flush_word(c) < 0)
                return -1;
            memcpy(c->word, s + i, k);
            c->wlen = k;
            c->word_ascii = 0;
            if (tokenizer_flush_word(c) < 0)
                return -1;
        } else {
            memcpy(c->word + c->wlen, s + i, k);
            c->wlen += k;
            if (cp >= 0x80)
                c->word_ascii = 0;
        }
        i += k;
    }
    if (!c->full && tokenizer_flush_word(c) < 0)
        return -1;
    return 0;
}

/* Finds the special token starting at s[0..n), or -1. */
static int tokenizer_match_special(const tokenizer *t, const char *s, size_t n)
{
    for (int i = 0; i < t->nspecial; i++)
        if (t->special[i].n <= n && memcmp(s, t->special[i].s, t->special[i].n) == 0)
            return i;
    return -1;
}

int tokenizer_encode(const tokenizer *t, const char *text, size_t len, int32_t *ids, int max_len,
                     char *err, size_t errlen)
{
    if (!t || !ids) {
        snprintf(err, errlen, "tokenizer_encode: NULL tokenizer or ids");
        return -1;
    }
    if (max_len < 2) {
        snprintf(err, errlen, "tokenizer_encode: max_len %d < 2", max_len);
        return -1;
    }
    if (!text && len > 0) {
        snprintf(err, errlen, "tokenizer_encode: NULL text with length %zu", len);
        return -1;
    }
    tokenizer_ctx c;
    memset(&c, 0, sizeof(c));
    c.t = t;
    c.ids = ids;
    c.limit = max_len - 1;
    c.err = err;
    c.errlen = errlen;
    c.word = malloc(len ? len : 1); /* a cleaned word is never longer than the text */
    if (!c.word) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    ids[c.n++] = t->cls;

    int rc = 0;
    size_t i = 0;
    while (i < len && !c.full && rc == 0) {
        /* Next special token, if any: text before it is tokenized on its own. */
        size_t j = i;
        int sp = -1;
        while (j < len) {
            const char *br = memchr(text + j, '[', len - j);
            if (!br) {
                j = len;
                break;
            }
            j = (size_t)(br - text);
            sp = tokenizer_match_special(t, text + j, len - j);
            if (sp >= 0)
                break;
            j++;
        }
        rc = tokenizer_segment(&c, (const unsigned char *)text + i, j - i);
        if (rc == 0 && sp >= 0) {
            tokenizer_emit(&c, t->special[sp].id);
            j += t->special[sp].n;
        }
        i = j;
    }

    free(c.word);
    free(c.bytes);
    tokenizer_cpbuf_free(&c.norm);
    tokenizer_cpbuf_free(&c.scratch);
    if (rc < 0)
        return -1;
    ids[c.n++] = t->sep;
    return c.n;
}
