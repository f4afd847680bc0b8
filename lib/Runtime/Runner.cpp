//===- Runner.cpp - JIT-compile a module and run it on .npy arrays --------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Runtime/Runner.h"

#include "qlinalg/Conversion/Lower.h"
#include "qlinalg/Conversion/Passes.h"
#include "qlinalg/Conversion/Pipeline.h"
#include "qlinalg/Dialect/QLinalg/IR/QLinalg.h"
#include "qlinalg/InitQLinalg.h"
#include "qlinalg/Target/Target.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/ArmNeon/ArmNeonToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/TargetParser/Triple.h"

#include <cstring>
// After a libc header, which defines __GLIBC__ under glibc.
#ifdef __GLIBC__
#include <malloc.h>
#endif

using namespace mlir;
using namespace mlir::qlinalg;

static llvm::Error makeError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

std::string mlir::qlinalg::formatShape(ArrayRef<int64_t> shape) {
  std::string s;
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (i)
      s += "x";
    s += ShapedType::isDynamic(d) ? "?" : std::to_string(d);
  }
  return s.empty() ? "scalar" : s;
}

static std::string typeToString(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << type;
  return s;
}

/// The array dtype that carries values of `type`'s elements.
static llvm::Expected<TensorSpec> getTensorSpec(Type type,
                                                const llvm::Twine &what) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor)
    return makeError(what + " has type " + typeToString(type) +
                     "; only ranked tensors can be passed as .npy arrays");
  TensorSpec spec;
  spec.type = type;
  spec.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
  Type elem = tensor.getElementType();
  bool isUnsigned = false;
  if (auto q = dyn_cast<quant::QuantizedType>(elem)) {
    spec.storageRange = {q.getStorageTypeMin(), q.getStorageTypeMax()};
    isUnsigned = !q.isSigned();
    elem = q.getStorageType();
  } else if (auto i = dyn_cast<IntegerType>(elem)) {
    isUnsigned = i.isUnsigned();
  }
  if (elem.isF32())
    spec.dtype = NpyDType::Float32;
  else if (elem.isInteger(8))
    spec.dtype = isUnsigned ? NpyDType::UInt8 : NpyDType::Int8;
  else if (elem.isInteger(32) && !isUnsigned)
    spec.dtype = NpyDType::Int32;
  else
    return makeError(what + " has element type " + typeToString(elem) +
                     "; .npy exchange supports f32, i8, u8 and i32");
  return spec;
}

llvm::Error
mlir::qlinalg::getEntrySignature(ModuleOp module, StringRef entry,
                                 StringRef sourceName,
                                 SmallVectorImpl<TensorSpec> &arguments,
                                 SmallVectorImpl<TensorSpec> &results) {
  Operation *symbol = module.lookupSymbol(entry);
  FunctionType type;
  if (auto func = dyn_cast_or_null<func::FuncOp>(symbol)) {
    if (func.isExternal())
      return makeError(sourceName + ": entry function '@" + entry +
                       "' is only a declaration");
    type = func.getFunctionType();
  } else if (!isa_and_nonnull<LLVM::LLVMFuncOp>(symbol)) {
    std::string known;
    module.walk([&](Operation *op) {
      if (isa<func::FuncOp, LLVM::LLVMFuncOp>(op) &&
          !cast<FunctionOpInterface>(op).isExternal())
        known += (known.empty() ? "" : ", ") +
                 ("@" + SymbolTable::getSymbolName(op).getValue()).str();
    });
    return makeError(sourceName + ": entry function '@" + entry +
                     "' not found (functions: " +
                     (known.empty() ? std::string("none") : known) + ")");
  }
  if (auto attr = symbol->getAttrOfType<TypeAttr>(kSignatureAttrName))
    type = dyn_cast<FunctionType>(attr.getValue());
  // --qlinalg-to-llvm keeps it as text (readable without the quant
  // dialect).
  if (auto text = symbol->getAttrOfType<StringAttr>(kSignatureAttrName)) {
    type = dyn_cast_or_null<FunctionType>(
        parseType(text.getValue(), module.getContext()));
    if (!type)
      return makeError(sourceName + ": lowered entry '@" + entry +
                       "': " + kSignatureAttrName + " \"" + text.getValue() +
                       "\" is not a function type");
  }
  if (!type)
    return makeError(sourceName + ": lowered entry '@" + entry + "' has no " +
                     kSignatureAttrName +
                     " attribute; lower it with --qlinalg-to-llvm so that "
                     "its tensor signature is kept");
  for (auto [i, t] : llvm::enumerate(type.getInputs())) {
    auto spec =
        getTensorSpec(t, "argument " + llvm::Twine(i) + " of @" + entry);
    if (!spec)
      return spec.takeError();
    arguments.push_back(*spec);
  }
  for (auto [i, t] : llvm::enumerate(type.getResults())) {
    auto spec = getTensorSpec(t, "result " + llvm::Twine(i) + " of @" + entry);
    if (!spec)
      return spec.takeError();
    results.push_back(*spec);
  }
  return llvm::Error::success();
}

CompiledModule::~CompiledModule() = default;

llvm::Expected<std::unique_ptr<CompiledModule>>
CompiledModule::compile(OwningOpRef<ModuleOp> module, StringRef entry,
                        StringRef target, StringRef sourceName,
                        unsigned threads, bool explain) {
  std::unique_ptr<CompiledModule> compiled(new CompiledModule());
  compiled->entry = entry.str();
  if (llvm::Error err = getEntrySignature(
          *module, entry, sourceName, compiled->arguments, compiled->results))
    return std::move(err);

  MLIRContext *ctx = module->getContext();
  // Lower what is not lowered yet: a module with func.func still has tensors.
  bool hasFuncs = false;
  module->walk([&](func::FuncOp) { hasFuncs = true; });
  if (hasFuncs) {
    PassManager pm(ctx);
    QLinalgPipelineOptions options;
    options.target = target.str();
    options.threads = threads;
    options.explain = explain;
    std::string pipelineError;
    if (failed(buildQLinalgCPUPipeline(pm, options, [&](const Twine &message) {
          pipelineError = message.str();
          return failure();
        })))
      return makeError(sourceName + ": " + pipelineError);
    if (failed(pm.run(*module)))
      return makeError(sourceName + ": lowering failed (see the diagnostics "
                                    "above)");
  }

  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  DialectRegistry registry;
  registerRunnerTranslations(registry);
  ctx->appendDialectRegistry(registry);

  // The JIT compiles for the target's CPU and features (a target the CPU
  // cannot run is refused), or for the host as detected.
  std::string targetError;
  const TargetDescription *description = lookupTarget(target, targetError);
  if (!description)
    return makeError(targetError);
  if (!canRunOnHost(*description)) {
    std::string why = "another architecture";
    if (llvm::Triple(description->triple).getArch() ==
        llvm::Triple(llvm::sys::getProcessTriple()).getArch()) {
      why = "it lacks";
      for (llvm::StringRef f : description->hostFeatures)
        if (!hostHasFeature(f))
          why += " " + f.str();
    }
    return makeError("target '" + description->name.str() +
                     "' cannot run on this CPU (" + why + ")" +
                     "; compile it ahead of time with mlir-translate and "
                     "clang instead");
  }
  auto tmBuilder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!tmBuilder)
    return tmBuilder.takeError();
  if (!description->cpu.empty()) {
    tmBuilder->setCPU(description->cpu.str());
    llvm::SubtargetFeatures features;
    for (llvm::StringRef f : description->features)
      features.AddFeature(f);
    tmBuilder->getFeatures() = features;
  }
  auto tm = tmBuilder->createTargetMachine();
  if (!tm)
    return tm.takeError();
  auto transformer = makeOptimizingTransformer(
      /*optLevel=*/3, /*sizeLevel=*/0, tm->get());
  ExecutionEngineOptions options;
  options.transformer = transformer;
  options.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  // Contractions split over threads call the OpenMP runtime.
  bool usesOpenMP = false;
  module->walk([&](Operation *op) {
    if (op->getDialect() && op->getDialect()->getNamespace() ==
                                omp::OpenMPDialect::getDialectNamespace())
      usesOpenMP = true;
  });
  SmallVector<StringRef> libraries;
  if (usesOpenMP)
    libraries.push_back(QLINALG_LIBOMP_PATH);
  options.sharedLibPaths = libraries;
  auto engine = ExecutionEngine::create(*module, options, std::move(*tm));
  if (!engine)
    return engine.takeError();
  compiled->engine = std::move(*engine);
  auto packed = compiled->engine->lookupPacked(compiled->entry);
  if (!packed)
    return packed.takeError();
  compiled->packedEntry = *packed;
  return compiled;
}

void mlir::qlinalg::retainLargeAllocations() {
#ifdef __GLIBC__
  // 32 MiB is the largest threshold glibc accepts on 64-bit targets.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}

llvm::Error CompiledModule::checkArgument(unsigned index, const NpyArray &input,
                                          StringRef name) const {
  const TensorSpec &spec = arguments[index];
  std::string what =
      ("argument " + llvm::Twine(index) + " (" + name + ")").str();
  if (input.getDType() != spec.dtype)
    return makeError(what + ": expected " + getDTypeName(spec.dtype) + " for " +
                     typeToString(spec.type) + ", got " +
                     getDTypeName(input.getDType()));
  bool shapeOk = input.getRank() == static_cast<int64_t>(spec.shape.size());
  for (size_t i = 0; shapeOk && i < spec.shape.size(); ++i)
    shapeOk = ShapedType::isDynamic(spec.shape[i]) ||
              spec.shape[i] == input.getShape()[i];
  if (!shapeOk)
    return makeError(what + ": shape " + formatShape(input.getShape()) +
                     " does not match " + typeToString(spec.type));
  if (spec.storageRange) {
    auto [lo, hi] = *spec.storageRange;
    for (int64_t i = 0, e = input.getNumElements(); i < e; ++i) {
      int64_t v = 0;
      switch (input.getDType()) {
      case NpyDType::Int8:
        v = input.getDataAs<int8_t>()[i];
        break;
      case NpyDType::UInt8:
        v = input.getDataAs<uint8_t>()[i];
        break;
      case NpyDType::Int32:
        v = input.getDataAs<int32_t>()[i];
        break;
      case NpyDType::Float32:
        continue;
      }
      if (v < lo || v > hi)
        return makeError(what + ": value " + llvm::Twine(v) + " at index " +
                         llvm::Twine(i) + " is outside the storage range [" +
                         llvm::Twine(lo) + ", " + llvm::Twine(hi) + "] of " +
                         typeToString(spec.type));
    }
  }
  return llvm::Error::success();
}

namespace {
/// A flattened memref descriptor: allocated, aligned, offset, sizes, strides.
struct Descriptor {
  SmallVector<int64_t> words;
  explicit Descriptor(unsigned rank) : words(3 + 2 * rank, 0) {}
};
} // namespace

llvm::Expected<std::vector<NpyArray>>
CompiledModule::run(ArrayRef<NpyArray> inputs) {
  assert(inputs.size() == arguments.size() && "inputs must be checked");
  // Arguments: every descriptor field is passed by address.
  std::vector<Descriptor> descriptors;
  descriptors.reserve(inputs.size());
  std::vector<void *> packed;
  for (const NpyArray &input : inputs) {
    unsigned rank = input.getRank();
    Descriptor &d = descriptors.emplace_back(rank);
    auto *data = const_cast<void *>(input.getData());
    d.words[0] = reinterpret_cast<int64_t>(data);
    d.words[1] = reinterpret_cast<int64_t>(data);
    d.words[2] = 0;
    int64_t stride = 1;
    for (int i = rank - 1; i >= 0; --i) {
      d.words[3 + i] = input.getShape()[i];
      d.words[3 + rank + i] = stride;
      stride *= input.getShape()[i];
    }
  }
  for (Descriptor &d : descriptors)
    for (int64_t &w : d.words)
      packed.push_back(&w);
  // Results come back as one struct of descriptors (all 8-byte fields).
  size_t resultWords = 0;
  for (const TensorSpec &r : results)
    resultWords += 3 + 2 * r.shape.size();
  std::vector<int64_t> resultStorage(std::max<size_t>(resultWords, 1), 0);
  if (!results.empty())
    packed.push_back(resultStorage.data());

  packedEntry(packed.data());

  std::vector<NpyArray> outputs;
  SmallPtrSet<void *, 8> toFree;
  SmallPtrSet<const void *, 8> inputBuffers;
  for (const NpyArray &input : inputs)
    inputBuffers.insert(input.getData());
  // Results are malloc'ed by the JIT-compiled code and owned by us, unless
  // they alias an input or a global (marked 0xdeadbeef by the lowering).
  auto isOwned = [&](void *allocated) {
    return allocated && allocated != reinterpret_cast<void *>(0xdeadbeef) &&
           !inputBuffers.contains(allocated);
  };
  llvm::DenseMap<void *, unsigned> uses;
  for (size_t i = 0, offset = 0; i < results.size(); ++i) {
    ++uses[reinterpret_cast<void *>(resultStorage[offset])];
    offset += 3 + 2 * results[i].shape.size();
  }
  size_t offset = 0;
  for (const TensorSpec &spec : results) {
    unsigned rank = spec.shape.size();
    int64_t *d = resultStorage.data() + offset;
    offset += 3 + 2 * rank;
    void *allocated = reinterpret_cast<void *>(d[0]);
    auto *aligned = reinterpret_cast<char *>(d[1]);
    SmallVector<int64_t> shape(d + 3, d + 3 + rank);
    ArrayRef<int64_t> strides(d + 3 + rank, rank);
    size_t elemSize = getDTypeSize(spec.dtype);
    bool contiguous = true;
    for (int64_t j = int64_t(rank) - 1, expected = 1; j >= 0; --j) {
      if (shape[j] != 1 && strides[j] != expected)
        contiguous = false;
      expected *= shape[j];
    }
    // A buffer of its own, in order from its start: the array takes it over,
    // no copy.
    if (isOwned(allocated) && uses[allocated] == 1 && contiguous &&
        aligned + d[2] * elemSize == allocated) {
      outputs.push_back(NpyArray::adopt(spec.dtype, shape, allocated));
      continue;
    }
    NpyArray out(spec.dtype, shape);
    int64_t n = out.getNumElements();
    auto *dst = static_cast<char *>(out.getData());
    // Identity layouts are one copy; other offsets and strides are honoured
    // element by element.
    if (contiguous && n > 0)
      std::memcpy(dst, aligned + d[2] * elemSize, n * elemSize);
    SmallVector<int64_t> index(rank, 0);
    for (int64_t i = 0; i < n && !contiguous; ++i) {
      int64_t src = d[2];
      for (unsigned j = 0; j < rank; ++j)
        src += index[j] * strides[j];
      std::memcpy(dst + i * elemSize, aligned + src * elemSize, elemSize);
      for (int j = rank - 1; j >= 0; --j) {
        if (++index[j] < shape[j])
          break;
        index[j] = 0;
      }
    }
    outputs.push_back(std::move(out));
    if (isOwned(allocated))
      toFree.insert(allocated);
  }
  // Several results may share one buffer: free only after copying them all.
  for (void *p : toFree)
    std::free(p);
  return outputs;
}

void mlir::qlinalg::registerRunnerTranslations(DialectRegistry &registry) {
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerOpenMPDialectTranslation(registry);
  registerArmNeonDialectTranslation(registry);
}

void mlir::qlinalg::registerRunnerDialects(DialectRegistry &registry) {
  registerQLinalgDialects(registry);
  registry.insert<scf::SCFDialect, cf::ControlFlowDialect, LLVM::LLVMDialect,
                  omp::OpenMPDialect>();
}
