//===- Numerics.cpp - scale, zero point, rounding, multipliers ------------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Numerics/Numerics.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

using namespace mlir::qlinalg::numerics;

StorageRange mlir::qlinalg::numerics::signedRange(unsigned bits, bool narrow) {
  assert(bits >= 2 && bits <= 32 && "unsupported bit width");
  int64_t half = int64_t(1) << (bits - 1);
  return {narrow ? -(half - 1) : -half, half - 1};
}

StorageRange mlir::qlinalg::numerics::unsignedRange(unsigned bits) {
  assert(bits >= 1 && bits <= 32 && "unsupported bit width");
  return {0, (int64_t(1) << bits) - 1};
}

float mlir::qlinalg::numerics::roundHalfToEven(float x) {
  return std::nearbyint(x);
}
double mlir::qlinalg::numerics::roundHalfToEven(double x) {
  return std::nearbyint(x);
}
float mlir::qlinalg::numerics::roundHalfAwayFromZero(float x) {
  return std::round(x);
}

static int64_t clampTo(int64_t v, StorageRange range) {
  return std::clamp(v, range.qmin, range.qmax);
}

/// qmin - shifted, clamped to the range: `shifted` = round(rmin / scale) is
/// beyond int64 for a scale of ±3e38 rounded to a power of two, so it is
/// clamped in f64 before any conversion (exact wherever it is not clamped).
static int64_t zeroPointFor(float shifted, StorageRange range) {
  double z = static_cast<double>(range.qmin) - static_cast<double>(shifted);
  z = std::fmin(std::fmax(z, static_cast<double>(range.qmin)),
                static_cast<double>(range.qmax));
  return static_cast<int64_t>(z);
}

std::pair<float, float>
mlir::qlinalg::numerics::getFloatBounds(StorageRange range) {
  float lo = static_cast<float>(range.qmin);
  float hi = static_cast<float>(range.qmax);
  if (static_cast<double>(lo) < static_cast<double>(range.qmin))
    lo = std::nextafter(lo, 0.0f);
  if (static_cast<double>(hi) > static_cast<double>(range.qmax))
    hi = std::nextafter(hi, 0.0f);
  return {lo, hi};
}

/// Clamp in f32 with fmax/fmin (NaN gives the lower bound) and convert.
static int64_t clampToInt(float r, StorageRange range) {
  auto [lo, hi] = getFloatBounds(range);
  r = std::fmin(std::fmax(r, lo), hi);
  return static_cast<int64_t>(r);
}

QuantParams mlir::qlinalg::numerics::chooseAsymmetric(float rmin, float rmax,
                                                      StorageRange range) {
  assert(std::isfinite(rmin) && std::isfinite(rmax) && rmin <= rmax &&
         "range must be finite and ordered");
  rmin = std::min(rmin, 0.0f);
  rmax = std::max(rmax, 0.0f);
  QuantParams p;
  if (rmin == rmax) {
    p.scale = 1.0f;
  } else {
    float span = rmax - rmin;
    p.scale =
        std::max(span / static_cast<float>(range.qmax - range.qmin), kMinScale);
  }
  p.zeroPoint = zeroPointFor(roundHalfToEven(rmin / p.scale), range);
  return p;
}

QuantParams mlir::qlinalg::numerics::chooseSymmetric(float rmin, float rmax,
                                                     unsigned bits) {
  assert(std::isfinite(rmin) && std::isfinite(rmax) && rmin <= rmax &&
         "range must be finite and ordered");
  float amax = std::max(std::fabs(rmin), std::fabs(rmax));
  QuantParams p;
  p.zeroPoint = 0;
  if (amax == 0.0f)
    p.scale = 1.0f;
  else
    p.scale = std::max(
        amax / static_cast<float>(signedRange(bits, /*narrow=*/true).qmax),
        kMinScale);
  return p;
}

QuantParams mlir::qlinalg::numerics::toPowerOfTwoScale(QuantParams p,
                                                       float rmin,
                                                       StorageRange range,
                                                       bool symmetric) {
  // A scale that is already infinite (a range as wide as f32's) stays so:
  // the caller rejects it. frexp leaves the exponent unspecified for it.
  if (!std::isfinite(p.scale))
    return p;
  int exponent = 0;
  float mantissa = std::frexp(p.scale, &exponent);
  // scale = mantissa * 2^exponent with mantissa in [0.5, 1).
  p.scale = mantissa == 0.5f ? p.scale : std::ldexp(1.0f, exponent);
  if (!symmetric) {
    p.zeroPoint =
        zeroPointFor(roundHalfToEven(std::min(rmin, 0.0f) / p.scale), range);
  }
  return p;
}

int64_t mlir::qlinalg::numerics::quantize(float x, float scale,
                                          int64_t zeroPoint,
                                          StorageRange range) {
  float r = roundHalfToEven(x / scale) + static_cast<float>(zeroPoint);
  return clampToInt(r, range);
}

float mlir::qlinalg::numerics::dequantize(int64_t q, float scale,
                                          int64_t zeroPoint) {
  return static_cast<float>(static_cast<int32_t>(q - zeroPoint)) * scale;
}

int32_t mlir::qlinalg::numerics::quantizeBias(float bias, double accScale) {
  double q = roundHalfToEven(static_cast<double>(bias) / accScale);
  q = std::clamp(q, double(std::numeric_limits<int32_t>::min()),
                 double(std::numeric_limits<int32_t>::max()));
  return static_cast<int32_t>(q);
}

std::optional<FixedPointMultiplier>
mlir::qlinalg::numerics::quantizeMultiplier(double m) {
  if (!std::isfinite(m) || m < 0.0)
    return std::nullopt;
  FixedPointMultiplier r;
  if (m == 0.0)
    return r;
  int shift = 0;
  double q = std::frexp(m, &shift);
  auto qFixed = static_cast<int64_t>(std::round(q * double(int64_t(1) << 31)));
  assert(qFixed <= (int64_t(1) << 31));
  if (qFixed == (int64_t(1) << 31)) {
    qFixed /= 2;
    ++shift;
  }
  if (shift > kMaxMultiplierShift)
    return std::nullopt;
  // Shifts below -31 shift every bit out: flush to zero, as TFLite does.
  if (shift < -31) {
    shift = 0;
    qFixed = 0;
  }
  r.multiplier = static_cast<int32_t>(qFixed);
  r.shift = shift;
  return r;
}

int32_t mlir::qlinalg::numerics::saturatingRoundingDoublingHighMul(int32_t a,
                                                                   int32_t b) {
  if (a == b && a == std::numeric_limits<int32_t>::min())
    return std::numeric_limits<int32_t>::max();
  int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  int64_t nudge = ab >= 0 ? (int64_t(1) << 30) : (1 - (int64_t(1) << 30));
  // C++ integer division truncates toward zero, as gemmlowp relies on.
  return static_cast<int32_t>((ab + nudge) / (int64_t(1) << 31));
}

int32_t mlir::qlinalg::numerics::roundingDivideByPOT(int32_t x,
                                                     int32_t exponent,
                                                     bool tiesToEven) {
  assert(exponent >= 0 && exponent <= 31 && "shift out of range");
  if (exponent == 0)
    return x;
  int64_t mask = (int64_t(1) << exponent) - 1;
  int64_t rem = static_cast<int64_t>(x) & mask;
  int64_t floor = static_cast<int64_t>(x) >> exponent;
  if (!tiesToEven) {
    int64_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return static_cast<int32_t>(floor + (rem > threshold ? 1 : 0));
  }
  int64_t half = int64_t(1) << (exponent - 1);
  bool up = rem > half || (rem == half && (floor & 1));
  return static_cast<int32_t>(floor + (up ? 1 : 0));
}

int32_t mlir::qlinalg::numerics::multiplyByQuantizedMultiplier(
    int32_t x, FixedPointMultiplier m, bool tiesToEven) {
  int32_t left = std::max(m.shift, 0);
  int32_t right = std::max(-m.shift, 0);
  int64_t shifted = static_cast<int64_t>(x) * (int64_t(1) << left);
  shifted = std::clamp<int64_t>(shifted, std::numeric_limits<int32_t>::min(),
                                std::numeric_limits<int32_t>::max());
  int32_t high = saturatingRoundingDoublingHighMul(
      static_cast<int32_t>(shifted), m.multiplier);
  return roundingDivideByPOT(high, right, tiesToEven);
}

int64_t mlir::qlinalg::numerics::requantizeFixedPoint(int32_t acc,
                                                      FixedPointMultiplier m,
                                                      int64_t outZeroPoint,
                                                      StorageRange range,
                                                      bool tiesToEven) {
  int64_t scaled = multiplyByQuantizedMultiplier(acc, m, tiesToEven);
  return clampTo(scaled + outZeroPoint, range);
}

float mlir::qlinalg::numerics::getFloatMultiplier(double accScale,
                                                  double outScale) {
  float acc = static_cast<float>(accScale);
  float out = static_cast<float>(outScale);
  return acc / out;
}

int64_t mlir::qlinalg::numerics::requantizeFloat(int32_t acc, float m,
                                                 int64_t outZeroPoint,
                                                 StorageRange range,
                                                 bool tiesToEven) {
  float product = static_cast<float>(acc) * m;
  float rounded =
      tiesToEven ? roundHalfToEven(product) : roundHalfAwayFromZero(product);
  return clampToInt(rounded + static_cast<float>(outZeroPoint), range);
}

mlir::qlinalg::numerics::AddMultipliers
mlir::qlinalg::numerics::getAddMultipliers(double lhsScale, double rhsScale,
                                           double outScale) {
  // TFLite's PrepareGeneralSubOp/Add: doubles from the f32 scales.
  double a = static_cast<float>(lhsScale), b = static_cast<float>(rhsScale);
  double o = static_cast<float>(outScale);
  double twiceMax = 2.0 * std::max(a, b);
  return {a / twiceMax, b / twiceMax,
          twiceMax / (double(int64_t(1) << kAddLeftShift) * o)};
}

double mlir::qlinalg::numerics::getMulMultiplier(double lhsScale,
                                                 double rhsScale,
                                                 double outScale) {
  double a = static_cast<float>(lhsScale), b = static_cast<float>(rhsScale);
  return a * b / static_cast<float>(outScale);
}

int64_t mlir::qlinalg::numerics::addFixedPoint(
    int32_t a, int32_t b, FixedPointMultiplier lhs, FixedPointMultiplier rhs,
    FixedPointMultiplier out, int64_t outZeroPoint, StorageRange range,
    bool tiesToEven) {
  int32_t sa =
      multiplyByQuantizedMultiplier(a * (1 << kAddLeftShift), lhs, tiesToEven);
  int32_t sb =
      multiplyByQuantizedMultiplier(b * (1 << kAddLeftShift), rhs, tiesToEven);
  return requantizeFixedPoint(sa + sb, out, outZeroPoint, range, tiesToEven);
}

int64_t mlir::qlinalg::numerics::addFloat(int32_t a, int32_t b, float ma,
                                          float mb, int64_t outZeroPoint,
                                          StorageRange range, bool tiesToEven) {
  // Separate statements: no contraction into a fused multiply-add.
  float pa = static_cast<float>(a) * ma;
  float pb = static_cast<float>(b) * mb;
  float sum = pa + pb;
  float rounded =
      tiesToEven ? roundHalfToEven(sum) : roundHalfAwayFromZero(sum);
  return clampToInt(rounded + static_cast<float>(outZeroPoint), range);
}

int64_t mlir::qlinalg::numerics::roundingDivide(int64_t acc, int64_t count) {
  return acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
}
