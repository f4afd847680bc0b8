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
    - activations (and non-constant weights) are asymmetric int8 per tensor,
      from the calibration table's min/max (or its explicit scale/zero_point);
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
    Option<"calibration", "calibration", "std::string", /*default=*/"\"\"",
           "Path of the calibration table (JSON) written by qlinalg-calibrate">,
    Option<"requantize", "requantize", "std::string", /*default=*/"\"fixed-point\"",
           "How requantization applies its multiplier: fixed-point (TFLite "
           "Q31) or float (ONNX)">,
    Option<"rounding", "rounding", "std::string", /*default=*/"\"\"",
           "Tie rule of requantization: half-away-from-zero or half-to-even "
           "(default: half-away-from-zero for fixed-point, half-to-even for "
           "float)">
  ];
  let dependentDialects = [
    "::mlir::qlinalg::QLinalgDialect",
    "::mlir::quant::QuantDialect",
    "::mlir::arith::ArithDialect"
  ];
}

#endif // QLINALG_TRANSFORMS_PASSES_TD
