// RUN: qlinalg-opt %s --split-input-file --verify-diagnostics

//===----------------------------------------------------------------------===//
// qlinalg.observe
//===----------------------------------------------------------------------===//

// Tests that qlinalg.observe rejects an empty tensor id.
func.func @observe_empty_id(%arg0: tensor<2x3xf32>) {
  // expected-error @+1 {{'qlinalg.observe' op requires a non-empty tensor id}}
  %0 = qlinalg.observe %arg0 {id = ""} : tensor<2x3xf32>
  return
}

// -----

// Tests that qlinalg.observe rejects an integer tensor.
func.func @observe_integer(%arg0: tensor<2x3xi8>) {
  // expected-error @+1 {{'qlinalg.observe' op observes float tensors only, got 'tensor<2x3xi8>'}}
  %0 = qlinalg.observe %arg0 {id = "t0"} : tensor<2x3xi8>
  return
}

// -----

// Tests that qlinalg.observe rejects an already quantized tensor.
func.func @observe_quantized(%arg0: tensor<2x3x!quant.uniform<i8:f32, 0.5>>) {
  // expected-error @+1 {{'qlinalg.observe' op observes float tensors only, got 'tensor<2x3x!quant.uniform<i8:f32, 5.000000e-01>>'}}
  %0 = qlinalg.observe %arg0 {id = "t0"} : tensor<2x3x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

// Tests that qlinalg.observe requires its id attribute.
func.func @observe_no_id(%arg0: tensor<2xf32>) {
  // expected-error @+1 {{'qlinalg.observe' op requires attribute 'id'}}
  %0 = "qlinalg.observe"(%arg0) : (tensor<2xf32>) -> tensor<2xf32>
  return
}

// -----

// Tests that qlinalg.observe is an identity: its result type is its operand
// type.
func.func @observe_type_change(%arg0: tensor<2xf32>) {
  // expected-error @+1 {{'qlinalg.observe' op requires the same type for all operands and results}}
  %0 = "qlinalg.observe"(%arg0) <{id = "t0"}> : (tensor<2xf32>) -> tensor<3xf32>
  return
}

//===----------------------------------------------------------------------===//
// Quantized tensor types (checked on every op; shown on qlinalg.quantize)
//===----------------------------------------------------------------------===//

// -----

// Tests that a zero point above the i8 storage range is rejected.
func.func @zero_point_above_i8(%arg0: tensor<2x3xf32>) {
  // expected-error @+1 {{'qlinalg.quantize' op quantized type zero point 200 is outside the storage range [-128, 127]}}
  %0 = qlinalg.quantize %arg0 : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32, 0.5:200>>
  return
}

// -----

// Tests that a negative zero point is rejected for u8 storage.
func.func @zero_point_below_u8(%arg0: tensor<2x3x!quant.uniform<u8:f32, 0.5:-1>>) {
  // expected-error @+1 {{'qlinalg.dequantize' op quantized type zero point -1 is outside the storage range [0, 255]}}
  %0 = qlinalg.dequantize %arg0 : tensor<2x3x!quant.uniform<u8:f32, 0.5:-1>> to tensor<2x3xf32>
  return
}

// -----

// Tests that the zero point is checked against a narrow storage range, not
// the full i8 range.
func.func @zero_point_narrow_range(%arg0: tensor<2x3xf32>) {
  // expected-error @+1 {{'qlinalg.quantize' op quantized type zero point -128 is outside the storage range [-127, 127]}}
  %0 = qlinalg.quantize %arg0 : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8<-127:127>:f32, 0.5:-128>>
  return
}

// -----

// Tests that every per-axis zero point is checked, not only the first.
func.func @zero_point_per_axis(%arg0: tensor<2x3xf32>) {
  // expected-error @+1 {{'qlinalg.quantize' op quantized type zero point 128 is outside the storage range [-128, 127]}}
  %0 = qlinalg.quantize %arg0 : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32:1, {0.5, 0.5:3, 0.5:128}>>
  return
}

// -----

// Tests that a quantized dimension outside the tensor rank is rejected.
func.func @axis_outside_rank(%arg0: tensor<2x3xf32>) {
  // expected-error @+1 {{'qlinalg.quantize' op quantized type quantized dimension 2 is outside the rank 2}}
  %0 = qlinalg.quantize %arg0 : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32:2, {0.5, 0.25}>>
  return
}

// -----

// Tests that a per-axis type needs one scale per slice of its static
// quantized dimension.
func.func @wrong_scale_count(%arg0: tensor<2x3xf32>) {
  // expected-error @+1 {{'qlinalg.quantize' op quantized type has 2 scales for dimension 1 of size 3}}
  %0 = qlinalg.quantize %arg0 : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32:1, {0.5, 0.25}>>
  return
}

// -----

// Tests that a zero scale never reaches the qlinalg verifier: the upstream
// !quant.uniform parser rejects it.
func.func @zero_scale(%arg0: tensor<2x3xf32>) {
  // expected-error @+1 {{scale 0.000000e+00 out of expressed type range [1.401298e-45, 3.402823e+38]}}
  %0 = qlinalg.quantize %arg0 : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32, 0.0>>
  return
}

// -----

// Tests that a negative per-axis scale is rejected by the upstream parser.
func.func @negative_scale(%arg0: tensor<2x3xf32>) {
  // expected-error @+1 {{scale -5.000000e-01 out of expressed type range [1.401298e-45, 3.402823e+38]}}
  %0 = qlinalg.quantize %arg0 : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32:1, {0.5, -0.5, 1.0}>>
  return
}

// -----

// Tests that a NaN scale, which the upstream range check lets through
// (every comparison with NaN is false), is rejected by the qlinalg verifier.
func.func @nan_scale(%arg0: tensor<2x3xf32>) {
  // expected-error @+1 {{'qlinalg.quantize' op quantized type scale nan must be positive}}
  %0 = qlinalg.quantize %arg0 : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32, 0x7FF8000000000000>>
  return
}

// -----

// Tests that every per-axis scale is checked for NaN, not only the first.
func.func @nan_scale_per_axis(%arg0: tensor<2x3xf32>) {
  // expected-error @+1 {{'qlinalg.quantize' op quantized type scale nan must be positive}}
  %0 = qlinalg.quantize %arg0 : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32:1, {0.5, 0x7FF8000000000000, 1.0}>>
  return
}

// -----

// Tests that storage wider than 32 bits is rejected by the upstream parser.
func.func @storage_64_bits(%arg0: tensor<2x3xf32>) {
  // expected-error @+1 {{illegal storage type size: 64}}
  %0 = qlinalg.quantize %arg0 : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i64:f32, 0.5>>
  return
}

//===----------------------------------------------------------------------===//
// qlinalg.quantize / qlinalg.dequantize
//===----------------------------------------------------------------------===//

// -----

// Tests that qlinalg.quantize needs a !quant.uniform result.
func.func @quantize_to_integer(%arg0: tensor<2x3xf32>) {
  // expected-error @+1 {{'qlinalg.quantize' op quantized type must have a !quant.uniform element type (per tensor, per axis or sub-channel), got 'i8'}}
  %0 = qlinalg.quantize %arg0 : tensor<2x3xf32> to tensor<2x3xi8>
  return
}

// -----

// Tests that qlinalg.quantize takes ranked tensors only.
func.func @quantize_unranked(%arg0: tensor<*xf32>) {
  // expected-error @+1 {{'qlinalg.quantize' op operand #0 must be ranked tensor of any type values, but got 'tensor<*xf32>'}}
  %0 = "qlinalg.quantize"(%arg0) : (tensor<*xf32>) -> tensor<2x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

// Tests that qlinalg.quantize rejects a static shape mismatch.
func.func @quantize_shape(%arg0: tensor<2x3xf32>) {
  // expected-error @+1 {{'qlinalg.quantize' op shapes differ: 'tensor<2x3xf32>' vs 'tensor<3x3x!quant.uniform<i8:f32, 5.000000e-01>>'}}
  %0 = qlinalg.quantize %arg0 : tensor<2x3xf32> to tensor<3x3x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

// Tests that qlinalg.quantize rejects a rank mismatch with the same number of
// elements.
func.func @quantize_rank(%arg0: tensor<2x3xf32>) {
  // expected-error @+1 {{'qlinalg.quantize' op shapes differ: 'tensor<2x3xf32>' vs 'tensor<6x!quant.uniform<i8:f32, 5.000000e-01>>'}}
  %0 = qlinalg.quantize %arg0 : tensor<2x3xf32> to tensor<6x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

// Tests that qlinalg.dequantize rejects a static shape mismatch.
func.func @dequantize_shape(%arg0: tensor<2x3x!quant.uniform<i8:f32, 0.5>>) {
  // expected-error @+1 {{'qlinalg.dequantize' op shapes differ: 'tensor<2x4xf32>' vs 'tensor<2x3x!quant.uniform<i8:f32, 5.000000e-01>>'}}
  %0 = qlinalg.dequantize %arg0 : tensor<2x3x!quant.uniform<i8:f32, 0.5>> to tensor<2x4xf32>
  return
}

// -----

// Tests that qlinalg.quantize needs the input element type to be the
// expressed type of the quantized type.
func.func @quantize_expressed_type(%arg0: tensor<2x3xf32>) {
  // expected-error @+1 {{'qlinalg.quantize' op float element type 'f32' does not match the expressed type 'f16' of the quantized type}}
  %0 = qlinalg.quantize %arg0 : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f16, 0.5>>
  return
}

// -----

// Tests that qlinalg.dequantize needs the result element type to be the
// expressed type of the quantized type.
func.func @dequantize_expressed_type(%arg0: tensor<2x3x!quant.uniform<i8:f16, 0.5>>) {
  // expected-error @+1 {{'qlinalg.dequantize' op float element type 'f32' does not match the expressed type 'f16' of the quantized type}}
  %0 = qlinalg.dequantize %arg0 : tensor<2x3x!quant.uniform<i8:f16, 0.5>> to tensor<2x3xf32>
  return
}

// -----

// Tests that qlinalg.quantize of an integer tensor is rejected.
func.func @quantize_integer_input(%arg0: tensor<2x3xi32>) {
  // expected-error @+1 {{'qlinalg.quantize' op expects a float tensor on the float side, got 'tensor<2x3xi32>'}}
  %0 = qlinalg.quantize %arg0 : tensor<2x3xi32> to tensor<2x3x!quant.uniform<i8:f32, 0.5>>
  return
}

//===----------------------------------------------------------------------===//
// qlinalg.matmul
//===----------------------------------------------------------------------===//

// -----

// Tests that qlinalg.matmul requires rank-2 operands.
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
func.func @matmul_rank(%a: tensor<4x!quant.uniform<i8:f32, 0.5:10>>, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op expects rank-2 operands and result}}
  %0 = qlinalg.matmul %a, %b : tensor<4x!quant.uniform<i8:f32, 0.5:10>>, !B -> tensor<2x3x!quant.uniform<i32:f32, 0.125>>
  return
}

// -----

// Tests that qlinalg.matmul requires a rank-2 result.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
func.func @matmul_result_rank(%a: !A, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op expects rank-2 operands and result}}
  %0 = qlinalg.matmul %a, %b : !A, !B -> tensor<1x2x3x!quant.uniform<i32:f32, 0.125>>
  return
}

// -----

// Tests that qlinalg.matmul requires a quantized rhs.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
func.func @matmul_float_rhs(%a: !A, %b: tensor<4x3xf32>) {
  // expected-error @+1 {{'qlinalg.matmul' op rhs must have a !quant.uniform element type (per tensor, per axis or sub-channel), got 'f32'}}
  %0 = qlinalg.matmul %a, %b : !A, tensor<4x3xf32> -> tensor<2x3x!quant.uniform<i32:f32, 0.125>>
  return
}

// -----

// Tests that qlinalg.matmul requires a quantized result.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
func.func @matmul_integer_result(%a: !A, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op result must have a !quant.uniform element type (per tensor, per axis or sub-channel), got 'i32'}}
  %0 = qlinalg.matmul %a, %b : !A, !B -> tensor<2x3xi32>
  return
}

// -----

// Tests that the lhs of qlinalg.matmul must be quantized per tensor.
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
func.func @matmul_lhs_per_axis(%a: tensor<2x4x!quant.uniform<i8:f32:0, {0.5, 0.5}>>, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op lhs must be quantized per tensor}}
  %0 = qlinalg.matmul %a, %b : tensor<2x4x!quant.uniform<i8:f32:0, {0.5, 0.5}>>, !B -> tensor<2x3x!quant.uniform<i32:f32, 0.125>>
  return
}

// -----

// Tests that the lhs storage of qlinalg.matmul is at most 8 bits wide.
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
func.func @matmul_lhs_i16(%a: tensor<2x4x!quant.uniform<i16:f32, 0.5>>, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op lhs storage must be at most 8 bits wide, got 'i16'}}
  %0 = qlinalg.matmul %a, %b : tensor<2x4x!quant.uniform<i16:f32, 0.5>>, !B -> tensor<2x3x!quant.uniform<i32:f32, 0.125>>
  return
}

// -----

// Tests that the rhs storage of qlinalg.matmul is at most 8 bits wide.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
func.func @matmul_rhs_i16(%a: !A, %b: tensor<4x3x!quant.uniform<i16:f32, 0.25>>) {
  // expected-error @+1 {{'qlinalg.matmul' op rhs storage must be at most 8 bits wide, got 16 bits}}
  %0 = qlinalg.matmul %a, %b : !A, tensor<4x3x!quant.uniform<i16:f32, 0.25>> -> tensor<2x3x!quant.uniform<i32:f32, 0.125>>
  return
}

// -----

// Tests that a per-axis rhs must be quantized along its output channels.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32:0, {0.25, 0.25, 0.25, 0.25}>>
func.func @matmul_rhs_axis_0(%a: !A, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op rhs may only be quantized per axis along an output channel; rhs dimension 0 is a reduction dimension}}
  %0 = qlinalg.matmul %a, %b : !A, !B -> tensor<2x3x!quant.uniform<i32:f32, 0.125>>
  return
}

// -----

// Tests that the reduction dimensions of lhs and rhs must agree.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<5x3x!quant.uniform<i8:f32, 0.25>>
func.func @matmul_reduction_mismatch(%a: !A, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op loop d2 has size 4 in lhs but 5 in rhs}}
  %0 = qlinalg.matmul %a, %b : !A, !B -> tensor<2x3x!quant.uniform<i32:f32, 0.125>>
  return
}

// -----

// Tests that the result shape must be M x N.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
func.func @matmul_result_shape(%a: !A, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op loop d1 has size 3 in rhs but 4 in the result}}
  %0 = qlinalg.matmul %a, %b : !A, !B -> tensor<2x4x!quant.uniform<i32:f32, 0.125>>
  return
}

// -----

// Tests that the bias must be rank 1.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
func.func @matmul_bias_rank(%a: !A, %b: !B, %c: tensor<1x3x!quant.uniform<i32:f32, 0.125>>) {
  // expected-error @+1 {{'qlinalg.matmul' op bias must be a rank-1 tensor of i32 storage}}
  %0 = qlinalg.matmul %a, %b bias %c : !A, !B, tensor<1x3x!quant.uniform<i32:f32, 0.125>> -> tensor<2x3x!quant.uniform<i32:f32, 0.125>>
  return
}

// -----

// Tests that the bias storage must be i32.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
func.func @matmul_bias_i8(%a: !A, %b: !B, %c: tensor<3x!quant.uniform<i8:f32, 0.125>>) {
  // expected-error @+1 {{'qlinalg.matmul' op bias must be a tensor of i32 storage}}
  %0 = qlinalg.matmul %a, %b bias %c : !A, !B, tensor<3x!quant.uniform<i8:f32, 0.125>> -> tensor<2x3x!quant.uniform<i32:f32, 0.125>>
  return
}

// -----

// Tests that the bias storage must be signed.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
func.func @matmul_bias_u32(%a: !A, %b: !B, %c: tensor<3x!quant.uniform<u32:f32, 0.125>>) {
  // expected-error @+1 {{'qlinalg.matmul' op bias must be a tensor of i32 storage}}
  %0 = qlinalg.matmul %a, %b bias %c : !A, !B, tensor<3x!quant.uniform<u32:f32, 0.125>> -> tensor<2x3x!quant.uniform<i32:f32, 0.125>>
  return
}

// -----

// Tests that the bias has one element per output column.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
func.func @matmul_bias_size(%a: !A, %b: !B, %c: tensor<4x!quant.uniform<i32:f32, 0.125>>) {
  // expected-error @+1 {{'qlinalg.matmul' op loop d1 has size 3 in rhs but 4 in bias}}
  %0 = qlinalg.matmul %a, %b bias %c : !A, !B, tensor<4x!quant.uniform<i32:f32, 0.125>> -> tensor<2x3x!quant.uniform<i32:f32, 0.125>>
  return
}

// -----

// Tests that the bias zero point must be 0.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
func.func @matmul_bias_zero_point(%a: !A, %b: !B, %c: tensor<3x!quant.uniform<i32:f32, 0.125:1>>) {
  // expected-error @+1 {{'qlinalg.matmul' op bias zero point must be 0}}
  %0 = qlinalg.matmul %a, %b bias %c : !A, !B, tensor<3x!quant.uniform<i32:f32, 0.125:1>> -> tensor<2x3x!quant.uniform<i32:f32, 0.125>>
  return
}

// -----

// Tests that a per-channel bias must have one scale per output column (only
// visible when the bias length is dynamic).
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
!C = tensor<?x!quant.uniform<i32:f32:0, {0.125, 0.125}>>
func.func @matmul_bias_channel_count(%a: !A, %b: !B, %c: !C) {
  // expected-error @+1 {{'qlinalg.matmul' op a per-axis bias must be quantized along the output channel of the per-axis rhs}}
  %0 = qlinalg.matmul %a, %b bias %c : !A, !B, !C -> tensor<2x3x!quant.uniform<i32:f32, 0.125>>
  return
}

// -----

// Tests that a per-channel rhs needs a static number of columns, so that its
// scales can be checked against the result's and lowered as constants.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x?x!quant.uniform<i8:f32:1, {0.25, 0.5, 1.0}>>
func.func @matmul_per_channel_dynamic_columns(%a: !A, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op a per-channel rhs needs a static number of output channels}}
  %0 = qlinalg.matmul %a, %b : !A, !B -> tensor<2x?x!quant.uniform<i32:f32:1, {0.125, 0.25, 0.5}>>
  return
}

// -----

// Tests that a per-tensor bias scale must be lhs scale * rhs scale.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
func.func @matmul_bias_scale(%a: !A, %b: !B, %c: tensor<3x!quant.uniform<i32:f32, 0.25>>) {
  // expected-error @+1 {{'qlinalg.matmul' op bias scale 2.500000e-01 must equal lhs scale * rhs scale = 1.250000e-01}}
  %0 = qlinalg.matmul %a, %b bias %c : !A, !B, tensor<3x!quant.uniform<i32:f32, 0.25>> -> tensor<2x3x!quant.uniform<i32:f32, 0.125>>
  return
}

// -----

// Tests that every per-channel bias scale is checked against its column's
// accumulator scale (here the last one is wrong).
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32:1, {0.25, 0.5, 1.0}>>
!C = tensor<3x!quant.uniform<i32:f32:0, {0.125, 0.25, 1.0}>>
func.func @matmul_bias_scale_per_channel(%a: !A, %b: !B, %c: !C) {
  // expected-error @+1 {{'qlinalg.matmul' op bias scale 1.000000e+00 must equal lhs scale * rhs scale = 5.000000e-01}}
  %0 = qlinalg.matmul %a, %b bias %c : !A, !B, !C -> tensor<2x3x!quant.uniform<i32:f32:1, {0.125, 0.25, 0.5}>>
  return
}

// -----

// Tests that a per-tensor bias cannot serve a per-channel rhs whose
// accumulator scales differ.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32:1, {0.25, 0.5, 1.0}>>
!C = tensor<3x!quant.uniform<i32:f32, 0.125>>
func.func @matmul_bias_per_tensor_for_per_channel(%a: !A, %b: !B, %c: !C) {
  // expected-error @+1 {{'qlinalg.matmul' op bias scale 1.250000e-01 must equal lhs scale * rhs scale = 2.500000e-01}}
  %0 = qlinalg.matmul %a, %b bias %c : !A, !B, !C -> tensor<2x3x!quant.uniform<i32:f32:1, {0.125, 0.25, 0.5}>>
  return
}

// -----

// Tests that a per-axis bias along the output channel has one scale per
// output channel of the per-axis rhs (only visible when the bias length is
// dynamic: 2 bias scales for 3 columns).
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32:1, {0.25, 0.5, 1.0}>>
!C = tensor<?x!quant.uniform<i32:f32:0, {0.125, 0.25}>>
func.func @matmul_bias_scale_count(%a: !A, %b: !B, %c: !C) {
  // expected-error @+1 {{'qlinalg.matmul' op bias has 2 scales for 3 output channels}}
  %0 = qlinalg.matmul %a, %b bias %c : !A, !B, !C -> tensor<2x3x!quant.uniform<i32:f32:1, {0.125, 0.25, 0.5}>>
  return
}

// -----

// Tests that an accumulator result takes no multiplier.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
func.func @matmul_acc_multiplier(%a: !A, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op an i32 accumulator result takes no multiplier, rounding or clamp}}
  %0 = qlinalg.matmul %a, %b multiplier(float) rounding(half_to_even) : !A, !B -> tensor<2x3x!quant.uniform<i32:f32, 0.125>>
  return
}

// -----

// Tests that an accumulator result takes no rounding either.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
func.func @matmul_acc_rounding(%a: !A, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op an i32 accumulator result takes no multiplier, rounding or clamp}}
  %0 = qlinalg.matmul %a, %b rounding(half_to_even) : !A, !B -> tensor<2x3x!quant.uniform<i32:f32, 0.125>>
  return
}

// -----

// Tests that an accumulator result has zero point 0.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
func.func @matmul_acc_zero_point(%a: !A, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op accumulator result must be signed with zero point 0}}
  %0 = qlinalg.matmul %a, %b : !A, !B -> tensor<2x3x!quant.uniform<i32:f32, 0.125:3>>
  return
}

// -----

// Tests that an accumulator result is signed.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
func.func @matmul_acc_unsigned(%a: !A, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op accumulator result must be signed with zero point 0}}
  %0 = qlinalg.matmul %a, %b : !A, !B -> tensor<2x3x!quant.uniform<u32:f32, 0.125>>
  return
}

// -----

// Tests that a per-tensor rhs gives a per-tensor accumulator.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
func.func @matmul_acc_per_axis_for_per_tensor(%a: !A, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op accumulator result must be per tensor when rhs is}}
  %0 = qlinalg.matmul %a, %b : !A, !B -> tensor<2x3x!quant.uniform<i32:f32:1, {0.125, 0.125, 0.125}>>
  return
}

// -----

// Tests that a per-channel rhs gives a per-channel accumulator.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32:1, {0.25, 0.5, 1.0}>>
func.func @matmul_acc_per_tensor_for_per_axis(%a: !A, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op accumulator result must be per axis 1 (the output channel of the per-axis rhs)}}
  %0 = qlinalg.matmul %a, %b : !A, !B -> tensor<2x3x!quant.uniform<i32:f32, 0.125>>
  return
}

// -----

// Tests that a per-channel accumulator is quantized along axis 1, not 0.
!A = tensor<3x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32:1, {0.25, 0.5, 1.0}>>
func.func @matmul_acc_axis_0(%a: !A, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op accumulator result must be per axis 1 (the output channel of the per-axis rhs)}}
  %0 = qlinalg.matmul %a, %b : !A, !B -> tensor<3x3x!quant.uniform<i32:f32:0, {0.125, 0.25, 0.5}>>
  return
}

// -----

// Tests that the accumulator scale must be lhs scale * rhs scale.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
func.func @matmul_acc_scale(%a: !A, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op accumulator scale 2.500000e-01 must equal lhs scale * rhs scale = 1.250000e-01}}
  %0 = qlinalg.matmul %a, %b : !A, !B -> tensor<2x3x!quant.uniform<i32:f32, 0.25>>
  return
}

// -----

// Tests that every per-channel accumulator scale is checked.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32:1, {0.25, 0.5, 1.0}>>
func.func @matmul_acc_scale_per_channel(%a: !A, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op accumulator scale 2.500000e-01 must equal lhs scale * rhs scale = 5.000000e-01}}
  %0 = qlinalg.matmul %a, %b : !A, !B -> tensor<2x3x!quant.uniform<i32:f32:1, {0.125, 0.25, 0.25}>>
  return
}

// -----

// Tests that a per-channel accumulator has one scale per output channel of
// the per-axis rhs (only visible when the result's N is dynamic: 2
// accumulator scales for 3 rhs columns).
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32:1, {0.25, 0.5, 1.0}>>
func.func @matmul_acc_scale_count(%a: !A, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op accumulator result has 2 scales but rhs has 3}}
  %0 = qlinalg.matmul %a, %b : !A, !B -> tensor<2x?x!quant.uniform<i32:f32:1, {0.125, 0.25}>>
  return
}

// -----

// Tests that an 8-bit result needs a multiplier.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
func.func @matmul_requantized_no_multiplier(%a: !A, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op a requantized result needs multiplier and rounding}}
  %0 = qlinalg.matmul %a, %b : !A, !B -> tensor<2x3x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

// Tests that an 8-bit result needs a rounding too.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
func.func @matmul_requantized_no_rounding(%a: !A, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op a requantized result needs multiplier and rounding}}
  %0 = qlinalg.matmul %a, %b multiplier(float) : !A, !B -> tensor<2x3x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

// Tests that a requantized matmul result must be per tensor.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
func.func @matmul_requantized_per_axis(%a: !A, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op requantized result must be quantized per tensor}}
  %0 = qlinalg.matmul %a, %b multiplier(float) rounding(half_to_even) : !A, !B -> tensor<2x3x!quant.uniform<i8:f32:1, {0.5, 0.5, 0.5}>>
  return
}

// -----

// Tests that a fixed_point multiplier of exactly 2^30 is rejected:
// 0.5 * 0.25 / 2^-33 = 2^30.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
func.func @matmul_fixed_point_multiplier_2_30(%a: !A, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op multiplier 1.073742e+09 cannot be represented in fixed_point mode (must be below 2^30)}}
  %0 = qlinalg.matmul %a, %b multiplier(fixed_point) rounding(half_to_even) : !A, !B -> tensor<2x3x!quant.uniform<i8:f32, 1.16415321826934814453125e-10>>
  return
}

// -----

// Tests that the boundary of the previous case is accepted: 2^29 in
// fixed_point mode, and 2^30 in float mode.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
func.func @matmul_large_multipliers_accepted(%a: !A, %b: !B) {
  %0 = qlinalg.matmul %a, %b multiplier(fixed_point) rounding(half_to_even) : !A, !B -> tensor<2x3x!quant.uniform<i8:f32, 2.3283064365386962890625e-10>>
  %1 = qlinalg.matmul %a, %b multiplier(float) rounding(half_to_even) : !A, !B -> tensor<2x3x!quant.uniform<i8:f32, 1.16415321826934814453125e-10>>
  return
}

//===----------------------------------------------------------------------===//
// qlinalg.requantize
//===----------------------------------------------------------------------===//

// -----

// Tests that qlinalg.requantize needs a quantized input.
func.func @requantize_integer_input(%t: tensor<2x3xi32>) {
  // expected-error @+1 {{'qlinalg.requantize' op input must have a !quant.uniform element type (per tensor, per axis or sub-channel), got 'i32'}}
  %0 = qlinalg.requantize %t multiplier(fixed_point) rounding(half_away_from_zero) : tensor<2x3xi32> -> tensor<2x3x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

// Tests that a rescale (an 8-bit input) must be quantized per tensor.
func.func @requantize_per_axis_rescale(%t: tensor<2x3x!quant.uniform<i8:f32:1, {0.125, 0.25, 0.5}>>) {
  // expected-error @+1 {{'qlinalg.requantize' op a rescaled input must be quantized per tensor}}
  %0 = qlinalg.requantize %t multiplier(fixed_point) rounding(half_away_from_zero) : tensor<2x3x!quant.uniform<i8:f32:1, {0.125, 0.25, 0.5}>> -> tensor<2x3x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

// Tests that qlinalg.requantize needs a signed accumulator input.
func.func @requantize_u32_input(%t: tensor<2x3x!quant.uniform<u32:f32, 0.125>>) {
  // expected-error @+1 {{'qlinalg.requantize' op input must be an i32 accumulator or a tensor of at most 16 bits, got storage of 32 bits}}
  %0 = qlinalg.requantize %t multiplier(fixed_point) rounding(half_away_from_zero) : tensor<2x3x!quant.uniform<u32:f32, 0.125>> -> tensor<2x3x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

// Tests that the accumulator zero point must be 0.
func.func @requantize_input_zero_point(%t: tensor<2x3x!quant.uniform<i32:f32, 0.125:4>>) {
  // expected-error @+1 {{'qlinalg.requantize' op accumulator zero point must be 0}}
  %0 = qlinalg.requantize %t multiplier(fixed_point) rounding(half_away_from_zero) : tensor<2x3x!quant.uniform<i32:f32, 0.125:4>> -> tensor<2x3x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

// Tests that qlinalg.requantize keeps the shape.
func.func @requantize_shape(%t: tensor<2x3x!quant.uniform<i32:f32, 0.125>>) {
  // expected-error @+1 {{'qlinalg.requantize' op shapes differ: 'tensor<2x3x!quant.uniform<i32:f32, 1.250000e-01>>' vs 'tensor<3x2x!quant.uniform<i8:f32, 5.000000e-01>>'}}
  %0 = qlinalg.requantize %t multiplier(fixed_point) rounding(half_away_from_zero) : tensor<2x3x!quant.uniform<i32:f32, 0.125>> -> tensor<3x2x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

// Tests that qlinalg.requantize needs a quantized result.
func.func @requantize_integer_result(%t: tensor<2x3x!quant.uniform<i32:f32, 0.125>>) {
  // expected-error @+1 {{'qlinalg.requantize' op result must have a !quant.uniform element type (per tensor, per axis or sub-channel), got 'i8'}}
  %0 = qlinalg.requantize %t multiplier(fixed_point) rounding(half_away_from_zero) : tensor<2x3x!quant.uniform<i32:f32, 0.125>> -> tensor<2x3xi8>
  return
}

// -----

// Tests that the requantized result's zero point is checked against its
// storage range.
func.func @requantize_result_zero_point(%t: tensor<2x3x!quant.uniform<i32:f32, 0.125>>) {
  // expected-error @+1 {{'qlinalg.requantize' op result zero point 256 is outside the storage range [0, 255]}}
  %0 = qlinalg.requantize %t multiplier(float) rounding(half_away_from_zero) : tensor<2x3x!quant.uniform<i32:f32, 0.125>> -> tensor<2x3x!quant.uniform<u8:f32, 0.5:256>>
  return
}

// -----

// Tests that the requantized result must be per tensor.
func.func @requantize_result_per_axis(%t: tensor<2x3x!quant.uniform<i32:f32, 0.125>>) {
  // expected-error @+1 {{'qlinalg.requantize' op requantized result must be quantized per tensor}}
  %0 = qlinalg.requantize %t multiplier(fixed_point) rounding(half_away_from_zero) : tensor<2x3x!quant.uniform<i32:f32, 0.125>> -> tensor<2x3x!quant.uniform<i8:f32:1, {0.5, 0.5, 0.5}>>
  return
}

// -----

// Tests that the requantized result cannot be another i32 tensor.
func.func @requantize_result_i32(%t: tensor<2x3x!quant.uniform<i32:f32, 0.125>>) {
  // expected-error @+1 {{'qlinalg.requantize' op requantized result storage must be at most 16 bits wide, got 'i32'}}
  %0 = qlinalg.requantize %t multiplier(fixed_point) rounding(half_away_from_zero) : tensor<2x3x!quant.uniform<i32:f32, 0.125>> -> tensor<2x3x!quant.uniform<i32:f32, 0.5>>
  return
}

// -----

// Tests that every per-channel multiplier is checked in fixed_point mode:
// the last channel's 1.0 / 2^-30 = 2^30 is too large.
func.func @requantize_fixed_point_multiplier(%t: tensor<2x3x!quant.uniform<i32:f32:1, {0.125, 0.125, 1.0}>>) {
  // expected-error @+1 {{'qlinalg.requantize' op multiplier 1.073742e+09 cannot be represented in fixed_point mode (must be below 2^30)}}
  %0 = qlinalg.requantize %t multiplier(fixed_point) rounding(half_away_from_zero) : tensor<2x3x!quant.uniform<i32:f32:1, {0.125, 0.125, 1.0}>> -> tensor<2x3x!quant.uniform<i8:f32, 9.31322574615478515625e-10>>
  return
}

// -----

// Tests that the multiplier mode keyword is checked by the parser.
func.func @requantize_bad_mode(%t: tensor<2x3x!quant.uniform<i32:f32, 0.125>>) {
  // expected-error @+1 {{expected string or keyword containing one of the following enum values for attribute 'multiplier' [fixed_point, float]}}
  %0 = qlinalg.requantize %t multiplier(floating) rounding(half_away_from_zero) : tensor<2x3x!quant.uniform<i32:f32, 0.125>> -> tensor<2x3x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

// Tests that qlinalg.requantize requires its rounding.
func.func @requantize_no_rounding(%t: tensor<2x3x!quant.uniform<i32:f32, 0.125>>) {
  // expected-error @+1 {{expected 'rounding'}}
  %0 = qlinalg.requantize %t multiplier(float) : tensor<2x3x!quant.uniform<i32:f32, 0.125>> -> tensor<2x3x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

// Tests that a sub-channel rhs must be blocked per group of rows and per
// column ({0:G, 1:1}).
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x4x!quant.uniform<i8:f32:{0:2, 1:2}, {{0.5, 0.5}, {0.5, 0.5}}>>
func.func @matmul_sub_channel_blocks(%a: !A, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op a sub-channel rhs may only group reduction dimensions; rhs dimension 1 is an output channel with blocks of 2}}
  %0 = qlinalg.matmul %a, %b : !A, !B -> tensor<2x4xf32>
  return
}

// -----

// Tests that a sub-channel rhs must group a reduction dimension.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x2x!quant.uniform<i8:f32:{0:4, 1:1}, {{0.5, 0.25}}>>
func.func @matmul_sub_channel_no_group(%a: !A, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op a sub-channel rhs must be quantized per group along exactly one reduction dimension (e.g. block sizes {0:G, 1:1} for a K x N matmul rhs)}}
  %0 = qlinalg.matmul %a, %b : !A, !B -> tensor<2x2xf32>
  return
}

// -----

// Tests that a per-group matmul returns f32 (its groups have different
// accumulator scales).
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x2x!quant.uniform<i8:f32:{0:2, 1:1}, {{0.5, 0.25}, {1.0, 2.0}}>>
func.func @matmul_per_group_result(%a: !A, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op a per-group rhs needs an f32 result (groups have different accumulator scales), got 'tensor<2x2x!quant.uniform<i32:f32, 2.500000e-01>>'}}
  %0 = qlinalg.matmul %a, %b : !A, !B -> tensor<2x2x!quant.uniform<i32:f32, 0.25>>
  return
}

// -----

// Tests that a per-group matmul takes no bias.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x2x!quant.uniform<i8:f32:{0:2, 1:1}, {{0.5, 0.25}, {1.0, 2.0}}>>
!C = tensor<2x!quant.uniform<i32:f32, 0.25>>
func.func @matmul_per_group_bias(%a: !A, %b: !B, %c: !C) {
  // expected-error @+1 {{'qlinalg.matmul' op a per-group contraction takes no bias; add it in float}}
  %0 = qlinalg.matmul %a, %b bias %c : !A, !B, !C -> tensor<2x2xf32>
  return
}

// -----

// Tests that a per-group matmul, whose result is f32, takes no multiplier
// or rounding.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x2x!quant.uniform<i8:f32:{0:2, 1:1}, {{0.5, 0.25}, {1.0, 2.0}}>>
func.func @matmul_per_group_multiplier(%a: !A, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op an f32 result takes no multiplier, rounding or clamp}}
  %0 = qlinalg.matmul %a, %b multiplier(fixed_point) rounding(half_away_from_zero) : !A, !B -> tensor<2x2xf32>
  return
}

// -----

// Tests that an f32 result needs a per-group rhs.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x2x!quant.uniform<i8:f32, 0.25>>
func.func @matmul_f32_result_per_tensor(%a: !A, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op result must have a !quant.uniform element type (per tensor, per axis or sub-channel), got 'f32'}}
  %0 = qlinalg.matmul %a, %b : !A, !B -> tensor<2x2xf32>
  return
}

// -----

// Tests that the border ops reject sub-channel types, which only constant
// weights carry.
func.func @quantize_sub_channel(%x: tensor<4x2xf32>) {
  // expected-error @+1 {{'qlinalg.quantize' op sub-channel types are only supported on constant weights (through quant.scast)}}
  %0 = qlinalg.quantize %x : tensor<4x2xf32> to tensor<4x2x!quant.uniform<i8:f32:{0:2, 1:1}, {{0.5, 0.25}, {1.0, 2.0}}>>
  return
}

// -----

// Tests that a sub-channel type needs a static shape that its blocks split.
func.func @sub_channel_dynamic(%x: tensor<?x2x!quant.uniform<i8:f32:{0:2, 1:1}, {{0.5, 0.25}, {1.0, 2.0}}>>) {
  // expected-error @+1 {{'qlinalg.dequantize' op quantized type is sub-channel quantized and needs a static shape}}
  %0 = qlinalg.dequantize %x : tensor<?x2x!quant.uniform<i8:f32:{0:2, 1:1}, {{0.5, 0.25}, {1.0, 2.0}}>> to tensor<?x2xf32>
  return
}

// -----

// Tests that the blocks of a sub-channel rhs split each dimension into as
// many blocks as the type has scales: 6 rows in blocks of 2 are 3 groups,
// not 2.
!A = tensor<2x6x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<6x2x!quant.uniform<i8:f32:{0:2, 1:1}, {{0.5, 0.25}, {1.0, 2.0}}>>
func.func @matmul_sub_channel_block_count(%a: !A, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op rhs dimension 0 of size 6 does not split into 2 blocks of 2}}
  %0 = qlinalg.matmul %a, %b : !A, !B -> tensor<2x2xf32>
  return
}

// -----

// Tests that a block size divides its dimension: 5 rows in groups of 2.
!A = tensor<2x5x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<5x2x!quant.uniform<i8:f32:{0:2, 1:1}, {{0.5, 0.25}, {1.0, 2.0}}>>
func.func @matmul_sub_channel_block_not_dividing(%a: !A, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op rhs dimension 0 of size 5 does not split into 2 blocks of 2}}
  %0 = qlinalg.matmul %a, %b : !A, !B -> tensor<2x2xf32>
  return
}

//===----------------------------------------------------------------------===//
// qlinalg.add / qlinalg.mul
//===----------------------------------------------------------------------===//

// -----

// Tests that qlinalg.add rejects operands of different shapes.
func.func @add_shapes(%a: tensor<4x!quant.uniform<i8:f32, 0.5>>, %b: tensor<5x!quant.uniform<i8:f32, 0.5>>) {
  // expected-error @+1 {{'qlinalg.add' op requires the same shape for all operands and results}}
  %0 = qlinalg.add %a, %b multiplier(float) rounding(half_to_even) : tensor<4x!quant.uniform<i8:f32, 0.5>>, tensor<5x!quant.uniform<i8:f32, 0.5>> -> tensor<4x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

// Tests that qlinalg.add rejects a per-axis operand.
func.func @add_per_axis(%a: tensor<2x!quant.uniform<i8:f32:0, {0.5, 0.25}>>, %b: tensor<2x!quant.uniform<i8:f32, 0.5>>) {
  // expected-error @+1 {{'qlinalg.add' op lhs must be quantized per tensor}}
  %0 = qlinalg.add %a, %b multiplier(float) rounding(half_to_even) : tensor<2x!quant.uniform<i8:f32:0, {0.5, 0.25}>>, tensor<2x!quant.uniform<i8:f32, 0.5>> -> tensor<2x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

// Tests that qlinalg.mul rejects a float operand.
func.func @mul_float_operand(%a: tensor<2xf32>, %b: tensor<2x!quant.uniform<i8:f32, 0.5>>) {
  // expected-error @+1 {{'qlinalg.mul' op lhs must have a !quant.uniform element type (per tensor, per axis or sub-channel), got 'f32'}}
  %0 = qlinalg.mul %a, %b multiplier(float) rounding(half_to_even) : tensor<2xf32>, tensor<2x!quant.uniform<i8:f32, 0.5>> -> tensor<2x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

// Tests that qlinalg.mul rejects a 16-bit result.
func.func @mul_wide(%a: tensor<2x!quant.uniform<i8:f32, 0.5>>) {
  // expected-error @+1 {{'qlinalg.mul' op result storage must be at most 8 bits wide, got 'i16'}}
  %0 = qlinalg.mul %a, %a multiplier(float) rounding(half_to_even) : tensor<2x!quant.uniform<i8:f32, 0.5>>, tensor<2x!quant.uniform<i8:f32, 0.5>> -> tensor<2x!quant.uniform<i16:f32, 0.5>>
  return
}

// -----

// Tests that qlinalg.add rejects a clamp outside the result's range.
func.func @add_clamp(%a: tensor<2x!quant.uniform<i8:f32, 0.5>>) {
  // expected-error @+1 {{'qlinalg.add' op clamp [0, 200] is outside the result storage range [-128, 127]}}
  %0 = qlinalg.add %a, %a multiplier(float) rounding(half_to_even) clamp [0, 200] : tensor<2x!quant.uniform<i8:f32, 0.5>>, tensor<2x!quant.uniform<i8:f32, 0.5>> -> tensor<2x!quant.uniform<i8:f32, 0.5>>
  return
}

// -----

// Tests that qlinalg.mul rejects a fixed_point multiplier of 2^30 or more:
// 0.5 * 0.5 / 2^-33 = 2^31.
func.func @mul_multiplier(%a: tensor<2x!quant.uniform<i8:f32, 0.5>>) {
  // expected-error @+1 {{'qlinalg.mul' op multiplier 2.147484e+09 cannot be represented in fixed_point mode (must be below 2^30)}}
  %0 = qlinalg.mul %a, %a multiplier(fixed_point) rounding(half_away_from_zero) : tensor<2x!quant.uniform<i8:f32, 0.5>>, tensor<2x!quant.uniform<i8:f32, 0.5>> -> tensor<2x!quant.uniform<i8:f32, 1.1641532182693481E-10>>
  return
}

// -----

// Tests that qlinalg.dynamic_quantize reads f32.
func.func @dynamic_quantize_f16(%x: tensor<4xf16>) {
  // expected-error @+1 {{'qlinalg.dynamic_quantize' op expects an f32 input, got 'tensor<4xf16>'}}
  %q, %s, %z = qlinalg.dynamic_quantize %x : tensor<4xf16> -> tensor<4xui8>, f32, i32
  return
}

// -----

// Tests that qlinalg.dynamic_quantize writes 8-bit integers.
func.func @dynamic_quantize_i16(%x: tensor<4xf32>) {
  // expected-error @+1 {{'qlinalg.dynamic_quantize' op result must be a tensor of ui8 or i8 integers, got 'tensor<4xi16>'}}
  %q, %s, %z = qlinalg.dynamic_quantize %x : tensor<4xf32> -> tensor<4xi16>, f32, i32
  return
}

// -----

// Tests that qlinalg.dynamic_quantize keeps the shape.
func.func @dynamic_quantize_shape(%x: tensor<4xf32>) {
  // expected-error @+1 {{'qlinalg.dynamic_quantize' op shapes differ: 'tensor<4xf32>' vs 'tensor<5xui8>'}}
  %q, %s, %z = qlinalg.dynamic_quantize %x : tensor<4xf32> -> tensor<5xui8>, f32, i32
  return
}

// -----

// Tests that qlinalg.matmul takes quantized activations only.
func.func @matmul_float_lhs(%a: tensor<2x4xf32>, %b: tensor<4x3x!quant.uniform<i8:f32, 0.25>>) {
  // expected-error @+1 {{'qlinalg.matmul' op lhs must be quantized (float or run-time quantized activations take qlinalg.contract), got 'tensor<2x4xf32>'}}
  %0 = qlinalg.matmul %a, %b : tensor<2x4xf32>, tensor<4x3x!quant.uniform<i8:f32, 0.25>> -> tensor<2x3xf32>
  return
}
