//===- InitQLinalg.cpp - register qlinalg's dialects and passes -----------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qlinalg/InitQLinalg.h"

#include "qlinalg/Conversion/Passes.h"
#include "qlinalg/Conversion/Pipeline.h"
#include "qlinalg/Dialect/QLinalg/IR/QLinalg.h"
#include "qlinalg/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

void mlir::qlinalg::registerQLinalgDialects(DialectRegistry &registry) {
  registry.insert<QLinalgDialect, quant::QuantDialect, arith::ArithDialect,
                  func::FuncDialect, linalg::LinalgDialect, math::MathDialect,
                  tensor::TensorDialect>();
}

void mlir::qlinalg::registerQLinalgPasses() {
  registerQLinalgTransformsPasses();
  registerQLinalgConversionPasses();
  registerQLinalgPipeline();
}
