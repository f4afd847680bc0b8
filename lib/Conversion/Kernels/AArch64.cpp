//===- AArch64.cpp - the AArch64 dot-product steps ------------------------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The ISA-specific part of the AArch64 kernels, as upstream's arm_neon
// dialect ops (pure, on vectors: they go through bufferization and the
// conversion to LLVM untouched and translate to the llvm.aarch64.neon
// intrinsics). sdot multiplies s8 by s8, so the activations are s8 (u8 ones
// are shifted by -128 at load, see PackedContraction.cpp) and each group's
// broadcast is a lane of a 16-byte row load: LLVM selects
// `sdot v.4s, v.16b, v.4b[l]` (on 6 x 12 tiles, 100% of the issue rate in
// llvm-mca's Neoverse N1 and V1 models: benchmarks/aarch64_mca.py). With i8mm,
// smmla multiplies a 2 x 8 block of s8 activations (two rows, packed in pairs
// per call) by an 8 x 2 block of weights (a panel of 2 columns) into a 2 x 2
// accumulator: 32 MACs per instruction, twice sdot's; usmmla does the same for
// u8 activations, so neither needs a shift.
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Conversion/Lower.h"
#include "qlinalg/Conversion/Microkernel.h"

#include "mlir/Dialect/ArmNeon/ArmNeonDialect.h"

using namespace mlir;
using namespace mlir::qlinalg;

/// sdot v.4s: 4 lanes of 4 s8 x s8 products added to the i32 lane, exactly.
/// The broadcast activations are the second multiplicand, the operand of
/// the indexed form.
static Value emitSdot(OpBuilder &b, Location loc, Value acc, Value a, Value w) {
  return arm_neon::SdotOp::create(b, loc, acc.getType(), acc, w, a);
}

// 18 accumulators of 4 columns: a 6 x 12 tile (8 x 8 left the N1 model's
// 3-wide dispatch at 94%: too many loads per sdot).
static const DotStep kSdotStep = {"sdot v.4s, v.16b, v.4b[l]",
                                  /*lanes=*/4,
                                  /*kGroup=*/4,
                                  /*weightBits=*/8,
                                  /*saturatesPairs=*/false,
                                  /*accumulatorRegisters=*/18,
                                  /*unroll=*/4,
                                  emitSdot,
                                  /*signedActivations=*/true,
                                  /*laneBroadcast=*/true};

/// smmla v.4s: [r0 c0, r0 c1, r1 c0, r1 c1] += a (2 x 8 s8) * w^T.
static Value emitSmmla(OpBuilder &b, Location loc, Value acc, Value a,
                       Value w) {
  return arm_neon::SmmlaOp::create(b, loc, acc.getType(), acc, a, w);
}

/// usmmla v.4s: the same with u8 activations.
static Value emitUsmmla(OpBuilder &b, Location loc, Value acc, Value a,
                        Value w) {
  return arm_neon::UsmmlaOp::create(b, loc, acc.getType(), acc, a, w);
}

// 16 accumulators of 2 x 2: an 8 x 8 tile.
static const DotStep kSmmlaStep = {"smmla v.4s, v.16b, v.16b (2x8 x 8x2)",
                                   /*lanes=*/2,
                                   /*kGroup=*/8,
                                   /*weightBits=*/8,
                                   /*saturatesPairs=*/false,
                                   /*accumulatorRegisters=*/16,
                                   /*unroll=*/2,
                                   emitSmmla,
                                   /*signedActivations=*/true,
                                   /*laneBroadcast=*/false,
                                   /*rows=*/2};
static const DotStep kUsmmlaStep = {"usmmla v.4s, v.16b, v.16b (2x8 x 8x2)",
                                    /*lanes=*/2,
                                    /*kGroup=*/8,
                                    /*weightBits=*/8,
                                    /*saturatesPairs=*/false,
                                    /*accumulatorRegisters=*/16,
                                    /*unroll=*/2,
                                    emitUsmmla,
                                    /*signedActivations=*/false,
                                    /*laneBroadcast=*/false,
                                    /*rows=*/2};

static const KernelTarget kKernels[] = {
    {"aarch64-dotprod", "packed AArch64 dotprod kernel (sdot, lane-indexed)",
     emitGenericAccumulate, &kSdotStep,
     /*exactStep=*/nullptr},
    {"aarch64-i8mm",
     "packed AArch64 i8mm kernel (smmla, usmmla for u8 activations)",
     emitGenericAccumulate, &kSmmlaStep,
     /*exactStep=*/nullptr, &kUsmmlaStep},
};

ArrayRef<KernelTarget> mlir::qlinalg::getAArch64Kernels() { return kKernels; }
