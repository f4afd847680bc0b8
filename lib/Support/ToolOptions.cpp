//===- ToolOptions.cpp - the command lines of qlinalg's tools -------------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Support/ToolOptions.h"

#include "qlinalg/Version.h"

using namespace mlir::qlinalg;

void mlir::qlinalg::printVersion(llvm::raw_ostream &os) {
  os << "qlinalg " << QLINALG_VERSION << " (LLVM " << QLINALG_LLVM_VERSION
     << ")\n";
}

void mlir::qlinalg::setUpToolOptions(llvm::cl::OptionCategory &category) {
  // cl::HideUnrelatedOptions marks them ReallyHidden, which --help-hidden
  // does not list either. --help, --version and their kin are in LLVM's
  // "Generic Options" category.
  for (auto &entry : llvm::cl::getRegisteredOptions()) {
    llvm::cl::Option *option = entry.second;
    bool related = llvm::any_of(option->Categories, [&](auto *c) {
      return c == &category || c->getName() == "Generic Options";
    });
    if (!related && option->getOptionHiddenFlag() == llvm::cl::NotHidden)
      option->setHiddenFlag(llvm::cl::Hidden);
  }
  llvm::cl::SetVersionPrinter(printVersion);
}
