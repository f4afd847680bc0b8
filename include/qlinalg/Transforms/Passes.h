//===- Passes.h - qlinalg transformation passes -----------------*- C++ -*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QLINALG_TRANSFORMS_PASSES_H
#define QLINALG_TRANSFORMS_PASSES_H

#include "qlinalg/Dialect/QLinalg/IR/QLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::qlinalg {

#define GEN_PASS_DECL
#include "qlinalg/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "qlinalg/Transforms/Passes.h.inc"

} // namespace mlir::qlinalg

#endif // QLINALG_TRANSFORMS_PASSES_H
