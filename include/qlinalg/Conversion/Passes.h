//===- Passes.h - qlinalg conversion passes ---------------------*- C++ -*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QLINALG_CONVERSION_PASSES_H
#define QLINALG_CONVERSION_PASSES_H

#include "qlinalg/Dialect/QLinalg/IR/QLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ArmNeon/ArmNeonDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::qlinalg {

#define GEN_PASS_DECL
#include "qlinalg/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "qlinalg/Conversion/Passes.h.inc"

} // namespace mlir::qlinalg

#endif // QLINALG_CONVERSION_PASSES_H
