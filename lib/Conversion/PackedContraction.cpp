//===- PackedContraction.cpp - contractions onto the packed kernels -------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// A matmul-shaped contraction on constant weights becomes the packed kernel
// of Microkernel.h. The x86 steps multiply u8 by s8, the AArch64 ones s8 by
// s8, so the operands are shifted first and the zero points with them,
// which keeps the algebra of Contraction.h unchanged:
//   a' = a + sa (xor 0x80 at load: sa = 128 for s8 activations of an
//                unsigned step, -128 for u8 ones of a signed step)  za' = za+sa
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

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
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

/// The loop of an index expression that is a plain loop, or none (a window
/// like oh + kh).
static std::optional<unsigned> loopOf(AffineExpr e) {
  if (auto d = dyn_cast<AffineDimExpr>(e))
    return d.getPosition();
  return std::nullopt;
}

static FailureOr<MatmulShape> matchMatmulShape(const ContractionMaps &maps,
                                               std::string &why) {
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

namespace {
/// A contraction rewritten into matmul shape (im2col), with the result
/// sizes in its own order and the permutation back to the original result.
struct MatmulForm {
  IntegerContraction c;
  SmallVector<OpFoldResult> outSizes;
  /// Result dimension i of the original is dimension permutation[i] of the
  /// matmul form's [P..., N]; empty when they are the same.
  SmallVector<int64_t> permutation;
};
} // namespace

/// A convolution (or any contraction whose constant weights hold the
/// reduction loops and one output channel loop n, with a result of plain
/// loops) as a matmul: the activations' windows copied into patches
/// [P..., R...] (P the result's loops but n, R the reduction loops in the
/// weights' order) and collapsed to [P..., K], the weights reshaped to
/// [K, N]. im2col rather than a direct convolution: the packed kernel, its
/// tiles and fused epilogue serve convolutions unchanged, for one extra pass
/// that writes each activation once per window position.
static FailureOr<MatmulForm> im2col(OpBuilder &b, Location loc,
                                    const IntegerContraction &c,
                                    ArrayRef<OpFoldResult> outSizes,
                                    std::string &why) {
  const ContractionMaps &maps = c.maps;
  MLIRContext *ctx = b.getContext();
  auto rhsType = cast<RankedTensorType>(c.rhsConstant.getType());
  // n: the weights' one parallel loop; R: their reduction loops, in order.
  std::optional<unsigned> n;
  SmallVector<unsigned> reductions;
  SmallVector<int64_t> reductionSizes;
  for (auto [d, e] : llvm::enumerate(maps.rhs.getResults())) {
    std::optional<unsigned> l = loopOf(e);
    if (!l) {
      why = "the weights are not indexed by plain loops";
      return failure();
    }
    if (maps.reduction[*l]) {
      reductions.push_back(*l);
      reductionSizes.push_back(rhsType.getDimSize(d));
    } else if (n) {
      why = "the weights have several parallel dimensions (a batch of "
            "weights)";
      return failure();
    } else {
      n = *l;
    }
  }
  if (!n || maps.lhs.isFunctionOfDim(*n)) {
    why = "no weight channel outside the activations (a depthwise "
          "convolution)";
    return failure();
  }
  for (unsigned l = 0; l < maps.getNumLoops(); ++l)
    if (maps.reduction[l] && !llvm::is_contained(reductions, l)) {
      why = "a reduction loop the weights do not index";
      return failure();
    }
  // P: the result's loops but n, in the result's order.
  SmallVector<unsigned> rows;
  SmallVector<OpFoldResult> rowSizes;
  std::optional<int64_t> channelPosition;
  for (auto [d, e] : llvm::enumerate(maps.out.getResults())) {
    std::optional<unsigned> l = loopOf(e);
    if (!l) {
      why = "the result is not indexed by plain loops";
      return failure();
    }
    if (*l == *n) {
      channelPosition = d;
      continue;
    }
    rows.push_back(*l);
    rowSizes.push_back(outSizes[d]);
  }
  if (!channelPosition || rows.empty() ||
      rows.size() + reductions.size() + 1 != maps.getNumLoops()) {
    why = "the result does not hold every parallel loop once";
    return failure();
  }
  if (c.bias &&
      (maps.bias.getNumResults() != 1 || loopOf(maps.bias.getResult(0)) != n)) {
    why = "the bias is not per output channel";
    return failure();
  }

  // The patches: a copy of the windows over P ++ R.
  SmallVector<unsigned> domain(rows);
  domain.append(reductions.begin(), reductions.end());
  SmallVector<OpFoldResult> patchSizes(rowSizes);
  for (int64_t size : reductionSizes)
    patchSizes.push_back(b.getIndexAttr(size));
  Type elem = cast<RankedTensorType>(c.lhs.getType()).getElementType();
  Value empty = tensor::EmptyOp::create(b, loc, patchSizes, elem);
  SmallVector<utils::IteratorType> iterators(domain.size(),
                                             utils::IteratorType::parallel);
  Value patches =
      linalg::GenericOp::create(
          b, loc, empty.getType(), ValueRange{c.lhs}, ValueRange{empty},
          ArrayRef<AffineMap>{
              restrictToLoops(maps.lhs, domain),
              AffineMap::getMultiDimIdentityMap(domain.size(), ctx)},
          iterators,
          [](OpBuilder &nb, Location nl, ValueRange args) {
            linalg::YieldOp::create(nb, nl, args[0]);
          })
          .getResult(0);
  SmallVector<ReassociationIndices> reassociation;
  for (int64_t d = 0, e = rows.size(); d < e; ++d)
    reassociation.push_back({d});
  ReassociationIndices flat;
  for (int64_t d = rows.size(), e = domain.size(); d < e; ++d)
    flat.push_back(d);
  reassociation.push_back(flat);
  Value lhs = tensor::CollapseShapeOp::create(b, loc, patches, reassociation);

  // The weights as [K, N], k row-major over R in the weights' order.
  int64_t k = 1;
  for (int64_t size : reductionSizes)
    k *= size;
  int64_t nSize = 0;
  for (auto [d, e] : llvm::enumerate(maps.rhs.getResults()))
    if (loopOf(e) == n)
      nSize = rhsType.getDimSize(d);
  unsigned width = rhsType.getElementTypeBitWidth();
  SmallVector<APInt> weights(k * nSize, APInt(width, 0));
  ArrayRef<int64_t> shape = rhsType.getShape();
  SmallVector<int64_t> index(shape.size(), 0);
  for (const APInt &v : c.rhsConstant.getValues<APInt>()) {
    int64_t kk = 0, nn = 0;
    for (auto [d, e] : llvm::enumerate(maps.rhs.getResults())) {
      if (loopOf(e) == n)
        nn = index[d];
      else
        kk = kk * shape[d] + index[d];
    }
    weights[kk * nSize + nn] = v;
    advanceIndex(index, shape);
  }
  auto weightType = RankedTensorType::get({k, nSize}, rhsType.getElementType());

  // Loops of the matmul form: P, then n, then k.
  unsigned p = rows.size(), nLoop = p, kLoop = p + 1;
  MatmulForm form;
  form.c = c;
  form.c.lhs = lhs;
  form.c.rhsConstant = DenseElementsAttr::get(weightType, weights);
  form.c.rhs = arith::ConstantOp::create(b, loc, form.c.rhsConstant);
  SmallVector<AffineExpr> lhsExprs, outExprs;
  for (unsigned d = 0; d < p; ++d) {
    lhsExprs.push_back(getAffineDimExpr(d, ctx));
    outExprs.push_back(getAffineDimExpr(d, ctx));
  }
  lhsExprs.push_back(getAffineDimExpr(kLoop, ctx));
  outExprs.push_back(getAffineDimExpr(nLoop, ctx));
  form.c.maps.lhs = AffineMap::get(p + 2, 0, lhsExprs, ctx);
  form.c.maps.rhs = AffineMap::get(
      p + 2, 0, {getAffineDimExpr(kLoop, ctx), getAffineDimExpr(nLoop, ctx)},
      ctx);
  form.c.maps.out = AffineMap::get(p + 2, 0, outExprs, ctx);
  form.c.maps.bias =
      c.bias ? AffineMap::get(p + 2, 0, {getAffineDimExpr(nLoop, ctx)}, ctx)
             : AffineMap();
  form.c.maps.reduction.assign(p + 2, false);
  form.c.maps.reduction[kLoop] = true;
  if (!c.zeroPointLoops.empty())
    form.c.zeroPointLoops = {nLoop};
  form.outSizes = rowSizes;
  form.outSizes.push_back(outSizes[*channelPosition]);
  // Back to the result's order.
  bool identity = *channelPosition == int64_t(rows.size());
  if (!identity)
    for (auto [d, e] : llvm::enumerate(maps.out.getResults())) {
      unsigned l = *loopOf(e);
      form.permutation.push_back(
          l == *n ? int64_t(p) : int64_t(llvm::find(rows, l) - rows.begin()));
    }
  return form;
}

/// The per-column term of `shifted` (the contraction with shifted operands)
/// for weights known at run time: -za' * sum_k b' + K * za' * zb', the row
/// term's constant part -zb' * K * sa, and the bias, as generated code over
/// the weights' storage tensor: C[n] - za' * sum_k b[k][n] with every
/// constant folded into C (sum_k b' = sum_k b - K * sb). With `batch`
/// weight sets (the weights [B, K, N] or [B, N, K]), one row per set:
/// [B, N].
static FailureOr<Value>
emitRuntimeColumnTerm(OpBuilder &b, Location loc, const IntegerContraction &c,
                      const IntegerContraction &shifted, int64_t k, int64_t n,
                      int64_t sa, int64_t sb, bool rhsKN, int64_t batch = 0) {
  MLIRContext *ctx = b.getContext();
  int64_t za = shifted.lhsZeroPoint;
  bool perChannel = !shifted.zeroPointLoops.empty();
  SmallVector<int32_t> constant(n);
  for (int64_t col = 0; col < n; ++col) {
    int64_t zb = shifted.rhsZeroPoints[perChannel ? col : 0];
    uint64_t t = uint64_t(k) * uint64_t(za) * uint64_t(zb) +
                 uint64_t(za) * uint64_t(k) * uint64_t(sb);
    if (shifted.hasRhsZeroPoints())
      t -= uint64_t(zb) * uint64_t(k) * uint64_t(sa);
    if (c.biasConstant)
      t += uint64_t(c.biasConstant.getValues<APInt>()[col].getSExtValue());
    constant[col] = static_cast<int32_t>(static_cast<uint32_t>(t));
  }
  unsigned lead = batch ? 1 : 0;
  SmallVector<int64_t> termShape{n};
  if (batch) {
    termShape.insert(termShape.begin(), batch);
    SmallVector<int32_t> row(constant);
    for (int64_t set = 1; set < batch; ++set)
      constant.append(row.begin(), row.end());
  }
  auto termType = RankedTensorType::get(termShape, b.getI32Type());
  Value init = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(termType, ArrayRef<int32_t>(constant)));
  AffineExpr sd = getAffineDimExpr(0, ctx), nd = getAffineDimExpr(lead, ctx),
             kd = getAffineDimExpr(lead + 1, ctx);
  auto withSet = [&](ArrayRef<AffineExpr> exprs, unsigned dims) {
    SmallVector<AffineExpr> all;
    if (lead)
      all.push_back(sd);
    all.append(exprs.begin(), exprs.end());
    return AffineMap::get(dims, 0, all, ctx);
  };
  if (c.bias && !c.biasConstant) {
    // A run-time bias per output channel.
    if (c.maps.bias.getNumResults() != 1)
      return failure();
    AffineMap id = withSet({nd}, lead + 1);
    SmallVector<utils::IteratorType> iterators(lead + 1,
                                               utils::IteratorType::parallel);
    init =
        linalg::GenericOp::create(
            b, loc, termType, ValueRange{c.bias, init}, ValueRange{init},
            ArrayRef<AffineMap>{AffineMap::get(lead + 1, 0, {nd}, ctx), id, id},
            iterators,
            [](OpBuilder &nb, Location nl, ValueRange args) {
              linalg::YieldOp::create(
                  nb, nl,
                  arith::AddIOp::create(nb, nl, args[0], args[1]).getResult());
            })
            .getResult(0);
  }
  Type i32 = b.getI32Type();
  bool isUnsigned = c.rhsUnsigned;
  SmallVector<utils::IteratorType> iterators(lead + 1,
                                             utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  return linalg::GenericOp::create(
             b, loc, termType, ValueRange{c.rhs}, ValueRange{init},
             ArrayRef<AffineMap>{withSet(rhsKN ? ArrayRef<AffineExpr>{kd, nd}
                                               : ArrayRef<AffineExpr>{nd, kd},
                                         lead + 2),
                                 withSet({nd}, lead + 2)},
             iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value w = isUnsigned
                             ? arith::ExtUIOp::create(nb, nl, i32, args[0])
                                   .getResult()
                             : arith::ExtSIOp::create(nb, nl, i32, args[0])
                                   .getResult();
               Value t = arith::MulIOp::create(
                   nb, nl, w,
                   arith::ConstantOp::create(
                       nb, nl, nb.getI32IntegerAttr(int32_t(-za))));
               linalg::YieldOp::create(
                   nb, nl,
                   arith::AddIOp::create(nb, nl, args[1], t).getResult());
             })
      .getResult(0);
}

namespace {
/// The kernel's operands of one matmul-shaped contraction: the shifts of
/// Microkernel's step (u8 or s8 activations times s8 weights), the shifted
/// weights (constant ones), the column term (folded, or generated code for
/// run-time weights), and whether a row term remains.
struct MatmulOperands {
  int64_t k = 0, n = 0, sa = 0, sb = 0;
  bool rowTerm = false;
  IntegerContraction shifted;
  SmallVector<int64_t> weights, columnTerm;
  Value columnTermTensor;
};
} // namespace

/// With `batch` run-time weight sets (c.rhs [B, K, N] or [B, N, K]), the
/// column term has a row per set.
static FailureOr<MatmulOperands>
getMatmulOperands(OpBuilder &b, Location loc, const IntegerContraction &c,
                  const MatmulShape &shape, ArrayRef<OpFoldResult> outSizes,
                  bool signedStep, std::string &explain, int64_t batch = 0) {
  auto lhsType = cast<RankedTensorType>(c.lhs.getType());
  auto rhsType = cast<RankedTensorType>(c.rhs.getType());
  if (lhsType.isDynamicDim(lhsType.getRank() - 1)) {
    explain = "the reduction size is dynamic";
    return failure();
  }
  MatmulOperands ops;
  unsigned lead = batch ? 1 : 0;
  int64_t k = ops.k = rhsType.getDimSize(lead + (shape.rhsKN ? 0 : 1));
  int64_t n = ops.n = rhsType.getDimSize(lead + (shape.rhsKN ? 1 : 0));
  int64_t sa = ops.sa =
      signedStep ? (c.lhsUnsigned ? -128 : 0) : (c.lhsUnsigned ? 0 : 128);
  int64_t sb = ops.sb = c.rhsUnsigned ? 128 : 0;
  IntegerContraction &shifted = ops.shifted;
  shifted = c;
  shifted.lhsUnsigned = !signedStep;
  shifted.lhsZeroPoint = c.lhsZeroPoint + sa;
  shifted.rhsUnsigned = false;
  for (int64_t &z : shifted.rhsZeroPoints)
    z -= sb;
  ops.rowTerm = shifted.hasRhsZeroPoints();
  if (!c.rhsConstant && c.lhsZeroPointValue) {
    explain = "a run-time lhs zero point with run-time weights";
    return failure();
  }
  if (!c.rhsConstant) {
    FailureOr<Value> term = emitRuntimeColumnTerm(b, loc, c, shifted, k, n, sa,
                                                  sb, shape.rhsKN, batch);
    if (failed(term)) {
      explain = "the bias of run-time weights is not per output channel";
      return failure();
    }
    ops.columnTermTensor = *term;
    return ops;
  }
  SmallVector<int64_t> &weights = ops.weights;
  weights.resize(k * n);
  int64_t i = 0;
  for (const APInt &v : c.rhsConstant.getValues<APInt>()) {
    int64_t w =
        c.rhsUnsigned ? int64_t(v.getZExtValue()) - 128 : v.getSExtValue();
    int64_t row = i / rhsType.getDimSize(1), col = i % rhsType.getDimSize(1);
    int64_t kk = shape.rhsKN ? row : col, nn = shape.rhsKN ? col : row;
    weights[kk * n + nn] = w;
    ++i;
  }
  SmallVector<APInt> data;
  for (const APInt &v : c.rhsConstant.getValues<APInt>())
    data.push_back(c.rhsUnsigned ? v - 128 : v);
  shifted.rhsConstant = DenseElementsAttr::get(rhsType, data);
  bool biasFolded = false;
  ops.columnTerm = foldColumnTerm(b, loc, shifted, outSizes, biasFolded);
  if (c.bias && !biasFolded) {
    explain = "the bias is not a constant per output channel";
    return failure();
  }
  if (ops.rowTerm && sa != 0)
    for (int64_t col = 0; col < n; ++col) {
      int64_t zb =
          shifted.rhsZeroPoints[shifted.zeroPointLoops.empty() ? 0 : col];
      ops.columnTerm[col] = int64_t(uint64_t(ops.columnTerm[col]) -
                                    uint64_t(zb) * uint64_t(k) * uint64_t(sa));
    }
  if (c.lhsZeroPointValue) {
    // The term is affine in the run-time za (the shifted one is za + sa).
    ops.columnTermTensor = emitColumnTermOfZeroPoint(
        b, loc, {n}, ops.columnTerm,
        foldColumnTermSlope(b, loc, shifted, outSizes), c.lhsZeroPointValue);
  }
  return ops;
}

/// The step: the target's, unless its pairs saturate and the weights (the
/// `sets` constant weight sets in `ops.weights`, or run-time ones when 0)
/// and the activations' range [amin, amax] do not prove that they cannot.
/// Null, with `explain`, when the target has no exact step to fall back to.
static const DotStep *chooseStep(const KernelTarget &kernel,
                                 const LoweringOptions &options,
                                 bool lhsUnsigned, int64_t sets,
                                 const MatmulOperands &ops, int64_t amin,
                                 int64_t amax, std::string &proof,
                                 std::string &explain) {
  const DotStep *step = kernel.getStep(lhsUnsigned);
  if (!step->saturatesPairs)
    return step;
  const TargetDescription &t = *options.target;
  std::string why;
  // Run-time weights may take any s8 value (u8 ones once shifted): the
  // same proof on the worst pairs, a column of 127s and one of -128s.
  static const int64_t kWorstPairs[] = {127, -128, 127, -128};
  bool fits = true;
  for (int64_t set = 0; set < sets && fits; ++set) {
    fits = provePairSumsFit(
        ArrayRef(ops.weights).slice(set * ops.k * ops.n, ops.k * ops.n), ops.k,
        ops.n, amin, amax, t.pairSumLimit, why);
    if (!fits && sets > 1)
      why = llvm::formatv("weight set {0}: {1}", set, why);
  }
  if (!sets) {
    fits = provePairSumsFit(kWorstPairs, 2, 2, amin, amax, t.pairSumLimit, why);
    if (!fits)
      why = "run-time weights can be 127 or -128 (as in the worst pair, " +
            why + ")";
  }
  if (!options.exactPairs && fits) {
    proof = llvm::formatv("pair sums proven within +-{0} for activations "
                          "in [{1}, {2}]",
                          t.pairSumLimit, amin, amax);
    return step;
  }
  proof = options.exactPairs ? "pair sums not checked (exact-pairs)"
                             : "pair sums can saturate: " + why;
  if (!kernel.exactStep)
    explain = proof + ", and the target has no exact step";
  return kernel.exactStep;
}

/// The explain remark of a packed kernel.
static std::string describe(const KernelTarget &kernel,
                            const LoweringOptions &options, const DotStep &step,
                            const MicrokernelPlan &plan, int64_t n,
                            bool runtimeWeights, StringRef proof) {
  std::string explain = llvm::formatv(
      "kernel {0}{1}: step {2}, tile {3}x{4} ({3} rows x {5} panels of {6} "
      "columns), weights packed {7}x{8} per panel ({9} panels{11}), threads "
      "{10}{12}",
      kernel.name, options.emulate ? " (emulated step)" : "", step.name,
      plan.rows, plan.panels * step.lanes, plan.panels, step.lanes, step.kGroup,
      step.weightBits == 8 ? "s8" : "s16", (n + step.lanes - 1) / step.lanes,
      plan.threads, runtimeWeights ? ", at run time" : "",
      plan.threadsOverSets   ? " over the weight sets"
      : plan.threadsOverRows ? " over the rows"
      : plan.threads > 1     ? " over the column blocks"
                             : "");
  if (plan.threadsPerCall)
    explain += llvm::formatv(
        " when M x N x K reaches 2^{0} (decided per call), else 1",
        plan.threadsOverRows || plan.threadsOverSets ? 21 : 19);
  if (!proof.empty())
    explain += "; " + proof.str();
  return explain;
}

/// The coefficient of every loop in `e` when it is a sum of loops times
/// constants (oh * 2 + kh), else none.
static std::optional<SmallVector<int64_t>>
getLinearCoefficients(AffineExpr e, unsigned numLoops) {
  SmallVector<int64_t> coefficients(numLoops, 0);
  std::function<bool(AffineExpr, int64_t)> walk = [&](AffineExpr x,
                                                      int64_t scale) {
    if (auto d = dyn_cast<AffineDimExpr>(x)) {
      coefficients[d.getPosition()] += scale;
      return true;
    }
    auto op = dyn_cast<AffineBinaryOpExpr>(x);
    if (!op)
      return false;
    if (op.getKind() == AffineExprKind::Add)
      return walk(op.getLHS(), scale) && walk(op.getRHS(), scale);
    if (op.getKind() != AffineExprKind::Mul)
      return false;
    if (auto k = dyn_cast<AffineConstantExpr>(op.getRHS()))
      return walk(op.getLHS(), scale * k.getValue());
    if (auto k = dyn_cast<AffineConstantExpr>(op.getLHS()))
      return walk(op.getRHS(), scale * k.getValue());
    return false;
  };
  if (!walk(e, 1))
    return std::nullopt;
  return coefficients;
}

/// A depthwise convolution NHWC x HWC -> NHWC (every map a plain loop but
/// the two windows, oh * sh + kh * dh and ow * sw + kw * dw) onto
/// emitPackedDepthwise; on failure `why` says what does not fit, or is
/// empty when `c` is no depthwise convolution at all.
static FailureOr<Value>
emitDepthwise(OpBuilder &b, Location loc, const IntegerContraction &c,
              ArrayRef<OpFoldResult> outSizes, Type resultType,
              const PackedEpilogue &epilogue, const KernelTarget &kernel,
              const LoweringOptions &options, std::string &why) {
  const ContractionMaps &maps = c.maps;
  unsigned loops = maps.getNumLoops();
  if (loops != 6 || maps.lhs.getNumResults() != 4 ||
      maps.rhs.getNumResults() != 3 || maps.out.getNumResults() != 4) {
    why.clear();
    return failure();
  }
  auto at = [](AffineMap m, unsigned i) { return loopOf(m.getResult(i)); };
  std::optional<unsigned> kh = at(maps.rhs, 0), kw = at(maps.rhs, 1),
                          ch = at(maps.rhs, 2), n = at(maps.out, 0),
                          oh = at(maps.out, 1), ow = at(maps.out, 2);
  bool plain = kh && kw && ch && n && oh && ow && maps.reduction[*kh] &&
               maps.reduction[*kw] && !maps.reduction[*ch] &&
               !maps.reduction[*n] && at(maps.lhs, 0) == n &&
               at(maps.lhs, 3) == ch && at(maps.out, 3) == ch;
  std::optional<SmallVector<int64_t>> rows, cols;
  if (plain) {
    rows = getLinearCoefficients(maps.lhs.getResult(1), loops);
    cols = getLinearCoefficients(maps.lhs.getResult(2), loops);
  }
  auto window = [&](const std::optional<SmallVector<int64_t>> &coefficients,
                    unsigned out, unsigned tap) {
    if (!coefficients)
      return false;
    for (unsigned l = 0; l < loops; ++l)
      if (((*coefficients)[l] != 0) != (l == out || l == tap) ||
          (*coefficients)[l] < 0)
        return false;
    return true;
  };
  if (!plain || !window(rows, *oh, *kh) || !window(cols, *ow, *kw)) {
    why.clear();
    return failure();
  }
  auto lhsType = cast<RankedTensorType>(c.lhs.getType());
  auto rhsType = cast<RankedTensorType>(c.rhs.getType());
  int64_t channels = rhsType.getDimSize(2);
  std::optional<int64_t> outHeight = getConstantIntValue(outSizes[1]),
                         outWidth = getConstantIntValue(outSizes[2]);
  if (!outHeight || !outWidth || lhsType.isDynamicDim(1) ||
      lhsType.isDynamicDim(2) || lhsType.getDimSize(3) != channels) {
    why = "a depthwise convolution with dynamic image sizes";
    return failure();
  }
  if (!c.zeroPointLoops.empty() &&
      (c.zeroPointLoops.size() != 1 || c.zeroPointLoops[0] != *ch)) {
    why = "weight zero points are not per channel";
    return failure();
  }
  if (c.bias && (maps.bias.getNumResults() != 1 || at(maps.bias, 0) != ch)) {
    why = "the bias is not per channel";
    return failure();
  }
  if (c.lhsZeroPointValue) {
    why = "a run-time lhs zero point";
    return failure();
  }
  PackedDepthwise dw;
  dw.lhs = c.lhs;
  dw.weights = c.rhs;
  dw.lhsUnsigned = c.lhsUnsigned;
  dw.weightsUnsigned = c.rhsUnsigned;
  dw.lhsZeroPoint = c.lhsZeroPoint;
  dw.weightZeroPoints = c.rhsZeroPoints;
  dw.bias = c.bias;
  dw.strides[0] = (*rows)[*oh];
  dw.dilations[0] = (*rows)[*kh];
  dw.strides[1] = (*cols)[*ow];
  dw.dilations[1] = (*cols)[*kw];
  dw.outHeight = *outHeight;
  dw.outWidth = *outWidth;
  dw.resultType = resultType;
  dw.epilogue = epilogue;
  MicrokernelPlan plan;
  // Channels per vector: the step's accumulator width in i32 lanes (a
  // matrix step's 2 x 2 block is 4 lanes too).
  int64_t lanes = kernel.step->lanes * kernel.step->rows;
  Value result = emitPackedDepthwise(b, loc, dw, lanes, options.threads, plan);
  why = llvm::formatv(
      "kernel {0}: depthwise, {1} channels per vector ({2}{3}), {4} "
      "output pixels per tile, i32 multiply-adds of the widened taps, "
      "threads {5}{6}",
      kernel.name, lanes,
      channels / lanes ? llvm::formatv("{0} blocks", channels / lanes).str()
                       : "",
      channels % lanes
          ? llvm::formatv("{0}one of {1}", channels / lanes ? " and " : "",
                          channels % lanes)
                .str()
          : "",
      plan.rows, plan.threads,
      plan.threadsPerCall
          ? " when N x OH x OW x C x KH x KW reaches 2^21 (decided per call), "
            "else 1"
          : "");
  return result;
}

/// Emits the packed kernel of `c` from its operands `ops` with `step`:
/// the lhs's row dimensions (those between the `batch` sets' dimension, if
/// any, and K) collapsed to one, the result expanded back to `outSizes`.
static Value
emitFromOperands(OpBuilder &b, Location loc, const IntegerContraction &c,
                 MatmulOperands ops, bool rhsKN, int64_t batch,
                 ArrayRef<OpFoldResult> outSizes, Type resultType,
                 const PackedEpilogue &epilogue, const DotStep &step,
                 const LoweringOptions &options, MicrokernelPlan &plan) {
  Value lhs = c.lhs;
  int64_t rank = cast<RankedTensorType>(lhs.getType()).getRank();
  int64_t lead = batch ? 1 : 0;
  ReassociationIndices rows;
  for (int64_t d = lead; d + 1 < rank; ++d)
    rows.push_back(d);
  bool collapse = rows.size() > 1;
  SmallVector<ReassociationIndices> groups, rowGroups;
  if (lead)
    groups.push_back({0});
  groups.push_back(rows);
  rowGroups = groups;
  groups.push_back({rank - 1});
  if (collapse)
    lhs = tensor::CollapseShapeOp::create(b, loc, lhs, groups);
  PackedMatmul mm;
  mm.batch = batch;
  mm.lhs = lhs;
  mm.lhsFlip = c.lhsUnsigned == step.signedActivations;
  mm.weights = std::move(ops.weights);
  if (!c.rhsConstant) {
    mm.weightTensor = c.rhs;
    mm.weightsNK = !rhsKN;
    mm.weightsUnsigned = c.rhsUnsigned;
  }
  mm.k = ops.k;
  mm.n = ops.n;
  mm.columnTerm = std::move(ops.columnTerm);
  mm.columnTermTensor = ops.columnTermTensor;
  if (ops.rowTerm) {
    mm.rowSums = emitLhsSums(b, loc, c, outSizes);
    if (collapse)
      mm.rowSums =
          tensor::CollapseShapeOp::create(b, loc, mm.rowSums, rowGroups);
    mm.rowZeroPoints = ops.shifted.rhsZeroPoints;
  }
  mm.resultType = resultType;
  mm.epilogue = epilogue;
  Value result = emitPackedMatmul(b, loc, mm, *options.target, step,
                                  options.emulate, options.threads, plan);
  if (!collapse)
    return result;
  SmallVector<int64_t> staticShape;
  for (OpFoldResult size : outSizes)
    staticShape.push_back(
        getConstantIntValue(size).value_or(ShapedType::kDynamic));
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(staticShape, resultType), result, groups,
      outSizes);
}

/// A batch contraction (a loop first in the lhs, the weights and the
/// result: batch_matmul) as one packed kernel over its weight sets: the
/// constant sets packed one after another (or run-time ones by generated
/// code), each set's column term beside them, the sets split over threads.
static FailureOr<Value>
emitBatches(OpBuilder &b, Location loc, const IntegerContraction &c,
            ArrayRef<OpFoldResult> outSizes, int64_t lhsMin, int64_t lhsMax,
            Type resultType, const PackedEpilogue &epilogue,
            const KernelTarget &kernel, const LoweringOptions &options,
            std::string &explain) {
  const ContractionMaps &maps = c.maps;
  auto first = [](AffineMap map) -> std::optional<unsigned> {
    if (map.getNumResults() == 0)
      return std::nullopt;
    return loopOf(map.getResult(0));
  };
  std::optional<unsigned> batch = first(maps.rhs);
  auto rhsType = cast<RankedTensorType>(c.rhs.getType());
  if (!batch || maps.reduction[*batch] || first(maps.lhs) != batch ||
      first(maps.out) != batch || rhsType.getRank() != 3 ||
      (c.bias && maps.bias.isFunctionOfDim(*batch)) ||
      llvm::is_contained(c.zeroPointLoops, *batch))
    return failure();
  if (c.lhsZeroPointValue) {
    explain = "weight sets with a run-time lhs zero point";
    return failure();
  }
  int64_t batches = rhsType.getDimSize(0);
  // The contraction of one weight set: every map without the batch loop.
  SmallVector<unsigned> rest;
  for (unsigned l = 0; l < maps.getNumLoops(); ++l)
    if (l != *batch)
      rest.push_back(l);
  auto dropFirst = [&](AffineMap map) {
    return restrictToLoops(map.dropResult(0), rest);
  };
  IntegerContraction one = c;
  one.maps.lhs = dropFirst(maps.lhs);
  one.maps.rhs = dropFirst(maps.rhs);
  one.maps.out = dropFirst(maps.out);
  if (c.bias)
    one.maps.bias = restrictToLoops(maps.bias, rest);
  one.maps.reduction.clear();
  for (unsigned l : rest)
    one.maps.reduction.push_back(maps.reduction[l]);
  one.zeroPointLoops.clear();
  for (unsigned l : c.zeroPointLoops)
    one.zeroPointLoops.push_back(llvm::find(rest, l) - rest.begin());
  FailureOr<MatmulShape> shape = matchMatmulShape(one.maps, explain);
  if (failed(shape)) {
    explain = "a weight set: " + explain;
    return failure();
  }
  SmallVector<OpFoldResult> oneSizes(outSizes.drop_front());
  auto setType = RankedTensorType::get(rhsType.getShape().drop_front(),
                                       rhsType.getElementType());

  // Each set's operands; constant sets are sliced at compile time.
  MatmulOperands all;
  int64_t setSize = setType.getNumElements();
  SmallVector<APInt> values;
  if (c.rhsConstant)
    values.assign(c.rhsConstant.getValues<APInt>().begin(),
                  c.rhsConstant.getValues<APInt>().end());
  // A constant set is read from its attribute; the value only gives the
  // set's type (dead once the kernel is built).
  if (c.rhsConstant)
    one.rhs = tensor::EmptyOp::create(b, loc, setType.getShape(),
                                      setType.getElementType());
  for (int64_t i = 0; i < (c.rhsConstant ? batches : 1); ++i) {
    if (c.rhsConstant)
      one.rhsConstant = DenseElementsAttr::get(
          setType, ArrayRef<APInt>(values).slice(i * setSize, setSize));
    FailureOr<MatmulOperands> ops =
        getMatmulOperands(b, loc, one, *shape, oneSizes,
                          kernel.getStep(c.lhsUnsigned)->signedActivations,
                          explain, c.rhsConstant ? 0 : batches);
    if (failed(ops)) {
      explain = "a weight set: " + explain;
      return failure();
    }
    if (i == 0) {
      all = std::move(*ops);
      continue;
    }
    all.weights.append(ops->weights);
    all.columnTerm.append(ops->columnTerm);
  }
  std::string proof;
  const DotStep *step =
      chooseStep(kernel, options, c.lhsUnsigned, c.rhsConstant ? batches : 0,
                 all, lhsMin + all.sa, lhsMax + all.sa, proof, explain);
  if (!step)
    return failure();

  // Activations as [B, M, K] and the result as [B, M, N] (and back).
  MicrokernelPlan plan;
  int64_t n = all.n;
  Value result =
      emitFromOperands(b, loc, c, std::move(all), shape->rhsKN, batches,
                       outSizes, resultType, epilogue, *step, options, plan);
  explain = llvm::formatv(
      "{0} weight sets, one kernel: {1}", batches,
      describe(kernel, options, *step, plan, n, !c.rhsConstant, proof));
  return result;
}

FailureOr<Value> mlir::qlinalg::emitPackedContraction(
    OpBuilder &b, Location loc, const IntegerContraction &c,
    ArrayRef<OpFoldResult> outSizes, int64_t lhsMin, int64_t lhsMax,
    Type resultType, const PackedEpilogue &epilogue, const KernelTarget &kernel,
    const LoweringOptions &options, std::string &explain) {
  if (!kernel.step || !options.target)
    return failure();
  // Constant weights are packed at compile time, others by generated code
  // at every call; either must have a static shape.
  if (!cast<RankedTensorType>(c.rhs.getType()).hasStaticShape()) {
    explain = "the weights have a dynamic shape";
    return failure();
  }
  FailureOr<MatmulShape> shape = matchMatmulShape(c.maps, explain);
  if (failed(shape)) {
    // A batch of weight sets.
    std::string why;
    FailureOr<Value> batches =
        emitBatches(b, loc, c, outSizes, lhsMin, lhsMax, resultType, epilogue,
                    kernel, options, why);
    if (succeeded(batches)) {
      explain = why;
      return batches;
    }
    if (!why.empty()) {
      explain += "; " + why;
      return failure();
    }
    // A depthwise convolution: its own kernel.
    std::string depthwise;
    FailureOr<Value> dw = emitDepthwise(b, loc, c, outSizes, resultType,
                                        epilogue, kernel, options, depthwise);
    if (succeeded(dw)) {
      explain = depthwise;
      return dw;
    }
    if (!depthwise.empty()) {
      explain += "; not as a depthwise kernel either: " + depthwise;
      return failure();
    }
    // A convolution: its windows as patches (im2col).
    if (!c.rhsConstant) {
      explain += "; not as im2col either: the weights are not a "
                 "compile-time constant";
      return failure();
    }
    FailureOr<MatmulForm> form = im2col(b, loc, c, outSizes, why);
    if (failed(form)) {
      explain += "; not as im2col either: " + why;
      return failure();
    }
    FailureOr<Value> result =
        emitPackedContraction(b, loc, form->c, form->outSizes, lhsMin, lhsMax,
                              resultType, epilogue, kernel, options, explain);
    if (failed(result))
      return failure();
    explain = "im2col, " + explain;
    if (form->permutation.empty())
      return result;
    Value init = tensor::EmptyOp::create(b, loc, outSizes, resultType);
    return linalg::TransposeOp::create(b, loc, *result, init, form->permutation)
        .getResult()[0];
  }
  if (!c.zeroPointLoops.empty() &&
      (c.zeroPointLoops.size() != 1 || c.zeroPointLoops[0] != shape->nLoop)) {
    explain = "weight zero points are not per output channel";
    return failure();
  }
  FailureOr<MatmulOperands> ops = getMatmulOperands(
      b, loc, c, *shape, outSizes,
      kernel.getStep(c.lhsUnsigned)->signedActivations, explain);
  if (failed(ops))
    return failure();
  int64_t n = ops->n;
  std::string proof;
  const DotStep *step =
      chooseStep(kernel, options, c.lhsUnsigned, c.rhsConstant ? 1 : 0, *ops,
                 lhsMin + ops->sa, lhsMax + ops->sa, proof, explain);
  if (!step)
    return failure();

  // Activations as [M, K], the result as [M, N] and back.
  MicrokernelPlan plan;
  Value result = emitFromOperands(b, loc, c, std::move(*ops), shape->rhsKN,
                                  /*batch=*/0, outSizes, resultType, epilogue,
                                  *step, options, plan);
  explain = describe(kernel, options, *step, plan, n, !c.rhsConstant, proof);
  return result;
}
