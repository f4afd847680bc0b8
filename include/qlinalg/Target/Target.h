//===- Target.h - target descriptions as data -------------------*- C++ -*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// What qlinalg knows about a CPU target, as a table of plain data that the
// quantizer, the lowering and the runners ask: the LLVM triple and CPU
// features to compile for, what the int8 dot-product step needs (activation
// signedness, saturation limits), tile sizes per kind of contraction, the
// weight packing layout, and which kernel emitter implements it. `host` is
// resolved from the running CPU's features (llvm::sys::getHostCPUFeatures).
//
// Adding an ISA is adding a row here and, in Conversion/Kernels, the vector
// patterns of its dot-product step; neither touches the quantizer.
//
//===----------------------------------------------------------------------===//

#ifndef QLINALG_TARGET_TARGET_H
#define QLINALG_TARGET_TARGET_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <string>

namespace mlir::qlinalg {

/// Register tile of a contraction kind: rows (M), columns (N) and reduction
/// step (K) of one microkernel invocation.
struct TileSizes {
  int64_t m = 1, n = 1, k = 1;
};

/// The kinds of contraction a target tiles differently.
enum class ContractionKind { Matmul, Convolution, Depthwise };

/// How constant weights (K x N) are packed for the kernel: panels of
/// `panelColumns` output channels, each column's `kGroup` consecutive k
/// values adjacent (oneDNN's BA16a64b4a is panelColumns = 16, kGroup = 4 for
/// vpdpbusd). panelColumns = kGroup = 1 means row-major, unpacked.
struct WeightPacking {
  llvm::StringRef name;
  int64_t panelColumns = 1;
  int64_t kGroup = 1;
};

/// One row of the target table.
struct TargetDescription {
  /// Name used by `target=`.
  llvm::StringRef name;
  /// One line for the listing and error messages.
  llvm::StringRef summary;
  /// LLVM target triple and CPU features (LLVM spelling, e.g.
  /// "+avx512vnni"); an empty triple means the host's.
  llvm::StringRef triple;
  llvm::StringRef cpu;
  llvm::ArrayRef<llvm::StringLiteral> features;
  /// Host CPU features (llvm::sys::getHostCPUFeatures names) code for this
  /// target needs to run; `host` picks the first row whose features the
  /// running CPU has.
  llvm::ArrayRef<llvm::StringLiteral> hostFeatures;
  /// The dot-product step multiplies u8 activations by s8 weights (x86
  /// vpdpbusd / vpmaddubsw): s8 activations are shifted by 128 and the shift
  /// is corrected through the weight sums.
  bool unsignedActivations = false;
  /// Largest magnitude a pair of u8 x s8 products may sum to in the step
  /// before it saturates (vpmaddubsw: 32767), or 0 when the step is exact.
  int64_t pairSumLimit = 0;
  /// Activation bit widths a kernel of this target accumulates exactly.
  llvm::ArrayRef<unsigned> activationBits;
  TileSizes matmulTiles, convolutionTiles, depthwiseTiles;
  WeightPacking packing;
  /// The kernel emitter (Conversion/Kernels) that implements the target in
  /// this build.
  llvm::StringRef kernel;

  const TileSizes &getTiles(ContractionKind kind) const;
  bool supportsActivationBits(unsigned bits) const;
};

/// Every target this build knows, in the order `host` prefers them.
llvm::ArrayRef<TargetDescription> getTargetDescriptions();

/// The features of the running CPU, as llvm::sys::getHostCPUFeatures names
/// those it has.
bool hostHasFeature(llvm::StringRef feature);

/// True when code for `target` runs on this CPU.
bool canRunOnHost(const TargetDescription &target);

/// The target called `name`; `host` resolves to the first target that can
/// run on this CPU. On failure `error` lists the known names.
const TargetDescription *lookupTarget(llvm::StringRef name, std::string &error);

/// Prints the table (what `qlinalg-opt --qlinalg-list-targets` shows).
void printTargets(llvm::raw_ostream &os);

} // namespace mlir::qlinalg

#endif // QLINALG_TARGET_TARGET_H
