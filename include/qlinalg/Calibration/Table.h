//===- Table.h - the calibration table: statistics per tensor id -*- C++
//-*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The calibration table (JSON, "format": "qlinalg-calibration", "version": 1)
// stores statistics, not decisions: per tensor id its element count, min and
// max, the moving average of per-batch min/max, a histogram, and per-channel
// ranges where a channel axis was asked for. Estimators and schemes are chosen
// at --qlinalg-quantize time from these. An entry may instead carry an
// explicit "scale" and "zero_point", imported from another tool; those win.
//
//===----------------------------------------------------------------------===//

#ifndef QLINALG_CALIBRATION_TABLE_H
#define QLINALG_CALIBRATION_TABLE_H

#include "qlinalg/Calibration/Statistics.h"

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

/// A whole calibration table.
struct CalibrationTable {
  static constexpr llvm::StringLiteral kFormat = "qlinalg-calibration";
  static constexpr int64_t kVersion = 2;

  std::string model;
  std::string entry;
  uint64_t batches = 0;
  /// Ordered by id so that the JSON is stable.
  std::map<std::string, TensorStatistics> tensors;

  const TensorStatistics *lookup(llvm::StringRef id) const;

  /// Adds another run's table: its batches count as coming after ours.
  /// Returns an error message naming the tensor id that cannot be merged.
  std::optional<std::string> merge(const CalibrationTable &other);
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
