//===- Statistics.h - streaming per-tensor statistics -----------*- C++ -*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// What qlinalg-calibrate accumulates per tensor, batch by batch, in memory
// independent of the number of batches. Everything but the moving average is
// independent of batch order and of how the data was split, so tables from
// runs on different data merge into exactly the table of one run over all of
// it (the moving average merges by composition, equal to the sequential one
// up to f64 rounding).
//
//===----------------------------------------------------------------------===//

#ifndef QLINALG_CALIBRATION_STATISTICS_H
#define QLINALG_CALIBRATION_STATISTICS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace mlir::qlinalg {

/// A histogram on an absolute grid of power-of-two bin widths.
///
/// Bin j covers [j * 2^e, (j+1) * 2^e). The histogram keeps kNumBins
/// consecutive bins starting at `offset` = floor(min / 2^e), where `e` is the
/// smallest exponent for which every value fits (and bin indices stay below
/// 2^53). When data arrives outside the window, `e` grows and pairs of bins
/// merge exactly (bin j goes to j >> 1), so no count is ever split or lost.
/// The state is a function of the multiset of values alone: streaming,
/// one-shot and merged histograms are identical.
class Histogram {
public:
  static constexpr int64_t kNumBins = 4096;
  static constexpr int32_t kMinLog2Width = -160;

  bool empty() const { return total == 0; }
  uint64_t getTotal() const { return total; }
  int32_t getLog2Width() const { return log2Width; }
  int64_t getOffset() const { return offset; }
  double getBinWidth() const;
  /// Lower edge of the window's bin `i`.
  double getBinLow(int64_t i) const;
  llvm::ArrayRef<uint64_t> getCounts() const { return counts; }
  double getMin() const { return min; }
  double getMax() const { return max; }

  /// Adds finite values.
  void add(llvm::ArrayRef<float> values);
  /// Adds the counts of `other`.
  void merge(const Histogram &other);

  /// Rebuilds a histogram from its serialized parts; returns an error message
  /// when they are not in canonical form.
  static std::optional<Histogram>
  fromParts(int32_t log2Width, int64_t offset,
            llvm::ArrayRef<uint64_t> trimmedCounts, double min, double max,
            std::string &error);

  /// Value below which a fraction `p` (0..1) of the mass lies, interpolated
  /// linearly inside its bin and clamped to [min, max].
  double quantile(double p) const;

  bool operator==(const Histogram &other) const;

private:
  /// Smallest exponent, at least `atLeast`, at which [lo, hi] fits.
  static int32_t fittingLog2Width(double lo, double hi, int32_t atLeast);
  /// Moves the counts to width 2^e (e >= the current one), window at
  /// `newOffset`.
  void rebinTo(int32_t e, int64_t newOffset);
  /// Widens (never narrows) so that [lo, hi] fits, window starting at lo.
  void fit(double lo, double hi, int32_t atLeast);

  int32_t log2Width = kMinLog2Width;
  int64_t offset = 0;
  uint64_t total = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  std::vector<uint64_t> counts = std::vector<uint64_t>(kNumBins, 0);
};

/// Exponential moving average of per-batch min and max, as PyTorch's
/// MovingAverageMinMaxObserver: the first batch sets it, later batches move it
/// by `constant * (x - average)`. `sumMin`/`sumMax` hold the same average
/// started from zero, which is what merging needs:
/// after A then B, average = (1-c)^nB * average_A + sum_B.
struct MovingAverage {
  static constexpr double kDefaultConstant = 0.01;
  double constant = kDefaultConstant;
  uint64_t batches = 0;
  double min = 0.0, max = 0.0;
  double sumMin = 0.0, sumMax = 0.0;

  void update(double batchMin, double batchMax);
  /// Appends `next`'s batches after this one's.
  void merge(const MovingAverage &next);
};

/// Min and max of every slice along `axis`.
struct PerChannelRange {
  int64_t axis = -1;
  llvm::SmallVector<double> min, max;
};

/// Streaming statistics of one tensor, accumulated batch by batch.
struct TensorStatistics {
  uint64_t count = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  MovingAverage movingAverage;
  Histogram histogram;
  /// Present when a channel axis was asked for (weights, or named by the
  /// user).
  std::optional<PerChannelRange> perChannel;
  /// Explicit parameters imported from another tool; they win.
  std::optional<double> scale;
  std::optional<int64_t> zeroPoint;

  /// Adds a batch of values (C order, of `shape`; the shape matters only for
  /// per-channel ranges). Returns the index of the first non-finite value
  /// (NaN or Inf), leaving the statistics untouched, or std::nullopt.
  std::optional<size_t> accumulate(llvm::ArrayRef<float> values,
                                   llvm::ArrayRef<int64_t> shape = {});
  /// Asks for per-channel ranges along `axis` (before the first batch).
  void trackChannels(int64_t axis);
  /// Combines the statistics of another run (its batches after ours).
  /// Returns an error message when the two cannot be combined.
  std::optional<std::string> merge(const TensorStatistics &other);
  bool hasRange() const { return count > 0; }
};

} // namespace mlir::qlinalg

#endif // QLINALG_CALIBRATION_STATISTICS_H
