//===- Contraction.h - the zero-point decomposition, over maps --*- C++ -*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The integer algebra of every quantized contraction, written once against
// its indexing maps (qlinalg::ContractionMaps), whatever the kind:
//
//   sum_r (a - za)(b - zb[c]) + bias
//     = sum_r a*b                                  (the target's kernel)
//       + bias - za * sum_r b + |R| * za * zb[c]   (per rhs channel: the
//                                                   accumulator's init,
//                                                   folded when b is constant)
//       - zb[c] * sum_r a                          (only when some zb != 0)
//
// where r runs over the reduction loops and |R| is their trip count.
//
//===----------------------------------------------------------------------===//

#ifndef QLINALG_CONVERSION_CONTRACTION_H
#define QLINALG_CONVERSION_CONTRACTION_H

#include "qlinalg/Dialect/QLinalg/IR/QLinalg.h"

#include "mlir/IR/Builders.h"

namespace mlir::qlinalg {

struct KernelTarget;

/// One contraction on storage (integer) tensors, with the constants the
/// decomposition folds.
struct IntegerContraction {
  ContractionMaps maps;
  Value lhs, rhs;
  /// i32 bias indexed by `maps.bias`, or null.
  Value bias;
  bool lhsUnsigned = false, rhsUnsigned = false;
  int64_t lhsZeroPoint = 0;
  /// The lhs zero point as an i32 value when it is known only at run time
  /// (a qlinalg.dynamic_quantize); `lhsZeroPoint` is then 0.
  Value lhsZeroPointValue;
  /// The rhs zero points, row-major over `zeroPointLoops` (one value when
  /// that is empty: per tensor).
  SmallVector<unsigned> zeroPointLoops;
  SmallVector<int64_t> rhsZeroPoints;
  /// The rhs (and bias) data when they are compile-time constants.
  DenseElementsAttr rhsConstant, biasConstant;

  bool hasRhsZeroPoints() const;
};

/// Emits the exact i32 result of `c`, shaped like the result map with
/// `outSizes`: the per-channel term as the accumulator's init (a constant
/// when the weights are constant), the target's `sum a*b`, and the row-sum
/// correction when the weights have zero points.
Value emitZeroPointContraction(OpBuilder &b, Location loc,
                               const IntegerContraction &c,
                               ArrayRef<OpFoldResult> outSizes,
                               const KernelTarget &kernel);

/// The per-channel term of the decomposition at compile time (`c` has a
/// constant rhs of static shape): `-za * sum_r b + |R| * za * zb`, plus the
/// bias when it is a constant indexed by rhs loops only (then `biasFolded`),
/// row-major over the rhs's parallel loops, wrapped to 32 bits.
SmallVector<int64_t> foldColumnTerm(OpBuilder &b, Location loc,
                                    const IntegerContraction &c,
                                    ArrayRef<OpFoldResult> outSizes,
                                    bool &biasFolded);

/// How foldColumnTerm changes when the lhs zero point grows by one (the
/// term is affine in it), wrapped to 32 bits; the bias cancels out.
SmallVector<int64_t> foldColumnTermSlope(OpBuilder &b, Location loc,
                                         const IntegerContraction &c,
                                         ArrayRef<OpFoldResult> outSizes);

/// The column term of a run-time lhs zero point `za` (i32): the constant
/// term `t0` (at za = 0) plus `za * slope`, as an i32 tensor of `shape`
/// (row-major `t0` and `slope`, wrapped to 32 bits like the accumulation).
/// The term is affine in za, so two compile-time foldings give it.
Value emitColumnTermOfZeroPoint(OpBuilder &b, Location loc,
                                ArrayRef<int64_t> shape, ArrayRef<int64_t> t0,
                                ArrayRef<int64_t> slope, Value za);

/// `sum_r ext(lhs)` per parallel index of the lhs, at run time (the row
/// sums the zero points of the weights multiply).
Value emitLhsSums(OpBuilder &b, Location loc, const IntegerContraction &c,
                  ArrayRef<OpFoldResult> outSizes);

/// Steps the row-major multi-index `index` of an array of `shape` to the
/// next element (the last dimension fastest); false once it wraps to zero.
inline bool advanceIndex(MutableArrayRef<int64_t> index,
                         ArrayRef<int64_t> shape) {
  for (int64_t d = int64_t(shape.size()) - 1; d >= 0; --d) {
    if (++index[d] < shape[d])
      return true;
    index[d] = 0;
  }
  return false;
}

/// Maps `map`, whose dimensions are the loops of a contraction, onto the
/// iteration space made of `domainLoops` only (dimension i is loop
/// domainLoops[i]). Every loop `map` uses must be in `domainLoops`.
AffineMap restrictToLoops(AffineMap map, ArrayRef<unsigned> domainLoops);

/// The map from the iteration space `domainLoops` to `loops` (each must be
/// in `domainLoops`).
AffineMap selectLoops(MLIRContext *ctx, ArrayRef<unsigned> domainLoops,
                      ArrayRef<unsigned> loops);

} // namespace mlir::qlinalg

#endif // QLINALG_CONVERSION_CONTRACTION_H
