// RUN: qlinalg-opt %s --split-input-file | qlinalg-opt --split-input-file | FileCheck %s
// RUN: qlinalg-opt %s --split-input-file --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC
// RUN: qlinalg-opt %s --split-input-file --mlir-print-op-generic | qlinalg-opt --split-input-file | FileCheck %s

// Tests that qlinalg.observe round-trips on f32 and f16 tensors, static and
// dynamic, keeping its id.

// CHECK-LABEL: func.func @observe
// CHECK-SAME: (%[[X:.*]]: tensor<?x4xf32>, %[[H:.*]]: tensor<2x2xf16>)
// CHECK: %[[O0:.*]] = qlinalg.observe %[[X]] {id = "t0"} : tensor<?x4xf32>
// CHECK: %[[O1:.*]] = qlinalg.observe %[[H]] {id = "t1"} : tensor<2x2xf16>
// CHECK: return %[[O0]], %[[O1]]
// GENERIC-LABEL: sym_name = "observe"
// GENERIC: "qlinalg.observe"(%{{.*}}) <{id = "t0"}> : (tensor<?x4xf32>) -> tensor<?x4xf32>
func.func @observe(%arg0: tensor<?x4xf32>, %arg1: tensor<2x2xf16>) -> (tensor<?x4xf32>, tensor<2x2xf16>) {
  %0 = qlinalg.observe %arg0 {id = "t0"} : tensor<?x4xf32>
  %1 = qlinalg.observe %arg1 {id = "t1"} : tensor<2x2xf16>
  return %0, %1 : tensor<?x4xf32>, tensor<2x2xf16>
}

// -----

// Tests that qlinalg.quantize round-trips per tensor (i8, u8, narrow range,
// f16 expressed type, a dynamic result dimension) and per axis (i8 along
// dimension 1, u8 along dimension 0).

// CHECK-LABEL: func.func @quantize
// CHECK-SAME: (%[[X:.*]]: tensor<2x3xf32>, %[[H:.*]]: tensor<2x3xf16>)
// CHECK: qlinalg.quantize %[[X]] : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32, 5.000000e-01:-3>>
// CHECK: qlinalg.quantize %[[X]] : tensor<2x3xf32> to tensor<2x3x!quant.uniform<u8:f32, 2.500000e-01:128>>
// CHECK: qlinalg.quantize %[[X]] : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8<-127:127>:f32, 1.250000e-01>>
// CHECK: qlinalg.quantize %[[X]] : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32:1, {5.000000e-01:1,2.500000e-01:-2,2.000000e+00}>>
// CHECK: qlinalg.quantize %[[X]] : tensor<2x3xf32> to tensor<2x3x!quant.uniform<u8:f32:0, {5.000000e-01:10,2.500000e-01:20}>>
// CHECK: qlinalg.quantize %[[H]] : tensor<2x3xf16> to tensor<2x3x!quant.uniform<i8:f16, 5.000000e-01>>
// CHECK: qlinalg.quantize %[[X]] : tensor<2x3xf32> to tensor<?x3x!quant.uniform<i8:f32, 5.000000e-01>>
// GENERIC-LABEL: sym_name = "quantize"
// GENERIC: "qlinalg.quantize"(%{{.*}}) : (tensor<2x3xf32>) -> tensor<2x3x!quant.uniform<i8:f32, 5.000000e-01:-3>>
func.func @quantize(%arg0: tensor<2x3xf32>, %arg1: tensor<2x3xf16>) {
  %0 = qlinalg.quantize %arg0 : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32, 0.5:-3>>
  %1 = qlinalg.quantize %arg0 : tensor<2x3xf32> to tensor<2x3x!quant.uniform<u8:f32, 0.25:128>>
  %2 = qlinalg.quantize %arg0 : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8<-127:127>:f32, 0.125>>
  %3 = qlinalg.quantize %arg0 : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32:1, {0.5:1, 0.25:-2, 2.0}>>
  %4 = qlinalg.quantize %arg0 : tensor<2x3xf32> to tensor<2x3x!quant.uniform<u8:f32:0, {0.5:10, 0.25:20}>>
  %5 = qlinalg.quantize %arg1 : tensor<2x3xf16> to tensor<2x3x!quant.uniform<i8:f16, 0.5>>
  %6 = qlinalg.quantize %arg0 : tensor<2x3xf32> to tensor<?x3x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

// Tests that qlinalg.dequantize round-trips per tensor (i8, u8, narrow range,
// f16 expressed type) and per axis, with a dynamic dimension.

// CHECK-LABEL: func.func @dequantize
// CHECK: qlinalg.dequantize %{{.*}} : tensor<?x3x!quant.uniform<i8:f32, 5.000000e-01:-3>> to tensor<?x3xf32>
// CHECK: qlinalg.dequantize %{{.*}} : tensor<2x3x!quant.uniform<u8:f32, 2.500000e-01:128>> to tensor<2x3xf32>
// CHECK: qlinalg.dequantize %{{.*}} : tensor<2x3x!quant.uniform<i8<-127:127>:f32, 1.250000e-01>> to tensor<2x3xf32>
// CHECK: qlinalg.dequantize %{{.*}} : tensor<?x3x!quant.uniform<i8:f32:1, {5.000000e-01:1,2.500000e-01:-2,2.000000e+00}>> to tensor<?x3xf32>
// CHECK: qlinalg.dequantize %{{.*}} : tensor<2x3x!quant.uniform<u8<1:255>:f32:0, {5.000000e-01:10,2.500000e-01:20}>> to tensor<2x3xf32>
// CHECK: qlinalg.dequantize %{{.*}} : tensor<2x3x!quant.uniform<i8:f16, 5.000000e-01>> to tensor<2x3xf16>
// GENERIC-LABEL: sym_name = "dequantize"
// GENERIC: "qlinalg.dequantize"(%{{.*}}) : (tensor<?x3x!quant.uniform<i8:f32, 5.000000e-01:-3>>) -> tensor<?x3xf32>
func.func @dequantize(%a: tensor<?x3x!quant.uniform<i8:f32, 0.5:-3>>,
                      %b: tensor<2x3x!quant.uniform<u8:f32, 0.25:128>>,
                      %c: tensor<2x3x!quant.uniform<i8<-127:127>:f32, 0.125>>,
                      %d: tensor<?x3x!quant.uniform<i8:f32:1, {0.5:1, 0.25:-2, 2.0}>>,
                      %e: tensor<2x3x!quant.uniform<u8<1:255>:f32:0, {0.5:10, 0.25:20}>>,
                      %f: tensor<2x3x!quant.uniform<i8:f16, 0.5>>) {
  %0 = qlinalg.dequantize %a : tensor<?x3x!quant.uniform<i8:f32, 0.5:-3>> to tensor<?x3xf32>
  %1 = qlinalg.dequantize %b : tensor<2x3x!quant.uniform<u8:f32, 0.25:128>> to tensor<2x3xf32>
  %2 = qlinalg.dequantize %c : tensor<2x3x!quant.uniform<i8<-127:127>:f32, 0.125>> to tensor<2x3xf32>
  %3 = qlinalg.dequantize %d : tensor<?x3x!quant.uniform<i8:f32:1, {0.5:1, 0.25:-2, 2.0}>> to tensor<?x3xf32>
  %4 = qlinalg.dequantize %e : tensor<2x3x!quant.uniform<u8<1:255>:f32:0, {0.5:10, 0.25:20}>> to tensor<2x3xf32>
  %5 = qlinalg.dequantize %f : tensor<2x3x!quant.uniform<i8:f16, 0.5>> to tensor<2x3xf16>
  return
}

// -----

// Tests that qlinalg.matmul round-trips with an i32 accumulator result,
// per-tensor rhs and no bias.

// CHECK-LABEL: func.func @matmul_acc_per_tensor
// CHECK-SAME: (%[[A:.*]]: tensor<2x4x!quant.uniform<i8:f32, 5.000000e-01:10>>, %[[B:.*]]: tensor<4x3x!quant.uniform<i8:f32, 2.500000e-01>>)
// CHECK: %[[R:.*]] = qlinalg.matmul %[[A]], %[[B]] : tensor<2x4x!quant.uniform<i8:f32, 5.000000e-01:10>>, tensor<4x3x!quant.uniform<i8:f32, 2.500000e-01>> -> tensor<2x3x!quant.uniform<i32:f32, 1.250000e-01>>
// CHECK: return %[[R]]
// GENERIC-LABEL: sym_name = "matmul_acc_per_tensor"
// GENERIC: "qlinalg.matmul"(%{{.*}}, %{{.*}}) : (tensor<2x4x!quant.uniform<i8:f32, 5.000000e-01:10>>, tensor<4x3x!quant.uniform<i8:f32, 2.500000e-01>>) -> tensor<2x3x!quant.uniform<i32:f32, 1.250000e-01>>
func.func @matmul_acc_per_tensor(%a: tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>, %b: tensor<4x3x!quant.uniform<i8:f32, 0.25>>) -> tensor<2x3x!quant.uniform<i32:f32, 0.125>> {
  %0 = qlinalg.matmul %a, %b : tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>, tensor<4x3x!quant.uniform<i8:f32, 0.25>> -> tensor<2x3x!quant.uniform<i32:f32, 0.125>>
  return %0 : tensor<2x3x!quant.uniform<i32:f32, 0.125>>
}

// -----

// Tests that qlinalg.matmul round-trips with a bias, a per-channel rhs with
// constant storage, a dynamic M and a per-channel i32 accumulator result.

// CHECK-LABEL: func.func @matmul_acc_per_channel_bias
// CHECK-SAME: (%[[A:.*]]: tensor<?x2x!quant.uniform<i8:f32, 5.000000e-01:10>>)
// CHECK: %[[W:.*]] = quant.scast %{{.*}} : tensor<2x2xi8> to tensor<2x2x!quant.uniform<i8<-127:127>:f32:1, {2.500000e-01,1.250000e-01}>>
// CHECK: %[[BIAS:.*]] = quant.scast %{{.*}} : tensor<2xi32> to tensor<2x!quant.uniform<i32:f32:0, {1.250000e-01,6.250000e-02}>>
// CHECK: %[[R:.*]] = qlinalg.matmul %[[A]], %[[W]] bias %[[BIAS]] : tensor<?x2x!quant.uniform<i8:f32, 5.000000e-01:10>>, tensor<2x2x!quant.uniform<i8<-127:127>:f32:1, {2.500000e-01,1.250000e-01}>>, tensor<2x!quant.uniform<i32:f32:0, {1.250000e-01,6.250000e-02}>> -> tensor<?x2x!quant.uniform<i32:f32:1, {1.250000e-01,6.250000e-02}>>
// CHECK: return %[[R]]
// GENERIC-LABEL: sym_name = "matmul_acc_per_channel_bias"
// GENERIC: "qlinalg.matmul"(%{{.*}}, %{{.*}}, %{{.*}}) : (tensor<?x2x!quant.uniform<i8:f32, 5.000000e-01:10>>, tensor<2x2x!quant.uniform<i8<-127:127>:f32:1, {2.500000e-01,1.250000e-01}>>, tensor<2x!quant.uniform<i32:f32:0, {1.250000e-01,6.250000e-02}>>) -> tensor<?x2x!quant.uniform<i32:f32:1, {1.250000e-01,6.250000e-02}>>
func.func @matmul_acc_per_channel_bias(%a: tensor<?x2x!quant.uniform<i8:f32, 0.5:10>>) -> tensor<?x2x!quant.uniform<i32:f32:1, {0.125, 0.0625}>> {
  %cst = arith.constant dense<[[1, -2], [127, -127]]> : tensor<2x2xi8>
  %w = quant.scast %cst : tensor<2x2xi8> to tensor<2x2x!quant.uniform<i8<-127:127>:f32:1, {0.25, 0.125}>>
  %cst_0 = arith.constant dense<[8, -16]> : tensor<2xi32>
  %b = quant.scast %cst_0 : tensor<2xi32> to tensor<2x!quant.uniform<i32:f32:0, {0.125, 0.0625}>>
  %0 = qlinalg.matmul %a, %w bias %b : tensor<?x2x!quant.uniform<i8:f32, 0.5:10>>, tensor<2x2x!quant.uniform<i8<-127:127>:f32:1, {0.25, 0.125}>>, tensor<2x!quant.uniform<i32:f32:0, {0.125, 0.0625}>> -> tensor<?x2x!quant.uniform<i32:f32:1, {0.125, 0.0625}>>
  return %0 : tensor<?x2x!quant.uniform<i32:f32:1, {0.125, 0.0625}>>
}

// -----

// Tests that qlinalg.matmul round-trips with a requantized result in every
// multiplier/rounding combination: per-tensor rhs without bias, per-channel
// rhs with a per-channel bias, and a u8 lhs.

// CHECK-LABEL: func.func @matmul_requantized
// CHECK-SAME: (%[[A:.*]]: tensor<?x4x!quant.uniform<i8:f32, 5.000000e-01:10>>, %[[B:.*]]: tensor<4x3x!quant.uniform<i8:f32, 2.500000e-01:-1>>, %[[C:.*]]: tensor<4x3x!quant.uniform<i8:f32:1, {2.500000e-01,5.000000e-01,1.000000e+00}>>, %[[BIAS:.*]]: tensor<3x!quant.uniform<i32:f32:0, {1.250000e-01,2.500000e-01,5.000000e-01}>>, %[[U:.*]]: tensor<2x4x!quant.uniform<u8:f32, 5.000000e-01:128>>)
// CHECK: qlinalg.matmul %[[A]], %[[B]] multiplier(fixed_point) rounding(half_away_from_zero) : tensor<?x4x!quant.uniform<i8:f32, 5.000000e-01:10>>, tensor<4x3x!quant.uniform<i8:f32, 2.500000e-01:-1>> -> tensor<?x3x!quant.uniform<i8:f32, 1.000000e+00:-7>>
// CHECK: qlinalg.matmul %[[A]], %[[B]] multiplier(fixed_point) rounding(half_to_even) : {{.*}} -> tensor<?x3x!quant.uniform<i8:f32, 1.000000e+00:-7>>
// CHECK: qlinalg.matmul %[[A]], %[[B]] multiplier(float) rounding(half_away_from_zero) : {{.*}} -> tensor<?x3x!quant.uniform<i8:f32, 1.000000e+00:-7>>
// CHECK: qlinalg.matmul %[[A]], %[[C]] bias %[[BIAS]] multiplier(float) rounding(half_to_even) : tensor<?x4x!quant.uniform<i8:f32, 5.000000e-01:10>>, tensor<4x3x!quant.uniform<i8:f32:1, {2.500000e-01,5.000000e-01,1.000000e+00}>>, tensor<3x!quant.uniform<i32:f32:0, {1.250000e-01,2.500000e-01,5.000000e-01}>> -> tensor<?x3x!quant.uniform<u8:f32, 2.000000e+00:100>>
// CHECK: qlinalg.matmul %[[U]], %[[B]] multiplier(fixed_point) rounding(half_away_from_zero) : tensor<2x4x!quant.uniform<u8:f32, 5.000000e-01:128>>, tensor<4x3x!quant.uniform<i8:f32, 2.500000e-01:-1>> -> tensor<2x3x!quant.uniform<i8:f32, 1.000000e+00>>
// GENERIC-LABEL: sym_name = "matmul_requantized"
// GENERIC: "qlinalg.matmul"(%{{.*}}, %{{.*}}) <{multiplier = 0 : i32, rounding = 0 : i32}>
// GENERIC: "qlinalg.matmul"(%{{.*}}, %{{.*}}) <{multiplier = 0 : i32, rounding = 1 : i32}>
// GENERIC: "qlinalg.matmul"(%{{.*}}, %{{.*}}) <{multiplier = 1 : i32, rounding = 0 : i32}>
// GENERIC: "qlinalg.matmul"(%{{.*}}, %{{.*}}, %{{.*}}) <{multiplier = 1 : i32, rounding = 1 : i32}>
func.func @matmul_requantized(%a: tensor<?x4x!quant.uniform<i8:f32, 0.5:10>>,
                              %b: tensor<4x3x!quant.uniform<i8:f32, 0.25:-1>>,
                              %c: tensor<4x3x!quant.uniform<i8:f32:1, {0.25, 0.5, 1.0}>>,
                              %bias: tensor<3x!quant.uniform<i32:f32:0, {0.125, 0.25, 0.5}>>,
                              %u: tensor<2x4x!quant.uniform<u8:f32, 0.5:128>>) {
  %0 = qlinalg.matmul %a, %b multiplier(fixed_point) rounding(half_away_from_zero) : tensor<?x4x!quant.uniform<i8:f32, 0.5:10>>, tensor<4x3x!quant.uniform<i8:f32, 0.25:-1>> -> tensor<?x3x!quant.uniform<i8:f32, 1.0:-7>>
  %1 = qlinalg.matmul %a, %b multiplier(fixed_point) rounding(half_to_even) : tensor<?x4x!quant.uniform<i8:f32, 0.5:10>>, tensor<4x3x!quant.uniform<i8:f32, 0.25:-1>> -> tensor<?x3x!quant.uniform<i8:f32, 1.0:-7>>
  %2 = qlinalg.matmul %a, %b multiplier(float) rounding(half_away_from_zero) : tensor<?x4x!quant.uniform<i8:f32, 0.5:10>>, tensor<4x3x!quant.uniform<i8:f32, 0.25:-1>> -> tensor<?x3x!quant.uniform<i8:f32, 1.0:-7>>
  %3 = qlinalg.matmul %a, %c bias %bias multiplier(float) rounding(half_to_even) : tensor<?x4x!quant.uniform<i8:f32, 0.5:10>>, tensor<4x3x!quant.uniform<i8:f32:1, {0.25, 0.5, 1.0}>>, tensor<3x!quant.uniform<i32:f32:0, {0.125, 0.25, 0.5}>> -> tensor<?x3x!quant.uniform<u8:f32, 2.0:100>>
  %4 = qlinalg.matmul %u, %b multiplier(fixed_point) rounding(half_away_from_zero) : tensor<2x4x!quant.uniform<u8:f32, 0.5:128>>, tensor<4x3x!quant.uniform<i8:f32, 0.25:-1>> -> tensor<2x3x!quant.uniform<i8:f32, 1.0>>
  return
}

// -----

// Tests that qlinalg.requantize round-trips in both multiplier modes and both
// roundings, per tensor and per channel, to i8 and u8.

// CHECK-LABEL: func.func @requantize
// CHECK-SAME: (%[[T:.*]]: tensor<?x3x!quant.uniform<i32:f32, 1.250000e-01>>, %[[C:.*]]: tensor<2x3x!quant.uniform<i32:f32:1, {1.250000e-01,6.250000e-02,2.500000e-01}>>)
// CHECK: qlinalg.requantize %[[T]] multiplier(fixed_point) rounding(half_away_from_zero) : tensor<?x3x!quant.uniform<i32:f32, 1.250000e-01>> -> tensor<?x3x!quant.uniform<i8:f32, 5.000000e-01:-4>>
// CHECK: qlinalg.requantize %[[T]] multiplier(fixed_point) rounding(half_to_even) {qlinalg.tensor_id = "t1"} : tensor<?x3x!quant.uniform<i32:f32, 1.250000e-01>> -> tensor<?x3x!quant.uniform<i8:f32, 5.000000e-01:-4>>
// CHECK: qlinalg.requantize %[[C]] multiplier(float) rounding(half_away_from_zero) : tensor<2x3x!quant.uniform<i32:f32:1, {1.250000e-01,6.250000e-02,2.500000e-01}>> -> tensor<2x3x!quant.uniform<i8:f32, 5.000000e-01:-4>>
// CHECK: qlinalg.requantize %[[C]] multiplier(float) rounding(half_to_even) : tensor<2x3x!quant.uniform<i32:f32:1, {1.250000e-01,6.250000e-02,2.500000e-01}>> -> tensor<2x3x!quant.uniform<u8:f32, 1.000000e+00:128>>
// GENERIC-LABEL: sym_name = "requantize"
// GENERIC: "qlinalg.requantize"(%{{.*}}) <{multiplier = 0 : i32, rounding = 0 : i32}>
// GENERIC: "qlinalg.requantize"(%{{.*}}) <{multiplier = 0 : i32, rounding = 1 : i32}> {qlinalg.tensor_id = "t1"}
// GENERIC: "qlinalg.requantize"(%{{.*}}) <{multiplier = 1 : i32, rounding = 0 : i32}>
// GENERIC: "qlinalg.requantize"(%{{.*}}) <{multiplier = 1 : i32, rounding = 1 : i32}>
func.func @requantize(%t: tensor<?x3x!quant.uniform<i32:f32, 0.125>>,
                      %c: tensor<2x3x!quant.uniform<i32:f32:1, {0.125, 0.0625, 0.25}>>) {
  %0 = qlinalg.requantize %t multiplier(fixed_point) rounding(half_away_from_zero) : tensor<?x3x!quant.uniform<i32:f32, 0.125>> -> tensor<?x3x!quant.uniform<i8:f32, 0.5:-4>>
  %1 = qlinalg.requantize %t multiplier(fixed_point) rounding(half_to_even) {qlinalg.tensor_id = "t1"} : tensor<?x3x!quant.uniform<i32:f32, 0.125>> -> tensor<?x3x!quant.uniform<i8:f32, 0.5:-4>>
  %2 = qlinalg.requantize %c multiplier(float) rounding(half_away_from_zero) : tensor<2x3x!quant.uniform<i32:f32:1, {0.125, 0.0625, 0.25}>> -> tensor<2x3x!quant.uniform<i8:f32, 0.5:-4>>
  %3 = qlinalg.requantize %c multiplier(float) rounding(half_to_even) : tensor<2x3x!quant.uniform<i32:f32:1, {0.125, 0.0625, 0.25}>> -> tensor<2x3x!quant.uniform<u8:f32, 1.0:128>>
  return
}

// -----

// Tests that qlinalg.matmul takes a u8 rhs (ONNX QLinearMatMul's u8 x u8).

// CHECK-LABEL: func.func @matmul_u8_rhs
// CHECK: qlinalg.matmul %{{.*}}, %{{.*}} : tensor<2x4x!quant.uniform<u8:f32, 5.000000e-01:128>>, tensor<4x3x!quant.uniform<u8:f32, 2.500000e-01:100>> -> tensor<2x3x!quant.uniform<i32:f32, 1.250000e-01>>
func.func @matmul_u8_rhs(%a: tensor<2x4x!quant.uniform<u8:f32, 0.5:128>>, %b: tensor<4x3x!quant.uniform<u8:f32, 0.25:100>>) {
  %0 = qlinalg.matmul %a, %b : tensor<2x4x!quant.uniform<u8:f32, 0.5:128>>, tensor<4x3x!quant.uniform<u8:f32, 0.25:100>> -> tensor<2x3x!quant.uniform<i32:f32, 0.125>>
  return
}

// -----

// Tests that qlinalg.contract round-trips as a transposed matmul (accumulator
// result), a batch matmul, a strided and dilated NHWC convolution with bias,
// a requantizing epilogue and a clamp, and a depthwise convolution.

#mt_lhs = affine_map<(m, n, k) -> (m, k)>
#mt_rhs = affine_map<(m, n, k) -> (n, k)>
#mt_out = affine_map<(m, n, k) -> (m, n)>
#bm_lhs = affine_map<(b, m, n, k) -> (b, m, k)>
#bm_rhs = affine_map<(b, m, n, k) -> (b, k, n)>
#bm_out = affine_map<(b, m, n, k) -> (b, m, n)>
#cv_lhs = affine_map<(n, oh, ow, f, kh, kw, c) -> (n, oh * 2 + kh * 2, ow * 2 + kw * 2, c)>
#cv_rhs = affine_map<(n, oh, ow, f, kh, kw, c) -> (kh, kw, c, f)>
#cv_bias = affine_map<(n, oh, ow, f, kh, kw, c) -> (f)>
#cv_out = affine_map<(n, oh, ow, f, kh, kw, c) -> (n, oh, ow, f)>
#dw_lhs = affine_map<(n, oh, ow, c, kh, kw) -> (n, oh + kh, ow + kw, c)>
#dw_rhs = affine_map<(n, oh, ow, c, kh, kw) -> (kh, kw, c)>
#dw_out = affine_map<(n, oh, ow, c, kh, kw) -> (n, oh, ow, c)>

// CHECK-LABEL: func.func @contract
// CHECK: qlinalg.contract ins(%{{.*}}, %{{.*}} : tensor<?x4x!quant.uniform<i8:f32, 5.000000e-01:10>>, tensor<3x4x!quant.uniform<i8:f32:0, {2.500000e-01,5.000000e-01,1.000000e+00}>>) outs(%{{.*}} : tensor<?x3x!quant.uniform<i32:f32:1, {1.250000e-01,2.500000e-01,5.000000e-01}>>) {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "reduction"]} -> tensor<?x3x!quant.uniform<i32:f32:1, {1.250000e-01,2.500000e-01,5.000000e-01}>>
// CHECK: qlinalg.contract ins({{.*}}) outs({{.*}}) {indexing_maps = {{.*}}, iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK: qlinalg.contract ins({{.*}}) bias(%{{.*}} : tensor<4x!quant.uniform<i32:f32:0, {{.*}}>>) outs({{.*}}) multiplier(fixed_point) rounding(half_away_from_zero) clamp [0, 127] {indexing_maps
// CHECK: qlinalg.contract ins({{.*}} : tensor<1x5x5x3x!quant.uniform<u8:f32, 5.000000e-01:128>>, tensor<2x2x3x!quant.uniform<u8:f32, 2.500000e-01:7>>) outs({{.*}}) multiplier(float) rounding(half_to_even)
func.func @contract(%a: tensor<?x4x!quant.uniform<i8:f32, 0.5:10>>,
                    %wt: tensor<3x4x!quant.uniform<i8:f32:0, {0.25, 0.5, 1.0}>>,
                    %ba: tensor<2x5x4x!quant.uniform<i8:f32, 0.5:10>>,
                    %bb: tensor<2x4x6x!quant.uniform<i8:f32, 0.25:-3>>,
                    %x: tensor<1x9x9x3x!quant.uniform<i8:f32, 0.5:10>>,
                    %w: tensor<2x2x3x4x!quant.uniform<i8:f32:3, {0.25, 0.5, 1.0, 2.0}>>,
                    %bias: tensor<4x!quant.uniform<i32:f32:0, {0.125, 0.25, 0.5, 1.0}>>,
                    %dx: tensor<1x5x5x3x!quant.uniform<u8:f32, 0.5:128>>,
                    %dw: tensor<2x2x3x!quant.uniform<u8:f32, 0.25:7>>) {
  %c0 = arith.constant 0 : index
  %m = tensor.dim %a, %c0 : tensor<?x4x!quant.uniform<i8:f32, 0.5:10>>
  %i0 = tensor.empty(%m) : tensor<?x3x!quant.uniform<i32:f32:1, {0.125, 0.25, 0.5}>>
  %0 = qlinalg.contract ins(%a, %wt : tensor<?x4x!quant.uniform<i8:f32, 0.5:10>>, tensor<3x4x!quant.uniform<i8:f32:0, {0.25, 0.5, 1.0}>>)
         outs(%i0 : tensor<?x3x!quant.uniform<i32:f32:1, {0.125, 0.25, 0.5}>>)
         {indexing_maps = [#mt_lhs, #mt_rhs, #mt_out], iterator_types = ["parallel", "parallel", "reduction"]}
         -> tensor<?x3x!quant.uniform<i32:f32:1, {0.125, 0.25, 0.5}>>
  %i1 = tensor.empty() : tensor<2x5x6x!quant.uniform<i32:f32, 0.125>>
  %1 = qlinalg.contract ins(%ba, %bb : tensor<2x5x4x!quant.uniform<i8:f32, 0.5:10>>, tensor<2x4x6x!quant.uniform<i8:f32, 0.25:-3>>)
         outs(%i1 : tensor<2x5x6x!quant.uniform<i32:f32, 0.125>>)
         {indexing_maps = [#bm_lhs, #bm_rhs, #bm_out], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
         -> tensor<2x5x6x!quant.uniform<i32:f32, 0.125>>
  %i2 = tensor.empty() : tensor<1x3x3x4x!quant.uniform<i8:f32, 1.0:-3>>
  %2 = qlinalg.contract ins(%x, %w : tensor<1x9x9x3x!quant.uniform<i8:f32, 0.5:10>>, tensor<2x2x3x4x!quant.uniform<i8:f32:3, {0.25, 0.5, 1.0, 2.0}>>)
         bias(%bias : tensor<4x!quant.uniform<i32:f32:0, {0.125, 0.25, 0.5, 1.0}>>)
         outs(%i2 : tensor<1x3x3x4x!quant.uniform<i8:f32, 1.0:-3>>)
         multiplier(fixed_point) rounding(half_away_from_zero) clamp [0, 127]
         {indexing_maps = [#cv_lhs, #cv_rhs, #cv_bias, #cv_out],
          iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
         -> tensor<1x3x3x4x!quant.uniform<i8:f32, 1.0:-3>>
  %i3 = tensor.empty() : tensor<1x4x4x3x!quant.uniform<u8:f32, 1.0:128>>
  %3 = qlinalg.contract ins(%dx, %dw : tensor<1x5x5x3x!quant.uniform<u8:f32, 0.5:128>>, tensor<2x2x3x!quant.uniform<u8:f32, 0.25:7>>)
         outs(%i3 : tensor<1x4x4x3x!quant.uniform<u8:f32, 1.0:128>>)
         multiplier(float) rounding(half_to_even)
         {indexing_maps = [#dw_lhs, #dw_rhs, #dw_out],
          iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
         -> tensor<1x4x4x3x!quant.uniform<u8:f32, 1.0:128>>
  return
}

// -----

// Tests that qlinalg.add and qlinalg.mul round-trip: both arithmetic
// modes, a clamp, u8 operands and dynamic shapes.

// CHECK-LABEL: func.func @elementwise
// CHECK: qlinalg.add %{{.*}}, %{{.*}} multiplier(fixed_point) rounding(half_away_from_zero) : tensor<?x4x!quant.uniform<i8:f32, 5.000000e-01:10>>, tensor<?x4x!quant.uniform<u8:f32, 2.500000e-01:128>> -> tensor<?x4x!quant.uniform<i8:f32, 1.000000e+00:-3>>
// CHECK: qlinalg.mul %{{.*}}, %{{.*}} multiplier(float) rounding(half_to_even) clamp [-3, 127] : {{.*}} -> tensor<?x4x!quant.uniform<i8:f32, 1.000000e+00:-3>>
// GENERIC-LABEL: sym_name = "elementwise"
// GENERIC: "qlinalg.add"(%{{.*}}, %{{.*}}) <{multiplier = 0 : i32, rounding = 0 : i32}>
// GENERIC: "qlinalg.mul"(%{{.*}}, %{{.*}}) <{clamp = array<i64: -3, 127>, multiplier = 1 : i32, rounding = 1 : i32}>
func.func @elementwise(%a: tensor<?x4x!quant.uniform<i8:f32, 0.5:10>>, %b: tensor<?x4x!quant.uniform<u8:f32, 0.25:128>>) {
  %0 = qlinalg.add %a, %b multiplier(fixed_point) rounding(half_away_from_zero)
      : tensor<?x4x!quant.uniform<i8:f32, 0.5:10>>, tensor<?x4x!quant.uniform<u8:f32, 0.25:128>> -> tensor<?x4x!quant.uniform<i8:f32, 1.0:-3>>
  %1 = qlinalg.mul %a, %b multiplier(float) rounding(half_to_even) clamp [-3, 127]
      : tensor<?x4x!quant.uniform<i8:f32, 0.5:10>>, tensor<?x4x!quant.uniform<u8:f32, 0.25:128>> -> tensor<?x4x!quant.uniform<i8:f32, 1.0:-3>>
  return
}

// -----

// Tests that qlinalg.requantize also rescales a quantized tensor (u8 to i8).

// CHECK-LABEL: func.func @rescale
// CHECK: qlinalg.requantize %{{.*}} multiplier(float) rounding(half_to_even) : tensor<?x4x!quant.uniform<u8:f32, 2.500000e-01:128>> -> tensor<?x4x!quant.uniform<i8:f32, 5.000000e-01:-3>>
func.func @rescale(%a: tensor<?x4x!quant.uniform<u8:f32, 0.25:128>>) -> tensor<?x4x!quant.uniform<i8:f32, 0.5:-3>> {
  %0 = qlinalg.requantize %a multiplier(float) rounding(half_to_even) : tensor<?x4x!quant.uniform<u8:f32, 0.25:128>> -> tensor<?x4x!quant.uniform<i8:f32, 0.5:-3>>
  return %0 : tensor<?x4x!quant.uniform<i8:f32, 0.5:-3>>
}

// -----

// Tests that qlinalg.dynamic_quantize round-trips with ui8 and i8 results,
// and that qlinalg.contract takes its run-time scale and zero point
// (lhs_params) and, weight-only, a float lhs.

// CHECK-LABEL: func.func @run_time_activations
// CHECK: %[[Q:.*]], %[[S:.*]], %[[Z:.*]] = qlinalg.dynamic_quantize %{{.*}} : tensor<?x4xf32> -> tensor<?x4xui8>, f32, i32
// CHECK: qlinalg.dynamic_quantize %{{.*}} : tensor<?x4xf32> -> tensor<?x4xi8>, f32, i32
// CHECK: qlinalg.contract ins(%[[Q]], %{{.*}} : tensor<?x4xui8>, tensor<4x3x!quant.uniform<i8<-127:127>:f32:1, {{.*}}>>) lhs_params(%[[S]], %[[Z]]) outs(%{{.*}} : tensor<?x3xf32>)
// CHECK: qlinalg.contract ins(%{{.*}}, %{{.*}} : tensor<?x4xf32>, tensor<4x3x!quant.uniform<i8<-127:127>:f32:1, {{.*}}>>) outs(%{{.*}} : tensor<?x3xf32>)
// GENERIC-LABEL: sym_name = "run_time_activations"
// GENERIC: "qlinalg.dynamic_quantize"(%{{.*}}) : (tensor<?x4xf32>) -> (tensor<?x4xui8>, f32, i32)
// GENERIC: "qlinalg.contract"({{.*}}) <{indexing_maps = {{.*}}, iterator_types = ["parallel", "parallel", "reduction"], operandSegmentSizes = array<i32: 1, 1, 0, 1, 1, 1>}>
!W = tensor<4x3x!quant.uniform<i8<-127:127>:f32:1, {0.5, 0.25, 0.125}>>
func.func @run_time_activations(%x: tensor<?x4xf32>, %w: !W, %init: tensor<?x3xf32>) {
  %q, %s, %z = qlinalg.dynamic_quantize %x : tensor<?x4xf32> -> tensor<?x4xui8>, f32, i32
  %q2, %s2, %z2 = qlinalg.dynamic_quantize %x : tensor<?x4xf32> -> tensor<?x4xi8>, f32, i32
  %0 = qlinalg.contract ins(%q, %w : tensor<?x4xui8>, !W) lhs_params(%s, %z) outs(%init : tensor<?x3xf32>)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> tensor<?x3xf32>
  %1 = qlinalg.contract ins(%x, %w : tensor<?x4xf32>, !W) outs(%init : tensor<?x3xf32>)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> tensor<?x3xf32>
  return
}
