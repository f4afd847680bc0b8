//===- QLinalgBench.cpp - matmul through the pipeline, beside its peers ---===//
//
// Part of the qlinalg project, under the Apache License v2.0 with LLVM
// Exceptions. See LICENSE for license information.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Times, in one run (scripts/bench interleaves the rows at random), a
// matmul y = x @ w with constant weights in these forms:
//   qlinalg_int8   the float linalg model quantized (requantize=float: an
//                  f32 multiplier rounded half to even, ONNX QLinearMatMul's
//                  semantics and what oneDNN's output scale computes) and
//                  JIT-compiled through buildQLinalgCPUPipeline for the host
//                  target, timed as a user calls it: float in, float out,
//                  the quantize and dequantize at the borders included
//   qlinalg_int8_fixed
//                  the same with the quantizer's default fixed-point
//                  requantization (TFLite's Q31 multiplier and shift)
//   qlinalg_int8_kernel
//                  the qlinalg_int8 module with its borders replaced by the
//                  storage (quant.scast): int8 in, int8 out, as oneDNN's
//                  matmul row is timed; the difference to qlinalg_int8 is
//                  what the float borders cost
//   qlinalg_fp32   the float model itself through the same pipeline
//   dnnl_matmul    oneDNN's matmul primitive: u8 source, s8 weights
//                  prepacked (format any, reordered outside the timing),
//                  s8 destination, a per-tensor output scale
//   dnnl_gemm      oneDNN's dnnl_gemm_u8s8s32 (s32 result)
//   openblas_sgemm OpenBLAS cblas_sgemm
// and a batch matmul (8 x 128 x 64 x 128) the same ways where the peer has
// one. Each row reports GOPS (2*M*N*K per call, 2*B*M*N*K for a batch).
// Threads: OMP_NUM_THREADS (read by oneDNN's and qlinalg's OpenMP runtimes
// and by OpenBLAS); unset means every core. scripts/bench runs it once with
// one thread and once with all, and prints the table with the ratios.
//
//===----------------------------------------------------------------------===//

#include "qlinalg/Conversion/Pipeline.h"
#include "qlinalg/Dialect/QLinalg/IR/QLinalg.h"
#include "qlinalg/InitQLinalg.h"
#include "qlinalg/Runtime/Runner.h"
#include "qlinalg/Support/Npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <benchmark/benchmark.h>
#include <cblas.h>
#include <oneapi/dnnl/dnnl.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <thread>
#include <tuple>

using namespace mlir;
using namespace mlir::qlinalg;

namespace {

/// Threads of this run: OMP_NUM_THREADS, else every core.
unsigned getThreads() {
  if (const char *env = std::getenv("OMP_NUM_THREADS"))
    return std::max(1, std::atoi(env));
  return std::max(1u, std::thread::hardware_concurrency());
}

std::vector<float> randomFloats(int64_t size, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(size);
  for (float &x : v)
    x = dist(rng);
  return v;
}

std::string hexOf(const std::vector<float> &values) {
  std::string hex;
  llvm::raw_string_ostream os(hex);
  for (float v : values) {
    uint32_t bits;
    std::memcpy(&bits, &v, 4);
    for (int b = 0; b < 4; ++b)
      os << llvm::format_hex_no_prefix((bits >> (8 * b)) & 0xff, 2, true);
  }
  return hex;
}

/// The float model y = x @ w (a batch matmul when `batch` > 0) with
/// constant random weights, as text.
std::string makeModel(int64_t batch, int64_t m, int64_t k, int64_t n) {
  std::string b = batch ? std::to_string(batch) + "x" : "";
  std::string x =
      "tensor<" + b + std::to_string(m) + "x" + std::to_string(k) + "xf32>";
  std::string w =
      "tensor<" + b + std::to_string(k) + "x" + std::to_string(n) + "xf32>";
  std::string y =
      "tensor<" + b + std::to_string(m) + "x" + std::to_string(n) + "xf32>";
  std::string op = batch ? "linalg.batch_matmul" : "linalg.matmul";
  return "func.func @forward(%x: " + x + ") -> " + y + " {\n" +
         "  %w = arith.constant dense<\"0x" +
         hexOf(randomFloats((batch ? batch : 1) * k * n, 42)) + "\"> : " + w +
         "\n  %z = arith.constant 0.0 : f32\n" +
         "  %e = tensor.empty() : " + y + "\n" +
         "  %f = linalg.fill ins(%z : f32) outs(%e : " + y + ") -> " + y +
         "\n  %y = " + op + " ins(%x, %w : " + x + ", " + w +
         ") outs(%f : " + y + ") -> " + y + "\n  return %y : " + y + "\n}\n";
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

void setCounters(benchmark::State &state, double ops) {
  state.counters["GOPS"] = benchmark::Counter(
      ops * double(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
  state.counters["threads"] = getThreads();
}

/// What a qlinalg row times: the float model, the quantized one as a user
/// calls it (float borders), or its int8 core (storage borders).
enum class Form { Float, Int8, Int8Fixed, Int8Kernel };

/// Replaces the quantized entry's borders by its storage: the argument's
/// qlinalg.quantize and the result's qlinalg.dequantize become quant.scast,
/// so that @forward takes and returns the int8 tensors.
LogicalResult toStorageBorders(ModuleOp module) {
  auto f = module.lookupSymbol<func::FuncOp>("forward");
  Block &body = f.getBody().front();
  BlockArgument x = body.getArgument(0);
  auto quantize = x.hasOneUse() ? dyn_cast<QuantizeOp>(*x.getUsers().begin())
                                : QuantizeOp();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  auto dequantize = ret.getOperand(0).getDefiningOp<DequantizeOp>();
  if (!quantize || !dequantize)
    return failure();
  Location loc = f.getLoc();
  Type in = quant::QuantizedType::castToStorageType(quantize.getType());
  Type out =
      quant::QuantizedType::castToStorageType(dequantize.getInput().getType());
  if (failed(f.insertArgument(0, in, {}, loc)))
    return failure();
  OpBuilder b(quantize);
  quantize.replaceAllUsesWith(quant::StorageCastOp::create(b, loc,
                                                           quantize.getType(),
                                                           body.getArgument(0))
                                  .getResult());
  quantize.erase();
  b.setInsertionPoint(ret);
  ret->setOperand(
      0, quant::StorageCastOp::create(b, loc, out, dequantize.getInput())
             .getResult());
  dequantize.erase();
  if (failed(f.eraseArgument(1)))
    return failure();
  f.setType(FunctionType::get(f.getContext(), {in}, {out}));
  return success();
}

/// The model compiled through the pipeline for the host, once per process
/// (repetitions and interleaving call the benchmark again).
CompiledModule *getCompiled(int64_t batch, int64_t m, int64_t k, int64_t n,
                            Form form, std::string &error) {
  // Never destroyed: the JIT'ed code and its contexts live until exit
  // (static destruction would tear them down in the wrong order).
  static auto &cache =
      *new std::map<std::tuple<int64_t, int64_t, int64_t, int64_t, Form>,
                    std::unique_ptr<CompiledModule>>();
  static auto &contexts = *new std::vector<std::unique_ptr<MLIRContext>>();
  auto key = std::make_tuple(batch, m, k, n, form);
  if (auto it = cache.find(key); it != cache.end())
    return it->second.get();
  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerQLinalgDialects(registry);
  registerQLinalgPasses();
  auto ctx = std::make_unique<MLIRContext>(registry);
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(makeModel(batch, m, k, n), ctx.get());
  std::string table = writeTable(k);
  QLinalgPipelineOptions options;
  options.target = "host";
  options.threads = getThreads();
  auto onError = [](const Twine &message) {
    llvm::errs() << message << "\n";
    return failure();
  };
  bool ok = !!module;
  std::string quantizeOptions =
      "calibration=" + table +
      (form == Form::Int8Fixed ? " requantize=fixed-point"
                               : " requantize=float");
  if (ok && (form == Form::Int8 || form == Form::Int8Fixed)) {
    options.quantize = quantizeOptions;
  } else if (ok && form == Form::Int8Kernel) {
    // Quantized first, then the borders swapped, then the same pipeline.
    PassManager quantize(ctx.get());
    ok = succeeded(parsePassPipeline("qlinalg-quantize{" + quantizeOptions +
                                         "},qlinalg-fuse",
                                     quantize)) &&
         succeeded(quantize.run(*module));
    if (ok && failed(toStorageBorders(*module))) {
      llvm::errs() << "bench: the quantized module has no quantize/dequantize "
                      "borders to replace\n";
      ok = false;
    }
  }
  PassManager pm(ctx.get());
  ok = ok && succeeded(buildQLinalgCPUPipeline(pm, options, onError)) &&
       succeeded(pm.run(*module));
  llvm::sys::fs::remove(table);
  if (!ok) {
    error = "the pipeline failed";
    return nullptr;
  }
  auto compiled =
      CompiledModule::compile(std::move(module), "forward", "host", "bench");
  if (!compiled) {
    error = llvm::toString(compiled.takeError());
    return nullptr;
  }
  // The compiled module refers to its context's types: keep it alive.
  contexts.push_back(std::move(ctx));
  return (cache[key] = std::move(*compiled)).get();
}

/// qlinalg: the model through the pipeline, float in and out (or int8 in
/// and out for its kernel).
void benchQLinalg(benchmark::State &state, Form form) {
  int64_t batch = state.range(0), m = state.range(1), k = state.range(2),
          n = state.range(3);
  std::string error;
  CompiledModule *compiled = getCompiled(batch, m, k, n, form, error);
  if (!compiled) {
    state.SkipWithError(error.c_str());
    return;
  }
  SmallVector<int64_t> shape{m, k};
  if (batch)
    shape.insert(shape.begin(), batch);
  std::vector<NpyArray> inputs;
  if (form == Form::Int8Kernel) {
    NpyArray x(NpyDType::Int8, shape);
    std::mt19937 rng(7);
    auto *p = static_cast<int8_t *>(x.getData());
    for (int64_t i = 0; i < x.getNumElements(); ++i)
      p[i] = int8_t(rng());
    inputs.push_back(std::move(x));
  } else {
    NpyArray x(NpyDType::Float32, shape);
    std::vector<float> data = randomFloats(x.getNumElements(), 7);
    std::memcpy(x.getData(), data.data(), data.size() * sizeof(float));
    inputs.push_back(std::move(x));
  }
  for (auto _ : state) {
    auto out = compiled->run(inputs);
    if (!out) {
      state.SkipWithError(llvm::toString(out.takeError()).c_str());
      return;
    }
    benchmark::DoNotOptimize(out->data());
  }
  setCounters(state, 2.0 * double(batch ? batch : 1) * m * n * k);
}

/// oneDNN's matmul primitive: u8 x s8 (prepacked) -> s8, one output scale.
void benchDnnlMatmul(benchmark::State &state) {
  using namespace dnnl;
  using dt = memory::data_type;
  using tag = memory::format_tag;
  int64_t batch = state.range(0), m = state.range(1), k = state.range(2),
          n = state.range(3);
  engine eng(engine::kind::cpu, 0);
  stream s(eng);
  memory::dims a = {m, k}, b = {k, n}, c = {m, n};
  tag plain = tag::ab;
  if (batch) {
    a.insert(a.begin(), batch);
    b.insert(b.begin(), batch);
    c.insert(c.begin(), batch);
    plain = tag::abc;
  }
  memory::desc aDesc(a, dt::u8, plain), bAny(b, dt::s8, tag::any),
      bPlain(b, dt::s8, plain), cDesc(c, dt::s8, plain);
  primitive_attr attr;
  attr.set_output_scales(0, {0.01f});
  matmul::primitive_desc pd(matmul::desc(aDesc, bAny, cDesc), attr, eng);
  memory aMem(aDesc, eng), bUser(bPlain, eng), bMem(pd.weights_desc(), eng),
      cMem(cDesc, eng);
  std::mt19937 rng(3);
  auto fill = [&](memory &mem, size_t bytes) {
    auto *p = static_cast<uint8_t *>(mem.get_data_handle());
    for (size_t i = 0; i < bytes; ++i)
      p[i] = uint8_t(rng());
  };
  fill(aMem, aDesc.get_size());
  fill(bUser, bPlain.get_size());
  reorder(bUser, bMem).execute(s, bUser, bMem);
  matmul prim(pd);
  s.wait();
  for (auto _ : state) {
    prim.execute(
        s,
        {{DNNL_ARG_SRC, aMem}, {DNNL_ARG_WEIGHTS, bMem}, {DNNL_ARG_DST, cMem}});
    s.wait();
  }
  setCounters(state, 2.0 * double(batch ? batch : 1) * m * n * k);
}

/// oneDNN's dnnl_gemm_u8s8s32 (row-major, s32 result).
void benchDnnlGemm(benchmark::State &state) {
  int64_t m = state.range(1), k = state.range(2), n = state.range(3);
  std::vector<uint8_t> a(m * k);
  std::vector<int8_t> b(k * n);
  std::vector<int32_t> c(m * n);
  std::mt19937 rng(5);
  for (uint8_t &v : a)
    v = uint8_t(rng());
  for (int8_t &v : b)
    v = int8_t(rng());
  int32_t co = 0;
  for (auto _ : state) {
    dnnl_gemm_u8s8s32('N', 'N', 'F', m, n, k, 1.0f, a.data(), k, 0, b.data(), n,
                      0, 0.0f, c.data(), n, &co);
    benchmark::DoNotOptimize(c.data());
  }
  setCounters(state, 2.0 * double(m) * n * k);
}

/// OpenBLAS cblas_sgemm.
void benchSgemm(benchmark::State &state) {
  int64_t m = state.range(1), k = state.range(2), n = state.range(3);
  std::vector<float> a = randomFloats(m * k, 1), b = randomFloats(k * n, 2),
                     c(m * n);
  for (auto _ : state) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f,
                a.data(), k, b.data(), n, 0.0f, c.data(), n);
    benchmark::DoNotOptimize(c.data());
  }
  setCounters(state, 2.0 * double(m) * n * k);
}

/// Arguments: batch (0: a plain matmul), M, K, N.
void matmulShapes(benchmark::internal::Benchmark *b) {
  for (int64_t s : {256, 512, 1024, 2048})
    b->Args({0, s, s, s});
  for (int64_t m : {1, 8, 64})
    b->Args({0, m, 1024, 1024});
  b->Args({0, 128, 768, 3072});
  b->Unit(benchmark::kMillisecond)->MinTime(0.3)->UseRealTime();
}
void allShapes(benchmark::internal::Benchmark *b) {
  matmulShapes(b);
  b->Args({8, 128, 64, 128});
}

} // namespace

BENCHMARK_CAPTURE(benchQLinalg, qlinalg_int8, Form::Int8)->Apply(allShapes);
BENCHMARK_CAPTURE(benchQLinalg, qlinalg_int8_fixed, Form::Int8Fixed)
    ->Apply(allShapes);
BENCHMARK_CAPTURE(benchQLinalg, qlinalg_int8_kernel, Form::Int8Kernel)
    ->Apply(allShapes);
BENCHMARK(benchDnnlMatmul)->Name("dnnl_matmul")->Apply(allShapes);
BENCHMARK(benchDnnlGemm)->Name("dnnl_gemm")->Apply(matmulShapes);
BENCHMARK(benchSgemm)->Name("openblas_sgemm")->Apply(matmulShapes);
BENCHMARK_CAPTURE(benchQLinalg, qlinalg_fp32, Form::Float)->Apply(allShapes);

int main(int argc, char **argv) {
  // As qlinalg-run does: large buffers reused, not remapped at every call.
  retainLargeAllocations();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
