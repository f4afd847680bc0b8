//===- ToLLVM.cpp - --qlinalg-to-llvm -------------------------------------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Conversion/Lower.h"
#include "qlinalg/Conversion/Passes.h"
#include "qlinalg/Target/Target.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/OneShotModuleBufferize.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Vector/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Vector/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/Passes.h"

namespace mlir::qlinalg {
#define GEN_PASS_DEF_QLINALGTOLLVM
#include "qlinalg/Conversion/Passes.h.inc"
} // namespace mlir::qlinalg

using namespace mlir;
using namespace mlir::qlinalg;

/// Before bufferization: elementwise arith/math on tensors (as upstream's
/// --lower-quant-ops emits) becomes linalg, which bufferizes.
///
/// Then the sizes of loop-carried tensors are read off the tensors outside
/// the loops (tensor.dim of a result or an iter_arg folded to that of its
/// source): the one-shot analysis proves each insert_slice equivalent to
/// its extract_slice with value bounds, and through tiled loop nests over a
/// dynamic batch it otherwise reasons about the iter_args' shapes level by
/// level (105 s for three small convolutions of the portable kernel, which a
/// random program found; 0.1 s with this).
static void buildPreBufferizePipeline(OpPassManager &pm) {
  pm.addNestedPass<func::FuncOp>(createConvertElementwiseToLinalgPass());
  pm.addPass(memref::createResolveRankedShapeTypeResultDimsPass());
  pm.addPass(createSCFForLoopCanonicalizationPass());
}

/// One-shot bufferization across function boundaries (identity layouts). A
/// loop may yield a new buffer per iteration (an scf.for whose body computes
/// a fresh tensor from its iter_arg, as a matmul applied N times does).
/// Copies (a tensor.pad writes its source into a strided subview) become
/// linalg.copy, which lowers to loops: the default memref.copy lowers to a
/// call of `memrefCopy` from libmlir_c_runner_utils, which neither the JIT
/// nor an ahead-of-time object would otherwise need.
static LogicalResult bufferize(ModuleOp module) {
  bufferization::OneShotBufferizationOptions options;
  options.bufferizeFunctionBoundaries = true;
  options.allowReturnAllocsFromLoops = true;
  options.setFunctionBoundaryTypeConversion(
      bufferization::LayoutMapOption::IdentityLayoutMap);
  options.memCpyFn = [](OpBuilder &b, Location loc, Value from,
                        Value to) -> LogicalResult {
    linalg::CopyOp::create(b, loc, from, to);
    return success();
  };
  bufferization::BufferizationState state;
  return bufferization::runOneShotModuleBufferize(module, options, state);
}

/// After bufferization: deallocation. It runs before the OpenMP conversion
/// (an omp.wsloop may hold nothing but its loop nest) and before the
/// kernels' qlinalg.intrinsic become llvm.call_intrinsic (whose memory
/// effects are unknown to it).
static void buildDeallocationPipeline(OpPassManager &pm) {
  // Contractions split over threads (scf.forall from --qlinalg-vectorize
  // and the packed kernels) become parallel loops, then OpenMP.
  pm.addNestedPass<func::FuncOp>(createForallToParallelLoopPass());
  bufferization::buildBufferDeallocationPipeline(pm);
}

namespace {
/// bf16 extf/truncf as integer code (upstream's bf16 expansion patterns, and
/// none of arith-expand's others, which would rewrite every max and min).
struct ExpandBF16ConversionsPass
    : public PassWrapper<ExpandBF16ConversionsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ExpandBF16ConversionsPass)
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    arith::populateExpandBFloat16Patterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

/// The upstream passes from buffers + linalg to the LLVM dialect.
static void buildPostBufferizePipeline(OpPassManager &pm) {
  pm.addPass(createConvertSCFToOpenMPPass());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  // Vector code from --qlinalg-vectorize: masks, transfers to loads and
  // stores, contractions to outer products (a broadcast lhs element times a
  // row of the rhs per reduction step).
  pm.addNestedPass<func::FuncOp>(vector::createLowerVectorMaskPass());
  pm.addNestedPass<func::FuncOp>(vector::createLowerVectorMultiReductionPass());
  // Unrolled: n-D transfers become 1-D ones in place, with no temporary
  // buffer on the stack of every loop iteration.
  pm.addPass(createConvertVectorToSCFPass(
      VectorTransferToSCFOptions().enableFullUnroll()));
  // The OpenMP bodies come wrapped in memref.alloca_scope, which must keep a
  // single block: with no allocas left inside, canonicalization inlines
  // them before the loops inside become branches.
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createConvertBufferizationToMemRefPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  // bf16 arithmetic in f32, converted with integer code: an x86 CPU without
  // AVX512-BF16 would otherwise call __truncsfbf2, which neither the JIT
  // nor Debian 12's libgcc provides.
  arith::ArithEmulateUnsupportedFloatsOptions bf16;
  bf16.sourceTypeStrs = {"bf16"};
  bf16.targetTypeStr = "f32";
  pm.addPass(arith::createArithEmulateUnsupportedFloats(bf16));
  pm.addPass(std::make_unique<ExpandBF16ConversionsPass>());
  ConvertVectorToLLVMPassOptions vectorOptions;
  vectorOptions.vectorContractLowering =
      vector::VectorContractLowering::OuterProduct;
  pm.addPass(createConvertVectorToLLVMPass(vectorOptions));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertIndexToLLVMPass());
  // aligned_alloc: the allocated and aligned pointers of a result are one,
  // so that qlinalg-run (and C callers) own a plain malloc-compatible
  // buffer they can keep or free.
  FinalizeMemRefToLLVMConversionPassOptions memrefOptions;
  memrefOptions.useAlignedAlloc = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefOptions));
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

namespace {
struct ToLLVMPass : public qlinalg::impl::QLinalgToLLVMBase<ToLLVMPass> {
  void getDependentDialects(DialectRegistry &registry) const override {
    OpPassManager pre(ModuleOp::getOperationName());
    buildPreBufferizePipeline(pre);
    pre.getDependentDialects(registry);
    OpPassManager dealloc(ModuleOp::getOperationName());
    buildDeallocationPipeline(dealloc);
    dealloc.getDependentDialects(registry);
    OpPassManager post(ModuleOp::getOperationName());
    buildPostBufferizePipeline(post);
    post.getDependentDialects(registry);
    registry.insert<LLVM::LLVMDialect>();
    registry.insert<bufferization::BufferizationDialect, memref::MemRefDialect,
                    linalg::LinalgDialect>();
    // Bufferization models of the dialects --qlinalg-lower produces, so that
    // the pass works in any tool, not only in one that registers them all.
    arith::registerBufferizableOpInterfaceExternalModels(registry);
    bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(
        registry);
    linalg::registerBufferizableOpInterfaceExternalModels(registry);
    scf::registerBufferizableOpInterfaceExternalModels(registry);
    tensor::registerBufferizableOpInterfaceExternalModels(registry);
    vector::registerBufferizableOpInterfaceExternalModels(registry);
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    bool quantized = false;
    module.walk([&](Operation *op) {
      if (isa<QLinalgDialect>(op->getDialect()) && !isa<IntrinsicOp>(op))
        quantized = true;
    });
    if (quantized) {
      module.emitError("qlinalg ops remain; run --qlinalg-lower before "
                       "--qlinalg-to-llvm");
      return signalPassFailure();
    }
    module.walk([](func::FuncOp func) {
      if (!func.isExternal() && !func->hasAttr(kSignatureAttrName))
        func->setAttr(kSignatureAttrName,
                      TypeAttr::get(func.getFunctionType()));
    });
    OpPassManager pre(ModuleOp::getOperationName());
    buildPreBufferizePipeline(pre);
    OpPassManager dealloc(ModuleOp::getOperationName());
    buildDeallocationPipeline(dealloc);
    OpPassManager post(ModuleOp::getOperationName());
    buildPostBufferizePipeline(post);
    if (failed(runPipeline(pre, module)) || failed(bufferize(module)) ||
        failed(runPipeline(dealloc, module)))
      return signalPassFailure();
    // The kernels' ISA steps, now that no pass needs their memory effects.
    module.walk([](IntrinsicOp op) {
      OpBuilder b(op);
      auto call = LLVM::CallIntrinsicOp::create(
          b, op.getLoc(), op.getType(), op.getIntrinAttr(), op.getArgs());
      op.replaceAllUsesWith(call.getResult(0));
      op.erase();
    });
    if (failed(runPipeline(post, module)))
      return signalPassFailure();
    // Functions with ISA kernels carry their target's CPU and features.
    WalkResult walk = module.walk([&](LLVM::LLVMFuncOp func) {
      auto name = func->getAttrOfType<StringAttr>(kTargetAttrName);
      if (!name)
        return WalkResult::advance();
      std::string error;
      const TargetDescription *target = lookupTarget(name.getValue(), error);
      if (!target) {
        func.emitError(error);
        return WalkResult::interrupt();
      }
      if (!target->cpu.empty())
        func.setTargetCpuAttr(StringAttr::get(func.getContext(), target->cpu));
      SmallVector<StringRef> features(target->features.begin(),
                                      target->features.end());
      func.setTargetFeaturesAttr(
          LLVM::TargetFeaturesAttr::get(func.getContext(), features));
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    // The tensor signature as text: it may hold !quant types, which tools
    // without the quant dialect (mlir-translate) could not parse as a type.
    module.walk([&](LLVM::LLVMFuncOp func) {
      auto type = func->getAttrOfType<TypeAttr>(kSignatureAttrName);
      if (!type)
        return;
      std::string text;
      llvm::raw_string_ostream os(text);
      type.getValue().print(os);
      func->setAttr(kSignatureAttrName,
                    StringAttr::get(func.getContext(), text));
    });
  }
};
} // namespace
