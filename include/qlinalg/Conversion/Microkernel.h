//===- Microkernel.h - packed, register-tiled int8 kernels ------*- C++ -*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The structure every ISA kernel shares, generated as tensor-level scf loops
// of vector ops (KERNELS.md has the measurements behind it):
//
//   weights packed at compile time in panels of L columns, each column's kg
//   consecutive k adjacent: one vector load is the weight operand of one
//   dot-product step for L columns; the NT panels of a block (the tile's
//   width) interleaved by group, so that a step's NT loads are adjacent;
//   for each block of NT panels (split over threads):
//     for each block of MR rows (then the remaining rows one at a time):
//       MR x NT accumulators (vector<L x i32>) start at the per-column term
//       of the zero-point decomposition;
//       for each group of kg k (unrolled): kg activation bytes of every row
//       broadcast to a register, one step per accumulator;
//       the epilogue (row correction, requantization, clamp) runs on the
//       registers and stores the result: no i32 M x N buffer.
//
// Only the step is ISA-specific (Kernels/X86.cpp, Kernels/AArch64.cpp);
// `emulate` replaces it by
// portable vector arithmetic with the same semantics, so the packing, tiling
// and epilogue are tested bit for bit on any CPU.
//
//===----------------------------------------------------------------------===//

#ifndef QLINALG_CONVERSION_MICROKERNEL_H
#define QLINALG_CONVERSION_MICROKERNEL_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

#include <functional>
#include <string>

namespace mlir::qlinalg {

struct TargetDescription;

/// One dot-product step: acc[l] += sum_{i < kg} a[l*kg+i] * b[l*kg+i] for
/// l < lanes, with `a` the activations (u8, u8 zero-extended to i16 when
/// weightBits is 16, or s8 for a `signedActivations` step) and `b` signed
/// weights of weightBits; or, for a matrix step (rows = 2), the 2 x 2 block
/// below.
struct DotStep {
  /// The instruction sequence, for messages ("vpdpbusd zmm").
  StringRef name;
  /// Columns per accumulator (a panel of the packed weights: a broadcast
  /// step's i32 lanes) and k values per column and step.
  int64_t lanes = 16, kGroup = 4;
  /// Width of the packed weights (and of the activations in the step).
  unsigned weightBits = 8;
  /// Whether pairs of u8 x s8 products saturate at int16 (vpmaddubsw): then
  /// the lowering must prove that no pair can, or use the exact step.
  bool saturatesPairs = false;
  /// Vector registers the accumulators of one tile may take.
  int64_t accumulatorRegisters = 16;
  /// Groups of k per iteration of the reduction loop (KERNELS.md: 16 bytes
  /// on VNNI; twice on AVX2, whose 16 ymm spill at more).
  int64_t unroll = 4;
  Value (*emit)(OpBuilder &b, Location loc, Value acc, Value a, Value w);
  /// The step multiplies s8 activations (AArch64 sdot): u8 ones are shifted
  /// by -128 (xor 0x80 at load) and the shift corrected through the weight
  /// sums, as the x86 steps shift s8 ones by +128.
  bool signedActivations = false;
  /// The activations of the `unroll` groups of an iteration are one vector
  /// load per row, each group's operand a lane of it broadcast (sdot's
  /// indexed form, `sdot v.4s, v.16b, v.4b[l]`), rather than one
  /// broadcasting load per group and row (vpbroadcastd, or a memory operand
  /// of vpdpbusd). Needs 8-bit groups of 4 (a group is an i32 lane).
  bool laneBroadcast = false;
  /// Rows per accumulator: 2 for a matrix step (AArch64 smmla: acc +=
  /// a (2 x kg) * w^T (kg x 2), the accumulator [r0 c0, r0 c1, r1 c0,
  /// r1 c1] of a row pair and a panel of `lanes` = 2 columns), whose
  /// activations are packed in row pairs per call; 1 for the broadcast
  /// steps, whose accumulator is `lanes` columns of one row.
  int64_t rows = 1;
};

/// The portable emulation of a matrix step (rows = 2): `a` and `w` are two
/// rows of kg values each, acc[2i + j] += sum_k a[i][k] * w[j][k].
Value emitEmulatedMatrixStep(OpBuilder &b, Location loc, Value acc, Value a,
                             Value w, bool signedActivations);

/// The portable emulation of a step's arithmetic (vector dialect: extend,
/// multiply, reduce groups of kg), exact, for any CPU; the activations are
/// sign-extended when `signedActivations`, else zero-extended.
Value emitEmulatedDotStep(OpBuilder &b, Location loc, Value acc, Value a,
                          Value w, bool signedActivations = false);

/// A store epilogue: from a vector<L x i32> accumulator of columns
/// [col, col + L) to the result's vector<L x element>.
using PackedEpilogue =
    std::function<Value(OpBuilder &, Location, Value acc, Value col)>;

/// What the kernel computes, on storage tensors. With `batch` weight sets,
/// every operand gains a leading dimension of that size (set s multiplies
/// lhs[s] by weight set s into result[s]) and the per-set values below are
/// stored one set after another.
struct PackedMatmul {
  /// Weight sets, or 0 for a single one with no batch dimension.
  int64_t batch = 0;
  /// Activations [M, K] ([B, M, K]), M static or dynamic; with `lhsFlip`
  /// they are shifted to the step's signedness (xor 0x80: s8 + 128 as u8,
  /// or u8 - 128 as s8) as they are loaded.
  Value lhs;
  bool lhsFlip = false;
  /// Weights as signed values of at most the step's width, [K][N] row-major
  /// (already shifted from u8 by the caller), packed at compile time...
  SmallVector<int64_t> weights;
  /// ... or, for weights known at run time, their storage tensor ([K, N],
  /// or [N, K] when `weightsNK`), packed by generated code at every call;
  /// `weightsUnsigned` u8 storage is shifted to s8 as it is packed.
  Value weightTensor;
  bool weightsNK = false, weightsUnsigned = false;
  int64_t k = 0, n = 0;
  /// The accumulator's start per column (bias, zero-point terms), as
  /// values, or as an i32 [N] ([B, N]) tensor computed at run time.
  SmallVector<int64_t> columnTerm;
  Value columnTermTensor;
  /// When non-null, acc[m][n] -= rowZeroPoints[n or 0] * rowSums[m]
  /// (rowSums: i32 [M], or [B, M]).
  Value rowSums;
  SmallVector<int64_t> rowZeroPoints;
  /// The result element type (i32 for an accumulator result) and the
  /// epilogue from a vector<L x i32> accumulator of columns [col, col + L)
  /// to a vector<L x resultType>; null keeps the accumulator.
  Type resultType;
  PackedEpilogue epilogue;
};

/// How the kernel was built, for --qlinalg-lower's explain remarks.
struct MicrokernelPlan {
  int64_t rows = 0, panels = 0, threads = 1;
  /// Whether the threads split the weight sets of a batch, or the rows (a
  /// result too narrow to split its columns), else the columns.
  bool threadsOverSets = false, threadsOverRows = false;
  /// With a dynamic M, whether to use the threads is decided at every call
  /// (M x N x K against the fork's cost).
  bool threadsPerCall = false;
};

/// Emits the kernel for `mm` with `step`: a tensor [M, N] ([B, M, N]) of
/// `mm.resultType`. `threads` > 1 splits blocks of panels (or the weight
/// sets of a batch) over an scf.forall when the work is large enough.
Value emitPackedMatmul(OpBuilder &b, Location loc, const PackedMatmul &mm,
                       const TargetDescription &target, const DotStep &step,
                       bool emulate, unsigned threads, MicrokernelPlan &plan);

/// A depthwise convolution on storage tensors: activations [N, H, W, C]
/// (N static or dynamic), weights [KH, KW, C] (a constant or known at run
/// time), result [N, OH, OW, C] with
///   acc[n][oh][ow][c] = bias[c] + sum_{kh, kw} (x - zx) * (w - zw[c])
/// at x[n][oh * sh + kh * dh][ow * sw + kw * dw][c], through `epilogue`
/// (per channel c) when set.
struct PackedDepthwise {
  Value lhs, weights;
  bool lhsUnsigned = false, weightsUnsigned = false;
  int64_t lhsZeroPoint = 0;
  /// One weight zero point, or one per channel.
  SmallVector<int64_t> weightZeroPoints;
  /// i32 [C], or null.
  Value bias;
  int64_t strides[2] = {1, 1}, dilations[2] = {1, 1};
  int64_t outHeight = 0, outWidth = 0;
  Type resultType;
  PackedEpilogue epilogue;
};

/// Emits the kernel for `dw`, vectorized along the channels in vectors of
/// `lanes` i32 (the rest of C in one shorter vector), a few output pixels
/// per tile sharing each tap's weights: a tensor [N, OH, OW, C] of
/// `dw.resultType`. The weights, less their zero points, are widened to i32
/// once per call and the zero-point term -zx * sum w' + bias folded into
/// each channel's start value; the taps multiply widened activations (no
/// dot-product step: adjacent lanes are different channels). `threads` > 1
/// splits the output rows over an scf.forall when the work is large enough.
Value emitPackedDepthwise(OpBuilder &b, Location loc, const PackedDepthwise &dw,
                          int64_t lanes, unsigned threads,
                          MicrokernelPlan &plan);

/// Whether no pair of adjacent k (2j, 2j+1 within a step's group) of any
/// column can leave [-limit - 1, limit] for activations in [amin, amax]
/// (u8, after the shift): what makes vpmaddubsw exact. On failure `why`
/// names the first column and pair that can.
bool provePairSumsFit(ArrayRef<int64_t> weights, int64_t k, int64_t n,
                      int64_t amin, int64_t amax, int64_t limit,
                      std::string &why);

struct IntegerContraction;
struct KernelTarget;
struct LoweringOptions;

/// The packed kernel of `kernel` for `c` when it fits one: a matmul-shaped
/// contraction (lhs [..., K], constant rhs [K, N] or [N, K], result
/// [..., N]) whose bias, if any, is constant per output channel. The
/// activations' storage values lie in [lhsMin, lhsMax]. The result has
/// the shape of `outSizes` and element `resultType`, through `epilogue`.
/// On failure `explain` says why the portable kernel runs it; on success,
/// what was built.
FailureOr<Value> emitPackedContraction(
    OpBuilder &b, Location loc, const IntegerContraction &c,
    ArrayRef<OpFoldResult> outSizes, int64_t lhsMin, int64_t lhsMax,
    Type resultType, const PackedEpilogue &epilogue, const KernelTarget &kernel,
    const LoweringOptions &options, std::string &explain);

} // namespace mlir::qlinalg

#endif // QLINALG_CONVERSION_MICROKERNEL_H
