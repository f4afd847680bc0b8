// RUN: qlinalg-opt %s --split-input-file --verify-diagnostics
//
// Per-channel scale counts of qlinalg.matmul operands that the shapes cannot
// check because the number of columns N is dynamic somewhere. The verifier
// must still reject operands that disagree on the number of output channels.
// The message is not pinned down (no such check exists yet); any matmul
// verifier error satisfies these cases.

// Tests that a per-channel accumulator result must have as many scales as the
// per-channel rhs (3 rhs channels, 2 accumulator scales; N dynamic in both).
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x?x!quant.uniform<i8:f32:1, {0.25, 0.5, 1.0}>>
func.func @acc_fewer_scales_than_rhs(%a: !A, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op}}
  %0 = qlinalg.matmul %a, %b : !A, !B -> tensor<2x?x!quant.uniform<i32:f32:1, {0.125, 0.25}>>
  return
}

// -----

// Tests that a per-channel rhs with a dynamic N must have as many scales as
// the static N of the result (2 rhs scales, 3 result columns).
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x?x!quant.uniform<i8:f32:1, {0.25, 0.5}>>
func.func @rhs_fewer_scales_than_columns(%a: !A, %b: !B) {
  // expected-error @+1 {{'qlinalg.matmul' op}}
  %0 = qlinalg.matmul %a, %b : !A, !B -> tensor<2x3x!quant.uniform<i32:f32:1, {0.125, 0.25, 0.5}>>
  return
}

// -----

// Tests that a per-channel bias with a dynamic size must have one scale per
// output column (2 bias scales for 3 columns of a per-tensor rhs).
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
!C = tensor<?x!quant.uniform<i32:f32:0, {0.125, 0.125}>>
func.func @bias_fewer_scales_than_columns(%a: !A, %b: !B, %c: !C) {
  // expected-error @+1 {{'qlinalg.matmul' op}}
  %0 = qlinalg.matmul %a, %b bias %c : !A, !B, !C -> tensor<2x3x!quant.uniform<i32:f32, 0.125>>
  return
}
