//===- Contraction.cpp - the zero-point decomposition, over maps ----------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Conversion/Contraction.h"

#include "qlinalg/Conversion/Lower.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::qlinalg;

bool IntegerContraction::hasRhsZeroPoints() const {
  return llvm::any_of(rhsZeroPoints, [](int64_t z) { return z != 0; });
}

AffineMap mlir::qlinalg::restrictToLoops(AffineMap map,
                                         ArrayRef<unsigned> domainLoops) {
  MLIRContext *ctx = map.getContext();
  SmallVector<AffineExpr> replacements(map.getNumDims(),
                                       getAffineConstantExpr(0, ctx));
  for (auto [i, loop] : llvm::enumerate(domainLoops))
    replacements[loop] = getAffineDimExpr(i, ctx);
  for (unsigned d = 0; d < map.getNumDims(); ++d)
    assert((!map.isFunctionOfDim(d) || llvm::is_contained(domainLoops, d)) &&
           "map uses a loop outside the domain");
  return map.replaceDimsAndSymbols(replacements, {}, domainLoops.size(), 0);
}

AffineMap mlir::qlinalg::selectLoops(MLIRContext *ctx,
                                     ArrayRef<unsigned> domainLoops,
                                     ArrayRef<unsigned> loops) {
  SmallVector<AffineExpr> results;
  for (unsigned loop : loops) {
    const unsigned *it = llvm::find(domainLoops, loop);
    assert(it != domainLoops.end() && "loop outside the domain");
    results.push_back(getAffineDimExpr(it - domainLoops.begin(), ctx));
  }
  return AffineMap::get(domainLoops.size(), 0, results, ctx);
}

/// The loops `map` uses, in increasing order.
static SmallVector<unsigned> getUsedLoops(AffineMap map) {
  SmallVector<unsigned> loops;
  for (unsigned d = 0; d < map.getNumDims(); ++d)
    if (map.isFunctionOfDim(d))
      loops.push_back(d);
  return loops;
}

static SmallVector<unsigned> filterLoops(ArrayRef<unsigned> loops,
                                         ArrayRef<bool> reduction,
                                         bool wantReduction) {
  SmallVector<unsigned> result;
  for (unsigned l : loops)
    if (reduction[l] == wantReduction)
      result.push_back(l);
  return result;
}

static Value extendToI32(OpBuilder &b, Location loc, Value v, bool isUnsigned) {
  Type i32 = b.getI32Type();
  if (v.getType() == i32)
    return v;
  if (isUnsigned)
    return arith::ExtUIOp::create(b, loc, i32, v);
  return arith::ExtSIOp::create(b, loc, i32, v);
}

static Value i32Const(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantOp::create(
      b, loc, b.getI32IntegerAttr(static_cast<int32_t>(v)));
}

/// An i32 constant tensor of `shape` (row-major values, wrapped to 32 bits).
static Value i32Tensor(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
                       ArrayRef<int64_t> values) {
  SmallVector<int32_t> data;
  for (int64_t v : values)
    data.push_back(static_cast<int32_t>(static_cast<uint32_t>(v)));
  return arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(RankedTensorType::get(shape, b.getI32Type()),
                             ArrayRef<int32_t>(data)));
}

namespace {
/// The decomposition of one contraction, step by step.
class Decomposition {
public:
  Decomposition(OpBuilder &b, Location loc, const IntegerContraction &c,
                ArrayRef<OpFoldResult> outSizes)
      : b(b), loc(loc), c(c), ctx(b.getContext()) {
    const ContractionMaps &maps = c.maps;
    for (unsigned l = 0; l < maps.getNumLoops(); ++l) {
      (maps.reduction[l] ? reductionLoops : parallelLoops).push_back(l);
    }
    rhsParallel = filterLoops(getUsedLoops(maps.rhs), maps.reduction, false);
    lhsParallel = filterLoops(getUsedLoops(maps.lhs), maps.reduction, false);
    loopSizes.resize(maps.getNumLoops());
    for (auto [dim, size] : llvm::enumerate(outSizes))
      loopSizes[ContractionMaps::getLoop(maps.out, dim)] = size;
    // Every loop the rhs indexes takes its size from the rhs where that is
    // static (the rhs has all reduction loops and the output channels).
    for (unsigned dim = 0; dim < maps.rhs.getNumResults(); ++dim) {
      unsigned l = ContractionMaps::getLoop(maps.rhs, dim);
      OpFoldResult size = tensor::getMixedSize(b, loc, c.rhs, dim);
      if (maps.reduction[l] || getConstantIntValue(size))
        loopSizes[l] = size;
    }
  }

  Value run(const KernelTarget &kernel);
  /// `-za * sum_r b + |R| * za * zb` (+ the constant bias when it is indexed
  /// by rhs loops only), per rhs-parallel index, at compile time.
  SmallVector<int64_t> computeColumnTerm(int64_t za, bool &biasFolded);
  /// term(za + 1) - term(za), wrapped to 32 bits: the term is affine in za.
  SmallVector<int64_t> computeColumnTermSlope() {
    bool biasFolded;
    SmallVector<int64_t> slope =
        computeColumnTerm(c.lhsZeroPoint + 1, biasFolded);
    for (auto [s, t] :
         llvm::zip(slope, computeColumnTerm(c.lhsZeroPoint, biasFolded)))
      s = static_cast<int64_t>(uint64_t(s) - uint64_t(t));
    return slope;
  }
  /// `sum_r ext(input)` per parallel index of `map`, at run time.
  Value emitSum(Value input, AffineMap map, bool isUnsigned);

private:
  /// Static sizes of `loops` (all static: the constant rhs has them).
  SmallVector<int64_t> getStaticSizes(ArrayRef<unsigned> loops) {
    SmallVector<int64_t> sizes;
    for (unsigned l : loops)
      sizes.push_back(*getConstantIntValue(loopSizes[l]));
    return sizes;
  }
  SmallVector<OpFoldResult> getSizes(ArrayRef<unsigned> loops) {
    SmallVector<OpFoldResult> sizes;
    for (unsigned l : loops)
      sizes.push_back(loopSizes[l]);
    return sizes;
  }
  /// The trip count of the reduction, as an i32 value.
  Value getReductionSize();
  Value foldColumnTerm(bool &biasFolded) {
    if (!c.lhsZeroPointValue)
      return i32Tensor(b, loc, getStaticSizes(rhsParallel),
                       computeColumnTerm(c.lhsZeroPoint, biasFolded));
    // A run-time za: the term at za = 0 and its slope in za.
    return emitColumnTermOfZeroPoint(
        b, loc, getStaticSizes(rhsParallel), computeColumnTerm(0, biasFolded),
        computeColumnTermSlope(), c.lhsZeroPointValue);
  }
  /// The lhs zero point for generated code: the run-time value, or the
  /// constant.
  Value getLhsZeroPoint(OpBuilder &nb, Location nl) {
    if (c.lhsZeroPointValue)
      return c.lhsZeroPointValue;
    return i32Const(nb, nl, c.lhsZeroPoint);
  }
  Value getNegatedZa(OpBuilder &nb, Location nl) {
    if (!c.lhsZeroPointValue)
      return i32Const(nb, nl, -c.lhsZeroPoint);
    return arith::SubIOp::create(nb, nl, i32Const(nb, nl, 0),
                                 c.lhsZeroPointValue);
  }
  bool hasLhsZeroPoint() const {
    return c.lhsZeroPointValue || c.lhsZeroPoint != 0;
  }
  /// The zero points as a value for the body of a generic over `domain`:
  /// a constant for per-tensor zero points, else an input tensor.
  Value getZeroPointTensor();
  Value emitInit();
  Value emitRowCorrection(Value acc);

  OpBuilder &b;
  Location loc;
  const IntegerContraction &c;
  MLIRContext *ctx;
  SmallVector<unsigned> parallelLoops, reductionLoops, rhsParallel, lhsParallel;
  SmallVector<OpFoldResult> loopSizes;
};
} // namespace

Value Decomposition::getReductionSize() {
  Value size = arith::ConstantIndexOp::create(b, loc, 1);
  for (unsigned l : reductionLoops)
    size = arith::MulIOp::create(
        b, loc, size, getValueOrCreateConstantIndexOp(b, loc, loopSizes[l]));
  return arith::IndexCastOp::create(b, loc, b.getI32Type(), size);
}

SmallVector<int64_t> Decomposition::computeColumnTerm(int64_t za,
                                                      bool &biasFolded) {
  auto rhsType = cast<RankedTensorType>(c.rhsConstant.getType());
  SmallVector<int64_t> termShape = getStaticSizes(rhsParallel);
  int64_t termSize = 1;
  for (int64_t s : termShape)
    termSize *= s;
  // Row-major strides of the term over rhsParallel, and of the zero-point
  // grid over zeroPointLoops, indexed by loop.
  unsigned loops = c.maps.getNumLoops();
  SmallVector<int64_t> termStride(loops, 0), zbStride(loops, 0);
  for (int64_t i = rhsParallel.size() - 1, s = 1; i >= 0; --i) {
    termStride[rhsParallel[i]] = s;
    s *= termShape[i];
  }
  SmallVector<int64_t> zbShape = getStaticSizes(c.zeroPointLoops);
  for (int64_t i = c.zeroPointLoops.size() - 1, s = 1; i >= 0; --i) {
    zbStride[c.zeroPointLoops[i]] = s;
    s *= zbShape[i];
  }
  int64_t reductionSize = 1;
  for (int64_t s : getStaticSizes(reductionLoops))
    reductionSize *= s;

  // sum_r b per rhs-parallel index, exactly.
  SmallVector<int64_t> sums(termSize, 0);
  ArrayRef<int64_t> shape = rhsType.getShape();
  SmallVector<int64_t> index(shape.size(), 0);
  for (APInt v : c.rhsConstant.getValues<APInt>()) {
    int64_t at = 0;
    for (auto [dim, i] : llvm::enumerate(index))
      at += termStride[ContractionMaps::getLoop(c.maps.rhs, dim)] * i;
    sums[at] += c.rhsUnsigned ? int64_t(v.getZExtValue()) : v.getSExtValue();
    advanceIndex(index, shape);
  }
  // The term, in i32 wrap-around like the accumulation itself.
  SmallVector<int64_t> term(termSize);
  SmallVector<int64_t> at(rhsParallel.size(), 0);
  for (int64_t flat = 0; flat < termSize; ++flat) {
    int64_t zbAt = 0;
    for (auto [i, l] : llvm::enumerate(rhsParallel))
      zbAt += zbStride[l] * at[i];
    uint64_t t = uint64_t(reductionSize) * uint64_t(za) *
                     uint64_t(c.rhsZeroPoints[zbAt]) -
                 uint64_t(za) * uint64_t(sums[flat]);
    term[flat] = static_cast<int64_t>(t);
    advanceIndex(at, termShape);
  }
  // A constant bias over rhs loops only (the usual case) folds in too.
  biasFolded = false;
  if (c.biasConstant) {
    SmallVector<unsigned> biasLoops;
    for (unsigned d = 0; d < c.maps.bias.getNumResults(); ++d)
      biasLoops.push_back(ContractionMaps::getLoop(c.maps.bias, d));
    if (llvm::all_of(biasLoops, [&](unsigned l) {
          return llvm::is_contained(rhsParallel, l);
        })) {
      auto biasShape =
          cast<RankedTensorType>(c.biasConstant.getType()).getShape();
      SmallVector<int64_t> bi(biasShape.size(), 0);
      SmallVector<int64_t> ti(rhsParallel.size(), 0);
      for (int64_t flat = 0; flat < termSize; ++flat) {
        int64_t biasAt = 0;
        for (auto [d, l] : llvm::enumerate(biasLoops)) {
          int64_t pos = llvm::find(rhsParallel, l) - rhsParallel.begin();
          biasAt = biasAt * biasShape[d] + ti[pos];
        }
        term[flat] = static_cast<int64_t>(
            uint64_t(term[flat]) +
            uint64_t(c.biasConstant.getValues<APInt>()[biasAt].getSExtValue()));
        advanceIndex(ti, termShape);
      }
      biasFolded = true;
    }
  }
  return term;
}

Value Decomposition::emitSum(Value input, AffineMap map, bool isUnsigned) {
  SmallVector<unsigned> domain = getUsedLoops(map);
  SmallVector<unsigned> kept = filterLoops(domain, c.maps.reduction, false);
  Type i32 = b.getI32Type();
  Value init = tensor::EmptyOp::create(b, loc, getSizes(kept), i32);
  init = linalg::FillOp::create(b, loc, i32Const(b, loc, 0), init).getResult(0);
  SmallVector<utils::IteratorType> iterators;
  for (unsigned l : domain)
    iterators.push_back(c.maps.reduction[l] ? utils::IteratorType::reduction
                                            : utils::IteratorType::parallel);
  SmallVector<Value> inputs{input};
  SmallVector<AffineMap> maps{restrictToLoops(map, domain)};
  // A window (a convolution's lhs) does not give the sizes of the loops
  // inside it: a shape-only operand over the reduction loops does, as the
  // window operand of linalg's pooling ops.
  SmallVector<unsigned> reductions =
      filterLoops(domain, c.maps.reduction, true);
  if (!map.isProjectedPermutation()) {
    inputs.push_back(
        tensor::EmptyOp::create(b, loc, getSizes(reductions), b.getI8Type()));
    maps.push_back(selectLoops(ctx, domain, reductions));
  }
  maps.push_back(selectLoops(ctx, domain, kept));
  return linalg::GenericOp::create(
             b, loc, init.getType(), inputs, init, maps, iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value v = extendToI32(nb, nl, args[0], isUnsigned);
               linalg::YieldOp::create(
                   nb, nl,
                   arith::AddIOp::create(nb, nl, v, args.back()).getResult());
             })
      .getResult(0);
}

Value Decomposition::getZeroPointTensor() {
  return i32Tensor(b, loc, getStaticSizes(c.zeroPointLoops), c.rhsZeroPoints);
}

Value Decomposition::emitInit() {
  Type i32 = b.getI32Type();
  bool hasZa = hasLhsZeroPoint();
  bool perTensorZb = c.zeroPointLoops.empty();
  // Inputs of the init generic over the parallel loops, each with the loops
  // that index it and how the body folds it in.
  enum class Role { ColumnTerm, ColumnSum, ZeroPoint, Bias };
  SmallVector<std::pair<Value, SmallVector<unsigned>>> inputs;
  SmallVector<Role> roles;
  bool biasFolded = false;
  bool staticRhs =
      c.rhsConstant &&
      cast<RankedTensorType>(c.rhsConstant.getType()).hasStaticShape();
  if (staticRhs) {
    inputs.push_back({foldColumnTerm(biasFolded), rhsParallel});
    roles.push_back(Role::ColumnTerm);
  } else {
    if (hasZa) {
      inputs.push_back(
          {emitSum(c.rhs, c.maps.rhs, c.rhsUnsigned), rhsParallel});
      roles.push_back(Role::ColumnSum);
    }
    if (hasZa && c.hasRhsZeroPoints() && !perTensorZb) {
      inputs.push_back({getZeroPointTensor(), c.zeroPointLoops});
      roles.push_back(Role::ZeroPoint);
    }
  }
  if (c.bias && !biasFolded) {
    SmallVector<unsigned> biasLoops;
    for (unsigned d = 0; d < c.maps.bias.getNumResults(); ++d)
      biasLoops.push_back(ContractionMaps::getLoop(c.maps.bias, d));
    inputs.push_back({c.bias, biasLoops});
    roles.push_back(Role::Bias);
  }
  SmallVector<OpFoldResult> outSizes;
  for (unsigned d = 0; d < c.maps.out.getNumResults(); ++d)
    outSizes.push_back(loopSizes[ContractionMaps::getLoop(c.maps.out, d)]);
  Value empty = tensor::EmptyOp::create(b, loc, outSizes, i32);
  bool runtimeZbTerm = !staticRhs && hasZa && c.hasRhsZeroPoints();
  if (inputs.empty() && !runtimeZbTerm)
    return linalg::FillOp::create(b, loc, i32Const(b, loc, 0), empty)
        .getResult(0);

  // A single per-channel term is a broadcast along the other dimensions.
  if (inputs.size() == 1 && !runtimeZbTerm &&
      (roles[0] == Role::ColumnTerm || roles[0] == Role::Bias)) {
    SmallVector<int64_t> positions, broadcastDims;
    for (unsigned l : inputs[0].second)
      positions.push_back(*ContractionMaps::findDim(c.maps.out, l));
    if (llvm::is_sorted(positions) &&
        positions.size() < c.maps.out.getNumResults()) {
      for (int64_t d = 0, e = c.maps.out.getNumResults(); d < e; ++d)
        if (!llvm::is_contained(positions, d))
          broadcastDims.push_back(d);
      return linalg::BroadcastOp::create(b, loc, inputs[0].first, empty,
                                         broadcastDims)
          .getResult()[0];
    }
  }
  // |R| * za, for the run-time zero-point term.
  Value reductionZa;
  if (runtimeZbTerm)
    reductionZa = arith::MulIOp::create(b, loc, getReductionSize(),
                                        getLhsZeroPoint(b, loc));
  SmallVector<Value> operands;
  SmallVector<AffineMap> maps;
  for (auto &[value, loops] : inputs) {
    operands.push_back(value);
    maps.push_back(selectLoops(ctx, parallelLoops, loops));
  }
  maps.push_back(restrictToLoops(c.maps.out, parallelLoops));
  SmallVector<utils::IteratorType> iterators(parallelLoops.size(),
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, empty.getType(), operands, empty, maps, iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value t, zb;
               auto add = [&](Value v) {
                 t = t ? arith::AddIOp::create(nb, nl, t, v).getResult() : v;
               };
               for (auto [role, arg] : llvm::zip(roles, args)) {
                 switch (role) {
                 case Role::ColumnTerm:
                 case Role::Bias:
                   add(arg);
                   break;
                 case Role::ColumnSum:
                   add(arith::MulIOp::create(nb, nl, getNegatedZa(nb, nl),
                                             arg));
                   break;
                 case Role::ZeroPoint:
                   zb = arg;
                   break;
                 }
               }
               if (runtimeZbTerm) {
                 if (!zb)
                   zb = i32Const(nb, nl, c.rhsZeroPoints[0]);
                 add(arith::MulIOp::create(nb, nl, reductionZa, zb));
               }
               linalg::YieldOp::create(nb, nl, t);
             })
      .getResult(0);
}

Value Decomposition::emitRowCorrection(Value acc) {
  Value rowSums = emitSum(c.lhs, c.maps.lhs, c.lhsUnsigned);
  SmallVector<Value> operands{acc, rowSums};
  AffineMap outMap = restrictToLoops(c.maps.out, parallelLoops);
  SmallVector<AffineMap> maps{outMap,
                              selectLoops(ctx, parallelLoops, lhsParallel)};
  bool perTensorZb = c.zeroPointLoops.empty();
  if (!perTensorZb) {
    operands.push_back(getZeroPointTensor());
    maps.push_back(selectLoops(ctx, parallelLoops, c.zeroPointLoops));
  }
  maps.push_back(outMap);
  Value empty = tensor::EmptyOp::create(
      b, loc, tensor::getMixedSizes(b, loc, acc), b.getI32Type());
  SmallVector<utils::IteratorType> iterators(parallelLoops.size(),
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, acc.getType(), operands, empty, maps, iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value zb =
                   perTensorZb ? i32Const(nb, nl, c.rhsZeroPoints[0]) : args[2];
               Value t = arith::MulIOp::create(nb, nl, zb, args[1]);
               linalg::YieldOp::create(
                   nb, nl,
                   arith::SubIOp::create(nb, nl, args[0], t).getResult());
             })
      .getResult(0);
}

Value Decomposition::run(const KernelTarget &kernel) {
  Value init = emitInit();
  Value acc = kernel.emitAccumulate(b, loc, c, init);
  if (c.hasRhsZeroPoints())
    acc = emitRowCorrection(acc);
  return acc;
}

Value mlir::qlinalg::emitZeroPointContraction(OpBuilder &b, Location loc,
                                              const IntegerContraction &c,
                                              ArrayRef<OpFoldResult> outSizes,
                                              const KernelTarget &kernel) {
  return Decomposition(b, loc, c, outSizes).run(kernel);
}

SmallVector<int64_t> mlir::qlinalg::foldColumnTerm(
    OpBuilder &b, Location loc, const IntegerContraction &c,
    ArrayRef<OpFoldResult> outSizes, bool &biasFolded) {
  return Decomposition(b, loc, c, outSizes)
      .computeColumnTerm(c.lhsZeroPoint, biasFolded);
}

SmallVector<int64_t>
mlir::qlinalg::foldColumnTermSlope(OpBuilder &b, Location loc,
                                   const IntegerContraction &c,
                                   ArrayRef<OpFoldResult> outSizes) {
  return Decomposition(b, loc, c, outSizes).computeColumnTermSlope();
}

Value mlir::qlinalg::emitColumnTermOfZeroPoint(OpBuilder &b, Location loc,
                                               ArrayRef<int64_t> shape,
                                               ArrayRef<int64_t> t0,
                                               ArrayRef<int64_t> slope,
                                               Value za) {
  Value base = i32Tensor(b, loc, shape, t0);
  Value step = i32Tensor(b, loc, shape, slope);
  AffineMap id =
      AffineMap::getMultiDimIdentityMap(shape.size(), b.getContext());
  SmallVector<utils::IteratorType> iterators(shape.size(),
                                             utils::IteratorType::parallel);
  Value init = tensor::EmptyOp::create(b, loc, shape, b.getI32Type());
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{base, step}, ValueRange{init},
             ArrayRef<AffineMap>{id, id, id}, iterators,
             [&](OpBuilder &nb, Location nl, ValueRange args) {
               Value t = arith::MulIOp::create(nb, nl, za, args[1]);
               linalg::YieldOp::create(
                   nb, nl,
                   arith::AddIOp::create(nb, nl, args[0], t).getResult());
             })
      .getResult(0);
}

Value mlir::qlinalg::emitLhsSums(OpBuilder &b, Location loc,
                                 const IntegerContraction &c,
                                 ArrayRef<OpFoldResult> outSizes) {
  return Decomposition(b, loc, c, outSizes)
      .emitSum(c.lhs, c.maps.lhs, c.lhsUnsigned);
}
