//===- Fuse.cpp - --qlinalg-fuse ------------------------------------------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Transforms/Fuse.h"

#include "qlinalg/Dialect/QLinalg/IR/QLinalg.h"
#include "qlinalg/Numerics/Numerics.h"
#include "qlinalg/Transforms/Passes.h"
#include "qlinalg/Transforms/Quantizable.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

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
          contract.getRhs(), contract.getBias(), contract.getLhsScale(),
          contract.getLhsZeroPoint(), init, contract.getIndexingMaps(),
          contract.getIteratorTypes(), op.getMultiplierAttr(),
          op.getRoundingAttr(), /*clamp=*/nullptr);
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

/// The storage bounds an activation with real bounds `bounds` clamps to in
/// `type`: the quantized bounds, inside the storage range (quantization is
/// monotone, so clamping the integers is clamping the reals).
static SmallVector<int64_t> getStorageClamp(quant::UniformQuantizedType type,
                                            ActivationBounds bounds) {
  numerics::StorageRange range{type.getStorageTypeMin(),
                               type.getStorageTypeMax()};
  auto q = [&](float v) {
    return numerics::quantize(v, type.getScale(), type.getZeroPoint(), range);
  };
  return {std::isinf(bounds.lo) ? range.qmin : q(bounds.lo),
          std::isinf(bounds.hi) ? range.qmax : q(bounds.hi)};
}

/// Whether every fixed-point multiplier of an epilogue requantizing from
/// `scales` (one per channel) to `outScale` can be applied.
static bool fitsFixedPoint(ArrayRef<double> scales, double outScale) {
  return llvm::all_of(scales, [&](double s) {
    return numerics::quantizeMultiplier(s / outScale).has_value();
  });
}

/// `producer` (a contraction with a requantizing epilogue, qlinalg.add,
/// qlinalg.mul, or a qlinalg.requantize) rebuilt to produce `outType`
/// directly, clamped to `clamp` when given: the requantization after it
/// merged into its own. Fails, saying why, when the producer has a clamp of
/// its own already or a fixed-point multiplier would not fit.
static FailureOr<Operation *> retargetProducer(PatternRewriter &rewriter,
                                               Operation *producer,
                                               RankedTensorType outType,
                                               DenseI64ArrayAttr clamp,
                                               std::string &whyNot) {
  auto fail = [&](StringRef why) -> FailureOr<Operation *> {
    whyNot = why.str();
    return failure();
  };
  auto out = getPerTensorType(outType);
  if (!out)
    return fail("not quantized per tensor");
  Location loc = producer->getLoc();
  rewriter.setInsertionPoint(producer);
  if (auto requant = dyn_cast<RequantizeOp>(producer)) {
    if (clamp)
      return fail("a requantize has no clamp");
    QuantizedTypeParams in =
        *getQuantizedTypeParams(requant.getInput().getType());
    if (requant.getMultiplier() == MultiplierMode::FixedPoint &&
        !fitsFixedPoint(in.scales, out.getScale()))
      return fail("the multiplier does not fit");
    return RequantizeOp::create(rewriter, loc, outType, requant.getInput(),
                                requant.getMultiplier(), requant.getRounding())
        .getOperation();
  }
  if (isa_and_nonnull<AddOp, MulOp>(producer)) {
    if (producer->getAttr("clamp"))
      return fail("already clamped");
    Value lhs = producer->getOperand(0), rhs = producer->getOperand(1);
    auto multiplier = producer->getAttrOfType<MultiplierModeAttr>("multiplier");
    auto rounding = producer->getAttrOfType<RoundingModeAttr>("rounding");
    auto sa = getPerTensorType(lhs.getType()).getScale();
    auto sb = getPerTensorType(rhs.getType()).getScale();
    if (multiplier.getValue() == MultiplierMode::FixedPoint) {
      SmallVector<double> m;
      if (isa<AddOp>(producer)) {
        numerics::AddMultipliers add =
            numerics::getAddMultipliers(sa, sb, out.getScale());
        m = {add.lhs, add.rhs, add.out};
      } else {
        m = {numerics::getMulMultiplier(sa, sb, out.getScale())};
      }
      if (!fitsFixedPoint(m, 1.0))
        return fail("the multiplier does not fit");
    }
    if (isa<AddOp>(producer))
      return AddOp::create(rewriter, loc, outType, lhs, rhs, multiplier,
                           rounding, clamp)
          .getOperation();
    return MulOp::create(rewriter, loc, outType, lhs, rhs, multiplier, rounding,
                         clamp)
        .getOperation();
  } else {
    Value lhs, rhs, bias;
    ArrayAttr maps, iterators;
    MultiplierModeAttr multiplier;
    RoundingModeAttr rounding;
    SmallVector<OpFoldResult> sizes;
    if (auto contract = dyn_cast_or_null<ContractOp>(producer)) {
      if (contract.hasAccumulatorResult() || contract.hasFloatResult() ||
          contract.getClamp())
        return fail("no plain epilogue to extend");
      lhs = contract.getLhs();
      rhs = contract.getRhs();
      bias = contract.getBias();
      maps = contract.getIndexingMaps();
      iterators = contract.getIteratorTypes();
      multiplier = contract.getMultiplierAttr();
      rounding = contract.getRoundingAttr();
      sizes = tensor::getMixedSizes(rewriter, loc, contract.getInit());
    } else if (auto matmul = dyn_cast_or_null<MatmulOp>(producer)) {
      if (matmul.hasAccumulatorResult() || matmul.hasFloatResult())
        return fail("no plain epilogue to extend");
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
      sizes = {tensor::getMixedSize(rewriter, loc, lhs, 0),
               tensor::getMixedSize(rewriter, loc, rhs, 1)};
    } else {
      return fail("not after a quantized unit");
    }
    if (multiplier.getValue() == MultiplierMode::FixedPoint) {
      double sa = getPerTensorType(lhs.getType()).getScale();
      SmallVector<double> accScales;
      QuantizedTypeParams rhsParams = *getQuantizedTypeParams(rhs.getType());
      for (double sb : rhsParams.scales)
        accScales.push_back(sa * sb);
      if (!fitsFixedPoint(accScales, out.getScale()))
        return fail("the multiplier does not fit");
    }
    Value init =
        tensor::EmptyOp::create(rewriter, loc, sizes, outType.getElementType());
    return ContractOp::create(rewriter, loc, outType, lhs, rhs, bias,
                              /*lhsScale=*/Value(), /*lhsZeroPoint=*/Value(),
                              init, maps, iterators, multiplier, rounding,
                              clamp)
        .getOperation();
  }
}

/// quantize(activation(dequantize(producer))) -> the producer requantizing
/// straight to the quantize's type, clamped to the activation's bounds (a
/// ReLU at the zero point, real 0): the activation in the epilogue, one
/// rounding instead of two.
struct FoldActivationIntoProducer : public OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    Operation *activation = op.getInput().getDefiningOp();
    std::optional<ActivationBounds> bounds =
        activation ? matchActivation(activation) : std::nullopt;
    if (!bounds || !activation->getResult(0).hasOneUse())
      return rewriter.notifyMatchFailure(op, "not a sole-use activation");
    auto dq = activation->getOperand(0).getDefiningOp<DequantizeOp>();
    if (!dq || !dq->hasOneUse())
      return rewriter.notifyMatchFailure(op, "the activation does not take a "
                                             "sole-use dequantize");
    Value produced = dq.getInput();
    Operation *producer = produced.getDefiningOp();
    if (!producer || !produced.hasOneUse() || isa<RequantizeOp>(producer))
      return rewriter.notifyMatchFailure(op, "no sole-use producer to clamp");
    auto outType = cast<RankedTensorType>(op.getOutput().getType());
    auto out = getPerTensorType(outType);
    if (!out)
      return rewriter.notifyMatchFailure(op, "not quantized per tensor");
    std::string whyNot;
    FailureOr<Operation *> fused = retargetProducer(
        rewriter, producer, outType,
        rewriter.getDenseI64ArrayAttr(getStorageClamp(out, *bounds)), whyNot);
    if (failed(fused))
      return rewriter.notifyMatchFailure(op, whyNot);
    (*fused)->setDiscardableAttrs(op->getDiscardableAttrDictionary());
    rewriter.replaceOp(op, (*fused)->getResult(0));
    rewriter.eraseOp(activation);
    rewriter.eraseOp(dq);
    rewriter.eraseOp(producer);
    return success();
  }
};

/// requantize(x), a rescale of a tensor that a sole-use producer (a
/// contraction's epilogue, an add, a product, another requantize) makes ->
/// the producer requantizing straight to the rescale's type: consecutive
/// requantizations compose into one, one rounding instead of two.
struct FoldRescaleIntoProducer : public OpRewritePattern<RequantizeOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RequantizeOp op,
                                PatternRewriter &rewriter) const override {
    Value input = op.getInput();
    if (getQuantizedTypeParams(input.getType())->storageWidth > 16)
      return rewriter.notifyMatchFailure(op, "not a rescale");
    Operation *producer = input.getDefiningOp();
    if (!producer || !input.hasOneUse() ||
        !isa<ContractOp, MatmulOp, AddOp, MulOp, RequantizeOp>(producer))
      return rewriter.notifyMatchFailure(op, "no sole-use producer");
    std::string whyNot;
    FailureOr<Operation *> fused = retargetProducer(
        rewriter, producer, cast<RankedTensorType>(op.getOutput().getType()),
        /*clamp=*/nullptr, whyNot);
    if (failed(fused))
      return rewriter.notifyMatchFailure(op, whyNot);
    (*fused)->setDiscardableAttrs(producer->getDiscardableAttrDictionary());
    for (NamedAttribute attr : op->getDiscardableAttrs())
      (*fused)->setAttr(attr.getName(), attr.getValue());
    rewriter.replaceOp(op, (*fused)->getResult(0));
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
  patterns.add<FoldRequantizeIntoContraction, FoldActivationIntoProducer,
               FoldRescaleIntoProducer>(patterns.getContext());
}
