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

#include "qlinalg/Conversion/Contraction.h"
#include "qlinalg/Conversion/Microkernel.h"

#include "qlinalg/Conversion/Passes.h"
#include "qlinalg/Dialect/QLinalg/IR/QLinalg.h"
#include "qlinalg/Numerics/Builders.h"
#include "qlinalg/Numerics/Numerics.h"
#include "qlinalg/Target/Target.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Matchers.h"

#include <thread>

namespace mlir::qlinalg {
#define GEN_PASS_DEF_QLINALGLOWER
#include "qlinalg/Conversion/Passes.h.inc"
} // namespace mlir::qlinalg

using namespace mlir;
using namespace mlir::qlinalg;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

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
  auto type =
      RankedTensorType::get({int64_t(values.size())}, b.getIntegerType(width));
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

/// Scales rounded to f32, as the generated code multiplies by them.
static SmallVector<float> toF32(ArrayRef<double> values) {
  return llvm::map_to_vector(values,
                             [](double v) { return static_cast<float>(v); });
}

/// An f32 tensor of `sizes` filled with zeros (a float accumulator's init).
static Value zerosF32(OpBuilder &b, Location loc,
                      ArrayRef<OpFoldResult> sizes) {
  Type f32 = b.getF32Type();
  return linalg::FillOp::create(
             b, loc, ValueRange{f32Const(b, loc, 0.0f)},
             ValueRange{
                 tensor::EmptyOp::create(b, loc, sizes, f32).getResult()})
      .getResult(0);
}

using ElementwiseBody =
    function_ref<Value(OpBuilder &, Location, ValueRange, ArrayRef<Value>)>;

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

namespace {
/// The requantization of an i32 accumulator to a quantized type, as data:
/// multipliers per channel (or one), the output zero point, range and
/// storage.
struct Requantization {
  MultiplierMode mode;
  bool tiesToEven;
  int64_t zeroPoint;
  numerics::StorageRange range;
  IntegerType storage;
  /// Float mode: M = f32(s_acc) / f32(s_out).
  SmallVector<float> multipliers;
  /// Fixed point: quantizeMultiplier's Q31 multiplier and shifts, as the
  /// builder's per-channel constants.
  SmallVector<numerics::FixedPointConstants> fixedPoint;

  size_t size() const {
    return mode == MultiplierMode::Float ? multipliers.size()
                                         : fixedPoint.size();
  }
  /// A bound on |acc| when the contraction gives one (its reduction size,
  /// 8-bit operands and constant bias), else none.
  std::optional<int64_t> accBound;

  /// When set, the dequantize of the result as well (a kernel's store whose
  /// result is only dequantized): the output's f32 scale, whether its
  /// storage is signed, and the float element type.
  struct Dequantize {
    float scale;
    bool isSigned;
    Type element;
  };
  std::optional<Dequantize> dequantize;

  /// Whether any channel shifts left (a multiplier of 1 or more).
  bool shiftsLeft() const {
    return llvm::any_of(fixedPoint, [](const auto &c) { return c.left > 0; });
  }
  /// The scalar or vector arithmetic with parameters `p` (one value, or
  /// getParams' fixed-point values, of matching shape).
  Value emit(OpBuilder &b, Location loc, Value acc, ArrayRef<Value> p) const {
    if (dequantize) {
      if (mode == MultiplierMode::Float && storage.getWidth() <= 16)
        return numerics::buildRequantizeFloatDequantized(
            b, loc, acc, p[0], zeroPoint, range, tiesToEven, dequantize->scale,
            dequantize->element);
      // The clamped values stay in i32 (the storage's range), so the
      // dequantize needs no narrowing and widening between.
      Requantization wide = *this;
      wide.dequantize.reset();
      wide.storage = b.getI32Type();
      Value q = wide.emit(b, loc, acc, p);
      return numerics::buildDequantize(b, loc, q, dequantize->scale, zeroPoint,
                                       dequantize->isSigned,
                                       dequantize->element);
    }
    if (mode == MultiplierMode::Float)
      return numerics::buildRequantizeFloat(b, loc, acc, p[0], zeroPoint, range,
                                            storage, tiesToEven);
    int64_t maxRight = 0, minRight = 31;
    for (const auto &c : fixedPoint) {
      maxRight = std::max(maxRight, c.right);
      minRight = std::min(minRight, c.right);
    }
    numerics::FixedPointOperands operands{p[0], shiftsLeft() ? p[4] : Value(),
                                          p[1], p[2], p[3]};
    bool bounded = accBound &&
                   *accBound < (int64_t(1) << 31) - (int64_t(1) << 30) &&
                   !shiftsLeft() && minRight >= 1;
    return numerics::buildRequantizeFixedPoint(b, loc, acc, operands, zeroPoint,
                                               range, storage, tiesToEven,
                                               maxRight, bounded);
  }
};
} // namespace

/// The requantization to `outType` of an accumulator with scales
/// `accScales` (one per channel, or the first when not `perChannel`).
static Requantization
getRequantization(OpBuilder &b, ArrayRef<double> accScales, bool perChannel,
                  Type outType, MultiplierMode mode, RoundingMode rounding,
                  std::optional<ArrayRef<int64_t>> clamp) {
  QuantizedTypeParams out = *getQuantizedTypeParams(outType);
  Requantization r;
  r.mode = mode;
  r.tiesToEven = rounding == RoundingMode::HalfToEven;
  r.zeroPoint = out.zeroPoints[0];
  r.range = getRange(out);
  if (clamp)
    r.range = {std::max(r.range.qmin, (*clamp)[0]),
               std::min(r.range.qmax, (*clamp)[1])};
  r.storage = getStorageType(b, outType);
  double outScale = out.scales[0];
  if (!perChannel)
    accScales = accScales.take_front(1);
  for (double s : accScales) {
    if (mode == MultiplierMode::Float) {
      // M = f32(s_acc) / f32(s_out), divided in f32: what ONNX's reference
      // and ONNX Runtime compute from the f32 scales (s_acc = sa * sb is
      // exact in double, so its f32 rounding is the f32 product).
      r.multipliers.push_back(numerics::getFloatMultiplier(s, outScale));
      continue;
    }
    // Fixed point: TFLite's MultiplyByQuantizedMultiplier in i64 arithmetic.
    std::optional<numerics::FixedPointMultiplier> m =
        numerics::quantizeMultiplier(s / outScale);
    assert(m && "verifier checked that the multiplier is representable");
    r.fixedPoint.push_back(numerics::getFixedPointConstants(
        m->multiplier, m->shift, r.tiesToEven));
  }
  return r;
}

/// The parameters of `r` as 1-D constants, each padded to `size` entries
/// (repeating the last) when that is larger.
static SmallVector<DenseElementsAttr>
getParams(OpBuilder &b, const Requantization &r, int64_t size = 0) {
  auto pad = [&](auto values) {
    while (int64_t(values.size()) < size)
      values.push_back(values.back());
    return values;
  };
  if (r.mode == MultiplierMode::Float)
    return {f32Param(b, pad(r.multipliers))};
  auto param = [&](int64_t numerics::FixedPointConstants::*field) {
    SmallVector<int64_t> values;
    for (const auto &c : r.fixedPoint)
      values.push_back(c.*field);
    return intParam(b, 32, pad(values));
  };
  using C = numerics::FixedPointConstants;
  SmallVector<DenseElementsAttr> params{param(&C::multiplier), param(&C::right),
                                        param(&C::mask), param(&C::threshold)};
  if (r.shiftsLeft())
    params.push_back(param(&C::left));
  return params;
}

/// `acc` (i32 storage) to `outType`'s storage: numerics::requantizeFixedPoint
/// or numerics::requantizeFloat per element, multipliers per channel along
/// `axis` (or one when `axis` < 0).
static Value emitRequantize(OpBuilder &b, Location loc, Value acc,
                            ArrayRef<double> accScales, int64_t axis,
                            Type outType, MultiplierMode mode,
                            RoundingMode rounding,
                            std::optional<ArrayRef<int64_t>> clamp = {}) {
  Requantization r = getRequantization(b, accScales, axis >= 0, outType, mode,
                                       rounding, clamp);
  return emitElementwise(
      b, loc, acc, r.storage, axis, getParams(b, r),
      [&](OpBuilder &nb, Location nl, ValueRange in, ArrayRef<Value> p) {
        return r.emit(nb, nl, in[0], p);
      });
}

/// The requantization as the store epilogue of a packed kernel: on a
/// vector<L x i32> of columns [col, col + L), per-channel parameters read
/// from constants padded to whole 64-column tiles.
static PackedEpilogue getVectorRequantize(OpBuilder &b, Location loc,
                                          Requantization r, int64_t columns) {
  int64_t padded = (columns + 63) / 64 * 64;
  SmallVector<Value> tensors;
  bool perChannel = r.size() > 1;
  SmallVector<DenseElementsAttr> params = getParams(b, r, padded);
  if (perChannel)
    for (DenseElementsAttr p : params)
      tensors.push_back(arith::ConstantOp::create(b, loc, p));
  return [r = std::move(r), tensors, params, perChannel](
             OpBuilder &nb, Location nl, Value acc, Value col) -> Value {
    auto accType = cast<VectorType>(acc.getType());
    SmallVector<Value> p;
    for (auto [i, attr] : llvm::enumerate(params)) {
      Type elem = attr.getElementType();
      auto type = VectorType::get(accType.getShape(), elem);
      if (perChannel) {
        Value pad = arith::ConstantOp::create(nb, nl, nb.getZeroAttr(elem));
        p.push_back(vector::TransferReadOp::create(nb, nl, type, tensors[i],
                                                   ValueRange{col}, pad,
                                                   ArrayRef<bool>{true}));
      } else {
        p.push_back(arith::ConstantOp::create(
            nb, nl,
            DenseElementsAttr::get(type,
                                   *attr.getValues<Attribute>().begin())));
      }
    }
    return r.emit(nb, nl, acc, p);
  };
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
          return numerics::buildQuantize(b, l, in[0], params[0], params[1],
                                         range, storage);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// min(0, min x) and max(0, max x) in one reduction over every dimension
/// (from a 0-filled init, which widens the range to include 0), the ONNX
/// parameters from them, then the quantization with those scalars.
struct DynamicQuantizeLowering : public OpConversionPattern<DynamicQuantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DynamicQuantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    auto type = cast<RankedTensorType>(x.getType());
    MLIRContext *ctx = rewriter.getContext();
    Value zero = zerosF32(rewriter, loc, {});
    AffineMap all = AffineMap::getMultiDimIdentityMap(type.getRank(), ctx);
    AffineMap scalar = AffineMap::get(type.getRank(), 0, {}, ctx);
    SmallVector<utils::IteratorType> reduction(type.getRank(),
                                               utils::IteratorType::reduction);
    auto range = linalg::GenericOp::create(
        rewriter, loc, TypeRange{zero.getType(), zero.getType()}, ValueRange{x},
        ValueRange{zero, zero}, ArrayRef<AffineMap>{all, scalar, scalar},
        reduction, [](OpBuilder &b, Location l, ValueRange args) {
          linalg::YieldOp::create(
              b, l,
              ValueRange{arith::MinimumFOp::create(b, l, args[0], args[1]),
                         arith::MaximumFOp::create(b, l, args[0], args[2])});
        });
    Value lo = tensor::ExtractOp::create(rewriter, loc, range.getResult(0),
                                         ValueRange{});
    Value hi = tensor::ExtractOp::create(rewriter, loc, range.getResult(1),
                                         ValueRange{});
    auto storage = cast<IntegerType>(op.getOutput().getType().getElementType());
    numerics::StorageRange bounds = storage.isUnsigned()
                                        ? numerics::unsignedRange(8)
                                        : numerics::signedRange(8);
    numerics::DynamicParams params =
        numerics::buildDynamicParams(rewriter, loc, lo, hi, bounds);
    IntegerType i8 = rewriter.getI8Type();
    Value result = emitElementwise(
        rewriter, loc, x, i8, /*axis=*/-1, {},
        [&](OpBuilder &b, Location l, ValueRange in, ArrayRef<Value>) {
          return numerics::buildQuantize(b, l, in[0], params.scale,
                                         params.zeroPoint, bounds, i8);
        });
    Value zp = arith::FPToSIOp::create(rewriter, loc, rewriter.getI32Type(),
                                       params.zeroPoint);
    rewriter.replaceOp(op, {result, params.scale, zp});
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
    SmallVector<float> scales = toF32(p.scales);
    Value result = emitElementwise(
        rewriter, op.getLoc(), adaptor.getInput(), floatElem, p.axis,
        {f32Param(rewriter, scales), intParam(rewriter, 32, p.zeroPoints)},
        [&](OpBuilder &b, Location l, ValueRange in, ArrayRef<Value> params) {
          return numerics::buildDequantize(b, l, in[0], params[0], params[1],
                                           p.isSigned, floatElem);
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
    Value result;
    if (in.storageWidth <= 16) {
      // A rescale: the storage minus its zero point is the accumulator.
      Requantization r = getRequantization(
          rewriter, in.scales, /*perChannel=*/false, op.getOutput().getType(),
          op.getMultiplier(), op.getRounding(), std::nullopt);
      int64_t zp = in.zeroPoints[0];
      bool isSigned = in.isSigned;
      result = emitElementwise(
          rewriter, op.getLoc(), adaptor.getInput(), r.storage, /*axis=*/-1,
          getParams(rewriter, r),
          [&](OpBuilder &b, Location l, ValueRange v, ArrayRef<Value> p) {
            return r.emit(b, l,
                          numerics::buildCentered(b, l, v[0], zp, isSigned), p);
          });
    } else {
      result = emitRequantize(rewriter, op.getLoc(), adaptor.getInput(),
                              in.scales, in.axis, op.getOutput().getType(),
                              op.getMultiplier(), op.getRounding());
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The per-tensor operand types of an elementwise binary op and its result
/// range, narrowed by its clamp.
struct ElementwiseTypes {
  quant::UniformQuantizedType lhs, rhs, out;
  numerics::StorageRange range;
  IntegerType storage;
};

template <typename OpTy>
static ElementwiseTypes getElementwiseTypes(OpTy op) {
  ElementwiseTypes t{getPerTensorType(op.getLhs().getType()),
                     getPerTensorType(op.getRhs().getType()),
                     getPerTensorType(op.getResult().getType()),
                     {},
                     {}};
  t.range = {t.out.getStorageTypeMin(), t.out.getStorageTypeMax()};
  if (std::optional<ArrayRef<int64_t>> clamp = op.getClamp())
    t.range = {std::max(t.range.qmin, (*clamp)[0]),
               std::min(t.range.qmax, (*clamp)[1])};
  t.storage = cast<IntegerType>(t.out.getStorageType());
  return t;
}

/// The fixed-point operands of a multiplier, as i32 constants; `maxRight`
/// grows to its right shift.
static numerics::FixedPointOperands
getFixedPointOperands(OpBuilder &b, Location loc, double m, bool tiesToEven,
                      int64_t &maxRight) {
  std::optional<numerics::FixedPointMultiplier> q =
      numerics::quantizeMultiplier(m);
  assert(q && "verifier checked that the multiplier is representable");
  numerics::FixedPointConstants c =
      numerics::getFixedPointConstants(q->multiplier, q->shift, tiesToEven);
  maxRight = std::max(maxRight, c.right);
  auto i32 = [&](int64_t v) -> Value {
    return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
  };
  return {i32(c.multiplier), c.left ? i32(c.left) : Value(), i32(c.right),
          i32(c.mask), i32(c.threshold)};
}

/// qlinalg.add and qlinalg.mul: one elementwise linalg.generic on the
/// storage, its body the numerics builders' arithmetic.
template <typename OpTy>
struct ElementwiseBinaryLowering : public OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ElementwiseTypes t = getElementwiseTypes(op);
    bool tiesToEven = op.getRounding() == RoundingMode::HalfToEven;
    bool fixedPoint = op.getMultiplier() == MultiplierMode::FixedPoint;
    int64_t zo = t.out.getZeroPoint();
    Value result = emitElementwise(
        rewriter, op.getLoc(), ValueRange{adaptor.getLhs(), adaptor.getRhs()},
        t.storage, /*axis=*/-1, {},
        [&](OpBuilder &b, Location l, ValueRange in, ArrayRef<Value>) {
          Value x = numerics::buildCentered(b, l, in[0], t.lhs.getZeroPoint(),
                                            t.lhs.isSigned());
          Value y = numerics::buildCentered(b, l, in[1], t.rhs.getZeroPoint(),
                                            t.rhs.isSigned());
          double sa = t.lhs.getScale(), sb = t.rhs.getScale(),
                 so = t.out.getScale();
          auto f32 = [&](float v) -> Value {
            return arith::ConstantOp::create(b, l, b.getF32FloatAttr(v));
          };
          if constexpr (std::is_same_v<OpTy, AddOp>) {
            if (fixedPoint) {
              numerics::AddMultipliers m =
                  numerics::getAddMultipliers(sa, sb, so);
              int64_t maxRight = 0;
              numerics::FixedPointOperands lhs =
                  getFixedPointOperands(b, l, m.lhs, tiesToEven, maxRight);
              numerics::FixedPointOperands rhs =
                  getFixedPointOperands(b, l, m.rhs, tiesToEven, maxRight);
              numerics::FixedPointOperands out =
                  getFixedPointOperands(b, l, m.out, tiesToEven, maxRight);
              return numerics::buildAddFixedPoint(b, l, x, y, lhs, rhs, out, zo,
                                                  t.range, t.storage,
                                                  tiesToEven, maxRight);
            }
            return numerics::buildAddFloat(
                b, l, x, y, f32(numerics::getFloatMultiplier(sa, so)),
                f32(numerics::getFloatMultiplier(sb, so)), zo, t.range,
                t.storage, tiesToEven);
          } else {
            // |x * y| <= 255^2: the product is exact in i32.
            Value acc = arith::MulIOp::create(b, l, x, y);
            if (fixedPoint) {
              int64_t maxRight = 0;
              numerics::FixedPointOperands m = getFixedPointOperands(
                  b, l, numerics::getMulMultiplier(sa, sb, so), tiesToEven,
                  maxRight);
              return numerics::buildRequantizeFixedPoint(
                  b, l, acc, m, zo, t.range, t.storage, tiesToEven, maxRight);
            }
            return numerics::buildRequantizeFloat(
                b, l, acc,
                f32(numerics::getFloatMultiplier(
                    double(float(sa)) * double(float(sb)), so)),
                zo, t.range, t.storage, tiesToEven);
          }
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// The storage-level description of a qlinalg contraction (contract or
/// matmul sugar) for the zero-point decomposition.
template <typename OpTy>
static IntegerContraction getIntegerContraction(OpTy op, Value lhs, Value rhs,
                                                Value bias) {
  IntegerContraction c;
  c.maps = op.getContractionMaps();
  c.lhs = lhs;
  c.rhs = rhs;
  c.bias = bias;
  if (quant::UniformQuantizedType lhsType =
          getPerTensorType(op.getLhs().getType())) {
    c.lhsUnsigned = !lhsType.isSigned();
    c.lhsZeroPoint = lhsType.getZeroPoint();
  } else {
    // Quantized at run time: plain integers, the zero point an operand.
    c.lhsUnsigned = op.getLhs().getType().getElementType().isUnsignedInteger();
  }
  QuantizedTypeParams rhsParams =
      *getQuantizedTypeParams(op.getRhs().getType());
  c.rhsUnsigned = !rhsParams.isSigned;
  c.rhsZeroPoints = rhsParams.zeroPoints;
  if (rhsParams.axis >= 0)
    c.zeroPointLoops = {ContractionMaps::getLoop(c.maps.rhs, rhsParams.axis)};
  c.rhsConstant = getConstantStorage(op.getRhs());
  c.biasConstant = getConstantStorage(op.getBias());
  return c;
}

/// Result sizes of a contraction: from init for qlinalg.contract, from the
/// operands for qlinalg.matmul.
static SmallVector<OpFoldResult> getOutSizes(OpBuilder &b, Location loc,
                                             ContractOp, Value lhs, Value rhs,
                                             Value init) {
  return tensor::getMixedSizes(b, loc, init);
}
static SmallVector<OpFoldResult>
getOutSizes(OpBuilder &b, Location loc, MatmulOp, Value lhs, Value rhs, Value) {
  return {tensor::getMixedSize(b, loc, lhs, 0),
          tensor::getMixedSize(b, loc, rhs, 1)};
}
static Value getInitOperand(ContractOp op, ContractOp::Adaptor adaptor) {
  return adaptor.getInit();
}
static Value getInitOperand(MatmulOp, MatmulOp::Adaptor) { return {}; }
/// The run-time lhs scale and zero point (`lhs_params`), or nulls.
static std::pair<Value, Value> getLhsParams(ContractOp,
                                            ContractOp::Adaptor adaptor) {
  return {adaptor.getLhsScale(), adaptor.getLhsZeroPoint()};
}
static std::pair<Value, Value> getLhsParams(MatmulOp, MatmulOp::Adaptor) {
  return {};
}
static std::optional<ArrayRef<int64_t>> getClamp(ContractOp op) {
  if (op.getClamp())
    return *op.getClamp();
  return std::nullopt;
}
static std::optional<ArrayRef<int64_t>> getClamp(MatmulOp) {
  return std::nullopt;
}

/// Splits the grouped reduction loop of a per-group contraction into a
/// parallel group loop g (the same loop number) and a reduction loop kk
/// (appended), expanding lhs and rhs accordingly; the result gets g as its
/// last dimension. Returns the number of groups.
static int64_t splitGroups(OpBuilder &b, Location loc, IntegerContraction &c,
                           RankedTensorType rhsType,
                           const QuantizedTypeParams &rhs) {
  MLIRContext *ctx = b.getContext();
  unsigned rhsDim = 0;
  for (int64_t d = 0; d < rhsType.getRank(); ++d)
    if (c.maps.reduction[ContractionMaps::getLoop(c.maps.rhs, d)] &&
        rhs.blockSizes[d] != rhsType.getDimSize(d))
      rhsDim = d;
  unsigned loop = ContractionMaps::getLoop(c.maps.rhs, rhsDim);
  unsigned lhsDim = *ContractionMaps::findDim(c.maps.lhs, loop);
  int64_t group = rhs.blockSizes[rhsDim];
  int64_t groups = rhsType.getDimSize(rhsDim) / group;
  unsigned kk = c.maps.getNumLoops();
  auto split = [&](AffineMap map, unsigned dim) {
    SmallVector<AffineExpr> results;
    for (auto [i, e] : llvm::enumerate(map.getResults())) {
      results.push_back(e);
      if (i == dim)
        results.push_back(getAffineDimExpr(kk, ctx));
    }
    return AffineMap::get(kk + 1, 0, results, ctx);
  };
  auto expand = [&](Value v, unsigned dim) -> Value {
    auto type = cast<RankedTensorType>(v.getType());
    SmallVector<int64_t> shape;
    SmallVector<ReassociationIndices> reassociation;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (d == dim) {
        reassociation.push_back(
            {int64_t(shape.size()), int64_t(shape.size()) + 1});
        shape.append({groups, group});
      } else {
        reassociation.push_back({int64_t(shape.size())});
        shape.push_back(type.getDimSize(d));
      }
    }
    return tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(shape, type.getElementType()), v,
        reassociation);
  };
  c.lhs = expand(c.lhs, lhsDim);
  if (c.rhsConstant) {
    auto type = cast<RankedTensorType>(c.rhsConstant.getType());
    SmallVector<int64_t> shape(type.getShape());
    shape[rhsDim] = group;
    shape.insert(shape.begin() + rhsDim, groups);
    c.rhsConstant = c.rhsConstant.reshape(
        RankedTensorType::get(shape, type.getElementType()));
    c.rhs = arith::ConstantOp::create(b, loc, c.rhsConstant);
  } else {
    c.rhs = expand(c.rhs, rhsDim);
  }
  c.maps.lhs = split(c.maps.lhs, lhsDim);
  c.maps.rhs = split(c.maps.rhs, rhsDim);
  SmallVector<AffineExpr> out(c.maps.out.getResults());
  out.push_back(getAffineDimExpr(loop, ctx));
  c.maps.out = AffineMap::get(kk + 1, 0, out, ctx);
  c.maps.reduction[loop] = false;
  c.maps.reduction.push_back(true);
  // The zero points (and scales) form the block grid: one entry per group
  // and per output channel that has its own.
  for (int64_t d = 0; d < rhsType.getRank(); ++d) {
    int64_t size = rhsType.getDimSize(d);
    if (size / rhs.blockSizes[d] > 1)
      c.zeroPointLoops.push_back(
          ContractionMaps::getLoop(c.maps.rhs, d + (d > rhsDim)));
  }
  return groups;
}

/// The zero-point decomposition around a target's `sum a*b` kernel, then
/// the epilogue: the accumulator itself, requantized (and clamped), or, for
/// per-group weights, the f32 combination of the groups.
template <typename OpTy>
struct ContractionLowering : public OpConversionPattern<OpTy> {
  using Adaptor = typename OpTy::Adaptor;
  ContractionLowering(const TypeConverter &converter, MLIRContext *ctx,
                      const KernelTarget &target,
                      const LoweringOptions &options)
      : OpConversionPattern<OpTy>(converter, ctx), target(target),
        options(options) {}

  LogicalResult
  matchAndRewrite(OpTy op, Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto rhsType = cast<RankedTensorType>(op.getRhs().getType());
    QuantizedTypeParams rhs = *getQuantizedTypeParams(rhsType);
    IntegerContraction c = getIntegerContraction(
        op, adaptor.getLhs(), adaptor.getRhs(), adaptor.getBias());
    SmallVector<OpFoldResult> outSizes =
        getOutSizes(rewriter, loc, op, adaptor.getLhs(), adaptor.getRhs(),
                    getInitOperand(op, adaptor));
    if (isa<FloatType>(op.getLhs().getType().getElementType()))
      return lowerWeightOnly(op, c, rhsType, rhs, outSizes, rewriter);
    auto [lhsScale, lhsZeroPoint] = getLhsParams(op, adaptor);
    if (lhsScale) {
      c.lhsZeroPointValue = lhsZeroPoint;
      return lowerDynamicLhs(op, c, rhs, lhsScale, outSizes, rewriter);
    }
    if (getSubChannelType(rhsType)) {
      if (options.explain)
        op->emitRemark("kernel generic: per-group weights");
      return lowerPerGroup(op, c, rhsType, rhs, outSizes, rewriter);
    }
    // The target's packed kernel, where it has one and the contraction
    // fits it.
    std::string explain;
    bool dequantizeFused = false;
    FailureOr<Value> packed =
        lowerPacked(op, c, outSizes, rewriter, explain, dequantizeFused);
    if (succeeded(packed)) {
      if (options.explain)
        op->emitRemark(explain);
      markTargetFunction(op, rewriter);
      // Its only user, the dequantize, took the kernel's float result.
      if (dequantizeFused) {
        rewriter.eraseOp(op);
        return success();
      }
      rewriter.replaceOp(op, castToResultType(rewriter, op, *packed));
      return success();
    }
    if (options.explain) {
      InFlightDiagnostic remark = op->emitRemark("kernel generic");
      if (!explain.empty())
        remark << ": " << explain;
    }
    Value acc = emitZeroPointContraction(rewriter, loc, c, outSizes, target);
    if (op.hasAccumulatorResult()) {
      rewriter.replaceOp(op, castToResultType(rewriter, op, acc));
      return success();
    }
    quant::UniformQuantizedType lhsType =
        getPerTensorType(op.getLhs().getType());
    SmallVector<double> accScales;
    for (double sb : rhs.scales)
      accScales.push_back(lhsType.getScale() * sb);
    int64_t outAxis = -1;
    if (rhs.axis >= 0)
      outAxis = *ContractionMaps::findDim(
          c.maps.out, ContractionMaps::getLoop(c.maps.rhs, rhs.axis));
    Value result =
        emitRequantize(rewriter, loc, acc, accScales, outAxis, op.getType(),
                       *op.getMultiplier(), *op.getRounding(), getClamp(op));
    rewriter.replaceOp(op, castToResultType(rewriter, op, result));
    return success();
  }

private:
  /// A packed kernel's function needs the target's CPU features wherever it
  /// is compiled (--qlinalg-to-llvm sets them on the llvm.func).
  void markTargetFunction(OpTy op, ConversionPatternRewriter &rewriter) const {
    if (options.emulate)
      return;
    if (auto func = op->template getParentOfType<func::FuncOp>())
      rewriter.modifyOpInPlace(func, [&] {
        func->setAttr(kTargetAttrName,
                      rewriter.getStringAttr(options.target->name));
      });
  }

  /// The packed kernel with the requantization (or none) as its store
  /// epilogue; with `dequantizeFused`, the op's dequantize user is replaced
  /// by the kernel's float result instead.
  FailureOr<Value> lowerPacked(OpTy op, const IntegerContraction &c,
                               ArrayRef<OpFoldResult> outSizes,
                               ConversionPatternRewriter &rewriter,
                               std::string &explain,
                               bool &dequantizeFused) const {
    if (!target.step)
      return failure();
    Location loc = op.getLoc();
    QuantizedTypeParams lhs = *getQuantizedTypeParams(op.getLhs().getType());
    if (op.hasAccumulatorResult())
      return emitPackedContraction(rewriter, loc, c, outSizes, lhs.storageMin,
                                   lhs.storageMax, rewriter.getI32Type(), {},
                                   target, options, explain);
    QuantizedTypeParams rhs = *getQuantizedTypeParams(op.getRhs().getType());
    SmallVector<double> accScales;
    for (double sb : rhs.scales)
      accScales.push_back(lhs.scales[0] * sb);
    // Per-channel parameters are read at the kernel's columns, the weight
    // channels (the packed kernel checks that the channel axis is them).
    bool perChannel = rhs.axis >= 0;
    Requantization r =
        getRequantization(rewriter, accScales, perChannel, op.getType(),
                          *op.getMultiplier(), *op.getRounding(), getClamp(op));
    r.accBound = getAccumulatorBound(c);
    int64_t columns = rhs.scales.size();
    // A result only dequantized (a model's float output): the dequantize
    // in the store too, so the result goes out as floats from the
    // registers, with the same arithmetic as the separate op.
    DequantizeOp dequantize;
    if (op->hasOneUse())
      dequantize = dyn_cast<DequantizeOp>(*op->getUsers().begin());
    QuantizedTypeParams out = *getQuantizedTypeParams(op.getType());
    if (!dequantize || out.axis >= 0)
      return emitPackedContraction(
          rewriter, loc, c, outSizes, lhs.storageMin, lhs.storageMax, r.storage,
          getVectorRequantize(rewriter, loc, r, columns), target, options,
          explain);
    Type floatElem = dequantize.getOutput().getType().getElementType();
    r.dequantize = {static_cast<float>(out.scales[0]), out.isSigned, floatElem};
    PackedEpilogue fused = getVectorRequantize(rewriter, loc, r, columns);
    FailureOr<Value> result = emitPackedContraction(
        rewriter, loc, c, outSizes, lhs.storageMin, lhs.storageMax, floatElem,
        fused, target, options, explain);
    if (failed(result))
      return failure();
    explain += "; the result's dequantize fused into the store";
    Value floats = *result;
    if (floats.getType() != dequantize.getOutput().getType())
      floats = tensor::CastOp::create(rewriter, loc,
                                      dequantize.getOutput().getType(), floats);
    rewriter.replaceOp(dequantize, floats);
    dequantizeFused = true;
    return floats;
  }

  /// |acc| <= K * 255 * 255 + max |bias| for 8-bit operands, K the
  /// product of the reduction loops (each a dimension of the weights), the
  /// bias constant or absent; none when that is unknown or large.
  static std::optional<int64_t>
  getAccumulatorBound(const IntegerContraction &c) {
    auto rhsType = cast<RankedTensorType>(c.rhs.getType());
    auto lhsType = cast<RankedTensorType>(c.lhs.getType());
    if (lhsType.getElementType().getIntOrFloatBitWidth() > 8 ||
        rhsType.getElementType().getIntOrFloatBitWidth() > 8 ||
        (c.bias && !c.biasConstant))
      return std::nullopt;
    int64_t k = 1;
    for (unsigned l = 0; l < c.maps.getNumLoops(); ++l) {
      if (!c.maps.reduction[l])
        continue;
      std::optional<unsigned> dim;
      for (unsigned d = 0; d < c.maps.rhs.getNumResults(); ++d)
        if (auto e = dyn_cast<AffineDimExpr>(c.maps.rhs.getResult(d));
            e && e.getPosition() == l)
          dim = d;
      if (!dim || rhsType.isDynamicDim(*dim))
        return std::nullopt;
      k *= rhsType.getDimSize(*dim);
      if (k > (int64_t(1) << 20))
        return std::nullopt;
    }
    int64_t bias = 0;
    if (c.biasConstant)
      for (const APInt &v : c.biasConstant.getValues<APInt>())
        bias = std::max<int64_t>(bias, std::abs(v.getSExtValue()));
    return k * 255 * 255 + bias;
  }

  /// Sizes the decomposition knows statically (from a constant rhs, say)
  /// may be dynamic in the op's type: cast back to the converted type.
  Value castToResultType(OpBuilder &b, OpTy op, Value v) const {
    Type type = this->getTypeConverter()->convertType(op.getType());
    if (v.getType() == type)
      return v;
    return tensor::CastOp::create(b, op.getLoc(), type, v);
  }

  /// Float activations times quantized weights: y = sum_r x * (f32(w - zb)
  /// * sb), summed in f32 in loop order, with sb and zb per tensor, per
  /// output channel or per group (a grid indexed by each rhs dimension
  /// divided by its block size). A matmul-like contraction with per-tensor
  /// or per-channel weights dequantizes each weight where its kernel (one
  /// generic, tiled and vectorized by --qlinalg-vectorize) reads it. A
  /// convolution, which reads every weight once per output pixel, and
  /// per-group weights, whose grid map (k floordiv G) the vectorizer does not
  /// tile, dequantize once per call instead, then run the float contraction
  /// (vectorized when it is not a convolution).
  LogicalResult lowerWeightOnly(OpTy op, const IntegerContraction &c,
                                RankedTensorType rhsType,
                                const QuantizedTypeParams &rhs,
                                ArrayRef<OpFoldResult> outSizes,
                                ConversionPatternRewriter &rewriter) const {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Type f32 = rewriter.getF32Type();
    bool windowed = !c.maps.lhs.isProjectedPermutation();
    bool once = windowed || !rhs.blockSizes.empty();
    // The dequantization reads the weights over the contraction's loops,
    // or over their own dimensions when it runs on its own.
    unsigned loops = once ? rhsType.getRank() : c.maps.getNumLoops();
    AffineMap rhsMap =
        once ? AffineMap::getMultiDimIdentityMap(loops, ctx) : c.maps.rhs;
    // The parameters' grid: one entry per slice (axis) or block (groups).
    SmallVector<int64_t> gridShape;
    SmallVector<AffineExpr> gridExprs;
    for (int64_t d = 0; d < rhsType.getRank(); ++d) {
      AffineExpr e = rhsMap.getResult(d);
      int64_t size = rhsType.getDimSize(d);
      if (!rhs.blockSizes.empty()) {
        int64_t block = rhs.blockSizes[d];
        if (size / block > 1) {
          gridShape.push_back(size / block);
          gridExprs.push_back(block > 1 ? e.floorDiv(block) : e);
        }
      } else if (d == rhs.axis) {
        gridShape.push_back(size);
        gridExprs.push_back(e);
      }
    }
    bool perTensor = gridShape.empty();
    bool hasZeroPoints =
        llvm::any_of(rhs.zeroPoints, [](int64_t z) { return z != 0; });
    SmallVector<float> scales = toF32(rhs.scales);
    // Operands of the generic that dequantizes: the weights, then the
    // scale and zero-point grids (per tensor: constants in the body).
    SmallVector<Value> params;
    SmallVector<AffineMap> paramMaps;
    if (!perTensor) {
      AffineMap gridMap = AffineMap::get(loops, 0, gridExprs, ctx);
      params.push_back(arith::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(RankedTensorType::get(gridShape, f32),
                                 ArrayRef<float>(scales))));
      paramMaps.push_back(gridMap);
      if (hasZeroPoints) {
        SmallVector<int32_t> zps(rhs.zeroPoints.begin(), rhs.zeroPoints.end());
        params.push_back(arith::ConstantOp::create(
            rewriter, loc,
            DenseElementsAttr::get(
                RankedTensorType::get(gridShape, rewriter.getI32Type()),
                ArrayRef<int32_t>(zps))));
        paramMaps.push_back(gridMap);
      }
    }
    bool isSigned = !c.rhsUnsigned;
    // f32(w - zb) * sb from the storage value and the parameter arguments,
    // as qlinalg.dequantize computes it (a zero zb folds away).
    auto dequantize = [&](OpBuilder &b, Location l, Value storage,
                          ValueRange paramArgs) -> Value {
      Value scale = perTensor ? f32Const(b, l, scales[0]) : paramArgs[0];
      Value zp =
          hasZeroPoints && !perTensor
              ? paramArgs[1]
              : arith::ConstantOp::create(
                    b, l,
                    b.getI32IntegerAttr(hasZeroPoints ? rhs.zeroPoints[0] : 0))
                    .getResult();
      return numerics::buildDequantize(b, l, storage, scale, zp, isSigned, f32);
    };
    unsigned numParams = params.size();
    auto multiplyAdd = [](OpBuilder &b, Location l, Value x, Value w,
                          Value acc) {
      Value p = arith::MulFOp::create(b, l, x, w);
      linalg::YieldOp::create(b, l,
                              arith::AddFOp::create(b, l, acc, p).getResult());
    };
    SmallVector<utils::IteratorType> iterators;
    for (bool r : c.maps.reduction)
      iterators.push_back(r ? utils::IteratorType::reduction
                            : utils::IteratorType::parallel);
    Value init = zerosF32(rewriter, loc, outSizes);
    Value result;
    if (once) {
      SmallVector<Value> inputs{c.rhs};
      inputs.append(params);
      SmallVector<AffineMap> maps{rhsMap};
      maps.append(paramMaps);
      maps.push_back(rhsMap);
      Value empty =
          tensor::EmptyOp::create(rewriter, loc, rhsType.getShape(), f32);
      Value weights =
          linalg::GenericOp::create(
              rewriter, loc, empty.getType(), inputs, empty, maps,
              SmallVector<utils::IteratorType>(loops,
                                               utils::IteratorType::parallel),
              [&](OpBuilder &b, Location l, ValueRange args) {
                linalg::YieldOp::create(
                    b, l, dequantize(b, l, args[0], args.slice(1, numParams)));
              })
              .getResult(0);
      result =
          linalg::GenericOp::create(
              rewriter, loc, init.getType(), ValueRange{c.lhs, weights}, init,
              ArrayRef<AffineMap>{c.maps.lhs, c.maps.rhs, c.maps.out},
              iterators,
              [&](OpBuilder &b, Location l, ValueRange args) {
                multiplyAdd(b, l, args[0], args[1], args[2]);
              })
              .getResult(0);
      if (!windowed)
        result.getDefiningOp()->setAttr(kKernelAttrName,
                                        rewriter.getUnitAttr());
    } else {
      SmallVector<Value> inputs{c.lhs, c.rhs};
      inputs.append(params);
      SmallVector<AffineMap> maps{c.maps.lhs, c.maps.rhs};
      maps.append(paramMaps);
      maps.push_back(c.maps.out);
      result = linalg::GenericOp::create(
                   rewriter, loc, init.getType(), inputs, init, maps, iterators,
                   [&](OpBuilder &b, Location l, ValueRange args) {
                     Value w =
                         dequantize(b, l, args[1], args.slice(2, numParams));
                     multiplyAdd(b, l, args[0], w, args.back());
                   })
                   .getResult(0);
      // --qlinalg-vectorize tiles and vectorizes it as it does the integer
      // kernel (FMA outer products, the dequantize in each tile).
      result.getDefiningOp()->setAttr(kKernelAttrName, rewriter.getUnitAttr());
    }
    if (options.explain)
      op->emitRemark(once ? "kernel generic: weight-only, the weights "
                            "dequantized once per call, then the float "
                            "contraction"
                          : "kernel generic: weight-only, the weights "
                            "dequantized where they are read");
    rewriter.replaceOp(op, castToResultType(rewriter, op, result));
    return success();
  }

  /// A run-time quantized lhs: the exact i32 accumulator (the packed kernel
  /// where it fits, its column term computed from the run-time zero point),
  /// then y = f32(acc) * f32(sa * sb[c]).
  LogicalResult lowerDynamicLhs(OpTy op, const IntegerContraction &c,
                                const QuantizedTypeParams &rhs, Value lhsScale,
                                ArrayRef<OpFoldResult> outSizes,
                                ConversionPatternRewriter &rewriter) const {
    Location loc = op.getLoc();
    std::string explain;
    FailureOr<Value> acc = failure();
    if (target.step) {
      numerics::StorageRange lhsRange =
          c.lhsUnsigned ? numerics::unsignedRange(8) : numerics::signedRange(8);
      acc = emitPackedContraction(rewriter, loc, c, outSizes, lhsRange.qmin,
                                  lhsRange.qmax, rewriter.getI32Type(), {},
                                  target, options, explain);
    }
    if (succeeded(acc)) {
      explain += "; the run-time scale applied after it";
      markTargetFunction(op, rewriter);
    } else {
      acc = emitZeroPointContraction(rewriter, loc, c, outSizes, target);
      explain = "kernel generic" + (explain.empty() ? "" : ": " + explain);
    }
    if (options.explain)
      op->emitRemark(explain);
    // f32(sa * sb[c]) per output channel, then the product per element.
    Type f32 = rewriter.getF32Type();
    int64_t outAxis = -1;
    if (rhs.axis >= 0)
      outAxis = *ContractionMaps::findDim(
          c.maps.out, ContractionMaps::getLoop(c.maps.rhs, rhs.axis));
    SmallVector<float> scales = toF32(rhs.scales);
    Value result = emitElementwise(
        rewriter, loc, *acc, f32, outAxis, {f32Param(rewriter, scales)},
        [&](OpBuilder &b, Location l, ValueRange in, ArrayRef<Value> params) {
          Value scale = arith::MulFOp::create(b, l, lhsScale, params[0]);
          Value v = arith::SIToFPOp::create(b, l, f32, in[0]);
          return arith::MulFOp::create(b, l, v, scale).getResult();
        });
    rewriter.replaceOp(op, castToResultType(rewriter, op, result));
    return success();
  }

  /// For every group g, the exact i32 sum over the group (zero points per
  /// group and channel, through the same decomposition), then
  /// y[out] = sum_g f32(sa * s[g, c]) * f32(acc[out, g]) in increasing g.
  LogicalResult lowerPerGroup(OpTy op, IntegerContraction &c,
                              RankedTensorType rhsType,
                              const QuantizedTypeParams &rhs,
                              SmallVector<OpFoldResult> outSizes,
                              ConversionPatternRewriter &rewriter) const {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Type f32 = rewriter.getF32Type();
    ContractionMaps original = c.maps;
    int64_t groups = splitGroups(rewriter, loc, c, rhsType, rhs);
    unsigned groupLoop =
        ContractionMaps::getLoop(c.maps.out, c.maps.out.getNumResults() - 1);
    SmallVector<OpFoldResult> accSizes(outSizes);
    accSizes.push_back(rewriter.getIndexAttr(groups));
    Value acc = emitZeroPointContraction(rewriter, loc, c, accSizes, target);

    quant::UniformQuantizedType lhsType =
        getPerTensorType(op.getLhs().getType());
    SmallVector<float> scales;
    for (double sb : rhs.scales)
      scales.push_back(static_cast<float>(lhsType.getScale() * sb));
    SmallVector<int64_t> gridShape;
    for (int64_t d = 0; d < rhsType.getRank(); ++d)
      if (int64_t n = rhsType.getDimSize(d) / rhs.blockSizes[d]; n > 1)
        gridShape.push_back(n);
    Value scaleTensor = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(RankedTensorType::get(gridShape, f32),
                               ArrayRef<float>(scales)));
    // Domain: the original parallel loops, then g as the reduction.
    SmallVector<unsigned> domain;
    for (unsigned l = 0; l < original.getNumLoops(); ++l)
      if (!original.reduction[l])
        domain.push_back(l);
    domain.push_back(groupLoop);
    Value outInit = zerosF32(rewriter, loc, outSizes);
    SmallVector<utils::IteratorType> iterators(domain.size(),
                                               utils::IteratorType::parallel);
    iterators.back() = utils::IteratorType::reduction;
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, outInit.getType(), ValueRange{acc, scaleTensor},
            ValueRange{outInit},
            ArrayRef<AffineMap>{restrictToLoops(c.maps.out, domain),
                                selectLoops(ctx, domain, c.zeroPointLoops),
                                restrictToLoops(original.out, domain)},
            iterators,
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value x = arith::SIToFPOp::create(b, l, f32, args[0]);
              Value scaled = arith::MulFOp::create(b, l, x, args[1]);
              linalg::YieldOp::create(
                  b, l,
                  arith::AddFOp::create(b, l, args[2], scaled).getResult());
            })
            .getResult(0);
    rewriter.replaceOp(op, castToResultType(rewriter, op, result));
    return success();
  }

  const KernelTarget &target;
  LoweringOptions options;
};

/// `tensor.dim` of a quantized tensor reads the dimension of its storage.
struct DimLowering : public OpConversionPattern<tensor::DimOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(tensor::DimOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<tensor::DimOp>(op, adaptor.getSource(),
                                               adaptor.getIndex());
    return success();
  }
};

/// `tensor.empty` of a quantized type (a contraction's init) becomes one of
/// the storage type.
struct EmptyLowering : public OpConversionPattern<tensor::EmptyOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(tensor::EmptyOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = dyn_cast_or_null<RankedTensorType>(
        getTypeConverter()->convertType(op.getType()));
    if (!type)
      return rewriter.notifyMatchFailure(op, "no storage type");
    rewriter.replaceOpWithNewOp<tensor::EmptyOp>(op, type,
                                                 adaptor.getDynamicSizes());
    return success();
  }
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
    // The ui8 integers of a run-time quantization: signless storage too.
    if (auto i = dyn_cast<IntegerType>(type.getElementType());
        i && i.isUnsigned())
      return RankedTensorType::get(
          type.getShape(), IntegerType::get(type.getContext(), i.getWidth()),
          type.getEncoding());
    return type;
  });
  auto materialize = [](OpBuilder &b, Type resultType, ValueRange inputs,
                        Location loc) -> Value {
    if (inputs.size() != 1)
      return {};
    auto isQuantized = [](Type t) {
      return isa<quant::QuantizedType>(getElementTypeOrSelf(t));
    };
    if (!isQuantized(resultType) && !isQuantized(inputs[0].getType()))
      return tensor::BitcastOp::create(b, loc, resultType, inputs[0]);
    return quant::StorageCastOp::create(b, loc, resultType, inputs[0]);
  };
  converter.addSourceMaterialization(materialize);
  converter.addTargetMaterialization(materialize);
}

void mlir::qlinalg::populateQLinalgToLinalgPatterns(
    RewritePatternSet &patterns, const TypeConverter &converter,
    const KernelTarget &target, const LoweringOptions &options) {
  MLIRContext *ctx = patterns.getContext();
  patterns
      .add<ObserveLowering, StorageCastLowering, QuantizeLowering,
           DynamicQuantizeLowering, DequantizeLowering, RequantizeLowering,
           ElementwiseBinaryLowering<AddOp>, ElementwiseBinaryLowering<MulOp>>(
          converter, ctx);
  patterns.add<EmptyLowering, DimLowering>(converter, ctx);
  patterns.add<ContractionLowering<ContractOp>, ContractionLowering<MatmulOp>>(
      converter, ctx, target, options);
}

LogicalResult mlir::qlinalg::lowerQLinalg(ModuleOp module,
                                          const KernelTarget &target,
                                          const LoweringOptions &options) {
  MLIRContext *ctx = module.getContext();
  TypeConverter converter;
  populateQLinalgTypeConversion(converter);

  // Keep the tensor signature that qlinalg-run will be called with.
  module.walk([&](func::FuncOp func) {
    if (!converter.isSignatureLegal(func.getFunctionType()) &&
        !func->hasAttr(kSignatureAttrName))
      func->setAttr(kSignatureAttrName, TypeAttr::get(func.getFunctionType()));
  });

  ConversionTarget conversionTarget(*ctx);
  conversionTarget.markUnknownOpDynamicallyLegal(
      [&](Operation *op) { return converter.isLegal(op); });
  conversionTarget.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
    return converter.isSignatureLegal(op.getFunctionType()) &&
           converter.isLegal(&op.getBody());
  });
  conversionTarget.addIllegalDialect<QLinalgDialect>();
  conversionTarget.addLegalOp<IntrinsicOp>();
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
  populateQLinalgToLinalgPatterns(patterns, converter, target, options);
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

const TargetDescription *
mlir::qlinalg::lookupTargetOrEmitError(Operation *op, StringRef name) {
  std::string error;
  const TargetDescription *description = lookupTarget(name, error);
  if (!description)
    op->emitError(error);
  return description;
}

namespace {
struct LowerPass : public qlinalg::impl::QLinalgLowerBase<LowerPass> {
  using Base::Base;
  void runOnOperation() override {
    const TargetDescription *description =
        lookupTargetOrEmitError(getOperation(), target);
    if (!description)
      return signalPassFailure();
    const KernelTarget *kernelTarget = lookupKernel(description->kernel);
    if (!kernelTarget) {
      getOperation().emitError("target '")
          << description->name << "' names kernel '" << description->kernel
          << "', which this build does not have";
      return signalPassFailure();
    }
    LoweringOptions options;
    options.target = description;
    options.emulate = emulate;
    options.threads = threads
                          ? unsigned(threads)
                          : std::max(1u, std::thread::hardware_concurrency());
    options.exactPairs = exactPairs;
    options.explain = explain;
    if (failed(lowerQLinalg(getOperation(), *kernelTarget, options)))
      signalPassFailure();
  }
};
} // namespace
