// Error paths of --qlinalg-quantize. Each case needs its own pass options, so
// the cases are separate inputs (split-file), each run with
// --verify-diagnostics.
//
// RUN: split-file %s %t
//
// Entries the quantizer needs and cannot get.
// RUN: qlinalg-opt %t/missing-entry.mlir --split-input-file --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/calibration-t0-only.json"
// RUN: qlinalg-opt %t/no-table.mlir --verify-diagnostics --qlinalg-quantize
// RUN: qlinalg-opt %t/zero-point-128.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/zero-point-128.json"
// RUN: qlinalg-opt %t/zero-point-minus-129.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/zero-point-minus-129.json"
// RUN: qlinalg-opt %t/range-too-wide.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/range-too-wide.json"
// With power-of-two scales too: the infinite scale used to become 1.0
// (frexp of infinity) with zero point 127 (fuzzing found it).
// RUN: qlinalg-opt %t/range-too-wide.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/range-too-wide.json power-of-two=true"
// RUN: qlinalg-opt %t/range-beyond-f32.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/range-beyond-f32.json"
// RUN: qlinalg-opt %t/scale-underflows-f32.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/scale-underflows-f32.json"
// RUN: qlinalg-opt %t/non-finite-constants.mlir --split-input-file --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/calibration.json"
// RUN: qlinalg-opt %t/channel-range-beyond-f32.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/channel-range-beyond-f32.json"
//
// Contractions left in float, and per-group requests that fall back to per
// channel: a remark on the op, and the pass succeeds.
// RUN: qlinalg-opt %t/left-in-float.mlir --split-input-file --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/calibration-all.json"
// RUN: qlinalg-opt %t/multiplier-too-large.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/multiplier-too-large.json" \
// RUN:   | FileCheck %t/multiplier-too-large.mlir
// RUN: qlinalg-opt %t/per-group-fallback.mlir --split-input-file --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/per-group-fallback.json weight-granularity=per-group group-size=2" \
// RUN:   | FileCheck %t/per-group-fallback.mlir
//
// Tables that cannot be read: an error on the module.
// RUN: qlinalg-opt %t/unreadable.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%t/does-not-exist.json"
// RUN: qlinalg-opt %t/malformed.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/malformed.json"
// RUN: qlinalg-opt %t/not-a-table.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/not-a-table.json"
// RUN: qlinalg-opt %t/version-3.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/version-3.json"
// RUN: qlinalg-opt %t/version-1.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/version-1.json"
// RUN: qlinalg-opt %t/not-an-object.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/not-an-object.json"
// RUN: qlinalg-opt %t/no-tensors.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/no-tensors.json"
// RUN: qlinalg-opt %t/entry-not-an-object.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/entry-not-an-object.json"
// RUN: qlinalg-opt %t/min-without-max.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/min-without-max.json"
// RUN: qlinalg-opt %t/inverted-range.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/inverted-range.json"
// RUN: qlinalg-opt %t/negative-scale.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/negative-scale.json"
// RUN: qlinalg-opt %t/zero-point-without-scale.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/zero-point-without-scale.json"
// RUN: qlinalg-opt %t/no-range-no-scale.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/no-range-no-scale.json"
// RUN: qlinalg-opt %t/zero-point-fraction.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/zero-point-fraction.json"
// RUN: qlinalg-opt %t/zero-point-string.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/zero-point-string.json"
// RUN: qlinalg-opt %t/negative-count.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/negative-count.json"
// RUN: qlinalg-opt %t/bad-moving-average.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/bad-moving-average.json"
// RUN: qlinalg-opt %t/histogram-count.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/histogram-count.json"
// RUN: qlinalg-opt %t/bad-per-channel.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/bad-per-channel.json"
// RUN: qlinalg-opt %t/unordered-per-channel.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/unordered-per-channel.json"
//
// Bad option values: an error on the module, before the table is read.
// RUN: qlinalg-opt %t/bad-requantize.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/calibration.json requantize=fixed"
// RUN: qlinalg-opt %t/bad-rounding.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/calibration.json rounding=nearest"
// RUN: qlinalg-opt %t/bad-rounding-float.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/calibration.json requantize=float rounding=half_to_even"
// RUN: qlinalg-opt %t/bad-requantize-bad-table.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/malformed.json requantize=Float"
// RUN: qlinalg-opt %t/bad-mode.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="mode=int8"
// RUN: qlinalg-opt %t/dynamic-per-group.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="mode=dynamic weight-granularity=per-group"
// RUN: qlinalg-opt %t/bad-group-size.mlir --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/calibration.json weight-granularity=per-group group-size=0"

//--- missing-entry.mlir
// Tests that a missing entry for an output id is an error naming the id, on
// the op producing that output (here the matmul).
func.func @missing_output_entry(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.3, 0.5]]> : tensor<2x2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  // expected-error-re @+1 {{no calibration entry for tensor id 't1' in {{.*}}Inputs/calibration-t0-only.json}}
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Tests that a missing entry inside an scf.for says why: qlinalg-calibrate
// observes only the entry function's body.
func.func @missing_entry_in_loop(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.3, 0.5]]> : tensor<2x2xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %r = scf.for %i = %c0 to %c1 step %c1 iter_args(%a = %x) -> (tensor<3x2xf32>) {
    %e = tensor.empty() : tensor<3x2xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
    // expected-error-re @+1 {{no calibration entry for tensor id 't2' in {{.*}}Inputs/calibration-t0-only.json (it is inside scf.for, and qlinalg-calibrate observes only the entry function's body: give the id a range or a scale by hand)}}
    %y = linalg.matmul ins(%a, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
    scf.yield %y : tensor<3x2xf32>
  }
  return %r : tensor<3x2xf32>
}

// -----

// Tests that with a bias add the missing output entry is reported on the
// linalg.add that produces the biased output.
func.func @missing_output_entry_bias_add(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.3, 0.5]]> : tensor<2x2xf32>
  %b = arith.constant dense<[0.25, -0.7]> : tensor<2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  %bb = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<3x2xf32>) dimensions = [0]
  // expected-error-re @+1 {{no calibration entry for tensor id 't2' in {{.*}}Inputs/calibration-t0-only.json}}
  %z = linalg.add ins(%y, %bb : tensor<3x2xf32>, tensor<3x2xf32>) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %z : tensor<3x2xf32>
}

// -----

// Tests that a missing entry for a non-constant rhs is reported on the matmul.
func.func @missing_rhs_entry(%x: tensor<3x2xf32>, %w: tensor<2x2xf32>) -> tensor<3x2xf32> {
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  // expected-error-re @+1 {{no calibration entry for tensor id 't1' in {{.*}}Inputs/calibration-t0-only.json}}
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

//--- no-table.mlir
// Tests that without calibration=FILE every quantizable matmul reports the
// first id it needs: t0 for the first, t1 (its input) for the second.
func.func @no_table(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.3, 0.5]]> : tensor<2x2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  // expected-error @+1 {{no calibration table given (calibration=FILE), but tensor id 't0' needs a range}}
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  // expected-error @+1 {{no calibration table given (calibration=FILE), but tensor id 't1' needs a range}}
  %z = linalg.matmul ins(%y, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %z : tensor<3x2xf32>
}

//--- zero-point-128.mlir
// Tests that an explicit zero point above the int8 range is rejected.
func.func @zero_point_128(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.3, 0.5]]> : tensor<2x2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  // expected-error-re @+1 {{calibration entry for tensor id 't0' in {{.*}}Inputs/zero-point-128.json has zero point 128 outside the 8-bit range [-128, 127]}}
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

//--- zero-point-minus-129.mlir
// Tests that an explicit zero point below the int8 range is rejected.
func.func @zero_point_minus_129(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.3, 0.5]]> : tensor<2x2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  // expected-error-re @+1 {{calibration entry for tensor id 't0' in {{.*}}Inputs/zero-point-minus-129.json has zero point -129 outside the 8-bit range [-128, 127]}}
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

//--- range-too-wide.mlir
// Tests that a range whose f32 width overflows ([-3e38, 3e38]) is rejected.
func.func @range_too_wide(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.3, 0.5]]> : tensor<2x2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  // expected-error-re @+1 {{calibration range of tensor id 't0' in {{.*}}range-too-wide.json is too wide for an f32 scale}}
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

//--- range-beyond-f32.mlir
// Tests that a range whose bounds are not f32 numbers ([-3.5e38, 3.5e38]) is
// rejected when the table is read, naming the table and the id: statistics
// of f32 data never leave f32 (the table fuzzer found that such a table was
// written back unreadably).
// expected-error-re @+1 {{{{.*}}Inputs/range-beyond-f32.json: tensor 't0': range [-3.5e+38, 3.5e+38] does not fit in f32}}
module {
}

//--- scale-underflows-f32.mlir
// Tests that an explicit scale of 1e-50, positive as a double but 0 as the
// f32 the quantized type holds, is an error naming the tensor id and the
// table on the op that needs it (not an invalid quantized type with scale 0).
func.func @scale_underflows_f32(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.3, 0.5]]> : tensor<2x2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  // expected-error-re @+1 {{calibration entry for tensor id 't0' in {{.*}}Inputs/scale-underflows-f32.json has scale 1.000000e-50, which is not a normal f32}}
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

//--- non-finite-constants.mlir
// Tests that a NaN in constant weights is an error on the matmul.
func.func @nan_weights(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, 0x7FC00000], [0.3, 0.5]]> : tensor<2x2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  // expected-error @+1 {{constant weights contain NaN or Inf}}
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Tests that an infinite constant bias is an error on the bias add.
func.func @inf_bias(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.3, 0.5]]> : tensor<2x2xf32>
  %b = arith.constant dense<[0x7F800000, -0.7]> : tensor<2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  %bb = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<3x2xf32>) dimensions = [0]
  // expected-error @+1 {{constant bias contains NaN or Inf}}
  %z = linalg.add ins(%y, %bb : tensor<3x2xf32>, tensor<3x2xf32>) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %z : tensor<3x2xf32>
}

//--- channel-range-beyond-f32.mlir
// Tests that a per-channel range that is not an f32 range ([-1e39, 1] for
// channel 1 of t1) is rejected when the table is read, naming the table and
// the id.
// expected-error-re @+1 {{{{.*}}Inputs/channel-range-beyond-f32.json: tensor 't1': range [-1e+39, 1] does not fit in f32}}
module {
}

//--- left-in-float.mlir
// Tests that a multiply-accumulate whose reduction loop indexes only one
// input (a row sum of x scaled by v[m]) is not taken for a contraction.
func.func @reduction_in_one_input(%x: tensor<3x4xf32>, %v: tensor<3xf32>) -> tensor<3xf32> {
  %e = tensor.empty() : tensor<3xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3xf32>) -> tensor<3xf32>
  // expected-remark @+1 {{linalg.generic left in float: its loops are not those of a contraction (every reduction loop indexes both inputs, every parallel loop the result)}}
  %y = linalg.generic {indexing_maps = [affine_map<(m, k) -> (m, k)>,
                                        affine_map<(m, k) -> (m)>,
                                        affine_map<(m, k) -> (m)>],
                       iterator_types = ["parallel", "reduction"]}
       ins(%x, %v : tensor<3x4xf32>, tensor<3xf32>) outs(%f : tensor<3xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<3xf32>
  return %y : tensor<3xf32>
}

// -----

// Tests that a matmul with no output columns stays in float: its weights
// would get a per-channel type with no channels, `{}`, which does not parse
// back (fuzzing found this).
func.func @zero_columns(%x: tensor<3x2xf32>, %w: tensor<2x0xf32>) -> tensor<3x0xf32> {
  %e = tensor.empty() : tensor<3x0xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x0xf32>) -> tensor<3x0xf32>
  // expected-remark @+1 {{linalg.matmul left in float: it has an empty operand (tensor<2x0xf32>): there is nothing to quantize}}
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x0xf32>) outs(%f : tensor<3x0xf32>) -> tensor<3x0xf32>
  return %y : tensor<3x0xf32>
}

// -----

// Tests that a bias add whose constant does not have one element per output
// channel (3 for the 2 columns of the weights; the result's columns are
// dynamic, so the ops themselves verify) leaves the matmul in float.
func.func @bias_length(%x: tensor<3x2xf32>, %n: index) -> tensor<3x?xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.3, 0.5]]> : tensor<2x2xf32>
  %b = arith.constant dense<[0.25, -0.7, 1.0]> : tensor<3xf32>
  %e = tensor.empty(%n) : tensor<3x?xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x?xf32>) -> tensor<3x?xf32>
  // expected-remark @+1 {{linalg.matmul left in float: its bias does not have one element per output channel}}
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x?xf32>) -> tensor<3x?xf32>
  %z = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>,
                                        affine_map<(i, j) -> (j)>,
                                        affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
       ins(%y, %b : tensor<3x?xf32>, tensor<3xf32>) outs(%e : tensor<3x?xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    linalg.yield %s : f32
  } -> tensor<3x?xf32>
  return %z : tensor<3x?xf32>
}

// -----

// Tests that a matmul whose activations are computed from constants alone
// (and the weights are an argument) has nothing to calibrate them with.
func.func @activations_from_constants(%w: tensor<2x2xf32>) -> tensor<3x2xf32> {
  %c = arith.constant dense<1.0> : tensor<3x2xf32>
  %x = arith.addf %c, %c : tensor<3x2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  // expected-remark @+1 {{linalg.matmul left in float: its activations do not depend on the function's arguments}}
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

//--- per-group-fallback.mlir
// Tests that per-group quantization of constant weights that are not rank 2
// (here a convolution's HWCF filter) falls back to per-channel weights along
// their output channel, dimension 3, with a remark.
// CHECK-LABEL: func.func @per_group_conv_weights
// CHECK: quant.scast %{{.*}} : tensor<1x1x2x2xi8> to tensor<1x1x2x2x!quant.uniform<i8<-127:127>:f32:3, {{.*}}>>
// CHECK: qlinalg.contract
func.func @per_group_conv_weights(%x: tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32> {
  %w = arith.constant dense<[[[[1.0, -2.0], [0.5, 0.25]]]]> : tensor<1x1x2x2xf32>
  %e = tensor.empty() : tensor<1x3x3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32>
  // expected-remark @+1 {{per-group quantization needs rank-2 weights (K x N or N x K); these are quantized per channel}}
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
       ins(%x, %w : tensor<1x3x3x2xf32>, tensor<1x1x2x2xf32>) outs(%f : tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32>
  return %y : tensor<1x3x3x2xf32>
}

// -----

// Tests that per-group quantization of weights that are an argument (t1)
// falls back to per-channel weights from the table, with a remark.
// CHECK-LABEL: func.func @per_group_argument_weights
// CHECK: qlinalg.quantize %{{.*}} {qlinalg.tensor_id = "t1"} : tensor<4x2xf32> to tensor<4x2x!quant.uniform<i8<-127:127>:f32:1, {{.*}}>>
// CHECK: qlinalg.matmul
func.func @per_group_argument_weights(%x: tensor<3x4xf32>, %w: tensor<4x2xf32>) -> tensor<3x2xf32> {
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  // expected-remark @+1 {{per-group quantization needs constant weights; this rhs is quantized per channel}}
  %y = linalg.matmul ins(%x, %w : tensor<3x4xf32>, tensor<4x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

//--- unreadable.mlir
// Tests that a table path that cannot be read is an error on the module.
// expected-error @+1 {{does-not-exist.json: cannot read calibration table: No such file or directory}}
module {
}

//--- malformed.mlir
// Tests that a truncated JSON table is an error on the module.
// expected-error @+1 {{Inputs/malformed.json: malformed JSON: [5:0, byte=68]: Expected object key}}
module {
}

//--- not-a-table.mlir
// Tests that JSON with another "format" is not taken for a table.
// expected-error @+1 {{Inputs/not-a-table.json: not a calibration table (expected "format": "qlinalg-calibration")}}
module {
}

//--- version-3.mlir
// Tests that another table version is rejected.
// expected-error @+1 {{Inputs/version-3.json: unsupported calibration table version (expected 2)}}
module {
}

//--- version-1.mlir
// Tests that a version 1 table (tensor ids numbered by quantizable matmul)
// is rejected with what to do.
// expected-error @+1 {{Inputs/version-1.json: calibration table version 1 numbers tensors by quantizable matmul; this build numbers every float tensor (version 2): re-run qlinalg-calibrate on the float model}}
module {
}

//--- not-an-object.mlir
// Tests that a JSON array is rejected.
// expected-error @+1 {{Inputs/not-an-object.json: the calibration table must be a JSON object}}
module {
}

//--- no-tensors.mlir
// Tests that a table without "tensors" is rejected.
// expected-error @+1 {{Inputs/no-tensors.json: missing "tensors" object}}
module {
}

//--- entry-not-an-object.mlir
// Tests that a tensor entry that is not an object is rejected.
// expected-error @+1 {{Inputs/entry-not-an-object.json: tensor 't0': entry must be an object}}
module {
}

//--- min-without-max.mlir
// Tests that "min" without "max" is rejected.
// expected-error @+1 {{Inputs/min-without-max.json: tensor 't0': 'min' and 'max' must come together}}
module {
}

//--- inverted-range.mlir
// Tests that min > max is rejected.
// expected-error @+1 {{Inputs/inverted-range.json: tensor 't0': invalid range [2, 1]}}
module {
}

//--- negative-scale.mlir
// Tests that an explicit negative scale is rejected.
// expected-error @+1 {{Inputs/negative-scale.json: tensor 't0': scale -0.5 must be positive}}
module {
}

//--- zero-point-without-scale.mlir
// Tests that an explicit zero point needs an explicit scale.
// expected-error @+1 {{Inputs/zero-point-without-scale.json: tensor 't0': 'zero_point' needs a 'scale'}}
module {
}

//--- no-range-no-scale.mlir
// Tests that an entry with neither a range nor a scale is rejected.
// expected-error @+1 {{Inputs/no-range-no-scale.json: tensor 't0': needs 'min'/'max' or 'scale'}}
module {
}

//--- zero-point-fraction.mlir
// Tests that "zero_point": 3.5 is rejected, not read as zero point 0.
// expected-error @+1 {{Inputs/zero-point-fraction.json: tensor 't0': 'zero_point' must be an integer}}
module {
}

//--- zero-point-string.mlir
// Tests that "zero_point": "3" is rejected, not read as zero point 0.
// expected-error @+1 {{Inputs/zero-point-string.json: tensor 't0': 'zero_point' must be an integer}}
module {
}

//--- negative-count.mlir
// Tests that a negative "count" is rejected.
// expected-error @+1 {{Inputs/negative-count.json: tensor 't0': 'count' must be a non-negative integer}}
module {
}

//--- bad-moving-average.mlir
// Tests that a "moving_average" without its batches, bounds and sums is
// rejected, not filled in.
// expected-error @+1 {{Inputs/bad-moving-average.json: tensor 't0': malformed 'moving_average' (needs constant in (0, 1], batches >= 1, min, max, sum_min, sum_max)}}
module {
}

//--- histogram-count.mlir
// Tests that a (canonical) histogram must hold "count" values: 64 in its one
// bin, 63 counted.
// expected-error @+1 {{Inputs/histogram-count.json: tensor 't0': histogram holds 64 values but 'count' is 63}}
module {
}

//--- bad-per-channel.mlir
// Tests that "per_channel" needs min and max arrays of one length.
// expected-error @+1 {{Inputs/bad-per-channel.json: tensor 't0': malformed 'per_channel' (needs axis >= 0 and min/max arrays of one length)}}
module {
}

//--- unordered-per-channel.mlir
// Tests that a channel whose min is above its max is rejected.
// expected-error @+1 {{Inputs/unordered-per-channel.json: tensor 't0': per-channel ranges must be ordered numbers}}
module {
}

//--- bad-requantize.mlir
// Tests that an unknown requantize= value is an error on the module.
// expected-error @+1 {{unknown requantize mode 'fixed' (expected fixed-point or float)}}
module {
}

//--- bad-rounding.mlir
// Tests that an unknown rounding= value is an error on the module.
// expected-error @+1 {{unknown rounding 'nearest' (expected half-away-from-zero or half-to-even)}}
module {
}

//--- bad-rounding-float.mlir
// Tests that the rounding= spelling is checked in float mode too (the
// attribute spelling half_to_even is not an option value).
// expected-error @+1 {{unknown rounding 'half_to_even' (expected half-away-from-zero or half-to-even)}}
module {
}

//--- bad-requantize-bad-table.mlir
// Tests that the option values are checked before the table is read: one
// error, about the option.
// expected-error @+1 {{unknown requantize mode 'Float' (expected fixed-point or float)}}
module {
}

//--- bad-mode.mlir
// Tests that an unknown mode= value is an error on the module.
// expected-error @+1 {{unknown mode 'int8' (expected static, dynamic or weight-only)}}
module {
}

//--- dynamic-per-group.mlir
// Tests that run-time activation scales do not combine with per-group
// weights (no one accumulator scale per output).
// expected-error @+1 {{mode=dynamic takes per-channel or per-tensor weights (a run-time activation scale times per-group weight scales has no one accumulator scale); per-group weights need mode=weight-only or static}}
module {
}

//--- bad-group-size.mlir
// Tests that per-group weights need a group of at least one row.
// expected-error @+1 {{group-size must be at least 1}}
module {
}

//--- multiplier-too-large.mlir
// Tests that a requantization multiplier fixed_point cannot hold (an input
// scale of 1e10, as one huge outlier makes it, and an output in [-1, 1])
// requantizes in float mode with a remark, instead of building a
// qlinalg.requantize its own verifier rejects (fuzzing found this).
// CHECK-LABEL: func.func @multiplier_too_large
// CHECK: qlinalg.requantize {{.*}} multiplier(float) rounding(half_away_from_zero)
func.func @multiplier_too_large(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.3, 0.5]]> : tensor<2x2xf32>
  %e = tensor.empty() : tensor<3x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  // expected-remark-re @+1 {{requantization multiplier {{.*}} cannot be applied in fixed_point mode (must be below 2^30): this op requantizes in float mode}}
  %y = linalg.matmul ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}
