//===- Quantizable.h - what can be quantized, and its tensor ids -*- C++
//-*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// One matcher decides which float ops are quantizable (through linalg's
// contraction and convolution interfaces, whatever the op kind), and one walk
// gives tensors ids. --qlinalg-instrument, qlinalg-calibrate and
// --qlinalg-quantize all call these, so that the calibration table written
// from an instrumented module has exactly the entries the quantizer asks for.
//
//===----------------------------------------------------------------------===//

#ifndef QLINALG_TRANSFORMS_QUANTIZABLE_H
#define QLINALG_TRANSFORMS_QUANTIZABLE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/MapVector.h"

#include <string>

namespace mlir::qlinalg {

/// A float contraction as one quantizable unit: any `linalg::LinalgOp`
/// (named or generic) that linalg classifies as a contraction
/// (`linalg::isaContractionOpInterface`: matmul in any transposed form,
/// batch_matmul, matvec, vecmat, ...) or a convolution
/// (`linalg::isaConvolutionOpInterface`: conv_2d_nhwc_hwcf,
/// conv_2d_nchw_fchw, depthwise_conv_2d_nhwc_hwc, ...), with its optional
/// bias and a `tensor.pad` in front of the activations:
///   result = contract(pad(lhs), rhs) (+ bias broadcast along the channel)
/// The bias is either the op's accumulator init (a broadcast of a 1-D
/// constant along the output channel, as `linalg.broadcast` or the
/// equivalent `linalg.generic`) or a following elementwise addition of such a
/// broadcast to the zero-initialized result.
struct QuantizableContraction {
  linalg::LinalgOp op;
  /// The float activations (the pad's source when padded) and weights.
  Value lhs;
  Value rhs;
  /// The op's indexing maps for lhs, rhs and the result, and its loops.
  AffineMap lhsMap, rhsMap, outMap;
  SmallVector<utils::IteratorType> iterators;
  /// The `tensor.pad` between `lhs` and the op, or null; padValue is its
  /// constant padding value.
  tensor::PadOp pad;
  float padValue = 0.0f;
  /// The rhs dimension of the output channel (the parallel loop that indexes
  /// the weights and the result but not, unless it is a depthwise channel,
  /// the activations), or -1 when there is no unique one.
  int64_t channelDim = -1;
  /// The constant 1-D bias along the channel, or null.
  DenseElementsAttr bias;
  /// The op producing `result`: the contraction itself or the bias add.
  Operation *root = nullptr;
  /// The float value the quantized unit replaces.
  Value result;
  /// Constant float weights when rhs is a constant, else null.
  DenseElementsAttr constantRhs;

  /// The result dimension of the output channel, or -1.
  int64_t getOutChannelDim() const;
  /// True for the canonical rank-2 matmul maps (qlinalg.matmul sugar).
  bool isPlainMatmul() const;
};

/// True when `op` is a candidate: a LinalgOp that linalg classifies as a
/// contraction or a convolution. Candidates that do not match get a remark.
bool isContractionCandidate(Operation *op);

/// Matches `op` as a quantizable unit, or explains why it is not one.
FailureOr<QuantizableContraction>
matchQuantizableContraction(linalg::LinalgOp op, std::string &whyNot);

/// The values to observe, with their ids, in deterministic order.
/// The real bounds an elementwise activation clamps to: ReLU [0, +inf),
/// ReLU6 [0, 6], a clamp [lo, hi] (either side may be infinite).
struct ActivationBounds {
  float lo, hi;
};

/// The bounds of `op` when it is an elementwise activation on one f32
/// tensor: a `linalg.generic` with identity maps yielding
/// max(x, lo), min(x, hi) or a min of a max (maximumf/maxnumf,
/// minimumf/minnumf, constants on either side).
std::optional<ActivationBounds> matchActivation(Operation *op);

/// A quantizable op between the contractions.
struct QuantizableElementwise {
  enum class Kind {
    /// linalg.add or an elementwise generic adding its two inputs.
    Add,
    /// linalg.mul or an elementwise generic multiplying its two inputs.
    Mul,
    /// linalg.pooling_nchw_max / pooling_nhwc_max.
    MaxPool,
    /// linalg.pooling_nchw_sum / pooling_nhwc_sum from a zero fill, divided
    /// by the window size (an elementwise divf or mulf by a constant).
    AvgPool,
    /// matchActivation's ops, after a quantized unit.
    Activation,
    /// tensor.concat: every input requantized to the result's type.
    Concat,
  };
  Kind kind;
  Operation *op = nullptr;
  /// The float data inputs (a pooling: the pad's source when padded).
  SmallVector<Value, 2> inputs;
  /// The float value the quantized op replaces.
  Value result;
  /// A pooling: the constant-padded `tensor.pad` of its input, or null, its
  /// padding value, and the value its accumulator is filled with.
  tensor::PadOp pad;
  float padValue = 0.0f;
  float initValue = 0.0f;
  /// An average pooling: the window size and the elementwise division
  /// (whose result is `result`).
  int64_t windowSize = 0;
  Operation *divide = nullptr;
  /// An activation: its bounds.
  ActivationBounds bounds{0.0f, 0.0f};
  /// Whether the result needs a calibrated type of its own (an add, a mul,
  /// an activation, a concat); a pooling keeps its input's.
  bool hasOwnScale() const {
    return kind != Kind::MaxPool && kind != Kind::AvgPool;
  }
};

/// Matches an op between contractions that qlinalg quantizes (an activation
/// whatever its input: assignTensorIds keeps one only after a quantized
/// unit).
FailureOr<QuantizableElementwise>
matchQuantizableElementwise(Operation *op, std::string &whyNot);

using TensorIdMap = llvm::MapVector<Value, std::string>;

/// Tensor ids of the module: every float ranked tensor that carries data of
/// the inputs (block arguments, and results of ops with such an operand; not
/// constants or what is computed from constants alone, such as a zero fill
/// or a broadcast bias) is numbered "t0", "t1", ... in pre-order over the
/// module, so the id of a tensor depends on the float module alone and not
/// on which ops are quantizable. Returns, in that order, the ids of the
/// tensors the quantizer
/// needs ranges for: every non-constant input and output of every
/// quantizable unit. Candidates that cannot be quantized go to
/// `unquantizable` (optional) with the reason; non-constant weights go to
/// `weightAxes` (optional) with the axis of their output channel; the
/// matched contractions to `units` and the ops between them to
/// `elementwise` (both optional), in walk order.
TensorIdMap assignTensorIds(
    ModuleOp module,
    SmallVectorImpl<std::pair<Operation *, std::string>> *unquantizable =
        nullptr,
    llvm::MapVector<Value, int64_t> *weightAxes = nullptr,
    SmallVectorImpl<QuantizableContraction> *units = nullptr,
    SmallVectorImpl<QuantizableElementwise> *elementwise = nullptr);

/// Puts a `qlinalg.observe` after every value of `ids` and reroutes its uses
/// through it. Values already observed are skipped.
void insertObservers(const TensorIdMap &ids);

/// Appends `values` (of `func`'s single block) to the results of `func`,
/// which must end in func.return; calls of `func` from other functions are
/// redirected to an unchanged private copy. `purpose` names the caller in
/// errors ("calibration").
LogicalResult appendEntryResults(func::FuncOp func, ArrayRef<Value> values,
                                 StringRef purpose);

/// Turns the `qlinalg.observe` ops directly in `func`'s body into extra
/// results of `func` (appended after its own results, in walk order) and
/// returns their ids. This is how qlinalg-calibrate reads observed tensors
/// out of the JIT-compiled function. Observes in nested regions cannot be
/// returned and are removed; their ids go to `skipped`. `func` must have a
/// single block ending in func.return.
FailureOr<SmallVector<std::string>>
returnObservedTensors(func::FuncOp func, SmallVectorImpl<std::string> &skipped);

} // namespace mlir::qlinalg

#endif // QLINALG_TRANSFORMS_QUANTIZABLE_H
