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
  /// Whether the emitter wants constant weights in the target's packed
  /// layout (an ISA dot-product step reads panels; the portable outer
  /// products read rows of the weights as they are).
  bool packsWeights = false;
};

/// The kernel emitter a target description names (TargetDescription::kernel),
/// or null.
const KernelTarget *lookupKernel(StringRef name);

/// Converts `!quant.uniform` tensors to their storage tensors, with
/// `quant.scast` as the materialization.
void populateQLinalgTypeConversion(TypeConverter &converter);

/// Patterns lowering qlinalg ops (and quant.scast) to integer linalg/arith
/// with `kernel`; constant weights are packed in `target`'s layout when it
/// is given and has one.
void populateQLinalgToLinalgPatterns(RewritePatternSet &patterns,
                                     const TypeConverter &converter,
                                     const KernelTarget &kernel,
                                     const TargetDescription *target = nullptr);

/// Lowers every qlinalg op of `module`, converting function signatures too.
LogicalResult lowerQLinalg(ModuleOp module, const KernelTarget &kernel,
                           const TargetDescription *target = nullptr);

/// Marks the linalg op a kernel emitter produced for `sum a*b`, for the
/// tiling and vectorization that follow.
inline constexpr StringLiteral kKernelAttrName = "qlinalg.kernel";

/// Register tile sizes (one per loop) a lowering chose for a kernel, e.g.
/// for packed weights; --qlinalg-vectorize uses them instead of its own.
inline constexpr StringLiteral kTileSizesAttrName = "qlinalg.tile_sizes";

/// The target called `name` (see qlinalg/Target/Target.h), or an error on
/// `op` listing the known ones: what every pass with a `target` option does.
const TargetDescription *lookupTargetOrEmitError(Operation *op, StringRef name);

/// Tiles and vectorizes the lowered integer linalg of `module` for `target`,
/// splitting large contractions over `threads` (see --qlinalg-vectorize).
LogicalResult vectorizeQLinalgKernels(ModuleOp module,
                                      const TargetDescription &target,
                                      unsigned threads = 1);

/// Name of the attribute that keeps a function's tensor signature through
/// lowering.
inline constexpr StringLiteral kSignatureAttrName = "qlinalg.signature";

} // namespace mlir::qlinalg

#endif // QLINALG_CONVERSION_LOWER_H
