//===- QLinalgOps.cpp - qlinalg dialect and op verifiers ------------------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Dialect/QLinalg/IR/QLinalg.h"

#include "qlinalg/Numerics/Numerics.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

using namespace mlir;
using namespace mlir::qlinalg;

#include "qlinalg/Dialect/QLinalg/IR/QLinalgOpsDialect.cpp.inc"

#include "qlinalg/Dialect/QLinalg/IR/QLinalgEnums.cpp.inc"

void QLinalgDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "qlinalg/Dialect/QLinalg/IR/QLinalgOps.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Quantized type helpers
//===----------------------------------------------------------------------===//

quant::UniformQuantizedType mlir::qlinalg::getPerTensorType(Type tensorType) {
  auto ranked = dyn_cast<RankedTensorType>(tensorType);
  return ranked ? dyn_cast<quant::UniformQuantizedType>(ranked.getElementType())
                : nullptr;
}

quant::UniformQuantizedPerAxisType
mlir::qlinalg::getPerAxisType(Type tensorType) {
  auto ranked = dyn_cast<RankedTensorType>(tensorType);
  return ranked ? dyn_cast<quant::UniformQuantizedPerAxisType>(
                      ranked.getElementType())
                : nullptr;
}

quant::UniformQuantizedSubChannelType
mlir::qlinalg::getSubChannelType(Type tensorType) {
  auto ranked = dyn_cast<RankedTensorType>(tensorType);
  return ranked ? dyn_cast<quant::UniformQuantizedSubChannelType>(
                      ranked.getElementType())
                : nullptr;
}

/// Block size of every dimension of a sub-channel type (1 where unlisted).
static SmallVector<int64_t>
getBlockSizesPerDim(quant::UniformQuantizedSubChannelType t, int64_t rank) {
  SmallVector<int64_t> sizes(rank, 1);
  for (auto [dim, size] : t.getBlockSizeInfo())
    if (dim < rank)
      sizes[dim] = size;
  return sizes;
}

int64_t mlir::qlinalg::getRowGroupSize(Type tensorType) {
  auto t = getSubChannelType(tensorType);
  auto ranked = dyn_cast<RankedTensorType>(tensorType);
  if (!t || ranked.getRank() != 2)
    return 0;
  SmallVector<int64_t> sizes = getBlockSizesPerDim(t, 2);
  return sizes[1] == 1 ? sizes[0] : 0;
}

std::optional<QuantizedTypeParams>
mlir::qlinalg::getQuantizedTypeParams(Type tensorType) {
  QuantizedTypeParams p;
  quant::QuantizedType base;
  if (auto t = getSubChannelType(tensorType)) {
    for (APFloat v : t.getScales().getValues<APFloat>())
      p.scales.push_back(v.convertToDouble());
    for (APInt v : t.getZeroPoints().getValues<APInt>())
      p.zeroPoints.push_back(v.getSExtValue());
    p.blockSizes = getBlockSizesPerDim(
        t, cast<RankedTensorType>(tensorType).getRank());
    p.storageMin = t.getStorageTypeMin();
    p.storageMax = t.getStorageTypeMax();
    p.isSigned = t.isSigned();
    p.storageWidth = t.getStorageTypeIntegralWidth();
    return p;
  }
  if (auto t = getPerTensorType(tensorType)) {
    p.scales = {t.getScale()};
    p.zeroPoints = {t.getZeroPoint()};
    base = t;
  } else if (auto t = getPerAxisType(tensorType)) {
    p.scales.assign(t.getScales().begin(), t.getScales().end());
    p.zeroPoints.assign(t.getZeroPoints().begin(), t.getZeroPoints().end());
    p.axis = t.getQuantizedDimension();
    base = t;
  } else {
    return std::nullopt;
  }
  p.storageMin = base.getStorageTypeMin();
  p.storageMax = base.getStorageTypeMax();
  p.isSigned = base.isSigned();
  p.storageWidth = base.getStorageTypeIntegralWidth();
  return p;
}

LogicalResult mlir::qlinalg::verifyQuantizedTensorType(
    function_ref<InFlightDiagnostic()> emitError, Type type, StringRef what) {
  auto ranked = dyn_cast<RankedTensorType>(type);
  if (!ranked)
    return emitError() << what << " must be a ranked tensor";
  Type elem = ranked.getElementType();
  if (!isa<quant::UniformQuantizedType, quant::UniformQuantizedPerAxisType,
           quant::UniformQuantizedSubChannelType>(elem))
    return emitError() << what
                       << " must have a !quant.uniform element type (per "
                          "tensor, per axis or sub-channel), got "
                       << elem;
  std::optional<QuantizedTypeParams> p = getQuantizedTypeParams(type);
  for (auto [i, zp] : llvm::enumerate(p->zeroPoints)) {
    if (zp < p->storageMin || zp > p->storageMax)
      return emitError() << what << " zero point " << zp
                         << " is outside the storage range [" << p->storageMin
                         << ", " << p->storageMax << "]";
  }
  for (double s : p->scales)
    if (!(s > 0.0) || !std::isfinite(s))
      return emitError() << what << " scale " << s << " must be positive";
  if (auto sub = getSubChannelType(type)) {
    for (int32_t dim : sub.getQuantizedDimensions())
      if (dim >= ranked.getRank())
        return emitError() << what << " quantized dimension " << dim
                           << " is outside the rank " << ranked.getRank();
    ArrayRef<int64_t> scaleShape = sub.getScales().getType().getShape();
    if (static_cast<int64_t>(scaleShape.size()) != ranked.getRank())
      return emitError() << what << " has scales of rank "
                         << scaleShape.size() << " for a tensor of rank "
                         << ranked.getRank();
    for (int64_t d = 0; d < ranked.getRank(); ++d) {
      int64_t size = ranked.getDimSize(d), block = p->blockSizes[d];
      if (ShapedType::isDynamic(size))
        return emitError() << what
                           << " is sub-channel quantized and needs a static "
                              "shape";
      if (size % block != 0 || size / block != scaleShape[d])
        return emitError() << what << " dimension " << d << " of size "
                           << size << " does not split into " << scaleShape[d]
                           << " blocks of " << block;
    }
  }
  if (p->axis >= 0) {
    if (p->axis >= ranked.getRank())
      return emitError() << what << " quantized dimension " << p->axis
                         << " is outside the rank " << ranked.getRank();
    int64_t dim = ranked.getDimSize(p->axis);
    if (!ShapedType::isDynamic(dim) &&
        static_cast<int64_t>(p->scales.size()) != dim)
      return emitError() << what << " has " << p->scales.size()
                         << " scales for dimension " << p->axis << " of size "
                         << dim;
  }
  return success();
}

/// Checks that two shapes agree where both are static.
static bool areCompatibleShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  if (a.size() != b.size())
    return false;
  for (auto [x, y] : llvm::zip(a, b))
    if (!ShapedType::isDynamic(x) && !ShapedType::isDynamic(y) && x != y)
      return false;
  return true;
}

/// Relative equality for scales that are products of other scales.
static bool scalesMatch(double a, double b) {
  return std::fabs(a - b) <= 1e-6 * std::max(std::fabs(a), std::fabs(b));
}

//===----------------------------------------------------------------------===//
// ObserveOp
//===----------------------------------------------------------------------===//

LogicalResult ObserveOp::verify() {
  if (getId().empty())
    return emitOpError("requires a non-empty tensor id");
  if (!isa<FloatType>(getInput().getType().getElementType()))
    return emitOpError("observes float tensors only, got ")
           << getInput().getType();
  return success();
}

//===----------------------------------------------------------------------===//
// QuantizeOp / DequantizeOp
//===----------------------------------------------------------------------===//

/// Shared checks of the float <-> quantized border ops.
static LogicalResult verifyBorder(Operation *op, RankedTensorType floatType,
                                  RankedTensorType quantType) {
  auto emitError = [op]() { return op->emitOpError(); };
  if (failed(verifyQuantizedTensorType(emitError, quantType,
                                       "quantized type")))
    return failure();
  if (!areCompatibleShapes(floatType.getShape(), quantType.getShape()))
    return op->emitOpError("shapes differ: ")
           << floatType << " vs " << quantType;
  if (getSubChannelType(quantType))
    return op->emitOpError("sub-channel types are only supported on constant "
                           "weights (through quant.scast)");
  auto qtype = cast<quant::QuantizedType>(quantType.getElementType());
  if (!isa<FloatType>(floatType.getElementType()))
    return op->emitOpError("expects a float tensor on the float side, got ")
           << floatType;
  if (floatType.getElementType() != qtype.getExpressedType())
    return op->emitOpError("float element type ")
           << floatType.getElementType()
           << " does not match the expressed type "
           << qtype.getExpressedType() << " of the quantized type";
  if (qtype.getStorageTypeIntegralWidth() > 32)
    return op->emitOpError("storage wider than 32 bits is not supported");
  return success();
}

LogicalResult QuantizeOp::verify() {
  return verifyBorder(*this, getInput().getType(), getOutput().getType());
}

OpFoldResult QuantizeOp::fold(FoldAdaptor) {
  // quantize(dequantize(x)) with the same type is x: a dequantize/quantize
  // pair between two quantized ops that agree on the parameters vanishes.
  if (auto dq = getInput().getDefiningOp<DequantizeOp>())
    if (dq.getInput().getType() == getOutput().getType())
      return dq.getInput();
  return {};
}

LogicalResult DequantizeOp::verify() {
  return verifyBorder(*this, getOutput().getType(), getInput().getType());
}

//===----------------------------------------------------------------------===//
// Requantization shared checks
//===----------------------------------------------------------------------===//

/// Checks an 8-bit (or narrower) per-tensor requantization target and that
/// every multiplier s_acc / s_out can be applied in `mode`.
static LogicalResult verifyRequantization(Operation *op,
                                          ArrayRef<double> accScales,
                                          RankedTensorType outType,
                                          MultiplierMode mode) {
  auto emitError = [op]() { return op->emitOpError(); };
  if (failed(verifyQuantizedTensorType(emitError, outType, "result")))
    return failure();
  auto out = getPerTensorType(outType);
  if (!out)
    return op->emitOpError("requantized result must be quantized per tensor");
  if (out.getStorageTypeIntegralWidth() > 16)
    return op->emitOpError("requantized result storage must be at most 16 "
                           "bits wide, got ")
           << out.getStorageType();
  for (double s : accScales) {
    double m = s / out.getScale();
    if (mode == MultiplierMode::FixedPoint &&
        !numerics::quantizeMultiplier(m))
      return op->emitOpError("multiplier ")
             << m << " cannot be represented in fixed_point mode (must be "
                     "below 2^30)";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

bool MatmulOp::hasAccumulatorResult() {
  auto p = getQuantizedTypeParams(getResult().getType());
  return p && p->storageWidth == 32;
}

bool MatmulOp::hasFloatResult() {
  return getResult().getType().getElementType().isF32();
}

LogicalResult MatmulOp::verify() {
  auto emitError = [this]() { return emitOpError(); };
  auto lhsType = cast<RankedTensorType>(getLhs().getType());
  auto rhsType = cast<RankedTensorType>(getRhs().getType());
  auto resultType = cast<RankedTensorType>(getResult().getType());
  if (failed(verifyQuantizedTensorType(emitError, lhsType, "lhs")) ||
      failed(verifyQuantizedTensorType(emitError, rhsType, "rhs")))
    return failure();
  // Only a per-group rhs gives an f32 result; it is checked below.
  if (!(getSubChannelType(rhsType) && resultType.getElementType().isF32()) &&
      failed(verifyQuantizedTensorType(emitError, resultType, "result")))
    return failure();
  if (lhsType.getRank() != 2 || rhsType.getRank() != 2 ||
      resultType.getRank() != 2)
    return emitOpError("expects rank-2 operands and result");

  auto lhs = getPerTensorType(lhsType);
  if (!lhs)
    return emitOpError("lhs must be quantized per tensor");
  if (lhs.getStorageTypeIntegralWidth() > 8)
    return emitOpError("lhs storage must be at most 8 bits wide, got ")
           << lhs.getStorageType();
  QuantizedTypeParams rhs = *getQuantizedTypeParams(rhsType);
  if (rhs.storageWidth > 8 || !rhs.isSigned)
    return emitOpError("rhs storage must be a signed integer of at most 8 "
                       "bits");
  if (getSubChannelType(rhsType)) {
    if (!getRowGroupSize(rhsType))
      return emitOpError("a sub-channel rhs must be quantized per group of "
                         "rows and per column (block sizes {0:G, 1:1})");
    if (!resultType.getElementType().isF32())
      return emitOpError("a per-group rhs needs an f32 result (groups have "
                         "different accumulator scales), got ")
             << resultType;
    if (getBias())
      return emitOpError("a per-group matmul takes no bias; add it in float");
    if (!areCompatibleShapes(lhsType.getShape(), {resultType.getDimSize(0),
                                                  rhsType.getDimSize(0)}) ||
        !areCompatibleShapes({rhsType.getDimSize(1)},
                             {resultType.getDimSize(1)}) ||
        lhsType.getRank() != 2 || resultType.getRank() != 2)
      return emitOpError("result shape does not match lhs x rhs: ")
             << resultType;
    if (!getPerTensorType(lhsType))
      return emitOpError("lhs must be quantized per tensor");
    if (getMultiplier() || getRounding())
      return emitOpError("an f32 result takes no multiplier or rounding");
    return success();
  }
  if (rhs.axis >= 0 && rhs.axis != 1)
    return emitOpError("rhs may only be quantized per axis 1 (output "
                       "channels), got axis ")
           << rhs.axis;
  if (rhs.axis >= 0 && ShapedType::isDynamic(rhsType.getDimSize(1)))
    return emitOpError("a per-channel rhs needs a static number of output "
                       "columns");

  ArrayRef<int64_t> m = lhsType.getShape(), k = rhsType.getShape(),
                    r = resultType.getShape();
  if (!areCompatibleShapes({m[1]}, {k[0]}))
    return emitOpError("reduction dimensions differ: lhs ")
           << lhsType.getShape()[1] << " vs rhs " << rhsType.getShape()[0];
  if (!areCompatibleShapes({m[0], k[1]}, r))
    return emitOpError("result shape does not match ")
           << "lhs x rhs: " << resultType;

  // The accumulator scale of every output column.
  SmallVector<double> accScales;
  for (double sb : rhs.scales)
    accScales.push_back(lhs.getScale() * sb);

  if (Value bias = getBias()) {
    auto biasType = cast<RankedTensorType>(bias.getType());
    if (failed(verifyQuantizedTensorType(emitError, biasType, "bias")))
      return failure();
    QuantizedTypeParams b = *getQuantizedTypeParams(biasType);
    if (biasType.getRank() != 1 || b.storageWidth != 32 || !b.isSigned)
      return emitOpError("bias must be a rank-1 tensor of i32 storage");
    if (!areCompatibleShapes(biasType.getShape(), {k[1]}))
      return emitOpError("bias has ")
             << biasType.getShape()[0] << " elements for " << k[1]
             << " output columns";
    if (llvm::any_of(b.zeroPoints, [](int64_t z) { return z != 0; }))
      return emitOpError("bias zero point must be 0");
    if (b.axis >= 0 && ShapedType::isDynamic(biasType.getDimSize(0)) &&
        ShapedType::isDynamic(k[1]))
      return emitOpError("a per-channel bias needs a static number of "
                         "output columns");
    int64_t columns = ShapedType::isDynamic(k[1]) ? biasType.getDimSize(0)
                                                  : k[1];
    if (b.axis >= 0 && static_cast<int64_t>(b.scales.size()) != columns)
      return emitOpError("bias has ")
             << b.scales.size() << " scales for " << columns
             << " output columns";
    for (size_t i = 0, e = std::max(b.scales.size(), accScales.size()); i < e;
         ++i) {
      double bs = b.scales[b.scales.size() == 1 ? 0 : i];
      double as = accScales[accScales.size() == 1 ? 0 : i];
      if (!scalesMatch(bs, as))
        return emitOpError("bias scale ")
               << bs << " must equal lhs scale * rhs scale = " << as;
    }
  }

  QuantizedTypeParams res = *getQuantizedTypeParams(resultType);
  if (res.storageWidth == 32) {
    if (getMultiplier() || getRounding())
      return emitOpError("an i32 accumulator result takes no multiplier or "
                         "rounding");
    if (!res.isSigned ||
        llvm::any_of(res.zeroPoints, [](int64_t z) { return z != 0; }))
      return emitOpError("accumulator result must be signed with zero point 0");
    if ((rhs.axis >= 0) != (res.axis >= 0) ||
        (res.axis >= 0 && res.axis != 1))
      return emitOpError("accumulator result must be per axis 1 exactly when "
                         "rhs is");
    if (res.scales.size() != accScales.size())
      return emitOpError("accumulator result has ")
             << res.scales.size() << " scales but rhs has "
             << accScales.size();
    for (auto [as, rs] : llvm::zip(accScales, res.scales))
      if (!scalesMatch(as, rs))
        return emitOpError("accumulator scale ")
               << rs << " must equal lhs scale * rhs scale = " << as;
    return success();
  }
  if (!getMultiplier() || !getRounding())
    return emitOpError("a requantized result needs multiplier and rounding");
  return verifyRequantization(*this, accScales, resultType, *getMultiplier());
}

//===----------------------------------------------------------------------===//
// RequantizeOp
//===----------------------------------------------------------------------===//

LogicalResult RequantizeOp::verify() {
  auto emitError = [this]() { return emitOpError(); };
  auto inType = cast<RankedTensorType>(getInput().getType());
  auto outType = cast<RankedTensorType>(getOutput().getType());
  if (failed(verifyQuantizedTensorType(emitError, inType, "input")))
    return failure();
  QuantizedTypeParams in = *getQuantizedTypeParams(inType);
  if (in.storageWidth != 32 || !in.isSigned)
    return emitOpError("input must be an i32 accumulator, got storage of ")
           << in.storageWidth << " bits";
  if (llvm::any_of(in.zeroPoints, [](int64_t z) { return z != 0; }))
    return emitOpError("accumulator zero point must be 0");
  if (!areCompatibleShapes(inType.getShape(), outType.getShape()))
    return emitOpError("shapes differ: ") << inType << " vs " << outType;
  return verifyRequantization(*this, in.scales, outType, getMultiplier());
}

#define GET_OP_CLASSES
#include "qlinalg/Dialect/QLinalg/IR/QLinalgOps.cpp.inc"
