//===- Quantize.h - float linalg to qlinalg from calibration ----*- C++ -*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QLINALG_TRANSFORMS_QUANTIZE_H
#define QLINALG_TRANSFORMS_QUANTIZE_H

#include "qlinalg/Calibration/Estimators.h"
#include "qlinalg/Calibration/Table.h"
#include "qlinalg/Dialect/QLinalg/IR/QLinalg.h"
#include "qlinalg/Numerics/Numerics.h"
#include "qlinalg/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"

namespace mlir::qlinalg {

/// How one kind of tensor is quantized.
struct Scheme {
  /// Symmetric: zero point 0 and the narrow range [-(2^(b-1)-1), 2^(b-1)-1];
  /// asymmetric: the full signed range.
  bool symmetric = false;
  unsigned bits = 8;
  numerics::StorageRange getRange() const;
};

/// Choices of --qlinalg-quantize.
struct QuantizeOptions {
  MultiplierMode multiplier = MultiplierMode::FixedPoint;
  RoundingMode rounding = RoundingMode::HalfAwayFromZero;
  /// How activation ranges come out of the statistics.
  Estimator estimator = Estimator::MinMax;
  double coverage = 99.99;
  Scheme activations{/*symmetric=*/false, /*bits=*/8};
  Scheme weights{/*symmetric=*/true, /*bits=*/8};
  /// One scale (and zero point) per output channel, or one per tensor.
  bool perChannelWeights = true;
  /// When non-zero: constant weights get one scale (and zero point) per
  /// group of this many rows (along the reduction axis) and per column.
  unsigned groupSize = 0;
  /// Scales rounded up to a power of two (requantization becomes a shift).
  bool powerOfTwo = false;
  /// Results that only float code consumes are dequantized straight from the
  /// i32 accumulator instead of being requantized to 8 bits first.
  bool floatOutputs = false;
};

/// Validates the textual options of the pass (or the pipeline).
FailureOr<QuantizeOptions> parseQuantizeOptions(const QLinalgQuantizeOptions &raw,
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
