//===- Pipeline.h - the qlinalg-pipeline named pipeline ---------*- C++ -*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QLINALG_CONVERSION_PIPELINE_H
#define QLINALG_CONVERSION_PIPELINE_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::qlinalg {

/// Options of `--qlinalg-pipeline`.
struct QLinalgPipelineOptions
    : public PassPipelineOptions<QLinalgPipelineOptions> {
  Option<std::string> calibration{
      *this, "calibration",
      llvm::cl::desc("Calibration table (JSON) from qlinalg-calibrate")};
  Option<std::string> requantize{
      *this, "requantize",
      llvm::cl::desc("Requantization multiplier: fixed-point or float"),
      llvm::cl::init("fixed-point")};
  Option<std::string> rounding{
      *this, "rounding",
      llvm::cl::desc("Requantization ties: half-away-from-zero or "
                     "half-to-even (default: the mode's own)"),
      llvm::cl::init("")};
  Option<std::string> target{*this, "target",
                             llvm::cl::desc("Kernel target: generic, host"),
                             llvm::cl::init("generic")};
};

/// quantize -> lower -> to-llvm.
void buildQLinalgPipeline(OpPassManager &pm,
                          const QLinalgPipelineOptions &options);

/// Registers `--qlinalg-pipeline`.
void registerQLinalgPipeline();

} // namespace mlir::qlinalg

#endif // QLINALG_CONVERSION_PIPELINE_H
