//===- Passes.td - qlinalg transformation passes -----------*- tablegen -*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QLINALG_TRANSFORMS_PASSES_TD
#define QLINALG_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def QLinalgInstrument : Pass<"qlinalg-instrument", "ModuleOp"> {
  let summary = "Put a qlinalg.observe probe on every quantizable tensor";
  let description = [{
    Finds the ops `--qlinalg-quantize` can quantize and puts a
    `qlinalg.observe` on each of their float inputs and outputs that is not a
    constant. Tensor ids come from a deterministic walk of the float module
    (`t0`, `t1`, ... in order of first appearance), so the same module always
    maps to the same calibration table entries; a tensor shared by two ops
    (the output of one matmul feeding the next) has one id.

    A `linalg.matmul` whose accumulator is a zero fill (or a broadcast constant
    bias) and that is followed by the addition of a broadcast constant bias is
    one quantizable op; its output is the biased result.

    Example:

    ```mlir
    %y = linalg.matmul ins(%x, %w : tensor<?x64xf32>, tensor<64x32xf32>) ...
    // becomes
    %xo = qlinalg.observe %x {id = "t0"} : tensor<?x64xf32>
    %y = linalg.matmul ins(%xo, %w : ...) ...
    %yo = qlinalg.observe %y {id = "t1"} : tensor<?x32xf32>
    ```

    Running it twice does not observe a tensor twice.
  }];
  let dependentDialects = ["::mlir::qlinalg::QLinalgDialect"];
}

def QLinalgQuantize : Pass<"qlinalg-quantize", "ModuleOp"> {
  let summary = "Rewrite float linalg ops into qlinalg ops from calibration";
  let description = [{
    Rewrites every quantizable `linalg.matmul` (with its bias, see
    `--qlinalg-instrument`) into `qlinalg.matmul` + `qlinalg.requantize`:

    - constant weights are quantized at compile time, symmetric int8 per
      output channel (narrow range [-127, 127]), and kept as `i8` constants
      reinterpreted with upstream `quant.scast`;
    - a constant bias becomes i32 in the accumulator scale `sa * sb[n]`;
    - activations (and non-constant weights) are int8 per tensor from the
      calibration table, through the chosen estimator (or the entry's explicit
      scale/zero_point, which wins); non-constant weights per channel use the
      table's per-channel ranges;
    - schemes are chosen per kind (`activation-scheme`, `weight-scheme`),
      weights per channel or per tensor with 2 to 8 bits, scales optionally
      powers of two;
    - `qlinalg.quantize`/`qlinalg.dequantize` appear only at the borders: a
      dequantize feeding a quantize of the same type folds away, so chained
      quantized ops exchange int8 tensors.

    Ops it cannot quantize stay in float and get a remark saying why. A tensor
    id missing from the table is an error naming the id.

    Example:

    ```mlir
    // --qlinalg-quantize="calibration=table.json"
    %q = qlinalg.quantize %x : tensor<?x64xf32> to tensor<?x64x!quant.uniform<i8:f32, ...>>
    %acc = qlinalg.matmul %q, %w bias %b : ... -> tensor<?x32x!quant.uniform<i32:f32:1, {...}>>
    %r = qlinalg.requantize %acc multiplier(fixed_point) rounding(half_away_from_zero) : ...
    %y = qlinalg.dequantize %r : ... to tensor<?x32xf32>
    ```
  }];
  let options = [
    Option<"mode", "mode", "std::string", /*default=*/"\"static\"",
           "static (activation scales from the table), dynamic (chosen per "
           "call from each contraction input's range, ONNX "
           "DynamicQuantizeLinear; no table) or weight-only (float "
           "activations, quantized weights dequantized in the contraction; "
           "no table)">,
    Option<"calibration", "calibration", "std::string", /*default=*/"\"\"",
           "Path of the calibration table (JSON) written by qlinalg-calibrate">,
    Option<"requantize", "requantize", "std::string", /*default=*/"\"fixed-point\"",
           "How requantization applies its multiplier: fixed-point (TFLite "
           "Q31) or float (ONNX)">,
    Option<"rounding", "rounding", "std::string", /*default=*/"\"\"",
           "Tie rule of requantization: half-away-from-zero or half-to-even "
           "(default: half-away-from-zero for fixed-point, half-to-even for "
           "float)">,
    Option<"estimator", "estimator", "std::string", /*default=*/"\"minmax\"",
           "Activation range estimator: minmax, moving-average, percentile, "
           "mse or entropy">,
    Option<"coverage", "coverage", "double", /*default=*/"99.99",
           "Percentile estimator: percentage of the values kept on each side">,
    Option<"activationScheme", "activation-scheme", "std::string",
           /*default=*/"\"asymmetric\"",
           "Activations: asymmetric (int8, zero point) or symmetric (zero "
           "point 0, [-127, 127])">,
    Option<"weightScheme", "weight-scheme", "std::string",
           /*default=*/"\"symmetric\"",
           "Weights: symmetric (zero point 0, narrow range) or asymmetric">,
    Option<"weightGranularity", "weight-granularity", "std::string",
           /*default=*/"\"per-channel\"",
           "Weights: per-channel (one scale per output column), per-tensor, "
           "or per-group (one per group-size rows and column; constant "
           "weights, f32 result)">,
    Option<"groupSize", "group-size", "unsigned", /*default=*/"32",
           "Rows per group for weight-granularity=per-group">,
    Option<"reduceRange", "reduce-range", "bool", /*default=*/"false",
           "Activations with half the levels, storage [-128, -1] (u8 0..127 "
           "once shifted for an x86 u8 x s8 step): on x86-avx2 every pair "
           "of vpmaddubsw products then provably fits int16, so the fast "
           "step runs with any 8-bit weights (PyTorch's x86 reduce_range), "
           "at the cost of one bit of activation resolution">,
    Option<"activationBits", "activation-bits", "unsigned", /*default=*/"8",
           "Activation bit width; the target must have a kernel for it "
           "(qlinalg-opt --qlinalg-list-targets lists what each has)">,
    Option<"target", "target", "std::string", /*default=*/"\"host\"",
           "Target the quantized module is for (asked what its kernels "
           "support): host or a name from --qlinalg-list-targets">,
    Option<"weightBits", "weight-bits", "unsigned", /*default=*/"8",
           "Weight bit width, 2 to 8 (stored in i8 with a narrowed range)">,
    Option<"powerOfTwo", "power-of-two", "bool", /*default=*/"false",
           "Round scales up to powers of two (requantization by shifts)">,
    Option<"floatOutputs", "float-outputs", "bool", /*default=*/"false",
           "Dequantize results that only float code consumes straight from "
           "the i32 accumulator instead of requantizing them to int8">,
    ListOption<"exclude", "exclude", "std::string",
               "Tensor ids (t3) or op names (linalg.matmul) kept in float: "
               "every op that reads or produces a listed tensor, and every "
               "op of a listed name, stays a float op">
  ];
  let dependentDialects = [
    "::mlir::qlinalg::QLinalgDialect",
    "::mlir::quant::QuantDialect",
    "::mlir::arith::ArithDialect"
  ];
}

def QLinalgFakeQuantize : Pass<"qlinalg-fake-quantize", "ModuleOp"> {
  let summary = "Simulate the int8 model in float with quantize/dequantize "
                "pairs";
  let description = [{
    For debugging a quantization and for QAT-style flows: the module stays a
    float module, but every tensor that `--qlinalg-quantize` (with the
    options given in `quantize`, followed by `--qlinalg-fuse`) holds in int8
    goes through `qlinalg.quantize` -> `qlinalg.dequantize` of the type it
    has there, and constant weights are replaced by their quantized values
    (per channel or per tensor; per-group weights stay float, with a
    remark). The types are read off a quantized copy of the module by
    tensor id, so the simulation follows every decision of the quantizer:
    a ReLU fused into its convolution leaves one pair, at the ReLU's type.
    The result runs in float and equals the int8 model's dequantized output
    within about one output step (the int8 model rounds its bias and its
    requantizations; the simulation adds in float).

    Example:

    ```mlir
    // --qlinalg-fake-quantize="quantize={calibration=table.json}"
    %q = qlinalg.quantize %x {qlinalg.tensor_id = "t0"} : tensor<?x64xf32> to tensor<?x64x!quant.uniform<i8:f32, ...>>
    %x1 = qlinalg.dequantize %q : ... to tensor<?x64xf32>
    %y = linalg.matmul ins(%x1, %w_fake_quantized : ...) ...
    ```
  }];
  let options = [
    Option<"quantizeOptions", "quantize", "std::string", /*default=*/"\"\"",
           "The options of --qlinalg-quantize, as quantize={...} in "
           "--qlinalg-pipeline">
  ];
  let dependentDialects = [
    "::mlir::qlinalg::QLinalgDialect",
    "::mlir::quant::QuantDialect",
    "::mlir::arith::ArithDialect"
  ];
}

def QLinalgFuse : Pass<"qlinalg-fuse", "ModuleOp"> {
  let summary = "Fold requantizations into the epilogue of their contraction";
  let description = [{
    A `qlinalg.requantize` whose input is the i32 accumulator of a
    `qlinalg.contract` (or `qlinalg.matmul`) used nowhere else becomes that
    contraction's epilogue: the contraction produces the requantized tensor
    directly, with the requantize's `multiplier` and `rounding`, so that a
    kernel applies it where it stores the result and no i32 accumulator
    tensor is materialized. The integers are the same (the epilogue is
    defined as the requantize).

    An activation between two quantized ops (`dequantize` -> an elementwise
    `linalg.generic` of a ReLU, ReLU6 or clamp -> `quantize`) goes into the
    producer (a contraction with an epilogue, `qlinalg.add`, `qlinalg.mul`):
    it requantizes straight to the quantize's type and clamps to the
    activation's quantized bounds (a ReLU at the zero point, real 0), as
    quantized runtimes fuse conv + ReLU. A rescale (`qlinalg.requantize` of
    an 8-bit tensor) of such a producer's, or of another requantize's, sole
    result composes into it the same way. Each is one rounding instead of
    two, so these integers can differ by a step from the unfused sequence's.
    `populateQLinalgFusePatterns` holds the patterns.

    Example:

    ```mlir
    %acc = qlinalg.contract ins(%a, %w : ...) outs(%e : tensor<...x!quant.uniform<i32:f32, ...>>) ...
    %y = qlinalg.requantize %acc multiplier(fixed_point) rounding(half_away_from_zero) : ... -> T
    // becomes
    %y = qlinalg.contract ins(%a, %w : ...) outs(%e2 : T) multiplier(fixed_point) rounding(half_away_from_zero) ...
    ```
  }];
  let dependentDialects = [
    "::mlir::qlinalg::QLinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

#endif // QLINALG_TRANSFORMS_PASSES_TD
