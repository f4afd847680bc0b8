//===- Lower.cpp - qlinalg to integer linalg: --qlinalg-lower -------------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Every op is lowered to the integer arithmetic that numerics::* defines, op
// for op, so the JIT-compiled result is bit-exact with the compile-time
// library and the numpy reference.
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Conversion/Lower.h"

#include "qlinalg/Conversion/Passes.h"
#include "qlinalg/Dialect/QLinalg/IR/QLinalg.h"
#include "qlinalg/Numerics/Numerics.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

namespace mlir::qlinalg {
#define GEN_PASS_DEF_QLINALGLOWER
#include "qlinalg/Conversion/Passes.h.inc"
} // namespace mlir::qlinalg

using namespace mlir;
using namespace mlir::qlinalg;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

static Value intConst(OpBuilder &b, Location loc, Type type, int64_t v) {
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, v));
}
static Value f32Const(OpBuilder &b, Location loc, float v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
}

/// A 1-D constant of per-channel (or, with one element, per-tensor) values.
static DenseElementsAttr f32Param(OpBuilder &b, ArrayRef<float> values) {
  return DenseElementsAttr::get(
      RankedTensorType::get({int64_t(values.size())}, b.getF32Type()), values);
}
static DenseElementsAttr intParam(OpBuilder &b, unsigned width,
                                  ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({int64_t(values.size())},
                                    b.getIntegerType(width));
  SmallVector<APInt> ints;
  for (int64_t v : values)
    ints.emplace_back(width, v, /*isSigned=*/true);
  return DenseElementsAttr::get(type, ints);
}

/// `tensor.empty` with the shape of `like` (dynamic sizes read from it).
static Value emptyLike(OpBuilder &b, Location loc, Value like, Type elem) {
  return tensor::EmptyOp::create(b, loc, tensor::getMixedSizes(b, loc, like),
                                 elem);
}

using ElementwiseBody = function_ref<Value(OpBuilder &, Location, ValueRange,
                                           ArrayRef<Value>)>;

/// An elementwise `linalg.generic` over `inputs` (all of one shape) producing
/// `resultElem`. Each of `params` has one value per slice along `axis`, read
/// as a 1-D tensor indexed by that dimension, or, when `axis` < 0, a single
/// value materialized as a scalar constant.
static Value emitElementwise(OpBuilder &b, Location loc, ValueRange inputs,
                             Type resultElem, int64_t axis,
                             ArrayRef<DenseElementsAttr> params,
                             ElementwiseBody body) {
  auto type = cast<RankedTensorType>(inputs[0].getType());
  int64_t rank = type.getRank();
  MLIRContext *ctx = b.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  SmallVector<AffineMap> maps(inputs.size(), identity);
  SmallVector<Value> operands(inputs);
  if (axis >= 0) {
    for (DenseElementsAttr p : params) {
      operands.push_back(arith::ConstantOp::create(b, loc, p));
      maps.push_back(AffineMap::get(rank, 0, b.getAffineDimExpr(axis)));
    }
  }
  maps.push_back(identity);
  Value init = emptyLike(b, loc, inputs[0], resultElem);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  size_t numInputs = inputs.size();
  auto generic = linalg::GenericOp::create(
      b, loc, init.getType(), operands, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        SmallVector<Value> values;
        if (axis >= 0) {
          values.append(args.begin() + numInputs,
                        args.begin() + numInputs + params.size());
        } else {
          for (DenseElementsAttr p : params)
            values.push_back(arith::ConstantOp::create(
                nb, nl, cast<TypedAttr>(*p.getValues<Attribute>().begin())));
        }
        Value result = body(nb, nl, args.take_front(numInputs), values);
        linalg::YieldOp::create(nb, nl, result);
      });
  return generic.getResult(0);
}

/// Clamps an f32 to the storage range (NaN gives qmin) and converts it.
static Value clampToStorage(OpBuilder &b, Location loc, Value v,
                            numerics::StorageRange range,
                            IntegerType storage) {
  auto [lo, hi] = numerics::getFloatBounds(range);
  v = arith::MaxNumFOp::create(b, loc, v, f32Const(b, loc, lo));
  v = arith::MinNumFOp::create(b, loc, v, f32Const(b, loc, hi));
  Value i = arith::FPToSIOp::create(b, loc, b.getI32Type(), v);
  if (storage.getWidth() < 32)
    i = arith::TruncIOp::create(b, loc, storage, i);
  return i;
}

/// `v` extended to i32 (zero-extended when `isUnsigned`).
static Value extendToI32(OpBuilder &b, Location loc, Value v,
                         bool isUnsigned) {
  Type i32 = b.getI32Type();
  if (v.getType() == i32)
    return v;
  if (isUnsigned)
    return arith::ExtUIOp::create(b, loc, i32, v);
  return arith::ExtSIOp::create(b, loc, i32, v);
}

/// Sum of ext(input) over the reduction dimensions of `iterators`, into a
/// zero-filled i32 tensor of `sizes`: the row and column sums of the
/// zero-point decomposition.
static Value emitExtendedSum(OpBuilder &b, Location loc, Value input,
                             bool isUnsigned, ArrayRef<OpFoldResult> sizes,
                             AffineMap inputMap, AffineMap outputMap,
                             ArrayRef<utils::IteratorType> iterators) {
  Type i32 = b.getI32Type();
  Value init = tensor::EmptyOp::create(b, loc, sizes, i32);
  init = linalg::FillOp::create(b, loc, intConst(b, loc, i32, 0), init)
             .getResult(0);
  return linalg::GenericOp::create(
             b, loc, init.getType(), input, init,
             ArrayRef<AffineMap>{inputMap, outputMap}, iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value v = extendToI32(nb, nl, args[0], isUnsigned);
               linalg::YieldOp::create(
                   nb, nl, arith::AddIOp::create(nb, nl, v, args[1]).getResult());
             })
      .getResult(0);
}

static numerics::StorageRange getRange(const QuantizedTypeParams &p) {
  return {p.storageMin, p.storageMax};
}

static IntegerType getStorageType(OpBuilder &b, Type tensorType) {
  auto t = cast<RankedTensorType>(tensorType);
  return cast<IntegerType>(
      cast<quant::QuantizedType>(t.getElementType()).getStorageType());
}

/// The i8 data behind `quant.scast(arith.constant)`, or null.
static DenseElementsAttr getConstantStorage(Value value) {
  auto cast = value ? value.getDefiningOp<quant::StorageCastOp>() : nullptr;
  DenseElementsAttr attr;
  if (!cast || !matchPattern(cast.getInput(), m_Constant(&attr)))
    return {};
  return attr;
}

//===----------------------------------------------------------------------===//
// Requantization
//===----------------------------------------------------------------------===//

/// `acc` (i32 storage) to `outType`'s storage: numerics::requantizeFixedPoint
/// or numerics::requantizeFloat per element, multipliers per channel along
/// `axis` (or one when `axis` < 0).
static Value emitRequantize(OpBuilder &b, Location loc, Value acc,
                            ArrayRef<double> accScales, int64_t axis,
                            Type outType, MultiplierMode mode,
                            RoundingMode rounding) {
  QuantizedTypeParams out = *getQuantizedTypeParams(outType);
  numerics::StorageRange range = getRange(out);
  IntegerType storage = getStorageType(b, outType);
  double outScale = out.scales[0];
  int64_t zp = out.zeroPoints[0];
  bool tiesToEven = rounding == RoundingMode::HalfToEven;
  if (axis < 0)
    accScales = accScales.take_front(1);

  if (mode == MultiplierMode::Float) {
    SmallVector<float> multipliers;
    for (double s : accScales)
      multipliers.push_back(static_cast<float>(s / outScale));
    return emitElementwise(
        b, loc, acc, storage, axis, {f32Param(b, multipliers)},
        [&](OpBuilder &nb, Location nl, ValueRange in, ArrayRef<Value> p) {
          Value x = arith::SIToFPOp::create(nb, nl, nb.getF32Type(), in[0]);
          Value prod = arith::MulFOp::create(nb, nl, x, p[0]);
          Value r = tiesToEven
                        ? math::RoundEvenOp::create(nb, nl, prod).getResult()
                        : math::RoundOp::create(nb, nl, prod).getResult();
          Value y = arith::AddFOp::create(nb, nl, r,
                                          f32Const(nb, nl, float(zp)));
          return clampToStorage(nb, nl, y, range, storage);
        });
  }

  // Fixed point: TFLite's MultiplyByQuantizedMultiplier in i64 arithmetic.
  SmallVector<int64_t> mults, lefts, rights;
  for (double s : accScales) {
    std::optional<numerics::FixedPointMultiplier> m =
        numerics::quantizeMultiplier(s / outScale);
    assert(m && "verifier checked that the multiplier is representable");
    mults.push_back(m->multiplier);
    lefts.push_back(std::max(m->shift, 0));
    rights.push_back(std::max(-m->shift, 0));
  }
  return emitElementwise(
      b, loc, acc, storage, axis,
      {intParam(b, 64, mults), intParam(b, 64, lefts), intParam(b, 64, rights)},
      [&](OpBuilder &nb, Location nl, ValueRange in, ArrayRef<Value> p) {
        Type i64 = nb.getI64Type();
        auto c = [&](int64_t v) { return intConst(nb, nl, i64, v); };
        Value x = arith::ExtSIOp::create(nb, nl, i64, in[0]);
        // Saturating left shift.
        Value xl = arith::ShLIOp::create(nb, nl, x, p[1]);
        xl = arith::MaxSIOp::create(nb, nl, xl, c(INT32_MIN));
        xl = arith::MinSIOp::create(nb, nl, xl, c(INT32_MAX));
        // Saturating rounding doubling high multiply; the multiplier is
        // positive, so the INT32_MIN * INT32_MIN saturation cannot arise.
        Value ab = arith::MulIOp::create(nb, nl, xl, p[0]);
        Value nonNeg = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sge,
                                             ab, c(0));
        Value nudge = arith::SelectOp::create(nb, nl, nonNeg, c(1LL << 30),
                                              c(1 - (1LL << 30)));
        Value high = arith::DivSIOp::create(
            nb, nl, arith::AddIOp::create(nb, nl, ab, nudge), c(1LL << 31));
        // Rounding right shift.
        Value pot = arith::ShLIOp::create(nb, nl, c(1), p[2]);
        Value mask = arith::SubIOp::create(nb, nl, pot, c(1));
        Value rem = arith::AndIOp::create(nb, nl, high, mask);
        Value floor = arith::ShRSIOp::create(nb, nl, high, p[2]);
        Value up;
        if (!tiesToEven) {
          Value neg = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::slt,
                                            high, c(0));
          Value threshold = arith::AddIOp::create(
              nb, nl, arith::ShRSIOp::create(nb, nl, mask, c(1)),
              arith::ExtUIOp::create(nb, nl, i64, neg));
          up = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sgt, rem,
                                     threshold);
        } else {
          Value half = arith::ShRSIOp::create(nb, nl, pot, c(1));
          Value above = arith::CmpIOp::create(
              nb, nl, arith::CmpIPredicate::sgt, rem, half);
          Value tie = arith::AndIOp::create(
              nb, nl,
              arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq, rem,
                                    half),
              arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::ne, half,
                                    c(0)));
          Value odd = arith::CmpIOp::create(
              nb, nl, arith::CmpIPredicate::ne,
              arith::AndIOp::create(nb, nl, floor, c(1)), c(0));
          up = arith::OrIOp::create(nb, nl, above,
                                    arith::AndIOp::create(nb, nl, tie, odd));
        }
        Value scaled = arith::AddIOp::create(
            nb, nl, floor, arith::ExtUIOp::create(nb, nl, i64, up));
        Value y = arith::AddIOp::create(nb, nl, scaled, c(zp));
        y = arith::MaxSIOp::create(nb, nl, y, c(range.qmin));
        y = arith::MinSIOp::create(nb, nl, y, c(range.qmax));
        return arith::TruncIOp::create(nb, nl, storage, y).getResult();
      });
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

namespace {

struct ObserveLowering : public OpConversionPattern<ObserveOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ObserveOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(op, adaptor.getInput());
    return success();
  }
};

struct StorageCastLowering : public OpConversionPattern<quant::StorageCastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(quant::StorageCastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type resultType = getTypeConverter()->convertType(op.getType());
    if (resultType != adaptor.getInput().getType())
      return rewriter.notifyMatchFailure(op, "not a storage reinterpretation");
    rewriter.replaceOp(op, adaptor.getInput());
    return success();
  }
};

struct QuantizeLowering : public OpConversionPattern<QuantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(QuantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    QuantizedTypeParams p = *getQuantizedTypeParams(op.getOutput().getType());
    IntegerType storage = getStorageType(rewriter, op.getOutput().getType());
    SmallVector<float> scales, zps;
    for (auto [s, z] : llvm::zip(p.scales, p.zeroPoints)) {
      scales.push_back(static_cast<float>(s));
      zps.push_back(static_cast<float>(z));
    }
    numerics::StorageRange range = getRange(p);
    Value result = emitElementwise(
        rewriter, loc, adaptor.getInput(), storage, p.axis,
        {f32Param(rewriter, scales), f32Param(rewriter, zps)},
        [&](OpBuilder &b, Location l, ValueRange in, ArrayRef<Value> params) {
          Value x = in[0];
          if (!x.getType().isF32())
            x = arith::ExtFOp::create(b, l, b.getF32Type(), x);
          Value d = arith::DivFOp::create(b, l, x, params[0]);
          Value r = math::RoundEvenOp::create(b, l, d);
          Value y = arith::AddFOp::create(b, l, r, params[1]);
          return clampToStorage(b, l, y, range, storage);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct DequantizeLowering : public OpConversionPattern<DequantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    QuantizedTypeParams p = *getQuantizedTypeParams(op.getInput().getType());
    Type floatElem = op.getOutput().getType().getElementType();
    SmallVector<float> scales;
    for (double s : p.scales)
      scales.push_back(static_cast<float>(s));
    Value result = emitElementwise(
        rewriter, op.getLoc(), adaptor.getInput(), floatElem, p.axis,
        {f32Param(rewriter, scales), intParam(rewriter, 32, p.zeroPoints)},
        [&](OpBuilder &b, Location l, ValueRange in, ArrayRef<Value> params) {
          Type i32 = b.getI32Type();
          Value q = in[0];
          if (q.getType() != i32)
            q = p.isSigned ? arith::ExtSIOp::create(b, l, i32, q).getResult()
                           : arith::ExtUIOp::create(b, l, i32, q).getResult();
          Value centered = arith::SubIOp::create(b, l, q, params[1]);
          Value f = arith::SIToFPOp::create(b, l, b.getF32Type(), centered);
          Value x = arith::MulFOp::create(b, l, f, params[0]);
          if (floatElem != x.getType())
            x = arith::TruncFOp::create(b, l, floatElem, x);
          return x;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct RequantizeLowering : public OpConversionPattern<RequantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(RequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    QuantizedTypeParams in = *getQuantizedTypeParams(op.getInput().getType());
    Value result = emitRequantize(rewriter, op.getLoc(), adaptor.getInput(),
                                  in.scales, in.axis, op.getOutput().getType(),
                                  op.getMultiplier(), op.getRounding());
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The zero-point decomposition around a target's `sum_k a*b` kernel.
struct MatmulLowering : public OpConversionPattern<MatmulOp> {
  MatmulLowering(const TypeConverter &converter, MLIRContext *ctx,
                 const KernelTarget &target)
      : OpConversionPattern(converter, ctx), target(target) {}

  LogicalResult
  matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (getRowGroupSize(op.getRhs().getType()))
      return lowerPerGroup(op, adaptor, rewriter);
    Location loc = op.getLoc();
    Type i32 = rewriter.getI32Type();
    quant::UniformQuantizedType lhsType = getPerTensorType(op.getLhs().getType());
    QuantizedTypeParams rhs = *getQuantizedTypeParams(op.getRhs().getType());
    auto rhsType = cast<RankedTensorType>(op.getRhs().getType());
    int64_t k = rhsType.getDimSize(0), n = rhsType.getDimSize(1);
    bool perChannel = rhs.axis >= 0;
    if (perChannel && ShapedType::isDynamic(n))
      return rewriter.notifyMatchFailure(
          op, "per-channel rhs needs a static number of columns");
    int64_t za = lhsType.getZeroPoint();
    bool lhsUnsigned = !lhsType.isSigned();
    SmallVector<int64_t> zb(rhs.zeroPoints);
    bool anyZb = llvm::any_of(zb, [](int64_t z) { return z != 0; });
    auto zbAt = [&](int64_t col) { return zb[perChannel ? col : 0]; };

    Value lhs = adaptor.getLhs();
    Value rhsValue = adaptor.getRhs();
    Value bias = adaptor.getBias();
    SmallVector<OpFoldResult> accSizes{
        tensor::getMixedSize(rewriter, loc, lhs, 0),
        tensor::getMixedSize(rewriter, loc, rhsValue, 1)};
    Value empty = tensor::EmptyOp::create(rewriter, loc, accSizes, i32);

    // The per-column term bias[n] - za*sum_k b[k,n] + K*za*zb[n] initializes
    // the accumulator. With constant weights it is folded here, at compile
    // time, and the weights are packed for the target.
    DenseElementsAttr weights = getConstantStorage(op.getRhs());
    DenseElementsAttr biasData = getConstantStorage(op.getBias());
    Value columnTerm;
    if (weights && !ShapedType::isDynamic(k) && (!bias || biasData)) {
      SmallVector<int64_t> colSums(n, 0);
      auto w = weights.getValues<APInt>();
      for (int64_t row = 0; row < k; ++row)
        for (int64_t col = 0; col < n; ++col)
          colSums[col] += w[row * n + col].getSExtValue();
      SmallVector<int32_t> term(n);
      for (int64_t col = 0; col < n; ++col) {
        // i32 wrap-around, as the accumulation itself.
        uint64_t t = uint64_t(k) * uint64_t(za) * uint64_t(zbAt(col)) -
                     uint64_t(za) * uint64_t(colSums[col]);
        if (biasData)
          t += uint64_t(biasData.getValues<APInt>()[col].getSExtValue());
        term[col] = static_cast<int32_t>(static_cast<uint32_t>(t));
      }
      columnTerm = arith::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(RankedTensorType::get({n}, i32),
                                 ArrayRef<int32_t>(term)));
      DenseElementsAttr packed = packWeights(weights, target.weightLayout);
      if (packed != weights)
        rhsValue = arith::ConstantOp::create(rewriter, loc, packed);
    } else {
      columnTerm = emitRuntimeColumnTerm(rewriter, loc, rhsValue, bias, za,
                                         perChannel ? rhs.axis : -1, zb);
    }
    Value init = linalg::BroadcastOp::create(rewriter, loc, columnTerm, empty,
                                             ArrayRef<int64_t>{0})
                     .getResult()[0];

    Value acc = target.emitAccumulate(rewriter, loc, lhs, lhsUnsigned,
                                      rhsValue, init);
    if (anyZb)
      acc = subtractRowSums(rewriter, loc, acc, lhs, lhsUnsigned, zb,
                            perChannel);

    if (op.hasAccumulatorResult()) {
      rewriter.replaceOp(op, acc);
      return success();
    }
    SmallVector<double> accScales;
    for (double sb : rhs.scales)
      accScales.push_back(lhsType.getScale() * sb);
    Value result = emitRequantize(rewriter, loc, acc, accScales,
                                  perChannel ? 1 : -1, op.getType(),
                                  *op.getMultiplier(), *op.getRounding());
    rewriter.replaceOp(op, result);
    return success();
  }

private:
  /// A per-group rhs: for every group g of G rows, the exact i32 sum
  ///   acc[m, g, n] = sum_{k in g} (a[m,k] - za) * (b[k,n] - zb[g,n])
  /// (zero points folded as in the per-channel case, per group), then the f32
  /// combination y[m, n] = sum_g f32(sa * s[g,n]) * f32(acc[m, g, n]), in
  /// increasing g.
  LogicalResult lowerPerGroup(MatmulOp op, OpAdaptor adaptor,
                              ConversionPatternRewriter &rewriter) const {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Type i32 = rewriter.getI32Type(), f32 = rewriter.getF32Type();
    quant::UniformQuantizedType lhsType =
        getPerTensorType(op.getLhs().getType());
    QuantizedTypeParams rhs = *getQuantizedTypeParams(op.getRhs().getType());
    auto rhsType = cast<RankedTensorType>(op.getRhs().getType());
    int64_t k = rhsType.getDimSize(0), n = rhsType.getDimSize(1);
    int64_t groupSize = getRowGroupSize(rhsType), groups = k / groupSize;
    int64_t za = lhsType.getZeroPoint();
    bool lhsUnsigned = !lhsType.isSigned();
    bool anyZb = llvm::any_of(rhs.zeroPoints, [](int64_t z) { return z; });
    Value lhs = adaptor.getLhs(), w = adaptor.getRhs();

    // Views with the groups split out: lhs M x Gs x G, rhs Gs x G x N.
    auto lhsStorage = cast<RankedTensorType>(lhs.getType());
    Type lhsElem = lhsStorage.getElementType();
    Value lhs3 = tensor::ExpandShapeOp::create(
        rewriter, loc,
        RankedTensorType::get({lhsStorage.getDimSize(0), groups, groupSize},
                              lhsElem),
        lhs, SmallVector<ReassociationIndices>{{0}, {1, 2}});
    Value rhs3 = tensor::ExpandShapeOp::create(
        rewriter, loc,
        RankedTensorType::get({groups, groupSize, n},
                              cast<RankedTensorType>(w.getType())
                                  .getElementType()),
        w, SmallVector<ReassociationIndices>{{0, 1}, {2}});

    // Per (g, n): G*za*zb[g,n] - za*sum_{k in g} b[k,n], folded when the
    // weights are constant.
    Value term;
    DenseElementsAttr weights = getConstantStorage(op.getRhs());
    auto termType = RankedTensorType::get({groups, n}, i32);
    // The zero points as a Gs x N constant, for the run-time column term and
    // the row-sum correction.
    Value zb;
    if (!weights || anyZb) {
      SmallVector<int32_t> zbValues(rhs.zeroPoints.begin(),
                                    rhs.zeroPoints.end());
      zb = arith::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(termType, ArrayRef<int32_t>(zbValues)));
    }
    if (weights) {
      auto values = weights.getValues<APInt>();
      SmallVector<int32_t> t(groups * n);
      for (int64_t g = 0; g < groups; ++g)
        for (int64_t col = 0; col < n; ++col) {
          int64_t sum = 0;
          for (int64_t r = g * groupSize; r < (g + 1) * groupSize; ++r)
            sum += values[r * n + col].getSExtValue();
          uint64_t v = uint64_t(groupSize) * uint64_t(za) *
                           uint64_t(rhs.zeroPoints[g * n + col]) -
                       uint64_t(za) * uint64_t(sum);
          t[g * n + col] = static_cast<int32_t>(static_cast<uint32_t>(v));
        }
      term = arith::ConstantOp::create(
          rewriter, loc, DenseElementsAttr::get(termType, ArrayRef<int32_t>(t)));
    } else {
      // At run time: column sums per group, then the same term.
      AffineExpr t0, t1, t2;
      bindDims(ctx, t0, t1, t2); // (g, n, kk)
      Value colSums = emitExtendedSum(
          rewriter, loc, rhs3, /*isUnsigned=*/false,
          {rewriter.getIndexAttr(groups), rewriter.getIndexAttr(n)},
          AffineMap::get(3, 0, {t0, t2, t1}, ctx),
          AffineMap::get(3, 0, {t0, t1}, ctx),
          {utils::IteratorType::parallel, utils::IteratorType::parallel,
           utils::IteratorType::reduction});
      AffineExpr e0, e1;
      bindDims(ctx, e0, e1);
      AffineMap id2 = AffineMap::get(2, 0, {e0, e1}, ctx);
      term = linalg::GenericOp::create(
                 rewriter, loc, termType, ValueRange{colSums, zb},
                 ValueRange{tensor::EmptyOp::create(rewriter, loc,
                                                    termType.getShape(), i32)
                                .getResult()},
                 ArrayRef<AffineMap>{id2, id2, id2},
                 ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                               utils::IteratorType::parallel},
                 [&](OpBuilder &b, Location l, ValueRange args) {
                   Value zaV = intConst(b, l, i32, za);
                   Value t = arith::MulIOp::create(
                       b, l,
                       arith::MulIOp::create(
                           b, l, intConst(b, l, i32, groupSize), zaV),
                       args[1]);
                   t = arith::SubIOp::create(
                       b, l, t, arith::MulIOp::create(b, l, zaV, args[0]));
                   linalg::YieldOp::create(b, l, t);
                 })
                 .getResult(0);
    }
    SmallVector<OpFoldResult> accSizes{
        tensor::getMixedSize(rewriter, loc, lhs, 0),
        rewriter.getIndexAttr(groups), rewriter.getIndexAttr(n)};
    Value empty = tensor::EmptyOp::create(rewriter, loc, accSizes, i32);
    Value init = linalg::BroadcastOp::create(rewriter, loc, term, empty,
                                             ArrayRef<int64_t>{0})
                     .getResult()[0];

    // acc[m, g, n] += ext(a[m, g, kk]) * ext(b[g, kk, n]).
    AffineExpr m, g, col, kk;
    bindDims(ctx, m, g, col, kk);
    Value acc =
        linalg::GenericOp::create(
            rewriter, loc, init.getType(), ValueRange{lhs3, rhs3},
            ValueRange{init},
            ArrayRef<AffineMap>{AffineMap::get(4, 0, {m, g, kk}, ctx),
                                AffineMap::get(4, 0, {g, kk, col}, ctx),
                                AffineMap::get(4, 0, {m, g, col}, ctx)},
            ArrayRef<utils::IteratorType>{
                utils::IteratorType::parallel, utils::IteratorType::parallel,
                utils::IteratorType::parallel, utils::IteratorType::reduction},
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value a = extendToI32(b, l, args[0], lhsUnsigned);
              Value wv = extendToI32(b, l, args[1], /*isUnsigned=*/false);
              Value prod = arith::MulIOp::create(b, l, a, wv);
              linalg::YieldOp::create(
                  b, l, arith::AddIOp::create(b, l, args[2], prod).getResult());
            })
            .getResult(0);

    // With weight zero points: acc[m, g, n] -= zb[g, n] * sum_kk a[m, g, kk].
    if (anyZb) {
      AffineExpr r0, r1, r2;
      bindDims(ctx, r0, r1, r2); // (m, g, kk)
      Value rowSums = emitExtendedSum(
          rewriter, loc, lhs3, lhsUnsigned, {accSizes[0], accSizes[1]},
          AffineMap::get(3, 0, {r0, r1, r2}, ctx),
          AffineMap::get(3, 0, {r0, r1}, ctx),
          {utils::IteratorType::parallel, utils::IteratorType::parallel,
           utils::IteratorType::reduction});
      AffineExpr c0, c1, c2;
      bindDims(ctx, c0, c1, c2);
      acc = linalg::GenericOp::create(
                rewriter, loc, acc.getType(), ValueRange{acc, rowSums, zb},
                ValueRange{emptyLike(rewriter, loc, acc, i32)},
                ArrayRef<AffineMap>{AffineMap::get(3, 0, {c0, c1, c2}, ctx),
                                    AffineMap::get(3, 0, {c0, c1}, ctx),
                                    AffineMap::get(3, 0, {c1, c2}, ctx),
                                    AffineMap::get(3, 0, {c0, c1, c2}, ctx)},
                ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                              utils::IteratorType::parallel,
                                              utils::IteratorType::parallel},
                [&](OpBuilder &b, Location l, ValueRange args) {
                  Value t = arith::MulIOp::create(b, l, args[2], args[1]);
                  linalg::YieldOp::create(
                      b, l, arith::SubIOp::create(b, l, args[0], t).getResult());
                })
                .getResult(0);
    }

    // y[m, n] = sum_g f32(sa * s[g, n]) * f32(acc[m, g, n]), g innermost and
    // increasing (linalg lowers the reduction to an ordered loop).
    SmallVector<float> scales;
    for (double sb : rhs.scales)
      scales.push_back(static_cast<float>(lhsType.getScale() * sb));
    Value scaleTensor = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(RankedTensorType::get({groups, n}, f32),
                               ArrayRef<float>(scales)));
    Value outEmpty = tensor::EmptyOp::create(
        rewriter, loc, ArrayRef<OpFoldResult>{accSizes[0], accSizes[2]}, f32);
    Value outInit =
        linalg::FillOp::create(rewriter, loc,
                               ValueRange{f32Const(rewriter, loc, 0.0f)},
                               ValueRange{outEmpty})
            .getResult(0);
    AffineExpr o0, o1, o2;
    bindDims(ctx, o0, o1, o2); // (m, n, g)
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, outInit.getType(), ValueRange{acc, scaleTensor},
            ValueRange{outInit},
            ArrayRef<AffineMap>{AffineMap::get(3, 0, {o0, o2, o1}, ctx),
                                AffineMap::get(3, 0, {o2, o1}, ctx),
                                AffineMap::get(3, 0, {o0, o1}, ctx)},
            ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                          utils::IteratorType::parallel,
                                          utils::IteratorType::reduction},
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value x = arith::SIToFPOp::create(b, l, f32, args[0]);
              Value scaled = arith::MulFOp::create(b, l, x, args[1]);
              linalg::YieldOp::create(
                  b, l, arith::AddFOp::create(b, l, args[2], scaled).getResult());
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }

  /// bias[n] - za*sum_k b[k,n] + K*za*zb[n], computed at run time.
  static Value emitRuntimeColumnTerm(OpBuilder &b, Location loc, Value rhs,
                                     Value bias, int64_t za, int64_t axis,
                                     ArrayRef<int64_t> zb) {
    Type i32 = b.getI32Type();
    MLIRContext *ctx = b.getContext();
    // Column sums: reduce over k.
    AffineExpr d0, d1;
    bindDims(ctx, d0, d1);
    Value colSums = emitExtendedSum(
        b, loc, rhs, /*isUnsigned=*/false,
        {tensor::getMixedSize(b, loc, rhs, 1)},
        AffineMap::get(2, 0, {d0, d1}, ctx), AffineMap::get(2, 0, {d1}, ctx),
        {utils::IteratorType::reduction, utils::IteratorType::parallel});
    Value kValue = arith::IndexCastOp::create(
        b, loc, i32, tensor::DimOp::create(b, loc, rhs, 0));
    SmallVector<Value> inputs{colSums};
    if (bias)
      inputs.push_back(bias);
    return emitElementwise(
        b, loc, inputs, i32, axis >= 0 ? 0 : -1, {intParam(b, 32, zb)},
        [&](OpBuilder &nb, Location nl, ValueRange in, ArrayRef<Value> p) {
          Value zaV = intConst(nb, nl, i32, za);
          Value t = arith::MulIOp::create(
              nb, nl, arith::MulIOp::create(nb, nl, kValue, zaV), p[0]);
          t = arith::SubIOp::create(nb, nl, t,
                                    arith::MulIOp::create(nb, nl, zaV, in[0]));
          if (in.size() > 1)
            t = arith::AddIOp::create(nb, nl, t, in[1]);
          return t;
        });
  }

  /// acc[m, n] -= zb[n] * sum_k a[m, k].
  static Value subtractRowSums(OpBuilder &b, Location loc, Value acc,
                               Value lhs, bool lhsUnsigned,
                               ArrayRef<int64_t> zb, bool perChannel) {
    Type i32 = b.getI32Type();
    MLIRContext *ctx = b.getContext();
    AffineExpr d0, d1;
    bindDims(ctx, d0, d1);
    Value rowSums = emitExtendedSum(
        b, loc, lhs, lhsUnsigned, {tensor::getMixedSize(b, loc, lhs, 0)},
        AffineMap::get(2, 0, {d0, d1}, ctx), AffineMap::get(2, 0, {d0}, ctx),
        {utils::IteratorType::parallel, utils::IteratorType::reduction});
    Value zbTensor = arith::ConstantOp::create(b, loc, intParam(b, 32, zb));
    auto accType = cast<RankedTensorType>(acc.getType());
    Value init = emptyLike(b, loc, acc, i32);
    auto corrected = linalg::GenericOp::create(
        b, loc, accType, ValueRange{acc, rowSums, zbTensor}, init,
        ArrayRef<AffineMap>{
            AffineMap::get(2, 0, {d0, d1}, ctx),
            AffineMap::get(2, 0, {d0}, ctx),
            perChannel ? AffineMap::get(2, 0, {d1}, ctx)
                       : AffineMap::get(2, 0, {b.getAffineConstantExpr(0)},
                                        ctx),
            AffineMap::get(2, 0, {d0, d1}, ctx)},
        ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                      utils::IteratorType::parallel},
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          Value t = arith::MulIOp::create(nb, nl, args[2], args[1]);
          linalg::YieldOp::create(
              nb, nl, arith::SubIOp::create(nb, nl, args[0], t).getResult());
        });
    return corrected.getResult(0);
  }

  const KernelTarget &target;
};

} // namespace

//===----------------------------------------------------------------------===//
// Public entry points
//===----------------------------------------------------------------------===//

void mlir::qlinalg::populateQLinalgTypeConversion(TypeConverter &converter) {
  converter.addConversion([](Type type) { return type; });
  converter.addConversion([](RankedTensorType type) -> Type {
    if (auto q = dyn_cast<quant::QuantizedType>(type.getElementType()))
      return RankedTensorType::get(type.getShape(), q.getStorageType(),
                                   type.getEncoding());
    return type;
  });
  auto materialize = [](OpBuilder &b, Type resultType, ValueRange inputs,
                        Location loc) -> Value {
    if (inputs.size() != 1)
      return {};
    return quant::StorageCastOp::create(b, loc, resultType, inputs[0]);
  };
  converter.addSourceMaterialization(materialize);
  converter.addTargetMaterialization(materialize);
}

void mlir::qlinalg::populateQLinalgToLinalgPatterns(
    RewritePatternSet &patterns, const TypeConverter &converter,
    const KernelTarget &target) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<ObserveLowering, StorageCastLowering, QuantizeLowering,
               DequantizeLowering, RequantizeLowering>(converter, ctx);
  patterns.add<MatmulLowering>(converter, ctx, target);
}

LogicalResult mlir::qlinalg::lowerQLinalg(ModuleOp module,
                                          const KernelTarget &target) {
  MLIRContext *ctx = module.getContext();
  TypeConverter converter;
  populateQLinalgTypeConversion(converter);

  // Keep the tensor signature that qlinalg-run will be called with.
  module.walk([&](func::FuncOp func) {
    if (!converter.isSignatureLegal(func.getFunctionType()) &&
        !func->hasAttr(kSignatureAttrName))
      func->setAttr(kSignatureAttrName,
                    TypeAttr::get(func.getFunctionType()));
  });

  ConversionTarget conversionTarget(*ctx);
  conversionTarget.markUnknownOpDynamicallyLegal(
      [&](Operation *op) { return converter.isLegal(op); });
  conversionTarget.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
    return converter.isSignatureLegal(op.getFunctionType()) &&
           converter.isLegal(&op.getBody());
  });
  conversionTarget.addIllegalDialect<QLinalgDialect>();
  conversionTarget.addIllegalOp<quant::StorageCastOp>();

  // The storage constants behind quant.scast: the matmul lowering folds the
  // bias (and, for packing targets, the weights) into new constants.
  SmallVector<Operation *> storageConstants;
  module.walk([&](quant::StorageCastOp cast) {
    if (Operation *def = cast.getInput().getDefiningOp();
        def && def->hasTrait<OpTrait::ConstantLike>())
      storageConstants.push_back(def);
  });

  RewritePatternSet patterns(ctx);
  populateQLinalgToLinalgPatterns(patterns, converter, target);
  populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                 converter);
  populateReturnOpTypeConversionPattern(patterns, converter);
  populateCallOpTypeConversionPattern(patterns, converter);
  if (failed(applyPartialConversion(module, conversionTarget,
                                    std::move(patterns))))
    return failure();
  DenseSet<Operation *> erased;
  for (Operation *op : storageConstants)
    if (erased.insert(op).second && op->use_empty())
      op->erase();
  return success();
}

namespace {
struct LowerPass : public qlinalg::impl::QLinalgLowerBase<LowerPass> {
  using Base::Base;
  void runOnOperation() override {
    std::string error;
    const KernelTarget *kernelTarget = lookupKernelTarget(target, error);
    if (!kernelTarget) {
      getOperation().emitError(error);
      return signalPassFailure();
    }
    if (failed(lowerQLinalg(getOperation(), *kernelTarget)))
      signalPassFailure();
  }
};
} // namespace
