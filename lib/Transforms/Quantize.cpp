//===- Quantize.cpp - --qlinalg-quantize ----------------------------------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Transforms/Quantize.h"

#include "qlinalg/Numerics/Numerics.h"
#include "qlinalg/Transforms/Passes.h"
#include "qlinalg/Transforms/Quantizable.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

#include <cmath>
#include <limits>

namespace mlir::qlinalg {
#define GEN_PASS_DEF_QLINALGQUANTIZE
#include "qlinalg/Transforms/Passes.h.inc"
} // namespace mlir::qlinalg

using namespace mlir;
using namespace mlir::qlinalg;

FailureOr<QuantizeOptions>
mlir::qlinalg::parseQuantizeOptions(StringRef requantize, StringRef rounding,
                                    std::string &error) {
  QuantizeOptions options;
  if (requantize == "fixed-point") {
    options.multiplier = MultiplierMode::FixedPoint;
    options.rounding = RoundingMode::HalfAwayFromZero;
  } else if (requantize == "float") {
    options.multiplier = MultiplierMode::Float;
    options.rounding = RoundingMode::HalfToEven;
  } else {
    error = "unknown requantize mode '" + requantize.str() +
            "' (expected fixed-point or float)";
    return failure();
  }
  if (rounding == "half-away-from-zero")
    options.rounding = RoundingMode::HalfAwayFromZero;
  else if (rounding == "half-to-even")
    options.rounding = RoundingMode::HalfToEven;
  else if (!rounding.empty()) {
    error = "unknown rounding '" + rounding.str() +
            "' (expected half-away-from-zero or half-to-even)";
    return failure();
  }
  return options;
}

namespace {
/// Rewrites the quantizable units of one module.
class Quantizer {
public:
  Quantizer(ModuleOp module, const CalibrationTable *table,
            StringRef calibrationName, const QuantizeOptions &options)
      : module(module), table(table), calibrationName(calibrationName),
        options(options), builder(module.getContext()) {}

  LogicalResult run();

private:
  FailureOr<quant::UniformQuantizedType> getActivationType(Value value,
                                                           Operation *user);
  Value getQuantized(Value value, quant::UniformQuantizedType type);
  FailureOr<Value> quantizeWeights(QuantizableMatmul m,
                                   SmallVectorImpl<double> &scales);
  LogicalResult rewrite(QuantizableMatmul m);

  ModuleOp module;
  const CalibrationTable *table;
  std::string calibrationName;
  QuantizeOptions options;
  OpBuilder builder;
  DenseMap<Value, std::string> idOf;
  DenseMap<std::pair<Value, Type>, QuantizeOp> quantizeCache;
  SmallVector<Operation *> maybeDead;
};
} // namespace

static RankedTensorType withElementType(Type tensorType, Type elementType) {
  auto t = cast<RankedTensorType>(tensorType);
  return RankedTensorType::get(t.getShape(), elementType, t.getEncoding());
}

FailureOr<quant::UniformQuantizedType>
Quantizer::getActivationType(Value value, Operation *user) {
  MLIRContext *ctx = module.getContext();
  std::string id = idOf.lookup(value);
  assert(!id.empty() && "every quantized activation has an id");
  if (!table)
    return user->emitError("no calibration table given (calibration=FILE), "
                           "but tensor id '")
           << id << "' needs a range";
  const TensorStatistics *entry = table->lookup(id);
  if (!entry)
    return user->emitError("no calibration entry for tensor id '")
           << id << "'";
  numerics::StorageRange range = numerics::signedRange(8);
  numerics::QuantParams params;
  auto tableName = [&]() { return calibrationName; };
  if (entry->scale) {
    params.scale = static_cast<float>(*entry->scale);
    if (!(params.scale >= std::numeric_limits<float>::min()) ||
        !std::isfinite(params.scale))
      return user->emitError("calibration entry for tensor id '")
             << id << "' in " << tableName() << " has scale "
             << *entry->scale << ", which is not a normal f32";
    params.zeroPoint = entry->zeroPoint.value_or(0);
    if (params.zeroPoint < range.qmin || params.zeroPoint > range.qmax)
      return user->emitError("calibration entry for tensor id '")
             << id << "' in " << tableName() << " has zero point " << params.zeroPoint
             << " outside the int8 range";
  } else {
    float lo = static_cast<float>(entry->min);
    float hi = static_cast<float>(entry->max);
    if (!std::isfinite(lo) || !std::isfinite(hi))
      return user->emitError("calibration range of tensor id '")
             << id << "' in " << tableName() << " does not fit in f32";
    params = numerics::chooseAsymmetric(lo, hi, range);
  }
  if (!std::isfinite(params.scale))
    return user->emitError("calibration range of tensor id '")
           << id << "' in " << calibrationName
           << " is too wide for an f32 scale";
  return quant::UniformQuantizedType::get(
      quant::QuantizationFlags::Signed, IntegerType::get(ctx, 8),
      Float32Type::get(ctx), params.scale, params.zeroPoint, range.qmin,
      range.qmax);
}

Value Quantizer::getQuantized(Value value, quant::UniformQuantizedType type) {
  RankedTensorType tensorType = withElementType(value.getType(), type);
  auto key = std::make_pair(value, Type(tensorType));
  if (QuantizeOp cached = quantizeCache.lookup(key))
    return cached;
  OpBuilder::InsertionGuard guard(builder);
  if (auto arg = dyn_cast<BlockArgument>(value))
    builder.setInsertionPointToStart(arg.getOwner());
  else
    builder.setInsertionPointAfter(value.getDefiningOp());
  auto q = QuantizeOp::create(builder, value.getLoc(), tensorType, value);
  q->setAttr("qlinalg.tensor_id", builder.getStringAttr(idOf.lookup(value)));
  quantizeCache[key] = q;
  return q;
}

FailureOr<Value> Quantizer::quantizeWeights(QuantizableMatmul m,
                                            SmallVectorImpl<double> &scales) {
  MLIRContext *ctx = module.getContext();
  DenseElementsAttr w = m.constantRhs;
  auto type = cast<RankedTensorType>(w.getType());
  int64_t k = type.getDimSize(0), n = type.getDimSize(1);
  SmallVector<float> values(w.getValues<float>());
  if (llvm::any_of(values, [](float v) { return !std::isfinite(v); }))
    return m.matmul.emitError("constant weights contain NaN or Inf");

  // Symmetric int8 per output channel, narrow range.
  const unsigned bits = 8;
  numerics::StorageRange range = numerics::signedRange(bits, /*narrow=*/true);
  SmallVector<int8_t> q(values.size());
  for (int64_t col = 0; col < n; ++col) {
    float lo = 0.0f, hi = 0.0f;
    for (int64_t row = 0; row < k; ++row) {
      lo = std::min(lo, values[row * n + col]);
      hi = std::max(hi, values[row * n + col]);
    }
    numerics::QuantParams p = numerics::chooseSymmetric(lo, hi, bits);
    scales.push_back(p.scale);
    for (int64_t row = 0; row < k; ++row)
      q[row * n + col] = static_cast<int8_t>(
          numerics::quantize(values[row * n + col], p.scale, 0, range));
  }
  auto i8 = IntegerType::get(ctx, 8);
  auto storage = DenseElementsAttr::get(withElementType(type, i8),
                                        ArrayRef<int8_t>(q));
  SmallVector<int64_t> zeros(n, 0);
  auto qtype = quant::UniformQuantizedPerAxisType::get(
      quant::QuantizationFlags::Signed, i8, Float32Type::get(ctx), scales,
      zeros, /*quantizedDimension=*/1, range.qmin, range.qmax);
  Location loc = m.matmul.getLoc();
  Value data = arith::ConstantOp::create(builder, loc, storage);
  return quant::StorageCastOp::create(builder, loc,
                                      withElementType(type, qtype), data)
      .getResult();
}

LogicalResult Quantizer::rewrite(QuantizableMatmul m) {
  MLIRContext *ctx = module.getContext();
  Location loc = m.matmul.getLoc();
  builder.setInsertionPoint(m.root);

  FailureOr<quant::UniformQuantizedType> lhsType =
      getActivationType(m.lhs, m.matmul);
  if (failed(lhsType))
    return failure();
  Value lhs = getQuantized(m.lhs, *lhsType);

  // Weights: constant ones per channel at compile time, others per tensor.
  SmallVector<double> rhsScales;
  Value rhs;
  if (m.constantRhs) {
    FailureOr<Value> w = quantizeWeights(m, rhsScales);
    if (failed(w))
      return failure();
    rhs = *w;
  } else {
    FailureOr<quant::UniformQuantizedType> rhsType =
        getActivationType(m.rhs, m.matmul);
    if (failed(rhsType))
      return failure();
    rhs = getQuantized(m.rhs, *rhsType);
    rhsScales.push_back(rhsType->getScale());
  }
  bool perChannel = m.constantRhs != nullptr;

  // The accumulator: scale sa * sb[n], zero point 0.
  auto i32 = IntegerType::get(ctx, 32);
  auto f32 = Float32Type::get(ctx);
  SmallVector<double> accScales;
  for (double sb : rhsScales)
    accScales.push_back(static_cast<double>(lhsType->getScale()) * sb);
  auto accElement = [&](int32_t axis) -> quant::QuantizedType {
    const int64_t lo = std::numeric_limits<int32_t>::min();
    const int64_t hi = std::numeric_limits<int32_t>::max();
    if (perChannel)
      return quant::UniformQuantizedPerAxisType::get(
          quant::QuantizationFlags::Signed, i32, f32, accScales,
          SmallVector<int64_t>(accScales.size(), 0), axis, lo, hi);
    return quant::UniformQuantizedType::get(quant::QuantizationFlags::Signed,
                                            i32, f32, accScales[0], 0, lo, hi);
  };
  auto resultType = cast<RankedTensorType>(m.result.getType());

  Value bias;
  if (m.bias) {
    SmallVector<float> values(m.bias.getValues<float>());
    if (llvm::any_of(values, [](float v) { return !std::isfinite(v); }))
      return m.root->emitError("constant bias contains NaN or Inf");
    SmallVector<int32_t> q;
    for (auto [i, v] : llvm::enumerate(values))
      q.push_back(numerics::quantizeBias(v, accScales[perChannel ? i : 0]));
    auto dataType = RankedTensorType::get({int64_t(q.size())}, i32);
    Value data = arith::ConstantOp::create(
        builder, loc, DenseElementsAttr::get(dataType, ArrayRef<int32_t>(q)));
    bias = quant::StorageCastOp::create(
        builder, loc, withElementType(dataType, accElement(0)), data);
  }

  auto acc = MatmulOp::create(builder, loc,
                              withElementType(resultType, accElement(1)), lhs,
                              rhs, bias, /*multiplier=*/nullptr,
                              /*rounding=*/nullptr);
  idOf[acc.getResult()] = idOf.lookup(m.result);
  FailureOr<quant::UniformQuantizedType> outType =
      getActivationType(m.result, m.root);
  if (failed(outType))
    return failure();
  auto requant = RequantizeOp::create(
      builder, loc, withElementType(resultType, *outType), acc,
      options.multiplier, options.rounding);
  requant->setAttr("qlinalg.tensor_id",
                   builder.getStringAttr(idOf.lookup(m.result)));
  auto dequant =
      DequantizeOp::create(builder, loc, resultType, requant.getResult());
  idOf[dequant] = idOf.lookup(m.result);
  m.result.replaceAllUsesWith(dequant.getResult());

  for (Value operand : m.root->getOperands())
    if (Operation *def = operand.getDefiningOp())
      maybeDead.push_back(def);
  for (Value operand : m.matmul->getOperands())
    if (Operation *def = operand.getDefiningOp())
      maybeDead.push_back(def);
  if (m.root != m.matmul.getOperation())
    m.root->erase();
  m.matmul->erase();
  return success();
}

/// Erases `op` and then its operands' producers that become dead.
static void eraseIfDead(Operation *op, DenseSet<Operation *> &erased) {
  if (erased.contains(op) || !isOpTriviallyDead(op))
    return;
  SmallVector<Operation *> producers;
  for (Value operand : op->getOperands())
    if (Operation *def = operand.getDefiningOp())
      producers.push_back(def);
  erased.insert(op);
  op->erase();
  for (Operation *def : producers)
    eraseIfDead(def, erased);
}

LogicalResult Quantizer::run() {
  // Probes from --qlinalg-instrument are calibration-only; the ids are the
  // same with or without them.
  module.walk([](ObserveOp op) {
    op.getOutput().replaceAllUsesWith(op.getInput());
    op.erase();
  });

  SmallVector<std::pair<linalg::MatmulOp, std::string>> unquantizable;
  TensorIdMap ids = assignTensorIds(module, &unquantizable);
  for (const auto &[value, id] : ids)
    idOf[value] = id;
  for (auto &[matmul, why] : unquantizable)
    matmul.emitRemark("linalg.matmul left in float: ") << why;

  SmallVector<linalg::MatmulOp> matmuls;
  module.walk([&](linalg::MatmulOp op) { matmuls.push_back(op); });
  bool failedAny = false;
  for (linalg::MatmulOp matmul : matmuls) {
    std::string whyNot;
    // Matched again now: earlier rewrites replaced this unit's inputs.
    FailureOr<QuantizableMatmul> m = matchQuantizableMatmul(matmul, whyNot);
    if (failed(m))
      continue;
    if (failed(rewrite(*m)))
      failedAny = true;
  }
  if (failedAny)
    return failure();

  // A dequantize feeding a quantize of the same type cancels: only the
  // borders between float and quantized code keep their casts.
  for (auto &[key, q] : quantizeCache) {
    if (OpFoldResult folded = q.fold(QuantizeOp::FoldAdaptor({}, q))) {
      q.getOutput().replaceAllUsesWith(cast<Value>(folded));
      maybeDead.push_back(q);
    }
  }
  DenseSet<Operation *> erased;
  for (auto &[key, q] : quantizeCache)
    if (auto dq = q.getInput().getDefiningOp<DequantizeOp>())
      maybeDead.push_back(dq);
  for (Operation *op : maybeDead)
    eraseIfDead(op, erased);
  return success();
}

LogicalResult mlir::qlinalg::quantizeModule(ModuleOp module,
                                            const CalibrationTable *table,
                                            const QuantizeOptions &options,
                                            StringRef tableName) {
  return Quantizer(module, table, tableName, options).run();
}

namespace {
struct QuantizePass : public qlinalg::impl::QLinalgQuantizeBase<QuantizePass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::string error;
    FailureOr<QuantizeOptions> parsed =
        parseQuantizeOptions(requantize, rounding, error);
    if (failed(parsed)) {
      module.emitError(error);
      return signalPassFailure();
    }
    std::optional<CalibrationTable> table;
    if (!calibration.empty()) {
      llvm::Expected<CalibrationTable> read =
          readCalibrationTable(calibration);
      if (!read) {
        module.emitError(llvm::toString(read.takeError()));
        return signalPassFailure();
      }
      table = std::move(*read);
    }
    if (failed(quantizeModule(module, table ? &*table : nullptr, *parsed,
                              calibration)))
      signalPassFailure();
  }
};
} // namespace
