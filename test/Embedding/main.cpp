//===- main.cpp - a tool of another compiler that embeds qlinalg ----------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Built against an installed qlinalg only (test/Embedding/CMakeLists.txt):
// registers the upstream dialects it uses plus qlinalg's, then takes a float
// matmul with a bias through qlinalg's C++ API: instrument (the tensor ids),
// quantize with explicit scales from a table held in memory, lower for the
// portable target, and convert to the LLVM dialect, printing what each
// stage left.
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Calibration/Table.h"
#include "qlinalg/Conversion/Passes.h"
#include "qlinalg/Dialect/QLinalg/IR/QLinalg.h"
#include "qlinalg/InitQLinalg.h"
#include "qlinalg/Transforms/Passes.h"
#include "qlinalg/Transforms/Quantize.h"
#include "qlinalg/Version.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

static const char *kModel = R"mlir(
func.func @forward(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<[[0.5, -1.0, 0.25], [1.5, 0.75, -0.5],
                             [-2.0, 0.125, 1.0], [0.3, -0.6, 0.9]]> : tensor<4x3xf32>
  %b = arith.constant dense<[0.1, -0.2, 0.3]> : tensor<3xf32>
  %e = tensor.empty() : tensor<2x3xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %m = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x3xf32>) outs(%f : tensor<2x3xf32>) -> tensor<2x3xf32>
  %bb = linalg.broadcast ins(%b : tensor<3xf32>) outs(%e : tensor<2x3xf32>) dimensions = [0]
  %y = linalg.add ins(%m, %bb : tensor<2x3xf32>, tensor<2x3xf32>) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
)mlir";

// Explicit scales and zero points for the input (t0) and the result (t2).
static const char *kTable = R"json({
  "format": "qlinalg-calibration", "version": 2,
  "tensors": {"t0": {"scale": 0.02, "zero_point": -5},
              "t2": {"scale": 0.05, "zero_point": 3}}
})json";

/// How many ops of each dialect `module` holds, for the stage lines.
static void summarize(StringRef stage, ModuleOp module) {
  llvm::StringMap<unsigned> counts;
  module.walk([&](Operation *op) {
    if (!isa<ModuleOp>(op))
      ++counts[op->getDialect() ? op->getDialect()->getNamespace()
                                : "unregistered"];
  });
  SmallVector<std::string> parts;
  for (const auto &entry : counts)
    parts.push_back(entry.getKey().str() + " " +
                    std::to_string(entry.getValue()));
  llvm::sort(parts);
  llvm::outs() << stage << ": " << llvm::join(parts, ", ") << "\n";
}

int main() {
  DialectRegistry registry;
  registry.insert<arith::ArithDialect, func::FuncDialect, linalg::LinalgDialect,
                  tensor::TensorDialect>();
  qlinalg::registerQLinalgDialects(registry);
  qlinalg::registerQLinalgPasses();
  MLIRContext context(registry);
  llvm::outs() << "qlinalg " << QLINALG_VERSION << " (LLVM "
               << QLINALG_LLVM_VERSION << ")\n";

  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(kModel, &context);
  if (!module)
    return 1;
  summarize("float", *module);

  // 1. Instrument: which tensors the quantizer needs, by id.
  PassManager instrument(&context);
  instrument.addPass(qlinalg::createQLinalgInstrument());
  if (failed(instrument.run(*module)))
    return 1;
  module->walk([](qlinalg::ObserveOp op) {
    llvm::outs() << "observed " << op.getId() << ": " << op.getType() << "\n";
  });

  // 2. Quantize with the table's explicit scales (the probes go away).
  llvm::Expected<qlinalg::CalibrationTable> table =
      qlinalg::parseCalibrationTable(kTable, "embedded table");
  if (!table) {
    llvm::errs() << llvm::toString(table.takeError()) << "\n";
    return 1;
  }
  qlinalg::QuantizeOptions options;
  if (failed(
          qlinalg::quantizeModule(*module, &*table, options, "embedded table")))
    return 1;
  summarize("quantized", *module);
  module->walk([](Operation *op) {
    if (isa<qlinalg::QuantizeOp, qlinalg::RequantizeOp>(op))
      llvm::outs() << op->getName() << " -> " << op->getResult(0).getType()
                   << "\n";
  });

  // 3. Lower for the portable target and convert to the LLVM dialect.
  PassManager lower(&context);
  qlinalg::QLinalgLowerOptions lowerOptions;
  lowerOptions.target = "generic";
  lower.addPass(qlinalg::createQLinalgLower(lowerOptions));
  lower.addPass(qlinalg::createQLinalgToLLVM());
  if (failed(lower.run(*module)))
    return 1;
  summarize("lowered", *module);
  module->walk([](LLVM::LLVMFuncOp func) {
    if (!func.isExternal())
      llvm::outs() << "llvm.func @" << func.getName() << " "
                   << func.getFunctionType() << "\n";
  });
  return 0;
}
