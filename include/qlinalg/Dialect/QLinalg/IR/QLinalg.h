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
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "qlinalg/Dialect/QLinalg/IR/QLinalgOpsDialect.h.inc"

#include "qlinalg/Dialect/QLinalg/IR/QLinalgEnums.h.inc"

namespace mlir::qlinalg {

/// How the loops of a quantized contraction index its operands: the maps of
/// lhs, rhs, bias (null when there is none) and result, and which loops are
/// reductions. This is all the lowering needs to know about the kind of
/// contraction (matmul, convolution, ...).
struct ContractionMaps {
  AffineMap lhs, rhs, bias, out;
  SmallVector<bool> reduction;

  unsigned getNumLoops() const { return reduction.size(); }
  /// The maps in operand order: lhs, rhs, bias (when present), out.
  SmallVector<AffineMap> getMaps() const;
  /// The result of `map` that is exactly loop `loop`, if any.
  static std::optional<unsigned> findDim(AffineMap map, unsigned loop);
  /// The loop of a result of a projected-permutation map (rhs, bias, out).
  static unsigned getLoop(AffineMap map, unsigned dim);
  /// The canonical rank-2 matmul, loops (m, n, k).
  static ContractionMaps getMatmul(MLIRContext *ctx, bool hasBias);
};

/// Verifies the quantization rules of a contraction with `maps` (shared by
/// qlinalg.contract and qlinalg.matmul): operand element types and zero
/// points, the rhs channel axis, bias and accumulator scales, and the
/// epilogue. `biasType` is null without a bias.
LogicalResult verifyContraction(
    Operation *op, const ContractionMaps &maps, RankedTensorType lhsType,
    RankedTensorType rhsType, RankedTensorType biasType,
    RankedTensorType resultType, std::optional<MultiplierMode> multiplier,
    std::optional<RoundingMode> rounding,
    std::optional<ArrayRef<int64_t>> clamp, bool dynamicLhs = false);

} // namespace mlir::qlinalg

#define GET_OP_CLASSES
#include "qlinalg/Dialect/QLinalg/IR/QLinalgOps.h.inc"

namespace mlir::qlinalg {

/// Verifies that `type` is a ranked tensor of a well-formed uniform quantized
/// element type (per tensor or per axis): zero points inside the storage range,
/// a quantized dimension inside the rank, one scale per element of that
/// dimension when it is static. `what` names the value in messages.
LogicalResult
verifyQuantizedTensorType(function_ref<InFlightDiagnostic()> emitError,
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
