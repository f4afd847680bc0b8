//===- PackedContraction.cpp - contractions onto the packed kernels -------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A matmul-shaped contraction on constant weights becomes the packed kernel
// of Microkernel.h. The x86 steps multiply u8 by s8, so the operands are
// shifted first and the zero points with them, which keeps the algebra of
// Contraction.h unchanged:
//   a' = a + sa (sa = 128 for s8 activations, xor 0x80 at load)  za' = za+sa
//   b' = b - sb (sb = 128 for u8 weights, at packing)            zb' = zb-sb
//   (a - za)(b - zb) = (a' - za')(b' - zb')
// The column term of the shifted contraction is folded at compile time; the
// row term -zb' * sum_k a' (only when some zb' != 0) is the run-time row sum
// of the original activations plus the constant -zb' * K * sa, folded into
// the column term too.
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Conversion/Microkernel.h"

#include "qlinalg/Conversion/Contraction.h"
#include "qlinalg/Conversion/Lower.h"
#include "qlinalg/Target/Target.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::qlinalg;

namespace {
/// The loops of a matmul-shaped contraction: lhs [P..., k], rhs [k, n] or
/// [n, k], result [P..., n].
struct MatmulShape {
  unsigned kLoop, nLoop;
  unsigned batchDims;
  bool rhsKN;
};
} // namespace

static FailureOr<MatmulShape> matchMatmulShape(const ContractionMaps &maps,
                                               std::string &why) {
  auto loopOf = [](AffineExpr e) -> std::optional<unsigned> {
    if (auto d = dyn_cast<AffineDimExpr>(e))
      return d.getPosition();
    return std::nullopt;
  };
  unsigned lhsRank = maps.lhs.getNumResults();
  if (lhsRank < 2 || maps.out.getNumResults() != lhsRank ||
      maps.rhs.getNumResults() != 2) {
    why = "not matmul-shaped (lhs [..., K], rhs [K, N], result [..., N])";
    return failure();
  }
  MatmulShape shape;
  shape.batchDims = lhsRank - 1;
  std::optional<unsigned> k = loopOf(maps.lhs.getResult(lhsRank - 1));
  std::optional<unsigned> n = loopOf(maps.out.getResult(lhsRank - 1));
  if (!k || !n || !maps.reduction[*k] || maps.reduction[*n]) {
    why = "the lhs's last dimension is not the reduction or the result's "
          "last not a weight channel";
    return failure();
  }
  for (unsigned d = 0; d + 1 < lhsRank; ++d) {
    std::optional<unsigned> l = loopOf(maps.lhs.getResult(d));
    if (!l || l != loopOf(maps.out.getResult(d)) || maps.reduction[*l] ||
        maps.rhs.isFunctionOfDim(*l)) {
      why = "the lhs and result do not share their leading dimensions";
      return failure();
    }
  }
  if (maps.getNumLoops() != lhsRank + 1) {
    why = "more than one reduction loop (a convolution)";
    return failure();
  }
  std::optional<unsigned> r0 = loopOf(maps.rhs.getResult(0));
  std::optional<unsigned> r1 = loopOf(maps.rhs.getResult(1));
  if (r0 == k && r1 == n)
    shape.rhsKN = true;
  else if (r0 == n && r1 == k)
    shape.rhsKN = false;
  else {
    why = "the weights are not indexed [K, N] or [N, K]";
    return failure();
  }
  shape.kLoop = *k;
  shape.nLoop = *n;
  return shape;
}

FailureOr<Value> mlir::qlinalg::emitPackedContraction(
    OpBuilder &b, Location loc, const IntegerContraction &c,
    ArrayRef<OpFoldResult> outSizes, int64_t lhsMin, int64_t lhsMax,
    Type resultType, const PackedEpilogue &epilogue, const KernelTarget &kernel,
    const LoweringOptions &options, std::string &explain) {
  if (!kernel.step || !options.target)
    return failure();
  FailureOr<MatmulShape> shape = matchMatmulShape(c.maps, explain);
  if (failed(shape))
    return failure();
  if (!c.rhsConstant ||
      !cast<RankedTensorType>(c.rhsConstant.getType()).hasStaticShape()) {
    explain = "the weights are not a compile-time constant";
    return failure();
  }
  if (!c.zeroPointLoops.empty() &&
      (c.zeroPointLoops.size() != 1 || c.zeroPointLoops[0] != shape->nLoop)) {
    explain = "weight zero points are not per output channel";
    return failure();
  }
  auto lhsType = cast<RankedTensorType>(c.lhs.getType());
  auto rhsType = cast<RankedTensorType>(c.rhsConstant.getType());
  int64_t k = rhsType.getDimSize(shape->rhsKN ? 0 : 1);
  int64_t n = rhsType.getDimSize(shape->rhsKN ? 1 : 0);
  if (lhsType.isDynamicDim(lhsType.getRank() - 1)) {
    explain = "the reduction size is dynamic";
    return failure();
  }

  // The shifted contraction.
  int64_t sa = c.lhsUnsigned ? 0 : 128, sb = c.rhsUnsigned ? 128 : 0;
  IntegerContraction shifted = c;
  shifted.lhsUnsigned = true;
  shifted.lhsZeroPoint = c.lhsZeroPoint + sa;
  shifted.rhsUnsigned = false;
  for (int64_t &z : shifted.rhsZeroPoints)
    z -= sb;
  SmallVector<int64_t> weights(k * n);
  {
    int64_t i = 0;
    for (const APInt &v : c.rhsConstant.getValues<APInt>()) {
      int64_t w =
          c.rhsUnsigned ? int64_t(v.getZExtValue()) - 128 : v.getSExtValue();
      int64_t row = i / rhsType.getDimSize(1), col = i % rhsType.getDimSize(1);
      int64_t kk = shape->rhsKN ? row : col, nn = shape->rhsKN ? col : row;
      weights[kk * n + nn] = w;
      ++i;
    }
    SmallVector<APInt> data;
    for (const APInt &v : c.rhsConstant.getValues<APInt>())
      data.push_back(c.rhsUnsigned ? v - 128 : v);
    shifted.rhsConstant = DenseElementsAttr::get(rhsType, data);
  }
  bool biasFolded = false;
  SmallVector<int64_t> columnTerm =
      foldColumnTerm(b, loc, shifted, outSizes, biasFolded);
  if (c.bias && !biasFolded) {
    explain = "the bias is not a constant per output channel";
    return failure();
  }
  bool rowTerm = shifted.hasRhsZeroPoints();
  if (rowTerm && sa != 0)
    for (int64_t col = 0; col < n; ++col) {
      int64_t zb =
          shifted.rhsZeroPoints[shifted.zeroPointLoops.empty() ? 0 : col];
      columnTerm[col] = int64_t(uint64_t(columnTerm[col]) -
                                uint64_t(zb) * uint64_t(k) * uint64_t(sa));
    }

  // The step: the target's, unless its pairs saturate and the weights and
  // the activations' range do not prove that they cannot.
  const DotStep *step = kernel.step;
  std::string proof;
  int64_t amin = lhsMin + sa, amax = lhsMax + sa;
  if (step->saturatesPairs) {
    const TargetDescription &t = *options.target;
    std::string why;
    if (!options.exactPairs &&
        provePairSumsFit(weights, k, n, amin, amax, t.pairSumLimit, why)) {
      proof = llvm::formatv("pair sums proven within +-{0} for activations "
                            "in [{1}, {2}]",
                            t.pairSumLimit, amin, amax);
    } else {
      proof = options.exactPairs ? "pair sums not checked (exact-pairs)"
                                 : "pair sums can saturate: " + why;
      step = kernel.exactStep;
      if (!step) {
        explain = proof + ", and the target has no exact step";
        return failure();
      }
    }
  }

  // Activations as [M, K], the result as [M, N] and back.
  Value lhs = c.lhs;
  SmallVector<ReassociationIndices> reassociation;
  if (shape->batchDims > 1) {
    ReassociationIndices rows;
    for (unsigned d = 0; d < shape->batchDims; ++d)
      rows.push_back(d);
    reassociation = {rows, {int64_t(shape->batchDims)}};
    lhs = tensor::CollapseShapeOp::create(b, loc, lhs, reassociation);
  }
  PackedMatmul mm;
  mm.lhs = lhs;
  mm.lhsSigned = !c.lhsUnsigned;
  mm.weights = std::move(weights);
  mm.k = k;
  mm.n = n;
  mm.columnTerm = std::move(columnTerm);
  if (rowTerm) {
    mm.rowSums = emitLhsSums(b, loc, c, outSizes);
    if (shape->batchDims > 1) {
      ReassociationIndices all;
      for (unsigned d = 0; d < shape->batchDims; ++d)
        all.push_back(d);
      mm.rowSums = tensor::CollapseShapeOp::create(
          b, loc, mm.rowSums, ArrayRef<ReassociationIndices>{all});
    }
    mm.rowZeroPoints = shifted.rhsZeroPoints;
  }
  mm.resultType = resultType;
  mm.epilogue = epilogue;
  MicrokernelPlan plan;
  Value result = emitPackedMatmul(b, loc, mm, *options.target, *step,
                                  options.emulate, options.threads, plan);
  if (shape->batchDims > 1) {
    SmallVector<int64_t> staticShape;
    for (OpFoldResult s : outSizes)
      staticShape.push_back(
          getConstantIntValue(s).value_or(ShapedType::kDynamic));
    result = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(staticShape, resultType), result,
        reassociation, outSizes);
  }
  explain = llvm::formatv(
      "kernel {0}{1}: step {2}, tile {3}x{4} ({3} rows x {5} panels of {6} "
      "columns), weights packed {7}x{8} per panel ({9} panels), threads {10}",
      kernel.name, options.emulate ? " (emulated step)" : "", step->name,
      plan.rows, plan.panels * step->lanes, plan.panels, step->lanes,
      step->kGroup, step->weightBits == 8 ? "s8" : "s16",
      (n + step->lanes - 1) / step->lanes, plan.threads);
  if (!proof.empty())
    explain += "; " + proof;
  return result;
}
