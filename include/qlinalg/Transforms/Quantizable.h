//===- Quantizable.h - what can be quantized, and its tensor ids -*- C++ -*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// One matcher decides which float ops are quantizable, and one walk gives
// their tensors ids. --qlinalg-instrument, qlinalg-calibrate and
// --qlinalg-quantize all call these, so that the calibration table written
// from an instrumented module has exactly the entries the quantizer asks for.
//
//===----------------------------------------------------------------------===//

#ifndef QLINALG_TRANSFORMS_QUANTIZABLE_H
#define QLINALG_TRANSFORMS_QUANTIZABLE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/MapVector.h"

#include <string>

namespace mlir::qlinalg {

/// A float `linalg.matmul` with its optional bias, as one quantizable unit:
///   result = lhs x rhs (+ bias broadcast along rows)
/// The bias is either the matmul's accumulator init (`linalg.broadcast` of a
/// constant) or a following `linalg.add` of a broadcast constant to the
/// zero-initialized product.
struct QuantizableMatmul {
  linalg::MatmulOp matmul;
  Value lhs;
  Value rhs;
  /// The constant 1-D bias, or null.
  DenseElementsAttr bias;
  /// The op producing `result`: the matmul itself or the bias add.
  Operation *root = nullptr;
  /// The float value the quantized unit replaces.
  Value result;
  /// Constant float weights when rhs is a constant, else null.
  DenseElementsAttr constantRhs;
};

/// Matches `matmul` as a quantizable unit, or explains why it is not one.
FailureOr<QuantizableMatmul> matchQuantizableMatmul(linalg::MatmulOp matmul,
                                                    std::string &whyNot);

/// The values to observe, with their ids, in deterministic order.
using TensorIdMap = llvm::MapVector<Value, std::string>;

/// Ids for every non-constant input and output of every quantizable unit in
/// `module`: "t0", "t1", ... in order of first appearance over the functions
/// in module order and their ops in pre-order. Matmuls that cannot be
/// quantized get no ids; `unquantizable` (optional) receives them with the
/// reason.
TensorIdMap assignTensorIds(
    ModuleOp module,
    SmallVectorImpl<std::pair<linalg::MatmulOp, std::string>> *unquantizable =
        nullptr);

/// Puts a `qlinalg.observe` after every value of `ids` and reroutes its uses
/// through it. Values already observed are skipped.
void insertObservers(const TensorIdMap &ids);

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
