// RUN: qlinalg-opt %s --qlinalg-quantize=calibration=%S/Inputs/calibration-concat.json | FileCheck %s
// RUN: qlinalg-opt %s --qlinalg-quantize=calibration=%S/Inputs/calibration-concat.json --qlinalg-fuse | FileCheck %s --check-prefix=FUSED
//
// tensor.concat quantizes to its own calibrated type (t3, [-4, 4]): each
// input in that type, a float one quantized, a quantized one rescaled
// (qlinalg.requantize of its integers, not a dequantize and a quantize),
// and the integers concatenated. --qlinalg-fuse composes the rescale into
// the matmul's epilogue.

// CHECK-LABEL: func.func @concat
// CHECK-DAG: %[[U:.*]] = qlinalg.quantize %arg1 {qlinalg.tensor_id = "t1"} : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32, [[S3:.*]]:-1>>
// CHECK-DAG: %[[Y:.*]] = qlinalg.requantize {{.*}} {qlinalg.tensor_id = "t2"} {{.*}} -> tensor<2x4x!quant.uniform<i8:f32, 0.023529412224888802>>
// CHECK: %[[R:.*]] = qlinalg.requantize %[[Y]] multiplier(fixed_point) rounding(half_away_from_zero) : tensor<2x4x!quant.uniform<i8:f32, 0.023529412224888802>> -> tensor<2x4x!quant.uniform<i8:f32, [[S3]]:-1>>
// CHECK: %[[RS:.*]] = quant.scast %[[R]] {{.*}} to tensor<2x4xi8>
// CHECK: %[[US:.*]] = quant.scast %[[U]] {{.*}} to tensor<2x3xi8>
// CHECK: %[[C:.*]] = tensor.concat dim(1) %[[RS]], %[[US]] : (tensor<2x4xi8>, tensor<2x3xi8>) -> tensor<2x7xi8>
// CHECK: %[[CQ:.*]] = quant.scast %[[C]] {qlinalg.tensor_id = "t3"}
// CHECK: qlinalg.dequantize %[[CQ]]

// FUSED-LABEL: func.func @concat
// FUSED: qlinalg.{{contract|matmul}} {{.*}} -> tensor<2x4x!quant.uniform<i8:f32, {{.*}}:-1>>
// FUSED-NOT: qlinalg.requantize
// FUSED: tensor.concat
func.func @concat(%x: tensor<2x4xf32>, %u: tensor<2x3xf32>) -> tensor<2x7xf32> {
  %w = arith.constant dense<0.5> : tensor<4x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %y = linalg.matmul ins(%x, %w : tensor<2x4xf32>, tensor<4x4xf32>) outs(%f : tensor<2x4xf32>) -> tensor<2x4xf32>
  %c = tensor.concat dim(1) %y, %u : (tensor<2x4xf32>, tensor<2x3xf32>) -> tensor<2x7xf32>
  return %c : tensor<2x7xf32>
}
