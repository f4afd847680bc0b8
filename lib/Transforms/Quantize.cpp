//===- Quantize.cpp - --qlinalg-quantize ----------------------------------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Transforms/Quantize.h"

#include "qlinalg/Calibration/Estimators.h"
#include "qlinalg/Numerics/Numerics.h"
#include "qlinalg/Transforms/Passes.h"
#include "qlinalg/Transforms/Quantizable.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <limits>

namespace mlir::qlinalg {
#define GEN_PASS_DEF_QLINALGQUANTIZE
#include "qlinalg/Transforms/Passes.h.inc"
} // namespace mlir::qlinalg

using namespace mlir;
using namespace mlir::qlinalg;

/// "symmetric" or "asymmetric".
static std::optional<bool> parseSymmetric(StringRef name) {
  if (name == "symmetric")
    return true;
  if (name == "asymmetric")
    return false;
  return std::nullopt;
}

FailureOr<QuantizeOptions>
mlir::qlinalg::parseQuantizeOptions(const QLinalgQuantizeOptions &raw,
                                    std::string &error) {
  QuantizeOptions options;
  auto fail = [&](const llvm::Twine &message) {
    error = message.str();
    return failure();
  };
  if (raw.requantize == "fixed-point") {
    options.multiplier = MultiplierMode::FixedPoint;
    options.rounding = RoundingMode::HalfAwayFromZero;
  } else if (raw.requantize == "float") {
    options.multiplier = MultiplierMode::Float;
    options.rounding = RoundingMode::HalfToEven;
  } else {
    return fail("unknown requantize mode '" + raw.requantize +
                "' (expected fixed-point or float)");
  }
  if (raw.rounding == "half-away-from-zero")
    options.rounding = RoundingMode::HalfAwayFromZero;
  else if (raw.rounding == "half-to-even")
    options.rounding = RoundingMode::HalfToEven;
  else if (!raw.rounding.empty())
    return fail("unknown rounding '" + raw.rounding +
                "' (expected half-away-from-zero or half-to-even)");
  std::optional<Estimator> estimator = parseEstimator(raw.estimator);
  if (!estimator)
    return fail("unknown estimator '" + raw.estimator +
                "' (expected minmax, moving-average, percentile, mse or "
                "entropy)");
  options.estimator = *estimator;
  if (!(raw.coverage >= 50.0 && raw.coverage <= 100.0))
    return fail("coverage " +
                llvm::formatv("{0}", llvm::format("%g", raw.coverage)).str() +
                " must be a percentage in [50, 100] (each side keeps that "
                "share of the values)");
  options.coverage = raw.coverage;
  std::optional<bool> activationSymmetric =
      parseSymmetric(raw.activationScheme);
  if (!activationSymmetric)
    return fail("unknown activation-scheme '" + raw.activationScheme +
                "' (expected asymmetric or symmetric)");
  if (raw.activationBits == 16)
    return fail("activation-bits=16 needs a kernel that accumulates 16x8-bit "
                "products without overflowing i32; no target of this build "
                "has one");
  if (raw.activationBits != 8)
    return fail("activation-bits " + std::to_string(raw.activationBits) +
                " is not supported (expected 8)");
  options.activations = {*activationSymmetric, 8};
  std::optional<bool> weightSymmetric = parseSymmetric(raw.weightScheme);
  if (!weightSymmetric)
    return fail("unknown weight-scheme '" + raw.weightScheme +
                "' (expected symmetric or asymmetric)");
  if (raw.weightBits < 2 || raw.weightBits > 8)
    return fail("weight-bits " + std::to_string(raw.weightBits) +
                " is outside 2..8");
  options.weights = {*weightSymmetric, raw.weightBits};
  if (raw.weightGranularity == "per-channel") {
    options.perChannelWeights = true;
  } else if (raw.weightGranularity == "per-tensor") {
    options.perChannelWeights = false;
  } else if (raw.weightGranularity == "per-group") {
    if (raw.groupSize < 1)
      return fail("group-size must be at least 1");
    options.perChannelWeights = true;
    options.groupSize = raw.groupSize;
  } else {
    return fail("unknown weight-granularity '" + raw.weightGranularity +
                "' (expected per-channel, per-tensor or per-group)");
  }
  options.powerOfTwo = raw.powerOfTwo;
  options.floatOutputs = raw.floatOutputs;
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
  /// Parameters of `value` from its table entry: explicit ones, per-channel
  /// ranges (axis 1, one per column), or the estimator's range.
  FailureOr<SmallVector<numerics::QuantParams>>
  getTableParams(Value value, Operation *user, const Scheme &scheme,
                 bool perChannel, int64_t channels);
  /// The quantized element type of a calibrated tensor.
  FailureOr<quant::QuantizedType> getCalibratedType(Value value,
                                                    Operation *user,
                                                    const Scheme &scheme,
                                                    bool perChannel,
                                                    int64_t channels = 0);
  Value getQuantized(Value value, Type elementType);
  FailureOr<Value> quantizeConstantWeights(QuantizableMatmul m);
  LogicalResult rewrite(QuantizableMatmul m);
  LogicalResult rewritePerGroup(QuantizableMatmul m);

  ModuleOp module;
  const CalibrationTable *table;
  std::string calibrationName;
  QuantizeOptions options;
  OpBuilder builder;
  DenseMap<Value, std::string> idOf;
  /// Float values some quantized unit consumes: results among them are
  /// requantized to int8 even with float-outputs.
  DenseSet<Value> quantizedInputs;
  DenseMap<std::pair<Value, Type>, QuantizeOp> quantizeCache;
  SmallVector<Operation *> maybeDead;
};
} // namespace

static RankedTensorType withElementType(Type tensorType, Type elementType) {
  auto t = cast<RankedTensorType>(tensorType);
  return RankedTensorType::get(t.getShape(), elementType, t.getEncoding());
}

numerics::StorageRange Scheme::getRange() const {
  return numerics::signedRange(bits, /*narrow=*/symmetric);
}

/// The params of the scheme for a real range, power-of-two if asked.
static numerics::QuantParams chooseParams(float lo, float hi,
                                          const Scheme &scheme,
                                          bool powerOfTwo) {
  numerics::StorageRange range = scheme.getRange();
  numerics::QuantParams p = scheme.symmetric
                                ? numerics::chooseSymmetric(lo, hi, scheme.bits)
                                : numerics::chooseAsymmetric(lo, hi, range);
  if (powerOfTwo)
    p = numerics::toPowerOfTwoScale(p, lo, range, scheme.symmetric);
  return p;
}

/// A per-tensor type (one params) or a per-axis type along `axis`.
static quant::QuantizedType makeQuantizedType(MLIRContext *ctx,
                                              ArrayRef<numerics::QuantParams> params,
                                              int32_t axis,
                                              numerics::StorageRange range) {
  auto i8 = IntegerType::get(ctx, 8);
  auto f32 = Float32Type::get(ctx);
  if (params.size() == 1 && axis < 0)
    return quant::UniformQuantizedType::get(
        quant::QuantizationFlags::Signed, i8, f32, params[0].scale,
        params[0].zeroPoint, range.qmin, range.qmax);
  SmallVector<double> scales;
  SmallVector<int64_t> zeroPoints;
  for (const numerics::QuantParams &p : params) {
    scales.push_back(p.scale);
    zeroPoints.push_back(p.zeroPoint);
  }
  return quant::UniformQuantizedPerAxisType::get(
      quant::QuantizationFlags::Signed, i8, f32, scales, zeroPoints, axis,
      range.qmin, range.qmax);
}

FailureOr<SmallVector<numerics::QuantParams>>
Quantizer::getTableParams(Value value, Operation *user, const Scheme &scheme,
                          bool perChannel, int64_t channels) {
  std::string id = idOf.lookup(value);
  assert(!id.empty() && "every calibrated tensor has an id");
  if (!table)
    return user->emitError("no calibration table given (calibration=FILE), "
                           "but tensor id '")
           << id << "' needs a range";
  const TensorStatistics *entry = table->lookup(id);
  if (!entry)
    return user->emitError("no calibration entry for tensor id '")
           << id << "'";
  numerics::StorageRange range = scheme.getRange();
  auto inTable = [&]() {
    return user->emitError("calibration entry for tensor id '")
           << id << "' in " << calibrationName;
  };
  // Explicit parameters from another tool win.
  if (entry->scale) {
    numerics::QuantParams p;
    p.scale = static_cast<float>(*entry->scale);
    if (!(p.scale >= std::numeric_limits<float>::min()) ||
        !std::isfinite(p.scale))
      return inTable() << " has scale " << *entry->scale
                       << ", which is not a normal f32";
    p.zeroPoint = entry->zeroPoint.value_or(0);
    // Imported parameters win over the scheme too: they use the full range.
    numerics::StorageRange full = numerics::signedRange(scheme.bits);
    if (p.zeroPoint < full.qmin || p.zeroPoint > full.qmax)
      return inTable() << " has zero point " << p.zeroPoint
                       << " outside the " << scheme.bits << "-bit range ["
                       << full.qmin << ", " << full.qmax << "]";
    return SmallVector<numerics::QuantParams>{p};
  }
  auto checkF32 = [](double v) {
    return std::isfinite(static_cast<float>(v));
  };
  SmallVector<numerics::QuantParams> params;
  if (perChannel) {
    if (!entry->perChannel || entry->perChannel->axis != 1)
      return inTable() << " has no per-channel ranges along axis 1; "
                          "recalibrate (weights get them) or use "
                          "weight-granularity=per-tensor";
    if (static_cast<int64_t>(entry->perChannel->min.size()) != channels)
      return inTable() << " has " << entry->perChannel->min.size()
                       << " channels, the tensor " << channels;
    for (auto [lo, hi] :
         llvm::zip(entry->perChannel->min, entry->perChannel->max)) {
      if (!checkF32(lo) || !checkF32(hi))
        return inTable() << " has a channel range that does not fit in f32";
      params.push_back(chooseParams(static_cast<float>(lo),
                                    static_cast<float>(hi), scheme,
                                    options.powerOfTwo));
    }
  } else {
    if (!checkF32(entry->min) || !checkF32(entry->max))
      return user->emitError("calibration range of tensor id '")
             << id << "' in " << calibrationName << " does not fit in f32";
    EstimatorOptions estimatorOptions;
    estimatorOptions.coverage = options.coverage;
    estimatorOptions.symmetric = scheme.symmetric;
    estimatorOptions.bits = scheme.bits;
    std::string error;
    std::optional<std::pair<double, double>> r =
        estimateRange(*entry, options.estimator, estimatorOptions, error);
    if (!r)
      return inTable() << " " << error;
    params.push_back(chooseParams(static_cast<float>(r->first),
                                  static_cast<float>(r->second), scheme,
                                  options.powerOfTwo));
  }
  for (const numerics::QuantParams &p : params)
    if (!std::isfinite(p.scale))
      return user->emitError("calibration range of tensor id '")
             << id << "' in " << calibrationName
             << " is too wide for an f32 scale";
  return params;
}

FailureOr<quant::QuantizedType>
Quantizer::getCalibratedType(Value value, Operation *user,
                             const Scheme &scheme, bool perChannel,
                             int64_t channels) {
  FailureOr<SmallVector<numerics::QuantParams>> params =
      getTableParams(value, user, scheme, perChannel, channels);
  if (failed(params))
    return failure();
  const TensorStatistics *entry = table->lookup(idOf.lookup(value));
  numerics::StorageRange range = entry->scale
                                     ? numerics::signedRange(scheme.bits)
                                     : scheme.getRange();
  // Explicit parameters are per tensor even where channels were asked for.
  bool perAxis = perChannel && !entry->scale;
  return makeQuantizedType(module.getContext(), *params, perAxis ? 1 : -1,
                           range);
}

Value Quantizer::getQuantized(Value value, Type elementType) {
  RankedTensorType tensorType = withElementType(value.getType(), elementType);
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

/// Constant weights per group of `groupSize` rows and per column, as an i8
/// constant reinterpreted with a sub-channel type {0:G, 1:1}.
static Value quantizePerGroup(OpBuilder &builder, QuantizableMatmul m,
                              ArrayRef<float> values, const Scheme &scheme,
                              bool powerOfTwo, int64_t groupSize) {
  MLIRContext *ctx = builder.getContext();
  auto type = cast<RankedTensorType>(m.constantRhs.getType());
  int64_t k = type.getDimSize(0), n = type.getDimSize(1);
  int64_t groups = k / groupSize;
  numerics::StorageRange range = scheme.getRange();
  SmallVector<float> scales;
  SmallVector<int64_t> zeroPoints;
  SmallVector<int8_t> q(values.size());
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t col = 0; col < n; ++col) {
      float lo = 0.0f, hi = 0.0f;
      for (int64_t row = g * groupSize; row < (g + 1) * groupSize; ++row) {
        lo = std::min(lo, values[row * n + col]);
        hi = std::max(hi, values[row * n + col]);
      }
      numerics::QuantParams p = chooseParams(lo, hi, scheme, powerOfTwo);
      scales.push_back(p.scale);
      zeroPoints.push_back(p.zeroPoint);
      for (int64_t row = g * groupSize; row < (g + 1) * groupSize; ++row)
        q[row * n + col] = static_cast<int8_t>(numerics::quantize(
            values[row * n + col], p.scale, p.zeroPoint, range));
    }
  auto gridType = [&](Type elem) {
    return RankedTensorType::get({groups, n}, elem);
  };
  auto qtype = quant::UniformQuantizedSubChannelType::get(
      quant::QuantizationFlags::Signed, IntegerType::get(ctx, 8),
      Float32Type::get(ctx),
      DenseElementsAttr::get(gridType(Float32Type::get(ctx)),
                             ArrayRef<float>(scales)),
      DenseElementsAttr::get(gridType(IntegerType::get(ctx, 64)),
                             ArrayRef<int64_t>(zeroPoints)),
      ArrayRef<int32_t>{0, 1}, ArrayRef<int64_t>{groupSize, 1}, range.qmin,
      range.qmax);
  Location loc = m.matmul.getLoc();
  Value data = arith::ConstantOp::create(
      builder, loc,
      DenseElementsAttr::get(withElementType(type, IntegerType::get(ctx, 8)),
                             ArrayRef<int8_t>(q)));
  return quant::StorageCastOp::create(builder, loc,
                                      withElementType(type, qtype), data);
}

FailureOr<Value> Quantizer::quantizeConstantWeights(QuantizableMatmul m) {
  MLIRContext *ctx = module.getContext();
  DenseElementsAttr w = m.constantRhs;
  auto type = cast<RankedTensorType>(w.getType());
  int64_t k = type.getDimSize(0), n = type.getDimSize(1);
  SmallVector<float> values(w.getValues<float>());
  if (llvm::any_of(values, [](float v) { return !std::isfinite(v); }))
    return m.matmul.emitError("constant weights contain NaN or Inf");

  if (options.groupSize)
    return quantizePerGroup(builder, m, values, options.weights,
                            options.powerOfTwo, options.groupSize);
  // Per output channel (column) or per tensor, from the exact min/max.
  const Scheme &scheme = options.weights;
  numerics::StorageRange range = scheme.getRange();
  bool perChannel = options.perChannelWeights;
  int64_t groups = perChannel ? n : 1;
  SmallVector<numerics::QuantParams> params;
  for (int64_t g = 0; g < groups; ++g) {
    float lo = 0.0f, hi = 0.0f;
    for (int64_t row = 0; row < k; ++row)
      for (int64_t col = perChannel ? g : 0; col < (perChannel ? g + 1 : n);
           ++col) {
        lo = std::min(lo, values[row * n + col]);
        hi = std::max(hi, values[row * n + col]);
      }
    params.push_back(chooseParams(lo, hi, scheme, options.powerOfTwo));
  }
  SmallVector<int8_t> q(values.size());
  for (int64_t row = 0; row < k; ++row)
    for (int64_t col = 0; col < n; ++col) {
      const numerics::QuantParams &p = params[perChannel ? col : 0];
      q[row * n + col] = static_cast<int8_t>(numerics::quantize(
          values[row * n + col], p.scale, p.zeroPoint, range));
    }
  auto storage = DenseElementsAttr::get(
      withElementType(type, IntegerType::get(ctx, 8)), ArrayRef<int8_t>(q));
  quant::QuantizedType qtype =
      makeQuantizedType(ctx, params, perChannel ? 1 : -1, range);
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
  if (options.groupSize && m.constantRhs) {
    int64_t k = cast<RankedTensorType>(m.constantRhs.getType()).getDimSize(0);
    if (k % options.groupSize != 0) {
      m.matmul.emitRemark("linalg.matmul left in float: group-size ")
          << options.groupSize << " does not divide the reduction size " << k;
      return success();
    }
    return rewritePerGroup(m);
  }
  if (options.groupSize && !m.constantRhs)
    m.matmul.emitRemark("per-group quantization needs constant weights; "
                        "this rhs is quantized per channel");

  FailureOr<quant::QuantizedType> lhsType =
      getCalibratedType(m.lhs, m.matmul, options.activations, false);
  if (failed(lhsType))
    return failure();
  Value lhs = getQuantized(m.lhs, *lhsType);

  // Weights: constant ones at compile time from their data; others from
  // the table (per-channel ranges, or the estimator when per tensor).
  Value rhs;
  if (m.constantRhs) {
    FailureOr<Value> w = quantizeConstantWeights(m);
    if (failed(w))
      return failure();
    rhs = *w;
  } else {
    int64_t columns = cast<RankedTensorType>(m.rhs.getType()).getDimSize(1);
    bool perChannel = options.perChannelWeights && !ShapedType::isDynamic(columns);
    FailureOr<quant::QuantizedType> rhsType = getCalibratedType(
        m.rhs, m.matmul, options.weights, perChannel, columns);
    if (failed(rhsType))
      return failure();
    rhs = getQuantized(m.rhs, *rhsType);
  }
  QuantizedTypeParams rhsParams = *getQuantizedTypeParams(rhs.getType());
  bool perChannel = rhsParams.axis >= 0;
  double lhsScale = cast<quant::UniformQuantizedType>(*lhsType).getScale();

  // The accumulator: scale sa * sb[n], zero point 0.
  auto i32 = IntegerType::get(ctx, 32);
  auto f32 = Float32Type::get(ctx);
  SmallVector<double> accScales;
  for (double sb : rhsParams.scales)
    accScales.push_back(lhsScale * sb);
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
  std::string resultId = idOf.lookup(m.result);
  Value quantizedResult = acc;
  if (!options.floatOutputs || quantizedInputs.contains(m.result)) {
    FailureOr<quant::QuantizedType> outType =
        getCalibratedType(m.result, m.root, options.activations, false);
    if (failed(outType))
      return failure();
    auto requant = RequantizeOp::create(
        builder, loc, withElementType(resultType, *outType), acc,
        options.multiplier, options.rounding);
    requant->setAttr("qlinalg.tensor_id", builder.getStringAttr(resultId));
    quantizedResult = requant;
  }
  auto dequant = DequantizeOp::create(builder, loc, resultType, quantizedResult);
  idOf[dequant] = resultId;
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

LogicalResult Quantizer::rewritePerGroup(QuantizableMatmul m) {
  Location loc = m.matmul.getLoc();
  FailureOr<quant::QuantizedType> lhsType =
      getCalibratedType(m.lhs, m.matmul, options.activations, false);
  if (failed(lhsType))
    return failure();
  Value lhs = getQuantized(m.lhs, *lhsType);
  FailureOr<Value> rhs = quantizeConstantWeights(m);
  if (failed(rhs))
    return failure();
  // Groups have different accumulator scales: the product comes back in
  // f32, and the bias stays a float addition after it.
  Value product = m.matmul.getResult(0);
  auto y = MatmulOp::create(builder, loc, product.getType(), lhs, *rhs,
                            /*bias=*/Value(), /*multiplier=*/nullptr,
                            /*rounding=*/nullptr);
  Value init = m.matmul.getOutputs()[0];
  product.replaceAllUsesWith(y.getResult());
  if (m.bias && m.root == m.matmul.getOperation()) {
    // The bias was the accumulator init: add the broadcast init in float.
    Value empty = tensor::EmptyOp::create(
        builder, loc, tensor::getMixedSizes(builder, loc, y.getResult()),
        builder.getF32Type());
    auto add = linalg::AddOp::create(builder, loc, ValueRange{y, init},
                                     ValueRange{empty});
    y.getResult().replaceAllUsesExcept(add.getResult(0), add);
  }
  idOf[y.getResult()] = idOf.lookup(m.result);
  maybeDead.push_back(init.getDefiningOp());
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
  module.walk([&](linalg::MatmulOp op) {
    matmuls.push_back(op);
    std::string whyNot;
    if (FailureOr<QuantizableMatmul> m = matchQuantizableMatmul(op, whyNot);
        succeeded(m)) {
      quantizedInputs.insert(m->lhs);
      quantizedInputs.insert(m->rhs);
    }
  });
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
    QLinalgQuantizeOptions raw;
    raw.calibration = calibration;
    raw.requantize = requantize;
    raw.rounding = rounding;
    raw.estimator = estimator;
    raw.coverage = coverage;
    raw.activationScheme = activationScheme;
    raw.weightScheme = weightScheme;
    raw.weightGranularity = weightGranularity;
    raw.weightBits = weightBits;
    raw.activationBits = activationBits;
    raw.groupSize = groupSize;
    raw.powerOfTwo = powerOfTwo;
    raw.floatOutputs = floatOutputs;
    FailureOr<QuantizeOptions> parsed = parseQuantizeOptions(raw, error);
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
