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
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/TypeUtilities.h"

#include <limits>

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

DynamicParams numerics::buildDynamicParams(OpBuilder &b, Location loc, Value lo,
                                           Value hi, StorageRange range) {
  Type f32 = lo.getType();
  Value qmin = constant(b, loc, f32, double(range.qmin));
  Value qmax = constant(b, loc, f32, double(range.qmax));
  Value width = arith::SubFOp::create(b, loc, hi, lo);
  Value scale = arith::DivFOp::create(
      b, loc, width, constant(b, loc, f32, double(range.qmax - range.qmin)));
  Value allZero =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, hi, lo);
  scale = arith::SelectOp::create(b, loc, allZero, constant(b, loc, f32, 1.0),
                                  scale);
  Value zp = arith::SubFOp::create(b, loc, qmin,
                                   arith::DivFOp::create(b, loc, lo, scale));
  // maxnumf first: a NaN range gives qmin, as buildClampToStorage does.
  zp = arith::MinNumFOp::create(
      b, loc, arith::MaxNumFOp::create(b, loc, zp, qmin), qmax);
  return {scale, math::RoundEvenOp::create(b, loc, zp)};
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

Value numerics::buildDequantize(OpBuilder &b, Location loc, Value q,
                                float scale, int64_t zeroPoint, bool isSigned,
                                Type resultElement) {
  Type like = q.getType();
  return buildDequantize(
      b, loc, q, constant(b, loc, withElement(like, b.getF32Type()), scale),
      intConstant(b, loc, withElement(like, b.getI32Type()), zeroPoint),
      isSigned, withElement(like, resultElement));
}

/// round(f32(acc) * m), half to even or half away from zero: the float
/// requantization before its zero point and clamp.
static Value buildRoundedProduct(OpBuilder &b, Location loc, Value acc, Value m,
                                 bool tiesToEven) {
  Type f32 = withElement(acc.getType(), b.getF32Type());
  Value x = arith::SIToFPOp::create(b, loc, f32, acc);
  Value prod = arith::MulFOp::create(b, loc, x, m);
  return tiesToEven ? math::RoundEvenOp::create(b, loc, prod).getResult()
                    : math::RoundOp::create(b, loc, prod).getResult();
}

Value numerics::buildRequantizeFloat(OpBuilder &b, Location loc, Value acc,
                                     Value m, int64_t zeroPoint,
                                     StorageRange range, IntegerType storage,
                                     bool tiesToEven) {
  Value r = buildRoundedProduct(b, loc, acc, m, tiesToEven);
  Value y = arith::AddFOp::create(
      b, loc, r, constant(b, loc, r.getType(), double(zeroPoint)));
  return buildClampToStorage(b, loc, y, range, storage);
}

Value numerics::buildRequantizeFloatDequantized(
    OpBuilder &b, Location loc, Value acc, Value m, int64_t zeroPoint,
    StorageRange range, bool tiesToEven, float scale, Type resultElement) {
  Value r = buildRoundedProduct(b, loc, acc, m, tiesToEven);
  Type f32 = r.getType();
  r = arith::MaxNumFOp::create(
      b, loc, r, constant(b, loc, f32, double(range.qmin - zeroPoint)));
  r = arith::MinNumFOp::create(
      b, loc, r, constant(b, loc, f32, double(range.qmax - zeroPoint)));
  r = arith::AddFOp::create(b, loc, r, constant(b, loc, f32, 0.0));
  Value y =
      arith::MulFOp::create(b, loc, r, constant(b, loc, f32, double(scale)));
  Type resultType = withElement(f32, resultElement);
  if (resultType != f32)
    y = arith::TruncFOp::create(b, loc, resultType, y);
  return y;
}

numerics::FixedPointConstants
numerics::getFixedPointConstants(int32_t multiplier, int shift,
                                 bool tiesToEven) {
  FixedPointConstants c;
  c.multiplier = multiplier;
  c.left = std::max(shift, 0);
  c.right = std::max(-shift, 0);
  c.mask = (int64_t(1) << c.right) - 1;
  c.threshold =
      tiesToEven ? (c.right ? int64_t(1) << (c.right - 1) : 1) : c.mask >> 1;
  return c;
}

// The fixed-point mode, derived: M = s_acc / s_out is written as
// M = m * 2^(shift - 31) with m in [0, 2^31) (quantizeMultiplier, see
// Numerics.h), so acc * M = (acc * 2^left) * m / 2^31 / 2^right with
// left = max(shift, 0), right = max(-shift, 0).
//  - The left shift saturates to i32.
//  - The product by m is gemmlowp's SaturatingRoundingDoublingHighMul:
//    with ab = x * m in i64, trunc((ab + nudge) / 2^31), nudge 2^30 for
//    ab >= 0 and 1 - 2^30 below. For ab >= 0 that is floor((ab + 2^30) /
//    2^31); for ab < 0 the numerator is negative, so trunc is ceil, and
//    ceil((ab + 1 - 2^30) / 2^31) = floor((ab + 1 - 2^30 + 2^31 - 1) / 2^31)
//    = floor((ab + 2^30) / 2^31) again: one add and one arithmetic shift,
//    (ab + 2^30) >> 31, for either sign. m >= 0 rules out the INT32_MIN *
//    INT32_MIN saturation, and |result| < 2^31 fits i32.
//  - The division by 2^right is RoundingDivideByPOT (ties away from zero:
//    floor + (remainder > (mask >> 1) + (x < 0))) or, with tiesToEven, its
//    ties-to-even variant; mask and threshold come precomputed.
/// (x * m + 2^30) >> 31 per lane of the i32 vectors `x` and `m` (an even
/// number of lanes): the even and odd lanes, each sign-extended in place in
/// an i64 lane, multiply as i64 (vpmuldq takes exactly such operands), and
/// the two halves of results interleave back into i32 lanes. The same
/// integers as extending every lane to i64, with half the multiplies and no
/// 64-bit lane multiply. (The lane pairs assume a little-endian target, as
/// every qlinalg target is.)
static Value buildHighMultiplyPairs(OpBuilder &b, Location loc, Value x,
                                    Value m) {
  auto type = cast<VectorType>(x.getType());
  int64_t lanes = type.getDimSize(0);
  auto pairs = VectorType::get({lanes / 2}, b.getI64Type());
  auto c = [&](int64_t v) { return intConstant(b, loc, pairs, v); };
  auto even = [&](Value v) -> Value {
    v = vector::BitCastOp::create(b, loc, pairs, v);
    return arith::ShRSIOp::create(
        b, loc, arith::ShLIOp::create(b, loc, v, c(32)), c(32));
  };
  auto odd = [&](Value v) -> Value {
    return arith::ShRSIOp::create(
        b, loc, vector::BitCastOp::create(b, loc, pairs, v), c(32));
  };
  auto rounded = [&](Value a, Value bb) -> Value {
    return arith::AddIOp::create(b, loc, arith::MulIOp::create(b, loc, a, bb),
                                 c(1LL << 30));
  };
  // Even lanes: the result in each pair's low half; odd lanes: in the high
  // half (shifted up by one instead of down by 31).
  Value e = arith::ShRSIOp::create(b, loc, rounded(even(x), even(m)), c(31));
  Value o = arith::ShLIOp::create(b, loc, rounded(odd(x), odd(m)), c(1));
  e = vector::BitCastOp::create(b, loc, type, e);
  o = vector::BitCastOp::create(b, loc, type, o);
  SmallVector<int64_t> mask;
  for (int64_t i = 0; i < lanes; ++i)
    mask.push_back(i % 2 ? lanes + i : i);
  return vector::ShuffleOp::create(b, loc, e, o, mask);
}

Value numerics::buildRequantizeFixedPoint(OpBuilder &b, Location loc, Value acc,
                                          const FixedPointOperands &p,
                                          int64_t zeroPoint, StorageRange range,
                                          IntegerType storage, bool tiesToEven,
                                          int64_t maxRight, bool boundedAcc) {
  Type i64 = withElement(acc.getType(), b.getI64Type());
  auto c = [&](int64_t v) { return intConstant(b, loc, i64, v); };
  auto ext = [&](Value v) -> Value {
    return arith::ExtSIOp::create(b, loc, i64, v);
  };
  bool narrow = maxRight <= 30;
  Type i32 = narrow ? withElement(acc.getType(), b.getI32Type()) : i64;
  auto c32 = [&](int64_t v) { return intConstant(b, loc, i32, v); };
  auto operand = [&](Value v) { return narrow ? v : ext(v); };
  Value high;
  auto vector = dyn_cast<VectorType>(acc.getType());
  if (!p.left && narrow && vector && vector.getRank() == 1 &&
      vector.getDimSize(0) % 2 == 0) {
    high = buildHighMultiplyPairs(b, loc, acc, p.multiplier);
  } else {
    Value x = ext(acc);
    if (p.left) {
      // Saturating left shift.
      x = arith::ShLIOp::create(b, loc, x, ext(p.left));
      x = arith::MaxSIOp::create(b, loc, x, c(INT32_MIN));
      x = arith::MinSIOp::create(b, loc, x, c(INT32_MAX));
    }
    // Saturating rounding doubling high multiply.
    Value ab = arith::MulIOp::create(b, loc, x, ext(p.multiplier));
    high = arith::ShRSIOp::create(
        b, loc, arith::AddIOp::create(b, loc, ab, c(1LL << 30)), c(31));
    // Rounding right shift, in i32 unless a shift of 31 needs the i64 lanes.
    if (narrow)
      high = arith::TruncIOp::create(b, loc, i32, high);
  }
  Value shift = operand(p.right), mask = operand(p.mask),
        threshold = operand(p.threshold);
  if (boundedAcc && narrow && !tiesToEven) {
    // Round half away from zero, right >= 1: floor((x + 2^(r-1)) / 2^r)
    // for x >= 0 and floor((x + 2^(r-1) - 1) / 2^r) below, i.e.
    // (x + (mask >> 1) + (x >= 0)) >> r. |x| <= |acc| + 1 (the multiplier
    // is below 2^31), so with |acc| < 2^31 - 2^30 the sum stays in i32.
    Value neg = arith::ShRUIOp::create(b, loc, high, c32(31));
    Value up = arith::SubIOp::create(
        b, loc, arith::AddIOp::create(b, loc, threshold, c32(1)), neg);
    Value sum = arith::AddIOp::create(b, loc, high, up);
    Value scaled = arith::ShRSIOp::create(b, loc, sum, shift);
    Value y =
        arith::MaxSIOp::create(b, loc, scaled, c32(range.qmin - zeroPoint));
    y = arith::MinSIOp::create(b, loc, y, c32(range.qmax - zeroPoint));
    y = arith::AddIOp::create(b, loc, y, c32(zeroPoint));
    if (storage.getWidth() == 32)
      return y;
    return arith::TruncIOp::create(b, loc, withElement(acc.getType(), storage),
                                   y);
  }
  Value rem = arith::AndIOp::create(b, loc, high, mask);
  Value floor = arith::ShRSIOp::create(b, loc, high, shift);
  Value up;
  if (!tiesToEven) {
    // (x < 0) as the sign bit, shifted down.
    unsigned bits = getElementTypeOrSelf(i32).getIntOrFloatBitWidth();
    Value neg = arith::ShRUIOp::create(b, loc, high, c32(bits - 1));
    up = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, rem,
                               arith::AddIOp::create(b, loc, threshold, neg));
  } else {
    // Above half, or exactly half with an odd floor (the threshold of a
    // zero shift, 1, is above every remainder, 0).
    Value above = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, rem,
                                        threshold);
    Value tie =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, rem, threshold);
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

Value numerics::buildCentered(OpBuilder &b, Location loc, Value q,
                              int64_t zeroPoint, bool isSigned) {
  Type i32 = withElement(q.getType(), b.getI32Type());
  if (q.getType() != i32)
    q = isSigned ? arith::ExtSIOp::create(b, loc, i32, q).getResult()
                 : arith::ExtUIOp::create(b, loc, i32, q).getResult();
  return arith::SubIOp::create(b, loc, q, intConstant(b, loc, i32, zeroPoint));
}

Value numerics::buildAddFixedPoint(OpBuilder &b, Location loc, Value x, Value y,
                                   const FixedPointOperands &lhs,
                                   const FixedPointOperands &rhs,
                                   const FixedPointOperands &out,
                                   int64_t zeroPoint, StorageRange range,
                                   IntegerType storage, bool tiesToEven,
                                   int64_t maxRight) {
  Type i32 = x.getType();
  auto i32Type = cast<IntegerType>(getElementTypeOrSelf(i32));
  // |x| <= 255 * 2^20 < 2^31: the shifts and the sum stay in i32.
  StorageRange whole{std::numeric_limits<int32_t>::min(),
                     std::numeric_limits<int32_t>::max()};
  auto scaled = [&](Value v, const FixedPointOperands &m) {
    v = arith::ShLIOp::create(b, loc, v,
                              intConstant(b, loc, i32, kAddLeftShift));
    return buildRequantizeFixedPoint(b, loc, v, m, 0, whole, i32Type,
                                     tiesToEven, maxRight);
  };
  Value sum = arith::AddIOp::create(b, loc, scaled(x, lhs), scaled(y, rhs));
  return buildRequantizeFixedPoint(b, loc, sum, out, zeroPoint, range, storage,
                                   tiesToEven, maxRight);
}

Value numerics::buildAddFloat(OpBuilder &b, Location loc, Value x, Value y,
                              Value mx, Value my, int64_t zeroPoint,
                              StorageRange range, IntegerType storage,
                              bool tiesToEven) {
  Type f32 = withElement(x.getType(), b.getF32Type());
  Value px = arith::MulFOp::create(b, loc,
                                   arith::SIToFPOp::create(b, loc, f32, x), mx);
  Value py = arith::MulFOp::create(b, loc,
                                   arith::SIToFPOp::create(b, loc, f32, y), my);
  Value sum = arith::AddFOp::create(b, loc, px, py);
  Value r = tiesToEven ? math::RoundEvenOp::create(b, loc, sum).getResult()
                       : math::RoundOp::create(b, loc, sum).getResult();
  Value shifted = arith::AddFOp::create(
      b, loc, r, constant(b, loc, f32, double(zeroPoint)));
  return buildClampToStorage(b, loc, shifted, range, storage);
}

Value numerics::buildRoundingDivide(OpBuilder &b, Location loc, Value acc,
                                    int64_t count, IntegerType storage) {
  Type i32 = acc.getType();
  auto c = [&](int64_t v) { return intConstant(b, loc, i32, v); };
  Value positive =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, acc, c(0));
  Value half =
      arith::SelectOp::create(b, loc, positive, c(count / 2), c(-(count / 2)));
  Value q = arith::DivSIOp::create(
      b, loc, arith::AddIOp::create(b, loc, acc, half), c(count));
  if (storage.getWidth() == getElementTypeOrSelf(i32).getIntOrFloatBitWidth())
    return q;
  return arith::TruncIOp::create(b, loc, withElement(i32, storage), q);
}
