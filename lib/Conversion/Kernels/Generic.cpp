//===- Generic.cpp - the portable kernel emitter --------------------------===//
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

/// Portable code: the contraction as a linalg.generic over its own maps,
/// extending each operand by its signedness.
Value mlir::qlinalg::emitGenericAccumulate(OpBuilder &b, Location loc,
                                           const IntegerContraction &c,
                                           Value init) {
  SmallVector<utils::IteratorType> iterators;
  for (bool r : c.maps.reduction)
    iterators.push_back(r ? utils::IteratorType::reduction
                          : utils::IteratorType::parallel);
  Type i32 = b.getI32Type();
  auto extend = [&](OpBuilder &nb, Location nl, Value v, bool isUnsigned) {
    if (isUnsigned)
      return arith::ExtUIOp::create(nb, nl, i32, v).getResult();
    return arith::ExtSIOp::create(nb, nl, i32, v).getResult();
  };
  auto kernel = linalg::GenericOp::create(
      b, loc, init.getType(), ValueRange{c.lhs, c.rhs}, ValueRange{init},
      ArrayRef<AffineMap>{c.maps.lhs, c.maps.rhs, c.maps.out}, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        Value a = extend(nb, nl, args[0], c.lhsUnsigned);
        Value w = extend(nb, nl, args[1], c.rhsUnsigned);
        Value prod = arith::MulIOp::create(nb, nl, a, w);
        linalg::YieldOp::create(
            nb, nl, arith::AddIOp::create(nb, nl, args[2], prod).getResult());
      });
  kernel->setAttr(kKernelAttrName, b.getUnitAttr());
  return kernel.getResult(0);
}

static const KernelTarget kKernels[] = {
    {"generic", "portable integer linalg", emitGenericAccumulate},
};

const KernelTarget *mlir::qlinalg::lookupKernel(StringRef name) {
  for (const KernelTarget &k : kKernels)
    if (k.name == name)
      return &k;
  for (ArrayRef<KernelTarget> kernels : {getX86Kernels(), getAArch64Kernels()})
    for (const KernelTarget &k : kernels)
      if (k.name == name)
        return &k;
  return nullptr;
}
