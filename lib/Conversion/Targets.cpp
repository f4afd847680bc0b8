//===- Targets.cpp - the kernel target table ------------------------------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Conversion/Lower.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

using namespace mlir;
using namespace mlir::qlinalg;

/// Portable code: linalg.matmul (sign-extending both operands) or, for an
/// unsigned lhs, the same contraction as a linalg.generic that zero-extends
/// the lhs.
static Value emitGenericAccumulate(OpBuilder &b, Location loc, Value lhs,
                                   bool lhsUnsigned, Value rhs, Value init) {
  if (!lhsUnsigned)
    return linalg::MatmulOp::create(b, loc, TypeRange{init.getType()},
                                    ValueRange{lhs, rhs}, ValueRange{init})
        .getResult(0);
  MLIRContext *ctx = b.getContext();
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  Type i32 = b.getI32Type();
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{lhs, rhs}, ValueRange{init},
             ArrayRef<AffineMap>{AffineMap::get(3, 0, {m, k}, ctx),
                                 AffineMap::get(3, 0, {k, n}, ctx),
                                 AffineMap::get(3, 0, {m, n}, ctx)},
             ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                           utils::IteratorType::parallel,
                                           utils::IteratorType::reduction},
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value a = arith::ExtUIOp::create(nb, nl, i32, args[0]);
               Value w = arith::ExtSIOp::create(nb, nl, i32, args[1]);
               Value prod = arith::MulIOp::create(nb, nl, a, w);
               linalg::YieldOp::create(
                   nb, nl,
                   arith::AddIOp::create(nb, nl, args[2], prod).getResult());
             })
      .getResult(0);
}

static const KernelTarget kTargets[] = {
    {"generic", "portable integer linalg, lowered to loops",
     WeightLayout::RowMajorKN, emitGenericAccumulate},
};

ArrayRef<KernelTarget> mlir::qlinalg::getKernelTargets() { return kTargets; }

const KernelTarget *mlir::qlinalg::lookupKernelTarget(StringRef name,
                                                      std::string &error) {
  // `host` is the first target whose ISA the running CPU has; only the
  // portable target exists in this build, and it runs everywhere.
  if (name == "host")
    return &kTargets[0];
  for (const KernelTarget &t : kTargets)
    if (t.name == name)
      return &t;
  error = "unknown target '" + name.str() +
          "'; known targets: host (the best target for the running CPU)";
  for (const KernelTarget &t : kTargets)
    error += ", " + t.name.str() + " (" + t.summary.str() + ")";
  return nullptr;
}

DenseElementsAttr mlir::qlinalg::packWeights(DenseElementsAttr weights,
                                             WeightLayout layout) {
  switch (layout) {
  case WeightLayout::RowMajorKN:
    return weights;
  }
  llvm_unreachable("unknown weight layout");
}
