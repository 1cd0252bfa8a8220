/* fuzz_targets.h -- fuzz entry points shared by the libFuzzer builds and the corpus replay test. */
#ifndef QAFLOW_FUZZ_TARGETS_H
#define QAFLOW_FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

/* Each target: init once (0 or -1 with a message on stderr), then one input at a time.
 * A target abort()s when an invariant breaks, so the replay test and libFuzzer both see it. */
int fuzz_tokenizer_init(void);
int fuzz_tokenizer_one(const uint8_t *data, size_t size);

int fuzz_vocab_init(void);
int fuzz_vocab_one(const uint8_t *data, size_t size);

/* Model-file parsers (src/bertscore/safetensors.c, bert_config.c; fuzz_model.c). */
int fuzz_safetensors_init(void);
int fuzz_safetensors_one(const uint8_t *data, size_t size);

int fuzz_bert_config_init(void);
int fuzz_bert_config_one(const uint8_t *data, size_t size);

/* What the pipeline reads from outside (fuzz_pipeline.c): messages (every codec, round trip), the
 * Yahoo! Answers CSV reader, LLM answer bodies (parsers and classification), POST /query bodies. */
int fuzz_msg_init(void);
int fuzz_msg_one(const uint8_t *data, size_t size);
int fuzz_csv_init(void);
int fuzz_csv_one(const uint8_t *data, size_t size);
int fuzz_llm_init(void);
int fuzz_llm_one(const uint8_t *data, size_t size);
int fuzz_query_init(void);
int fuzz_query_one(const uint8_t *data, size_t size);

/* Defines LLVMFuzzerInitialize / LLVMFuzzerTestOneInput for one target (libFuzzer builds). */
#define FUZZ_LIBFUZZER_MAIN(init, one)                                        \
    int LLVMFuzzerInitialize(int *argc, char ***argv);                         \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);              \
    int LLVMFuzzerInitialize(int *argc, char ***argv)                          \
    {                                                                          \
        (void)argc;                                                            \
        (void)argv;                                                            \
        if (init() < 0)                                                        \
            abort();                                                           \
        return 0;                                                              \
    }                                                                          \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)               \
    {                                                                          \
        one(data, size);                                                       \
        return 0;                                                              \
    }

#endif
