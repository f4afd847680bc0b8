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

/// How a target wants constant weights (K x N, row-major i8) laid out.
enum class WeightLayout {
  /// K x N row-major, as quantized: no packing.
  RowMajorKN,
};

/// A kernel target: a row of the target table.
struct KernelTarget {
  /// Name used by `target=`.
  StringRef name;
  /// One line for --help and error messages.
  StringRef summary;
  /// Layout of packed constant weights.
  WeightLayout weightLayout;
  /// Emits `init[out] + sum_r ext(lhs[lhs]) * ext(rhs[rhs])` in i32 on the
  /// storage tensors of `c`, with its maps; the rhs is in `weightLayout`
  /// when it is a packed constant.
  Value (*emitAccumulate)(OpBuilder &b, Location loc,
                          const IntegerContraction &c, Value init);
};

/// The kernel emitter a target description names (TargetDescription::kernel),
/// or null.
const KernelTarget *lookupKernel(StringRef name);

/// Packs constant row-major K x N i8 weights into `layout` at compile time.
DenseElementsAttr packWeights(DenseElementsAttr weights, WeightLayout layout);

/// Converts `!quant.uniform` tensors to their storage tensors, with
/// `quant.scast` as the materialization.
void populateQLinalgTypeConversion(TypeConverter &converter);

/// Patterns lowering qlinalg ops (and quant.scast) to integer linalg/arith.
void populateQLinalgToLinalgPatterns(RewritePatternSet &patterns,
                                     const TypeConverter &converter,
                                     const KernelTarget &target);

/// Lowers every qlinalg op of `module`, converting function signatures too.
LogicalResult lowerQLinalg(ModuleOp module, const KernelTarget &target);

/// Marks the linalg op a kernel emitter produced for `sum a*b`, for the
/// tiling and vectorization that follow.
inline constexpr StringLiteral kKernelAttrName = "qlinalg.kernel";

struct TargetDescription;

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
