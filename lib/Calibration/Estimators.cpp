//===- Estimators.cpp - range estimators over calibration stats -----------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Calibration/Estimators.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>
#include <vector>

using namespace mlir::qlinalg;
using numerics::QuantParams;
using numerics::StorageRange;

std::optional<Estimator> mlir::qlinalg::parseEstimator(llvm::StringRef name) {
  for (Estimator e :
       {Estimator::MinMax, Estimator::MovingAverage, Estimator::Percentile,
        Estimator::MSE, Estimator::Entropy})
    if (getEstimatorName(e) == name)
      return e;
  return std::nullopt;
}

llvm::StringRef mlir::qlinalg::getEstimatorName(Estimator estimator) {
  switch (estimator) {
  case Estimator::MinMax:
    return "minmax";
  case Estimator::MovingAverage:
    return "moving-average";
  case Estimator::Percentile:
    return "percentile";
  case Estimator::MSE:
    return "mse";
  case Estimator::Entropy:
    return "entropy";
  }
  llvm_unreachable("unknown estimator");
}

/// Parameters of the scheme for a real range.
static QuantParams schemeParams(double lo, double hi,
                                const EstimatorOptions &options,
                                StorageRange range) {
  auto flo = static_cast<float>(lo), fhi = static_cast<float>(hi);
  if (options.symmetric)
    return numerics::chooseSymmetric(flo, fhi, options.bits);
  return numerics::chooseAsymmetric(flo, fhi, range);
}

double mlir::qlinalg::expectedSquaredError(const Histogram &histogram,
                                           QuantParams params,
                                           StorageRange range) {
  double s = params.scale;
  double lo = s * static_cast<double>(range.qmin - params.zeroPoint);
  double hi = s * static_cast<double>(range.qmax - params.zeroPoint);
  double width = histogram.getBinWidth();
  double rounding = s * s / 12.0;
  double error = 0.0;
  llvm::ArrayRef<uint64_t> counts = histogram.getCounts();
  for (int64_t i = 0, e = counts.size(); i < e; ++i) {
    if (!counts[i])
      continue;
    double centre = histogram.getBinLow(i) + 0.5 * width;
    double d = centre < lo ? centre - lo : centre > hi ? centre - hi : 0.0;
    error += static_cast<double>(counts[i]) * (d != 0.0 ? d * d : rounding);
  }
  return error / static_cast<double>(histogram.getTotal());
}

/// Counts of |x| on at most `maxBins` bins: bin i covers [i*w', (i+1)*w')
/// with w' = w * 2^d, the smallest power-of-two multiple of the histogram's
/// width for which max|x| fits. The grid is aligned at zero, so folding the
/// negative bins and coarsening are exact (up to which side a value lying
/// exactly on an edge falls). Returns the counts and w'.
static std::pair<std::vector<double>, double> foldAbsolute(const Histogram &h,
                                                           int64_t maxBins) {
  llvm::ArrayRef<uint64_t> counts = h.getCounts();
  int64_t first = h.getOffset();
  int64_t last = first + static_cast<int64_t>(counts.size()) - 1;
  int64_t span = std::max(std::abs(first), std::abs(last)) + 1;
  int shift = 0;
  while ((span >> shift) + 1 > maxBins)
    ++shift;
  std::vector<double> folded((span >> shift) + 1, 0.0);
  for (int64_t i = 0, e = counts.size(); i < e; ++i) {
    if (!counts[i])
      continue;
    int64_t j = first + i;
    folded[(j >= 0 ? j : -j - 1) >> shift] += static_cast<double>(counts[i]);
  }
  while (folded.size() > 1 && folded.back() == 0.0)
    folded.pop_back();
  return {folded, std::ldexp(h.getBinWidth(), shift)};
}

/// KL(p || q) over bins where p > 0; q is smoothed so that it has no zero
/// where p has mass (TensorRT's calibrator does the same).
static double klDivergence(const std::vector<double> &p,
                           std::vector<double> q) {
  const double eps = 1e-4;
  size_t zeros = std::count(q.begin(), q.end(), 0.0);
  size_t nonZeros = q.size() - zeros;
  if (nonZeros == 0)
    return std::numeric_limits<double>::infinity();
  double taken = eps * static_cast<double>(zeros) / nonZeros;
  double pSum = 0.0, qSum = 0.0;
  for (size_t i = 0; i < q.size(); ++i) {
    q[i] = q[i] == 0.0 ? eps : q[i] - taken;
    pSum += p[i];
    qSum += q[i];
  }
  double kl = 0.0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == 0.0)
      continue;
    double pi = p[i] / pSum, qi = std::max(q[i], eps * 1e-3) / qSum;
    kl += pi * std::log(pi / qi);
  }
  return kl;
}

/// TensorRT's entropy calibration on the folded histogram: the threshold
/// (in bins) whose clipped distribution loses the least information when
/// quantized to `levels` levels.
static double entropyThreshold(const Histogram &h, unsigned bits) {
  // TensorRT works on 2048 bins of |x|; Histogram::kNumBins of them here.
  auto [folded, width] = foldAbsolute(h, Histogram::kNumBins);
  int64_t n = folded.size();
  auto levels = static_cast<int64_t>(1) << (bits - 1);
  if (n <= levels)
    return static_cast<double>(n) * width;
  double best = std::numeric_limits<double>::infinity();
  int64_t bestBins = n;
  std::vector<double> suffix(n + 1, 0.0);
  for (int64_t i = n - 1; i >= 0; --i)
    suffix[i] = suffix[i + 1] + folded[i];
  // A threshold below every value clips all of them: its KL is infinite.
  int64_t firstNonEmpty = 0;
  while (folded[firstNonEmpty] == 0.0)
    ++firstNonEmpty;
  for (int64_t i = std::max(levels, firstNonEmpty + 1); i <= n; ++i) {
    // Reference: the first i bins, the clipped mass added to the last one.
    std::vector<double> p(folded.begin(), folded.begin() + i);
    p[i - 1] += suffix[i];
    // Candidate: the first i bins merged into `levels` groups, then spread
    // back evenly over each group's non-empty bins.
    std::vector<double> q(i, 0.0);
    int64_t merged = i / levels;
    for (int64_t g = 0; g < levels; ++g) {
      int64_t start = g * merged;
      int64_t stop = g == levels - 1 ? i : start + merged;
      double sum = 0.0;
      int64_t nonEmpty = 0;
      for (int64_t j = start; j < stop; ++j) {
        sum += folded[j];
        nonEmpty += folded[j] != 0.0;
      }
      if (nonEmpty == 0)
        continue;
      for (int64_t j = start; j < stop; ++j)
        if (folded[j] != 0.0)
          q[j] = sum / static_cast<double>(nonEmpty);
    }
    double kl = klDivergence(p, q);
    if (kl < best) {
      best = kl;
      bestBins = i;
    }
  }
  return (static_cast<double>(bestBins) + 0.5) * width;
}

/// The range minimizing expectedSquaredError: thresholds over the folded
/// bin edges for symmetric schemes; a greedy two-sided shrink of
/// [min, max] (PyTorch HistogramObserver's search) for asymmetric ones.
static std::pair<double, double> mseRange(const Histogram &h,
                                          const EstimatorOptions &options,
                                          StorageRange range) {
  double lo = h.getMin(), hi = h.getMax();
  auto cost = [&](double a, double b) {
    return expectedSquaredError(h, schemeParams(a, b, options, range), range);
  };
  double bestLo = lo, bestHi = hi, best = cost(lo, hi);
  if (options.symmetric) {
    double amax = std::max(std::fabs(lo), std::fabs(hi));
    const int steps = 1024;
    for (int k = steps - 1; k >= 1; --k) {
      double t = amax * k / steps;
      double c = cost(-t, t);
      if (c < best) {
        best = c;
        bestLo = std::max(lo, -t);
        bestHi = std::min(hi, t);
      }
    }
    return {bestLo, bestHi};
  }
  // Whole steps, counted: for a range tiny and far from zero, a + step can
  // round back to a, and a loop on b - a > step would never end.
  const int steps = 1024;
  double step = (hi - lo) / steps;
  int low = 0, high = 0;
  auto at = [&](int l, int h) {
    return std::make_pair(lo + l * step, hi - h * step);
  };
  while (step > 0.0 && low + high < steps - 1) {
    auto [a, b] = at(low, high);
    double shrinkLow = a < 0.0 ? cost(at(low + 1, high).first, b)
                               : std::numeric_limits<double>::infinity();
    double shrinkHigh = b > 0.0 ? cost(a, at(low, high + 1).second)
                                : std::numeric_limits<double>::infinity();
    if (std::isinf(shrinkLow) && std::isinf(shrinkHigh))
      break;
    if (shrinkLow <= shrinkHigh)
      ++low;
    else
      ++high;
    double c = std::min(shrinkLow, shrinkHigh);
    if (c < best) {
      best = c;
      std::tie(bestLo, bestHi) = at(low, high);
    }
  }
  return {bestLo, bestHi};
}

std::optional<std::pair<double, double>>
mlir::qlinalg::estimateRange(const TensorStatistics &stats, Estimator estimator,
                             const EstimatorOptions &options,
                             std::string &error) {
  if (!stats.hasRange()) {
    error = "has no statistics (count 0)";
    return std::nullopt;
  }
  if (stats.min == stats.max)
    return std::make_pair(stats.min, stats.max);
  bool needsHistogram = estimator == Estimator::Percentile ||
                        estimator == Estimator::MSE ||
                        estimator == Estimator::Entropy;
  if (needsHistogram && stats.histogram.empty()) {
    error = "has no histogram, which estimator=" +
            getEstimatorName(estimator).str() +
            " needs (recalibrate with qlinalg-calibrate)";
    return std::nullopt;
  }
  const Histogram &h = stats.histogram;
  switch (estimator) {
  case Estimator::MinMax:
    return std::make_pair(stats.min, stats.max);
  case Estimator::MovingAverage:
    return std::make_pair(stats.movingAverage.min, stats.movingAverage.max);
  case Estimator::Percentile: {
    if (!(options.coverage >= 50.0 && options.coverage <= 100.0)) {
      error = "coverage must be in [50, 100] (each side keeps that share)";
      return std::nullopt;
    }
    double tail = 1.0 - options.coverage / 100.0;
    return std::make_pair(h.quantile(tail), h.quantile(1.0 - tail));
  }
  case Estimator::MSE: {
    StorageRange range = options.symmetric
                             ? numerics::signedRange(options.bits, true)
                             : numerics::signedRange(options.bits);
    return mseRange(h, options, range);
  }
  case Estimator::Entropy: {
    double t = entropyThreshold(h, options.bits);
    return std::make_pair(std::max(stats.min, -t), std::min(stats.max, t));
  }
  }
  llvm_unreachable("unknown estimator");
}

std::optional<QuantParams> mlir::qlinalg::estimateParams(
    const TensorStatistics &stats, Estimator estimator,
    const EstimatorOptions &options, StorageRange range, std::string &error) {
  std::optional<std::pair<double, double>> r =
      estimateRange(stats, estimator, options, error);
  if (!r)
    return std::nullopt;
  return schemeParams(r->first, r->second, options, range);
}
