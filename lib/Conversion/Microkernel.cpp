//===- Microkernel.cpp - packed, register-tiled int8 kernels --------------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The loop nest of Microkernel.h on tensors. Panels of L columns are
// grouped into blocks of NT panels (the register tile's width); only blocks
// whose columns are all in range run in the main (possibly multi-threaded)
// loop, the last block, its partial panel stored as a shorter vector, after
// it. Rows run in blocks of MR, the rest one tile of the remaining rows (M
// static) or one row at a time (M dynamic). The reduction runs whole inside
// a tile (no K blocking: the accumulators never leave the registers), four
// (or two) groups per iteration, then the remaining groups, then, when K is
// not a multiple of kg, the last group with its activations read short and
// zero-extended (the packed weights are zero there). No masked loads or
// stores: LLVM 22 widens a one-lane masked store of vector<16xi8> on
// AVX-512.
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Conversion/Microkernel.h"

#include "qlinalg/Target/Target.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace mlir::qlinalg;

Value mlir::qlinalg::emitEmulatedDotStep(OpBuilder &b, Location loc, Value acc,
                                         Value a, Value w,
                                         bool signedActivations) {
  auto accType = cast<VectorType>(acc.getType());
  auto wType = cast<VectorType>(w.getType());
  int64_t lanes = accType.getNumElements();
  int64_t group = wType.getNumElements() / lanes;
  Type i32 = b.getI32Type();
  auto wide = VectorType::get({wType.getNumElements()}, i32);
  // Activations are unsigned (u8, or u8 zero-extended to i16) or, for a
  // signed step, s8; weights signed.
  Value a32 = signedActivations
                  ? arith::ExtSIOp::create(b, loc, wide, a).getResult()
                  : arith::ExtUIOp::create(b, loc, wide, a).getResult();
  Value w32 = arith::ExtSIOp::create(b, loc, wide, w);
  Value prod = arith::MulIOp::create(b, loc, a32, w32);
  Value grouped = vector::ShapeCastOp::create(
      b, loc, VectorType::get({lanes, group}, i32), prod);
  return vector::MultiDimReductionOp::create(b, loc, grouped, acc,
                                             ArrayRef<bool>{false, true},
                                             vector::CombiningKind::ADD);
}

Value mlir::qlinalg::emitEmulatedMatrixStep(OpBuilder &b, Location loc,
                                            Value acc, Value a, Value w,
                                            bool signedActivations) {
  // acc[i][j] += sum_k a[i][k] * w[j][k] for the 2 rows of `a` and the 2
  // columns of `w` (8 k each): the rows repeated as [a0 a0 a1 a1] against
  // [w0 w1 w0 w1], multiplied, reduced in groups of 8.
  auto wType = cast<VectorType>(w.getType());
  int64_t k = wType.getNumElements() / 2;
  SmallVector<int64_t> rows, cols;
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 2; ++j)
      for (int64_t l = 0; l < k; ++l) {
        rows.push_back(i * k + l);
        cols.push_back(j * k + l);
      }
  Value ar = vector::ShuffleOp::create(b, loc, a, a, rows);
  Value wc = vector::ShuffleOp::create(b, loc, w, w, cols);
  Type i32 = b.getI32Type();
  auto wide = VectorType::get({4 * k}, i32);
  Value a32 = signedActivations
                  ? arith::ExtSIOp::create(b, loc, wide, ar).getResult()
                  : arith::ExtUIOp::create(b, loc, wide, ar).getResult();
  Value w32 = arith::ExtSIOp::create(b, loc, wide, wc);
  Value prod = arith::MulIOp::create(b, loc, a32, w32);
  Value grouped =
      vector::ShapeCastOp::create(b, loc, VectorType::get({4, k}, i32), prod);
  return vector::MultiDimReductionOp::create(b, loc, grouped, acc,
                                             ArrayRef<bool>{false, true},
                                             vector::CombiningKind::ADD);
}

bool mlir::qlinalg::provePairSumsFit(ArrayRef<int64_t> weights, int64_t k,
                                     int64_t n, int64_t amin, int64_t amax,
                                     int64_t limit, std::string &why) {
  for (int64_t col = 0; col < n; ++col) {
    for (int64_t k0 = 0; k0 < k; k0 += 2) {
      int64_t hi = 0, lo = 0;
      for (int64_t kk = k0; kk < std::min(k, k0 + 2); ++kk) {
        int64_t w = weights[kk * n + col];
        hi += w > 0 ? amax * w : amin * w;
        lo += w > 0 ? amin * w : amax * w;
      }
      if (hi > limit || lo < -limit - 1) {
        why = llvm::formatv("column {0}, k {1}..{2} reaches [{3}, {4}] for "
                            "activations in [{5}, {6}], beyond the limit {7}",
                            col, k0, std::min(k, k0 + 2) - 1, lo, hi, amin,
                            amax, limit);
        return false;
      }
    }
  }
  return true;
}

static Value cIndex(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

namespace {
class KernelBuilder {
public:
  KernelBuilder(OpBuilder &b, Location loc, const PackedMatmul &mm,
                const DotStep &step, bool emulate, int64_t nt)
      : loc(loc), mm(mm), step(step), emulate(emulate), blockPanels(nt) {
    assert(
        (!step.laneBroadcast || (step.kGroup == 4 && step.weightBits == 8)) &&
        "a lane-broadcast step's groups are i32 lanes");
    assert((step.rows == 1 || (step.rows == 2 && step.lanes == 2)) &&
           "a matrix step's accumulator is 2 x 2");
    lanes = step.lanes;
    group = step.kGroup;
    panels = (mm.n + lanes - 1) / lanes;
    blocks = (panels + nt - 1) / nt;
    groups = (mm.k + group - 1) / group;
    sets = std::max<int64_t>(mm.batch, 1);
    weightType = b.getIntegerType(step.weightBits);
    pack(b);
    // A 16-bit step reads the activations widened once; a lane-broadcast
    // step flips them once (one xor per 16 bytes per call, not one per row
    // load of every block of columns).
    if (step.weightBits != 8 || (step.laneBroadcast && mm.lhsFlip))
      widen(b);
    if (step.rows == 2)
      packRowPairs(b);
  }

  Value build(OpBuilder &b, Value out, int64_t mr, int64_t nt, unsigned threads,
              MicrokernelPlan &plan);

private:
  void pack(OpBuilder &b);
  void widen(OpBuilder &b);
  Value emitSet(OpBuilder &b, Value out, int64_t mr, int64_t nt,
                unsigned threads, MicrokernelPlan &plan);
  Value emitSets(OpBuilder &b, Value out, int64_t mr, int64_t nt,
                 unsigned threads, MicrokernelPlan &plan);
  Value emitSetRange(OpBuilder &b, Value out, Value lo, Value hi, int64_t mr,
                     int64_t nt, MicrokernelPlan &plan);
  /// Indices into the activations and the row sums: the current weight set
  /// first in a batch; within a thread's chunk, relative to its slices.
  SmallVector<Value> lhsIndices(OpBuilder &b, ValueRange rest) const {
    SmallVector<Value> indices;
    if (set)
      indices.push_back(set);
    indices.append(rest.begin(), rest.end());
    if (chunkLo)
      indices[0] = arith::SubIOp::create(b, loc, indices[0], chunkLo);
    return indices;
  }
  /// A thread's chunk [lo, hi) of dimension 0 (rows, or weight sets in a
  /// batch): its activations and row sums are read through slices of that
  /// range, which --qlinalg-vectorize can then compute in the chunk (their
  /// producers, the quantize of the input among them, fused into it).
  void enterChunk(OpBuilder &b, Value lo, Value hi);
  void exitChunk() { chunkLo = lhsView = rowSumsView = Value(); }
  Value activations() const {
    return lhsView ? lhsView : widened ? widened : mm.lhs;
  }
  Value rowSums() const { return rowSumsView ? rowSumsView : mm.rowSums; }
  /// The row of the packed weights (and the first entry of the column term
  /// when scaled by `stride`) of panel `p` of the current set.
  Value inSet(OpBuilder &b, Value v, int64_t stride) const {
    if (!set)
      return v;
    return arith::AddIOp::create(
        b, loc, v, arith::MulIOp::create(b, loc, set, cIndex(b, loc, stride)));
  }
  int64_t mDim() const { return mm.batch ? 1 : 0; }
  Value emitColumnBlocks(OpBuilder &b, Value out, Value lo, Value hi,
                         int64_t mr, int64_t nt);
  Value emitParallelBlocks(OpBuilder &b, Value out, int64_t fullBlocks,
                           int64_t chunks, int64_t mr, int64_t nt);
  Value emitParallelRows(OpBuilder &b, Value out, int64_t chunks, int64_t mr,
                         function_ref<Value(OpBuilder &, Value)> body);
  Value emitRows(OpBuilder &b, Value out, Value p0, Value outCol0, int64_t mr,
                 int64_t nt, int64_t lastColumns);
  /// Rows [m0, m0 + mr) of columns from panel p0 on: nt panels, the last
  /// with lastColumns columns. With `rowLimit`, rows from it on are not
  /// stored (the last row pair of a matrix step with an odd dynamic M).
  Value emitTile(OpBuilder &b, Value out, Value m0, int64_t mr, Value p0,
                 Value outCol0, int64_t nt, int64_t lastColumns,
                 Value rowLimit = {});
  /// emitTile for a matrix step: accumulators of 2 rows x L columns, the
  /// activations from the row-pair packing.
  Value emitMatrixTile(OpBuilder &b, Value out, Value m0, int64_t mr, Value p0,
                       Value outCol0, int64_t nt, int64_t lastColumns,
                       Value rowLimit);
  /// The reduction loop of a tile: groups [0, count - count % unroll) in
  /// iterations of `unroll` groups from g, `prologue(g)` loaded once per
  /// iteration and `group(g, u, prologue, accs)` the u-th; `accs` is
  /// updated, and the number of groups it ran returned.
  using GroupFn = function_ref<SmallVector<Value>(
      OpBuilder &, Value g, int64_t u, ArrayRef<Value> prologue, ValueRange)>;
  using PrologueFn = function_ref<SmallVector<Value>(OpBuilder &, Value g)>;
  int64_t emitGroupLoop(OpBuilder &b, int64_t count, SmallVector<Value> &accs,
                        GroupFn group, PrologueFn prologue = nullptr);
  SmallVector<Value> emitMatrixGroup(OpBuilder &b, Value g, ValueRange accs,
                                     Value mp0, int64_t pairs, Value p0,
                                     int64_t nt);
  /// The weights of group g of the nt panels from panel p0.
  SmallVector<Value> loadWeights(OpBuilder &b, Value g, Value p0, int64_t nt);
  /// Row m's accumulators through the epilogue into `out`: `pieces` are
  /// vectors of consecutive columns, each starting `offsets[i]` columns
  /// into the tile (whose first column is panel p0's), of which `valid`
  /// exist.
  Value storeRow(OpBuilder &b, Value out, Value m, ArrayRef<Value> pieces,
                 ArrayRef<int64_t> offsets, Value p0, Value outCol0,
                 int64_t valid);
  /// For a matrix step: the activations as row pairs, each group's 2 x kg
  /// bytes adjacent ([(sets,) ceil(M / 2), groups * 2 * kg], zero past M
  /// and K), so that one load is a step's activation operand.
  void packRowPairs(OpBuilder &b);
  SmallVector<Value> emitGroup(OpBuilder &b, Value g, ValueRange accs,
                               ArrayRef<Value> activations, Value p0,
                               int64_t nt);
  /// Group g's activation operand for each of the rows [m0, m0 + mr): a
  /// broadcasting load per row.
  SmallVector<Value> broadcastRows(OpBuilder &b, Value g, Value m0, int64_t mr,
                                   bool tail);
  Value broadcastActivation(OpBuilder &b, Value m, Value k, bool tail);
  /// The kg values of `source` (elements `elem`) at `at`, a row's group;
  /// with `tail`, the last group of K read short and zero-extended.
  Value readGroup(OpBuilder &b, Value source, ValueRange at, Type elem,
                  bool tail);
  /// For a laneBroadcast step: the activations of `unroll` groups from
  /// group g of each row, one vector load each, and the operand of the u-th
  /// group of those, its lane u broadcast.
  SmallVector<Value> loadRows(OpBuilder &b, Value g, Value m0, int64_t mr);
  Value broadcastLane(OpBuilder &b, Value row, int64_t u);
  /// s8 + 128 as u8, or u8 - 128 as s8, on a loaded vector.
  Value flip(OpBuilder &b, Value v);
  Value dot(OpBuilder &b, Value acc, Value a, Value w) {
    return emulate ? (step.rows == 2
                          ? emitEmulatedMatrixStep(b, loc, acc, a, w,
                                                   step.signedActivations)
                          : emitEmulatedDotStep(b, loc, acc, a, w,
                                                step.signedActivations))
                   : step.emit(b, loc, acc, a, w);
  }

  Location loc;
  const PackedMatmul &mm;
  const DotStep &step;
  bool emulate;
  int64_t lanes, group, panels, groups, sets;
  /// The packed weights are blocks of `blockPanels` panels (the tile's
  /// width), one group of every panel of a block adjacent: the weight
  /// loads of a step are one stream (and ldp pairs on AArch64).
  int64_t blockPanels, blocks;
  /// The weight set being emitted in a batch (an index), else null.
  Value set;
  /// The rows [rowLo, rowHi) being emitted into a slice of the result whose
  /// row 0 is rowBase (rows split over threads), else null: every row.
  Value rowLo, rowHi, rowBase;
  Type weightType;
  Value packed, columnTerm, rowZeroPoints;
  /// The activations as u16 (s8 shifted first) for a 16-bit step, or null.
  Value widened;
  /// The activations packed in row pairs for a matrix step, or null.
  Value pairedLhs;
  /// Within a thread's chunk: its first index along dimension 0 and the
  /// slices of the activations (widened, for a 16-bit step) and row sums
  /// it reads; else null.
  Value chunkLo, lhsView, rowSumsView;
};

/// `source` restricted to [lo, hi) along dimension 0.
static Value sliceDim0(OpBuilder &b, Location loc, Value source, Value lo,
                       Value hi) {
  int64_t rank = cast<RankedTensorType>(source.getType()).getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, source);
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  offsets[0] = lo;
  sizes[0] = arith::SubIOp::create(b, loc, hi, lo).getResult();
  return tensor::ExtractSliceOp::create(b, loc, source, offsets, sizes,
                                        strides);
}

void KernelBuilder::enterChunk(OpBuilder &b, Value lo, Value hi) {
  Value source = activations();
  lhsView = sliceDim0(b, loc, source, lo, hi);
  if (mm.rowSums)
    rowSumsView = sliceDim0(b, loc, mm.rowSums, lo, hi);
  chunkLo = lo;
}
} // namespace

/// Generated code packing the run-time weights of `mm`: padded to whole
/// groups and blocks of `nt` panels (with the value that shifts to 0), then
/// P[s][q][g][j][l][i] = W'[s][g*kg + i][(q*nt + j)*L + l] by a
/// linalg.generic (no s without a batch), as
/// [sets * blocks][groups * nt * L * kg] of `weightType`.
static Value emitRuntimePacking(OpBuilder &b, Location loc,
                                const PackedMatmul &mm, int64_t blocks,
                                int64_t nt, int64_t groups, int64_t lanes,
                                int64_t group, Type weightType) {
  MLIRContext *ctx = b.getContext();
  Value w = mm.weightTensor;
  auto type = cast<RankedTensorType>(w.getType());
  unsigned lead = mm.batch ? 1 : 0, rank = lead + 2;
  int64_t kPad = groups * group - mm.k, nPad = blocks * nt * lanes - mm.n;
  if (kPad || nPad) {
    SmallVector<OpFoldResult> low(rank, b.getIndexAttr(0));
    SmallVector<OpFoldResult> high(low);
    high[lead] = b.getIndexAttr(mm.weightsNK ? nPad : kPad);
    high[lead + 1] = b.getIndexAttr(mm.weightsNK ? kPad : nPad);
    SmallVector<int64_t> shape(type.getShape());
    shape[lead] += mm.weightsNK ? nPad : kPad;
    shape[lead + 1] += mm.weightsNK ? kPad : nPad;
    Value pad = arith::ConstantOp::create(
        b, loc,
        b.getIntegerAttr(type.getElementType(), mm.weightsUnsigned ? 128 : 0));
    w = tensor::PadOp::create(
        b, loc, RankedTensorType::get(shape, type.getElementType()), w, low,
        high, pad, /*nofold=*/false);
  }
  unsigned dims = lead + 5;
  AffineExpr q = getAffineDimExpr(lead, ctx),
             g = getAffineDimExpr(lead + 1, ctx),
             j = getAffineDimExpr(lead + 2, ctx),
             l = getAffineDimExpr(lead + 3, ctx),
             i = getAffineDimExpr(lead + 4, ctx);
  AffineExpr kk = g * group + i, nn = (q * nt + j) * lanes + l;
  SmallVector<AffineExpr> reads;
  if (lead)
    reads.push_back(getAffineDimExpr(0, ctx));
  reads.push_back(mm.weightsNK ? nn : kk);
  reads.push_back(mm.weightsNK ? kk : nn);
  AffineMap read = AffineMap::get(dims, 0, reads, ctx);
  SmallVector<int64_t> packedShape{blocks, groups, nt, lanes, group};
  if (lead)
    packedShape.insert(packedShape.begin(), mm.batch);
  Value empty = tensor::EmptyOp::create(b, loc, packedShape, weightType);
  SmallVector<utils::IteratorType> iterators(dims,
                                             utils::IteratorType::parallel);
  bool shift = mm.weightsUnsigned;
  Value packed =
      linalg::GenericOp::create(
          b, loc, empty.getType(), ValueRange{w}, ValueRange{empty},
          ArrayRef<AffineMap>{read,
                              AffineMap::getMultiDimIdentityMap(dims, ctx)},
          iterators,
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value v = args[0];
            if (shift) // u8 - 128 as s8.
              v = arith::XOrIOp::create(
                  nb, nl, v,
                  arith::ConstantOp::create(nb, nl, nb.getI8IntegerAttr(-128)));
            if (weightType != v.getType())
              v = arith::ExtSIOp::create(nb, nl, weightType, v);
            linalg::YieldOp::create(nb, nl, v);
          })
          .getResult(0);
  SmallVector<ReassociationIndices> collapse{{0}, {1, 2, 3, 4}};
  if (lead)
    collapse = {{0, 1}, {2, 3, 4, 5}};
  return tensor::CollapseShapeOp::create(b, loc, packed, collapse);
}

void KernelBuilder::pack(OpBuilder &b) {
  if (mm.weightTensor) {
    packed = emitRuntimePacking(b, loc, mm, blocks, blockPanels, groups, lanes,
                                group, weightType);
  } else {
    // P[s][q][g][j][l][i] = W[s][g*kg + i][(q*nt + j)*L + l], zero past K
    // and N, as [sets * blocks][groups * nt * L * kg].
    int64_t nt = blockPanels;
    int64_t blockSize = groups * nt * lanes * group;
    SmallVector<APInt> data;
    data.reserve(sets * blocks * blockSize);
    unsigned bits = step.weightBits;
    for (int64_t set = 0; set < sets; ++set) {
      ArrayRef<int64_t> w = ArrayRef(mm.weights).slice(set * mm.k * mm.n);
      for (int64_t q = 0; q < blocks; ++q)
        for (int64_t g = 0; g < groups; ++g)
          for (int64_t j = 0; j < nt; ++j)
            for (int64_t l = 0; l < lanes; ++l)
              for (int64_t i = 0; i < group; ++i) {
                int64_t kk = g * group + i, nn = (q * nt + j) * lanes + l;
                int64_t v = kk < mm.k && nn < mm.n ? w[kk * mm.n + nn] : 0;
                data.push_back(APInt(bits, uint64_t(v), /*isSigned=*/true));
              }
    }
    packed = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(
            RankedTensorType::get({sets * blocks, blockSize}, weightType),
            data));
  }
  // Per-column values padded to whole panels, set after set.
  auto padded = [&](ArrayRef<int64_t> values, int64_t count) {
    int64_t width = panels * lanes;
    SmallVector<int32_t> v(count * width, 0);
    for (int64_t set = 0; set < count; ++set)
      for (int64_t col = 0; col < mm.n; ++col)
        v[set * width + col] = static_cast<int32_t>(
            static_cast<uint32_t>(values[set * mm.n + col]));
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(
            RankedTensorType::get({count * width}, b.getI32Type()),
            ArrayRef<int32_t>(v)));
  };
  if (mm.columnTermTensor) {
    // Padded to whole panels at run time, the sets in one dimension.
    int64_t pad = panels * lanes - mm.n;
    columnTerm = mm.columnTermTensor;
    auto type = cast<RankedTensorType>(columnTerm.getType());
    if (pad) {
      SmallVector<int64_t> shape(type.getShape());
      shape.back() += pad;
      SmallVector<OpFoldResult> low(type.getRank(), b.getIndexAttr(0));
      SmallVector<OpFoldResult> high(low);
      high.back() = b.getIndexAttr(pad);
      columnTerm = tensor::PadOp::create(
          b, loc, RankedTensorType::get(shape, b.getI32Type()), columnTerm, low,
          high, arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0)),
          /*nofold=*/false);
    }
    if (type.getRank() == 2)
      columnTerm = tensor::CollapseShapeOp::create(
          b, loc, columnTerm, ArrayRef<ReassociationIndices>{{0, 1}});
  } else {
    columnTerm = padded(mm.columnTerm, sets);
  }
  if (mm.rowSums && mm.rowZeroPoints.size() > 1)
    rowZeroPoints = padded(mm.rowZeroPoints, 1);
}

/// The activations zero-extended to the step's 16 bits once (s8 flipped to
/// u8 first): each broadcast is then one vpbroadcastd from memory, with no
/// widening shuffle per row and k pair; or, for an 8-bit step, only flipped.
/// An elementwise generic, which --qlinalg-vectorize vectorizes.
void KernelBuilder::widen(OpBuilder &b) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(mm.lhs.getType());
  Value empty = tensor::EmptyOp::create(
      b, loc, tensor::getMixedSizes(b, loc, mm.lhs), weightType);
  AffineMap id = AffineMap::getMultiDimIdentityMap(type.getRank(), ctx);
  SmallVector<utils::IteratorType> iterators(type.getRank(),
                                             utils::IteratorType::parallel);
  bool flip = mm.lhsFlip;
  Type wide = weightType;
  widened =
      linalg::GenericOp::create(
          b, loc, empty.getType(), ValueRange{mm.lhs}, ValueRange{empty},
          ArrayRef<AffineMap>{id, id}, iterators,
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value v = args[0];
            if (flip)
              v = arith::XOrIOp::create(
                  nb, nl, v,
                  arith::ConstantOp::create(nb, nl, nb.getI8IntegerAttr(-128)));
            if (v.getType() != wide)
              v = arith::ExtUIOp::create(nb, nl, wide, v);
            linalg::YieldOp::create(nb, nl, v);
          })
          .getResult(0);
}

Value KernelBuilder::broadcastActivation(OpBuilder &b, Value m, Value k,
                                         bool tail) {
  Type i32 = b.getI32Type();
  // A step on 16-bit values reads the activations widened once up front.
  Value source = activations();
  Value a = readGroup(b, source, lhsIndices(b, {m, k}),
                      widened ? weightType : b.getI8Type(), tail);
  Type elem = weightType;
  // The kg values as one i32, broadcast to every lane (vpbroadcastd).
  Value word = vector::BitCastOp::create(b, loc, VectorType::get({1}, i32), a);
  Value scalar = vector::ExtractOp::create(b, loc, word, ArrayRef<int64_t>{0});
  Value splat = vector::BroadcastOp::create(
      b, loc, VectorType::get({lanes}, i32), scalar);
  auto broadcastType = VectorType::get({lanes * group}, elem);
  Value broadcast = vector::BitCastOp::create(b, loc, broadcastType, splat);
  if (!mm.lhsFlip || widened)
    return broadcast;
  // s8 + 128 as u8 (the shift the column term corrects), on the broadcast
  // register: the broadcast stays a load (vpbroadcastd zmm, m32).
  return flip(b, broadcast);
}

Value KernelBuilder::readGroup(OpBuilder &b, Value source, ValueRange at,
                               Type elem, bool tail) {
  Value zero = arith::ConstantOp::create(b, loc, b.getIntegerAttr(elem, 0));
  auto type = VectorType::get({group}, elem);
  if (!tail)
    return vector::TransferReadOp::create(b, loc, type, source, at, zero,
                                          ArrayRef<bool>{true});
  // The last K % kg values, read in bounds and zero-extended to a group (a
  // masked load could be widened past the end of the activations).
  Value part = vector::TransferReadOp::create(
      b, loc, VectorType::get({mm.k % group}, elem), source, at, zero,
      ArrayRef<bool>{true});
  Value zeros = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, b.getIntegerAttr(elem, 0)));
  return vector::InsertStridedSliceOp::create(
      b, loc, part, zeros, ArrayRef<int64_t>{0}, ArrayRef<int64_t>{1});
}

Value KernelBuilder::flip(OpBuilder &b, Value v) {
  // Only 8-bit activations are flipped (a 16-bit step's are widened from
  // flipped bytes).
  auto type = cast<VectorType>(v.getType());
  assert(type.getElementType().isInteger(8) && "flips bytes");
  Value bits = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(type, b.getI8IntegerAttr(-128)));
  return arith::XOrIOp::create(b, loc, v, bits);
}

SmallVector<Value> KernelBuilder::broadcastRows(OpBuilder &b, Value g, Value m0,
                                                int64_t mr, bool tail) {
  Value k = arith::MulIOp::create(b, loc, g, cIndex(b, loc, group));
  SmallVector<Value> rows;
  for (int64_t r = 0; r < mr; ++r)
    rows.push_back(broadcastActivation(
        b, arith::AddIOp::create(b, loc, m0, cIndex(b, loc, r)), k, tail));
  return rows;
}

SmallVector<Value> KernelBuilder::loadRows(OpBuilder &b, Value g, Value m0,
                                           int64_t mr) {
  Type i8 = b.getI8Type();
  Value zero = arith::ConstantOp::create(b, loc, b.getIntegerAttr(i8, 0));
  auto type = VectorType::get({step.unroll * group}, i8);
  Value k = arith::MulIOp::create(b, loc, g, cIndex(b, loc, group));
  SmallVector<Value> rows;
  for (int64_t r = 0; r < mr; ++r) {
    Value m = arith::AddIOp::create(b, loc, m0, cIndex(b, loc, r));
    Value v = vector::TransferReadOp::create(b, loc, type, activations(),
                                             lhsIndices(b, {m, k}), zero,
                                             ArrayRef<bool>{true});
    rows.push_back(mm.lhsFlip && !widened ? flip(b, v) : v);
  }
  return rows;
}

Value KernelBuilder::broadcastLane(OpBuilder &b, Value row, int64_t u) {
  // As i32 lanes, lane u to every lane of the accumulator's width, back to
  // bytes: the pattern LLVM selects as the indexed dot product.
  Type i32 = b.getI32Type();
  Value words = vector::BitCastOp::create(
      b, loc, VectorType::get({step.unroll}, i32), row);
  SmallVector<int64_t> mask(lanes, u);
  Value splat = vector::ShuffleOp::create(b, loc, words, words, mask);
  return vector::BitCastOp::create(
      b, loc, VectorType::get({lanes * group}, weightType), splat);
}

SmallVector<Value> KernelBuilder::loadWeights(OpBuilder &b, Value g, Value p0,
                                              int64_t nt) {
  Value zero =
      arith::ConstantOp::create(b, loc, b.getIntegerAttr(weightType, 0));
  auto wType = VectorType::get({lanes * group}, weightType);
  // Block p0 / nt, group g: the tile's nt panels one after another.
  Value block =
      inSet(b, arith::DivUIOp::create(b, loc, p0, cIndex(b, loc, blockPanels)),
            blocks);
  Value gOffset = arith::MulIOp::create(
      b, loc, g, cIndex(b, loc, blockPanels * lanes * group));
  SmallVector<Value> w;
  for (int64_t j = 0; j < nt; ++j) {
    Value offset = arith::AddIOp::create(b, loc, gOffset,
                                         cIndex(b, loc, j * lanes * group));
    w.push_back(vector::TransferReadOp::create(b, loc, wType, packed,
                                               ValueRange{block, offset}, zero,
                                               ArrayRef<bool>{true}));
  }
  return w;
}

SmallVector<Value> KernelBuilder::emitGroup(OpBuilder &b, Value g,
                                            ValueRange accs,
                                            ArrayRef<Value> activations,
                                            Value p0, int64_t nt) {
  SmallVector<Value> w = loadWeights(b, g, p0, nt);
  SmallVector<Value> result;
  for (auto [r, a] : llvm::enumerate(activations))
    for (int64_t j = 0; j < nt; ++j)
      result.push_back(dot(b, accs[r * nt + j], a, w[j]));
  return result;
}

Value KernelBuilder::emitTile(OpBuilder &b, Value out, Value m0, int64_t mr,
                              Value p0, Value outCol0, int64_t nt,
                              int64_t lastColumns, Value rowLimit) {
  if (step.rows == 2)
    return emitMatrixTile(b, out, m0, mr, p0, outCol0, nt, lastColumns,
                          rowLimit);
  Type i32 = b.getI32Type();
  auto accType = VectorType::get({lanes}, i32);
  Value zero32 = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
  SmallVector<Value> cols;
  for (int64_t j = 0; j < nt; ++j)
    cols.push_back(arith::MulIOp::create(
        b, loc, arith::AddIOp::create(b, loc, p0, cIndex(b, loc, j)),
        cIndex(b, loc, lanes)));
  SmallVector<Value> accs;
  for (int64_t r = 0; r < mr; ++r)
    for (int64_t j = 0; j < nt; ++j)
      accs.push_back(vector::TransferReadOp::create(
          b, loc, accType, columnTerm,
          ValueRange{inSet(b, cols[j], panels * lanes)}, zero32,
          ArrayRef<bool>{true}));

  // Whole groups: four (or eight) per iteration, then the rest unrolled.
  int64_t whole = mm.k / group;
  int64_t mainGroups = emitGroupLoop(
      b, whole, accs,
      [&](OpBuilder &nb, Value g, int64_t u, ArrayRef<Value> rows,
          ValueRange a) {
        Value gu = arith::AddIOp::create(nb, loc, g, cIndex(nb, loc, u));
        SmallVector<Value> acts;
        if (step.laneBroadcast)
          for (Value row : rows)
            acts.push_back(broadcastLane(nb, row, u));
        else
          acts = broadcastRows(nb, gu, m0, mr, /*tail=*/false);
        return emitGroup(nb, gu, a, acts, p0, nt);
      },
      [&](OpBuilder &nb, Value g) {
        return step.laneBroadcast ? loadRows(nb, g, m0, mr)
                                  : SmallVector<Value>();
      });
  for (int64_t g = mainGroups; g < whole; ++g) {
    Value gv = cIndex(b, loc, g);
    accs = emitGroup(b, gv, accs, broadcastRows(b, gv, m0, mr, false), p0, nt);
  }
  if (whole < groups) {
    Value gv = cIndex(b, loc, whole);
    accs = emitGroup(b, gv, accs, broadcastRows(b, gv, m0, mr, true), p0, nt);
  }

  // The epilogue on the registers, then the store.
  int64_t valid = (nt - 1) * lanes + lastColumns;
  SmallVector<int64_t> offsets;
  for (int64_t j = 0; j < nt; ++j)
    offsets.push_back(j * lanes);
  for (int64_t r = 0; r < mr; ++r) {
    Value m = arith::AddIOp::create(b, loc, m0, cIndex(b, loc, r));
    out = storeRow(b, out, m, ArrayRef(accs).slice(r * nt, nt), offsets, p0,
                   outCol0, valid);
  }
  return out;
}

Value KernelBuilder::storeRow(OpBuilder &b, Value out, Value m,
                              ArrayRef<Value> pieces, ArrayRef<int64_t> offsets,
                              Value p0, Value outCol0, int64_t valid) {
  Value zero32 = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
  Value rowSum;
  if (mm.rowSums)
    rowSum = tensor::ExtractOp::create(b, loc, rowSums(), lhsIndices(b, {m}));
  Value colBase = arith::MulIOp::create(b, loc, p0, cIndex(b, loc, lanes));
  Value row = rowBase ? arith::SubIOp::create(b, loc, m, rowBase) : m;
  for (auto [piece, offset] : llvm::zip(pieces, offsets)) {
    if (offset >= valid)
      continue;
    Value v = piece;
    auto type = cast<VectorType>(v.getType());
    Value col = arith::AddIOp::create(b, loc, colBase, cIndex(b, loc, offset));
    if (rowSum) {
      Value zb;
      if (rowZeroPoints)
        zb = vector::TransferReadOp::create(b, loc, type, rowZeroPoints,
                                            ValueRange{col}, zero32,
                                            ArrayRef<bool>{true});
      else
        zb = arith::ConstantOp::create(
            b, loc,
            DenseElementsAttr::get(
                type, b.getI32IntegerAttr(int32_t(mm.rowZeroPoints[0]))));
      Value sums = vector::BroadcastOp::create(b, loc, type, rowSum);
      v = arith::SubIOp::create(b, loc, v,
                                arith::MulIOp::create(b, loc, zb, sums));
    }
    if (mm.epilogue)
      v = mm.epilogue(b, loc, v, col);
    // The partial last panel stores only its columns, a shorter vector
    // (no masked store: LLVM 22 turns a one-lane masked store of
    // vector<16xi8> into a 4-byte vmovss on AVX-512).
    int64_t width = type.getNumElements();
    if (offset + width > valid)
      v = vector::ExtractStridedSliceOp::create(
          b, loc, v, ArrayRef<int64_t>{0}, ArrayRef<int64_t>{valid - offset},
          ArrayRef<int64_t>{1});
    Value outCol =
        arith::AddIOp::create(b, loc, outCol0, cIndex(b, loc, offset));
    out = vector::TransferWriteOp::create(
              b, loc, v, out, ValueRange{row, outCol}, ArrayRef<bool>{true})
              .getResult();
  }
  return out;
}

void KernelBuilder::packRowPairs(OpBuilder &b) {
  // P[(s,) q][g][h][i] = A[(s,) 2q + h][g * kg + i], zero past M and K: whole
  // row pairs, then the odd last row with zeros; in each, whole groups,
  // then the last group read short and zero-extended. Generated loops of
  // vector loads and stores (the layout is no elementwise map).
  Type i8 = b.getI8Type();
  unsigned mDimension = mDim();
  Value m = getValueOrCreateConstantIndexOp(
      b, loc, tensor::getMixedSize(b, loc, mm.lhs, mDimension));
  Value two = cIndex(b, loc, 2);
  Value fullPairs = arith::DivUIOp::create(b, loc, m, two);
  Value allPairs = arith::DivUIOp::create(
      b, loc, arith::AddIOp::create(b, loc, m, cIndex(b, loc, 1)), two);
  int64_t width = 2 * group;
  SmallVector<OpFoldResult> sizes{allPairs, b.getIndexAttr(groups * width)};
  if (mm.batch)
    sizes.insert(sizes.begin(), b.getIndexAttr(mm.batch));
  Value packedRows = tensor::EmptyOp::create(b, loc, sizes, i8);
  auto half = VectorType::get({group}, i8);
  auto pair = VectorType::get({width}, i8);
  int64_t whole = mm.k / group;
  // Group g of row r, or zeros when `present` is false.
  auto pairHalf = [&](OpBuilder &nb, Value s, Value r, int64_t g,
                      bool present) -> Value {
    Value zeros = arith::ConstantOp::create(
        nb, loc, DenseElementsAttr::get(half, nb.getI8IntegerAttr(0)));
    if (!present)
      return zeros;
    SmallVector<Value> at{r, cIndex(nb, loc, g * group)};
    if (s)
      at.insert(at.begin(), s);
    // Flipped after the zero-extension of the last group: the packed
    // weights are zero past K.
    Value v = readGroup(nb, mm.lhs, at, i8, g >= whole);
    return mm.lhsFlip ? flip(nb, v) : v;
  };
  // Row pair q (the second row zeros when `second` is false) into `acc`.
  auto emitPair = [&](OpBuilder &nb, Value s, Value q, Value acc,
                      bool second) -> Value {
    Value r0 = arith::MulIOp::create(nb, loc, q, two);
    Value r1 = arith::AddIOp::create(nb, loc, r0, cIndex(nb, loc, 1));
    for (int64_t g = 0; g < groups; ++g) {
      Value lo = pairHalf(nb, s, r0, g, true);
      Value hi = pairHalf(nb, s, r1, g, second);
      SmallVector<int64_t> concat;
      for (int64_t i = 0; i < width; ++i)
        concat.push_back(i);
      Value v = vector::ShuffleOp::create(nb, loc, pair, lo, hi, concat);
      SmallVector<Value> at{q, cIndex(nb, loc, g * width)};
      if (s)
        at.insert(at.begin(), s);
      acc = vector::TransferWriteOp::create(nb, loc, v, acc, at,
                                            ArrayRef<bool>{true})
                .getResult();
    }
    return acc;
  };
  auto loop = [&](OpBuilder &ob, Value lo, Value hi, Value acc,
                  function_ref<Value(OpBuilder &, Value, Value)> body) {
    return scf::ForOp::create(
               ob, loc, lo, hi, cIndex(ob, loc, 1), ValueRange{acc},
               [&](OpBuilder &nb, Location nl, Value i, ValueRange iters) {
                 scf::YieldOp::create(nb, nl, body(nb, i, iters[0]));
               })
        .getResult(0);
  };
  auto everyPair = [&](OpBuilder &ob, Value s, Value acc) -> Value {
    acc = loop(ob, cIndex(ob, loc, 0), fullPairs, acc,
               [&](OpBuilder &nb, Value q, Value a) {
                 return emitPair(nb, s, q, a, true);
               });
    // An odd M: the last row with a row of zeros.
    Value odd = arith::CmpIOp::create(ob, loc, arith::CmpIPredicate::ne,
                                      fullPairs, allPairs);
    auto last = scf::IfOp::create(ob, loc, TypeRange{acc.getType()}, odd, true);
    OpBuilder::InsertionGuard guard(ob);
    ob.setInsertionPointToStart(last.thenBlock());
    scf::YieldOp::create(ob, loc, emitPair(ob, s, fullPairs, acc, false));
    ob.setInsertionPointToStart(last.elseBlock());
    scf::YieldOp::create(ob, loc, acc);
    return last.getResult(0);
  };
  if (!mm.batch) {
    pairedLhs = everyPair(b, Value(), packedRows);
    return;
  }
  pairedLhs = loop(
      b, cIndex(b, loc, 0), cIndex(b, loc, mm.batch), packedRows,
      [&](OpBuilder &nb, Value s, Value acc) { return everyPair(nb, s, acc); });
}

int64_t KernelBuilder::emitGroupLoop(OpBuilder &b, int64_t count,
                                     SmallVector<Value> &accs, GroupFn group,
                                     PrologueFn prologue) {
  int64_t unroll = std::max<int64_t>(1, step.unroll);
  int64_t main = count - count % unroll;
  if (main == 0)
    return 0;
  auto loop = scf::ForOp::create(
      b, loc, cIndex(b, loc, 0), cIndex(b, loc, main), cIndex(b, loc, unroll),
      accs, [&](OpBuilder &nb, Location nl, Value g, ValueRange iters) {
        SmallVector<Value> a(iters);
        SmallVector<Value> loaded;
        if (prologue)
          loaded = prologue(nb, g);
        for (int64_t u = 0; u < unroll; ++u)
          a = group(nb, g, u, loaded, a);
        scf::YieldOp::create(nb, nl, a);
      });
  accs.assign(loop.getResults().begin(), loop.getResults().end());
  return main;
}

SmallVector<Value> KernelBuilder::emitMatrixGroup(OpBuilder &b, Value g,
                                                  ValueRange accs, Value mp0,
                                                  int64_t pairs, Value p0,
                                                  int64_t nt) {
  SmallVector<Value> w = loadWeights(b, g, p0, nt);
  Type i8 = b.getI8Type();
  Value zero = arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(0));
  auto type = VectorType::get({2 * group}, i8);
  Value offset = arith::MulIOp::create(b, loc, g, cIndex(b, loc, 2 * group));
  SmallVector<Value> result;
  for (int64_t p = 0; p < pairs; ++p) {
    SmallVector<Value> at{arith::AddIOp::create(b, loc, mp0, cIndex(b, loc, p)),
                          offset};
    if (set)
      at.insert(at.begin(), set);
    Value a = vector::TransferReadOp::create(b, loc, type, pairedLhs, at, zero,
                                             ArrayRef<bool>{true});
    for (int64_t j = 0; j < nt; ++j)
      result.push_back(dot(b, accs[p * nt + j], a, w[j]));
  }
  return result;
}

Value KernelBuilder::emitMatrixTile(OpBuilder &b, Value out, Value m0,
                                    int64_t mr, Value p0, Value outCol0,
                                    int64_t nt, int64_t lastColumns,
                                    Value rowLimit) {
  Type i32 = b.getI32Type();
  int64_t pairs = (mr + 1) / 2;
  Value zero32 = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
  // Each accumulator is [r0 c0, r0 c1, r1 c0, r1 c1] of its pair of rows and
  // panel of 2 columns: it starts at the panel's column term, twice.
  SmallVector<Value> starts;
  for (int64_t j = 0; j < nt; ++j) {
    Value col = arith::MulIOp::create(
        b, loc, arith::AddIOp::create(b, loc, p0, cIndex(b, loc, j)),
        cIndex(b, loc, lanes));
    Value t = vector::TransferReadOp::create(
        b, loc, VectorType::get({lanes}, i32), columnTerm,
        ValueRange{inSet(b, col, panels * lanes)}, zero32,
        ArrayRef<bool>{true});
    SmallVector<int64_t> twice;
    for (int64_t h = 0; h < 2; ++h)
      for (int64_t l = 0; l < lanes; ++l)
        twice.push_back(l);
    starts.push_back(vector::ShuffleOp::create(b, loc, t, t, twice));
  }
  SmallVector<Value> accs;
  for (int64_t p = 0; p < pairs; ++p)
    accs.append(starts.begin(), starts.end());
  // Every group of the packed activations (the last zero-extended there).
  Value mp0 = arith::DivUIOp::create(b, loc, m0, cIndex(b, loc, 2));
  int64_t mainGroups = emitGroupLoop(
      b, groups, accs,
      [&](OpBuilder &nb, Value g, int64_t u, ArrayRef<Value>, ValueRange a) {
        Value gu = arith::AddIOp::create(nb, loc, g, cIndex(nb, loc, u));
        return emitMatrixGroup(nb, gu, a, mp0, pairs, p0, nt);
      });
  for (int64_t g = mainGroups; g < groups; ++g)
    accs = emitMatrixGroup(b, cIndex(b, loc, g), accs, mp0, pairs, p0, nt);

  // Rows from the pairs: two panels' halves as one vector of 2L columns.
  int64_t valid = (nt - 1) * lanes + lastColumns;
  for (int64_t p = 0; p < pairs; ++p) {
    for (int64_t h = 0; h < 2 && 2 * p + h < mr; ++h) {
      SmallVector<Value> pieces;
      SmallVector<int64_t> offsets;
      for (int64_t j = 0; j < nt; j += 2) {
        Value x = accs[p * nt + j];
        Value y = j + 1 < nt ? accs[p * nt + j + 1] : x;
        SmallVector<int64_t> mask;
        for (int64_t l = 0; l < lanes; ++l)
          mask.push_back(h * lanes + l);
        if (j + 1 < nt)
          for (int64_t l = 0; l < lanes; ++l)
            mask.push_back(2 * lanes + h * lanes + l);
        pieces.push_back(vector::ShuffleOp::create(b, loc, x, y, mask));
        offsets.push_back(j * lanes);
      }
      Value m = arith::AddIOp::create(b, loc, m0, cIndex(b, loc, 2 * p + h));
      if (!rowLimit || h == 0) {
        out = storeRow(b, out, m, pieces, offsets, p0, outCol0, valid);
        continue;
      }
      // The second row of the last pair, when M has it.
      Value inside =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, m, rowLimit);
      auto store =
          scf::IfOp::create(b, loc, TypeRange{out.getType()}, inside, true);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(store.thenBlock());
      scf::YieldOp::create(
          b, loc, storeRow(b, out, m, pieces, offsets, p0, outCol0, valid));
      b.setInsertionPointToStart(store.elseBlock());
      scf::YieldOp::create(b, loc, out);
      b.setInsertionPointAfter(store);
      out = store.getResult(0);
    }
  }
  return out;
}

Value KernelBuilder::emitRows(OpBuilder &b, Value out, Value p0, Value outCol0,
                              int64_t mr, int64_t nt, int64_t lastColumns) {
  auto lhsType = cast<RankedTensorType>(mm.lhs.getType());
  unsigned m0Dim = mDim();
  // The remaining rows one at a time, or a row pair at a time for a matrix
  // step (the last pair's second row not stored past `limit`).
  int64_t rest = step.rows;
  auto rowLoop = [&](Value lo, Value hi, int64_t rows, Value acc,
                     Value limit = {}) -> Value {
    return scf::ForOp::create(
               b, loc, lo, hi, cIndex(b, loc, rows), ValueRange{acc},
               [&](OpBuilder &nb, Location nl, Value m0, ValueRange iters) {
                 scf::YieldOp::create(nb, nl,
                                      emitTile(nb, iters[0], m0, rows, p0,
                                               outCol0, nt, lastColumns,
                                               limit));
               })
        .getResult(0);
  };
  if (rowLo) {
    // Rows [rowLo, rowHi): whole tiles, then one row at a time.
    Value count = arith::SubIOp::create(b, loc, rowHi, rowLo);
    Value whole = arith::AddIOp::create(
        b, loc, rowLo,
        arith::SubIOp::create(
            b, loc, count,
            arith::RemUIOp::create(b, loc, count, cIndex(b, loc, mr))));
    out = rowLoop(rowLo, whole, mr, out);
    if (mr > rest)
      out = rowLoop(whole, rowHi, rest, out, rest > 1 ? rowHi : Value());
    return out;
  }
  if (!lhsType.isDynamicDim(m0Dim)) {
    int64_t m = lhsType.getDimSize(m0Dim);
    int64_t whole = m - m % mr;
    if (whole == mr)
      out =
          emitTile(b, out, cIndex(b, loc, 0), mr, p0, outCol0, nt, lastColumns);
    else if (whole > 0)
      out = rowLoop(cIndex(b, loc, 0), cIndex(b, loc, whole), mr, out);
    if (m % mr)
      out = emitTile(b, out, cIndex(b, loc, whole), m % mr, p0, outCol0, nt,
                     lastColumns);
    return out;
  }
  Value m = tensor::DimOp::create(b, loc, mm.lhs, mDim());
  Value whole = arith::SubIOp::create(
      b, loc, m, arith::RemUIOp::create(b, loc, m, cIndex(b, loc, mr)));
  out = rowLoop(cIndex(b, loc, 0), whole, mr, out);
  if (mr > rest)
    out = rowLoop(whole, m, rest, out, rest > 1 ? m : Value());
  return out;
}

Value KernelBuilder::emitColumnBlocks(OpBuilder &b, Value out, Value lo,
                                      Value hi, int64_t mr, int64_t nt) {
  return scf::ForOp::create(
             b, loc, lo, hi, cIndex(b, loc, 1), ValueRange{out},
             [&](OpBuilder &nb, Location nl, Value block, ValueRange iters) {
               Value p0 =
                   arith::MulIOp::create(nb, nl, block, cIndex(nb, nl, nt));
               Value local = arith::MulIOp::create(
                   nb, nl, arith::SubIOp::create(nb, nl, block, lo),
                   cIndex(nb, nl, nt * lanes));
               scf::YieldOp::create(
                   nb, nl, emitRows(nb, iters[0], p0, local, mr, nt, lanes));
             })
      .getResult(0);
}

/// Smallest contraction (multiply-adds) worth the fork and join of a
/// parallel region (an M = 1 product of 1024 x 1024, 2^20, already gains:
/// each core streams its half of the weights through its own L2).
static constexpr int64_t kMinParallelWork = int64_t(1) << 19;

/// Smallest contraction whose rows are split over threads (or a depthwise
/// convolution's): compute-bound, unlike a wide GEMV that gains from each
/// core streaming its own weights, it must outweigh the fork and join
/// (examples/mlp's 256 x 64 x 32 layer, 2^19, ran 1.5x slower split).
static constexpr int64_t kMinRowSplitWork = int64_t(1) << 21;

/// An scf.forall of `chunks` over `out`: chunk t fills the slice of `out`
/// spanning [offset(t), offset(t + 1)) along dimension `dim` (every other
/// dimension whole), by `body` from that slice and the two bounds.
static Value
emitChunks(OpBuilder &b, Location loc, Value out, int64_t chunks, unsigned dim,
           function_ref<Value(OpBuilder &, Value)> offset,
           function_ref<Value(OpBuilder &, Value, Value, Value)> body) {
  auto forall = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(chunks)}, ValueRange{out},
      std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(forall.getBody());
  Value t = forall.getInductionVar(0);
  Value lo = offset(b, t);
  Value hi = offset(b, arith::AddIOp::create(b, loc, t, cIndex(b, loc, 1)));
  Value shared = forall.getRegionOutArgs()[0];
  int64_t rank = cast<RankedTensorType>(out.getType()).getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, shared);
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  offsets[dim] = lo;
  sizes[dim] = arith::SubIOp::create(b, loc, hi, lo).getResult();
  Value slice =
      tensor::ExtractSliceOp::create(b, loc, shared, offsets, sizes, strides);
  Value done = body(b, slice, lo, hi);
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(b, loc, done, shared, offsets, sizes,
                                        strides);
  return forall.getResult(0);
}

/// chunk * total / chunks: where chunk `chunk` of an even split of `total`
/// items starts.
static Value evenSplit(OpBuilder &b, Location loc, Value chunk, Value total,
                       int64_t chunks) {
  Value scaled = arith::MulIOp::create(b, loc, chunk, total);
  return arith::DivUIOp::create(b, loc, scaled, cIndex(b, loc, chunks));
}

Value KernelBuilder::emitParallelBlocks(OpBuilder &b, Value out,
                                        int64_t fullBlocks, int64_t chunks,
                                        int64_t mr, int64_t nt) {
  // Chunk t runs blocks [t * B / T, (t + 1) * B / T), the columns of its
  // slice.
  int64_t width = nt * lanes;
  return emitChunks(
      b, loc, out, chunks, /*dim=*/1,
      [&](OpBuilder &nb, Value t) -> Value {
        Value block =
            evenSplit(nb, loc, t, cIndex(nb, loc, fullBlocks), chunks);
        return arith::MulIOp::create(nb, loc, block, cIndex(nb, loc, width));
      },
      [&](OpBuilder &nb, Value slice, Value lo, Value hi) {
        auto block = [&](Value col) -> Value {
          return arith::DivUIOp::create(nb, loc, col, cIndex(nb, loc, width));
        };
        // Every row, read through a slice of the chunk's own, so that a
        // small M's quantize is made by each thread (again) rather than
        // alone before the parallel region.
        enterChunk(nb, cIndex(nb, loc, 0),
                   getValueOrCreateConstantIndexOp(
                       nb, loc, tensor::getMixedSize(nb, loc, mm.lhs, 0)));
        Value done = emitColumnBlocks(nb, slice, block(lo), block(hi), mr, nt);
        exitChunk();
        return done;
      });
}

/// Runs `parallel` (over `chunks` threads) when the multiply-adds of this
/// call, `rows` (static, or dynamic dimension `dim` of `lhs`) times
/// `perRow`, pay for a fork, else `serial`: decided at compile time, or per
/// call with a dynamic M. Records in `plan` whether and how it may fork.
static Value forkIfLarge(OpBuilder &b, Location loc, Value out, Value lhs,
                         unsigned dim, int64_t perRow, int64_t chunks,
                         MicrokernelPlan &plan,
                         function_ref<Value(OpBuilder &)> parallel,
                         function_ref<Value(OpBuilder &)> serial,
                         int64_t minWork = kMinParallelWork) {
  auto type = cast<RankedTensorType>(lhs.getType());
  plan.threadsPerCall = type.isDynamicDim(dim);
  if (!plan.threadsPerCall) {
    if (type.getDimSize(dim) * perRow < minWork)
      return serial(b);
    plan.threads = chunks;
    return parallel(b);
  }
  plan.threads = chunks;
  // A dynamic M: the parallel version only when this call's product is
  // large enough to pay for the fork (M = 1 of a small layer is not).
  Value m = tensor::DimOp::create(b, loc, lhs, dim);
  Value work = arith::MulIOp::create(b, loc, m, cIndex(b, loc, perRow));
  Value large = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, work,
                                      cIndex(b, loc, minWork));
  auto choice = scf::IfOp::create(b, loc, TypeRange{out.getType()}, large,
                                  /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(choice.thenBlock());
  scf::YieldOp::create(b, loc, parallel(b));
  b.setInsertionPointToStart(choice.elseBlock());
  scf::YieldOp::create(b, loc, serial(b));
  return choice.getResult(0);
}

Value KernelBuilder::build(OpBuilder &b, Value out, int64_t mr, int64_t nt,
                           unsigned threads, MicrokernelPlan &plan) {
  plan.threads = 1;
  if (!mm.batch)
    return emitSet(b, out, mr, nt, threads, plan);
  return emitSets(b, out, mr, nt, threads, plan);
}

/// Sets [lo, hi) of a batch one after another, each into its rank-reduced
/// slice of `out` ([sets, M, N] from set `lo` on).
Value KernelBuilder::emitSetRange(OpBuilder &b, Value out, Value lo, Value hi,
                                  int64_t mr, int64_t nt,
                                  MicrokernelPlan &plan) {
  return scf::ForOp::create(
             b, loc, lo, hi, cIndex(b, loc, 1), ValueRange{out},
             [&](OpBuilder &nb, Location nl, Value s, ValueRange iters) {
               Value all = iters[0];
               SmallVector<OpFoldResult> offsets{
                   arith::SubIOp::create(nb, nl, s, lo).getResult(),
                   nb.getIndexAttr(0), nb.getIndexAttr(0)};
               SmallVector<OpFoldResult> sizes{
                   nb.getIndexAttr(1), tensor::getMixedSize(nb, nl, all, 1),
                   tensor::getMixedSize(nb, nl, all, 2)};
               SmallVector<OpFoldResult> strides(3, nb.getIndexAttr(1));
               auto allType = cast<RankedTensorType>(all.getType());
               auto oneType = RankedTensorType::get(
                   allType.getShape().drop_front(), allType.getElementType());
               Value one = tensor::ExtractSliceOp::create(
                   nb, nl, oneType, all, offsets, sizes, strides);
               set = s;
               MicrokernelPlan serial;
               one = emitSet(nb, one, mr, nt, /*threads=*/1, serial);
               set = Value();
               scf::YieldOp::create(
                   nb, nl,
                   tensor::InsertSliceOp::create(nb, nl, one, all, offsets,
                                                 sizes, strides)
                       .getResult());
             })
      .getResult(0);
}

/// A batch: the weight sets split over threads (chunk t runs sets
/// [t * S / T, (t + 1) * S / T)), each set's kernel on one thread.
Value KernelBuilder::emitSets(OpBuilder &b, Value out, int64_t mr, int64_t nt,
                              unsigned threads, MicrokernelPlan &plan) {
  int64_t chunks = std::min<int64_t>(threads, sets);
  auto serial = [&](OpBuilder &nb) {
    return emitSetRange(nb, out, cIndex(nb, loc, 0), cIndex(nb, loc, sets), mr,
                        nt, plan);
  };
  if (chunks < 2)
    return serial(b);
  auto parallel = [&](OpBuilder &nb) {
    return emitChunks(
        nb, loc, out, chunks, /*dim=*/0,
        [&](OpBuilder &cb, Value t) {
          return evenSplit(cb, loc, t, cIndex(cb, loc, sets), chunks);
        },
        [&](OpBuilder &cb, Value slice, Value lo, Value hi) {
          enterChunk(cb, lo, hi);
          Value done = emitSetRange(cb, slice, lo, hi, mr, nt, plan);
          exitChunk();
          return done;
        });
  };
  Value result = forkIfLarge(b, loc, out, mm.lhs, mDim(), sets * mm.n * mm.k,
                             chunks, plan, parallel, serial, kMinRowSplitWork);
  plan.threadsOverSets = plan.threads > 1;
  return result;
}

/// Rows split over threads: chunk t runs the tiles of MR rows
/// [t * B / T, (t + 1) * B / T) (B the number of tiles, the last one short),
/// `body` emitting every column of them into its slice of `out`.
Value KernelBuilder::emitParallelRows(
    OpBuilder &b, Value out, int64_t chunks, int64_t mr,
    function_ref<Value(OpBuilder &, Value)> body) {
  Value m = tensor::DimOp::create(b, loc, mm.lhs, mDim());
  Value tiles = arith::DivUIOp::create(
      b, loc, arith::AddIOp::create(b, loc, m, cIndex(b, loc, mr - 1)),
      cIndex(b, loc, mr));
  return emitChunks(
      b, loc, out, chunks, /*dim=*/0,
      [&](OpBuilder &nb, Value t) -> Value {
        Value first = evenSplit(nb, loc, t, tiles, chunks);
        return arith::MinUIOp::create(
            nb, loc, arith::MulIOp::create(nb, loc, first, cIndex(nb, loc, mr)),
            m);
      },
      [&](OpBuilder &nb, Value slice, Value lo, Value hi) {
        rowLo = lo;
        rowHi = hi;
        rowBase = lo;
        enterChunk(nb, lo, hi);
        Value done = body(nb, slice);
        exitChunk();
        rowLo = rowHi = rowBase = Value();
        return done;
      });
}

/// One weight set (the only one, or set `set` of a batch) into `out`
/// ([M, N]): its blocks of panels split over `threads` when there are
/// enough of them, else its rows (a narrow result, as convolutions with few
/// output channels have).
Value KernelBuilder::emitSet(OpBuilder &b, Value out, int64_t mr, int64_t nt,
                             unsigned threads, MicrokernelPlan &plan) {
  int64_t fullBlocks = (mm.n / lanes) / nt;
  int64_t tailPanels = panels - fullBlocks * nt;
  auto type = cast<RankedTensorType>(mm.lhs.getType());
  bool dynamicRows = type.isDynamicDim(mDim());
  int64_t rows = dynamicRows ? 0 : type.getDimSize(mDim());
  auto tail = [&](OpBuilder &nb, Value acc) {
    if (tailPanels == 0)
      return acc;
    int64_t p0 = fullBlocks * nt;
    return emitRows(nb, acc, cIndex(nb, loc, p0), cIndex(nb, loc, p0 * lanes),
                    mr, tailPanels, mm.n - (panels - 1) * lanes);
  };
  auto everyColumn = [&](OpBuilder &nb, Value acc) {
    if (fullBlocks > 0)
      acc = emitColumnBlocks(nb, acc, cIndex(nb, loc, 0),
                             cIndex(nb, loc, fullBlocks), mr, nt);
    return tail(nb, acc);
  };
  int64_t tiles = (rows + mr - 1) / mr;
  bool preferRows = !dynamicRows && tiles >= 4 * int64_t(threads);
  if (threads > 1 && fullBlocks >= threads && !preferRows) {
    int64_t chunks = threads;
    auto serial = [&](OpBuilder &nb) {
      return emitColumnBlocks(nb, out, cIndex(nb, loc, 0),
                              cIndex(nb, loc, fullBlocks), mr, nt);
    };
    auto parallel = [&](OpBuilder &nb) {
      return emitParallelBlocks(nb, out, fullBlocks, chunks, mr, nt);
    };
    out = forkIfLarge(b, loc, out, mm.lhs, mDim(), mm.n * mm.k, chunks, plan,
                      parallel, serial);
    return tail(b, out);
  }
  if (threads > 1 && (dynamicRows || tiles >= 2)) {
    int64_t chunks = dynamicRows ? threads : std::min<int64_t>(threads, tiles);
    auto serial = [&](OpBuilder &nb) { return everyColumn(nb, out); };
    auto parallel = [&](OpBuilder &nb) {
      return emitParallelRows(nb, out, chunks, mr, everyColumn);
    };
    out = forkIfLarge(b, loc, out, mm.lhs, mDim(), mm.n * mm.k, chunks, plan,
                      parallel, serial, kMinRowSplitWork);
    plan.threadsOverRows = plan.threads > 1;
    return out;
  }
  return everyColumn(b, out);
}

Value mlir::qlinalg::emitPackedMatmul(OpBuilder &b, Location loc,
                                      const PackedMatmul &mm,
                                      const TargetDescription &target,
                                      const DotStep &step, bool emulate,
                                      unsigned threads, MicrokernelPlan &plan) {
  // Tile: MR = M for small static M (KERNELS.md: 8x32 and 1x64 at M = 8 and
  // 1), else the target's; as many panels as the accumulator registers
  // allow, at most 64 columns.
  const TileSizes &tiles = target.getTiles(ContractionKind::Matmul);
  auto lhsType = cast<RankedTensorType>(mm.lhs.getType());
  unsigned mDim = mm.batch ? 1 : 0;
  int64_t mr = tiles.m;
  if (!lhsType.isDynamicDim(mDim) && lhsType.getDimSize(mDim) <= 8)
    mr = std::max<int64_t>(1, lhsType.getDimSize(mDim));
  int64_t panels = (mm.n + step.lanes - 1) / step.lanes;
  int64_t rowRegisters = (mr + step.rows - 1) / step.rows;
  int64_t nt = std::clamp<int64_t>(step.accumulatorRegisters / rowRegisters, 1,
                                   std::max<int64_t>(1, 64 / step.lanes));
  nt = std::min(nt, panels);
  KernelBuilder builder(b, loc, mm, step, emulate, nt);
  SmallVector<OpFoldResult> sizes{tensor::getMixedSize(b, loc, mm.lhs, mDim),
                                  b.getIndexAttr(mm.n)};
  if (mm.batch)
    sizes.insert(sizes.begin(), b.getIndexAttr(mm.batch));
  Value out = tensor::EmptyOp::create(b, loc, sizes, mm.resultType);
  plan.rows = mr;
  plan.panels = nt;
  return builder.build(b, out, mr, nt, threads, plan);
}

//===----------------------------------------------------------------------===//
// Depthwise convolutions
//===----------------------------------------------------------------------===//

namespace {
/// The loop nest of emitPackedDepthwise: rows of output pixels, tiles of
/// kPixels pixels of a row, blocks of `lanes` channels; the taps unrolled.
class DepthwiseBuilder {
public:
  static constexpr int64_t kPixels = 4;

  DepthwiseBuilder(OpBuilder &b, Location loc, const PackedDepthwise &dw,
                   int64_t lanes)
      : loc(loc), dw(dw), lanes(lanes) {
    auto wType = cast<RankedTensorType>(dw.weights.getType());
    kh = wType.getDimSize(0);
    kw = wType.getDimSize(1);
    channels = wType.getDimSize(2);
    prepare(b);
  }

  /// Output rows [lo, hi) of every image into `out`, whose row 0 is row
  /// `base`.
  Value emitRows(OpBuilder &b, Value out, Value lo, Value hi, Value base);

private:
  void prepare(OpBuilder &b);
  Value emitTile(OpBuilder &b, Value out, Value n, Value oh, Value row,
                 Value ow0, int64_t pixels);
  Value emitBlock(OpBuilder &b, Value out, Value n, Value oh, Value row,
                  Value ow0, int64_t pixels, Value c0, int64_t width);
  Value index(OpBuilder &b, Value v, int64_t scale, int64_t offset) {
    Value s = arith::MulIOp::create(b, loc, v, cIndex(b, loc, scale));
    return arith::AddIOp::create(b, loc, s, cIndex(b, loc, offset));
  }

  Location loc;
  const PackedDepthwise &dw;
  int64_t lanes, kh, kw, channels;
  /// i16 [KH, KW, C]: w - zw (within +-255); i32 [C]: bias - zx * sum w'.
  Value wide, start;
};
} // namespace

void DepthwiseBuilder::prepare(OpBuilder &b) {
  MLIRContext *ctx = b.getContext();
  Type i32 = b.getI32Type();
  AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx),
             d2 = getAffineDimExpr(2, ctx);
  // wide[kh][kw][c] = ext(w) - zw[c], as i16: each tap then multiplies two
  // values sign-extended from 16 bits, which x86 does with vpmaddwd (one
  // uop) rather than vpmulld.
  bool perChannel = dw.weightZeroPoints.size() > 1;
  SmallVector<Value> inputs{dw.weights};
  SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(3, ctx)};
  if (perChannel) {
    SmallVector<int32_t> zps(dw.weightZeroPoints.begin(),
                             dw.weightZeroPoints.end());
    inputs.push_back(arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(RankedTensorType::get({channels}, i32),
                               ArrayRef<int32_t>(zps))));
    maps.push_back(AffineMap::get(3, 0, {d2}, ctx));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(3, ctx));
  Type i16 = b.getI16Type();
  Value empty =
      tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{kh, kw, channels}, i16);
  bool isUnsigned = dw.weightsUnsigned;
  int64_t zw = dw.weightZeroPoints.empty() ? 0 : dw.weightZeroPoints[0];
  wide =
      linalg::GenericOp::create(
          b, loc, empty.getType(), inputs, ValueRange{empty}, maps,
          SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel),
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value w =
                isUnsigned
                    ? arith::ExtUIOp::create(nb, nl, i32, args[0]).getResult()
                    : arith::ExtSIOp::create(nb, nl, i32, args[0]).getResult();
            Value z = perChannel ? args[1]
                                 : arith::ConstantOp::create(
                                       nb, nl, nb.getI32IntegerAttr(zw))
                                       .getResult();
            Value d = arith::SubIOp::create(nb, nl, w, z);
            linalg::YieldOp::create(
                nb, nl, arith::TruncIOp::create(nb, nl, i16, d).getResult());
          })
          .getResult(0);
  // start[c] = bias[c] - zx * sum_{kh, kw} wide[kh][kw][c], with zx + 128
  // for s8 activations, which the taps read as u8 (x xor 0x80 = x + 128).
  auto startType = RankedTensorType::get({channels}, i32);
  Value init = dw.bias;
  if (!init)
    init = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(startType, b.getI32IntegerAttr(0)));
  int64_t zx = dw.lhsZeroPoint + (dw.lhsUnsigned ? 0 : 128);
  start =
      linalg::GenericOp::create(
          b, loc, startType, ValueRange{wide}, ValueRange{init},
          ArrayRef<AffineMap>{AffineMap::get(3, 0, {d1, d2, d0}, ctx),
                              AffineMap::get(3, 0, {d0}, ctx)},
          ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                        utils::IteratorType::reduction,
                                        utils::IteratorType::reduction},
          [&](OpBuilder &nb, Location nl, ValueRange args) {
            Value t = arith::MulIOp::create(
                nb, nl, arith::ExtSIOp::create(nb, nl, i32, args[0]),
                arith::ConstantOp::create(nb, nl,
                                          nb.getI32IntegerAttr(int32_t(-zx))));
            linalg::YieldOp::create(
                nb, nl, arith::AddIOp::create(nb, nl, args[1], t).getResult());
          })
          .getResult(0);
}

Value DepthwiseBuilder::emitBlock(OpBuilder &b, Value out, Value n, Value oh,
                                  Value row, Value ow0, int64_t pixels,
                                  Value c0, int64_t width) {
  Type i32 = b.getI32Type(), i8 = b.getI8Type();
  auto accType = VectorType::get({width}, i32);
  auto bytes = VectorType::get({width}, i8);
  Value zero32 = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
  Value zero8 = arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(0));
  Value init = vector::TransferReadOp::create(
      b, loc, accType, start, ValueRange{c0}, zero32, ArrayRef<bool>{true});
  SmallVector<Value> accs(pixels, init);
  for (int64_t y = 0; y < kh; ++y) {
    Value h = arith::AddIOp::create(
        b, loc,
        arith::MulIOp::create(b, loc, oh, cIndex(b, loc, dw.strides[0])),
        cIndex(b, loc, y * dw.dilations[0]));
    for (int64_t x = 0; x < kw; ++x) {
      Value w = vector::TransferReadOp::create(
          b, loc, VectorType::get({width}, b.getI16Type()), wide,
          ValueRange{cIndex(b, loc, y), cIndex(b, loc, x), c0},
          arith::ConstantOp::create(b, loc, b.getI16IntegerAttr(0)),
          ArrayRef<bool>{true});
      w = arith::ExtSIOp::create(b, loc, accType, w);
      for (int64_t j = 0; j < pixels; ++j) {
        Value ow = arith::AddIOp::create(b, loc, ow0, cIndex(b, loc, j));
        Value col = index(b, ow, dw.strides[1], x * dw.dilations[1]);
        Value a = vector::TransferReadOp::create(b, loc, bytes, dw.lhs,
                                                 ValueRange{n, h, col, c0},
                                                 zero8, ArrayRef<bool>{true});
        // Zero-extended activations (s8 flipped to u8 first) times weights
        // sign-extended from i16: products x86 forms as vpmaddwd.
        if (!dw.lhsUnsigned)
          a = arith::XOrIOp::create(
              b, loc, a,
              arith::ConstantOp::create(
                  b, loc,
                  DenseElementsAttr::get(bytes, b.getI8IntegerAttr(-128))));
        a = arith::ExtUIOp::create(b, loc, accType, a);
        accs[j] = arith::AddIOp::create(b, loc, accs[j],
                                        arith::MulIOp::create(b, loc, a, w));
      }
    }
  }
  for (int64_t j = 0; j < pixels; ++j) {
    Value v = accs[j];
    if (dw.epilogue)
      v = dw.epilogue(b, loc, v, c0);
    Value ow = arith::AddIOp::create(b, loc, ow0, cIndex(b, loc, j));
    out = vector::TransferWriteOp::create(
              b, loc, v, out, ValueRange{n, row, ow, c0}, ArrayRef<bool>{true})
              .getResult();
  }
  return out;
}

Value DepthwiseBuilder::emitTile(OpBuilder &b, Value out, Value n, Value oh,
                                 Value row, Value ow0, int64_t pixels) {
  int64_t whole = channels - channels % lanes;
  if (whole > 0)
    out = scf::ForOp::create(
              b, loc, cIndex(b, loc, 0), cIndex(b, loc, whole),
              cIndex(b, loc, lanes), ValueRange{out},
              [&](OpBuilder &nb, Location nl, Value c0, ValueRange iters) {
                scf::YieldOp::create(nb, nl,
                                     emitBlock(nb, iters[0], n, oh, row, ow0,
                                               pixels, c0, lanes));
              })
              .getResult(0);
  if (channels % lanes)
    out = emitBlock(b, out, n, oh, row, ow0, pixels, cIndex(b, loc, whole),
                    channels % lanes);
  return out;
}

Value DepthwiseBuilder::emitRows(OpBuilder &b, Value out, Value lo, Value hi,
                                 Value base) {
  Value images = tensor::DimOp::create(b, loc, dw.lhs, 0);
  int64_t whole = dw.outWidth - dw.outWidth % kPixels;
  auto loop = [&](OpBuilder &ob, Value from, Value to, int64_t step, Value acc,
                  function_ref<Value(OpBuilder &, Value, Value)> body) {
    return scf::ForOp::create(
               ob, loc, from, to, cIndex(ob, loc, step), ValueRange{acc},
               [&](OpBuilder &nb, Location nl, Value i, ValueRange iters) {
                 scf::YieldOp::create(nb, nl, body(nb, i, iters[0]));
               })
        .getResult(0);
  };
  return loop(
      b, cIndex(b, loc, 0), images, 1, out,
      [&](OpBuilder &b1, Value n, Value acc) {
        return loop(
            b1, lo, hi, 1, acc, [&](OpBuilder &b2, Value oh, Value acc2) {
              Value row = arith::SubIOp::create(b2, loc, oh, base);
              if (whole > 0)
                acc2 = loop(
                    b2, cIndex(b2, loc, 0), cIndex(b2, loc, whole), kPixels,
                    acc2, [&](OpBuilder &b3, Value ow0, Value acc3) {
                      return emitTile(b3, acc3, n, oh, row, ow0, kPixels);
                    });
              if (dw.outWidth % kPixels)
                acc2 = emitTile(b2, acc2, n, oh, row, cIndex(b2, loc, whole),
                                dw.outWidth % kPixels);
              return acc2;
            });
      });
}

Value mlir::qlinalg::emitPackedDepthwise(OpBuilder &b, Location loc,
                                         const PackedDepthwise &dw,
                                         int64_t lanes, unsigned threads,
                                         MicrokernelPlan &plan) {
  DepthwiseBuilder builder(b, loc, dw, lanes);
  auto wType = cast<RankedTensorType>(dw.weights.getType());
  int64_t channels = wType.getDimSize(2);
  SmallVector<OpFoldResult> sizes{
      tensor::getMixedSize(b, loc, dw.lhs, 0), b.getIndexAttr(dw.outHeight),
      b.getIndexAttr(dw.outWidth), b.getIndexAttr(channels)};
  Value out = tensor::EmptyOp::create(b, loc, sizes, dw.resultType);
  plan.rows = DepthwiseBuilder::kPixels;
  plan.panels = (channels + lanes - 1) / lanes;
  plan.threads = 1;
  auto serial = [&](OpBuilder &nb) {
    return builder.emitRows(nb, out, cIndex(nb, loc, 0),
                            cIndex(nb, loc, dw.outHeight), cIndex(nb, loc, 0));
  };
  int64_t chunks = std::min<int64_t>(threads, dw.outHeight);
  if (chunks < 2)
    return serial(b);
  // Chunk t computes rows [t * OH / T, (t + 1) * OH / T) of every image.
  auto parallel = [&](OpBuilder &nb) {
    return emitChunks(
        nb, loc, out, chunks, /*dim=*/1,
        [&](OpBuilder &cb, Value t) {
          return evenSplit(cb, loc, t, cIndex(cb, loc, dw.outHeight), chunks);
        },
        [&](OpBuilder &cb, Value slice, Value lo, Value hi) {
          return builder.emitRows(cb, slice, lo, hi, lo);
        });
  };
  int64_t perImage = dw.outHeight * dw.outWidth * channels *
                     wType.getDimSize(0) * wType.getDimSize(1);
  return forkIfLarge(b, loc, out, dw.lhs, 0, perImage, chunks, plan, parallel,
                     serial, kMinRowSplitWork);
}
