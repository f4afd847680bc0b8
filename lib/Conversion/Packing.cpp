//===- Packing.cpp - constant weights in the target's packed layout -------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Constant K x N weights (in either order) are packed at compile time into
// the layout of the target description, panels of NR output channels with
// each channel's KG consecutive k adjacent:
//   P[no][ko][ni][ki] = B[k = ko*KG + ki][n = no*NR + ni]   (0 past N)
// which is `linalg.pack B outer_dims_perm = [1, 0] inner_dims_pos = [1, 0]
// inner_tiles = [NR, KG] padding_value(0)` folded (oneDNN's BA16a64b4a for
// NR = 16, KG = 4). The kernel then contracts the lhs viewed as
// [.., K/KG, KG] with P into the accumulator viewed as [.., N'/NR, NR] and
// gets register tiles from the description, so one tile reads whole panels.
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Conversion/Contraction.h"

#include "qlinalg/Conversion/Lower.h"
#include "qlinalg/Target/Target.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::qlinalg;

/// The map `map` with result `dim` replaced by the two loops `outer`,
/// `inner`, in a space of `loops` loops.
static AffineMap splitResult(AffineMap map, unsigned dim, unsigned outer,
                             unsigned inner, unsigned loops) {
  MLIRContext *ctx = map.getContext();
  SmallVector<AffineExpr> results;
  for (auto [i, e] : llvm::enumerate(map.getResults())) {
    if (i == dim) {
      results.push_back(getAffineDimExpr(outer, ctx));
      results.push_back(getAffineDimExpr(inner, ctx));
    } else {
      results.push_back(e);
    }
  }
  return AffineMap::get(loops, 0, results, ctx);
}

/// `v` with dimension `dim` split into [size / tile, tile].
static Value expandDim(OpBuilder &b, Location loc, Value v, unsigned dim,
                       int64_t tile) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape;
  SmallVector<ReassociationIndices> reassociation;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    int64_t at = shape.size();
    if (d == dim) {
      reassociation.push_back({at, at + 1});
      shape.append({type.getDimSize(d) / tile, tile});
    } else {
      reassociation.push_back({at});
      shape.push_back(type.getDimSize(d));
    }
  }
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), v,
      reassociation);
}

FailureOr<Value> mlir::qlinalg::emitPackedKernel(
    OpBuilder &b, Location loc, const IntegerContraction &c, Value init,
    const TargetDescription &target, const KernelTarget &kernel) {
  const WeightPacking &packing = target.packing;
  int64_t nr = packing.panelColumns, kg = packing.kGroup;
  if (nr <= 1 || !c.rhsConstant)
    return failure();
  auto rhsType = cast<RankedTensorType>(c.rhsConstant.getType());
  if (rhsType.getRank() != 2 || !rhsType.hasStaticShape())
    return failure();
  unsigned loop0 = ContractionMaps::getLoop(c.maps.rhs, 0);
  unsigned loop1 = ContractionMaps::getLoop(c.maps.rhs, 1);
  if (c.maps.reduction[loop0] == c.maps.reduction[loop1])
    return failure();
  unsigned dk = c.maps.reduction[loop0] ? 0 : 1, dn = 1 - dk;
  unsigned kLoop = dk == 0 ? loop0 : loop1, nLoop = dk == 0 ? loop1 : loop0;
  int64_t k = rhsType.getDimSize(dk), n = rhsType.getDimSize(dn);
  std::optional<unsigned> lhsDim = ContractionMaps::findDim(c.maps.lhs, kLoop);
  std::optional<unsigned> outDim = ContractionMaps::findDim(c.maps.out, nLoop);
  auto lhsType = cast<RankedTensorType>(c.lhs.getType());
  auto accType = cast<RankedTensorType>(init.getType());
  if (!lhsDim || !outDim || k % kg != 0 || lhsType.isDynamicDim(*lhsDim) ||
      accType.isDynamicDim(*outDim))
    return failure();
  // Only the loops of this rhs; a batch or other loop in the rhs would need
  // a panel per index.
  int64_t panels = (n + nr - 1) / nr, paddedN = panels * nr;

  // The folded linalg.pack.
  auto values = c.rhsConstant.getValues<APInt>();
  SmallVector<APInt> packed;
  packed.reserve(panels * k * nr);
  unsigned width = rhsType.getElementTypeBitWidth();
  for (int64_t no = 0; no < panels; ++no)
    for (int64_t ko = 0; ko < k / kg; ++ko)
      for (int64_t ni = 0; ni < nr; ++ni)
        for (int64_t ki = 0; ki < kg; ++ki) {
          int64_t kk = ko * kg + ki, nn = no * nr + ni;
          if (nn >= n) {
            packed.push_back(APInt(width, 0));
            continue;
          }
          int64_t at = dk == 0 ? kk * n + nn : nn * k + kk;
          packed.push_back(values[at]);
        }
  auto packedType =
      RankedTensorType::get({panels, k / kg, nr, kg}, rhsType.getElementType());
  Value rhs = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(packedType, packed));

  // The accumulator padded to whole panels and viewed as [.., N'/NR, NR].
  Value acc = init;
  if (paddedN != n) {
    SmallVector<OpFoldResult> low(accType.getRank(), b.getIndexAttr(0));
    SmallVector<OpFoldResult> high(accType.getRank(), b.getIndexAttr(0));
    high[*outDim] = b.getIndexAttr(paddedN - n);
    SmallVector<int64_t> shape(accType.getShape());
    shape[*outDim] = paddedN;
    Value zero = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
    acc = tensor::PadOp::create(
        b, loc, RankedTensorType::get(shape, accType.getElementType()), acc,
        ArrayRef<OpFoldResult>(low), ArrayRef<OpFoldResult>(high), zero,
        /*nofold=*/false);
  }
  Value accView = expandDim(b, loc, acc, *outDim, nr);
  Value lhsView = expandDim(b, loc, c.lhs, *lhsDim, kg);

  // Loops: the original ones, nLoop now the panel index and kLoop the k
  // group, then the column in the panel and the k in the group.
  unsigned loops = c.maps.getNumLoops() + 2;
  unsigned ni = loops - 2, ki = loops - 1;
  IntegerContraction pc = c;
  pc.lhs = lhsView;
  pc.rhs = rhs;
  pc.rhsConstant = {};
  pc.maps.lhs = splitResult(c.maps.lhs, *lhsDim, kLoop, ki, loops);
  MLIRContext *ctx = b.getContext();
  pc.maps.rhs = AffineMap::get(
      loops, 0,
      {getAffineDimExpr(nLoop, ctx), getAffineDimExpr(kLoop, ctx),
       getAffineDimExpr(ni, ctx), getAffineDimExpr(ki, ctx)},
      ctx);
  pc.maps.out = splitResult(c.maps.out, *outDim, nLoop, ni, loops);
  pc.maps.bias = AffineMap();
  pc.maps.reduction.append({false, true});
  Value result = kernel.emitAccumulate(b, loc, pc, accView);

  // Register tiles from the description: M rows, N / NR panels of NR
  // columns, K step in groups of KG.
  if (Operation *op = result.getDefiningOp()) {
    const TileSizes &tiles = target.getTiles(ContractionKind::Matmul);
    SmallVector<int64_t> sizes(loops, 1);
    std::optional<unsigned> rows;
    for (unsigned d = 0; d < c.maps.out.getNumResults(); ++d) {
      unsigned l = ContractionMaps::getLoop(c.maps.out, d);
      if (l != nLoop && c.maps.lhs.isFunctionOfDim(l))
        rows = l;
    }
    if (rows)
      sizes[*rows] = tiles.m;
    sizes[nLoop] = std::max<int64_t>(1, tiles.n / nr);
    sizes[ni] = nr;
    sizes[kLoop] = std::max<int64_t>(1, tiles.k / kg);
    sizes[ki] = kg;
    op->setAttr(kTileSizesAttrName, b.getDenseI64ArrayAttr(sizes));
  }

  // Back to the original shape.
  auto expanded = cast<RankedTensorType>(result.getType());
  SmallVector<ReassociationIndices> reassociation;
  for (int64_t d = 0, r = 0; d < accType.getRank(); ++d) {
    if (d == int64_t(*outDim)) {
      reassociation.push_back({r, r + 1});
      r += 2;
    } else {
      reassociation.push_back({r++});
    }
  }
  SmallVector<int64_t> flatShape(accType.getShape());
  flatShape[*outDim] = paddedN;
  Value flat = tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get(flatShape, expanded.getElementType()),
      result, reassociation);
  if (paddedN == n)
    return flat;
  SmallVector<OpFoldResult> offsets(accType.getRank(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> strides(accType.getRank(), b.getIndexAttr(1));
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, init);
  return tensor::ExtractSliceOp::create(b, loc, accType, flat, offsets, sizes,
                                        strides)
      .getResult();
}
