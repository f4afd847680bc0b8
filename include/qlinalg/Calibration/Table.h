//===- Table.h - the calibration table: statistics per tensor id -*- C++ -*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The calibration table (JSON, "format": "qlinalg-calibration", "version": 1)
// stores statistics, not decisions: per tensor id its element count, min and
// max. An entry may instead (or also) carry an explicit "scale" and
// "zero_point", imported from another tool; those win over the statistics.
//
//===----------------------------------------------------------------------===//

#ifndef QLINALG_CALIBRATION_TABLE_H
#define QLINALG_CALIBRATION_TABLE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>

namespace mlir::qlinalg {

/// Streaming statistics of one tensor, accumulated batch by batch.
struct TensorStatistics {
  uint64_t count = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  /// Explicit parameters imported from another tool; they win.
  std::optional<double> scale;
  std::optional<int64_t> zeroPoint;

  /// Adds a batch of values. Returns the index of the first non-finite value
  /// (NaN or Inf), leaving the statistics untouched, or std::nullopt.
  std::optional<size_t> accumulate(llvm::ArrayRef<float> values);
  bool hasRange() const { return count > 0; }
};

/// A whole calibration table.
struct CalibrationTable {
  static constexpr llvm::StringLiteral kFormat = "qlinalg-calibration";
  static constexpr int64_t kVersion = 1;

  std::string model;
  std::string entry;
  uint64_t batches = 0;
  /// Ordered by id so that the JSON is stable.
  std::map<std::string, TensorStatistics> tensors;

  const TensorStatistics *lookup(llvm::StringRef id) const;
};

llvm::json::Value toJSON(const CalibrationTable &table);
/// Parses and validates a table; messages name `name` and the tensor id.
llvm::Expected<CalibrationTable> parseCalibrationTable(llvm::StringRef text,
                                                       llvm::StringRef name);
llvm::Expected<CalibrationTable> readCalibrationTable(llvm::StringRef path);
/// Writes atomically (temporary file, then rename).
llvm::Error writeCalibrationTable(llvm::StringRef path,
                                  const CalibrationTable &table);

} // namespace mlir::qlinalg

#endif // QLINALG_CALIBRATION_TABLE_H
