// RUN: qlinalg-opt %s --split-input-file --verify-diagnostics \
// RUN:   --qlinalg-quantize="calibration=%S/Inputs/calibration-all.json weight-granularity=per-tensor" \
// RUN:   | FileCheck %s
//
// Every contraction linalg classifies (ContractionOpInterface or
// ConvolutionOpInterface), named or generic, quantizes through the same
// patterns into qlinalg.contract with the op's own indexing maps; the weight
// channel comes from the maps. Inputs/calibration-all.json gives every id
// t0..t23 the range [-1, 2] (scale 3/255, zero point -43); weights here are
// per tensor except where a constant weight shows its channel axis in a
// second RUN below.

// Tests that a strided NHWC convolution with its bias as a linalg.broadcast
// init becomes one qlinalg.contract with the window map, the bias along the
// output channel f, and a requantize.

// CHECK-DAG: #[[LHS:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1 * 2 + d4, d2 * 2 + d5, d6)>
// CHECK-DAG: #[[RHS:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d4, d5, d6, d3)>
// CHECK-DAG: #[[BIAS:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d3)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @conv_nhwc
// CHECK: %[[Q:.*]] = qlinalg.quantize %arg0 {qlinalg.tensor_id = "t0"}
// CHECK: %[[W:.*]] = quant.scast %{{.*}} : tensor<2x2x3x2xi8> to tensor<2x2x3x2x!quant.uniform<i8<-127:127>:f32, {{.*}}>>
// CHECK: %[[B:.*]] = quant.scast %{{.*}} : tensor<2xi32> to tensor<2x!quant.uniform<i32:f32, {{.*}}>>
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x4x4x2x!quant.uniform<i32:f32, {{.*}}>>
// CHECK: %[[ACC:.*]] = qlinalg.contract ins(%[[Q]], %[[W]] : {{.*}}) bias(%[[B]] : {{.*}}) outs(%[[E]] : {{.*}}) {indexing_maps = [#[[LHS]], #[[RHS]], #[[BIAS]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
// CHECK: qlinalg.requantize %[[ACC]] {{.*}} {qlinalg.tensor_id = "t1"}
// CHECK-NOT: linalg.conv
func.func @conv_nhwc(%x: tensor<1x9x9x3xf32>) -> tensor<1x4x4x2xf32> {
  %w = arith.constant dense<0.5> : tensor<2x2x3x2xf32>
  %b = arith.constant dense<[0.5, -1.0]> : tensor<2xf32>
  %e = tensor.empty() : tensor<1x4x4x2xf32>
  %bb = linalg.broadcast ins(%b : tensor<2xf32>) outs(%e : tensor<1x4x4x2xf32>) dimensions = [0, 1, 2]
  %y = linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
         ins(%x, %w : tensor<1x9x9x3xf32>, tensor<2x2x3x2xf32>) outs(%bb : tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  return %y : tensor<1x4x4x2xf32>
}

// -----

// Tests that a padded, dilated NCHW convolution with the bias broadcast the
// way torch-mlir writes it (a linalg.generic yielding its input) quantizes
// the pad's source (t0) and pads the integers with the zero point (-43 is
// quantize(0.0)) between storage casts.

// CHECK-DAG: #[[LHS:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6) -> (d0, d4, d2 + d5 * 2, d3 + d6 * 2)>
// CHECK-LABEL: func.func @conv_nchw_padded
// CHECK-SAME: (%[[X:.*]]: tensor<?x3x5x5xf32>)
// CHECK: %[[Q:.*]] = qlinalg.quantize %[[X]] {qlinalg.tensor_id = "t0"} : tensor<?x3x5x5xf32> to tensor<?x3x5x5x!quant.uniform<i8:f32, 0.011764706112444401:-43>>
// CHECK: %[[S:.*]] = quant.scast %[[Q]] : {{.*}} to tensor<?x3x5x5xi8>
// CHECK: %[[ZP:.*]] = arith.constant -43 : i8
// CHECK: %[[P:.*]] = tensor.pad %[[S]] low[0, 0, 2, 2] high[0, 0, 2, 2]
// CHECK: tensor.yield %[[ZP]] : i8
// CHECK: %[[PQ:.*]] = quant.scast %[[P]] : tensor<?x3x9x9xi8> to tensor<?x3x9x9x!quant.uniform<i8:f32, 0.011764706112444401:-43>>
// CHECK: %[[ACC:.*]] = qlinalg.contract ins(%[[PQ]], %{{.*}}) bias(%{{.*}}) outs(%{{.*}} : tensor<?x4x5x5x!quant.uniform<i32:f32, {{.*}}>>) {indexing_maps = [#[[LHS]],
// CHECK: qlinalg.requantize %[[ACC]] {{.*}} {qlinalg.tensor_id = "t2"}
// CHECK-NOT: linalg.conv
// CHECK-NOT: tensor.pad {{.*}}f32
func.func @conv_nchw_padded(%x: tensor<?x3x5x5xf32>) -> tensor<?x4x5x5xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x3x5x5xf32>
  %p = tensor.pad %x low[0, 0, 2, 2] high[0, 0, 2, 2] {
  ^bb0(%i: index, %j: index, %k: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<?x3x5x5xf32> to tensor<?x3x9x9xf32>
  %w = arith.constant dense<0.25> : tensor<4x3x3x3xf32>
  %b = arith.constant dense<[0.5, -1.0, 0.25, 2.0]> : tensor<4xf32>
  %e = tensor.empty(%n) : tensor<?x4x5x5xf32>
  %bb = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d1)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%b : tensor<4xf32>) outs(%e : tensor<?x4x5x5xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<?x4x5x5xf32>
  %y = linalg.conv_2d_nchw_fchw {dilations = dense<2> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%p, %w : tensor<?x3x9x9xf32>, tensor<4x3x3x3xf32>) outs(%bb : tensor<?x4x5x5xf32>) -> tensor<?x4x5x5xf32>
  return %y : tensor<?x4x5x5xf32>
}

// -----

// Tests that a depthwise convolution quantizes with its channel c indexing
// the activations, the weights and the result.

// CHECK-DAG: #[[LHS:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1 + d4, d2 + d5, d3)>
// CHECK-DAG: #[[RHS:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d4, d5, d3)>
// CHECK-LABEL: func.func @depthwise
// CHECK: qlinalg.contract ins({{.*}} : tensor<1x6x6x3x{{.*}}>, tensor<3x3x3x{{.*}}>) outs({{.*}}) {indexing_maps = [#[[LHS]], #[[RHS]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
// CHECK-NOT: linalg.depthwise
func.func @depthwise(%x: tensor<1x6x6x3xf32>) -> tensor<1x4x4x3xf32> {
  %w = arith.constant dense<0.5> : tensor<3x3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x4x3xf32>) -> tensor<1x4x4x3xf32>
  %y = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x6x6x3xf32>, tensor<3x3x3xf32>) outs(%f : tensor<1x4x4x3xf32>) -> tensor<1x4x4x3xf32>
  return %y : tensor<1x4x4x3xf32>
}

// -----

// Tests that a batch matmul of two activations quantizes both (t0, t1) from
// the table.

// CHECK-LABEL: func.func @batch_matmul
// CHECK-DAG: qlinalg.quantize %arg0 {qlinalg.tensor_id = "t0"}
// CHECK-DAG: qlinalg.quantize %arg1 {qlinalg.tensor_id = "t1"}
// CHECK: qlinalg.contract {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK: qlinalg.requantize {{.*}} {qlinalg.tensor_id = "t2"}
func.func @batch_matmul(%a: tensor<2x3x4xf32>, %b: tensor<2x4x5xf32>) -> tensor<2x3x5xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3x5xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3x5xf32>) -> tensor<2x3x5xf32>
  %y = linalg.batch_matmul ins(%a, %b : tensor<2x3x4xf32>, tensor<2x4x5xf32>) outs(%f : tensor<2x3x5xf32>) -> tensor<2x3x5xf32>
  return %y : tensor<2x3x5xf32>
}

// -----

// Tests that matvec (no n loop) and vecmat (no m loop) are contractions too.

// CHECK-LABEL: func.func @matvec_vecmat
// CHECK: qlinalg.contract {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: qlinalg.contract {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK-NOT: linalg.matvec
// CHECK-NOT: linalg.vecmat
func.func @matvec_vecmat(%v: tensor<4xf32>, %u: tensor<3xf32>) -> (tensor<3xf32>, tensor<4xf32>) {
  %m = arith.constant dense<0.5> : tensor<3x4xf32>
  %zero = arith.constant 0.0 : f32
  %e3 = tensor.empty() : tensor<3xf32>
  %f3 = linalg.fill ins(%zero : f32) outs(%e3 : tensor<3xf32>) -> tensor<3xf32>
  %y = linalg.matvec ins(%m, %v : tensor<3x4xf32>, tensor<4xf32>) outs(%f3 : tensor<3xf32>) -> tensor<3xf32>
  %e4 = tensor.empty() : tensor<4xf32>
  %f4 = linalg.fill ins(%zero : f32) outs(%e4 : tensor<4xf32>) -> tensor<4xf32>
  %z = linalg.vecmat ins(%u, %m : tensor<3xf32>, tensor<3x4xf32>) outs(%f4 : tensor<4xf32>) -> tensor<4xf32>
  return %y, %z : tensor<3xf32>, tensor<4xf32>
}

// -----

// Tests that a linalg.generic matmul with a transposed constant weight (a
// linalg.transpose of a constant, as importers write nn.Linear) and its bias
// as an elementwise linalg.generic add quantizes as one unit: the transpose
// folds into the weight constant, the bias into the contraction.

// CHECK-LABEL: func.func @generic_linear
// CHECK: %[[W:.*]] = quant.scast %{{.*}} : tensor<4x3xi8>
// CHECK: qlinalg.matmul %{{.*}}, %[[W]] bias %{{.*}} :
// CHECK: qlinalg.requantize {{.*}} {qlinalg.tensor_id = "t2"}
// CHECK-NOT: {{ linalg\.}}
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d1)>
func.func @generic_linear(%x: tensor<?x4xf32>) -> tensor<?x3xf32> {
  %wt = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [-1.0, 0.5, 0.25, 0.0], [2.0, 2.0, -2.0, 1.0]]> : tensor<3x4xf32>
  %b = arith.constant dense<[0.1, 0.2, 0.3]> : tensor<3xf32>
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x4xf32>
  %et = tensor.empty() : tensor<4x3xf32>
  %w = linalg.transpose ins(%wt : tensor<3x4xf32>) outs(%et : tensor<4x3xf32>) permutation = [1, 0]
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty(%n) : tensor<?x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x3xf32>) -> tensor<?x3xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%x, %w : tensor<?x4xf32>, tensor<4x3xf32>) outs(%f : tensor<?x3xf32>) {
  ^bb0(%a: f32, %bw: f32, %acc: f32):
    %p = arith.mulf %a, %bw : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x3xf32>
  %z = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]} ins(%y, %b : tensor<?x3xf32>, tensor<3xf32>) outs(%e : tensor<?x3xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %s = arith.addf %in, %bias : f32
    linalg.yield %s : f32
  } -> tensor<?x3xf32>
  return %z : tensor<?x3xf32>
}

// -----

// Tests that a grouped convolution stays in float with a remark.

// CHECK-LABEL: func.func @grouped_conv
// CHECK-NOT: qlinalg.
// CHECK: linalg.conv_2d_ngchw_fgchw
func.func @grouped_conv(%x: tensor<1x2x4x5x5xf32>) -> tensor<1x2x3x3x3xf32> {
  %w = arith.constant dense<0.5> : tensor<3x2x4x3x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2x3x3x3xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x3x3x3xf32>) -> tensor<1x2x3x3x3xf32>
  // expected-remark @+1 {{linalg.conv_2d_ngchw_fgchw left in float: it is a grouped convolution, which is not quantized yet (its output channels span two dimensions)}}
  %y = linalg.conv_2d_ngchw_fgchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<1x2x4x5x5xf32>, tensor<3x2x4x3x3xf32>) outs(%f : tensor<1x2x3x3x3xf32>) -> tensor<1x2x3x3x3xf32>
  return %y : tensor<1x2x3x3x3xf32>
}

// -----

// Tests that a contraction whose weights have a dynamic output-channel
// dimension stays in float with a remark.

// CHECK-LABEL: func.func @dynamic_channels
// CHECK-NOT: qlinalg.
func.func @dynamic_channels(%x: tensor<3x4xf32>, %w: tensor<4x?xf32>) -> tensor<3x?xf32> {
  %zero = arith.constant 0.0 : f32
  %c1 = arith.constant 1 : index
  %n = tensor.dim %w, %c1 : tensor<4x?xf32>
  %e = tensor.empty(%n) : tensor<3x?xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x?xf32>) -> tensor<3x?xf32>
  // expected-remark @+1 {{linalg.matmul left in float: its output channels (dimension 1 of the weights) are dynamic}}
  %y = linalg.matmul ins(%x, %w : tensor<3x4xf32>, tensor<4x?xf32>) outs(%f : tensor<3x?xf32>) -> tensor<3x?xf32>
  return %y : tensor<3x?xf32>
}

// -----

// Tests that an integer contraction (an unsupported element type) stays as
// it is with a remark.

// CHECK-LABEL: func.func @integer_matmul
// CHECK-NOT: qlinalg.
func.func @integer_matmul(%x: tensor<3x4xi32>, %w: tensor<4x2xi32>, %f: tensor<3x2xi32>) -> tensor<3x2xi32> {
  // expected-remark @+1 {{linalg.matmul left in float: only f32 contractions are quantized, this one has tensor<3x4xi32>}}
  %y = linalg.matmul ins(%x, %w : tensor<3x4xi32>, tensor<4x2xi32>) outs(%f : tensor<3x2xi32>) -> tensor<3x2xi32>
  return %y : tensor<3x2xi32>
}

// -----

// Tests that weights computed from constants by something other than a
// transpose stay in float with a remark instead of asking for a range.

// CHECK-LABEL: func.func @computed_weights
// CHECK-NOT: qlinalg.
func.func @computed_weights(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %c = arith.constant dense<0.5> : tensor<2xf32>
  %ew = tensor.empty() : tensor<4x2xf32>
  %w = linalg.broadcast ins(%c : tensor<2xf32>) outs(%ew : tensor<4x2xf32>) dimensions = [0]
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  // expected-remark @+1 {{linalg.matmul left in float: its weights are computed from constants in a way that is not folded (only constants and their linalg.transpose are)}}
  %y = linalg.matmul ins(%x, %w : tensor<3x4xf32>, tensor<4x2xf32>) outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}
