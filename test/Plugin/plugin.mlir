// qlinalg as a plugin of the stock upstream mlir-opt.
//
// RUN: split-file %s %t
// RUN: %upstream_mlir_opt %t/float.mlir --load-dialect-plugin=%qlinalg_plugin --load-pass-plugin=%qlinalg_plugin \
// RUN:   --pass-pipeline="builtin.module(qlinalg-instrument)" | FileCheck %s --check-prefix=INSTRUMENT
// The pass plugin alone is enough on a float module: the pass loads the
// dialect it creates ops of.
// RUN: %upstream_mlir_opt %t/float.mlir --load-pass-plugin=%qlinalg_plugin \
// RUN:   --pass-pipeline="builtin.module(qlinalg-instrument)" | FileCheck %s --check-prefix=INSTRUMENT
// RUN: %upstream_mlir_opt %t/float.mlir --load-dialect-plugin=%qlinalg_plugin --load-pass-plugin=%qlinalg_plugin \
// RUN:   --pass-pipeline="builtin.module(qlinalg-quantize{calibration=%S/Inputs/calibration.json})" \
// RUN:   | FileCheck %s --check-prefix=QUANTIZE
// RUN: %upstream_mlir_opt %t/float.mlir --load-dialect-plugin=%qlinalg_plugin --load-pass-plugin=%qlinalg_plugin \
// RUN:   --pass-pipeline="builtin.module(qlinalg-quantize{calibration=%S/Inputs/calibration.json},qlinalg-lower{target=generic},qlinalg-to-llvm)" \
// RUN:   | FileCheck %s --check-prefix=LLVM
// RUN: %upstream_mlir_opt %t/quantized.mlir --load-dialect-plugin=%qlinalg_plugin \
// RUN:   | %upstream_mlir_opt --load-dialect-plugin=%qlinalg_plugin | FileCheck %s --check-prefix=ROUNDTRIP
// RUN: %upstream_mlir_opt %t/invalid.mlir --load-dialect-plugin=%qlinalg_plugin --verify-diagnostics

// Tests that qlinalg-instrument runs in the stock mlir-opt.
// INSTRUMENT-LABEL: func.func @forward
// INSTRUMENT-SAME: (%[[X:.*]]: tensor<?x2xf32>)
// INSTRUMENT-NEXT: %[[XO:.*]] = qlinalg.observe %[[X]] {id = "t0"} : tensor<?x2xf32>
// INSTRUMENT: %[[Y:.*]] = linalg.matmul ins(%[[XO]],
// INSTRUMENT-NEXT: %[[YO:.*]] = qlinalg.observe %[[Y]] {id = "t1"} : tensor<?x2xf32>
// INSTRUMENT: return %[[YO]]

// Tests that qlinalg-quantize runs in the stock mlir-opt with a table and
// gives the same integers as qlinalg-opt (see
// Transforms/qlinalg-quantize.mlir for the derivation).
// QUANTIZE-LABEL: func.func @forward
// QUANTIZE: %[[Q:.*]] = qlinalg.quantize %{{.*}} {qlinalg.tensor_id = "t0"} : tensor<?x2xf32> to tensor<?x2x!quant.uniform<i8:f32, 0.011764706112444401:-43>>
// QUANTIZE: arith.constant dense<{{\[}}[127, -127], [38, 32]]> : tensor<2x2xi8>
// QUANTIZE: %[[ACC:.*]] = qlinalg.matmul %[[Q]],
// QUANTIZE: qlinalg.requantize %[[ACC]] multiplier(fixed_point) rounding(half_away_from_zero) {qlinalg.tensor_id = "t1"} : {{.*}} -> tensor<?x2x!quant.uniform<i8:f32, 0.05000000074505806:3>>
// QUANTIZE-NOT: linalg.matmul

// Tests that the whole flow down to the LLVM dialect runs in the stock
// mlir-opt.
// LLVM-LABEL: llvm.func @forward
// LLVM-SAME: attributes {qlinalg.signature = "(tensor<?x2xf32>) -> tensor<?x2xf32>"}
// LLVM-NOT: qlinalg.
// LLVM: llvm.return

// Tests that the dialect plugin parses and prints qlinalg ops (round trip).
// ROUNDTRIP-LABEL: func.func @quantized
// ROUNDTRIP-SAME: (%[[X:.*]]: tensor<?x4xf32>)
// ROUNDTRIP: %[[O:.*]] = qlinalg.observe %[[X]] {id = "t0"} : tensor<?x4xf32>
// ROUNDTRIP: %[[Q:.*]] = qlinalg.quantize %[[O]] : tensor<?x4xf32> to tensor<?x4x!quant.uniform<i8:f32, 5.000000e-01:10>>
// ROUNDTRIP: %[[W:.*]] = quant.scast
// ROUNDTRIP: %[[ACC:.*]] = qlinalg.matmul %[[Q]], %[[W]] : {{.*}} -> tensor<?x2x!quant.uniform<i32:f32, 1.250000e-01>>
// ROUNDTRIP: %[[R:.*]] = qlinalg.requantize %[[ACC]] multiplier(float) rounding(half_to_even) : {{.*}} -> tensor<?x2x!quant.uniform<i8:f32, 5.000000e-01:-4>>
// ROUNDTRIP: %[[Y:.*]] = qlinalg.dequantize %[[R]] : tensor<?x2x!quant.uniform<i8:f32, 5.000000e-01:-4>> to tensor<?x2xf32>
// ROUNDTRIP: return %[[Y]]

//--- float.mlir
func.func @forward(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.3, 0.5]]> : tensor<2x2xf32>
  %c0 = arith.constant 0 : index
  %d = tensor.dim %x, %c0 : tensor<?x2xf32>
  %e = tensor.empty(%d) : tensor<?x2xf32>
  %zero = arith.constant 0.0 : f32
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x2xf32>) -> tensor<?x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<?x2xf32>, tensor<2x2xf32>) outs(%f : tensor<?x2xf32>) -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

//--- quantized.mlir
func.func @quantized(%x: tensor<?x4xf32>) -> tensor<?x2xf32> {
  %o = qlinalg.observe %x {id = "t0"} : tensor<?x4xf32>
  %q = qlinalg.quantize %o : tensor<?x4xf32> to tensor<?x4x!quant.uniform<i8:f32, 0.5:10>>
  %wd = arith.constant dense<[[1, -2], [3, 4], [5, 6], [-7, 8]]> : tensor<4x2xi8>
  %w = quant.scast %wd : tensor<4x2xi8> to tensor<4x2x!quant.uniform<i8:f32, 0.25>>
  %acc = qlinalg.matmul %q, %w : tensor<?x4x!quant.uniform<i8:f32, 0.5:10>>, tensor<4x2x!quant.uniform<i8:f32, 0.25>> -> tensor<?x2x!quant.uniform<i32:f32, 0.125>>
  %r = qlinalg.requantize %acc multiplier(float) rounding(half_to_even) : tensor<?x2x!quant.uniform<i32:f32, 0.125>> -> tensor<?x2x!quant.uniform<i8:f32, 0.5:-4>>
  %y = qlinalg.dequantize %r : tensor<?x2x!quant.uniform<i8:f32, 0.5:-4>> to tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

//--- invalid.mlir
// Tests that the qlinalg verifiers run in the stock mlir-opt.
func.func @invalid(%t: tensor<2x3x!quant.uniform<i32:f32, 0.125:4>>) {
  // expected-error @+1 {{'qlinalg.requantize' op accumulator zero point must be 0}}
  %0 = qlinalg.requantize %t multiplier(fixed_point) rounding(half_away_from_zero) : tensor<2x3x!quant.uniform<i32:f32, 0.125:4>> -> tensor<2x3x!quant.uniform<i8:f32, 0.5>>
  return
}
