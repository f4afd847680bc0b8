// RUN: qlinalg-opt %s --qlinalg-quantize="calibration=%S/Inputs/calibration.json reduce-range=true" | FileCheck %s
// RUN: qlinalg-opt %s --qlinalg-quantize="calibration=%S/Inputs/calibration.json reduce-range=true target=x86-avx2" \
// RUN:   --qlinalg-lower="target=x86-avx2 explain=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=PROVEN
// RUN: qlinalg-opt %s --qlinalg-quantize="calibration=%S/Inputs/calibration.json target=x86-avx2" \
// RUN:   --qlinalg-lower="target=x86-avx2 explain=true" -o /dev/null 2>&1 | FileCheck %s --check-prefix=EXACT
// RUN: not qlinalg-opt %s --qlinalg-quantize="calibration=%S/Inputs/calibration.json reduce-range=true activation-scheme=symmetric" 2>&1 | FileCheck %s --check-prefix=SYMMETRIC

// Tests that reduce-range quantizes activations to half the levels, storage
// [-128, -1]: t0's range [-1, 2] gets scale 3/127 and zero point
// -128 - roundeven(-1 / scale) = -128 + 42 = -86; the result t2 ([0.5, 4]
// widened to [0, 4]) scale 4/127 and zero point -128.
// Shifted by 128 for the x86 u8 x s8 step that is 0..127, so AVX2 proves
// every vpmaddubsw pair exact for these full-range weights (127 * (127 +
// 127) < 32767) and runs the fast step; without reduce-range the same
// weights with activations up to 255 need the exact one.

// CHECK-LABEL: func.func @forward
// CHECK: qlinalg.quantize %{{.*}} to tensor<3x2x!quant.uniform<i8<-128:-1>:f32, 0.023622047{{[0-9]*}}:-86>>
// CHECK: qlinalg.requantize {{.*}} -> tensor<3x2x!quant.uniform<i8<-128:-1>:f32, 0.031496062{{[0-9]*}}:-128>>
// PROVEN: remark: kernel x86-avx2: step vpmaddubsw + vpmaddwd ymm{{.*}}pair sums proven within +-32767 for activations in [0, 127]
// EXACT: remark: kernel x86-avx2: step vpmaddwd ymm on s16 weights{{.*}}pair sums can saturate
// SYMMETRIC: error: reduce-range needs asymmetric activations
func.func @forward(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.3, 0.5]]> : tensor<2x2xf32>
  %b = arith.constant dense<[0.25, -0.7]> : tensor<2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %mm = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  %bb = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<3x2xf32>) dimensions = [0]
  %y = linalg.add ins(%mm, %bb : tensor<3x2xf32>, tensor<3x2xf32>) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}
