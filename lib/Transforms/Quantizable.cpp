//===- Quantizable.cpp - what can be quantized, and its tensor ids --------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Transforms/Quantizable.h"

#include "qlinalg/Dialect/QLinalg/IR/QLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/Support/FormatVariadic.h"

#include <limits>

using namespace mlir;
using namespace mlir::qlinalg;

static DenseElementsAttr getFloatConstant(Value value);

/// `linalg.transpose` of a constant (how importers write a transposed
/// weight), folded: out[i] = in[i permuted back].
static DenseElementsAttr getTransposedConstant(linalg::TransposeOp op) {
  DenseElementsAttr input = getFloatConstant(op.getInput());
  if (!input)
    return {};
  auto inType = cast<RankedTensorType>(input.getType());
  auto outType = cast<RankedTensorType>(op.getResult()[0].getType());
  if (!outType.hasStaticShape())
    return {};
  ArrayRef<int64_t> perm = op.getPermutation();
  SmallVector<float> in(input.getValues<float>()), out(in.size());
  int64_t rank = inType.getRank();
  SmallVector<int64_t> inStrides(rank, 1);
  for (int64_t d = rank - 2; d >= 0; --d)
    inStrides[d] = inStrides[d + 1] * inType.getDimSize(d + 1);
  SmallVector<int64_t> index(rank, 0);
  for (float &v : out) {
    // out[index] = in[j] with j[perm[d]] = index[d].
    int64_t at = 0;
    for (int64_t d = 0; d < rank; ++d)
      at += index[d] * inStrides[perm[d]];
    v = in[at];
    for (int64_t d = rank - 1; d >= 0; --d) {
      if (++index[d] < outType.getDimSize(d))
        break;
      index[d] = 0;
    }
  }
  return DenseElementsAttr::get(outType, ArrayRef<float>(out));
}

/// The constant of `value` as a dense f32 attribute (dense or
/// dense_resource, possibly through a linalg.transpose).
static DenseElementsAttr getFloatConstant(Value value) {
  // A QDQ annotation (quant.dcast(quant.qcast(c))) on a constant: the
  // constant underneath.
  if (auto dcast = value.getDefiningOp<quant::DequantizeCastOp>())
    if (auto qcast = dcast.getInput().getDefiningOp<quant::QuantizeCastOp>())
      value = qcast.getInput();
  if (auto transpose = value.getDefiningOp<linalg::TransposeOp>())
    return getTransposedConstant(transpose);
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

/// A 1-D f32 constant broadcast along every dimension but `dim` of a rank
/// `rank` tensor: `linalg.broadcast` or the equivalent `linalg.generic` (as
/// torch-mlir writes a convolution's bias).
static DenseElementsAttr getChannelBroadcastConstant(Value value, int64_t dim,
                                                     int64_t rank) {
  if (dim < 0)
    return {};
  Value input;
  if (auto broadcast = value.getDefiningOp<linalg::BroadcastOp>()) {
    SmallVector<int64_t> others;
    for (int64_t d = 0; d < rank; ++d)
      if (d != dim)
        others.push_back(d);
    if (broadcast.getDimensions() != ArrayRef<int64_t>(others))
      return {};
    input = broadcast.getInput();
  } else if (auto generic = value.getDefiningOp<linalg::GenericOp>()) {
    if (generic.getNumDpsInputs() != 1 || generic.getNumDpsInits() != 1 ||
        generic.getNumReductionLoops() != 0)
      return {};
    auto yield = cast<linalg::YieldOp>(generic.getBody()->getTerminator());
    if (yield.getValues()[0] != generic.getBody()->getArgument(0))
      return {};
    SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
    MLIRContext *ctx = value.getContext();
    if (!maps[1].isIdentity() || maps[1].getNumDims() != rank ||
        maps[0] != AffineMap::get(rank, 0, getAffineDimExpr(dim, ctx)))
      return {};
    input = generic.getDpsInputs()[0];
  } else {
    return {};
  }
  DenseElementsAttr attr = getFloatConstant(input);
  if (!attr || attr.getType().getRank() != 1)
    return {};
  return attr;
}

static bool isZeroFill(Value value) {
  auto fill = value.getDefiningOp<linalg::FillOp>();
  return fill && matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
}

/// A multiply-accumulate body: yield(add(out, mul(in0, in1))) in either
/// operand order.
static bool isMulAccBody(linalg::LinalgOp op) {
  Block *body = op.getBlock();
  auto yield = dyn_cast<linalg::YieldOp>(body->getTerminator());
  if (!yield || yield.getNumOperands() != 1)
    return false;
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value out = body->getArgument(2);
  Value product = add.getLhs() == out ? add.getRhs() : add.getLhs();
  if ((add.getLhs() == out) == (add.getRhs() == out))
    return false;
  auto mul = product.getDefiningOp<arith::MulFOp>();
  if (!mul)
    return false;
  Value a = body->getArgument(0), b = body->getArgument(1);
  return (mul.getLhs() == a && mul.getRhs() == b) ||
         (mul.getLhs() == b && mul.getRhs() == a);
}

/// linalg's pooling ops classify as convolutions, but their second operand
/// is a window shape, not data.
static bool isPooling(Operation *op) {
  return op->getName().getStringRef().starts_with("linalg.pooling_");
}

bool mlir::qlinalg::isContractionCandidate(Operation *op) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || isPooling(op) || linalgOp.getNumDpsInputs() != 2 ||
      linalgOp.getNumDpsInits() != 1 || linalgOp.getNumReductionLoops() == 0)
    return false;
  if (linalg::isaContractionOpInterface(linalgOp) ||
      linalg::isaConvolutionOpInterface(linalgOp))
    return true;
  // matvec and vecmat have no n (or m) loop, which inferContractionDims
  // requires; they are still contractions: projected maps and a
  // multiply-accumulate body.
  return llvm::all_of(linalgOp.getIndexingMapsArray(),
                      [](AffineMap m) { return m.isProjectedPermutation(); }) &&
         isMulAccBody(linalgOp);
}

int64_t QuantizableContraction::getOutChannelDim() const {
  if (channelDim < 0)
    return -1;
  unsigned loop =
      cast<AffineDimExpr>(rhsMap.getResult(channelDim)).getPosition();
  for (auto [i, e] : llvm::enumerate(outMap.getResults()))
    if (cast<AffineDimExpr>(e).getPosition() == loop)
      return i;
  return -1;
}

bool QuantizableContraction::isPlainMatmul() const {
  MLIRContext *ctx = lhsMap.getContext();
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  return lhsMap == AffineMap::get(3, 0, {m, k}, ctx) &&
         rhsMap == AffineMap::get(3, 0, {k, n}, ctx) &&
         outMap == AffineMap::get(3, 0, {m, n}, ctx) &&
         iterators[2] == utils::IteratorType::reduction;
}

/// The rhs dimension of the output channel: the parallel loop indexing rhs
/// and the result but not lhs, or else (depthwise) the one indexing all
/// three; -1 when there is no unique one.
static int64_t findChannelDim(AffineMap lhs, AffineMap rhs, AffineMap out,
                              ArrayRef<utils::IteratorType> iterators) {
  SmallVector<int64_t> outer, depthwise;
  for (auto [d, e] : llvm::enumerate(rhs.getResults())) {
    unsigned loop = cast<AffineDimExpr>(e).getPosition();
    if (iterators[loop] != utils::IteratorType::parallel ||
        !out.isFunctionOfDim(loop))
      continue;
    (lhs.isFunctionOfDim(loop) ? depthwise : outer).push_back(d);
  }
  if (outer.size() == 1)
    return outer[0];
  if (outer.empty() && depthwise.size() == 1)
    return depthwise[0];
  return -1;
}

FailureOr<QuantizableContraction>
mlir::qlinalg::matchQuantizableContraction(linalg::LinalgOp op,
                                           std::string &whyNot) {
  auto fail = [&](const Twine &reason) {
    whyNot = reason.str();
    return failure();
  };
  if (!op.hasPureTensorSemantics())
    return fail("it works on buffers, not tensors");
  if (auto matmul = dyn_cast<linalg::MatmulOp>(op.getOperation());
      matmul && matmul.getCast() != linalg::TypeFn::cast_signed)
    return fail("it uses an unsigned cast");
  for (Value v : op->getOperands())
    if (auto t = dyn_cast<RankedTensorType>(v.getType());
        !t || !t.getElementType().isF32())
      return fail("only f32 contractions are quantized, this one has " +
                  llvm::formatv("{0}", v.getType()).str());
  // No data, no range: and a per-channel type with no channels has no
  // textual form (`{}` does not parse back).
  for (Value v : op->getOperands())
    if (llvm::is_contained(cast<RankedTensorType>(v.getType()).getShape(), 0))
      return fail("it has an empty operand (" +
                  llvm::formatv("{0}", v.getType()).str() +
                  "): there is nothing to quantize");
  if (linalg::isaConvolutionOpInterface(op)) {
    FailureOr<linalg::ConvolutionDimensions> dims =
        linalg::inferConvolutionDims(op);
    if (succeeded(dims) && !dims->depth.empty() && !dims->outputChannel.empty())
      return fail("it is a grouped convolution, which is not quantized yet "
                  "(its output channels span two dimensions)");
  }

  QuantizableContraction c;
  c.op = op;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  c.iterators = op.getIteratorTypesArray();
  Value in0 = op.getDpsInputs()[0], in1 = op.getDpsInputs()[1];
  // Each side's constant data, computed once (a transpose folds here).
  DenseElementsAttr const0 = getFloatConstant(in0);
  DenseElementsAttr const1 = getFloatConstant(in1);
  unsigned lhsIndex = 0;
  // The weights are the constant side.
  if (const0 && !const1 && maps[0].isProjectedPermutation())
    lhsIndex = 1;
  Value lhs = lhsIndex ? in1 : in0, rhs = lhsIndex ? in0 : in1;
  if (const0 && const1)
    return fail("both operands are constants");
  c.lhsMap = maps[lhsIndex];
  c.rhsMap = maps[1 - lhsIndex];
  c.outMap = maps[2];
  if (!c.rhsMap.isProjectedPermutation())
    return fail("its weights are not indexed by a projected permutation");
  if (!c.outMap.isProjectedPermutation())
    return fail("its result is not indexed by a projected permutation");
  for (auto [loop, it] : llvm::enumerate(c.iterators)) {
    bool inOut = c.outMap.isFunctionOfDim(loop);
    if (it == utils::IteratorType::reduction
            ? inOut || !c.lhsMap.isFunctionOfDim(loop) ||
                  !c.rhsMap.isFunctionOfDim(loop)
            : !inOut)
      return fail("its loops are not those of a contraction (every "
                  "reduction loop indexes both inputs, every parallel loop "
                  "the result)");
  }
  c.rhs = rhs;
  c.constantRhs = lhsIndex ? const0 : const1;
  c.lhs = lhs;
  if (auto pad = lhs.getDefiningOp<tensor::PadOp>()) {
    if (Value padValue = pad.getConstantPaddingValue()) {
      FloatAttr value;
      if (matchPattern(padValue, m_Constant(&value))) {
        c.pad = pad;
        c.padValue = static_cast<float>(value.getValueAsDouble());
        c.lhs = pad.getSource();
      }
    }
  }
  c.channelDim = findChannelDim(c.lhsMap, c.rhsMap, c.outMap, c.iterators);
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  if (c.channelDim >= 0 && rhsType.isDynamicDim(c.channelDim))
    return fail("its output channels (dimension " + Twine(c.channelDim) +
                " of the weights) are dynamic");
  c.root = op;
  c.result = op->getResult(0);

  Value init = op.getDpsInits()[0];
  int64_t outDim = c.getOutChannelDim();
  int64_t rank = c.outMap.getNumResults();
  if (DenseElementsAttr bias =
          getChannelBroadcastConstant(init, outDim, rank)) {
    c.bias = bias;
  } else if (!isZeroFill(init)) {
    return fail("its accumulator is neither a zero fill nor a broadcast "
                "constant bias");
  } else if (c.result.hasOneUse()) {
    // A following addition of a broadcast constant is the bias.
    Operation *user = *c.result.getUsers().begin();
    auto add = dyn_cast<linalg::LinalgOp>(user);
    bool isAdd = add && add.hasPureTensorSemantics() &&
                 add->getNumResults() == 1 && add.getNumDpsInputs() == 2;
    if (isAdd && !isa<linalg::AddOp>(user)) {
      // An elementwise linalg.generic adding its two inputs.
      auto generic = dyn_cast<linalg::GenericOp>(user);
      auto yield =
          generic
              ? dyn_cast<linalg::YieldOp>(generic.getBody()->getTerminator())
              : nullptr;
      auto addf =
          yield ? yield.getValues()[0].getDefiningOp<arith::AddFOp>() : nullptr;
      Block *body = generic ? generic.getBody() : nullptr;
      isAdd = addf && generic.getNumReductionLoops() == 0 &&
              ((addf.getLhs() == body->getArgument(0) &&
                addf.getRhs() == body->getArgument(1)) ||
               (addf.getLhs() == body->getArgument(1) &&
                addf.getRhs() == body->getArgument(0)));
    }
    if (isAdd) {
      unsigned self = add.getDpsInputs()[0] == c.result ? 0 : 1;
      Value other = add.getDpsInputs()[1 - self];
      SmallVector<AffineMap> addMaps = add.getIndexingMapsArray();
      DenseElementsAttr bias;
      if (addMaps[self].isIdentity() && addMaps[2].isIdentity()) {
        if (addMaps[1 - self].isIdentity())
          bias = getChannelBroadcastConstant(other, outDim, rank);
        // A rank-1 result (matvec, vecmat) adds its 1-D bias directly.
        if (!bias && rank == 1 && outDim == 0 && addMaps[1 - self].isIdentity())
          if (DenseElementsAttr attr = getFloatConstant(other);
              attr && attr.getType().getRank() == 1)
            bias = attr;
        if (!bias && outDim >= 0 &&
            addMaps[1 - self] ==
                AffineMap::get(rank, 0,
                               getAffineDimExpr(outDim, op.getContext())))
          if (DenseElementsAttr attr = getFloatConstant(other);
              attr && attr.getType().getRank() == 1)
            bias = attr;
      }
      if (bias) {
        c.bias = bias;
        c.root = add;
        c.result = add->getResult(0);
      }
    }
  }
  if (c.bias) {
    int64_t n = rhsType.getDimSize(c.channelDim);
    if (c.bias.getNumElements() != n)
      return fail("its bias does not have one element per output channel");
  }
  return c;
}

/// The constant float of `v`, or none.
static std::optional<float> getFloatScalar(Value v) {
  FloatAttr attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  return static_cast<float>(attr.getValueAsDouble());
}

/// A single-result elementwise linalg.generic on tensors: identity maps, all
/// loops parallel, `inputs` inputs and one init; its yielded value.
static Value getElementwiseYield(Operation *op, unsigned inputs) {
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic || generic.getNumDpsInputs() != inputs ||
      generic.getNumDpsInits() != 1 || generic.getNumReductionLoops() != 0 ||
      !generic.hasPureTensorSemantics() ||
      !llvm::all_of(generic.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isIdentity(); }))
    return {};
  return cast<linalg::YieldOp>(generic.getBody()->getTerminator())
      .getValues()[0];
}

std::optional<ActivationBounds> mlir::qlinalg::matchActivation(Operation *op) {
  Value yielded = getElementwiseYield(op, 1);
  if (!yielded || !cast<RankedTensorType>(op->getResult(0).getType())
                       .getElementType()
                       .isF32())
    return std::nullopt;
  Value in = cast<linalg::GenericOp>(op).getBody()->getArgument(0);
  const float inf = std::numeric_limits<float>::infinity();
  ActivationBounds bounds{-inf, inf};
  // Peels max(v, c) or min(v, c) (either operand order) off `v`.
  auto peel = [&](Value v) -> Value {
    Operation *def = v.getDefiningOp();
    if (!def || def->getNumOperands() != 2)
      return {};
    bool isMax = isa<arith::MaximumFOp, arith::MaxNumFOp>(def);
    bool isMin = isa<arith::MinimumFOp, arith::MinNumFOp>(def);
    if (!isMax && !isMin)
      return {};
    for (unsigned i = 0; i < 2; ++i) {
      std::optional<float> c = getFloatScalar(def->getOperand(1 - i));
      if (!c)
        continue;
      float &bound = isMax ? bounds.lo : bounds.hi;
      if (bound != (isMax ? -inf : inf))
        return {};
      bound = *c;
      return def->getOperand(i);
    }
    return {};
  };
  Value v = peel(yielded);
  if (v && v != in)
    v = peel(v);
  if (v != in || !(bounds.lo <= bounds.hi))
    return std::nullopt;
  return bounds;
}

/// Whether `op` adds (`isAdd`) or multiplies its two inputs elementwise:
/// linalg.add / linalg.mul, or the equivalent linalg.generic.
static bool isElementwiseBinary(Operation *op, bool isAdd) {
  if (isAdd ? isa<linalg::AddOp>(op) : isa<linalg::MulOp>(op))
    return true;
  Value yielded = getElementwiseYield(op, 2);
  if (!yielded)
    return false;
  Operation *def = yielded.getDefiningOp();
  if (!def || !(isAdd ? isa<arith::AddFOp>(def) : isa<arith::MulFOp>(def)))
    return false;
  Block *body = cast<linalg::GenericOp>(op).getBody();
  Value a = body->getArgument(0), b = body->getArgument(1);
  return (def->getOperand(0) == a && def->getOperand(1) == b) ||
         (def->getOperand(0) == b && def->getOperand(1) == a);
}

/// An elementwise add or product of the two inputs of a parallel generic
/// whose maps are not all the identity (an operand is broadcast).
static bool isBroadcastBinary(Operation *op) {
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic || generic.getNumDpsInputs() != 2 ||
      generic.getNumDpsInits() != 1 || generic.getNumReductionLoops() != 0 ||
      llvm::all_of(generic.getIndexingMapsArray(),
                   [](AffineMap m) { return m.isIdentity(); }))
    return false;
  Block *body = generic.getBody();
  Value yielded =
      cast<linalg::YieldOp>(body->getTerminator()).getValues().front();
  Operation *def = yielded.getDefiningOp();
  return isa_and_nonnull<arith::AddFOp, arith::MulFOp>(def) &&
         llvm::is_contained(def->getOperands(), body->getArgument(0)) &&
         llvm::is_contained(def->getOperands(), body->getArgument(1));
}

/// The constant a `linalg.fill` fills `value` with, or none.
static std::optional<float> getFillValue(Value value) {
  auto fill = value.getDefiningOp<linalg::FillOp>();
  if (!fill)
    return std::nullopt;
  return getFloatScalar(fill.getInputs()[0]);
}

FailureOr<QuantizableElementwise>
mlir::qlinalg::matchQuantizableElementwise(Operation *op, std::string &whyNot) {
  using Kind = QuantizableElementwise::Kind;
  auto fail = [&](const Twine &reason) {
    whyNot = reason.str();
    return failure();
  };
  auto allF32 = [](Operation *op) {
    return llvm::all_of(op->getOperandTypes(), [](Type t) {
      auto ranked = dyn_cast<RankedTensorType>(t);
      return ranked && ranked.getElementType().isF32();
    });
  };
  QuantizableElementwise unit;
  unit.op = op;
  if (op->getNumResults() == 1)
    unit.result = op->getResult(0);
  if (std::optional<ActivationBounds> bounds = matchActivation(op)) {
    unit.kind = Kind::Activation;
    unit.bounds = *bounds;
    unit.inputs.push_back(op->getOperand(0));
    return unit;
  }
  for (bool isAdd : {true, false}) {
    if (!isElementwiseBinary(op, isAdd))
      continue;
    auto linalgOp = cast<linalg::LinalgOp>(op);
    if (!linalgOp.hasPureTensorSemantics() || !allF32(op))
      return fail("only f32 tensors are quantized");
    unit.kind = isAdd ? Kind::Add : Kind::Mul;
    SmallVector<Value> inputs = linalgOp.getDpsInputs();
    unit.inputs.assign(inputs.begin(), inputs.end());
    return unit;
  }
  if (isBroadcastBinary(op))
    return fail("an operand is broadcast by its indexing maps (qlinalg.add "
                "and qlinalg.mul take two tensors of one shape)");
  if (auto concat = dyn_cast<tensor::ConcatOp>(op)) {
    if (!allF32(op))
      return fail("only f32 tensors are quantized");
    unit.kind = Kind::Concat;
    unit.inputs.assign(concat.getInputs().begin(), concat.getInputs().end());
    return unit;
  }
  if (isa<linalg::PoolingNchwMaxOp, linalg::PoolingNhwcMaxOp,
          linalg::PoolingNchwSumOp, linalg::PoolingNhwcSumOp>(op)) {
    auto pool = cast<linalg::LinalgOp>(op);
    if (!pool.hasPureTensorSemantics() || !allF32(op))
      return fail("only f32 tensors are quantized");
    std::optional<float> init = getFillValue(pool.getDpsInits()[0]);
    if (!init)
      return fail("its accumulator is not filled with a constant");
    unit.kind = Kind::MaxPool;
    unit.initValue = *init;
    if (isa<linalg::PoolingNchwSumOp, linalg::PoolingNhwcSumOp>(op)) {
      // An average: the sum from zero, then one elementwise division by the
      // window size (count_include_pad: a constant divisor).
      if (*init != 0.0f)
        return fail("its sum does not start from zero");
      auto window = cast<RankedTensorType>(pool.getDpsInputs()[1].getType());
      if (!window.hasStaticShape())
        return fail("its window is dynamic");
      unit.windowSize = window.getNumElements();
      Value sum = op->getResult(0);
      Operation *divide = sum.hasOneUse() ? *sum.getUsers().begin() : nullptr;
      Value yielded = divide ? getElementwiseYield(divide, 1) : Value();
      Operation *def = yielded ? yielded.getDefiningOp() : nullptr;
      std::optional<float> c =
          def && def->getNumOperands() == 2 &&
                  def->getOperand(0) ==
                      cast<linalg::GenericOp>(divide).getBody()->getArgument(0)
              ? getFloatScalar(def->getOperand(1))
              : std::nullopt;
      float k = static_cast<float>(unit.windowSize);
      bool isAverage = c && ((isa<arith::DivFOp>(def) && *c == k) ||
                             (isa<arith::MulFOp>(def) && *c == 1.0f / k));
      if (!isAverage)
        return fail("its sum is not divided by the window size (an average "
                    "pooling that excludes the padding has no constant "
                    "divisor)");
      unit.kind = Kind::AvgPool;
      unit.divide = divide;
      unit.result = divide->getResult(0);
    }
    Value input = pool.getDpsInputs()[0];
    if (auto pad = input.getDefiningOp<tensor::PadOp>()) {
      std::optional<float> padValue;
      if (Value v = pad.getConstantPaddingValue())
        padValue = getFloatScalar(v);
      if (!padValue)
        return fail("its input is padded with a value that is not a constant");
      unit.pad = pad;
      unit.padValue = *padValue;
      input = pad.getSource();
    }
    unit.inputs.push_back(input);
    return unit;
  }
  return fail("not an op between contractions that qlinalg quantizes");
}

static bool isFloatTensor(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && isa<FloatType>(t.getElementType());
}

TensorIdMap mlir::qlinalg::assignTensorIds(
    ModuleOp module,
    SmallVectorImpl<std::pair<Operation *, std::string>> *unquantizable,
    llvm::MapVector<Value, int64_t> *weightAxes,
    SmallVectorImpl<QuantizableContraction> *units,
    SmallVectorImpl<QuantizableElementwise> *elementwise) {
  // Every float tensor that carries data of the inputs (block arguments,
  // and results of ops with such an operand; not constants, fills or
  // broadcasts of constants), in pre-order. Probes pass their input's data
  // through without an id of their own.
  DenseMap<Value, unsigned> number;
  DenseSet<Value> carriesData;
  unsigned next = 0;
  module.walk<WalkOrder::PreOrder>([&](Operation *op) {
    bool fromData = llvm::any_of(
        op->getOperands(), [&](Value v) { return carriesData.contains(v); });
    // A QDQ annotation, quant.dcast(quant.qcast(x)), passes x's data
    // through without ids of its own, as --qlinalg-quantize removes it.
    if (fromData && isa<quant::QuantizeCastOp, quant::DequantizeCastOp>(op)) {
      carriesData.insert(op->getResult(0));
      return;
    }
    for (Value v : op->getResults()) {
      if (!fromData || !isFloatTensor(v))
        continue;
      carriesData.insert(v);
      if (!isa<ObserveOp>(op))
        number[v] = next++;
    }
    for (Region &region : op->getRegions())
      for (Block &block : region)
        for (Value arg : block.getArguments())
          if (isFloatTensor(arg)) {
            carriesData.insert(arg);
            number[arg] = next++;
          }
  });
  TensorIdMap ids;
  auto strip = [](Value v) -> Value {
    // Probes from an earlier instrumentation: the id is the observed value's.
    if (auto observe = v.getDefiningOp<ObserveOp>())
      v = observe.getInput();
    // A QDQ annotation: the annotated tensor's.
    if (auto dcast = v.getDefiningOp<quant::DequantizeCastOp>())
      if (auto qcast = dcast.getInput().getDefiningOp<quant::QuantizeCastOp>())
        v = qcast.getInput();
    return v;
  };
  auto assign = [&](Value v) {
    v = strip(v);
    if (!ids.count(v))
      ids[v] = "t" + std::to_string(number.lookup(v));
  };
  // Results of quantized units (a ReLU after one is quantized too) and the
  // bias additions that contractions absorbed.
  DenseSet<Value> unitResults;
  DenseSet<Operation *> absorbed;
  auto matchBetween = [&](Operation *op) {
    if (absorbed.contains(op))
      return;
    std::string whyNot;
    FailureOr<QuantizableElementwise> unit =
        matchQuantizableElementwise(op, whyNot);
    if (failed(unit)) {
      // Only ops that look like one of ours get a remark.
      if (unquantizable &&
          (isElementwiseBinary(op, true) || isElementwiseBinary(op, false) ||
           (isBroadcastBinary(op) &&
            llvm::all_of(cast<linalg::LinalgOp>(op).getDpsInputs(),
                         [&](Value v) { return number.count(strip(v)); })) ||
           isa<linalg::PoolingNchwMaxOp, linalg::PoolingNhwcMaxOp,
               linalg::PoolingNchwSumOp, linalg::PoolingNhwcSumOp,
               tensor::ConcatOp>(op)))
        unquantizable->emplace_back(op, whyNot);
      return;
    }
    using Kind = QuantizableElementwise::Kind;
    if (unit->kind == Kind::Activation &&
        !unitResults.contains(strip(unit->inputs[0])))
      return;
    if (llvm::any_of(unit->inputs,
                     [&](Value v) { return !number.count(strip(v)); })) {
      if (unquantizable && unit->kind != Kind::Activation)
        unquantizable->emplace_back(
            op, !unit->hasOwnScale()
                    ? "its input does not depend on the function's arguments"
                    : "an operand is a constant or computed from constants "
                      "alone (only two computed tensors are quantized)");
      return;
    }
    for (Value v : unit->inputs)
      if (unit->kind != Kind::Activation)
        assign(v);
    if (unit->hasOwnScale())
      assign(unit->result);
    unitResults.insert(unit->result);
    if (unit->divide)
      absorbed.insert(unit->divide);
    if (elementwise)
      elementwise->push_back(*unit);
  };
  module.walk<WalkOrder::PreOrder>([&](Operation *operation) {
    if (isa<tensor::ConcatOp>(operation)) {
      matchBetween(operation);
      return;
    }
    auto op = dyn_cast<linalg::LinalgOp>(operation);
    if (!op)
      return;
    if (!isContractionCandidate(op)) {
      matchBetween(op);
      return;
    }
    std::string whyNot;
    FailureOr<QuantizableContraction> c =
        matchQuantizableContraction(op, whyNot);
    if (succeeded(c) && !c->constantRhs && !number.count(strip(c->rhs))) {
      whyNot = "its weights are computed from constants in a way that is not "
               "folded (only constants and their linalg.transpose are)";
      c = failure();
    }
    if (succeeded(c) && !number.count(strip(c->lhs))) {
      whyNot = "its activations do not depend on the function's arguments";
      c = failure();
    }
    if (failed(c)) {
      if (unquantizable)
        unquantizable->emplace_back(op, whyNot);
      return;
    }
    if (units)
      units->push_back(*c);
    assign(c->lhs);
    if (!c->constantRhs) {
      assign(c->rhs);
      if (weightAxes && c->channelDim >= 0)
        weightAxes->insert({c->rhs, c->channelDim});
    }
    assign(c->result);
    unitResults.insert(c->result);
    if (c->root != c->op.getOperation())
      absorbed.insert(c->root);
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

LogicalResult mlir::qlinalg::appendEntryResults(func::FuncOp func,
                                                ArrayRef<Value> values,
                                                StringRef purpose) {
  if (!func.getBody().hasOneBlock())
    return func.emitError()
           << purpose << " needs an entry function with a single block";
  Block &body = func.getBody().front();
  auto ret = dyn_cast<func::ReturnOp>(body.getTerminator());
  if (!ret)
    return func.emitError()
           << purpose << " needs an entry function ending in func.return";
  // Calls of the entry from other functions expect its own results: they
  // call an unchanged private copy instead.
  if (auto module = func->getParentOfType<ModuleOp>()) {
    std::optional<SymbolTable::UseRange> uses =
        SymbolTable::getSymbolUses(func, module);
    if (uses && !uses->empty()) {
      func::FuncOp copy = func.clone();
      copy.setPrivate();
      StringAttr name = SymbolTable(module).insert(copy, Block::iterator(func));
      if (failed(SymbolTable::replaceAllSymbolUses(func, name, module)))
        return func.emitError("cannot redirect the calls of the entry");
    }
  }
  SmallVector<Value> operands(ret.getOperands());
  operands.append(values.begin(), values.end());
  OpBuilder builder(ret);
  func::ReturnOp::create(builder, ret.getLoc(), operands);
  ret.erase();
  SmallVector<Type> results(func.getResultTypes());
  for (Value v : values)
    results.push_back(v.getType());
  func.setFunctionType(
      FunctionType::get(func.getContext(), func.getArgumentTypes(), results));
  return success();
}

FailureOr<SmallVector<std::string>>
mlir::qlinalg::returnObservedTensors(func::FuncOp func,
                                     SmallVectorImpl<std::string> &skipped) {
  if (!func.getBody().hasOneBlock())
    return func.emitError("calibration needs an entry function with a single "
                          "block");
  Block &body = func.getBody().front();
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
  if (failed(appendEntryResults(func, extra, "calibration")))
    return failure();
  return ids;
}
