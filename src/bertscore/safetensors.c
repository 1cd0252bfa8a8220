/* safetensors.c -- parse a safetensors file: 8-byte LE header length, JSON header, raw tensor data. */
#include "safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define SAFETENSORS_MAX_HEADER (100u * 1024u * 1024u)

typedef enum { ST_F32, ST_F16, ST_BF16, ST_OTHER } st_dtype;

typedef struct st_entry {
    char *name;
    st_dtype dtype;
    int ndim;
    int64_t shape[SAFETENSORS_MAX_DIMS];
    size_t numel;
    size_t begin, end;   /* relative to the data section */
    float *converted;    /* owned F32 copy, NULL when data is used in place */
} st_entry;

struct safetensors {
    void *map;           /* mmap'ed file or NULL when opened from memory */
    size_t map_len;
    const unsigned char *base;
    size_t len;
    const unsigned char *data;   /* start of the data section */
    size_t data_len;
    st_entry *entries;
    size_t n;
};

static int st_dtype_parse(const char *s, st_dtype *dt, size_t *elsize)
{
    static const struct { const char *name; st_dtype dt; size_t size; } table[] = {
        {"F32", ST_F32, 4}, {"F16", ST_F16, 2}, {"BF16", ST_BF16, 2},
        {"F64", ST_OTHER, 8}, {"I64", ST_OTHER, 8}, {"I32", ST_OTHER, 4},
        {"I16", ST_OTHER, 2}, {"I8", ST_OTHER, 1}, {"U8", ST_OTHER, 1},
        {"BOOL", ST_OTHER, 1}, {"U16", ST_OTHER, 2}, {"U32", ST_OTHER, 4},
        {"U64", ST_OTHER, 8},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(s, table[i].name) == 0) {
            *dt = table[i].dt;
            *elsize = table[i].size;
            return 0;
        }
    return -1;
}

static float st_half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h >> 15) & 1u, exp = (h >> 10) & 0x1fu, man = h & 0x3ffu;
    float v;
    if (exp == 0)
        v = ldexpf((float)man, -24);
    else if (exp == 31)
        v = man ? NAN : INFINITY;
    else
        v = ldexpf((float)(man | 0x400u), (int)exp - 25);
    return sign ? -v : v;
}

static float st_bf16_to_float(uint16_t h)
{
    uint32_t bits = (uint32_t)h << 16;
    float v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

static void st_entries_free(safetensors *st)
{
    for (size_t i = 0; i < st->n; i++) {
        free(st->entries[i].name);
        free(st->entries[i].converted);
    }
    free(st->entries);
    st->entries = NULL;
    st->n = 0;
}

/* Checks one header entry and fills e. */
static int st_entry_parse(safetensors *st, const char *name, json_t *v, st_entry *e,
                          char *err, size_t errlen)
{
    if (!json_is_object(v)) {
        snprintf(err, errlen, "safetensors: tensor '%s': header entry is not an object", name);
        return -1;
    }
    json_t *jd = json_object_get(v, "dtype"), *js = json_object_get(v, "shape"),
           *jo = json_object_get(v, "data_offsets");
    if (!json_is_string(jd) || !json_is_array(js) || !json_is_array(jo) || json_array_size(jo) != 2) {
        snprintf(err, errlen, "safetensors: tensor '%s': needs dtype, shape and data_offsets[2]", name);
        return -1;
    }
    size_t elsize;
    if (st_dtype_parse(json_string_value(jd), &e->dtype, &elsize) != 0) {
        snprintf(err, errlen, "safetensors: tensor '%s': unknown dtype '%s'", name, json_string_value(jd));
        return -1;
    }
    size_t nd = json_array_size(js);
    if (nd > SAFETENSORS_MAX_DIMS) {
        snprintf(err, errlen, "safetensors: tensor '%s': %zu dimensions (max %d)", name, nd, SAFETENSORS_MAX_DIMS);
        return -1;
    }
    e->ndim = (int)nd;
    size_t numel = 1;
    for (size_t d = 0; d < nd; d++) {
        json_t *x = json_array_get(js, d);
        if (!json_is_integer(x) || json_integer_value(x) < 0) {
            snprintf(err, errlen, "safetensors: tensor '%s': bad shape dimension %zu", name, d);
            return -1;
        }
        int64_t dim = json_integer_value(x);
        e->shape[d] = dim;
        if (dim != 0 && numel > SIZE_MAX / (size_t)dim) {
            snprintf(err, errlen, "safetensors: tensor '%s': shape overflows", name);
            return -1;
        }
        numel *= (size_t)dim;
    }
    e->numel = numel;
    json_t *b = json_array_get(jo, 0), *en = json_array_get(jo, 1);
    if (!json_is_integer(b) || !json_is_integer(en) || json_integer_value(b) < 0 ||
        json_integer_value(en) < json_integer_value(b)) {
        snprintf(err, errlen, "safetensors: tensor '%s': bad data_offsets", name);
        return -1;
    }
    uint64_t ub = (uint64_t)json_integer_value(b), ue = (uint64_t)json_integer_value(en);
    if (ue > st->data_len) {
        snprintf(err, errlen,
                 "safetensors: tensor '%s': data_offsets [%llu,%llu) beyond the data section "
                 "(%zu bytes): file truncated or corrupt", name, (unsigned long long)ub,
                 (unsigned long long)ue, st->data_len);
        return -1;
    }
    if (numel > SIZE_MAX / elsize || ue - ub != (uint64_t)(numel * elsize)) {
        snprintf(err, errlen, "safetensors: tensor '%s': %llu bytes for %zu elements of %zu bytes",
                 name, (unsigned long long)(ue - ub), numel, elsize);
        return -1;
    }
    e->begin = (size_t)ub;
    e->end = (size_t)ue;
    e->name = strdup(name);
    if (!e->name) {
        snprintf(err, errlen, "safetensors: out of memory");
        return -1;
    }
    return 0;
}

static int st_parse(safetensors *st, char *err, size_t errlen)
{
    if (st->len < 8) {
        snprintf(err, errlen, "safetensors: file is %zu bytes, shorter than the 8-byte header length", st->len);
        return -1;
    }
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = (hlen << 8) | st->base[i];
    if (hlen == 0 || hlen > SAFETENSORS_MAX_HEADER || hlen > st->len - 8) {
        snprintf(err, errlen, "safetensors: header length %llu does not fit the file (%zu bytes): "
                 "truncated or not a safetensors file", (unsigned long long)hlen, st->len);
        return -1;
    }
    st->data = st->base + 8 + hlen;
    st->data_len = st->len - 8 - (size_t)hlen;
    json_error_t jerr;
    json_t *root = json_loadb((const char *)st->base + 8, (size_t)hlen, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        snprintf(err, errlen, "safetensors: bad JSON header: %s (at byte %d)", jerr.text, jerr.position);
        return -1;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        snprintf(err, errlen, "safetensors: header is not a JSON object");
        return -1;
    }
    size_t cap = json_object_size(root);
    st->entries = calloc(cap ? cap : 1, sizeof *st->entries);
    if (!st->entries) {
        json_decref(root);
        snprintf(err, errlen, "safetensors: out of memory");
        return -1;
    }
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val) {
        if (strcmp(key, "__metadata__") == 0)
            continue;
        if (st_entry_parse(st, key, val, &st->entries[st->n], err, errlen) != 0) {
            json_decref(root);
            return -1;
        }
        st->n++;
    }
    json_decref(root);
    return 0;
}

safetensors *safetensors_open_mem(const void *buf, size_t len, char *err, size_t errlen)
{
    safetensors *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "safetensors: out of memory");
        return NULL;
    }
    st->base = buf;
    st->len = len;
    if (st_parse(st, err, errlen) != 0) {
        safetensors_close(st);
        return NULL;
    }
    return st;
}

safetensors *safetensors_open(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "safetensors: cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || sb.st_size <= 0) {
        snprintf(err, errlen, "safetensors: %s: empty or unreadable file", path);
        close(fd);
        return NULL;
    }
    void *map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        snprintf(err, errlen, "safetensors: cannot map %s: %s", path, strerror(errno));
        return NULL;
    }
    char sub[512];
    safetensors *st = safetensors_open_mem(map, (size_t)sb.st_size, sub, sizeof sub);
    if (!st) {
        snprintf(err, errlen, "%s (%s)", sub, path);
        munmap(map, (size_t)sb.st_size);
        return NULL;
    }
    st->map = map;
    st->map_len = (size_t)sb.st_size;
    return st;
}

void safetensors_close(safetensors *st)
{
    if (!st)
        return;
    st_entries_free(st);
    if (st->map)
        munmap(st->map, st->map_len);
    free(st);
}

static st_entry *st_find(const safetensors *st, const char *name)
{
    for (size_t i = 0; i < st->n; i++)
        if (strcmp(st->entries[i].name, name) == 0)
            return &st->entries[i];
    return NULL;
}

int safetensors_has(const safetensors *st, const char *name)
{
    return st_find(st, name) != NULL;
}

size_t safetensors_count(const safetensors *st)
{
    return st->n;
}

int safetensors_get(safetensors *st, const char *name, safetensors_tensor *out,
                    char *err, size_t errlen)
{
    st_entry *e = st_find(st, name);
    if (!e) {
        snprintf(err, errlen, "safetensors: tensor '%s' not found", name);
        return -1;
    }
    if (e->dtype == ST_OTHER) {
        snprintf(err, errlen, "safetensors: tensor '%s' is not a float tensor", name);
        return -1;
    }
    const unsigned char *src = st->data + e->begin;
    if (!e->converted && (e->dtype != ST_F32 || ((uintptr_t)src % sizeof(float)) != 0)) {
        e->converted = malloc(e->numel ? e->numel * sizeof(float) : 1);
        if (!e->converted) {
            snprintf(err, errlen, "safetensors: out of memory converting '%s'", name);
            return -1;
        }
        for (size_t i = 0; i < e->numel; i++) {
            if (e->dtype == ST_F32) {
                memcpy(&e->converted[i], src + 4 * i, 4);
            } else {
                uint16_t h = (uint16_t)(src[2 * i] | (src[2 * i + 1] << 8));
                e->converted[i] = e->dtype == ST_F16 ? st_half_to_float(h) : st_bf16_to_float(h);
            }
        }
    }
    out->name = e->name;
    out->ndim = e->ndim;
    memcpy(out->shape, e->shape, sizeof out->shape);
    out->numel = e->numel;
    out->data = e->converted ? e->converted : (const float *)src;
    return 0;
}
