//===- FakeQuantize.cpp - --qlinalg-fake-quantize -------------------------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Simulates the int8 model in float: every tensor the quantized module holds
// in int8 goes through a quantize -> dequantize pair of the type it has
// there, and constant weights are replaced by their quantized values. The
// types are not chosen again here: the pass quantizes (and fuses) a copy of
// the module with the options given and reads each tensor id's type off it,
// so the simulation follows every decision of --qlinalg-quantize.
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Transforms/Passes.h"
#include "qlinalg/Transforms/Quantizable.h"
#include "qlinalg/Transforms/Quantize.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringMap.h"

namespace mlir::qlinalg {
#define GEN_PASS_DEF_QLINALGFAKEQUANTIZE
#include "qlinalg/Transforms/Passes.h.inc"
} // namespace mlir::qlinalg

using namespace mlir;
using namespace mlir::qlinalg;

namespace {
struct FakeQuantizePass
    : public qlinalg::impl::QLinalgFakeQuantizeBase<FakeQuantizePass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    auto fail = [&](const Twine &message) {
      module.emitError(message);
      signalPassFailure();
    };

    std::string optionsError;
    FailureOr<QuantizeOptions> options =
        parseQuantizeOptions(quantizeOptions, optionsError);
    if (failed(options))
      return fail("quantize={" + quantizeOptions + "}: " + optionsError);

    // Quantize and fuse a copy with the same options.
    std::unique_ptr<Pass> quantize = createQLinalgQuantize();
    std::string error;
    if (failed(quantize->initializeOptions(quantizeOptions,
                                           [&](const Twine &message) {
                                             error = message.str();
                                             return failure();
                                           })))
      return fail("quantize={" + quantizeOptions + "}: " + error);
    OwningOpRef<ModuleOp> copy = module.clone();
    PassManager pm(ctx);
    pm.addPass(std::move(quantize));
    pm.addPass(createQLinalgFuse());
    if (failed(pm.run(*copy)))
      return signalPassFailure();

    // Each id's 8-bit per-tensor type in the int8 module.
    llvm::StringMap<Type> typeOf;
    copy->walk([&](Operation *op) {
      auto id = op->getAttrOfType<StringAttr>("qlinalg.tensor_id");
      if (!id || op->getNumResults() != 1)
        return;
      auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
      auto q = type ? getPerTensorType(type) : nullptr;
      if (q && q.getStorageTypeIntegralWidth() <= 8)
        typeOf.try_emplace(id.getValue(), q);
    });

    // The same ids on this module (the float module alone decides them).
    SmallVector<QuantizableContraction> units;
    TensorIdMap ids = assignTensorIds(module, /*unquantizable=*/nullptr,
                                      /*weightAxes=*/nullptr, &units);
    OpBuilder b(ctx);
    for (const auto &[value, id] : ids) {
      Type element = typeOf.lookup(id);
      if (!element)
        continue;
      Value v = value;
      if (auto arg = dyn_cast<BlockArgument>(v))
        b.setInsertionPointToStart(arg.getOwner());
      else
        b.setInsertionPointAfter(v.getDefiningOp());
      auto type = cast<RankedTensorType>(v.getType());
      auto q = QuantizeOp::create(
          b, v.getLoc(),
          RankedTensorType::get(type.getShape(), element, type.getEncoding()),
          v);
      q->setAttr("qlinalg.tensor_id", b.getStringAttr(id));
      auto dq = DequantizeOp::create(b, v.getLoc(), type, q);
      v.replaceAllUsesExcept(dq, q);
    }

    // Constant weights take their quantized values.
    for (const QuantizableContraction &c : units) {
      if (!c.constantRhs)
        continue;
      if (options->groupSize) {
        c.op->emitRemark("per-group weights are not simulated: they stay "
                         "float");
        continue;
      }
      Operation *op = c.op;
      Operation *old = c.rhs.getDefiningOp();
      for (OpOperand &operand : op->getOpOperands())
        if (operand.get() == c.rhs) {
          b.setInsertionPoint(op);
          operand.set(arith::ConstantOp::create(
              b, op->getLoc(), fakeQuantizeConstantWeights(c, *options)));
        }
      // The float weights (a constant, or a transpose of one) go if unused.
      while (old && old->use_empty() && old->getNumResults() == 1 &&
             (isa<linalg::TransposeOp>(old) ||
              old->hasTrait<OpTrait::ConstantLike>())) {
        Operation *next = old->getNumOperands()
                              ? old->getOperand(0).getDefiningOp()
                              : nullptr;
        old->erase();
        old = next;
      }
    }
  }
};
} // namespace
