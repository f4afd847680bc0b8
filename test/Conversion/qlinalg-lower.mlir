// RUN: qlinalg-opt %s --split-input-file --qlinalg-lower | FileCheck %s
// The default target is the portable kernel (the packed kernels of the x86
// targets: qlinalg-lower-packed.mlir).
// RUN: qlinalg-opt %s --split-input-file --qlinalg-lower=target=generic | FileCheck %s
// RUN: qlinalg-opt %S/Inputs/lower-unknown-target.mlir --qlinalg-lower=target=x86 --verify-diagnostics

//===----------------------------------------------------------------------===//
// qlinalg.matmul: the zero-point decomposition
//===----------------------------------------------------------------------===//

// Tests that with constant weights, a constant bias and symmetric weights
// (zb = 0), the accumulator is initialized with ONE folded i32 vector
// broadcast along rows, followed by the i8 contraction and nothing else:
//   za = 10, K = 2, w = [[1, -2], [3, 4]], bias = [100, -50]
//   term[n] = bias[n] - za * sum_k w[k, n] + K * za * zb[n]
//           = [100 - 10 * 4, -50 - 10 * 2] = [60, -70].
// The signature becomes i8/i32 storage and keeps the quantized one.

// CHECK-DAG: #[[LHS:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[RHS:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @constant_weights_per_channel
// CHECK-SAME: (%[[A:.*]]: tensor<?x2xi8>) -> tensor<?x2xi32>
// CHECK-SAME: attributes {qlinalg.signature = (tensor<?x2x!quant.uniform<i8:f32, 5.000000e-01:10>>) -> tensor<?x2x!quant.uniform<i32:f32:1, {1.250000e-01,6.250000e-02}>>}
// CHECK-DAG: %[[W:.*]] = arith.constant dense<{{\[}}[1, -2], [3, 4]]> : tensor<2x2xi8>
// CHECK-DAG: %[[TERM:.*]] = arith.constant dense<[60, -70]> : tensor<2xi32>
// CHECK: %[[INIT:.*]] = linalg.broadcast ins(%[[TERM]] : tensor<2xi32>) outs(%{{.*}} : tensor<?x2xi32>) dimensions = [0]
// CHECK-NEXT: %[[ACC:.*]] = linalg.generic {indexing_maps = [#[[LHS]], #[[RHS]], #[[OUT]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[A]], %[[W]] : tensor<?x2xi8>, tensor<2x2xi8>) outs(%[[INIT]] : tensor<?x2xi32>)
// CHECK-NEXT: ^bb0(%[[X:.*]]: i8, %[[Y:.*]]: i8, %[[O:.*]]: i32):
// CHECK-NEXT: %[[XE:.*]] = arith.extsi %[[X]] : i8 to i32
// CHECK-NEXT: %[[YE:.*]] = arith.extsi %[[Y]] : i8 to i32
// CHECK-NEXT: %[[P:.*]] = arith.muli %[[XE]], %[[YE]] : i32
// CHECK-NEXT: %[[S:.*]] = arith.addi %[[O]], %[[P]] : i32
// CHECK-NEXT: linalg.yield %[[S]]
// CHECK: return %[[ACC]] : tensor<?x2xi32>
// CHECK-NOT: quant.
!A = tensor<?x2x!quant.uniform<i8:f32, 0.5:10>>
!W = tensor<2x2x!quant.uniform<i8<-127:127>:f32:1, {0.25, 0.125}>>
!BIAS = tensor<2x!quant.uniform<i32:f32:0, {0.125, 0.0625}>>
!ACC = tensor<?x2x!quant.uniform<i32:f32:1, {0.125, 0.0625}>>
func.func @constant_weights_per_channel(%a: !A) -> !ACC {
  %wd = arith.constant dense<[[1, -2], [3, 4]]> : tensor<2x2xi8>
  %w = quant.scast %wd : tensor<2x2xi8> to !W
  %bd = arith.constant dense<[100, -50]> : tensor<2xi32>
  %b = quant.scast %bd : tensor<2xi32> to !BIAS
  %0 = qlinalg.matmul %a, %w bias %b : !A, !W, !BIAS -> !ACC
  return %0 : !ACC
}

// -----

// Tests that a non-zero rhs zero point (zb = 3, per tensor) folds
// K * za * zb into the column term and adds a row-sum correction
// acc[m, n] -= zb * sum_k a[m, k]:
//   term = [100 - 40 + 2 * 10 * 3, -50 - 20 + 60] = [120, -10].

// CHECK-LABEL: func.func @constant_weights_rhs_zero_point
// CHECK-SAME: (%[[A:.*]]: tensor<?x2xi8>)
// CHECK: %[[TERM:.*]] = arith.constant dense<[120, -10]> : tensor<2xi32>
// CHECK: %[[INIT:.*]] = linalg.broadcast ins(%[[TERM]]
// CHECK: %[[ACC:.*]] = linalg.generic {{.*}} ins(%[[A]], %{{.*}} : tensor<?x2xi8>, tensor<2x2xi8>) outs(%[[INIT]]
// CHECK: %[[ROWS:.*]] = linalg.generic {{{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[A]] : tensor<?x2xi8>)
// CHECK: arith.extsi %{{.*}} : i8 to i32
// CHECK: %[[FIXED:.*]] = linalg.generic {{.*}} ins(%[[ACC]], %[[ROWS]] : tensor<?x2xi32>, tensor<?xi32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: i32, %[[ROW:.*]]: i32, %{{.*}}: i32):
// CHECK-NEXT: %[[Z:.*]] = arith.constant 3 : i32
// CHECK-NEXT: %[[T:.*]] = arith.muli %[[Z]], %[[ROW]] : i32
// CHECK-NEXT: %[[D:.*]] = arith.subi %[[IN]], %[[T]] : i32
// CHECK-NEXT: linalg.yield %[[D]]
// CHECK: return %[[FIXED]]
!A = tensor<?x2x!quant.uniform<i8:f32, 0.5:10>>
!W = tensor<2x2x!quant.uniform<i8:f32, 0.25:3>>
!BIAS = tensor<2x!quant.uniform<i32:f32, 0.125>>
!ACC = tensor<?x2x!quant.uniform<i32:f32, 0.125>>
func.func @constant_weights_rhs_zero_point(%a: !A) -> !ACC {
  %wd = arith.constant dense<[[1, -2], [3, 4]]> : tensor<2x2xi8>
  %w = quant.scast %wd : tensor<2x2xi8> to !W
  %bd = arith.constant dense<[100, -50]> : tensor<2xi32>
  %b = quant.scast %bd : tensor<2xi32> to !BIAS
  %0 = qlinalg.matmul %a, %w bias %b : !A, !W, !BIAS -> !ACC
  return %0 : !ACC
}

// -----

// Tests that a u8 lhs (za = 128) zero-extends the lhs and sign-extends the
// rhs in the contraction:
//   term = [-128 * 4, -128 * 2] = [-512, -256].

// CHECK-LABEL: func.func @u8_lhs
// CHECK-SAME: (%[[A:.*]]: tensor<3x2xi8>)
// CHECK: %[[TERM:.*]] = arith.constant dense<[-512, -256]> : tensor<2xi32>
// CHECK: %[[INIT:.*]] = linalg.broadcast ins(%[[TERM]]
// CHECK: %[[ACC:.*]] = linalg.generic {{{.*}}iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[A]], %{{.*}} : tensor<3x2xi8>, tensor<2x2xi8>) outs(%[[INIT]] : tensor<3x2xi32>)
// CHECK-NEXT: ^bb0(%[[X:.*]]: i8, %[[Y:.*]]: i8, %[[OUT:.*]]: i32):
// CHECK-NEXT: %[[XE:.*]] = arith.extui %[[X]] : i8 to i32
// CHECK-NEXT: %[[YE:.*]] = arith.extsi %[[Y]] : i8 to i32
// CHECK-NEXT: %[[P:.*]] = arith.muli %[[XE]], %[[YE]] : i32
// CHECK-NEXT: %[[S:.*]] = arith.addi %[[OUT]], %[[P]] : i32
// CHECK-NEXT: linalg.yield %[[S]]
// CHECK: return %[[ACC]]
!U = tensor<3x2x!quant.uniform<u8:f32, 0.5:128>>
!W = tensor<2x2x!quant.uniform<i8<-127:127>:f32:1, {0.25, 0.125}>>
!ACC = tensor<3x2x!quant.uniform<i32:f32:1, {0.125, 0.0625}>>
func.func @u8_lhs(%a: !U) -> !ACC {
  %wd = arith.constant dense<[[1, -2], [3, 4]]> : tensor<2x2xi8>
  %w = quant.scast %wd : tensor<2x2xi8> to !W
  %0 = qlinalg.matmul %a, %w : !U, !W -> !ACC
  return %0 : !ACC
}

// -----

// Tests that with a u8 lhs and a non-zero rhs zero point the row sums
// zero-extend the lhs too:
//   term = [-128 * 4 + 2 * 128 * 3, -128 * 2 + 2 * 128 * 3] = [256, 512].

// CHECK-LABEL: func.func @u8_lhs_rhs_zero_point
// CHECK-SAME: (%[[A:.*]]: tensor<3x2xi8>)
// CHECK: arith.constant dense<[256, 512]> : tensor<2xi32>
// CHECK: %[[ACC:.*]] = linalg.generic {{.*}} ins(%[[A]], %{{.*}} : tensor<3x2xi8>, tensor<2x2xi8>)
// CHECK: %[[ROWS:.*]] = linalg.generic {{{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[A]] : tensor<3x2xi8>)
// CHECK-NEXT: ^bb0(%[[X:.*]]: i8, %{{.*}}: i32):
// CHECK-NEXT: arith.extui %[[X]] : i8 to i32
// CHECK: linalg.generic {{.*}} ins(%[[ACC]], %[[ROWS]] : tensor<3x2xi32>, tensor<3xi32>)
// CHECK: arith.constant 3 : i32
!U = tensor<3x2x!quant.uniform<u8:f32, 0.5:128>>
!W = tensor<2x2x!quant.uniform<i8:f32, 0.25:3>>
!ACC = tensor<3x2x!quant.uniform<i32:f32, 0.125>>
func.func @u8_lhs_rhs_zero_point(%a: !U) -> !ACC {
  %wd = arith.constant dense<[[1, -2], [3, 4]]> : tensor<2x2xi8>
  %w = quant.scast %wd : tensor<2x2xi8> to !W
  %0 = qlinalg.matmul %a, %w : !U, !W -> !ACC
  return %0 : !ACC
}

// -----

// Tests that with run-time weights the column term is computed at run time,
// in the accumulator's init: column sums of the rhs (a reduction over k),
// then -za * colsum + K * za * zb with za = 10, zb = -3, K = 2; the row-sum
// correction follows the contraction.

// CHECK-LABEL: func.func @runtime_weights
// CHECK-SAME: (%[[A:.*]]: tensor<3x2xi8>, %[[B:.*]]: tensor<2x4xi8>)
// CHECK: %[[COLS:.*]] = linalg.generic {{{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[B]] : tensor<2x4xi8>) outs(%{{.*}} : tensor<4xi32>)
// CHECK: %[[K:.*]] = arith.index_cast %{{.*}} : index to i32
// CHECK: %[[KZA:.*]] = arith.muli %[[K]], %{{.*}} : i32
// CHECK: %[[INIT:.*]] = linalg.generic {{.*}} ins(%[[COLS]] : tensor<4xi32>) outs(%{{.*}} : tensor<3x4xi32>)
// CHECK-NEXT: ^bb0(%[[COL:.*]]: i32, %{{.*}}: i32):
// CHECK-NEXT: %[[NZA:.*]] = arith.constant -10 : i32
// CHECK-NEXT: %[[ZACOL:.*]] = arith.muli %[[NZA]], %[[COL]] : i32
// CHECK-NEXT: %[[ZB:.*]] = arith.constant -3 : i32
// CHECK-NEXT: %[[KZAZB:.*]] = arith.muli %[[KZA]], %[[ZB]] : i32
// CHECK-NEXT: %[[T:.*]] = arith.addi %[[ZACOL]], %[[KZAZB]] : i32
// CHECK-NEXT: linalg.yield %[[T]]
// CHECK: %[[ACC:.*]] = linalg.generic {{.*}} ins(%[[A]], %[[B]] : tensor<3x2xi8>, tensor<2x4xi8>) outs(%[[INIT]]
// CHECK: %[[ROWS:.*]] = linalg.generic {{{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[A]] : tensor<3x2xi8>)
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[ACC]], %[[ROWS]] :
// CHECK: arith.constant -3 : i32
// CHECK: return %[[R]]
!A = tensor<3x2x!quant.uniform<i8:f32, 0.5:10>>
!W = tensor<2x4x!quant.uniform<i8:f32, 0.25:-3>>
!ACC = tensor<3x4x!quant.uniform<i32:f32, 0.125>>
func.func @runtime_weights(%a: !A, %w: !W) -> !ACC {
  %0 = qlinalg.matmul %a, %w : !A, !W -> !ACC
  return %0 : !ACC
}

// -----

// Tests that constant weights with a run-time bias still fold the weight
// sums at compile time ([-40, -20]) and add the bias at run time.

// CHECK-LABEL: func.func @runtime_bias
// CHECK-SAME: (%[[A:.*]]: tensor<?x2xi8>, %[[BIAS:.*]]: tensor<2xi32>)
// CHECK: %[[TERM:.*]] = arith.constant dense<[-40, -20]> : tensor<2xi32>
// CHECK: %[[INIT:.*]] = linalg.generic {{.*}} ins(%[[TERM]], %[[BIAS]] : tensor<2xi32>, tensor<2xi32>)
// CHECK-NEXT: ^bb0(%[[T:.*]]: i32, %[[B:.*]]: i32, %{{.*}}: i32):
// CHECK-NEXT: %[[TB:.*]] = arith.addi %[[T]], %[[B]] : i32
// CHECK-NEXT: linalg.yield %[[TB]]
// CHECK: linalg.generic {{.*}} ins(%[[A]], %{{.*}} : tensor<?x2xi8>, tensor<2x2xi8>) outs(%[[INIT]]
!A = tensor<?x2x!quant.uniform<i8:f32, 0.5:10>>
!W = tensor<2x2x!quant.uniform<i8<-127:127>:f32:1, {0.25, 0.125}>>
!BIAS = tensor<2x!quant.uniform<i32:f32:0, {0.125, 0.0625}>>
!ACC = tensor<?x2x!quant.uniform<i32:f32:1, {0.125, 0.0625}>>
func.func @runtime_bias(%a: !A, %b: !BIAS) -> !ACC {
  %wd = arith.constant dense<[[1, -2], [3, 4]]> : tensor<2x2xi8>
  %w = quant.scast %wd : tensor<2x2xi8> to !W
  %0 = qlinalg.matmul %a, %w bias %b : !A, !W, !BIAS -> !ACC
  return %0 : !ACC
}

// -----

// Tests that a matmul with a requantized result lowers to the accumulation
// followed by the requantization (fixed point, per channel).

// CHECK-LABEL: func.func @matmul_requantized
// CHECK-SAME: -> tensor<?x2xi8>
// CHECK: %[[ACC:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[ACC]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<?x2xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>) outs(%{{.*}} : tensor<?x2xi8>)
// CHECK: arith.muli %{{.*}}, %{{.*}} : i64
// CHECK: return %[[R]]
!A = tensor<?x2x!quant.uniform<i8:f32, 0.5:10>>
!W = tensor<2x2x!quant.uniform<i8<-127:127>:f32:1, {0.25, 0.125}>>
func.func @matmul_requantized(%a: !A) -> tensor<?x2x!quant.uniform<i8:f32, 0.5:-4>> {
  %wd = arith.constant dense<[[1, -2], [3, 4]]> : tensor<2x2xi8>
  %w = quant.scast %wd : tensor<2x2xi8> to !W
  %0 = qlinalg.matmul %a, %w multiplier(fixed_point) rounding(half_away_from_zero) : !A, !W -> tensor<?x2x!quant.uniform<i8:f32, 0.5:-4>>
  return %0 : tensor<?x2x!quant.uniform<i8:f32, 0.5:-4>>
}

//===----------------------------------------------------------------------===//
// qlinalg.quantize / qlinalg.dequantize / qlinalg.observe
//===----------------------------------------------------------------------===//

// -----

// Tests that qlinalg.quantize lowers to divide, round half to even, add the
// zero point, saturate with maxnumf/minnumf (NaN gives qmin) and convert;
// qlinalg.observe disappears and a float signature gets no attribute change
// beyond the quantized result.

// CHECK-LABEL: func.func @quantize_per_tensor
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>) -> tensor<?x4xi8>
// CHECK-SAME: attributes {qlinalg.signature = (tensor<?x4xf32>) -> tensor<?x4x!quant.uniform<i8:f32, 5.000000e-01:-3>>}
// CHECK-NOT: qlinalg.observe
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<?x4xf32>) outs(%{{.*}} : tensor<?x4xi8>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %{{.*}}: i8):
// CHECK-DAG: %[[S:.*]] = arith.constant 5.000000e-01 : f32
// CHECK-DAG: %[[ZP:.*]] = arith.constant -3.000000e+00 : f32
// CHECK: %[[D:.*]] = arith.divf %[[IN]], %[[S]] : f32
// CHECK-NEXT: %[[RE:.*]] = math.roundeven %[[D]] : f32
// CHECK-NEXT: %[[Y:.*]] = arith.addf %[[RE]], %[[ZP]] : f32
// CHECK-NEXT: %[[LO:.*]] = arith.constant -1.280000e+02 : f32
// CHECK-NEXT: %[[MAX:.*]] = arith.maxnumf %[[Y]], %[[LO]] : f32
// CHECK-NEXT: %[[HI:.*]] = arith.constant 1.270000e+02 : f32
// CHECK-NEXT: %[[MIN:.*]] = arith.minnumf %[[MAX]], %[[HI]] : f32
// CHECK-NEXT: %[[I:.*]] = arith.fptosi %[[MIN]] : f32 to i32
// CHECK-NEXT: %[[T:.*]] = arith.trunci %[[I]] : i32 to i8
// CHECK-NEXT: linalg.yield %[[T]] : i8
// CHECK: return %[[R]]
func.func @quantize_per_tensor(%x: tensor<?x4xf32>) -> tensor<?x4x!quant.uniform<i8:f32, 0.5:-3>> {
  %o = qlinalg.observe %x {id = "t0"} : tensor<?x4xf32>
  %0 = qlinalg.quantize %o : tensor<?x4xf32> to tensor<?x4x!quant.uniform<i8:f32, 0.5:-3>>
  return %0 : tensor<?x4x!quant.uniform<i8:f32, 0.5:-3>>
}

// -----

// Tests that a per-axis u8 quantize reads its scales and zero points from
// per-channel constants indexed by the quantized dimension and saturates to
// [0, 255].

// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @quantize_per_axis_u8
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>) -> tensor<2x3xi8>
// CHECK-DAG: %[[S:.*]] = arith.constant dense<[5.000000e-01, 2.500000e-01, 2.000000e+00]> : tensor<3xf32>
// CHECK-DAG: %[[Z:.*]] = arith.constant dense<[1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<3xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[COL]], #[[COL]], #[[ID]]], {{.*}}} ins(%[[X]], %[[S]], %[[Z]] :
// CHECK: math.roundeven
// CHECK: %[[LO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: arith.maxnumf %{{.*}}, %[[LO]] : f32
// CHECK-NEXT: %[[HI:.*]] = arith.constant 2.550000e+02 : f32
// CHECK-NEXT: arith.minnumf %{{.*}}, %[[HI]] : f32
func.func @quantize_per_axis_u8(%x: tensor<2x3xf32>) -> tensor<2x3x!quant.uniform<u8:f32:1, {0.5:1, 0.25:2, 2.0:3}>> {
  %0 = qlinalg.quantize %x : tensor<2x3xf32> to tensor<2x3x!quant.uniform<u8:f32:1, {0.5:1, 0.25:2, 2.0:3}>>
  return %0 : tensor<2x3x!quant.uniform<u8:f32:1, {0.5:1, 0.25:2, 2.0:3}>>
}

// -----

// Tests that qlinalg.dequantize of u8 zero-extends, subtracts the zero point
// in i32 and scales in f32.

// CHECK-LABEL: func.func @dequantize_u8
// CHECK-SAME: (%[[Q:.*]]: tensor<?x4xi8>) -> tensor<?x4xf32>
// CHECK: linalg.generic {{.*}} ins(%[[Q]] : tensor<?x4xi8>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: i8, %{{.*}}: f32):
// CHECK-DAG: %[[S:.*]] = arith.constant 5.000000e-01 : f32
// CHECK-DAG: %[[ZP:.*]] = arith.constant 128 : i32
// CHECK: %[[E:.*]] = arith.extui %[[IN]] : i8 to i32
// CHECK-NEXT: %[[C:.*]] = arith.subi %[[E]], %[[ZP]] : i32
// CHECK-NEXT: %[[F:.*]] = arith.sitofp %[[C]] : i32 to f32
// CHECK-NEXT: %[[R:.*]] = arith.mulf %[[F]], %[[S]] : f32
// CHECK-NEXT: linalg.yield %[[R]] : f32
func.func @dequantize_u8(%q: tensor<?x4x!quant.uniform<u8:f32, 0.5:128>>) -> tensor<?x4xf32> {
  %0 = qlinalg.dequantize %q : tensor<?x4x!quant.uniform<u8:f32, 0.5:128>> to tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// Tests that qlinalg.dequantize of i8 sign-extends.

// CHECK-LABEL: func.func @dequantize_i8
// CHECK: arith.extsi %{{.*}} : i8 to i32
// CHECK-NOT: arith.extui
func.func @dequantize_i8(%q: tensor<4x!quant.uniform<i8:f32, 0.5:-3>>) -> tensor<4xf32> {
  %0 = qlinalg.dequantize %q : tensor<4x!quant.uniform<i8:f32, 0.5:-3>> to tensor<4xf32>
  return %0 : tensor<4xf32>
}

//===----------------------------------------------------------------------===//
// qlinalg.requantize
//===----------------------------------------------------------------------===//

// -----

// Tests that fixed-point requantization per channel folds M = s_acc / s_out =
// [0.125, 0.1875, 0.25] / 0.5 = [0.25, 0.375, 0.5], as Q31 multipliers and
// shifts: 0.25 = 0.5 * 2^-1, 0.375 = 0.75 * 2^-1, 0.5 = 0.5 * 2^0, so the
// multipliers are [2^30, 0.75 * 2^31, 2^30] and the right shifts [1, 1, 0],
// with their masks 2^r - 1 = [1, 1, 0] and ties-away thresholds mask >> 1
// = [0, 0, 0], all i32; no left shift, so no left-shift operand. The high
// multiply is (x * m + 2^30) >> 31 in i64 (gemmlowp's nudged division, for
// either sign); with no right shift above 30 the rest runs in i32, the
// clamp to [-128, 127] applied before the zero point (-4) as [-124, 131].
// Ties of the right shift round away from zero: the sign bit, shifted down,
// raises the threshold for negative values.

// CHECK-LABEL: func.func @requantize_fixed_point_per_channel
// CHECK-SAME: (%[[ACC:.*]]: tensor<?x3xi32>) -> tensor<?x3xi8>
// CHECK-DAG: %[[MUL:.*]] = arith.constant dense<[1073741824, 1610612736, 1073741824]> : tensor<3xi32>
// CHECK-DAG: %[[RIGHT:.*]] = arith.constant dense<[1, 1, 0]> : tensor<3xi32>
// CHECK-DAG: %[[MASK:.*]] = arith.constant dense<[1, 1, 0]> : tensor<3xi32>
// CHECK-DAG: %[[THRESHOLD:.*]] = arith.constant dense<0> : tensor<3xi32>
// CHECK: linalg.generic {{.*}} ins(%[[ACC]], %[[MUL]], %[[RIGHT]], %[[MASK]], %[[THRESHOLD]] : tensor<?x3xi32>, tensor<3xi32>, tensor<3xi32>, tensor<3xi32>, tensor<3xi32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: i32, %[[M:.*]]: i32, %[[RS:.*]]: i32, %[[MK:.*]]: i32, %[[T:.*]]: i32, %{{.*}}: i8):
// CHECK-NEXT: %[[X:.*]] = arith.extsi %[[IN]] : i32 to i64
// CHECK-NEXT: %[[M64:.*]] = arith.extsi %[[M]] : i32 to i64
// CHECK-NEXT: %[[AB:.*]] = arith.muli %[[X]], %[[M64]] : i64
// CHECK-NEXT: %[[NUDGE:.*]] = arith.constant 1073741824 : i64
// CHECK-NEXT: %[[N:.*]] = arith.addi %[[AB]], %[[NUDGE]] : i64
// CHECK-NEXT: %[[C31:.*]] = arith.constant 31 : i64
// CHECK-NEXT: %[[H64:.*]] = arith.shrsi %[[N]], %[[C31]] : i64
// CHECK-NEXT: %[[H:.*]] = arith.trunci %[[H64]] : i64 to i32
// CHECK-NEXT: %[[REM:.*]] = arith.andi %[[H]], %[[MK]] : i32
// CHECK-NEXT: %[[FLOOR:.*]] = arith.shrsi %[[H]], %[[RS]] : i32
// CHECK: %[[NEG:.*]] = arith.shrui %[[H]], %{{.*}} : i32
// CHECK-NEXT: %[[TN:.*]] = arith.addi %[[T]], %[[NEG]] : i32
// CHECK-NEXT: arith.cmpi sgt, %[[REM]], %[[TN]] : i32
// CHECK-NOT: arith.cmpi eq
// CHECK: %[[LO:.*]] = arith.constant -124 : i32
// CHECK-NEXT: arith.maxsi %{{.*}}, %[[LO]] : i32
// CHECK-NEXT: %[[HI:.*]] = arith.constant 131 : i32
// CHECK-NEXT: arith.minsi %{{.*}}, %[[HI]] : i32
// CHECK-NEXT: %[[ZP:.*]] = arith.constant -4 : i32
// CHECK-NEXT: arith.addi %{{.*}}, %[[ZP]] : i32
// CHECK-NEXT: arith.trunci %{{.*}} : i32 to i8
!ACC = tensor<?x3x!quant.uniform<i32:f32:1, {0.125, 0.1875, 0.25}>>
func.func @requantize_fixed_point_per_channel(%t: !ACC) -> tensor<?x3x!quant.uniform<i8:f32, 0.5:-4>> {
  %0 = qlinalg.requantize %t multiplier(fixed_point) rounding(half_away_from_zero) : !ACC -> tensor<?x3x!quant.uniform<i8:f32, 0.5:-4>>
  return %0 : tensor<?x3x!quant.uniform<i8:f32, 0.5:-4>>
}

// -----

// Tests that fixed-point requantization per tensor handles a multiplier
// above 1:
// M = 1.0 / 0.25 = 4 = 0.5 * 2^3, so multiplier 2^30, left shift 3
// (saturated to i32 in i64), right shift 0 with mask 0 and, for ties to
// even, threshold 1 (above every remainder), materialized as scalars in the
// body; u8 result saturated to [0, 255].

// CHECK-LABEL: func.func @requantize_fixed_point_left_shift_half_to_even
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<?x3xi32>) outs(%{{.*}} : tensor<?x3xi8>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: i32, %{{.*}}: i8):
// CHECK-DAG: %[[M:.*]] = arith.constant 1073741824 : i32
// CHECK-DAG: %[[T:.*]] = arith.constant 1 : i32
// CHECK-DAG: %[[L:.*]] = arith.constant 3 : i32
// CHECK: %[[X:.*]] = arith.extsi %[[IN]] : i32 to i64
// CHECK-NEXT: %[[L64:.*]] = arith.extsi %[[L]] : i32 to i64
// CHECK-NEXT: arith.shli %[[X]], %[[L64]] : i64
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: arith.muli %{{.*}}, %{{.*}} : i64
// CHECK: arith.shrsi %{{.*}}, %{{.*}} : i32
// CHECK: arith.cmpi sgt, %{{.*}}, %[[T]] : i32
// CHECK: arith.cmpi eq, %{{.*}}, %[[T]] : i32
// CHECK: %[[LO:.*]] = arith.constant -7 : i32
// CHECK-NEXT: arith.maxsi %{{.*}}, %[[LO]] : i32
// CHECK-NEXT: %[[HI:.*]] = arith.constant 248 : i32
// CHECK-NEXT: arith.minsi %{{.*}}, %[[HI]] : i32
// CHECK-NEXT: %[[ZP:.*]] = arith.constant 7 : i32
// CHECK-NEXT: arith.addi %{{.*}}, %[[ZP]] : i32
func.func @requantize_fixed_point_left_shift_half_to_even(%t: tensor<?x3x!quant.uniform<i32:f32, 1.0>>) -> tensor<?x3x!quant.uniform<u8:f32, 0.25:7>> {
  %0 = qlinalg.requantize %t multiplier(fixed_point) rounding(half_to_even) : tensor<?x3x!quant.uniform<i32:f32, 1.0>> -> tensor<?x3x!quant.uniform<u8:f32, 0.25:7>>
  return %0 : tensor<?x3x!quant.uniform<u8:f32, 0.25:7>>
}

// -----

// Tests that float requantization with ties to even is an f32 multiply by
// M = 0.125 / 0.5 = 0.25 rounded with math.roundeven.

// CHECK-LABEL: func.func @requantize_float_half_to_even
// CHECK: ^bb0(%[[IN:.*]]: i32, %{{.*}}: i8):
// CHECK-NEXT: %[[M:.*]] = arith.constant 2.500000e-01 : f32
// CHECK-NEXT: %[[F:.*]] = arith.sitofp %[[IN]] : i32 to f32
// CHECK-NEXT: %[[P:.*]] = arith.mulf %[[F]], %[[M]] : f32
// CHECK-NEXT: %[[R:.*]] = math.roundeven %[[P]] : f32
// CHECK-NEXT: %[[ZP:.*]] = arith.constant -4.000000e+00 : f32
// CHECK-NEXT: arith.addf %[[R]], %[[ZP]] : f32
// CHECK: arith.maxnumf
// CHECK: arith.minnumf
// CHECK-NOT: math.round
func.func @requantize_float_half_to_even(%t: tensor<?x3x!quant.uniform<i32:f32, 0.125>>) -> tensor<?x3x!quant.uniform<i8:f32, 0.5:-4>> {
  %0 = qlinalg.requantize %t multiplier(float) rounding(half_to_even) : tensor<?x3x!quant.uniform<i32:f32, 0.125>> -> tensor<?x3x!quant.uniform<i8:f32, 0.5:-4>>
  return %0 : tensor<?x3x!quant.uniform<i8:f32, 0.5:-4>>
}

// -----

// Tests that float requantization with ties away from zero uses math.round,
// with per-channel f32 multipliers [0.25, 0.125].

// CHECK-LABEL: func.func @requantize_float_half_away_from_zero
// CHECK: %[[M:.*]] = arith.constant dense<[2.500000e-01, 1.250000e-01]> : tensor<2xf32>
// CHECK: linalg.generic {{.*}} ins(%{{.*}}, %[[M]] : tensor<4x2xi32>, tensor<2xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: i32, %[[MC:.*]]: f32, %{{.*}}: i8):
// CHECK-NEXT: %[[F:.*]] = arith.sitofp %[[IN]] : i32 to f32
// CHECK-NEXT: %[[P:.*]] = arith.mulf %[[F]], %[[MC]] : f32
// CHECK-NEXT: math.round %[[P]] : f32
// CHECK-NOT: math.roundeven
func.func @requantize_float_half_away_from_zero(%t: tensor<4x2x!quant.uniform<i32:f32:1, {0.125, 0.0625}>>) -> tensor<4x2x!quant.uniform<i8:f32, 0.5>> {
  %0 = qlinalg.requantize %t multiplier(float) rounding(half_away_from_zero) : tensor<4x2x!quant.uniform<i32:f32:1, {0.125, 0.0625}>> -> tensor<4x2x!quant.uniform<i8:f32, 0.5>>
  return %0 : tensor<4x2x!quant.uniform<i8:f32, 0.5>>
}

//===----------------------------------------------------------------------===//
// Signatures and calls
//===----------------------------------------------------------------------===//

// -----

// Tests that quantized function signatures, calls and returns are converted
// to storage types, each converted function keeping its quantized signature
// as qlinalg.signature; a float-only function is left without one.

// CHECK-LABEL: func.func private @external
// CHECK-SAME: (tensor<?x4xi8>) -> tensor<?x4xi8>
// CHECK-SAME: attributes {qlinalg.signature = (tensor<?x4x!quant.uniform<i8:f32, 5.000000e-01:-3>>) -> tensor<?x4x!quant.uniform<i8:f32, 5.000000e-01:-3>>}
// CHECK-LABEL: func.func @callee
// CHECK-SAME: (%[[Q:.*]]: tensor<?x4xi8>) -> tensor<?x4xi8>
// CHECK-SAME: attributes {qlinalg.signature = (tensor<?x4x!quant.uniform<i8:f32, 5.000000e-01:-3>>) -> tensor<?x4x!quant.uniform<i8:f32, 5.000000e-01:-3>>}
// CHECK-NEXT: return %[[Q]] : tensor<?x4xi8>
// CHECK-LABEL: func.func @caller
// CHECK-SAME: (%{{.*}}: tensor<?x4xf32>) -> tensor<?x4xf32> {
// CHECK: %[[Q:.*]] = linalg.generic
// CHECK: %[[R:.*]] = call @callee(%[[Q]]) : (tensor<?x4xi8>) -> tensor<?x4xi8>
// CHECK-NEXT: %[[S:.*]] = call @external(%[[R]]) : (tensor<?x4xi8>) -> tensor<?x4xi8>
// CHECK: linalg.generic {{.*}} ins(%[[S]] : tensor<?x4xi8>)
// CHECK-NOT: quant.
!Q = tensor<?x4x!quant.uniform<i8:f32, 0.5:-3>>
func.func private @external(!Q) -> !Q
func.func @callee(%q: !Q) -> !Q {
  return %q : !Q
}
func.func @caller(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %q = qlinalg.quantize %x : tensor<?x4xf32> to !Q
  %r = call @callee(%q) : (!Q) -> !Q
  %s = call @external(%r) : (!Q) -> !Q
  %y = qlinalg.dequantize %s : !Q to tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}

//===----------------------------------------------------------------------===//
// qlinalg.add / qlinalg.mul
//===----------------------------------------------------------------------===//

// -----

// Tests that a fixed-point qlinalg.add lowers to one elementwise generic on
// the storage with TFLite's arithmetic: each input extended (u8 zero-
// extended) minus its zero point, shifted left by 20, scaled to twice the
// larger input scale (2 * 0.5 = 1: multipliers 0.5 = 2^30 * 2^-31 with no
// shift and 0.25 = 2^30 * 2^-31 with a right shift of 1), summed, and scaled
// to the output by 1 / (2^20 * 1.0) = 2^30 * 2^-31 * 2^-19, clamped as
// [-128, 127] - zp before adding the zero point -3.

// CHECK-LABEL: func.func @add_fixed_point
// CHECK-SAME: (%[[A:.*]]: tensor<?x4xi8>, %[[B:.*]]: tensor<?x4xi8>) -> tensor<?x4xi8>
// CHECK: linalg.generic {{.*}} ins(%[[A]], %[[B]] : tensor<?x4xi8>, tensor<?x4xi8>)
// CHECK: %[[XA:.*]] = arith.extsi %{{.*}} : i8 to i32
// CHECK: %[[CA:.*]] = arith.subi %[[XA]], %c10_i32 : i32
// CHECK: %[[XB:.*]] = arith.extui %{{.*}} : i8 to i32
// CHECK: %[[CB:.*]] = arith.subi %[[XB]], %c128_i32 : i32
// CHECK: %c19_i32 = arith.constant 19 : i32
// CHECK: %c20_i32 = arith.constant 20 : i32
// CHECK: arith.shli %[[CA]], %c20_i32 : i32
// CHECK: arith.shli %[[CB]], %{{.*}} : i32
// CHECK: arith.constant -125 : i32
// CHECK: arith.constant 130 : i32
// CHECK: arith.constant -3 : i32
// CHECK: arith.trunci %{{.*}} : i32 to i8
func.func @add_fixed_point(%a: tensor<?x4x!quant.uniform<i8:f32, 0.5:10>>, %b: tensor<?x4x!quant.uniform<u8:f32, 0.25:128>>) -> tensor<?x4x!quant.uniform<i8:f32, 1.0:-3>> {
  %0 = qlinalg.add %a, %b multiplier(fixed_point) rounding(half_away_from_zero)
      : tensor<?x4x!quant.uniform<i8:f32, 0.5:10>>, tensor<?x4x!quant.uniform<u8:f32, 0.25:128>> -> tensor<?x4x!quant.uniform<i8:f32, 1.0:-3>>
  return %0 : tensor<?x4x!quant.uniform<i8:f32, 1.0:-3>>
}

// -----

// Tests that a float qlinalg.add multiplies each centered input by its f32
// ratio to the output scale (0.5 / 2 = 0.25, 0.25 / 2 = 0.125) and rounds
// their f32 sum.

// CHECK-LABEL: func.func @add_float
// CHECK-DAG: %[[MA:.*]] = arith.constant 2.500000e-01 : f32
// CHECK-DAG: %[[MB:.*]] = arith.constant 1.250000e-01 : f32
// CHECK: %[[FA:.*]] = arith.sitofp %{{.*}} : i32 to f32
// CHECK-NEXT: %[[PA:.*]] = arith.mulf %[[FA]], %[[MA]] : f32
// CHECK-NEXT: %[[FB:.*]] = arith.sitofp %{{.*}} : i32 to f32
// CHECK-NEXT: %[[PB:.*]] = arith.mulf %[[FB]], %[[MB]] : f32
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[PA]], %[[PB]] : f32
// CHECK-NEXT: math.roundeven %[[S]] : f32
func.func @add_float(%a: tensor<4x!quant.uniform<i8:f32, 0.5:10>>, %b: tensor<4x!quant.uniform<i8:f32, 0.25:0>>) -> tensor<4x!quant.uniform<i8:f32, 2.0:0>> {
  %0 = qlinalg.add %a, %b multiplier(float) rounding(half_to_even)
      : tensor<4x!quant.uniform<i8:f32, 0.5:10>>, tensor<4x!quant.uniform<i8:f32, 0.25:0>> -> tensor<4x!quant.uniform<i8:f32, 2.0:0>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 2.0:0>>
}

// -----

// Tests that qlinalg.mul multiplies the centered inputs exactly in i32 and
// requantizes the product from sa * sb = 0.125 to the output (float: M =
// 0.125 / 1.0), its clamp [-3, 127] in the requantization's clamp.

// CHECK-LABEL: func.func @mul_float_clamped
// CHECK: %[[P:.*]] = arith.muli %{{.*}}, %{{.*}} : i32
// CHECK: %[[M:.*]] = arith.constant 1.250000e-01 : f32
// CHECK-NEXT: %[[F:.*]] = arith.sitofp %[[P]] : i32 to f32
// CHECK-NEXT: arith.mulf %[[F]], %[[M]] : f32
// CHECK: arith.constant -3.000000e+00 : f32
// CHECK: arith.maxnumf
// CHECK: arith.constant 1.270000e+02 : f32
// CHECK: arith.minnumf
func.func @mul_float_clamped(%a: tensor<4x!quant.uniform<i8:f32, 0.5:10>>, %b: tensor<4x!quant.uniform<u8:f32, 0.25:128>>) -> tensor<4x!quant.uniform<i8:f32, 1.0:-3>> {
  %0 = qlinalg.mul %a, %b multiplier(float) rounding(half_to_even) clamp [-3, 127]
      : tensor<4x!quant.uniform<i8:f32, 0.5:10>>, tensor<4x!quant.uniform<u8:f32, 0.25:128>> -> tensor<4x!quant.uniform<i8:f32, 1.0:-3>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 1.0:-3>>
}

// -----

// Tests that a rescale (qlinalg.requantize of a u8 tensor) centers the
// storage (zero-extended, minus the zero point 128) and requantizes it with
// M = 0.25 / 0.5 in float.

// CHECK-LABEL: func.func @rescale
// CHECK: linalg.generic
// CHECK: %[[X:.*]] = arith.extui %{{.*}} : i8 to i32
// CHECK-NEXT: %[[Z:.*]] = arith.constant 128 : i32
// CHECK-NEXT: %[[C:.*]] = arith.subi %[[X]], %[[Z]] : i32
// CHECK-NEXT: %[[F:.*]] = arith.sitofp %[[C]] : i32 to f32
// CHECK-NEXT: arith.mulf %[[F]], %{{.*}} : f32
// CHECK-NEXT: math.roundeven
func.func @rescale(%a: tensor<?x4x!quant.uniform<u8:f32, 0.25:128>>) -> tensor<?x4x!quant.uniform<i8:f32, 0.5:-3>> {
  %0 = qlinalg.requantize %a multiplier(float) rounding(half_to_even) : tensor<?x4x!quant.uniform<u8:f32, 0.25:128>> -> tensor<?x4x!quant.uniform<i8:f32, 0.5:-3>>
  return %0 : tensor<?x4x!quant.uniform<i8:f32, 0.5:-3>>
}
