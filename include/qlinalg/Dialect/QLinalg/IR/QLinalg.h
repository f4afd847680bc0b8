//===- QLinalg.h - qlinalg dialect and operations ---------------*- C++ -*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QLINALG_DIALECT_QLINALG_IR_QLINALG_H
#define QLINALG_DIALECT_QLINALG_IR_QLINALG_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "qlinalg/Dialect/QLinalg/IR/QLinalgOpsDialect.h.inc"

#include "qlinalg/Dialect/QLinalg/IR/QLinalgEnums.h.inc"

#define GET_OP_CLASSES
#include "qlinalg/Dialect/QLinalg/IR/QLinalgOps.h.inc"

namespace mlir::qlinalg {

/// Verifies that `type` is a ranked tensor of a well-formed uniform quantized
/// element type (per tensor or per axis): zero points inside the storage range,
/// a quantized dimension inside the rank, one scale per element of that
/// dimension when it is static. `what` names the value in messages.
LogicalResult verifyQuantizedTensorType(function_ref<InFlightDiagnostic()> emitError,
                                        Type type, StringRef what);

/// The quantized element type of a tensor type, or null.
quant::UniformQuantizedType getPerTensorType(Type tensorType);
quant::UniformQuantizedPerAxisType getPerAxisType(Type tensorType);
quant::UniformQuantizedSubChannelType getSubChannelType(Type tensorType);

/// The group size G of a rank-2 rhs quantized per group: blocks of G rows
/// (along the reduction axis) by one column, i.e. sub-channel block sizes
/// {0:G, 1:1}. 0 when `tensorType` is not quantized that way.
int64_t getRowGroupSize(Type tensorType);

/// Scales and zero points of a per-tensor or per-axis quantized tensor type,
/// as vectors (one entry for per-tensor types), with the axis (-1 when per
/// tensor).
struct QuantizedTypeParams {
  /// One entry per tensor, per slice along `axis`, or per block (row-major
  /// over the block grid) for sub-channel types.
  SmallVector<double> scales;
  SmallVector<int64_t> zeroPoints;
  int64_t axis = -1;
  /// Sub-channel types: the block size of every dimension (1 = one scale per
  /// element along it); empty otherwise.
  SmallVector<int64_t> blockSizes;
  int64_t storageMin = 0;
  int64_t storageMax = 0;
  bool isSigned = true;
  unsigned storageWidth = 8;
};
std::optional<QuantizedTypeParams> getQuantizedTypeParams(Type tensorType);

} // namespace mlir::qlinalg

#endif // QLINALG_DIALECT_QLINALG_IR_QLINALG_H
