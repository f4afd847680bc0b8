//===- InitQLinalg.h - register qlinalg's dialects and passes ---*- C++ -*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QLINALG_INITQLINALG_H
#define QLINALG_INITQLINALG_H

#include "mlir/IR/DialectRegistry.h"

namespace mlir::qlinalg {

/// The qlinalg dialect and the upstream dialects its passes produce.
void registerQLinalgDialects(DialectRegistry &registry);

/// Every qlinalg pass and the qlinalg-pipeline pipeline.
void registerQLinalgPasses();

} // namespace mlir::qlinalg

#endif // QLINALG_INITQLINALG_H
