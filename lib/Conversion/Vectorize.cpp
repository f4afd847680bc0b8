//===- Vectorize.cpp - --qlinalg-vectorize --------------------------------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Tiles the integer linalg that --qlinalg-lower produces into register tiles
// from the target description and vectorizes each tile with upstream's
// linalg vectorizer (masked where a remainder tile has dynamic sizes): the
// contraction kernel becomes a vector.contract on i8 operands extended to
// i32, the elementwise epilogues (requantize, quantize, dequantize) vector
// arithmetic; a convolution's tiles, once their unit window loops are
// dropped, a vector.contract of the channels. This is the portable vector
// code of the `generic` kernel; ISA kernels replace the contraction step
// with their dot-product patterns.
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Conversion/Passes.h"

#include "qlinalg/Conversion/Lower.h"
#include "qlinalg/Target/Target.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Affine/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/Linalg/Transforms/TilingInterfaceImpl.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/IR/TensorTilingInterfaceImpl.h"
#include "mlir/Dialect/Tensor/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"

#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include <thread>

namespace mlir::qlinalg {
#define GEN_PASS_DEF_QLINALGVECTORIZE
#include "qlinalg/Conversion/Passes.h.inc"
} // namespace mlir::qlinalg

using namespace mlir;
using namespace mlir::qlinalg;

/// `sizes` capped at the static trip counts of `op`'s loops: never tile
/// beyond a loop.
static SmallVector<int64_t> capAtLoopRanges(linalg::LinalgOp op,
                                            SmallVector<int64_t> sizes) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  for (auto [size, range] : llvm::zip(sizes, ranges))
    if (!ShapedType::isDynamic(range))
      size = std::min(size, range);
  return sizes;
}

/// Register-tile sizes of `op` from the target: the result's innermost
/// dimension gets the N tile, the one before it the M tile, the innermost
/// reduction loop the K step; every other loop is tiled by 1.
static SmallVector<int64_t> getTileSizes(linalg::LinalgOp op,
                                         const TileSizes &tiles) {
  unsigned loops = op.getNumLoops();
  SmallVector<int64_t> sizes(loops, 1);
  AffineMap out = op.getIndexingMapMatchingResult(op->getResult(0));
  SmallVector<unsigned> outLoops;
  for (AffineExpr e : out.getResults())
    if (auto d = dyn_cast<AffineDimExpr>(e))
      outLoops.push_back(d.getPosition());
  if (!outLoops.empty())
    sizes[outLoops.back()] = tiles.n;
  if (outLoops.size() > 1)
    sizes[outLoops[outLoops.size() - 2]] = tiles.m;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (int64_t l = loops - 1; l >= 0; --l)
    if (iterators[l] == utils::IteratorType::reduction) {
      sizes[l] = tiles.k;
      break;
    }
  return capAtLoopRanges(op, std::move(sizes));
}

/// Register tiles of a convolution kernel (its lhs indexed through
/// windows): every loop inside a window expression is tiled by one, so that
/// once the unit loops are dropped the tile is a plain contraction of the
/// channels (vecmat-shaped: N output channels, K input channels); the
/// result's innermost dimension gets the N tile, the innermost reduction
/// outside the windows the K step.
static SmallVector<int64_t> getWindowTileSizes(linalg::LinalgOp op,
                                               const TileSizes &tiles) {
  unsigned loops = op.getNumLoops();
  SmallVector<int64_t> sizes(loops, 1);
  llvm::SmallDenseSet<unsigned> inWindows;
  for (AffineMap map : op.getIndexingMapsArray())
    for (AffineExpr e : map.getResults())
      if (!isa<AffineDimExpr>(e))
        e.walk([&](AffineExpr sub) {
          if (auto d = dyn_cast<AffineDimExpr>(sub))
            inWindows.insert(d.getPosition());
        });
  AffineMap out = op.getIndexingMapMatchingResult(op->getResult(0));
  if (auto d = dyn_cast<AffineDimExpr>(out.getResults().back());
      d && !inWindows.contains(d.getPosition()))
    sizes[d.getPosition()] = tiles.n;
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  for (int64_t l = loops - 1; l >= 0; --l)
    if (iterators[l] == utils::IteratorType::reduction &&
        !inWindows.contains(l)) {
      sizes[l] = std::max<int64_t>(tiles.k, 16);
      break;
    }
  return capAtLoopRanges(op, std::move(sizes));
}

/// Whether every operand is indexed by a projected permutation: a window
/// (a convolution's lhs) would vectorize to gathers, so it stays scalar.
static bool hasProjectedMaps(linalg::LinalgOp op) {
  return llvm::all_of(op.getIndexingMapsArray(), [](AffineMap map) {
    return map.isProjectedPermutation();
  });
}

static constexpr StringLiteral kTileAttrName = "qlinalg.tile";

/// Tiles `op` with `sizes`; the tile is marked for vectorization.
static LogicalResult tileOp(RewriterBase &rewriter, linalg::LinalgOp op,
                            ArrayRef<int64_t> sizes,
                            SmallVectorImpl<scf::ForOp> &loops) {
  scf::SCFTilingOptions options;
  SmallVector<OpFoldResult> tileSizes;
  for (int64_t s : sizes)
    tileSizes.push_back(rewriter.getIndexAttr(s));
  options.setTileSizes(tileSizes);
  rewriter.setInsertionPoint(op);
  auto tileable = dyn_cast<TilingInterface>(op.getOperation());
  if (!tileable)
    return failure();
  FailureOr<scf::SCFTilingResult> tiled =
      scf::tileUsingSCF(rewriter, tileable, options);
  if (failed(tiled))
    return failure();
  rewriter.replaceOp(op, tiled->replacements);
  tiled->tiledOps.back()->setAttr(kTileAttrName, rewriter.getUnitAttr());
  for (LoopLikeOpInterface loop : tiled->loops)
    if (auto forOp = dyn_cast<scf::ForOp>(loop.getOperation()))
      loops.push_back(forOp);
  return success();
}

/// Smallest contraction (multiply-adds, when static) worth the fork and join
/// of a parallel region.
static constexpr int64_t kMinParallelWork = int64_t(1) << 20;

/// Smallest elementwise op (elements) split over threads: the quantize of
/// a 256 x 256 input (about 6 us on one Zen 4 core) already gains from the
/// split, fork and join included, and otherwise runs alone before the
/// kernel's own parallel region.
static constexpr int64_t kMinParallelElements = int64_t(1) << 16;

/// Whether `op` has at least kMinParallelElements elements and rows to
/// split.
static bool isLargeElementwise(linalg::LinalgOp op) {
  if (op.getNumLoops() < 2)
    return false;
  // A dynamic size counts as 64 (a batch of that many rows): a small model
  // run on a few rows must not pay a fork for every border.
  int64_t elements = 1;
  for (int64_t r : op.getStaticLoopRanges())
    elements *= ShapedType::isDynamic(r) ? 64 : r;
  return elements >= kMinParallelElements;
}

/// Splits `op` over `threads` with an scf.forall along the result's row
/// dimension (the one before the innermost), or along its innermost one when
/// the rows are too few for a register tile per thread. Returns the ops left
/// to tile: the op of one thread, or `op` itself when it is too small to
/// split. With a dynamic size the split is decided at every call: an scf.if
/// runs the split copy when the call's work (the product of the loop sizes)
/// reaches `minWork`, else a whole copy, and both are returned.
static FailureOr<SmallVector<linalg::LinalgOp>>
distributeOverThreads(RewriterBase &rewriter, linalg::LinalgOp op,
                      unsigned threads, const TileSizes &tiles,
                      int64_t minWork = kMinParallelWork) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t work = 1;
  bool dynamic = false;
  for (int64_t r : ranges) {
    if (ShapedType::isDynamic(r))
      dynamic = true;
    else
      work *= r;
  }
  SmallVector<linalg::LinalgOp> whole{op};
  if (!dynamic && work < minWork)
    return whole;
  AffineMap out = op.getIndexingMapMatchingResult(op->getResult(0));
  if (out.getNumResults() == 0)
    return whole;
  unsigned cols = cast<AffineDimExpr>(out.getResults().back()).getPosition();
  std::optional<unsigned> rows;
  if (out.getNumResults() > 1)
    rows = cast<AffineDimExpr>(out.getResult(out.getNumResults() - 2))
               .getPosition();
  unsigned loop = cols;
  if (rows && (ShapedType::isDynamic(ranges[*rows]) ||
               ranges[*rows] >= int64_t(threads) * tiles.m))
    loop = *rows;
  else if (!ShapedType::isDynamic(ranges[cols]) &&
           ranges[cols] < int64_t(threads) * tiles.n)
    return whole;
  auto tileable = dyn_cast<TilingInterface>(op.getOperation());
  if (!tileable)
    return failure();
  SmallVector<linalg::LinalgOp> result;
  if (dynamic) {
    // The split when this call is large enough, else the op whole: a small
    // batch of a small model must not pay a fork per layer.
    Location loc = op.getLoc();
    rewriter.setInsertionPoint(op);
    Value size = arith::ConstantIndexOp::create(rewriter, loc, 1);
    for (Range r : op.createLoopRanges(rewriter, loc))
      size = arith::MulIOp::create(
          rewriter, loc, size,
          getValueOrCreateConstantIndexOp(rewriter, loc, r.size));
    Value large = arith::CmpIOp::create(
        rewriter, loc, arith::CmpIPredicate::uge, size,
        arith::ConstantIndexOp::create(rewriter, loc, minWork));
    auto choice = scf::IfOp::create(rewriter, loc, op->getResultTypes(), large,
                                    /*withElseRegion=*/true);
    rewriter.setInsertionPointToStart(choice.thenBlock());
    Operation *split = rewriter.clone(*op);
    scf::YieldOp::create(rewriter, loc, split->getResults());
    rewriter.setInsertionPointToStart(choice.elseBlock());
    Operation *serial = rewriter.clone(*op);
    scf::YieldOp::create(rewriter, loc, serial->getResults());
    rewriter.replaceOp(op, choice.getResults());
    op = cast<linalg::LinalgOp>(split);
    tileable = cast<TilingInterface>(split);
    result.push_back(cast<linalg::LinalgOp>(serial));
  }
  SmallVector<OpFoldResult> numThreads(op.getNumLoops(),
                                       rewriter.getIndexAttr(0));
  numThreads[loop] = rewriter.getIndexAttr(threads);
  scf::SCFTilingOptions options;
  options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
  options.setNumThreads(numThreads);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> tiled =
      scf::tileUsingSCF(rewriter, tileable, options);
  if (failed(tiled))
    return failure();
  rewriter.replaceOp(op, tiled->replacements);
  result.push_back(cast<linalg::LinalgOp>(tiled->tiledOps.back()));
  return result;
}

/// Vectorizes a tile of static shape.
static void vectorizeTile(RewriterBase &rewriter, linalg::LinalgOp op) {
  rewriter.setInsertionPoint(op);
  if (failed(linalg::vectorizeOpPrecondition(op)))
    return; // Stays a scalar tile.
  // A contraction becomes a vector.contract (its operands read at their own
  // shapes), elementwise code vector arithmetic.
  FailureOr<linalg::VectorizationResult> result = linalg::vectorize(
      rewriter, op, /*inputVectorSizes=*/{}, /*inputScalableVecDims=*/{},
      /*vectorizeNDExtract=*/false, /*flatten1DDepthwiseConv=*/false,
      /*assumeDynamicDimsMatchVecSizes=*/false,
      /*createNamedContraction=*/op.getNumReductionLoops() > 0);
  if (succeeded(result))
    rewriter.replaceOp(op, result->replacements);
}

/// The canonicalization patterns of the loaded dialects: after peeling they
/// fold the tile sizes of full tiles into static shapes.
static LogicalResult canonicalize(Operation *root) {
  MLIRContext *ctx = root->getContext();
  RewritePatternSet patterns(ctx);
  for (Dialect *dialect : ctx->getLoadedDialects())
    dialect->getCanonicalizationPatterns(patterns);
  for (RegisteredOperationName op : ctx->getRegisteredOperations())
    op.getCanonicalizationPatterns(patterns, ctx);
  return applyPatternsGreedily(root, std::move(patterns));
}

/// Whether every use of `producer`'s results is a tensor.extract_slice in the
/// body of `forall`.
static bool onlySlicedIn(Operation *producer, scf::ForallOp forall) {
  return llvm::all_of(producer->getUsers(), [&](Operation *user) {
    return isa<tensor::ExtractSliceOp>(user) &&
           user->getBlock() == forall.getBody();
  });
}

/// Makes in each thread's chunk what the chunk reads of a tensor made
/// before the parallel region: a packed kernel split over rows (or weight
/// sets) reads its activations and row sums through slices of its chunk's
/// range, and where the whole tensor is made only for those slices (the
/// quantize of a model's input, its row sums), its producer is tiled to
/// each slice instead (upstream's replaceExtractSliceWithTiledProducer),
/// then the producers of those tiles, and so on. One parallel region per
/// call, instead of a border run before it alone or in a fork of its own.
/// Equal slices are merged first (CSE in the chunk), so that a tensor two
/// tiles read (the activations, by the kernel and by its row sums) is made
/// once per chunk.
static void fuseProducersIntoChunks(ModuleOp module) {
  IRRewriter rewriter(module.getContext());
  // Static sizes of a producer's results asked for outside are constants.
  module.walk([&](tensor::DimOp dim) {
    std::optional<int64_t> index = dim.getConstantIndex();
    auto type = dyn_cast<RankedTensorType>(dim.getSource().getType());
    if (index && type && *index < type.getRank() &&
        !type.isDynamicDim(*index)) {
      rewriter.setInsertionPoint(dim);
      rewriter.replaceOpWithNewOp<arith::ConstantIndexOp>(
          dim, type.getDimSize(*index));
    }
  });
  for (bool changed = true; changed;) {
    changed = false;
    SmallVector<scf::ForallOp> foralls;
    module.walk([&](scf::ForallOp forall) { foralls.push_back(forall); });
    for (scf::ForallOp forall : foralls) {
      DominanceInfo dominance(forall);
      eliminateCommonSubExpressions(rewriter, dominance, forall);
    }
    SmallVector<std::pair<tensor::ExtractSliceOp, OpResult>> slices;
    module.walk([&](scf::ForallOp forall) {
      for (auto slice : forall.getBody()->getOps<tensor::ExtractSliceOp>()) {
        auto result = dyn_cast<OpResult>(slice.getSource());
        auto producer =
            result ? dyn_cast<linalg::LinalgOp>(result.getOwner()) : nullptr;
        if (!producer || !producer.hasPureTensorSemantics() ||
            forall->isAncestor(producer) || !onlySlicedIn(producer, forall))
          continue;
        slices.emplace_back(slice, result);
      }
    });
    for (auto [slice, result] : slices) {
      rewriter.setInsertionPoint(slice);
      FailureOr<TilingResult> tiled =
          tensor::replaceExtractSliceWithTiledProducer(rewriter, slice, result);
      if (failed(tiled) || tiled->tiledValues.size() != 1)
        continue;
      Value part = tiled->tiledValues[0];
      if (part.getType() != slice.getType())
        part = tensor::CastOp::create(rewriter, slice.getLoc(), slice.getType(),
                                      part);
      rewriter.replaceOp(slice, part);
      Operation *producer = result.getOwner();
      if (producer->use_empty())
        rewriter.eraseOp(producer);
      changed = true;
    }
  }
}

LogicalResult mlir::qlinalg::vectorizeQLinalgKernels(
    ModuleOp module, const TargetDescription &target, unsigned threads) {
  fuseProducersIntoChunks(module);
  // Float contractions (the float parts of a model, or a float model
  // itself) take the portable kernel's path too: generalized and tiled like
  // the integer kernel, vectorized to FMA outer products. (Not float
  // convolutions: their one-pixel window tiles measured slower than the
  // plain loops on examples/cnn, 2.05 against 1.40 ms.)
  IRRewriter rewriter(module.getContext());
  SmallVector<linalg::LinalgOp> floats;
  module.walk([&](linalg::LinalgOp op) {
    if (op.hasPureTensorSemantics() && op->getNumResults() == 1 &&
        !isa<linalg::GenericOp>(op) && linalg::isaContractionOpInterface(op) &&
        isa<FloatType>(getElementTypeOrSelf(op->getResult(0).getType())))
      floats.push_back(op);
  });
  for (linalg::LinalgOp op : floats) {
    rewriter.setInsertionPoint(op);
    FailureOr<linalg::GenericOp> generic =
        linalg::generalizeNamedOp(rewriter, op);
    if (succeeded(generic))
      (*generic)->setAttr(kKernelAttrName, rewriter.getUnitAttr());
  }
  SmallVector<linalg::LinalgOp> ops;
  module.walk([&](linalg::LinalgOp op) {
    if (op.hasPureTensorSemantics() && op->getNumResults() == 1 &&
        isa<linalg::GenericOp>(op) &&
        (hasProjectedMaps(op) || op->hasAttr(kKernelAttrName)))
      ops.push_back(op);
  });
  SmallVector<scf::ForOp> loops;
  for (linalg::LinalgOp root : ops) {
    bool kernel = root->hasAttr(kKernelAttrName);
    bool elementwise =
        root.getNumReductionLoops() == 0 && root.getNumLoops() > 0;
    if (!kernel && !elementwise)
      continue;
    // Large ones over the threads first (elementwise: the quantize and
    // dequantize at a model's borders), then register tiles (elementwise:
    // rows of 16 lanes) of each part.
    const TileSizes &tiles = target.getTiles(ContractionKind::Matmul);
    SmallVector<linalg::LinalgOp> parts{root};
    // (Not in a parallel region already: a border made in a kernel's chunk.)
    if (threads > 1 && !root->getParentOfType<scf::ForallOp>() &&
        (kernel || isLargeElementwise(root))) {
      FailureOr<SmallVector<linalg::LinalgOp>> split =
          kernel ? distributeOverThreads(rewriter, root, threads, tiles)
                 : distributeOverThreads(rewriter, root, threads, tiles,
                                         kMinParallelElements);
      if (failed(split))
        return root->emitError("splitting over threads failed");
      parts = *split;
    }
    for (linalg::LinalgOp op : parts) {
      SmallVector<int64_t> sizes;
      if (kernel) {
        sizes = hasProjectedMaps(op) ? getTileSizes(op, tiles)
                                     : getWindowTileSizes(op, tiles);
      } else {
        sizes.assign(op.getNumLoops(), 1);
        sizes.back() = 16;
        SmallVector<int64_t> ranges = op.getStaticLoopRanges();
        if (!ShapedType::isDynamic(ranges.back()))
          sizes.back() = std::min<int64_t>(16, ranges.back());
      }
      if (failed(tileOp(rewriter, op, sizes, loops)))
        return op->emitError("tiling for vectorization failed");
    }
  }
  // Full tiles in the main loops, the partial last tile of each loop in a
  // peeled copy: after canonicalization the full tiles have static shapes.
  for (scf::ForOp loop : loops) {
    scf::ForOp partial;
    rewriter.setInsertionPoint(loop);
    (void)scf::peelForLoopAndSimplifyBounds(rewriter, loop, partial);
  }
  if (failed(canonicalize(module)))
    return module.emitError("canonicalization after tiling did not converge");
  // Partial tiles are tiled again by one along their dynamic dimensions,
  // which makes them static too.
  SmallVector<linalg::LinalgOp> tiles;
  module.walk([&](linalg::LinalgOp op) {
    if (op->hasAttr(kTileAttrName))
      tiles.push_back(op);
  });
  SmallVector<scf::ForOp> unused;
  for (linalg::LinalgOp op : tiles) {
    if (op.hasDynamicShape()) {
      SmallVector<int64_t> ones(op.getNumLoops(), 0);
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      for (auto [size, range] : llvm::zip(ones, ranges))
        size = ShapedType::isDynamic(range) ? 1 : 0;
      op->removeAttr(kTileAttrName);
      if (failed(tileOp(rewriter, op, ones, unused)))
        return op->emitError("tiling a partial tile failed");
    }
  }
  if (failed(canonicalize(module)))
    return module.emitError("canonicalization after tiling did not converge");
  tiles.clear();
  module.walk([&](linalg::LinalgOp op) {
    if (op->hasAttr(kTileAttrName) && op.hasPureTensorSemantics() &&
        !op.hasDynamicShape())
      tiles.push_back(op);
  });
  // Window tiles: their unit loops dropped, the windows become constant
  // offsets and the maps projected permutations, which vectorize.
  for (linalg::LinalgOp &op : tiles) {
    auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
    if (!generic || hasProjectedMaps(op))
      continue;
    rewriter.setInsertionPoint(generic);
    linalg::ControlDropUnitDims control;
    FailureOr<linalg::DropUnitDimsResult> dropped =
        linalg::dropUnitDims(rewriter, generic, control);
    if (failed(dropped))
      continue;
    rewriter.replaceOp(generic, dropped->replacements);
    op = cast<linalg::LinalgOp>(dropped->resultOp.getOperation());
    op->setAttr(kTileAttrName, rewriter.getUnitAttr());
  }
  for (linalg::LinalgOp op : tiles)
    vectorizeTile(rewriter, op);
  // The vectorized contraction (a broadcast product reduced over k) as a
  // vector.contract, which lowers to one outer product per reduction step;
  // transfers with permutation maps as plain transfers and broadcasts.
  RewritePatternSet patterns(module.getContext());
  vector::populateVectorReductionToContractPatterns(patterns);
  vector::populateSinkVectorOpsPatterns(patterns);
  vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
  if (failed(applyPatternsGreedily(module, std::move(patterns))))
    return module.emitError("vector cleanups did not converge");
  return success();
}

namespace {
struct VectorizePass
    : public qlinalg::impl::QLinalgVectorizeBase<VectorizePass> {
  using Base::Base;
  void getDependentDialects(DialectRegistry &registry) const override {
    Base::getDependentDialects(registry);
    // Tiling and loop peeling use these interfaces; register their models
    // so that the pass works in any tool (qlinalg-run loads only what it
    // needs), not only in one that registers everything.
    linalg::registerTilingInterfaceExternalModels(registry);
    tensor::registerTilingInterfaceExternalModels(registry);
    affine::registerValueBoundsOpInterfaceExternalModels(registry);
    arith::registerValueBoundsOpInterfaceExternalModels(registry);
    linalg::registerValueBoundsOpInterfaceExternalModels(registry);
    scf::registerValueBoundsOpInterfaceExternalModels(registry);
    tensor::registerValueBoundsOpInterfaceExternalModels(registry);
    vector::registerValueBoundsOpInterfaceExternalModels(registry);
    registry.insert<affine::AffineDialect>();
  }
  void runOnOperation() override {
    const TargetDescription *description =
        lookupTargetOrEmitError(getOperation(), target);
    if (!description)
      return signalPassFailure();
    unsigned count = threads
                         ? unsigned(threads)
                         : std::max(1u, std::thread::hardware_concurrency());
    if (failed(vectorizeQLinalgKernels(getOperation(), *description, count)))
      signalPassFailure();
  }
};
} // namespace
