// RUN: qlinalg-opt %s --split-input-file -canonicalize | FileCheck %s

// Tests that quantize(dequantize(x)) with the type of x folds to x.

// CHECK-LABEL: func.func @fold_same_type
// CHECK-SAME: (%[[Q:.*]]: tensor<?x4x!quant.uniform<i8:f32, 5.000000e-01:3>>)
// CHECK-NOT: qlinalg.dequantize
// CHECK-NOT: qlinalg.quantize
// CHECK: return %[[Q]]
func.func @fold_same_type(%q: tensor<?x4x!quant.uniform<i8:f32, 0.5:3>>) -> tensor<?x4x!quant.uniform<i8:f32, 0.5:3>> {
  %0 = qlinalg.dequantize %q : tensor<?x4x!quant.uniform<i8:f32, 0.5:3>> to tensor<?x4xf32>
  %1 = qlinalg.quantize %0 : tensor<?x4xf32> to tensor<?x4x!quant.uniform<i8:f32, 0.5:3>>
  return %1 : tensor<?x4x!quant.uniform<i8:f32, 0.5:3>>
}

// -----

// Tests that the fold also applies to a per-axis type.

// CHECK-LABEL: func.func @fold_same_per_axis_type
// CHECK-SAME: (%[[Q:.*]]: tensor<2x3x!quant.uniform<i8:f32:1, {{.*}}>>)
// CHECK-NOT: qlinalg.
// CHECK: return %[[Q]]
func.func @fold_same_per_axis_type(%q: tensor<2x3x!quant.uniform<i8:f32:1, {0.5:1, 0.25, 2.0:-3}>>) -> tensor<2x3x!quant.uniform<i8:f32:1, {0.5:1, 0.25, 2.0:-3}>> {
  %0 = qlinalg.dequantize %q : tensor<2x3x!quant.uniform<i8:f32:1, {0.5:1, 0.25, 2.0:-3}>> to tensor<2x3xf32>
  %1 = qlinalg.quantize %0 : tensor<2x3xf32> to tensor<2x3x!quant.uniform<i8:f32:1, {0.5:1, 0.25, 2.0:-3}>>
  return %1 : tensor<2x3x!quant.uniform<i8:f32:1, {0.5:1, 0.25, 2.0:-3}>>
}

// -----

// Tests that quantize(dequantize(x)) to a different zero point does not fold.

// CHECK-LABEL: func.func @no_fold_other_zero_point
// CHECK-SAME: (%[[Q:.*]]: tensor<?x4x!quant.uniform<i8:f32, 5.000000e-01:3>>)
// CHECK: %[[D:.*]] = qlinalg.dequantize %[[Q]]
// CHECK: %[[R:.*]] = qlinalg.quantize %[[D]] : tensor<?x4xf32> to tensor<?x4x!quant.uniform<i8:f32, 5.000000e-01:4>>
// CHECK: return %[[R]]
func.func @no_fold_other_zero_point(%q: tensor<?x4x!quant.uniform<i8:f32, 0.5:3>>) -> tensor<?x4x!quant.uniform<i8:f32, 0.5:4>> {
  %0 = qlinalg.dequantize %q : tensor<?x4x!quant.uniform<i8:f32, 0.5:3>> to tensor<?x4xf32>
  %1 = qlinalg.quantize %0 : tensor<?x4xf32> to tensor<?x4x!quant.uniform<i8:f32, 0.5:4>>
  return %1 : tensor<?x4x!quant.uniform<i8:f32, 0.5:4>>
}

// -----

// Tests that quantize(dequantize(x)) to a different scale does not fold.

// CHECK-LABEL: func.func @no_fold_other_scale
// CHECK: %[[D:.*]] = qlinalg.dequantize
// CHECK: %[[R:.*]] = qlinalg.quantize %[[D]] : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 2.500000e-01:3>>
// CHECK: return %[[R]]
func.func @no_fold_other_scale(%q: tensor<4x!quant.uniform<i8:f32, 0.5:3>>) -> tensor<4x!quant.uniform<i8:f32, 0.25:3>> {
  %0 = qlinalg.dequantize %q : tensor<4x!quant.uniform<i8:f32, 0.5:3>> to tensor<4xf32>
  %1 = qlinalg.quantize %0 : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.25:3>>
  return %1 : tensor<4x!quant.uniform<i8:f32, 0.25:3>>
}

// -----

// Tests that quantize(dequantize(x)) to another storage type (u8 from i8)
// does not fold.

// CHECK-LABEL: func.func @no_fold_other_storage
// CHECK: %[[D:.*]] = qlinalg.dequantize
// CHECK: %[[R:.*]] = qlinalg.quantize %[[D]] : tensor<4xf32> to tensor<4x!quant.uniform<u8:f32, 5.000000e-01:3>>
// CHECK: return %[[R]]
func.func @no_fold_other_storage(%q: tensor<4x!quant.uniform<i8:f32, 0.5:3>>) -> tensor<4x!quant.uniform<u8:f32, 0.5:3>> {
  %0 = qlinalg.dequantize %q : tensor<4x!quant.uniform<i8:f32, 0.5:3>> to tensor<4xf32>
  %1 = qlinalg.quantize %0 : tensor<4xf32> to tensor<4x!quant.uniform<u8:f32, 0.5:3>>
  return %1 : tensor<4x!quant.uniform<u8:f32, 0.5:3>>
}

// -----

// Tests that the fold does not change the static shape: a dynamic x
// dequantized to a static shape and quantized back keeps both casts.

// CHECK-LABEL: func.func @no_fold_other_shape
// CHECK: %[[D:.*]] = qlinalg.dequantize %{{.*}} : tensor<?x4x!quant.uniform<i8:f32, 5.000000e-01:3>> to tensor<2x4xf32>
// CHECK: %[[R:.*]] = qlinalg.quantize %[[D]] : tensor<2x4xf32> to tensor<2x4x!quant.uniform<i8:f32, 5.000000e-01:3>>
// CHECK: return %[[R]]
func.func @no_fold_other_shape(%q: tensor<?x4x!quant.uniform<i8:f32, 0.5:3>>) -> tensor<2x4x!quant.uniform<i8:f32, 0.5:3>> {
  %0 = qlinalg.dequantize %q : tensor<?x4x!quant.uniform<i8:f32, 0.5:3>> to tensor<2x4xf32>
  %1 = qlinalg.quantize %0 : tensor<2x4xf32> to tensor<2x4x!quant.uniform<i8:f32, 0.5:3>>
  return %1 : tensor<2x4x!quant.uniform<i8:f32, 0.5:3>>
}

// -----

// Tests that dequantize(quantize(x)) is not folded: it rounds and saturates.

// CHECK-LABEL: func.func @no_fold_dequantize_of_quantize
// CHECK-SAME: (%[[X:.*]]: tensor<4xf32>)
// CHECK: %[[Q:.*]] = qlinalg.quantize %[[X]]
// CHECK: %[[D:.*]] = qlinalg.dequantize %[[Q]]
// CHECK: return %[[D]]
func.func @no_fold_dequantize_of_quantize(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = qlinalg.quantize %x : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 0.5:3>>
  %1 = qlinalg.dequantize %0 : tensor<4x!quant.uniform<i8:f32, 0.5:3>> to tensor<4xf32>
  return %1 : tensor<4xf32>
}
