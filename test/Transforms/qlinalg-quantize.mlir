// RUN: qlinalg-opt %s --split-input-file --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/calibration.json" \
// RUN:   | FileCheck %s
// RUN: qlinalg-opt %s --split-input-file --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/calibration.json requantize=fixed-point rounding=half-away-from-zero" \
// RUN:   | FileCheck %s
// RUN: qlinalg-opt %s --split-input-file --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/calibration.json requantize=float" \
// RUN:   | FileCheck %s --check-prefix=FLOAT
// RUN: qlinalg-opt %s --split-input-file --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/calibration.json rounding=half-to-even" \
// RUN:   | FileCheck %s --check-prefix=EVEN
// RUN: qlinalg-opt %s --split-input-file --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/calibration.json requantize=float rounding=half-away-from-zero" \
// RUN:   | FileCheck %s --check-prefix=FLOAT-AWAY
//
// Inputs/calibration.json: t0 has min/max [-1, 2]; t1 has min/max [-10, 10]
// AND an explicit scale 0.05 / zero point 3 (the explicit entry wins); t2 has
// min/max [0.5, 4]; t3 is the same as t2.
//
// Expected parameters, computed in f32:
//   t0: range [-1, 2], scale = 3/255 = 0.011764706112444401,
//       zero point = -128 - roundeven(-1/scale) = -128 + 85 = -43.
//   t1: scale f32(0.05) = 0.05000000074505806, zero point 3.
//   t2: range widened to [0, 4], scale = 4/255 = 0.015686275437474251,
//       zero point = -128 - roundeven(0) = -128.
//   weights [[1.0, -2.0], [0.3, 0.5]], symmetric per column, narrow range:
//     column 0: scale = 1/127 = 0.0078740157186985015, q = [127, 38]
//               (0.3 / scale = 38.1);
//     column 1: scale = 2/127 = 0.015748031437397003, q = [-127, 32]
//               (0.5 / scale = 31.75).
//   accumulator scales sa * sb = 9.2635480855255553E-5, 1.8527096171051111E-4.
//   bias [0.25, -0.7] / accumulator scales = [2698.75, -3778.25]
//     -> [2699, -3778].

// Tests that with a static batch and the bias as a following linalg.add the
// input is quantized with t0's parameters, the weights and the bias become exact
// integer constants, the matmul and the add become one qlinalg.matmul with a
// bias, requantized with the parameters of the add's result t2 (t1 is the
// product before the bias, which has no range of its own), and only the
// result is dequantized.

// CHECK-LABEL: func.func @static_bias_add
// CHECK-SAME: (%[[X:.*]]: tensor<3x2xf32>)
// CHECK: %[[Q:.*]] = qlinalg.quantize %[[X]] {qlinalg.tensor_id = "t0"} : tensor<3x2xf32> to tensor<3x2x!quant.uniform<i8:f32, 0.011764706112444401:-43>>
// CHECK-NOT: {{ linalg\.|tensor\.empty|xf32>$}}
// CHECK: %[[WD:.*]] = arith.constant dense<{{\[}}[127, -127], [38, 32]]> : tensor<2x2xi8>
// CHECK: %[[W:.*]] = quant.scast %[[WD]] : tensor<2x2xi8> to tensor<2x2x!quant.uniform<i8<-127:127>:f32:1, {0.0078740157186985015,0.015748031437397003}>>
// CHECK: %[[BD:.*]] = arith.constant dense<[2699, -3778]> : tensor<2xi32>
// CHECK: %[[B:.*]] = quant.scast %[[BD]] : tensor<2xi32> to tensor<2x!quant.uniform<i32:f32:0, {9.2635480855255553E-5,1.8527096171051111E-4}>>
// CHECK: %[[ACC:.*]] = qlinalg.matmul %[[Q]], %[[W]] bias %[[B]] : {{.*}} -> tensor<3x2x!quant.uniform<i32:f32:1, {9.2635480855255553E-5,1.8527096171051111E-4}>>
// CHECK: %[[R:.*]] = qlinalg.requantize %[[ACC]] multiplier(fixed_point) rounding(half_away_from_zero) {qlinalg.tensor_id = "t2"} : {{.*}} -> tensor<3x2x!quant.uniform<i8:f32, 0.015686275437474251:-128>>
// CHECK-NOT: {{ linalg\.}}
// CHECK: %[[Y:.*]] = qlinalg.dequantize %[[R]] : tensor<3x2x!quant.uniform<i8:f32, 0.015686275437474251:-128>> to tensor<3x2xf32>
// CHECK-NEXT: return %[[Y]]
// FLOAT-LABEL: func.func @static_bias_add
// FLOAT: qlinalg.requantize %{{.*}} multiplier(float) rounding(half_to_even) {qlinalg.tensor_id = "t2"}
// EVEN-LABEL: func.func @static_bias_add
// EVEN: qlinalg.requantize %{{.*}} multiplier(fixed_point) rounding(half_to_even) {qlinalg.tensor_id = "t2"}
// FLOAT-AWAY-LABEL: func.func @static_bias_add
// FLOAT-AWAY: qlinalg.requantize %{{.*}} multiplier(float) rounding(half_away_from_zero) {qlinalg.tensor_id = "t2"}
func.func @static_bias_add(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.3, 0.5]]> : tensor<2x2xf32>
  %b = arith.constant dense<[0.25, -0.7]> : tensor<2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  %bb = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<3x2xf32>) dimensions = [0]
  %z = linalg.add ins(%y, %bb : tensor<3x2xf32>, tensor<3x2xf32>) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %z : tensor<3x2xf32>
}

// -----

// Tests that with a dynamic batch and no bias the matmul has no bias operand
// and the dynamic dimension is kept on every quantized type.

// CHECK-LABEL: func.func @dynamic_batch
// CHECK-SAME: (%[[X:.*]]: tensor<?x2xf32>)
// CHECK: %[[Q:.*]] = qlinalg.quantize %[[X]] {qlinalg.tensor_id = "t0"} : tensor<?x2xf32> to tensor<?x2x!quant.uniform<i8:f32, 0.011764706112444401:-43>>
// CHECK-NOT: {{ linalg\.|tensor\.empty|tensor\.dim}}
// CHECK: %[[WD:.*]] = arith.constant dense<{{\[}}[127, -127], [38, 32]]> : tensor<2x2xi8>
// CHECK: %[[W:.*]] = quant.scast %[[WD]]
// CHECK: %[[ACC:.*]] = qlinalg.matmul %[[Q]], %[[W]] : tensor<?x2x{{.*}}>, tensor<2x2x{{.*}}> -> tensor<?x2x!quant.uniform<i32:f32:1, {9.2635480855255553E-5,1.8527096171051111E-4}>>
// CHECK: %[[R:.*]] = qlinalg.requantize %[[ACC]] multiplier(fixed_point) rounding(half_away_from_zero) {qlinalg.tensor_id = "t1"} : {{.*}} -> tensor<?x2x!quant.uniform<i8:f32, 0.05000000074505806:3>>
// CHECK-NEXT: %[[Y:.*]] = qlinalg.dequantize %[[R]] : {{.*}} to tensor<?x2xf32>
// CHECK-NEXT: return %[[Y]]
func.func @dynamic_batch(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.3, 0.5]]> : tensor<2x2xf32>
  %c0 = arith.constant 0 : index
  %d = tensor.dim %x, %c0 : tensor<?x2xf32>
  %e = tensor.empty(%d) : tensor<?x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x2xf32>) -> tensor<?x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<?x2xf32>, tensor<2x2xf32>) outs(%f : tensor<?x2xf32>) -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// -----

// Tests that a bias in the accumulator init (broadcast constant) is quantized
// exactly like a bias add.

// CHECK-LABEL: func.func @bias_in_init
// CHECK: %[[Q:.*]] = qlinalg.quantize %{{.*}} {qlinalg.tensor_id = "t0"}
// CHECK-NOT: {{ linalg\.|tensor\.empty}}
// CHECK: %[[W:.*]] = quant.scast %{{.*}} : tensor<2x2xi8>
// CHECK: %[[BD:.*]] = arith.constant dense<[2699, -3778]> : tensor<2xi32>
// CHECK: %[[B:.*]] = quant.scast %[[BD]]
// CHECK: %[[ACC:.*]] = qlinalg.matmul %[[Q]], %[[W]] bias %[[B]]
// CHECK-NEXT: %[[R:.*]] = qlinalg.requantize %[[ACC]] {{.*}} {qlinalg.tensor_id = "t1"}
// CHECK-NEXT: %[[Y:.*]] = qlinalg.dequantize %[[R]]
// CHECK-NEXT: return %[[Y]]
func.func @bias_in_init(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.3, 0.5]]> : tensor<2x2xf32>
  %b = arith.constant dense<[0.25, -0.7]> : tensor<2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %bb = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<3x2xf32>) dimensions = [0]
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%bb : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Tests that chained matmuls exchange int8 tensors: the requantized output of
// the first (t1) feeds the second directly, with no dequantize/quantize in
// between; the second's accumulator scale is 0.05 * sb and its output uses
// t2's min/max parameters.

// CHECK-LABEL: func.func @chain
// CHECK-SAME: (%[[X:.*]]: tensor<3x2xf32>)
// CHECK: %[[Q:.*]] = qlinalg.quantize %[[X]] {qlinalg.tensor_id = "t0"}
// CHECK-NOT: qlinalg.quantize
// CHECK: %[[ACC1:.*]] = qlinalg.matmul %[[Q]],
// CHECK: %[[R1:.*]] = qlinalg.requantize %[[ACC1]] {{.*}} {qlinalg.tensor_id = "t1"} : {{.*}} -> tensor<3x2x!quant.uniform<i8:f32, 0.05000000074505806:3>>
// CHECK-NOT: qlinalg.dequantize
// CHECK-NOT: qlinalg.quantize
// CHECK: %[[ACC2:.*]] = qlinalg.matmul %[[R1]], %{{.*}} : tensor<3x2x!quant.uniform<i8:f32, 0.05000000074505806:3>>, {{.*}} -> tensor<3x2x!quant.uniform<i32:f32:1, {3.9370079180152395E-4,7.8740158360304791E-4}>>
// CHECK: %[[R2:.*]] = qlinalg.requantize %[[ACC2]] {{.*}} {qlinalg.tensor_id = "t2"} : {{.*}} -> tensor<3x2x!quant.uniform<i8:f32, 0.015686275437474251:-128>>
// CHECK: %[[Y:.*]] = qlinalg.dequantize %[[R2]]
// CHECK: return %[[Y]]
func.func @chain(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.3, 0.5]]> : tensor<2x2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  %z = linalg.matmul ins(%y, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %z : tensor<3x2xf32>
}

// -----

// Tests that a chained tensor also used in float keeps one dequantize for
// the float user while the next matmul still reads the int8 tensor.

// CHECK-LABEL: func.func @chain_with_float_user
// CHECK: %[[R1:.*]] = qlinalg.requantize {{.*}} {qlinalg.tensor_id = "t1"}
// CHECK: %[[D1:.*]] = qlinalg.dequantize %[[R1]]
// CHECK-NOT: qlinalg.quantize
// CHECK: qlinalg.matmul %[[R1]],
// CHECK: %[[D2:.*]] = qlinalg.dequantize
// CHECK: return %[[D1]], %[[D2]]
func.func @chain_with_float_user(%x: tensor<3x2xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
  %w = arith.constant dense<[[1.0, -2.0], [0.3, 0.5]]> : tensor<2x2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  %z = linalg.matmul ins(%y, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y, %z : tensor<3x2xf32>, tensor<3x2xf32>
}

// -----

// Tests that a non-constant rhs is quantized per tensor from its table entry
// (t1, explicit 0.05:3) and the accumulator is per tensor with scale
// sa * 0.05.

// CHECK-LABEL: func.func @dynamic_rhs
// CHECK-SAME: (%[[X:.*]]: tensor<3x2xf32>, %[[W:.*]]: tensor<2x4xf32>)
// CHECK-DAG: %[[QW:.*]] = qlinalg.quantize %[[W]] {qlinalg.tensor_id = "t1"} : tensor<2x4xf32> to tensor<2x4x!quant.uniform<i8:f32, 0.05000000074505806:3>>
// CHECK-DAG: %[[QX:.*]] = qlinalg.quantize %[[X]] {qlinalg.tensor_id = "t0"}
// CHECK: %[[ACC:.*]] = qlinalg.matmul %[[QX]], %[[QW]] : {{.*}} -> tensor<3x4x!quant.uniform<i32:f32, 5.8823531438760915E-4>>
// CHECK: qlinalg.requantize %[[ACC]] {{.*}} {qlinalg.tensor_id = "t2"} : {{.*}} -> tensor<3x4x!quant.uniform<i8:f32, 0.015686275437474251:-128>>
// CHECK-NOT: quant.scast
func.func @dynamic_rhs(%x: tensor<3x2xf32>, %w: tensor<2x4xf32>) -> tensor<3x4xf32> {
  %e = tensor.empty() : tensor<3x4xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x4xf32>) -> tensor<3x4xf32>
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x4xf32>) outs(%f : tensor<3x4xf32>) -> tensor<3x4xf32>
  return %y : tensor<3x4xf32>
}

// -----

// Tests that probes left by --qlinalg-instrument are dropped and do not shift
// the ids.

// CHECK-LABEL: func.func @instrumented
// CHECK-NOT: qlinalg.observe
// CHECK: qlinalg.quantize %{{.*}} {qlinalg.tensor_id = "t0"}
// CHECK: qlinalg.requantize {{.*}} {qlinalg.tensor_id = "t1"}
// CHECK-NOT: qlinalg.observe
func.func @instrumented(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %xo = qlinalg.observe %x {id = "t0"} : tensor<3x2xf32>
  %w = arith.constant dense<[[1.0, -2.0], [0.3, 0.5]]> : tensor<2x2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%xo, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  %yo = qlinalg.observe %y {id = "t1"} : tensor<3x2xf32>
  return %yo : tensor<3x2xf32>
}

// -----

// Tests that an f16 matmul stays in float with a remark, and that a
// quantizable matmul after it is still quantized; tensor ids number every
// float tensor of the module, f16 ones too (%h is t0), so they do not depend
// on what is quantizable.

// CHECK-LABEL: func.func @unquantizable_f16
// CHECK-SAME: (%[[H:.*]]: tensor<3x2xf16>, %[[X:.*]]: tensor<3x2xf32>)
// CHECK: %[[Q:.*]] = qlinalg.quantize %[[X]] {qlinalg.tensor_id = "t1"} : tensor<3x2xf32>
// CHECK: %[[YH:.*]] = linalg.matmul ins(%[[H]], %{{.*}} : tensor<3x2xf16>, tensor<2x2xf16>)
// CHECK: qlinalg.matmul %[[Q]],
// CHECK: %[[Y:.*]] = qlinalg.dequantize
// CHECK: return %[[YH]], %[[Y]]
func.func @unquantizable_f16(%h: tensor<3x2xf16>, %x: tensor<3x2xf32>) -> (tensor<3x2xf16>, tensor<3x2xf32>) {
  %wh = arith.constant dense<1.0> : tensor<2x2xf16>
  %eh = tensor.empty() : tensor<3x2xf16>
  %zh = arith.constant 0.0 : f16
  %fh = linalg.fill ins(%zh : f16) outs(%eh : tensor<3x2xf16>) -> tensor<3x2xf16>
  // expected-remark @+1 {{linalg.matmul left in float: only f32 contractions are quantized, this one has tensor<3x2xf16>}}
  %yh = linalg.matmul ins(%h, %wh : tensor<3x2xf16>, tensor<2x2xf16>) outs(%fh : tensor<3x2xf16>) -> tensor<3x2xf16>
  %w = arith.constant dense<[[1.0, -2.0], [0.3, 0.5]]> : tensor<2x2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %yh, %y : tensor<3x2xf16>, tensor<3x2xf32>
}

// -----

// Tests that a matmul accumulating into a non-zero fill stays in float with
// a remark.

// CHECK-LABEL: func.func @unquantizable_non_zero_fill
// CHECK-NOT: qlinalg.
// CHECK: linalg.matmul
// CHECK-NOT: qlinalg.
func.func @unquantizable_non_zero_fill(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.3, 0.5]]> : tensor<2x2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %one = arith.constant 1.0 : f32
  %f = linalg.fill ins(%one : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  // expected-remark @+1 {{linalg.matmul left in float: its accumulator is neither a zero fill nor a broadcast constant bias}}
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Tests that a matmul with a transposed rhs (user-defined indexing maps)
// becomes a qlinalg.contract with the same maps, its weights quantized per
// output channel along their axis 0.

#mA = affine_map<(m, n, k) -> (m, k)>
#mBt = affine_map<(m, n, k) -> (n, k)>
#mC = affine_map<(m, n, k) -> (m, n)>
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[BT:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @transposed_rhs
// CHECK: %[[Q:.*]] = qlinalg.quantize %{{.*}} {qlinalg.tensor_id = "t0"}
// CHECK: %[[W:.*]] = quant.scast %{{.*}} : tensor<2x2xi8> to tensor<2x2x!quant.uniform<i8<-127:127>:f32:0, {0.015748031437397003,0.0039370078593492508}>>
// CHECK: %[[E:.*]] = tensor.empty() : tensor<3x2x!quant.uniform<i32:f32:1, {{.*}}>>
// CHECK: %[[ACC:.*]] = qlinalg.contract ins(%[[Q]], %[[W]] : {{.*}}) outs(%[[E]] : {{.*}}) {indexing_maps = [#[[A]], #[[BT]], #[[C]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK: qlinalg.requantize %[[ACC]] {{.*}} {qlinalg.tensor_id = "t1"}
// CHECK-NOT: linalg.matmul
func.func @transposed_rhs(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.3, 0.5]]> : tensor<2x2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul indexing_maps = [#mA, #mBt, #mC] ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Tests that when only the lhs is constant, it is taken as the weights (the
// contraction is symmetric in its operands): the argument is the
// activation, the constant is quantized per output channel along its
// axis 0 (the m loop).

// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @constant_lhs
// CHECK-SAME: (%[[X:.*]]: tensor<2x2xf32>)
// CHECK: %[[Q:.*]] = qlinalg.quantize %[[X]] {qlinalg.tensor_id = "t0"}
// CHECK: %[[W:.*]] = quant.scast %{{.*}} : tensor<3x2xi8> to tensor<3x2x!quant.uniform<i8<-127:127>:f32:0,
// CHECK: qlinalg.contract ins(%[[Q]], %[[W]] : {{.*}}) outs({{.*}}) {indexing_maps = [#[[A]], #[[B]], #{{.*}}]
func.func @constant_lhs(%x: tensor<2x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [-1.0, 0.5]]> : tensor<3x2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%w, %x : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Tests that a matmul of two constants stays in float with a remark.

// CHECK-LABEL: func.func @unquantizable_constants
// CHECK-NOT: qlinalg.
// CHECK: linalg.matmul
// CHECK-NOT: qlinalg.
func.func @unquantizable_constants(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %a = arith.constant dense<1.0> : tensor<3x2xf32>
  %w = arith.constant dense<2.0> : tensor<2x2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  // expected-remark @+1 {{linalg.matmul left in float: both operands are constants}}
  %y = linalg.matmul ins(%a, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Tests that a matmul with an unsigned cast stays in float with a remark.

// CHECK-LABEL: func.func @unquantizable_unsigned
// CHECK-NOT: qlinalg.
// CHECK: linalg.matmul {cast = #linalg.type_fn<cast_unsigned>}
// CHECK-NOT: qlinalg.
func.func @unquantizable_unsigned(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.3, 0.5]]> : tensor<2x2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  // expected-remark @+1 {{linalg.matmul left in float: it uses an unsigned cast}}
  %y = linalg.matmul {cast = #linalg.type_fn<cast_unsigned>} ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Tests that a matmul on buffers stays as is with a remark.

// CHECK-LABEL: func.func @unquantizable_buffers
// CHECK-NOT: qlinalg.
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : memref<3x2xf32>, memref<2x2xf32>)
func.func @unquantizable_buffers(%x: memref<3x2xf32>, %w: memref<2x2xf32>, %y: memref<3x2xf32>) {
  // expected-remark @+1 {{linalg.matmul left in float: it works on buffers, not tensors}}
  linalg.matmul ins(%x, %w : memref<3x2xf32>, memref<2x2xf32>) outs(%y : memref<3x2xf32>)
  return
}
