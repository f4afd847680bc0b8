// RUN: qlinalg-opt %s --split-input-file --verify-diagnostics
//
// The verifier of qlinalg.contract. Every case is a valid contraction but for
// the one rule it names: a matmul (m, n, k) on 2x4 and 4x3 operands unless
// said otherwise. The rules that qlinalg.matmul shares with it are also
// tested on qlinalg.matmul in invalid.mlir.

//===----------------------------------------------------------------------===//
// The op itself: maps, iterator types, init
//===----------------------------------------------------------------------===//

// Tests that qlinalg.contract without a bias needs three indexing maps.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<2x3x!quant.uniform<i32:f32, 0.125>>
func.func @contract_two_maps(%a: !A, %b: !B, %init: !ACC) {
  // expected-error @+1 {{'qlinalg.contract' op expects 3 indexing maps (lhs, rhs, result), got 2}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !ACC)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !ACC
  return
}

// -----

// Tests that qlinalg.contract with a bias needs four indexing maps, the
// bias's included.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
!C = tensor<3x!quant.uniform<i32:f32, 0.125>>
!ACC = tensor<2x3x!quant.uniform<i32:f32, 0.125>>
func.func @contract_bias_three_maps(%a: !A, %b: !B, %c: !C, %init: !ACC) {
  // expected-error @+1 {{'qlinalg.contract' op expects 4 indexing maps (lhs, rhs, bias, result), got 3}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) bias(%c : !C) outs(%init : !ACC)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !ACC
  return
}

// -----

// Tests that an iterator type is "parallel" or "reduction", nothing else.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<2x3x!quant.uniform<i32:f32, 0.125>>
func.func @contract_iterator_type(%a: !A, %b: !B, %init: !ACC) {
  // expected-error @+1 {{'qlinalg.contract' op iterator type 'window' is neither "parallel" nor "reduction"}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !ACC)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "window"]} -> !ACC
  return
}

// -----

// Tests that the result has the type of init, static sizes included (a
// dynamic result would be a valid contraction on its own).
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<2x3x!quant.uniform<i32:f32, 0.125>>
func.func @contract_result_not_init(%a: !A, %b: !B, %init: !ACC) {
  // expected-error @+1 {{'qlinalg.contract' op result type 'tensor<?x3x!quant.uniform<i32:f32, 1.250000e-01>>' must be the type of init 'tensor<2x3x!quant.uniform<i32:f32, 1.250000e-01>>'}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !ACC)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]}
         -> tensor<?x3x!quant.uniform<i32:f32, 0.125>>
  return
}

//===----------------------------------------------------------------------===//
// The indexing maps
//===----------------------------------------------------------------------===//

// -----

// Tests that every map has one dimension per iterator: a lhs map over two
// loops where there are three.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<2x3x!quant.uniform<i32:f32, 0.125>>
func.func @contract_map_too_few_dims(%a: !A, %b: !B, %init: !ACC) {
  // expected-error @+1 {{'qlinalg.contract' op indexing map of lhs must have 3 dimensions (one per iterator) and no symbols}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !ACC)
         {indexing_maps = [affine_map<(m, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !ACC
  return
}

// -----

// Tests that the number of dimensions is checked against the iterator types:
// three-loop maps with a fourth iterator (a batch loop that no map uses).
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<2x3x!quant.uniform<i32:f32, 0.125>>
func.func @contract_extra_iterator(%a: !A, %b: !B, %init: !ACC) {
  // expected-error @+1 {{'qlinalg.contract' op indexing map of lhs must have 4 dimensions (one per iterator) and no symbols}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !ACC)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction", "parallel"]} -> !ACC
  return
}

// -----

// Tests that a map has no symbols: a rhs map with one.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<2x3x!quant.uniform<i32:f32, 0.125>>
func.func @contract_map_symbol(%a: !A, %b: !B, %init: !ACC) {
  // expected-error @+1 {{'qlinalg.contract' op indexing map of rhs must have 3 dimensions (one per iterator) and no symbols}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !ACC)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k)[s] -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !ACC
  return
}

// -----

// Tests that a map has one result per dimension of its operand: a lhs map
// with one result for a rank-2 lhs.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<2x3x!quant.uniform<i32:f32, 0.125>>
func.func @contract_map_results_lhs(%a: !A, %b: !B, %init: !ACC) {
  // expected-error @+1 {{'qlinalg.contract' op indexing map of lhs has 1 results for an operand of rank 2}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !ACC)
         {indexing_maps = [affine_map<(m, n, k) -> (k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !ACC
  return
}

// -----

// Tests that the result map is checked against the result's rank too: three
// results for a rank-2 result.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<2x3x!quant.uniform<i32:f32, 0.125>>
func.func @contract_map_results_out(%a: !A, %b: !B, %init: !ACC) {
  // expected-error @+1 {{'qlinalg.contract' op indexing map of the result has 3 results for an operand of rank 2}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !ACC)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n, m)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !ACC
  return
}

// -----

// Tests that the rhs map is a projected permutation (the lhs map may combine
// loops, the rhs map may not): a strided rhs.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x6x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<2x3x!quant.uniform<i32:f32, 0.125>>
func.func @contract_rhs_not_projected(%a: !A, %b: !B, %init: !ACC) {
  // expected-error @+1 {{'qlinalg.contract' op indexing map of rhs must be a projected permutation}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !ACC)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n * 2)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !ACC
  return
}

// -----

// Tests that the rhs map may not repeat a loop either (a diagonal).
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x4x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<2x3x!quant.uniform<i32:f32, 0.125>>
func.func @contract_rhs_repeated_loop(%a: !A, %b: !B, %init: !ACC) {
  // expected-error @+1 {{'qlinalg.contract' op indexing map of rhs must be a projected permutation}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !ACC)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, k)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !ACC
  return
}

// -----

// Tests that the bias map is a projected permutation.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
!C = tensor<6x!quant.uniform<i32:f32, 0.125>>
!ACC = tensor<2x3x!quant.uniform<i32:f32, 0.125>>
func.func @contract_bias_not_projected(%a: !A, %b: !B, %c: !C, %init: !ACC) {
  // expected-error @+1 {{'qlinalg.contract' op indexing map of bias must be a projected permutation}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) bias(%c : !C) outs(%init : !ACC)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (n * 2)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !ACC
  return
}

// -----

// Tests that the result map is a projected permutation.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<2x6x!quant.uniform<i32:f32, 0.125>>
func.func @contract_result_not_projected(%a: !A, %b: !B, %init: !ACC) {
  // expected-error @+1 {{'qlinalg.contract' op indexing map of the result must be a projected permutation}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !ACC)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n * 2)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !ACC
  return
}

// -----

// Tests that a reduction loop does not index the result: k in a rank-3
// result (k marked parallel instead would be valid).
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<2x3x4x!quant.uniform<i32:f32, 0.125>>
func.func @contract_reduction_in_result(%a: !A, %b: !B, %init: !ACC) {
  // expected-error @+1 {{'qlinalg.contract' op reduction loop d2 indexes the result}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !ACC)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n, k)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !ACC
  return
}

// -----

// Tests that a reduction loop indexes lhs: a 2x3 lhs indexed by (m, n)
// leaves k to rhs alone.
!A = tensor<2x3x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<2x3x!quant.uniform<i32:f32, 0.125>>
func.func @contract_reduction_not_in_lhs(%a: !A, %b: !B, %init: !ACC) {
  // expected-error @+1 {{'qlinalg.contract' op reduction loop d2 must index both lhs and rhs}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !ACC)
         {indexing_maps = [affine_map<(m, n, k) -> (m, n)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !ACC
  return
}

// -----

// Tests that a reduction loop indexes rhs: a 2x3 rhs indexed by (m, n)
// leaves k to lhs alone.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<2x3x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<2x3x!quant.uniform<i32:f32, 0.125>>
func.func @contract_reduction_not_in_rhs(%a: !A, %b: !B, %init: !ACC) {
  // expected-error @+1 {{'qlinalg.contract' op reduction loop d2 must index both lhs and rhs}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !ACC)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (m, n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !ACC
  return
}

// -----

// Tests that every parallel loop indexes the result: n indexes only rhs.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<2x!quant.uniform<i32:f32, 0.125>>
func.func @contract_parallel_not_in_result(%a: !A, %b: !B, %init: !ACC) {
  // expected-error @+1 {{'qlinalg.contract' op parallel loop d1 does not index the result}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !ACC)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !ACC
  return
}

// -----

// Tests that the bias is not indexed by a reduction loop: a bias of K
// elements along k.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
!C = tensor<4x!quant.uniform<i32:f32, 0.125>>
!ACC = tensor<2x3x!quant.uniform<i32:f32, 0.125>>
func.func @contract_bias_reduction(%a: !A, %b: !B, %c: !C, %init: !ACC) {
  // expected-error @+1 {{'qlinalg.contract' op bias is indexed by a reduction loop}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) bias(%c : !C) outs(%init : !ACC)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (k)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !ACC
  return
}

// -----

// Tests that the operands agree on the size of every loop, through the maps:
// a batch matmul whose batch loop is 2 in lhs but 3 in rhs.
!A = tensor<2x2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<3x4x3x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<2x2x3x!quant.uniform<i32:f32, 0.125>>
func.func @contract_batch_size_mismatch(%a: !A, %b: !B, %init: !ACC) {
  // expected-error @+1 {{'qlinalg.contract' op loop d0 has size 2 in lhs but 3 in rhs}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !ACC)
         {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>,
                           affine_map<(b, m, n, k) -> (b, k, n)>,
                           affine_map<(b, m, n, k) -> (b, m, n)>],
          iterator_types = ["parallel", "parallel", "parallel", "reduction"]} -> !ACC
  return
}

// -----

// Tests that the sizes are compared where the maps put them, not dimension
// by dimension: with rhs transposed (n, k), its dimension 1 is k (4), which
// the 3 of lhs's k contradicts.
!A = tensor<2x3x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<3x4x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<2x3x!quant.uniform<i32:f32, 0.125>>
func.func @contract_transposed_size_mismatch(%a: !A, %b: !B, %init: !ACC) {
  // expected-error @+1 {{'qlinalg.contract' op loop d2 has size 3 in lhs but 4 in rhs}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !ACC)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (n, k)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !ACC
  return
}

// -----

// Tests that the result's sizes are checked against the loops too: the
// result's n is 4 where rhs says 3.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
!C = tensor<3x!quant.uniform<i32:f32, 0.125>>
!ACC = tensor<2x4x!quant.uniform<i32:f32, 0.125>>
func.func @contract_result_size_mismatch(%a: !A, %b: !B, %c: !C, %init: !ACC) {
  // expected-error @+1 {{'qlinalg.contract' op loop d1 has size 3 in rhs but 4 in the result}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) bias(%c : !C) outs(%init : !ACC)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !ACC
  return
}

//===----------------------------------------------------------------------===//
// Per-axis rhs and bias
//===----------------------------------------------------------------------===//

// -----

// Tests that a per-axis rhs is quantized along an output channel: a
// transposed (n, k) rhs per axis 1 is per reduction element.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<3x4x!quant.uniform<i8:f32:1, {0.25, 0.5, 1.0, 2.0}>>
!ACC = tensor<2x3x!quant.uniform<i32:f32, 0.125>>
func.func @contract_rhs_axis_reduction(%a: !A, %b: !B, %init: !ACC) {
  // expected-error @+1 {{'qlinalg.contract' op rhs may only be quantized per axis along an output channel; rhs dimension 1 is a reduction dimension}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !ACC)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (n, k)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !ACC
  return
}

// -----

// Tests that a per-axis bias is quantized along the rhs's output channel n,
// not along another parallel loop (here m, with scales that would fit).
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32:1, {0.25, 0.5, 1.0}>>
!C = tensor<2x!quant.uniform<i32:f32:0, {0.125, 0.25}>>
!ACC = tensor<2x3x!quant.uniform<i32:f32:1, {0.125, 0.25, 0.5}>>
func.func @contract_bias_axis_not_channel(%a: !A, %b: !B, %c: !C, %init: !ACC) {
  // expected-error @+1 {{'qlinalg.contract' op a per-axis bias must be quantized along the output channel of the per-axis rhs}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) bias(%c : !C) outs(%init : !ACC)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !ACC
  return
}

// -----

// Tests that a per-axis accumulator follows the output channel through the
// result map: with the result transposed (n, m), the channel is result
// dimension 0.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32:1, {0.25, 0.5, 1.0}>>
!ACC = tensor<3x2x!quant.uniform<i32:f32:1, {0.125, 0.25}>>
func.func @contract_acc_axis_transposed(%a: !A, %b: !B, %init: !ACC) {
  // expected-error @+1 {{'qlinalg.contract' op accumulator result must be per axis 0 (the output channel of the per-axis rhs)}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !ACC)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (n, m)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !ACC
  return
}

//===----------------------------------------------------------------------===//
// Sub-channel (per-group) rhs
//===----------------------------------------------------------------------===//

// -----

// Tests that the quantized dimensions of a sub-channel rhs are inside its
// rank: a type over three dimensions on a rank-2 rhs.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x2x!quant.uniform<i8:f32:{0:2, 1:1, 2:1}, {{{0.5}, {0.25}}, {{1.0}, {2.0}}}>>
!Y = tensor<2x2xf32>
func.func @contract_sub_channel_dim_outside_rank(%a: !A, %b: !B, %init: !Y) {
  // expected-error @+1 {{'qlinalg.contract' op rhs quantized dimension 2 is outside the rank 2}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !Y)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !Y
  return
}

// -----

// Tests that the scales of a sub-channel rhs have its rank: rank-2 scales
// on the rank-3 rhs of a batch matmul.
!A = tensor<2x2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<2x4x3x!quant.uniform<i8:f32:{1:2, 2:1}, {{0.5, 0.25, 1.0}, {0.5, 0.25, 1.0}}>>
!Y = tensor<2x2x3xf32>
func.func @contract_sub_channel_scales_rank(%a: !A, %b: !B, %init: !Y) {
  // expected-error @+1 {{'qlinalg.contract' op rhs has scales of rank 2 for a tensor of rank 3}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !Y)
         {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>,
                           affine_map<(b, m, n, k) -> (b, k, n)>,
                           affine_map<(b, m, n, k) -> (b, m, n)>],
          iterator_types = ["parallel", "parallel", "parallel", "reduction"]} -> !Y
  return
}

// -----

// Tests that the grouped reduction loop indexes lhs directly: a convolution
// (n, oh, ow, f, kh, kw, c) whose rhs is grouped along kh, which lhs only
// sees in oh + kh (grouping c instead would be valid).
!A = tensor<1x3x3x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<2x2x4x2x!quant.uniform<i8:f32:{0:1, 1:2, 2:4, 3:1}, {{{{0.5, 0.25}}}, {{{1.0, 2.0}}}}>>
!Y = tensor<1x2x2x2xf32>
func.func @contract_group_not_direct(%a: !A, %b: !B, %init: !Y) {
  // expected-error @+1 {{'qlinalg.contract' op the grouped reduction loop d4 must index lhs directly}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !Y)
         {indexing_maps = [affine_map<(n, oh, ow, f, kh, kw, c) -> (n, oh + kh, ow + kw, c)>,
                           affine_map<(n, oh, ow, f, kh, kw, c) -> (kh, kw, c, f)>,
                           affine_map<(n, oh, ow, f, kh, kw, c) -> (n, oh, ow, f)>],
          iterator_types = ["parallel", "parallel", "parallel", "parallel",
                            "reduction", "reduction", "reduction"]} -> !Y
  return
}

// -----

// Tests that a sub-channel rhs groups one reduction dimension, not two: k1
// in groups of 1 and k2 in groups of 2.
!A = tensor<2x2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<2x4x3x!quant.uniform<i8:f32:{0:1, 1:2, 2:1}, {{{0.5, 0.25, 1.0}, {0.5, 0.25, 1.0}}, {{0.5, 0.25, 1.0}, {0.5, 0.25, 1.0}}}>>
!Y = tensor<2x3xf32>
func.func @contract_two_groups(%a: !A, %b: !B, %init: !Y) {
  // expected-error @+1 {{'qlinalg.contract' op a sub-channel rhs must be quantized per group along exactly one reduction dimension (e.g. block sizes {0:G, 1:1} for a K x N matmul rhs)}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !Y)
         {indexing_maps = [affine_map<(m, n, k1, k2) -> (m, k1, k2)>,
                           affine_map<(m, n, k1, k2) -> (k1, k2, n)>,
                           affine_map<(m, n, k1, k2) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction", "reduction"]} -> !Y
  return
}

// -----

// Tests that the f32 result of a per-group rhs takes no clamp (there is no
// storage range to clamp to).
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x2x!quant.uniform<i8:f32:{0:2, 1:1}, {{0.5, 0.25}, {1.0, 2.0}}>>
!Y = tensor<2x2xf32>
func.func @contract_per_group_clamp(%a: !A, %b: !B, %init: !Y) {
  // expected-error @+1 {{'qlinalg.contract' op an f32 result takes no multiplier, rounding or clamp}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !Y) clamp [0, 127]
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !Y
  return
}

// -----

// Tests that the f32 result of a per-group rhs takes no multiplier and
// rounding either.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x2x!quant.uniform<i8:f32:{0:2, 1:1}, {{0.5, 0.25}, {1.0, 2.0}}>>
!Y = tensor<2x2xf32>
func.func @contract_per_group_multiplier(%a: !A, %b: !B, %init: !Y) {
  // expected-error @+1 {{'qlinalg.contract' op an f32 result takes no multiplier, rounding or clamp}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !Y)
         multiplier(float) rounding(half_to_even)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !Y
  return
}

//===----------------------------------------------------------------------===//
// The epilogue: multiplier, rounding, clamp
//===----------------------------------------------------------------------===//

// -----

// Tests that the clamp is inside the storage range of the result.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
!Y = tensor<2x3x!quant.uniform<i8:f32, 1.0:-3>>
func.func @contract_clamp_below_storage(%a: !A, %b: !B, %init: !Y) {
  // expected-error @+1 {{'qlinalg.contract' op clamp [-200, 127] is outside the storage range [-128, 127]}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !Y)
         multiplier(fixed_point) rounding(half_away_from_zero) clamp [-200, 127]
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !Y
  return
}

// -----

// Tests that the clamp is checked against a narrow storage range, not the
// full range of the storage type.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
!Y = tensor<2x3x!quant.uniform<i8<-127:127>:f32, 1.0>>
func.func @contract_clamp_narrow_storage(%a: !A, %b: !B, %init: !Y) {
  // expected-error @+1 {{'qlinalg.contract' op clamp [-128, 127] is outside the storage range [-127, 127]}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !Y)
         multiplier(fixed_point) rounding(half_away_from_zero) clamp [-128, 127]
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !Y
  return
}

// -----

// Tests that the upper clamp bound is checked too, on u8 storage.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
!Y = tensor<2x3x!quant.uniform<u8:f32, 1.0:128>>
func.func @contract_clamp_above_storage(%a: !A, %b: !B, %init: !Y) {
  // expected-error @+1 {{'qlinalg.contract' op clamp [128, 256] is outside the storage range [0, 255]}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !Y)
         multiplier(float) rounding(half_to_even) clamp [128, 256]
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !Y
  return
}

// -----

// Tests that the clamp's lower bound is not above its upper bound.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
!Y = tensor<2x3x!quant.uniform<i8:f32, 1.0:-3>>
func.func @contract_clamp_inverted(%a: !A, %b: !B, %init: !Y) {
  // expected-error @+1 {{'qlinalg.contract' op clamp must be [lo, hi] with lo <= hi}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !Y)
         multiplier(fixed_point) rounding(half_away_from_zero) clamp [10, 5]
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !Y
  return
}

// -----

// Tests that the clamp has exactly two bounds.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
!Y = tensor<2x3x!quant.uniform<i8:f32, 1.0:-3>>
func.func @contract_clamp_three_bounds(%a: !A, %b: !B, %init: !Y) {
  // expected-error @+1 {{'qlinalg.contract' op clamp must be [lo, hi] with lo <= hi}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !Y)
         multiplier(fixed_point) rounding(half_away_from_zero) clamp [0, 10, 127]
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !Y
  return
}

// -----

// Tests that an i32 accumulator result takes no clamp (the clamp belongs to
// the requantizing epilogue).
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<2x3x!quant.uniform<i32:f32, 0.125>>
func.func @contract_acc_clamp(%a: !A, %b: !B, %init: !ACC) {
  // expected-error @+1 {{'qlinalg.contract' op an i32 accumulator result takes no multiplier, rounding or clamp}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !ACC) clamp [0, 127]
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !ACC
  return
}

// -----

// Tests that a clamp alone does not make a requantized result: it still
// needs its multiplier and rounding.
!A = tensor<2x4x!quant.uniform<i8:f32, 0.5:10>>
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
!Y = tensor<2x3x!quant.uniform<i8:f32, 1.0:-3>>
func.func @contract_clamp_no_multiplier(%a: !A, %b: !B, %init: !Y) {
  // expected-error @+1 {{'qlinalg.contract' op a requantized result needs multiplier and rounding}}
  %0 = qlinalg.contract ins(%a, %b : !A, !B) outs(%init : !Y) clamp [0, 127]
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !Y
  return
}

//===----------------------------------------------------------------------===//
// Run-time quantized (lhs_params) and float (weight-only) activations
//===----------------------------------------------------------------------===//

// -----

// Tests that integer activations need their run-time parameters.
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
func.func @contract_integer_lhs_without_params(%a: tensor<2x4xui8>, %b: !B, %init: tensor<2x3xf32>) {
  // expected-error @+1 {{'qlinalg.contract' op an integer lhs ('tensor<2x4xui8>') needs lhs_params: its run-time scale and zero point}}
  %0 = qlinalg.contract ins(%a, %b : tensor<2x4xui8>, !B) outs(%init : tensor<2x3xf32>)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> tensor<2x3xf32>
  return
}

// -----

// Tests that lhs_params take 8-bit integers.
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
func.func @contract_params_wide_lhs(%a: tensor<2x4xi16>, %b: !B, %s: f32, %z: i32, %init: tensor<2x3xf32>) {
  // expected-error @+1 {{'qlinalg.contract' op with lhs_params, lhs must be a tensor of ui8 or i8 integers, got 'tensor<2x4xi16>'}}
  %0 = qlinalg.contract ins(%a, %b : tensor<2x4xi16>, !B) lhs_params(%s, %z) outs(%init : tensor<2x3xf32>)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> tensor<2x3xf32>
  return
}

// -----

// Tests that a run-time quantized lhs gives an f32 result.
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
!ACC = tensor<2x3x!quant.uniform<i32:f32, 0.125>>
func.func @contract_params_quantized_result(%a: tensor<2x4xui8>, %b: !B, %s: f32, %z: i32, %init: !ACC) {
  // expected-error @+1 {{'qlinalg.contract' op a run-time quantized lhs needs an f32 result, got 'tensor<2x3x!quant.uniform<i32:f32, 1.250000e-01>>'}}
  %0 = qlinalg.contract ins(%a, %b : tensor<2x4xui8>, !B) lhs_params(%s, %z) outs(%init : !ACC)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !ACC
  return
}

// -----

// Tests that a run-time quantized lhs takes no bias (its scale is not known).
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
!C = tensor<3x!quant.uniform<i32:f32, 0.125>>
func.func @contract_params_bias(%a: tensor<2x4xui8>, %b: !B, %c: !C, %s: f32, %z: i32, %init: tensor<2x3xf32>) {
  // expected-error @+1 {{'qlinalg.contract' op a run-time quantized lhs takes no bias; add it in float}}
  %0 = qlinalg.contract ins(%a, %b : tensor<2x4xui8>, !B) bias(%c : !C) lhs_params(%s, %z) outs(%init : tensor<2x3xf32>)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> tensor<2x3xf32>
  return
}

// -----

// Tests that a run-time quantized lhs takes no per-group rhs.
!G = tensor<4x3x!quant.uniform<i8:f32:{0:2, 1:1}, {{0.5, 0.5, 0.5}, {0.25, 0.25, 0.25}}>>
func.func @contract_params_per_group(%a: tensor<2x4xui8>, %b: !G, %s: f32, %z: i32, %init: tensor<2x3xf32>) {
  // expected-error @+1 {{'qlinalg.contract' op a run-time quantized lhs takes a per-tensor or per-channel rhs, not a per-group one}}
  %0 = qlinalg.contract ins(%a, %b : tensor<2x4xui8>, !G) lhs_params(%s, %z) outs(%init : tensor<2x3xf32>)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> tensor<2x3xf32>
  return
}

// -----

// Tests that weight-only activations are f32.
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
func.func @contract_f16_lhs(%a: tensor<2x4xf16>, %b: !B, %init: tensor<2x3xf32>) {
  // expected-error @+1 {{'qlinalg.contract' op a float lhs (weight-only) must be f32, got 'tensor<2x4xf16>'}}
  %0 = qlinalg.contract ins(%a, %b : tensor<2x4xf16>, !B) outs(%init : tensor<2x3xf32>)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> tensor<2x3xf32>
  return
}

// -----

// Tests that weight-only gives an f32 result.
!B = tensor<4x3x!quant.uniform<i8:f32, 0.25>>
!Y = tensor<2x3x!quant.uniform<i8:f32, 0.5>>
func.func @contract_float_lhs_quantized_result(%a: tensor<2x4xf32>, %b: !B, %init: !Y) {
  // expected-error @+1 {{'qlinalg.contract' op a float lhs (weight-only) needs an f32 result, got 'tensor<2x3x!quant.uniform<i8:f32, 5.000000e-01>>'}}
  %0 = qlinalg.contract ins(%a, %b : tensor<2x4xf32>, !B) outs(%init : !Y)
         {indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                           affine_map<(m, n, k) -> (k, n)>,
                           affine_map<(m, n, k) -> (m, n)>],
          iterator_types = ["parallel", "parallel", "reduction"]} -> !Y
  return
}
