//===- Target.cpp - the target table --------------------------------------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Target/Target.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir::qlinalg;
using llvm::StringLiteral;

// Tile sizes and packing from the measurements in KERNELS.md: on VNNI a 4x64
// or 6x64 register tile (16-24 zmm accumulators) with weights packed as
// BA16a64b4a; on AVX2 4x16 (8 ymm accumulators), weights in panels of 8
// columns of 4 k; on AArch64 6x12 for dotprod (18 accumulators of 4
// columns: 100% of the sdot issue rate in llvm-mca's Neoverse N1 and V1
// models, where 8x8 left N1's 3-wide dispatch at 94%) and 8x8 in 2x2
// blocks for i8mm (benchmarks/aarch64_mca.py).
// Every row but generic has a packed kernel (Conversion/Microkernel.h).
static const unsigned kEightBit[] = {8};
static const StringLiteral kVnniFeatures[] = {"+avx512f", "+avx512bw",
                                              "+avx512vl", "+avx512vnni"};
static const StringLiteral kVnniHost[] = {"avx512f", "avx512bw", "avx512vl",
                                          "avx512vnni"};
static const StringLiteral kAvx2Features[] = {"+avx2", "+fma"};
static const StringLiteral kAvx2Host[] = {"avx2", "fma"};
static const StringLiteral kI8mmFeatures[] = {"+neon", "+dotprod", "+i8mm"};
static const StringLiteral kI8mmHost[] = {"neon", "dotprod", "i8mm"};
static const StringLiteral kDotFeatures[] = {"+neon", "+dotprod"};
static const StringLiteral kDotHost[] = {"neon", "dotprod"};

static const TargetDescription kTargets[] = {
    {"x86-avx512-vnni",
     "x86-64 with AVX-512 VNNI: packed kernel, vpdpbusd zmm (u8 x s8)",
     "x86_64-unknown-linux-gnu",
     "znver4",
     kVnniFeatures,
     kVnniHost,
     /*unsignedActivations=*/true,
     /*pairSumLimit=*/0,
     kEightBit,
     /*matmul=*/{4, 64, 4},
     /*conv=*/{4, 64, 4},
     /*depthwise=*/{1, 64, 1},
     {"BA16a64b4a", 16, 4},
     "x86-avx512-vnni"},
    {"x86-avx2",
     "x86-64 with AVX2: packed kernel, vpmaddubsw + vpmaddwd ymm where the "
     "int16 pair sums are proven exact, else vpmaddwd on s16 weights",
     "x86_64-unknown-linux-gnu",
     "znver3",
     kAvx2Features,
     kAvx2Host,
     /*unsignedActivations=*/true,
     /*pairSumLimit=*/32767,
     kEightBit,
     /*matmul=*/{4, 16, 4},
     /*conv=*/{4, 16, 4},
     /*depthwise=*/{1, 32, 1},
     {"BA8a32b4a", 8, 4},
     "x86-avx2"},
    {"aarch64-i8mm",
     "AArch64 with i8mm: packed kernel, smmla (usmmla for u8 activations) "
     "on 2x8 x 8x2 blocks, activations packed in row pairs",
     "aarch64-unknown-linux-gnu",
     "neoverse-v1",
     kI8mmFeatures,
     kI8mmHost,
     /*unsignedActivations=*/false,
     /*pairSumLimit=*/0,
     kEightBit,
     /*matmul=*/{8, 8, 8},
     /*conv=*/{8, 8, 8},
     /*depthwise=*/{1, 16, 1},
     {"BA2a8b", 2, 8},
     "aarch64-i8mm"},
    {"aarch64-dotprod",
     "AArch64 with dotprod: packed kernel, sdot v.4s, v.16b, v.4b[l] "
     "(s8 x s8)",
     "aarch64-unknown-linux-gnu",
     "neoverse-n1",
     kDotFeatures,
     kDotHost,
     /*unsignedActivations=*/false,
     /*pairSumLimit=*/0,
     kEightBit,
     /*matmul=*/{6, 12, 4},
     /*conv=*/{8, 8, 4},
     /*depthwise=*/{1, 16, 1},
     {"BA4a4b", 4, 4},
     "aarch64-dotprod"},
    {"generic",
     "portable code for any CPU (vector dialect, no intrinsics), compiled "
     "for the host",
     "",
     "",
     {},
     {},
     /*unsignedActivations=*/false,
     /*pairSumLimit=*/0,
     kEightBit,
     /*matmul=*/{4, 32, 16},
     /*conv=*/{4, 32, 16},
     /*depthwise=*/{1, 16, 1},
     {"row-major", 1, 1},
     "generic"},
};

const TileSizes &TargetDescription::getTiles(ContractionKind kind) const {
  switch (kind) {
  case ContractionKind::Matmul:
    return matmulTiles;
  case ContractionKind::Convolution:
    return convolutionTiles;
  case ContractionKind::Depthwise:
    return depthwiseTiles;
  }
  llvm_unreachable("unknown contraction kind");
}

bool TargetDescription::supportsActivationBits(unsigned bits) const {
  return llvm::is_contained(activationBits, bits);
}

llvm::ArrayRef<TargetDescription> mlir::qlinalg::getTargetDescriptions() {
  return kTargets;
}

bool mlir::qlinalg::hostHasFeature(llvm::StringRef feature) {
  static const llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  auto it = features.find(feature);
  return it != features.end() && it->second;
}

bool mlir::qlinalg::canRunOnHost(const TargetDescription &target) {
  if (!target.triple.empty() &&
      llvm::Triple(target.triple).getArch() !=
          llvm::Triple(llvm::sys::getProcessTriple()).getArch())
    return false;
  return llvm::all_of(target.hostFeatures, hostHasFeature);
}

const TargetDescription *mlir::qlinalg::lookupTarget(llvm::StringRef name,
                                                     std::string &error) {
  if (name == "host") {
    for (const TargetDescription &t : kTargets)
      if (canRunOnHost(t))
        return &t;
    return &kTargets[std::size(kTargets) - 1];
  }
  for (const TargetDescription &t : kTargets)
    if (t.name == name)
      return &t;
  error = "unknown target '" + name.str() +
          "'; known targets: host (the best target for the running CPU)";
  for (const TargetDescription &t : kTargets)
    error += ", " + t.name.str();
  error += " (qlinalg-opt --qlinalg-list-targets describes them)";
  return nullptr;
}

void mlir::qlinalg::printTargets(llvm::raw_ostream &os) {
  std::string error;
  const TargetDescription *host = lookupTarget("host", error);
  os << "qlinalg targets (host resolves to " << host->name << " here):\n";
  for (const TargetDescription &t : kTargets) {
    os << "\n"
       << t.name << (canRunOnHost(t) ? "" : " (cannot run here)") << "\n  "
       << t.summary << "\n";
    os << "  triple:       "
       << (t.triple.empty() ? llvm::StringRef("host") : t.triple);
    if (!t.cpu.empty())
      os << ", cpu " << t.cpu;
    os << "\n  features:     ";
    if (t.features.empty())
      os << "none required";
    llvm::interleave(t.features, os, ",");
    os << "\n  activations:  "
       << (t.unsignedActivations ? "u8 (s8 shifted by 128)" : "s8 or u8")
       << ", bits ";
    llvm::interleave(t.activationBits, os, ",");
    os << "\n  saturation:   ";
    if (t.pairSumLimit)
      os << "pair sums of u8 x s8 products saturate at +-" << t.pairSumLimit;
    else
      os << "none (exact dot-product step)";
    auto tiles = [&](const char *what, const TileSizes &s) {
      os << llvm::formatv("\n  tiles {0,-7} {1}x{2}, k step {3}", what, s.m,
                          s.n, s.k);
    };
    tiles("matmul", t.matmulTiles);
    tiles("conv", t.convolutionTiles);
    tiles("dw", t.depthwiseTiles);
    os << "\n  weights:      " << t.packing.name;
    if (t.packing.panelColumns > 1)
      os << " (panels of " << t.packing.panelColumns << " columns x "
         << t.packing.kGroup << " k)";
    os << "\n  kernel:       " << t.kernel << "\n";
  }
}
