//===- qlinalg-opt.cpp - mlir-opt with the qlinalg dialect and passes -----===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qlinalg/InitQLinalg.h"
#include "qlinalg/Support/ToolOptions.h"
#include "qlinalg/Target/Target.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  // The target table is data of the build: print it and stop.
  for (int i = 1; i < argc; ++i)
    if (llvm::StringRef(argv[i]) == "--qlinalg-list-targets") {
      mlir::qlinalg::printTargets(llvm::outs());
      return 0;
    }
  // After LLVM's own line: which qlinalg this is.
  llvm::cl::AddExtraVersionPrinter(mlir::qlinalg::printVersion);
  mlir::registerAllPasses();
  mlir::qlinalg::registerQLinalgPasses();
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::qlinalg::registerQLinalgDialects(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "qlinalg optimizer driver\n", registry));
}
