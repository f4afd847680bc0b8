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
  Option<std::string> estimator{
      *this, "estimator",
      llvm::cl::desc("Activation range estimator: minmax, moving-average, "
                     "percentile, mse, entropy"),
      llvm::cl::init("minmax")};
  Option<double> coverage{
      *this, "coverage",
      llvm::cl::desc("Percentile estimator: percentage kept on each side"),
      llvm::cl::init(99.99)};
  Option<std::string> activationScheme{
      *this, "activation-scheme", llvm::cl::desc("asymmetric or symmetric"),
      llvm::cl::init("asymmetric")};
  Option<std::string> weightScheme{*this, "weight-scheme",
                                   llvm::cl::desc("symmetric or asymmetric"),
                                   llvm::cl::init("symmetric")};
  Option<std::string> weightGranularity{
      *this, "weight-granularity",
      llvm::cl::desc("per-channel, per-tensor or per-group"),
      llvm::cl::init("per-channel")};
  Option<unsigned> groupSize{
      *this, "group-size",
      llvm::cl::desc("Rows per group for weight-granularity=per-group"),
      llvm::cl::init(32)};
  Option<unsigned> activationBits{
      *this, "activation-bits",
      llvm::cl::desc("Activation bit width (the target must have a kernel)"),
      llvm::cl::init(8)};
  Option<unsigned> weightBits{*this, "weight-bits",
                              llvm::cl::desc("Weight bit width, 2 to 8"),
                              llvm::cl::init(8)};
  Option<bool> powerOfTwo{*this, "power-of-two",
                          llvm::cl::desc("Power-of-two scales"),
                          llvm::cl::init(false)};
  Option<bool> floatOutputs{
      *this, "float-outputs",
      llvm::cl::desc("Dequantize float-only results from the accumulator"),
      llvm::cl::init(false)};
  Option<bool> vectorize{
      *this, "vectorize",
      llvm::cl::desc("Tile and vectorize the lowered integer code "
                     "(--qlinalg-vectorize); off leaves scalar loops"),
      llvm::cl::init(true)};
  Option<std::string> target{*this, "target",
                             llvm::cl::desc("Target: host or a name from "
                                            "--qlinalg-list-targets"),
                             llvm::cl::init("host")};
};

/// The staged CPU pipeline: quantize (when a calibration table is given) ->
/// lower for the target -> tile and vectorize -> bufferize and convert to
/// LLVM. qlinalg-opt, the plugin and qlinalg-run all build it here.
void buildQLinalgCPUPipeline(OpPassManager &pm,
                             const QLinalgPipelineOptions &options);

/// Registers `--qlinalg-pipeline`.
void registerQLinalgPipeline();

} // namespace mlir::qlinalg

#endif // QLINALG_CONVERSION_PIPELINE_H
