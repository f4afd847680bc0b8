//===- NumericsTest.cpp - unit tests of the numerics library --------------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Expected values are computed by hand from the definitions (DESIGN.md), not
// by calling the functions under test.
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Numerics/Numerics.h"

#include "gtest/gtest.h"

#include <cmath>
#include <limits>

using namespace mlir::qlinalg::numerics;

namespace {

const StorageRange kI8 = signedRange(8);
const StorageRange kU8 = unsignedRange(8);

TEST(StorageRangeTest, Widths) {
  EXPECT_EQ(kI8.qmin, -128);
  EXPECT_EQ(kI8.qmax, 127);
  EXPECT_EQ(signedRange(8, /*narrow=*/true).qmin, -127);
  EXPECT_EQ(signedRange(4).qmin, -8);
  EXPECT_EQ(signedRange(4, true).qmin, -7);
  EXPECT_EQ(signedRange(2, true).qmax, 1);
  EXPECT_EQ(kU8.qmax, 255);
  EXPECT_EQ(signedRange(32).qmin, std::numeric_limits<int32_t>::min());
}

TEST(ChooseAsymmetricTest, AllZeroRangeIsExact) {
  QuantParams p = chooseAsymmetric(0.0f, 0.0f, kI8);
  EXPECT_EQ(p.scale, 1.0f);
  EXPECT_EQ(p.zeroPoint, -128);
  // Zero maps to the zero point and back to exactly zero.
  EXPECT_EQ(quantize(0.0f, p.scale, p.zeroPoint, kI8), -128);
  EXPECT_EQ(dequantize(-128, p.scale, p.zeroPoint), 0.0f);
}

TEST(ChooseAsymmetricTest, AllPositiveRangeIsWidenedToZero) {
  QuantParams p = chooseAsymmetric(0.5f, 2.0f, kI8);
  EXPECT_EQ(p.scale, 2.0f / 255.0f);
  EXPECT_EQ(p.zeroPoint, -128);
}

TEST(ChooseAsymmetricTest, AllNegativeRangeIsWidenedToZero) {
  QuantParams p = chooseAsymmetric(-3.0f, -1.0f, kI8);
  EXPECT_EQ(p.scale, 3.0f / 255.0f);
  // zp = -128 - round(-3 / (3/255)) = -128 + 255 = 127.
  EXPECT_EQ(p.zeroPoint, 127);
}

TEST(ChooseAsymmetricTest, MixedRangeMatchesPyTorchQuint8) {
  // PyTorch MinMaxObserver, quint8: scale = 3/255, zp = 0 - round(-85) = 85.
  QuantParams p = chooseAsymmetric(-1.0f, 2.0f, kU8);
  EXPECT_EQ(p.scale, 3.0f / 255.0f);
  EXPECT_EQ(p.zeroPoint, 85);
}

TEST(ChooseAsymmetricTest, ZeroPointUsesF32Division) {
  // -1 / f32(2/255) is 127.49999 in f32 and rounds to 127: zp = -1.
  QuantParams p = chooseAsymmetric(-1.0f, 1.0f, kI8);
  EXPECT_EQ(p.scale, 2.0f / 255.0f);
  EXPECT_EQ(p.zeroPoint, -1);
}

TEST(ChooseAsymmetricTest, TinyRangeIsClampedToEpsilon) {
  QuantParams p = chooseAsymmetric(0.0f, 1e-9f, kI8);
  EXPECT_EQ(p.scale, kMinScale);
  EXPECT_EQ(p.zeroPoint, -128);
  QuantParams q = chooseAsymmetric(-1e-30f, 1e-30f, kI8);
  EXPECT_EQ(q.scale, kMinScale);
  EXPECT_EQ(q.zeroPoint, -128);
}

TEST(ChooseSymmetricTest, Ranges) {
  EXPECT_EQ(chooseSymmetric(0.0f, 0.0f, 8).scale, 1.0f);
  QuantParams p = chooseSymmetric(-2.0f, 1.0f, 8);
  EXPECT_EQ(p.scale, 2.0f / 127.0f);
  EXPECT_EQ(p.zeroPoint, 0);
  EXPECT_EQ(chooseSymmetric(-0.5f, 3.5f, 4).scale, 3.5f / 7.0f);
}

TEST(QuantizeTest, TiesRoundHalfToEven) {
  EXPECT_EQ(quantize(0.5f, 1.0f, 0, kI8), 0);
  EXPECT_EQ(quantize(1.5f, 1.0f, 0, kI8), 2);
  EXPECT_EQ(quantize(2.5f, 1.0f, 0, kI8), 2);
  EXPECT_EQ(quantize(-0.5f, 1.0f, 0, kI8), 0);
  EXPECT_EQ(quantize(-1.5f, 1.0f, 0, kI8), -2);
  EXPECT_EQ(quantize(-2.5f, 1.0f, 0, kI8), -2);
}

TEST(QuantizeTest, SaturatesAndMapsNaNToQmin) {
  EXPECT_EQ(quantize(1000.0f, 0.1f, 3, kI8), 127);
  EXPECT_EQ(quantize(-1000.0f, 0.1f, 3, kI8), -128);
  EXPECT_EQ(quantize(std::numeric_limits<float>::infinity(), 1.0f, 0, kI8),
            127);
  EXPECT_EQ(quantize(std::nanf(""), 1.0f, 0, kI8), -128);
  EXPECT_EQ(quantize(3.0e9f, 1.0f, 0, signedRange(32)), 2147483520);
}

TEST(QuantizeTest, DividesInF32) {
  // 0.35f / 0.1f is 3.5000002 in f32 (3.4999999999999996 in f64): it rounds
  // to 4, plus zp 1.
  EXPECT_EQ(quantize(0.35f, 0.1f, 1, kI8), 5);
}

TEST(DequantizeTest, Affine) {
  EXPECT_EQ(dequantize(10, 0.5f, 4), 3.0f);
  EXPECT_EQ(dequantize(-128, 0.25f, -128), 0.0f);
}

TEST(QuantizeBiasTest, RoundsInF64AndSaturates) {
  EXPECT_EQ(quantizeBias(0.5f, 0.25), 2);
  EXPECT_EQ(quantizeBias(0.375f, 0.25), 2); // 1.5 -> 2
  EXPECT_EQ(quantizeBias(0.625f, 0.25), 2); // 2.5 -> 2
  EXPECT_EQ(quantizeBias(1e10f, 1e-3), std::numeric_limits<int32_t>::max());
  EXPECT_EQ(quantizeBias(-1e10f, 1e-3), std::numeric_limits<int32_t>::min());
}

TEST(QuantizeMultiplierTest, AcrossMagnitudes) {
  auto q = [](double m) { return *quantizeMultiplier(m); };
  EXPECT_EQ(q(0.0).multiplier, 0);
  EXPECT_EQ(q(0.5).multiplier, 1 << 30);
  EXPECT_EQ(q(0.5).shift, 0);
  EXPECT_EQ(q(0.25).multiplier, 1 << 30);
  EXPECT_EQ(q(0.25).shift, -1);
  EXPECT_EQ(q(1.0).multiplier, 1 << 30);
  EXPECT_EQ(q(1.0).shift, 1);
  EXPECT_EQ(q(3.0).multiplier, 1610612736); // 0.75 * 2^31
  EXPECT_EQ(q(3.0).shift, 2);
  // 0.3 = 0.6 * 2^-1; round(0.6 * 2^31) = 1288490189.
  EXPECT_EQ(q(0.3).multiplier, 1288490189);
  EXPECT_EQ(q(0.3).shift, -1);
  // Rounding carries into the next power of two.
  EXPECT_EQ(q(1.0 - std::ldexp(1.0, -40)).multiplier, 1 << 30);
  EXPECT_EQ(q(1.0 - std::ldexp(1.0, -40)).shift, 1);
  // Below 2^-32 everything is shifted out: flushed to zero.
  EXPECT_EQ(q(std::ldexp(1.0, -40)).multiplier, 0);
  EXPECT_EQ(q(std::ldexp(1.0, -40)).shift, 0);
  EXPECT_FALSE(quantizeMultiplier(-1.0));
  EXPECT_FALSE(quantizeMultiplier(std::ldexp(1.0, 31)));
  EXPECT_FALSE(quantizeMultiplier(std::nan("")));
}

TEST(FixedPointTest, DoublingHighMul) {
  const int32_t kMin = std::numeric_limits<int32_t>::min();
  EXPECT_EQ(saturatingRoundingDoublingHighMul(kMin, kMin),
            std::numeric_limits<int32_t>::max());
  // 2^30 * 2^30 * 2 / 2^32 = 2^29.
  EXPECT_EQ(saturatingRoundingDoublingHighMul(1 << 30, 1 << 30), 1 << 29);
  // 3 * 2^30 / 2^31 = 1.5 -> 2; -1.5 -> -1 (gemmlowp rounds half up).
  EXPECT_EQ(saturatingRoundingDoublingHighMul(3, 1 << 30), 2);
  EXPECT_EQ(saturatingRoundingDoublingHighMul(-3, 1 << 30), -1);
  EXPECT_EQ(saturatingRoundingDoublingHighMul(-1, 1 << 30), 0);
}

TEST(FixedPointTest, RoundingDivideByPOTTies) {
  // Half away from zero (gemmlowp).
  EXPECT_EQ(roundingDivideByPOT(3, 1, false), 2);
  EXPECT_EQ(roundingDivideByPOT(5, 1, false), 3);
  EXPECT_EQ(roundingDivideByPOT(-3, 1, false), -2);
  EXPECT_EQ(roundingDivideByPOT(-5, 1, false), -3);
  EXPECT_EQ(roundingDivideByPOT(-4, 1, false), -2);
  // Half to even.
  EXPECT_EQ(roundingDivideByPOT(3, 1, true), 2);
  EXPECT_EQ(roundingDivideByPOT(5, 1, true), 2);
  EXPECT_EQ(roundingDivideByPOT(-3, 1, true), -2);
  EXPECT_EQ(roundingDivideByPOT(-5, 1, true), -2);
  // Not a tie.
  EXPECT_EQ(roundingDivideByPOT(7, 2, true), 2);
  EXPECT_EQ(roundingDivideByPOT(-7, 2, false), -2);
  EXPECT_EQ(roundingDivideByPOT(9, 0, false), 9);
}

TEST(RequantizeTest, FixedPointMatchesRealMultiplierAwayFromTies) {
  FixedPointMultiplier m = *quantizeMultiplier(0.1);
  // 1234 * 0.1 = 123.4 -> 123, plus zp 5.
  EXPECT_EQ(requantizeFixedPoint(1234, m, 5, kI8, false), 127);
  EXPECT_EQ(requantizeFixedPoint(1000, m, 5, kI8, false), 105);
  EXPECT_EQ(requantizeFixedPoint(-1000, m, 5, kI8, false), -95);
  EXPECT_EQ(requantizeFixedPoint(-100000, m, 0, kI8, false), -128);
}

TEST(RequantizeTest, FloatMode) {
  // 95 * f32(0.3) = 28.500002 -> 29 (the multiplier is rounded to f32).
  EXPECT_EQ(requantizeFloat(95, 0.3f, 0, kI8, true), 29);
  // The multiplier is divided in f32 from f32 scales (ONNX): for these
  // scales the f64 quotient rounds to a different f32.
  double sa = 0.09357217f, sb = 0.0817695f, so = 0.0012711115f;
  float onnx =
      static_cast<float>(static_cast<float>(sa * sb) / static_cast<float>(so));
  EXPECT_EQ(getFloatMultiplier(sa * sb, so), onnx);
  EXPECT_NE(static_cast<float>(sa * sb / so), onnx);
  EXPECT_EQ(requantizeFloat(5, 0.5f, 0, kI8, true), 2);  // 2.5 -> 2
  EXPECT_EQ(requantizeFloat(5, 0.5f, 0, kI8, false), 3); // 2.5 -> 3
  EXPECT_EQ(requantizeFloat(-5, 0.5f, 0, kI8, false), -3);
  EXPECT_EQ(requantizeFloat(1000, 1.0f, -3, kI8, true), 127);
}

TEST(ElementwiseTest, AddMatchesTheReference) {
  // python/qlinalg qadd on the same numbers (TFLite's reference Add).
  AddMultipliers m = getAddMultipliers(0.0392f, 0.0171f, 0.0443f);
  EXPECT_EQ(m.lhs, 0.5);
  FixedPointMultiplier lhs = *quantizeMultiplier(m.lhs);
  FixedPointMultiplier rhs = *quantizeMultiplier(m.rhs);
  FixedPointMultiplier out = *quantizeMultiplier(m.out);
  EXPECT_EQ(lhs.multiplier, 1073741824);
  EXPECT_EQ(lhs.shift, 0);
  EXPECT_EQ(rhs.multiplier, 1873569978);
  EXPECT_EQ(rhs.shift, -2);
  EXPECT_EQ(out.multiplier, 1900256386);
  EXPECT_EQ(out.shift, -19);
  const int a[] = {-128, -1, 0, 37, 127}, b[] = {127, 3, -128, -50, 127};
  const int expected[] = {-65, -1, -50, 12, 127};
  float ma = getFloatMultiplier(0.0392f, 0.0443f);
  float mb = getFloatMultiplier(0.0171f, 0.0443f);
  for (int i = 0; i < 5; ++i) {
    for (bool even : {false, true}) {
      EXPECT_EQ(addFixedPoint(a[i] + 5, b[i] - 9, lhs, rhs, out, -2, kI8, even),
                expected[i]);
      EXPECT_EQ(addFloat(a[i] + 5, b[i] - 9, ma, mb, -2, kI8, even),
                expected[i]);
    }
  }
  // Ties: 1 * 0.5 + 0 * 0.5 = 0.5 rounds to 1 away from zero, 0 to even.
  EXPECT_EQ(addFloat(1, 0, 0.5f, 0.5f, 0, kI8, false), 1);
  EXPECT_EQ(addFloat(1, 0, 0.5f, 0.5f, 0, kI8, true), 0);
}

TEST(ElementwiseTest, MulMultiplierFromF32Scales) {
  // sa * sb / so with each scale rounded to f32 first.
  double m = getMulMultiplier(0.1, 0.2, 0.3);
  EXPECT_EQ(m, double(0.1f) * double(0.2f) / double(0.3f));
}

} // namespace
