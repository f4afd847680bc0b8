// RUN: qlinalg-opt %s --split-input-file \
// RUN:   --qlinalg-fake-quantize="quantize={calibration=%S/Inputs/calibration-all.json}" \
// RUN:   | FileCheck %s
// RUN: qlinalg-opt %S/Inputs/fake-quantize-bad-options.mlir --verify-diagnostics \
// RUN:   --qlinalg-fake-quantize="quantize={estimator=none}"
//
// --qlinalg-fake-quantize keeps the float module and puts a quantize ->
// dequantize pair of its int8 type on every tensor the quantized module
// holds in int8, read off a quantized and fused copy by tensor id:
// Inputs/calibration-all.json gives every id [-1, 2] (scale 3/255, zero
// point -43). The constant weights (all 0.5: per-channel symmetric scale
// 0.5 / 127, exact) take their quantized values. The ReLU is fused into
// the first matmul in the int8 module, so the matmul's own result t1 gets
// no pair, the ReLU's t2 does.

// CHECK-LABEL: func.func @block
// CHECK: %[[Q0:.*]] = qlinalg.quantize %arg0 {qlinalg.tensor_id = "t0"} : tensor<2x4xf32> to tensor<2x4x!quant.uniform<i8:f32, 0.011764706112444401:-43>>
// CHECK-NEXT: %[[X:.*]] = qlinalg.dequantize %[[Q0]]
// CHECK: %[[W:.*]] = arith.constant dense<5.000000e-01> : tensor<4x4xf32>
// CHECK-NEXT: %[[Y:.*]] = linalg.matmul ins(%[[X]], %[[W]] :
// CHECK-NOT: arith.constant dense<5.000000e-01> : tensor<4x4xf32>
// CHECK: linalg.generic
// CHECK-NOT: qlinalg.quantize
// CHECK: arith.maximumf
// CHECK: %[[Q2:.*]] = qlinalg.quantize %{{.*}} {qlinalg.tensor_id = "t2"}
// CHECK-NEXT: %[[RF:.*]] = qlinalg.dequantize %[[Q2]]
// CHECK: linalg.matmul ins(%[[RF]], %{{.*}} :
// CHECK: %[[Q3:.*]] = qlinalg.quantize %{{.*}} {qlinalg.tensor_id = "t3"}
// CHECK-NEXT: %[[Z:.*]] = qlinalg.dequantize %[[Q3]]
// CHECK-NEXT: return %[[Z]]

#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @block(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %w = arith.constant dense<0.5> : tensor<4x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x4xf32>) outs(%f : tensor<2x4xf32>) -> tensor<2x4xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%y : tensor<2x4xf32>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<2x4xf32>
  %z = linalg.matmul ins(%r, %w : tensor<2x4xf32>, tensor<4x4xf32>) outs(%f : tensor<2x4xf32>) -> tensor<2x4xf32>
  return %z : tensor<2x4xf32>
}
