//===- QLinalgBench.cpp - matmul through the pipeline, as users call it ---===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Times the entry function of a float linalg.matmul model (constant weights,
// float in and float out, quantize/dequantize at the borders included), JIT
// compiled through buildQLinalgCPUPipeline, in three forms measured in the
// same run:
//   int8/threads quantized, vectorized, split over every core (OpenMP)
//   int8/vector  quantized, tiled and vectorized (--qlinalg-vectorize), one
//                thread
//   int8/scalar  quantized, scalar loops (vectorize=false): the path before
//                the staged pipeline
//   fp32         the float model itself through the same pipeline
// Each reports GOPS (2*M*N*K per call). Run it with `scripts/bench`; pin it
// (`taskset -c 1`) for stable numbers on these 2-core machines.
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Conversion/Pipeline.h"
#include "qlinalg/InitQLinalg.h"
#include "qlinalg/Runtime/Runner.h"
#include "qlinalg/Support/Npy.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstring>
#include <random>

using namespace mlir;
using namespace mlir::qlinalg;

namespace {

/// The float model y = x @ w with constant random weights, as text.
std::string makeModel(int64_t m, int64_t k, int64_t n) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::string hex;
  llvm::raw_string_ostream os(hex);
  for (int64_t i = 0; i < k * n; ++i) {
    float v = dist(rng);
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    for (int b = 0; b < 4; ++b)
      os << llvm::format_hex_no_prefix((bits >> (8 * b)) & 0xff, 2, true);
  }
  std::string text;
  llvm::raw_string_ostream t(text);
  t << "func.func @forward(%x: tensor<" << m << "x" << k << "xf32>) -> tensor<"
    << m << "x" << n << "xf32> {\n"
    << "  %w = arith.constant dense<\"0x" << hex << "\"> : tensor<" << k << "x"
    << n << "xf32>\n"
    << "  %z = arith.constant 0.0 : f32\n"
    << "  %e = tensor.empty() : tensor<" << m << "x" << n << "xf32>\n"
    << "  %f = linalg.fill ins(%z : f32) outs(%e : tensor<" << m << "x" << n
    << "xf32>) -> tensor<" << m << "x" << n << "xf32>\n"
    << "  %y = linalg.matmul ins(%x, %w : tensor<" << m << "x" << k
    << "xf32>, tensor<" << k << "x" << n << "xf32>) outs(%f : tensor<" << m
    << "x" << n << "xf32>) -> tensor<" << m << "x" << n << "xf32>\n"
    << "  return %y : tensor<" << m << "x" << n << "xf32>\n}\n";
  return text;
}

/// A calibration table for the model's input (t0) and output (t1).
std::string writeTable(int64_t k) {
  llvm::SmallString<128> path;
  if (llvm::sys::fs::createTemporaryFile("qlinalg-bench", "json", path))
    return "";
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  double range = std::sqrt(double(k)) * 2.0;
  os << "{\"format\": \"qlinalg-calibration\", \"version\": 2, \"tensors\": "
     << "{\"t0\": {\"count\": 1, \"min\": -1.0, \"max\": 1.0}, "
     << "\"t1\": {\"count\": 1, \"min\": " << -range << ", \"max\": " << range
     << "}}}\n";
  return path.str().str();
}

enum class Variant { Int8Threads, Int8Vector, Int8Scalar, Float32 };

void benchMatmul(benchmark::State &state, Variant variant) {
  int64_t m = state.range(0), k = state.range(1), n = state.range(2);
  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerQLinalgDialects(registry);
  MLIRContext ctx(registry);
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(makeModel(m, k, n), &ctx);
  std::string table = writeTable(k);
  QLinalgPipelineOptions options;
  options.target = "host";
  if (variant != Variant::Float32)
    options.quantize = "calibration=" + table;
  options.vectorize = variant != Variant::Int8Scalar;
  // Every core for the threaded row, one for the others.
  options.threads = variant == Variant::Int8Threads ? 0 : 1;
  PassManager pm(&ctx);
  auto onError = [](const Twine &message) {
    llvm::errs() << message << "\n";
    return failure();
  };
  if (!module || failed(buildQLinalgCPUPipeline(pm, options, onError)) ||
      failed(pm.run(*module))) {
    state.SkipWithError("the pipeline failed");
    return;
  }
  llvm::sys::fs::remove(table);
  auto compiled =
      CompiledModule::compile(std::move(module), "forward", "host", "bench");
  if (!compiled) {
    state.SkipWithError(llvm::toString(compiled.takeError()).c_str());
    return;
  }
  NpyArray x(NpyDType::Float32, {m, k});
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (int64_t i = 0; i < m * k; ++i)
    x.getDataAs<float>()[i] = dist(rng);
  std::vector<NpyArray> inputs;
  inputs.push_back(std::move(x));
  for (auto _ : state) {
    auto out = (*compiled)->run(inputs);
    if (!out) {
      state.SkipWithError(llvm::toString(out.takeError()).c_str());
      return;
    }
    benchmark::DoNotOptimize(out->data());
  }
  state.counters["GOPS"] =
      benchmark::Counter(2.0 * double(m) * n * k * state.iterations() / 1e9,
                         benchmark::Counter::kIsRate);
}

void shapes(benchmark::internal::Benchmark *b) {
  b->Args({512, 512, 512})->Args({1024, 1024, 1024});
  b->Args({64, 256, 256})->Args({256, 256, 256})->Args({1, 1024, 1024});
  b->Unit(benchmark::kMillisecond)->MinTime(0.5);
}

} // namespace

BENCHMARK_CAPTURE(benchMatmul, int8_threads, Variant::Int8Threads)
    ->Apply(shapes)
    ->UseRealTime();
BENCHMARK_CAPTURE(benchMatmul, int8_vector, Variant::Int8Vector)->Apply(shapes);
BENCHMARK_CAPTURE(benchMatmul, int8_scalar, Variant::Int8Scalar)->Apply(shapes);
BENCHMARK_CAPTURE(benchMatmul, fp32, Variant::Float32)->Apply(shapes);

BENCHMARK_MAIN();
