//===- QLinalgDialect.td - qlinalg dialect definition ------*- tablegen -*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QLINALG_DIALECT_QLINALG_IR_QLINALGDIALECT_TD
#define QLINALG_DIALECT_QLINALG_IR_QLINALGDIALECT_TD

include "mlir/IR/OpBase.td"

def QLinalg_Dialect : Dialect {
  let name = "qlinalg";
  let cppNamespace = "::mlir::qlinalg";
  let summary = "Quantized linear algebra on upstream !quant.uniform tensors";
  let description = [{
    The `qlinalg` dialect holds the quantized form of a float `linalg`
    program: calibration probes (`qlinalg.observe`), the borders between float
    and quantized tensors (`qlinalg.quantize`, `qlinalg.dequantize`), and the
    integer compute ops (`qlinalg.matmul`, `qlinalg.requantize`).

    Element types are upstream `!quant.uniform` types, per tensor or per axis;
    the dialect has no type system of its own. Scales and zero points live in
    the types, so every op is self-describing and the lowering derives all
    integer constants (zero-point corrections, requantization multipliers)
    from the types alone.

    Why `qlinalg.quantize`/`qlinalg.dequantize` rather than upstream
    `quant.qcast`/`quant.dcast`: upstream leaves the rounding of `qcast`
    unspecified and MLIR 22's `--lower-quant-ops` truncates toward zero and
    does not saturate. Our ops fix the semantics on the op itself (round half
    to even, saturate to the storage range: ONNX QuantizeLinear), so a
    quantized module means the same thing whichever pipeline lowers it. Upstream
    `quant.scast` is used as is: it is exactly the storage reinterpretation we
    need (for instance for constant weights held as `i8` data).

    Numerics, bit for bit (the numpy reference in `python/qlinalg` matches):
    - `real = scale * (q - zp)`, computed in f32;
    - `q = clamp(roundeven(real / scale) + zp, qmin, qmax)`, computed in f32;
    - accumulation in i32; the accumulator type is `!quant.uniform<i32:f32,
      sa*sb>` (zero point 0), so requantization reads its multiplier
      `M = s_acc / s_out` from the types.
  }];
  let dependentDialects = [
    "::mlir::quant::QuantDialect",
    "::mlir::tensor::TensorDialect"
  ];
  let useDefaultAttributePrinterParser = 0;
}

#endif // QLINALG_DIALECT_QLINALG_IR_QLINALGDIALECT_TD
