//===- Quantize.h - float linalg to qlinalg from calibration ----*- C++ -*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QLINALG_TRANSFORMS_QUANTIZE_H
#define QLINALG_TRANSFORMS_QUANTIZE_H

#include "qlinalg/Calibration/Estimators.h"
#include "qlinalg/Calibration/Table.h"
#include "qlinalg/Dialect/QLinalg/IR/QLinalg.h"
#include "qlinalg/Numerics/Numerics.h"
#include "qlinalg/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/StringSet.h"

namespace mlir::qlinalg {

/// How one kind of tensor is quantized.
struct Scheme {
  /// Symmetric: zero point 0 and the narrow range [-(2^(b-1)-1), 2^(b-1)-1];
  /// asymmetric: the full signed range.
  bool symmetric = false;
  unsigned bits = 8;
  /// Asymmetric, with half the levels: [-2^(b-1), -1]. Shifted by 128 for
  /// an x86 u8 x s8 step that is u8 0..127, for which no pair of products
  /// with 8-bit weights leaves int16 (PyTorch's x86 `reduce_range`).
  bool reduceRange = false;
  numerics::StorageRange getRange() const;
};

/// Choices of --qlinalg-quantize.
/// Where activation scales come from.
enum class QuantizeMode {
  /// From the calibration table: int8 from input to output.
  Static,
  /// Chosen at run time from each contraction input's range
  /// (qlinalg.dynamic_quantize); results in float; no table.
  Dynamic,
  /// Float activations; only the constant weights are quantized and they
  /// are dequantized inside the contraction; no table.
  WeightOnly,
};

struct QuantizeOptions {
  QuantizeMode mode = QuantizeMode::Static;
  MultiplierMode multiplier = MultiplierMode::FixedPoint;
  RoundingMode rounding = RoundingMode::HalfAwayFromZero;
  /// How activation ranges come out of the statistics.
  Estimator estimator = Estimator::MinMax;
  double coverage = 99.99;
  Scheme activations{/*symmetric=*/false, /*bits=*/8};
  Scheme weights{/*symmetric=*/true, /*bits=*/8};
  /// One scale (and zero point) per output channel, or one per tensor.
  bool perChannelWeights = true;
  /// When non-zero: constant weights get one scale (and zero point) per
  /// group of this many rows (along the reduction axis) and per column.
  unsigned groupSize = 0;
  /// Scales rounded up to a power of two (requantization becomes a shift).
  bool powerOfTwo = false;
  /// Results that only float code consumes are dequantized straight from the
  /// i32 accumulator instead of being requantized to 8 bits first.
  bool floatOutputs = false;
  /// Tensor ids and op names kept in float.
  SmallVector<std::string> exclude;
};

struct QuantizableContraction;
struct QuantizableElementwise;

/// The constant weights of `unit` as --qlinalg-quantize quantizes them (per
/// output channel or per tensor, from `options`), dequantized back to f32:
/// what --qlinalg-fake-quantize computes with.
DenseElementsAttr
fakeQuantizeConstantWeights(const QuantizableContraction &unit,
                            const QuantizeOptions &options);

/// Removes the QDQ annotations of `module` (quant.dcast(quant.qcast(x)) on
/// a float tensor x, as QAT flows and ONNX QDQ models carry them), recording
/// each annotated tensor's type in `types`. Two annotations of one tensor
/// with different types are an error naming both.
LogicalResult
importQDQAnnotations(ModuleOp module,
                     DenseMap<Value, quant::QuantizedType> &types);

/// Validates the textual options of the pass (or the pipeline).
FailureOr<QuantizeOptions>
parseQuantizeOptions(const QLinalgQuantizeOptions &raw, std::string &error);
/// The same from the pass's textual options ("calibration=t.json
/// requantize=float").
FailureOr<QuantizeOptions> parseQuantizeOptions(StringRef text,
                                                std::string &error);

/// What the quantize patterns share: the calibration table, the options, the
/// tensor ids (computed once from the float module) and the quantize ops
/// already made, so that a tensor feeding several units is quantized once.
class QuantizationState {
public:
  QuantizationState(ModuleOp module, const CalibrationTable *table,
                    StringRef tableName, const QuantizeOptions &options);

  /// Rewrites one unit into qlinalg ops. Failure (after an error on the op)
  /// leaves it unchanged.
  LogicalResult rewrite(RewriterBase &rewriter,
                        const QuantizableContraction &unit);
  /// The same for an op between contractions.
  LogicalResult rewrite(RewriterBase &rewriter,
                        const QuantizableElementwise &unit);
  /// Types given by QDQ annotations (importQDQAnnotations), which win over
  /// the table.
  void setImportedTypes(DenseMap<Value, quant::QuantizedType> types) {
    imported = std::move(types);
  }
  /// Whether `op` is an op between contractions that assignTensorIds chose
  /// (match it again when rewriting: its operands may have been replaced).
  bool isElementwiseUnit(Operation *op) const {
    return elementwiseOps.contains(op);
  }
  /// Records that `op` was rewritten in place (an activation keeps its float
  /// op and gains a quantize): it is not rewritten again.
  void markDone(Operation *op) { done.insert(op); }
  bool isDone(Operation *op) const { return done.contains(op); }
  /// Records that `op` failed (its error is out): it is not tried again.
  void markFailed(Operation *op) { failedOps.insert(op); }
  bool hasFailedOn(Operation *op) const { return failedOps.contains(op); }
  bool hasFailed() const { return !failedOps.empty(); }
  /// True for candidates that stay in float (they got a remark).
  bool isSkipped(Operation *op) const { return skipped.contains(op); }
  /// Checks that every name of the exclude option is a tensor id of the
  /// module or the name of an op in it (an error on the module otherwise).
  LogicalResult verifyExclude(ModuleOp module) const;
  /// The candidates that stay in float, with the reason, in walk order.
  ArrayRef<std::pair<Operation *, std::string>> getUnquantizable() const {
    return unquantizable;
  }

private:
  /// Parameters of `value` from its table entry: explicit ones, per-channel
  /// ranges along `axis` (>= 0) with `channels` entries, or the estimator's
  /// range.
  FailureOr<SmallVector<numerics::QuantParams>>
  getTableParams(Value value, Operation *user, const Scheme &scheme,
                 int64_t axis, int64_t channels);
  /// The quantized element type of a calibrated tensor.
  FailureOr<quant::QuantizedType>
  getCalibratedType(Value value, Operation *user, const Scheme &scheme,
                    int64_t axis, int64_t channels = 0);
  Value getQuantized(RewriterBase &rewriter, Value value, Type elementType);
  /// The type an activation input of `user` is quantized to: the 8-bit per
  /// tensor type it already has when a dequantize makes it (the integers
  /// pass on unchanged), else its calibrated type.
  FailureOr<quant::QuantizedType> getInputType(Value value, Operation *user);
  /// The multiplier mode for a requantization whose fixed-point multipliers
  /// are `multipliers`: the option's, or float (with a remark on `op`) when
  /// one does not fit.
  MultiplierMode
  chooseMultiplier(Operation *op, ArrayRef<double> multipliers,
                   StringRef what = "accumulator scale / output scale");
  /// Per group along weight dimension `groupDim` when >= 0.
  Value quantizeConstantWeights(RewriterBase &rewriter,
                                const QuantizableContraction &unit,
                                int64_t groupDim);

  const CalibrationTable *table;
  std::string tableName;
  QuantizeOptions options;
  DenseMap<Value, std::string> idOf;
  /// Float values some quantized unit consumes: results among them are
  /// requantized to int8 even with float-outputs.
  DenseSet<Value> quantizedInputs;
  /// The quantize (or rescale) made for a value and type.
  DenseMap<std::pair<Value, Type>, Operation *> quantizeCache;
  DenseSet<Operation *> failedOps;
  DenseSet<Operation *> done;
  DenseSet<Operation *> elementwiseOps;
  DenseMap<Value, quant::QuantizedType> imported;
  /// The ids of the module, as assigned.
  llvm::StringSet<> allIds;
  DenseSet<Operation *> skipped;
  SmallVector<std::pair<Operation *, std::string>> unquantizable;
};

/// The quantize patterns: one per kind of contraction (contractions through
/// linalg's ContractionOpInterface classification, convolutions through its
/// ConvolutionOpInterface one).
void populateQLinalgQuantizePatterns(RewritePatternSet &patterns,
                                     QuantizationState &state);

/// Rewrites every quantizable unit of `module` (see Quantizable.h) into
/// qlinalg ops. `table` may be null when nothing needs a calibrated range.
/// Units that cannot be quantized stay in float with a remark; a missing
/// table entry is an error on the op that needs it. `tableName` names the
/// table in messages.
LogicalResult quantizeModule(ModuleOp module, const CalibrationTable *table,
                             const QuantizeOptions &options,
                             StringRef tableName = "the calibration table");

} // namespace mlir::qlinalg

#endif // QLINALG_TRANSFORMS_QUANTIZE_H
