//===- Pipeline.h - the staged CPU pipeline ---------------------*- C++ -*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// One pipeline from float (or quantized) linalg to the LLVM dialect, built by
// one function that qlinalg-opt (--qlinalg-pipeline), the plugin and
// qlinalg-run share. Its options hold no copy of any pass's options: the
// quantizer's are passed through as the text of --qlinalg-quantize's own
// options (declared once, in Transforms/Passes.td), and the pipeline adds
// only what is its own: the target every stage asks, and whether to
// vectorize.
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
  Option<std::string> quantize{
      *this, "quantize",
      llvm::cl::desc(
          "Options of --qlinalg-quantize, in braces: "
          "quantize={calibration=table.json requantize=float}; without it "
          "the module is compiled as it is (float or already quantized)")};
  Option<std::string> target{
      *this, "target",
      llvm::cl::desc("Target of every stage: host or a name from "
                     "--qlinalg-list-targets"),
      llvm::cl::init("host")};
  Option<unsigned> threads{
      *this, "threads",
      llvm::cl::desc("Threads to split large contractions over (OpenMP): "
                     "0 = every core of this machine, 1 = single-threaded, "
                     "no OpenMP runtime needed"),
      llvm::cl::init(0)};
  Option<bool> explain{
      *this, "explain",
      llvm::cl::desc("Remark per contraction what --qlinalg-lower built "
                     "(kernel, step, tiles, packing, threads, the saturation "
                     "proof) or why it took the portable kernel"),
      llvm::cl::init(false)};
  Option<bool> vectorize{
      *this, "vectorize",
      llvm::cl::desc("Tile and vectorize the lowered integer code "
                     "(--qlinalg-vectorize); off leaves scalar loops"),
      llvm::cl::init(true)};
};

/// The staged CPU pipeline: quantize (when `quantize` options are given) ->
/// lower for the target -> tile and vectorize -> bufferize and convert to
/// LLVM. Fails, through `errorHandler`, on options --qlinalg-quantize
/// rejects.
LogicalResult buildQLinalgCPUPipeline(
    OpPassManager &pm, const QLinalgPipelineOptions &options,
    function_ref<LogicalResult(const Twine &)> errorHandler);

/// Registers `--qlinalg-pipeline`.
void registerQLinalgPipeline();

} // namespace mlir::qlinalg

#endif // QLINALG_CONVERSION_PIPELINE_H
