// RUN: qlinalg-opt %s --qlinalg-pipeline="quantize={calibration=%S/Inputs/calibration.json} target=generic" -o %t.lowered.mlir
// RUN: FileCheck %s < %t.lowered.mlir
// RUN: qlinalg-opt %s --qlinalg-pipeline="quantize={calibration=%S/Inputs/calibration.json requantize=float rounding=half-away-from-zero} target=host" \
// RUN:   | FileCheck %s --check-prefix=FLOAT
//
// The LLVM-dialect module runs as is: qlinalg-run reads its signature from
// qlinalg.signature. Every output must be within one output step (t2's
// scale, 0.05) of the float result x @ w + b.
// RUN: %python -c "import numpy as np; np.save('%t.x.npy', np.array([[1.0, 0.5], [-1.0, 2.0], [0.0, 0.25], [1.7, -0.6]], dtype=np.float32))"
// RUN: qlinalg-run %t.lowered.mlir --entry=forward --inputs=%t.x.npy --outputs=%t.y.npy
// RUN: %python -c "import numpy as np; x = np.load('%t.x.npy').astype(np.float64); y = np.load('%t.y.npy'); ref = x @ np.array([[1.0, -2.0], [0.3, 0.5]]) + np.array([0.25, -0.7]); print(y.dtype, y.shape, 'max error below one step:', bool(np.abs(y - ref).max() < 0.05))" \
// RUN:   | FileCheck %s --check-prefix=RESULT

// Tests that --qlinalg-pipeline quantizes from the table, lowers for the
// target, vectorizes and converts to the LLVM dialect in one go: the float
// function becomes an llvm.func keeping its f32 tensor signature, with
// nothing of the func, linalg, qlinalg or quant dialects left; fixed-point
// requantization shows as the high multiply's i64 lane pairs (two vector
// multiplies of sign-extended halves, vpmuldq on x86).

// CHECK-LABEL: llvm.func @forward
// CHECK-SAME: attributes {qlinalg.signature = "(tensor<?x2xf32>) -> tensor<?x2xf32>"}
// CHECK-NOT: func.func
// CHECK-NOT: linalg.
// CHECK-NOT: quant.
// CHECK: llvm.mul %{{.*}} : vector<{{[0-9]+}}xi64>
// CHECK: llvm.return

// Tests that the pipeline passes quantize={...} to --qlinalg-quantize as its
// own options (requantize=, rounding=): float
// requantization has no i64 lanes and rounds with llvm.intr.round.

// FLOAT-LABEL: llvm.func @forward
// FLOAT-NOT: llvm.mul {{.*}} : vector<{{[0-9]+}}xi64>
// FLOAT: llvm.intr.round(%{{.*}}) : (vector<{{[0-9]+}}xf32>) -> vector<{{[0-9]+}}xf32>
// FLOAT: llvm.return

// RESULT: float32 (4, 2) max error below one step: True
func.func @forward(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.3, 0.5]]> : tensor<2x2xf32>
  %b = arith.constant dense<[0.25, -0.7]> : tensor<2xf32>
  %c0 = arith.constant 0 : index
  %d = tensor.dim %x, %c0 : tensor<?x2xf32>
  %e = tensor.empty(%d) : tensor<?x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x2xf32>) -> tensor<?x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<?x2xf32>, tensor<2x2xf32>) outs(%f : tensor<?x2xf32>) -> tensor<?x2xf32>
  %bb = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<?x2xf32>) dimensions = [0]
  %z = linalg.add ins(%y, %bb : tensor<?x2xf32>, tensor<?x2xf32>) outs(%e : tensor<?x2xf32>) -> tensor<?x2xf32>
  return %z : tensor<?x2xf32>
}

// The quantizer's options are its own: a bad one is its error; options the
// pipeline does not know are refused.
// RUN: not qlinalg-opt %s --qlinalg-pipeline="quantize={calibration=%S/Inputs/calibration.json requantize=floaty}" 2>&1 | FileCheck %s --check-prefix=BAD-MODE
// BAD-MODE: error: unknown requantize mode 'floaty' (expected fixed-point or float)
// RUN: not qlinalg-opt %s --qlinalg-pipeline="quantize={bogus=1}" 2>&1 | FileCheck %s --check-prefix=BAD-QUANTIZE
// BAD-QUANTIZE: no such option bogus
// RUN: not qlinalg-opt %s --qlinalg-pipeline="calibration=x.json" 2>&1 | FileCheck %s --check-prefix=BAD-PIPELINE
// BAD-PIPELINE: no such option calibration
// Without vectorization the kernel stays scalar loops: no vector types.
// RUN: qlinalg-opt %s --qlinalg-pipeline="quantize={calibration=%S/Inputs/calibration.json} vectorize=false" | FileCheck %s --check-prefix=SCALAR
// SCALAR-LABEL: llvm.func @forward
// SCALAR-NOT: vector<

// threads=1 needs no OpenMP runtime; threads=2 splits the contraction over
// an OpenMP parallel region (scf.forall -> scf.parallel -> omp.parallel):
// with the portable kernel whatever the rows (a dynamic M), with the packed
// kernels only for large products (qlinalg-lower-packed.mlir).
// RUN: qlinalg-opt %s --qlinalg-pipeline="quantize={calibration=%S/Inputs/calibration.json} threads=1" | FileCheck %s --check-prefix=ONE
// ONE-LABEL: llvm.func @forward
// ONE-NOT: omp.
// RUN: qlinalg-opt %s --qlinalg-pipeline="quantize={calibration=%S/Inputs/calibration.json} target=generic threads=2" | FileCheck %s --check-prefix=TWO
// TWO-LABEL: llvm.func @forward
// TWO: omp.parallel
// TWO: omp.wsloop
