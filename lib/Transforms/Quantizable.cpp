//===- Quantizable.cpp - what can be quantized, and its tensor ids --------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Transforms/Quantizable.h"

#include "qlinalg/Dialect/QLinalg/IR/QLinalg.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace mlir::qlinalg;

/// The constant of `value` as a dense f32 attribute (dense or dense_resource).
static DenseElementsAttr getFloatConstant(Value value) {
  Attribute attr;
  if (!matchPattern(value, m_Constant(&attr)))
    return {};
  if (auto dense = dyn_cast<DenseElementsAttr>(attr))
    return dense.getElementType().isF32() ? dense : DenseElementsAttr();
  if (auto resource = dyn_cast<DenseF32ResourceElementsAttr>(attr))
    if (std::optional<ArrayRef<float>> data = resource.tryGetAsArrayRef())
      return DenseElementsAttr::get(resource.getType(), *data);
  return {};
}

/// `linalg.broadcast` of a 1-D f32 constant along rows (dimensions = [0]).
static DenseElementsAttr getRowBroadcastConstant(Value value) {
  auto broadcast = value.getDefiningOp<linalg::BroadcastOp>();
  if (!broadcast || broadcast.getDimensions() != ArrayRef<int64_t>{0})
    return {};
  DenseElementsAttr attr = getFloatConstant(broadcast.getInput());
  if (!attr || attr.getType().getRank() != 1)
    return {};
  return attr;
}

static bool isZeroFill(Value value) {
  auto fill = value.getDefiningOp<linalg::FillOp>();
  return fill && matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
}

static bool isF32RankedTensor(Type type, int64_t rank) {
  auto t = dyn_cast<RankedTensorType>(type);
  return t && t.getRank() == rank && t.getElementType().isF32();
}

FailureOr<QuantizableMatmul>
mlir::qlinalg::matchQuantizableMatmul(linalg::MatmulOp matmul,
                                      std::string &whyNot) {
  auto fail = [&](StringRef reason) {
    whyNot = reason.str();
    return failure();
  };
  if (!matmul.hasPureTensorSemantics())
    return fail("it works on buffers, not tensors");
  if (matmul.hasUserDefinedMaps())
    return fail("it has user-defined indexing maps (transpose or broadcast)");
  if (matmul.getCast() != linalg::TypeFn::cast_signed)
    return fail("it uses an unsigned cast");
  Value lhs = matmul.getInputs()[0], rhs = matmul.getInputs()[1];
  Value init = matmul.getOutputs()[0];
  if (!isF32RankedTensor(lhs.getType(), 2) ||
      !isF32RankedTensor(rhs.getType(), 2) ||
      !isF32RankedTensor(init.getType(), 2))
    return fail("only rank-2 f32 operands are quantized");
  if (getFloatConstant(lhs))
    return fail("a constant lhs is not quantized (only constant weights on "
                "the rhs)");

  QuantizableMatmul m;
  m.matmul = matmul;
  m.lhs = lhs;
  m.rhs = rhs;
  m.constantRhs = getFloatConstant(rhs);
  m.root = matmul;
  m.result = matmul.getResult(0);
  if (DenseElementsAttr bias = getRowBroadcastConstant(init)) {
    m.bias = bias;
  } else if (!isZeroFill(init)) {
    return fail("its accumulator is neither a zero fill nor a broadcast "
                "constant bias");
  } else if (m.result.hasOneUse()) {
    // A following linalg.add of a broadcast constant is the bias.
    if (auto add = dyn_cast<linalg::AddOp>(*m.result.getUsers().begin());
        add && add.hasPureTensorSemantics() && add->getNumResults() == 1) {
      Value other = add.getInputs()[0] == m.result ? add.getInputs()[1]
                                                   : add.getInputs()[0];
      if (DenseElementsAttr bias = getRowBroadcastConstant(other)) {
        m.bias = bias;
        m.root = add;
        m.result = add->getResult(0);
      }
    }
  }
  if (m.bias) {
    auto resultType = cast<RankedTensorType>(m.result.getType());
    int64_t n = resultType.getDimSize(1);
    if (!ShapedType::isDynamic(n) && m.bias.getNumElements() != n)
      return fail("its bias does not have one element per output column");
  }
  return m;
}

TensorIdMap mlir::qlinalg::assignTensorIds(
    ModuleOp module,
    SmallVectorImpl<std::pair<linalg::MatmulOp, std::string>> *unquantizable) {
  TensorIdMap ids;
  unsigned next = 0;
  auto assign = [&](Value v) {
    if (!ids.count(v))
      ids[v] = "t" + std::to_string(next++);
  };
  module.walk<WalkOrder::PreOrder>([&](linalg::MatmulOp matmul) {
    std::string whyNot;
    FailureOr<QuantizableMatmul> m = matchQuantizableMatmul(matmul, whyNot);
    if (failed(m)) {
      if (unquantizable)
        unquantizable->emplace_back(matmul, whyNot);
      return;
    }
    assign(m->lhs);
    if (!m->constantRhs)
      assign(m->rhs);
    assign(m->result);
  });
  return ids;
}

void mlir::qlinalg::insertObservers(const TensorIdMap &ids) {
  for (const auto &[observed, id] : ids) {
    Value value = observed;
    if (value.getDefiningOp<ObserveOp>() ||
        llvm::any_of(value.getUsers(),
                     [](Operation *user) { return isa<ObserveOp>(user); }))
      continue;
    OpBuilder builder(value.getContext());
    if (auto arg = dyn_cast<BlockArgument>(value))
      builder.setInsertionPointToStart(arg.getOwner());
    else
      builder.setInsertionPointAfter(value.getDefiningOp());
    auto observe = ObserveOp::create(builder, value.getLoc(), value,
                                     builder.getStringAttr(id));
    value.replaceAllUsesExcept(observe, observe);
  }
}

FailureOr<SmallVector<std::string>>
mlir::qlinalg::returnObservedTensors(func::FuncOp func,
                                     SmallVectorImpl<std::string> &skipped) {
  if (!func.getBody().hasOneBlock())
    return func.emitError("calibration needs an entry function with a single "
                          "block");
  Block &body = func.getBody().front();
  auto ret = dyn_cast<func::ReturnOp>(body.getTerminator());
  if (!ret)
    return func.emitError("calibration needs an entry function ending in "
                          "func.return");
  SmallVector<ObserveOp> observes;
  func.walk([&](ObserveOp op) { observes.push_back(op); });
  SmallVector<std::string> ids;
  SmallVector<Value> extra;
  for (ObserveOp op : observes) {
    if (op->getBlock() == &body) {
      ids.push_back(op.getId().str());
      extra.push_back(op.getInput());
    } else {
      skipped.push_back(op.getId().str());
    }
    op.getOutput().replaceAllUsesWith(op.getInput());
    op.erase();
  }
  SmallVector<Value> operands(ret.getOperands());
  operands.append(extra);
  OpBuilder builder(ret);
  func::ReturnOp::create(builder, ret.getLoc(), operands);
  ret.erase();
  SmallVector<Type> results(func.getResultTypes());
  for (Value v : extra)
    results.push_back(v.getType());
  func.setFunctionType(
      FunctionType::get(func.getContext(), func.getArgumentTypes(), results));
  return ids;
}
