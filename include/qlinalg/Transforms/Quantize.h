//===- Quantize.h - float linalg to qlinalg from calibration ----*- C++ -*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QLINALG_TRANSFORMS_QUANTIZE_H
#define QLINALG_TRANSFORMS_QUANTIZE_H

#include "qlinalg/Calibration/Table.h"
#include "qlinalg/Dialect/QLinalg/IR/QLinalg.h"

#include "mlir/IR/BuiltinOps.h"

namespace mlir::qlinalg {

/// Choices of --qlinalg-quantize.
struct QuantizeOptions {
  MultiplierMode multiplier = MultiplierMode::FixedPoint;
  RoundingMode rounding = RoundingMode::HalfAwayFromZero;
};

/// Parses the textual option values ("fixed-point" | "float"; "" |
/// "half-away-from-zero" | "half-to-even", "" meaning the mode's default).
FailureOr<QuantizeOptions> parseQuantizeOptions(StringRef requantize,
                                                StringRef rounding,
                                                std::string &error);

/// Rewrites every quantizable unit of `module` (see Quantizable.h) into
/// qlinalg ops. `table` may be null when nothing needs a calibrated range.
/// Units that cannot be quantized stay in float with a remark; a missing
/// table entry is an error on the op that needs it. `tableName` names the
/// table in messages.
LogicalResult quantizeModule(ModuleOp module, const CalibrationTable *table,
                             const QuantizeOptions &options,
                             StringRef tableName = "the calibration table");

} // namespace mlir::qlinalg

#endif // QLINALG_TRANSFORMS_QUANTIZE_H
