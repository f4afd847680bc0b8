//===- Numerics.h - scale, zero point, rounding, multipliers ----*- C++ -*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The one home of qlinalg's quantization arithmetic. Every pass that chooses
// parameters or folds integer constants calls these functions, the lowering
// emits IR that computes exactly the same thing, and python/qlinalg/numerics.py
// mirrors them bit for bit. Float arithmetic is done in f32 where the kernels
// do it in f32 (parameter choice agrees with PyTorch's MinMaxObserver, which
// computes in f32), and in f64 where it happens once at compile time
// (multipliers, bias).
//
//===----------------------------------------------------------------------===//

#ifndef QLINALG_NUMERICS_NUMERICS_H
#define QLINALG_NUMERICS_NUMERICS_H

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace mlir::qlinalg::numerics {

/// Smallest scale produced from a non-zero range: f32 machine epsilon, as
/// PyTorch's observers.
inline constexpr float kMinScale = 1.1920928955078125e-07f;

/// Scale and zero point of an affine map `real = scale * (q - zeroPoint)`.
struct QuantParams {
  float scale = 1.0f;
  int64_t zeroPoint = 0;
};

/// Integer range of a storage type.
struct StorageRange {
  int64_t qmin;
  int64_t qmax;
};

/// Range of a signed integer of `bits` bits; with `narrow`, the symmetric
/// restricted range [-(2^(b-1)-1), 2^(b-1)-1].
StorageRange signedRange(unsigned bits, bool narrow = false);
/// Range of an unsigned integer of `bits` bits.
StorageRange unsignedRange(unsigned bits);

/// The f32 interval used to clamp before converting to the storage integer:
/// the largest floats inside [qmin, qmax] (exact for up to 24-bit storage).
std::pair<float, float> getFloatBounds(StorageRange range);

/// Round half to even (IEEE roundTiesToEven), for f32 and f64.
float roundHalfToEven(float x);
double roundHalfToEven(double x);
/// Round half away from zero.
float roundHalfAwayFromZero(float x);

/// Asymmetric parameters for the real range [rmin, rmax]: the range is widened
/// to contain 0, `scale = (rmax - rmin) / (qmax - qmin)` (at least kMinScale),
/// `zp = clamp(qmin - roundeven(rmin / scale), qmin, qmax)`, all in f32. A
/// zero range gives scale 1.0 so that an all-zero tensor stays exact.
/// Requires finite rmin <= rmax.
QuantParams chooseAsymmetric(float rmin, float rmax, StorageRange range);

/// Symmetric parameters: zero point 0 and `scale = max(|rmin|, |rmax|) /
/// (2^(bits-1) - 1)`, meant for the narrow range of signedRange(bits, true).
QuantParams chooseSymmetric(float rmin, float rmax, unsigned bits);

/// `p` with its scale rounded up to the next power of two (so that the range
/// stays covered) and, when asymmetric, the zero point recomputed for it from
/// the range's lower end `rmin`.
QuantParams toPowerOfTwoScale(QuantParams p, float rmin, StorageRange range,
                              bool symmetric);

/// `clamp(roundeven(x / scale) + zp, qmin, qmax)` in f32; NaN gives qmin.
int64_t quantize(float x, float scale, int64_t zeroPoint, StorageRange range);
/// `scale * (q - zp)` in f32.
float dequantize(int64_t q, float scale, int64_t zeroPoint);

/// Bias to the i32 accumulator: `clamp(roundeven(bias / accScale))` in f64,
/// where accScale = f64(sa) * f64(sb).
int32_t quantizeBias(float bias, double accScale);

/// A real multiplier M as `multiplier * 2^(shift - 31)` with a Q31 multiplier
/// in [2^30, 2^31) (or 0): TFLite's QuantizeMultiplier, bit for bit.
struct FixedPointMultiplier {
  int32_t multiplier = 0;
  int32_t shift = 0;
};

/// Largest left shift a fixed-point multiplier may carry (M < 2^30).
inline constexpr int32_t kMaxMultiplierShift = 30;

/// TFLite's QuantizeMultiplier. Returns std::nullopt for M < 0, non-finite M,
/// or M too large (shift above kMaxMultiplierShift).
std::optional<FixedPointMultiplier> quantizeMultiplier(double m);

/// gemmlowp's SaturatingRoundingDoublingHighMul.
int32_t saturatingRoundingDoublingHighMul(int32_t a, int32_t b);

/// Rounding arithmetic right shift by `exponent` (0..31): gemmlowp's
/// RoundingDivideByPOT (ties away from zero) or ties to even.
int32_t roundingDivideByPOT(int32_t x, int32_t exponent, bool tiesToEven);

/// TFLite's MultiplyByQuantizedMultiplier, with the left shift saturating and
/// the final shift's tie rule selectable.
int32_t multiplyByQuantizedMultiplier(int32_t x, FixedPointMultiplier m,
                                      bool tiesToEven);

/// Requantize one accumulator value in fixed-point mode.
int64_t requantizeFixedPoint(int32_t acc, FixedPointMultiplier m,
                             int64_t outZeroPoint, StorageRange range,
                             bool tiesToEven);
/// The float-mode multiplier from the accumulator and output scales,
/// computed as ONNX's reference and ONNX Runtime do from f32 scales:
/// `f32(accScale) / f32(outScale)`, divided in f32. (accScale = sa * sb of
/// two f32 scales is exact in double, so f32(accScale) is the f32 product.)
float getFloatMultiplier(double accScale, double outScale);

/// Requantize one accumulator value in float mode: `f32(acc) * f32(M)`,
/// rounded, plus the zero point, clamped.
int64_t requantizeFloat(int32_t acc, float m, int64_t outZeroPoint,
                        StorageRange range, bool tiesToEven);

/// The elementwise addition of two quantized tensors, as TFLite's reference
/// kernels compute it in fixed point: each input, minus its zero point, is
/// shifted left by kAddLeftShift bits, scaled by its `lhs` or `rhs`
/// multiplier to a common scale (twice the larger input scale), and the sum
/// is scaled by `out` to the output. The multipliers are computed in double
/// from the f32 scales, as TFLite does.
inline constexpr int32_t kAddLeftShift = 20;
struct AddMultipliers {
  double lhs, rhs, out;
};
AddMultipliers getAddMultipliers(double lhsScale, double rhsScale,
                                 double outScale);

/// The multiplier of the elementwise product of two quantized tensors,
/// sa * sb / so, in double from the f32 scales.
double getMulMultiplier(double lhsScale, double rhsScale, double outScale);

/// One element of that addition in fixed point: `a` and `b` are the inputs
/// minus their zero points.
int64_t addFixedPoint(int32_t a, int32_t b, FixedPointMultiplier lhs,
                      FixedPointMultiplier rhs, FixedPointMultiplier out,
                      int64_t outZeroPoint, StorageRange range,
                      bool tiesToEven);

/// The same in float mode (ONNX Runtime's QLinearAdd): round(f32(a) * ma +
/// f32(b) * mb) + zp, clamped, with ma = f32(sa) / f32(so) and mb likewise
/// (getFloatMultiplier), each product and the sum rounded to f32.
int64_t addFloat(int32_t a, int32_t b, float ma, float mb, int64_t outZeroPoint,
                 StorageRange range, bool tiesToEven);

/// acc / count rounded to nearest, ties away from zero, as TFLite's int8
/// average pooling divides a window's sum: (acc + count / 2) / count for
/// acc > 0, (acc - count / 2) / count otherwise, in truncating division.
int64_t roundingDivide(int64_t acc, int64_t count);

} // namespace mlir::qlinalg::numerics

#endif // QLINALG_NUMERICS_NUMERICS_H
