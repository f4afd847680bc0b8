//===- Instrument.cpp - --qlinalg-instrument ------------------------------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Transforms/Passes.h"
#include "qlinalg/Transforms/Quantizable.h"

namespace mlir::qlinalg {
#define GEN_PASS_DEF_QLINALGINSTRUMENT
#include "qlinalg/Transforms/Passes.h.inc"
} // namespace mlir::qlinalg

using namespace mlir;
using namespace mlir::qlinalg;

namespace {
struct InstrumentPass
    : public qlinalg::impl::QLinalgInstrumentBase<InstrumentPass> {
  void runOnOperation() override {
    insertObservers(assignTensorIds(getOperation()));
  }
};
} // namespace
