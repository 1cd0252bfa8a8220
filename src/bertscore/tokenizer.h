/* tokenizer.h -- BERT WordPiece tokenizer (BasicTokenizer + WordPiece) matching Hugging Face's BertTokenizer. */
#ifndef QAFLOW_TOKENIZER_H
#define QAFLOW_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

typedef struct tokenizer tokenizer;

/* Loads vocab.txt (one token per line, id = line number; \n, \r\n and \r end a line,
 * a duplicated token keeps its last id, as HF's load_vocab does). do_lower_case comes
 * from the model's tokenizer_config.json (the caller reads it); when set, text is
 * lower-cased and accents are stripped (NFD, drop Mn), as HF does with strip_accents=None.
 * The vocab must contain [UNK], [CLS] and [SEP].
 * Returns NULL and fills err on failure. The tokenizer is immutable once created:
 * tokenizer_encode may be called from many threads at once. */
tokenizer *tokenizer_create(const char *vocab_path, int do_lower_case, char *err, size_t errlen);

/* Same, from the bytes of a vocab.txt held in memory (tests, fuzzing, embedded vocabs). */
tokenizer *tokenizer_create_from_buffer(const char *data, size_t len, int do_lower_case, char *err,
                                        size_t errlen);

/* Frees everything tokenizer_create allocated. NULL is a no-op. */
void tokenizer_destroy(tokenizer *t);

/* Tokenizes text (len bytes of UTF-8, need not be NUL-terminated; invalid sequences are
 * treated as U+FFFD, which BERT's cleaning drops) into ids: [CLS] wordpieces... [SEP].
 * When there are more than max_len - 2 wordpieces the tail is dropped and [SEP] stays
 * last, as HF's encode(truncation=True, max_length=max_len) does. ids must hold max_len
 * entries; max_len must be >= 2. Special-token strings in the text ("[CLS]", "[SEP]",
 * "[PAD]", "[MASK]", "[UNK]", case-sensitive) map to their ids, as in HF.
 * The tokenizer does not strip the text: leading/trailing whitespace never changes the ids,
 * so bert-score's sent.strip() needs no counterpart.
 * Returns the number of ids written (>= 2), or -1 with err filled. */
int tokenizer_encode(const tokenizer *t, const char *text, size_t len, int32_t *ids, int max_len,
                     char *err, size_t errlen);

/* Number of ids the vocab defines (lines in vocab.txt, i.e. the largest id + 1). */
int tokenizer_vocab_size(const tokenizer *t);

/* Id of a token string ("[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]", or any vocab entry),
 * -1 if the vocab does not contain it. */
int tokenizer_special_id(const tokenizer *t, const char *tok);

/* Whether the tokenizer lower-cases (the do_lower_case it was created with). */
int tokenizer_do_lower_case(const tokenizer *t);

#endif
