//===- Builders.cpp - the numerics, emitted as IR -------------------------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Numerics/Builders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::qlinalg;
using namespace mlir::qlinalg::numerics;

/// `element` shaped like `like` (a scalar, or a vector of the same shape).
static Type withElement(Type like, Type element) {
  if (auto vector = dyn_cast<VectorType>(like))
    return vector.clone(element);
  return element;
}

/// A float constant of `type` (splat for vectors).
static Value constant(OpBuilder &b, Location loc, Type type, double value) {
  TypedAttr attr = b.getFloatAttr(getElementTypeOrSelf(type), value);
  if (auto vector = dyn_cast<VectorType>(type))
    attr = SplatElementsAttr::get(vector, attr);
  return arith::ConstantOp::create(b, loc, attr);
}

static Value intConstant(OpBuilder &b, Location loc, Type type, int64_t value) {
  Type element = getElementTypeOrSelf(type);
  TypedAttr attr = b.getIntegerAttr(element, value);
  if (auto vector = dyn_cast<VectorType>(type))
    attr = SplatElementsAttr::get(vector, attr);
  return arith::ConstantOp::create(b, loc, attr);
}

Value numerics::buildClampToStorage(OpBuilder &b, Location loc, Value v,
                                    StorageRange range, IntegerType storage) {
  auto [lo, hi] = getFloatBounds(range);
  Type type = v.getType();
  v = arith::MaxNumFOp::create(b, loc, v, constant(b, loc, type, lo));
  v = arith::MinNumFOp::create(b, loc, v, constant(b, loc, type, hi));
  Value i =
      arith::FPToSIOp::create(b, loc, withElement(type, b.getI32Type()), v);
  if (storage.getWidth() < 32)
    i = arith::TruncIOp::create(b, loc, withElement(type, storage), i);
  return i;
}

Value numerics::buildQuantize(OpBuilder &b, Location loc, Value x, Value scale,
                              Value zeroPoint, StorageRange range,
                              IntegerType storage) {
  Type f32 = withElement(x.getType(), b.getF32Type());
  if (x.getType() != f32)
    x = arith::ExtFOp::create(b, loc, f32, x);
  Value d = arith::DivFOp::create(b, loc, x, scale);
  Value r = math::RoundEvenOp::create(b, loc, d);
  Value y = arith::AddFOp::create(b, loc, r, zeroPoint);
  return buildClampToStorage(b, loc, y, range, storage);
}

Value numerics::buildDequantize(OpBuilder &b, Location loc, Value q,
                                Value scale, Value zeroPoint, bool isSigned,
                                Type resultType) {
  Type i32 = withElement(q.getType(), b.getI32Type());
  if (q.getType() != i32)
    q = isSigned ? arith::ExtSIOp::create(b, loc, i32, q).getResult()
                 : arith::ExtUIOp::create(b, loc, i32, q).getResult();
  Value centered = arith::SubIOp::create(b, loc, q, zeroPoint);
  Value f = arith::SIToFPOp::create(
      b, loc, withElement(q.getType(), b.getF32Type()), centered);
  Value x = arith::MulFOp::create(b, loc, f, scale);
  if (resultType != x.getType())
    x = arith::TruncFOp::create(b, loc, resultType, x);
  return x;
}

Value numerics::buildRequantizeFloat(OpBuilder &b, Location loc, Value acc,
                                     Value m, int64_t zeroPoint,
                                     StorageRange range, IntegerType storage,
                                     bool tiesToEven) {
  Type f32 = withElement(acc.getType(), b.getF32Type());
  Value x = arith::SIToFPOp::create(b, loc, f32, acc);
  Value prod = arith::MulFOp::create(b, loc, x, m);
  Value r = tiesToEven ? math::RoundEvenOp::create(b, loc, prod).getResult()
                       : math::RoundOp::create(b, loc, prod).getResult();
  Value y = arith::AddFOp::create(b, loc, r,
                                  constant(b, loc, f32, double(zeroPoint)));
  return buildClampToStorage(b, loc, y, range, storage);
}

// The fixed-point mode, derived: M = s_acc / s_out is written as
// M = m * 2^(shift - 31) with m in [2^30, 2^31) (QuantizeMultiplier, see
// Numerics.h), so acc * M = (acc * 2^left) * m / 2^31 / 2^right with
// left = max(shift, 0), right = max(-shift, 0). The left shift saturates to
// i32; the product by m is gemmlowp's SaturatingRoundingDoublingHighMul
// (round to nearest, ties away from zero, of (x * m) / 2^31; m > 0 so the
// INT32_MIN * INT32_MIN overflow cannot occur); the division by 2^right is
// RoundingDivideByPOT (ties away from zero) or, with tiesToEven, its
// ties-to-even variant. Everything is exact in i64; from the high
// multiply on, in i32 when no right shift exceeds 30.
Value numerics::buildRequantizeFixedPoint(OpBuilder &b, Location loc, Value acc,
                                          Value multiplier, Value left,
                                          Value right, int64_t zeroPoint,
                                          StorageRange range,
                                          IntegerType storage, bool tiesToEven,
                                          int64_t maxRight) {
  Type i64 = withElement(acc.getType(), b.getI64Type());
  auto c = [&](int64_t v) { return intConstant(b, loc, i64, v); };
  Value x = arith::ExtSIOp::create(b, loc, i64, acc);
  // Saturating left shift.
  Value xl = arith::ShLIOp::create(b, loc, x, left);
  xl = arith::MaxSIOp::create(b, loc, xl, c(INT32_MIN));
  xl = arith::MinSIOp::create(b, loc, xl, c(INT32_MAX));
  // Saturating rounding doubling high multiply.
  Value ab = arith::MulIOp::create(b, loc, xl, multiplier);
  Value nonNeg =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, ab, c(0));
  Value nudge =
      arith::SelectOp::create(b, loc, nonNeg, c(1LL << 30), c(1 - (1LL << 30)));
  Value high64 = arith::DivSIOp::create(
      b, loc, arith::AddIOp::create(b, loc, ab, nudge), c(1LL << 31));
  // |high| < 2^31 (the multiplier is below 2^31): with right shifts below
  // 31 the rest runs in i32, half the width of i64 lanes in a vector
  // epilogue.
  bool narrow = maxRight <= 30;
  Type i32 = narrow ? withElement(acc.getType(), b.getI32Type()) : i64;
  auto c32 = [&](int64_t v) { return intConstant(b, loc, i32, v); };
  Value high = high64, shift = right;
  if (narrow) {
    high = arith::TruncIOp::create(b, loc, i32, high64);
    shift = arith::TruncIOp::create(b, loc, i32, right);
  }
  // Rounding right shift.
  Value pot = arith::ShLIOp::create(b, loc, c32(1), shift);
  Value mask = arith::SubIOp::create(b, loc, pot, c32(1));
  Value rem = arith::AndIOp::create(b, loc, high, mask);
  Value floor = arith::ShRSIOp::create(b, loc, high, shift);
  Value up;
  if (!tiesToEven) {
    Value neg =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, high, c32(0));
    Value threshold = arith::AddIOp::create(
        b, loc, arith::ShRSIOp::create(b, loc, mask, c32(1)),
        arith::ExtUIOp::create(b, loc, i32, neg));
    up = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, rem,
                               threshold);
  } else {
    Value half = arith::ShRSIOp::create(b, loc, pot, c32(1));
    Value above =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, rem, half);
    Value tie = arith::AndIOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rem, half),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, half, c32(0)));
    Value odd = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::ne,
        arith::AndIOp::create(b, loc, floor, c32(1)), c32(0));
    up = arith::OrIOp::create(b, loc, above,
                              arith::AndIOp::create(b, loc, tie, odd));
  }
  Value scaled = arith::AddIOp::create(b, loc, floor,
                                       arith::ExtUIOp::create(b, loc, i32, up));
  // clamp(scaled + zp, qmin, qmax) as clamp(scaled, qmin - zp, qmax - zp) +
  // zp: the same integers, with no i32 overflow in the addition.
  Value y = arith::MaxSIOp::create(b, loc, scaled, c32(range.qmin - zeroPoint));
  y = arith::MinSIOp::create(b, loc, y, c32(range.qmax - zeroPoint));
  y = arith::AddIOp::create(b, loc, y, c32(zeroPoint));
  if (storage.getWidth() == getElementTypeOrSelf(i32).getIntOrFloatBitWidth())
    return y;
  return arith::TruncIOp::create(b, loc, withElement(acc.getType(), storage),
                                 y);
}
