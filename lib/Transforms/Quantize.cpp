//===- Quantize.cpp - --qlinalg-quantize ----------------------------------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Transforms/Quantize.h"

#include "qlinalg/Calibration/Estimators.h"
#include "qlinalg/Numerics/Builders.h"
#include "qlinalg/Numerics/Numerics.h"
#include "qlinalg/Target/Target.h"
#include "qlinalg/Transforms/Passes.h"
#include "qlinalg/Transforms/Quantizable.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/TypeSwitch.h"
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

static const char *getModeName(QuantizeMode mode) {
  switch (mode) {
  case QuantizeMode::Static:
    return "static";
  case QuantizeMode::Dynamic:
    return "dynamic";
  case QuantizeMode::WeightOnly:
    return "weight-only";
  }
  llvm_unreachable("unknown mode");
}

/// "symmetric" or "asymmetric".
static std::optional<bool> parseSymmetric(StringRef name) {
  if (name == "symmetric")
    return true;
  if (name == "asymmetric")
    return false;
  return std::nullopt;
}

/// Validates the textual options: `Raw` is the pass itself (its ODS options)
/// or the generated QLinalgQuantizeOptions struct, so the options are read
/// where they are declared, never copied field by field.
template <typename Raw>
static FailureOr<QuantizeOptions> parseOptions(const Raw &raw,
                                               std::string &error) {
  QuantizeOptions options;
  auto fail = [&](const llvm::Twine &message) {
    error = message.str();
    return failure();
  };
  if (raw.mode == "static")
    options.mode = QuantizeMode::Static;
  else if (raw.mode == "dynamic")
    options.mode = QuantizeMode::Dynamic;
  else if (raw.mode == "weight-only")
    options.mode = QuantizeMode::WeightOnly;
  else
    return fail("unknown mode '" + raw.mode +
                "' (expected static, dynamic or weight-only)");
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
    return fail(
        "coverage " +
        llvm::formatv("{0}", llvm::format("%g", double(raw.coverage))).str() +
        " must be a percentage in [50, 100] (each side keeps that "
        "share of the values)");
  options.coverage = double(raw.coverage);
  std::optional<bool> activationSymmetric =
      parseSymmetric(raw.activationScheme);
  if (!activationSymmetric)
    return fail("unknown activation-scheme '" + raw.activationScheme +
                "' (expected asymmetric or symmetric)");
  // The target says which activation widths its kernels accumulate exactly.
  std::string targetError;
  const TargetDescription *target =
      lookupTarget(std::string(raw.target), targetError);
  if (!target)
    return fail(targetError);
  unsigned activationBits = raw.activationBits;
  if (!target->supportsActivationBits(activationBits)) {
    std::string supported;
    llvm::raw_string_ostream os(supported);
    llvm::interleave(target->activationBits, os, ", ");
    return fail("activation-bits " + std::to_string(activationBits) +
                ": target '" + target->name +
                "' has no kernel for it (its kernels take " + supported +
                "-bit activations; a 16-bit one must accumulate 16x8-bit "
                "products without overflowing i32)");
  }
  options.activations = {*activationSymmetric, 8};
  if (raw.reduceRange) {
    if (*activationSymmetric)
      return fail("reduce-range needs asymmetric activations (its range "
                  "[-128, -1] has no zero point 0)");
    options.activations.reduceRange = true;
  }
  std::optional<bool> weightSymmetric = parseSymmetric(raw.weightScheme);
  if (!weightSymmetric)
    return fail("unknown weight-scheme '" + raw.weightScheme +
                "' (expected symmetric or asymmetric)");
  unsigned weightBits = raw.weightBits;
  if (weightBits < 2 || weightBits > 8)
    return fail("weight-bits " + std::to_string(weightBits) +
                " is outside 2..8");
  options.weights = {*weightSymmetric, weightBits};
  if (raw.weightGranularity == "per-channel") {
    options.perChannelWeights = true;
  } else if (raw.weightGranularity == "per-tensor") {
    options.perChannelWeights = false;
  } else if (raw.weightGranularity == "per-group") {
    if (unsigned(raw.groupSize) < 1)
      return fail("group-size must be at least 1");
    options.perChannelWeights = true;
    options.groupSize = raw.groupSize;
  } else {
    return fail("unknown weight-granularity '" + raw.weightGranularity +
                "' (expected per-channel, per-tensor or per-group)");
  }
  if (options.mode == QuantizeMode::Dynamic && options.groupSize)
    return fail("mode=dynamic takes per-channel or per-tensor weights (a "
                "run-time activation scale times per-group weight scales "
                "has no one accumulator scale); per-group weights need "
                "mode=weight-only or static");
  options.powerOfTwo = raw.powerOfTwo;
  options.floatOutputs = raw.floatOutputs;
  options.exclude.assign(raw.exclude.begin(), raw.exclude.end());
  return options;
}

FailureOr<QuantizeOptions>
mlir::qlinalg::parseQuantizeOptions(const QLinalgQuantizeOptions &raw,
                                    std::string &error) {
  return parseOptions(raw, error);
}

static RankedTensorType withElementType(Type tensorType, Type elementType) {
  auto t = cast<RankedTensorType>(tensorType);
  return RankedTensorType::get(t.getShape(), elementType, t.getEncoding());
}

numerics::StorageRange Scheme::getRange() const {
  if (reduceRange)
    return {-(int64_t(1) << (bits - 1)), -1};
  return numerics::signedRange(bits, /*narrow=*/symmetric);
}

/// The params of the scheme for a real range, power-of-two if asked.
static numerics::QuantParams
chooseParams(float lo, float hi, const Scheme &scheme, bool powerOfTwo) {
  numerics::StorageRange range = scheme.getRange();
  numerics::QuantParams p = scheme.symmetric
                                ? numerics::chooseSymmetric(lo, hi, scheme.bits)
                                : numerics::chooseAsymmetric(lo, hi, range);
  if (powerOfTwo)
    p = numerics::toPowerOfTwoScale(p, lo, range, scheme.symmetric);
  return p;
}

/// A per-tensor type (one params) or a per-axis type along `axis`.
static quant::QuantizedType
makeQuantizedType(MLIRContext *ctx, ArrayRef<numerics::QuantParams> params,
                  int32_t axis, numerics::StorageRange range) {
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

QuantizationState::QuantizationState(ModuleOp module,
                                     const CalibrationTable *table,
                                     StringRef tableName,
                                     const QuantizeOptions &options)
    : table(table), tableName(tableName), options(options) {
  SmallVector<QuantizableContraction> units;
  SmallVector<QuantizableElementwise> elementwise;
  for (const auto &[value, id] :
       assignTensorIds(module, &unquantizable, /*weightAxes=*/nullptr, &units,
                       &elementwise)) {
    idOf[value] = id;
    allIds.insert(id);
  }
  // exclude=: a unit that reads or produces a listed tensor, or whose op
  // has a listed name, stays in float.
  llvm::StringSet<> excluded;
  for (const std::string &name : options.exclude)
    excluded.insert(name);
  auto isExcluded = [&](Operation *op, ArrayRef<Value> tensors) {
    std::string why;
    if (excluded.contains(op->getName().getStringRef()))
      why = op->getName().getStringRef().str();
    for (Value v : tensors)
      if (std::string id = idOf.lookup(v); why.empty() && excluded.contains(id))
        why = id;
    if (!why.empty())
      unquantizable.emplace_back(op, "excluded (exclude=" + why + ")");
    return !why.empty();
  };
  for (const QuantizableContraction &c : units) {
    if (isExcluded(c.op, {c.lhs, c.rhs, c.result}))
      continue;
    if (options.mode != QuantizeMode::Static && !c.constantRhs) {
      unquantizable.emplace_back(
          c.op, std::string("mode=") + getModeName(options.mode) +
                    " quantizes contractions with constant weights only");
      continue;
    }
    quantizedInputs.insert(c.lhs);
    quantizedInputs.insert(c.rhs);
  }
  // Without a table the ops between contractions have no scales: they stay
  // float ops by design (no remark each).
  if (options.mode != QuantizeMode::Static)
    elementwise.clear();
  for (const QuantizableElementwise &unit : elementwise) {
    SmallVector<Value> tensors(unit.inputs.begin(), unit.inputs.end());
    tensors.push_back(unit.result);
    if (isExcluded(unit.op, tensors))
      continue;
    elementwiseOps.insert(unit.op);
    quantizedInputs.insert(unit.inputs.begin(), unit.inputs.end());
  }
  for (auto &[op, why] : unquantizable)
    skipped.insert(op);
}

LogicalResult QuantizationState::verifyExclude(ModuleOp module) const {
  llvm::StringSet<> opNames;
  module.walk(
      [&](Operation *op) { opNames.insert(op->getName().getStringRef()); });
  for (const std::string &name : options.exclude)
    if (!allIds.contains(name) && !opNames.contains(name))
      return module.emitError("exclude= names '")
             << name
             << "', which is neither a quantizable tensor id of this module "
                "(--qlinalg-instrument shows them) nor the name of an op in it";
  return success();
}

FailureOr<quant::QuantizedType>
QuantizationState::getInputType(Value value, Operation *user) {
  if (auto dq = value.getDefiningOp<DequantizeOp>())
    if (auto type = getPerTensorType(dq.getInput().getType());
        type && type.getStorageTypeIntegralWidth() <= 8)
      return quant::QuantizedType(type);
  return getCalibratedType(value, user, options.activations, -1);
}

MultiplierMode QuantizationState::chooseMultiplier(Operation *op,
                                                   ArrayRef<double> multipliers,
                                                   StringRef what) {
  // A multiplier fixed_point cannot hold (an outlier widened an input's
  // scale while the output's stayed small): this op requantizes in float
  // rather than failing the module or leaving IR its verifier rejects.
  auto unfit = llvm::find_if(
      multipliers, [&](double m) { return !numerics::quantizeMultiplier(m); });
  if (options.multiplier != MultiplierMode::FixedPoint ||
      unfit == multipliers.end())
    return options.multiplier;
  op->emitRemark("requantization multiplier ")
      << *unfit << " (" << what
      << ") cannot be applied in fixed_point mode (must be below 2^30): this "
         "op requantizes in float mode";
  return MultiplierMode::Float;
}

FailureOr<SmallVector<numerics::QuantParams>>
QuantizationState::getTableParams(Value value, Operation *user,
                                  const Scheme &scheme, int64_t axis,
                                  int64_t channels) {
  std::string id = idOf.lookup(value);
  assert(!id.empty() && "every calibrated tensor has an id");
  if (!table)
    return user->emitError("no calibration table given (calibration=FILE), "
                           "but tensor id '")
           << id << "' needs a range";
  const TensorStatistics *entry = table->lookup(id);
  if (!entry) {
    InFlightDiagnostic diag =
        user->emitError("no calibration entry for tensor id '")
        << id << "' in " << tableName;
    if (Operation *parent = user->getParentOp();
        parent && !isa<FunctionOpInterface>(parent))
      diag << " (it is inside " << parent->getName()
           << ", and qlinalg-calibrate observes only the entry function's "
              "body: give the id a range or a scale by hand)";
    return diag;
  }
  auto inTable = [&]() {
    return user->emitError("calibration entry for tensor id '")
           << id << "' in " << tableName;
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
      return inTable() << " has zero point " << p.zeroPoint << " outside the "
                       << scheme.bits << "-bit range [" << full.qmin << ", "
                       << full.qmax << "]";
    return SmallVector<numerics::QuantParams>{p};
  }
  auto checkF32 = [](double v) { return std::isfinite(static_cast<float>(v)); };
  SmallVector<numerics::QuantParams> params;
  if (axis >= 0) {
    if (!entry->perChannel || entry->perChannel->axis != axis)
      return inTable() << " has no per-channel ranges along axis " << axis
                       << "; recalibrate (weights get them) or use "
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
             << id << "' in " << tableName << " does not fit in f32";
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
             << id << "' in " << tableName << " is too wide for an f32 scale";
  return params;
}

LogicalResult mlir::qlinalg::importQDQAnnotations(
    ModuleOp module, DenseMap<Value, quant::QuantizedType> &types) {
  DenseMap<Value, Operation *> annotatedBy;
  SmallVector<quant::DequantizeCastOp> pairs;
  module.walk([&](quant::DequantizeCastOp dcast) {
    if (dcast.getInput().getDefiningOp<quant::QuantizeCastOp>())
      pairs.push_back(dcast);
  });
  for (quant::DequantizeCastOp dcast : pairs) {
    auto qcast = dcast.getInput().getDefiningOp<quant::QuantizeCastOp>();
    Value x = qcast.getInput();
    auto type = cast<quant::QuantizedType>(
        cast<RankedTensorType>(qcast.getType()).getElementType());
    auto [it, inserted] = types.try_emplace(x, type);
    if (!inserted && it->second != type) {
      InFlightDiagnostic diag =
          qcast.emitError("QDQ annotations disagree on this tensor: ")
          << type << " here, " << it->second << " at the other quant.qcast";
      diag.attachNote(annotatedBy[x]->getLoc()) << "the other annotation";
      return failure();
    }
    annotatedBy.try_emplace(x, qcast);
  }
  for (quant::DequantizeCastOp dcast : pairs) {
    auto qcast = dcast.getInput().getDefiningOp<quant::QuantizeCastOp>();
    dcast.getResult().replaceAllUsesWith(qcast.getInput());
    dcast.erase();
    if (qcast->use_empty())
      qcast.erase();
  }
  return success();
}

FailureOr<quant::QuantizedType>
QuantizationState::getCalibratedType(Value value, Operation *user,
                                     const Scheme &scheme, int64_t axis,
                                     int64_t channels) {
  // A QDQ annotation wins over the table.
  if (auto it = imported.find(value); it != imported.end()) {
    auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(it->second);
    if (perAxis && perAxis.getQuantizedDimension() != axis)
      return user->emitError("the QDQ annotation of tensor id '")
             << idOf.lookup(value) << "' is per axis along dimension "
             << perAxis.getQuantizedDimension() << ", but " << user->getName()
             << (axis >= 0 ? " takes it per channel along dimension " +
                                 std::to_string(axis)
                           : std::string(" takes it per tensor"));
    return it->second;
  }
  FailureOr<SmallVector<numerics::QuantParams>> params =
      getTableParams(value, user, scheme, axis, channels);
  if (failed(params))
    return failure();
  const TensorStatistics *entry = table->lookup(idOf.lookup(value));
  numerics::StorageRange range =
      entry->scale ? numerics::signedRange(scheme.bits) : scheme.getRange();
  // Explicit parameters are per tensor even where channels were asked for.
  return makeQuantizedType(user->getContext(), *params,
                           entry->scale ? -1 : axis, range);
}

Value QuantizationState::getQuantized(RewriterBase &rewriter, Value value,
                                      Type elementType) {
  RankedTensorType tensorType = withElementType(value.getType(), elementType);
  auto key = std::make_pair(value, Type(tensorType));
  // A dequantize of the same type cancels: quantized units exchange their
  // integers directly, and only the borders keep casts.
  if (auto dq = value.getDefiningOp<DequantizeOp>();
      dq && dq.getInput().getType() == tensorType)
    return dq.getInput();
  if (Operation *cached = quantizeCache.lookup(key))
    return cached->getResult(0);
  OpBuilder::InsertionGuard guard(rewriter);
  // A dequantize of another 8-bit per-tensor type: one rescale of the
  // integers instead of a dequantize and a quantize.
  if (auto dq = value.getDefiningOp<DequantizeOp>()) {
    auto in = getPerTensorType(dq.getInput().getType());
    auto out = dyn_cast<quant::UniformQuantizedType>(elementType);
    if (in && out && in.getStorageTypeIntegralWidth() <= 8) {
      rewriter.setInsertionPointAfter(dq);
      MultiplierMode multiplier = chooseMultiplier(
          dq, {in.getScale() / out.getScale()}, "input scale / output scale");
      auto requant =
          RequantizeOp::create(rewriter, value.getLoc(), tensorType,
                               dq.getInput(), multiplier, options.rounding);
      quantizeCache[key] = requant;
      return requant;
    }
  }
  if (auto arg = dyn_cast<BlockArgument>(value))
    rewriter.setInsertionPointToStart(arg.getOwner());
  else
    rewriter.setInsertionPointAfter(value.getDefiningOp());
  auto q = QuantizeOp::create(rewriter, value.getLoc(), tensorType, value);
  q->setAttr("qlinalg.tensor_id", rewriter.getStringAttr(idOf.lookup(value)));
  quantizeCache[key] = q;
  return q;
}

/// Constant rank-2 weights per group of `groupSize` elements along their
/// reduction dimension `kDim` (0 for K x N, 1 for N x K as nn.Linear keeps
/// them) and per output channel, as an i8 constant reinterpreted with a
/// sub-channel type ({0:G, 1:1} or {0:1, 1:G}).
static Value quantizePerGroup(OpBuilder &builder, Location loc,
                              DenseElementsAttr weights, ArrayRef<float> values,
                              const Scheme &scheme, bool powerOfTwo,
                              int64_t groupSize, int64_t kDim) {
  MLIRContext *ctx = builder.getContext();
  auto type = cast<RankedTensorType>(weights.getType());
  int64_t k = type.getDimSize(kDim), n = type.getDimSize(1 - kDim);
  int64_t groups = k / groupSize;
  numerics::StorageRange range = scheme.getRange();
  // Row-major over the grid ({groups, n} or {n, groups}).
  SmallVector<int64_t> gridShape{groups, n};
  if (kDim == 1)
    std::swap(gridShape[0], gridShape[1]);
  SmallVector<float> scales(groups * n);
  SmallVector<int64_t> zeroPoints(groups * n);
  SmallVector<int8_t> q(values.size());
  auto at = [&](int64_t row, int64_t col) {
    return kDim == 0 ? row * n + col : col * k + row;
  };
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t col = 0; col < n; ++col) {
      float lo = 0.0f, hi = 0.0f;
      for (int64_t row = g * groupSize; row < (g + 1) * groupSize; ++row) {
        lo = std::min(lo, values[at(row, col)]);
        hi = std::max(hi, values[at(row, col)]);
      }
      numerics::QuantParams p = chooseParams(lo, hi, scheme, powerOfTwo);
      int64_t cell = kDim == 0 ? g * n + col : col * groups + g;
      scales[cell] = p.scale;
      zeroPoints[cell] = p.zeroPoint;
      for (int64_t row = g * groupSize; row < (g + 1) * groupSize; ++row)
        q[at(row, col)] = static_cast<int8_t>(numerics::quantize(
            values[at(row, col)], p.scale, p.zeroPoint, range));
    }
  auto gridType = [&](Type elem) {
    return RankedTensorType::get(gridShape, elem);
  };
  auto qtype = quant::UniformQuantizedSubChannelType::get(
      quant::QuantizationFlags::Signed, IntegerType::get(ctx, 8),
      Float32Type::get(ctx),
      DenseElementsAttr::get(gridType(Float32Type::get(ctx)),
                             ArrayRef<float>(scales)),
      DenseElementsAttr::get(gridType(IntegerType::get(ctx, 64)),
                             ArrayRef<int64_t>(zeroPoints)),
      ArrayRef<int32_t>{0, 1},
      kDim == 0 ? ArrayRef<int64_t>{groupSize, 1}
                : ArrayRef<int64_t>{1, groupSize},
      range.qmin, range.qmax);
  Value data = arith::ConstantOp::create(
      builder, loc,
      DenseElementsAttr::get(withElementType(type, IntegerType::get(ctx, 8)),
                             ArrayRef<int8_t>(q)));
  return quant::StorageCastOp::create(builder, loc,
                                      withElementType(type, qtype), data);
}

/// The reduction dimension of rank-2 weights whose other dimension is the
/// output channel (K x N or N x K), where per-group weights apply.
static std::optional<int64_t> getPerGroupDim(const QuantizableContraction &c) {
  auto type = cast<RankedTensorType>(c.constantRhs.getType());
  if (type.getRank() != 2 || c.channelDim < 0)
    return std::nullopt;
  int64_t kDim = 1 - c.channelDim;
  unsigned loop = cast<AffineDimExpr>(c.rhsMap.getResult(kDim)).getPosition();
  if (c.iterators[loop] != utils::IteratorType::reduction)
    return std::nullopt;
  return kDim;
}

namespace {
/// Constant weights quantized per output channel (or per tensor when
/// `axis` < 0) from their exact min/max: the storage values and each
/// channel's parameters.
struct QuantizedWeights {
  SmallVector<int8_t> values;
  SmallVector<numerics::QuantParams> params;
  int64_t axis;
  numerics::StorageRange range;
  /// The channel of each flat index.
  SmallVector<int64_t> channelOf;
};
} // namespace

/// The channel along `axis` of each flat (row-major) index of `type`, all 0
/// when `axis` < 0.
static SmallVector<int64_t> getChannelOf(RankedTensorType type, int64_t axis) {
  int64_t channels = axis >= 0 ? type.getDimSize(axis) : 1;
  int64_t stride = 1;
  for (int64_t d = axis + 1; axis >= 0 && d < type.getRank(); ++d)
    stride *= type.getDimSize(d);
  SmallVector<int64_t> channelOf;
  for (int64_t i = 0, e = type.getNumElements(); i < e; ++i)
    channelOf.push_back(axis >= 0 ? (i / stride) % channels : 0);
  return channelOf;
}

/// `w` quantized with the parameters and channels already in `q`.
static void quantizeValues(QuantizedWeights &q, DenseElementsAttr w) {
  for (auto [i, v] : llvm::enumerate(w.getValues<float>())) {
    const numerics::QuantParams &p = q.params[q.channelOf[i]];
    q.values.push_back(static_cast<int8_t>(
        numerics::quantize(v, p.scale, p.zeroPoint, q.range)));
  }
}

static QuantizedWeights quantizeWeights(DenseElementsAttr w, int64_t channelDim,
                                        const QuantizeOptions &options) {
  auto type = cast<RankedTensorType>(w.getType());
  const Scheme &scheme = options.weights;
  QuantizedWeights result;
  result.range = scheme.getRange();
  result.axis = options.perChannelWeights ? channelDim : -1;
  result.channelOf = getChannelOf(type, result.axis);
  int64_t channels = result.axis >= 0 ? type.getDimSize(result.axis) : 1;
  SmallVector<float> lo(channels, 0.0f), hi(channels, 0.0f);
  for (auto [i, v] : llvm::enumerate(w.getValues<float>())) {
    lo[result.channelOf[i]] = std::min(lo[result.channelOf[i]], v);
    hi[result.channelOf[i]] = std::max(hi[result.channelOf[i]], v);
  }
  for (int64_t ch = 0; ch < channels; ++ch)
    result.params.push_back(
        chooseParams(lo[ch], hi[ch], scheme, options.powerOfTwo));
  quantizeValues(result, w);
  return result;
}

/// `w` quantized with the parameters of `qtype` (a QDQ annotation) instead
/// of its own min/max.
static QuantizedWeights quantizeWeightsAs(DenseElementsAttr w,
                                          quant::QuantizedType qtype) {
  auto type = cast<RankedTensorType>(w.getType());
  QuantizedTypeParams p =
      *getQuantizedTypeParams(RankedTensorType::get(type.getShape(), qtype));
  QuantizedWeights result;
  result.range = {p.storageMin, p.storageMax};
  result.axis = p.axis;
  result.channelOf = getChannelOf(type, p.axis);
  for (auto [scale, zp] : llvm::zip(p.scales, p.zeroPoints))
    result.params.push_back({static_cast<float>(scale), zp});
  quantizeValues(result, w);
  return result;
}

DenseElementsAttr
mlir::qlinalg::fakeQuantizeConstantWeights(const QuantizableContraction &c,
                                           const QuantizeOptions &options) {
  QuantizedWeights q = quantizeWeights(c.constantRhs, c.channelDim, options);
  SmallVector<float> values;
  for (auto [i, v] : llvm::enumerate(q.values)) {
    const numerics::QuantParams &p = q.params[q.channelOf[i]];
    values.push_back(numerics::dequantize(v, p.scale, p.zeroPoint));
  }
  return DenseElementsAttr::get(c.constantRhs.getType(),
                                ArrayRef<float>(values));
}

Value QuantizationState::quantizeConstantWeights(
    RewriterBase &rewriter, const QuantizableContraction &c, int64_t groupDim) {
  MLIRContext *ctx = rewriter.getContext();
  DenseElementsAttr w = c.constantRhs;
  auto type = cast<RankedTensorType>(w.getType());
  Location loc = c.op->getLoc();
  if (groupDim >= 0) {
    SmallVector<float> values(w.getValues<float>());
    return quantizePerGroup(rewriter, loc, w, values, options.weights,
                            options.powerOfTwo, options.groupSize, groupDim);
  }
  // A QDQ annotation's parameters win over the weights' own min/max.
  auto annotation = imported.find(c.rhs);
  bool annotated = annotation != imported.end();
  QuantizedWeights q = annotated ? quantizeWeightsAs(w, annotation->second)
                                 : quantizeWeights(w, c.channelDim, options);
  quant::QuantizedType qtype =
      annotated ? annotation->second
                : makeQuantizedType(ctx, q.params, q.axis, q.range);
  auto storage =
      DenseElementsAttr::get(withElementType(type, IntegerType::get(ctx, 8)),
                             ArrayRef<int8_t>(q.values));
  Value data = arith::ConstantOp::create(rewriter, loc, storage);
  return quant::StorageCastOp::create(rewriter, loc,
                                      withElementType(type, qtype), data)
      .getResult();
}

/// `quantized` padded as `pad` pads its float source: in storage, with the
/// quantized padding value, reinterpreted back.
static Value padQuantized(RewriterBase &rewriter, tensor::PadOp pad,
                          Value quantized, float padValue) {
  Location loc = pad.getLoc();
  auto type = cast<RankedTensorType>(quantized.getType());
  auto qtype = cast<quant::UniformQuantizedType>(type.getElementType());
  Type storage = qtype.getStorageType();
  numerics::StorageRange range{qtype.getStorageTypeMin(),
                               qtype.getStorageTypeMax()};
  int64_t q = numerics::quantize(padValue, qtype.getScale(),
                                 qtype.getZeroPoint(), range);
  Value raw = quant::StorageCastOp::create(
      rewriter, loc, withElementType(type, storage), quantized);
  Value fill = arith::ConstantOp::create(rewriter, loc,
                                         rewriter.getIntegerAttr(storage, q));
  auto padded = tensor::PadOp::create(
      rewriter, loc, withElementType(pad.getResultType(), storage), raw,
      pad.getMixedLowPad(), pad.getMixedHighPad(), fill, pad.getNofold());
  return quant::StorageCastOp::create(
      rewriter, loc, withElementType(pad.getResultType(), qtype), padded);
}

LogicalResult QuantizationState::rewrite(RewriterBase &rewriter,
                                         const QuantizableContraction &c) {
  MLIRContext *ctx = rewriter.getContext();
  linalg::LinalgOp linalgOp = c.op;
  Operation *op = linalgOp;
  Location loc = op->getLoc();
  rewriter.setInsertionPoint(c.root);
  bool perGroup = false;
  std::optional<int64_t> groupDim;
  if (options.groupSize && c.constantRhs) {
    groupDim = getPerGroupDim(c);
    if (!groupDim) {
      op->emitRemark("per-group quantization needs rank-2 weights (K x N or "
                     "N x K); these are quantized per channel");
    } else {
      int64_t k =
          cast<RankedTensorType>(c.constantRhs.getType()).getDimSize(*groupDim);
      if (k % options.groupSize != 0) {
        op->emitRemark() << op->getName() << " left in float: group-size "
                         << options.groupSize
                         << " does not divide the reduction size " << k;
        skipped.insert(op);
        return success();
      }
      // One group of the whole reduction is per-channel quantization.
      perGroup = k != options.groupSize;
    }
  }
  if (options.groupSize && !c.constantRhs)
    op->emitRemark("per-group quantization needs constant weights; "
                   "this rhs is quantized per channel");

  // Everything that can fail is decided before any IR is created, so that a
  // failing unit leaves the module as it was.
  bool isStatic = options.mode == QuantizeMode::Static;
  FailureOr<quant::QuantizedType> lhsType = failure();
  if (isStatic) {
    lhsType = getInputType(c.lhs, op);
    if (failed(lhsType))
      return failure();
  }
  FailureOr<quant::QuantizedType> rhsType;
  if (c.constantRhs) {
    if (llvm::any_of(c.constantRhs.getValues<float>(),
                     [](float v) { return !std::isfinite(v); }))
      return op->emitError("constant weights contain NaN or Inf");
  } else {
    auto rhsTensor = cast<RankedTensorType>(c.rhs.getType());
    int64_t axis = options.perChannelWeights ? c.channelDim : -1;
    rhsType = getCalibratedType(c.rhs, op, options.weights, axis,
                                axis >= 0 ? rhsTensor.getDimSize(axis) : 0);
    if (failed(rhsType))
      return failure();
  }
  if (c.bias && llvm::any_of(c.bias.getValues<float>(),
                             [](float v) { return !std::isfinite(v); }))
    return c.root->emitError("constant bias contains NaN or Inf");
  FailureOr<quant::QuantizedType> outType;
  bool requantize =
      isStatic && !perGroup &&
      (!options.floatOutputs || quantizedInputs.contains(c.result));
  if (requantize) {
    outType = getCalibratedType(c.result, c.root, options.activations, -1);
    if (failed(outType))
      return failure();
  }

  // The activations: quantized from the table, or at run time from their
  // range (padded in float first: the range includes 0, so a zero pad is
  // the zero point), or kept in float.
  Value lhs, runtimeScale, runtimeZeroPoint;
  if (isStatic) {
    lhs = getQuantized(rewriter, c.lhs, *lhsType);
    if (c.pad)
      lhs = padQuantized(rewriter, c.pad, lhs, c.padValue);
  } else {
    lhs = c.pad ? Value(tensor::PadOp(c.pad).getResult()) : c.lhs;
  }
  if (options.mode == QuantizeMode::Dynamic) {
    auto u8 = IntegerType::get(ctx, 8, IntegerType::Unsigned);
    auto dq = DynamicQuantizeOp::create(
        rewriter, loc, withElementType(lhs.getType(), u8),
        rewriter.getF32Type(), rewriter.getI32Type(), lhs);
    lhs = dq.getOutput();
    runtimeScale = dq.getScale();
    runtimeZeroPoint = dq.getZeroPoint();
  }
  // Weights: constant ones at compile time from their data; others from
  // the table (per-channel ranges, or the estimator when per tensor).
  Value rhs = c.constantRhs ? quantizeConstantWeights(rewriter, c,
                                                      perGroup ? *groupDim : -1)
                            : getQuantized(rewriter, c.rhs, *rhsType);

  auto resultType = cast<RankedTensorType>(c.result.getType());
  Value init = op->getOperand(op->getNumOperands() - 1);
  // Dynamic result sizes come from the quantized operands where a loop
  // indexes one of them directly, so that the float init (a zero fill or a
  // bias broadcast) dies with the float op.
  SmallVector<OpFoldResult> sizes;
  for (auto [dim, e] : llvm::enumerate(c.outMap.getResults())) {
    auto resultTensor = cast<RankedTensorType>(c.result.getType());
    if (!resultTensor.isDynamicDim(dim)) {
      sizes.push_back(rewriter.getIndexAttr(resultTensor.getDimSize(dim)));
      continue;
    }
    unsigned loop = cast<AffineDimExpr>(e).getPosition();
    OpFoldResult size;
    for (auto [operand, map] : {std::pair(lhs, c.lhsMap), {rhs, c.rhsMap}})
      for (auto [i, r] : llvm::enumerate(map.getResults()))
        if (auto d = dyn_cast<AffineDimExpr>(r);
            !size && d && d.getPosition() == loop)
          size = tensor::getMixedSize(rewriter, loc, operand, i);
    sizes.push_back(size ? size
                         : tensor::getMixedSize(rewriter, loc, init, dim));
  }
  auto makeContraction = [&](Type type, Value bias) -> Value {
    if (c.isPlainMatmul() && isStatic)
      return MatmulOp::create(rewriter, loc, type, lhs, rhs, bias,
                              /*multiplier=*/nullptr, /*rounding=*/nullptr);
    Value empty = tensor::EmptyOp::create(
        rewriter, loc, sizes, cast<RankedTensorType>(type).getElementType());
    SmallVector<AffineMap> maps{c.lhsMap, c.rhsMap};
    if (bias)
      maps.push_back(AffineMap::get(c.outMap.getNumDims(), 0,
                                    c.rhsMap.getResult(c.channelDim)));
    maps.push_back(c.outMap);
    SmallVector<StringRef> iterators;
    for (utils::IteratorType it : c.iterators)
      iterators.push_back(it == utils::IteratorType::reduction ? "reduction"
                                                               : "parallel");
    return ContractOp::create(rewriter, loc, type, lhs, rhs, bias, runtimeScale,
                              runtimeZeroPoint, empty,
                              rewriter.getAffineMapArrayAttr(maps),
                              rewriter.getStrArrayAttr(iterators),
                              /*multiplier=*/nullptr, /*rounding=*/nullptr,
                              /*clamp=*/nullptr);
  };

  if (perGroup || !isStatic) {
    // Groups have different accumulator scales, a run-time lhs scale is not
    // known here, float activations stay float: the product comes back in
    // f32, and the bias stays a float addition after it.
    Value y = makeContraction(resultType, Value());
    // The op that makes the unit's result: a separate bias add stays.
    Operation *out = c.root != op ? c.root : y.getDefiningOp();
    Value product = op->getResult(0);
    Value floatInit = op->getOperand(op->getNumOperands() - 1);
    rewriter.replaceAllUsesWith(product, y);
    if (c.bias && c.root == op) {
      // The bias was the accumulator init: add the broadcast init in float.
      Value empty =
          tensor::EmptyOp::create(rewriter, loc, sizes, rewriter.getF32Type());
      auto add = linalg::AddOp::create(rewriter, loc, ValueRange{y, floatInit},
                                       ValueRange{empty});
      rewriter.replaceAllUsesExcept(y, add.getResult(0), add);
      out = add;
    }
    idOf[y] = idOf.lookup(c.result);
    // The float result carries the unit's id, for qlinalg-run --compare.
    if (std::string id = idOf.lookup(c.result); !id.empty())
      out->setAttr("qlinalg.tensor_id", rewriter.getStringAttr(id));
    rewriter.eraseOp(op);
    return success();
  }

  QuantizedTypeParams rhsParams = *getQuantizedTypeParams(rhs.getType());
  bool perChannel = rhsParams.axis >= 0;
  double lhsScale = cast<quant::UniformQuantizedType>(*lhsType).getScale();

  // The accumulator: scale sa * sb[c], zero point 0.
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

  Value bias;
  if (c.bias) {
    SmallVector<float> values(c.bias.getValues<float>());
    SmallVector<int32_t> q;
    for (auto [i, v] : llvm::enumerate(values))
      q.push_back(numerics::quantizeBias(v, accScales[perChannel ? i : 0]));
    auto dataType = RankedTensorType::get({int64_t(q.size())}, i32);
    Value data = arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(dataType, ArrayRef<int32_t>(q)));
    bias = quant::StorageCastOp::create(
        rewriter, loc, withElementType(dataType, accElement(0)), data);
  }

  Value acc = makeContraction(
      withElementType(resultType, accElement(c.getOutChannelDim())), bias);
  std::string resultId = idOf.lookup(c.result);
  Value quantizedResult = acc;
  if (requantize) {
    double outScale = cast<quant::UniformQuantizedType>(*outType).getScale();
    SmallVector<double> multipliers;
    for (double s : accScales)
      multipliers.push_back(s / outScale);
    MultiplierMode multiplier = chooseMultiplier(op, multipliers);
    auto requant = RequantizeOp::create(rewriter, loc,
                                        withElementType(resultType, *outType),
                                        acc, multiplier, options.rounding);
    requant->setAttr("qlinalg.tensor_id", rewriter.getStringAttr(resultId));
    quantizedResult = requant;
  }
  auto dequant =
      DequantizeOp::create(rewriter, loc, resultType, quantizedResult);
  idOf[dequant] = resultId;
  rewriter.replaceAllUsesWith(c.result, dequant.getResult());
  if (c.root != op)
    rewriter.eraseOp(c.root);
  rewriter.eraseOp(op);
  return success();
}

/// `quantized` (per tensor) as its storage tensor.
static Value toStorage(OpBuilder &b, Location loc, Value quantized) {
  auto type = cast<RankedTensorType>(quantized.getType());
  auto q = cast<quant::QuantizedType>(type.getElementType());
  return quant::StorageCastOp::create(
      b, loc, withElementType(type, q.getStorageType()), quantized);
}

/// The sizes of a float destination `init` (a tensor.empty, maybe filled):
/// the empty's own, so the float init dies with the float op.
static SmallVector<OpFoldResult> getInitSizes(OpBuilder &b, Location loc,
                                              Value init) {
  if (auto fill = init.getDefiningOp<linalg::FillOp>())
    init = fill.getOutputs()[0];
  if (auto empty = init.getDefiningOp<tensor::EmptyOp>())
    return empty.getMixedSizes();
  return tensor::getMixedSizes(b, loc, init);
}

/// A pooling of `op`'s kind (max or sum, NCHW or NHWC, with its strides
/// and dilations) of `storage` (an integer tensor) into an accumulator of
/// `accElement` filled with `init`.
static Value buildIntegerPooling(RewriterBase &rewriter, linalg::LinalgOp op,
                                 Value storage, IntegerType accElement,
                                 int64_t init) {
  Location loc = op->getLoc();
  Value empty = tensor::EmptyOp::create(
      rewriter, loc, getInitSizes(rewriter, loc, op.getDpsInits()[0]),
      accElement);
  Value initValue = arith::ConstantOp::create(
      rewriter, loc, rewriter.getIntegerAttr(accElement, init));
  Value filled = linalg::FillOp::create(rewriter, loc, ValueRange{initValue},
                                        ValueRange{empty})
                     .getResult(0);
  SmallVector<NamedAttribute> attrs;
  for (NamedAttribute attr : op->getAttrs())
    if (attr.getName() == "strides" || attr.getName() == "dilations")
      attrs.push_back(attr);
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  SmallVector<Type> results{withElementType(resultType, accElement)};
  SmallVector<Value> inputs{storage, op.getDpsInputs()[1]};
  SmallVector<Value> inits{filled};
  Operation *pooled =
      TypeSwitch<Operation *, Operation *>(op.getOperation())
          .Case<linalg::PoolingNchwMaxOp, linalg::PoolingNhwcMaxOp,
                linalg::PoolingNchwSumOp, linalg::PoolingNhwcSumOp>(
              [&](auto pool) {
                return decltype(pool)::create(rewriter, loc, results, inputs,
                                              inits, attrs)
                    .getOperation();
              });
  return pooled->getResult(0);
}

LogicalResult QuantizationState::rewrite(RewriterBase &rewriter,
                                         const QuantizableElementwise &unit) {
  using Kind = QuantizableElementwise::Kind;
  Operation *op = unit.op;
  Location loc = op->getLoc();
  auto resultType = cast<RankedTensorType>(unit.result.getType());
  std::string resultId = idOf.lookup(unit.result);
  if (unit.kind == Kind::Activation &&
      !unit.inputs[0].getDefiningOp<DequantizeOp>()) {
    // The unit before it stayed in float (excluded, or it failed).
    markDone(op);
    return success();
  }
  FailureOr<quant::QuantizedType> outType;
  if (unit.hasOwnScale()) {
    outType = getCalibratedType(unit.result, op, options.activations, -1);
    if (failed(outType))
      return failure();
  }
  if (unit.kind == Kind::Activation) {
    // The activation stays a float op between a dequantize and a quantize
    // to its own calibrated type; --qlinalg-fuse folds it into the clamp of
    // the unit before it.
    Value q = getQuantized(rewriter, unit.result, *outType);
    rewriter.setInsertionPointAfter(q.getDefiningOp());
    auto dq = DequantizeOp::create(rewriter, loc, resultType, q);
    idOf[dq] = resultId;
    rewriter.replaceAllUsesExcept(unit.result, dq.getResult(),
                                  q.getDefiningOp());
    markDone(op);
    return success();
  }
  if (unit.kind == Kind::Concat) {
    // Every input in the result's type (a quantize, or a rescale of one
    // already quantized), concatenated on the storage.
    auto concat = cast<tensor::ConcatOp>(op);
    auto out = cast<quant::UniformQuantizedType>(*outType);
    SmallVector<Value> storage;
    for (Value v : unit.inputs) {
      Value q = getQuantized(rewriter, v, out);
      rewriter.setInsertionPoint(op);
      storage.push_back(toStorage(rewriter, loc, q));
    }
    Value joined =
        tensor::ConcatOp::create(rewriter, loc, concat.getDim(), storage);
    Value typed = quant::StorageCastOp::create(
        rewriter, loc, withElementType(resultType, out), joined);
    typed.getDefiningOp()->setAttr("qlinalg.tensor_id",
                                   rewriter.getStringAttr(resultId));
    auto dq = DequantizeOp::create(rewriter, loc, resultType, typed);
    idOf[dq] = resultId;
    rewriter.replaceOp(op, dq.getResult());
    return success();
  }
  SmallVector<quant::UniformQuantizedType> inTypes;
  for (Value v : unit.inputs) {
    FailureOr<quant::QuantizedType> t = getInputType(v, op);
    if (failed(t))
      return failure();
    auto perTensor = dyn_cast<quant::UniformQuantizedType>(*t);
    if (!perTensor)
      return op->emitError("calibration of tensor id '")
             << idOf.lookup(v) << "' gives a per-axis type; " << op->getName()
             << " takes tensors quantized per tensor";
    inTypes.push_back(perTensor);
  }
  rewriter.setInsertionPoint(op);
  if (unit.kind == Kind::AvgPool) {
    // The window sums of the integers (pads hold the zero point) in i32,
    // divided by the window size with TFLite's rounding: the same type.
    Value q = getQuantized(rewriter, unit.inputs[0], inTypes[0]);
    if (unit.pad)
      q = padQuantized(rewriter, unit.pad, q, unit.padValue);
    Value sum = buildIntegerPooling(rewriter, cast<linalg::LinalgOp>(op),
                                    toStorage(rewriter, loc, q),
                                    rewriter.getI32Type(), /*init=*/0);
    auto storage = cast<IntegerType>(inTypes[0].getStorageType());
    auto rank = resultType.getRank();
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    Value outInit = tensor::EmptyOp::create(
        rewriter, loc, tensor::getMixedSizes(rewriter, loc, sum), storage);
    int64_t count = unit.windowSize;
    auto average = linalg::GenericOp::create(
        rewriter, loc, TypeRange{withElementType(resultType, storage)},
        ValueRange{sum}, ValueRange{outInit}, ArrayRef<AffineMap>{id, id},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          linalg::YieldOp::create(
              b, l,
              numerics::buildRoundingDivide(b, l, args[0], count, storage));
        });
    Value typed = quant::StorageCastOp::create(
        rewriter, loc, withElementType(resultType, inTypes[0]),
        average.getResult(0));
    auto dq = DequantizeOp::create(rewriter, loc, resultType, typed);
    rewriter.replaceOp(unit.divide, dq.getResult());
    rewriter.eraseOp(op);
    if (unit.pad && unit.pad->use_empty())
      rewriter.eraseOp(unit.pad);
    return success();
  }
  if (unit.kind == Kind::MaxPool) {
    if (!inTypes[0].isSigned()) {
      op->emitRemark() << op->getName()
                       << " left in float: its input is quantized with "
                          "unsigned storage, and linalg's max pooling "
                          "compares signed integers";
      markDone(op);
      return success();
    }
    Value q = getQuantized(rewriter, unit.inputs[0], inTypes[0]);
    if (unit.pad)
      q = padQuantized(rewriter, unit.pad, q, unit.padValue);
    auto qtype = inTypes[0];
    auto storage = cast<IntegerType>(qtype.getStorageType());
    // max commutes with the monotone quantization: no rescale.
    Value pooled = quant::StorageCastOp::create(
        rewriter, loc, withElementType(resultType, qtype),
        buildIntegerPooling(rewriter, cast<linalg::LinalgOp>(op),
                            toStorage(rewriter, loc, q), storage,
                            numerics::quantize(unit.initValue, qtype.getScale(),
                                               qtype.getZeroPoint(),
                                               {qtype.getStorageTypeMin(),
                                                qtype.getStorageTypeMax()})));
    auto dq = DequantizeOp::create(rewriter, loc, resultType, pooled);
    rewriter.replaceOp(op, dq.getResult());
    if (unit.pad && unit.pad->use_empty())
      rewriter.eraseOp(unit.pad);
    return success();
  }
  auto out = cast<quant::UniformQuantizedType>(*outType);
  double sa = inTypes[0].getScale(), sb = inTypes[1].getScale(),
         so = out.getScale();
  MultiplierMode multiplier;
  if (unit.kind == Kind::Add) {
    numerics::AddMultipliers m = numerics::getAddMultipliers(sa, sb, so);
    multiplier = chooseMultiplier(op, {m.lhs, m.rhs, m.out},
                                  "twice the larger input scale / (2^20 * "
                                  "output scale)");
  } else {
    multiplier = chooseMultiplier(op, {numerics::getMulMultiplier(sa, sb, so)},
                                  "product of the input scales / output scale");
  }
  Value lhs = getQuantized(rewriter, unit.inputs[0], inTypes[0]);
  Value rhs = getQuantized(rewriter, unit.inputs[1], inTypes[1]);
  rewriter.setInsertionPoint(op);
  RankedTensorType quantizedType = withElementType(resultType, out);
  Operation *y;
  if (unit.kind == Kind::Add)
    y = AddOp::create(rewriter, loc, quantizedType, lhs, rhs, multiplier,
                      options.rounding, /*clamp=*/nullptr);
  else
    y = MulOp::create(rewriter, loc, quantizedType, lhs, rhs, multiplier,
                      options.rounding, /*clamp=*/nullptr);
  y->setAttr("qlinalg.tensor_id", rewriter.getStringAttr(resultId));
  auto dq = DequantizeOp::create(rewriter, loc, resultType, y->getResult(0));
  idOf[dq] = resultId;
  rewriter.replaceOp(op, dq.getResult());
  return success();
}

namespace {
/// Quantizes one kind of contraction (see Quantizable.h) through the shared
/// state; `Kind` decides which ops it claims.
struct QuantizeContractionPattern
    : public OpInterfaceRewritePattern<linalg::LinalgOp> {
  QuantizeContractionPattern(MLIRContext *ctx, QuantizationState &state,
                             bool convolutions)
      : OpInterfaceRewritePattern(ctx), state(state),
        convolutions(convolutions) {}

  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    if (!isContractionCandidate(op))
      return rewriter.notifyMatchFailure(op, "not a contraction");
    if (linalg::isaConvolutionOpInterface(op) != convolutions)
      return rewriter.notifyMatchFailure(op, convolutions ? "not a convolution"
                                                          : "a convolution");
    if (state.isSkipped(op))
      return rewriter.notifyMatchFailure(op, "left in float (see its remark)");
    std::string whyNot;
    FailureOr<QuantizableContraction> c =
        matchQuantizableContraction(op, whyNot);
    if (failed(c))
      return rewriter.notifyMatchFailure(op, whyNot);
    if (state.hasFailedOn(op))
      return rewriter.notifyMatchFailure(op, "quantizing it failed before");
    if (failed(state.rewrite(rewriter, *c))) {
      state.markFailed(op);
      // Keep the op float; the pass fails once every unit was tried.
      return failure();
    }
    // Left in float, with its remark: nothing changed.
    if (state.isSkipped(op))
      return failure();
    return success();
  }

  QuantizationState &state;
  bool convolutions;
};

/// Quantizes the ops between contractions that assignTensorIds chose.
struct QuantizeElementwisePattern : public RewritePattern {
  QuantizeElementwisePattern(MLIRContext *ctx, QuantizationState &state)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx), state(state) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (!state.isElementwiseUnit(op) || state.isDone(op) ||
        state.hasFailedOn(op))
      return rewriter.notifyMatchFailure(op, "not a pending unit");
    std::string whyNot;
    FailureOr<QuantizableElementwise> unit =
        matchQuantizableElementwise(op, whyNot);
    if (failed(unit))
      return rewriter.notifyMatchFailure(op, whyNot);
    if (failed(state.rewrite(rewriter, *unit))) {
      state.markFailed(op);
      return failure();
    }
    return success();
  }

  QuantizationState &state;
};

/// An op that only moves, selects or repeats elements (a reshape, a
/// transpose, a slice, a broadcast, a pad outside a unit) on a tensor that
/// a dequantize makes runs on the integers, with the same type: the
/// dequantize moves after it, and the int8 region goes on.
struct QuantizeTransparentPattern : public RewritePattern {
  QuantizeTransparentPattern(MLIRContext *ctx, QuantizationState &state)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx), state(state) {}

  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    if (!isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp,
             tensor::ExtractSliceOp, tensor::PadOp, linalg::TransposeOp,
             linalg::BroadcastOp>(op) ||
        op->getNumResults() != 1)
      return rewriter.notifyMatchFailure(op, "not a data-movement op");
    auto dq = op->getOperand(0).getDefiningOp<DequantizeOp>();
    if (!dq)
      return rewriter.notifyMatchFailure(op, "its source is not dequantized");
    auto qtype = getPerTensorType(dq.getInput().getType());
    if (!qtype || qtype.getStorageTypeIntegralWidth() > 8)
      return rewriter.notifyMatchFailure(op, "not 8-bit per tensor");
    auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!resultType || !resultType.getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "not an f32 result");
    // A unit consumes its own pad (a convolution's, a pooling's).
    if (isa<tensor::PadOp>(op) &&
        llvm::any_of(op->getUsers(), [&](Operation *user) {
          return state.isElementwiseUnit(user) || isContractionCandidate(user);
        }))
      return rewriter.notifyMatchFailure(op, "a unit's pad");
    Location loc = op->getLoc();
    Value quantized = dq.getInput();
    Type storage = qtype.getStorageType();
    Value moved;
    if (auto pad = dyn_cast<tensor::PadOp>(op)) {
      FloatAttr value;
      Value padValue = pad.getConstantPaddingValue();
      if (!padValue || !matchPattern(padValue, m_Constant(&value)))
        return rewriter.notifyMatchFailure(op, "not a constant pad");
      moved = padQuantized(rewriter, pad, quantized,
                           static_cast<float>(value.getValueAsDouble()));
    } else {
      Value source = toStorage(rewriter, loc, quantized);
      Value result;
      if (isa<linalg::TransposeOp, linalg::BroadcastOp>(op)) {
        Value init = tensor::EmptyOp::create(
            rewriter, loc,
            getInitSizes(rewriter, loc,
                         cast<linalg::LinalgOp>(op).getDpsInits()[0]),
            storage);
        if (auto transpose = dyn_cast<linalg::TransposeOp>(op))
          result = linalg::TransposeOp::create(rewriter, loc, source, init,
                                               transpose.getPermutation())
                       ->getResult(0);
        else
          result = linalg::BroadcastOp::create(
                       rewriter, loc, source, init,
                       cast<linalg::BroadcastOp>(op).getDimensions())
                       ->getResult(0);
      } else {
        Operation *clone = rewriter.clone(*op);
        clone->setOperand(0, source);
        clone->getResult(0).setType(withElementType(resultType, storage));
        result = clone->getResult(0);
      }
      moved = quant::StorageCastOp::create(
          rewriter, loc, withElementType(resultType, qtype), result);
    }
    rewriter.replaceOpWithNewOp<DequantizeOp>(op, resultType, moved);
    return success();
  }

  QuantizationState &state;
};

} // namespace

void mlir::qlinalg::populateQLinalgQuantizePatterns(RewritePatternSet &patterns,
                                                    QuantizationState &state) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<QuantizeContractionPattern>(ctx, state, /*convolutions=*/false);
  patterns.add<QuantizeContractionPattern>(ctx, state, /*convolutions=*/true);
  patterns.add<QuantizeElementwisePattern, QuantizeTransparentPattern>(ctx,
                                                                       state);
}

LogicalResult mlir::qlinalg::quantizeModule(ModuleOp module,
                                            const CalibrationTable *table,
                                            const QuantizeOptions &options,
                                            StringRef tableName) {
  // Probes from --qlinalg-instrument are calibration-only; the ids are the
  // same with or without them.
  module.walk([](ObserveOp op) {
    op.getOutput().replaceAllUsesWith(op.getInput());
    op.erase();
  });
  DenseMap<Value, quant::QuantizedType> imported;
  if (failed(importQDQAnnotations(module, imported)))
    return failure();
  QuantizationState state(module, table, tableName, options);
  state.setImportedTypes(std::move(imported));
  if (failed(state.verifyExclude(module)))
    return failure();
  for (auto &[op, why] : state.getUnquantizable())
    op->emitRemark() << op->getName() << " left in float: " << why;
  RewritePatternSet patterns(module.getContext());
  populateQLinalgQuantizePatterns(patterns, state);
  GreedyRewriteConfig config;
  config.enableFolding(false).enableConstantCSE(false);
  config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
  config.setUseTopDownTraversal(true);
  (void)applyPatternsGreedily(module, std::move(patterns), config);
  if (state.hasFailed())
    return failure();
  // The float ops where an int8 region ends: each says why it stays float
  // (the ops before them were quantized and their results are dequantized
  // for them). Shape queries, returns and activations waiting for
  // --qlinalg-fuse are not regions' ends.
  module.walk([&](Operation *op) {
    if (isa<QLinalgDialect, quant::QuantDialect>(op->getDialect()) ||
        op->hasTrait<OpTrait::IsTerminator>() ||
        isa<tensor::DimOp, func::CallOp>(op) || state.isDone(op) ||
        state.isSkipped(op))
      return;
    if (llvm::none_of(op->getOperands(), [](Value v) {
          return v.getDefiningOp<DequantizeOp>() != nullptr;
        }))
      return;
    op->emitRemark() << op->getName()
                     << " stays in float after quantized ops (qlinalg does "
                        "not quantize it): their results are dequantized "
                        "for it";
  });
  return success();
}

namespace {
struct QuantizePass : public qlinalg::impl::QLinalgQuantizeBase<QuantizePass> {
  using Base::Base;
  // Reads the ODS options where they are declared.
  template <typename Raw>
  friend FailureOr<QuantizeOptions>(::parseOptions)(const Raw &raw,
                                                    std::string &error);

  void runOnOperation() override {
    ModuleOp module = getOperation();
    std::string error;
    FailureOr<QuantizeOptions> parsed = parseOptions(*this, error);
    if (failed(parsed)) {
      module.emitError(error);
      return signalPassFailure();
    }
    std::optional<CalibrationTable> table;
    if (!calibration.empty()) {
      llvm::Expected<CalibrationTable> read = readCalibrationTable(calibration);
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

FailureOr<QuantizeOptions>
mlir::qlinalg::parseQuantizeOptions(StringRef text, std::string &error) {
  QuantizePass pass;
  if (failed(pass.initializeOptions(text, [&](const Twine &message) {
        error = message.str();
        return failure();
      })))
    return failure();
  return parseOptions(pass, error);
}
