//===- qlinalg-run.cpp - run a float, quantized or lowered module ---------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// qlinalg-run MODEL.mlir --entry=NAME --inputs=a.npy[,b.npy...]
//             --outputs=o.npy[,...] [--target=host]
//
// Lowers what is not lowered yet, JIT-compiles, checks every input against
// the entry's tensor signature, runs once and writes the results, all or
// nothing: every output goes to a temporary file first and all are renamed
// only when every write succeeded.
//
//===----------------------------------------------------------------------===//

#include "qlinalg/InitQLinalg.h"
#include "qlinalg/Runtime/Runner.h"
#include "qlinalg/Support/Npy.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"

using namespace mlir;
using namespace mlir::qlinalg;

static llvm::cl::opt<std::string> modelPath(llvm::cl::Positional,
                                            llvm::cl::desc("<model.mlir>"),
                                            llvm::cl::Required);
static llvm::cl::opt<std::string>
    entryName("entry", llvm::cl::desc("Entry function to run"),
              llvm::cl::init("main"));
static llvm::cl::list<std::string>
    inputPaths("inputs", llvm::cl::CommaSeparated,
               llvm::cl::desc("One .npy file per argument, in order"));
static llvm::cl::list<std::string>
    outputPaths("outputs", llvm::cl::CommaSeparated,
                llvm::cl::desc("One .npy file per result, in order"));
static llvm::cl::opt<std::string>
    targetName("target", llvm::cl::desc("Kernel target for --qlinalg-lower"),
               llvm::cl::init("host"));

static int fail(const llvm::Twine &msg) {
  llvm::WithColor::error(llvm::errs(), "qlinalg-run") << msg << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  llvm::cl::ParseCommandLineOptions(
      argc, argv,
      "qlinalg-run: run a float, quantized or lowered module on "
      ".npy arrays\n");

  DialectRegistry registry;
  registerQLinalgDialects(registry);
  // Lowered modules: LLVM, and OpenMP for contractions split over threads.
  registry.insert<LLVM::LLVMDialect, omp::OpenMPDialect>();
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);
  OwningOpRef<ModuleOp> module =
      parseSourceFile<ModuleOp>(modelPath, sourceMgr, &context);
  if (!module)
    return fail("cannot parse " + modelPath);

  SmallVector<TensorSpec> args, results;
  if (llvm::Error err =
          getEntrySignature(*module, entryName, modelPath, args, results))
    return fail(llvm::toString(std::move(err)));
  if (inputPaths.size() != args.size())
    return fail("@" + entryName + " takes " + llvm::Twine(args.size()) +
                " arguments but --inputs names " +
                llvm::Twine(inputPaths.size()) + " files");
  if (outputPaths.size() != results.size())
    return fail("@" + entryName + " returns " + llvm::Twine(results.size()) +
                " results but --outputs names " +
                llvm::Twine(outputPaths.size()) + " files");

  auto compiled = CompiledModule::compile(std::move(module), entryName,
                                          targetName, modelPath);
  if (!compiled)
    return fail(llvm::toString(compiled.takeError()));

  std::vector<NpyArray> inputs;
  for (auto [i, path] : llvm::enumerate(inputPaths)) {
    llvm::Expected<NpyArray> array = readNpy(path);
    if (!array)
      return fail(llvm::toString(array.takeError()));
    if (llvm::Error err = (*compiled)->checkArgument(i, *array, path))
      return fail(llvm::toString(std::move(err)));
    inputs.push_back(std::move(*array));
  }
  auto outputs = (*compiled)->run(inputs);
  if (!outputs)
    return fail(llvm::toString(outputs.takeError()));
  SmallVector<std::pair<std::string, const NpyArray *>> files;
  for (auto [path, array] : llvm::zip(outputPaths, *outputs))
    files.emplace_back(path, &array);
  if (llvm::Error err = writeNpyFiles(files))
    return fail(llvm::toString(std::move(err)));
  return 0;
}
