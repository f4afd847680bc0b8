// Calls the ahead-of-time compiled entry through its C interface on the same
// deterministic input as inputs.py writes, and writes the result as raw f32.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
  float *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
} Memref2D;

void _mlir_ciface_forward(Memref2D *result, Memref2D *x);

int main(int argc, char **argv) {
  enum { M = 37, K = 64, N = 48 };
  static float x[M * K];
  for (int i = 0; i < M * K; ++i)
    x[i] = (float)((i * 37) % 101 - 50) / 10.0f;
  Memref2D in = {x, x, 0, {M, K}, {K, 1}};
  Memref2D out;
  _mlir_ciface_forward(&out, &in);
  if (out.sizes[0] != M || out.sizes[1] != N) {
    fprintf(stderr, "unexpected result shape %ldx%ld\n", (long)out.sizes[0],
            (long)out.sizes[1]);
    return 1;
  }
  FILE *f = fopen(argv[1], "wb");
  fwrite(out.aligned + out.offset, sizeof(float), M * N, f);
  fclose(f);
  free(out.allocated);
  return 0;
}
