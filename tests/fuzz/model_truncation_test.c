/* model_truncation_test.c -- every truncation and header corruption of the real model files gives a clear error, never a crash. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bert_config.h"
#include "safetensors.h"

static int failures;

static void check_safetensors(const char *path)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < 16) {
        fprintf(stderr, "FAIL: cannot open %s (install the model with infra/models.sh)\n", path);
        failures++;
        if (fd >= 0)
            close(fd);
        return;
    }
    size_t size = (size_t)st.st_size;
    const unsigned char *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        fprintf(stderr, "FAIL: mmap %s\n", path);
        failures++;
        return;
    }
    uint64_t hlen = 0;
    memcpy(&hlen, map, 8); /* little-endian host assumed, as safetensors is */
    char err[256];

    /* The whole file opens. */
    safetensors *s = safetensors_open_mem(map, size, err, sizeof(err));
    if (!s) {
        fprintf(stderr, "FAIL: full model does not open: %s\n", err);
        failures++;
    }
    safetensors_close(s);

    /* Every prefix length around the header and a spread over the data must fail cleanly. */
    size_t cuts[64];
    int nc = 0;
    size_t fixed[] = {0, 1, 7, 8, 9, 100, (size_t)hlen, (size_t)hlen + 7, (size_t)hlen + 8,
                      (size_t)hlen + 9, (size_t)hlen + 1000, size / 2, size - 4096, size - 1};
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        if (fixed[i] < size)
            cuts[nc++] = fixed[i];
    int bad = 0;
    for (int i = 0; i < nc; i++) {
        /* An exact-size heap copy for short cuts so ASan would see overreads; the mapping
         * itself for long ones (reading past len would still be a bug the checks below see). */
        err[0] = 0;
        if (cuts[i] <= (size_t)hlen + 4096) {
            unsigned char *copy = malloc(cuts[i] ? cuts[i] : 1);
            if (!copy)
                abort();
            memcpy(copy, map, cuts[i]);
            s = safetensors_open_mem(copy, cuts[i], err, sizeof(err));
            safetensors_close(s);
            free(copy);
        } else {
            s = safetensors_open_mem(map, cuts[i], err, sizeof(err));
            safetensors_close(s);
        }
        if (s || !err[0]) {
            fprintf(stderr, "FAIL: model truncated to %zu bytes: %s\n", cuts[i],
                    s ? "accepted" : "no error message");
            bad++;
        }
    }
    /* Corrupting header bytes must never crash; when accepted the file must still be sound. */
    size_t hsize = (size_t)hlen + 8 < size ? (size_t)hlen + 8 : size;
    unsigned char *hdr = malloc(size);
    if (!hdr)
        abort();
    memcpy(hdr, map, size);
    int rejected = 0, tried = 0;
    for (size_t pos = 8; pos < hsize; pos += 97) {
        unsigned char saved = hdr[pos];
        hdr[pos] = (unsigned char)(saved ^ 0x5A);
        err[0] = 0;
        s = safetensors_open_mem(hdr, size, err, sizeof(err));
        if (!s && !err[0]) {
            fprintf(stderr, "FAIL: corrupt header byte %zu: rejected without a message\n", pos);
            bad++;
        }
        rejected += s == NULL;
        tried++;
        safetensors_close(s);
        hdr[pos] = saved;
    }
    free(hdr);
    munmap((void *)map, size);
    fprintf(stderr, "safetensors: %d truncations rejected cleanly; %d of %d header corruptions "
                    "rejected, the rest accepted without a crash (e.g. a changed name character)\n", nc, rejected, tried);
    failures += bad;
}

static void check_config(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "FAIL: cannot open %s\n", path);
        failures++;
        return;
    }
    char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    bert_config cfg;
    char err[256];
    if (bert_config_parse(buf, n, &cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "FAIL: config.json does not parse: %s\n", err);
        failures++;
    }
    /* Cutting only trailing whitespace leaves a valid file: cut before the closing brace. */
    size_t last = n;
    while (last > 0 && buf[last - 1] != '}')
        last--;
    int bad = 0;
    for (size_t cut = 0; cut + 1 < last || (cut == 0 && last == 0); cut++) {
        char *copy = malloc(cut ? cut : 1);
        if (!copy)
            abort();
        memcpy(copy, buf, cut);
        err[0] = 0;
        int rc = bert_config_parse(copy, cut, &cfg, err, sizeof(err));
        free(copy);
        if (rc == 0 || !err[0])
            bad++;
    }
    if (bad) {
        fprintf(stderr, "FAIL: %d truncations of config.json accepted or unexplained\n", bad);
        failures++;
    }
    fprintf(stderr, "config.json: %zu truncations rejected cleanly\n", last ? last - 1 : 0);
}

int main(void)
{
    const char *dir = getenv("QAFLOW_MODEL_DIR");
    if (!dir || !*dir)
        dir = "var/models/all-MiniLM-L6-v2";
    char path[1024];
    snprintf(path, sizeof(path), "%s/model.safetensors", dir);
    check_safetensors(path);
    snprintf(path, sizeof(path), "%s/config.json", dir);
    check_config(path);
    return failures ? 1 : 0;
}
