//===- Fuse.h - requantization into contraction epilogues -------*- C++ -*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef QLINALG_TRANSFORMS_FUSE_H
#define QLINALG_TRANSFORMS_FUSE_H

#include "mlir/IR/PatternMatch.h"

namespace mlir::qlinalg {

/// The patterns of --qlinalg-fuse: a requantize of a contraction's sole
/// accumulator becomes the contraction's epilogue.
void populateQLinalgFusePatterns(RewritePatternSet &patterns);

} // namespace mlir::qlinalg

#endif // QLINALG_TRANSFORMS_FUSE_H
