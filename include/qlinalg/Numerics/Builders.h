//===- Builders.h - the numerics, emitted as IR -----------------*- C++ -*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The scalar arithmetic of qlinalg's numerics (Numerics.h computes it at
// compile time, python/qlinalg/numerics.py is the reference), emitted as
// arith/math ops, operation for operation, for the bodies of the lowering's
// linalg ops and for kernels' store epilogues. Every lowering calls these, so
// the numerics are encoded as IR in one place. Values may be scalars or
// vectors of the element types named.
//
//===----------------------------------------------------------------------===//

#ifndef QLINALG_NUMERICS_BUILDERS_H
#define QLINALG_NUMERICS_BUILDERS_H

#include "qlinalg/Numerics/Numerics.h"

#include "mlir/IR/Builders.h"

namespace mlir::qlinalg::numerics {

/// Clamps an f32 to `range` (NaN gives qmin: maxnumf then minnumf), then
/// converts it to `storage` (through i32).
Value buildClampToStorage(OpBuilder &b, Location loc, Value v,
                          StorageRange range, IntegerType storage);

/// quantize: clamp(roundeven(x / scale) + zp, range) in f32 (x f32 or
/// narrower float, scale and zp f32), converted to `storage`.
Value buildQuantize(OpBuilder &b, Location loc, Value x, Value scale,
                    Value zeroPoint, StorageRange range, IntegerType storage);

/// The parameters ONNX DynamicQuantizeLinear chooses for a tensor whose
/// range, widened to include 0, is [lo, hi] (f32 scalars): the f32 scale
/// (hi - lo) / (qmax - qmin), 1 when hi == lo; the zero point
/// roundeven(clamp(qmin - lo / scale, qmin, qmax)) as an integer-valued f32.
struct DynamicParams {
  Value scale, zeroPoint;
};
DynamicParams buildDynamicParams(OpBuilder &b, Location loc, Value lo, Value hi,
                                 StorageRange range);

/// dequantize: scale * (q - zp), with q extended to i32 (zero-extended when
/// not `isSigned`), the difference converted to f32, the product truncated
/// to `resultType` when that is narrower.
Value buildDequantize(OpBuilder &b, Location loc, Value q, Value scale,
                      Value zeroPoint, bool isSigned, Type resultType);
/// The same with a constant scale and zero point, shaped like `q`, and the
/// result's element type.
Value buildDequantize(OpBuilder &b, Location loc, Value q, float scale,
                      int64_t zeroPoint, bool isSigned, Type resultElement);

/// Float requantization: round(f32(acc) * m) (half to even, or half away
/// from zero) + zp in f32, clamped to `range` and converted to `storage`.
/// `m` is getFloatMultiplier's f32 multiplier.
Value buildRequantizeFloat(OpBuilder &b, Location loc, Value acc, Value m,
                           int64_t zeroPoint, StorageRange range,
                           IntegerType storage, bool tiesToEven);

/// buildRequantizeFloat followed by buildDequantize of its result, without
/// leaving f32: (clamp(round(f32(acc) * m), qmin - zp, qmax - zp) + 0.0) *
/// scale, then truncated to `resultElement` when that is narrower. The same
/// floats as the two builders for a storage of at most 16 bits: the rounded
/// value is an integer, so adding zp, converting to i32 and back and
/// subtracting zp changes nothing inside the clamp (beyond 2^23 the clamp
/// alone decides), and the + 0.0 turns a -0 rounding into the +0 that
/// q - zp = 0 gives. Four vector operations fewer per store.
Value buildRequantizeFloatDequantized(OpBuilder &b, Location loc, Value acc,
                                      Value m, int64_t zeroPoint,
                                      StorageRange range, bool tiesToEven,
                                      float scale, Type resultElement);

/// The per-channel operands of the fixed-point requantization, i32 scalars
/// or vectors shaped like the accumulator, derived at compile time from
/// quantizeMultiplier's multiplier and shift:
struct FixedPointOperands {
  /// The Q31 multiplier, in [0, 2^31).
  Value multiplier;
  /// max(shift, 0); null when no channel shifts left.
  Value left;
  /// right = max(-shift, 0), mask = 2^right - 1, and the rounding
  /// threshold: mask >> 1 for ties away from zero; for ties to even,
  /// 2^(right - 1), or 1 when right is 0 (a remainder never reaches it).
  Value right, mask, threshold;
};

/// The compile-time values of FixedPointOperands for one channel.
struct FixedPointConstants {
  int64_t multiplier, left, right, mask, threshold;
};
FixedPointConstants getFixedPointConstants(int32_t multiplier, int shift,
                                           bool tiesToEven);

/// Fixed-point requantization, TFLite's MultiplyByQuantizedMultiplier: a
/// saturating left shift, the saturating rounding doubling high multiply by
/// the Q31 multiplier, a rounding right shift (ties away from zero as
/// gemmlowp, or to even), then + zp, clamped to `range`, converted to
/// `storage`. The high multiply runs on i32 operands sign-extended to i64
/// (one vpmuldq per two lanes on x86); the rest in i32 when `maxRight`, the
/// largest right shift over every channel, is at most 30.
///
/// `boundedAcc` promises |acc| < 2^31 - 2^30 with no left shift, every right
/// shift in [1, 30] and ties away from zero: then the rounding shift is
/// (high + (mask >> 1) + (high >= 0)) >> right, whose addition cannot
/// overflow, instead of TFLite's remainder comparison (the same integers).
Value buildRequantizeFixedPoint(OpBuilder &b, Location loc, Value acc,
                                const FixedPointOperands &p, int64_t zeroPoint,
                                StorageRange range, IntegerType storage,
                                bool tiesToEven, int64_t maxRight = 31,
                                bool boundedAcc = false);

/// An 8-bit storage value minus its zero point, in i32 (zero-extended when
/// not `isSigned`).
Value buildCentered(OpBuilder &b, Location loc, Value q, int64_t zeroPoint,
                    bool isSigned);

/// qlinalg.add in fixed point (numerics::addFixedPoint): the centered i32
/// inputs `x` and `y` shifted left by kAddLeftShift, each scaled by its
/// multiplier (`lhs`, `rhs`), summed, and requantized with `out` to
/// `storage` as buildRequantizeFixedPoint does (`maxRight`: the largest of
/// the three right shifts).
Value buildAddFixedPoint(OpBuilder &b, Location loc, Value x, Value y,
                         const FixedPointOperands &lhs,
                         const FixedPointOperands &rhs,
                         const FixedPointOperands &out, int64_t zeroPoint,
                         StorageRange range, IntegerType storage,
                         bool tiesToEven, int64_t maxRight = 31);

/// qlinalg.add in float (numerics::addFloat): round(f32(x) * mx + f32(y) *
/// my) + zp in f32, clamped to `range` and converted to `storage`.
Value buildAddFloat(OpBuilder &b, Location loc, Value x, Value y, Value mx,
                    Value my, int64_t zeroPoint, StorageRange range,
                    IntegerType storage, bool tiesToEven);

/// numerics::roundingDivide of an i32 `acc` by the constant `count`, then
/// truncated to `storage` (the average of storage values fits it).
Value buildRoundingDivide(OpBuilder &b, Location loc, Value acc, int64_t count,
                          IntegerType storage);

} // namespace mlir::qlinalg::numerics

#endif // QLINALG_NUMERICS_BUILDERS_H
