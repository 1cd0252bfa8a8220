/* safetensors.h -- read-only safetensors loader: mmap, checked header, F32/F16/BF16 tensors as F32. */
#ifndef QAFLOW_SAFETENSORS_H
#define QAFLOW_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#define SAFETENSORS_MAX_DIMS 8

typedef struct safetensors safetensors;

/* One tensor as F32. data points into the mapping (F32, aligned) or into a buffer owned by
 * the safetensors object (converted from F16/BF16, or copied when unaligned). */
typedef struct safetensors_tensor {
    const char *name;
    int ndim;
    int64_t shape[SAFETENSORS_MAX_DIMS];
    size_t numel;
    const float *data;
} safetensors_tensor;

/* Opens and maps path, parses and checks the header: every tensor's dtype, shape and
 * [begin,end) offsets against the data size. Non-float dtypes (I64 position_ids etc.) are
 * checked but not loaded. On error returns NULL and fills err. */
safetensors *safetensors_open(const char *path, char *err, size_t errlen);

/* Same from a caller-owned memory buffer (for fuzzing and tests); the buffer must outlive
 * the object. */
safetensors *safetensors_open_mem(const void *buf, size_t len, char *err, size_t errlen);

void safetensors_close(safetensors *st);

/* Looks a float tensor up by name. Returns 0 and fills *out, or -1 with err filled
 * (absent, or not a float dtype). */
int safetensors_get(safetensors *st, const char *name, safetensors_tensor *out,
                    char *err, size_t errlen);

/* 1 if a tensor of that name exists (any dtype). */
int safetensors_has(const safetensors *st, const char *name);

size_t safetensors_count(const safetensors *st);

#endif
