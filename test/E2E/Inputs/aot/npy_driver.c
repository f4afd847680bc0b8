// Calls an ahead-of-time compiled @forward (llvm.emit_c_interface) on a
// float32 .npy of rank 2 or 4 and writes its rank-2 float32 result as .npy:
//   npy_driver IN.npy OUT.npy
// A test harness, not an API: it reads only little-endian '<f4' C-order
// arrays with a version 1 header, which is what qlinalg and numpy write.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  float *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
} Memref2D;
typedef struct {
  float *allocated, *aligned;
  int64_t offset, sizes[4], strides[4];
} Memref4D;

#ifdef QLINALG_RANK4
void _mlir_ciface_forward(Memref2D *result, Memref4D *x);
#else
void _mlir_ciface_forward(Memref2D *result, Memref2D *x);
#endif

static int fail(const char *what, const char *path) {
  fprintf(stderr, "npy_driver: %s: %s\n", path, what);
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 3)
    return fail("usage: npy_driver IN.npy OUT.npy", argv[0]);
  FILE *f = fopen(argv[1], "rb");
  if (!f)
    return fail("cannot open", argv[1]);
  unsigned char magic[10];
  if (fread(magic, 1, 10, f) != 10 || memcmp(magic, "\x93NUMPY\x01", 7))
    return fail("not a version 1 .npy file", argv[1]);
  unsigned headerLen = magic[8] | (magic[9] << 8);
  char header[1024];
  if (headerLen >= sizeof(header) || fread(header, 1, headerLen, f) != headerLen)
    return fail("bad header", argv[1]);
  header[headerLen] = 0;
  if (!strstr(header, "'<f4'") || strstr(header, "'fortran_order': True"))
    return fail("not a C-order float32 array", argv[1]);
  int64_t shape[4] = {0, 0, 0, 0};
  int rank = 0;
  const char *p = strchr(strstr(header, "'shape'"), '(') + 1;
  while (rank < 4 && *p && *p != ')') {
    shape[rank++] = strtoll(p, (char **)&p, 10);
    while (*p == ',' || *p == ' ')
      ++p;
  }
  int64_t count = 1;
  for (int i = 0; i < rank; ++i)
    count *= shape[i];
  float *x = malloc(count * sizeof(float));
  if (fread(x, sizeof(float), count, f) != (size_t)count)
    return fail("truncated data", argv[1]);
  fclose(f);

  Memref2D out;
#ifdef QLINALG_RANK4
  if (rank != 4)
    return fail("expected a rank-4 input", argv[1]);
  Memref4D in = {x, x, 0, {shape[0], shape[1], shape[2], shape[3]},
                 {shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3],
                  1}};
#else
  if (rank != 2)
    return fail("expected a rank-2 input", argv[1]);
  Memref2D in = {x, x, 0, {shape[0], shape[1]}, {shape[1], 1}};
#endif
  _mlir_ciface_forward(&out, &in);

  FILE *o = fopen(argv[2], "wb");
  if (!o)
    return fail("cannot write", argv[2]);
  char text[128];
  int n = snprintf(text, sizeof(text),
                   "{'descr': '<f4', 'fortran_order': False, 'shape': "
                   "(%lld, %lld), }",
                   (long long)out.sizes[0], (long long)out.sizes[1]);
  int total = 10 + n + 1;
  int pad = (64 - total % 64) % 64;
  unsigned len = n + pad + 1;
  unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                           (unsigned char)(len & 0xff), (unsigned char)(len >> 8)};
  fwrite(pre, 1, 10, o);
  fwrite(text, 1, n, o);
  for (int i = 0; i < pad; ++i)
    fputc(' ', o);
  fputc('\n', o);
  for (int64_t r = 0; r < out.sizes[0]; ++r)
    for (int64_t c = 0; c < out.sizes[1]; ++c)
      fwrite(out.aligned + out.offset + r * out.strides[0] + c * out.strides[1],
             sizeof(float), 1, o);
  fclose(o);
  free(out.allocated);
  free(x);
  return 0;
}
