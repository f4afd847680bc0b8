//===- Lower.h - qlinalg to integer linalg, per kernel target ---*- C++ -*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The lowering is target-independent except for two hooks a kernel emitter
// (Conversion/Kernels) provides: how constant weights are laid out (a
// compile-time packing step) and how the integer product `sum a*b` is
// emitted. Which emitter a target uses is data of its description
// (qlinalg/Target/Target.h).
//
//===----------------------------------------------------------------------===//

#ifndef QLINALG_CONVERSION_LOWER_H
#define QLINALG_CONVERSION_LOWER_H

#include "qlinalg/Conversion/Contraction.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Transforms/DialectConversion.h"

#include <string>

namespace mlir::qlinalg {

struct TargetDescription;
struct DotStep;

/// A kernel emitter (Conversion/Kernels), named by target descriptions.
struct KernelTarget {
  /// Name a TargetDescription::kernel refers to.
  StringRef name;
  /// One line for messages.
  StringRef summary;
  /// Emits `init[out] + sum_r ext(lhs[lhs]) * ext(rhs[rhs])` in i32 on the
  /// storage tensors of `c`, with its maps (the rhs may be packed weights:
  /// its map then indexes the panel layout, see Packing.cpp).
  Value (*emitAccumulate)(OpBuilder &b, Location loc,
                          const IntegerContraction &c, Value init);
  /// The dot-product step of the packed kernel (Microkernel.h) for the
  /// contractions it covers, or null (everything through emitAccumulate).
  const DotStep *step = nullptr;
  /// An exact step for when `step` saturates pairs and the lowering cannot
  /// prove that the weights and activations keep them in range.
  const DotStep *exactStep = nullptr;
  /// The step for u8 activations, when the ISA multiplies them natively
  /// and `step` takes s8 ones (AArch64 usmmla beside smmla), or null.
  const DotStep *unsignedStep = nullptr;

  /// The step for activations of that signedness.
  const DotStep *getStep(bool lhsUnsigned) const {
    return lhsUnsigned && unsignedStep ? unsignedStep : step;
  }
};

/// The portable `sum a*b`: a linalg.generic over the contraction's maps.
/// ISA kernels use it for what their packed kernel does not cover.
Value emitGenericAccumulate(OpBuilder &b, Location loc,
                            const IntegerContraction &c, Value init);

/// The x86 kernels (Kernels/X86.cpp).
ArrayRef<KernelTarget> getX86Kernels();

/// The AArch64 kernels (Kernels/AArch64.cpp).
ArrayRef<KernelTarget> getAArch64Kernels();

/// How --qlinalg-lower builds kernels beyond the kernel emitter.
struct LoweringOptions {
  /// The target description: the packed kernels' tiles and features.
  const TargetDescription *target = nullptr;
  /// The packed kernels' dot-product step emulated with portable vector
  /// arithmetic: the same packing, tiles and epilogue on any CPU.
  bool emulate = false;
  /// Threads the packed kernels split large products over.
  unsigned threads = 1;
  /// Never the fast step of a target whose pairs saturate, even where the
  /// lowering proves it exact.
  bool exactPairs = false;
  /// A remark per contraction: kernel, step, tiles, packing, threads, the
  /// saturation proof, or why the portable kernel runs it.
  bool explain = false;
};

/// The kernel emitter a target description names (TargetDescription::kernel),
/// or null.
const KernelTarget *lookupKernel(StringRef name);

/// Converts `!quant.uniform` tensors to their storage tensors, with
/// `quant.scast` as the materialization.
void populateQLinalgTypeConversion(TypeConverter &converter);

/// Patterns lowering qlinalg ops (and quant.scast) to integer linalg/arith
/// with `kernel` (its packed kernel where it has one and the contraction
/// fits, see Microkernel.h).
void populateQLinalgToLinalgPatterns(RewritePatternSet &patterns,
                                     const TypeConverter &converter,
                                     const KernelTarget &kernel,
                                     const LoweringOptions &options = {});

/// Lowers every qlinalg op of `module`, converting function signatures too.
LogicalResult lowerQLinalg(ModuleOp module, const KernelTarget &kernel,
                           const LoweringOptions &options = {});

/// Marks the linalg op a kernel emitter produced for `sum a*b`, for the
/// tiling and vectorization that follow.
inline constexpr StringLiteral kKernelAttrName = "qlinalg.kernel";

/// The target called `name` (see qlinalg/Target/Target.h), or an error on
/// `op` listing the known ones: what every pass with a `target` option does.
const TargetDescription *lookupTargetOrEmitError(Operation *op, StringRef name);

/// Tiles and vectorizes the lowered integer linalg of `module` for `target`,
/// splitting large contractions over `threads` (see --qlinalg-vectorize).
LogicalResult vectorizeQLinalgKernels(ModuleOp module,
                                      const TargetDescription &target,
                                      unsigned threads = 1);

/// Name of the attribute naming the target whose ISA a function's kernels
/// use; --qlinalg-to-llvm turns it into the llvm.func's target_cpu and
/// target_features, so that any compiler of the module emits them.
inline constexpr StringLiteral kTargetAttrName = "qlinalg.target";

/// Name of the attribute that keeps a function's tensor signature through
/// lowering.
inline constexpr StringLiteral kSignatureAttrName = "qlinalg.signature";

} // namespace mlir::qlinalg

#endif // QLINALG_CONVERSION_LOWER_H
