//===- Compare.cpp - per-layer float vs quantized comparison --------------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Runtime/Compare.h"

#include "qlinalg/Dialect/QLinalg/IR/QLinalg.h"
#include "qlinalg/Transforms/Quantizable.h"

#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::qlinalg;

static std::string getLocation(Location loc) {
  std::string text;
  llvm::raw_string_ostream os(text);
  if (auto file = dyn_cast<FileLineColLoc>(loc))
    os << file.getFilename().getValue() << ":" << file.getLine() << ":"
       << file.getColumn();
  else if (auto fused = dyn_cast<FusedLoc>(loc);
           fused && !fused.getLocations().empty())
    return getLocation(fused.getLocations().front());
  else if (auto name = dyn_cast<NameLoc>(loc))
    return getLocation(name.getChildLoc());
  return text;
}

FailureOr<SmallVector<TaggedTensor>>
mlir::qlinalg::returnTaggedTensors(func::FuncOp func) {
  if (!func.getBody().hasOneBlock())
    return func.emitError("the comparison needs an entry function with a "
                          "single block");
  // The last op of each id, in the order the ids first appear.
  llvm::StringMap<Operation *> last;
  SmallVector<std::string> order;
  for (Operation &op : func.getBody().front()) {
    auto id = op.getAttrOfType<StringAttr>("qlinalg.tensor_id");
    if (!id || op.getNumResults() != 1 ||
        !isa<RankedTensorType>(op.getResult(0).getType()))
      continue;
    auto [it, inserted] = last.try_emplace(id.getValue(), &op);
    if (inserted)
      order.push_back(id.getValue().str());
    else
      it->second = &op;
  }
  SmallVector<TaggedTensor> tensors;
  SmallVector<Value> values;
  for (const std::string &id : order) {
    Operation *op = last[id];
    Value v = op->getResult(0);
    auto type = cast<RankedTensorType>(v.getType());
    Type elem = type.getElementType();
    if (auto q = dyn_cast<quant::QuantizedType>(elem)) {
      if (!q.getExpressedType().isF32())
        continue;
      OpBuilder b(op->getContext());
      b.setInsertionPointAfter(op);
      v = DequantizeOp::create(
          b, op->getLoc(),
          RankedTensorType::get(type.getShape(), q.getExpressedType()), v);
    } else if (!elem.isF32()) {
      continue;
    }
    values.push_back(v);
    tensors.push_back(
        {id, op->getName().getStringRef().str(), getLocation(op->getLoc())});
  }
  if (failed(appendEntryResults(func, values, "the comparison")))
    return failure();
  return tensors;
}

llvm::Expected<LayerError>
mlir::qlinalg::compareTensor(const TaggedTensor &tensor,
                             const NpyArray &reference,
                             const NpyArray &quantized) {
  if (reference.getShape() != quantized.getShape() ||
      reference.getDType() != NpyDType::Float32 ||
      quantized.getDType() != NpyDType::Float32)
    return llvm::createStringError(
        llvm::formatv("tensor id '{0}': the float module gives {1}, the "
                      "quantized one {2}",
                      tensor.id, reference.describe(), quantized.describe())
            .str());
  LayerError e;
  e.tensor = tensor;
  e.shape.assign(reference.getShape().begin(), reference.getShape().end());
  const float *f = reference.getDataAs<float>();
  const float *q = quantized.getDataAs<float>();
  double signal = 0, noise = 0;
  for (int64_t i = 0, n = reference.getNumElements(); i < n; ++i) {
    double d = double(q[i]) - double(f[i]);
    signal += double(f[i]) * double(f[i]);
    noise += d * d;
    e.maxAbsError = std::max(e.maxAbsError, std::abs(d));
  }
  double inf = std::numeric_limits<double>::infinity();
  if (signal == 0) {
    e.sqnr = noise == 0 ? inf : std::numeric_limits<double>::quiet_NaN();
    e.relativeError = noise == 0 ? 0 : inf;
  } else {
    e.sqnr = noise == 0 ? inf : 10 * std::log10(signal / noise);
    e.relativeError = std::sqrt(noise / signal);
  }
  return e;
}

const LayerError *mlir::qlinalg::getWorstLayer(ArrayRef<LayerError> layers) {
  const LayerError *worst = nullptr;
  for (const LayerError &l : layers)
    if (!std::isnan(l.sqnr) && (!worst || l.sqnr < worst->sqnr))
      worst = &l;
  return worst;
}

static std::string formatShape(ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  llvm::interleave(shape, os, "x");
  return text;
}

static std::string formatSqnr(double sqnr) {
  if (std::isnan(sqnr))
    return "n/a";
  if (std::isinf(sqnr))
    return "exact";
  return llvm::formatv("{0:f2}", sqnr).str();
}

void mlir::qlinalg::printLayerErrors(llvm::raw_ostream &os,
                                     ArrayRef<LayerError> layers) {
  os << llvm::formatv("{0,-8} {1,-22} {2,-14} {3,9} {4,11} {5,12}  {6}\n", "id",
                      "op", "shape", "SQNR dB", "rel. error", "max |error|",
                      "at");
  for (const LayerError &l : layers)
    os << llvm::formatv("{0,-8} {1,-22} {2,-14} {3,9} {4,10:f4}% {5,12:e3}  "
                        "{6}\n",
                        l.tensor.id, l.tensor.op, formatShape(l.shape),
                        formatSqnr(l.sqnr), 100 * l.relativeError,
                        l.maxAbsError, l.tensor.location);
  if (const LayerError *w = getWorstLayer(layers))
    os << llvm::formatv(
        "worst layer: {0} ({1}{2}{3}), SQNR {4} dB, relative "
        "error {5:f4}%\n",
        w->tensor.id, w->tensor.op, w->tensor.location.empty() ? "" : " at ",
        w->tensor.location, formatSqnr(w->sqnr), 100 * w->relativeError);
}

llvm::json::Object mlir::qlinalg::layerErrorsToJson(ArrayRef<LayerError> layers,
                                                    llvm::json::Object header) {
  llvm::json::Object out = std::move(header);
  llvm::json::Array array;
  // JSON has no infinity: an exact tensor has a null SQNR and "exact".
  auto number = [](double v) -> llvm::json::Value {
    if (std::isfinite(v))
      return v;
    return nullptr;
  };
  for (const LayerError &l : layers) {
    llvm::json::Array shape;
    for (int64_t d : l.shape)
      shape.push_back(d);
    array.push_back(llvm::json::Object{
        {"id", l.tensor.id},
        {"op", l.tensor.op},
        {"location", l.tensor.location},
        {"shape", std::move(shape)},
        {"sqnr_db", number(l.sqnr)},
        {"exact", std::isinf(l.sqnr) && l.sqnr > 0},
        {"relative_error", number(l.relativeError)},
        {"max_abs_error", l.maxAbsError},
    });
  }
  out["layers"] = std::move(array);
  const LayerError *w = getWorstLayer(layers);
  out["worst"] = w ? llvm::json::Value(w->tensor.id) : nullptr;
  return out;
}
