//===- Pipeline.cpp - the staged CPU pipeline -----------------------------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Conversion/Pipeline.h"

#include "qlinalg/Conversion/Passes.h"
#include "qlinalg/Transforms/Passes.h"

#include "mlir/Pass/PassRegistry.h"

using namespace mlir;
using namespace mlir::qlinalg;

LogicalResult mlir::qlinalg::buildQLinalgCPUPipeline(
    OpPassManager &pm, const QLinalgPipelineOptions &options,
    function_ref<LogicalResult(const Twine &)> errorHandler) {
  if (!options.quantize.empty()) {
    // The quantizer's options, as it declares them; the pipeline's target
    // unless they name their own.
    std::unique_ptr<Pass> quantize = createQLinalgQuantize();
    std::string text = options.quantize;
    if (StringRef(text).find("target=") == StringRef::npos)
      text += " target=" + options.target;
    if (failed(quantize->initializeOptions(text, errorHandler)))
      return failure();
    pm.addPass(std::move(quantize));
    pm.addPass(createQLinalgFuse());
  }
  QLinalgLowerOptions lower;
  // The packed kernels are vector code: without vectorization the portable
  // kernel's scalar loops, for the target's CPU.
  lower.target = options.vectorize ? std::string(options.target) : "generic";
  lower.threads = options.threads;
  lower.explain = options.explain;
  pm.addPass(createQLinalgLower(lower));
  if (options.vectorize) {
    QLinalgVectorizeOptions vectorize;
    vectorize.target = options.target;
    vectorize.threads = options.threads;
    pm.addPass(createQLinalgVectorize(vectorize));
  }
  pm.addPass(createQLinalgToLLVM());
  return success();
}

void mlir::qlinalg::registerQLinalgPipeline() {
  registerPassPipeline(
      "qlinalg-pipeline",
      "The staged CPU pipeline: quantize (quantize={...}: the options of "
      "--qlinalg-quantize) and fuse, lower for the target, split over "
      "threads, tile and vectorize, bufferize and convert to the LLVM "
      "dialect (--qlinalg-quantize, --qlinalg-fuse, --qlinalg-lower, "
      "--qlinalg-vectorize, --qlinalg-to-llvm)",
      [](OpPassManager &pm, StringRef text,
         function_ref<LogicalResult(const Twine &)> errorHandler) {
        QLinalgPipelineOptions options;
        std::string error;
        llvm::raw_string_ostream os(error);
        if (failed(options.parseFromString(text, os)))
          return errorHandler(error);
        return buildQLinalgCPUPipeline(pm, options, errorHandler);
      },
      [](function_ref<void(const mlir::detail::PassOptions &)> optHandler) {
        optHandler(QLinalgPipelineOptions());
      });
}
