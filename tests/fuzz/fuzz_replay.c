/* fuzz_replay.c -- replays every file under tests/fuzz/corpus/<target>/ through the fuzz entry points (a plain ctest unit test). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_targets.h"

typedef struct {
    const char *name;
    int (*init)(void);
    int (*one)(const uint8_t *, size_t);
} replay_target;

static const replay_target replay_targets[] = {
#ifdef QAFLOW_FUZZ_PIPELINE
    {"msg", fuzz_msg_init, fuzz_msg_one},
    {"csv", fuzz_csv_init, fuzz_csv_one},
    {"llm", fuzz_llm_init, fuzz_llm_one},
    {"query", fuzz_query_init, fuzz_query_one},
#else
    {"tokenizer", fuzz_tokenizer_init, fuzz_tokenizer_one},
    {"vocab", fuzz_vocab_init, fuzz_vocab_one},
#ifdef QAFLOW_FUZZ_HAVE_BERTSCORE
    {"safetensors", fuzz_safetensors_init, fuzz_safetensors_one},
    {"bert_config", fuzz_bert_config_init, fuzz_bert_config_one},
#endif
#endif
};

/* Reads a whole file; returns NULL on error. */
static uint8_t *replay_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        if (*len == cap) {
            cap = cap ? cap * 2 : 4096;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + *len, 1, cap - *len, f);
        *len += got;
        if (got == 0)
            break;
    }
    fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s tests/fuzz/corpus\n", argv[0]);
        return 2;
    }
    int failed = 0;
    for (size_t t = 0; t < sizeof(replay_targets) / sizeof(replay_targets[0]); t++) {
        const replay_target *rt = &replay_targets[t];
        char dir[1024];
        snprintf(dir, sizeof(dir), "%s/%s", argv[1], rt->name);
        DIR *d = opendir(dir);
        if (!d) {
            fprintf(stderr, "FAIL: corpus %s missing\n", dir);
            failed = 1;
            continue;
        }
        if (rt->init() < 0) {
            fprintf(stderr, "FAIL: %s: init failed\n", rt->name);
            closedir(d);
            failed = 1;
            continue;
        }
        int count = 0;
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            char path[2048];
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            struct stat st;
            if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
                continue;
            size_t len = 0;
            uint8_t *buf = replay_read(path, &len);
            if (!buf && len) {
                fprintf(stderr, "FAIL: cannot read %s\n", path);
                failed = 1;
                continue;
            }
            rt->one(buf ? buf : (const uint8_t *)"", len); /* aborts on a broken invariant */
            free(buf);
            count++;
        }
        closedir(d);
        fprintf(stderr, "%s: replayed %d inputs\n", rt->name, count);
        if (count == 0) {
            fprintf(stderr, "FAIL: corpus %s is empty\n", dir);
            failed = 1;
        }
    }
    return failed;
}
