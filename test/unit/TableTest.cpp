//===- TableTest.cpp - unit tests of the calibration table ----------------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Calibration/Table.h"
#include "qlinalg/Calibration/Estimators.h"

#include "llvm/Support/FormatVariadic.h"

#include "gtest/gtest.h"

#include <cmath>

using namespace mlir::qlinalg;

namespace {

std::string errorOf(llvm::Expected<CalibrationTable> result) {
  if (result)
    return "";
  return llvm::toString(result.takeError());
}

TEST(TableTest, AccumulatesAcrossBatches) {
  TensorStatistics s;
  float a[] = {1.0f, -2.0f, 0.5f};
  float b[] = {3.0f};
  EXPECT_FALSE(s.accumulate(a));
  EXPECT_FALSE(s.accumulate(b));
  EXPECT_EQ(s.count, 4u);
  EXPECT_EQ(s.min, -2.0);
  EXPECT_EQ(s.max, 3.0);
}

TEST(TableTest, RejectsNonFiniteWithoutUpdating) {
  TensorStatistics s;
  float a[] = {1.0f, std::nanf(""), 5.0f};
  std::optional<size_t> bad = s.accumulate(a);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(*bad, 1u);
  EXPECT_EQ(s.count, 0u);
  float b[] = {-INFINITY};
  EXPECT_EQ(s.accumulate(b), std::optional<size_t>(0));
}

TEST(TableTest, JsonRoundTrip) {
  CalibrationTable t;
  t.model = "m.mlir";
  t.entry = "forward";
  t.batches = 2;
  t.tensors["t0"].accumulate(std::vector<float>{-1.25f, 4.0f});
  t.tensors["t1"].scale = 0.5;
  t.tensors["t1"].zeroPoint = -3;
  std::string text = llvm::formatv("{0}", toJSON(t)).str();
  llvm::Expected<CalibrationTable> u = parseCalibrationTable(text, "t.json");
  ASSERT_TRUE(!!u) << llvm::toString(u.takeError());
  EXPECT_EQ(u->entry, "forward");
  EXPECT_EQ(u->batches, 2u);
  ASSERT_TRUE(u->lookup("t0"));
  EXPECT_EQ(u->lookup("t0")->min, -1.25);
  EXPECT_EQ(u->lookup("t0")->max, 4.0);
  EXPECT_EQ(u->lookup("t0")->count, 2u);
  EXPECT_EQ(*u->lookup("t1")->scale, 0.5);
  EXPECT_EQ(*u->lookup("t1")->zeroPoint, -3);
  EXPECT_EQ(u->lookup("t2"), nullptr);
}

TEST(TableTest, ErrorsNameFileAndTensor) {
  EXPECT_NE(errorOf(parseCalibrationTable("{", "a.json"))
                .find("a.json: malformed JSON"),
            std::string::npos);
  EXPECT_NE(errorOf(parseCalibrationTable("{\"format\": \"x\"}", "b.json"))
                .find("b.json: not a calibration table"),
            std::string::npos);
  const char *head = "{\"format\": \"qlinalg-calibration\", \"version\": 2, ";
  EXPECT_NE(errorOf(parseCalibrationTable(
                        std::string(head) +
                            "\"tensors\": {\"t3\": {\"min\": 2, \"max\": 1}}}",
                        "c.json"))
                .find("c.json: tensor 't3': invalid range"),
            std::string::npos);
  EXPECT_NE(
      errorOf(parseCalibrationTable(std::string(head) +
                                        "\"tensors\": {\"t4\": {\"min\": 0}}}",
                                    "d.json"))
          .find("tensor 't4': 'min' and 'max' must come together"),
      std::string::npos);
  EXPECT_NE(
      errorOf(parseCalibrationTable(
                  std::string(head) + "\"tensors\": {\"t5\": {\"scale\": 0}}}",
                  "e.json"))
          .find("tensor 't5': scale 0 must be positive"),
      std::string::npos);
  EXPECT_NE(
      errorOf(parseCalibrationTable(
                  std::string(head) + "\"tensors\": {\"t6\": {}}}", "f.json"))
          .find("tensor 't6': needs 'min'/'max' or 'scale'"),
      std::string::npos);
  EXPECT_NE(
      errorOf(parseCalibrationTable("{\"format\": \"qlinalg-calibration\", "
                                    "\"version\": 3, \"tensors\": {}}",
                                    "g.json"))
          .find("unsupported calibration table version"),
      std::string::npos);
  EXPECT_NE(
      errorOf(parseCalibrationTable("{\"format\": \"qlinalg-calibration\", "
                                    "\"version\": 1, \"tensors\": {}}",
                                    "h.json"))
          .find("h.json: calibration table version 1 numbers tensors by "
                "quantizable matmul"),
      std::string::npos);
  EXPECT_NE(errorOf(readCalibrationTable("/nonexistent/t.json"))
                .find("/nonexistent/t.json: cannot read calibration table"),
            std::string::npos);
}

// Inputs a fuzzing campaign found: each is rejected with the file named, or
// (the last) read and estimated without hanging.
TEST(TableTest, RejectsWhatFuzzingFound) {
  const char *head = "{\"format\": \"qlinalg-calibration\", \"version\": 2, ";
  auto table = [&](const std::string &tensors) {
    return std::string(head) + "\"tensors\": {" + tensors + "}}";
  };
  // 50,000 levels deep: llvm::json::parse would overflow the stack.
  std::string deep = std::string(50000, '[') + std::string(50000, ']');
  EXPECT_EQ(errorOf(parseCalibrationTable(deep, "deep.json")),
            "deep.json: JSON nested deeper than 64 levels");
  EXPECT_EQ(errorOf(parseCalibrationTable(
                table("\"t0\": {\"min\": 0, \"max\": 1}, \"t0\": {\"min\": -5, "
                      "\"max\": 5}"),
                "dup.json")),
            "dup.json: duplicate key 't0' in 'tensors'");
  EXPECT_EQ(errorOf(parseCalibrationTable(
                table("\"t0\": {\"min\": 0, \"max\": 1, \"min\": -1}"),
                "dupmin.json")),
            "dupmin.json: duplicate key 'min' in 't0'");
  // The same key in two objects is no duplicate, nor is a string value.
  EXPECT_EQ(errorOf(parseCalibrationTable(
                table("\"t0\": {\"min\": 0, \"max\": 1}, \"t1\": {\"min\": "
                      "0, \"max\": 1, \"note\": \"min\"}"),
                "ok.json")),
            "");
  EXPECT_NE(errorOf(parseCalibrationTable(
                        table("\"t0\": {\"count\": 1, \"min\": 0, \"max\": 1, "
                              "\"histogram\": {\"log2_width\": 4294967296, "
                              "\"offset\": 0, \"counts\": [1]}}"),
                        "wide.json"))
                .find("wide.json: tensor 't0': histogram log2_width "
                      "4294967296 is out of range"),
            std::string::npos);
  std::string ma = "\"t0\": {\"count\": 1, \"min\": 0, \"max\": 1, "
                   "\"moving_average\": {\"constant\": 0.01, \"batches\": 1, ";
  EXPECT_EQ(errorOf(parseCalibrationTable(
                table(ma + "\"min\": -1e39, \"max\": 1e39, \"sum_min\": 0, "
                           "\"sum_max\": 0}}"),
                "ma.json")),
            "ma.json: tensor 't0': 'moving_average' values must be finite "
            "f32 numbers");
  EXPECT_EQ(errorOf(parseCalibrationTable(
                table(ma + "\"min\": 2, \"max\": 1, \"sum_min\": 0, "
                           "\"sum_max\": 0}}"),
                "inverted.json")),
            "inverted.json: tensor 't0': 'moving_average' range is inverted "
            "(min 2, max 1)");
  // Ranges beyond f32 (not measured on f32 data; written back, the moving
  // average derived from them would not read back).
  EXPECT_EQ(errorOf(parseCalibrationTable(
                table("\"t0\": {\"min\": -1, \"max\": 1.1e116}"), "big.json")),
            "big.json: tensor 't0': range [-1, 1.1e+116] does not fit in f32");
  // A canonical table whose range is one ulp wide, far from zero: the MSE
  // search used to step by less than half an ulp forever.
  llvm::Expected<CalibrationTable> tiny = parseCalibrationTable(
      table("\"t0\": {\"count\": 2, \"min\": 1, \"max\": 1.0000000000000002, "
            "\"histogram\": {\"log2_width\": -52, \"offset\": "
            "4503599627370496, \"counts\": [1, 1]}}"),
      "tiny.json");
  ASSERT_TRUE(static_cast<bool>(tiny)) << llvm::toString(tiny.takeError());
  std::string error;
  EstimatorOptions options;
  std::optional<std::pair<double, double>> r =
      estimateRange(*tiny->lookup("t0"), Estimator::MSE, options, error);
  ASSERT_TRUE(r.has_value()) << error;
  EXPECT_GE(r->first, 1.0);
  EXPECT_LE(r->second, 1.0000000000000002);
}

} // namespace
