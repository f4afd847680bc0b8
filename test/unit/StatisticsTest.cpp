//===- StatisticsTest.cpp - unit tests of calibration statistics ----------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Calibration/Statistics.h"
#include "qlinalg/Calibration/Estimators.h"

#include "gtest/gtest.h"

#include <cmath>
#include <random>

using namespace mlir::qlinalg;

namespace {

std::vector<float> gaussian(size_t n, float sigma, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, sigma);
  std::vector<float> v(n);
  for (float &x : v)
    x = dist(rng);
  return v;
}

TEST(HistogramTest, StreamingEqualsOneShotWhateverTheSplit) {
  // Later batches widen the range several times, on both sides.
  std::vector<std::vector<float>> batches = {gaussian(100, 0.01f, 1),
                                             gaussian(1000, 1.0f, 2),
                                             {0.0f},
                                             gaussian(500, 30.0f, 3),
                                             {-1000.5f, 7.25f}};
  Histogram streamed, oneShot;
  std::vector<float> all;
  for (const auto &b : batches) {
    streamed.add(b);
    all.insert(all.end(), b.begin(), b.end());
  }
  oneShot.add(all);
  EXPECT_TRUE(streamed == oneShot);
  EXPECT_EQ(streamed.getTotal(), all.size());
  // The window is canonical: it starts at the bin of the minimum.
  EXPECT_EQ(streamed.getOffset(),
            static_cast<int64_t>(std::floor(-1000.5 / streamed.getBinWidth())));
  EXPECT_NE(streamed.getCounts()[0], 0u);
}

TEST(HistogramTest, MergeEqualsOneShotInEitherOrder) {
  std::vector<float> a = gaussian(2000, 0.5f, 4), b = gaussian(300, 80.0f, 5);
  Histogram ha, hb, all;
  ha.add(a);
  hb.add(b);
  all.add(a);
  all.add(b);
  Histogram ab = ha, ba = hb;
  ab.merge(hb);
  ba.merge(ha);
  EXPECT_TRUE(ab == all);
  EXPECT_TRUE(ba == all);
  Histogram empty;
  empty.merge(ha);
  EXPECT_TRUE(empty == ha);
}

// Fuzzing found these: subnormals first, then a value 2^70 times larger
// re-binned with shifts of 64 and more, which `>>` does not define (a crash,
// or counts silently in the wrong bins). Streaming must equal one shot.
TEST(HistogramTest, RebinningAcrossMoreThan64BinaryOrders) {
  std::vector<std::vector<float>> cases[] = {
      {{1e-40f, 1.01e-40f, 1.005e-40f}, {1e-40f, -1.78e-23f}},
      {{1e-40f, 1.01e-40f}, {1e30f}},
      {{-3e-39f, 2e-45f}, {-1e38f, 3e38f}},
  };
  for (const auto &batches : cases) {
    Histogram streamed, oneShot, merged;
    std::vector<float> all;
    for (const auto &b : batches) {
      streamed.add(b);
      Histogram h;
      h.add(b);
      merged.merge(h);
      all.insert(all.end(), b.begin(), b.end());
    }
    oneShot.add(all);
    EXPECT_TRUE(streamed == oneShot);
    EXPECT_TRUE(merged == oneShot);
    uint64_t sum = 0;
    for (uint64_t c : streamed.getCounts())
      sum += c;
    EXPECT_EQ(sum, all.size());
  }
}

TEST(HistogramTest, ConstantAndZeroData) {
  Histogram zeros;
  zeros.add(std::vector<float>(10, 0.0f));
  EXPECT_EQ(zeros.getTotal(), 10u);
  EXPECT_EQ(zeros.getCounts()[0], 10u);
  EXPECT_EQ(zeros.quantile(0.5), 0.0);
  Histogram big;
  big.add(std::vector<float>(3, 1e30f));
  EXPECT_EQ(big.getCounts()[0], 3u);
  EXPECT_EQ(big.quantile(0.0), double(1e30f));
}

TEST(HistogramTest, FromPartsRoundTripAndRejectsNonCanonical) {
  Histogram h;
  h.add(gaussian(5000, 2.0f, 6));
  std::vector<uint64_t> counts(h.getCounts().begin(), h.getCounts().end());
  while (counts.back() == 0)
    counts.pop_back();
  std::string error;
  std::optional<Histogram> r = Histogram::fromParts(
      h.getLog2Width(), h.getOffset(), counts, h.getMin(), h.getMax(), error);
  ASSERT_TRUE(r.has_value()) << error;
  EXPECT_TRUE(*r == h);
  EXPECT_FALSE(Histogram::fromParts(h.getLog2Width() + 1, h.getOffset(), counts,
                                    h.getMin(), h.getMax(), error));
  EXPECT_EQ(error, "histogram is not in canonical form for its min and max");
  std::vector<uint64_t> none(counts.size(), 0);
  EXPECT_FALSE(Histogram::fromParts(h.getLog2Width(), h.getOffset(), none,
                                    h.getMin(), h.getMax(), error));
  EXPECT_EQ(error, "histogram has no mass");
}

TEST(HistogramTest, QuantilesOfUniformData) {
  std::vector<float> v;
  for (int i = 0; i < 10000; ++i)
    v.push_back(static_cast<float>(i) / 10000.0f);
  Histogram h;
  h.add(v);
  EXPECT_NEAR(h.quantile(0.01), 0.01, 1e-3);
  EXPECT_NEAR(h.quantile(0.5), 0.5, 1e-3);
  EXPECT_NEAR(h.quantile(0.99), 0.99, 1e-3);
  EXPECT_EQ(h.quantile(1.0), h.getMax());
  EXPECT_EQ(h.quantile(0.0), 0.0);
}

TEST(MovingAverageTest, MatchesPyTorchAndMergesByComposition) {
  MovingAverage seq;
  seq.update(-1.0, 1.0); // the first batch sets it
  EXPECT_EQ(seq.min, -1.0);
  seq.update(-3.0, 2.0); // then min += 0.01 * (x - min)
  EXPECT_DOUBLE_EQ(seq.min, -1.0 + 0.01 * (-3.0 + 1.0));
  EXPECT_DOUBLE_EQ(seq.max, 1.0 + 0.01 * (2.0 - 1.0));

  MovingAverage all, a, b;
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(-5.0, 5.0);
  for (int i = 0; i < 40; ++i) {
    double lo = u(rng), hi = lo + 3.0;
    all.update(lo, hi);
    (i < 15 ? a : b).update(lo, hi);
  }
  a.merge(b);
  EXPECT_EQ(a.batches, all.batches);
  EXPECT_NEAR(a.min, all.min, 1e-12 * std::fabs(all.min));
  EXPECT_NEAR(a.max, all.max, 1e-12 * std::fabs(all.max));
}

TEST(TensorStatisticsTest, PerChannelRanges) {
  TensorStatistics s;
  s.trackChannels(1);
  // 2 rows x 3 channels, then 1 row.
  EXPECT_FALSE(s.accumulate(std::vector<float>{1, -2, 3, 4, 5, -6}, {2, 3}));
  EXPECT_FALSE(s.accumulate(std::vector<float>{-7, 0, 9}, {1, 3}));
  ASSERT_TRUE(s.perChannel.has_value());
  EXPECT_EQ(s.perChannel->min, (llvm::SmallVector<double>{-7, -2, -6}));
  EXPECT_EQ(s.perChannel->max, (llvm::SmallVector<double>{4, 5, 9}));
  EXPECT_EQ(s.count, 9u);
  EXPECT_EQ(s.movingAverage.batches, 2u);
}

/// A Gaussian core with a few far outliers: the known answer is that every
/// estimator but minmax clips the outliers.
TensorStatistics outlierStats() {
  TensorStatistics s;
  std::vector<float> v = gaussian(1000000, 1.0f, 8);
  v[10] = 60.0f;
  v[20] = -55.0f;
  v[30] = 58.0f;
  s.accumulate(v);
  return s;
}

TEST(EstimatorTest, ClippingEstimatorsClipOutliersAndMinMaxDoesNot) {
  TensorStatistics s = outlierStats();
  EstimatorOptions options;
  std::string error;
  auto range = [&](Estimator e) {
    auto r = estimateRange(s, e, options, error);
    EXPECT_TRUE(r.has_value()) << error;
    return *r;
  };
  auto [mlo, mhi] = range(Estimator::MinMax);
  EXPECT_EQ(mlo, -55.0);
  EXPECT_EQ(mhi, 60.0);
  // Percentile and entropy fall back to the Gaussian core.
  for (Estimator e : {Estimator::Percentile, Estimator::Entropy}) {
    auto [lo, hi] = range(e);
    EXPECT_GT(lo, -20.0) << getEstimatorName(e).str();
    EXPECT_LT(hi, 20.0) << getEstimatorName(e).str();
    EXPECT_LT(lo, -2.0) << getEstimatorName(e).str();
    EXPECT_GT(hi, 2.0) << getEstimatorName(e).str();
  }
  // MSE clips only as far as it pays: clipping the three outliers all the
  // way to the core would cost more squared error than the finer step saves
  // (about 0.009 against 0.013 per value), so it stops in between.
  auto [lo, hi] = range(Estimator::MSE);
  EXPECT_GT(lo, -55.0);
  EXPECT_LT(hi, 0.75 * 60.0);
}

TEST(EstimatorTest, MSEChoiceLowersTheExpectedError) {
  TensorStatistics s = outlierStats();
  EstimatorOptions options;
  numerics::StorageRange range = numerics::signedRange(8);
  std::string error;
  auto minmax = estimateParams(s, Estimator::MinMax, options, range, error);
  auto mse = estimateParams(s, Estimator::MSE, options, range, error);
  ASSERT_TRUE(minmax && mse);
  EXPECT_LT(expectedSquaredError(s.histogram, *mse, range),
            expectedSquaredError(s.histogram, *minmax, range));
}

TEST(EstimatorTest, PercentileCoverage) {
  TensorStatistics s;
  std::vector<float> v;
  for (int i = 0; i < 100000; ++i)
    v.push_back(static_cast<float>(i) / 100000.0f);
  s.accumulate(v);
  EstimatorOptions options;
  options.coverage = 99.0;
  std::string error;
  auto r = estimateRange(s, Estimator::Percentile, options, error);
  ASSERT_TRUE(r);
  EXPECT_NEAR(r->first, 0.01, 1e-3);
  EXPECT_NEAR(r->second, 0.99, 1e-3);
  options.coverage = 0.0;
  EXPECT_FALSE(estimateRange(s, Estimator::Percentile, options, error));
  EXPECT_EQ(error,
            "coverage must be in [50, 100] (each side keeps that share)");
  options.coverage = 49.9; // the two quantiles would cross
  EXPECT_FALSE(estimateRange(s, Estimator::Percentile, options, error));
}

TEST(EstimatorTest, ZeroRangeAndMissingHistogram) {
  TensorStatistics zero;
  zero.accumulate(std::vector<float>(50, 0.0f));
  EstimatorOptions options;
  std::string error;
  for (Estimator e :
       {Estimator::MinMax, Estimator::MovingAverage, Estimator::Percentile,
        Estimator::MSE, Estimator::Entropy}) {
    auto p = estimateParams(zero, e, options, numerics::signedRange(8), error);
    ASSERT_TRUE(p) << error;
    EXPECT_EQ(p->scale, 1.0f) << getEstimatorName(e).str();
  }
  TensorStatistics bare; // as read from a table with only count/min/max
  bare.count = 10;
  bare.min = -1.0;
  bare.max = 2.0;
  EXPECT_TRUE(estimateRange(bare, Estimator::MinMax, options, error));
  EXPECT_FALSE(estimateRange(bare, Estimator::Entropy, options, error));
  EXPECT_EQ(error, "has no histogram, which estimator=entropy needs "
                   "(recalibrate with qlinalg-calibrate)");
}

TEST(NumericsTest, PowerOfTwoScales) {
  numerics::StorageRange i8 = numerics::signedRange(8);
  numerics::QuantParams p = numerics::chooseAsymmetric(-1.0f, 3.0f, i8);
  numerics::QuantParams q = numerics::toPowerOfTwoScale(p, -1.0f, i8, false);
  EXPECT_EQ(q.scale, 1.0f / 32.0f); // 4/255 = 0.0157 -> 2^-5
  EXPECT_EQ(q.zeroPoint, -128 + 32);
  numerics::QuantParams exact{0.25f, 0};
  EXPECT_EQ(numerics::toPowerOfTwoScale(exact, 0.0f, i8, true).scale, 0.25f);
  // A range as wide as f32's has an infinite scale, which stays infinite
  // (callers reject it) instead of becoming 1.0 with an int64 overflow.
  numerics::QuantParams wide = numerics::chooseAsymmetric(-3e38f, 3e38f, i8);
  EXPECT_TRUE(std::isinf(wide.scale));
  EXPECT_TRUE(
      std::isinf(numerics::toPowerOfTwoScale(wide, -3e38f, i8, false).scale));
  // Rounding up past the largest float is infinite too.
  numerics::QuantParams top{3e38f, 0};
  EXPECT_TRUE(
      std::isinf(numerics::toPowerOfTwoScale(top, -3e38f, i8, false).scale));
}

} // namespace
