//===- Compare.h - per-layer float vs quantized comparison ------*- C++ -*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// What PyTorch's Numeric Suite and ONNX Runtime's qdq_loss_debug do in
// Python, in the compiler: the quantized module's tensors, each named by the
// tensor id its op carries (qlinalg.tensor_id), are returned dequantized
// from the entry function, the float module's tensors of the same ids are
// observed as qlinalg-calibrate observes them, both run on one batch, and
// every id gets its SQNR and relative error.
//
//===----------------------------------------------------------------------===//

#ifndef QLINALG_RUNTIME_COMPARE_H
#define QLINALG_RUNTIME_COMPARE_H

#include "qlinalg/Support/Npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace mlir::qlinalg {

/// A tensor of the quantized module with an id: what produces it.
struct TaggedTensor {
  std::string id;
  /// The producing op's name and location ("qlinalg.contract", "m.mlir:4:7").
  std::string op, location;
};

/// Appends to the results of `func` every tensor that an op of its body
/// names with `qlinalg.tensor_id` (dequantized to f32 when quantized; f32
/// ones as they are), in order; an id named twice keeps its last op.
FailureOr<SmallVector<TaggedTensor>> returnTaggedTensors(func::FuncOp func);

/// The error of one tensor against its float reference, in double:
/// SQNR = 10 log10(sum f^2 / sum (q - f)^2) (infinite when equal, NaN when
/// the reference is all zero), relative error ||q - f|| / ||f||.
struct LayerError {
  TaggedTensor tensor;
  SmallVector<int64_t> shape;
  double sqnr = 0, relativeError = 0, maxAbsError = 0;
};

/// Compares `quantized` with `reference` (both f32 of one shape).
llvm::Expected<LayerError> compareTensor(const TaggedTensor &tensor,
                                         const NpyArray &reference,
                                         const NpyArray &quantized);

/// The layer with the lowest finite SQNR (or none).
const LayerError *getWorstLayer(ArrayRef<LayerError> layers);

/// The report as text: a line per layer, then the worst one.
void printLayerErrors(llvm::raw_ostream &os, ArrayRef<LayerError> layers);

/// The report as JSON: {"layers": [...], "worst": id}, with `header`'s
/// members first.
llvm::json::Object layerErrorsToJson(ArrayRef<LayerError> layers,
                                     llvm::json::Object header);

} // namespace mlir::qlinalg

#endif // QLINALG_RUNTIME_COMPARE_H
