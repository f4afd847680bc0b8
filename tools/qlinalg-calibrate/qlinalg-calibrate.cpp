//===- qlinalg-calibrate.cpp - measure a float model on calibration data --===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// qlinalg-calibrate MODEL.mlir --entry=NAME -o TABLE.json BATCH [BATCH...]
//                   [--per-channel=ID:AXIS,...] [--quiet]
// qlinalg-calibrate --merge A.json B.json [...] -o TABLE.json
//
// Each BATCH is a comma-separated list of .npy files, one per argument of the
// entry function. The float module is instrumented (--qlinalg-instrument),
// every observed tensor becomes an extra result of the entry function, the
// module is JIT-compiled once and run on every batch, and the statistics
// (count, min, max, moving average, histogram, per-channel ranges of weights
// and of the tensors named with --per-channel) accumulate batch by batch in
// memory independent of the number of batches. The table is written only
// when every batch succeeded, through a temporary file.
//
// --merge combines tables from runs on different data into the table of one
// run over all of it (the batches of A, then those of B, ...).
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Calibration/Table.h"
#include "qlinalg/Runtime/Runner.h"
#include "qlinalg/Support/ToolOptions.h"
#include "qlinalg/Transforms/Quantizable.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"

#include <chrono>

using namespace mlir;
using namespace mlir::qlinalg;

static llvm::cl::OptionCategory toolCategory("qlinalg-calibrate options");

static llvm::cl::list<std::string> positional(
    llvm::cl::Positional, llvm::cl::OneOrMore,
    llvm::cl::desc(
        "<model.mlir> <batch> [<batch>...] | --merge <table.json>..."),
    llvm::cl::cat(toolCategory));
static llvm::cl::opt<std::string>
    entryName("entry", llvm::cl::desc("Entry function to calibrate"),
              llvm::cl::init("main"), llvm::cl::cat(toolCategory));
static llvm::cl::opt<std::string>
    outputPath("o", llvm::cl::desc("Calibration table to write (JSON)"),
               llvm::cl::value_desc("table.json"), llvm::cl::Required,
               llvm::cl::cat(toolCategory));
static llvm::cl::opt<std::string>
    targetName("target", llvm::cl::desc("Kernel target for --qlinalg-lower"),
               llvm::cl::init("host"), llvm::cl::cat(toolCategory));
static llvm::cl::opt<bool>
    quiet("quiet", llvm::cl::desc("Do not show progress on stderr"),
          llvm::cl::cat(toolCategory));
static llvm::cl::list<std::string> perChannelIds(
    "per-channel", llvm::cl::CommaSeparated,
    llvm::cl::desc("Also record per-channel ranges of these tensors, as "
                   "ID:AXIS (weights, the rhs of matmuls, get axis 1 "
                   "without asking)"),
    llvm::cl::value_desc("id:axis"), llvm::cl::cat(toolCategory));
static llvm::cl::opt<bool>
    mergeMode("merge",
              llvm::cl::desc("Merge the calibration tables given as "
                             "positional arguments into -o"),
              llvm::cl::cat(toolCategory));

static int fail(const llvm::Twine &msg) {
  llvm::WithColor::error(llvm::errs(), "qlinalg-calibrate") << msg << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  setUpToolOptions(toolCategory);
  llvm::cl::ParseCommandLineOptions(
      argc, argv,
      "qlinalg-calibrate: measure a float model's tensors on "
      "calibration batches\n");
  if (mergeMode) {
    CalibrationTable merged;
    for (auto [i, path] : llvm::enumerate(positional)) {
      llvm::Expected<CalibrationTable> table = readCalibrationTable(path);
      if (!table)
        return fail(llvm::toString(table.takeError()));
      if (i == 0) {
        merged = std::move(*table);
        continue;
      }
      if (table->model != merged.model || table->entry != merged.entry)
        llvm::WithColor::warning(llvm::errs(), "qlinalg-calibrate")
            << path << " was calibrated on " << table->model << " @"
            << table->entry << ", the first table on " << merged.model << " @"
            << merged.entry << "\n";
      if (std::optional<std::string> error = merged.merge(*table))
        return fail("cannot merge " + path + ": " + *error);
    }
    if (llvm::Error err = writeCalibrationTable(outputPath, merged))
      return fail(llvm::toString(std::move(err)));
    return 0;
  }

  // ID:AXIS pairs asked for on the command line.
  llvm::StringMap<int64_t> channelAxes;
  for (StringRef spec : perChannelIds) {
    auto [id, axisText] = spec.split(':');
    int64_t axis;
    if (id.empty() || axisText.getAsInteger(10, axis) || axis < 0)
      return fail("--per-channel expects ID:AXIS, got '" + spec + "'");
    channelAxes[id] = axis;
  }

  std::string modelPath = positional.front();
  std::vector<std::string> allArgs(positional.begin(), positional.end());
  ArrayRef<std::string> batches = ArrayRef(allArgs).drop_front();
  if (batches.empty())
    return fail("no calibration batches given (each batch is a comma-"
                "separated list of .npy files, one per argument)");

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
  auto entry = module->lookupSymbol<func::FuncOp>(entryName);
  if (!entry || entry.isExternal()) {
    SmallVector<TensorSpec> a, r;
    llvm::Error err = getEntrySignature(*module, entryName, modelPath, a, r);
    return fail(err ? llvm::toString(std::move(err))
                    : modelPath + ": @" + entryName +
                          " is not a func.func with a body");
  }
  unsigned numArgs = entry.getNumArguments();
  unsigned numResults = entry.getNumResults();

  // Instrument, then return every observed tensor from the entry function.
  llvm::MapVector<Value, int64_t> weightAxes;
  TensorIdMap ids =
      assignTensorIds(*module, /*unquantizable=*/nullptr, &weightAxes);
  // Non-constant weights get per-channel ranges along their output
  // channels.
  for (const auto &[value, axis] : weightAxes)
    channelAxes.try_emplace(ids.lookup(value), axis);
  insertObservers(ids);
  SmallVector<std::string> skipped;
  FailureOr<SmallVector<std::string>> observed =
      returnObservedTensors(entry, skipped);
  if (failed(observed))
    return fail("cannot instrument @" + entryName);
  llvm::StringSet<> inEntry;
  for (const std::string &id : *observed)
    inEntry.insert(id);
  SmallVector<std::string> elsewhere(skipped);
  for (const auto &[value, id] : ids)
    if (!inEntry.contains(id) && !llvm::is_contained(skipped, id))
      elsewhere.push_back(id);
  if (!elsewhere.empty())
    llvm::WithColor::warning(llvm::errs(), "qlinalg-calibrate")
        << "tensor ids " << llvm::join(elsewhere, ", ")
        << " are not in the body of @" << entryName
        << " and are not calibrated\n";
  if (observed->empty())
    llvm::WithColor::warning(llvm::errs(), "qlinalg-calibrate")
        << "@" << entryName << " has no quantizable tensors\n";

  auto compiled = CompiledModule::compile(std::move(module), entryName,
                                          targetName, modelPath);
  if (!compiled)
    return fail(llvm::toString(compiled.takeError()));

  CalibrationTable table;
  table.model = modelPath;
  table.entry = entryName;
  for (const std::string &id : *observed) {
    TensorStatistics &stats = table.tensors[id];
    if (auto it = channelAxes.find(id); it != channelAxes.end())
      stats.trackChannels(it->second);
  }
  for (const auto &entry : channelAxes)
    if (!table.tensors.count(entry.getKey().str()))
      return fail("--per-channel names tensor id '" + entry.getKey() +
                  "', which @" + entryName + " does not observe");

  bool progress = !quiet && llvm::sys::Process::StandardErrIsDisplayed();
  auto start = std::chrono::steady_clock::now();
  for (auto [b, batch] : llvm::enumerate(batches)) {
    SmallVector<StringRef> files;
    StringRef(batch).split(files, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
    std::string where = "batch " + std::to_string(b + 1) + " (" + batch + ")";
    if (files.size() != numArgs)
      return fail(where + " names " + llvm::Twine(files.size()) +
                  " files but @" + entryName + " takes " +
                  llvm::Twine(numArgs) + " arguments");
    std::vector<NpyArray> inputs;
    for (auto [i, file] : llvm::enumerate(files)) {
      llvm::Expected<NpyArray> array = readNpy(file);
      if (!array)
        return fail(where + ": " + llvm::toString(array.takeError()));
      if (llvm::Error err = (*compiled)->checkArgument(i, *array, file))
        return fail(where + ": " + llvm::toString(std::move(err)));
      inputs.push_back(std::move(*array));
    }
    auto outputs = (*compiled)->run(inputs);
    if (!outputs)
      return fail(where + ": " + llvm::toString(outputs.takeError()));
    for (auto [id, array] :
         llvm::zip(*observed, ArrayRef(*outputs).drop_front(numResults))) {
      ArrayRef<float> values(array.getDataAs<float>(), array.getNumElements());
      TensorStatistics &stats = table.tensors[id];
      if (stats.perChannel && stats.perChannel->axis >= array.getRank())
        return fail("--per-channel axis " +
                    llvm::Twine(stats.perChannel->axis) + " of tensor id '" +
                    id + "' is outside its rank " +
                    llvm::Twine(array.getRank()));
      if (stats.perChannel && !stats.perChannel->min.empty() &&
          static_cast<int64_t>(stats.perChannel->min.size()) !=
              array.getShape()[stats.perChannel->axis])
        return fail("tensor id '" + id + "' has " +
                    llvm::Twine(array.getShape()[stats.perChannel->axis]) +
                    " channels along axis " +
                    llvm::Twine(stats.perChannel->axis) + " in " + where +
                    " but " + llvm::Twine(stats.perChannel->min.size()) +
                    " in earlier batches");
      if (std::optional<size_t> bad =
              stats.accumulate(values, array.getShape()))
        return fail("tensor id '" + id +
                    "': " + (std::isnan(values[*bad]) ? "NaN" : "Inf") +
                    " at element " + llvm::Twine(*bad) +
                    " in calibration data, " + where);
    }
    ++table.batches;
    if (progress) {
      double elapsed = std::chrono::duration<double>(
                           std::chrono::steady_clock::now() - start)
                           .count();
      llvm::errs() << llvm::formatv(
          "\rbatch {0} of {1}, {2:f1} s elapsed, {3:f1} batches/s", b + 1,
          batches.size(), elapsed, (b + 1) / std::max(elapsed, 1e-9));
    }
  }
  if (progress)
    llvm::errs() << "\n";
  for (const auto &[id, stats] : table.tensors)
    if (!stats.hasRange())
      return fail("tensor id '" + id +
                  "' saw no values: every calibration "
                  "batch was empty for it");
  if (llvm::Error err = writeCalibrationTable(outputPath, table))
    return fail(llvm::toString(std::move(err)));
  return 0;
}
