/* Runs a model compiled by qlinalg-compile on .npy files:
 *
 *   qlinalg-compile model.mlir --target=aarch64-dotprod --entry=forward \
 *       -o model.o                                # and model.h
 *   clang-22 --target=aarch64-linux-gnu -fuse-ld=lld -O2 \
 *       -include model.h -DQLINALG_ENTRY=forward npy_run.c model.o -lm \
 *       -o model
 *   model IN0.npy [IN1.npy ...] OUT0.npy [OUT1.npy ...]
 *
 * One file per argument of the entry, then one per result, in order. Only
 * the header is model-specific: the harness reads the signature from its
 * tables (ENTRY_input_dtypes, _ranks, _shapes) and calls ENTRY_invoke. It
 * reads C-order arrays with a version 1 header (what numpy and qlinalg
 * write) and checks each against the signature (dtype, rank, static sizes).
 * SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef QLINALG_ENTRY
#error "compile with -include MODEL.h -DQLINALG_ENTRY=<entry>"
#endif
#define QLINALG_CAT2(a, b) a##b
#define QLINALG_CAT(a, b) QLINALG_CAT2(a, b)
#define Q(suffix) QLINALG_CAT(QLINALG_ENTRY, suffix)
#define QLINALG_STR2(a) #a
#define QLINALG_STR(a) QLINALG_STR2(a)

enum { kMaxTensors = 16, kMaxRank = 8 };

static int fail(const char *path, const char *what) {
  fprintf(stderr, "npy_run: %s: %s\n", path, what);
  return 1;
}

static size_t itemSize(const char *descr) {
  return descr[2] == '4' ? 4 : 1;
}

/* Reads `path` into a malloc'ed buffer; its sizes into `sizes`. */
static int readNpy(const char *path, int index, void **data,
                   int64_t sizes[kMaxRank]) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return fail(path, "cannot open");
  unsigned char magic[10];
  if (fread(magic, 1, 10, f) != 10 || memcmp(magic, "\x93NUMPY\x01", 7)) {
    fclose(f);
    return fail(path, "not a version 1 .npy file");
  }
  unsigned headerLen = magic[8] | (magic[9] << 8);
  char header[4096];
  if (headerLen >= sizeof(header) ||
      fread(header, 1, headerLen, f) != headerLen) {
    fclose(f);
    return fail(path, "bad header");
  }
  header[headerLen] = 0;
  const char *dtype = Q(_input_dtypes)[index];
  char want[16];
  snprintf(want, sizeof(want), "'%s'", dtype);
  /* numpy writes one-byte types as '|i1' or '|u1', never '<i1'. */
  if (!strstr(header, want) || strstr(header, "'fortran_order': True")) {
    fclose(f);
    fprintf(stderr, "npy_run: %s: expected a C-order %s array (argument %d)\n",
            path, dtype, index);
    return 1;
  }
  const char *shape = strstr(header, "'shape'");
  const char *p = shape ? strchr(shape, '(') : NULL;
  if (!p) {
    fclose(f);
    return fail(path, "no shape in the header");
  }
  ++p;
  int rank = 0;
  while (*p && *p != ')') {
    if (rank == kMaxRank) {
      fclose(f);
      return fail(path, "rank too large");
    }
    sizes[rank++] = strtoll(p, (char **)&p, 10);
    while (*p == ',' || *p == ' ')
      ++p;
  }
  int wantRank = Q(_input_ranks)[index];
  if (rank != wantRank) {
    fclose(f);
    fprintf(stderr, "npy_run: %s: rank %d, argument %d has rank %d\n", path,
            rank, index, wantRank);
    return 1;
  }
  size_t count = 1;
  for (int d = 0; d < rank; ++d) {
    int64_t want = Q(_input_shapes)[index][d];
    if (want >= 0 && sizes[d] != want) {
      fclose(f);
      fprintf(stderr,
              "npy_run: %s: dimension %d is %lld, argument %d needs %lld\n",
              path, d, (long long)sizes[d], index, (long long)want);
      return 1;
    }
    count *= (size_t)sizes[d];
  }
  size_t bytes = count * itemSize(dtype);
  *data = malloc(bytes ? bytes : 1);
  if (fread(*data, 1, bytes, f) != bytes) {
    fclose(f);
    return fail(path, "truncated data");
  }
  fclose(f);
  return 0;
}

static int writeNpy(const char *path, const char *descr, const void *data,
                    int rank, const int64_t *sizes) {
  char shape[256] = "";
  size_t count = 1;
  for (int d = 0; d < rank; ++d) {
    char dim[32];
    snprintf(dim, sizeof(dim), "%lld%s", (long long)sizes[d],
             rank == 1 ? "," : d + 1 < rank ? ", " : "");
    strcat(shape, dim);
    count *= (size_t)sizes[d];
  }
  char header[512];
  int len = snprintf(header, sizeof(header),
                     "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }",
                     descr, shape);
  /* Padded with spaces to a multiple of 64 bytes, ending in a newline. */
  int total = 10 + len + 1;
  int pad = (64 - total % 64) % 64;
  FILE *f = fopen(path, "wb");
  if (!f)
    return fail(path, "cannot write");
  unsigned headerLen = (unsigned)(len + pad + 1);
  unsigned char magic[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                             (unsigned char)(headerLen & 0xff),
                             (unsigned char)(headerLen >> 8)};
  fwrite(magic, 1, 10, f);
  fwrite(header, 1, (size_t)len, f);
  for (int i = 0; i < pad; ++i)
    fputc(' ', f);
  fputc('\n', f);
  size_t bytes = count * itemSize(descr);
  int ok = fwrite(data, 1, bytes, f) == bytes;
  ok &= fclose(f) == 0;
  return ok ? 0 : fail(path, "write failed");
}

int main(int argc, char **argv) {
  int inputs = Q(_num_inputs), results = Q(_num_results);
  if (argc != 1 + inputs + results) {
    fprintf(stderr,
            "usage: %s <%d input .npy> <%d output .npy> (entry @%s)\n",
            argv[0], inputs, results, QLINALG_STR(QLINALG_ENTRY));
    return 2;
  }
  const void *in[kMaxTensors];
  int64_t inSizes[kMaxTensors][kMaxRank];
  const int64_t *inSizePtrs[kMaxTensors];
  for (int i = 0; i < inputs; ++i) {
    void *data;
    if (readNpy(argv[1 + i], i, &data, inSizes[i]))
      return 1;
    in[i] = data;
    inSizePtrs[i] = inSizes[i];
  }
  void *out[kMaxTensors];
  int64_t outSizes[kMaxTensors][kMaxRank];
  int64_t *outSizePtrs[kMaxTensors];
  for (int i = 0; i < results; ++i)
    outSizePtrs[i] = outSizes[i];
  Q(_invoke)(in, inSizePtrs, out, outSizePtrs);
  for (int i = 0; i < results; ++i) {
    if (writeNpy(argv[1 + inputs + i], Q(_result_dtypes)[i], out[i],
                 Q(_result_ranks)[i], outSizes[i]))
      return 1;
    free(out[i]);
  }
  for (int i = 0; i < inputs; ++i)
    free((void *)in[i]);
  return 0;
}
