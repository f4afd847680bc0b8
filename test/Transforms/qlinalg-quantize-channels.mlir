// RUN: qlinalg-opt %s --split-input-file \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/calibration-all.json" \
// RUN:   | FileCheck %s
//
// Constant weights are quantized per output channel (the default), and the
// channel axis comes from the indexing maps: the parallel loop that indexes
// the weights and the result but not the activations (f in HWCF and FCHW,
// n in a transposed matmul), or, in a depthwise convolution, the channel
// that indexes all three. The accumulator is per axis along the result
// dimension of the same loop, and so is the bias.

// CHECK-LABEL: func.func @conv_hwcf
// CHECK: quant.scast %{{.*}} : tensor<2x2x3x2xi8> to tensor<2x2x3x2x!quant.uniform<i8<-127:127>:f32:3, {1.5748031728435308E-4,0.015748031437397003}>>
// CHECK: quant.scast %{{.*}} : tensor<2xi32> to tensor<2x!quant.uniform<i32:f32:0,
// CHECK: qlinalg.contract {{.*}} -> tensor<1x4x4x2x!quant.uniform<i32:f32:3,
func.func @conv_hwcf(%x: tensor<1x9x9x3xf32>) -> tensor<1x4x4x2xf32> {
  %w = arith.constant dense<[[[[0.01, -2.0], [0.02, 0.25], [0.01, 0.2]], [[0.01, -2.0], [0.02, 0.25], [0.01, 0.2]]], [[[0.01, -2.0], [0.02, 0.25], [0.01, 0.2]], [[0.01, -2.0], [0.02, 0.25], [0.01, 0.2]]]]> : tensor<2x2x3x2xf32>
  %b = arith.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %e = tensor.empty() : tensor<1x4x4x2xf32>
  %bb = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<1x4x4x2xf32>) dimensions = [0, 1, 2]
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
         ins(%x, %w : tensor<1x9x9x3xf32>, tensor<2x2x3x2xf32>) outs(%bb : tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  return %y : tensor<1x4x4x2xf32>
}

// -----

// CHECK-LABEL: func.func @conv_fchw
// CHECK: quant.scast %{{.*}} : tensor<2x3x1x1xi8> to tensor<2x3x1x1x!quant.uniform<i8<-127:127>:f32:0, {0.0078740157186985015,0.031496062874794006}>>
// CHECK: qlinalg.contract {{.*}} -> tensor<1x2x4x4x!quant.uniform<i32:f32:1,
func.func @conv_fchw(%x: tensor<1x3x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = arith.constant dense<[[[[1.0]], [[0.5]], [[-0.5]]], [[[4.0]], [[2.0]], [[-1.0]]]]> : tensor<2x3x1x1xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2x4x4xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x3x4x4xf32>, tensor<2x3x1x1xf32>) outs(%f : tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @depthwise
// CHECK: quant.scast %{{.*}} : tensor<1x1x2xi8> to tensor<1x1x2x!quant.uniform<i8<-127:127>:f32:2, {0.0078740157186985015,0.015748031437397003}>>
// CHECK: qlinalg.contract {{.*}} -> tensor<1x3x3x2x!quant.uniform<i32:f32:3,
func.func @depthwise(%x: tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32> {
  %w = arith.constant dense<[[[1.0, -2.0]]]> : tensor<1x1x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x3x3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32>
  %y = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x3x3x2xf32>, tensor<1x1x2xf32>) outs(%f : tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32>
  return %y : tensor<1x3x3x2xf32>
}

// -----

// CHECK-LABEL: func.func @transposed
// CHECK: quant.scast %{{.*}} : tensor<2x2xi8> to tensor<2x2x!quant.uniform<i8<-127:127>:f32:0, {0.015748031437397003,0.0039370078593492508}>>
// CHECK: qlinalg.contract {{.*}} -> tensor<3x2x!quant.uniform<i32:f32:1,
func.func @transposed(%x: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -2.0], [0.3, 0.5]]> : tensor<2x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}
