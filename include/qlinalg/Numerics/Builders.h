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

/// dequantize: scale * (q - zp), with q extended to i32 (zero-extended when
/// not `isSigned`), the difference converted to f32, the product truncated
/// to `resultType` when that is narrower.
Value buildDequantize(OpBuilder &b, Location loc, Value q, Value scale,
                      Value zeroPoint, bool isSigned, Type resultType);

/// Float requantization: round(f32(acc) * m) (half to even, or half away
/// from zero) + zp in f32, clamped to `range` and converted to `storage`.
/// `m` is getFloatMultiplier's f32 multiplier.
Value buildRequantizeFloat(OpBuilder &b, Location loc, Value acc, Value m,
                           int64_t zeroPoint, StorageRange range,
                           IntegerType storage, bool tiesToEven);

/// Fixed-point requantization, TFLite's MultiplyByQuantizedMultiplier in i64
/// arithmetic: a saturating left shift by `left`, the saturating rounding
/// doubling high multiply by the Q31 `multiplier`, a rounding right shift by
/// `right` (ties away from zero as gemmlowp, or to even), then + zp, clamped
/// to `range`, converted to `storage`. `multiplier`, `left` and `right` are
/// i64 (quantizeMultiplier's multiplier and max(shift, 0), max(-shift, 0)).
/// `maxRight` bounds `right` (over every channel): at most 30 lets the
/// rounding shift, zero point and clamp run in i32.
Value buildRequantizeFixedPoint(OpBuilder &b, Location loc, Value acc,
                                Value multiplier, Value left, Value right,
                                int64_t zeroPoint, StorageRange range,
                                IntegerType storage, bool tiesToEven,
                                int64_t maxRight = 63);

} // namespace mlir::qlinalg::numerics

#endif // QLINALG_NUMERICS_BUILDERS_H
