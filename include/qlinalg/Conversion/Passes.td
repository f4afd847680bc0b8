//===- Passes.td - qlinalg conversion passes ---------------*- tablegen -*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Every lowering of qlinalg, in one place: how qlinalg ops become integer
// linalg (per target), and how that becomes the LLVM dialect.
//
//===----------------------------------------------------------------------===//

#ifndef QLINALG_CONVERSION_PASSES_TD
#define QLINALG_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def QLinalgLower : Pass<"qlinalg-lower", "ModuleOp"> {
  let summary = "Lower qlinalg ops to integer linalg/arith for a target";
  let description = [{
    Converts `!quant.uniform` tensors to their storage integer tensors and
    qlinalg ops to integer `linalg`/`arith`:

    - `qlinalg.quantize`/`dequantize`: elementwise `linalg.generic` with the
      f32 arithmetic of the op's definition (`math.roundeven`, saturation with
      `maxnumf`/`minnumf`);
    - `qlinalg.matmul`: the zero-point decomposition
      `sum(a-za)(b-zb) = sum ab - za*sum_k b - zb*sum_k a + K*za*zb`. With
      constant weights the weight-side sums, the bias and `K*za*zb` fold at
      compile time into one i32 vector that initializes the accumulator; the
      activation-side sums are computed only when some `zb` is non-zero. The
      `sum ab` kernel comes from the target;
    - `qlinalg.requantize`: elementwise fixed-point (Q31 multiply and rounding
      shift in i64) or float requantization, multipliers folded per channel;
    - `qlinalg.observe` disappears, `quant.scast` becomes the identity.

    Function signatures are converted too; the original signature is kept as
    `qlinalg.signature` so that qlinalg-run still knows which arrays to expect.

    `target` names a row of the target table (qlinalg/Target/Target.h;
    `qlinalg-opt --qlinalg-list-targets` prints it): `host` is the first row
    the running CPU can run, and the row names the kernel emitter
    (Conversion/Kernels) that implements it. Every target produces the same
    integers.

    On the x86 targets a matmul-shaped contraction (and a 2-D convolution,
    through im2col; a batch matmul, one kernel per weight set) becomes the
    packed kernel of Conversion/Microkernel.h instead: the weights packed in
    the target's panels (at compile time, or by generated code when they
    are known only at run time), register tiles of vector accumulators over
    the whole reduction, the ISA dot-product step (`vpdpbusd`, or on AVX2
    `vpmaddubsw` where the pair sums are proven to fit int16, else
    `vpmaddwd` on s16 weights), and the zero-point terms, requantization,
    clamp and a following dequantize applied in registers before the store.

    Example: `qlinalg-opt q.mlir --qlinalg-lower="target=host explain=true"`.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"generic\"",
           "Target: host or a name from --qlinalg-list-targets">,
    Option<"emulate", "emulate", "bool", /*default=*/"false",
           "Emulate the packed kernels' dot-product step with portable "
           "vector arithmetic: the target's packing, tiles and epilogue, "
           "runnable on any CPU">,
    Option<"threads", "threads", "unsigned", /*default=*/"1",
           "Threads the packed kernels split large products over "
           "(scf.forall, lowered to OpenMP): 0 = every core of this "
           "machine, 1 = single-threaded">,
    Option<"exactPairs", "exact-pairs", "bool", /*default=*/"false",
           "On targets whose fast step saturates pair sums (x86-avx2's "
           "vpmaddubsw), always use the exact step; by default the fast "
           "step runs only where the weights and the activations' range "
           "prove it exact">,
    Option<"explain", "explain", "bool", /*default=*/"false",
           "Remark, per contraction, the kernel, its step, tiles, packing "
           "and threads, the saturation proof, or why it fell back to the "
           "portable kernel">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::quant::QuantDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
    "::mlir::arm_neon::ArmNeonDialect",
    "::mlir::LLVM::LLVMDialect"
  ];
}

def QLinalgVectorize : Pass<"qlinalg-vectorize", "ModuleOp"> {
  let summary = "Tile the lowered integer linalg into register tiles and "
                "vectorize them";
  let description = [{
    Runs after `--qlinalg-lower`, on tensors. The contraction kernel (the
    `linalg.generic` marked `qlinalg.kernel`) is tiled with the register tile
    of the target description (`--qlinalg-list-targets`: the result's
    innermost dimension by N, the one before by M, the innermost reduction
    loop by the K step) and each tile vectorized by upstream's linalg
    vectorizer, masked where a remainder tile has dynamic sizes: a
    `vector.contract` of i8 operands extended to i32. Elementwise generics
    (requantize, quantize, dequantize, the zero-point terms) are tiled by
    rows of 16 lanes and vectorized too. A convolution kernel (its lhs
    indexed through windows) is tiled by one along every loop inside a
    window, by the N tile along its output channels and the K step along
    its input channels; with the unit loops dropped each tile is a
    `vector.contract` of the channels. With `threads` > 1 a large
    contraction is first split over the threads with `scf.forall` along its
    rows (or, for few rows, its columns), and each thread's part is tiled as
    above; `--qlinalg-to-llvm` lowers the `scf.forall` to OpenMP. The
    integers do not change.

    Example: `qlinalg-opt q.mlir --qlinalg-lower --qlinalg-vectorize
    --qlinalg-to-llvm`.
  }];
  let options = [
    Option<"target", "target", "std::string", /*default=*/"\"generic\"",
           "Target whose tile sizes to use: host or a name from "
           "--qlinalg-list-targets">,
    Option<"threads", "threads", "unsigned", /*default=*/"1",
           "Threads to split large contractions over (scf.forall, lowered "
           "to OpenMP): 0 = every core of this machine, 1 = single-threaded "
           "(no OpenMP runtime needed)">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def QLinalgToLLVM : Pass<"qlinalg-to-llvm", "ModuleOp"> {
  let summary = "Bufferize and lower integer linalg to the LLVM dialect";
  let description = [{
    Runs, as one pass, the upstream pipeline that takes the output of
    `--qlinalg-lower` (tensors, linalg, arith, math) to the LLVM dialect:
    elementwise ops on tensors to linalg, one-shot bufferization across function boundaries (identity layouts),
    ownership-based deallocation, linalg to loops, and the conversions of
    memref, scf/cf, arith, math and func to LLVM. Each `func.func` keeps its
    tensor signature as the `qlinalg.signature` attribute of the resulting
    `llvm.func`, as text (it may hold `!quant` types, which stock
    mlir-translate could not parse), which is how qlinalg-run reads back an
    already lowered module.

    Example: `qlinalg-opt m.mlir --qlinalg-lower --qlinalg-to-llvm | mlir-translate --mlir-to-llvmir`.
  }];
}

#endif // QLINALG_CONVERSION_PASSES_TD
