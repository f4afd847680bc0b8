//===- qlinalg-compile.cpp - ahead-of-time objects with a C header --------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
//   qlinalg-compile MODEL.mlir --target=NAME|TRIPLE [--cpu=CPU]
//       [--features=+a,+b] [--entry=forward] [--name=C_NAME]
//       [--num-threads=1] -o model.o [--header=model.h]
//
// Runs the CPU pipeline (qlinalg-opt --qlinalg-pipeline) for the target,
// translates the result to LLVM IR, optimizes it at -O3 and emits an object
// for the target's triple, CPU and features, with the entry's C interface
// (_mlir_ciface_ENTRY), and a C header that declares it behind plain C: the
// entry as a static inline function of pointers and sizes (the memref
// descriptors are the header's business), the signature as data, and a
// generic ENTRY_invoke for callers that only know it at run time (the .npy
// harness of the tests). A target name gives the lowering its kernels and
// the object its triple; a triple that names no target compiles the
// portable kernel (target generic) for that triple. Both files are written
// only when everything succeeded.
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Conversion/Pipeline.h"
#include "qlinalg/Runtime/Runner.h"
#include "qlinalg/Support/ToolOptions.h"
#include "qlinalg/Target/Target.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/TargetParser/Triple.h"

using namespace mlir;
using namespace mlir::qlinalg;

static llvm::cl::OptionCategory toolCategory("qlinalg-compile options");

static llvm::cl::opt<std::string> modelPath(llvm::cl::Positional,
                                            llvm::cl::desc("<model.mlir>"),
                                            llvm::cl::Required,
                                            llvm::cl::cat(toolCategory));
static llvm::cl::opt<std::string>
    entryName("entry", llvm::cl::desc("Entry function to compile"),
              llvm::cl::init("forward"), llvm::cl::cat(toolCategory));
static llvm::cl::opt<std::string>
    cName("name",
          llvm::cl::desc("Name of the header's C function (and prefix of its "
                         "tables); default: the entry's"),
          llvm::cl::cat(toolCategory));
static llvm::cl::opt<std::string> targetName(
    "target",
    llvm::cl::desc("A target (qlinalg-opt --qlinalg-list-targets; host by "
                   "default), or an LLVM triple, for which the portable "
                   "kernel is compiled"),
    llvm::cl::init("host"), llvm::cl::cat(toolCategory));
static llvm::cl::opt<std::string>
    cpuName("cpu", llvm::cl::desc("CPU to compile for (default: the target's)"),
            llvm::cl::cat(toolCategory));
static llvm::cl::opt<std::string> extraFeatures(
    "features",
    llvm::cl::desc("LLVM CPU features added to the target's, e.g. +sve"),
    llvm::cl::cat(toolCategory));
static llvm::cl::opt<unsigned> threadCount(
    "num-threads",
    llvm::cl::desc("Threads to split large contractions over (more than 1 "
                   "needs the OpenMP runtime, -lomp, at link time)"),
    llvm::cl::init(1), llvm::cl::cat(toolCategory));
static llvm::cl::opt<std::string> outputPath("o", llvm::cl::desc("Object file"),
                                             llvm::cl::value_desc("model.o"),
                                             llvm::cl::Required,
                                             llvm::cl::cat(toolCategory));
static llvm::cl::opt<std::string>
    headerPath("header",
               llvm::cl::desc("C header (default: the object's name with .h)"),
               llvm::cl::value_desc("model.h"), llvm::cl::cat(toolCategory));

static int fail(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "qlinalg-compile") << message << "\n";
  return 1;
}

namespace {
/// One argument or result of the entry in C terms.
struct CTensor {
  std::string name;
  TensorSpec spec;
  StringRef cType() const {
    switch (spec.dtype) {
    case NpyDType::Float32:
      return "float";
    case NpyDType::Int8:
      return "int8_t";
    case NpyDType::UInt8:
      return "uint8_t";
    case NpyDType::Int32:
      return "int32_t";
    }
    llvm_unreachable("unknown dtype");
  }
  StringRef npyDescr() const { return getDTypeDescr(spec.dtype); }
  size_t rank() const { return spec.shape.size(); }
  std::string describe() const {
    return llvm::formatv("{0} {1} [{2}]", name, getDTypeName(spec.dtype),
                         formatShape(spec.shape))
        .str();
  }
};
} // namespace

/// The header: descriptors and the C interface's declaration, the plain C
/// entry, the signature as data and the generic invoke.
static void writeHeader(llvm::raw_ostream &os, StringRef entry, StringRef name,
                        ArrayRef<CTensor> inputs, ArrayRef<CTensor> results,
                        StringRef source, StringRef target, StringRef triple) {
  std::string guard = "QLINALG_" + name.upper() + "_H";
  os << "/* Generated by qlinalg-compile from " << source << ": entry @"
     << entry << ",\n   target " << target << ", triple " << triple
     << ". Do not edit. */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include <stdint.h>\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";

  // MLIR's memref descriptors, one type per argument and result.
  auto descriptor = [&](const CTensor &t, StringRef what, size_t i) {
    std::string typeName = llvm::formatv("{0}_{1}{2}_memref", name, what, i);
    os << "typedef struct {\n  " << t.cType() << " *allocated, *aligned;\n"
       << "  int64_t offset";
    if (t.rank())
      os << ", sizes[" << t.rank() << "], strides[" << t.rank() << "]";
    os << ";\n} " << typeName << ";\n";
    return typeName;
  };
  SmallVector<std::string> inTypes, outTypes;
  for (auto [i, t] : llvm::enumerate(inputs))
    inTypes.push_back(descriptor(t, "arg", i));
  for (auto [i, t] : llvm::enumerate(results))
    outTypes.push_back(descriptor(t, "result", i));
  std::string resultType;
  if (results.size() > 1) {
    resultType = (name + "_results").str();
    os << "typedef struct {\n";
    for (auto [i, t] : llvm::enumerate(outTypes))
      os << "  " << t << " r" << i << ";\n";
    os << "} " << resultType << ";\n";
  } else if (results.size() == 1) {
    resultType = outTypes[0];
  }
  os << "\n/* The object's entry (MLIR's C interface): call " << name
     << "() instead. */\nvoid _mlir_ciface_" << entry << "(";
  SmallVector<std::string> params;
  if (!resultType.empty())
    params.push_back(resultType + " *");
  for (const std::string &t : inTypes)
    params.push_back(t + " *");
  llvm::interleave(params, os, ", ");
  if (params.empty())
    os << "void";
  os << ");\n\n";

  // The plain C entry.
  os << "/* " << name << "(";
  llvm::interleave(
      inputs, os, [&](const CTensor &t) { os << t.describe(); }, ", ");
  os << ") -> (";
  llvm::interleave(
      results, os, [&](const CTensor &t) { os << t.describe(); }, ", ");
  os << ")\n"
     << "   Inputs are C-order arrays; NAME_sizeD is the size of dynamic "
        "dimension D.\n"
     << "   Each result is a C-order array the call allocates (release it "
        "with\n   free()), with its sizes written to RESULT_sizes. */\n";
  os << "static inline void " << name << "(";
  params.clear();
  for (const CTensor &t : inputs) {
    params.push_back(("const " + t.cType() + " *" + t.name).str());
    for (auto [d, size] : llvm::enumerate(t.spec.shape))
      if (ShapedType::isDynamic(size))
        params.push_back(llvm::formatv("int64_t {0}_size{1}", t.name, d));
  }
  for (const CTensor &t : results) {
    params.push_back((t.cType() + " **" + t.name).str());
    if (t.rank())
      params.push_back(llvm::formatv("int64_t {0}_sizes[{1}]", t.name,
                                     std::max<size_t>(t.rank(), 1)));
  }
  llvm::interleave(params, os, ", ");
  if (params.empty())
    os << "void";
  os << ") {\n";
  for (auto [i, t] : llvm::enumerate(inputs)) {
    os << "  " << inTypes[i] << " a" << i << " = {(" << t.cType() << " *)"
       << t.name << ", (" << t.cType() << " *)" << t.name << ", 0";
    if (t.rank()) {
      SmallVector<std::string> sizes;
      for (auto [d, size] : llvm::enumerate(t.spec.shape))
        sizes.push_back(ShapedType::isDynamic(size)
                            ? llvm::formatv("{0}_size{1}", t.name, d).str()
                            : std::to_string(size));
      os << ", {";
      llvm::interleave(sizes, os, ", ");
      os << "}, {";
      for (size_t d = 0; d < t.rank(); ++d) {
        if (d)
          os << ", ";
        if (d + 1 == t.rank()) {
          os << "1";
          continue;
        }
        for (size_t e = d + 1; e < t.rank(); ++e)
          os << (e > d + 1 ? " * " : "") << sizes[e];
      }
      os << "}";
    }
    os << "};\n";
  }
  if (!resultType.empty())
    os << "  " << resultType << " r;\n";
  os << "  _mlir_ciface_" << entry << "(";
  params.clear();
  if (!resultType.empty())
    params.push_back("&r");
  for (size_t i = 0; i < inputs.size(); ++i)
    params.push_back("&a" + std::to_string(i));
  llvm::interleave(params, os, ", ");
  os << ");\n";
  // The results own their buffers: the pipeline allocates with
  // aligned_alloc, allocated == aligned, so free() releases them.
  for (auto [i, t] : llvm::enumerate(results)) {
    std::string r = results.size() > 1 ? "r.r" + std::to_string(i) : "r";
    os << "  *" << t.name << " = " << r << ".aligned;\n";
    for (size_t d = 0; d < t.rank(); ++d)
      os << "  " << t.name << "_sizes[" << d << "] = " << r << ".sizes[" << d
         << "];\n";
  }
  os << "}\n\n";

  // The signature as data, and the generic invoke.
  auto table = [&](ArrayRef<CTensor> ts, StringRef what) {
    size_t n = std::max<size_t>(ts.size(), 1);
    os << "static const char *const " << name << "_" << what << "_dtypes[" << n
       << "] = {";
    llvm::interleave(
        ts, os, [&](const CTensor &t) { os << "\"" << t.npyDescr() << "\""; },
        ", ");
    os << "};\nstatic const int " << name << "_" << what << "_ranks[" << n
       << "] = {";
    llvm::interleave(ts, os, [&](const CTensor &t) { os << t.rank(); }, ", ");
    size_t maxRank = 1;
    for (const CTensor &t : ts)
      maxRank = std::max(maxRank, t.rank());
    os << "};\n/* -1: dynamic */\nstatic const int64_t " << name << "_" << what
       << "_shapes[" << n << "][" << maxRank << "] = {";
    llvm::interleave(
        ts, os,
        [&](const CTensor &t) {
          os << "{";
          llvm::interleave(
              t.spec.shape, os,
              [&](int64_t s) { os << (ShapedType::isDynamic(s) ? -1 : s); },
              ", ");
          os << "}";
        },
        ", ");
    os << "};\n";
  };
  os << "enum { " << name << "_num_inputs = " << inputs.size() << ", " << name
     << "_num_results = " << results.size() << " };\n";
  table(inputs, "input");
  table(results, "result");
  os << "\n/* " << name
     << "() for callers that know the signature only from the tables "
        "above:\n   inputs[i] with every size in input_sizes[i]; results[i] "
        "set as "
     << name
     << "()\n   sets them, sizes in result_sizes[i]. "
        "*/\n"
     << "static inline void " << name
     << "_invoke(const void *const *inputs, const int64_t *const "
        "*input_sizes,\n    void **results, int64_t *const *result_sizes) {\n"
     << "  (void)input_sizes; (void)results; (void)result_sizes;\n  " << name
     << "(";
  params.clear();
  for (auto [i, t] : llvm::enumerate(inputs)) {
    params.push_back(llvm::formatv("(const {0} *)inputs[{1}]", t.cType(), i));
    for (auto [d, size] : llvm::enumerate(t.spec.shape))
      if (ShapedType::isDynamic(size))
        params.push_back(llvm::formatv("input_sizes[{0}][{1}]", i, d));
  }
  for (auto [i, t] : llvm::enumerate(results)) {
    params.push_back(llvm::formatv("({0} **)&results[{1}]", t.cType(), i));
    if (t.rank())
      params.push_back(llvm::formatv("result_sizes[{0}]", i));
  }
  llvm::interleave(params, os, ", ");
  os << ");\n}\n\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << guard
     << " */\n";
}

/// A C identifier from a name in the module (%x, result 0).
static std::string identifier(StringRef name, StringRef fallback) {
  std::string id;
  for (char c : name)
    id += llvm::isAlnum(c) ? c : '_';
  if (id.empty() || llvm::isDigit(id[0]))
    return fallback.str();
  return id;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  setUpToolOptions(toolCategory);
  llvm::cl::ParseCommandLineOptions(
      argc, argv,
      "qlinalg-compile: a model to an object file and a C header, for this "
      "machine or another (AArch64 from x86)\n");
  std::string header = headerPath;
  if (header.empty()) {
    SmallString<128> path(outputPath);
    llvm::sys::path::replace_extension(path, ".h");
    header = std::string(path);
  }
  if (header == outputPath)
    return fail("the header and the object would be the same file '" + header +
                "'");

  std::string name = cName.empty() ? identifier(entryName, "") : cName;
  if (name.empty() || name != identifier(name, "") || name == "main")
    return fail("'" + name + "' cannot name the header's C function" +
                (name == "main" ? " (it would be the program's main)" : "") +
                "; choose one with --name");

  // The target: a row of the table, or a triple for the portable kernel.
  std::string error;
  const TargetDescription *target = lookupTarget(targetName, error);
  std::string lowering, triple;
  // Code for this machine gets its CPU when the target names none.
  bool forHost = false;
  if (!target) {
    llvm::Triple t(llvm::Triple::normalize(targetName));
    if (t.getArch() == llvm::Triple::UnknownArch)
      return fail(error + ", or an LLVM triple (aarch64-linux-gnu, "
                          "x86_64-linux-gnu)");
    target = lookupTarget("generic", error);
    lowering = "generic";
    triple = t.str();
  } else {
    lowering = target->name.str();
    forHost = target->triple.empty();
    triple = forHost ? llvm::sys::getProcessTriple() : target->triple.str();
  }

  DialectRegistry registry;
  registerRunnerDialects(registry);
  registerRunnerTranslations(registry);
  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(modelPath, sourceMgr, &context);
  if (!module)
    return fail("cannot parse '" + modelPath + "'");

  // The signature, then the C interface on the entry.
  auto func = module->lookupSymbol<func::FuncOp>(entryName);
  if (!func)
    return fail(modelPath + ": no func.func @" + entryName +
                " to compile (--entry names it; a module already lowered "
                "to the LLVM dialect is not accepted)");
  SmallVector<TensorSpec> argSpecs, resultSpecs;
  if (llvm::Error err = getEntrySignature(*module, entryName, modelPath,
                                          argSpecs, resultSpecs))
    return fail(llvm::toString(std::move(err)));
  SmallVector<CTensor> inputs, results;
  for (auto [i, spec] : llvm::enumerate(argSpecs)) {
    // argN, or the name of a NameLoc (an importer's) when it has one.
    std::string name = "arg" + std::to_string(i);
    if (auto loc = dyn_cast<NameLoc>(func.getArgument(i).getLoc()))
      name = identifier(loc.getName(), name);
    inputs.push_back({name, spec});
  }
  for (auto [i, spec] : llvm::enumerate(resultSpecs))
    results.push_back({"result" + std::to_string(i), spec});
  func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                UnitAttr::get(&context));

  PassManager pm(&context);
  QLinalgPipelineOptions options;
  options.target = lowering;
  options.threads = threadCount;
  if (failed(buildQLinalgCPUPipeline(pm, options, [&](const Twine &message) {
        error = message.str();
        return failure();
      })))
    return fail(error);
  if (failed(pm.run(*module)))
    return fail(modelPath + ": the pipeline failed (see the diagnostics "
                            "above)");

  // Code generation for the triple, CPU and features.
  llvm::InitializeAllTargetInfos();
  llvm::InitializeAllTargets();
  llvm::InitializeAllTargetMCs();
  llvm::InitializeAllAsmPrinters();
  const llvm::Target *llvmTarget =
      llvm::TargetRegistry::lookupTarget(llvm::Triple(triple), error);
  if (!llvmTarget)
    return fail("triple '" + triple + "': " + error);
  std::string cpu = cpuName;
  if (cpu.empty())
    cpu = !target->cpu.empty() ? target->cpu.str()
          : forHost            ? llvm::sys::getHostCPUName().str()
                               : "generic";
  llvm::SubtargetFeatures features;
  for (StringRef f : target->features)
    features.AddFeature(f);
  SmallVector<StringRef> extra;
  StringRef(extraFeatures).split(extra, ',', -1, /*KeepEmpty=*/false);
  for (StringRef f : extra) {
    if (!f.starts_with("+") && !f.starts_with("-"))
      return fail("feature '" + f + "' must start with + or -");
    features.AddFeature(f);
  }
  llvm::TargetOptions targetOptions;
  std::unique_ptr<llvm::TargetMachine> machine(llvmTarget->createTargetMachine(
      llvm::Triple(triple), cpu, features.getString(), targetOptions,
      llvm::Reloc::PIC_, std::nullopt, llvm::CodeGenOptLevel::Aggressive));
  if (!machine)
    return fail("no target machine for '" + triple + "'");

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*module, llvmContext, modelPath);
  if (!llvmModule)
    return fail(modelPath + ": translation to LLVM IR failed");
  // The object exports the C interface alone (the entry's own symbol,
  // @main say, would clash with the caller's).
  std::string exported = "_mlir_ciface_" + entryName;
  for (llvm::Function &f : *llvmModule)
    if (!f.isDeclaration() && f.getName() != exported)
      f.setLinkage(llvm::GlobalValue::InternalLinkage);
  for (llvm::GlobalVariable &g : llvmModule->globals())
    if (!g.isDeclaration())
      g.setLinkage(llvm::GlobalValue::InternalLinkage);
  llvmModule->setTargetTriple(machine->getTargetTriple());
  llvmModule->setDataLayout(machine->createDataLayout());
  auto optimize = makeOptimizingTransformer(3, 0, machine.get());
  if (llvm::Error err = optimize(llvmModule.get()))
    return fail(llvm::toString(std::move(err)));

  std::error_code ec;
  auto object = std::make_unique<llvm::ToolOutputFile>(outputPath, ec,
                                                       llvm::sys::fs::OF_None);
  if (ec)
    return fail("cannot write '" + outputPath + "': " + ec.message());
  llvm::legacy::PassManager codegen;
  if (machine->addPassesToEmitFile(codegen, object->os(), nullptr,
                                   llvm::CodeGenFileType::ObjectFile))
    return fail("'" + triple + "' cannot emit an object file");
  codegen.run(*llvmModule);
  auto headerFile = std::make_unique<llvm::ToolOutputFile>(
      header, ec, llvm::sys::fs::OF_Text);
  if (ec)
    return fail("cannot write '" + header + "': " + ec.message());
  writeHeader(headerFile->os(), entryName, name, inputs, results,
              llvm::sys::path::filename(modelPath), lowering, triple);
  object->os().flush();
  headerFile->os().flush();
  if (object->os().has_error() || headerFile->os().has_error())
    return fail("writing '" + outputPath + "' or '" + header + "' failed");
  object->keep();
  headerFile->keep();
  return 0;
}
