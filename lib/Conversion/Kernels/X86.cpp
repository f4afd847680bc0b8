//===- X86.cpp - the x86 dot-product steps --------------------------------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// The ISA-specific part of the x86 kernels: one step of Microkernel.h as
// `qlinalg.intrinsic`, which becomes `llvm.call_intrinsic` after
// bufferization (MLIR 22's x86vector has no op for vpdpbusd or vpmaddubsw).
// Operand order carries the signedness: u8 activations first, s8 weights
// second.
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Conversion/Lower.h"
#include "qlinalg/Conversion/Microkernel.h"
#include "qlinalg/Dialect/QLinalg/IR/QLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;
using namespace mlir::qlinalg;

static Value callIntrinsic(OpBuilder &b, Location loc, StringRef name,
                           Type result, ValueRange args) {
  return IntrinsicOp::create(b, loc, result, b.getStringAttr(name), args);
}

/// vpdpbusd zmm: 16 lanes of 4 u8 x s8 products added to the i32 lane,
/// exactly (no saturation).
static Value emitVpdpbusd512(OpBuilder &b, Location loc, Value acc, Value a,
                             Value w) {
  return callIntrinsic(b, loc, "llvm.x86.avx512.vpdpbusd.512", acc.getType(),
                       {acc, a, w});
}

/// vpmaddubsw + vpmaddwd(1) + vpaddd: pairs of u8 x s8 products summed in
/// int16 with saturation, then pairs of those in i32. Exact only when no
/// pair can exceed the int16 range.
static Value emitMaddubsw(OpBuilder &b, Location loc, Value acc, Value a,
                          Value w) {
  auto i16x16 = VectorType::get({16}, b.getI16Type());
  Value pairs =
      callIntrinsic(b, loc, "llvm.x86.avx2.pmadd.ub.sw", i16x16, {a, w});
  Value ones = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(i16x16, b.getI16IntegerAttr(1)));
  Value quads = callIntrinsic(b, loc, "llvm.x86.avx2.pmadd.wd", acc.getType(),
                              {pairs, ones});
  return arith::AddIOp::create(b, loc, acc, quads);
}

/// vpmaddwd + vpaddd on weights packed as s16 and activations zero-extended
/// to u16: pairs of products in i32, always exact.
static Value emitMaddwd(OpBuilder &b, Location loc, Value acc, Value a,
                        Value w) {
  Value pairs =
      callIntrinsic(b, loc, "llvm.x86.avx2.pmadd.wd", acc.getType(), {a, w});
  return arith::AddIOp::create(b, loc, acc, pairs);
}

static const DotStep kVnniStep = {"vpdpbusd zmm",
                                  /*lanes=*/16,
                                  /*kGroup=*/4,
                                  /*weightBits=*/8,
                                  /*saturatesPairs=*/false,
                                  /*accumulatorRegisters=*/16,
                                  /*unroll=*/4,
                                  emitVpdpbusd512};
static const DotStep kAvx2Step = {"vpmaddubsw + vpmaddwd ymm",
                                  /*lanes=*/8,
                                  /*kGroup=*/4,
                                  /*weightBits=*/8,
                                  /*saturatesPairs=*/true,
                                  /*accumulatorRegisters=*/8,
                                  /*unroll=*/2,
                                  emitMaddubsw};
static const DotStep kAvx2ExactStep = {"vpmaddwd ymm on s16 weights",
                                       /*lanes=*/8,
                                       /*kGroup=*/2,
                                       /*weightBits=*/16,
                                       /*saturatesPairs=*/false,
                                       /*accumulatorRegisters=*/8,
                                       /*unroll=*/2,
                                       emitMaddwd};

static const KernelTarget kKernels[] = {
    {"x86-avx512-vnni", "packed VNNI kernel (vpdpbusd zmm)",
     emitGenericAccumulate, &kVnniStep,
     /*exactStep=*/nullptr},
    {"x86-avx2", "packed AVX2 kernel (vpmaddubsw + vpmaddwd ymm)",
     emitGenericAccumulate, &kAvx2Step, &kAvx2ExactStep},
};

ArrayRef<KernelTarget> mlir::qlinalg::getX86Kernels() { return kKernels; }
