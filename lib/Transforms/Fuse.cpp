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

#include "mlir/Dialect/Tensor/IR/Tensor.h"
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
  patterns.add<FoldRequantizeIntoContraction>(patterns.getContext());
}
