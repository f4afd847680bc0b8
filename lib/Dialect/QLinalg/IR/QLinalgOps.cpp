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
    p.blockSizes =
        getBlockSizesPerDim(t, cast<RankedTensorType>(tensorType).getRank());
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
      return emitError() << what << " has scales of rank " << scaleShape.size()
                         << " for a tensor of rank " << ranked.getRank();
    for (int64_t d = 0; d < ranked.getRank(); ++d) {
      int64_t size = ranked.getDimSize(d), block = p->blockSizes[d];
      if (ShapedType::isDynamic(size))
        return emitError() << what
                           << " is sub-channel quantized and needs a static "
                              "shape";
      if (size % block != 0 || size / block != scaleShape[d])
        return emitError() << what << " dimension " << d << " of size " << size
                           << " does not split into " << scaleShape[d]
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
  if (failed(verifyQuantizedTensorType(emitError, quantType, "quantized type")))
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
           << " does not match the expressed type " << qtype.getExpressedType()
           << " of the quantized type";
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

LogicalResult DynamicQuantizeOp::verify() {
  auto inType = cast<RankedTensorType>(getInput().getType());
  auto outType = cast<RankedTensorType>(getOutput().getType());
  if (!inType.getElementType().isF32())
    return emitOpError("expects an f32 input, got ") << inType;
  auto storage = dyn_cast<IntegerType>(outType.getElementType());
  if (!storage || storage.getWidth() != 8 || storage.isSigned())
    return emitOpError("result must be a tensor of ui8 or i8 integers, got ")
           << outType;
  if (!areCompatibleShapes(inType.getShape(), outType.getShape()))
    return emitOpError("shapes differ: ") << inType << " vs " << outType;
  return success();
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
    if (mode == MultiplierMode::FixedPoint && !numerics::quantizeMultiplier(m))
      return op->emitOpError("multiplier ")
             << m
             << " cannot be represented in fixed_point mode (must be "
                "below 2^30)";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// ContractionMaps
//===----------------------------------------------------------------------===//

SmallVector<AffineMap> ContractionMaps::getMaps() const {
  SmallVector<AffineMap> maps{lhs, rhs};
  if (bias)
    maps.push_back(bias);
  maps.push_back(out);
  return maps;
}

std::optional<unsigned> ContractionMaps::findDim(AffineMap map, unsigned loop) {
  for (auto [i, e] : llvm::enumerate(map.getResults()))
    if (auto d = dyn_cast<AffineDimExpr>(e); d && d.getPosition() == loop)
      return i;
  return std::nullopt;
}

unsigned ContractionMaps::getLoop(AffineMap map, unsigned dim) {
  return cast<AffineDimExpr>(map.getResult(dim)).getPosition();
}

ContractionMaps ContractionMaps::getMatmul(MLIRContext *ctx, bool hasBias) {
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  ContractionMaps maps;
  maps.lhs = AffineMap::get(3, 0, {m, k}, ctx);
  maps.rhs = AffineMap::get(3, 0, {k, n}, ctx);
  if (hasBias)
    maps.bias = AffineMap::get(3, 0, {n}, ctx);
  maps.out = AffineMap::get(3, 0, {m, n}, ctx);
  maps.reduction = {false, false, true};
  return maps;
}

/// Sizes of a projected-permutation operand agree, loop by loop, with what
/// the other operands say (static sizes only).
static LogicalResult
checkLoopSizes(Operation *op, const ContractionMaps &maps,
               ArrayRef<std::pair<StringRef, RankedTensorType>> operands) {
  SmallVector<AffineMap> all = maps.getMaps();
  SmallVector<int64_t> sizes(maps.getNumLoops(), ShapedType::kDynamic);
  SmallVector<StringRef> from(maps.getNumLoops());
  for (auto [map, named] : llvm::zip(all, operands)) {
    auto [name, type] = named;
    for (auto [dim, e] : llvm::enumerate(map.getResults())) {
      auto d = dyn_cast<AffineDimExpr>(e);
      int64_t size = type.getDimSize(dim);
      if (!d || ShapedType::isDynamic(size))
        continue;
      unsigned loop = d.getPosition();
      if (ShapedType::isDynamic(sizes[loop])) {
        sizes[loop] = size;
        from[loop] = name;
      } else if (sizes[loop] != size) {
        return op->emitOpError("loop d")
               << loop << " has size " << sizes[loop] << " in " << from[loop]
               << " but " << size << " in " << name;
      }
    }
  }
  return success();
}

/// The structural rules of the maps themselves.
static LogicalResult
verifyMaps(Operation *op, const ContractionMaps &maps,
           ArrayRef<std::pair<StringRef, RankedTensorType>> operands) {
  SmallVector<AffineMap> all = maps.getMaps();
  unsigned loops = maps.getNumLoops();
  for (auto [map, named] : llvm::zip(all, operands)) {
    auto [name, type] = named;
    if (map.getNumDims() != loops || map.getNumSymbols() != 0)
      return op->emitOpError("indexing map of ")
             << name << " must have " << loops << " dimensions (one per "
             << "iterator) and no symbols";
    if (map.getNumResults() != type.getRank())
      return op->emitOpError("indexing map of ")
             << name << " has " << map.getNumResults()
             << " results for an operand of rank " << type.getRank();
  }
  if (!maps.rhs.isProjectedPermutation())
    return op->emitOpError("indexing map of rhs must be a projected "
                           "permutation");
  if (maps.bias && !maps.bias.isProjectedPermutation())
    return op->emitOpError("indexing map of bias must be a projected "
                           "permutation");
  if (!maps.out.isProjectedPermutation())
    return op->emitOpError("indexing map of the result must be a projected "
                           "permutation");
  for (unsigned loop = 0; loop < loops; ++loop) {
    bool inOut = ContractionMaps::findDim(maps.out, loop).has_value();
    if (maps.reduction[loop]) {
      if (inOut)
        return op->emitOpError("reduction loop d")
               << loop << " indexes the result";
      if (!maps.lhs.isFunctionOfDim(loop) || !maps.rhs.isFunctionOfDim(loop))
        return op->emitOpError("reduction loop d")
               << loop << " must index both lhs and rhs";
    } else if (!inOut) {
      return op->emitOpError("parallel loop d")
             << loop << " does not index the result";
    }
  }
  if (maps.bias)
    for (unsigned dim = 0; dim < maps.bias.getNumResults(); ++dim)
      if (maps.reduction[ContractionMaps::getLoop(maps.bias, dim)])
        return op->emitOpError("bias is indexed by a reduction loop");
  return checkLoopSizes(op, maps, operands);
}

/// The sub-channel rules: one reduction dimension split into groups, every
/// other dimension either per element (parallel only) or whole.
static LogicalResult verifyPerGroupRhs(Operation *op,
                                       const ContractionMaps &maps,
                                       RankedTensorType rhsType,
                                       const QuantizedTypeParams &rhs) {
  int groupDims = 0;
  for (int64_t dim = 0; dim < rhsType.getRank(); ++dim) {
    int64_t size = rhsType.getDimSize(dim), block = rhs.blockSizes[dim];
    unsigned loop = ContractionMaps::getLoop(maps.rhs, dim);
    if (maps.reduction[loop]) {
      if (block == size)
        continue;
      ++groupDims;
      if (!ContractionMaps::findDim(maps.lhs, loop))
        return op->emitOpError("the grouped reduction loop d")
               << loop << " must index lhs directly";
    } else if (block != 1 && block != size) {
      return op->emitOpError("a sub-channel rhs may only group reduction "
                             "dimensions; rhs dimension ")
             << dim << " is an output channel with blocks of " << block;
    }
  }
  if (groupDims != 1)
    return op->emitOpError("a sub-channel rhs must be quantized per group "
                           "along exactly one reduction dimension (e.g. "
                           "block sizes {0:G, 1:1} for a K x N matmul rhs)");
  return success();
}

LogicalResult mlir::qlinalg::verifyContraction(
    Operation *op, const ContractionMaps &maps, RankedTensorType lhsType,
    RankedTensorType rhsType, RankedTensorType biasType,
    RankedTensorType resultType, std::optional<MultiplierMode> multiplier,
    std::optional<RoundingMode> rounding,
    std::optional<ArrayRef<int64_t>> clamp, bool dynamicLhs) {
  auto emitError = [op]() { return op->emitOpError(); };
  auto lhsInt = dyn_cast<IntegerType>(lhsType.getElementType());
  if (lhsInt && !dynamicLhs)
    return op->emitOpError("an integer lhs (")
           << lhsType
           << ") needs lhs_params: its run-time scale and zero point";
  // Weight-only: float activations times quantized weights.
  bool floatLhs = isa<FloatType>(lhsType.getElementType());
  if (dynamicLhs) {
    if (!lhsInt || lhsInt.getWidth() != 8 || lhsInt.isSigned())
      return op->emitOpError("with lhs_params, lhs must be a tensor of ui8 or "
                             "i8 integers, got ")
             << lhsType;
  } else if (floatLhs) {
    if (!lhsType.getElementType().isF32())
      return op->emitOpError("a float lhs (weight-only) must be f32, got ")
             << lhsType;
  } else if (failed(verifyQuantizedTensorType(emitError, lhsType, "lhs"))) {
    return failure();
  }
  if (failed(verifyQuantizedTensorType(emitError, rhsType, "rhs")))
    return failure();
  bool perGroup = getSubChannelType(rhsType) != nullptr;
  // Only a per-group rhs or a run-time lhs gives an f32 result; checked
  // below.
  if (!((perGroup || dynamicLhs || floatLhs) &&
        resultType.getElementType().isF32()) &&
      failed(verifyQuantizedTensorType(emitError, resultType, "result")))
    return failure();
  SmallVector<std::pair<StringRef, RankedTensorType>> operands{
      {"lhs", lhsType}, {"rhs", rhsType}};
  if (biasType)
    operands.push_back({"bias", biasType});
  operands.push_back({"the result", resultType});
  if (failed(verifyMaps(op, maps, operands)))
    return failure();

  if (dynamicLhs || floatLhs) {
    QuantizedTypeParams rhs = *getQuantizedTypeParams(rhsType);
    if (rhs.storageWidth > 8)
      return op->emitOpError("rhs storage must be at most 8 bits wide, got ")
             << rhs.storageWidth << " bits";
    if (perGroup && dynamicLhs)
      return op->emitOpError("a run-time quantized lhs takes a per-tensor or "
                             "per-channel rhs, not a per-group one");
    if (perGroup && failed(verifyPerGroupRhs(op, maps, rhsType, rhs)))
      return failure();
    StringRef form =
        dynamicLhs ? "a run-time quantized lhs" : "a float lhs (weight-only)";
    if (rhs.axis >= 0 &&
        maps.reduction[ContractionMaps::getLoop(maps.rhs, rhs.axis)])
      return op->emitOpError("rhs may only be quantized per axis along an "
                             "output channel; rhs dimension ")
             << rhs.axis << " is a reduction dimension";
    if (!resultType.getElementType().isF32())
      return op->emitOpError()
             << form << " needs an f32 result, got " << resultType;
    if (biasType)
      return op->emitOpError() << form << " takes no bias; add it in float";
    if (multiplier || rounding || clamp)
      return op->emitOpError("an f32 result takes no multiplier, rounding or "
                             "clamp");
    return success();
  }

  auto lhs = getPerTensorType(lhsType);
  if (!lhs)
    return op->emitOpError("lhs must be quantized per tensor");
  if (lhs.getStorageTypeIntegralWidth() > 8)
    return op->emitOpError("lhs storage must be at most 8 bits wide, got ")
           << lhs.getStorageType();
  QuantizedTypeParams rhs = *getQuantizedTypeParams(rhsType);
  if (rhs.storageWidth > 8)
    return op->emitOpError("rhs storage must be at most 8 bits wide, got ")
           << rhs.storageWidth << " bits";

  if (perGroup) {
    if (failed(verifyPerGroupRhs(op, maps, rhsType, rhs)))
      return failure();
    if (!resultType.getElementType().isF32())
      return op->emitOpError("a per-group rhs needs an f32 result (groups "
                             "have different accumulator scales), got ")
             << resultType;
    if (biasType)
      return op->emitOpError("a per-group contraction takes no bias; add it "
                             "in float");
    if (multiplier || rounding || clamp)
      return op->emitOpError("an f32 result takes no multiplier, rounding or "
                             "clamp");
    return success();
  }

  // The output channel: the result dimension of the rhs axis's loop.
  int64_t outAxis = -1;
  if (rhs.axis >= 0) {
    unsigned loop = ContractionMaps::getLoop(maps.rhs, rhs.axis);
    if (maps.reduction[loop])
      return op->emitOpError("rhs may only be quantized per axis along an "
                             "output channel; rhs dimension ")
             << rhs.axis << " is a reduction dimension";
    if (ShapedType::isDynamic(rhsType.getDimSize(rhs.axis)))
      return op->emitOpError("a per-channel rhs needs a static number of "
                             "output channels");
    outAxis = *ContractionMaps::findDim(maps.out, loop);
  }

  // The accumulator scale of every output channel.
  SmallVector<double> accScales;
  for (double sb : rhs.scales)
    accScales.push_back(lhs.getScale() * sb);

  if (biasType) {
    if (failed(verifyQuantizedTensorType(emitError, biasType, "bias")))
      return failure();
    QuantizedTypeParams b = *getQuantizedTypeParams(biasType);
    if (b.storageWidth != 32 || !b.isSigned)
      return op->emitOpError("bias must be a tensor of i32 storage");
    if (llvm::any_of(b.zeroPoints, [](int64_t z) { return z != 0; }))
      return op->emitOpError("bias zero point must be 0");
    if (b.axis >= 0 &&
        (rhs.axis < 0 || ContractionMaps::getLoop(maps.bias, b.axis) !=
                             ContractionMaps::getLoop(maps.rhs, rhs.axis)))
      return op->emitOpError("a per-axis bias must be quantized along the "
                             "output channel of the per-axis rhs");
    if (b.axis >= 0 && b.scales.size() != accScales.size())
      return op->emitOpError("bias has ")
             << b.scales.size() << " scales for " << accScales.size()
             << " output channels";
    for (size_t i = 0, e = std::max(b.scales.size(), accScales.size()); i < e;
         ++i) {
      double bs = b.scales[b.scales.size() == 1 ? 0 : i];
      double as = accScales[accScales.size() == 1 ? 0 : i];
      if (!scalesMatch(bs, as))
        return op->emitOpError("bias scale ")
               << bs << " must equal lhs scale * rhs scale = " << as;
    }
  }

  QuantizedTypeParams res = *getQuantizedTypeParams(resultType);
  if (res.storageWidth == 32) {
    if (multiplier || rounding || clamp)
      return op->emitOpError("an i32 accumulator result takes no multiplier, "
                             "rounding or clamp");
    if (!res.isSigned ||
        llvm::any_of(res.zeroPoints, [](int64_t z) { return z != 0; }))
      return op->emitOpError(
          "accumulator result must be signed with zero point 0");
    if (res.axis != outAxis && outAxis < 0)
      return op->emitOpError("accumulator result must be per tensor when rhs "
                             "is");
    if (res.axis != outAxis)
      return op->emitOpError("accumulator result must be per axis ")
             << outAxis << " (the output channel of the per-axis rhs)";
    if (res.scales.size() != accScales.size())
      return op->emitOpError("accumulator result has ")
             << res.scales.size() << " scales but rhs has " << accScales.size();
    for (auto [as, rs] : llvm::zip(accScales, res.scales))
      if (!scalesMatch(as, rs))
        return op->emitOpError("accumulator scale ")
               << rs << " must equal lhs scale * rhs scale = " << as;
    return success();
  }
  if (!multiplier || !rounding)
    return op->emitOpError(
        "a requantized result needs multiplier and rounding");
  if (failed(verifyRequantization(op, accScales, resultType, *multiplier)))
    return failure();
  if (clamp) {
    if (clamp->size() != 2 || (*clamp)[0] > (*clamp)[1])
      return op->emitOpError("clamp must be [lo, hi] with lo <= hi");
    if ((*clamp)[0] < res.storageMin || (*clamp)[1] > res.storageMax)
      return op->emitOpError("clamp [")
             << (*clamp)[0] << ", " << (*clamp)[1]
             << "] is outside the storage range [" << res.storageMin << ", "
             << res.storageMax << "]";
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

ContractionMaps MatmulOp::getContractionMaps() {
  return ContractionMaps::getMatmul(getContext(), getBias() != nullptr);
}

LogicalResult MatmulOp::verify() {
  auto lhsType = cast<RankedTensorType>(getLhs().getType());
  auto rhsType = cast<RankedTensorType>(getRhs().getType());
  auto resultType = cast<RankedTensorType>(getResult().getType());
  RankedTensorType biasType =
      getBias() ? cast<RankedTensorType>(getBias().getType()) : nullptr;
  if (lhsType.getRank() != 2 || rhsType.getRank() != 2 ||
      resultType.getRank() != 2)
    return emitOpError("expects rank-2 operands and result");
  if (biasType && biasType.getRank() != 1)
    return emitOpError("bias must be a rank-1 tensor of i32 storage");
  if (!isa<quant::QuantizedType>(lhsType.getElementType()))
    return emitOpError("lhs must be quantized (float or run-time quantized "
                       "activations take qlinalg.contract), got ")
           << lhsType;
  return verifyContraction(*this, getContractionMaps(), lhsType, rhsType,
                           biasType, resultType, getMultiplier(), getRounding(),
                           std::nullopt);
}

//===----------------------------------------------------------------------===//
// ContractOp
//===----------------------------------------------------------------------===//

bool ContractOp::hasAccumulatorResult() {
  auto p = getQuantizedTypeParams(getResult().getType());
  return p && p->storageWidth == 32;
}

bool ContractOp::hasFloatResult() {
  return getResult().getType().getElementType().isF32();
}

ContractionMaps ContractOp::getContractionMaps() {
  ContractionMaps maps;
  SmallVector<AffineMap> all =
      llvm::map_to_vector(getIndexingMaps(), [](Attribute a) {
        return cast<AffineMapAttr>(a).getValue();
      });
  maps.lhs = all[0];
  maps.rhs = all[1];
  maps.bias = getBias() ? all[2] : AffineMap();
  maps.out = all.back();
  for (Attribute a : getIteratorTypes())
    maps.reduction.push_back(cast<StringAttr>(a).getValue() == "reduction");
  return maps;
}

LogicalResult ContractOp::verify() {
  size_t expected = getBias() ? 4 : 3;
  if (getIndexingMaps().size() != expected)
    return emitOpError("expects ")
           << expected << " indexing maps (lhs, rhs, "
           << (getBias() ? "bias, " : "") << "result), got "
           << getIndexingMaps().size();
  for (Attribute a : getIteratorTypes()) {
    StringRef kind = cast<StringAttr>(a).getValue();
    if (kind != "parallel" && kind != "reduction")
      return emitOpError("iterator type '")
             << kind << "' is neither \"parallel\" nor \"reduction\"";
  }
  if (getResult().getType() != getInit().getType())
    return emitOpError("result type ")
           << getResult().getType() << " must be the type of init "
           << getInit().getType();
  auto biasType =
      getBias() ? cast<RankedTensorType>(getBias().getType()) : nullptr;
  std::optional<ArrayRef<int64_t>> clamp;
  if (getClamp())
    clamp = *getClamp();
  if (!getLhsScale() != !getLhsZeroPoint())
    return emitOpError("lhs_params needs both the scale and the zero point");
  return verifyContraction(
      *this, getContractionMaps(), cast<RankedTensorType>(getLhs().getType()),
      cast<RankedTensorType>(getRhs().getType()), biasType,
      cast<RankedTensorType>(getResult().getType()), getMultiplier(),
      getRounding(), clamp, hasDynamicLhs());
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
  if (in.storageWidth <= 16) {
    // A rescale of a quantized tensor: per tensor, any zero point.
    if (!getPerTensorType(inType))
      return emitOpError("a rescaled input must be quantized per tensor");
  } else if (in.storageWidth != 32 || !in.isSigned) {
    return emitOpError("input must be an i32 accumulator or a tensor of at "
                       "most 16 bits, got storage of ")
           << in.storageWidth << " bits";
  } else if (llvm::any_of(in.zeroPoints, [](int64_t z) { return z != 0; })) {
    return emitOpError("accumulator zero point must be 0");
  }
  if (!areCompatibleShapes(inType.getShape(), outType.getShape()))
    return emitOpError("shapes differ: ") << inType << " vs " << outType;
  return verifyRequantization(*this, in.scales, outType, getMultiplier());
}

//===----------------------------------------------------------------------===//
// AddOp / MulOp
//===----------------------------------------------------------------------===//

/// Operands and result 8-bit per tensor, a clamp inside the result's range,
/// and in fixed_point mode every multiplier representable.
static LogicalResult verifyElementwiseBinary(
    Operation *op, MultiplierMode mode, std::optional<ArrayRef<int64_t>> clamp,
    function_ref<SmallVector<double>(double, double, double)> multipliers) {
  auto emitError = [op]() { return op->emitOpError(); };
  SmallVector<quant::UniformQuantizedType> types;
  for (auto [value, what] : {std::pair(op->getOperand(0), "lhs"),
                             {op->getOperand(1), "rhs"},
                             {op->getResult(0), "result"}}) {
    auto type = cast<RankedTensorType>(value.getType());
    if (failed(verifyQuantizedTensorType(emitError, type, what)))
      return failure();
    auto q = getPerTensorType(type);
    if (!q)
      return op->emitOpError() << what << " must be quantized per tensor";
    if (q.getStorageTypeIntegralWidth() > 8)
      return op->emitOpError()
             << what << " storage must be at most 8 bits wide, got "
             << q.getStorageType();
    types.push_back(q);
  }
  quant::UniformQuantizedType out = types[2];
  if (clamp) {
    if (clamp->size() != 2 || (*clamp)[0] > (*clamp)[1])
      return op->emitOpError("clamp must be [lo, hi] with lo <= hi");
    if ((*clamp)[0] < out.getStorageTypeMin() ||
        (*clamp)[1] > out.getStorageTypeMax())
      return op->emitOpError("clamp [")
             << (*clamp)[0] << ", " << (*clamp)[1]
             << "] is outside the result storage range ["
             << out.getStorageTypeMin() << ", " << out.getStorageTypeMax()
             << "]";
  }
  if (mode != MultiplierMode::FixedPoint)
    return success();
  for (double m :
       multipliers(types[0].getScale(), types[1].getScale(), out.getScale()))
    if (!numerics::quantizeMultiplier(m))
      return op->emitOpError("multiplier ")
             << m
             << " cannot be represented in fixed_point mode (must be "
                "below 2^30)";
  return success();
}

LogicalResult AddOp::verify() {
  return verifyElementwiseBinary(
      *this, getMultiplier(), getClamp(), [](double a, double b, double o) {
        numerics::AddMultipliers m = numerics::getAddMultipliers(a, b, o);
        return SmallVector<double>{m.lhs, m.rhs, m.out};
      });
}

LogicalResult MulOp::verify() {
  return verifyElementwiseBinary(
      *this, getMultiplier(), getClamp(), [](double a, double b, double o) {
        return SmallVector<double>{numerics::getMulMultiplier(a, b, o)};
      });
}

#define GET_OP_CLASSES
#include "qlinalg/Dialect/QLinalg/IR/QLinalgOps.cpp.inc"
