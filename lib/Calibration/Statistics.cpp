//===- Statistics.cpp - streaming per-tensor statistics -------------------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Calibration/Statistics.h"

#include <algorithm>
#include <cassert>
#include <cmath>

using namespace mlir::qlinalg;

//===----------------------------------------------------------------------===//
// Histogram
//===----------------------------------------------------------------------===//

/// floor(x / 2^e), exact: scaling by a power of two is exact in f64 for the
/// exponents the window allows, and |result| < 2^53.
static int64_t binIndex(double x, int32_t e) {
  return static_cast<int64_t>(std::floor(std::ldexp(x, -e)));
}

double Histogram::getBinWidth() const { return std::ldexp(1.0, log2Width); }

double Histogram::getBinLow(int64_t i) const {
  return std::ldexp(static_cast<double>(offset + i), log2Width);
}

int32_t Histogram::fittingLog2Width(double lo, double hi, int32_t atLeast) {
  int32_t e = std::max(atLeast, kMinLog2Width);
  double magnitude = std::max(std::fabs(lo), std::fabs(hi));
  if (magnitude > 0.0)
    e = std::max(e, std::ilogb(magnitude) - 52);
  while (binIndex(hi, e) - binIndex(lo, e) + 1 > kNumBins)
    ++e;
  return e;
}

/// floor(v / 2^shift) for any shift >= 0: `>>` is undefined from 64 on, and
/// every int64 is then in [-2^63, 2^63), so the quotient is 0 or -1.
static int64_t floorShift(int64_t v, int32_t shift) {
  if (shift >= 63)
    return v < 0 ? -1 : 0;
  return v >> shift;
}

void Histogram::rebinTo(int32_t e, int64_t newOffset) {
  assert(e >= log2Width && "re-binning only widens bins");
  if (e == log2Width && newOffset == offset)
    return;
  std::vector<uint64_t> rebinned(kNumBins, 0);
  int32_t shift = e - log2Width;
  for (int64_t i = 0; i < kNumBins; ++i) {
    if (!counts[i])
      continue;
    // Absolute bin offset + i at the old width, floor-divided.
    int64_t j = floorShift(offset + i, shift) - newOffset;
    assert(j >= 0 && j < kNumBins && "re-binned count outside the window");
    rebinned[j] += counts[i];
  }
  counts = std::move(rebinned);
  log2Width = e;
  offset = newOffset;
}

void Histogram::fit(double lo, double hi, int32_t atLeast) {
  int32_t e = fittingLog2Width(
      lo, hi, empty() ? atLeast : std::max(atLeast, log2Width));
  if (empty()) {
    log2Width = e;
    offset = binIndex(lo, e);
  } else {
    rebinTo(e, binIndex(lo, e));
  }
}

void Histogram::add(llvm::ArrayRef<float> values) {
  if (values.empty())
    return;
  auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  min = std::min(min, static_cast<double>(*lo));
  max = std::max(max, static_cast<double>(*hi));
  fit(min, max, kMinLog2Width);
  for (float v : values)
    ++counts[binIndex(v, log2Width) - offset];
  total += values.size();
}

void Histogram::merge(const Histogram &other) {
  if (other.empty())
    return;
  min = std::min(min, other.min);
  max = std::max(max, other.max);
  fit(min, max, other.log2Width);
  Histogram aligned = other;
  aligned.rebinTo(log2Width, offset);
  for (int64_t i = 0; i < kNumBins; ++i)
    counts[i] += aligned.counts[i];
  total += other.total;
}

std::optional<Histogram>
Histogram::fromParts(int32_t log2Width, int64_t offset,
                     llvm::ArrayRef<uint64_t> trimmedCounts, double min,
                     double max, std::string &error) {
  Histogram h;
  if (static_cast<int64_t>(trimmedCounts.size()) > kNumBins) {
    error = "histogram has more than " + std::to_string(kNumBins) + " bins";
    return std::nullopt;
  }
  for (uint64_t c : trimmedCounts)
    h.total += c;
  if (h.total == 0) {
    error = "histogram has no mass";
    return std::nullopt;
  }
  if (!(min <= max) || !std::isfinite(min) || !std::isfinite(max)) {
    error = "histogram range is invalid";
    return std::nullopt;
  }
  if (log2Width != fittingLog2Width(min, max, kMinLog2Width) ||
      offset != binIndex(min, log2Width) ||
      static_cast<int64_t>(trimmedCounts.size()) !=
          binIndex(max, log2Width) - offset + 1 ||
      trimmedCounts.front() == 0 || trimmedCounts.back() == 0) {
    error = "histogram is not in canonical form for its min and max";
    return std::nullopt;
  }
  h.log2Width = log2Width;
  h.offset = offset;
  h.min = min;
  h.max = max;
  std::copy(trimmedCounts.begin(), trimmedCounts.end(), h.counts.begin());
  return h;
}

double Histogram::quantile(double p) const {
  assert(!empty() && "quantile of an empty histogram");
  double target = std::clamp(p, 0.0, 1.0) * static_cast<double>(total);
  double width = getBinWidth();
  double cumulative = 0.0;
  for (int64_t i = 0; i < kNumBins; ++i) {
    if (!counts[i])
      continue;
    double next = cumulative + static_cast<double>(counts[i]);
    if (next >= target) {
      double fraction = (target - cumulative) / static_cast<double>(counts[i]);
      return std::clamp(getBinLow(i) + fraction * width, min, max);
    }
    cumulative = next;
  }
  return max;
}

bool Histogram::operator==(const Histogram &other) const {
  return total == other.total && log2Width == other.log2Width &&
         offset == other.offset && min == other.min && max == other.max &&
         counts == other.counts;
}

//===----------------------------------------------------------------------===//
// MovingAverage
//===----------------------------------------------------------------------===//

void MovingAverage::update(double batchMin, double batchMax) {
  if (batches == 0) {
    min = batchMin;
    max = batchMax;
  } else {
    min += constant * (batchMin - min);
    max += constant * (batchMax - max);
  }
  sumMin = (1.0 - constant) * sumMin + constant * batchMin;
  sumMax = (1.0 - constant) * sumMax + constant * batchMax;
  ++batches;
}

void MovingAverage::merge(const MovingAverage &next) {
  if (next.batches == 0)
    return;
  if (batches == 0) {
    *this = next;
    return;
  }
  double decay = std::pow(1.0 - constant, static_cast<double>(next.batches));
  min = decay * min + next.sumMin;
  max = decay * max + next.sumMax;
  sumMin = decay * sumMin + next.sumMin;
  sumMax = decay * sumMax + next.sumMax;
  batches += next.batches;
}

//===----------------------------------------------------------------------===//
// TensorStatistics
//===----------------------------------------------------------------------===//

void TensorStatistics::trackChannels(int64_t axis) {
  perChannel = PerChannelRange();
  perChannel->axis = axis;
}

std::optional<size_t>
TensorStatistics::accumulate(llvm::ArrayRef<float> values,
                             llvm::ArrayRef<int64_t> shape) {
  float lo = std::numeric_limits<float>::infinity();
  float hi = -std::numeric_limits<float>::infinity();
  for (size_t i = 0, e = values.size(); i < e; ++i) {
    float v = values[i];
    if (!std::isfinite(v))
      return i;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (values.empty())
    return std::nullopt;
  count += values.size();
  min = std::min(min, static_cast<double>(lo));
  max = std::max(max, static_cast<double>(hi));
  movingAverage.update(lo, hi);
  histogram.add(values);
  if (perChannel && perChannel->axis >= 0 &&
      perChannel->axis < static_cast<int64_t>(shape.size())) {
    int64_t axis = perChannel->axis;
    int64_t channels = shape[axis];
    int64_t inner = 1;
    for (size_t d = axis + 1; d < shape.size(); ++d)
      inner *= shape[d];
    if (perChannel->min.empty()) {
      perChannel->min.assign(channels, std::numeric_limits<double>::infinity());
      perChannel->max.assign(channels,
                             -std::numeric_limits<double>::infinity());
    }
    if (static_cast<int64_t>(perChannel->min.size()) == channels) {
      for (size_t i = 0, e = values.size(); i < e; ++i) {
        int64_t c = (static_cast<int64_t>(i) / inner) % channels;
        perChannel->min[c] = std::min(perChannel->min[c], double(values[i]));
        perChannel->max[c] = std::max(perChannel->max[c], double(values[i]));
      }
    }
  }
  return std::nullopt;
}

std::optional<std::string>
TensorStatistics::merge(const TensorStatistics &other) {
  if (scale || other.scale)
    return std::string("explicit scale/zero_point entries cannot be merged");
  if (perChannel.has_value() != other.perChannel.has_value() ||
      (perChannel &&
       (perChannel->axis != other.perChannel->axis ||
        (!perChannel->min.empty() && !other.perChannel->min.empty() &&
         perChannel->min.size() != other.perChannel->min.size()))))
    return std::string("per-channel statistics differ in axis or size");
  if (movingAverage.constant != other.movingAverage.constant)
    return std::string("moving averages use different constants");
  if (hasRange() && other.hasRange() &&
      histogram.empty() != other.histogram.empty())
    return std::string("one table has a histogram for it and the other does "
                       "not");
  count += other.count;
  min = std::min(min, other.min);
  max = std::max(max, other.max);
  movingAverage.merge(other.movingAverage);
  histogram.merge(other.histogram);
  if (perChannel && !other.perChannel->min.empty()) {
    if (perChannel->min.empty()) {
      perChannel->min = other.perChannel->min;
      perChannel->max = other.perChannel->max;
    } else {
      for (size_t c = 0; c < perChannel->min.size(); ++c) {
        perChannel->min[c] =
            std::min(perChannel->min[c], other.perChannel->min[c]);
        perChannel->max[c] =
            std::max(perChannel->max[c], other.perChannel->max[c]);
      }
    }
  }
  return std::nullopt;
}
