//===- Fuse.cpp - --qlinalg-fuse ------------------------------------------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Transforms/Fuse.h"

#include "qlinalg/Dialect/QLinalg/IR/QLinalg.h"
#include "qlinalg/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::qlinalg {
#define GEN_PASS_DEF_QLINALGFUSE
#include "qlinalg/Transforms/Passes.h.inc"
} // namespace mlir::qlinalg

using namespace mlir;
using namespace mlir::qlinalg;

namespace {
/// requantize(contract(...) : i32 accumulator) -> contract with the
/// requantize as its epilogue.
struct FoldRequantizeIntoContraction : public OpRewritePattern<RequantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(RequantizeOp op,
                                PatternRewriter &rewriter) const override {
    Value input = op.getInput();
    if (!input.hasOneUse())
      return rewriter.notifyMatchFailure(op, "the accumulator has other uses");
    auto resultType = cast<RankedTensorType>(op.getOutput().getType());
    if (auto contract = input.getDefiningOp<ContractOp>()) {
      if (!contract.hasAccumulatorResult())
        return rewriter.notifyMatchFailure(op, "already has an epilogue");
      rewriter.setInsertionPoint(contract);
      Value init = tensor::EmptyOp::create(
          rewriter, op.getLoc(),
          tensor::getMixedSizes(rewriter, op.getLoc(), contract.getInit()),
          resultType.getElementType());
      auto fused = ContractOp::create(
          rewriter, op.getLoc(), resultType, contract.getLhs(),
          contract.getRhs(), contract.getBias(), init,
          contract.getIndexingMaps(), contract.getIteratorTypes(),
          op.getMultiplierAttr(), op.getRoundingAttr(), /*clamp=*/nullptr);
      fused->setDiscardableAttrs(op->getDiscardableAttrDictionary());
      rewriter.replaceOp(op, fused.getResult());
      rewriter.eraseOp(contract);
      return success();
    }
    if (auto matmul = input.getDefiningOp<MatmulOp>()) {
      if (!matmul.hasAccumulatorResult())
        return rewriter.notifyMatchFailure(op, "already has an epilogue");
      rewriter.setInsertionPoint(matmul);
      auto fused = MatmulOp::create(
          rewriter, op.getLoc(), resultType, matmul.getLhs(), matmul.getRhs(),
          matmul.getBias(), op.getMultiplierAttr(), op.getRoundingAttr());
      fused->setDiscardableAttrs(op->getDiscardableAttrDictionary());
      rewriter.replaceOp(op, fused.getResult());
      rewriter.eraseOp(matmul);
      return success();
    }
    return rewriter.notifyMatchFailure(op, "not the result of a contraction");
  }
};

/// Whether `op` is an elementwise ReLU on tensors: identity maps, all
/// parallel, yield(maximumf(x, 0.0)) in either operand order.
static bool isRelu(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 1 || op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() != 0 || !op.hasPureTensorSemantics() ||
      !llvm::all_of(op.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isIdentity(); }))
    return false;
  auto yield = cast<linalg::YieldOp>(op.getBody()->getTerminator());
  auto max = yield.getValues()[0].getDefiningOp<arith::MaximumFOp>();
  auto maxnum = yield.getValues()[0].getDefiningOp<arith::MaxNumFOp>();
  Value lhs, rhs;
  if (max) {
    lhs = max.getLhs();
    rhs = max.getRhs();
  } else if (maxnum) {
    lhs = maxnum.getLhs();
    rhs = maxnum.getRhs();
  } else {
    return false;
  }
  Value in = op.getBody()->getArgument(0);
  Value other = lhs == in ? rhs : rhs == in ? lhs : Value();
  return other && matchPattern(other, m_AnyZeroFloat());
}

/// quantize(relu(dequantize(contract with epilogue))) -> the contraction
/// requantizing straight to the quantize's type, clamped below at its zero
/// point (real 0): the ReLU in the epilogue, one rounding instead of two.
struct FoldReluIntoContraction : public OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    auto relu = op.getInput().getDefiningOp<linalg::GenericOp>();
    if (!relu || !isRelu(relu) || !relu->getResult(0).hasOneUse())
      return rewriter.notifyMatchFailure(op, "not a sole-use ReLU");
    auto dq = relu.getDpsInputs()[0].getDefiningOp<DequantizeOp>();
    if (!dq || !dq->hasOneUse())
      return rewriter.notifyMatchFailure(op, "the ReLU does not take a "
                                             "sole-use dequantize");
    Value produced = dq.getInput();
    if (!produced.hasOneUse())
      return rewriter.notifyMatchFailure(op, "the contraction has other uses");
    auto outType = cast<RankedTensorType>(op.getOutput().getType());
    auto out = getPerTensorType(outType);
    if (!out)
      return rewriter.notifyMatchFailure(op, "not quantized per tensor");
    SmallVector<int64_t> clamp{out.getZeroPoint(), out.getStorageTypeMax()};

    Operation *producer = produced.getDefiningOp();
    Value lhs, rhs, bias;
    ArrayAttr maps, iterators;
    MultiplierModeAttr multiplier;
    RoundingModeAttr rounding;
    SmallVector<OpFoldResult> sizes;
    rewriter.setInsertionPoint(producer);
    if (auto contract = dyn_cast_or_null<ContractOp>(producer)) {
      if (contract.hasAccumulatorResult() || contract.hasFloatResult() ||
          contract.getClamp())
        return rewriter.notifyMatchFailure(op, "no plain epilogue to extend");
      lhs = contract.getLhs();
      rhs = contract.getRhs();
      bias = contract.getBias();
      maps = contract.getIndexingMaps();
      iterators = contract.getIteratorTypes();
      multiplier = contract.getMultiplierAttr();
      rounding = contract.getRoundingAttr();
      sizes = tensor::getMixedSizes(rewriter, op.getLoc(), contract.getInit());
    } else if (auto matmul = dyn_cast_or_null<MatmulOp>(producer)) {
      if (matmul.hasAccumulatorResult() || matmul.hasFloatResult())
        return rewriter.notifyMatchFailure(op, "no plain epilogue to extend");
      lhs = matmul.getLhs();
      rhs = matmul.getRhs();
      bias = matmul.getBias();
      ContractionMaps matmulMaps = matmul.getContractionMaps();
      maps = rewriter.getAffineMapArrayAttr(matmulMaps.getMaps());
      SmallVector<StringRef> kinds;
      for (bool r : matmulMaps.reduction)
        kinds.push_back(r ? "reduction" : "parallel");
      iterators = rewriter.getStrArrayAttr(kinds);
      multiplier = matmul.getMultiplierAttr();
      rounding = matmul.getRoundingAttr();
      sizes = {tensor::getMixedSize(rewriter, op.getLoc(), lhs, 0),
               tensor::getMixedSize(rewriter, op.getLoc(), rhs, 1)};
    } else {
      return rewriter.notifyMatchFailure(op, "not after a contraction");
    }
    Value init = tensor::EmptyOp::create(rewriter, op.getLoc(), sizes,
                                         outType.getElementType());
    auto fused = ContractOp::create(
        rewriter, op.getLoc(), outType, lhs, rhs, bias, init, maps, iterators,
        multiplier, rounding, rewriter.getDenseI64ArrayAttr(clamp));
    fused->setDiscardableAttrs(op->getDiscardableAttrDictionary());
    rewriter.replaceOp(op, fused.getResult());
    rewriter.eraseOp(relu);
    rewriter.eraseOp(dq);
    rewriter.eraseOp(producer);
    return success();
  }
};

struct FusePass : public qlinalg::impl::QLinalgFuseBase<FusePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateQLinalgFusePatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

void mlir::qlinalg::populateQLinalgFusePatterns(RewritePatternSet &patterns) {
  patterns.add<FoldRequantizeIntoContraction, FoldReluIntoContraction>(
      patterns.getContext());
}
