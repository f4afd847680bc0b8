//===- qlinalg-run.cpp - run a float, quantized or lowered module ---------===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// qlinalg-run MODEL.mlir --entry=NAME --inputs=a.npy[,b.npy...]
//             --outputs=o.npy[,...] [--target=host] [--num-threads=N]
//             [--benchmark [--repeat=N]] [--explain]
//             [--compare=FLOAT.mlir [--compare-json=REPORT.json]]
//
// Lowers what is not lowered yet, JIT-compiles, checks every input against
// the entry's tensor signature, runs once and writes the results, all or
// nothing: every output goes to a temporary file first and all are renamed
// only when every write succeeded. With --benchmark it times the entry
// function after a warm-up (N calls, default 100) and prints the per-call
// time and, when the module holds one contraction of static shape, its
// GOPS; --outputs is then optional.
//
// With --compare it also runs the float model FLOAT.mlir on the same inputs
// and prints, per tensor id of the quantized model (and per result), the
// SQNR and relative error of the quantized tensor against the float one,
// naming the worst layer (--compare-json writes the same as JSON; --outputs
// is then optional).
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Runtime/Compare.h"
#include "qlinalg/Runtime/Runner.h"
#include "qlinalg/Support/Npy.h"
#include "qlinalg/Support/ToolOptions.h"

#include "qlinalg/Dialect/QLinalg/IR/QLinalg.h"
#include "qlinalg/Transforms/Quantizable.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"

#include <chrono>

using namespace mlir;
using namespace mlir::qlinalg;

static llvm::cl::OptionCategory toolCategory("qlinalg-run options");

static llvm::cl::opt<std::string> modelPath(llvm::cl::Positional,
                                            llvm::cl::desc("<model.mlir>"),
                                            llvm::cl::Required,
                                            llvm::cl::cat(toolCategory));
static llvm::cl::opt<std::string>
    entryName("entry", llvm::cl::desc("Entry function to run"),
              llvm::cl::init("main"), llvm::cl::cat(toolCategory));
static llvm::cl::list<std::string> inputsFlag(
    "inputs", llvm::cl::CommaSeparated,
    llvm::cl::desc(
        "The .npy files of the arguments, in order, comma-separated"),
    llvm::cl::cat(toolCategory));
static llvm::cl::list<std::string> outputsFlag(
    "outputs", llvm::cl::CommaSeparated,
    llvm::cl::desc("The .npy files of the results, in order, comma-separated"),
    llvm::cl::cat(toolCategory));
// One file per flag, the name taken whole: a name with a comma in it.
static llvm::cl::list<std::string> inputFlag(
    "input",
    llvm::cl::desc("One .npy file for the next argument (repeatable; mixes "
                   "with --inputs in command-line order; commas are part of "
                   "the name)"),
    llvm::cl::cat(toolCategory));
static llvm::cl::list<std::string> outputFlag(
    "output",
    llvm::cl::desc("One .npy file for the next result (repeatable, as "
                   "--input)"),
    llvm::cl::cat(toolCategory));
static llvm::cl::opt<std::string>
    targetName("target", llvm::cl::desc("Kernel target for --qlinalg-lower"),
               llvm::cl::init("host"), llvm::cl::cat(toolCategory));

// (`--threads` is taken by an option of LLVM's own.)
static llvm::cl::opt<unsigned> threads(
    "num-threads",
    llvm::cl::desc("Threads large contractions split over (0: every core, "
                   "1: single-threaded)"),
    llvm::cl::init(0), llvm::cl::cat(toolCategory));
static llvm::cl::opt<bool> benchmark(
    "benchmark",
    llvm::cl::desc("Time the entry function after a warm-up and print the "
                   "per-call time (and GOPS for a single contraction)"),
    llvm::cl::init(false), llvm::cl::cat(toolCategory));
static llvm::cl::opt<unsigned>
    repeat("repeat", llvm::cl::desc("Timed calls of --benchmark"),
           llvm::cl::init(100), llvm::cl::cat(toolCategory));
static llvm::cl::opt<bool> explain(
    "explain",
    llvm::cl::desc("Print, per contraction, the kernel the lowering built "
                   "(step, tiles, packing, threads, the saturation proof) or "
                   "why it took the portable kernel"),
    llvm::cl::init(false), llvm::cl::cat(toolCategory));

static llvm::cl::opt<std::string> compareWith(
    "compare",
    llvm::cl::desc("Float model to compare the quantized one with, tensor id "
                   "by tensor id, on the same inputs (SQNR and relative "
                   "error per layer)"),
    llvm::cl::value_desc("float.mlir"), llvm::cl::cat(toolCategory));
static llvm::cl::opt<std::string> compareJson(
    "compare-json",
    llvm::cl::desc("Also write the --compare report as JSON to this file"),
    llvm::cl::value_desc("report.json"), llvm::cl::cat(toolCategory));

/// 2 * the loop ranges' product of the one contraction in `module` (float
/// linalg or quantized qlinalg), or 0 when it has none, several, or a
/// dynamic size; `what` describes it.
static double getContractionOps(ModuleOp module, std::string &what) {
  SmallVector<Operation *> found;
  module.walk([&](Operation *op) {
    if (isa<ContractOp, MatmulOp>(op))
      found.push_back(op);
    else if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
      if (linalg::isaContractionOpInterface(linalgOp) ||
          linalg::isaConvolutionOpInterface(linalgOp))
        found.push_back(op);
  });
  if (found.size() != 1)
    return 0;
  SmallVector<int64_t> ranges;
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(found[0])) {
    ranges = linalgOp.getStaticLoopRanges();
  } else {
    // qlinalg: the loop sizes from the operands' and result's shapes.
    ContractionMaps maps = isa<ContractOp>(found[0])
                               ? cast<ContractOp>(found[0]).getContractionMaps()
                               : cast<MatmulOp>(found[0]).getContractionMaps();
    ranges.assign(maps.getNumLoops(), ShapedType::kDynamic);
    auto record = [&](AffineMap map, Value v) {
      auto type = cast<RankedTensorType>(v.getType());
      for (auto [d, e] : llvm::enumerate(map.getResults()))
        if (auto dim = dyn_cast<AffineDimExpr>(e))
          if (!type.isDynamicDim(d))
            ranges[dim.getPosition()] = type.getDimSize(d);
    };
    record(maps.lhs, found[0]->getOperand(0));
    record(maps.rhs, found[0]->getOperand(1));
    record(maps.out, found[0]->getResult(0));
  }
  double ops = 2;
  for (int64_t r : ranges) {
    if (ShapedType::isDynamic(r))
      return 0;
    ops *= double(r);
  }
  llvm::raw_string_ostream os(what);
  os << found[0]->getName() << " ";
  llvm::interleave(ranges, os, "x");
  return ops;
}

/// The files of a comma-separated list flag and of its one-file-per-flag
/// twin, in the order they came on the command line.
static std::vector<std::string>
inCommandLineOrder(const llvm::cl::list<std::string> &split,
                   const llvm::cl::list<std::string> &whole) {
  std::vector<std::pair<unsigned, std::string>> all;
  for (auto [i, path] : llvm::enumerate(split))
    all.push_back({split.getPosition(i), path});
  for (auto [i, path] : llvm::enumerate(whole))
    all.push_back({whole.getPosition(i), path});
  llvm::sort(all, llvm::less_first()); // positions are unique
  std::vector<std::string> paths;
  for (auto &[position, path] : all)
    paths.push_back(path);
  return paths;
}

static int fail(const llvm::Twine &msg) {
  llvm::WithColor::error(llvm::errs(), "qlinalg-run") << msg << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  setUpToolOptions(toolCategory);
  llvm::cl::ParseCommandLineOptions(
      argc, argv,
      "qlinalg-run: run a float, quantized or lowered module on "
      ".npy arrays\n");
  retainLargeAllocations();

  DialectRegistry registry;
  registerRunnerDialects(registry);
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
  std::vector<std::string> inputPaths =
      inCommandLineOrder(inputsFlag, inputFlag);
  std::vector<std::string> outputPaths =
      inCommandLineOrder(outputsFlag, outputFlag);
  bool comparing = !compareWith.empty();
  if (!comparing && !compareJson.empty())
    return fail("--compare-json needs --compare=FLOAT.mlir");
  if (comparing && benchmark)
    return fail("--compare and --benchmark are separate runs");
  if (inputPaths.size() != args.size())
    return fail("@" + entryName + " takes " + llvm::Twine(args.size()) +
                " arguments but --inputs names " +
                llvm::Twine(inputPaths.size()) + " files");
  if (outputPaths.size() != results.size() &&
      !((benchmark || comparing) && outputPaths.empty()))
    return fail("@" + entryName + " returns " + llvm::Twine(results.size()) +
                " results but --outputs names " +
                llvm::Twine(outputPaths.size()) + " files");

  // --compare: the quantized tensors with ids come out of the entry too,
  // and the float model's tensors of the same ids out of its own.
  SmallVector<TaggedTensor> tagged;
  llvm::SourceMgr floatSourceMgr;
  OwningOpRef<ModuleOp> floatModule;
  SmallVector<std::string> observed;
  if (comparing) {
    auto entry = module->lookupSymbol<func::FuncOp>(entryName);
    if (!entry || entry.isExternal())
      return fail("--compare needs " + modelPath + " before lowering: @" +
                  entryName + " is not a func.func with a body");
    FailureOr<SmallVector<TaggedTensor>> found = returnTaggedTensors(entry);
    if (failed(found))
      return fail("cannot read the tensors of @" + entryName + " in " +
                  modelPath);
    tagged = std::move(*found);
    floatModule =
        parseSourceFile<ModuleOp>(compareWith, floatSourceMgr, &context);
    if (!floatModule)
      return fail("cannot parse " + compareWith);
    SmallVector<TensorSpec> floatArgs, floatResults;
    if (llvm::Error err = getEntrySignature(
            *floatModule, entryName, compareWith, floatArgs, floatResults))
      return fail(llvm::toString(std::move(err)));
    auto sameSpecs = [](ArrayRef<TensorSpec> a, ArrayRef<TensorSpec> b) {
      return a.size() == b.size() &&
             llvm::all_of(llvm::zip(a, b), [](auto pair) {
               return std::get<0>(pair).type == std::get<1>(pair).type;
             });
    };
    if (!sameSpecs(args, floatArgs) || !sameSpecs(results, floatResults))
      return fail("@" + entryName + " of " + compareWith + " has type " +
                  llvm::formatv(
                      "{0}", floatModule->lookupSymbol<func::FuncOp>(entryName)
                                 .getFunctionType())
                      .str() +
                  ", not the type of @" + entryName + " in " + modelPath);
    auto floatEntry = floatModule->lookupSymbol<func::FuncOp>(entryName);
    insertObservers(assignTensorIds(*floatModule));
    SmallVector<std::string> skipped;
    FailureOr<SmallVector<std::string>> ids =
        returnObservedTensors(floatEntry, skipped);
    if (failed(ids))
      return fail("cannot observe the tensors of @" + entryName + " in " +
                  compareWith);
    observed = std::move(*ids);
  }

  std::string contraction;
  double ops = getContractionOps(*module, contraction);
  auto compiled = CompiledModule::compile(
      std::move(module), entryName, targetName, modelPath, threads, explain);
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
  if (comparing) {
    auto floatCompiled =
        CompiledModule::compile(std::move(floatModule), entryName, targetName,
                                compareWith, threads, /*explain=*/false);
    if (!floatCompiled)
      return fail(llvm::toString(floatCompiled.takeError()));
    auto reference = (*floatCompiled)->run(inputs);
    if (!reference)
      return fail(llvm::toString(reference.takeError()));
    size_t n = results.size();
    llvm::StringMap<const NpyArray *> floatTensors;
    for (auto [id, array] : llvm::zip(observed, ArrayRef(*reference).slice(n)))
      floatTensors[id] = &array;
    SmallVector<LayerError> layers;
    SmallVector<std::string> unmatched;
    auto add = [&](const TaggedTensor &t, const NpyArray &f,
                   const NpyArray &q) -> llvm::Error {
      llvm::Expected<LayerError> e = compareTensor(t, f, q);
      if (!e)
        return e.takeError();
      layers.push_back(std::move(*e));
      return llvm::Error::success();
    };
    for (auto [t, array] : llvm::zip(tagged, ArrayRef(*outputs).slice(n))) {
      auto it = floatTensors.find(t.id);
      if (it == floatTensors.end()) {
        unmatched.push_back(t.id);
        continue;
      }
      if (llvm::Error err = add(t, *it->second, array))
        return fail(llvm::toString(std::move(err)));
    }
    for (size_t r = 0; r < n; ++r) {
      if ((*outputs)[r].getDType() != NpyDType::Float32)
        continue;
      TaggedTensor t{"result" + std::to_string(r), "func.return", ""};
      if (llvm::Error err = add(t, (*reference)[r], (*outputs)[r]))
        return fail(llvm::toString(std::move(err)));
    }
    if (!unmatched.empty())
      llvm::WithColor::warning(llvm::errs(), "qlinalg-run")
          << "tensor ids " << llvm::join(unmatched, ", ") << " of " << modelPath
          << " are not observed in " << compareWith << "\n";
    int64_t rows = inputs.empty() || inputs[0].getShape().empty()
                       ? 1
                       : inputs[0].getShape()[0];
    llvm::outs() << llvm::formatv("{0} against {1} (@{2}, a batch of {3}):\n",
                                  modelPath, compareWith, entryName, rows);
    printLayerErrors(llvm::outs(), layers);
    if (!compareJson.empty()) {
      llvm::json::Object header{{"model", modelPath},
                                {"reference", compareWith},
                                {"entry", entryName},
                                {"batch", rows}};
      llvm::json::Value report = layerErrorsToJson(layers, std::move(header));
      if (llvm::Error err =
              llvm::writeToOutput(compareJson, [&](llvm::raw_ostream &os) {
                os << llvm::formatv("{0:2}", report) << "\n";
                return llvm::Error::success();
              }))
        return fail(llvm::toString(std::move(err)));
    }
    outputs->resize(n);
    if (outputPaths.empty())
      return 0;
  }
  if (benchmark) {
    // Warm-up, then every call timed on its own; as a user calls the entry
    // (inputs in, results out as arrays).
    for (int i = 0; i < 3; ++i)
      if (!(outputs = (*compiled)->run(inputs)))
        return fail(llvm::toString(outputs.takeError()));
    std::vector<double> times;
    for (unsigned i = 0; i < std::max(1u, unsigned(repeat)); ++i) {
      auto start = std::chrono::steady_clock::now();
      outputs = (*compiled)->run(inputs);
      auto end = std::chrono::steady_clock::now();
      if (!outputs)
        return fail(llvm::toString(outputs.takeError()));
      times.push_back(std::chrono::duration<double>(end - start).count());
    }
    std::vector<double> sorted(times);
    llvm::sort(sorted);
    double median = sorted[sorted.size() / 2];
    double mean = 0;
    for (double t : times)
      mean += t / times.size();
    llvm::outs() << llvm::formatv(
        "@{0}: {1} calls after 3 warm-up calls: median {2:f3} ms, min {3:f3} "
        "ms, mean {4:f3} ms\n",
        entryName, times.size(), median * 1e3, sorted.front() * 1e3,
        mean * 1e3);
    if (ops > 0)
      llvm::outs() << llvm::formatv(
          "@{0}: one contraction ({1}): {2:f1} GOPS at the median\n", entryName,
          contraction, ops / median / 1e9);
    else
      llvm::outs() << "@" << entryName
                   << ": GOPS need one contraction of static shape\n";
    if (outputPaths.empty())
      return 0;
  }
  SmallVector<std::pair<std::string, const NpyArray *>> files;
  for (auto [path, array] : llvm::zip(outputPaths, *outputs))
    files.emplace_back(path, &array);
  if (llvm::Error err = writeNpyFiles(files))
    return fail(llvm::toString(std::move(err)));
  return 0;
}
