//===- CheckEstimators.h - what the fuzz targets ask of estimators -*- C++
//-*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QLINALG_TEST_FUZZ_CHECKESTIMATORS_H
#define QLINALG_TEST_FUZZ_CHECKESTIMATORS_H

#include "qlinalg/Calibration/Estimators.h"

#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdlib>

namespace mlir::qlinalg::fuzz {

/// Runs every estimator under both schemes on `stats` (the searching ones,
/// MSE and entropy, only when `searching`): each ends with an ordered,
/// finite range (inside [min, max] for all but the moving average, when
/// `inside`) or a message. Aborts, naming `what`, otherwise.
inline void checkEstimators(const TensorStatistics &stats, bool searching,
                            bool inside, llvm::StringRef what) {
  for (Estimator estimator :
       {Estimator::MinMax, Estimator::MovingAverage, Estimator::Percentile,
        Estimator::MSE, Estimator::Entropy}) {
    if (!searching &&
        (estimator == Estimator::MSE || estimator == Estimator::Entropy))
      continue;
    for (bool symmetric : {false, true}) {
      EstimatorOptions options;
      options.symmetric = symmetric;
      std::string error;
      std::optional<std::pair<double, double>> range =
          estimateRange(stats, estimator, options, error);
      if (!range)
        continue;
      auto [lo, hi] = *range;
      bool ordered = lo <= hi && std::isfinite(lo) && std::isfinite(hi);
      bool within = !inside || estimator == Estimator::MovingAverage ||
                    (lo >= stats.min && hi <= stats.max);
      if (!ordered || !within) {
        llvm::errs() << what << ": " << getEstimatorName(estimator)
                     << (symmetric ? " (symmetric)" : "") << " gave [" << lo
                     << ", " << hi << "] for [" << stats.min << ", "
                     << stats.max << "]\n";
        std::abort();
      }
    }
  }
}

} // namespace mlir::qlinalg::fuzz

#endif // QLINALG_TEST_FUZZ_CHECKESTIMATORS_H
