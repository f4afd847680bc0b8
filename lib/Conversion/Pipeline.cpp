//===- Pipeline.cpp - the qlinalg-pipeline named pipeline -----------------===//
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

void mlir::qlinalg::buildQLinalgCPUPipeline(
    OpPassManager &pm, const QLinalgPipelineOptions &options) {
  QLinalgQuantizeOptions quantize;
  quantize.calibration = options.calibration;
  quantize.requantize = options.requantize;
  quantize.rounding = options.rounding;
  quantize.estimator = options.estimator;
  quantize.coverage = options.coverage;
  quantize.activationScheme = options.activationScheme;
  quantize.weightScheme = options.weightScheme;
  quantize.weightGranularity = options.weightGranularity;
  quantize.weightBits = options.weightBits;
  quantize.activationBits = options.activationBits;
  quantize.target = options.target;
  quantize.groupSize = options.groupSize;
  quantize.powerOfTwo = options.powerOfTwo;
  quantize.floatOutputs = options.floatOutputs;
  // A float module without a table is compiled as it is (qlinalg-run runs
  // float, quantized and lowered modules alike).
  if (!options.calibration.empty())
    pm.addPass(createQLinalgQuantize(quantize));
  QLinalgLowerOptions lower;
  lower.target = options.target;
  pm.addPass(createQLinalgLower(lower));
  if (options.vectorize) {
    QLinalgVectorizeOptions vectorize;
    vectorize.target = options.target;
    pm.addPass(createQLinalgVectorize(vectorize));
  }
  pm.addPass(createQLinalgToLLVM());
}

void mlir::qlinalg::registerQLinalgPipeline() {
  PassPipelineRegistration<QLinalgPipelineOptions>(
      "qlinalg-pipeline",
      "The staged CPU pipeline: quantize from a calibration table (when "
      "given), lower for a target, tile and vectorize, bufferize and convert "
      "to the LLVM dialect (--qlinalg-quantize, --qlinalg-lower, "
      "--qlinalg-vectorize, --qlinalg-to-llvm)",
      buildQLinalgCPUPipeline);
}
