//===- Estimators.h - range estimators over calibration stats ---*- C++ -*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// An estimator turns a tensor's statistics into the real range [min, max] to
// quantize; the scheme (numerics::chooseAsymmetric / chooseSymmetric) then
// turns the range into scale and zero point. Estimators run at
// --qlinalg-quantize time, so trying another one needs no new calibration.
//
//===----------------------------------------------------------------------===//

#ifndef QLINALG_CALIBRATION_ESTIMATORS_H
#define QLINALG_CALIBRATION_ESTIMATORS_H

#include "qlinalg/Calibration/Statistics.h"
#include "qlinalg/Numerics/Numerics.h"

#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace mlir::qlinalg {

enum class Estimator {
  /// The observed min and max.
  MinMax,
  /// The moving average of per-batch min and max (PyTorch's
  /// MovingAverageMinMaxObserver, constant 0.01).
  MovingAverage,
  /// The (100 - coverage)% and coverage% quantiles: each side clips
  /// (100 - coverage)% of the values.
  Percentile,
  /// The range with the least expected squared quantization error over the
  /// histogram, rounding (step^2 / 12 inside) and clipping error included:
  /// exhaustive over thresholds for symmetric schemes, a greedy two-sided
  /// shrink (PyTorch HistogramObserver's search) for asymmetric ones.
  MSE,
  /// The symmetric threshold minimizing the KL divergence between the
  /// histogram of |x| and its quantized version (TensorRT's entropy
  /// calibration), intersected with [min, max].
  Entropy,
};

/// "minmax", "moving-average", "percentile", "mse", "entropy".
std::optional<Estimator> parseEstimator(llvm::StringRef name);
llvm::StringRef getEstimatorName(Estimator estimator);

/// What an estimator needs to know of the quantization that follows.
struct EstimatorOptions {
  /// Percentile coverage in percent, in [50, 100].
  double coverage = 99.99;
  /// Symmetric scheme (zero point 0, narrow range) or asymmetric.
  bool symmetric = false;
  unsigned bits = 8;
};

/// The real range picked by `estimator`, or an error message (for instance
/// when the statistics lack the histogram the estimator needs). A zero range
/// is returned as is; the scheme maps it to scale 1.0.
std::optional<std::pair<double, double>>
estimateRange(const TensorStatistics &stats, Estimator estimator,
              const EstimatorOptions &options, std::string &error);

/// Quantization parameters for `stats` under `estimator` and the scheme in
/// `options`, with `range` the storage range (narrow when symmetric).
std::optional<numerics::QuantParams>
estimateParams(const TensorStatistics &stats, Estimator estimator,
               const EstimatorOptions &options, numerics::StorageRange range,
               std::string &error);

/// Expected squared quantization error of the histogram's values under
/// `params` (each bin at its centre; step^2/12 inside the representable
/// range, squared distance to it outside). Exposed for tests and reports.
double expectedSquaredError(const Histogram &histogram,
                            numerics::QuantParams params,
                            numerics::StorageRange range);

} // namespace mlir::qlinalg

#endif // QLINALG_CALIBRATION_ESTIMATORS_H
