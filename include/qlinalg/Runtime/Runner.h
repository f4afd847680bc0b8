//===- Runner.h - JIT-compile a module and run it on .npy arrays -*- C++
//-*-===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// What qlinalg-run and qlinalg-calibrate share: take a float, quantized or
// already lowered module, lower what is not lowered yet, JIT-compile it once,
// and call its entry function on NpyArrays, checking every argument against
// the function's tensor signature first.
//
//===----------------------------------------------------------------------===//

#ifndef QLINALG_RUNTIME_RUNNER_H
#define QLINALG_RUNTIME_RUNNER_H

#include "qlinalg/Support/Npy.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlir {
class ExecutionEngine;
} // namespace mlir

namespace mlir::qlinalg {

/// What the entry function expects for one argument or returns as one result.
struct TensorSpec {
  /// The tensor type as written in the module (for messages).
  Type type;
  SmallVector<int64_t> shape;
  NpyDType dtype;
  /// Storage range for quantized tensors: inputs are checked against it.
  std::optional<std::pair<int64_t, int64_t>> storageRange;
};

/// A JIT-compiled entry function.
class CompiledModule {
public:
  ~CompiledModule();

  /// Lowers `module` as far as needed (qlinalg-lower for `target`, then
  /// qlinalg-to-llvm) and JIT-compiles it. `sourceName` names the model in
  /// messages; `threads` is the pipeline's (0: every core), `explain` its
  /// remarks on the kernels.
  static llvm::Expected<std::unique_ptr<CompiledModule>>
  compile(OwningOpRef<ModuleOp> module, StringRef entry, StringRef target,
          StringRef sourceName, unsigned threads = 0, bool explain = false);

  ArrayRef<TensorSpec> getArguments() const { return arguments; }
  ArrayRef<TensorSpec> getResults() const { return results; }

  /// Checks `input` against argument `index`; `name` (a file) goes into the
  /// message.
  llvm::Error checkArgument(unsigned index, const NpyArray &input,
                            StringRef name) const;

  /// Runs the entry function. Inputs must have been checked.
  llvm::Expected<std::vector<NpyArray>> run(ArrayRef<NpyArray> inputs);

private:
  CompiledModule() = default;

  std::string entry;
  SmallVector<TensorSpec> arguments;
  SmallVector<TensorSpec> results;
  std::unique_ptr<ExecutionEngine> engine;
  /// The entry's packed wrapper, looked up once: a lookup per call (the
  /// JIT's symbol table, behind locks) cost a few microseconds, a fifth of a
  /// small model's call.
  void (*packedEntry)(void **) = nullptr;
};

/// Makes glibc's malloc keep the large buffers a compiled module allocates
/// at every call (results, quantized activations) instead of mapping and
/// unmapping them: aligned_alloc of a few megabytes otherwise maps fresh
/// pages on every call (the dynamic mmap threshold never quite covers an
/// aligned request of the size just freed), and the page faults cost more
/// than a 3x3 depthwise convolution of 1x56x56x128 computes. Blocks up to
/// 32 MiB come from the heap, and the heap is not trimmed below 256 MiB.
/// Process-wide: the tools call it in main(); an embedder decides for its own
/// process (the same as MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ in
/// the environment). Does nothing without glibc.
void retainLargeAllocations();

/// The dialects a module handed to the runner may use: qlinalg's (see
/// registerQLinalgDialects), structured and unstructured control flow (scf,
/// cf) around them, and LLVM and OpenMP for modules lowered already. What
/// qlinalg-run and qlinalg-calibrate register.
void registerRunnerDialects(DialectRegistry &registry);

/// The LLVM IR translations of what the pipeline leaves (builtin, LLVM,
/// OpenMP, and arm_neon for the AArch64 kernels): what the JIT and
/// qlinalg-compile register.
void registerRunnerTranslations(DialectRegistry &registry);

/// Entry-function signature as tensor specs, from a func.func (or its
/// `qlinalg.signature`) or a lowered llvm.func's `qlinalg.signature`.
llvm::Error getEntrySignature(ModuleOp module, StringRef entry,
                              StringRef sourceName,
                              SmallVectorImpl<TensorSpec> &arguments,
                              SmallVectorImpl<TensorSpec> &results);

/// "3x4" or "?x4".
std::string formatShape(ArrayRef<int64_t> shape);

} // namespace mlir::qlinalg

#endif // QLINALG_RUNTIME_RUNNER_H
